// Replay training: a fixed budget of optimizer steps on mini-batches that
// always contain the newest pairs, so training time does not grow with the
// data. The optimizer state lives as long as the network, and parameters of
// blocks the network grows join the optimizer when they are created (never
// before: no dead parameters).
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <memory>
#include <random>

#include "mlgmres/model.hpp"
#include "mlgmres/replay_store.hpp"
#include "guess_loss.hpp"
#include "mixed_precision.hpp"
#include "network.hpp"

namespace mlgmres {

class Trainer {
 public:
  // Throws std::invalid_argument for an unknown optimizer or loss name (or
  // the laplacian loss without a structured grid).
  Trainer(NetworkPtr net, const Geometry &g, const Settings &s, torch::Device device, torch::Dtype dtype);
  // The network learns x / target_scale so its outputs stay O(1) whatever
  // the operator's scaling (||A^-1|| can be large).
  //
  // Divergence guard: Adam at a rate that suits most trainings can blow up in
  // one (measured: fluidnet, 16 channels, lr 3e-3 on the 32^2 moving-charge
  // test: loss 5.5e-8 -> 1.4e2 within a training, never recovered, and the
  // model grew on the bad loss). One batch is scored before and after the
  // training; if its loss rose more than Settings::divergence_factor times,
  // or is not finite, the weights and optimizer state from before come back,
  // the learning rate is halved, and the report says `diverged`. The
  // optimizer comes back exactly, moments included: keeping a blown-up
  // training's moments froze the network in every later training (measured:
  // linear fluidnet, lr 1e-2, 32^2 test seed 2, all later guesses rejected).
  // `cancel`, when set during the training, stops it between steps (the
  // report says it did not run; the weights are half-trained).
  TrainingReport train(const ReplayStore &store, std::size_t newest, double target_scale, std::mt19937_64 &rng, const std::atomic<bool> *cancel = nullptr);

  // Seconds a training will take: one timed gradient computation on a full
  // batch (after an untimed one that pays LibTorch's first-call costs; no
  // parameter changes), times the step budget.
  double estimate_seconds(const ReplayStore &store, std::mt19937_64 &rng);

  // Seconds a training takes at least: its multiply-adds at a peak rate no
  // CPU core (or GPU) reaches. Free to compute, so the learner can tell that a
  // training cannot fit the budget before paying for estimate_seconds().
  double lower_bound_seconds(const ReplayStore &store) const;

  // Appends a residual block to the network and gives its parameters to the
  // optimizer. False when the network cannot grow.
  bool grow();

  double learning_rate() const;
  // float16's dynamic loss scale now, and the steps it skipped (overflowed gradients).
  double loss_scale() const { return scaler_.scale(); }
  int skipped_steps() const { return scaler_.skipped(); }

  // Parameters the optimizer updates (equals the network's count).
  std::int64_t optimized_parameters() const;
  // Parameter tensors the optimizer holds state (moments) for: none before
  // the first step.
  std::size_t optimizer_state_size() const { return optimizer_->state().size(); }

  // The optimizer's state and learning rate. load() replaces both (state of
  // parameters the archive lacks is cleared, not kept).
  void save(torch::serialize::OutputArchive &archive) const;
  void load(torch::serialize::InputArchive &archive);

 private:
  // Stacks samples from the store into a network-layout tensor on the device.
  torch::Tensor stack(const ReplayStore &store, const std::vector<std::size_t> &idx, bool solution) const;
  // Loss (Settings::loss) of the network on the pairs `idx`, targets divided by target_scale.
  torch::Tensor batch_loss(const ReplayStore &store, const std::vector<std::size_t> &idx, double target_scale) const;

  NetworkPtr net_;
  Geometry g_;
  Settings s_;
  torch::Device device_;
  torch::Dtype dtype_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  GuessLoss loss_;  // Settings::loss
  double forward_macs_;  // the network's forward_macs() on this grid, kept current by grow()
  c10::optional<at::ScalarType> compute_;  // bfloat16/float16: the forward pass's type (weights stay dtype_)
  LossScaler scaler_;    // float16 only
};

}  // namespace mlgmres
