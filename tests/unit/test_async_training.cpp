// Training off the solve path: the worker trains while guesses come from the
// weights of the last finished training, swapped in only by poll() (between
// solves); waiting at once reproduces the synchronous run exactly; a learner
// going away stops its worker; a checkpoint waits for a running training.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <random>
#include <stdexcept>
#include <thread>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "laplace_1d.hpp"
#include "mlgmres/engine.hpp"
#include "mlgmres/learning_budget.hpp"

using namespace mlgmres;
using namespace mlgmres_test;

namespace {

Settings async_settings(bool async) {
  Settings s = learning_settings("linear");
  s.warmup = 8;
  s.orthogonality = 1.0;  // every solve after the warm-up is a candidate
  s.train_steps = 200;
  s.learning_rate = 3e-3;
  s.threads = 1;
  s.seed = 3;
  s.async_training = async;
  return s;
}

// A model that runs the test's hook on the thread of each training before
// it trains (a gate: the test decides when the worker may go on).
class HookedModel final : public Model {
 public:
  HookedModel(std::unique_ptr<Model> inner, std::function<void()> hook) : inner_(std::move(inner)), hook_(std::move(hook)) {}
  bool infer(const double *b, double n, double s, double *x, Memory where) override { return inner_->infer(b, n, s, x, where); }
  TrainingReport train(const ReplayStore &st, std::size_t newest, double scale, std::mt19937_64 &rng, const std::atomic<bool> *cancel) override {
    hook_();
    return inner_->train(st, newest, scale, rng, cancel);
  }
  double estimate_seconds(const ReplayStore &st, std::mt19937_64 &rng) override { return inner_->estimate_seconds(st, rng); }
  double lower_bound_seconds(const ReplayStore &st) const override { return inner_->lower_bound_seconds(st); }
  bool grow() override { return inner_->grow(); }
  int blocks() const override { return inner_->blocks(); }
  std::int64_t parameters() const override { return inner_->parameters(); }
  std::int64_t optimized_parameters() const override { return inner_->optimized_parameters(); }
  double learning_rate() const override { return inner_->learning_rate(); }
  void assign(const Model &from) override { inner_->assign(*static_cast<const HookedModel &>(from).inner_); }
  std::string save() const override { return inner_->save(); }
  void load(const std::string &bytes) override { inner_->load(bytes); }

 private:
  std::unique_ptr<Model> inner_;
  std::function<void()> hook_;
};

// Models that run `hook` on the thread of each of their trainings.
ModelFactory hooked(std::function<void()> hook) {
  return [hook](const Settings &s, const Geometry &g) { return std::make_unique<HookedModel>(make_model(s, g), hook); };
}

// One converged solve fed to the learner: what it observed (nothing when the
// solve was screened out).
Observation observe_once(Learner &l, std::mt19937_64 &rng, int i) {
  const std::size_t n = (std::size_t)l.geometry().size();
  std::uniform_real_distribution<double> pos(4, (double)n - 5), amp(0.5, 2.0);
  auto b = bump(n, pos(rng), amp(rng));
  auto x = solve_laplace_1d(b);
  SolveMetrics m = some_metrics();
  m.residual_at_k = 2 + i;
  const Verdict v = l.screen(m);
  if (v != Verdict::WarmUp && v != Verdict::Candidate) return Observation();
  return l.learn(b.data(), x.data());
}

// The same, then the training it asked for: its report.
TrainingReport solve_once(Learner &l, std::mt19937_64 &rng, int i) {
  if (!observe_once(l, rng, i).training_due) return TrainingReport();
  return l.train();
}

// Solves until the first training is handed to the worker (the warm-up's
// end, within 8 solves); *solves, if given, counts them. That solve's report.
TrainingReport until_handed_off(Learner &l, std::mt19937_64 &rng, int *solves = nullptr) {
  TrainingReport r;
  int i = 0;
  for (; i < 8 && !r.started; ++i) r = solve_once(l, rng, i);
  if (solves) *solves = i;
  return r;
}

std::vector<double> probe_guess(Learner &l) {
  std::vector<double> b = bump((std::size_t)l.geometry().size(), 9.5, 1.0), x(b.size());
  EXPECT_EQ(l.guess(b.data(), x.data()), GuessStatus::Ok);
  return x;
}

}  // namespace

TEST(AsyncTraining, WeightsChangeOnlyWhenPolledBetweenSolves) {
  std::promise<void> open;
  const std::shared_future<void> gate = open.get_future().share();
  Learner l(async_settings(true), line(24), hooked([gate] { gate.wait(); }));
  std::mt19937_64 rng(1);
  const TrainingReport r = until_handed_off(l, rng);
  ASSERT_TRUE(r.started);  // handed to the worker at the end of the warm-up
  EXPECT_FALSE(r.ran);
  // The worker waits at the gate: polling never waits for it, and nothing changes.
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(l.poll().ran);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
  EXPECT_TRUE(l.status().training_running);
  EXPECT_FALSE(l.trained());
  open.set_value();
  EXPECT_TRUE(l.wait_for_training().ran);
  ASSERT_TRUE(l.trained());
  const std::vector<double> first = probe_guess(l);
  // A second training: until poll() takes it, every guess comes from the first one's weights.
  for (int i = 8; i < 40 && !l.status().training_running; ++i) solve_once(l, rng, i);
  ASSERT_TRUE(l.status().training_running);
  TrainingReport done;
  int guesses = 0;
  while (!done.ran) {
    EXPECT_EQ(probe_guess(l), first);
    ++guesses;
    done = l.poll();
  }
  EXPECT_GE(guesses, 1);
  EXPECT_NE(probe_guess(l), first);  // swapped in by the poll that took the training
  EXPECT_EQ(l.status().trainings, 2);
  EXPECT_GT(l.status().overlapped_seconds, 0);
}

#if defined(__linux__)
int own_nice() { return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)); }

// Where the worker shares a core with the solves (a rank bound to one core,
// training forced async), the solves must keep it: the worker trains at a
// lower priority (nice 10), the solve thread keeps its own.
TEST(AsyncTraining, TheWorkerYieldsToTheSolves) {
  const int solve_nice = own_nice();
  std::atomic<int> worker_nice{-100};
  Learner l(async_settings(true), line(24), hooked([&worker_nice] { worker_nice = own_nice(); }));
  std::mt19937_64 rng(1);
  ASSERT_TRUE(until_handed_off(l, rng).started);
  EXPECT_TRUE(l.wait_for_training().ran);
  EXPECT_GE(worker_nice.load(), std::max(solve_nice, 10));
  EXPECT_EQ(own_nice(), solve_nice);
}
#endif

// A training that waits says why: for the worker still running the last
// one, or for the time budget (the monitor prints which).
TEST(AsyncTraining, APostponedTrainingSaysWhatHoldsItBack) {
  std::promise<void> open;
  const std::shared_future<void> gate = open.get_future().share();
  Learner busy(async_settings(true), line(24), hooked([gate] { gate.wait(); }));
  std::mt19937_64 rng(1);
  int i = 0;
  ASSERT_TRUE(until_handed_off(busy, rng, &i).started);
  Observation o;
  for (; i < 60 && !o.postponed; ++i) o = observe_once(busy, rng, i);
  ASSERT_TRUE(o.postponed);  // a second training came due while the worker waits at the gate
  EXPECT_TRUE(o.worker_busy);
  open.set_value();
  EXPECT_TRUE(busy.wait_for_training().ran);

  Settings s = async_settings(true);
  s.training_budget = 1e-9;  // never covers a training
  Learner poor(s, line(24), make_model);
  int postponed = 0;
  for (int k = 0; k < 12; ++k) {
    const Observation p = observe_once(poor, rng, k);
    postponed += p.postponed;
    EXPECT_FALSE(p.worker_busy);
  }
  EXPECT_GT(postponed, 0);
}

TEST(AsyncTraining, WaitingAtOnceGivesTheSynchronousRun) {
  Learner sync(async_settings(false), line(24), make_model), async(async_settings(true), line(24), make_model);
  std::mt19937_64 rng_sync(5), rng_async(5);
  int started = 0;
  for (int i = 0; i < 30; ++i) {
    solve_once(sync, rng_sync, i);
    if (solve_once(async, rng_async, i).started) {
      ++started;
      EXPECT_TRUE(async.wait_for_training().ran);
    }
  }
  ASSERT_GE(started, 3);
  EXPECT_EQ(async.status().trainings, sync.status().trainings);
  EXPECT_EQ(probe_guess(async), probe_guess(sync));  // bit for bit: same data, same sampler, same weights
}

TEST(AsyncTraining, ALearnerGoingAwayStopsItsTraining) {
  Settings s = async_settings(true);
  s.train_steps = 100000000;  // hours
  const auto t0 = std::chrono::steady_clock::now();
  {
    Learner l(s, line(24), make_model);
    std::mt19937_64 rng(1);
    ASSERT_TRUE(until_handed_off(l, rng).started);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}

// The worker builds the network: a factory that fails there (the engine
// library missing) is reported by finish() at the end of the run even when
// no poll() came after it; a training merely stopped by finish() is not an error.
TEST(AsyncTraining, AFailureOnTheWorkerIsReportedAtTheEnd) {
  const ModelFactory broken = [](const Settings &, const Geometry &) -> std::unique_ptr<Model> {
    throw std::runtime_error("cannot load the learning engine /nowhere/engine.so");
  };
  Learner l(async_settings(true), line(24), broken);
  std::mt19937_64 rng(1);
  ASSERT_TRUE(until_handed_off(l, rng).started);
  EXPECT_THROW(l.finish(), std::runtime_error);
  EXPECT_NO_THROW(l.finish());  // reported once

  Settings s = async_settings(true);
  s.train_steps = 100000000;
  Learner running(s, line(24), make_model);
  ASSERT_TRUE(until_handed_off(running, rng).started);
  EXPECT_NO_THROW(running.finish());
}

TEST(AsyncTraining, ACheckpointWaitsForTheRunningTraining) {
  const std::string path = ::testing::TempDir() + "mlgmres_async.ckpt";
  Learner l(async_settings(true), line(24), make_model);
  std::mt19937_64 rng(1);
  ASSERT_TRUE(until_handed_off(l, rng).started);
  l.save(path);  // waits: the file holds the finished training
  EXPECT_EQ(l.status().trainings, 1);
  Learner resumed(async_settings(false), line(24), make_model);
  resumed.load(path);
  EXPECT_EQ(resumed.status().trainings, 1);
  EXPECT_EQ(probe_guess(resumed), probe_guess(l));
  std::remove(path.c_str());
}

// The worker's time is charged to the budget like a training in the solve
// path: nothing is handed to it before the solves have earned LibTorch's
// start-up, and its first training is measured there and given up when it
// does not fit what the budget allowed.
TEST(AsyncTraining, TheWorkerIsChargedToTheBudget) {
  Settings s = async_settings(true);
  s.model = "fluidnet";
  s.train_steps = 100000;  // ~100 s a training: more than the budget will allow
  s.training_budget = 1e-9;
  int built = 0;
  const ModelFactory counting = [&built](const Settings &st, const Geometry &g) {
    ++built;
    return make_model(st, g);
  };
  {
    Learner l(s, line(32), counting);
    std::mt19937_64 rng(1);
    for (int i = 0; i < 12; ++i) EXPECT_FALSE(solve_once(l, rng, i).started);
    EXPECT_TRUE(l.status().training_postponed);
    EXPECT_EQ(built, 0);
  }
  s.training_budget = LearningBudget::kTorchStartupSeconds / 8;  // 8 warm-up solves of 1 s: exactly the start-up
  Learner l(s, line(32), counting);
  std::mt19937_64 rng(1);
  ASSERT_TRUE(until_handed_off(l, rng).started);
  const TrainingReport done = l.wait_for_training();
  EXPECT_TRUE(done.postponed);  // the worker built the network, measured a training, and gave up
  EXPECT_FALSE(done.ran);
  EXPECT_FALSE(l.trained());
  EXPECT_EQ(built, 1);
  EXPECT_TRUE(l.status().expected_measured);
  EXPECT_TRUE(l.status().training_postponed);
  EXPECT_GT(l.status().training_seconds, 0);  // the worker's time was charged
}
