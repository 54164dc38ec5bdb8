// The online learner's C++ API: guess(b) -> x, and learning from converged
// solves. The learner holds the data (replay stores) and every decision
// (Algorithm 1's policy, the time budget, the pay-off check) and links no
// LibTorch; the network is a Model (mlgmres/model.hpp) it asks its factory
// for when the first training is due, so LibTorch is loaded only then.
// All calls may throw std::exception; the PETSc layer turns them into errors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "mlgmres/geometry.hpp"
#include "mlgmres/model.hpp"
#include "mlgmres/policy.hpp"
#include "mlgmres/settings.hpp"

namespace mlgmres {

enum class GuessStatus { Ok, NotTrained, ZeroRhs, NonFinite, Parked, WarmingUp };
inline const char *to_string(GuessStatus s) {
  switch (s) {
    case GuessStatus::Ok: return "ok";
    case GuessStatus::NotTrained: return "not trained yet";
    case GuessStatus::ZeroRhs: return "zero right-hand side";
    case GuessStatus::NonFinite: return "non-finite network output";
    case GuessStatus::Parked: return "switched off: learned guesses did not save time";
    case GuessStatus::WarmingUp: return "warming up";
  }
  return "?";
}

struct Observation {
  Verdict verdict = Verdict::Skipped;
  bool training_due = false;  // Algorithm 1 asks for a training now: call train()
  bool postponed = false;     // a training is owed but waits for the time budget
  bool worker_busy = false;   // async: it waits because the worker still runs the last one
  std::size_t training_set = 0;  // pairs in X_t afterwards
};

struct LearnerStatus {
  std::string model, device, precision, loss;
  bool built = false;  // the network exists (LibTorch loaded); parameters and blocks count only then
  // Memory the learner holds: the stored pairs (training set and candidates,
  // two float fields each), and the network's tensors (weights, gradients and
  // the optimizer's two moments, for each model: two when training is async).
  std::size_t store_bytes = 0, network_bytes = 0;
  std::int64_t parameters = 0, optimized_parameters = 0;
  int blocks = 0;
  std::size_t training_set = 0, capacity = 0, candidates = 0, evicted = 0;
  int solves = 0, trainings = 0;
  int guesses = 0, non_finite = 0;
  double mean_residual_at_k = 0, mean_time_to_solution = 0;
  double last_loss = 0, training_seconds = 0;  // training_seconds: what the budget charged (async: the solve thread's share)
  bool async = false;              // training runs on a worker thread
  bool training_running = false;   // ... and is running now
  double overlapped_seconds = 0;   // async: worker time (model builds and trainings), beside the solves
  double exposed_seconds = 0;      // async: solve-thread time for training (data snapshot, launch, weight swap)
  double learning_rate = 0;     // the optimizer's current rate (halved after each diverged training)
  int diverged_trainings = 0;   // trainings undone because the loss blew up (this run)
  bool warming_up = true;
  bool parked = false;            // guesses measured not to save time: learner switched off
  bool training_postponed = false;  // a training is owed but waits for the budget
  double expected_training = 0;   // seconds the next training should take ...
  bool expected_measured = false; // ... measured (probe, last training) or a free lower bound
  double solve_seconds = 0;       // time to solution summed over the solves seen
  double baseline_time = 0, guessed_time = 0;  // mean time: warm-up solves, recent guessed solves
};

class Learner {
 public:
  // Throws std::invalid_argument when the settings cannot serve this geometry
  // (unknown model, a grid model without a grid, a problem too large for the
  // dense model, an unknown precision or device). The model is built by
  // make_model when the first training is due and the budget covers
  // LibTorch's start-up (that time is charged to the budget); on a device
  // other than the CPU it is built here, so a device that cannot be used is
  // an error at once.
  Learner(const Settings &s, const Geometry &g, ModelFactory make_model);
  ~Learner();
  Learner(const Learner &) = delete;
  Learner &operator=(const Learner &) = delete;

  const Geometry &geometry() const;
  bool trained() const;

  // x = N(b/||b||) * ||b||, both of geometry().size() values in host memory.
  GuessStatus guess(const double *b, double *x);
  // The same with b and x in `where` (a device's memory when reads(where)),
  // and ||b|| computed by the caller where the data lives.
  GuessStatus guess(const double *b, double b_norm, double *x, Memory where);
  // Whether guess() takes data in `where` as it is: device memory only once
  // the network exists on that device (else the caller copies to the host).
  bool reads(Memory where) const;

  // What the next solve may start from: Ok (the network's guess), NotTrained
  // (warm-up over: the caller's span of earlier solutions, no network yet),
  // WarmingUp or Parked (nothing).
  GuessStatus readiness() const;
  // The next solve starts from a guess the caller formed without guess() (the
  // span of earlier solutions): it counts for the pay-off check like one.
  void record_guess();

  // First half of learning from a converged solve: decides from the metrics
  // alone. WarmUp and Candidate need the data: call learn() next.
  Verdict screen(const SolveMetrics &m);

  // Second half: stores the normalized pair, or rejects it as redundant, and
  // says whether a training is due.
  Observation learn(const double *b, const double *x);

  // Replay training: candidates join the training set, then a fixed budget of
  // gradient steps. Separate from learn() so callers can time it on its own.
  // With Settings::async_training it hands a snapshot of the training set to
  // the worker thread and returns at once (report.started); the solves go on
  // with the weights they have, and poll() swaps the new ones in.
  TrainingReport train();

  // Async: if the worker finished a training, takes its result (counters,
  // growth, the trained weights into the model that serves guess()) and
  // returns its report (ran or diverged); else a report with ran == false.
  // Call between solves: it never waits. Rethrows what the training threw.
  TrainingReport poll();
  // Async: waits for a running training and takes its result, as poll().
  // Checkpoints call it; so can code that needs a deterministic state.
  TrainingReport wait_for_training();
  // Async, at the end of a run: stops a running training between two steps
  // and drops its result, but rethrows what a training that ended in an
  // error threw (a model the worker could not build), so a failure on the
  // worker is reported even when no poll() came after it.
  void finish();

  LearnerStatus status() const;

  // Replaces the network with another model of the registry (Settings::model
  // = name), untrained: a running training is stopped, the stored pairs and
  // the policy's state are kept, and a training is owed at once (it runs when
  // the budget allows). Throws std::invalid_argument when that model cannot
  // serve this geometry. For choosing among models by what they measurably save.
  void change_model(const std::string &name);

  // Checkpoint/restart (src/core/checkpoint.cpp): weights, optimizer state,
  // both stores, the policy state and the counters, in one versioned file
  // written atomically. load() replaces this learner's state; it throws
  // CheckpointError (mlgmres/checkpoint.hpp) saying what is wrong with the
  // file: missing, truncated, corrupted, another version, or written for
  // another problem or model.
  void save(const std::string &path);  // waits for a running training first
  void load(const std::string &path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlgmres
