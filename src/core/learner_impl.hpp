// The learner's state, shared by learner.cpp (the algorithm) and
// checkpoint.cpp (its serialization). Internal to the core; no LibTorch: the
// network is the Model the factory builds when the first training is due.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "mlgmres/learner.hpp"
#include "mlgmres/learning_budget.hpp"
#include "mlgmres/replay_store.hpp"

namespace mlgmres {

struct Learner::Impl {
  Impl(const Settings &s, const Geometry &g, ModelFactory make_model);

  Settings settings;
  Geometry geometry;
  ModelFactory make_model;
  Policy policy;
  ReplayStore store;
  std::mt19937_64 rng;
  std::unique_ptr<Model> model;  // null until the first training is due (LibTorch not loaded)
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
  // not fit); before the model exists, LibTorch's start-up.
  double expected_training_seconds() const {
    if (training_estimate > 0) return training_estimate;
    return model ? model->lower_bound_seconds(store) : LearningBudget::kTorchStartupSeconds;
  }
  // Builds the model (loading the engine and LibTorch the first time); the
  // time it takes is charged to the training budget.
  void build_model();
};

// Pairs that fit both caps: the count and the MiB budget (two float fields each).
std::size_t effective_capacity(const Settings &s, const Geometry &g);

}  // namespace mlgmres
