#include "payoff_governor.hpp"

#include <algorithm>

namespace mlgmres {

namespace {
// Probes remembered: the solve's cost drifts with the sequence.
constexpr int kProbes = 4;
// Guess costs remembered, of which the basis is sized by the median: one
// guess slowed by something else (a training beside it on the same cores,
// the OS) made the mean of 4 say 14 directions instead of 150-250, and the
// basis was compressed to 7 at once (moving charges, 64^2, async training).
constexpr int kPassCosts = 9;
// The first pause, in windows; it doubles after each failed try.
constexpr int kFirstPause = 5;
// Probes thin out to this many windows apart while the basis clearly pays.
constexpr int kMaxInterval = 8;
}  // namespace

PayoffGovernor::PayoffGovernor(int window, double upkeep_share) : window_(window), share_(upkeep_share), interval_(std::max(window, 1)), probe_(kProbes), guessed_(std::max(window, 1)), pass_(kPassCosts) {}

void PayoffGovernor::record_guess_cost(double seconds, int directions, int passes)
{
  /* over a few directions a guess' fixed costs (a reduction's latency,
     norms) dominate, and charging them per direction would shrink the basis
     before it can show what it saves (measured: the moving charge's basis
     switched off during its ramp) */
  if (directions >= 2 * kMinDirections && seconds > 0 && passes > 0) pass_.push(seconds / ((double)passes * directions));
}

int PayoffGovernor::limit(int capacity) const
{
  if (probe_.empty() || pass_.empty()) return capacity;
  const double n = share_ * probe_.mean() / (kPassesPerSolve * pass_.median());
  return (int)std::max<double>(std::min(kMinDirections, capacity), std::min<double>(capacity, n));
}

bool PayoffGovernor::probe_due() const
{
  return on_ && window_ > 0 && (probe_.empty() || since_probe_ >= interval_);
}

void PayoffGovernor::record_probe(double seconds)
{
  if (!on_) return;
  probe_.push(seconds);
  since_probe_ = 0;
  ++probes_;
  /* a clear gain (guessed solves under 80% of the probes): probe less often */
  if (!guessed_.empty() && guessed_.median() < 0.8 * probe_.mean()) interval_ = std::min(2 * interval_, kMaxInterval * std::max(window_, 1));
  else interval_ = std::max(window_, 1);
}

void PayoffGovernor::record_guessed(double seconds)
{
  if (!on_) return;
  guessed_.push(seconds);
  ++since_probe_;
  if (window_ < 1 || probe_.empty() || ++judged_ < window_) return;
  if (guessed_.median() >= probe_.mean()) { /* the median: one solve slowed by something else (a library loading on another thread) is not the basis' cost */
    on_    = false;
    idle_  = 0;
    pause_ = window_ * kFirstPause << std::min(offs_, 20);
    ++offs_;
  }
}

void PayoffGovernor::record_idle()
{
  if (on_ || ++idle_ < pause_) return;
  on_ = restarted_ = true;
  judged_ = since_probe_ = 0;
  interval_ = std::max(window_, 1);
  probe_.clear();
  guessed_.clear();
}

}  // namespace mlgmres
