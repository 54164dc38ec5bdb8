#include "guess_projection.hpp"

#include <petscblaslapack.h>

#include <cmath>

PetscErrorCode MLProjectionCreate(Vec like, PetscInt capacity, MLProjection *p)
{
  PetscFunctionBegin;
  p->capacity = capacity;
  p->count = p->next = p->pending = 0;
  if (capacity > 0) {
    PetscCall(VecDuplicateVecs(like, capacity, &p->X));
    PetscCall(VecDuplicateVecs(like, capacity, &p->AX));
  }
  p->XAX.assign(capacity * capacity, 0);
  p->AXAX.assign(capacity * capacity, 0);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLProjectionDestroy(MLProjection *p)
{
  PetscFunctionBegin;
  if (p->X) PetscCall(VecDestroyVecs(p->capacity, &p->X));
  if (p->AX) PetscCall(VecDestroyVecs(p->capacity, &p->AX));
  *p = MLProjection{};
  PetscFunctionReturn(PETSC_SUCCESS);
}

void MLProjectionReset(MLProjection *p) { p->count = p->next = p->pending = 0; }

PetscErrorCode MLProjectionAdd(MLProjection *p, Vec x)
{
  PetscFunctionBegin;
  if (p->capacity == 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecCopy(x, p->X[p->next]));
  p->next    = (p->next + 1) % p->capacity;
  p->count   = PetscMin(p->count + 1, p->capacity);
  p->pending = PetscMin(p->pending + 1, p->capacity);
  PetscFunctionReturn(PETSC_SUCCESS);
}

namespace {

// Brings the pending solutions into the Gram matrices, oldest first: one
// MatMult and one reduction each. Entries against a solution still pending
// are provisional: they are rewritten at its turn. A zero solution stays a
// zero column (its coefficient comes out zero).
PetscErrorCode Sync(MLProjection *p, Mat A)
{
  const PetscInt m = p->capacity;

  PetscFunctionBegin;
  for (; p->pending > 0; --p->pending) {
    const PetscInt         s = (p->next - p->pending + m) % m;
    const PetscInt         n = p->count;
    PetscReal              norm;
    std::vector<PetscReal> col(n), row(n), ax(n);
    PetscCall(MatMult(A, p->X[s], p->AX[s]));
    PetscCall(VecNormBegin(p->AX[s], NORM_2, &norm));
    PetscCall(VecMDotBegin(p->AX[s], n, p->X, col.data()));  /* (X_i, A x) */
    PetscCall(VecMDotBegin(p->X[s], n, p->AX, row.data()));  /* (A X_j, x) */
    PetscCall(VecMDotBegin(p->AX[s], n, p->AX, ax.data())); /* (A X_i, A x) */
    PetscCall(VecNormEnd(p->AX[s], NORM_2, &norm));
    PetscCall(VecMDotEnd(p->AX[s], n, p->X, col.data()));
    PetscCall(VecMDotEnd(p->X[s], n, p->AX, row.data()));
    PetscCall(VecMDotEnd(p->AX[s], n, p->AX, ax.data()));
    const PetscReal scale = norm > 0 && std::isfinite(norm) ? 1 / norm : 0;
    PetscCall(VecScale(p->X[s], scale));
    PetscCall(VecScale(p->AX[s], scale));
    for (PetscInt i = 0; i < n; ++i) {
      const PetscReal f = i == s ? scale * scale : scale; /* the new vector is on both sides of its own entry */
      p->XAX[i + m * s]  = col[i] * f;
      p->XAX[s + m * i]  = row[i] * f;
      p->AXAX[i + m * s] = p->AXAX[s + m * i] = ax[i] * f;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Solves G c = r (N x N, column-major, overwritten) in the least-squares,
// minimum-norm sense after scaling G symmetrically to a unit diagonal:
// directions whose singular values fall below 1e-12 of the largest (nearly
// repeated solutions) are dropped instead of amplified. Returns false when
// LAPACK fails.
bool SolveSmall(PetscInt N, std::vector<PetscReal> &G, const std::vector<PetscReal> &r, std::vector<PetscReal> &c)
{
  std::vector<PetscReal> d(N), s(N), work(8 * N + 64);
  for (PetscInt i = 0; i < N; ++i) d[i] = G[i + N * i] != 0 ? 1 / std::sqrt(std::fabs(G[i + N * i])) : 0;
  for (PetscInt j = 0; j < N; ++j)
    for (PetscInt i = 0; i < N; ++i) G[i + N * j] *= d[i] * d[j];
  for (PetscInt i = 0; i < N; ++i) c[i] = d[i] * r[i];
  PetscBLASInt bn = (PetscBLASInt)N, one = 1, rank, lwork = (PetscBLASInt)work.size(), info;
  const PetscReal rcond = 1e-12;
  LAPACKgelss_(&bn, &bn, &one, G.data(), &bn, c.data(), &bn, s.data(), &rcond, &rank, work.data(), &lwork, &info);
  if (info != 0) return false;
  for (PetscInt i = 0; i < N; ++i) c[i] *= d[i];
  return true;
}

} // namespace

PetscErrorCode MLProjectionApply(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec w, Vec Aw, Vec x, PetscReal *ratio, const char **why)
{
  const PetscInt         n = scaling == ML_SCALING_NONE ? 0 : p->count, N = n + 1, m = p->capacity;
  PetscReal              bnorm, wb, wAw, Awb, AwAw;
  std::vector<PetscReal> XAw(n), wAX(n), Xb(n), AXAw(n), AXb(n);

  PetscFunctionBegin;
  *why = NULL;
  if (n) PetscCall(Sync(p, A));
  /* every inner product in one reduction */
  PetscCall(VecNormBegin(b, NORM_2, &bnorm));
  PetscCall(VecDotBegin(b, w, &wb));
  PetscCall(VecDotBegin(Aw, w, &wAw));
  PetscCall(VecDotBegin(b, Aw, &Awb));
  PetscCall(VecDotBegin(Aw, Aw, &AwAw));
  if (n) {
    PetscCall(VecMDotBegin(Aw, n, p->X, XAw.data()));
    PetscCall(VecMDotBegin(w, n, p->AX, wAX.data()));
    PetscCall(VecMDotBegin(b, n, p->X, Xb.data()));
    PetscCall(VecMDotBegin(Aw, n, p->AX, AXAw.data()));
    PetscCall(VecMDotBegin(b, n, p->AX, AXb.data()));
  }
  PetscCall(VecNormEnd(b, NORM_2, &bnorm));
  PetscCall(VecDotEnd(b, w, &wb));
  PetscCall(VecDotEnd(Aw, w, &wAw));
  PetscCall(VecDotEnd(b, Aw, &Awb));
  PetscCall(VecDotEnd(Aw, Aw, &AwAw));
  if (n) {
    PetscCall(VecMDotEnd(Aw, n, p->X, XAw.data()));
    PetscCall(VecMDotEnd(w, n, p->AX, wAX.data()));
    PetscCall(VecMDotEnd(b, n, p->X, Xb.data()));
    PetscCall(VecMDotEnd(Aw, n, p->AX, AXAw.data()));
    PetscCall(VecMDotEnd(b, n, p->AX, AXb.data()));
  }
  if (!(bnorm > 0)) {
    *why = "b is zero";
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* Y = [X_0 .. X_{n-1}, w]: G = (Y, A Y) with its right-hand side (Y, b);
     M = (A Y, A Y) with (A Y, b), which also gives the residual of any c. */
  std::vector<PetscReal> G(N * N), r(N), M(N * N), q(N), c(N, 0);
  for (PetscInt j = 0; j < n; ++j) {
    for (PetscInt i = 0; i < n; ++i) {
      G[i + N * j] = p->XAX[i + m * j];
      M[i + N * j] = p->AXAX[i + m * j];
    }
    G[j + N * n] = XAw[j];
    G[n + N * j] = wAX[j];
    M[j + N * n] = M[n + N * j] = AXAw[j];
    r[j]                         = Xb[j];
    q[j]                         = AXb[j];
  }
  G[n + N * n] = wAw, M[n + N * n] = AwAw, r[n] = wb, q[n] = Awb;
  PetscReal gain = 0; /* decrease of the squared error norm being minimized */
  switch (scaling) {
  case ML_SCALING_NONE:
    c[n] = 1;
    break;
  case ML_SCALING_ENERGY: {
    std::vector<PetscReal> work = G;
    if (!SolveSmall(N, work, r, c)) *why = "LAPACK failed on the Galerkin system";
    break;
  }
  case ML_SCALING_RESIDUAL: {
    std::vector<PetscReal> work = M;
    if (!SolveSmall(N, work, q, c)) *why = "LAPACK failed on the least-squares system";
    break;
  }
  }
  /* ||b - A Y c||^2 = ||b||^2 - 2 c.q + c.M c; the A-norm error falls by 2 c.r - c.G c */
  PetscReal cq = 0, cMc = 0, cr = 0, cGc = 0;
  for (PetscInt j = 0; j < N; ++j) {
    cq += c[j] * q[j];
    cr += c[j] * r[j];
    for (PetscInt i = 0; i < N; ++i) {
      cMc += c[i] * M[i + N * j] * c[j];
      cGc += c[i] * G[i + N * j] * c[j];
    }
  }
  gain = scaling == ML_SCALING_ENERGY ? 2 * cr - cGc : scaling == ML_SCALING_RESIDUAL ? 2 * cq - cMc : 1;
  if (!*why && !(std::isfinite(gain) && std::isfinite(cMc))) *why = "the combination is not finite";
  if (!*why && !(gain > 0))
    *why = scaling == ML_SCALING_ENERGY ? "the combination does not lower the error in the energy norm (w.Aw <= 0: is A positive definite?)" : "A w and the solutions' products are orthogonal to b";
  if (*why) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecCopy(w, x));
  PetscCall(VecScale(x, c[n]));
  if (n) PetscCall(VecMAXPY(x, n, c.data(), p->X));
  *ratio = PetscSqrtReal(PetscMax(0.0, bnorm * bnorm - 2 * cq + cMc)) / bnorm;
  PetscFunctionReturn(PETSC_SUCCESS);
}
