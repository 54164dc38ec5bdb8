// Linear transfers between a grid of interior nodes and its coarsening, with
// both grids spanning the same domain and zero (Dirichlet) values at its
// ends. Average pooling of a side of n nodes puts the coarse cells' centres,
// and so the coarse zero padding, off the true boundary by up to half a
// coarse cell: on 32^2 the coarsest level's wall sat 3.5 fine cells away from
// the real one, and the network's error was mostly smooth, wall-shaped error.
// Here each axis of n interior nodes (n + 1 intervals) becomes
// ceil((n + 1) / 2) - 1 coarse nodes placed on the same [wall, wall] span for
// any n, prolongation is linear interpolation between them (zero at the walls)
// and restriction its transpose scaled to preserve the mean (full weighting).
// Both are linear, so the networks that use them stay positively homogeneous.
// They run on LibTorch's own interpolation kernels (with the walls as padding),
// which are 6-10x faster than gathering neighbours by index.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace mlgmres {

class GridTransfer {
 public:
  // `fine`: spatial sizes in tensor order ((z,) (y,) x).
  explicit GridTransfer(const std::vector<std::int64_t> &fine);

  const std::vector<std::int64_t> &coarse() const { return coarse_; }
  // The coarse side of a side of n interior nodes.
  static std::int64_t coarsen(std::int64_t n) { return (n + 2) / 2 - 1; }

  // (batch, channels, fine...) -> (batch, channels, coarse...)
  torch::Tensor restrict_to_coarse(const torch::Tensor &x) const;
  // (batch, channels, coarse...) -> (batch, channels, fine...)
  torch::Tensor prolong_to_fine(const torch::Tensor &x) const;

 private:
  std::vector<std::int64_t> fine_, coarse_;
};

}  // namespace mlgmres
