// Whether the basis of earlier solutions pays for itself, measured on the run.
//
// The basis' value cannot be read off one guessed solve: how many iterations
// a guess saves depends on which components of the error it removes (GMRES(30)
// on the moving charge: a guess leaving |r0|/|b| ~ 0.3 saved ~270 of ~430
// iterations, ten times what the residual ratio at the solve's average rate
// predicts). So the governor compares times: now and then one solve starts
// from the zero guess (a probe; its solution still joins the basis), and the
// guessed solves' time to solution, guess and upkeep included, must beat the
// recent probes' mean. Probes start every `window` guessed solves and thin out
// (up to 8 windows apart) while the basis clearly pays, so a basis that halves
// the solve time loses under 1% to probing. When the median of the last
// `window` guessed solves does not beat the probes' mean (the median: one
// solve stalled by something else, such as LibTorch loading on the training
// worker, switched a basis that halved the solves off for 100 solves, 12,901
// iterations instead of about 5,000), the basis switches off (no guess,
// no upkeep; what it holds is kept) and tries again after a pause that doubles each time it fails
// again: the sequence may change.
//
// It also sizes the basis by cost: a guess and the upkeep of a solution cost
// a few passes over every direction, which must stay a small share of what a
// zero-guess solve costs. A cheap preconditioned solve (a few AMG cycles) gets
// a small basis, an expensive one (unpreconditioned GMRES) a large one.
//
// Plain C++, unit-testable alone.
#pragma once

#include "mlgmres/policy.hpp"

namespace mlgmres {

class PayoffGovernor {
 public:
  // window < 1: never switches off and never probes.
  explicit PayoffGovernor(int window, double upkeep_share = 0.1);

  // Whether the next solve that could start from the basis should start from
  // the zero guess instead, to measure what the basis saves.
  bool probe_due() const;
  // A solve from the zero guess while the basis is on (a probe, or the basis
  // was empty): seconds in the solve proper, without the basis' upkeep.
  void record_probe(double seconds);
  // A solve from the basis' guess: seconds from the guess to the end of the
  // basis' upkeep.
  void record_guessed(double seconds);
  // A solve while switched off: counts towards the next try.
  void record_idle();

  // One guess' `passes` passes over `directions` directions took `seconds`
  // (a guess makes two; four when it did the last join's pass too; ignored
  // below 2 kMinDirections directions, where fixed costs dominate).
  void record_guess_cost(double seconds, int directions, int passes = 2);
  // The directions the basis may hold: at most `capacity`, and as many as
  // keep the upkeep (the guess' two passes and the join's one pass of
  // Gram-Schmidt, two more: kPassesPerSolve) within `upkeep_share` of a
  // zero-guess solve; never fewer than kMinDirections (or capacity).
  // `capacity` until both were measured.
  int limit(int capacity) const;
  static constexpr double kPassesPerSolve = 4;
  static constexpr int    kMinDirections  = 8;

  bool on() const { return on_; }
  // True once, right after the governor switched the basis back on.
  bool restarted() { bool r = restarted_; restarted_ = false; return r; }

  int    offs() const { return offs_; }
  int    probes() const { return probes_; }
  double probe_seconds() const { return probe_.mean(); }   // recent zero-guess solves
  double guessed_seconds() const { return guessed_.mean(); } // recent guessed solves
  double guessed_median() const { return guessed_.median(); } // what the pay-off is judged by
  int    pause_left() const { return on_ ? 0 : pause_ - idle_; }

 private:
  int           window_;
  double        share_;
  bool          on_ = true, restarted_ = false;
  int           offs_ = 0, judged_ = 0, idle_ = 0, pause_ = 0, probes_ = 0;
  int           since_probe_ = 0, interval_ = 0;
  MovingAverage probe_, guessed_, pass_; // pass_: seconds of one pass over one direction
};

}  // namespace mlgmres
