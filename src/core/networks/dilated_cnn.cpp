// `cnn`: a dilated all-convolution network. Dilations 1, 2, 4, ... are added
// until the receptive field spans the longest grid side from any point, so
// every unknown sees every source (the reference code hand-tuned this).
#include <algorithm>

#include "../network.hpp"
#include "layers.hpp"

namespace mlgmres {

namespace {

struct DilatedCNN : Network {
  DilatedCNN(const Geometry &g, const Settings &s) {
    const std::int64_t longest = *std::max_element(g.n.begin(), g.n.end()), c = s.channels;
    const auto act = torch::nn::LeakyReLUOptions().negative_slope(s.leaky_slope);
    net = register_module("net", torch::nn::Sequential());
    net->push_back(make_conv(g.dim, g.dof, c));
    net->push_back(torch::nn::LeakyReLU(act));
    for (std::int64_t d = 1, reach = 1; reach < longest; d *= 2) {
      net->push_back(make_conv(g.dim, c, c, d));
      net->push_back(torch::nn::LeakyReLU(act));
      reach += 2 * d;
    }
    net->push_back(make_conv(g.dim, c, g.dof));
  }
  torch::Tensor forward(torch::Tensor b) override { return net->forward(b); }
  torch::nn::Sequential net{nullptr};
};

}  // namespace

NetworkPtr make_dilated_cnn(const Geometry &g, const Settings &s) { return std::make_shared<DilatedCNN>(g, s); }

}  // namespace mlgmres
