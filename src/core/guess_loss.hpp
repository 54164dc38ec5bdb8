// How training measures a guess's error. GMRES stops on the residual
// b - A x0, not on the error, so the error norm that predicts its work
// weighs error components by how much residual they leave.
#pragma once

#include <torch/torch.h>

#include <string>

#include "mlgmres/geometry.hpp"

namespace mlgmres {

// The losses: "mse" (mean square error) and "laplacian" (mean square of the
// grid Laplacian of the error: unit spacing, zero walls, each dof component
// on its own; needs a structured grid). Built once per trainer: the stencil
// lives on the network's device in its dtype.
class GuessLoss {
 public:
  // Throws std::invalid_argument for an unknown name or "laplacian" without a
  // structured grid.
  GuessLoss(const std::string &name, const Geometry &g, torch::Device device, torch::Dtype dtype);

  // Loss of `guess` against `target`, both in network layout for the geometry.
  torch::Tensor operator()(const torch::Tensor &guess, const torch::Tensor &target) const;

 private:
  torch::Tensor stencil_;  // (dof, 1, 3...): the Laplacian per component; undefined for mse
};

}  // namespace mlgmres
