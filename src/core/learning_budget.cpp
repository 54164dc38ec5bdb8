#include "mlgmres/learning_budget.hpp"

#include <limits>

namespace mlgmres {

LearningBudget::LearningBudget(double fraction, int window) : fraction_(fraction), window_(window), guessed_(window > 0 ? window : 1) {}

void LearningBudget::record_solve(double seconds, bool guessed, bool warming_up) {
  solve_seconds_ += seconds;
  if (warming_up && !guessed) {
    baseline_sum_ += seconds;
    ++baseline_n_;
  }
  if (!guessed || window_ < 1 || parked_) return;
  guessed_.push(seconds);
  // Judge only on a full window of guessed solves, against a known baseline.
  if (++guessed_n_ >= window_ && baseline_n_ > 0 && guessed_.mean() >= baseline_time()) parked_ = true;
}

bool LearningBudget::allows_training(double estimate) const {
  if (parked_) return false;
  if (fraction_ <= 0) return true;
  return training_seconds_ + estimate <= fraction_ * solve_seconds_;
}

void LearningBudget::restart_payoff() {
  guessed_.clear();
  guessed_n_ = 0;
  parked_ = false;
}

double LearningBudget::allowance() const {
  if (parked_) return 0;
  if (fraction_ <= 0) return std::numeric_limits<double>::infinity();
  return fraction_ * solve_seconds_ - training_seconds_;
}

LearningBudget::State LearningBudget::state() const {
  State s;
  s.solve_seconds = solve_seconds_;
  s.training_seconds = training_seconds_;
  s.baseline_sum = baseline_sum_;
  s.baseline_n = baseline_n_;
  s.guessed_n = guessed_n_;
  s.guessed = guessed_.values();
  s.parked = parked_;
  return s;
}

void LearningBudget::restore(const State &s) {
  solve_seconds_ = s.solve_seconds;
  training_seconds_ = s.training_seconds;
  baseline_sum_ = s.baseline_sum;
  baseline_n_ = s.baseline_n;
  guessed_n_ = s.guessed_n;
  guessed_.clear();
  for (double v : s.guessed) guessed_.push(v);
  parked_ = s.parked;
}

}  // namespace mlgmres
