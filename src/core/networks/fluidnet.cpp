// `fluidnet`: the multi-resolution pressure network of FluidNet (Tompson et
// al.) as the MLGMRES paper uses it. The right-hand side is average-pooled
// down to a few cells; every level passes through the same convolutions, and
// coarse results are upsampled and added level by level, so the map is
// non-local and its parameter count does not depend on the grid. Sharing the
// level convolutions across resolutions is what makes the count grid-free:
// the Green's function of an elliptic operator looks alike at every scale, up
// to a gain per level (learned; it starts at 4, the factor by which a
// second-order operator's response grows when the grid spacing doubles).
// Output convolutions follow, with residual blocks inserted before the last
// one as training stagnates.
#include <algorithm>

#include "../network.hpp"
#include "layers.hpp"

namespace mlgmres {

namespace {

constexpr std::int64_t kCoarsestSide = 4;  // stop pooling before a side drops below this

struct FluidNet : Network {
  FluidNet(const Geometry &g, const Settings &s) : dim(g.dim), act(torch::nn::LeakyReLUOptions().negative_slope(s.leaky_slope)) {
    const std::int64_t c = s.channels;
    std::int64_t side = *std::min_element(g.n.begin(), g.n.begin() + g.dim);
    for (levels = 1; (side + 1) / 2 >= kCoarsestSide; side = (side + 1) / 2) ++levels;
    level = register_module("level", torch::nn::Sequential(make_conv(dim, g.dof, c), torch::nn::LeakyReLU(act), make_conv(dim, c, c),
                                                           torch::nn::LeakyReLU(act), make_conv(dim, c, c)));
    gain = register_parameter("gain", torch::full({1}, 4.0));
    head = register_module("head", torch::nn::Sequential(make_conv(dim, c, c), torch::nn::LeakyReLU(act)));
    out = register_module("out", torch::nn::Sequential(make_conv(dim, c, g.dof)));
    channels = c;
  }

  torch::Tensor forward(torch::Tensor b) override {
    std::vector<torch::Tensor> pyramid{b};
    for (int l = 1; l < levels; ++l) pyramid.push_back(pool_half(pyramid.back(), dim));
    torch::Tensor y = level->forward(pyramid.back());
    for (int l = levels - 2; l >= 0; --l) y = level->forward(pyramid[l]) + gain * upsample_to(y, spatial_size(pyramid[l]));
    y = head->forward(y);
    for (auto &block : residual) y = y + block->forward(y);
    return out->forward(y);
  }

  std::vector<torch::Tensor> grow() override {
    auto block = torch::nn::Sequential(make_conv(dim, channels, channels), torch::nn::LeakyReLU(act), make_conv(dim, channels, channels));
    {
      // Identity start: the block's last convolution is zero, so y + block(y) = y.
      torch::NoGradGuard no_grad;
      for (auto &p : block[2]->parameters()) p.zero_();
    }
    const torch::Tensor ref = gain;
    block->to(ref.device(), ref.scalar_type());
    residual.push_back(register_module("block" + std::to_string(residual.size()), block));
    return block->parameters();
  }
  int blocks() const override { return (int)residual.size(); }

  int dim, levels = 1;
  std::int64_t channels = 8;
  torch::nn::LeakyReLUOptions act;
  torch::nn::Sequential level{nullptr}, head{nullptr}, out{nullptr};
  torch::Tensor gain;
  std::vector<torch::nn::Sequential> residual;
};

}  // namespace

NetworkPtr make_fluidnet(const Geometry &g, const Settings &s) { return std::make_shared<FluidNet>(g, s); }

}  // namespace mlgmres
