static char help[] = "The ml guess's combination of the network output w with the last converged solutions\n\
(src/petsc/guess_projection.hpp), on a distributed 1-D Laplacian: right-hand sides in the span of\n\
kept ones are solved by the guess, the guess is never worse than the zero guess in the norm it\n\
minimizes, the reported residual is the true one, the oldest solution is evicted, repeated\n\
solutions and reset are handled.\n";

#include <petscksp.h>

#include "guess_projection.hpp"

namespace {

constexpr PetscInt kN = 60;

PetscErrorCode Laplacian(Mat *A)
{
  PetscInt lo, hi;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, kN, kN, 3, NULL, 2, NULL, A));
  PetscCall(MatGetOwnershipRange(*A, &lo, &hi));
  for (PetscInt i = lo; i < hi; ++i) {
    PetscCall(MatSetValue(*A, i, i, 2.0, INSERT_VALUES));
    if (i > 0) PetscCall(MatSetValue(*A, i, i - 1, -1.0, INSERT_VALUES));
    if (i < kN - 1) PetscCall(MatSetValue(*A, i, i + 1, -1.0, INSERT_VALUES));
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

// A random right-hand side and its solution (to 1e-13).
PetscErrorCode Solved(Fixture &f, Vec *b, Vec *x)
{
  PetscFunctionBeginUser;
  PetscCall(MatCreateVecs(f.A, x, b));
  PetscCall(VecSetRandom(*b, f.rnd));
  PetscCall(KSPSolve(f.ksp, *b, *x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Applies the projection to b with the fixture's random w; checks the
// reported |r0|/|b| against the true one and returns the true one.
PetscErrorCode Apply(Fixture &f, MLProjection &p, MLScaling scaling, Vec b, PetscReal *ratio)
{
  const char *why;
  PetscReal   truth;

  PetscFunctionBeginUser;
  PetscCall(MatMult(f.A, f.w, f.Aw));
  PetscCall(VecSet(f.x0, 0));
  PetscCall(MLProjectionApply(&p, f.A, scaling, b, f.w, f.Aw, f.x0, ratio, &why));
  PetscCheck(!why, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "guess rejected: %s", why);
  PetscCall(TrueRatio(f.A, b, f.x0, &truth));
  /* the reported value is formed from the kept products A X_i, not by a MatMult */
  PetscCheck(PetscAbsReal(*ratio - truth) <= 1e-7, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "reported |r0|/|b| %g, true %g", (double)*ratio, (double)truth);
  *ratio = truth;
  PetscFunctionReturn(PETSC_SUCCESS);
}

} // namespace

int main(int argc, char **argv)
{
  Fixture      f;
  MLProjection p;
  Vec          b[5], x[5], c, xc;
  PetscReal    ratio;
  const char  *why;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(Laplacian(&f.A));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &f.ksp));
  PetscCall(KSPSetOperators(f.ksp, f.A, f.A));
  PetscCall(KSPSetType(f.ksp, KSPCG));
  PetscCall(KSPSetTolerances(f.ksp, 1e-13, 1e-50, PETSC_DEFAULT, 1000));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &f.rnd));
  PetscCall(PetscRandomSetInterval(f.rnd, -1, 1));
  PetscCall(MatCreateVecs(f.A, &f.w, &f.Aw));
  PetscCall(VecDuplicate(f.w, &f.x0));
  PetscCall(VecSetRandom(f.w, f.rnd)); /* a poor "network output" */
  for (int i = 0; i < 5; ++i) PetscCall(Solved(f, &b[i], &x[i]));
  PetscCall(VecDuplicate(b[0], &c));
  PetscCall(VecDuplicate(x[0], &xc));

  PetscCall(MLProjectionCreate(f.w, 3, &p));
  /* b in the span of kept right-hand sides: the guess is the solution, in both
     norms; a zero solution among them does no harm */
  PetscCall(VecSet(xc, 0));
  PetscCall(MLProjectionAdd(&p, xc));
  PetscCall(MLProjectionAdd(&p, x[0]));
  PetscCall(MLProjectionAdd(&p, x[1]));
  PetscCall(VecAXPBYPCZ(c, 0.3, -0.7, 0.0, b[0], b[1]));
  for (MLScaling s : {ML_SCALING_ENERGY, ML_SCALING_RESIDUAL}) {
    PetscCall(Apply(f, p, s, c, &ratio));
    PetscCheck(ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: b in the span left |r0|/|b| %g", s == ML_SCALING_ENERGY ? "energy" : "residual", (double)ratio);
  }

  /* b outside the span: never worse than the zero guess in the norm minimized */
  PetscCall(Apply(f, p, ML_SCALING_RESIDUAL, b[2], &ratio));
  PetscCheck(ratio <= 1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "residual: |r0|/|b| %g > 1", (double)ratio);
  {
    PetscReal e0, e;
    PetscCall(VecSet(xc, 0));
    PetscCall(EnergyDistance(f.A, x[2], xc, &e0));
    PetscCall(Apply(f, p, ML_SCALING_ENERGY, b[2], &ratio));
    PetscCall(EnergyDistance(f.A, x[2], f.x0, &e));
    PetscCheck(e <= e0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "energy: A-norm error %g above the zero guess's %g", (double)e, (double)e0);
  }

  /* none: the network output as is */
  PetscCall(Apply(f, p, ML_SCALING_NONE, b[2], &ratio));
  PetscCall(VecAXPY(f.x0, -1.0, f.w));
  PetscCall(VecNorm(f.x0, NORM_INFINITY, &ratio));
  PetscCheck(ratio == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "none changed w");

  /* a repeated solution (singular Gram matrix) changes nothing; it evicts the zero one */
  PetscCall(MLProjectionAdd(&p, x[1]));
  PetscCall(VecAXPBYPCZ(c, 0.5, 0.0, 0.0, b[1], b[0]));
  PetscCall(Apply(f, p, ML_SCALING_ENERGY, c, &ratio));
  PetscCheck(ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "with a repeated solution |r0|/|b| %g", (double)ratio);

  /* capacity 3: x2, x3, x4 evict x0, x1 and the repeated x1, oldest first */
  for (int i = 2; i < 5; ++i) PetscCall(MLProjectionAdd(&p, x[i]));
  PetscCheck(p.count == 3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%" PetscInt_FMT " solutions kept, capacity 3", p.count);
  PetscCall(VecAXPBYPCZ(c, 1.0, 2.0, 0.0, b[2], b[4]));
  PetscCall(VecAXPY(c, -1.0, b[3]));
  PetscCall(Apply(f, p, ML_SCALING_ENERGY, c, &ratio));
  PetscCheck(ratio < 1e-10, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the newest three do not span their right-hand sides: %g", (double)ratio);
  PetscCall(Apply(f, p, ML_SCALING_ENERGY, b[0], &ratio));
  PetscCheck(ratio > 1e-3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "an evicted solution still solves its right-hand side");

  /* reset (the operator changed): w alone, scaled by the Galerkin factor */
  MLProjectionReset(&p);
  PetscCheck(p.count == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "reset kept solutions");
  PetscCall(Apply(f, p, ML_SCALING_ENERGY, b[2], &ratio));
  {
    PetscScalar wb, wAw;
    PetscReal   d;
    PetscCall(VecDot(b[2], f.w, &wb));
    PetscCall(VecDot(f.Aw, f.w, &wAw));
    PetscCall(VecAXPY(f.x0, -PetscRealPart(wb) / PetscRealPart(wAw), f.w));
    PetscCall(VecNorm(f.x0, NORM_INFINITY, &d));
    PetscCheck(d < 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "after reset the guess is not (w,b)/(w,Aw) w: off by %g", (double)d);
  }

  /* a zero right-hand side is rejected with a reason */
  PetscCall(VecSet(c, 0));
  PetscCall(MLProjectionApply(&p, f.A, ML_SCALING_ENERGY, c, f.w, f.Aw, f.x0, &ratio, &why));
  PetscCheck(why, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "b = 0 was not rejected");

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "projection: all checks passed\n"));
  PetscCall(MLProjectionDestroy(&p));
  for (int i = 0; i < 5; ++i) {
    PetscCall(VecDestroy(&b[i]));
    PetscCall(VecDestroy(&x[i]));
  }
  PetscCall(VecDestroy(&c));
  PetscCall(VecDestroy(&xc));
  PetscCall(VecDestroy(&f.w));
  PetscCall(VecDestroy(&f.Aw));
  PetscCall(VecDestroy(&f.x0));
  PetscCall(PetscRandomDestroy(&f.rnd));
  PetscCall(KSPDestroy(&f.ksp));
  PetscCall(MatDestroy(&f.A));
  PetscCall(PetscFinalize());
  return 0;
}
