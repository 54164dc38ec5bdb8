// Test data for the core learner: 1-D Laplacian problems with bump sources,
// solved exactly, and a helper that feeds a learner through warm-up.
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "mlgmres/learner.hpp"

namespace mlgmres_test {

// Tridiagonal 1-D Laplacian solve (Thomas algorithm): the exact x for b.
inline std::vector<double> solve_laplace_1d(const std::vector<double> &b) {
  const std::size_t n = b.size();
  std::vector<double> c(n), d(n), x(n);
  c[0] = -0.5;
  d[0] = b[0] / 2;
  for (std::size_t i = 1; i < n; ++i) {
    const double m = 2 + c[i - 1];
    c[i] = -1 / m;
    d[i] = (b[i] + d[i - 1]) / m;
  }
  x[n - 1] = d[n - 1];
  for (std::size_t i = n - 1; i-- > 0;) x[i] = d[i] - c[i] * x[i + 1];
  return x;
}

inline std::vector<double> bump(std::size_t n, double centre, double scale) {
  std::vector<double> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = scale * std::exp(-std::pow((double)i - centre, 2) / 8.0);
  return b;
}

inline double rel_err(const std::vector<double> &a, const std::vector<double> &b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.size(); ++i) num += (a[i] - b[i]) * (a[i] - b[i]), den += b[i] * b[i];
  return std::sqrt(num / den);
}

// Settings for tests about learning, not time: no training budget.
inline mlgmres::Settings learning_settings(const std::string &model) {
  mlgmres::Settings s;
  s.training_budget = 0;
  s.model = model;
  return s;
}

inline mlgmres::SolveMetrics some_metrics() {
  mlgmres::SolveMetrics m;
  m.iterations = 10;
  m.residual_at_k = 1;
  m.time_to_solution = 1;
  return m;
}

inline mlgmres::Geometry line(std::int64_t n) {
  mlgmres::Geometry g;
  g.dim = 1;
  g.n = {{n, 1, 1}};
  return g;
}

// Feeds `count` converged solves with random bumps; trains whenever the
// learner asks. Returns the number of trainings run.
inline int feed(mlgmres::Learner &l, int count, std::uint64_t seed) {
  const std::size_t n = (std::size_t)l.geometry().size();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> pos(4, (double)n - 5), amp(0.5, 2.0);
  int trainings = 0;
  for (int i = 0; i < count; ++i) {
    auto b = bump(n, pos(rng), amp(rng));
    auto x = solve_laplace_1d(b);
    mlgmres::SolveMetrics m = some_metrics();
    m.residual_at_k = 2 + i;  // under-performing every time: always a candidate after warm-up
    const mlgmres::Verdict v = l.screen(m);
    if (v != mlgmres::Verdict::WarmUp && v != mlgmres::Verdict::Candidate) continue;
    if (l.learn(b.data(), x.data()).training_due) trainings += l.train().ran;
  }
  return trainings;
}

}  // namespace mlgmres_test
