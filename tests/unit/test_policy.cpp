#include <gtest/gtest.h>

#include <stdexcept>

#include "mlgmres/policy.hpp"

using mlgmres::MovingAverage;
using mlgmres::Policy;
using mlgmres::SolveMetrics;
using mlgmres::Verdict;

static SolveMetrics metrics(double ek, double tos) {
  SolveMetrics m;
  m.iterations = 10;
  m.residual_at_k = ek;
  m.time_to_solution = tos;
  return m;
}

TEST(MovingAverage, CoversOnlyTheLastWindowValues) {
  MovingAverage a(3);
  EXPECT_TRUE(a.empty());
  for (double v : {1.0, 2.0, 3.0}) a.push(v);
  EXPECT_DOUBLE_EQ(a.mean(), 2.0);
  a.push(10.0);  // 1 drops out
  EXPECT_DOUBLE_EQ(a.mean(), 5.0);
}

TEST(Policy, WarmUpCollectsEverythingThenTriggersTheFirstTraining) {
  Policy p(3, 5, 1, 0.8);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(p.screen(metrics(1, 1)), Verdict::WarmUp);
    EXPECT_FALSE(p.take_training_trigger());
  }
  EXPECT_EQ(p.screen(metrics(1, 1)), Verdict::WarmUp);
  EXPECT_TRUE(p.take_training_trigger());
  EXPECT_FALSE(p.take_training_trigger());  // consumed
  EXPECT_FALSE(p.warming_up());
}

TEST(Policy, SkipsOnlyWhenBothMetricsBeatThePreviousAverage) {
  Policy p(1, 2, 1, 0.8);
  p.screen(metrics(1.0, 1.0));  // warm-up; averages now (1, 1)
  p.take_training_trigger();
  EXPECT_EQ(p.screen(metrics(0.5, 2.0)), Verdict::Candidate);  // faster residual, slower time
  // averages over previous 2: E (1+0.5)/2 = 0.75, T (1+2)/2 = 1.5
  EXPECT_EQ(p.screen(metrics(0.7, 1.4)), Verdict::Skipped);
  // now previous two are (0.5,2.0),(0.7,1.4): E 0.6, T 1.7; E 0.65 is not below 0.6
  EXPECT_EQ(p.screen(metrics(0.65, 0.1)), Verdict::Candidate);
}

TEST(Policy, CurrentSolveIsNotPartOfItsOwnAverage) {
  Policy p(1, 10, 1, 0.8);
  p.screen(metrics(1.0, 1.0));
  // If the current value were averaged in, 0.9 < mean(1.0, 0.9) would fail.
  EXPECT_EQ(p.screen(metrics(0.9, 0.9)), Verdict::Skipped);
}

TEST(Policy, OrthogonalityFilterRejectsCloseSolutions) {
  Policy p(1, 5, 1, 0.8);
  p.screen(metrics(1, 1));
  p.take_training_trigger();
  EXPECT_EQ(p.admit(0.95), Verdict::Redundant);
  EXPECT_FALSE(p.take_training_trigger());
  EXPECT_EQ(p.admit(0.3), Verdict::Candidate);
  EXPECT_TRUE(p.take_training_trigger());
}

TEST(Policy, RetrainsAfterEveryFrCandidatesForeverWhenFrAboveOne) {
  // The reference code stalled for f_r > 1; here the trigger must keep firing.
  Policy p(1, 5, 3, 0.8);
  p.screen(metrics(1, 1));
  ASSERT_TRUE(p.take_training_trigger());
  int trainings = 0;
  for (int i = 0; i < 30; ++i) {
    p.admit(0.0);
    if (p.take_training_trigger()) ++trainings;
  }
  EXPECT_EQ(trainings, 10);
  EXPECT_EQ(p.pending_candidates(), 0);
}

TEST(Policy, RejectsInvalidSettings) {
  EXPECT_THROW(Policy(0, 5, 1, 0.5), std::invalid_argument);
  EXPECT_THROW(Policy(1, 0, 1, 0.5), std::invalid_argument);
  EXPECT_THROW(Policy(1, 5, 0, 0.5), std::invalid_argument);
  EXPECT_THROW(Policy(1, 5, 1, 1.5), std::invalid_argument);
}
