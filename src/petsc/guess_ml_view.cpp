// What the ml guess reports: -ksp_view (the learner, the basis, its costs)
// and the monitor's line per solve.
#include <petsc/private/kspimpl.h>

#include <cstring>

#include "basis/passes.hpp"
#include "engine_loader.hpp"
#include "guess_ml_state.hpp"
#include "learner_rank.hpp"
#include "mlgmres/models.hpp"

namespace mlguess {

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

} // namespace mlguess
