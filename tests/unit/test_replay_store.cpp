#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "mlgmres/replay_store.hpp"

using mlgmres::ReplayStore;
using mlgmres::Sample;

static Sample sample(float b0, float x0, float x1) { return Sample{{b0, 0.f}, {x0, x1}}; }

TEST(ReplayStore, CapEvictsTheOldest) {
  ReplayStore s(2, 3);
  for (int i = 0; i < 5; ++i) s.add_training(sample((float)i, 1, 0));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.evicted(), 2u);
  EXPECT_EQ(s.at(0).b[0], 2.f);
  EXPECT_EQ(s.at(2).b[0], 4.f);
}

TEST(ReplayStore, CandidatesJoinTheTrainingSetOnMerge) {
  ReplayStore s(2, 10);
  s.add_training(sample(0, 1, 0));
  s.add_candidate(sample(1, 0, 1));
  s.add_candidate(sample(2, 0, 1));
  EXPECT_EQ(s.candidates(), 2u);
  EXPECT_EQ(s.merge_candidates(), 2u);
  EXPECT_EQ(s.candidates(), 0u);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.at(2).b[0], 2.f);
}

TEST(ReplayStore, MaxAbsCosChecksCandidatesAndRecentTrainingPairs) {
  ReplayStore s(2, 10);
  EXPECT_EQ(s.max_abs_cos({1, 0}, 4), 0.0);
  s.add_training(sample(0, 1, 0));   // old: not among the 1 most recent below
  s.add_training(sample(0, 0, 1));
  EXPECT_NEAR(s.max_abs_cos({1, 0}, 1), 0.0, 1e-12);
  EXPECT_NEAR(s.max_abs_cos({1, 0}, 2), 1.0, 1e-12);
  s.add_candidate(sample(0, -1, 1));  // |cos| with (1,0) is 1/sqrt(2), sign ignored
  EXPECT_NEAR(s.max_abs_cos({1, 0}, 1), 0.70710678, 1e-6);
  EXPECT_EQ(s.max_abs_cos({0, 0}, 2), 0.0);  // a zero solution is not parallel to anything
}

TEST(ReplayStore, BatchesAlwaysContainTheNewestPairs) {
  ReplayStore s(2, 100);
  for (int i = 0; i < 50; ++i) s.add_training(sample((float)i, 1, 0));
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 20; ++trial) {
    auto idx = s.draw_batch(8, 3, rng);
    ASSERT_EQ(idx.size(), 8u);
    std::set<std::size_t> got(idx.begin(), idx.end());
    EXPECT_TRUE(got.count(49) && got.count(48) && got.count(47));
    for (auto i : idx) EXPECT_LT(i, 50u);
  }
}

TEST(ReplayStore, RejectsWrongSizes) {
  ReplayStore s(2, 4);
  EXPECT_THROW(s.add_training(Sample{{1, 2, 3}, {1, 2, 3}}), std::invalid_argument);
  EXPECT_THROW(ReplayStore(2, 0), std::invalid_argument);
}
