/*
   KSPGuess "ml": the learned initial guess, usable under any KSP.

   formguess: during the warm-up, none. Then x0 is the projection onto the
   basis spanned by earlier converged solutions (src/basis/projection.hpp), joined
   by the network's output w = N(b) once it is trained (gather b to the
   learner rank, infer, scatter, one MatMult for A w). By default the
   projection is Galerkin (energy): for SPD A the A-norm error of x0 is never
   above the zero guess's. The least-squares projection (-..._scaling residual)
   guarantees ||b - A x0|| <= ||b|| instead, but along w alone it shrinks the
   guess to cancel the network's high-frequency residual and throws away its
   smooth, expensive-to-compute part: measured on the moving-charge sequence
   it cost most of the iteration savings.
   The basis guesses from the second solve on, on any operator (no DMDA or
   size limit: only the network needs them), and is governed on its own
   (src/governor/payoff_governor.hpp): it switches off when its upkeep costs more than the
   iterations it saves, and tries again later.
   update: the converged solution joins the basis; learn only from converged
   solves.
*/
#include <petsc/private/kspimpl.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "governor/payoff_governor.hpp"
#include "engine_loader.hpp"
#include "field_transfer.hpp"
#include "guess_ml.hpp"
#include "basis/memory_cap.hpp"
#include "basis/passes.hpp"
#include "basis/projection.hpp"
#include "learner_rank.hpp"
#include "mlgmres/learner.hpp"
#include "mlgmres/models.hpp"
#include "options.hpp"
#include "package.hpp"
#include "petscmlgmres.h"

namespace {

struct GuessML {
  MLOptions                         opts;
  PetscBool                         rebuild = PETSC_TRUE;  // settings changed since the learner was built
  std::unique_ptr<mlgmres::Learner> learner;               // rank 0 only
  MLFieldTransfer                   field;
  DM                                dm = NULL;             // the KSP's DM the field was built for (referenced)
  Vec                               work = NULL, Awork = NULL;
  MLProjection                      projection;            // the basis of earlier converged solutions, on every rank
  MLMemoryCap                       cap;                   // what the basis may hold per rank
  PetscLogDouble                    guess_seconds = 0;     // the basis' last guess: its time and directions (what a direction costs)
  PetscInt                          guess_directions = 0;
  int                               guess_passes = 2;      // passes over the directions it made
  mlgmres::PayoffGovernor           governor{20};          // whether the basis pays (replicated: fed reduced values only)
  /* what the basis saves: iterations of the solves it guessed, and of the zero-guess solves beside them */
  struct { PetscInt guessed = 0, probes = 0, guessed_its = 0, probe_its = 0; double probe_seconds = 0; } saved;
  /* whether the network pays beyond the basis: the same rule, where a probe is
     a solve from the basis alone and a guessed solve one with the network's
     direction, inference included (replicated) */
  mlgmres::PayoffGovernor           net_governor{20};
  enum { NET_NONE, NET_USED, NET_PROBE, NET_IDLE } net_arm = NET_NONE; // what this solve tells net_governor
  mlgmres::MovingAverage            marginal{20};          // share of the basis guess' error the network's direction removed (recent solves)
  std::vector<std::string>          next_models;           // -models still to try when the current network does not pay
  std::string                       tried;                 // models switched off for that, in order
  PetscReal                         last_marginal = -1;    // this solve's (-1: not measured)
  PetscInt                          N = -1;                // global size the learner serves; -1: not built
  PetscBool                         active = PETSC_FALSE;  // whether the network can serve this problem (the basis always can)
  PetscBool                         async  = PETSC_FALSE;  // training runs on a worker thread (resolved -training_mode)
  std::string                       model, why_inactive;
  int                               readiness = (int)mlgmres::GuessStatus::WarmingUp; // replicated Learner::readiness(): what the next solve may start from
  PetscInt                          k = 30;                // probe iteration of E_k
  PetscBool                         monitor_installed = PETSC_FALSE;
  PetscBool                         loaded = PETSC_FALSE;  // -load is applied once, to the first learner
  /* per solve */
  PetscLogDouble t0 = 0;
  PetscReal      ek = 0;
  PetscBool      ek_seen = PETSC_FALSE;
  enum { FROM_ZERO, FROM_BASIS, FROM_NETWORK } source = FROM_ZERO; // where x0 came from (a rejected guess: zero)
  enum { NO_GUESS, GUESS_USED, GUESS_REJECTED, PARKED } guess_state = NO_GUESS;
  PetscBool      parked_reported = PETSC_FALSE;
  PetscReal      guess_ratio = 1; // ||b - A x0|| / ||b|| of the used guess
  /* replicated counters */
  KSPGuessMLStats stats{};
};

// Values the learner rank broadcasts after an update step.
struct UpdateOutcome {
  int    verdict;
  int    readiness; // Learner::readiness() afterwards
  int    training_due;
  int    training_set;
  double loss, seconds;
  int    steps;
  int    blocks, grew;
  int    postponed; // a training was due but waits for the training budget, or (busy) for the worker
  int    busy;      // async: the worker still runs the last training
  int    finished;  // a training's result arrived in this step (sync: it ran now; async: the worker finished)
  int    started;   // async: a training was handed to the worker
  int    diverged;  // the training blew up and was undone
  double loss_before, loss_after, learning_rate;
};

PetscErrorCode GetML(KSPGuess guess, GuessML **ctx)
{
  PetscBool isml;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(guess, KSPGUESS_CLASSID, 1);
  PetscCall(KSPGuessIsML_Internal(guess, &isml));
  PetscCheck(isml, PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_WRONG, "KSPGuess is of type %s, not " KSPGUESSML, ((PetscObject)guess)->type_name);
  *ctx = (GuessML *)guess->data;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A training's report into the outcome the learner rank broadcasts.
void TakeReport(UpdateOutcome *u, const mlgmres::TrainingReport &r)
{
  u->finished      = r.ran;
  u->started       = r.started;
  if (r.ran || r.started) u->training_set = (int)r.samples;
  if (!r.ran) return;
  u->loss          = r.loss;
  u->seconds       = r.seconds;
  u->steps         = r.steps;
  u->blocks        = r.blocks;
  u->grew          = r.grew;
  u->diverged      = r.diverged;
  u->loss_before   = r.loss_before;
  u->loss_after    = r.loss_after;
  u->learning_rate = r.learning_rate;
}

PetscErrorCode ProbeMonitor(KSP, PetscInt it, PetscReal rnorm, void *vctx)
{
  GuessML *ctx = (GuessML *)vctx;

  PetscFunctionBegin;
  if (it == ctx->k) {
    ctx->ek      = rnorm;
    ctx->ek_seen = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Removes our probe from the KSP's monitors (PETSc has no call for one monitor).
void RemoveProbe(KSP ksp, GuessML *ctx)
{
  if (!ksp || !ctx->monitor_installed) return;
  for (PetscInt i = 0; i < ksp->numbermonitors; ++i) {
    if (ksp->monitor[i] == ProbeMonitor && ksp->monitorcontext[i] == ctx) {
      for (PetscInt j = i + 1; j < ksp->numbermonitors; ++j) {
        ksp->monitor[j - 1]        = ksp->monitor[j];
        ksp->monitorcontext[j - 1] = ksp->monitorcontext[j];
        ksp->monitordestroy[j - 1] = ksp->monitordestroy[j];
      }
      --ksp->numbermonitors;
      break;
    }
  }
  ctx->monitor_installed = PETSC_FALSE;
}

PetscErrorCode DestroyField(GuessML *ctx)
{
  PetscFunctionBegin;
  PetscCall(MLFieldTransferDestroy(&ctx->field));
  PetscCall(VecDestroy(&ctx->work));
  PetscCall(VecDestroy(&ctx->Awork));
  PetscCall(MLProjectionDestroy(&ctx->projection));
  PetscCall(DMDestroy(&ctx->dm));
  ctx->N = -1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Resumes the learner from -load: its state replaces the fresh one, and the
// replicated counters follow.
PetscErrorCode LoadCheckpoint(KSPGuess guess, GuessML *ctx)
{
  struct Loaded {
    int trainings, training_set, solves, readiness;
  } l{};

  PetscFunctionBegin;
  PetscCall(MLRunOnLearnerRank(PetscObjectComm((PetscObject)guess), &l, [&] {
    ctx->learner->load(ctx->opts.load_file);
    const mlgmres::LearnerStatus st = ctx->learner->status();
    return Loaded{st.trainings, (int)st.training_set, st.solves, (int)ctx->learner->readiness()};
  }));
  ctx->loaded             = PETSC_TRUE;
  ctx->readiness          = l.readiness;
  ctx->stats.trainings    = l.trainings;
  ctx->stats.training_set = l.training_set;
  ctx->stats.solves       = l.solves;
  PetscCall(PetscInfo(guess, "Learner resumed from %s: %d solves, %d trainings, %d pairs\n", ctx->opts.load_file.c_str(), l.solves, l.trainings, l.training_set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SaveCheckpoint(KSPGuess guess, GuessML *ctx)
{
  int done;

  PetscFunctionBegin;
  PetscCall(MLRunOnLearnerRank(PetscObjectComm((PetscObject)guess), &done, [&] {
    ctx->learner->save(ctx->opts.save_file);
    return 1;
  }));
  PetscCall(PetscInfo(guess, "Learner saved to %s\n", ctx->opts.save_file.c_str()));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Builds field transfer and learner for the current operator and DM.
PetscErrorCode Build(KSPGuess guess, GuessML *ctx)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)guess);
  KSP      ksp  = guess->ksp;
  char     desc[256];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(MLGMRES_Setup, guess, 0, 0, 0));
  ctx->learner.reset();
  ctx->stats   = KSPGuessMLStats{};
  PetscCall(DestroyField(ctx));
  PetscCall(MatCreateVecs(guess->A, &ctx->work, &ctx->Awork));
  PetscCall(VecGetSize(ctx->work, &ctx->N));
  ctx->dm = ksp->dm; /* read directly: KSPGetDM() would create a DMShell */
  if (ctx->dm) PetscCall(PetscObjectReference((PetscObject)ctx->dm));
  PetscCall(MLFieldTransferCreate(ctx->dm, ctx->work, &ctx->field));
  MLFieldTransferDescribe(&ctx->field, desc, sizeof(desc));

  /* Choose a model this problem can use; the same on every rank. */
  const mlgmres::Geometry &g    = ctx->field.geometry;
  const mlgmres::ModelInfo *info = mlgmres::find_model(ctx->opts.core.model);
  ctx->model                     = ctx->opts.core.model;
  ctx->active                    = PETSC_TRUE;
  ctx->why_inactive.clear();
  if (info && info->needs_grid && !g.structured()) ctx->model = "linear";
  if (ctx->model == "none") {
    ctx->active       = PETSC_FALSE;
    ctx->why_inactive = "model none (the learning engine and LibTorch are not loaded)";
  } else if (ctx->model == "linear" && g.size() > ctx->opts.core.linear_max) {
    ctx->active       = PETSC_FALSE;
    ctx->why_inactive = "model " + ctx->opts.core.model + " needs a DMDA (the KSP has none matching the operator) and the dense linear fallback is limited to " +
                        std::to_string(ctx->opts.core.linear_max) + " unknowns (-ksp_guess_ml_linear_max)";
  }
  mlgmres::Settings settings = MLOptionsResolve(comm, ctx->opts);
  if (ctx->opts.threads > settings.threads)
    PetscCall(PetscInfo(guess, "%" PetscInt_FMT " LibTorch threads requested, reduced to %d: the cores available to this rank (more only contend)\n", ctx->opts.threads, settings.threads));
  settings.model             = ctx->model;
  ctx->async                 = (PetscBool)settings.async_training;
  /* The network is judged here, by net_governor against the basis alone (which
     retries after a pause); the learner's own check against the warm-up
     solves asks a weaker form of the same question and parks for good. */
  settings.payoff_window     = 0;
  /* Like the model, the grid Laplacian loss needs a grid: without one the error is measured plainly. */
  if (settings.loss == "laplacian" && !g.structured()) settings.loss = "mse";
  {
    PetscInt subspace = ctx->opts.scaling == ML_SCALING_NONE ? 0 : ctx->opts.subspace;
    PetscCall(MLMemoryCapCreate(ctx->work, ctx->opts.basis_mib, ctx->opts.carry + MLProjectionWorkVectors, &ctx->cap));
    if (subspace > 0 && ctx->cap.directions(1) < 1) {
      PetscCall(PetscInfo(guess, "Basis of earlier solutions off: its memory cap (%g MiB per rank) holds less than one direction beside its %" PetscInt_FMT " work and carried vectors (%g MiB each)\n", (double)ctx->cap.mib, ctx->cap.fixed, (double)ctx->cap.vector_mib));
      subspace = 0;
    }
    PetscCall(MLProjectionCreate(ctx->work, subspace, ctx->opts.carry, &ctx->projection));
  }
  ctx->governor     = mlgmres::PayoffGovernor(ctx->opts.core.payoff_window, ctx->opts.upkeep_share);
  ctx->net_governor = mlgmres::PayoffGovernor(ctx->opts.core.payoff_window);
  ctx->marginal.clear();
  ctx->next_models.clear();
  ctx->tried.clear();
  for (const std::string &m : MLOptionsModelList(ctx->opts.models)) { /* those that can serve this problem */
    mlgmres::Settings trial = settings;
    trial.model             = m;
    try {
      mlgmres::check_model_serves(trial, g);
      if (m != ctx->model) ctx->next_models.push_back(m);
    } catch (const std::invalid_argument &) {
    }
  }
  if (ctx->active) {
    PetscCall(MLRunOnLearnerRank(comm, &ctx->readiness, [&] {
      /* The network comes from the engine when the first training is due: only then is LibTorch loaded. */
      ctx->learner = std::make_unique<mlgmres::Learner>(settings, g, [](const mlgmres::Settings &s, const mlgmres::Geometry &geo) { return MLEngine().create_model(s, geo); });
      return (int)ctx->learner->readiness();
    }));
    PetscCall(PetscInfo(guess, "Learner built: model %s (requested %s), loss %s (requested %s), training %s with %d LibTorch thread(s), field %s; the network is built when the first training is due\n", ctx->model.c_str(), ctx->opts.core.model.c_str(), settings.loss.c_str(), ctx->opts.core.loss.c_str(), settings.async_training ? "on a worker thread" : "in the solve path", settings.threads, desc));
    if (!ctx->opts.load_file.empty() && !ctx->loaded) PetscCall(LoadCheckpoint(guess, ctx));
  } else {
    PetscCall(PetscInfo(guess, "No network for this problem (%s): %s; the basis of earlier solutions serves alone\n", desc, ctx->why_inactive.c_str()));
  }
  ctx->rebuild      = PETSC_FALSE;
  ctx->stats.active = ctx->active;
  PetscCall(PetscLogEventEnd(MLGMRES_Setup, guess, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessSetUp_ML(KSPGuess guess)
{
  GuessML  *ctx = (GuessML *)guess->data;
  KSP       ksp = guess->ksp;
  PetscInt  M, N;
  PetscBool gmres;
  PetscErrorCode (*getrestart)(KSP, PetscInt *) = NULL;

  PetscFunctionBegin;
  PetscCall(MatGetSize(guess->A, &M, &N));
  PetscCheck(M == N, PetscObjectComm((PetscObject)guess), PETSC_ERR_SUP, "The ml guess needs a square operator, got %" PetscInt_FMT " x %" PetscInt_FMT, M, N);
  if (ctx->rebuild || ctx->N != N || ctx->dm != ksp->dm) {
    if (ctx->N >= 0) PetscCall(PetscInfo(guess, "Rebuilding the learner: %s\n", ctx->rebuild ? "its settings changed" : ctx->N != N ? "the operator size changed" : "the KSP's DM changed"));
    PetscCall(Build(guess, ctx));
  }
  /* E_k is read at the GMRES restart length when the KSP has one. */
  PetscCall(PetscObjectQueryFunction((PetscObject)ksp, "KSPGMRESGetRestart_C", &getrestart));
  gmres = (PetscBool)(getrestart != NULL);
  if (gmres) PetscCall((*getrestart)(ksp, &ctx->k));
  else ctx->k = ctx->opts.probe_iterations;
  if (ctx->active && !ctx->monitor_installed) { /* E_k feeds the network's policy only */
    PetscCall(KSPMonitorSet(ksp, ProbeMonitor, ctx, NULL));
    ctx->monitor_installed = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Counts a guess as used, or as rejected (why != NULL: the zero guess stays).
PetscErrorCode RecordGuess(KSPGuess guess, GuessML *ctx, const char *why)
{
  PetscFunctionBegin;
  if (!why) {
    ctx->guess_state = GuessML::GUESS_USED;
    ++ctx->stats.guesses_used;
  } else {
    ctx->guess_state = GuessML::GUESS_REJECTED;
    ++ctx->stats.guesses_rejected;
    PetscCall(PetscInfo(guess, "Guess rejected (%s scaling): %s; using the zero guess\n", MLScalingTypes[ctx->opts.scaling], why));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessFormGuess_ML(KSPGuess guess, Vec b, Vec x)
{
  GuessML    *ctx  = (GuessML *)guess->data;
  MPI_Comm    comm = PetscObjectComm((PetscObject)guess);
  int         status;
  const char *why = NULL;

  PetscFunctionBegin;
  ctx->t0          = MPI_Wtime();
  ctx->ek_seen     = PETSC_FALSE;
  ctx->source      = GuessML::FROM_ZERO;
  ctx->guess_state = GuessML::NO_GUESS;
  status           = ctx->readiness;
  if (ctx->active && status == (int)mlgmres::GuessStatus::Parked) {
    ctx->guess_state = GuessML::PARKED;
    if (!ctx->parked_reported) PetscCall(PetscInfo(guess, "Network guesses did not save time over %d solves: the network is switched off (no inference, no training)\n", ctx->opts.core.payoff_window));
    ctx->parked_reported = PETSC_TRUE;
  }
  const PetscBool ready = (PetscBool)(ctx->active && status == (int)mlgmres::GuessStatus::Ok);
  /* now and then the basis alone (a probe) measures what the network adds */
  const PetscBool network = (PetscBool)(ready && ctx->net_governor.on() && !ctx->net_governor.probe_due());
  ctx->net_arm            = !ready ? GuessML::NET_NONE : network ? GuessML::NET_USED : ctx->net_governor.on() ? GuessML::NET_PROBE : GuessML::NET_IDLE;
  ctx->last_marginal      = -1;
  /* a probe (zero guess) now and then measures what the basis saves */
  const PetscBool basis = (PetscBool)(ctx->governor.on() && ctx->projection.count > 0 && ctx->opts.scaling != ML_SCALING_NONE && !ctx->governor.probe_due());
  if (!network && !basis) PetscFunctionReturn(PETSC_SUCCESS);
  if (network) {
    PetscCall(PetscLogEventBegin(MLGMRES_Inference, guess, b, x, 0));
    PetscCall(MLFieldTransferGather(&ctx->field, b, 0));
    {
      MLFieldArrays field;
      PetscReal     nb;
      /* the norm where the values live (the root vector is this rank's own) */
      PetscCall(VecNorm(ctx->field.root[0], NORM_2, &nb));
      PetscCall(MLFieldTransferGetArrays(&ctx->field, [&](mlgmres::Memory m) { return ctx->learner && ctx->learner->reads(m); }, &field));
      PetscCall(MLRunOnLearnerRank(comm, &status, [&] { return (int)ctx->learner->guess(field.in, nb, field.out, field.memory); }));
      PetscCall(MLFieldTransferRestoreArrays(&ctx->field, &field));
    }
    if (status == (int)mlgmres::GuessStatus::Ok) {
      PetscCall(MLFieldTransferScatter(&ctx->field, 1, ctx->work));
      PetscCall(MatMult(guess->A, ctx->work, ctx->Awork));
      PetscCall(PetscLogEventEnd(MLGMRES_Inference, guess, b, x, 0));
      /* |r0|/|b| costs a MatMult: only for the monitor */
      PetscCall(MLProjectionApply(&ctx->projection, guess->A, ctx->opts.scaling, b, ctx->work, ctx->Awork, x, ctx->opts.monitor ? &ctx->guess_ratio : NULL, &why));
      PetscCall(RecordGuess(guess, ctx, why));
      if (!why) ctx->source = GuessML::FROM_NETWORK;
      else ctx->net_arm = GuessML::NET_NONE; /* a rejected guess says nothing about the network's worth */
      if (!why && ctx->learner) ctx->learner->record_guess(); /* the pay-off check judges the network's guesses; the learner lives on rank 0 */
    } else {
      PetscCall(PetscLogEventEnd(MLGMRES_Inference, guess, b, x, 0));
      if (status == (int)mlgmres::GuessStatus::NonFinite) {
        PetscCall(RecordGuess(guess, ctx, "the network produced non-finite values"));
        ctx->net_arm = GuessML::NET_NONE;
      }
    }
  } else {
    /* the basis alone: no network for this problem, not trained yet (its
       training waits for the time budget), or switched off */
    const PetscLogDouble t     = MPI_Wtime();
    const PetscInt       fused = ctx->projection.fused;
    ctx->guess_directions      = ctx->projection.count;
    PetscCall(MLProjectionApply(&ctx->projection, guess->A, ctx->opts.scaling, b, NULL, NULL, x, ctx->opts.monitor ? &ctx->guess_ratio : NULL, &why));
    ctx->guess_seconds = MPI_Wtime() - t;
    ctx->guess_passes  = ctx->projection.fused > fused ? 4 : 2; /* it did the last join's pass too */
    PetscCall(RecordGuess(guess, ctx, why));
    if (!why) ctx->source = GuessML::FROM_BASIS;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MonitorLine(KSPGuess guess, GuessML *ctx, const char *decision, const UpdateOutcome *o, PetscInt its, PetscReal ek, PetscLogDouble tos)
{
  PetscViewer v;
  char        g[128], t[160] = "";

  PetscFunctionBegin;
  if (!ctx->opts.monitor) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)guess), &v));
  if (ctx->guess_state == GuessML::GUESS_USED) PetscCall(PetscSNPrintf(g, sizeof(g), "guess used (|r0|/|b| %.3g)", (double)ctx->guess_ratio));
  else PetscCall(PetscSNPrintf(g, sizeof(g), "%s", ctx->guess_state == GuessML::GUESS_REJECTED ? "guess rejected" : ctx->guess_state == GuessML::PARKED ? "network switched off" : "zero guess"));
  if (o && o->postponed) PetscCall(PetscSNPrintf(t, sizeof(t), ", training postponed (%s)", o->busy ? "the worker is busy" : "budget"));
  if (o && o->finished && o->diverged)
    PetscCall(PetscSNPrintf(t, sizeof(t), ", training DIVERGED (loss %.3e -> %.3e), undone, learning rate now %g, %.3f s", o->loss_before, o->loss_after, o->learning_rate, o->seconds));
  else if (o && o->finished)
    PetscCall(PetscSNPrintf(t, sizeof(t), ", trained %d steps on %d pairs, loss %.3e, %.3f s, %d block(s)%s", o->steps, o->training_set, o->loss, o->seconds, o->blocks, o->grew ? " (grew)" : ""));
  if (o && o->started) PetscCall(PetscSNPrintf(t + strlen(t), sizeof(t) - strlen(t), ", training started on the worker (%d pairs)", o->training_set));
  if (ctx->last_marginal >= 0) PetscCall(PetscSNPrintf(g + strlen(g), sizeof(g) - strlen(g), ", network +%.2g%%", 100 * (double)ctx->last_marginal));
  else if (ctx->net_arm == GuessML::NET_PROBE) PetscCall(PetscSNPrintf(g + strlen(g), sizeof(g) - strlen(g), ", basis alone (probe)"));
  PetscCall(PetscViewerASCIIPrintf(v, "  ml step %" PetscInt_FMT ": its %" PetscInt_FMT ", E_%" PetscInt_FMT " %.3e, TOS %.4f s, %s, %s%s\n", ctx->stats.solves, its, ctx->k, (double)ek, (double)tos, g, decision, t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The converged solution joins the basis; the governor compares the time of
// this solve with the basis' guess (upkeep included) or without it (a probe).
PetscErrorCode UpdateBasis(KSPGuess guess, GuessML *ctx, Vec b, Vec x, PetscLogDouble tos)
{
  PetscFunctionBegin;
  if (!ctx->governor.on()) {
    ctx->governor.record_idle();
    if (ctx->governor.restarted()) PetscCall(PetscInfo(guess, "Basis of earlier solutions switched on again after a pause (it resumes from what it held)\n"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  const PetscLogDouble t = MPI_Wtime();
  PetscCall(MLProjectionAdd(&ctx->projection, guess->A, ctx->opts.scaling, b, x));
  if (ctx->source == GuessML::FROM_NETWORK) PetscFunctionReturn(PETSC_SUCCESS); /* judged by the learner's pay-off check */
  /* tos already holds the guess; the ranks' clocks differ: every rank judges
     by the slowest, so all decide alike */
  double seconds[3] = {tos, tos + (MPI_Wtime() - t), ctx->source == GuessML::FROM_BASIS ? ctx->guess_seconds : 0};
  PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, seconds, 3, MPI_DOUBLE, MPI_MAX, PetscObjectComm((PetscObject)guess)));
  if (ctx->source == GuessML::FROM_BASIS) {
    ctx->governor.record_guessed(seconds[1]);
    ctx->governor.record_guess_cost(seconds[2], (int)ctx->guess_directions, ctx->guess_passes);
    ++ctx->saved.guessed;
    ctx->saved.guessed_its += guess->ksp->its;
  } else {
    ctx->governor.record_probe(seconds[0]);
    ++ctx->saved.probes;
    ctx->saved.probe_its += guess->ksp->its;
    ctx->saved.probe_seconds += seconds[0];
  }
  /* the same on every rank: the times are */
  ctx->projection.limit = PetscMin(ctx->governor.limit((int)ctx->projection.capacity), PetscMax(1, ctx->cap.directions(ctx->projection.residual ? 2 : 1)));
  if (!ctx->governor.on()) {
    /* what it holds is kept (memory, no time): a sequence that revisits its
       states needs many solutions before the basis pays, and starting over
       at every try would never get there */
    PetscCall(PetscInfo(guess, "Basis of earlier solutions switched off: the median guessed solve took %.3g s, zero-guess solves %.3g s; next try in %d solves\n", ctx->governor.guessed_median(), ctx->governor.probe_seconds(), ctx->governor.pause_left()));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// What the network's direction added to this solve's guess beyond the basis:
// the share of the basis guess' squared error (A-norm, or residual norm) it
// removed. The projection knows both removals; the energy error of the basis
// guess needs the solution: (x, A x) - |c|^2 = (x, b) - |c|^2.
PetscErrorCode MeasureMarginal(GuessML *ctx, Vec b, Vec x)
{
  const MLProjection *p = &ctx->projection;
  PetscReal           left;

  PetscFunctionBegin;
  if (ctx->source != GuessML::FROM_NETWORK || ctx->opts.scaling == ML_SCALING_NONE) PetscFunctionReturn(PETSC_SUCCESS);
  if (p->residual) left = p->bb - p->basis_gain;
  else {
    PetscScalar xb;
    PetscCall(VecDot(x, b, &xb));
    left = PetscRealPart(xb) - p->basis_gain;
  }
  if (!(left > 0)) PetscFunctionReturn(PETSC_SUCCESS); /* the basis guess was exact to rounding */
  ctx->last_marginal = PetscMin(1.0, PetscMax(0.0, p->w_gain / left));
  ctx->marginal.push(ctx->last_marginal);
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Performance-driven model choice: when the governor finds the network does
// not pay, the next model of -models replaces it, untrained, and is judged by
// the same rule afresh.
PetscErrorCode NextModel(KSPGuess guess, GuessML *ctx)
{
  PetscFunctionBegin;
  if (ctx->next_models.empty()) PetscFunctionReturn(PETSC_SUCCESS);
  const std::string next = ctx->next_models.front();
  ctx->next_models.erase(ctx->next_models.begin());
  ctx->tried += (ctx->tried.empty() ? "" : ", ") + ctx->model;
  PetscCall(MLRunOnLearnerRank(PetscObjectComm((PetscObject)guess), &ctx->readiness, [&] {
    ctx->learner->change_model(next);
    return (int)ctx->learner->readiness();
  }));
  ctx->model           = next;
  ctx->net_governor    = mlgmres::PayoffGovernor(ctx->opts.core.payoff_window);
  ctx->parked_reported = PETSC_FALSE;
  ctx->marginal.clear();
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Feeds the network's governor: solves with the network's direction
// (inference included) against solves from the basis alone. The ranks' clocks
// differ: every rank judges by the slowest, so all decide alike.
PetscErrorCode JudgeNetwork(KSPGuess guess, GuessML *ctx, PetscLogDouble tos)
{
  mlgmres::PayoffGovernor &g = ctx->net_governor;
  double                  seconds = tos;

  PetscFunctionBegin;
  if (ctx->net_arm == GuessML::NET_NONE) PetscFunctionReturn(PETSC_SUCCESS);
  if (ctx->net_arm == GuessML::NET_IDLE) {
    g.record_idle();
    if (g.restarted()) PetscCall(PetscInfo(guess, "Network switched on again after a pause: inference and training resume\n"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, PetscObjectComm((PetscObject)guess)));
  if (ctx->net_arm == GuessML::NET_USED) g.record_guessed(seconds);
  else g.record_probe(seconds);
  if (g.on()) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscInfo(guess, "Network %s switched off: solves with its direction took %.3g s (median), from the basis alone %.3g s (its direction removed %.2g percent of the basis guess' error); %s\n", ctx->model.c_str(), g.guessed_median(), g.probe_seconds(), 100 * ctx->marginal.mean(),
                      ctx->next_models.empty() ? "no inference and no training for a pause" : ("next: model " + ctx->next_models.front() + ", trained on the pairs kept").c_str()));
  PetscCall(NextModel(guess, ctx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Says what a finished training did, counts it, and saves a checkpoint when one is due.
PetscErrorCode TrainingDone(KSPGuess guess, GuessML *ctx, const UpdateOutcome *o)
{
  PetscFunctionBegin;
  if (o->diverged) {
    PetscCall(PetscInfo(guess, "Training diverged (loss %g -> %g on one batch): weights and optimizer state restored, learning rate halved to %g\n", o->loss_before, o->loss_after, o->learning_rate));
  } else {
    ++ctx->stats.trainings;
    PetscCall(PetscInfo(guess, "Trained %d steps on %d pairs: loss %g in %g s%s\n", o->steps, o->training_set, o->loss, o->seconds, ctx->async ? " on the worker (new weights serve from the next solve)" : ""));
  }
  if (o->grew) PetscCall(PetscInfo(guess, "Training loss stagnated: residual block %d appended (identity start)\n", o->blocks));
  if (!ctx->opts.save_file.empty() && ctx->opts.checkpoint_every > 0 && ctx->stats.trainings % ctx->opts.checkpoint_every == 0) PetscCall(SaveCheckpoint(guess, ctx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessUpdate_ML(KSPGuess guess, Vec b, Vec x)
{
  GuessML          *ctx  = (GuessML *)guess->data;
  KSP               ksp  = guess->ksp;
  MPI_Comm          comm = PetscObjectComm((PetscObject)guess);
  PetscLogDouble    tos  = MPI_Wtime() - ctx->t0;
  UpdateOutcome     o{};

  PetscFunctionBegin;
  ++ctx->stats.solves;
  if (ksp->reason <= 0) {
    PetscCall(PetscInfo(guess, "Not learning from a solve that did not converge (%s)\n", KSPConvergedReasons[ksp->reason]));
    PetscCall(MonitorLine(guess, ctx, "not converged: not learned", NULL, ksp->its, ksp->rnorm, tos));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(MeasureMarginal(ctx, b, x)); /* before the solution joins the basis */
  PetscCall(UpdateBasis(guess, ctx, b, x, tos));
  tos = MPI_Wtime() - ctx->t0; /* the basis' upkeep is part of the time the learner's pay-off check judges */
  if (!ctx->active) {
    PetscCall(MonitorLine(guess, ctx, "basis only", NULL, ksp->its, ksp->rnorm, tos));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(JudgeNetwork(guess, ctx, tos));
  if (!ctx->net_governor.on()) { /* nothing to learn for while the network is off; a training on the worker waits to be taken */
    PetscCall(MonitorLine(guess, ctx, "network off: it did not pay beyond the basis", NULL, ksp->its, ksp->rnorm, tos));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* converged before iteration k (or the probe was cancelled): the final residual */
  mlgmres::SolveMetrics m;
  m.iterations       = (int)ksp->its;
  m.residual_at_k    = (double)(ctx->ek_seen ? ctx->ek : ksp->rnorm);
  m.time_to_solution = tos;

  PetscCall(PetscLogEventBegin(MLGMRES_Collect, guess, b, x, 0));
  PetscCall(MLRunOnLearnerRank(comm, &o, [&] {
    UpdateOutcome r{};
    /* between solves: a training the worker finished brings its weights in for the next guess */
    TakeReport(&r, ctx->learner->poll());
    r.verdict   = (int)ctx->learner->screen(m);
    r.readiness = (int)ctx->learner->readiness();
    return r;
  }));
  if (o.finished) PetscCall(TrainingDone(guess, ctx, &o));
  if (o.verdict == (int)mlgmres::Verdict::WarmUp || o.verdict == (int)mlgmres::Verdict::Candidate) {
    const PetscScalar *pb, *px;
    PetscCall(MLFieldTransferGather(&ctx->field, b, 0));
    PetscCall(MLFieldTransferGather(&ctx->field, x, 1));
    PetscCall(VecGetArrayRead(ctx->field.root[0], &pb));
    PetscCall(VecGetArrayRead(ctx->field.root[1], &px));
    PetscCall(MLRunOnLearnerRank(comm, &o, [&] {
      const mlgmres::Observation obs = ctx->learner->learn(pb, px);
      UpdateOutcome              r   = o;
      r.verdict                      = (int)obs.verdict;
      r.training_due                 = obs.training_due;
      r.training_set                 = (int)obs.training_set;
      r.postponed                    = obs.postponed;
      r.busy                         = obs.worker_busy;
      return r;
    }));
    PetscCall(VecRestoreArrayRead(ctx->field.root[1], &px));
    PetscCall(VecRestoreArrayRead(ctx->field.root[0], &pb));
  }
  PetscCall(PetscLogEventEnd(MLGMRES_Collect, guess, b, x, 0));
  if (o.training_due) {
    /* sync: the whole training; async: only handing it to the worker */
    PetscCall(PetscLogEventBegin(MLGMRES_Train, guess, 0, 0, 0));
    PetscCall(MLRunOnLearnerRank(comm, &o, [&] {
      UpdateOutcome u = o;
      TakeReport(&u, ctx->learner->train());
      u.readiness = (int)ctx->learner->readiness();
      return u;
    }));
    PetscCall(PetscLogEventEnd(MLGMRES_Train, guess, 0, 0, 0));
    if (o.started) PetscCall(PetscInfo(guess, "Training of %d pairs handed to the worker thread; the solves go on with the current weights\n", o.training_set));
    if (o.finished) PetscCall(TrainingDone(guess, ctx, &o));
  }
  if (o.training_set) ctx->stats.training_set = o.training_set;
  ctx->readiness = o.readiness;
  PetscCall(MonitorLine(guess, ctx, mlgmres::to_string((mlgmres::Verdict)o.verdict), &o, m.iterations, m.residual_at_k, tos));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessSetFromOptions_ML(KSPGuess guess)
{
  PetscFunctionBegin;
  PetscObjectOptionsBegin((PetscObject)guess);
  PetscCall(KSPGuessMLProcessOptions_Internal(guess, PetscOptionsObject, "-ksp_guess_ml_"));
  PetscOptionsEnd();
  PetscFunctionReturn(PETSC_SUCCESS);
}

// What the basis cost and saved per solve, its memory, and the bound its
// passes are measured against (one timed read of the directions, now).
PetscErrorCode ViewBasisCosts(GuessML *ctx, PetscViewer viewer)
{
  const MLProjection *p = &ctx->projection;
  const MLBasisCosts &c = p->costs;
  PetscInt            local;
  PetscLogDouble      stream;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(p->u, &local));
  PetscCall(MLPassStreamSeconds(p->count, p->Q, &stream));
  const PetscInt passes = p->residual ? 3 : 2; /* reduction + accumulation (+ A Q's accumulation) */
  const double   ms     = 1e3, mib = (double)MLProjectionVectors(p) * local * sizeof(PetscScalar) / 1048576.0;
  PetscCall(PetscViewerASCIIPrintf(viewer, "  upkeep per solve (this rank): guess %.3g ms (%" PetscInt_FMT " guesses), join %.3g ms (%" PetscInt_FMT " joins, %" PetscInt_FMT " of them within the next guess' passes), of which compressions %.3g ms, rebuilds %.3g ms, operator probes %.3g ms; memory %.3g MiB (%" PetscInt_FMT " vectors)\n", c.guesses ? ms * c.guess / c.guesses : 0.0, c.guesses, c.joins ? ms * c.join / c.joins : 0.0, c.joins, p->fused, c.joins ? ms * c.compress / c.joins : 0.0, c.joins ? ms * c.rebuild / c.joins : 0.0, c.joins ? ms * c.op_probe / c.joins : 0.0, mib, MLProjectionVectors(p)));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  floor: %" PetscInt_FMT " passes over the %" PetscInt_FMT " directions per guessed solve, %.3g ms at this machine's streaming speed now (one read %.3g ms, %.3g GB/s)\n", passes, p->count, ms * passes * stream, ms * stream, stream > 0 ? (double)p->count * local * sizeof(PetscScalar) / stream / 1e9 : 0.0));
  if (ctx->saved.guessed && ctx->saved.probes) {
    const double its_probe = (double)ctx->saved.probe_its / ctx->saved.probes, its_guessed = (double)ctx->saved.guessed_its / ctx->saved.guessed;
    const double per_it    = ctx->saved.probe_its ? ctx->saved.probe_seconds / ctx->saved.probe_its : 0;
    PetscCall(PetscViewerASCIIPrintf(viewer, "  saved per guessed solve: %.3g iterations (%.3g from the zero guess, %.3g guessed), %.3g ms at the zero-guess solves' %.3g ms per iteration\n", its_probe - its_guessed, its_probe, its_guessed, ms * (its_probe - its_guessed) * per_it, ms * per_it));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ViewBasis(KSPGuess, GuessML *ctx, PetscViewer viewer)
{
  const MLProjection          *p = &ctx->projection;
  const mlgmres::PayoffGovernor &g = ctx->governor;

  PetscFunctionBegin;
  if (ctx->opts.scaling == ML_SCALING_NONE || p->capacity == 0) {
    const char *why = ctx->opts.scaling == ML_SCALING_NONE ? "scaling none" : ctx->opts.subspace == 0 ? "subspace 0" : "the basis' memory cap holds no direction";
    PetscCall(PetscViewerASCIIPrintf(viewer, "guess: the network's output as it is (%s), from the first training on\n", why));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  const PetscBool res  = MLProjectionUsesResidual(p, ctx->opts.scaling);
  const PetscInt  room = PetscMin(p->capacity, p->limit); /* what a full basis is, by cost */
  PetscCall(PetscViewerASCIIPrintf(viewer, "guess: %s projection onto %" PetscInt_FMT " directions spanned by earlier solutions (at most %" PetscInt_FMT ", %" PetscInt_FMT " by their measured cost and the memory cap of %.4g MiB per rank; %" PetscInt_FMT " solutions were in the span already, %" PetscInt_FMT " joined it after their own guess with one pass)%s\n", res ? "residual (least-squares)" : "energy (Galerkin)", p->count, p->capacity, room, (double)ctx->cap.mib, p->skipped, p->single_pass, ctx->active ? ", with the network's output once trained" : ""));
  if (res && ctx->opts.scaling == ML_SCALING_ENERGY) PetscCall(PetscViewerASCIIPrintf(viewer, "  energy requested, residual used: %s\n", p->why_residual));
  const double memory = mlgmres::BasisMemory::kMemory[p->memory.chosen()];
  {
    PetscBool      spread;
    PetscInt       start, window;
    const PetscInt keep = MLCompressionKeep(p, room, &spread, &start, &window), exact = PetscMin(keep / 2, (PetscInt)mlgmres::BasisMemory::kRecentExact);
    char           chosen[64] = "", how[200] = "";
    if (p->memory.compressions() && memory == 0) PetscCall(PetscSNPrintf(chosen, sizeof(chosen), ", memory chosen: all solutions"));
    else if (p->memory.compressions()) PetscCall(PetscSNPrintf(chosen, sizeof(chosen), ", memory chosen: %g solutions", memory * keep));
    if (spread)
      PetscCall(PetscSNPrintf(how, sizeof(how), "; from %" PetscInt_FMT " directions on, spread over the solves after: decided on a thread over %" PetscInt_FMT " solves (a solve waited for it %" PetscInt_FMT " time(s), %.3g s in all), then %d or more directions dropped per solve (%" PetscInt_FMT " so far)", start, window, p->compression.waited, (double)p->compression.waited_seconds, (int)MLCompression::kDropsPerSolve, p->compression.spread));
    PetscCall(PetscViewerASCIIPrintf(viewer, "  compressions %d (a full basis keeps its %" PetscInt_FMT " latest solutions and %" PetscInt_FMT " most used directions%s%s)%s; made orthonormal again %" PetscInt_FMT " time(s)\n", p->memory.compressions(), exact, keep - exact, spread ? ", and all solutions since it started" : "", how, chosen, p->repairs));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "  pay-off: guessed solves %.3g s (median, upkeep included), zero-guess probes %.3g s (%d probes); %s\n", g.guessed_median(), g.probe_seconds(), g.probes(), g.on() ? (g.offs() ? "on again" : "on") : "SWITCHED OFF: it cost more than it saved"));
  if (g.offs()) PetscCall(PetscViewerASCIIPrintf(viewer, "  switched off %d time(s)%s\n", g.offs(), g.on() ? "" : ", next try after a pause"));
  if (p->same_values || p->rebuilds) PetscCall(PetscViewerASCIIPrintf(viewer, "  operator changes: %" PetscInt_FMT " with the same values (basis kept), %" PetscInt_FMT " with new values (basis rebuilt from the %" PetscInt_FMT " latest solutions)\n", p->same_values, p->rebuilds, p->carry));
  PetscCall(ViewBasisCosts(ctx, viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessView_ML(KSPGuess guess, PetscViewer viewer)
{
  GuessML  *ctx = (GuessML *)guess->data;
  PetscBool ascii;
  char      desc[256];

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(PETSC_SUCCESS);
  const mlgmres::Settings     &s  = ctx->opts.core;
  const mlgmres::LearnerStatus st = ctx->learner ? ctx->learner->status() : mlgmres::LearnerStatus(); /* rank 0 */
  if (ctx->N < 0) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "learned guess: model %s, not built yet (built at the first solve)\n", s.model.c_str()));
  } else {
    PetscCall(ViewBasis(guess, ctx, viewer));
    /* what the guess holds: the basis on every rank (its share of each vector), the learner on rank 0 */
    const double mib = 1.0 / (1024.0 * 1024.0), basis = (double)MLProjectionVectors(&ctx->projection) * (double)ctx->N * sizeof(PetscScalar) * mib;
    if (ctx->learner) {
      PetscCall(PetscViewerASCIIPrintf(viewer, "memory: basis %" PetscInt_FMT " vectors, %.3g MiB over all ranks; learner (rank 0) %.3g MiB of training pairs, %.3g MiB of network and optimizer state%s\n", MLProjectionVectors(&ctx->projection), basis, st.store_bytes * mib, st.network_bytes * mib, st.built ? "" : " (not built)"));
    } else PetscCall(PetscViewerASCIIPrintf(viewer, "memory: basis %" PetscInt_FMT " vectors, %.3g MiB over all ranks\n", MLProjectionVectors(&ctx->projection), basis));
  }
  if (ctx->N >= 0 && !ctx->active) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "network: none for this problem: %s\n", ctx->why_inactive.c_str()));
  } else if (ctx->learner) { /* rank 0; ASCII viewers print rank 0's lines */
    MLFieldTransferDescribe(&ctx->field, desc, sizeof(desc));
    if (st.built) PetscCall(PetscViewerASCIIPrintf(viewer, "learned guess: model %s (%lld parameters), device %s, precision %s, engine %s\n", st.model.c_str(), (long long)st.parameters, st.device.c_str(), st.precision.c_str(), MLEnginePath().c_str()));
    else PetscCall(PetscViewerASCIIPrintf(viewer, "learned guess: model %s, not built yet (when the first training is due and the budget covers LibTorch's start-up; LibTorch %s), device %s, precision %s\n", st.model.c_str(), MLEngineLoaded() ? "loaded" : "not loaded", st.device.c_str(), st.precision.c_str()));
    PetscCall(PetscViewerASCIIPrintf(viewer, "field: %s, learner on rank 0\n", desc));
    PetscCall(PetscViewerASCIIPrintf(viewer, "policy: warm-up %d, window %d, retrain every %d candidate(s), orthogonality < %g, E_k at k = %" PetscInt_FMT "\n", s.warmup, s.window, s.retrain_every, s.orthogonality, ctx->k));
    if (st.diverged_trainings) PetscCall(PetscSNPrintf(desc, sizeof(desc), " (now %g: %d diverged training(s) undone)", st.learning_rate, st.diverged_trainings));
    else desc[0] = 0;
    PetscCall(PetscViewerASCIIPrintf(viewer, "training: %d steps x batch %d, %s lr %g%s, loss %s; training set %zu/%zu pairs (%zu evicted), %zu candidate(s) pending\n", s.train_steps, s.batch_size, s.optimizer.c_str(), s.learning_rate, desc, st.loss.c_str(), st.training_set, st.capacity, st.evicted, st.candidates));
    if (st.training_postponed && !st.async) PetscCall(PetscSNPrintf(desc, sizeof(desc), ", a training of %s%.3g s is postponed", st.expected_measured ? "" : "at least ", st.expected_training));
    else desc[0] = 0;
    PetscCall(PetscViewerASCIIPrintf(viewer, "time budget: training %.3g s of %.3g s in solves (limit %g of it)%s; mean time to solution in the warm-up %.3g s%s\n", st.training_seconds, st.solve_seconds, s.training_budget, desc, st.baseline_time,
                                     st.parked ? "; SWITCHED OFF (a checkpoint's verdict): learned guesses did not save time" : ""));
    {
      const mlgmres::PayoffGovernor &ng = ctx->net_governor;
      PetscCall(PetscViewerASCIIPrintf(viewer, "network's marginal value: its direction removed %.3g%% of the basis guess' error on average (last %d solves with it); solves with it %.3g s (median), from the basis alone %.3g s (%d probes); %s\n", 100 * ctx->marginal.mean(), (int)ctx->marginal.values().size(), ng.guessed_median(), ng.probe_seconds(), ng.probes(),
                                       ng.on() ? (ng.offs() ? "on again" : "on") : "SWITCHED OFF: it cost more than it saved"));
      if (ng.offs()) PetscCall(PetscViewerASCIIPrintf(viewer, "  network switched off %d time(s)%s\n", ng.offs(), ng.on() ? "" : ", next try after a pause"));
      if (!ctx->tried.empty() || !ctx->next_models.empty()) {
        std::string left;
        for (const std::string &m : ctx->next_models) left += (left.empty() ? "" : ", ") + m;
        PetscCall(PetscViewerASCIIPrintf(viewer, "  model choice: now %s; did not pay: %s; still to try: %s\n", ctx->model.c_str(), ctx->tried.empty() ? "-" : ctx->tried.c_str(), left.empty() ? "-" : left.c_str()));
      }
    }
    if (st.async) PetscCall(PetscViewerASCIIPrintf(viewer, "training on a worker thread (training_mode %s): overlapped with the solves %.3g s, exposed to them %.3g s (snapshot, launch, weight swap)%s\n", ctx->opts.training_mode.c_str(), st.overlapped_seconds, st.exposed_seconds, st.training_running ? "; a training is running" : ""));
    else PetscCall(PetscViewerASCIIPrintf(viewer, "training in the solve path (training_mode %s)\n", ctx->opts.training_mode.c_str()));
    PetscCall(PetscViewerASCIIPrintf(viewer, "residual blocks %d (at most %d; grown when the loss improves < %g over %d trainings)\n", st.blocks, s.max_blocks, s.growth_tolerance, s.growth_patience));
    if (!ctx->opts.save_file.empty() || !ctx->opts.load_file.empty())
      PetscCall(PetscViewerASCIIPrintf(viewer, "checkpoint: load %s, save %s (every %" PetscInt_FMT " trainings and at destroy)\n", ctx->opts.load_file.empty() ? "-" : ctx->opts.load_file.c_str(), ctx->opts.save_file.empty() ? "-" : ctx->opts.save_file.c_str(), ctx->opts.checkpoint_every));
    PetscCall(PetscViewerASCIIPrintf(viewer, "solves learned from %d, trainings %d (%.3g s in total, last loss %.3e)\n", st.solves, st.trainings, st.training_seconds, st.last_loss));
    PetscCall(PetscViewerASCIIPrintf(viewer, "guesses used %" PetscInt_FMT ", rejected %" PetscInt_FMT " (non-finite %d)\n", ctx->stats.guesses_used, ctx->stats.guesses_rejected, st.non_finite));
    PetscCall(PetscViewerASCIIPrintf(viewer, "moving averages: E_k %.4e, time to solution %.4e s%s\n", st.mean_residual_at_k, st.mean_time_to_solution, st.warming_up ? " (warming up)" : ""));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessReset_ML(KSPGuess guess)
{
  PetscFunctionBegin;
  /* PETSc resets a guess whenever the operator's state changes, also when a
     time-stepper reassembles the same values. The learned map b -> x stays
     useful for a slowly varying operator, so it is kept; a new operator size
     or DM rebuilds it in setup. The basis is examined at its next use: kept
     if the values are the same, else rebuilt from the carried solutions. */
  MLProjectionOperatorChanged(&((GuessML *)guess->data)->projection);
  PetscCall(PetscInfo(guess, "Operator changed: the learner is kept, the basis is kept or rebuilt at its next use\n"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessDestroy_ML(KSPGuess guess)
{
  GuessML       *ctx      = (GuessML *)guess->data;
  PetscErrorCode finished = PETSC_SUCCESS;

  PetscFunctionBegin;
  if (ctx->active && ctx->N >= 0 && !ctx->opts.save_file.empty()) PetscCall(SaveCheckpoint(guess, ctx));
  /* a training the worker failed (its model could not be built) after the last poll is still an error */
  if (ctx->active) finished = MLRunOnLearnerRank(PetscObjectComm((PetscObject)guess), (int *)NULL, [&] {
    if (ctx->learner) ctx->learner->finish();
    return 0;
  });
  RemoveProbe(guess->ksp, ctx);
  PetscCall(DestroyField(ctx));
  delete ctx;
  guess->data = NULL;
  PetscCall(finished);
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

PetscErrorCode KSPGuessIsML_Internal(KSPGuess guess, PetscBool *isml)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)guess, KSPGUESSML, isml));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLProcessOptions_Internal(KSPGuess guess, MLGMRES_OPTION_ITEMS PetscOptionsObject, const char *base)
{
  GuessML  *ctx;
  PetscBool changed;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  PetscCall(MLOptionsProcess(PetscOptionsObject, base, &ctx->opts, &changed));
  if (changed) ctx->rebuild = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*MC
   KSPGUESSML - Initial guess from a neural network trained online from the
   application's own converged solves (MLGMRES, Luna et al.).

   Options: -ksp_guess_ml_<name> for every setting of the learner (see -help).

   Level: intermediate

.seealso: `KSPMLGMRES`, `KSPGuess`, `KSPGUESSPOD`, `KSPGUESSFISCHER`
M*/
PetscErrorCode KSPGuessCreate_ML(KSPGuess guess)
{
  PetscFunctionBegin;
  try {
    guess->data = new GuessML();
  } catch (const std::bad_alloc &) {
    SETERRQ(PetscObjectComm((PetscObject)guess), PETSC_ERR_MEM, "Out of memory creating the ml guess");
  }
  guess->ops->formguess      = KSPGuessFormGuess_ML;
  guess->ops->update         = KSPGuessUpdate_ML;
  guess->ops->setfromoptions = KSPGuessSetFromOptions_ML;
  guess->ops->setup          = KSPGuessSetUp_ML;
  guess->ops->destroy        = KSPGuessDestroy_ML;
  guess->ops->view           = KSPGuessView_ML;
  guess->ops->reset          = KSPGuessReset_ML;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Setters and getters, generated from the option table. */
#define ML_INT_ACCESSORS(Fn, member, option, help, lo, hi)                                                                                    \
  PetscErrorCode KSPGuessMLSet##Fn(KSPGuess guess, PetscInt v)                                                                                \
  {                                                                                                                                           \
    GuessML *ctx;                                                                                                                             \
    PetscFunctionBegin;                                                                                                                       \
    PetscCall(GetML(guess, &ctx));                                                                                                            \
    PetscCall(MLOptionsCheckInt(PetscObjectComm((PetscObject)guess), "KSPGuessMLSet" #Fn " (option -ksp_guess_ml_" option ")", v, lo, hi)); \
    if ((PetscInt)ctx->opts.member != v) ctx->opts.member = v, ctx->rebuild = PETSC_TRUE;                                                    \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                                       \
  }                                                                                                                                           \
  PetscErrorCode KSPGuessMLGet##Fn(KSPGuess guess, PetscInt *v)                                                                               \
  {                                                                                                                                           \
    GuessML *ctx;                                                                                                                             \
    PetscFunctionBegin;                                                                                                                       \
    PetscCall(GetML(guess, &ctx));                                                                                                            \
    *v = (PetscInt)ctx->opts.member;                                                                                                          \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                                       \
  }
#define ML_REAL_ACCESSORS(Fn, member, option, help, lo, hi)                                                                  \
  PetscErrorCode KSPGuessMLSet##Fn(KSPGuess guess, PetscReal v)                                                              \
  {                                                                                                                          \
    GuessML *ctx;                                                                                                            \
    PetscFunctionBegin;                                                                                                      \
    PetscCall(GetML(guess, &ctx));                                                                                           \
    PetscCheck(v >= (lo) && v <= (hi), PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_OUTOFRANGE,                         \
               "KSPGuessMLSet" #Fn " (option -ksp_guess_ml_" option "): %g is out of range [%g, %g]", (double)v, (double)(lo), (double)(hi)); \
    if ((PetscReal)ctx->opts.member != v) ctx->opts.member = v, ctx->rebuild = PETSC_TRUE;                                  \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                      \
  }                                                                                                                          \
  PetscErrorCode KSPGuessMLGet##Fn(KSPGuess guess, PetscReal *v)                                                             \
  {                                                                                                                          \
    GuessML *ctx;                                                                                                            \
    PetscFunctionBegin;                                                                                                      \
    PetscCall(GetML(guess, &ctx));                                                                                           \
    *v = (PetscReal)ctx->opts.member;                                                                                        \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                                      \
  }
#define ML_STRING_ACCESSORS(Fn, member, option, help)                                                               \
  PetscErrorCode KSPGuessMLSet##Fn(KSPGuess guess, const char v[])                                                  \
  {                                                                                                                 \
    GuessML *ctx;                                                                                                   \
    PetscFunctionBegin;                                                                                             \
    PetscCall(GetML(guess, &ctx));                                                                                  \
    PetscCall(MLOptionsCheckString(PetscObjectComm((PetscObject)guess), "KSPGuessMLSet" #Fn, option, v));          \
    if (ctx->opts.member != v) ctx->opts.member = v, ctx->rebuild = PETSC_TRUE;                                     \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                             \
  }                                                                                                                 \
  PetscErrorCode KSPGuessMLGet##Fn(KSPGuess guess, const char **v)                                                  \
  {                                                                                                                 \
    GuessML *ctx;                                                                                                   \
    PetscFunctionBegin;                                                                                             \
    PetscCall(GetML(guess, &ctx));                                                                                  \
    *v = ctx->opts.member.c_str();                                                                                  \
    PetscFunctionReturn(PETSC_SUCCESS);                                                                             \
  }
MLGMRES_INT_OPTIONS(ML_INT_ACCESSORS)
MLGMRES_REAL_OPTIONS(ML_REAL_ACCESSORS)
MLGMRES_STRING_OPTIONS(ML_STRING_ACCESSORS)

PetscErrorCode KSPGuessMLSetMonitor(KSPGuess guess, PetscBool flg)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  ctx->opts.monitor = flg;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLGetMonitor(KSPGuess guess, PetscBool *flg)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  *flg = ctx->opts.monitor;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetScaling(KSPGuess guess, const char scaling[])
{
  GuessML  *ctx;
  PetscInt  i;
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  PetscCall(PetscEListFind(3, MLScalingTypes, scaling, &i, &found));
  PetscCheck(found, PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_UNKNOWN_TYPE, "KSPGuessMLSetScaling (option -ksp_guess_ml_scaling): unknown scaling '%s' (allowed: energy, residual, none)", scaling);
  ctx->opts.scaling = (MLScaling)i;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetSaveFile(KSPGuess guess, const char file[])
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  PetscCall(MLOptionsCheckWritable(PetscObjectComm((PetscObject)guess), "KSPGuessMLSetSaveFile", file ? file : ""));
  ctx->opts.save_file = file ? file : "";
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetLoadFile(KSPGuess guess, const char file[])
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  ctx->opts.load_file = file ? file : "";
  ctx->loaded         = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLSetCheckpointInterval(KSPGuess guess, PetscInt every)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  PetscCall(MLOptionsCheckInt(PetscObjectComm((PetscObject)guess), "KSPGuessMLSetCheckpointInterval (option -ksp_guess_ml_checkpoint_every)", every, 0, PETSC_MAX_INT));
  ctx->opts.checkpoint_every = every;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPGuessMLGetStats(KSPGuess guess, KSPGuessMLStats *stats)
{
  GuessML *ctx;

  PetscFunctionBegin;
  PetscCall(GetML(guess, &ctx));
  *stats = ctx->stats;
  PetscFunctionReturn(PETSC_SUCCESS);
}
