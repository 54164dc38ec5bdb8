#include "layers.hpp"

#include <stdexcept>

namespace mlgmres {

namespace F = torch::nn::functional;

torch::nn::AnyModule make_conv(int dim, std::int64_t in, std::int64_t out, std::int64_t dilation) {
  const std::int64_t k = 3, pad = dilation;
  switch (dim) {
    case 1: return torch::nn::AnyModule(torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
    case 2: return torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
    case 3: return torch::nn::AnyModule(torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
  }
  throw std::invalid_argument("convolutions need a 1-D, 2-D or 3-D grid");
}

torch::Tensor pool_half(const torch::Tensor &x, int dim) {
  switch (dim) {
    case 1: return F::avg_pool1d(x, F::AvgPool1dFuncOptions(2).ceil_mode(true));
    case 2: return F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).ceil_mode(true));
    case 3: return F::avg_pool3d(x, F::AvgPool3dFuncOptions(2).ceil_mode(true));
  }
  throw std::invalid_argument("pooling needs a 1-D, 2-D or 3-D grid");
}

torch::Tensor upsample_to(const torch::Tensor &x, const std::vector<std::int64_t> &size) {
  torch::nn::functional::InterpolateFuncOptions::mode_t mode;
  switch (size.size()) {
    case 1: mode = torch::kLinear; break;
    case 2: mode = torch::kBilinear; break;
    case 3: mode = torch::kTrilinear; break;
    default: throw std::invalid_argument("upsampling needs a 1-D, 2-D or 3-D grid");
  }
  return F::interpolate(x, F::InterpolateFuncOptions().size(size).mode(mode).align_corners(false));
}

std::vector<std::int64_t> spatial_size(const torch::Tensor &x) {
  auto s = x.sizes().vec();
  return std::vector<std::int64_t>(s.begin() + 2, s.end());
}

}  // namespace mlgmres
