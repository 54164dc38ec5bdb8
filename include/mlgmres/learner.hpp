// The online learner's C++ API: guess(b) -> x, and learning from converged
// solves. No LibTorch types here; everything LibTorch lives behind Impl.
// All calls may throw std::exception; the PETSc layer turns them into errors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "mlgmres/geometry.hpp"
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

struct TrainingReport {
  bool ran = false;
  int steps = 0;
  double loss = 0;     // mean loss of the last steps (normalized MSE)
  double seconds = 0;
  std::size_t samples = 0;  // training-set size it drew from
  bool postponed = false;   // not run: it would exceed the training budget
  bool grew = false;        // a residual block was appended after this training
  int blocks = 0;           // residual blocks in the model afterwards
  bool diverged = false;    // the loss blew up: the weights from before came back
  double loss_before = 0, loss_after = 0;  // on the batch that judges divergence
  double learning_rate = 0;  // the optimizer's rate after this training
};

struct Observation {
  Verdict verdict = Verdict::Skipped;
  bool training_due = false;  // Algorithm 1 asks for a training now: call train()
  bool postponed = false;     // a training is owed but waits for the time budget
  std::size_t training_set = 0;  // pairs in X_t afterwards
};

struct LearnerStatus {
  std::string model, device, precision, loss;
  std::int64_t parameters = 0, optimized_parameters = 0;
  int blocks = 0;
  std::size_t training_set = 0, capacity = 0, candidates = 0, evicted = 0;
  int solves = 0, trainings = 0;
  int guesses = 0, non_finite = 0;
  double mean_residual_at_k = 0, mean_time_to_solution = 0;
  double last_loss = 0, training_seconds = 0;
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

// The methods are virtual so that the PETSc plugin, which loads the learning
// engine at run time (mlgmres/engine.hpp) and does not link it, calls them
// through the object it got from the engine.
class Learner {
 public:
  // Throws std::invalid_argument when the settings cannot serve this geometry
  // (unknown model, a grid model without a grid, cuda without CUDA, ...).
  Learner(const Settings &s, const Geometry &g);
  virtual ~Learner();
  Learner(const Learner &) = delete;
  Learner &operator=(const Learner &) = delete;

  virtual const Geometry &geometry() const;
  virtual bool trained() const;

  // x = N(b/||b||) * ||b||, both of geometry().size() values.
  virtual GuessStatus guess(const double *b, double *x);

  // What the next solve may start from: Ok (the network's guess), NotTrained
  // (warm-up over: the caller's span of earlier solutions, no network yet),
  // WarmingUp or Parked (nothing).
  virtual GuessStatus readiness() const;
  // The next solve starts from a guess the caller formed without guess() (the
  // span of earlier solutions): it counts for the pay-off check like one.
  virtual void record_guess();

  // First half of learning from a converged solve: decides from the metrics
  // alone. WarmUp and Candidate need the data: call learn() next.
  virtual Verdict screen(const SolveMetrics &m);

  // Second half: stores the normalized pair, or rejects it as redundant, and
  // says whether a training is due.
  virtual Observation learn(const double *b, const double *x);

  // Replay training: candidates join the training set, then a fixed budget of
  // gradient steps. Separate from learn() so callers can time it on its own.
  virtual TrainingReport train();

  virtual LearnerStatus status() const;

  // Checkpoint/restart (src/core/checkpoint.cpp): weights, optimizer state,
  // both stores, the policy state and the counters, in one versioned file
  // written atomically. load() replaces this learner's state; it throws
  // CheckpointError (mlgmres/checkpoint.hpp) saying what is wrong with the
  // file: missing, truncated, corrupted, another version, or written for
  // another problem or model.
  virtual void save(const std::string &path) const;
  virtual void load(const std::string &path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether this LibTorch build can run on the device ("cpu", "cuda").
bool device_available(const std::string &device);

}  // namespace mlgmres
