#include "trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace mlgmres {

static std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::string &name, std::vector<torch::Tensor> params, double lr) {
  if (name == "adam") return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(lr));
  if (name == "adagrad") return std::make_unique<torch::optim::Adagrad>(params, torch::optim::AdagradOptions(lr));
  throw std::invalid_argument("unknown optimizer '" + name + "' (adam, adagrad)");
}

// Cells of the grid (unknowns without one): what a convolution runs over.
static std::int64_t grid_points(const Geometry &g) { return g.structured() ? g.n[0] * g.n[1] * g.n[2] : g.size(); }

Trainer::Trainer(NetworkPtr net, const Geometry &g, const Settings &s, torch::Device device, torch::Dtype dtype)
    : net_(std::move(net)), g_(g), s_(s), device_(device), dtype_(dtype),
      optimizer_(make_optimizer(s.optimizer, net_->parameters(), s.learning_rate)), loss_(s.loss, g, device, dtype),
      forward_macs_(net_->forward_macs(grid_points(g))), compute_(compute_type(s.precision)), scaler_(s.precision == "float16") {}

bool Trainer::grow() {
  std::vector<torch::Tensor> params = net_->grow();
  if (params.empty()) return false;
  optimizer_->add_param_group(torch::optim::OptimizerParamGroup(params, optimizer_->defaults().clone()));
  forward_macs_ = net_->forward_macs(grid_points(g_));
  return true;
}

std::int64_t Trainer::optimized_parameters() const {
  std::int64_t n = 0;
  for (const auto &group : optimizer_->param_groups())
    for (const auto &p : group.params()) n += p.numel();
  return n;
}

// LibTorch's optimizer archives leave out two things restoring needs: load()
// only overwrites the state of parameters the archive has (a parameter with
// no state in it, e.g. before the first step, would keep its current moments)
// and it ignores the saved learning rate. Both are handled here.
void Trainer::save(torch::serialize::OutputArchive &archive) const {
  optimizer_->save(archive);
  archive.write("mlgmres_learning_rate", torch::tensor(learning_rate(), torch::kFloat64));
}

void Trainer::load(torch::serialize::InputArchive &archive) {
  optimizer_->state().clear();
  optimizer_->load(archive);
  torch::Tensor lr;
  if (archive.try_read("mlgmres_learning_rate", lr))
    for (auto &group : optimizer_->param_groups()) group.options().set_lr(lr.item<double>());
}

torch::Tensor Trainer::stack(const ReplayStore &store, const std::vector<std::size_t> &idx, bool solution) const {
  const std::int64_t n = (std::int64_t)store.field_size();
  torch::Tensor flat = torch::empty({(std::int64_t)idx.size(), n}, torch::kFloat32);
  float *dst = flat.data_ptr<float>();
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const Sample &s = store.at(idx[i]);
    std::memcpy(dst + i * n, (solution ? s.x : s.b).data(), n * sizeof(float));
  }
  return to_network_layout(flat, g_).to(device_, dtype_);
}

torch::Tensor Trainer::batch_loss(const ReplayStore &store, const std::vector<std::size_t> &idx, double target_scale) const {
  torch::Tensor predicted;
  {
    AutocastGuard lower(device_, compute_);  // bfloat16/float16: the forward pass in the lower type
    predicted = net_->forward(stack(store, idx, false));
  }
  return loss_(predicted.to(dtype_), stack(store, idx, true).div_(target_scale));
}

double Trainer::estimate_seconds(const ReplayStore &store, std::mt19937_64 &rng) {
  if (store.size() == 0) return 0;
  const std::size_t batch = std::min<std::size_t>(s_.batch_size, store.size());
  double seconds = 0;
  for (int pass = 0; pass < 2; ++pass) {  // the first pass pays one-off initialization
    const auto t0 = std::chrono::steady_clock::now();
    scaler_.scaled(batch_loss(store, store.draw_batch(batch, 1, rng), 1.0)).backward();
    optimizer_->zero_grad();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  // The optimizer's update is not timed: what is left of first-call costs in
  // the second pass makes up for it (measured, fluidnet, 100 steps: estimate
  // 0.58 s for a 0.44 s training on 32^2, 6.84 s for 6.82 s on 128^2).
  return s_.train_steps * seconds;
}

// Multiply-adds per second that no core reaches in these small convolutions
// (measured: ~2e10 per core for fluidnet on an EPYC core, counted the same
// way; the bound is 6.5x below the measured 128^2 training), and a figure
// for a whole GPU.
constexpr double kPeakMacsPerCore = 1e11, kPeakMacsGpu = 1e14;

double Trainer::lower_bound_seconds(const ReplayStore &store) const {
  if (store.size() == 0) return 0;
  const double batch = (double)std::min<std::size_t>(s_.batch_size, store.size());
  const double macs = 3 * forward_macs_ * batch * s_.train_steps;  // forward + backward ~ 3 forwards
  const double rate = device_.is_cuda() ? kPeakMacsGpu : kPeakMacsPerCore * std::max(1, s_.threads);
  return macs / rate;
}

double Trainer::learning_rate() const { return optimizer_->param_groups().front().options().get_lr(); }

TrainingReport Trainer::train(const ReplayStore &store, std::size_t newest, double target_scale, std::mt19937_64 &rng, const std::atomic<bool> *cancel) {
  TrainingReport r;
  if (store.size() == 0) return r;
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t batch = std::min<std::size_t>(s_.batch_size, store.size());
  const auto draw = [&] { return store.draw_batch(batch, std::min(newest, batch / 2 + 1), rng); };  // newest pairs always in
  // What the divergence guard needs to judge and undo a training: a batch,
  // the parameters and the optimizer state (a few KiB for these networks).
  const bool guarded = s_.divergence_factor > 0;
  std::vector<std::size_t> judge;
  std::vector<torch::Tensor> weights;
  std::ostringstream optimizer_state;
  if (guarded) {
    judge = draw();
    for (const auto &t : net_->parameters()) weights.push_back(t.detach().clone());
    torch::serialize::OutputArchive archive;
    save(archive);
    archive.save_to(optimizer_state);
    torch::NoGradGuard no_grad;
    r.loss_before = batch_loss(store, judge, target_scale).item<double>();
  }
  net_->train();
  const int tail = std::max(1, s_.train_steps / 10);  // report the mean of the last 10% of steps
  double tail_loss = 0;
  for (int step = 0; step < s_.train_steps; ++step) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {  // its learner is going away: the result would be thrown away
      net_->eval();
      return r;
    }
    optimizer_->zero_grad();
    torch::Tensor loss = batch_loss(store, draw(), target_scale);
    scaler_.scaled(loss).backward();
    if (scaler_.unscale(net_->parameters())) optimizer_->step();  // float16: an overflowed step is skipped
    if (step >= s_.train_steps - tail) tail_loss += loss.item<double>();
  }
  net_->eval();
  if (guarded) {
    torch::NoGradGuard no_grad;
    r.loss_after = batch_loss(store, judge, target_scale).item<double>();
    if (!std::isfinite(r.loss_after) || r.loss_after > s_.divergence_factor * r.loss_before) {
      r.diverged = true;
      const auto params = net_->parameters();
      for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(weights[i]);
      std::istringstream in(optimizer_state.str());
      torch::serialize::InputArchive archive;
      archive.load_from(in);
      load(archive);
      for (auto &group : optimizer_->param_groups()) group.options().set_lr(group.options().get_lr() / 2);
    }
  }
  r.learning_rate = learning_rate();
  r.ran = true;
  r.steps = s_.train_steps;
  r.loss = tail_loss / tail;
  r.samples = store.size();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mlgmres
