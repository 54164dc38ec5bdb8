// The learning engine's entry point. The engine (LibTorch, the networks, the
// trainer) is a shared library of its own, libmlgmres_engine.so, that the
// PETSc plugin loads with dlopen the first time a network is built: a run
// that never builds one (-ksp_guess_ml_model none, or a problem no model
// serves) never loads LibTorch. The plugin looks the table below up by its C
// name and calls the engine only through it and through Learner's virtual
// methods, so it links nothing of the engine.
#pragma once

#include <memory>
#include <string>

#include "mlgmres/geometry.hpp"
#include "mlgmres/learner.hpp"
#include "mlgmres/settings.hpp"

namespace mlgmres {

// Bumped whenever this table, Learner's methods or the types they pass change.
constexpr int kEngineAbi = 1;

struct EngineApi {
  int abi;  // kEngineAbi of the engine's build
  // Throws what Learner's constructor throws.
  std::unique_ptr<Learner> (*create_learner)(const Settings &s, const Geometry &g);
  bool (*device_available)(const std::string &device);
};

}  // namespace mlgmres

// The engine's one exported symbol.
extern "C" const mlgmres::EngineApi *mlgmres_engine(void);
