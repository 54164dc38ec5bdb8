#include "guess_loss.hpp"

#include <stdexcept>
#include <vector>

namespace mlgmres {

// 2*dim times a point minus its 2*dim neighbours (zero outside the grid), per
// component: for the Poisson family the residual an error leaves, up to h^2.
static torch::Tensor laplacian_stencil(int dim, std::int64_t components) {
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
  copies[0] = components;
  return torch::tensor(stencil).reshape(shape).repeat(copies);
}

GuessLoss::GuessLoss(const std::string &name, const Geometry &g, torch::Device device, torch::Dtype dtype) {
  if (name != "mse" && name != "laplacian") throw std::invalid_argument("unknown loss '" + name + "' (mse, laplacian)");
  if (name == "mse") return;
  if (!g.structured()) throw std::invalid_argument("loss 'laplacian' needs a structured grid (a DMDA)");
  stencil_ = laplacian_stencil(g.dim, g.dof).to(device, dtype);
}

torch::Tensor GuessLoss::operator()(const torch::Tensor &guess, const torch::Tensor &target) const {
  if (!stencil_.defined()) return torch::mse_loss(guess, target);
  namespace F = torch::nn::functional;
  const torch::Tensor e = guess - target;
  const std::int64_t groups = stencil_.size(0);
  torch::Tensor r;
  switch (stencil_.dim() - 2) {  // the grid's dimension
    case 1: r = F::conv1d(e, stencil_, F::Conv1dFuncOptions().padding(1).groups(groups)); break;
    case 2: r = F::conv2d(e, stencil_, F::Conv2dFuncOptions().padding(1).groups(groups)); break;
    default: r = F::conv3d(e, stencil_, F::Conv3dFuncOptions().padding(1).groups(groups)); break;
  }
  return r.square().mean();
}

}  // namespace mlgmres
