// `linear`: x = T b on the flattened field, the paper's spectral model (training
// moves the spectrum of A T toward 1). T starts at zero, i.e. at PETSc's zero
// guess. Limited to small problems: T has n^2 entries.
#include <stdexcept>

#include "../network.hpp"

namespace mlgmres {

namespace {

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
  double forward_macs(std::int64_t) const override { return (double)parameter_count(); }
  torch::nn::Linear map{nullptr};
};

}  // namespace

NetworkPtr make_dense(const Geometry &g, const Settings &) {
  return std::make_shared<Dense>(g.size());
}

}  // namespace mlgmres
