static char help[] = "An application that links libmlgmres and selects KSPMLGMRES in code.\n\
Solves a sequence of 1-D Poisson problems with moving sources and checks what a user relies on:\n\
every solve converges to the same true residual as GMRES, the learner trains and its guesses are\n\
used, setters/getters round-trip, a new operator size rebuilds the learner, and changing the KSP\n\
type drops the guess.\n";

#include <petscdmda.h>
#include <petscmlgmres.h>
#include <petsc/private/kspimpl.h> /* only to check that no guess is left attached */

static PetscErrorCode Problem(PetscInt n, DM *da, Mat *A)
{
  DMDALocalInfo info;

  PetscFunctionBeginUser;
  PetscCall(DMDACreate1d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, n, 1, 1, NULL, da));
  PetscCall(DMSetUp(*da));
  PetscCall(DMCreateMatrix(*da, A));
  PetscCall(DMDAGetLocalInfo(*da, &info));
  for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
    PetscInt    cols[3], k = 0;
    PetscScalar v[3];
    cols[k] = i, v[k++] = 2.0;
    if (i > 0) cols[k] = i - 1, v[k++] = -1.0;
    if (i < n - 1) cols[k] = i + 1, v[k++] = -1.0;
    PetscCall(MatSetValues(*A, 1, &i, k, cols, v, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static PetscErrorCode Source(DM da, PetscReal centre, Vec b)
{
  DMDALocalInfo info;
  PetscScalar  *arr;

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArray(da, b, &arr));
  for (PetscInt i = info.xs; i < info.xs + info.xm; i++) arr[i] = PetscExpReal(-PetscSqr(i - centre) / 8.0);
  PetscCall(DMDAVecRestoreArray(da, b, &arr));
  PetscFunctionReturn(0);
}

/* Solves `steps` systems; returns total iterations of the last `tail` solves and the worst relative true residual. */
static PetscErrorCode Sequence(KSP ksp, DM da, Mat A, PetscInt steps, PetscInt tail, PetscInt *tailits, PetscReal *worst)
{
  Vec         b, x, r;
  PetscInt    n, its;
  PetscRandom rnd;

  PetscFunctionBeginUser;
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecDuplicate(b, &r));
  PetscCall(MatGetSize(A, &n, NULL));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 7));
  PetscCall(PetscRandomSeed(rnd));
  *tailits = 0;
  *worst   = 0;
  for (PetscInt s = 0; s < steps; s++) {
    PetscReal          c, rn, bn;
    KSPConvergedReason reason;
    PetscCall(PetscRandomGetValueReal(rnd, &c));
    PetscCall(Source(da, 4 + c * (n - 9), b));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCheck(reason > 0, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "solve %" PetscInt_FMT " did not converge", s);
    PetscCall(KSPGetIterationNumber(ksp, &its));
    if (s >= steps - tail) *tailits += its;
    PetscCall(MatMult(A, x, r));
    PetscCall(VecAYPX(r, -1.0, b));
    PetscCall(VecNorm(r, NORM_2, &rn));
    PetscCall(VecNorm(b, NORM_2, &bn));
    *worst = PetscMax(*worst, rn / bn);
  }
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&r));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewSolver(DM da, Mat A, KSPType type, KSP *ksp)
{
  PetscFunctionBeginUser;
  PetscCall(KSPCreate(PETSC_COMM_WORLD, ksp));
  PetscCall(KSPSetDM(*ksp, da));
  PetscCall(KSPSetDMActive(*ksp, PETSC_FALSE));
  PetscCall(KSPSetOperators(*ksp, A, A));
  PetscCall(KSPSetType(*ksp, type));
  PetscCall(KSPGMRESSetRestart(*ksp, 20));
  PetscCall(KSPSetTolerances(*ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 5000));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  DM              da, da2;
  Mat             A, A2;
  KSP             ksp, plain;
  KSPGuess        guess;
  KSPGuessMLStats stats;
  PetscInt        warmup, subspace, ml_its, gm_its, n = 64;
  PetscReal       ml_res, gm_res, orth;
  const char     *model;
  PC              pc;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(MLGMRESInitializePackage());
  PetscCall(MLGMRESInitializePackage()); /* idempotent */
  PetscCall(Problem(n, &da, &A));

  /* Baseline: plain GMRES(20), no preconditioner. */
  PetscCall(NewSolver(da, A, KSPGMRES, &plain));
  PetscCall(KSPGetPC(plain, &pc));
  PetscCall(PCSetType(pc, PCNONE));
  PetscCall(Sequence(plain, da, A, 60, 20, &gm_its, &gm_res));

  PetscCall(NewSolver(da, A, KSPMLGMRES, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCNONE));
  PetscCall(KSPMLGMRESGetGuess(ksp, &guess));
  PetscCheck(guess, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "KSPMLGMRES has no ml guess");
  PetscCall(KSPGuessMLSetWarmup(guess, 20));
  PetscCall(KSPGuessMLSetTrainingSteps(guess, 300));
  PetscCall(KSPGuessMLSetOrthogonalityThreshold(guess, 0.99));
  PetscCall(KSPGuessMLSetModel(guess, "linear"));
  PetscCall(KSPGuessMLSetSubspace(guess, 16));
  /* this test is about learning, not end-to-end time: no time budget */
  PetscCall(KSPGuessMLSetTrainingBudget(guess, 0));
  PetscCall(KSPGuessMLSetPayoffWindow(guess, 0));
  /* trained before the next solve whatever cores the launcher gives the rank
     (Open MPI binds a rank to one core: sync; MPICH's Hydra does not: async) */
  PetscCall(KSPGuessMLSetTrainingMode(guess, "sync"));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPGuessMLGetWarmup(guess, &warmup));
  PetscCall(KSPGuessMLGetOrthogonalityThreshold(guess, &orth));
  PetscCall(KSPGuessMLGetModel(guess, &model));
  PetscCall(KSPGuessMLGetSubspace(guess, &subspace));
  PetscCheck(warmup == 20 && orth == 0.99 && subspace == 16, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "setters/getters do not round-trip");
  PetscCall(Sequence(ksp, da, A, 60, 20, &ml_its, &ml_res));
  PetscCall(KSPGuessMLGetStats(guess, &stats));

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "gmres: %" PetscInt_FMT " iterations over the last 20 solves, worst true residual %.2e\n", gm_its, (double)gm_res));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "mlgmres (%s): %" PetscInt_FMT " iterations over the last 20 solves, worst true residual %.2e\n", model, ml_its, (double)ml_res));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "learner: %" PetscInt_FMT " solves, %" PetscInt_FMT " trainings, %" PetscInt_FMT " guesses used, %" PetscInt_FMT " rejected, %" PetscInt_FMT " pairs\n", stats.solves, stats.trainings, stats.guesses_used, stats.guesses_rejected, stats.training_set));
  PetscCheck(stats.trainings >= 1 && stats.guesses_used >= 30, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the learner did not train or its guesses were not used");
  PetscCheck(ml_res <= 10 * gm_res, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "accuracy lost: %g vs %g", (double)ml_res, (double)gm_res);
  PetscCheck(ml_its < gm_its, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the learned guess did not reduce the iterations (%" PetscInt_FMT " vs %" PetscInt_FMT ")", ml_its, gm_its);

  /* A new operator size: the learner is rebuilt, solves still converge. */
  PetscCall(Problem(48, &da2, &A2));
  PetscCall(KSPReset(ksp)); /* PETSc needs this before operators change size */
  PetscCall(KSPSetDM(ksp, da2));
  PetscCall(KSPSetDMActive(ksp, PETSC_FALSE));
  PetscCall(KSPSetOperators(ksp, A2, A2));
  PetscCall(Sequence(ksp, da2, A2, 5, 5, &ml_its, &ml_res));
  PetscCall(KSPGuessMLGetStats(guess, &stats));
  PetscCheck(stats.solves == 5 && stats.trainings == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "learner not rebuilt after a size change");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "after resize: learner rebuilt (%" PetscInt_FMT " solves, %" PetscInt_FMT " trainings)\n", stats.solves, stats.trainings));

  /* Changing the type drops the guess mlgmres attached. */
  PetscCall(KSPSetType(ksp, KSPGMRES));
  PetscCall(KSPMLGMRESGetGuess(ksp, &guess));
  PetscCheck(!guess && !ksp->guess, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "guess survived a type change");
  PetscCall(Sequence(ksp, da2, A2, 2, 2, &ml_its, &ml_res));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "type change to gmres: guess dropped\n"));

  PetscCall(KSPDestroy(&ksp));
  PetscCall(KSPDestroy(&plain));
  PetscCall(MatDestroy(&A));
  PetscCall(MatDestroy(&A2));
  PetscCall(DMDestroy(&da));
  PetscCall(DMDestroy(&da2));
  PetscCall(PetscFinalize());
  return 0;
}
