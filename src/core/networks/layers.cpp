#include "layers.hpp"

#include <stdexcept>

namespace mlgmres {

torch::nn::AnyModule make_conv(int dim, std::int64_t in, std::int64_t out, std::int64_t dilation) {
  const std::int64_t k = 3, pad = dilation;
  switch (dim) {
    case 1: return torch::nn::AnyModule(torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
    case 2: return torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
    case 3: return torch::nn::AnyModule(torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
  }
  throw std::invalid_argument("convolutions need a 1-D, 2-D or 3-D grid");
}

std::vector<std::int64_t> on_grid_of(const torch::Tensor &x, std::initializer_list<std::int64_t> leading) {
  std::vector<std::int64_t> shape(leading);
  shape.insert(shape.end(), x.sizes().begin() + 2, x.sizes().end());
  return shape;
}

}  // namespace mlgmres
