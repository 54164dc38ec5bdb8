// What a full basis keeps (src/basis/memory.hpp): the directions the
// solutions used most, with the memory length that forecast the latest
// solutions best.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "memory.hpp"

using mlgmres::BasisMemory;

namespace {

// Fraction of the unit vector e_i that the columns of V (n x keep) capture.
double Captured(const std::vector<double> &V, int n, int keep, int i)
{
  double s = 0;
  for (int j = 0; j < keep; ++j) s += V[(size_t)j * n + i] * V[(size_t)j * n + i];
  return s;
}

std::vector<double> Coords(int n, std::initializer_list<std::pair<int, double>> entries)
{
  std::vector<double> c(n, 0.0);
  for (auto [i, v] : entries) c[i] = v;
  return c;
}

}  // namespace

TEST(BasisMemory, KeepsTheDirectionsEverySolutionUses)
{
  // Every solution has a large part along 0 and 1 and a small remainder of its own.
  const int   n = 8;
  BasisMemory m;
  m.reset(2);
  for (int t = 0; t < 6; ++t) {
    std::vector<double> c = Coords(n, {{0, 1.0 + 0.1 * t}, {1, 0.5 - 0.05 * t}, {2 + t, 0.05}});
    m.record(c.data(), n);
  }
  std::vector<double> V;
  m.compress(n, 2, V);
  EXPECT_GT(Captured(V, n, 2, 0), 0.95);
  EXPECT_GT(Captured(V, n, 2, 1), 0.95);
  for (int i = 2; i < n; ++i) EXPECT_LT(Captured(V, n, 2, i), 0.05) << "direction " << i;
  EXPECT_EQ(m.compressions(), 1);
}

TEST(BasisMemory, ADriftingSequenceChoosesAShortMemory)
{
  // 60 solutions use directions 0-3, then the sequence moves to 4-7. After
  // an intermediate compression (keep all 8: a rotation), 12 more solutions
  // on 4-7: the long memory still ranks 0-3 first and forecasts them badly;
  // a short memory keeps 4-7.
  const int   n = 8, keep = 4;
  BasisMemory m;
  m.reset(keep);
  for (int t = 0; t < 60; ++t) {
    std::vector<double> c = Coords(n, {{t % 4, 1.0}, {(t + 1) % 4, 0.5}});
    m.record(c.data(), n);
  }
  for (int t = 0; t < 12; ++t) {
    std::vector<double> c = Coords(n, {{4 + t % 4, 1.0}, {4 + (t + 1) % 4, 0.5}});
    m.record(c.data(), n);
  }
  std::vector<double> R;
  m.compress(n, n, R); /* rotation R (n x n): later coordinates are R^T c */
  for (int t = 0; t < 12; ++t) {
    std::vector<double> c = Coords(n, {{4 + t % 4, 1.0}, {4 + (t + 1) % 4, 0.5}}), rc(n, 0.0);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) rc[j] += R[(size_t)j * n + i] * c[i];
    m.record(rc.data(), n);
  }
  std::vector<double> V;
  const int           chosen = m.compress(n, keep, V);
  EXPECT_NE(BasisMemory::kMemory[chosen], 0.0) << "the long memory was chosen for a drifting sequence";
  // the kept directions in the original coordinates: R V
  std::vector<double> W((size_t)n * keep, 0.0);
  for (int j = 0; j < keep; ++j)
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) W[(size_t)j * n + i] += R[(size_t)k * n + i] * V[(size_t)j * n + k];
  for (int i = 4; i < 8; ++i) EXPECT_GT(Captured(W, n, keep, i), 0.95) << "recent direction " << i;
}

TEST(BasisMemory, AStationarySequenceKeepsTheLongMemory)
{
  // Solutions draw from directions 0-5 in a fixed cycle: the long memory ranks
  // them by how often they come back, and forecasts at least as well.
  const int   n = 6, keep = 3;
  BasisMemory m;
  m.reset(keep);
  std::vector<double> V;
  for (int round = 0; round < 3; ++round) {
    for (int t = 0; t < 30; ++t) {
      const int           i = (t * 7) % 10 < 7 ? t % 3 : 3 + t % 3; /* 0-2 most of the time */
      std::vector<double> c = Coords(n, {{i, 1.0}});
      m.record(c.data(), n);
    }
    if (round == 1) {
      m.compress(n, n, V);
      ASSERT_EQ(V.size(), (size_t)n * n);
    }
  }
  EXPECT_EQ(m.chosen(), 0);
}

TEST(BasisMemory, SymmetricEigen)
{
  std::vector<double> S = {2, 1, 1, 2}, values, vectors;
  mlgmres::symmetric_eigen(2, S, values, vectors);
  EXPECT_NEAR(values[0], 1, 1e-14);
  EXPECT_NEAR(values[1], 3, 1e-14);
  EXPECT_NEAR(std::abs(vectors[2] * vectors[3]), 0.5, 1e-14);
}

TEST(BasisMemory, KeepsTheLatestSolutionsExactly)
{
  // A drift: solution t is mostly the common direction 0 plus a small part
  // along its own direction 1 + t. The latest solutions are what an
  // extrapolation in time needs, though each adds little to the covariance.
  const int   n = 16, keep = 8;
  BasisMemory m;
  m.reset(keep);
  std::vector<std::vector<double>> seen;
  for (int t = 0; t < 14; ++t) {
    seen.push_back(Coords(n, {{0, 1.0}, {1 + t, 1e-3}}));
    m.record(seen.back().data(), n);
  }
  std::vector<double> V;
  m.compress(n, keep, V);
  ASSERT_EQ(V.size(), (size_t)n * keep);
  for (int j = 0; j < keep; ++j) /* orthonormal */
    for (int k = 0; k < keep; ++k) {
      double d = 0;
      for (int i = 0; i < n; ++i) d += V[(size_t)j * n + i] * V[(size_t)k * n + i];
      EXPECT_NEAR(d, j == k ? 1.0 : 0.0, 1e-12) << j << "," << k;
    }
  const int exact = std::min(keep / 2, BasisMemory::kRecentExact);
  for (int t = 14 - exact; t < 14; ++t) { /* |V^T c|^2 = |c|^2: c in the span */
    double c2 = 0, in = 0;
    for (double v : seen[t]) c2 += v * v;
    for (int j = 0; j < keep; ++j) {
      double d = 0;
      for (int i = 0; i < n; ++i) d += V[(size_t)j * n + i] * seen[t][i];
      in += d * d;
    }
    EXPECT_NEAR(in / c2, 1.0, 1e-12) << "solution " << t << " is not kept exactly";
  }
}
