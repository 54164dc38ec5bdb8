#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "mlgmres/learner.hpp"
#include "mlgmres/models.hpp"
#include "laplace_1d.hpp"
#include "mlgmres/engine.hpp"

using namespace mlgmres;

using namespace mlgmres_test;

TEST(Models, RegistryNamesAndGridRequirements) {
  ASSERT_NE(find_model("fluidnet"), nullptr);
  EXPECT_TRUE(find_model("fluidnet")->needs_grid);
  EXPECT_EQ(Settings().model, "fluidnet");  // the default
  ASSERT_NE(find_model("cnn"), nullptr);
  ASSERT_NE(find_model("linear"), nullptr);
  EXPECT_TRUE(find_model("cnn")->needs_grid);
  EXPECT_FALSE(find_model("linear")->needs_grid);
  EXPECT_EQ(find_model("nope"), nullptr);
  ASSERT_NE(find_model("none"), nullptr);  // the basis alone: a name the options accept, no network
  EXPECT_THROW(Learner(learning_settings("none"), Geometry::unstructured(16), make_model), std::invalid_argument);
}

TEST(Learner, RejectsModelsThatCannotServeTheProblem) {
  Settings s = learning_settings("cnn");
  EXPECT_THROW(Learner(s, Geometry::unstructured(16), make_model), std::invalid_argument);
  s.model = "linear";
  s.linear_max = 8;
  EXPECT_THROW(Learner(s, Geometry::unstructured(16), make_model), std::invalid_argument);
  s.model = "nope";
  EXPECT_THROW(Learner(s, Geometry::unstructured(4), make_model), std::invalid_argument);
  s.model = "linear";
  s.device = "cuda";
  if (!device_available("cuda")) {
    EXPECT_THROW(Learner(s, Geometry::unstructured(4), make_model), std::invalid_argument);
  }
}

TEST(Learner, NoGuessBeforeTheFirstTraining) {
  Settings s = learning_settings("linear");
  Learner l(s, Geometry::unstructured(8), make_model);
  std::vector<double> b(8, 1.0), x(8);
  EXPECT_EQ(l.guess(b.data(), x.data()), GuessStatus::NotTrained);
}

// The learned guess after warm-up training must be much closer to the true
// solution than the zero guess, and scale with ||b|| (normalization).
static void learns_1d_laplacian(const std::string &model, const std::string &precision = "float32") {
  const std::size_t n = 32;
  Geometry g = line((std::int64_t)n);
  Settings s = learning_settings(model);
  s.precision = precision;
  s.warmup = 40;
  s.train_steps = 600;
  s.batch_size = 16;
  s.learning_rate = 3e-3;
  s.threads = 1;
  Learner l(s, g, make_model);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> pos(4, n - 5), amp(0.5, 2.0);
  for (int i = 0; i < 40; ++i) {
    auto b = bump(n, pos(rng), amp(rng));
    auto x = solve_laplace_1d(b);
    ASSERT_EQ(l.screen(some_metrics()), Verdict::WarmUp);
    Observation o = l.learn(b.data(), x.data());
    EXPECT_EQ(o.training_due, i == 39);
    if (o.training_due) {
      const TrainingReport r = l.train();
      EXPECT_TRUE(r.ran);
      EXPECT_FALSE(r.diverged) << model;
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
TEST(Learner, FluidnetLearnsA1DLaplacian) { learns_1d_laplacian("fluidnet"); }
// Mixed precision: float32 weights, the forward pass in bfloat16.
TEST(Learner, FluidnetLearnsA1DLaplacianInBfloat16) { learns_1d_laplacian("fluidnet", "bfloat16"); }
TEST(Learner, Float16NeedsCuda) {
  Settings s = learning_settings("fluidnet");
  s.precision = "float16";
  try {
    Learner l(s, line(16), make_model);
    ADD_FAILURE() << "float16 on the CPU was accepted";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("needs device cuda"), std::string::npos) << e.what();
  }
}

// Normalization by ||b||, not by a signed maximum: negative and mixed-sign
// fields get guesses as finite as positive ones; a zero field gets none.
TEST(Learner, NormalizationHandlesNegativeAndZeroFields) {
  Settings s = learning_settings("linear");
  s.warmup = 20;
  s.train_steps = 50;
  Learner l(s, line(24), make_model);
  feed(l, 20, 3);
  ASSERT_TRUE(l.trained());
  std::vector<double> neg = bump(24, 10, -1.0), mixed = bump(24, 6, 1.0), x(24);
  const std::vector<double> other = bump(24, 17, -1.0);
  for (std::size_t i = 0; i < 24; ++i) mixed[i] += other[i];
  for (const auto *b : {&neg, &mixed}) {
    ASSERT_EQ(l.guess(b->data(), x.data()), GuessStatus::Ok);
    for (double v : x) EXPECT_TRUE(std::isfinite(v));
  }
  std::vector<double> zero(24, 0.0);
  EXPECT_EQ(l.guess(zero.data(), x.data()), GuessStatus::ZeroRhs);
}

// Where the field's values may live: a network on the CPU reads host memory
// only (the PETSc layer copies a device vector's values to the host for it);
// the guess from a caller-given ||b|| equals the one from host data.
TEST(Learner, ACpuNetworkReadsHostMemoryOnly) {
  Settings s = learning_settings("linear");
  s.warmup = 20;
  s.train_steps = 50;
  Learner l(s, line(24), make_model);
  EXPECT_TRUE(l.reads(Memory::Host));
  EXPECT_FALSE(l.reads(Memory::Cuda));  // no network yet
  feed(l, 20, 3);
  ASSERT_TRUE(l.trained());
  EXPECT_EQ(l.reads(Memory::Cuda), device_available("cuda") && s.device == "cuda");
  const std::vector<double> b = bump(24, 10, 1.5);
  std::vector<double> x(24), y(24);
  double nb = 0;
  for (double v : b) nb += v * v;
  ASSERT_EQ(l.guess(b.data(), x.data()), GuessStatus::Ok);
  ASSERT_EQ(l.guess(b.data(), std::sqrt(nb), y.data(), Memory::Host), GuessStatus::Ok);
  for (std::size_t i = 0; i < 24; ++i) EXPECT_NEAR(x[i], y[i], 1e-12 * (1 + std::fabs(x[i])));
  if (s.device == "cpu") {
    EXPECT_THROW(l.guess(b.data(), std::sqrt(nb), y.data(), Memory::Cuda), std::invalid_argument);
  }
}

// A diverging training (absurd learning rate, the divergence guard off) makes
// the network's output non-finite: the guess is refused and counted, never
// handed to the solver. This is the last line behind the guard.
TEST(Learner, RejectsAndCountsNonFiniteGuesses) {
  Settings s = learning_settings("fluidnet");
  s.warmup = 10;
  s.train_steps = 30;
  s.learning_rate = 1e30;
  s.divergence_factor = 0;
  Learner l(s, line(16), make_model);
  feed(l, 10, 5);
  ASSERT_TRUE(l.trained());
  std::vector<double> b = bump(16, 8, 1.0), x(16, 123.0);
  EXPECT_EQ(l.guess(b.data(), x.data()), GuessStatus::NonFinite);
  EXPECT_EQ(x[0], 123.0);  // untouched
  EXPECT_EQ(l.status().non_finite, 1);
  EXPECT_EQ(l.status().guesses, 0);
}

// Same seed, same data: the same network, bit for bit (1 rank, synchronous).
TEST(Learner, SeedMakesTrainingDeterministic) {
  auto run = [](std::int64_t seed) {
    Settings s = learning_settings("fluidnet");
    s.warmup = 12;
    s.train_steps = 40;
    s.seed = seed;
    s.threads = 1;
    Learner l(s, line(32), make_model);
    feed(l, 16, 11);
    std::vector<double> b = bump(32, 15.5, 1.0), x(32);
    EXPECT_EQ(l.guess(b.data(), x.data()), GuessStatus::Ok);
    return x;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

// X_t is capped by count and by MiB, whichever is smaller, and stays at the
// cap over a long run: memory does not grow with the number of solves.
TEST(Learner, TrainingSetStaysBoundedOver10000Solves) {
  Settings s = learning_settings("linear");
  s.warmup = 5;
  s.orthogonality = 1.0;
  s.retrain_every = 500;
  s.train_steps = 1;
  s.capacity = 1000;
  s.capacity_mib = 40 * 2 * sizeof(float) * 16 / (1024.0 * 1024.0);  // 40 pairs of 16 values
  Learner l(s, line(16), make_model);
  EXPECT_EQ(l.status().capacity, 40u);
  feed(l, 10000, 21);
  const LearnerStatus st = l.status();
  EXPECT_EQ(st.training_set, 40u);
  EXPECT_GT(st.evicted, 9000u);
  EXPECT_LE(st.candidates, 500u);
}

// Model choice: another network replaces the current one, untrained; the pairs
// are kept and a training is owed at once, so the next solve that brings data
// trains it. A model that cannot serve the problem is refused, nothing changed.
TEST(Learner, ChangeModelKeepsThePairsAndTrainsTheNewNetwork) {
  Settings s = learning_settings("linear");
  s.warmup = 8;
  s.orthogonality = 1.0;
  s.train_steps = 20;
  s.threads = 1;
  Learner l(s, line(24), make_model);
  ASSERT_GE(feed(l, 8, 1), 1);
  ASSERT_TRUE(l.trained());
  const std::size_t pairs = l.status().training_set;
  EXPECT_THROW(l.change_model("nope"), std::invalid_argument);
  EXPECT_TRUE(l.trained());
  EXPECT_EQ(l.status().model, "linear");
  l.change_model("cnn");
  EXPECT_FALSE(l.trained());
  EXPECT_EQ(l.readiness(), GuessStatus::NotTrained);
  EXPECT_EQ(l.status().model, "cnn");
  EXPECT_EQ(l.status().training_set, pairs);
  EXPECT_TRUE(l.status().training_postponed);  // owed
  EXPECT_GE(feed(l, 1, 2), 1);                 // the next solve with data trains it
  EXPECT_TRUE(l.trained());
}
