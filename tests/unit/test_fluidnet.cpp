// fluidnet's boundary features: every dimension and dof count, the guess
// stays positively homogeneous, and they make the Dirichlet problem's
// position dependence learnable.
#include <gtest/gtest.h>

#include <random>

#include "laplace_1d.hpp"
#include "mlgmres/engine.hpp"
#include "network.hpp"

using namespace mlgmres;
using namespace mlgmres_test;

TEST(Fluidnet, BoundaryFeaturesServeEveryDimensionAndDof) {
  torch::manual_seed(3);
  for (int dim = 1; dim <= 3; ++dim) {
    for (std::int64_t dof : {1, 2}) {
      Geometry small, large;
      small.dim = large.dim = dim;
      small.dof = large.dof = dof;
      for (int a = 0; a < 3; ++a) small.n[a] = a < dim ? 9 + a : 1, large.n[a] = a < dim ? 17 + 2 * a : 1;
      Settings with, without;
      without.boundary_width = 0;
      NetworkPtr net = make_network("fluidnet", small, with);
      EXPECT_EQ(net->parameter_count(), make_network("fluidnet", large, with)->parameter_count()) << dim << "-D, dof " << dof;
      EXPECT_GT(net->parameter_count(), make_network("fluidnet", small, without)->parameter_count());
      std::vector<std::int64_t> shape{2, dof};
      for (int a = dim - 1; a >= 0; --a) shape.push_back(small.n[a]);
      const torch::Tensor b = torch::randn(shape);
      const torch::Tensor y = net->forward(b).detach();
      ASSERT_EQ(y.sizes(), b.sizes()) << dim << "-D, dof " << dof;
      EXPECT_TRUE(torch::allclose(net->forward(2.5 * b).detach(), 2.5 * y, 1e-4, 1e-5)) << "N(a b) != a N(b), " << dim << "-D, dof " << dof;
    }
  }
}

// The 1-D Dirichlet Green's function is x (1 - c) left of the charge at c:
// its amplitude depends on where the charge sits, which translation-invariant
// convolutions can only approximate. With boundary features the same training
// ends closer to the exact solution for charges near a wall.
static double error_near_walls(double width) {
  const std::size_t n = 48;
  Settings s = learning_settings("fluidnet");
  s.boundary_width = width;
  s.warmup = 60;
  s.train_steps = 400;
  s.learning_rate = 3e-3;
  s.threads = 1;
  s.seed = 5;
  Learner l(s, line((std::int64_t)n), make_model);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> pos(2, n - 3);
  for (int i = 0; i < 60; ++i) {
    auto b = bump(n, pos(rng), 1.0);
    auto x = solve_laplace_1d(b);
    l.screen(some_metrics());
    if (l.learn(b.data(), x.data()).training_due) l.train();
  }
  double worst = 0;
  for (double c : {3.5, 6.0, n - 7.0, n - 4.5}) {
    auto b = bump(n, c, 1.0);
    std::vector<double> guess(n);
    EXPECT_EQ(l.guess(b.data(), guess.data()), GuessStatus::Ok);
    worst = std::max(worst, rel_err(guess, solve_laplace_1d(b)));
  }
  return worst;
}

TEST(Fluidnet, BoundaryFeaturesLowerTheErrorNearTheWalls) {
  const double plain = error_near_walls(0), featured = error_near_walls(0.125);
  std::cout << "worst relative error near the walls: " << plain << " without, " << featured << " with boundary features\n";
  EXPECT_LT(featured, 0.8 * plain);
}
