#include "network.hpp"

#include <stdexcept>

#include "mlgmres/models.hpp"

namespace mlgmres {

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

NetworkPtr make_network(const std::string &name, const Geometry &g, const Settings &s) {
  Settings named = s;
  named.model = name;
  check_model_serves(named, g);
  if (name == "fluidnet") return make_fluidnet(g, s);
  if (name == "cnn") return make_dilated_cnn(g, s);
  return make_dense(g, s);
}

}  // namespace mlgmres
