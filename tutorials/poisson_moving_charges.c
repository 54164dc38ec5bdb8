static char help[] = "Sequence of Poisson problems whose sources are Gaussian charges that move at random\n\
every step, as in Luna, Klymko and Blaschke, \"Accelerating GMRES with Deep Learning in Real-Time\".\n\
-u = f on [-1,1]^d, zero Dirichlet, 5-point (2-D) or 7-point (3-D, the pressure-Poisson case)\n\
stencil on a DMDA of n points per side.\n\
The solver comes entirely from the options database; with libmlgmres loaded (-dll_append) try\n\
-ksp_type mlgmres or -ksp_guess_type ml.\n\n\
  -n <32>          : interior points per side\n\
  -dim <2>         : 2 or 3\n\
  -steps <100>     : number of right-hand sides (time steps)\n\
  -charges <1>     : number of charges\n\
  -width <0.1>     : Gaussian width of a charge (the dipole's narrow lobe)\n\
  -width2 <2 width>: width of the dipole's wide lobe\n\
  -dipole          : each charge is the paper's asymmetric two-scale dipole\n\
  -walk <0>        : if > 0, charges take random steps of this size instead of jumping anywhere\n\
  -seed <0>        : seed of the charge motion\n\
  -tail <steps/4>  : the summary also reports the mean iterations over this many last steps\n\
  -step_log <file> : write per-step iterations, solve time and true residual (CSV) to <file>,\n\
                     and the residual history of the last solve to <file>.last\n\n";

#include <petscdmda.h>
#include <petscksp.h>

#include "sequence_summary.h"

typedef struct {
  PetscInt    n, dim, steps, charges, tail;
  PetscReal   width, width2, walk;
  PetscBool   dipole;
  PetscReal  *c; /* charge centres, dim coordinates each */
  PetscRandom rnd;
} Problem;

/* h^2-scaled 5-point (2-D) or 7-point (3-D) Laplacian; neighbours outside the grid are
   the zero boundary. */
static PetscErrorCode AssembleLaplacian(DM da, Mat A)
{
  DMDALocalInfo info;
  MatStencil    row, col[7];
  PetscScalar   v[7];

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  for (PetscInt k = info.zs; k < info.zs + info.zm; k++) {
    for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
      for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
        PetscInt m = 0;
        row.i = i, row.j = j, row.k = k;
        col[m] = row, v[m++] = 2.0 * info.dim;
        if (i > 0) col[m] = row, col[m].i = i - 1, v[m++] = -1.0;
        if (i < info.mx - 1) col[m] = row, col[m].i = i + 1, v[m++] = -1.0;
        if (j > 0) col[m] = row, col[m].j = j - 1, v[m++] = -1.0;
        if (j < info.my - 1) col[m] = row, col[m].j = j + 1, v[m++] = -1.0;
        if (info.dim == 3 && k > 0) col[m] = row, col[m].k = k - 1, v[m++] = -1.0;
        if (info.dim == 3 && k < info.mz - 1) col[m] = row, col[m].k = k + 1, v[m++] = -1.0;
        PetscCall(MatSetValuesStencil(A, 1, &row, m, col, v, INSERT_VALUES));
      }
    }
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static PetscErrorCode MoveCharges(Problem *p)
{
  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < p->charges * p->dim; q++) {
    PetscReal r;
    PetscCall(PetscRandomGetValueReal(p->rnd, &r));
    if (p->walk > 0) p->c[q] = PetscMin(0.8, PetscMax(-0.8, p->c[q] + p->walk * (2 * r - 1)));
    else p->c[q] = 0.8 * (2 * r - 1);
  }
  PetscFunctionReturn(0);
}

/* Gaussian of width w centred at c shifted by `dx` along x */
static PetscReal Gaussian(PetscInt dim, const PetscReal *x, const PetscReal *c, PetscReal dx, PetscReal w)
{
  PetscReal d2 = 0;
  for (PetscInt a = 0; a < dim; a++) {
    const PetscReal d = x[a] - c[a] - (a == 0 ? dx : 0);
    d2 += d * d;
  }
  return PetscExpReal(-d2 / (2 * w * w));
}

/* b = h^2 f with f a sum of charges at the current centres */
static PetscErrorCode FormRHS(DM da, Problem *p, Vec b)
{
  DMDALocalInfo info;
  PetscScalar  *arr;
  PetscReal     h = 2.0 / (p->n + 1);

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(VecGetArray(b, &arr)); /* local part, x fastest */
  for (PetscInt k = info.zs, l = 0; k < info.zs + info.zm; k++) {
    for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
      for (PetscInt i = info.xs; i < info.xs + info.xm; i++, l++) {
        const PetscReal x[3] = {-1 + (i + 1) * h, -1 + (j + 1) * h, -1 + (k + 1) * h};
        PetscReal       f    = 0;
        for (PetscInt q = 0; q < p->charges; q++) {
          const PetscReal *c = p->c + q * p->dim;
          /* the paper's asymmetric two-scale dipole: a narrow positive and a wide negative lobe */
          if (p->dipole) f += Gaussian(p->dim, x, c, -p->width, p->width) - 0.5 * Gaussian(p->dim, x, c, 1.5 * p->width, p->width2);
          else f += Gaussian(p->dim, x, c, 0, p->width);
        }
        arr[l] = h * h * f;
      }
    }
  }
  PetscCall(VecRestoreArray(b, &arr));
  PetscFunctionReturn(0);
}

/* Seconds spent so far in a logged event (0 if unknown or logging is off). */
static PetscErrorCode EventSeconds(const char *name, PetscReal *t)
{
  PetscLogEvent      e;
  PetscEventPerfInfo info;

  PetscFunctionBeginUser;
  *t = 0;
  PetscCall(PetscLogEventGetId(name, &e));
  if (e < 0) PetscFunctionReturn(0);
  PetscCall(PetscLogEventGetPerfInfo(0, e, &info));
  *t = info.time;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Problem        p;
  DM             da;
  Mat            A;
  Vec            x, b, r;
  KSP            ksp;
  PetscInt       its, lastits = 0, seed = 0;
  char           history[PETSC_MAX_PATH_LEN] = "";
  PetscBool      write_history;
  FILE          *hist = NULL;
  PetscReal      tinfer, ttrain, tcollect, tguess, tjoin, tcompress;
  PetscLogDouble t0, t1;
  SequenceSummary summary;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscLogDefaultBegin()); /* so the summary can report the learner's events */
  p.n       = 32;
  p.dim     = 2;
  p.width2  = -1;
  p.steps   = 100;
  p.charges = 1;
  p.width   = 0.1;
  p.walk    = 0;
  p.dipole  = PETSC_FALSE;
  p.tail    = -1;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Moving-charge Poisson options", NULL);
  PetscCall(PetscOptionsRangeInt("-n", "Interior points per side", NULL, p.n, &p.n, NULL, 4, 100000));
  PetscCall(PetscOptionsRangeInt("-dim", "Space dimension", NULL, p.dim, &p.dim, NULL, 2, 3));
  PetscCall(PetscOptionsBoundedInt("-steps", "Number of right-hand sides", NULL, p.steps, &p.steps, NULL, 1));
  PetscCall(PetscOptionsBoundedInt("-charges", "Number of charges", NULL, p.charges, &p.charges, NULL, 1));
  PetscCall(PetscOptionsReal("-width", "Gaussian width of a charge (the dipole's narrow lobe)", NULL, p.width, &p.width, NULL));
  PetscCall(PetscOptionsReal("-width2", "Width of the dipole's wide lobe (default 2 width)", NULL, p.width2, &p.width2, NULL));
  PetscCall(PetscOptionsBool("-dipole", "Asymmetric two-scale dipoles", NULL, p.dipole, &p.dipole, NULL));
  PetscCall(PetscOptionsReal("-walk", "Random-walk step size (0: jump anywhere)", NULL, p.walk, &p.walk, NULL));
  PetscCall(PetscOptionsBoundedInt("-seed", "Seed of the charge motion", NULL, seed, &seed, NULL, 0));
  PetscCall(PetscOptionsString("-step_log", "Per-step CSV file (and <file>.last: residuals of the last solve)", NULL, history, history, sizeof(history), &write_history));
  PetscCall(PetscOptionsInt("-tail", "Report the mean iterations over this many last steps", NULL, p.tail, &p.tail, NULL));
  PetscOptionsEnd();
  if (p.tail < 1 || p.tail > p.steps) p.tail = PetscMax(1, p.steps / 4);
  if (p.width2 <= 0) p.width2 = 2 * p.width;
  PetscCheck(p.width > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-width must be positive");

  if (p.dim == 2) PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, p.n, p.n, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, &da));
  else PetscCall(DMDACreate3d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, p.n, p.n, p.n, PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(AssembleLaplacian(da, A));
  PetscCall(DMCreateGlobalVector(da, &x));
  PetscCall(VecDuplicate(x, &b));
  PetscCall(VecDuplicate(x, &r));

  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetDM(ksp, da));
  PetscCall(KSPSetDMActive(ksp, PETSC_FALSE));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(SequenceSummaryWatch(&summary, ksp));

  PetscCall(PetscCalloc1(p.charges * p.dim, &p.c));
  /* -step_log: per-step CSV, and the last solve's residual norms */
  if (write_history) {
    PetscCall(KSPSetResidualHistory(ksp, NULL, PETSC_DECIDE, PETSC_TRUE));
    PetscCall(PetscFOpen(PETSC_COMM_WORLD, history, "w", &hist));
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, hist, "step,iterations,seconds,true_relative_residual\n"));
  }
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &p.rnd));
  PetscCall(PetscRandomSetSeed(p.rnd, (unsigned long)seed + 12345));
  PetscCall(PetscRandomSeed(p.rnd));

  PetscCall(SequenceSummaryBegin(&summary));
  PetscCall(PetscTime(&t0));
  for (PetscInt step = 0; step < p.steps; step++) {
    PetscReal          bnorm, rnorm;
    PetscLogDouble     s0, s1;

    PetscCall(MoveCharges(&p));
    PetscCall(FormRHS(da, &p, b));
    PetscCall(PetscTime(&s0));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(PetscTime(&s1));
    PetscCall(KSPGetIterationNumber(ksp, &its));
    if (step >= p.steps - p.tail) lastits += its;
    /* the summary's post-solve hook counts iterations and checks every true
       residual; this one is recomputed only for the per-step log */
    if (hist) {
      PetscCall(MatMult(A, x, r));
      PetscCall(VecAYPX(r, -1.0, b));
      PetscCall(VecNorm(r, NORM_2, &rnorm));
      PetscCall(VecNorm(b, NORM_2, &bnorm));
      PetscCall(PetscFPrintf(PETSC_COMM_WORLD, hist, "%" PetscInt_FMT ",%" PetscInt_FMT ",%.6e,%.6e\n", step, its, (double)(s1 - s0), (double)(bnorm > 0 ? rnorm / bnorm : rnorm)));
    }
  }
  if (hist) {
    const PetscReal *res;
    PetscInt         nres;
    FILE            *last;
    char             lastname[PETSC_MAX_PATH_LEN + 8];

    PetscCall(PetscFClose(PETSC_COMM_WORLD, hist));
    PetscCall(KSPGetResidualHistory(ksp, &res, &nres));
    PetscCall(PetscSNPrintf(lastname, sizeof(lastname), "%s.last", history));
    PetscCall(PetscFOpen(PETSC_COMM_WORLD, lastname, "w", &last));
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, last, "iteration,residual_norm\n"));
    for (PetscInt i = 0; i < nres; i++) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, last, "%" PetscInt_FMT ",%.6e\n", i, (double)res[i]));
    PetscCall(PetscFClose(PETSC_COMM_WORLD, last));
  }
  PetscCall(PetscTime(&t1));
  PetscCall(SequenceSummaryEnd(&summary, PETSC_COMM_WORLD, "moving-charges"));
  PetscCall(EventSeconds("MLGuessInfer", &tinfer));
  PetscCall(EventSeconds("MLGuessTrain", &ttrain));
  PetscCall(EventSeconds("MLGuessCollect", &tcollect));
  PetscCall(EventSeconds("MLBasisGuess", &tguess));
  PetscCall(EventSeconds("MLBasisJoin", &tjoin));
  PetscCall(EventSeconds("MLBasisCompress", &tcompress));

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Moving-charge Poisson: %" PetscInt_FMT "-D, n %" PetscInt_FMT ", %" PetscInt_FMT " %s(s), %" PetscInt_FMT " steps\n", p.dim, p.n, p.charges, p.dipole ? "dipole" : "monopole", p.steps));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Total wall time: %.4f s\n", (double)(t1 - t0)));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Iterations: total %" PetscInt_FMT ", mean %.2f per step, mean %.2f over the last %" PetscInt_FMT " steps\n", summary.its, (double)summary.its / p.steps, (double)lastits / p.tail, p.tail));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Max true relative residual: %.3e\n", (double)summary.max_rel_res));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Unconverged solves: %" PetscInt_FMT "\n", summary.unconverged));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Learner time: inference %.4f s, training %.4f s, data collection %.4f s\n", (double)tinfer, (double)ttrain, (double)tcollect));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Basis time: guesses %.4f s, joins %.4f s, compressions %.4f s (the compressions also inside the other two)\n", (double)tguess, (double)tjoin, (double)tcompress));

  PetscCall(PetscFree(p.c));
  PetscCall(PetscRandomDestroy(&p.rnd));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&r));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
