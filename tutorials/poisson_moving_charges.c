static char help[] = "Sequence of 2-D Poisson problems whose sources are Gaussian charges that move at random\n\
every step, as in Luna, Klymko and Blaschke, \"Accelerating GMRES with Deep Learning in Real-Time\".\n\
-u = f on [-1,1]^2, zero Dirichlet, 5-point stencil on an n x n DMDA of interior points.\n\
The solver comes entirely from the options database; with libmlgmres loaded (-dll_append) try\n\
-ksp_type mlgmres or -ksp_guess_type ml.\n\n\
  -n <32>          : interior points per side\n\
  -steps <100>     : number of right-hand sides (time steps)\n\
  -charges <1>     : number of charges\n\
  -width <0.1>     : Gaussian width of a charge\n\
  -dipole          : each charge is the paper's asymmetric two-scale dipole\n\
  -walk <0>        : if > 0, charges take random steps of this size instead of jumping anywhere\n\
  -seed <0>        : seed of the charge motion\n\
  -tail <steps/4>  : the summary also reports the mean iterations over this many last steps\n\n";

#include <petscdmda.h>
#include <petscksp.h>

typedef struct {
  PetscInt    n, steps, charges, tail;
  PetscReal   width, walk;
  PetscBool   dipole;
  PetscReal  *cx, *cy; /* charge centres */
  PetscRandom rnd;
} Problem;

static PetscErrorCode AssembleLaplacian(DM da, Mat A)
{
  DMDALocalInfo info;
  MatStencil    row, col[5];
  PetscScalar   v[5];

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      PetscInt k = 0;
      row.i = i;
      row.j = j;
      /* h^2-scaled stencil; neighbours outside the grid are the zero boundary */
      col[k].i = i, col[k].j = j, v[k++] = 4.0;
      if (i > 0) col[k].i = i - 1, col[k].j = j, v[k++] = -1.0;
      if (i < info.mx - 1) col[k].i = i + 1, col[k].j = j, v[k++] = -1.0;
      if (j > 0) col[k].i = i, col[k].j = j - 1, v[k++] = -1.0;
      if (j < info.my - 1) col[k].i = i, col[k].j = j + 1, v[k++] = -1.0;
      PetscCall(MatSetValuesStencil(A, 1, &row, k, col, v, INSERT_VALUES));
    }
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static PetscErrorCode MoveCharges(Problem *p)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < p->charges; c++) {
    PetscReal rx, ry;
    PetscCall(PetscRandomGetValueReal(p->rnd, &rx));
    PetscCall(PetscRandomGetValueReal(p->rnd, &ry));
    if (p->walk > 0) {
      p->cx[c] = PetscMin(0.8, PetscMax(-0.8, p->cx[c] + p->walk * (2 * rx - 1)));
      p->cy[c] = PetscMin(0.8, PetscMax(-0.8, p->cy[c] + p->walk * (2 * ry - 1)));
    } else {
      p->cx[c] = 0.8 * (2 * rx - 1);
      p->cy[c] = 0.8 * (2 * ry - 1);
    }
  }
  PetscFunctionReturn(0);
}

static PetscReal Gaussian(PetscReal x, PetscReal y, PetscReal cx, PetscReal cy, PetscReal w)
{
  return PetscExpReal(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * w * w));
}

/* b = h^2 f with f a sum of charges at the current centres */
static PetscErrorCode FormRHS(DM da, Problem *p, Vec b)
{
  DMDALocalInfo info;
  PetscScalar **arr;
  PetscReal     h = 2.0 / (p->n + 1);

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArray(da, b, &arr));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      PetscReal x = -1 + (i + 1) * h, y = -1 + (j + 1) * h, f = 0;
      for (PetscInt c = 0; c < p->charges; c++) {
        if (p->dipole) { /* asymmetric two-scale dipole: a narrow positive and a wide negative lobe */
          f += Gaussian(x, y, p->cx[c] - p->width, p->cy[c], p->width) - 0.5 * Gaussian(x, y, p->cx[c] + 1.5 * p->width, p->cy[c], 2 * p->width);
        } else {
          f += Gaussian(x, y, p->cx[c], p->cy[c], p->width);
        }
      }
      arr[j][i] = h * h * f;
    }
  }
  PetscCall(DMDAVecRestoreArray(da, b, &arr));
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
  PetscInt       its, totalits = 0, lastits = 0, seed = 0, unconverged = 0;
  PetscReal      maxrel = 0, tinfer, ttrain, tcollect;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscLogDefaultBegin()); /* so the summary can report the learner's events */
  p.n       = 32;
  p.steps   = 100;
  p.charges = 1;
  p.width   = 0.1;
  p.walk    = 0;
  p.dipole  = PETSC_FALSE;
  p.tail    = -1;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Moving-charge Poisson options", NULL);
  PetscCall(PetscOptionsRangeInt("-n", "Interior points per side", NULL, p.n, &p.n, NULL, 4, 100000));
  PetscCall(PetscOptionsBoundedInt("-steps", "Number of right-hand sides", NULL, p.steps, &p.steps, NULL, 1));
  PetscCall(PetscOptionsBoundedInt("-charges", "Number of charges", NULL, p.charges, &p.charges, NULL, 1));
  PetscCall(PetscOptionsReal("-width", "Gaussian width of a charge", NULL, p.width, &p.width, NULL));
  PetscCall(PetscOptionsBool("-dipole", "Asymmetric two-scale dipoles", NULL, p.dipole, &p.dipole, NULL));
  PetscCall(PetscOptionsReal("-walk", "Random-walk step size (0: jump anywhere)", NULL, p.walk, &p.walk, NULL));
  PetscCall(PetscOptionsBoundedInt("-seed", "Seed of the charge motion", NULL, seed, &seed, NULL, 0));
  PetscCall(PetscOptionsInt("-tail", "Report the mean iterations over this many last steps", NULL, p.tail, &p.tail, NULL));
  PetscOptionsEnd();
  if (p.tail < 1 || p.tail > p.steps) p.tail = PetscMax(1, p.steps / 4);
  PetscCheck(p.width > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-width must be positive");

  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, p.n, p.n, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, &da));
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

  PetscCall(PetscMalloc2(p.charges, &p.cx, p.charges, &p.cy));
  for (PetscInt c = 0; c < p.charges; c++) p.cx[c] = p.cy[c] = 0;
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &p.rnd));
  PetscCall(PetscRandomSetSeed(p.rnd, (unsigned long)seed + 12345));
  PetscCall(PetscRandomSeed(p.rnd));

  PetscCall(PetscTime(&t0));
  for (PetscInt step = 0; step < p.steps; step++) {
    KSPConvergedReason reason;
    PetscReal          bnorm, rnorm;

    PetscCall(MoveCharges(&p));
    PetscCall(FormRHS(da, &p, b));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(KSPGetIterationNumber(ksp, &its));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    if (reason <= 0) unconverged++;
    totalits += its;
    if (step >= p.steps - p.tail) lastits += its;
    /* true residual, outside the timed solver work only by two norms and a MatMult */
    PetscCall(MatMult(A, x, r));
    PetscCall(VecAYPX(r, -1.0, b));
    PetscCall(VecNorm(r, NORM_2, &rnorm));
    PetscCall(VecNorm(b, NORM_2, &bnorm));
    maxrel = PetscMax(maxrel, bnorm > 0 ? rnorm / bnorm : rnorm);
  }
  PetscCall(PetscTime(&t1));
  PetscCall(EventSeconds("MLGuessInfer", &tinfer));
  PetscCall(EventSeconds("MLGuessTrain", &ttrain));
  PetscCall(EventSeconds("MLGuessCollect", &tcollect));

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Moving-charge Poisson: n %" PetscInt_FMT ", %" PetscInt_FMT " %s(s), %" PetscInt_FMT " steps\n", p.n, p.charges, p.dipole ? "dipole" : "monopole", p.steps));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Total wall time: %.4f s\n", (double)(t1 - t0)));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Iterations: total %" PetscInt_FMT ", mean %.2f per step, mean %.2f over the last %" PetscInt_FMT " steps\n", totalits, (double)totalits / p.steps, (double)lastits / p.tail, p.tail));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Max true relative residual: %.3e\n", (double)maxrel));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Unconverged solves: %" PetscInt_FMT "\n", unconverged));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Learner time: inference %.4f s, training %.4f s, data collection %.4f s\n", (double)tinfer, (double)ttrain, (double)tcollect));

  PetscCall(PetscFree2(p.cx, p.cy));
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
