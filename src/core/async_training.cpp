// Training off the solve path: the learner hands a snapshot of its training
// set and the model that learns (the trainee) to a worker thread, the solves
// go on with the weights of the model that serves the guesses, and the
// trained weights are swapped in between solves (poll()). The worker builds
// the models the first time, so LibTorch's start-up does not stall a solve
// either. The solve thread pays only for the snapshot, the launch and the
// swap ("exposed"); the worker's time is "overlapped". Both are charged to
// the time budget: the worker contends with the solves for the machine.
//
// What the worker touches is its own while it runs: the snapshot, the
// trainee (moved into the job), a copy of the sampler and of the factory.
// Nothing of the learner is shared, so no lock is needed; the job's result
// comes back through the future.
#include <cerrno>
#include <chrono>
#include <stdexcept>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "learner_impl.hpp"

namespace mlgmres {

namespace {

double since(std::chrono::steady_clock::time_point t0) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }

// The worker yields to the solves wherever it shares a core with them. With
// a core of its own (what `auto` requires) nothing changes; on the solve's
// core (training forced async on a rank bound to one core: mpiexec binds
// each rank to one core) it gets about a tenth of it while the solves run
// (nice 10: weight 110 against the solve's 1024), and all of it while the
// application does not compute (I/O, waits); nice 19 (1.5%) would leave a
// training next to nothing beside an application that never pauses.
// Threads it starts (LibTorch's) inherit it. Measured there
// (walking charges 64^2, gmres(30), 600 solves, a fluidnet training running
// on the worker throughout, 3 runs each, taking turns): at equal priority
// KSPSolve took 3.18-3.89 s and the median solve 5.9-6.4 ms; at nice 10
// 1.65-1.76 s and 1.9-2.2 ms, as without a network (1.49-1.79 s, 1.8-2.2
// ms). Linux only (a thread's own nice value); elsewhere, and where refused,
// the worker keeps the solve's priority.
constexpr int kWorkerNice = 10;

void yield_to_solves() {
#if defined(__linux__)
  const id_t self = (id_t)syscall(SYS_gettid);
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, self);
  if (errno == 0 && now < kWorkerNice) (void)setpriority(PRIO_PROCESS, self, kWorkerNice);
#endif
}

}  // namespace

void Learner::Impl::start_training() {
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t newest = prepare_training();
  if (!trainee && model) {
    // A model built here (a device model, a checkpoint's): the trainee starts as its copy, optimizer state included.
    trainee = make_model(settings, geometry);
    if (!grow_to(*trainee, model->blocks())) throw std::logic_error("the trainee cannot grow to the model's blocks");
    trainee->load(model->save());
  }
  Settings serving_settings = settings;
  serving_settings.threads = 1;  // inference runs on the solve thread, which keeps one core
  // A first training under a limited budget is measured before it runs (as
  // in the solve path): it runs only if it fits what the budget allows now.
  const bool probe = budget.limited() && training_estimate == 0;
  const double allowance = budget.allowance();
  job = std::async(std::launch::async, [factory = make_model, settings = settings, serving_settings, geometry = geometry, data = store, newest, scale = target_scale,
                                        sampler = rng, learner = std::move(trainee), need_serving = model == nullptr, stop = cancel, probe, allowance]() mutable {
    yield_to_solves();
    const auto start = std::chrono::steady_clock::now();
    Job j;
    if (!learner) learner = factory(settings, geometry);
    if (probe) {
      j.estimate = learner->estimate_seconds(data, sampler);
      j.report.postponed = since(start) + j.estimate > allowance;
    }
    if (!j.report.postponed) j.report = learner->train(data, newest, scale, sampler, stop.get());
    if (need_serving && j.report.ran) j.serving = factory(serving_settings, geometry);
    j.trainee = std::move(learner);
    j.rng = sampler;
    j.seconds = since(start);
    return j;
  });
  const double exposed = since(t0);
  exposed_seconds += exposed;
  budget.record_training(exposed);
}

TrainingReport Learner::Impl::take_job() {
  const auto t0 = std::chrono::steady_clock::now();
  Job j = job.get();  // rethrows what the training threw
  trainee = std::move(j.trainee);
  if (j.serving) model = std::move(j.serving);
  rng = j.rng;
  overlapped_seconds += j.seconds;
  budget.record_training(j.seconds);  // the worker's time is charged too (see learn())
  if (j.estimate > 0) training_estimate = j.estimate;
  TrainingReport r = j.report;
  if (r.postponed) training_owed = true;  // measured too long for the budget: owed until the solves earn it
  finish_training(r);
  // New weights (and any block the model grew) for the guesses from the next solve on.
  if (r.ran && !r.diverged) model->assign(*trainee);
  const double exposed = since(t0);
  exposed_seconds += exposed;
  budget.record_training(exposed);
  return r;
}

auto Learner::Impl::cancel_training() -> std::future<Job> {
  if (!job.valid()) return std::future<Job>();
  cancel->store(true);
  cancel = std::make_shared<std::atomic<bool>>(false);
  return std::move(job);
}

void Learner::Impl::stop_training() {
  auto stopped = cancel_training();
  if (stopped.valid()) stopped.wait();  // its result is thrown away
}

Learner::Impl::~Impl() { stop_training(); }

void Learner::finish() {
  auto stopped = impl_->cancel_training();
  if (stopped.valid()) stopped.get();  // a cancelled training returns; a failed one throws
}

TrainingReport Learner::poll() {
  Impl &m = *impl_;
  if (!m.job.valid() || m.job.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return TrainingReport();
  return m.take_job();
}

TrainingReport Learner::wait_for_training() {
  Impl &m = *impl_;
  if (!m.job.valid()) return TrainingReport();
  return m.take_job();
}

}  // namespace mlgmres
