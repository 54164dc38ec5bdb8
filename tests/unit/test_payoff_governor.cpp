// When the basis of earlier solutions pays (src/governor/payoff_governor.hpp).
#include <gtest/gtest.h>

#include "payoff_governor.hpp"

using mlgmres::PayoffGovernor;

namespace {
// Runs `solves` solves: a probe when one is due (zero guess, `zero` s), else a guessed solve (`guessed` s).
int Simulate(PayoffGovernor &g, int solves, double zero, double guessed)
{
  int probes = 0;
  for (int t = 0; t < solves; ++t) {
    if (!g.on()) g.record_idle();
    else if (g.probe_due()) g.record_probe(zero), ++probes;
    else g.record_guessed(guessed);
  }
  return probes;
}
}  // namespace

TEST(PayoffGovernor, KeepsABasisThatSavesTimeAndProbesLessOften)
{
  PayoffGovernor g(10);
  EXPECT_TRUE(g.probe_due()) << "the first solve measures the zero guess";
  const int probes = Simulate(g, 1000, 0.1, 0.05);
  EXPECT_TRUE(g.on());
  EXPECT_EQ(g.offs(), 0);
  EXPECT_LE(probes, 1000 / 80 + 5) << "probes should thin out to one per 8 windows";
  EXPECT_NEAR(g.probe_seconds(), 0.1, 1e-12);
}

TEST(PayoffGovernor, SwitchesOffAUselessBasisAndTriesAgainLater)
{
  PayoffGovernor g(10);
  g.record_probe(0.1);
  for (int t = 0; t < 9; ++t) g.record_guessed(0.105);
  EXPECT_TRUE(g.on());
  g.record_guessed(0.105);
  EXPECT_FALSE(g.on());
  EXPECT_EQ(g.offs(), 1);
  EXPECT_FALSE(g.probe_due());
  const int pause = g.pause_left();
  EXPECT_EQ(pause, 50);
  for (int t = 0; t < pause - 1; ++t) g.record_idle();
  EXPECT_FALSE(g.on());
  g.record_idle();
  EXPECT_TRUE(g.on());
  EXPECT_TRUE(g.restarted());
  EXPECT_FALSE(g.restarted());
  EXPECT_TRUE(g.probe_due()) << "a new try measures the zero guess again";
  Simulate(g, 11, 0.1, 0.105); /* one probe, ten guessed solves */
  EXPECT_FALSE(g.on());
  EXPECT_EQ(g.pause_left(), 2 * pause) << "the pause doubles after a failed try";
}

TEST(PayoffGovernor, OneStalledSolveDoesNotSwitchOffABasisThatPays)
{
  // Guessed solves take half a probe; one of them is stalled 30 times over by
  // something else (a library loading on another thread): the mean of the
  // window would exceed the probe, the median does not.
  PayoffGovernor g(10);
  g.record_probe(0.02);
  for (int t = 0; t < 9; ++t) g.record_guessed(t == 4 ? 0.6 : 0.01);
  g.record_guessed(0.01);
  EXPECT_TRUE(g.on());
  EXPECT_GT(g.guessed_seconds(), g.probe_seconds()) << "the mean says it does not pay";
}

TEST(PayoffGovernor, FollowsASequenceThatChanges)
{
  // The basis pays for 300 solves, then stops paying: it is switched off.
  PayoffGovernor g(10);
  Simulate(g, 300, 0.1, 0.05);
  EXPECT_TRUE(g.on());
  Simulate(g, 300, 0.1, 0.12);
  EXPECT_FALSE(g.on());
}

TEST(PayoffGovernor, WindowZeroNeverSwitchesOffNorProbes)
{
  PayoffGovernor g(0);
  EXPECT_FALSE(g.probe_due());
  for (int t = 0; t < 50; ++t) g.record_guessed(1.0);
  EXPECT_TRUE(g.on());
}

TEST(PayoffGovernor, SizesTheBasisByWhatItsDirectionsCostAgainstASolve)
{
  PayoffGovernor g(10);
  EXPECT_EQ(g.limit(256), 256) << "nothing measured yet: the capacity";
  g.record_probe(0.1);
  EXPECT_EQ(g.limit(256), 256) << "no guess measured yet: the capacity";
  /* 1e-6 s per pass over one direction: the upkeep (4 passes) of n directions
     stays within 10% of a 0.1 s solve for n <= 0.01 / 4e-6 = 2500 */
  g.record_guess_cost(2 * 100 * 1e-6, 100);
  EXPECT_EQ(g.limit(256), 256) << "an expensive solve keeps the whole capacity";
  /* a cheap solve (1 ms, e.g. a few AMG cycles): 0.1 ms / 4e-6 = 25 directions */
  PayoffGovernor cheap(10);
  cheap.record_probe(1e-3);
  cheap.record_guess_cost(2 * 100 * 1e-6, 100);
  EXPECT_EQ(cheap.limit(256), 25);
  /* a guess over a few directions says nothing of their cost */
  PayoffGovernor early(10);
  early.record_probe(1e-3);
  early.record_guess_cost(1e-3, 2);
  EXPECT_EQ(early.limit(256), 256);
  /* never below the floor, never above the capacity */
  cheap.record_guess_cost(2 * 100 * 1e-3, 100);
  EXPECT_EQ(cheap.limit(256), PayoffGovernor::kMinDirections);
  EXPECT_EQ(cheap.limit(4), 4);
}

TEST(PayoffGovernor, OneSlowGuessDoesNotShrinkTheBasis)
{
  PayoffGovernor g(10);
  g.record_probe(1e-3);
  for (int i = 0; i < 8; ++i) g.record_guess_cost(2 * 100 * 1e-6, 100);
  EXPECT_EQ(g.limit(256), 25);
  g.record_guess_cost(2 * 100 * 50e-6, 100); /* one guess 50 times slower: the machine, not the basis */
  EXPECT_EQ(g.limit(256), 25);
  for (int i = 0; i < 5; ++i) g.record_guess_cost(2 * 100 * 4e-6, 100); /* the cost really rose */
  EXPECT_EQ(g.limit(256), PayoffGovernor::kMinDirections) << "6 by the cost: the floor";
}
