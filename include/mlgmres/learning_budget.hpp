// Keeps the learner from costing more than it can save (end-to-end time is the
// figure of merit). Two rules, both on measured wall time:
//   - training budget: a training runs only if all training so far plus this
//     one (estimated from the last, or a timed probe step) stays within
//     `fraction` of the time spent in solves so far; otherwise it is
//     postponed until the solves have earned it;
//   - pay-off check: once `window` solves started from a learned guess, their
//     mean time to solution (inference included) must beat the mean of the
//     warm-up solves (zero guess); if it does not, the learner parks itself:
//     no more guesses, no more training.
// Torch-free and unit-testable alone.
#pragma once

#include "mlgmres/policy.hpp"

namespace mlgmres {

class LearningBudget {
 public:
  // fraction <= 0: no training budget; window < 1: no pay-off check.
  LearningBudget(double fraction, int window);

  // One converged solve: its time to solution and whether it started from a learned guess.
  void record_solve(double seconds, bool guessed, bool warming_up);
  void record_training(double seconds) { training_seconds_ += seconds; }

  // What LibTorch's first gradient step costs on top of its flops (autograd
  // engine, thread pools, allocator): measured 2.7 s for fluidnet at 64^2 on
  // one core of the 2-core development machine. The first timed probe of a
  // training runs only once the budget covers this too.
  static constexpr double kTorchStartupSeconds = 2.0;

  // Whether a training estimated to take `estimate` seconds fits the budget now.
  bool allows_training(double estimate) const;
  // Seconds of training the budget still allows now (infinite without a limit, 0 when parked).
  double allowance() const;
  // Whether training time is limited at all (a positive fraction).
  bool limited() const { return fraction_ > 0; }

  // A new network: its guesses are judged afresh (the training time spent stays charged).
  void restart_payoff();

  // True once learned guesses were measured not to save time.
  bool parked() const { return parked_; }

  double solve_seconds() const { return solve_seconds_; }
  double training_seconds() const { return training_seconds_; }
  double baseline_time() const { return baseline_n_ ? baseline_sum_ / baseline_n_ : 0; }
  double guessed_time() const { return guessed_.mean(); }

  struct State {
    double solve_seconds = 0, training_seconds = 0, baseline_sum = 0;
    int baseline_n = 0, guessed_n = 0;
    std::deque<double> guessed;
    bool parked = false;
  };
  State state() const;
  void restore(const State &s);

 private:
  double fraction_;
  int window_;
  double solve_seconds_ = 0, training_seconds_ = 0, baseline_sum_ = 0;
  int baseline_n_ = 0, guessed_n_ = 0;
  MovingAverage guessed_;
  bool parked_ = false;
};

}  // namespace mlgmres
