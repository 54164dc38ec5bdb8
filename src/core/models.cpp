// The models the learner can build, by name: what the PETSc layer validates
// options against without loading the learning engine (no LibTorch here).
#include "mlgmres/models.hpp"

#include <stdexcept>

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

void check_model_serves(const Settings &s, const Geometry &g) {
  const ModelInfo *info = find_model(s.model);
  if (!info) throw std::invalid_argument("unknown model '" + s.model + "'");
  if (s.model == "none") throw std::invalid_argument("model 'none' builds no network");
  if (info->needs_grid && !g.structured()) throw std::invalid_argument("model '" + s.model + "' needs a structured grid (a DMDA)");
  if (s.model == "linear" && g.size() > s.linear_max)
    throw std::invalid_argument("model 'linear' is limited to " + std::to_string(s.linear_max) + " unknowns, the problem has " + std::to_string(g.size()));
  if (s.precision != "float32" && s.precision != "float64" && s.precision != "bfloat16" && s.precision != "float16")
    throw std::invalid_argument("unsupported precision '" + s.precision + "' (float32, float64, bfloat16, float16)");
  if (s.precision == "float16" && s.device != "cuda")
    throw std::invalid_argument("precision float16 needs device cuda: LibTorch's CPU kernels have no float16 convolutions (use bfloat16 on the CPU)");
  if (s.device != "cpu" && s.device != "cuda") throw std::invalid_argument("unknown device '" + s.device + "' (cpu, cuda)");
}

}  // namespace mlgmres
