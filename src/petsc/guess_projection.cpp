#include "guess_projection.hpp"

#include <petscblaslapack.h>

#include <cmath>
#include <initializer_list>

PetscErrorCode MLProjectionCreate(Vec like, PetscInt capacity, MLProjection *p)
{
  PetscFunctionBegin;
  p->capacity = capacity;
  p->count = p->next = p->pending = 0;
  if (capacity > 0) {
    PetscCall(VecDuplicateVecs(like, capacity, &p->X));
    PetscCall(VecDuplicateVecs(like, capacity, &p->AX));
  }
  PetscCall(VecDuplicate(like, &p->work));
  p->gram.assign(capacity * capacity, 0);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLProjectionDestroy(MLProjection *p)
{
  PetscFunctionBegin;
  if (p->X) PetscCall(VecDestroyVecs(p->capacity, &p->X));
  if (p->AX) PetscCall(VecDestroyVecs(p->capacity, &p->AX));
  PetscCall(VecDestroy(&p->work));
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

// out[i] = (x, y_i) for i < n, for every task, in one split-phase reduction.
struct MDot {
  Vec        x;
  PetscInt   n;
  const Vec *y;
  PetscReal *out;
};

PetscErrorCode FusedMDots(std::initializer_list<MDot> dots)
{
  PetscFunctionBegin;
  for (const MDot &d : dots)
    if (d.n) PetscCall(VecMDotBegin(d.x, d.n, d.y, d.out));
  for (const MDot &d : dots)
    if (d.n) PetscCall(VecMDotEnd(d.x, d.n, d.y, d.out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The vectors the conditions test against: the solutions themselves
// (Galerkin) or their products (least squares).
Vec *TestVectors(MLProjection *p) { return p->residual ? p->AX : p->X; }

// Brings the pending solutions into the Gram matrix, oldest first: one
// MatMult and one reduction each. A Gram matrix of the other kind is rebuilt
// from all kept solutions. Entries against a solution still pending are
// provisional: they are rewritten at its turn. A zero solution stays a zero
// column (its coefficient comes out zero).
PetscErrorCode Sync(MLProjection *p, Mat A, PetscBool residual)
{
  const PetscInt m = p->capacity;

  PetscFunctionBegin;
  if (p->residual != residual) p->residual = residual, p->pending = p->count;
  Vec *T = TestVectors(p);
  for (; p->pending > 0; --p->pending) {
    const PetscInt         s = (p->next - p->pending + m) % m;
    const PetscInt         n = p->count;
    PetscReal              AxAx;
    std::vector<PetscReal> col(n), row(n);
    PetscCall(MatMult(A, p->X[s], p->AX[s]));
    /* (T_i, A x) and (T_x, A X_j) */
    PetscCall(FusedMDots({{p->AX[s], 1, &p->AX[s], &AxAx}, {p->AX[s], n, T, col.data()}, {T[s], n, p->AX, row.data()}}));
    const PetscReal scale = AxAx > 0 && std::isfinite(AxAx) ? 1 / std::sqrt(AxAx) : 0;
    PetscCall(VecScale(p->X[s], scale));
    PetscCall(VecScale(p->AX[s], scale));
    for (PetscInt i = 0; i < n; ++i) {
      const PetscReal f = i == s ? scale * scale : scale; /* the new vector is on both sides of its own entry */
      p->gram[i + m * s] = col[i] * f;
      p->gram[s + m * i] = row[i] * f;
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
  const PetscBool residual = (PetscBool)(scaling == ML_SCALING_RESIDUAL);
  const PetscInt  n = scaling == ML_SCALING_NONE ? 0 : p->count, N = n + 1, m = p->capacity;
  PetscReal       bb, TwAw, Twb;

  PetscFunctionBegin;
  *why = NULL;
  if (n) PetscCall(Sync(p, A, residual));
  /* Y = [X_0 .. X_{n-1}, w], test vectors T = Y (Galerkin) or A Y (least
     squares): G = (T, A Y), r = (T, b); the new row and column in one reduction */
  Vec                   *T = TestVectors(p), Tw = residual ? Aw : w;
  std::vector<PetscReal> G(N * N), r(N), c(N, 0), TAw(n), TwAX(n), Tb(n);
  PetscCall(FusedMDots({{b, 1, &b, &bb}, {Aw, 1, &Tw, &TwAw}, {b, 1, &Tw, &Twb}, {Aw, n, T, TAw.data()}, {Tw, n, p->AX, TwAX.data()}, {b, n, T, Tb.data()}}));
  if (!(bb > 0)) {
    *why = "b is zero";
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt j = 0; j < n; ++j) {
    for (PetscInt i = 0; i < n; ++i) G[i + N * j] = p->gram[i + m * j];
    G[j + N * n] = TAw[j];
    G[n + N * j] = TwAX[j];
    r[j]         = Tb[j];
  }
  G[n + N * n] = TwAw, r[n] = Twb;
  if (scaling == ML_SCALING_NONE) {
    c[n] = 1;
  } else {
    std::vector<PetscReal> work = G;
    if (!SolveSmall(N, work, r, c)) *why = "LAPACK failed on the small system";
    /* what the combination removes from the squared error norm it minimizes
       (A-norm for Galerkin, residual norm for least squares): 2 c.r - c.G c */
    PetscReal gain = 0;
    for (PetscInt j = 0; j < N; ++j) {
      gain += 2 * c[j] * r[j];
      for (PetscInt i = 0; i < N; ++i) gain -= c[i] * G[i + N * j] * c[j];
    }
    if (!*why && !std::isfinite(gain)) *why = "the combination is not finite";
    if (!*why && !(gain > 0)) *why = residual ? "A w and the solutions' products are orthogonal to b" : "the combination does not lower the error in the energy norm (is A positive definite?)";
    if (*why) PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(VecCopy(w, x));
  PetscCall(VecScale(x, c[n]));
  if (n) PetscCall(VecMAXPY(x, n, c.data(), p->X));
  if (ratio) { /* b - A x0 from the products already at hand, no MatMult */
    for (PetscInt i = 0; i < N; ++i) c[i] = -c[i];
    PetscCall(VecWAXPY(p->work, c[n], Aw, b));
    if (n) PetscCall(VecMAXPY(p->work, n, c.data(), p->AX));
    PetscCall(VecNorm(p->work, NORM_2, ratio));
    *ratio /= std::sqrt(bb);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
