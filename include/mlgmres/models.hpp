// Names of the networks the learner can build. Torch-free so the PETSc layer
// can validate options without LibTorch headers.
#pragma once

#include <string>
#include <vector>

namespace mlgmres {

struct ModelInfo {
  std::string name;
  std::string description;
  bool needs_grid;  // true: requires a structured geometry (DMDA)
};

const std::vector<ModelInfo> &model_registry();
const ModelInfo *find_model(const std::string &name);  // nullptr when unknown

}  // namespace mlgmres
