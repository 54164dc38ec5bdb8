#include "mlgmres/policy.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace mlgmres {

const char *to_string(Verdict v) {
  switch (v) {
    case Verdict::WarmUp: return "warm-up";
    case Verdict::Skipped: return "skipped";
    case Verdict::Candidate: return "candidate";
    case Verdict::Redundant: return "redundant";
    case Verdict::Deferred: return "deferred (training over budget)";
  }
  return "?";
}

void MovingAverage::push(double v) {
  values_.push_back(v);
  sum_ += v;
  if ((int)values_.size() > window_) {
    sum_ -= values_.front();
    values_.pop_front();
  }
}

double MovingAverage::median() const {
  if (values_.empty()) return 0.0;
  std::vector<double> v(values_.begin(), values_.end());
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

Policy::Policy(int warmup, int window, int retrain_every, double orthogonality)
    : warmup_(warmup), retrain_every_(retrain_every), orthogonality_(orthogonality), ek_(window), tos_(window) {
  if (warmup < 1) throw std::invalid_argument("warm-up must be at least 1 solve");
  if (window < 1) throw std::invalid_argument("window must be at least 1 solve");
  if (retrain_every < 1) throw std::invalid_argument("retraining frequency must be at least 1");
  if (!(orthogonality >= 0 && orthogonality <= 1)) throw std::invalid_argument("orthogonality threshold must lie in [0,1]");
}

Verdict Policy::screen(const SolveMetrics &m) {
  ++solves_;
  Verdict v;
  if (!warmed_) {
    v = Verdict::WarmUp;
    if (solves_ >= warmup_) {
      warmed_ = true;
      trigger_ = true;  // the first training uses everything collected so far
    }
  } else if (!ek_.empty() && m.residual_at_k < ek_.mean() && m.time_to_solution < tos_.mean()) {
    v = Verdict::Skipped;
  } else {
    v = Verdict::Candidate;
  }
  ek_.push(m.residual_at_k);
  tos_.push(m.time_to_solution);
  return v;
}

Verdict Policy::admit(double max_abs_cos) {
  if (max_abs_cos >= orthogonality_) return Verdict::Redundant;
  if (++pending_ >= retrain_every_) {
    pending_ = 0;
    trigger_ = true;
  }
  return Verdict::Candidate;
}

bool Policy::take_training_trigger() {
  bool t = trigger_;
  trigger_ = false;
  return t;
}

PolicyState Policy::state() const {
  PolicyState s;
  s.residuals = ek_.values();
  s.times = tos_.values();
  s.solves = solves_;
  s.pending = pending_;
  s.warmed = warmed_;
  s.trigger = trigger_;
  return s;
}

void Policy::restore(const PolicyState &s) {
  ek_.clear();
  tos_.clear();
  for (double v : s.residuals) ek_.push(v);
  for (double v : s.times) tos_.push(v);
  solves_ = s.solves;
  pending_ = s.pending;
  warmed_ = s.warmed;
  trigger_ = s.trigger;
}

}  // namespace mlgmres
