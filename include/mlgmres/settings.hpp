// Knobs of the online learner. The PETSc layer fills this from its option table
// (src/petsc/options.cpp); the core never reads options itself.
#pragma once

#include <cstdint>
#include <string>

namespace mlgmres {

struct Settings {
  int warmup = 32;             // converged solves collected before the first training
  int window = 25;             // moving-average window p (previous solves only)
  int retrain_every = 1;       // f_r: admitted candidates that trigger a retraining
  double orthogonality = 0.8;  // a candidate is kept only if |cos| < this with stored solutions
  int recent = 8;              // newest training-set entries also checked for orthogonality
  int train_steps = 100;       // gradient steps per training, independent of data size
  int batch_size = 16;         // samples per gradient step
  double learning_rate = 1e-3; // optimizer step size
  std::string optimizer = "adam"; // adam | adagrad; its state persists between trainings
  std::string loss = "mse";    // mse | laplacian: how training measures a guess's error (guess_loss.hpp)
  double divergence_factor = 10; // a training that raises a judging batch's loss more than this is undone, the rate halved (0: never)
  int capacity = 256;          // training-set cap (pairs); the oldest pair is evicted first
  double capacity_mib = 256;   // the same cap in MiB of stored pairs; the smaller cap wins
  int max_blocks = 3;          // residual blocks a growing model (fluidnet) may add
  double growth_tolerance = 0.05; // grow when the loss improved by less than this fraction ...
  int growth_patience = 3;     // ... over this many trainings
  int linear_max = 2048;       // largest unknown count the dense `linear` model accepts
  std::string model = "fluidnet"; // model registry name (see models.hpp)
  int channels = 8;            // feature channels of the grid networks
  double leaky_slope = 0.1;    // LeakyReLU negative slope (1: a linear network)
  double boundary_width = 0.125; // fluidnet's boundary layers, fraction of the grid side (0: none)
  std::string device = "cpu";  // cpu | cuda
  std::string precision = "float32"; // float32 | float64
  double training_budget = 0.02; // learning (its first timed probe and training) may take at most this fraction of the solve time so far (0: no limit)
  int payoff_window = 20;      // guessed solves after which guesses must have beaten the warm-up time (0: never check)
  int threads = 1;             // LibTorch intra-op threads of training (inference runs on one in async mode)
  bool async_training = false; // train on a worker thread beside the solves, new weights swapped in between solves; false: in the solve path (deterministic)
  std::int64_t seed = 0;       // seeds LibTorch and the replay sampler
};

}  // namespace mlgmres
