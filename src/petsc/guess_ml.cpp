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
#include <new>

#include "basis/passes.hpp"
#include "engine_loader.hpp"
#include "guess_ml.hpp"
#include "guess_ml_state.hpp"
#include "learner_rank.hpp"
#include "mlgmres/models.hpp"
#include "package.hpp"

namespace mlguess {

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

} // namespace mlguess

using namespace mlguess;

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
