#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "mlgmres/learner.hpp"
#include "mlgmres/models.hpp"

using namespace mlgmres;

namespace {

// Tridiagonal 1-D Laplacian solve (Thomas algorithm): the exact x for b.
std::vector<double> solve_laplace_1d(const std::vector<double> &b) {
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

std::vector<double> bump(std::size_t n, double centre, double scale) {
  std::vector<double> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = scale * std::exp(-std::pow((double)i - centre, 2) / 8.0);
  return b;
}

double rel_err(const std::vector<double> &a, const std::vector<double> &b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.size(); ++i) num += (a[i] - b[i]) * (a[i] - b[i]), den += b[i] * b[i];
  return std::sqrt(num / den);
}

SolveMetrics some_metrics() {
  SolveMetrics m;
  m.iterations = 10;
  m.residual_at_k = 1;
  m.time_to_solution = 1;
  return m;
}

}  // namespace

TEST(Models, RegistryNamesAndGridRequirements) {
  ASSERT_NE(find_model("cnn"), nullptr);
  ASSERT_NE(find_model("linear"), nullptr);
  EXPECT_TRUE(find_model("cnn")->needs_grid);
  EXPECT_FALSE(find_model("linear")->needs_grid);
  EXPECT_EQ(find_model("nope"), nullptr);
}

TEST(Learner, RejectsModelsThatCannotServeTheProblem) {
  Settings s;
  s.model = "cnn";
  EXPECT_THROW(Learner(s, Geometry::unstructured(16)), std::invalid_argument);
  s.model = "linear";
  s.linear_max = 8;
  EXPECT_THROW(Learner(s, Geometry::unstructured(16)), std::invalid_argument);
  s.model = "nope";
  EXPECT_THROW(Learner(s, Geometry::unstructured(4)), std::invalid_argument);
  s.model = "linear";
  s.device = "cuda";
  if (!device_available("cuda")) {
    EXPECT_THROW(Learner(s, Geometry::unstructured(4)), std::invalid_argument);
  }
}

TEST(Learner, NoGuessBeforeTheFirstTraining) {
  Settings s;
  s.model = "linear";
  Learner l(s, Geometry::unstructured(8));
  std::vector<double> b(8, 1.0), x(8);
  EXPECT_EQ(l.guess(b.data(), x.data()), GuessStatus::NotTrained);
}

// The learned guess after warm-up training must be much closer to the true
// solution than the zero guess, and scale with ||b|| (normalization).
static void learns_1d_laplacian(const std::string &model) {
  const std::size_t n = 32;
  Geometry g;
  g.dim = 1;
  g.n = {{(std::int64_t)n, 1, 1}};
  Settings s;
  s.model = model;
  s.warmup = 40;
  s.train_steps = 600;
  s.batch_size = 16;
  s.learning_rate = 3e-3;
  s.threads = 1;
  Learner l(s, g);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> pos(4, n - 5), amp(0.5, 2.0);
  for (int i = 0; i < 40; ++i) {
    auto b = bump(n, pos(rng), amp(rng));
    auto x = solve_laplace_1d(b);
    ASSERT_EQ(l.screen(some_metrics()), Verdict::WarmUp);
    Observation o = l.learn(b.data(), x.data());
    EXPECT_EQ(o.training_due, i == 39);
    if (o.training_due) {
      EXPECT_TRUE(l.train().ran);
    }
  }
  ASSERT_TRUE(l.trained());
  auto b = bump(n, 13.3, 1.0);
  auto x = solve_laplace_1d(b);
  std::vector<double> guess(n);
  ASSERT_EQ(l.guess(b.data(), guess.data()), GuessStatus::Ok);
  EXPECT_LT(rel_err(guess, x), 0.5) << model;  // zero guess: 1.0
  // N(a b) = a N(b) for a > 0 (normalization by ||b||, bias-free networks);
  // the linear model is odd as well
  for (double a : {3.0, 1e-3, -2.0}) {
    if (a < 0 && model != "linear") continue;
    std::vector<double> b2(n), guess2(n);
    for (std::size_t i = 0; i < n; ++i) b2[i] = a * b[i];
    ASSERT_EQ(l.guess(b2.data(), guess2.data()), GuessStatus::Ok);
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(guess2[i], a * guess[i], 1e-5 * std::fabs(a) * (1 + std::fabs(guess[i])));
  }
  std::vector<double> zero(n, 0.0);
  EXPECT_EQ(l.guess(zero.data(), guess.data()), GuessStatus::ZeroRhs);
}

TEST(Learner, LinearModelLearnsA1DLaplacian) { learns_1d_laplacian("linear"); }
TEST(Learner, CnnLearnsA1DLaplacian) { learns_1d_laplacian("cnn"); }
