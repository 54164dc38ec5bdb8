// The one table of the learner's options: names, help, defaults, ranges.
// The same table serves -ksp_guess_ml_<name>, -ksp_mlgmres_<name>, -help,
// and the C setters/getters declared in petscmlgmres.h.
#pragma once

#include <petscsys.h>

#include "compat/petsc_compat.h"
#include "basis/scaling.hpp"
#include "mlgmres/settings.hpp"

#include <string>
#include <vector>

// X(Fn, member, option, help, lo, hi): PetscInt options.
#define MLGMRES_INT_OPTIONS(X)                                                                                                  \
  X(Warmup, core.warmup, "warmup", "Converged solves collected before the first training", 1, PETSC_MAX_INT)                    \
  X(Window, core.window, "window", "Moving-average window p over previous solves", 1, PETSC_MAX_INT)                              \
  X(RetrainFrequency, core.retrain_every, "retrain_frequency", "Admitted candidates that trigger a retraining (f_r)", 1, PETSC_MAX_INT) \
  X(TrainingSteps, core.train_steps, "training_steps", "Gradient steps per training (fixed budget)", 1, PETSC_MAX_INT)           \
  X(BatchSize, core.batch_size, "batch_size", "Samples per gradient step", 1, PETSC_MAX_INT)                                      \
  X(Capacity, core.capacity, "capacity", "Training-set cap in pairs; the oldest pair is evicted first", 1, PETSC_MAX_INT)        \
  X(Recent, core.recent, "recent", "Newest training pairs a candidate must also be orthogonal to", 0, PETSC_MAX_INT)            \
  X(PayoffWindow, core.payoff_window, "payoff_window", "Guessed solves after which the basis must beat zero-guess probes and the network must beat basis-alone probes, else it switches off for a pause (0: never)", 0, PETSC_MAX_INT) \
  X(MaxBlocks, core.max_blocks, "max_blocks", "Residual blocks fluidnet may add as training stagnates", 0, 64)               \
  X(GrowthPatience, core.growth_patience, "growth_patience", "Trainings over which the loss must improve, else a block is added", 1, PETSC_MAX_INT) \
  X(Channels, core.channels, "channels", "Feature channels of the grid networks (fluidnet, cnn)", 1, 1024)                   \
  X(LinearMax, core.linear_max, "linear_max", "Largest unknown count for the dense linear model", 1, 65536)                     \
  X(Threads, threads, "threads", "LibTorch threads of training on the learner rank (0: the cores per rank on its node, less one when training is async; a larger request is reduced to those)", 0, 4096)              \
  X(ProbeIterations, probe_iterations, "probe_iterations", "k for the metric E_k when the KSP has no GMRES restart", 1, PETSC_MAX_INT) \
  X(Seed, seed, "seed", "Seed of LibTorch and the replay sampler", 0, PETSC_MAX_INT)                                          \
  X(Subspace, subspace, "subspace", "Directions spanned by converged solutions each guess projects onto (0: the scaled network output alone)", 0, 1000) \
  X(Carry, carry, "carry", "Most recent solutions that rebuild the basis when the operator's values change (0: the basis starts over)", 0, 1000)

// X(Fn, member, option, help, lo, hi): PetscReal options (closed ranges).
#define MLGMRES_REAL_OPTIONS(X)                                                                                                  \
  X(OrthogonalityThreshold, core.orthogonality, "orthogonality", "Keep a candidate only if |cos| with stored solutions is below this", 0.0, 1.0) \
  X(LearningRate, core.learning_rate, "learning_rate", "Optimizer learning rate", 1e-12, 10.0)                                   \
  X(TrainingBudget, core.training_budget, "training_budget", "Training may take at most this fraction of the solve time so far (0: no limit)", 0.0, 1e6) \
  X(CapacityMiB, core.capacity_mib, "capacity_mib", "Training-set cap in MiB of stored pairs (the smaller cap wins)", 1e-3, 1e9) \
  X(DivergenceFactor, core.divergence_factor, "divergence_factor", "A training that raises the loss of a judging batch more than this factor is undone and the learning rate halved (0: never)", 0.0, 1e12) \
  X(GrowthTolerance, core.growth_tolerance, "growth_tolerance", "Relative loss improvement below which the model grows", 0.0, 1.0) \
  X(LeakySlope, core.leaky_slope, "leaky_slope", "Negative slope of the LeakyReLU activations (1: linear network)", 0.0, 1.0) \
  X(BoundaryWidth, core.boundary_width, "boundary_width", "Decay length of fluidnet's boundary features, fraction of the grid side (0: none)", 0.0, 1.0) \
  X(BasisMiB, basis_mib, "basis_mib", "Memory the basis of earlier solutions may take per rank, in MiB: its directions, their products, the carried solutions and its work vectors (0: an eighth of the node's memory, shared by the node's ranks); below one direction the basis is off", 0.0, 1e9) \
  X(UpkeepShare, upkeep_share, "upkeep_share", "Share of a zero-guess solve's time the passes over the basis may take: sizes the basis (1: as long as a zero-guess solve)", 0.0, 1.0)

// X(Fn, member, option, help): string options, checked by MLOptionsCheckString().
#define MLGMRES_STRING_OPTIONS(X)                                                              \
  X(Model, core.model, "model", "Network: fluidnet (needs a DMDA), cnn (needs a DMDA), linear (dense, small problems)") \
  X(Device, core.device, "device", "Where LibTorch runs: cpu, cuda")                           \
  X(Precision, core.precision, "precision", "Floating-point type of the network: float32, float64, bfloat16 or float16 (float32 weights, forward pass in the lower type; float16 with loss scaling, CUDA only)") \
  X(Optimizer, core.optimizer, "optimizer", "Optimizer, state kept between trainings: adam, adagrad") \
  X(Loss, core.loss, "loss", "Training loss: mse (of the error), laplacian (of the grid Laplacian of the error; mse without a DMDA)") \
  X(Models, models, "models", "Further networks to try in turn when the current one does not pay beyond the basis: a comma-separated list of fluidnet, cnn, linear (empty: none)") \
  X(TrainingMode, training_mode, "training_mode", "Where training runs: auto (async when the rank has a core to spare, else sync), async (a worker thread beside the solves; new weights swapped in between solves), sync (in the solve path; deterministic)")

extern const char *const MLScalingTypes[]; // the names of MLScaling (basis/scaling.hpp)

struct MLOptions {
  mlgmres::Settings core;
  PetscInt threads = 0;
  std::string training_mode = "auto";
  std::string models;  // comma-separated: networks to try after `model` (MLOptionsModelList)
  PetscInt probe_iterations = 30;
  PetscInt seed = 0;
  PetscInt subspace = 256;
  PetscInt carry = 8;
  PetscReal upkeep_share = 0.1;
  PetscReal basis_mib = 0;
  PetscBool monitor = PETSC_FALSE;
  MLScaling scaling = ML_SCALING_ENERGY;
  /* checkpoint/restart: no rebuild when these change */
  std::string save_file, load_file;
  PetscInt    checkpoint_every = 0;
};

// Reads the table under `base` (e.g. "-ksp_guess_ml_") inside an open options
// block; *changed says whether a learner setting took a new value. Out-of-range or unknown values raise PETSC_ERR_ARG_OUTOFRANGE /
// PETSC_ERR_ARG_UNKNOWN_TYPE naming the option and what is allowed.
PetscErrorCode MLOptionsProcess(MLGMRES_OPTION_ITEMS PetscOptionsObject, const char *base, MLOptions *opts, PetscBool *changed);

// Validates one integer value against [lo, hi]; `what` names the option or setter.
PetscErrorCode MLOptionsCheckInt(MPI_Comm comm, const char *what, PetscInt v, PetscInt lo, PetscInt hi);

// The names in a comma-separated model list, in order (empty entries dropped).
std::vector<std::string> MLOptionsModelList(const std::string &list);

// Validates one string option value; `option` is used in the message.
PetscErrorCode MLOptionsCheckString(MPI_Comm comm, const char *option, const char *name, const char *value);

// Whether the learner rank can write a checkpoint at `path` (not a directory,
// its directory exists and is writable, the file if present is writable): a
// PETSc error on every rank naming `option` and the path if not. Collective.
PetscErrorCode MLOptionsCheckWritable(MPI_Comm comm, const char *option, const std::string &path);

// The settings the core learner gets (automatic values resolved; LibTorch
// threads capped at the cores available to the rank, less the solve's one
// when training is async). Collective on comm.
mlgmres::Settings MLOptionsResolve(MPI_Comm comm, const MLOptions &opts);
