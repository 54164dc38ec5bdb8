// The training losses: "laplacian" is the mean square of the residual the
// error leaves under the 2*dim+1-point Laplacian with zero walls, each dof
// component on its own, in 1-D, 2-D and 3-D; "mse" is the mean square error.
#include <gtest/gtest.h>

#include <stdexcept>

#include "guess_loss.hpp"

using namespace mlgmres;

namespace {

// The Laplacian of component c of e (batch 0) at node (i, j, k), written out
// point by point: 2*dim times the node minus its neighbours inside the grid.
double laplacian_at(const torch::Tensor &e, int dim, std::int64_t c, std::int64_t i, std::int64_t j, std::int64_t k) {
  const auto a = e.accessor<double, 5>();
  const std::int64_t n[3] = {e.size(2), e.size(3), e.size(4)};
  const std::int64_t at[3] = {i, j, k};
  double r = 2.0 * dim * a[0][c][i][j][k];
  for (int axis = 0; axis < 3; ++axis) {
    if (n[axis] == 1) continue;  // a dimension the grid does not have
    for (int step : {-1, 1}) {
      std::int64_t p[3] = {at[0], at[1], at[2]};
      p[axis] += step;
      if (p[axis] >= 0 && p[axis] < n[axis]) r -= a[0][c][p[0]][p[1]][p[2]];
    }
  }
  return r;
}

// Checks the laplacian loss on a random error over a grid of `spatial`
// sizes (network layout) with `dof` components.
void expect_laplacian_loss(const std::vector<std::int64_t> &spatial, std::int64_t dof) {
  Geometry g;
  g.dim = (int)spatial.size();
  g.dof = (int)dof;
  std::vector<std::int64_t> shape{1, dof};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  torch::manual_seed(3);
  const torch::Tensor target = torch::randn(shape, torch::kFloat64), guess = target + torch::randn(shape, torch::kFloat64);

  torch::Tensor e = (guess - target);
  while (e.dim() < 5) e = e.unsqueeze(-1);  // (1, dof, n0, n1, n2) for laplacian_at
  double sum = 0;
  for (std::int64_t c = 0; c < dof; ++c)
    for (std::int64_t i = 0; i < e.size(2); ++i)
      for (std::int64_t j = 0; j < e.size(3); ++j)
        for (std::int64_t k = 0; k < e.size(4); ++k) sum += std::pow(laplacian_at(e, g.dim, c, i, j, k), 2);
  const double expected = sum / (double)e.numel();
  const GuessLoss laplacian("laplacian", g, torch::kCPU, torch::kFloat64);
  EXPECT_NEAR(laplacian(guess, target).item<double>(), expected, 1e-10 * expected) << g.dim << "-D, dof " << dof;
}

}  // namespace

TEST(GuessLoss, LaplacianIsTheMeanSquareResidualOfTheError) {
  expect_laplacian_loss({7}, 1);
  expect_laplacian_loss({5, 4}, 1);
  expect_laplacian_loss({5, 4}, 3);  // components do not mix
  expect_laplacian_loss({3, 4, 5}, 2);
}

TEST(GuessLoss, LaplacianVanishesOnlyWithTheError) {
  Geometry g;
  g.dim = 2;
  g.n = {{6, 6, 1}};
  const GuessLoss laplacian("laplacian", g, torch::kCPU, torch::kFloat32), mse("mse", g, torch::kCPU, torch::kFloat32);
  const torch::Tensor x = torch::randn({2, 1, 6, 6});
  EXPECT_EQ(laplacian(x, x).item<double>(), 0.0);
  // A smooth error weighs less than a rough one of the same size: the loss
  // follows the residual, which GMRES removes, not the error itself.
  const torch::Tensor s = torch::arange(1, 7, torch::kFloat32) * M_PI / 7;
  const torch::Tensor smooth = torch::outer(s.sin(), s.sin()).view({1, 1, 6, 6});
  const torch::Tensor rough = torch::outer((6 * s).sin(), (6 * s).sin()).view({1, 1, 6, 6});
  const torch::Tensor zero = torch::zeros({1, 1, 6, 6});
  EXPECT_NEAR(mse(smooth, zero).item<double>(), mse(rough, zero).item<double>(), 1e-6);
  EXPECT_LT(laplacian(smooth, zero).item<double>(), 0.1 * laplacian(rough, zero).item<double>());
}

TEST(GuessLoss, MseIsTheMeanSquareError) {
  const GuessLoss mse("mse", Geometry::unstructured(10), torch::kCPU, torch::kFloat32);
  const torch::Tensor a = torch::randn({3, 1, 10}), b = torch::randn({3, 1, 10});
  EXPECT_NEAR(mse(a, b).item<double>(), (a - b).square().mean().item<double>(), 1e-6);
}

TEST(GuessLoss, UnknownNamesAndGridlessLaplacianAreRefused) {
  Geometry grid;
  grid.dim = 2;
  const auto make = [](const char *name, const Geometry &g) { return GuessLoss(name, g, torch::kCPU, torch::kFloat32); };
  EXPECT_NO_THROW(make("laplacian", grid));
  EXPECT_THROW(make("l1", grid), std::invalid_argument);
  EXPECT_THROW(make("laplacian", Geometry::unstructured(10)), std::invalid_argument);
  EXPECT_NO_THROW(make("mse", Geometry::unstructured(10)));
}
