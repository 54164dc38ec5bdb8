// The network half of the learner: everything that needs LibTorch (the
// network, its optimizer, inference and training) behind an interface with no
// LibTorch types. The learning engine (libmlgmres_engine.so, mlgmres/engine.hpp)
// builds models; the learner (mlgmres/learner.hpp), which holds the data and
// the decisions and links no LibTorch, asks for one only when the first
// training is due, so a run whose budget never allows a training never loads
// LibTorch at all.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "mlgmres/geometry.hpp"
#include "mlgmres/replay_store.hpp"
#include "mlgmres/settings.hpp"

namespace mlgmres {

struct TrainingReport {
  bool ran = false;
  int steps = 0;
  double loss = 0;     // mean loss of the last steps (normalized MSE)
  double seconds = 0;
  std::size_t samples = 0;  // training-set size it drew from
  bool postponed = false;   // not run: it would exceed the training budget
  bool grew = false;        // a residual block was appended after this training
  int blocks = 0;           // residual blocks in the model afterwards
  bool diverged = false;    // the loss blew up: the weights from before came back
  double loss_before = 0, loss_after = 0;  // on the batch that judges divergence
  double learning_rate = 0;  // the optimizer's rate after this training
  bool started = false;      // async: handed to the worker; its report comes from Learner::poll()
};

// Where a field's values live when they are handed to a model: host memory,
// or a CUDA device's (a PETSc CUDA or Kokkos-on-CUDA vector's array).
enum class Memory { Host, Cuda };

class Model {
 public:
  virtual ~Model() = default;

  // x = N(b / b_norm) * out_scale for b and x of the geometry's size, both in
  // `where` (see reads()). False when the network's output is not finite (x
  // is then left as it was).
  virtual bool infer(const double *b, double b_norm, double out_scale, double *x, Memory where) = 0;
  // Whether infer() takes data in `where` as it is: host memory always (a
  // network on a device copies it there), a device's memory only when the
  // network runs on that device, so device data needs no trip to the host.
  virtual bool reads(Memory where) const { return where == Memory::Host; }

  // Replay training on the store (see trainer.hpp): `newest` pairs at the end
  // of the training set are in every batch; targets are divided by target_scale.
  // Setting *cancel stops it between steps (report.ran false, weights half-trained).
  virtual TrainingReport train(const ReplayStore &store, std::size_t newest, double target_scale, std::mt19937_64 &rng, const std::atomic<bool> *cancel = nullptr) = 0;
  // Seconds a training will take, from one timed gradient computation.
  virtual double estimate_seconds(const ReplayStore &store, std::mt19937_64 &rng) = 0;
  // Seconds a training takes at least (free to compute).
  virtual double lower_bound_seconds(const ReplayStore &store) const = 0;

  // Appends a residual block (false when this model cannot grow).
  virtual bool grow() = 0;
  virtual int blocks() const = 0;
  virtual std::int64_t parameters() const = 0;
  virtual std::int64_t optimized_parameters() const = 0;
  virtual double learning_rate() const = 0;

  // Takes the weights (and residual blocks) of another model of the same
  // engine and settings; its optimizer state stays. The async learner serves
  // guesses from one model while the worker trains another, and swaps the
  // trained weights in between solves.
  virtual void assign(const Model &from) = 0;

  // Weights and optimizer state as bytes, and back. load() expects a model
  // grown to the same number of blocks; it throws std::exception when the
  // bytes do not fit this model.
  virtual std::string save() const = 0;
  virtual void load(const std::string &bytes) = 0;
};

// Grows `m` to `blocks` residual blocks (a checkpoint's, another model's);
// false when it cannot grow that far.
inline bool grow_to(Model &m, int blocks) {
  while (m.blocks() < blocks)
    if (!m.grow()) return false;
  return true;
}

// How the learner gets a model when it needs one: the PETSc plugin loads the
// engine and calls it; code linked with the engine passes make_model
// (mlgmres/engine.hpp). Throws std::exception when no model can be built.
using ModelFactory = std::function<std::unique_ptr<Model>(const Settings &, const Geometry &)>;

}  // namespace mlgmres
