// The engine's Model (mlgmres/model.hpp): a network from the registry, its
// trainer, and the device and precision they run in. Everything here runs in
// LibTorch; the learner that owns it holds the data and the decisions.
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <torch/torch.h>

#include <sstream>
#include <stdexcept>

#include "mlgmres/engine.hpp"
#include "mlgmres/models.hpp"
#include "network.hpp"
#include "trainer.hpp"

namespace mlgmres {

bool device_available(const std::string &device) {
  if (device == "cpu") return true;
  if (device == "cuda") return torch::cuda::is_available();
  return false;
}

namespace {

// The names were checked (check_model_serves); only LibTorch knows whether CUDA works.
// bfloat16 and float16 keep float32 weights and compute in the lower type (mixed_precision.hpp).
torch::Dtype parse_precision(const std::string &p) { return p == "float64" ? torch::kFloat64 : torch::kFloat32; }

torch::Device parse_device(const std::string &d) {
  if (d != "cuda") return torch::Device(torch::kCPU);
  if (!device_available(d)) throw std::invalid_argument("device 'cuda' requested but this LibTorch has no usable CUDA device");
  return torch::Device(torch::kCUDA);
}

class TorchModel final : public Model {
 public:
  TorchModel(const Settings &s, const Geometry &g) : settings_(s), geometry_(g), device_(parse_device(s.device)), dtype_(parse_precision(s.precision)) {
    torch::manual_seed((std::uint64_t)s.seed);
    net_ = make_network(s.model, g, s);
    net_->to(device_, dtype_);
    net_->eval();
    trainer_ = std::make_unique<Trainer>(net_, g, s, device_, dtype_);
  }

  bool infer(const double *b, double b_norm, double out_scale, double *x, Memory where) override {
    if (!reads(where)) throw std::invalid_argument("the network runs on " + device_.str() + ": it cannot read a field in device memory");
    // One thread for a guess, as on the worker's serving model: threads split
    // one small forward pass and spin while the ranks' cores are busy (16^2
    // fluidnet, MPICH rank on 2 cores beside other work: 17.7 ms per guess
    // with 2 threads, 1.8 ms with 1).
    use_threads(1);
    const std::int64_t n = geometry_.size();
    torch::NoGradGuard no_grad;
    // b and x wrapped where they live: on the network's device, no host copy.
    const auto field = torch::TensorOptions().dtype(torch::kFloat64).device(where == Memory::Host ? torch::Device(torch::kCPU) : device_);
    torch::Tensor in = torch::from_blob(const_cast<double *>(b), {1, n}, field).div(b_norm);
    // In the weights' own type even under bfloat16/float16: the lower type is
    // for training's many steps; a guess in bfloat16 was measured worse
    // (64^2 moving charge: |r0|/|b| 1.87 vs 0.68 with the same training).
    torch::Tensor out = net_->forward(to_network_layout(in, geometry_).to(device_, dtype_));
    out = from_network_layout(out, geometry_).to(field).mul_(out_scale).reshape({n});
    if (!torch::isfinite(out).all().item<bool>()) return false;
    torch::from_blob(x, {n}, field).copy_(out);
    return true;
  }
  bool reads(Memory where) const override { return where == Memory::Host || (where == Memory::Cuda && device_.is_cuda()); }

  TrainingReport train(const ReplayStore &store, std::size_t newest, double target_scale, std::mt19937_64 &rng, const std::atomic<bool> *cancel) override {
    use_threads(settings_.threads);
    return on_training_stream([&] { return trainer_->train(store, newest, target_scale, rng, cancel); });
  }
  double estimate_seconds(const ReplayStore &store, std::mt19937_64 &rng) override {
    use_threads(settings_.threads);
    return on_training_stream([&] { return trainer_->estimate_seconds(store, rng); });
  }
  double lower_bound_seconds(const ReplayStore &store) const override { return trainer_->lower_bound_seconds(store); }

  bool grow() override { return trainer_->grow(); }
  int blocks() const override { return net_->blocks(); }
  std::int64_t parameters() const override { return net_->parameter_count(); }
  std::int64_t optimized_parameters() const override { return trainer_->optimized_parameters(); }
  double learning_rate() const override { return trainer_->learning_rate(); }

  void assign(const Model &from) override {
    const TorchModel &other = dynamic_cast<const TorchModel &>(from);
    if (!grow_to(*this, other.blocks())) throw std::logic_error("assign: the model cannot grow to the other's blocks");
    torch::NoGradGuard no_grad;
    auto mine = net_->named_parameters();
    for (const auto &p : other.net_->named_parameters()) mine[p.key()].copy_(p.value());
    auto buffers = net_->named_buffers();
    for (const auto &b : other.net_->named_buffers()) buffers[b.key()].copy_(b.value());
  }

  std::string save() const override {
    torch::serialize::OutputArchive archive;
    net_->save(archive);
    trainer_->save(archive);
    std::ostringstream bytes;
    archive.save_to(bytes);
    return bytes.str();
  }
  void load(const std::string &bytes) override {
    std::istringstream in(bytes);
    torch::serialize::InputArchive archive;
    try {
      archive.load_from(in, device_);
      net_->load(archive);
      trainer_->load(archive);
    } catch (const c10::Error &e) {
      throw std::runtime_error(e.what_without_backtrace());  // LibTorch's backtrace says nothing to the user
    }
    net_->eval();
  }

 private:
  // Sizes LibTorch's thread pool before each computation, not at
  // construction (starting the pool costs ~6 ms, measured, which a model
  // built but never used should not pay): the count is per calling thread
  // (OpenMP), and the async learner trains on a worker thread of its own.
  static void use_threads(int threads) {
    if (threads > 0 && torch::get_num_threads() != threads) torch::set_num_threads(threads);
  }

  // On a CUDA device a training runs on a stream of its own, from LibTorch's
  // pool (non-blocking), not on the default stream the solve thread's guesses
  // use: the worker's kernels then neither wait for the guesses nor hold them
  // up behind a whole training step. The stream is synchronized before the
  // training returns, so the weights the solve thread copies (assign) are
  // complete. Device-generic c10 calls: the CPU-only LibTorch this builds
  // against here has no CUDA library to link, a CUDA one dispatches to it.
  // Not run here (no GPU lent to this project so far).
  template <class F>
  auto on_training_stream(F &&f) -> decltype(f()) {
    if (!device_.is_cuda()) return f();
    const c10::impl::VirtualGuardImpl cuda(device_.type());
    const c10::Stream stream = cuda.getStreamFromGlobalPool(device_, /*isHighPriority=*/false);
    const c10::StreamGuard on(stream);
    auto result = f();
    stream.synchronize();
    return result;
  }

  Settings settings_;
  Geometry geometry_;
  torch::Device device_;
  torch::Dtype dtype_;
  NetworkPtr net_;
  std::unique_ptr<Trainer> trainer_;
};

}  // namespace

std::unique_ptr<Model> make_model(const Settings &s, const Geometry &g) {
  check_model_serves(s, g);
  return std::make_unique<TorchModel>(s, g);
}

}  // namespace mlgmres
