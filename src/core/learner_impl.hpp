// The learner's state, shared by learner.cpp (the algorithm) and
// checkpoint.cpp (its serialization). Internal to the core; no LibTorch: the
// network is the Model the factory builds when the first training is due.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <random>
#include <vector>

#include "mlgmres/learner.hpp"
#include "mlgmres/learning_budget.hpp"
#include "mlgmres/replay_store.hpp"

namespace mlgmres {

struct Learner::Impl {
  Impl(const Settings &s, const Geometry &g, ModelFactory make_model);
  ~Impl();  // stops a running training (its result would be thrown away) and waits for the worker

  Settings settings;
  Geometry geometry;
  ModelFactory make_model;
  Policy policy;
  ReplayStore store;
  std::mt19937_64 rng;
  std::unique_ptr<Model> model;  // serves guess(); null until the first training is due (LibTorch not loaded)
  // Async training (async_training.cpp): the worker trains `trainee` (moved
  // into the job while it runs) and the trained weights are swapped into
  // `model` between solves. Synchronous: no trainee, `model` learns.
  struct Job {
    TrainingReport report;
    std::mt19937_64 rng;                    // the sampler after the training, as if it ran here
    std::unique_ptr<Model> trainee, serving;  // serving: built by the first job
    double seconds = 0;                     // the job's wall time on the worker
    double estimate = 0;                    // the timed probe's estimate of a training (0: none ran)
  };
  std::unique_ptr<Model> trainee;
  std::future<Job> job;  // valid while a training is on the worker (or done and not yet taken)
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  double overlapped_seconds = 0, exposed_seconds = 0;
  Model &learning() { return trainee ? *trainee : *model; }
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
    const Model *m = trainee ? trainee.get() : model.get();
    return m ? m->lower_bound_seconds(store) : LearningBudget::kTorchStartupSeconds;
  }
  // Builds the model (loading the engine and LibTorch the first time); the
  // time it takes is charged to the training budget.
  void build_model();
  // Candidates join the training set, the target scale is fixed at the first
  // training; returns how many pairs are new (they go into every batch).
  std::size_t prepare_training();
  // A training's outcome: counters, the growth rule (on the model that learns).
  void finish_training(TrainingReport &r);
  // Async: hands a snapshot of the training set to the worker.
  void start_training();
  // Async: takes the finished job (waits if it still runs) and swaps its weights in.
  TrainingReport take_job();
  // Async: tells a running training to stop between two steps and hands its
  // job over (invalid when none runs); the next training gets a fresh flag.
  std::future<Job> cancel_training();
  // Async: stops a running training and throws its result away.
  void stop_training();
};

// Pairs that fit both caps: the count and the MiB budget (two float fields each).
std::size_t effective_capacity(const Settings &s, const Geometry &g);

}  // namespace mlgmres
