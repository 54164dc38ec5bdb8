#include "options.hpp"

#include <mpi.h>

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "engine_loader.hpp"
#include "mlgmres/learner.hpp"
#include "mlgmres/models.hpp"

const char *const MLScalingTypes[] = {"energy", "residual", "none", "MLScaling", "ML_SCALING_", NULL};

static std::string allowed_models() {
  std::string s;
  for (const mlgmres::ModelInfo &m : mlgmres::model_registry()) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

std::vector<std::string> MLOptionsModelList(const std::string &list) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!name.empty()) names.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return names;
}

PetscErrorCode MLOptionsCheckString(MPI_Comm comm, const char *option, const char *name, const char *value) {
  const std::string n(name), v(value);
  PetscFunctionBegin;
  if (n == "model") {
    PetscCheck(mlgmres::find_model(v), comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "%s: unknown model '%s' (allowed: %s)", option, value, allowed_models().c_str());
  } else if (n == "device") {
    PetscCheck(v == "cpu" || v == "cuda", comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "%s: unknown device '%s' (allowed: cpu, cuda)", option, value);
    bool available = v == "cpu";
    if (!available) PetscCallCXX(available = MLEngine().device_available(v)); /* only LibTorch knows */
    PetscCheck(available, comm, PETSC_ERR_SUP_SYS, "%s: device '%s' is not available: this LibTorch build has no usable CUDA device (allowed here: cpu)", option, value);
  } else if (n == "optimizer") {
    PetscCheck(v == "adam" || v == "adagrad", comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "%s: unknown optimizer '%s' (allowed: adam, adagrad)", option, value);
  } else if (n == "loss") {
    PetscCheck(v == "mse" || v == "laplacian", comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "%s: unknown loss '%s' (allowed: mse, laplacian)", option, value);
  } else if (n == "models") {
    for (const std::string &m : MLOptionsModelList(v))
      PetscCheck(mlgmres::find_model(m) && m != "none", comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "%s: unknown model '%s' in the list (allowed: fluidnet, cnn, linear)", option, m.c_str());
  } else if (n == "training_mode") {
    PetscCheck(v == "auto" || v == "async" || v == "sync", comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "%s: unknown training mode '%s' (allowed: auto, async, sync)", option, value);
  } else if (n == "precision") {
    PetscCheck(v == "float32" || v == "float64" || v == "bfloat16" || v == "float16", comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "%s: unknown precision '%s' (allowed: float32, float64, bfloat16, float16)", option, value);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLOptionsCheckInt(MPI_Comm comm, const char *what, PetscInt v, PetscInt lo, PetscInt hi) {
  PetscFunctionBegin;
  if (hi == PETSC_MAX_INT) PetscCheck(v >= lo, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %" PetscInt_FMT " is out of range: must be >= %" PetscInt_FMT, what, v, lo);
  else PetscCheck(v >= lo && v <= hi, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %" PetscInt_FMT " is out of range [%" PetscInt_FMT ", %" PetscInt_FMT "]", what, v, lo, hi);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLOptionsProcess(MLGMRES_OPTION_ITEMS PetscOptionsObject, const char *base, MLOptions *opts, PetscBool *changed) {
  MPI_Comm  comm = PetscOptionsObject->comm;
  char      name[256];
  PetscBool set, any = PETSC_FALSE;

  PetscFunctionBegin;
#define ML_OPTION_NAME(option) PetscCall(PetscSNPrintf(name, sizeof(name), "%s%s", base, option))
#define ML_INT(Fn, member, option, help, lo, hi)                                                         \
  {                                                                                                      \
    PetscInt v = (PetscInt)opts->member;                                                                 \
    ML_OPTION_NAME(option);                                                                              \
    PetscCall(PetscOptionsInt(name, help, "KSPGuessMLSet" #Fn, v, &v, &set));                            \
    if (set) PetscCall(MLOptionsCheckInt(comm, name, v, lo, hi));                                         \
    if (set && v != (PetscInt)opts->member) opts->member = v, any = PETSC_TRUE;                          \
  }
#define ML_REAL(Fn, member, option, help, lo, hi)                                                                                  \
  {                                                                                                                                \
    PetscReal v = (PetscReal)opts->member;                                                                                         \
    ML_OPTION_NAME(option);                                                                                                        \
    PetscCall(PetscOptionsReal(name, help, "KSPGuessMLSet" #Fn, v, &v, &set));                                                     \
    PetscCheck(!set || (v >= (lo) && v <= (hi)), comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %g is out of range [%g, %g]", name, \
               (double)v, (double)(lo), (double)(hi));                                                                           \
    if (set && v != (PetscReal)opts->member) opts->member = v, any = PETSC_TRUE;                                                   \
  }
#define ML_STRING(Fn, member, option, help)                                                   \
  {                                                                                           \
    char v[256];                                                                              \
    ML_OPTION_NAME(option);                                                                   \
    PetscCall(PetscOptionsString(name, help, "KSPGuessMLSet" #Fn, opts->member.c_str(), v, sizeof(v), &set)); \
    if (set) PetscCall(MLOptionsCheckString(comm, name, option, v));                          \
    if (set && opts->member != v) opts->member = v, any = PETSC_TRUE; \
  }
  MLGMRES_INT_OPTIONS(ML_INT)
  MLGMRES_REAL_OPTIONS(ML_REAL)
  MLGMRES_STRING_OPTIONS(ML_STRING)
  ML_OPTION_NAME("monitor");
  PetscCall(PetscOptionsBool(name, "Print one line per solve: guess, metrics, decision, training", "KSPGuessMLSetMonitor", opts->monitor, &opts->monitor, NULL));
  ML_OPTION_NAME("scaling");
  PetscCall(PetscOptionsEnum(name, "How the basis of earlier solutions and the network output w form x0: energy (Galerkin), residual (least squares), none (w alone)", "KSPGuessMLSetScaling", MLScalingTypes, (PetscEnum)opts->scaling, (PetscEnum *)&opts->scaling, NULL));
  {
    char file[PETSC_MAX_PATH_LEN];
    ML_OPTION_NAME("save");
    PetscCall(PetscOptionsString(name, "Checkpoint file written at destroy (and every checkpoint_every trainings)", "KSPGuessMLSetSaveFile", opts->save_file.c_str(), file, sizeof(file), &set));
    if (set) {
      opts->save_file = file;
      /* now, not after the whole run when the learner is destroyed */
      PetscCall(MLOptionsCheckWritable(comm, name, opts->save_file));
    }
    ML_OPTION_NAME("load");
    PetscCall(PetscOptionsString(name, "Checkpoint file to resume the learner from at its first solve", "KSPGuessMLSetLoadFile", opts->load_file.c_str(), file, sizeof(file), &set));
    if (set) opts->load_file = file;
    ML_OPTION_NAME("checkpoint_every");
    PetscCall(PetscOptionsInt(name, "Also save every this many trainings (0: only at destroy)", "KSPGuessMLSetCheckpointInterval", opts->checkpoint_every, &opts->checkpoint_every, &set));
    if (set) PetscCall(MLOptionsCheckInt(comm, name, opts->checkpoint_every, 0, PETSC_MAX_INT));
  }
#undef ML_INT
#undef ML_REAL
#undef ML_STRING
#undef ML_OPTION_NAME
  if (changed) *changed = any; /* monitor and checkpoint files need no rebuild */
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The cores this rank may use: those mpiexec bound it to, else its share of
// the node (the ranks on a node share its cores). Collective on comm.
static int RankCores(MPI_Comm comm) {
  MPI_Comm node;
  int      local = 1;
  if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
  }
  const int cores = std::max(1, (int)std::thread::hardware_concurrency());
  cpu_set_t mask;
  const int bound = sched_getaffinity(0, sizeof(mask), &mask) == 0 ? CPU_COUNT(&mask) : cores;
  return bound < cores ? std::max(1, bound) : std::max(1, cores / local);
}

PetscErrorCode MLOptionsCheckWritable(MPI_Comm comm, const char *option, const std::string &path) {
  /* the learner rank writes the file: it judges, every rank reports */
  enum { OK, DIRECTORY, NO_PARENT, PARENT_READONLY, FILE_READONLY } why = OK;
  int         rank;
  std::string parent = ".";

  PetscFunctionBegin;
  if (path.empty()) PetscFunctionReturn(PETSC_SUCCESS);
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos) parent = slash == 0 ? "/" : path.substr(0, slash);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) why = S_ISDIR(st.st_mode) ? DIRECTORY : access(path.c_str(), W_OK) != 0 ? FILE_READONLY : OK;
    else if (stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) why = NO_PARENT;
    else if (access(parent.c_str(), W_OK | X_OK) != 0) why = PARENT_READONLY;
  }
  int code = (int)why;
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, 0, comm));
  PetscCheck(code != DIRECTORY, comm, PETSC_ERR_FILE_OPEN, "%s: cannot write the checkpoint to '%s': it is a directory (give a file name)", option, path.c_str());
  PetscCheck(code != NO_PARENT, comm, PETSC_ERR_FILE_OPEN, "%s: cannot write the checkpoint to '%s': directory '%s' does not exist", option, path.c_str(), parent.c_str());
  PetscCheck(code != PARENT_READONLY, comm, PETSC_ERR_FILE_OPEN, "%s: cannot write the checkpoint to '%s': directory '%s' is not writable", option, path.c_str(), parent.c_str());
  PetscCheck(code != FILE_READONLY, comm, PETSC_ERR_FILE_OPEN, "%s: cannot write the checkpoint to '%s': the file is not writable", option, path.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

mlgmres::Settings MLOptionsResolve(MPI_Comm comm, const MLOptions &opts) {
  mlgmres::Settings s = opts.core;
  s.seed = opts.seed;
  // LibTorch threads beyond the rank's cores only contend with each other and
  // with the other ranks (measured: 16 threads on this 2-core machine turned a
  // 5.7 s run into one that did not end in 120 s), so a larger request is
  // reduced to the cores (Build() says so with PetscInfo).
  const int cores = RankCores(comm);
  // Async training takes a core beside the solve's: by default only when the
  // rank has one to spare, so the trainer never contends with the ranks.
  s.async_training = opts.training_mode == "async" || (opts.training_mode == "auto" && cores >= 2);
  const int room = s.async_training ? std::max(1, cores - 1) : cores;
  s.threads = opts.threads == 0 ? room : (int)std::min<PetscInt>(opts.threads, room);
  return s;
}
