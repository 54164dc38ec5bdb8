#include "operator_watch.hpp"

#include <utility>

#include "events.hpp"
#include "passes.hpp"

PetscErrorCode MLWatchCreate(PetscInt carry, MLOperatorWatch *w)
{
  PetscFunctionBegin;
  *w       = MLOperatorWatch{};
  w->carry = carry;
  if (carry > 0) PetscCall(PetscCalloc1(carry, &w->recent));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLWatchDestroy(MLOperatorWatch *w)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < w->carry; ++i) PetscCall(VecDestroy(&w->recent[i]));
  PetscCall(PetscFree(w->recent));
  PetscCall(VecDestroy(&w->probe));
  PetscCall(VecDestroy(&w->Aprobe));
  *w = MLOperatorWatch{};
  PetscFunctionReturn(PETSC_SUCCESS);
}

void MLWatchReset(MLOperatorWatch *w)
{
  w->energy_ok    = -1;
  w->why_residual = NULL;
  w->stale        = PETSC_FALSE;
  w->carried = w->next = 0;
  w->probed = PETSC_FALSE; /* Aprobe is retaken under the operator of the next join */
}

PetscInt MLWatchVectors(const MLOperatorWatch *w)
{
  PetscInt n = (w->probe ? 1 : 0) + (w->Aprobe ? 1 : 0);
  for (PetscInt i = 0; i < w->carry; ++i) n += w->recent && w->recent[i] ? 1 : 0;
  return n;
}

PetscErrorCode MLWatchCheckSymmetric(MLOperatorWatch *w, Mat A, Vec u, Vec Au)
{
  PetscBool set, symmetric;

  PetscFunctionBegin;
  if (w->energy_ok >= 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(MatIsSymmetricKnown(A, &set, &symmetric));
  if (!set) {
    PetscRandom rnd;
    Vec         v, Av;
    PetscScalar d[6]; /* uAv, vAu, uu, vv, AuAu, AvAv */
    PetscCall(VecDuplicate(u, &v));
    PetscCall(VecDuplicate(u, &Av));
    PetscCall(PetscRandomCreate(PetscObjectComm((PetscObject)u), &rnd));
    PetscCall(VecSetRandom(u, rnd));
    PetscCall(VecSetRandom(v, rnd));
    PetscCall(PetscRandomDestroy(&rnd));
    PetscCall(MatMult(A, u, Au));
    PetscCall(MatMult(A, v, Av));
    const MLDot pairs[6] = {{Av, u}, {Au, v}, {u, u}, {v, v}, {Au, Au}, {Av, Av}};
    PetscCall(MLPassReduce(0, NULL, u, NULL, 6, pairs, d));
    const PetscReal scale = PetscSqrtReal(PetscRealPart(d[2] * d[5])) + PetscSqrtReal(PetscRealPart(d[3] * d[4]));
    symmetric = (PetscBool)(PetscAbsScalar(d[0] - d[1]) <= 1e-8 * scale);
    PetscCall(VecDestroy(&v));
    PetscCall(VecDestroy(&Av));
  }
  w->energy_ok = symmetric ? 1 : 0;
  if (!symmetric) w->why_residual = "the operator is not symmetric";
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLWatchValuesChanged(MLOperatorWatch *w, MLBasisCosts *costs, Mat A, Vec *work, Vec z, PetscBool *changed)
{
  PetscReal      d, a;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(ML_BasisOpProbe, A, 0, 0, 0));
  PetscCall(PetscTime(&t0));
  PetscCall(MatMult(A, w->probe, *work));
  PetscCall(VecWAXPY(z, -1.0, w->Aprobe, *work));
  PetscCall(VecNormBegin(z, NORM_2, &d));
  PetscCall(VecNormBegin(*work, NORM_2, &a));
  PetscCall(VecNormEnd(z, NORM_2, &d));
  PetscCall(VecNormEnd(*work, NORM_2, &a));
  std::swap(w->Aprobe, *work);
  /* a reassembly that sums the same terms in another order differs by rounding */
  *changed = (PetscBool)!(d <= 1e-12 * a);
  if (*changed) ++w->rebuilds;
  else ++w->same_values;
  PetscCall(PetscTime(&t1));
  costs->op_probe += t1 - t0;
  PetscCall(PetscLogEventEnd(ML_BasisOpProbe, A, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLWatchCarry(MLOperatorWatch *w, Mat A, Vec x)
{
  PetscFunctionBegin;
  if (!w->probe) {
    PetscRandom rnd;
    PetscCall(VecDuplicate(x, &w->probe));
    PetscCall(VecDuplicate(x, &w->Aprobe));
    PetscCall(PetscRandomCreate(PetscObjectComm((PetscObject)x), &rnd));
    PetscCall(VecSetRandom(w->probe, rnd));
    PetscCall(PetscRandomDestroy(&rnd));
  }
  if (!w->probed) PetscCall(MatMult(A, w->probe, w->Aprobe));
  w->probed = PETSC_TRUE;
  if (w->carry == 0) PetscFunctionReturn(PETSC_SUCCESS);
  if (!w->recent[w->next]) PetscCall(VecDuplicate(x, &w->recent[w->next]));
  PetscCall(VecCopy(x, w->recent[w->next]));
  w->next    = (w->next + 1) % w->carry;
  w->carried = PetscMin(w->carried + 1, w->carry);
  PetscFunctionReturn(PETSC_SUCCESS);
}

Vec MLWatchCarried(const MLOperatorWatch *w, PetscInt i)
{
  return w->recent[w->carried < w->carry ? i : (w->next + i) % w->carry];
}
