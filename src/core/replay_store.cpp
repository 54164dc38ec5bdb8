#include "mlgmres/replay_store.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace mlgmres {

ReplayStore::ReplayStore(std::size_t field_size, std::size_t capacity) : n_(field_size), capacity_(capacity) {
  if (capacity < 1) throw std::invalid_argument("training-set capacity must be at least 1");
}

void ReplayStore::push_capped(std::deque<Sample> &set, Sample s) {
  if (s.b.size() != n_ || s.x.size() != n_) throw std::invalid_argument("sample size does not match the store's field size");
  set.push_back(std::move(s));
  while (set.size() > capacity_) {
    set.pop_front();
    ++evicted_;
  }
}

void ReplayStore::restore(std::deque<Sample> training, std::deque<Sample> pending, std::size_t evicted) {
  train_.clear();
  cand_.clear();
  evicted_ = evicted;
  for (Sample &s : training) push_capped(train_, std::move(s));
  for (Sample &s : pending) push_capped(cand_, std::move(s));
}

void ReplayStore::add_training(Sample s) { push_capped(train_, std::move(s)); }

// C_t is capped like X_t: a training the time budget keeps postponing must
// not let it grow without bound.
void ReplayStore::add_candidate(Sample s) { push_capped(cand_, std::move(s)); }

static double cosine(const std::vector<float> &a, const std::vector<float> &b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += (double)a[i] * b[i];
    aa += (double)a[i] * a[i];
    bb += (double)b[i] * b[i];
  }
  if (aa == 0 || bb == 0) return 0;
  return ab / std::sqrt(aa * bb);
}

double ReplayStore::max_abs_cos(const std::vector<float> &x, std::size_t recent) const {
  double m = 0;
  for (const Sample &s : cand_) m = std::max(m, std::fabs(cosine(x, s.x)));
  std::size_t first = train_.size() > recent ? train_.size() - recent : 0;
  for (std::size_t i = first; i < train_.size(); ++i) m = std::max(m, std::fabs(cosine(x, train_[i].x)));
  return m;
}

std::size_t ReplayStore::merge_candidates() {
  std::size_t moved = cand_.size();
  while (!cand_.empty()) {
    push_capped(train_, std::move(cand_.front()));
    cand_.pop_front();
  }
  return std::min(moved, train_.size());
}

std::vector<std::size_t> ReplayStore::draw_batch(std::size_t batch, std::size_t newest, std::mt19937_64 &rng) const {
  std::vector<std::size_t> idx;
  if (train_.empty() || batch == 0) return idx;
  newest = std::min({newest, batch, train_.size()});
  for (std::size_t i = 0; i < newest; ++i) idx.push_back(train_.size() - 1 - i);
  std::uniform_int_distribution<std::size_t> pick(0, train_.size() - 1);
  while (idx.size() < batch) idx.push_back(pick(rng));
  return idx;
}

}  // namespace mlgmres
