// Loads the learning engine (mlgmres/engine.hpp) the first time it is needed,
// once per process: a run that never builds a network never loads LibTorch.
#pragma once

#include <string>

#include "mlgmres/engine.hpp"

// The engine's table, loaded at the first call from $MLGMRES_ENGINE if set,
// else from libmlgmres_engine.so in the directory of this library. Throws
// std::runtime_error naming the file when it cannot be loaded or is not an
// engine of this build's interface.
const mlgmres::EngineApi &MLEngine();
// Whether the engine is loaded in this process, and from where.
bool        MLEngineLoaded();
std::string MLEnginePath();
