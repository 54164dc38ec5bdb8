// A compression spread over solves (src/basis/drop_plan.hpp): after every
// step the basis is orthonormal and still holds the live directions and
// every solution made live; at the end the old directions left are exactly
// the live span; coordinates follow the steps.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "drop_plan.hpp"

namespace {

using Matrix = std::vector<std::vector<double>>; // columns

double Dot(const std::vector<double> &a, const std::vector<double> &b)
{
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// k orthonormal columns of length m (Gram-Schmidt twice on random vectors),
// orthogonal to `against` as well.
Matrix Orthonormal(int m, int k, std::mt19937 &rng, const Matrix &against = {})
{
  std::normal_distribution<double> g;
  Matrix                           out;
  while ((int)out.size() < k) {
    std::vector<double> v(m);
    for (double &x : v) x = g(rng);
    for (int pass = 0; pass < 2; ++pass)
      for (const Matrix *set : {&against, static_cast<const Matrix *>(&out)})
        for (const auto &q : *set) {
          const double d = Dot(q, v);
          for (int i = 0; i < m; ++i) v[i] -= d * q[i];
        }
    const double norm = std::sqrt(Dot(v, v));
    for (double &x : v) x /= norm;
    out.push_back(v);
  }
  return out;
}

double OrthonormalityDefect(const Matrix &B)
{
  double worst = 0;
  for (size_t i = 0; i < B.size(); ++i)
    for (size_t j = 0; j < B.size(); ++j) worst = std::max(worst, std::abs(Dot(B[i], B[j]) - (i == j ? 1.0 : 0.0)));
  return worst;
}

// sum_j B_j a_j over the first a.size() columns
std::vector<double> Combine(const Matrix &B, const std::vector<double> &a)
{
  std::vector<double> y(B[0].size(), 0.0);
  for (size_t j = 0; j < a.size(); ++j)
    for (size_t i = 0; i < y.size(); ++i) y[i] += a[j] * B[j][i];
  return y;
}

// The live directions Q C (C: m x k column-major), as vectors.
Matrix Live(const Matrix &Q, int m, int k, const std::vector<double> &C)
{
  Matrix out;
  for (int j = 0; j < k; ++j) out.push_back(Combine(Q, std::vector<double>(C.begin() + (size_t)j * m, C.begin() + (size_t)(j + 1) * m)));
  return out;
}

} // namespace

TEST(DropPlan, DropsOneDirectionPerStepAndKeepsWhatIsLive)
{
  const int                        N = 60, m = 12, k = 5;
  std::mt19937                     rng(3);
  std::normal_distribution<double> g;
  const Matrix                     Q = Orthonormal(N, m, rng);
  std::vector<double>              C;
  for (const auto &col : Orthonormal(m, k, rng)) C.insert(C.end(), col.begin(), col.end());
  mlgmres::DropPlan plan(m, k, C);

  /* a solution that arrived before the plan: parts along every old direction, one joined */
  const Matrix        joined = Orthonormal(N, 1, rng, Q);
  std::vector<double> c(m + 1);
  for (double &x : c) x = g(rng);
  EXPECT_TRUE(plan.rescue(c.data()));
  EXPECT_FALSE(plan.rescue(c.data())) << "a part already live was rescued again";
  ASSERT_EQ(plan.live(), k + 1);
  std::vector<double> x = Combine(Q, std::vector<double>(c.begin(), c.begin() + m));
  for (int i = 0; i < N; ++i) x[i] += c[m] * joined[0][i];
  const Matrix live0 = Live(Q, m, plan.live(), plan.C());

  Matrix B = Q; /* the old directions, then the joined one */
  B.push_back(joined[0]);
  int steps = 0;
  while (!plan.done()) {
    std::vector<double> v;
    double              beta;
    plan.next(v, beta);
    const int           mm = plan.old();
    std::vector<double> y(N, 0.0);
    for (int j = 0; j < mm; ++j)
      for (int i = 0; i < N; ++i) y[i] += v[j] * B[j][i];
    for (int j = 0; j < mm; ++j)
      for (int i = 0; i < N; ++i) B[j][i] -= beta * v[j] * y[i];
    B.erase(B.begin());
    plan.advance(v, beta);
    mlgmres::DropPlan::carry(c, v, beta);
    ++steps;
    ASSERT_LT(OrthonormalityDefect(B), 1e-12) << "after step " << steps;
    const Matrix live = Live(B, plan.old(), plan.live(), plan.C());
    for (size_t j = 0; j < live.size(); ++j)
      for (int i = 0; i < N; ++i) ASSERT_NEAR(live[j][i], live0[j][i], 1e-12) << "live direction " << j << " after step " << steps;
  }
  EXPECT_EQ(steps, m - (k + 1));
  ASSERT_EQ((int)B.size(), k + 2);
  /* the coordinates carried are x's in the final basis, and x is in it */
  for (size_t j = 0; j < B.size(); ++j) EXPECT_NEAR(c[j], Dot(B[j], x), 1e-12) << "coordinate " << j;
  const std::vector<double> back = Combine(B, c);
  for (int i = 0; i < N; ++i) EXPECT_NEAR(back[i], x[i], 1e-12);
}

TEST(DropPlan, FilterKeepsTheLivePartOnly)
{
  std::mt19937        rng(5);
  const int           m = 6, k = 2;
  std::vector<double> C;
  for (const auto &col : Orthonormal(m, k, rng)) C.insert(C.end(), col.begin(), col.end());
  mlgmres::DropPlan   plan(m, k, C);
  std::vector<double> c = {1, 2, 3, 4, 5, 6}, once = c;
  plan.filter(once.data());
  std::vector<double> twice = once;
  plan.filter(twice.data());
  for (int i = 0; i < m; ++i) EXPECT_NEAR(once[i], twice[i], 1e-14) << "not a projection";
  double dead = 0; /* what was removed is orthogonal to the live directions */
  for (int j = 0; j < k; ++j) {
    double d = 0;
    for (int i = 0; i < m; ++i) d += C[(size_t)j * m + i] * (c[i] - once[i]);
    dead = std::max(dead, std::abs(d));
  }
  EXPECT_LT(dead, 1e-14);
  EXPECT_THROW(mlgmres::DropPlan(3, 4, {}), std::logic_error);
}
