#include "guess_loss.hpp"

#include <stdexcept>

namespace mlgmres {

void check_guess_loss(const std::string &name, const Geometry &g) {
  if (name != "mse" && name != "laplacian") throw std::invalid_argument("unknown loss '" + name + "' (mse, laplacian)");
  if (name == "laplacian" && !g.structured()) throw std::invalid_argument("loss 'laplacian' needs a structured grid (a DMDA)");
}

// 2*dim times a point minus its 2*dim neighbours (zero outside the grid), per
// channel: for the Poisson family the residual an error leaves, up to h^2.
static torch::Tensor grid_laplacian(const torch::Tensor &e, int dim) {
  namespace F = torch::nn::functional;
  const std::int64_t channels = e.size(1);
  // The 3^dim stencil, flat: the centre and, per axis, the neighbours one
  // stride either side of it.
  std::int64_t points = 1;
  for (int a = 0; a < dim; ++a) points *= 3;
  std::vector<float> stencil(points, 0.0f);
  const std::int64_t centre = points / 2;
  stencil[centre] = 2.0f * dim;
  for (std::int64_t stride = 1; stride < points; stride *= 3) stencil[centre - stride] = stencil[centre + stride] = -1.0f;
  std::vector<std::int64_t> shape{1, 1}, copies(2 + dim, 1);
  shape.insert(shape.end(), dim, 3);
  copies[0] = channels;
  const torch::Tensor k = torch::tensor(stencil).reshape(shape).repeat(copies).to(e.options());
  switch (dim) {
    case 1: return F::conv1d(e, k, F::Conv1dFuncOptions().padding(1).groups(channels));
    case 2: return F::conv2d(e, k, F::Conv2dFuncOptions().padding(1).groups(channels));
    default: return F::conv3d(e, k, F::Conv3dFuncOptions().padding(1).groups(channels));
  }
}

torch::Tensor guess_loss(const std::string &name, const torch::Tensor &guess, const torch::Tensor &target, const Geometry &g) {
  if (name == "mse") return torch::mse_loss(guess, target);
  return grid_laplacian(guess - target, g.dim).square().mean();
}

}  // namespace mlgmres
