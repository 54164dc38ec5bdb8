// LibTorch networks behind the model registry. Every network maps a normalized
// right-hand side [batch, dof, (z,) (y,) x] to a normalized solution of the
// same shape, has no bias (so N(a b) = a N(b) for a > 0) and uses zero padding
// (the zero-Dirichlet boundary).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "mlgmres/geometry.hpp"
#include "mlgmres/settings.hpp"

namespace mlgmres {

struct Network : torch::nn::Module {
  virtual torch::Tensor forward(torch::Tensor b) = 0;

  // Appends one residual block before the output layer that starts as the
  // identity (the guess does not jump), on the network's device and dtype.
  // Returns the new parameters for the optimizer; empty when this model
  // cannot grow.
  virtual std::vector<torch::Tensor> grow() { return {}; }
  virtual int blocks() const { return 0; }

  std::int64_t parameter_count() const;

  // A lower bound on the multiply-adds of one forward pass over a grid of
  // `points` cells: in a convolutional network every weight is applied at
  // every cell of the finest level at least once. Dense maps override it.
  virtual double forward_macs(std::int64_t points) const { return (double)parameter_count() * (double)points; }
};
using NetworkPtr = std::shared_ptr<Network>;

// Throws std::invalid_argument for an unknown name or a model that cannot
// serve this geometry.
NetworkPtr make_network(const std::string &name, const Geometry &g, const Settings &s);

// The constructors behind the registry (src/core/networks/).
NetworkPtr make_fluidnet(const Geometry &g, const Settings &s);
NetworkPtr make_dilated_cnn(const Geometry &g, const Settings &s);
NetworkPtr make_dense(const Geometry &g, const Settings &s);

// Flat natural-order buffers [batch, points*dof] <-> network layout.
torch::Tensor to_network_layout(const torch::Tensor &flat, const Geometry &g);
torch::Tensor from_network_layout(const torch::Tensor &net, const Geometry &g);

}  // namespace mlgmres
