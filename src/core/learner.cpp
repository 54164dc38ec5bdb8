#include "mlgmres/learner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "mlgmres/models.hpp"

#include "learner_impl.hpp"

namespace mlgmres {

static double norm2(const double *v, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += v[i] * v[i];
  return std::sqrt(s);
}

std::size_t effective_capacity(const Settings &s, const Geometry &g) {
  const double pair_bytes = 2.0 * sizeof(float) * (double)g.size();
  const double by_memory = std::floor(s.capacity_mib * 1024 * 1024 / pair_bytes);
  if (by_memory < 1) throw std::invalid_argument("the training-set memory cap holds no pair of this problem's size");
  return (std::size_t)std::min<double>(s.capacity, by_memory);
}

Learner::Impl::Impl(const Settings &s, const Geometry &g, ModelFactory factory)
    : settings(s), geometry(g), make_model(std::move(factory)), policy(s.warmup, s.window, s.retrain_every, s.orthogonality),
      store((std::size_t)g.size(), effective_capacity(s, g)), rng((std::uint64_t)s.seed), budget(s.training_budget, s.payoff_window) {
  if (g.size() < 1) throw std::invalid_argument("the field is empty");
  check_model_serves(s, g);
  if (!make_model) throw std::invalid_argument("the learner has no way to build its network");
}

void Learner::Impl::build_model() {
  const auto t0 = std::chrono::steady_clock::now();
  model = make_model(settings, geometry);
  budget.record_training(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

Learner::Learner(const Settings &s, const Geometry &g, ModelFactory make_model) : impl_(std::make_unique<Impl>(s, g, std::move(make_model))) {
  // Only LibTorch can tell whether a device works: ask it now, not at the first training.
  if (s.device != "cpu") impl_->build_model();
}
Learner::~Learner() = default;

const Geometry &Learner::geometry() const { return impl_->geometry; }
bool Learner::trained() const { return impl_->trainings > 0; }

GuessStatus Learner::guess(const double *b, double *x) { return guess(b, norm2(b, impl_->geometry.size()), x, Memory::Host); }

bool Learner::reads(Memory where) const { return where == Memory::Host || (impl_->model && impl_->model->reads(where)); }

GuessStatus Learner::guess(const double *b, double nb, double *x, Memory where) {
  Impl &m = *impl_;
  if (m.budget.parked()) return GuessStatus::Parked;
  if (!trained()) return GuessStatus::NotTrained;
  if (nb == 0) return GuessStatus::ZeroRhs;
  if (!m.model->infer(b, nb, nb * m.target_scale, x, where)) {
    ++m.non_finite;
    return GuessStatus::NonFinite;
  }
  ++m.guesses;
  m.last_guessed = true;
  return GuessStatus::Ok;
}

GuessStatus Learner::readiness() const {
  const Impl &m = *impl_;
  if (m.budget.parked()) return GuessStatus::Parked;
  if (m.policy.warming_up()) return GuessStatus::WarmingUp;
  return trained() ? GuessStatus::Ok : GuessStatus::NotTrained;
}

void Learner::record_guess() { impl_->last_guessed = true; }

Verdict Learner::screen(const SolveMetrics &metrics) {
  Impl &m = *impl_;
  m.budget.record_solve(metrics.time_to_solution, m.last_guessed, m.policy.warming_up());
  m.last_guessed = false;
  m.pending = m.policy.screen(metrics);
  if (m.budget.parked()) m.pending = Verdict::Skipped;  // nothing more to learn for
  // While an owed training waits for the budget, more candidates cannot be
  // trained on either: do not pay for gathering them.
  else if (m.pending == Verdict::Candidate && m.training_owed && !m.budget.allows_training(m.expected_training_seconds())) m.pending = Verdict::Deferred;
  return m.pending;
}

Observation Learner::learn(const double *b, const double *x) {
  Impl &m = *impl_;
  Observation o;
  o.verdict = m.pending;
  if (m.pending != Verdict::WarmUp && m.pending != Verdict::Candidate) throw std::logic_error("learn() called for a solve screen() did not select");
  m.pending = Verdict::Skipped;
  const std::int64_t n = m.geometry.size();
  const double nb = norm2(b, n);
  if (nb > 0) {
    Sample s;
    s.b.resize(n);
    s.x.resize(n);
    for (std::int64_t i = 0; i < n; ++i) {
      s.b[i] = (float)(b[i] / nb);
      s.x[i] = (float)(x[i] / nb);
    }
    if (o.verdict == Verdict::WarmUp) m.store.add_training(std::move(s));
    else {
      o.verdict = m.policy.admit(m.store.max_abs_cos(s.x, (std::size_t)m.settings.recent));
      if (o.verdict == Verdict::Candidate) m.store.add_candidate(std::move(s));
    }
  }
  // A due training waits while it would exceed the budget; it is owed, and
  // asked for again at the next solve that brings data.
  if (m.policy.take_training_trigger()) m.training_owed = true;
  if (m.training_owed && m.settings.async_training) {
    // The worker's time is not free: on 2 cores it slowed the solves beside
    // it by 15-29% (KSPSolve time, 4 sequences) and loading LibTorch stalled
    // the solve thread ~1.4 s. So the budget charges it like a training in
    // the solve path; the worker itself measures a first training (timed
    // probe) and gives up when it would not fit what the budget allowed at
    // the hand-off.
    o.worker_busy = m.job.valid();
    o.training_due = !o.worker_busy && m.budget.allows_training(m.expected_training_seconds());
    o.postponed = !o.training_due;
  } else if (m.training_owed) {
    // The model, and with it LibTorch, comes when the budget covers
    // LibTorch's start-up: a run whose solves never earn that never loads it.
    o.training_due = m.budget.allows_training(m.expected_training_seconds());
    if (o.training_due && !m.model) {
      m.build_model();
      o.training_due = m.budget.allows_training(m.expected_training_seconds());
    }
    if (o.training_due && m.training_estimate == 0 && m.budget.limited()) {
      // The timed probe is LibTorch's first gradient step: it pays the
      // library's one-off start-up, which the flop count does not see. It
      // runs only once the budget also covers that, and it is charged.
      o.training_due = m.budget.allows_training(m.expected_training_seconds() + LearningBudget::kTorchStartupSeconds);
      if (o.training_due) {
        const auto t0 = std::chrono::steady_clock::now();
        m.training_estimate = m.model->estimate_seconds(m.store, m.rng);
        m.budget.record_training(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        o.training_due = m.budget.allows_training(m.training_estimate);
      }
    }
    o.postponed = !o.training_due;
  }
  o.training_set = m.store.size();
  return o;
}

std::size_t Learner::Impl::prepare_training() {
  const std::size_t newest = store.merge_candidates();
  if (target_scale == 0) {
    double sum = 0;
    for (std::size_t i = 0; i < store.size(); ++i) {
      double s2 = 0;
      for (float v : store.at(i).x) s2 += (double)v * v;
      sum += std::sqrt(s2);
    }
    target_scale = store.size() && sum > 0 ? sum / store.size() : 1.0;
  }
  training_owed = false;
  return newest;
}

void Learner::Impl::finish_training(TrainingReport &r) {
  if (r.ran) training_estimate = r.seconds;
  if (r.diverged) {
    ++diverged_trainings;  // nothing changed but the learning rate
  } else if (r.ran) {
    ++trainings;
    last_loss = r.loss;
    // Growth: when the loss improved by less than growth_tolerance over the
    // last growth_patience trainings, the model is too small for the data.
    losses.push_back(r.loss);
    const std::size_t p = (std::size_t)settings.growth_patience;
    if (losses.size() > p && learning().blocks() < settings.max_blocks) {
      const double before = losses[losses.size() - 1 - p];
      if (before > 0 && (before - r.loss) / before < settings.growth_tolerance && learning().grow()) {
        r.grew = true;
        losses.clear();
      }
    }
  }
  r.blocks = learning().blocks();
}

TrainingReport Learner::train() {
  Impl &m = *impl_;
  if (m.settings.async_training) {
    if (m.job.valid()) throw std::logic_error("train() called while a training runs on the worker");
    m.start_training();
    TrainingReport r;
    r.started = true;
    r.samples = m.store.size();
    return r;
  }
  if (!m.model) m.build_model();  // asked for directly (tests, forced training)
  const std::size_t newest = m.prepare_training();
  TrainingReport r = m.model->train(m.store, newest, m.target_scale, m.rng);
  if (r.ran) m.budget.record_training(r.seconds);  // an undone training's time was spent all the same
  m.finish_training(r);
  return r;
}

void Learner::change_model(const std::string &name) {
  Impl &m = *impl_;
  Settings s = m.settings;
  s.model = name;
  check_model_serves(s, m.geometry);
  m.stop_training();
  m.settings = s;
  m.model.reset();
  m.trainee.reset();
  m.trainings = 0;  // trained() is false until the new network has trained: no guesses from it before
  m.training_estimate = 0;
  m.losses.clear();
  m.last_loss = 0;
  m.training_owed = true;  // the kept pairs are enough to train on
  m.budget.restart_payoff();
}

LearnerStatus Learner::status() const {
  const Impl &m = *impl_;
  LearnerStatus s;
  s.model = m.settings.model;
  s.loss = m.settings.loss;
  s.device = m.settings.device;
  s.precision = m.settings.precision;
  s.built = m.model != nullptr;
  s.parameters = s.built ? m.model->parameters() : 0;
  // the optimizer's figures are the learning model's (async: the trainee, when it is not on the worker)
  const Model *learning = m.trainee ? m.trainee.get() : m.model.get();
  s.optimized_parameters = learning ? learning->optimized_parameters() : 0;
  s.blocks = s.built ? m.model->blocks() : 0;
  s.training_set = m.store.size();
  const std::size_t pair_bytes = 2 * sizeof(float) * (std::size_t)m.geometry.size() + sizeof(Sample);
  s.store_bytes = (m.store.size() + m.store.candidates()) * pair_bytes;
  const std::size_t scalar = m.settings.precision == "float64" ? sizeof(double) : sizeof(float);
  const std::size_t models = (m.model ? 1 : 0) + (m.trainee || m.job.valid() ? 1 : 0);
  s.network_bytes = (std::size_t)s.parameters * scalar * 4 * models;
  s.capacity = m.store.capacity();
  s.candidates = m.store.candidates();
  s.evicted = m.store.evicted();
  s.solves = m.policy.solves();
  s.trainings = m.trainings;
  s.guesses = m.guesses;
  s.non_finite = m.non_finite;
  s.mean_residual_at_k = m.policy.mean_residual();
  s.mean_time_to_solution = m.policy.mean_time();
  s.last_loss = m.last_loss;
  s.learning_rate = learning ? learning->learning_rate() : m.settings.learning_rate;
  s.diverged_trainings = m.diverged_trainings;
  s.training_seconds = m.budget.training_seconds();
  s.async = m.settings.async_training;
  s.training_running = m.job.valid();
  s.overlapped_seconds = m.overlapped_seconds;
  s.exposed_seconds = m.exposed_seconds;
  s.warming_up = m.policy.warming_up();
  s.parked = m.budget.parked();
  s.training_postponed = m.training_owed;
  s.expected_training = m.expected_training_seconds();
  s.expected_measured = m.training_estimate > 0;
  s.solve_seconds = m.budget.solve_seconds();
  s.baseline_time = m.budget.baseline_time();
  s.guessed_time = m.budget.guessed_time();
  return s;
}

}  // namespace mlgmres
