// Mixed precision's two mechanisms: autocast computes the forward pass in the
// lower type and puts things back as they were; float16's loss scaler skips
// a step whose gradients overflowed (halving the scale) and grows the scale
// after a run of good steps.
#include <gtest/gtest.h>

#include "mixed_precision.hpp"

using namespace mlgmres;

TEST(MixedPrecision, AutocastComputesInTheLowerTypeInItsScopeOnly) {
  torch::nn::Conv1d conv(torch::nn::Conv1dOptions(1, 2, 3).bias(false));
  const torch::Tensor x = torch::randn({1, 1, 16});
  EXPECT_EQ(compute_type("float32"), c10::nullopt);
  {
    AutocastGuard lower(torch::Device(torch::kCPU), compute_type("bfloat16"));
    EXPECT_EQ(conv->forward(x).scalar_type(), at::kBFloat16);
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(conv->forward(x).scalar_type(), at::kFloat);
  EXPECT_EQ(conv->weight.scalar_type(), at::kFloat);  // the master weights stay float32
  {
    AutocastGuard none(torch::Device(torch::kCPU), compute_type("float32"));
    EXPECT_EQ(conv->forward(x).scalar_type(), at::kFloat);
  }
}

TEST(MixedPrecision, LossScalerSkipsOverflowedStepsAndGrowsAfterGoodOnes) {
  LossScaler off(false);
  EXPECT_EQ(off.scale(), 1.0);
  LossScaler s(true);
  torch::Tensor w = torch::ones({3}, torch::requires_grad());
  s.scaled((w * 2).sum()).backward();
  ASSERT_TRUE(s.unscale({w}));
  EXPECT_TRUE(torch::allclose(w.grad(), torch::full({3}, 2.0)));  // the true gradient after unscaling
  const double before = s.scale();
  w.mutable_grad().fill_(std::numeric_limits<float>::infinity());
  EXPECT_FALSE(s.unscale({w}));  // overflow: skip the step
  EXPECT_EQ(s.scale(), before / 2);
  EXPECT_EQ(s.skipped(), 1);
  for (int i = 0; i < LossScaler::kGrowthInterval; ++i) {
    w.mutable_grad().fill_(1.0);
    ASSERT_TRUE(s.unscale({w}));
  }
  EXPECT_EQ(s.scale(), before);  // doubled back after a run of good steps
}
