// Residual-block growth of fluidnet: identity start, the cap, and every
// parameter of the grown model in the optimizer (the reference code kept
// unused blocks registered and could activate only one).
#include <gtest/gtest.h>

#include "laplace_1d.hpp"
#include "mlgmres/engine.hpp"
#include "network.hpp"

using namespace mlgmres;
using namespace mlgmres_test;

TEST(Growth, NewBlockStartsAsTheIdentity) {
  Geometry g;
  g.dim = 2;
  g.n = {{20, 12, 1}};
  NetworkPtr net = make_network("fluidnet", g, Settings());
  torch::manual_seed(1);
  // train-like perturbation so the blocks see non-trivial features
  const torch::Tensor b = torch::randn({3, 1, 12, 20});
  const torch::Tensor before = net->forward(b).detach();
  const std::int64_t params = net->parameter_count();
  for (int k = 1; k <= 3; ++k) {
    const std::vector<torch::Tensor> added = net->grow();
    ASSERT_FALSE(added.empty());
    EXPECT_EQ(net->blocks(), k);
    EXPECT_TRUE(torch::equal(net->forward(b).detach(), before)) << "block " << k << " changed the output";
  }
  EXPECT_GT(net->parameter_count(), params);
}

TEST(Growth, ParameterCountDoesNotDependOnTheGrid) {
  Geometry small, large;
  small.dim = large.dim = 2;
  small.n = {{32, 32, 1}};
  large.n = {{128, 128, 1}};
  EXPECT_EQ(make_network("fluidnet", small, Settings())->parameter_count(), make_network("fluidnet", large, Settings())->parameter_count());
}

TEST(Growth, StagnatingLossGrowsUpToTheCapWithAllParametersOptimized) {
  Settings s = learning_settings("fluidnet");
  s.warmup = 8;
  s.retrain_every = 1;
  s.orthogonality = 1.0;  // every under-performing solve is a candidate
  s.train_steps = 5;
  s.growth_patience = 1;
  s.growth_tolerance = 1.0;  // any improvement below 100% counts as stagnation
  s.max_blocks = 2;
  Learner l(s, line(24), make_model);
  EXPECT_EQ(l.status().blocks, 0);
  const int trainings = feed(l, 20, 9);
  ASSERT_GE(trainings, 6);
  const LearnerStatus st = l.status();
  EXPECT_EQ(st.blocks, 2);  // capped
  EXPECT_EQ(st.optimized_parameters, st.parameters);
}

// Growth is judged over growth_patience trainings: never before that many.
TEST(Growth, NoGrowthBeforePatienceTrainings) {
  Settings s = learning_settings("fluidnet");
  s.warmup = 8;
  s.orthogonality = 1.0;
  s.train_steps = 5;
  s.growth_patience = 6;
  s.growth_tolerance = 1.0;  // every training counts as stagnating
  Learner l(s, line(24), make_model);
  ASSERT_EQ(feed(l, 13, 9), 6);  // the warm-up training and 5 more
  EXPECT_EQ(l.status().blocks, 0);
}

TEST(Growth, LinearModelNeverGrows) {
  Settings s = learning_settings("linear");
  s.warmup = 8;
  s.orthogonality = 1.0;
  s.train_steps = 5;
  s.growth_patience = 1;
  s.growth_tolerance = 1.0;
  Learner l(s, line(16), make_model);
  ASSERT_GE(feed(l, 14, 9), 3);
  EXPECT_EQ(l.status().blocks, 0);
  EXPECT_EQ(l.status().optimized_parameters, l.status().parameters);
}
