// The training set X_t and the candidate set C_t of the paper. Pairs are stored
// normalized (b/||b||, x/||b||) in float. X_t is capped. Eviction rule: when
// full, the oldest pair goes. The set stays diverse without a redundancy
// search because every pair that entered after the warm-up already passed the
// orthogonality filter against its neighbours, and the oldest pairs are the
// ones the network has trained on longest. Candidates wait in C_t until the
// next training, then join X_t.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace mlgmres {

struct Sample {
  std::vector<float> b, x;
};

class ReplayStore {
 public:
  ReplayStore(std::size_t field_size, std::size_t capacity);

  void add_training(Sample s);   // straight into X_t (warm-up data)
  void add_candidate(Sample s);  // into C_t until merge_candidates(); C_t has the same cap

  // Largest |cos| between x and the solutions in C_t and in the newest
  // `recent` entries of X_t; 0 when there are none or x is zero.
  double max_abs_cos(const std::vector<float> &x, std::size_t recent) const;

  // Moves C_t into X_t (evicting the oldest beyond the cap); returns how many
  // pairs moved, which are then the newest entries of X_t.
  std::size_t merge_candidates();

  // Indices into X_t for one mini-batch of `batch` samples: the newest
  // `newest` entries first (recent data is always included), the rest drawn
  // uniformly from the whole set.
  std::vector<std::size_t> draw_batch(std::size_t batch, std::size_t newest, std::mt19937_64 &rng) const;

  const Sample &at(std::size_t i) const { return train_[i]; }
  std::size_t size() const { return train_.size(); }
  std::size_t candidates() const { return cand_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::size_t field_size() const { return n_; }
  std::size_t evicted() const { return evicted_; }

  // For checkpoint/restart: the raw sets, and putting them back (the cap applies).
  const std::deque<Sample> &training() const { return train_; }
  const std::deque<Sample> &pending() const { return cand_; }
  void restore(std::deque<Sample> training, std::deque<Sample> pending, std::size_t evicted);

 private:
  // Appends to X_t or C_t; when over the cap the oldest pair goes (counted as evicted).
  void push_capped(std::deque<Sample> &set, Sample s);
  std::size_t n_, capacity_;
  std::deque<Sample> train_, cand_;
  std::size_t evicted_ = 0;
};

}  // namespace mlgmres
