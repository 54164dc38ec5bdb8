// fluidnet's level transfers: coarse nodes on the same wall-to-wall span as
// the fine ones for any side (odd or even), linear interpolation up, its
// mean-preserving transpose down.
#include <gtest/gtest.h>

#include <cmath>

#include "networks/grid_transfer.hpp"

using namespace mlgmres;

namespace {

// f at the n interior nodes of [0, 1] (node i at i / (n + 1)), as (1, 1, n).
torch::Tensor sample(std::int64_t n, double (*f)(double)) {
  torch::Tensor x = torch::empty({1, 1, n}, torch::kFloat64);
  for (std::int64_t i = 0; i < n; ++i) x[0][0][i] = f(double(i + 1) / double(n + 1));
  return x;
}

double tent(double s) { return std::min(s, 1 - s); }
double smooth(double s) { return std::sin(M_PI * s); }

}  // namespace

TEST(GridTransfer, CoarseSidesFollowTheIntervals) {
  EXPECT_EQ(GridTransfer::coarsen(31), 15);  // 32 intervals -> 16
  EXPECT_EQ(GridTransfer::coarsen(32), 16);  // 33 intervals -> 17
  EXPECT_EQ(GridTransfer::coarsen(3), 1);
  EXPECT_EQ(GridTransfer({40, 31, 32}).coarse(), (std::vector<std::int64_t>{20, 15, 16}));
}

TEST(GridTransfer, InterpolationIsExactForPiecewiseLinearFieldsOnNestedGrids) {
  // 31 -> 15: every coarse node is a fine node, and the tent's kink (1/2) is one.
  GridTransfer t({31});
  const torch::Tensor fine = t.prolong_to_fine(sample(15, tent));
  EXPECT_TRUE(torch::allclose(fine, sample(31, tent), 0, 1e-12));
}

TEST(GridTransfer, CoarseWallsStayOnTheFineWallsForEvenSides) {
  // 32 -> 16 does not nest; with the walls in place, a smooth field still
  // comes back to second order, and restriction keeps it to second order too.
  for (std::int64_t n : {32, 64, 128}) {
    GridTransfer t({n});
    const std::int64_t m = GridTransfer::coarsen(n);
    const double h = 1.0 / double(m + 1);
    const double up = (t.prolong_to_fine(sample(m, smooth)) - sample(n, smooth)).abs().max().item<double>();
    const double down = (t.restrict_to_coarse(sample(n, smooth)) - sample(m, smooth)).abs().max().item<double>();
    EXPECT_LT(up, 1.5 * h * h) << n;
    EXPECT_LT(down, 1.5 * h * h) << n;
  }
}

TEST(GridTransfer, RestrictionIsTheScaledTransposeInEveryDimension) {
  torch::manual_seed(1);
  const std::vector<std::vector<std::int64_t>> grids{{9}, {8, 11}, {6, 7, 10}};
  for (const auto &fine : grids) {
    GridTransfer t(fine);
    std::vector<std::int64_t> fs{2, 3}, cs{2, 3};
    double scale = 1;
    for (std::size_t a = 0; a < fine.size(); ++a) {
      fs.push_back(fine[a]);
      cs.push_back(t.coarse()[a]);
      scale *= double(t.coarse()[a] + 1) / double(fine[a] + 1);
    }
    const torch::Tensor x = torch::randn(fs, torch::kFloat64), y = torch::randn(cs, torch::kFloat64);
    const torch::Tensor Rx = t.restrict_to_coarse(x), Py = t.prolong_to_fine(y);
    ASSERT_EQ(Rx.sizes().vec(), cs);
    ASSERT_EQ(Py.sizes().vec(), fs);
    // <R x, y> = scale <x, P y>
    EXPECT_NEAR((Rx * y).sum().item<double>(), scale * (x * Py).sum().item<double>(), 1e-10) << fine.size() << "-D";
  }
}
