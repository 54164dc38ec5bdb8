// Dimension-generic building blocks of the grid networks (1-D, 2-D, 3-D):
// bias-free "same" convolutions with zero padding (the zero-Dirichlet
// boundary). They are positively homogeneous, so networks built from them keep
// N(a b) = a N(b) for a > 0.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace mlgmres {

// Kernel-3 convolution, `dilation` apart, output the size of the input.
torch::nn::AnyModule make_conv(int dim, std::int64_t in, std::int64_t out, std::int64_t dilation = 1);

// Spatial sizes of x (all dimensions after batch and channel).
std::vector<std::int64_t> spatial_size(const torch::Tensor &x);

}  // namespace mlgmres
