// Mixed precision: with precision bfloat16 or float16 the network keeps its
// weights in float32 (the master copy the optimizer updates) and computes its
// forward pass in the lower type under LibTorch's autocast (convolutions and
// matrix products; autocast state is per thread, so the async worker sets its
// own). float16's narrow range underflows small gradients: its losses are
// scaled up before the backward pass and the gradients scaled back before the
// step (dynamic loss scaling: a step whose gradients overflow is skipped and
// the scale halved; the scale doubles after kGrowthInterval good steps).
// bfloat16 has float32's range and needs no scaling.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace mlgmres {

// The type a precision setting computes in; none: the weights' own type.
inline c10::optional<at::ScalarType> compute_type(const std::string &precision) {
  if (precision == "bfloat16") return at::kBFloat16;
  if (precision == "float16") return at::kHalf;
  return c10::nullopt;
}

// Autocast on `device` in `type` for the guard's scope (nothing without a type).
class AutocastGuard {
 public:
  AutocastGuard(const torch::Device &device, c10::optional<at::ScalarType> type) : cuda_(device.is_cuda()), on_(type.has_value()) {
    if (!on_) return;
    enabled_ = cuda_ ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
    type_ = cuda_ ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
    if (cuda_) {
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(*type);
    } else {
      at::autocast::set_cpu_enabled(true);
      at::autocast::set_autocast_cpu_dtype(*type);
    }
    at::autocast::increment_nesting();
  }
  ~AutocastGuard() {
    if (!on_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (cuda_) {
      at::autocast::set_enabled(enabled_);
      at::autocast::set_autocast_gpu_dtype(type_);
    } else {
      at::autocast::set_cpu_enabled(enabled_);
      at::autocast::set_autocast_cpu_dtype(type_);
    }
  }
  AutocastGuard(const AutocastGuard &) = delete;
  AutocastGuard &operator=(const AutocastGuard &) = delete;

 private:
  bool cuda_, on_, enabled_ = false;
  at::ScalarType type_ = at::kFloat;
};

class LossScaler {
 public:
  static constexpr double kInitialScale = 65536, kMinScale = 1.0;
  static constexpr int kGrowthInterval = 200;
  explicit LossScaler(bool on) : on_(on) {}
  bool on() const { return on_; }
  double scale() const { return on_ ? scale_ : 1.0; }
  int skipped() const { return skipped_; }
  // The loss to call backward() on.
  torch::Tensor scaled(const torch::Tensor &loss) const { return on_ ? loss * scale_ : loss; }
  // Divides the gradients by the scale; false (and the scale halved) when one
  // is not finite: the caller skips this step.
  bool unscale(const std::vector<torch::Tensor> &params) {
    if (!on_) return true;
    torch::NoGradGuard no_grad;
    torch::Tensor finite;  // combined on the device: one synchronization per step, not one per tensor
    for (const auto &p : params) {
      if (!p.grad().defined()) continue;
      p.mutable_grad().div_(scale_);
      const torch::Tensor ok = torch::isfinite(p.grad()).all();
      finite = finite.defined() ? finite.logical_and(ok) : ok;
    }
    if (finite.defined() && !finite.item<bool>()) {
      scale_ = std::max(kMinScale, scale_ / 2);
      good_ = 0;
      ++skipped_;
      return false;
    }
    if (++good_ >= kGrowthInterval) scale_ *= 2, good_ = 0;
    return true;
  }

 private:
  bool on_;
  double scale_ = kInitialScale;
  int good_ = 0, skipped_ = 0;
};

}  // namespace mlgmres
