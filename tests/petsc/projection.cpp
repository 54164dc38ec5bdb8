static char help[] = "The ml guess's projection onto the network output w and a basis spanned by earlier\n\
converged solutions (src/basis/projection.hpp), on distributed 1-D operators: right-hand\n\
sides in the span of kept ones are solved by the guess, the guess is never worse than the zero\n\
guess in the norm it minimizes, solutions already in the span add nothing, a full basis is\n\
compressed to the directions its solutions share and keeps the newest solution, the operator's\n\
null space is removed, an operator reassembled with the same values keeps the basis and one\n\
with new values rebuilds it from the latest solutions, non-symmetric and indefinite operators get the residual basis, reset and\n\
b = 0 are handled.\n";

#include <petscksp.h>

#include "basis/projection.hpp"

namespace {

constexpr PetscInt kN = 60;

// Tridiagonal (lower, diag, upper); diag_odd replaces diag on odd rows.
PetscErrorCode Tridiagonal(PetscScalar lower, PetscScalar diag, PetscScalar diag_odd, PetscScalar upper, Mat *A, PetscInt kN = kN)
{
  PetscInt lo, hi;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, kN, kN, 3, NULL, 2, NULL, A));
  PetscCall(MatGetOwnershipRange(*A, &lo, &hi));
  for (PetscInt i = lo; i < hi; ++i) {
    PetscCall(MatSetValue(*A, i, i, i % 2 ? diag_odd : diag, INSERT_VALUES));
    if (i > 0 && lower != 0.0) PetscCall(MatSetValue(*A, i, i - 1, lower, INSERT_VALUES));
    if (i < kN - 1 && upper != 0.0) PetscCall(MatSetValue(*A, i, i + 1, upper, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// ||b - A x|| / ||b||
PetscErrorCode TrueRatio(Mat A, Vec b, Vec x, PetscReal *ratio)
{
  Vec       r;
  PetscReal rn, bn;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(b, &r));
  PetscCall(MatMult(A, x, r));
  PetscCall(VecAYPX(r, -1.0, b));
  PetscCall(VecNorm(r, NORM_2, &rn));
  PetscCall(VecNorm(b, NORM_2, &bn));
  PetscCall(VecDestroy(&r));
  *ratio = rn / bn;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// ||x - y||_A
PetscErrorCode EnergyDistance(Mat A, Vec x, Vec y, PetscReal *d)
{
  Vec         e, Ae;
  PetscScalar eAe;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(x, &e));
  PetscCall(VecDuplicate(x, &Ae));
  PetscCall(VecWAXPY(e, -1.0, y, x));
  PetscCall(MatMult(A, e, Ae));
  PetscCall(VecDot(Ae, e, &eAe));
  *d = PetscSqrtReal(PetscMax(0.0, PetscRealPart(eAe)));
  PetscCall(VecDestroy(&e));
  PetscCall(VecDestroy(&Ae));
  PetscFunctionReturn(PETSC_SUCCESS);
}

struct Fixture {
  Mat         A;
  KSP         ksp;
  PetscRandom rnd;
  Vec         w, Aw, x0;
};

PetscErrorCode FixtureCreate(Mat A, Fixture &f)
{
  PetscFunctionBeginUser;
  f.A = A;
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &f.ksp));
  PetscCall(KSPSetOperators(f.ksp, f.A, f.A));
  PetscCall(KSPSetType(f.ksp, KSPGMRES));
  PetscCall(KSPGMRESSetRestart(f.ksp, kN));
  PetscCall(KSPSetTolerances(f.ksp, 1e-13, 1e-50, PETSC_DEFAULT, 1000));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &f.rnd));
  PetscCall(PetscRandomSetInterval(f.rnd, -1, 1));
  PetscCall(MatCreateVecs(f.A, &f.w, &f.Aw));
  PetscCall(VecDuplicate(f.w, &f.x0));
  PetscCall(VecSetRandom(f.w, f.rnd)); /* a poor "network output" */
  PetscCall(MatMult(f.A, f.w, f.Aw));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FixtureDestroy(Fixture &f)
{
  PetscFunctionBeginUser;
  PetscCall(VecDestroy(&f.w));
  PetscCall(VecDestroy(&f.Aw));
  PetscCall(VecDestroy(&f.x0));
  PetscCall(PetscRandomDestroy(&f.rnd));
  PetscCall(KSPDestroy(&f.ksp));
  PetscCall(MatDestroy(&f.A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A random right-hand side and its solution (to 1e-13).
PetscErrorCode Solved(Fixture &f, Vec *b, Vec *x)
{
  PetscFunctionBeginUser;
  PetscCall(MatCreateVecs(f.A, x, b));
  PetscCall(VecSetRandom(*b, f.rnd));
  PetscCall(KSPSolve(f.ksp, *b, *x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Applies the projection to b, with the fixture's random w or without;
// checks the reported |r0|/|b| against the true one and returns the true one.
PetscErrorCode Apply(Fixture &f, MLProjection &p, MLScaling scaling, Vec b, PetscBool with_w, PetscReal *ratio)
{
  const char *why;
  PetscReal   truth;

  PetscFunctionBeginUser;
  PetscCall(VecSet(f.x0, 0));
  PetscCall(MLProjectionApply(&p, f.A, scaling, b, with_w ? f.w : NULL, with_w ? f.Aw : NULL, f.x0, ratio, &why));
  PetscCheck(!why, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "guess rejected: %s", why);
  PetscCall(TrueRatio(f.A, b, f.x0, &truth));
  PetscCheck(PetscAbsReal(*ratio - truth) <= 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "reported |r0|/|b| %g, true %g", (double)*ratio, (double)truth);
  PetscFunctionReturn(PETSC_SUCCESS);
}

const char *Name(MLScaling s) { return s == ML_SCALING_ENERGY ? "energy" : "residual"; }

// The checks every basis kind must pass, on the fixture's operator.
PetscErrorCode CheckBasis(Fixture &f, MLScaling s, PetscBool symmetric)
{
  MLProjection p;
  Vec          b[4], x[4], c, zero;
  PetscReal    ratio;

  PetscFunctionBeginUser;
  for (int i = 0; i < 4; ++i) PetscCall(Solved(f, &b[i], &x[i]));
  PetscCall(VecDuplicate(b[0], &c));
  PetscCall(VecDuplicate(x[0], &zero));
  PetscCall(VecSet(zero, 0));
  PetscCall(MLProjectionCreate(f.w, 3, 0, &p));

  /* a zero solution is not kept; b in the span of kept right-hand sides is
     solved by the guess, with w or without */
  PetscCall(MLProjectionAdd(&p, f.A, s, NULL, zero));
  PetscCall(MLProjectionAdd(&p, f.A, s, NULL, x[0]));
  PetscCall(MLProjectionAdd(&p, f.A, s, NULL, x[1]));
  PetscCall(VecAXPBYPCZ(c, 0.3, -0.7, 0.0, b[0], b[1]));
  PetscCall(Apply(f, p, s, c, PETSC_FALSE, &ratio));
  PetscCheck(p.count == 2 && p.skipped == 1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %" PetscInt_FMT " directions, %" PetscInt_FMT " skipped; expected 2 and 1", Name(s), p.count, p.skipped);
  PetscCheck(MLProjectionUsesResidual(&p, s) == (PetscBool)(s == ML_SCALING_RESIDUAL || !symmetric), PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: wrong basis kind", Name(s));
  for (PetscBool with_w : {PETSC_FALSE, PETSC_TRUE}) {
    PetscCall(Apply(f, p, s, c, with_w, &ratio));
    PetscCheck(ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: b in the span left |r0|/|b| %g (w %d)", Name(s), (double)ratio, (int)with_w);
  }

  /* b outside the span: never worse than the zero guess in the norm minimized */
  for (PetscBool with_w : {PETSC_FALSE, PETSC_TRUE}) {
    PetscCall(Apply(f, p, s, b[2], with_w, &ratio));
    if (MLProjectionUsesResidual(&p, s)) PetscCheck(ratio <= 1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: |r0|/|b| %g > 1", Name(s), (double)ratio);
    else {
      PetscReal e0, e;
      PetscCall(EnergyDistance(f.A, x[2], zero, &e0));
      PetscCall(EnergyDistance(f.A, x[2], f.x0, &e));
      PetscCheck(e <= e0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "energy: A-norm error %g above the zero guess's %g", (double)e, (double)e0);
    }
  }

  /* a solution already in the span adds nothing */
  PetscCall(MLProjectionAdd(&p, f.A, s, NULL, x[1]));
  PetscCheck(p.count == 2 && p.skipped == 2, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: a repeated solution was kept", Name(s));

  /* full: before x3 joins, the basis is compressed to its most used direction
     (capacity 3 keeps 1); x3 is in the span itself */
  PetscCall(MLProjectionAdd(&p, f.A, s, NULL, x[2]));
  PetscCheck(p.count == 3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %" PetscInt_FMT " directions, capacity 3", Name(s), p.count);
  PetscCall(MLProjectionAdd(&p, f.A, s, NULL, x[3]));
  PetscCheck(p.count == 2 && p.memory.compressions() == 1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %" PetscInt_FMT " directions after %d compressions; expected 2 after 1", Name(s), p.count, p.memory.compressions());
  PetscCall(Apply(f, p, s, b[3], PETSC_FALSE, &ratio));
  PetscCheck(ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: the newest solution's b3 is not solved after a compression (|r0|/|b| %g)", Name(s), (double)ratio);

  /* reset: w alone, scaled by its own factor (Galerkin: (w,b)/(w,Aw)) */
  MLProjectionReset(&p);
  PetscCheck(p.count == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "reset kept directions");
  PetscCall(Apply(f, p, s, b[2], PETSC_TRUE, &ratio));
  {
    PetscScalar wb, ww;
    PetscReal   d;
    const PetscBool res = MLProjectionUsesResidual(&p, s);
    PetscCall(VecDot(b[2], res ? f.Aw : f.w, &wb));
    PetscCall(VecDot(f.Aw, res ? f.Aw : f.w, &ww));
    PetscCall(VecAXPY(f.x0, -PetscRealPart(wb) / PetscRealPart(ww), f.w));
    PetscCall(VecNorm(f.x0, NORM_INFINITY, &d));
    PetscCheck(d < 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: after reset the guess is not w scaled by its own factor: off by %g", Name(s), (double)d);
  }

  PetscCall(MLProjectionDestroy(&p));
  for (int i = 0; i < 4; ++i) {
    PetscCall(VecDestroy(&b[i]));
    PetscCall(VecDestroy(&x[i]));
  }
  PetscCall(VecDestroy(&c));
  PetscCall(VecDestroy(&zero));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Solutions that share one component (z_k = x0 + 0.1 x_k): a compression keeps
// the shared direction, and drops what only one solution had.
PetscErrorCode CheckCompressionKeepsShared(Fixture &f, MLScaling s)
{
  MLProjection p;
  Vec          b[6], x[6], z, c;
  PetscReal    shared, single;

  PetscFunctionBeginUser;
  for (int i = 0; i < 6; ++i) PetscCall(Solved(f, &b[i], &x[i]));
  PetscCall(VecDuplicate(x[0], &z));
  PetscCall(VecDuplicate(b[0], &c));
  PetscCall(MLProjectionCreate(f.w, 4, 0, &p));
  PetscCall(MLProjectionAdd(&p, f.A, s, NULL, x[0]));
  for (int k = 1; k <= 4; ++k) {
    PetscCall(VecWAXPY(z, 0.1, x[k], x[0]));
    PetscCall(MLProjectionAdd(&p, f.A, s, NULL, z));
  }
  PetscCheck(p.memory.compressions() == 1 && p.count == 3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %d compressions, %" PetscInt_FMT " directions; expected 1 and 3", Name(s), p.memory.compressions(), p.count);
  PetscCall(Apply(f, p, s, b[0], PETSC_FALSE, &shared));
  PetscCall(Apply(f, p, s, b[1], PETSC_FALSE, &single));
  PetscCheck(shared < 0.3 && shared < 0.5 * single, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: after compression the shared b0 leaves |r0|/|b| %g, a dropped b1 %g", Name(s), (double)shared, (double)single);
  PetscCall(VecWAXPY(c, 0.1, b[4], b[0]));
  PetscCall(Apply(f, p, s, c, PETSC_FALSE, &shared));
  PetscCheck(shared < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: the newest solution is not in the compressed basis (|r0|/|b| %g)", Name(s), (double)shared);
  PetscCall(MLProjectionDestroy(&p));
  for (int i = 0; i < 6; ++i) {
    PetscCall(VecDestroy(&b[i]));
    PetscCall(VecDestroy(&x[i]));
  }
  PetscCall(VecDestroy(&z));
  PetscCall(VecDestroy(&c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A singular operator with a constant null space (1-D Neumann Laplacian): the
// guess carries no null-space component, whatever the kept solution had.
PetscErrorCode CheckNullSpace()
{
  Mat          A;
  MatNullSpace nsp;
  MLProjection p;
  Vec          x, b, x0;
  PetscInt     lo, hi;
  PetscScalar  mean;
  PetscReal    ratio;
  const char  *why;

  PetscFunctionBeginUser;
  PetscCall(Tridiagonal(-1, 2, 2, -1, &A));
  PetscCall(MatGetOwnershipRange(A, &lo, &hi));
  for (PetscInt i : {(PetscInt)0, kN - 1})
    if (i >= lo && i < hi) PetscCall(MatSetValue(A, i, i, 1.0, INSERT_VALUES));
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatNullSpaceCreate(PETSC_COMM_WORLD, PETSC_TRUE, 0, NULL, &nsp));
  PetscCall(MatSetNullSpace(A, nsp));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecDuplicate(x, &x0));
  for (PetscInt i = lo; i < hi; ++i) PetscCall(VecSetValue(x, i, 5.0 + PetscSinReal(0.1 * i), INSERT_VALUES));
  PetscCall(VecAssemblyBegin(x));
  PetscCall(VecAssemblyEnd(x));
  PetscCall(MatMult(A, x, b));
  PetscCall(MLProjectionCreate(x, 4, 0, &p));
  PetscCall(MLProjectionAdd(&p, A, ML_SCALING_ENERGY, NULL, x));
  PetscCall(MLProjectionApply(&p, A, ML_SCALING_ENERGY, b, NULL, NULL, x0, &ratio, &why));
  PetscCall(VecSum(x0, &mean));
  PetscCheck(!why && ratio < 1e-10 && PetscAbsScalar(mean) < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "null space: |r0|/|b| %g, sum of the guess %g (want 0)", (double)ratio, (double)PetscAbsScalar(mean));
  PetscCall(MLProjectionDestroy(&p));
  /* solutions that carry a large constant and drift by little: each joins
     after its own guess with one pass, its direction normalized by a norm far
     below the constant's rounding; no direction may keep a constant part */
  PetscCall(MLProjectionCreate(x, 12, 0, &p));
  {
    Vec       y, g;
    PetscReal worst = 0;
    PetscCall(VecDuplicate(x, &y));
    PetscCall(VecDuplicate(x, &g));
    for (PetscInt t = 0; t < 10; ++t) {
      for (PetscInt i = lo; i < hi; ++i) PetscCall(VecSetValue(y, i, PetscSinReal(0.1 * i) + 1e-6 * t * PetscCosReal(0.37 * i * (1 + t)), INSERT_VALUES));
      PetscCall(VecAssemblyBegin(y));
      PetscCall(VecAssemblyEnd(y));
      PetscCall(MatMult(A, y, b));
      if (p.count) PetscCall(MLProjectionApply(&p, A, ML_SCALING_ENERGY, b, NULL, NULL, g, NULL, &why));
      PetscCall(VecShift(y, 1e8)); /* the constant a singular solve leaves in x */
      PetscCall(MLProjectionAdd(&p, A, ML_SCALING_ENERGY, b, y));
    }
    PetscCall(MLProjectionFlush(&p, A, ML_SCALING_ENERGY));
    for (PetscInt j = 0; j < p.count; ++j) {
      PetscReal n2;
      PetscCall(VecSum(p.Q[j], &mean));
      PetscCall(VecNorm(p.Q[j], NORM_2, &n2));
      worst = PetscMax(worst, PetscAbsScalar(mean) / n2);
    }
    PetscCheck(p.single_pass >= 5 && worst < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "null space: %d directions joined with one pass, a direction's constant part %g of its norm (want 0)", (int)p.single_pass, (double)worst);
    PetscCall(VecDestroy(&y));
    PetscCall(VecDestroy(&g));
  }
  PetscCall(MLProjectionDestroy(&p));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x0));
  PetscCall(MatNullSpaceDestroy(&nsp));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

} // namespace

// A solution whose own guess came from the basis joins it with one pass of
// Gram-Schmidt (x - x0 is already orthogonal to the span): the basis must be
// the one two full passes build, guess for guess, compressions included; a
// solution of another b (or of b changed since the guess) takes two passes.
PetscErrorCode CheckSinglePass(Fixture &f, MLScaling s)
{
  MLProjection two, one, now;
  Vec          b, x, step, probe, g1, g2, g3;
  PetscReal    d, e, most = 0;
  const char  *why;

  PetscFunctionBeginUser;
  PetscCall(MLProjectionCreate(f.w, 6, 0, &two));
  PetscCall(MLProjectionCreate(f.w, 6, 0, &one));
  PetscCall(MLProjectionCreate(f.w, 6, 0, &now));
  now.defer = PETSC_FALSE; /* the single pass at once, not within the next guess */
  PetscCall(MatCreateVecs(f.A, &x, &b));
  PetscCall(VecDuplicate(b, &step));
  PetscCall(VecDuplicate(b, &g1));
  PetscCall(VecDuplicate(b, &g2));
  PetscCall(VecDuplicate(b, &g3));
  PetscCall(VecSetRandom(b, f.rnd));
  for (int t = 0; t < 14; ++t) { /* a drifting right-hand side: good guesses, compressions at 6 */
    PetscCall(VecSetRandom(step, f.rnd));
    PetscCall(VecAXPY(b, 0.1, step));
    if (one.count) PetscCall(MLProjectionApply(&one, f.A, s, b, NULL, NULL, g1, NULL, &why));
    if (now.count) PetscCall(MLProjectionApply(&now, f.A, s, b, NULL, NULL, g3, NULL, &why));
    if (one.count) { /* the join fused into the guess guesses as the join done at once */
      PetscCall(EnergyDistance(f.A, g1, g3, &d));
      PetscCall(KSPSolve(f.ksp, b, x));
      PetscCall(EnergyDistance(f.A, x, g3, &e));
      most = PetscMax(most, d / e);
    } else PetscCall(KSPSolve(f.ksp, b, x));
    PetscCall(MLProjectionAdd(&two, f.A, s, NULL, x));
    PetscCall(MLProjectionAdd(&one, f.A, s, b, x));
    PetscCall(MLProjectionAdd(&now, f.A, s, b, x));
  }
  PetscCheck(one.fused >= 7 && now.fused == 0 && most <= 1e-8, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %d joins fused into the next guess (want >= 7), %d with defer off; fused and at once guess apart by %g of their error", Name(s), (int)one.fused, (int)now.fused, (double)most);
  PetscCheck(one.pending && one.count < two.count, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: the last guessed solution does not wait for the next guess", Name(s));
  PetscCall(MLProjectionFlush(&one, f.A, s));
  PetscCheck(one.single_pass >= 8 && now.single_pass >= 8 && two.single_pass == 0 && one.count == two.count && !one.pending, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %d single passes (want >= 8), %d and %d directions", Name(s), (int)one.single_pass, (int)one.count, (int)two.count);
  PetscCall(Solved(f, &probe, &x));
  PetscCall(MLProjectionApply(&one, f.A, s, probe, NULL, NULL, g1, NULL, &why));
  PetscCall(MLProjectionApply(&two, f.A, s, probe, NULL, NULL, g2, NULL, &why));
  PetscCall(EnergyDistance(f.A, g1, g2, &d));
  PetscCall(EnergyDistance(f.A, x, g2, &e));
  PetscCheck(d <= 1e-8 * e, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: one pass and two passes guess apart by %g (A-norm), error %g", Name(s), (double)d, (double)e);
  /* the guess was for another b, or for b before it changed: two passes */
  const PetscInt before = one.single_pass;
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(Solved(f, &b, &x));
  PetscCall(MLProjectionAdd(&one, f.A, s, b, x));
  PetscCall(MLProjectionApply(&one, f.A, s, probe, NULL, NULL, g1, NULL, &why));
  PetscCall(VecScale(probe, 2));
  PetscCall(KSPSolve(f.ksp, probe, x));
  PetscCall(MLProjectionAdd(&one, f.A, s, probe, x));
  PetscCheck(one.single_pass == before, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: a solution joined with one pass after a guess for another right-hand side", Name(s));
  PetscCall(MLProjectionDestroy(&one));
  PetscCall(MLProjectionDestroy(&two));
  PetscCall(MLProjectionDestroy(&now));
  for (Vec *v : {&b, &x, &step, &probe, &g1, &g2, &g3}) PetscCall(VecDestroy(v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The coordinates kept for the single pass of a guess' join (c0, carried
// through the drops of a spread compression) still give the guess: Q c0 = x0.
PetscErrorCode CheckGuessCoordinates(const MLProjection &p, PetscInt t)
{
  Vec       y;
  PetscReal d, n;

  PetscFunctionBeginUser;
  if (!p.guessed || p.guessed_at != p.changes) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecDuplicate(p.x0, &y));
  PetscCall(VecSet(y, 0));
  PetscCall(VecMAXPY(y, p.count, p.c0.data(), p.Q));
  PetscCall(VecAXPY(y, -1.0, p.x0));
  PetscCall(VecNorm(y, NORM_2, &d));
  PetscCall(VecNorm(p.x0, NORM_2, &n));
  PetscCall(VecDestroy(&y));
  PetscCheck(d <= 1e-10 * n, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "after solution %" PetscInt_FMT " (phase %d): the guess' coordinates give a vector %g (relative) away from it", t, (int)p.compression.phase, (double)(d / n));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Largest departure from orthonormality of the basis in its own inner
// product: |(Q_i, A Q_j) - delta_ij| (energy) or |(A Q_i, A Q_j) - delta_ij| (residual).
PetscErrorCode GramDefect(Mat A, MLProjection &p, PetscReal *defect)
{
  Vec                      Aq;
  std::vector<PetscScalar> h(p.count);

  PetscFunctionBeginUser;
  *defect = 0;
  PetscCall(VecDuplicate(p.Q[0], &Aq));
  for (PetscInt j = 0; j < p.count; ++j) {
    PetscCall(MatMult(A, p.Q[j], Aq));
    PetscCall(VecMDot(Aq, p.count, p.residual ? p.AQ : p.Q, h.data()));
    for (PetscInt k = 0; k < p.count; ++k) *defect = PetscMax(*defect, PetscAbsScalar(h[k] - (j == k ? 1.0 : 0.0)));
  }
  PetscCall(VecDestroy(&Aq));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A basis that lost its orthonormality (rounding compounds when solutions
// add little to the span) is found at the next compression and repaired; a
// correction at the solve's noise level is joined with two passes, not one.
PetscErrorCode CheckRepair(Fixture &f)
{
  MLProjection p;
  Vec          b, x, noise;
  PetscReal    defect;
  const char  *why;

  PetscFunctionBeginUser;
  PetscCall(MLProjectionCreate(f.w, 4, 0, &p));
  for (int i = 0; i < 4; ++i) {
    PetscCall(Solved(f, &b, &x));
    PetscCall(MLProjectionAdd(&p, f.A, ML_SCALING_ENERGY, NULL, x));
    PetscCall(VecDestroy(&b));
    PetscCall(VecDestroy(&x));
  }
  PetscCall(GramDefect(f.A, p, &defect));
  PetscCheck(p.count == 4 && defect < 1e-12 && p.repairs == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "basis of 4 not orthonormal (%g) or repaired", (double)defect);
  PetscCall(VecScale(p.Q[1], 1.01)); /* a departure of 2% */
  PetscCall(Solved(f, &b, &x));
  PetscCall(MLProjectionAdd(&p, f.A, ML_SCALING_ENERGY, NULL, x)); /* full: compressed, checked */
  PetscCall(GramDefect(f.A, p, &defect));
  PetscCheck(p.repairs == 1 && defect < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "a basis 2%% off orthonormal was not repaired at the compression (repairs %d, defect %g)", (int)p.repairs, (double)defect);
  /* a correction of 1e-9 of x: two passes */
  const PetscInt single = p.single_pass;
  PetscCall(MLProjectionApply(&p, f.A, ML_SCALING_ENERGY, b, NULL, NULL, x, NULL, &why));
  PetscCall(VecDuplicate(x, &noise));
  PetscCall(VecSetRandom(noise, f.rnd));
  PetscCall(VecAXPY(x, 1e-9, noise));
  PetscCall(MLProjectionAdd(&p, f.A, ML_SCALING_ENERGY, b, x));
  PetscCheck(p.single_pass == single, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "a correction at the noise level was joined with one pass");
  PetscCall(GramDefect(f.A, p, &defect));
  PetscCheck(defect < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "after a noise-level correction the basis is off orthonormal by %g", (double)defect);
  PetscCall(MLProjectionDestroy(&p));
  for (Vec *v : {&b, &x, &noise}) PetscCall(VecDestroy(v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A large basis (capacity 96) is compressed over the solves after it fills:
// at every solve it stays orthonormal, within its capacity, and holds the
// latest solutions; the compression ends; and the guesses do not depend on
// how fast the decision's thread ran (a second run, 2 ms between solves,
// never waits for it and guesses the same).
PetscErrorCode CheckSpreadCompression(MLScaling s)
{
  const PetscInt n = 400, capacity = 96, steps = 160;
  Mat            A;
  Vec            x[steps], b[steps], g;
  PetscRandom    rnd;
  std::vector<PetscReal> first;

  PetscFunctionBeginUser;
  PetscCall(Tridiagonal(-1, 2.5, 2.5, -1, &A, n));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetInterval(rnd, -1, 1));
  for (PetscInt t = 0; t < steps; ++t) { /* solutions drifting in a 40-dimensional family, plus their own part */
    PetscCall(MatCreateVecs(A, &x[t], &b[t]));
    PetscCall(VecSetRandom(x[t], rnd));
    PetscCall(VecScale(x[t], 0.1));
    if (t >= 40) PetscCall(VecAXPY(x[t], 1.0, x[t % 40]));
    PetscCall(MatMult(A, x[t], b[t]));
  }
  PetscCall(VecDuplicate(x[0], &g));
  for (int run = 0; run < 2; ++run) {
    MLProjection p;
    PetscInt     most = 0;
    PetscCall(MLProjectionCreate(x[0], capacity, 0, &p));
    for (PetscInt t = 0; t < steps; ++t) {
      const char *why;
      PetscReal   ratio, defect;
      PetscCall(MLProjectionApply(&p, A, s, b[t], NULL, NULL, g, &ratio, &why));
      if (t > 0) {
        if (run == 0) first.push_back(ratio);
        /* to rounding: PETSc 3.22's VecMDot sums in another order when the vectors lie
           otherwise in memory; a drop at another solve would differ by far more */
        else PetscCheck(PetscAbsReal(ratio - first[t - 1]) <= 1e-10 * first[t - 1], PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: guess %" PetscInt_FMT " differs between runs (|r0|/|b| %.17g vs %.17g)", Name(s), t, (double)ratio, (double)first[t - 1]);
      }
      PetscCall(MLProjectionAdd(&p, A, s, b[t], x[t]));
      if (run == 1) PetscCall(PetscSleep(0.002));
      most = PetscMax(most, p.count);
      /* while directions are dying, the solutions joined are orthogonal to the live ones only */
      if (p.compression.phase == MLCompression::DROPPING) defect = 0;
      else PetscCall(GramDefect(A, p, &defect));
      PetscCheck(p.count <= capacity && defect < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: after solution %" PetscInt_FMT ": %" PetscInt_FMT " directions, off orthonormal by %g", Name(s), t, p.count, (double)defect);
      for (PetscInt l = PetscMax(0, t - 7); l <= t; ++l) {
        PetscCall(MLProjectionApply(&p, A, s, b[l], NULL, NULL, g, &ratio, &why));
        PetscCall(CheckGuessCoordinates(p, t));
        PetscCheck(!why && ratio < 1e-8, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: after solution %" PetscInt_FMT " (%" PetscInt_FMT " directions, phase %d) solution %" PetscInt_FMT " is not in the span: |r0|/|b| %g", Name(s), t, p.count, (int)p.compression.phase, l, (double)ratio);
      }
    }
    /* the first run may outpace the thread (its solves take microseconds): then it waited, with the same result */
    PetscCheck(p.compression.spread >= 1 && (run == 0 || p.compression.waited == 0) && p.memory.compressions() == p.compression.spread && most > capacity - capacity / 4, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %d compressions spread (%d waited for), %d in the memory, at most %d directions", Name(s), (int)p.compression.spread, (int)p.compression.waited, p.memory.compressions(), (int)most);
    PetscCall(MLProjectionDestroy(&p));
  }
  for (PetscInt t = 0; t < steps; ++t) {
    PetscCall(VecDestroy(&x[t]));
    PetscCall(VecDestroy(&b[t]));
  }
  PetscCall(VecDestroy(&g));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Fixture      f;
  MLProjection p;
  Mat          A;
  Vec          b, x;
  PetscReal    ratio;
  const char  *why;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));

  /* symmetric positive definite: the 1-D Laplacian */
  PetscCall(Tridiagonal(-1, 2, 2, -1, &A));
  PetscCall(FixtureCreate(A, f));
  for (MLScaling s : {ML_SCALING_ENERGY, ML_SCALING_RESIDUAL}) {
    PetscCall(CheckBasis(f, s, PETSC_TRUE));
    PetscCall(CheckCompressionKeepsShared(f, s));
    PetscCall(CheckSinglePass(f, s));
  }
  PetscCall(CheckRepair(f));
  PetscCall(CheckNullSpace());
  for (MLScaling s : {ML_SCALING_ENERGY, ML_SCALING_RESIDUAL}) PetscCall(CheckSpreadCompression(s));
  {
    /* capacity 1: the basis holds the newest solution */
    Vec bs[3], xs[3];
    PetscCall(MLProjectionCreate(f.w, 1, 0, &p));
    for (int i = 0; i < 3; ++i) {
      PetscCall(Solved(f, &bs[i], &xs[i]));
      PetscCall(MLProjectionAdd(&p, f.A, ML_SCALING_ENERGY, NULL, xs[i]));
    }
    PetscCall(VecSet(f.x0, 0));
    PetscCall(MLProjectionApply(&p, f.A, ML_SCALING_ENERGY, bs[2], NULL, NULL, f.x0, &ratio, &why));
    PetscCheck(!why && ratio < 1e-10 && p.count == 1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "capacity 1 does not hold the newest solution: |r0|/|b| %g", (double)ratio);
    /* none: w as it is; without w nothing */
    PetscCall(MLProjectionApply(&p, f.A, ML_SCALING_NONE, bs[1], f.w, f.Aw, f.x0, NULL, &why));
    PetscCall(VecAXPY(f.x0, -1.0, f.w));
    PetscCall(VecNorm(f.x0, NORM_INFINITY, &ratio));
    PetscCheck(!why && ratio == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "none changed w");
    PetscCall(MLProjectionApply(&p, f.A, ML_SCALING_NONE, bs[1], NULL, NULL, f.x0, NULL, &why));
    PetscCheck(why, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "none without w made a guess");
    /* b = 0 is rejected with a reason */
    PetscCall(VecSet(bs[1], 0));
    PetscCall(MLProjectionApply(&p, f.A, ML_SCALING_ENERGY, bs[1], f.w, f.Aw, f.x0, &ratio, &why));
    PetscCheck(why, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "b = 0 was not rejected");
    PetscCall(MLProjectionDestroy(&p));
    for (int i = 0; i < 3; ++i) {
      PetscCall(VecDestroy(&bs[i]));
      PetscCall(VecDestroy(&xs[i]));
    }
  }
  PetscCall(FixtureDestroy(f));

  /* non-symmetric (convection-diffusion): energy is served by the residual basis */
  PetscCall(Tridiagonal(-1.3, 2, 2, -0.7, &A));
  PetscCall(FixtureCreate(A, f));
  for (MLScaling s : {ML_SCALING_ENERGY, ML_SCALING_RESIDUAL}) PetscCall(CheckBasis(f, s, PETSC_FALSE));
  PetscCall(FixtureDestroy(f));

  /* operator changes: the same values reassembled keep the basis; new values
     rebuild it from the carried solutions (the latest `carry`), A-orthonormal
     in the new operator; carry 0 starts over */
  for (PetscInt carry : {2, 0}) {
    Vec       bs[3], xs[3], bn;
    PetscReal ratio;
    PetscInt  lo, hi;
    PetscCall(Tridiagonal(-1, 2, 2, -1, &A));
    PetscCall(FixtureCreate(A, f));
    PetscCall(MLProjectionCreate(f.w, 8, carry, &p));
    for (int i = 0; i < 3; ++i) {
      PetscCall(Solved(f, &bs[i], &xs[i]));
      PetscCall(MLProjectionAdd(&p, f.A, ML_SCALING_ENERGY, NULL, xs[i]));
    }
    PetscCall(MatGetOwnershipRange(A, &lo, &hi));
    for (PetscInt i = lo; i < hi; ++i) PetscCall(MatSetValue(A, i, i, 2.0, INSERT_VALUES));
    PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
    MLProjectionOperatorChanged(&p);
    PetscCall(Apply(f, p, ML_SCALING_ENERGY, bs[0], PETSC_FALSE, &ratio));
    PetscCheck(p.same_values == 1 && p.rebuilds == 0 && p.count == 3 && ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "same values reassembled: basis not kept (same %d, rebuilt %d, count %d, |r0|/|b| %g)", (int)p.same_values, (int)p.rebuilds, (int)p.count, (double)ratio);
    PetscCall(MatShift(A, 0.5));
    MLProjectionOperatorChanged(&p);
    PetscCall(VecDuplicate(bs[0], &bn));
    PetscCall(MatMult(A, xs[2], bn)); /* the newest solution, under the new operator */
    if (carry) {
      PetscCall(Apply(f, p, ML_SCALING_ENERGY, bn, PETSC_FALSE, &ratio));
      PetscCheck(p.rebuilds == 1 && p.count == carry && ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "new values: basis not rebuilt from the carried solutions (rebuilt %d, count %d, |r0|/|b| %g)", (int)p.rebuilds, (int)p.count, (double)ratio);
      PetscCall(MatMult(A, xs[0], bn)); /* the oldest was not carried */
      PetscCall(Apply(f, p, ML_SCALING_ENERGY, bn, PETSC_FALSE, &ratio));
      PetscCheck(ratio > 1e-6, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "a solution that was not carried is still in the span");
    } else {
      const char *why;
      PetscCall(MLProjectionApply(&p, f.A, ML_SCALING_ENERGY, bn, NULL, NULL, f.x0, NULL, &why));
      PetscCheck(why && p.count == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "carry 0: the basis survived a change of values");
    }
    PetscCall(VecDestroy(&bn));
    PetscCall(MLProjectionDestroy(&p));
    for (int i = 0; i < 3; ++i) {
      PetscCall(VecDestroy(&bs[i]));
      PetscCall(VecDestroy(&xs[i]));
    }
    PetscCall(FixtureDestroy(f));
  }

  /* symmetric indefinite (diagonal +-1): a solution with negative energy
     switches to the residual basis */
  PetscCall(Tridiagonal(0, -1, 1, 0, &A));
  PetscCall(FixtureCreate(A, f));
  PetscCall(MLProjectionCreate(f.w, 4, 0, &p));
  PetscCall(MatCreateVecs(A, &x, &b));
  {
    PetscInt lo, hi;
    PetscCall(VecGetOwnershipRange(b, &lo, &hi));
    for (PetscInt i = lo; i < hi; ++i) PetscCall(VecSetValue(b, i, i % 2 ? 0.0 : 1.0 + i, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(b));
    PetscCall(VecAssemblyEnd(b));
  }
  PetscCall(KSPSolve(f.ksp, b, x));
  PetscCall(MLProjectionAdd(&p, f.A, ML_SCALING_ENERGY, NULL, x));
  PetscCheck(MLProjectionUsesResidual(&p, ML_SCALING_ENERGY) && p.count == 1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "negative energy did not switch to the residual basis");
  PetscCall(Apply(f, p, ML_SCALING_ENERGY, b, PETSC_FALSE, &ratio));
  PetscCheck(ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "indefinite: b in the span left |r0|/|b| %g", (double)ratio);
  PetscCall(MLProjectionDestroy(&p));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscCall(FixtureDestroy(f));

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "projection: all checks passed\n"));
  PetscCall(PetscFinalize());
  return 0;
}
