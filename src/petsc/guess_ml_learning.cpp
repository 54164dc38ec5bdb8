// The ml guess's learning side: what the network's direction adds beyond the
// basis, whether it pays (its governor) and which model serves next, what a
// finished training reports, and checkpoints.
#include <petsc/private/kspimpl.h>

#include <string>

#include "guess_ml_state.hpp"
#include "learner_rank.hpp"

namespace mlguess {

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

} // namespace mlguess
