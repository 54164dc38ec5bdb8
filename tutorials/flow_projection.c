static char help[] = "Unsteady 2-D incompressible flow in vorticity-streamfunction form with a pressure projection.\n\
A perturbed double shear layer (layers at y = 1/4 and 3/4) in the box [0,1]^2 with free-slip walls\n\
(psi = 0, omega = 0) rolls up into vortices that keep interacting with each other and the walls.\n\
Every time step solves two Poisson problems on a DMDA of n x n interior points (5-point stencil):\n\
  streamfunction  -Lap psi = omega                           zero Dirichlet\n\
  pressure         Lap p   = 2 (psi_xx psi_yy - psi_xy^2)    homogeneous Neumann, singular (constants)\n\
and advances omega_t + u omega_x + v omega_y = nu Lap omega (u = psi_y, v = -psi_x) explicitly with\n\
Arakawa's Jacobian and third-order strong-stability-preserving Runge-Kutta at a CFL-limited step.\n\
The operators never change: only the right-hand sides do.\n\
The benchmarked solve (-equation) takes its solver from the unprefixed options (-ksp_type, -pc_type,\n\
-ksp_guess_type, ...); the other one has the prefix aux_ and defaults to cg + gamg, rtol 1e-10 on the\n\
unpreconditioned norm, starting from its previous solution. With libmlgmres loaded (-dll_append)\n\
try -ksp_guess_type ml or -ksp_type mlgmres.\n\n\
  -n <64>                                 : interior points per side\n\
  -steps <300>                            : number of time steps\n\
  -equation <pressure|streamfunction>     : which solve is benchmarked (default pressure)\n\
  -nu <5e-4>                              : kinematic viscosity\n\
  -cfl <0.5>                              : CFL number of the time step\n\
  -thickness <0.03>                       : thickness of the shear layers\n\
  -seed <0>                               : seed of the layers' perturbation\n\
  -monitor                                : print iterations, max |omega| and the change of the\n\
                                            pressure right-hand side at every step\n\n";

#include <petscdmda.h>
#include <petscksp.h>
#include "sequence_summary.h"

typedef struct {
  PetscInt  n, steps, seed;
  PetscReal h, nu, cfl, thickness;
} AppCtx;

/* h^2 (-Lap), symmetric positive (semi)definite so that CG and GAMG apply to both problems.
   Dirichlet: the wall values are zero and drop out. Neumann: the ghost point mirrors the point
   next to the wall, so each missing neighbour only lowers the diagonal; the matrix stays
   symmetric and its null space is exactly the constants. */
static PetscErrorCode AssembleLaplacian(DM da, PetscBool neumann, Mat A)
{
  DMDALocalInfo info;
  MatStencil    row, col[5];
  PetscScalar   v[5];

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      PetscInt m = 1, inside = 0;
      row.i = i, row.j = j, row.k = 0, row.c = 0;
      col[0] = row;
      if (i > 0) col[m] = row, col[m].i = i - 1, v[m++] = -1.0, inside++;
      if (i < info.mx - 1) col[m] = row, col[m].i = i + 1, v[m++] = -1.0, inside++;
      if (j > 0) col[m] = row, col[m].j = j - 1, v[m++] = -1.0, inside++;
      if (j < info.my - 1) col[m] = row, col[m].j = j + 1, v[m++] = -1.0, inside++;
      v[0] = neumann ? inside : 4.0;
      PetscCall(MatSetValuesStencil(A, 1, &row, m, col, v, INSERT_VALUES));
    }
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* Two shear layers of opposite sign (u = -1, +1, -1 across them) whose centre lines are displaced
   by a few random sine modes; the Kelvin-Helmholtz instability amplifies the displacement. */
static PetscErrorCode InitialVorticity(DM da, const AppCtx *app, Vec omega)
{
  DMDALocalInfo info;
  PetscScalar **w;
  PetscRandom   rnd;
  PetscReal     amp[2][3], phase[2][3];

  PetscFunctionBeginUser;
  /* on PETSC_COMM_SELF with one seed, so that every rank draws the same modes */
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, (unsigned long)app->seed + 2718));
  PetscCall(PetscRandomSeed(rnd));
  for (PetscInt l = 0; l < 2; l++) {
    for (PetscInt k = 0; k < 3; k++) {
      PetscCall(PetscRandomGetValueReal(rnd, &amp[l][k]));
      PetscCall(PetscRandomGetValueReal(rnd, &phase[l][k]));
      amp[l][k] *= 0.01 / (k + 1);
      phase[l][k] *= 2 * PETSC_PI;
    }
  }
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArray(da, omega, &w));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      const PetscReal x = (i + 1) * app->h, y = (j + 1) * app->h;
      PetscReal       yc[2] = {0.25, 0.75}, s[2];
      for (PetscInt l = 0; l < 2; l++) {
        for (PetscInt k = 0; k < 3; k++) yc[l] += amp[l][k] * PetscSinReal(2 * PETSC_PI * (k + 1) * x + phase[l][k]);
        s[l] = 1 / PetscCoshReal((y - yc[l]) / app->thickness);
      }
      w[j][i] = (s[1] * s[1] - s[0] * s[0]) / app->thickness; /* -du/dy */
    }
  }
  PetscCall(DMDAVecRestoreArray(da, omega, &w));
  PetscFunctionReturn(0);
}

/* Ghosted values of a global vector; the ghosts beyond the walls are the walls' zero values
   of psi and omega (DM_BOUNDARY_GHOSTED leaves them to us). */
static PetscErrorCode FillGhosts(DM da, Vec global, Vec local)
{
  PetscFunctionBeginUser;
  PetscCall(VecSet(local, 0.0));
  PetscCall(DMGlobalToLocalBegin(da, global, INSERT_VALUES, local));
  PetscCall(DMGlobalToLocalEnd(da, global, INSERT_VALUES, local));
  PetscFunctionReturn(0);
}

/* F = J(psi, omega) + nu Lap omega with Arakawa's Jacobian, which conserves energy and enstrophy,
   so the centred scheme stays bounded without upwind damping. */
static PetscErrorCode VorticityRHS(DM da, const AppCtx *app, Vec psiloc, Vec omega, Vec wloc, Vec F)
{
  DMDALocalInfo       info;
  const PetscScalar **s, **w;
  PetscScalar       **f;
  const PetscReal     h2 = app->h * app->h;

  PetscFunctionBeginUser;
  PetscCall(FillGhosts(da, omega, wloc));
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArrayRead(da, psiloc, &s));
  PetscCall(DMDAVecGetArrayRead(da, wloc, &w));
  PetscCall(DMDAVecGetArray(da, F, &f));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      const PetscScalar jpp = (s[j][i + 1] - s[j][i - 1]) * (w[j + 1][i] - w[j - 1][i]) - (s[j + 1][i] - s[j - 1][i]) * (w[j][i + 1] - w[j][i - 1]);
      const PetscScalar jpx = s[j][i + 1] * (w[j + 1][i + 1] - w[j - 1][i + 1]) - s[j][i - 1] * (w[j + 1][i - 1] - w[j - 1][i - 1]) - s[j + 1][i] * (w[j + 1][i + 1] - w[j + 1][i - 1]) + s[j - 1][i] * (w[j - 1][i + 1] - w[j - 1][i - 1]);
      const PetscScalar jxp = w[j + 1][i] * (s[j + 1][i + 1] - s[j + 1][i - 1]) - w[j - 1][i] * (s[j - 1][i + 1] - s[j - 1][i - 1]) - w[j][i + 1] * (s[j + 1][i + 1] - s[j - 1][i + 1]) + w[j][i - 1] * (s[j + 1][i - 1] - s[j - 1][i - 1]);
      const PetscScalar lap = w[j][i + 1] + w[j][i - 1] + w[j + 1][i] + w[j - 1][i] - 4 * w[j][i];
      f[j][i]               = (jpp + jpx + jxp) / (12 * h2) + app->nu * lap / h2;
    }
  }
  PetscCall(DMDAVecRestoreArray(da, F, &f));
  PetscCall(DMDAVecRestoreArrayRead(da, wloc, &w));
  PetscCall(DMDAVecRestoreArrayRead(da, psiloc, &s));
  PetscFunctionReturn(0);
}

/* Time step from the advective CFL limit and explicit diffusion's limit; also max |omega|. */
static PetscErrorCode StepSize(DM da, const AppCtx *app, Vec psiloc, Vec omega, PetscReal *dt, PetscReal *wmax)
{
  DMDALocalInfo       info;
  const PetscScalar **s;
  PetscReal           m[2] = {0, 0}; /* max |u| + |v|, max |omega| */

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArrayRead(da, psiloc, &s));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      m[0] = PetscMax(m[0], PetscAbsScalar(s[j + 1][i] - s[j - 1][i]) + PetscAbsScalar(s[j][i + 1] - s[j][i - 1]));
    }
  }
  PetscCall(DMDAVecRestoreArrayRead(da, psiloc, &s));
  m[0] /= 2 * app->h;
  PetscCall(VecNorm(omega, NORM_INFINITY, &m[1]));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, m, 2, MPIU_REAL, MPIU_MAX, PetscObjectComm((PetscObject)da)));
  *wmax = m[1];
  *dt   = 0.25 * app->h * app->h / app->nu;
  if (m[0] > 0) *dt = PetscMin(*dt, app->cfl * app->h / m[0]);
  PetscFunctionReturn(0);
}

/* b = -h^2 * 2 (psi_xx psi_yy - psi_xy^2), the pressure equation scaled like the matrix h^2 (-Lap) */
static PetscErrorCode PressureRHS(DM da, const AppCtx *app, Vec psiloc, Vec b)
{
  DMDALocalInfo       info;
  const PetscScalar **s;
  PetscScalar       **f;

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArrayRead(da, psiloc, &s));
  PetscCall(DMDAVecGetArray(da, b, &f));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      const PetscScalar dxx = s[j][i + 1] - 2 * s[j][i] + s[j][i - 1];
      const PetscScalar dyy = s[j + 1][i] - 2 * s[j][i] + s[j - 1][i];
      const PetscScalar dxy = 0.25 * (s[j + 1][i + 1] - s[j + 1][i - 1] - s[j - 1][i + 1] + s[j - 1][i - 1]);
      f[j][i]               = -2 * (dxx * dyy - dxy * dxy) / (app->h * app->h);
    }
  }
  PetscCall(DMDAVecRestoreArray(da, b, &f));
  PetscCall(DMDAVecRestoreArrayRead(da, psiloc, &s));
  PetscFunctionReturn(0);
}

/* The benchmarked KSP takes everything from the options; the auxiliary one gets accurate,
   warm-started defaults first so that it never limits the benchmarked sequence. */
static PetscErrorCode CreateSolver(DM da, Mat A, PetscBool aux, KSP *ksp)
{
  PC pc;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(PETSC_COMM_WORLD, ksp));
  /* the learned guess reads the grid from the KSP's DM; the operator is ours, not the DM's */
  PetscCall(KSPSetDM(*ksp, da));
  PetscCall(KSPSetDMActive(*ksp, PETSC_FALSE));
  PetscCall(KSPSetOperators(*ksp, A, A));
  if (aux) {
    PetscCall(KSPSetOptionsPrefix(*ksp, "aux_"));
    PetscCall(KSPSetType(*ksp, KSPCG));
    PetscCall(KSPGetPC(*ksp, &pc));
    PetscCall(PCSetType(pc, PCGAMG));
    PetscCall(KSPSetNormType(*ksp, KSP_NORM_UNPRECONDITIONED));
    PetscCall(KSPSetTolerances(*ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
    PetscCall(KSPSetInitialGuessNonzero(*ksp, PETSC_TRUE));
  }
  PetscCall(KSPSetFromOptions(*ksp));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const char     *equations[] = {"pressure", "streamfunction"};
  PetscInt        equation    = 0, itpsi, itp;
  AppCtx          app;
  DM              da;
  Mat             Apsi, Ap;
  MatNullSpace    nsp;
  KSP             kpsi, kp;
  Vec             omega, psi, p, bpsi, bp, bprev, F, w1, psiloc, wloc;
  PetscBool       monitor = PETSC_FALSE;
  PetscReal       t = 0, dt = 0, wmax, wmax0, wmaxrun = 0;
  SequenceSummary s;
  char            name[64];

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  app.n         = 64;
  app.steps     = 300;
  app.seed      = 0;
  app.nu        = 5e-4;
  app.cfl       = 0.5;
  app.thickness = 0.03;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Vorticity-streamfunction flow options", NULL);
  PetscCall(PetscOptionsRangeInt("-n", "Interior points per side", NULL, app.n, &app.n, NULL, 4, 100000));
  PetscCall(PetscOptionsBoundedInt("-steps", "Number of time steps", NULL, app.steps, &app.steps, NULL, 1));
  PetscCall(PetscOptionsEList("-equation", "Benchmarked solve", NULL, equations, 2, equations[equation], &equation, NULL));
  PetscCall(PetscOptionsReal("-nu", "Kinematic viscosity", NULL, app.nu, &app.nu, NULL));
  PetscCall(PetscOptionsReal("-cfl", "CFL number of the time step", NULL, app.cfl, &app.cfl, NULL));
  PetscCall(PetscOptionsReal("-thickness", "Thickness of the shear layers", NULL, app.thickness, &app.thickness, NULL));
  PetscCall(PetscOptionsBoundedInt("-seed", "Seed of the layers' perturbation", NULL, app.seed, &app.seed, NULL, 0));
  PetscCall(PetscOptionsBool("-monitor", "Print every step", NULL, monitor, &monitor, NULL));
  PetscOptionsEnd();
  PetscCheck(app.nu > 0 && app.cfl > 0 && app.thickness > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-nu, -cfl and -thickness must be positive");
  app.h = 1.0 / (app.n + 1);

  /* box stencil: the Jacobian and psi_xy need the diagonal neighbours */
  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_GHOSTED, DM_BOUNDARY_GHOSTED, DMDA_STENCIL_BOX, app.n, app.n, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  /* the matrices are 5-point: only preallocate the box pattern, so that assembly squeezes out
     the unused corners instead of storing explicit zeros that ILU would keep */
  PetscCall(DMSetMatrixPreallocateOnly(da, PETSC_TRUE));
  PetscCall(DMCreateMatrix(da, &Apsi));
  PetscCall(DMCreateMatrix(da, &Ap));
  PetscCall(AssembleLaplacian(da, PETSC_FALSE, Apsi));
  PetscCall(AssembleLaplacian(da, PETSC_TRUE, Ap));
  PetscCall(MatNullSpaceCreate(PETSC_COMM_WORLD, PETSC_TRUE, 0, NULL, &nsp));
  PetscCall(MatSetNullSpace(Ap, nsp));
  PetscCall(MatSetTransposeNullSpace(Ap, nsp));

  PetscCall(DMCreateGlobalVector(da, &omega));
  PetscCall(VecDuplicate(omega, &psi));
  PetscCall(VecDuplicate(omega, &p));
  PetscCall(VecDuplicate(omega, &bpsi));
  PetscCall(VecDuplicate(omega, &bp));
  PetscCall(VecDuplicate(omega, &bprev));
  PetscCall(VecDuplicate(omega, &F));
  PetscCall(VecDuplicate(omega, &w1));
  PetscCall(DMCreateLocalVector(da, &psiloc));
  PetscCall(DMCreateLocalVector(da, &wloc));

  PetscCall(CreateSolver(da, Apsi, (PetscBool)(equation != 1), &kpsi));
  PetscCall(CreateSolver(da, Ap, (PetscBool)(equation != 0), &kp));
  PetscCall(SequenceSummaryWatch(&s, equation == 0 ? kp : kpsi));
  PetscCall(InitialVorticity(da, &app, omega));
  PetscCall(VecNorm(omega, NORM_INFINITY, &wmax0));

  PetscCall(SequenceSummaryBegin(&s));
  for (PetscInt step = 0; step < app.steps; step++) {
    /* (1) streamfunction of the current vorticity */
    PetscCall(VecCopy(omega, bpsi));
    PetscCall(VecScale(bpsi, app.h * app.h));
    PetscCall(KSPSolve(kpsi, bpsi, psi));
    PetscCall(KSPGetIterationNumber(kpsi, &itpsi));
    /* (2) velocity, through the step size and the Jacobian's differences of psi */
    PetscCall(FillGhosts(da, psi, psiloc));
    PetscCall(StepSize(da, &app, psiloc, omega, &dt, &wmax));
    wmaxrun = PetscMax(wmaxrun, wmax);
    /* (3) SSP-RK3 with the velocity of this step: one streamfunction solve per step, and RK3's
       stability region, unlike Euler's or RK2's, contains the Jacobian's imaginary spectrum */
    PetscCall(VorticityRHS(da, &app, psiloc, omega, wloc, F));
    PetscCall(VecWAXPY(w1, dt, F, omega));
    PetscCall(VorticityRHS(da, &app, psiloc, w1, wloc, F));
    PetscCall(VecAXPY(w1, dt, F));
    PetscCall(VecAXPBY(w1, 0.75, 0.25, omega)); /* w1 = 3/4 omega + 1/4 (w1 + dt F) */
    PetscCall(VorticityRHS(da, &app, psiloc, w1, wloc, F));
    PetscCall(VecAXPY(w1, dt, F));
    PetscCall(VecAXPBY(omega, 2.0 / 3.0, 1.0 / 3.0, w1));
    t += dt;
    /* (4) pressure of the velocity of this step; the Neumann problem is solvable only for a
       right-hand side orthogonal to the constants, which discretisation error breaks */
    PetscCall(PressureRHS(da, &app, psiloc, bp));
    PetscCall(MatNullSpaceRemove(nsp, bp));
    PetscCall(KSPSolve(kp, bp, p));
    PetscCall(KSPGetIterationNumber(kp, &itp));
    if (monitor) {
      PetscReal bnorm, dnorm = 0;
      PetscCall(VecNorm(bp, NORM_2, &bnorm));
      if (step > 0) {
        PetscCall(VecAYPX(bprev, -1.0, bp));
        PetscCall(VecNorm(bprev, NORM_2, &dnorm));
      }
      PetscCall(VecCopy(bp, bprev));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "step %4" PetscInt_FMT " t %.4f dt %.2e its psi %3" PetscInt_FMT " p %3" PetscInt_FMT " max|omega| %.3f |b_p| %.3e change %.3e\n", step, (double)t, (double)dt, itpsi, itp, (double)wmax, (double)bnorm, (double)(bnorm > 0 ? dnorm / bnorm : 0)));
    }
  }
  PetscCall(PetscSNPrintf(name, sizeof(name), "flow-%s", equations[equation]));
  PetscCall(SequenceSummaryEnd(&s, PETSC_COMM_WORLD, name));
  PetscCall(VecNorm(omega, NORM_INFINITY, &wmax));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Flow: %" PetscInt_FMT " x %" PetscInt_FMT " points, %" PetscInt_FMT " steps to t = %.3f, nu %g, max |omega| %.2f initially, %.2f at the end, at most %.2f\n", app.n, app.n, app.steps, (double)t, (double)app.nu, (double)wmax0, (double)wmax, (double)PetscMax(wmaxrun, wmax)));

  PetscCall(KSPDestroy(&kpsi));
  PetscCall(KSPDestroy(&kp));
  PetscCall(MatNullSpaceDestroy(&nsp));
  PetscCall(MatDestroy(&Apsi));
  PetscCall(MatDestroy(&Ap));
  PetscCall(VecDestroy(&omega));
  PetscCall(VecDestroy(&psi));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&bpsi));
  PetscCall(VecDestroy(&bp));
  PetscCall(VecDestroy(&bprev));
  PetscCall(VecDestroy(&F));
  PetscCall(VecDestroy(&w1));
  PetscCall(VecDestroy(&psiloc));
  PetscCall(VecDestroy(&wloc));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
