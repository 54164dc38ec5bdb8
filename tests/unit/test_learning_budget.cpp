// The learner's time budget: training waits until the solves have earned it,
// and guesses that do not save time switch the learner off.
#include <gtest/gtest.h>

#include "laplace_1d.hpp"
#include "mlgmres/engine.hpp"
#include "mlgmres/learning_budget.hpp"

using namespace mlgmres;
using namespace mlgmres_test;

TEST(LearningBudget, TrainingWaitsUntilTheSolvesHaveEarnedIt) {
  LearningBudget b(0.1, 0);
  for (int i = 0; i < 10; ++i) b.record_solve(1.0, false, true);
  EXPECT_TRUE(b.allows_training(1.0));   // 1 s <= 10% of 10 s
  EXPECT_FALSE(b.allows_training(1.5));
  b.record_training(1.0);
  EXPECT_FALSE(b.allows_training(0.5));  // 1.5 s > 1 s
  for (int i = 0; i < 5; ++i) b.record_solve(1.0, false, false);
  EXPECT_TRUE(b.allows_training(0.5));   // 1.5 s <= 10% of 15 s
}

TEST(LearningBudget, ZeroFractionMeansNoLimit) {
  LearningBudget b(0, 0);
  EXPECT_TRUE(b.allows_training(1e9));
}

TEST(LearningBudget, GuessesSlowerThanTheWarmUpSwitchTheLearnerOff) {
  LearningBudget b(0, 4);
  for (int i = 0; i < 5; ++i) b.record_solve(1.0, false, true);  // baseline: 1 s
  for (int i = 0; i < 3; ++i) b.record_solve(1.2, true, false);
  EXPECT_FALSE(b.parked());  // judged only on a full window
  b.record_solve(1.2, true, false);
  EXPECT_TRUE(b.parked());
  EXPECT_FALSE(b.allows_training(0));
}

TEST(LearningBudget, GuessesFasterThanTheWarmUpKeepTheLearnerOn) {
  LearningBudget b(0, 4);
  for (int i = 0; i < 5; ++i) b.record_solve(1.0, false, true);
  for (int i = 0; i < 20; ++i) b.record_solve(0.7, true, false);
  EXPECT_FALSE(b.parked());
  EXPECT_DOUBLE_EQ(b.guessed_time(), 0.7);
  LearningBudget unchecked(0, 0);
  unchecked.record_solve(1.0, false, true);
  for (int i = 0; i < 20; ++i) unchecked.record_solve(5.0, true, false);
  EXPECT_FALSE(unchecked.parked());
}

TEST(LearningBudget, LearnerPostponesTrainingBeyondTheBudget) {
  Settings s;
  s.model = "linear";
  s.warmup = 8;
  s.train_steps = 200;
  s.training_budget = 1e-9;  // solves of 1 s never earn a real training
  Learner l(s, line(16), make_model);
  EXPECT_EQ(feed(l, 12, 2), 0);
  EXPECT_FALSE(l.trained());
  EXPECT_TRUE(l.status().training_postponed);
  // Judged on the free lower bound: no probe was paid for a training this far out of reach.
  EXPECT_FALSE(l.status().expected_measured);
  EXPECT_GT(l.status().expected_training, 0);
  SolveMetrics slow = some_metrics();
  slow.residual_at_k = 1e9;  // under-performing, but the owed training is over budget
  EXPECT_EQ(l.screen(slow), Verdict::Deferred);
  // candidates wait for the postponed training, within the cap
  Settings capped = s;
  capped.orthogonality = 1.0;
  capped.capacity = 5;
  Learner c(capped, line(16), make_model);
  feed(c, 200, 3);
  EXPECT_LE(c.status().candidates, 5u);
  EXPECT_EQ(c.status().training_set, 5u);
  s.training_budget = 0;  // no limit: the same data trains at once
  Learner unlimited(s, line(16), make_model);
  EXPECT_GE(feed(unlimited, 12, 2), 1);
}

// The network (and with it LibTorch) is built only once the solves have earned
// LibTorch's start-up; the probe only once they have also earned the free
// lower bound and the start-up; the probe measures the real cost, which is at
// least the bound, and the budget is judged on that.
TEST(LearningBudget, NetworkAndProbeComeOnlyWhenTheBudgetCoversThem) {
  Settings s;
  s.model = "fluidnet";
  s.warmup = 8;
  s.train_steps = 50;
  s.training_budget = 1e-9;
  s.threads = 1;
  int built = 0;
  const ModelFactory counting = [&built](const Settings &st, const Geometry &g) {
    ++built;
    return make_model(st, g);
  };
  Learner l(s, line(32), counting);
  feed(l, 8, 4);  // 8 solves of 1 s each
  ASSERT_TRUE(l.status().training_postponed);
  EXPECT_FALSE(l.status().built);
  EXPECT_EQ(built, 0);  // LibTorch never loaded
  EXPECT_FALSE(l.status().expected_measured);
  EXPECT_EQ(l.status().expected_training, LearningBudget::kTorchStartupSeconds);
  // a budget that covers the start-up exactly, so not the build's time and the bound on top of it:
  // the network is built, no probe
  s.training_budget = LearningBudget::kTorchStartupSeconds / 8;
  Learner unprobed(s, line(32), counting);
  EXPECT_EQ(feed(unprobed, 8, 4), 0);
  EXPECT_EQ(built, 1);
  EXPECT_TRUE(unprobed.status().built);
  EXPECT_FALSE(unprobed.status().expected_measured);
  const double bound = unprobed.status().expected_training;  // the free lower bound, now that the network exists
  EXPECT_GT(bound, 0);
  EXPECT_GT(unprobed.status().training_seconds, 0);  // building it was charged
  // one that covers both (and the build): the probe runs (and a training if its measured cost fits)
  s.training_budget = 1.01 * (bound + LearningBudget::kTorchStartupSeconds + 0.5) / 8;
  Learner probed(s, line(32), counting);
  const int trainings = feed(probed, 8, 4);
  EXPECT_TRUE(probed.status().expected_measured);
  EXPECT_GE(probed.status().expected_training, bound);
  EXPECT_EQ(trainings > 0, !probed.status().training_postponed);
}
