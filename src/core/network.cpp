#include "network.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "mlgmres/models.hpp"

namespace mlgmres {

const std::vector<ModelInfo> &model_registry() {
  static const std::vector<ModelInfo> registry = {
      {"cnn", "dilated all-convolution network whose receptive field covers the grid", true},
      {"linear", "dense map x = T b (small problems; no grid needed)", false},
  };
  return registry;
}

const ModelInfo *find_model(const std::string &name) {
  for (const ModelInfo &m : model_registry())
    if (m.name == name) return &m;
  return nullptr;
}

std::int64_t Network::parameter_count() const {
  std::int64_t n = 0;
  for (const auto &p : parameters()) n += p.numel();
  return n;
}

torch::Tensor to_network_layout(const torch::Tensor &flat, const Geometry &g) {
  const std::int64_t B = flat.size(0);
  if (!g.structured()) return flat.reshape({B, 1, g.size()});
  // natural order: dof fastest, then x, y, z
  torch::Tensor t = flat.reshape({B, g.n[2], g.n[1], g.n[0], g.dof}).permute({0, 4, 1, 2, 3});
  if (g.dim == 2) t = t.squeeze(2);
  else if (g.dim == 1) t = t.squeeze(2).squeeze(2);
  return t.contiguous();
}

torch::Tensor from_network_layout(const torch::Tensor &net, const Geometry &g) {
  const std::int64_t B = net.size(0);
  if (!g.structured()) return net.reshape({B, g.size()});
  torch::Tensor t = net.reshape({B, g.dof, g.n[2], g.n[1], g.n[0]}).permute({0, 2, 3, 4, 1});
  return t.contiguous().reshape({B, g.size()});
}

namespace {

torch::nn::AnyModule conv(int dim, std::int64_t in, std::int64_t out, std::int64_t dilation) {
  const std::int64_t k = 3, pad = dilation;  // "same" size for kernel 3
  switch (dim) {
    case 1: return torch::nn::AnyModule(torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
    case 2: return torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
    case 3: return torch::nn::AnyModule(torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, k).padding(pad).dilation(dilation).bias(false)));
  }
  throw std::invalid_argument("convolutions need a 1-D, 2-D or 3-D grid");
}

// Dilations 1, 2, 4, ... until the receptive field spans the longest grid side
// from any point, so every unknown can see every source.
struct DilatedCNN : Network {
  DilatedCNN(const Geometry &g, std::int64_t channels) {
    const std::int64_t longest = *std::max_element(g.n.begin(), g.n.end());
    net = register_module("net", torch::nn::Sequential());
    net->push_back(conv(g.dim, g.dof, channels, 1));
    net->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.1)));
    for (std::int64_t d = 1, reach = 1; reach < longest; d *= 2) {
      net->push_back(conv(g.dim, channels, channels, d));
      net->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.1)));
      reach += 2 * d;
    }
    net->push_back(conv(g.dim, channels, g.dof, 1));
  }
  torch::Tensor forward(torch::Tensor b) override { return net->forward(b); }
  torch::nn::Sequential net{nullptr};
};

// x = T b on the flattened field; T starts at zero, i.e. at PETSc's zero guess.
struct Dense : Network {
  explicit Dense(std::int64_t n) {
    map = register_module("map", torch::nn::Linear(torch::nn::LinearOptions(n, n).bias(false)));
    torch::NoGradGuard no_grad;
    map->weight.zero_();
  }
  torch::Tensor forward(torch::Tensor b) override {
    auto shape = b.sizes().vec();
    return map->forward(b.reshape({b.size(0), -1})).reshape(shape);
  }
  torch::nn::Linear map{nullptr};
};

}  // namespace

NetworkPtr make_network(const std::string &name, const Geometry &g, const Settings &s) {
  const ModelInfo *info = find_model(name);
  if (!info) throw std::invalid_argument("unknown model '" + name + "'");
  if (info->needs_grid && !g.structured()) throw std::invalid_argument("model '" + name + "' needs a structured grid (a DMDA)");
  if (name == "cnn") return std::make_shared<DilatedCNN>(g, 8);
  if (g.size() > s.linear_max)
    throw std::invalid_argument("model 'linear' is limited to " + std::to_string(s.linear_max) + " unknowns, the problem has " + std::to_string(g.size()));
  return std::make_shared<Dense>(g.size());
}

}  // namespace mlgmres
