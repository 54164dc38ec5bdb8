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
#include <chrono>
#include <stdexcept>

#include "learner_impl.hpp"

namespace mlgmres {

namespace {

double since(std::chrono::steady_clock::time_point t0) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }

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
