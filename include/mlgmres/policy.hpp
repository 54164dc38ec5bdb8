// Algorithm 1 of the MLGMRES paper in one place: warm-up, moving averages over
// the previous p solves, the two-metric candidate test, the orthogonality
// filter and the retraining trigger. No LibTorch here: unit-testable alone.
#pragma once

#include <deque>
#include <functional>

namespace mlgmres {

// What a converged solve tells the learner. Diverged solves never reach it.
struct SolveMetrics {
  int iterations = 0;
  double residual_at_k = 0;     // E_k: residual norm at iteration k (final one if fewer)
  double time_to_solution = 0;  // TOS in seconds, inference included
};

enum class Verdict {
  WarmUp,     // collected unconditionally before the first training
  Skipped,    // the guess beat both moving averages: nothing to learn
  Candidate,  // under-performing and sufficiently new: kept for training
  Redundant,  // under-performing but too close to a stored solution
  Deferred,   // under-performing, but a training is already owed and over budget: data not collected
};

const char *to_string(Verdict v);

// Running mean of the last `window` values pushed; mean() covers only values
// pushed before the current one because the caller pushes after comparing.
class MovingAverage {
 public:
  explicit MovingAverage(int window) : window_(window) {}
  void push(double v);
  bool empty() const { return values_.empty(); }
  double mean() const { return values_.empty() ? 0.0 : sum_ / values_.size(); }
  // The middle value (the upper one of an even count): one outlier moves it by one rank only.
  double median() const;
  const std::deque<double> &values() const { return values_; }
  void clear() {
    values_.clear();
    sum_ = 0;
  }

 private:
  int window_;
  std::deque<double> values_;
  double sum_ = 0;
};

// Everything a Policy remembers, for checkpoint/restart.
struct PolicyState {
  std::deque<double> residuals, times;  // the moving-average windows
  int solves = 0, pending = 0;
  bool warmed = false, trigger = false;
};

class Policy {
 public:
  Policy(int warmup, int window, int retrain_every, double orthogonality);

  // Screens a converged solve by its metrics alone. Returns WarmUp, Skipped, or
  // Candidate (meaning: data needed to finish the decision with admit()).
  Verdict screen(const SolveMetrics &m);

  // Finishes a Candidate: `max_abs_cos` is the largest |cos| between its
  // normalized solution and the stored ones (0 when none is stored).
  Verdict admit(double max_abs_cos);

  // Whether the data seen so far calls for a training now. Call after each
  // screen()/admit(); it consumes the trigger.
  bool take_training_trigger();

  int solves() const { return solves_; }
  bool warming_up() const { return !warmed_; }
  double mean_residual() const { return ek_.mean(); }
  double mean_time() const { return tos_.mean(); }
  int pending_candidates() const { return pending_; }

  PolicyState state() const;
  void restore(const PolicyState &s);

 private:
  int warmup_, retrain_every_;
  double orthogonality_;
  MovingAverage ek_, tos_;
  int solves_ = 0;
  int pending_ = 0;
  bool warmed_ = false;
  bool trigger_ = false;
};

}  // namespace mlgmres
