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
//
// Boundary features: convolutions are translation invariant, but the Green's
// function of a Dirichlet problem is not: near a face the solution is pulled
// to zero over a distance set by the charge's distance to that face. So the
// input enters as b * phi_k and the output is sum_k phi_k * y_k, with phi_0 = 1
// and one field phi = exp(-d / width) per face (d: distance to the face as a
// fraction of the side). The map stays positively homogeneous in b, and the
// parameter count still does not depend on the grid. Measured on the 120-solve
// moving-charge test (last 40 solves): iterations 1.42x -> 1.56x fewer on
// 32^2, 1.22x -> 1.31x on 64^2.
#include <algorithm>

#include "../network.hpp"
#include "layers.hpp"

namespace mlgmres {

namespace {

constexpr std::int64_t kCoarsestSide = 4;  // stop pooling before a side drops below this

struct FluidNet : Network {
  FluidNet(const Geometry &g, const Settings &s) : dim(g.dim), dof(g.dof), act(torch::nn::LeakyReLUOptions().negative_slope(s.leaky_slope)) {
    const std::int64_t c = s.channels;
    fields = s.boundary_width > 0 ? 1 + 2 * dim : 1;
    std::int64_t side = *std::min_element(g.n.begin(), g.n.begin() + g.dim);
    for (levels = 1; (side + 1) / 2 >= kCoarsestSide; side = (side + 1) / 2) ++levels;
    level = register_module("level", torch::nn::Sequential(make_conv(dim, g.dof * fields, c), torch::nn::LeakyReLU(act), make_conv(dim, c, c),
                                                           torch::nn::LeakyReLU(act), make_conv(dim, c, c)));
    gain = register_parameter("gain", torch::full({1}, 4.0));
    head = register_module("head", torch::nn::Sequential(make_conv(dim, c, c), torch::nn::LeakyReLU(act)));
    out = register_module("out", torch::nn::Sequential(make_conv(dim, c, g.dof * fields)));
    channels = c;
    // A buffer, not a parameter: it follows the network's device and dtype.
    if (fields > 1) phi = register_buffer("phi", boundary_fields(g, s.boundary_width));
  }

  // (1, 1, fields, spatial...) in network layout ((z,) (y,) x): 1, then
  // exp(-d / width) for the low and high face of each axis.
  static torch::Tensor boundary_fields(const Geometry &g, double width) {
    std::vector<std::int64_t> size;
    for (int a = g.dim - 1; a >= 0; --a) size.push_back(g.n[a]);
    std::vector<torch::Tensor> f{torch::ones(size)};
    for (int a = 0; a < g.dim; ++a) {
      // Node i of n interior nodes sits (i + 1) / (n + 1) of the side from the low face.
      const torch::Tensor d = torch::arange(1, size[a] + 1, torch::kFloat32) / double(size[a] + 1);
      std::vector<std::int64_t> shape(g.dim, 1);
      shape[a] = size[a];
      f.push_back(torch::exp(-d / width).view(shape).expand(size));
      f.push_back(torch::exp(-d.flip(0) / width).view(shape).expand(size));
    }
    return torch::stack(f).unsqueeze(0).unsqueeze(0);
  }

  torch::Tensor forward(torch::Tensor b) override {
    if (fields > 1) {
      // (batch, dof, spatial...) -> (batch, dof * fields, spatial...)
      std::vector<std::int64_t> shape = spatial_size(b);
      shape.insert(shape.begin(), {b.size(0), dof * fields});
      b = (b.unsqueeze(2) * phi).reshape(shape);
    }
    std::vector<torch::Tensor> pyramid{b};
    for (int l = 1; l < levels; ++l) pyramid.push_back(pool_half(pyramid.back(), dim));
    torch::Tensor y = level->forward(pyramid.back());
    for (int l = levels - 2; l >= 0; --l) y = level->forward(pyramid[l]) + gain * upsample_to(y, spatial_size(pyramid[l]));
    y = head->forward(y);
    for (auto &block : residual) y = y + block->forward(y);
    y = out->forward(y);
    if (fields == 1) return y;
    std::vector<std::int64_t> shape = spatial_size(y);
    shape.insert(shape.begin(), {y.size(0), dof, fields});
    return (y.reshape(shape) * phi).sum(2);
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
  std::int64_t dof, fields = 1, channels = 8;
  torch::Tensor phi;  // boundary fields (defined when fields > 1)
  torch::nn::LeakyReLUOptions act;
  torch::nn::Sequential level{nullptr}, head{nullptr}, out{nullptr};
  torch::Tensor gain;
  std::vector<torch::nn::Sequential> residual;
};

}  // namespace

NetworkPtr make_fluidnet(const Geometry &g, const Settings &s) { return std::make_shared<FluidNet>(g, s); }

}  // namespace mlgmres
