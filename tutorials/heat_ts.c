static char help[] = "Sequence of linear systems from implicit time stepping (TS) of a parabolic problem\n\
with a moving heat source in a high-contrast medium, optionally with transport and a nonlinear sink:\n\
  u_t = div(k grad u) - w . grad u - R u^3 + f(x, t) on [0,1]^2, u = 0 on the boundary,\n\
5-point finite volumes on a DMDA of n x n interior points. k = 1 outside and k = contrast inside three\n\
circular inclusions, averaged harmonically on the faces (so diffusion stays symmetric); w = W (-(y-1/2), x-1/2)\n\
is a rotation, upwinded to first order; f is a Gaussian whose centre runs along a Lissajous figure eight.\n\
Each time step assembles the Jacobian shift*I + dF/du again (MatSetValuesStencil), as applications do,\n\
so the matrix changes at every step, and for R > 0 at every Newton iteration.\n\
The solver comes entirely from the options database (-ts_*, -snes_*, -ksp_*, -pc_*). Sequences:\n\
  heat            : (defaults) backward Euler, fixed dt, TS_LINEAR, -snes_type ksponly\n\
  heat-adaptive   : -ts_type bdf -ts_adapt_type basic  (dt, hence the matrix values, vary; BDF solves\n\
                    for corrections to an extrapolated predictor; -ts_adapt_type basic alone keeps beuler)\n\
  transport       : -velocity 50 (non-symmetric: gmres + ilu)\n\
  reaction        : -reaction 20 -ts_max_steps 150 (TS_NONLINEAR, Newton: 2-3 solves per step)\n\
Combinations are named accordingly, e.g. transport-adaptive, transport-reaction.\n\
With libmlgmres loaded (-dll_append libmlgmres.so) try -ksp_guess_type ml; PETSc's own: pod, fischer.\n\n\
  -n <64>                 : interior points per side\n\
  -contrast <100>         : diffusivity inside the inclusions (1 outside)\n\
  -velocity <0>           : W, angular speed of the rotating advection field\n\
  -reaction <0>           : R, coefficient of the cubic sink (R > 0 makes the problem nonlinear)\n\
  -source_amplitude <400> : peak of the Gaussian source\n\
  -source_width <0.05>    : standard deviation of the Gaussian source\n\
  -source_speed <5>       : laps of the source's path per unit time\n\
Defaults set here, all overridable: -ts_type beuler -ts_dt 1e-3 -ts_max_steps 300, -snes_type ksponly\n\
when R = 0, and -ksp_norm_type unpreconditioned (every solve stops on its true residual).\n\n";

#include <petscdmda.h>
#include <petscts.h>
#include "sequence_summary.h"

typedef struct {
  PetscInt  n;
  PetscReal h, contrast, velocity, reaction, amplitude, width, speed;
  PetscReal dtmin, dtmax, umax; /* what the run did, gathered after each step */
} AppCtx;

/* A few inclusions of different sizes, so that the moving source meets them at different times. */
static const PetscReal inclusion[3][3] = {
  {0.30, 0.30, 0.10},
  {0.72, 0.36, 0.08},
  {0.45, 0.72, 0.12}
};

static PetscReal Diffusivity(const AppCtx *user, PetscReal x, PetscReal y)
{
  for (PetscInt q = 0; q < 3; q++) {
    const PetscReal dx = x - inclusion[q][0], dy = y - inclusion[q][1];
    if (dx * dx + dy * dy < inclusion[q][2] * inclusion[q][2]) return user->contrast;
  }
  return 1.0;
}

/* Harmonic face average: the flux through a face between two materials is limited by the poorer
   conductor, and the face value is the same from both sides, which keeps the operator symmetric. */
static PetscReal FaceDiffusivity(const AppCtx *user, PetscReal x0, PetscReal y0, PetscReal x1, PetscReal y1)
{
  const PetscReal k0 = Diffusivity(user, x0, y0), k1 = Diffusivity(user, x1, y1);
  return 2 * k0 * k1 / (k0 + k1);
}

/* The linear part of -(right-hand side) at point (i,j): F_P = udot_P + c[0] u_P + sum c[1..4] u_neighbour
   + R u_P^3 - f_P, with neighbours W, E, S, N. IFunction and IJacobian both use it, so the
   Jacobian is exactly that of the residual. Neighbours on the boundary hold u = 0 but their
   face still conducts, hence c[0] keeps their share. */
static void Stencil(const AppCtx *user, PetscInt i, PetscInt j, PetscScalar c[5])
{
  const PetscReal h = user->h, x = (i + 1) * h, y = (j + 1) * h, ih2 = 1 / (h * h);
  const PetscReal wx = -user->velocity * (y - 0.5), wy = user->velocity * (x - 0.5);
  const PetscReal kw = FaceDiffusivity(user, x, y, x - h, y), ke = FaceDiffusivity(user, x, y, x + h, y);
  const PetscReal ks = FaceDiffusivity(user, x, y, x, y - h), kn = FaceDiffusivity(user, x, y, x, y + h);

  c[0] = (kw + ke + ks + kn) * ih2 + (PetscAbsReal(wx) + PetscAbsReal(wy)) / h;
  c[1] = -kw * ih2 - (wx > 0 ? wx / h : 0);
  c[2] = -ke * ih2 + (wx < 0 ? wx / h : 0);
  c[3] = -ks * ih2 - (wy > 0 ? wy / h : 0);
  c[4] = -kn * ih2 + (wy < 0 ? wy / h : 0);
}

/* A figure eight through the middle of the square: the source passes through or near every
   inclusion and revisits places, so the sequence has both novelty and recurrence. */
static PetscReal Source(const AppCtx *user, PetscReal t, PetscReal x, PetscReal y)
{
  const PetscReal theta = 2 * PETSC_PI * user->speed * t;
  const PetscReal cx = 0.5 + 0.3 * PetscCosReal(theta), cy = 0.5 + 0.25 * PetscSinReal(2 * theta);
  const PetscReal d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
  return user->amplitude * PetscExpReal(-d2 / (2 * user->width * user->width));
}

static PetscErrorCode FormIFunction(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ctx)
{
  AppCtx             *user = (AppCtx *)ctx;
  DM                  da;
  Vec                 Uloc;
  DMDALocalInfo       info;
  const PetscScalar **u, **udot;
  PetscScalar       **f;

  PetscFunctionBeginUser;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMGetLocalVector(da, &Uloc));
  PetscCall(DMGlobalToLocalBegin(da, U, INSERT_VALUES, Uloc));
  PetscCall(DMGlobalToLocalEnd(da, U, INSERT_VALUES, Uloc));
  PetscCall(DMDAVecGetArrayRead(da, Uloc, &u));
  PetscCall(DMDAVecGetArrayRead(da, Udot, &udot));
  PetscCall(DMDAVecGetArray(da, F, &f));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      PetscScalar c[5], r;

      Stencil(user, i, j, c);
      /* DM_BOUNDARY_NONE has no ghosts outside the square: those neighbours are the u = 0 wall */
      r = c[0] * u[j][i];
      if (i > 0) r += c[1] * u[j][i - 1];
      if (i < info.mx - 1) r += c[2] * u[j][i + 1];
      if (j > 0) r += c[3] * u[j - 1][i];
      if (j < info.my - 1) r += c[4] * u[j + 1][i];
      f[j][i] = udot[j][i] + r + user->reaction * u[j][i] * u[j][i] * u[j][i] - Source(user, t, (i + 1) * user->h, (j + 1) * user->h);
    }
  }
  PetscCall(DMDAVecRestoreArray(da, F, &f));
  PetscCall(DMDAVecRestoreArrayRead(da, Udot, &udot));
  PetscCall(DMDAVecRestoreArrayRead(da, Uloc, &u));
  PetscCall(DMRestoreLocalVector(da, &Uloc));
  PetscFunctionReturn(0);
}

/* J = shift dF/dudot + dF/du, assembled from scratch every call, as a user's code would. */
static PetscErrorCode FormIJacobian(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat A, Mat P, void *ctx)
{
  AppCtx             *user = (AppCtx *)ctx;
  DM                  da;
  DMDALocalInfo       info;
  const PetscScalar **u;

  PetscFunctionBeginUser;
  (void)t, (void)Udot;
  PetscCall(TSGetDM(ts, &da));
  PetscCall(DMDAGetLocalInfo(da, &info));
  PetscCall(DMDAVecGetArrayRead(da, U, &u));
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++) {
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      MatStencil  row = {0}, col[5];
      PetscScalar c[5], v[5];
      PetscInt    m = 0;

      Stencil(user, i, j, c);
      row.i = i, row.j = j;
      col[m] = row, v[m++] = shift + c[0] + 3 * user->reaction * u[j][i] * u[j][i];
      if (i > 0) col[m] = row, col[m].i = i - 1, v[m++] = c[1];
      if (i < info.mx - 1) col[m] = row, col[m].i = i + 1, v[m++] = c[2];
      if (j > 0) col[m] = row, col[m].j = j - 1, v[m++] = c[3];
      if (j < info.my - 1) col[m] = row, col[m].j = j + 1, v[m++] = c[4];
      PetscCall(MatSetValuesStencil(P, 1, &row, m, col, v, INSERT_VALUES));
    }
  }
  PetscCall(DMDAVecRestoreArrayRead(da, U, &u));
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  if (A != P) { /* e.g. -snes_mf_operator */
    PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

/* Records the step actually taken, which with an adaptive controller is known only afterwards. */
static PetscErrorCode PostStep(TS ts)
{
  AppCtx   *user;
  Vec       u;
  PetscReal t, tprev, umax;

  PetscFunctionBeginUser;
  PetscCall(TSGetApplicationContext(ts, &user));
  PetscCall(TSGetTime(ts, &t));
  PetscCall(TSGetPrevTime(ts, &tprev));
  user->dtmin = PetscMin(user->dtmin, t - tprev);
  user->dtmax = PetscMax(user->dtmax, t - tprev);
  PetscCall(TSGetSolution(ts, &u));
  PetscCall(VecNorm(u, NORM_INFINITY, &umax));
  user->umax = PetscMax(user->umax, umax);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  AppCtx          user;
  DM              da;
  Mat             J;
  Vec             u;
  TS              ts;
  TSAdapt         adapt;
  TSAdaptType     adapttype;
  SNES            snes;
  KSP             ksp;
  SequenceSummary summary;
  PetscBool       adaptive;
  PetscInt        steps, rejected, snesits;
  PetscReal       tfinal;
  char            name[64];

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  user.n         = 64;
  user.contrast  = 100;
  user.velocity  = 0;
  user.reaction  = 0;
  user.amplitude = 400;
  user.width     = 0.05;
  user.speed     = 5;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Moving heat source options", NULL);
  PetscCall(PetscOptionsRangeInt("-n", "Interior points per side", NULL, user.n, &user.n, NULL, 4, 100000));
  PetscCall(PetscOptionsReal("-contrast", "Diffusivity inside the inclusions", NULL, user.contrast, &user.contrast, NULL));
  PetscCall(PetscOptionsReal("-velocity", "Angular speed of the rotating advection field", NULL, user.velocity, &user.velocity, NULL));
  PetscCall(PetscOptionsReal("-reaction", "Coefficient R of the sink -R u^3", NULL, user.reaction, &user.reaction, NULL));
  PetscCall(PetscOptionsReal("-source_amplitude", "Peak of the Gaussian source", NULL, user.amplitude, &user.amplitude, NULL));
  PetscCall(PetscOptionsReal("-source_width", "Standard deviation of the Gaussian source", NULL, user.width, &user.width, NULL));
  PetscCall(PetscOptionsReal("-source_speed", "Laps of the source's path per unit time", NULL, user.speed, &user.speed, NULL));
  PetscOptionsEnd();
  PetscCheck(user.contrast > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-contrast must be positive");
  PetscCheck(user.width > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-source_width must be positive");
  PetscCheck(user.reaction >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-reaction must be nonnegative (a sink)");
  user.h     = 1.0 / (user.n + 1);
  user.dtmin = PETSC_MAX_REAL;
  user.dtmax = 0;
  user.umax  = 0;

  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, user.n, user.n, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateMatrix(da, &J));
  PetscCall(DMCreateGlobalVector(da, &u));
  PetscCall(VecSet(u, 0.0));

  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(TSSetDM(ts, da));
  PetscCall(TSSetApplicationContext(ts, &user));
  /* A linear problem lets SNES take a single Newton step, i.e. one KSPSolve per stage, with no
     residual norms: the sequence is then purely the linear solver's. */
  PetscCall(TSSetProblemType(ts, user.reaction != 0 ? TS_NONLINEAR : TS_LINEAR));
  PetscCall(TSSetType(ts, TSBEULER));
  PetscCall(TSSetIFunction(ts, NULL, FormIFunction, &user));
  PetscCall(TSSetIJacobian(ts, J, J, FormIJacobian, &user));
  PetscCall(TSSetPostStep(ts, PostStep));
  PetscCall(TSSetTimeStep(ts, 1e-3));
  PetscCall(TSSetMaxSteps(ts, 300));
  /* the step count ends the run, so that every variant is a sequence of comparable length */
  PetscCall(TSSetMaxTime(ts, 1e6));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_STEPOVER));
  PetscCall(TSGetSNES(ts, &snes));
  if (user.reaction == 0) PetscCall(SNESSetType(snes, SNESKSPONLY));
  /* The suite compares solvers and initial guesses at equal true accuracy |b - A x| <= rtol |b|;
     PETSc's default left-preconditioned norm lets a solve stop with a true residual ~100 rtol
     here (high contrast). Unpreconditioned selects right preconditioning for GMRES and left
     for CG; -ksp_norm_type overrides (e.g. none for -ksp_type preonly). */
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(TSSetSolution(ts, u));
  /* the adaptor's type is settled only by the set-up (some TS types choose their own default) */
  PetscCall(TSSetUp(ts));
  PetscCall(TSGetAdapt(ts, &adapt));
  PetscCall(TSAdaptGetType(adapt, &adapttype));
  PetscCall(PetscStrcmp(adapttype, TSADAPTNONE, &adaptive));
  adaptive = (PetscBool)!adaptive;
  PetscCall(SequenceSummaryWatch(&summary, ksp));

  PetscCall(PetscStrcpy(name, user.velocity != 0 ? "transport" : (user.reaction != 0 ? "reaction" : "heat")));
  if (user.velocity != 0 && user.reaction != 0) PetscCall(PetscStrlcat(name, "-reaction", sizeof(name)));
  if (adaptive) PetscCall(PetscStrlcat(name, "-adaptive", sizeof(name)));

  PetscCall(SequenceSummaryBegin(&summary));
  PetscCall(TSSolve(ts, u));
  PetscCall(SequenceSummaryEnd(&summary, PETSC_COMM_WORLD, name));

  PetscCall(TSGetStepNumber(ts, &steps));
  PetscCall(TSGetStepRejections(ts, &rejected));
  PetscCall(TSGetSNESIterations(ts, &snesits));
  PetscCall(TSGetTime(ts, &tfinal));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Heat %s: n %" PetscInt_FMT ", %" PetscInt_FMT " steps (%" PetscInt_FMT " rejected), %" PetscInt_FMT " nonlinear its, final time %.4g, dt %.3g .. %.3g, max u %.3g\n", name, user.n, steps, rejected, snesits, (double)tfinal, (double)user.dtmin,
                        (double)user.dtmax, (double)user.umax));

  PetscCall(TSDestroy(&ts));
  PetscCall(VecDestroy(&u));
  PetscCall(MatDestroy(&J));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
