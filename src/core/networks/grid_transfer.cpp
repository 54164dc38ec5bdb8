#include "grid_transfer.hpp"

#include <stdexcept>

namespace mlgmres {

namespace F = torch::nn::functional;

GridTransfer::GridTransfer(const std::vector<std::int64_t> &fine) : fine_(fine) {
  if (fine.empty() || fine.size() > 3) throw std::invalid_argument("grid transfers need a 1-D, 2-D or 3-D grid");
  for (std::int64_t n : fine) coarse_.push_back(coarsen(n));
}

namespace {

// Sizes with the two walls of every axis added as nodes.
std::vector<std::int64_t> with_walls(const std::vector<std::int64_t> &interior) {
  std::vector<std::int64_t> s;
  for (std::int64_t n : interior) s.push_back(n + 2);
  return s;
}

// Zero values at the walls of every spatial axis: (..., n, ...) -> (..., n + 2, ...).
torch::Tensor add_walls(const torch::Tensor &x) { return F::pad(x, F::PadFuncOptions(std::vector<std::int64_t>(2 * (x.dim() - 2), 1))); }

torch::Tensor drop_walls(torch::Tensor x) {
  for (std::int64_t a = 2; a < x.dim(); ++a) x = x.narrow(a, 1, x.size(a) - 2);
  return x;
}

}  // namespace

// Linear interpolation with aligned corners maps wall to wall: fine node i
// of n + 1 intervals reads the coarse grid at i (m + 1) / (n + 1).
torch::Tensor GridTransfer::prolong_to_fine(const torch::Tensor &x) const {
  F::InterpolateFuncOptions::mode_t mode;
  switch (fine_.size()) {
    case 1: mode = torch::kLinear; break;
    case 2: mode = torch::kBilinear; break;
    default: mode = torch::kTrilinear; break;
  }
  return drop_walls(F::interpolate(add_walls(x), F::InterpolateFuncOptions().size(with_walls(fine_)).mode(mode).align_corners(true)));
}

// The transpose of prolong_to_fine (LibTorch's interpolation backward), times
// (m + 1) / (n + 1) per axis so that the weights reaching a coarse node sum to one.
torch::Tensor GridTransfer::restrict_to_coarse(const torch::Tensor &x) const {
  const std::vector<std::int64_t> out = with_walls(fine_);
  std::vector<std::int64_t> in{x.size(0), x.size(1)};
  double scale = 1;
  for (std::size_t a = 0; a < fine_.size(); ++a) {
    in.push_back(coarse_[a] + 2);
    scale *= double(coarse_[a] + 1) / double(fine_[a] + 1);
  }
  const torch::Tensor g = add_walls(x);
  torch::Tensor y;
  switch (fine_.size()) {
    case 1: y = at::upsample_linear1d_backward(g, out, in, true); break;
    case 2: y = at::upsample_bilinear2d_backward(g, out, in, true); break;
    default: y = at::upsample_trilinear3d_backward(g, out, in, true); break;
  }
  return drop_walls(y) * scale;
}

}  // namespace mlgmres
