// Dimension-generic building blocks of the grid networks (1-D, 2-D, 3-D):
// bias-free "same" convolutions with zero padding (the zero-Dirichlet
// boundary), average pooling and linear upsampling. All are positively
// homogeneous, so networks built from them keep N(a b) = a N(b) for a > 0.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace mlgmres {

// Kernel-3 convolution, `dilation` apart, output the size of the input.
torch::nn::AnyModule make_conv(int dim, std::int64_t in, std::int64_t out, std::int64_t dilation = 1);

// Halves every spatial side (rounding up: a partial last cell is averaged alone).
torch::Tensor pool_half(const torch::Tensor &x, int dim);

// Linear interpolation of x to the spatial `size` of a finer level.
torch::Tensor upsample_to(const torch::Tensor &x, const std::vector<std::int64_t> &size);

// Spatial sizes of x (all dimensions after batch and channel).
std::vector<std::int64_t> spatial_size(const torch::Tensor &x);

}  // namespace mlgmres
