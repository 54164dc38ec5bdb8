/* The one summary line every sequence of the suite prints, so that the matrix
   benchmark (tutorials/matrix_benchmark.py) reads all of them alike:

     SUMMARY sequence <name> solves <N> wall <s> ksp <s> its <total> max_rel_res <r> unconverged <U>

   "ksp" is the time spent inside KSPSolve from its start to its end, measured
   by the KSP's pre- and post-solve hooks: in PETSc 3.18 the KSPSolve log event
   leaves out the initial guess' formation and update, which are exactly what
   the guesses under comparison cost. The true residual |b - A x| / |b| of every
   solve is checked after the clock stops, so it is not charged to any solver.
   Header-only because each tutorial is a stand-alone PETSc program. */
#ifndef MLGMRES_TUTORIALS_SEQUENCE_SUMMARY_H
#define MLGMRES_TUTORIALS_SEQUENCE_SUMMARY_H

#include <petscksp.h>
#include <petsctime.h>

typedef struct {
  PetscLogDouble wall0, solve0, ksp_seconds;
  PetscInt       solves, its, unconverged;
  PetscReal      max_rel_res;
  Vec            r; /* work vector for the true residual */
} SequenceSummary;

static PetscErrorCode SequenceSummaryPreSolve_(KSP ksp, Vec b, Vec x, void *ctx)
{
  SequenceSummary *s = (SequenceSummary *)ctx;

  PetscFunctionBeginUser;
  (void)ksp, (void)b, (void)x;
  PetscCall(PetscTime(&s->solve0));
  PetscFunctionReturn(0);
}

static PetscErrorCode SequenceSummaryPostSolve_(KSP ksp, Vec b, Vec x, void *ctx)
{
  SequenceSummary   *s = (SequenceSummary *)ctx;
  PetscLogDouble     t;
  PetscInt           its;
  KSPConvergedReason reason;
  PetscReal          bnorm, rnorm;
  Mat                A;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t));
  s->ksp_seconds += t - s->solve0;
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  s->solves++;
  s->its += its;
  if (reason < 0) s->unconverged++;
  PetscCall(KSPGetOperators(ksp, &A, NULL));
  if (!s->r) PetscCall(VecDuplicate(b, &s->r));
  PetscCall(MatMult(A, x, s->r));
  PetscCall(VecAYPX(s->r, -1.0, b));
  PetscCall(VecNorm(b, NORM_2, &bnorm));
  PetscCall(VecNorm(s->r, NORM_2, &rnorm));
  if (bnorm > 0) s->max_rel_res = PetscMax(s->max_rel_res, rnorm / bnorm);
  PetscFunctionReturn(0);
}

/* Starts the wall clock; call once, before the time loop. */
static inline PetscErrorCode SequenceSummaryBegin(SequenceSummary *s)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  PetscCall(PetscTime(&s->wall0));
  PetscFunctionReturn(0);
}

/* Counts every solve of `ksp` (the one whose solver the options choose). */
static inline PetscErrorCode SequenceSummaryWatch(SequenceSummary *s, KSP ksp)
{
  PetscFunctionBeginUser;
  PetscCall(KSPSetPreSolve(ksp, SequenceSummaryPreSolve_, s));
  PetscCall(KSPSetPostSolve(ksp, SequenceSummaryPostSolve_, s));
  PetscFunctionReturn(0);
}

/* Prints the summary line (rank 0) and frees the work vector. The times are the
   slowest rank's. */
static inline PetscErrorCode SequenceSummaryEnd(SequenceSummary *s, MPI_Comm comm, const char *name)
{
  PetscLogDouble t, seconds[2];

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t));
  seconds[0] = t - s->wall0;
  seconds[1] = s->ksp_seconds;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, seconds, 2, MPI_DOUBLE, MPI_MAX, comm));
  PetscCall(PetscPrintf(comm, "SUMMARY sequence %s solves %" PetscInt_FMT " wall %.4f ksp %.4f its %" PetscInt_FMT " max_rel_res %.3e unconverged %" PetscInt_FMT "\n", name, s->solves, seconds[0], seconds[1], s->its, (double)s->max_rel_res, s->unconverged));
  PetscCall(VecDestroy(&s->r));
  PetscFunctionReturn(0);
}

#endif
