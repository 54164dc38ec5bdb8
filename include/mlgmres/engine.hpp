// The learning engine's entry point. The engine (LibTorch, the networks, the
// trainer) is a shared library of its own, libmlgmres_engine.so, that the
// PETSc plugin loads with dlopen the first time a network is built, which
// the learner asks for when its first training is due: a run that never
// trains (-ksp_guess_ml_model none, a problem no model serves, or solves so
// cheap that the time budget never covers a training) never loads LibTorch.
// The plugin looks the table below up by its C name and calls the engine
// only through it and through Model's virtual methods, so it links nothing
// of the engine.
#pragma once

#include <memory>
#include <string>

#include "mlgmres/geometry.hpp"
#include "mlgmres/model.hpp"
#include "mlgmres/settings.hpp"

namespace mlgmres {

// Bumped whenever this table, Model's methods or the types they pass
// (Settings, Geometry, ReplayStore, TrainingReport) change.
constexpr int kEngineAbi = 2;

struct EngineApi {
  int abi;  // kEngineAbi of the engine's build
  std::unique_ptr<Model> (*create_model)(const Settings &s, const Geometry &g);
  bool (*device_available)(const std::string &device);
};

// The same two functions, for code linked with the engine (its tests).
// Throws std::invalid_argument when the settings cannot build a network for
// this geometry (unknown model, precision or device, cuda without CUDA, ...).
std::unique_ptr<Model> make_model(const Settings &s, const Geometry &g);
// Whether this LibTorch build can run on the device ("cpu", "cuda").
bool device_available(const std::string &device);

}  // namespace mlgmres

// The engine's one exported symbol.
extern "C" const mlgmres::EngineApi *mlgmres_engine(void);
