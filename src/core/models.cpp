// The models the learner can build, by name: what the PETSc layer validates
// options against without loading the learning engine (no LibTorch here).
#include "mlgmres/models.hpp"

namespace mlgmres {

const std::vector<ModelInfo> &model_registry() {
  static const std::vector<ModelInfo> registry = {
      {"fluidnet", "multi-resolution network (FluidNet): average-pool pyramid, shared per-level convolutions, residual blocks grown as training stagnates", true},
      {"cnn", "dilated all-convolution network whose receptive field covers the grid", true},
      {"linear", "dense map x = T b (small problems; no grid needed)", false},
      {"none", "no network: the basis of earlier solutions alone (the learning engine is never loaded)", false},
  };
  return registry;
}

const ModelInfo *find_model(const std::string &name) {
  for (const ModelInfo &m : model_registry())
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace mlgmres
