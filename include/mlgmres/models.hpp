// Names of the networks the learner can build. Torch-free so the PETSc layer
// can validate options without LibTorch headers.
#pragma once

#include <string>
#include <vector>

#include "mlgmres/geometry.hpp"
#include "mlgmres/settings.hpp"

namespace mlgmres {

struct ModelInfo {
  std::string name;
  std::string description;
  bool needs_grid;  // true: requires a structured geometry (DMDA)
};

const std::vector<ModelInfo> &model_registry();
const ModelInfo *find_model(const std::string &name);  // nullptr when unknown

// Throws std::invalid_argument saying why the settings' model cannot serve
// this geometry: an unknown name, none, a grid model without a grid, the
// dense model beyond linear_max unknowns, an unknown precision or device.
// Checked before the engine is loaded, and again by the engine.
void check_model_serves(const Settings &s, const Geometry &g);

}  // namespace mlgmres
