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
// on its own; needs a structured grid).
// Throws std::invalid_argument for an unknown name or "laplacian" without a
// structured grid.
void check_guess_loss(const std::string &name, const Geometry &g);

// Loss of `guess` against `target`, both in network layout for geometry g
// (the name must pass check_guess_loss).
torch::Tensor guess_loss(const std::string &name, const torch::Tensor &guess, const torch::Tensor &target, const Geometry &g);

}  // namespace mlgmres
