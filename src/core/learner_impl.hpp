// The learner's state, shared by learner.cpp (the algorithm) and
// checkpoint.cpp (its serialization). Internal to the core.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <random>
#include <vector>

#include "mlgmres/learner.hpp"
#include "mlgmres/learning_budget.hpp"
#include "mlgmres/replay_store.hpp"
#include "network.hpp"
#include "trainer.hpp"

namespace mlgmres {

struct Learner::Impl {
  Impl(const Settings &s, const Geometry &g);

  Settings settings;
  Geometry geometry;
  torch::Device device;
  torch::Dtype dtype;
  Policy policy;
  ReplayStore store;
  std::mt19937_64 rng;
  NetworkPtr net;
  std::unique_ptr<Trainer> trainer;
  Verdict pending = Verdict::Skipped;  // screen() result awaiting learn()
  double target_scale = 0;  // typical ||x||/||b||, fixed at the first training
  int trainings = 0, guesses = 0, non_finite = 0;
  int diverged_trainings = 0;  // not in checkpoints: the optimizer state keeps the halved rate
  double last_loss = 0;
  std::vector<double> losses;  // training losses since the model last grew
  LearningBudget budget;
  bool last_guessed = false;   // the solve now finishing started from a learned guess
  bool training_owed = false;  // a training was due but postponed by the budget
  double training_estimate = 0;  // seconds the next training should take (the last one's; 0: not measured yet)
  // What the budget is checked against: the measured estimate, or before any
  // measurement the free lower bound (no probe is paid while even that does
  // not fit).
  double expected_training_seconds() const { return training_estimate > 0 ? training_estimate : trainer->lower_bound_seconds(store); }
  // Sizes LibTorch's thread pool before the first computation, not at
  // construction: starting the pool costs ~6 ms (measured), which a learner
  // that never trains (cheap solves, budget never met) should not pay.
  void use_threads();
  bool threads_set = false;
};

// Pairs that fit both caps: the count and the MiB budget (two float fields each).
std::size_t effective_capacity(const Settings &s, const Geometry &g);

}  // namespace mlgmres
