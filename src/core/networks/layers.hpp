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

// `leading` sizes followed by the spatial sizes of x (all dimensions after
// batch and channel): the shape of a tensor on x's grid.
std::vector<std::int64_t> on_grid_of(const torch::Tensor &x, std::initializer_list<std::int64_t> leading);

}  // namespace mlgmres
