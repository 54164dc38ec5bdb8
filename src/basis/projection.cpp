#include "projection.hpp"

#include <cmath>
#include <utility>
#include <vector>

#include <petsc/private/petscimpl.h> /* PetscObjectStateGet (public from PETSc 3.19 on) */

#include "events.hpp"
#include "passes.hpp"


namespace {

// A solution whose part outside the span is below this fraction of its norm
// adds nothing: normalizing it would only amplify rounding.
constexpr PetscReal kInSpan = 1e-8;
// The single pass joins x - x0 only when it is at least this fraction of x:
// below it x - x0 holds too few digits beyond the rounding of x. Small
// corrections joined with one pass need the new direction's null-space part
// removed after its normalization (RemoveNullSpace). Measured against 1e-5:
// 8-16% less KSPSolve time under gamg and ilu on the flow, the same or less
// on the held-out sequences, the same or fewer iterations.
constexpr PetscReal kSubstantial = 1e-9;

PetscReal Dot(const std::vector<PetscScalar> &a, const std::vector<PetscScalar> &b)
{
  PetscReal s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += PetscRealPart(a[i] * b[i]);
  return s;
}

PetscErrorCode Join(MLProjection *p, Mat A, MLScaling scaling, Vec x, PetscBool same_b, PetscBool defer);

// No directions; the next compression starts from a fresh memory.
void Empty(MLProjection *p)
{
  MLCompressionCancel(&p->compression);
  p->count   = 0;
  p->guessed = PETSC_FALSE;
  p->pending = PETSC_FALSE; /* a rebuild joins it again from the carried solutions */
  p->memory.reset(p->capacity / 2);
}

// After PETSc reported an operator change: keeps the basis if A's values are
// those it was built with, else rebuilds it under A from the carried
// solutions, oldest first, so the newest weighs most in the memory's forecast.
PetscErrorCode Refresh(MLProjection *p, Mat A, MLScaling scaling)
{
  PetscBool      changed;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  if (!p->stale) PetscFunctionReturn(PETSC_SUCCESS);
  p->stale = PETSC_FALSE;
  if (!p->probed) PetscFunctionReturn(PETSC_SUCCESS); /* nothing was kept under the old operator */
  PetscCall(MLWatchValuesChanged(p, &p->costs, A, &p->u, p->z, &changed));
  if (!changed) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscLogEventBegin(ML_BasisRebuild, A, 0, 0, 0));
  PetscCall(PetscTime(&t0));
  Empty(p);
  for (PetscInt i = 0; i < p->carried; ++i) PetscCall(Join(p, A, scaling, MLWatchCarried(p, i), PETSC_FALSE, PETSC_FALSE));
  PetscCall(PetscTime(&t1));
  p->costs.rebuild += t1 - t0;
  PetscCall(PetscLogEventEnd(ML_BasisRebuild, A, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Chooses the basis kind for `scaling` (a change of kind drops the basis) and
// brings the basis up to the operator A.
PetscErrorCode Prepare(MLProjection *p, Mat A, MLScaling scaling)
{
  PetscFunctionBegin;
  if (scaling == ML_SCALING_ENERGY) PetscCall(MLWatchCheckSymmetric(p, A, p->u, p->z));
  const PetscBool residual = MLProjectionUsesResidual(p, scaling);
  if (residual != p->residual) {
    Empty(p);
    p->residual = residual;
  }
  PetscCall(Refresh(p, A, scaling));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Moves the work vector into the basis slot (no copy); the slot's old vector,
// or a new one, becomes the work vector.
PetscErrorCode Swap(Vec *slot, Vec *work)
{
  Vec old = *slot;

  PetscFunctionBegin;
  if (!old) PetscCall(VecDuplicate(*work, &old));
  *slot = *work;
  *work = old;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// One Gram-Schmidt pass on u (z = A u on return): removes u's coordinates
// h along the basis (added to coords) and returns u's squared norm before
// (*before) and after (*left) the pass, if the basis were exactly orthonormal.
PetscErrorCode Pass(MLProjection *p, Mat A, PetscBool have_z, std::vector<double> &coords, PetscReal *before, PetscReal *left)
{
  const PetscBool          res = p->residual;
  const PetscInt           n   = p->count;
  Vec                     *T   = res ? p->AQ : p->Q;
  const MLDot              self = {p->z, res ? p->z : p->u};
  std::vector<PetscScalar> h(n + 1);

  PetscFunctionBegin;
  if (!have_z) PetscCall(MatMult(A, p->u, p->z));
  PetscCall(MLPassReduce(n, T, p->z, NULL, 1, &self, h.data()));
  *before = PetscRealPart(h[n]);
  h.resize(n);
  MLCompressionFilter(&p->compression, h.data());
  *left = *before - Dot(h, h);
  for (PetscInt i = 0; i < n; ++i) coords[i] += PetscRealPart(h[i]);
  if (n) {
    PetscCall(MLPassCombine(n, p->Q, NULL, 0, NULL, NULL, h.data(), 1.0, p->u, p->u));
    if (res) PetscCall(MLPassCombine(n, p->AQ, NULL, 0, NULL, NULL, h.data(), 1.0, p->z, p->z));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A direction normalized by a small norm carries the rounding of x's null
// space part (removed from x - x0 to eps of it) amplified by that norm's
// inverse; the energy norm does not see it, so without removal it grows from
// direction to direction (flow pressure, Neumann: guesses worse than zero,
// CG off its true residual, when corrections of 1e-9 of x joined with one
// pass). Removed again after the normalization.
PetscErrorCode RemoveNullSpace(Mat A, Vec q)
{
  MatNullSpace nsp;

  PetscFunctionBegin;
  PetscCall(MatGetNullSpace(A, &nsp));
  if (nsp) PetscCall(MatNullSpaceRemove(nsp, q));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Whether what is left of a solution (squared norm `left`) is rounding of
// the solution's own (norm2).
inline bool InSpan(PetscReal left, PetscReal norm2) { return !(left > kInSpan * kInSpan * norm2); }

// The normalized direction u (and A u in z, residual basis) joins the basis.
PetscErrorCode Append(MLProjection *p, Mat A)
{
  const PetscInt n = p->count;

  PetscFunctionBegin;
  PetscCall(RemoveNullSpace(A, p->u));
  p->count = n + 1;
  PetscCall(Swap(&p->Q[n], &p->u));
  if (p->residual) PetscCall(Swap(&p->AQ[n], &p->z));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The end of a join: u (A-normalized by its squared norm `left` in the
// basis' inner product, or skipped when that is rounding of x's, norm2)
// becomes a direction; x's coordinates (coords[0..n), and u's) go to the
// memory.
PetscErrorCode Finish(MLProjection *p, Mat A, std::vector<double> &coords, PetscReal left, PetscReal norm2)
{
  const PetscInt  n       = p->count;
  const PetscBool in_span = (PetscBool)InSpan(left, norm2);

  PetscFunctionBegin;
  if (!in_span) coords[n] = PetscSqrtReal(left);
  PetscCall(MLCompressionRecord(p, &p->compression, coords.data(), (int)(in_span ? n : n + 1)));
  if (in_span) {
    ++p->skipped;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  const PetscReal scale = 1 / PetscSqrtReal(left);
  PetscCall(VecScale(p->u, scale));
  if (p->residual) PetscCall(VecScale(p->z, scale));
  PetscCall(Append(p, A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The operator's energy norm is not positive: the Galerkin guess has no
// guarantee; the basis becomes a residual one, and x joins it.
PetscErrorCode NotPositive(MLProjection *p, Mat A, MLScaling scaling, Vec x)
{
  PetscFunctionBegin;
  p->energy_ok    = 0;
  p->why_residual = "the operator's energy norm is not positive";
  PetscCall(Prepare(p, A, scaling));
  PetscCall(Join(p, A, scaling, x, PETSC_FALSE, PETSC_FALSE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The last pass of a join (u and z = A u in place, coords what x has along
// the basis so far, base their squared norm), and another one if it removed
// most of u ("twice is enough").
PetscErrorCode LastPass(MLProjection *p, Mat A, MLScaling scaling, std::vector<double> &coords, PetscReal base, Vec x)
{
  PetscReal u2, left;

  PetscFunctionBegin;
  PetscCall(Pass(p, A, PETSC_TRUE, coords, &u2, &left));
  const PetscReal norm2 = u2 + base;
  if (!p->residual && (norm2 < 0 || u2 < 0)) {
    PetscCall(NotPositive(p, A, scaling, x));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (!std::isfinite(norm2) || norm2 == 0) {
    ++p->skipped;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (p->count && left < 0.5 * u2) PetscCall(Pass(p, A, PETSC_FALSE, coords, &u2, &left));
  PetscCall(Finish(p, A, coords, left, norm2));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Puts what x has outside the span into the basis and records the solution's
// coordinates for the compression. Its last Gram-Schmidt pass waits for the
// next guess (defer: pending) when the basis needs more than that one.
PetscErrorCode Join(MLProjection *p, Mat A, MLScaling scaling, Vec x, PetscBool same_b, PetscBool defer)
{
  PetscFunctionBegin;
  /* full: the capacity, or fewer directions when they cost too much */
  const PetscInt room = PetscMax(1, PetscMin(p->capacity, p->limit));
  PetscCall(MLCompressionBeforeJoin(p, &p->compression, A, room));
  const PetscInt n = p->count;
  /* not after a compression: x0 is not in the kept span */
  const PetscBool     single = (PetscBool)(p->guessed && p->guessed_at == p->changes && same_b);
  std::vector<double> coords(n + 1, 0.0); /* x's coordinates in the basis, for the compression */
  PetscReal           base = 0;           /* their squared norm before the last pass */
  PetscBool           substantial = PETSC_FALSE;

  p->guessed = PETSC_FALSE;
  if (single) { /* x - x0 is orthogonal to the span to the solve's tolerance; x's coordinates are c0 */
    PetscReal nu, nx;
    PetscCall(VecWAXPY(p->u, -1.0, p->x0, x));
    PetscCall(VecNormBegin(p->u, NORM_2, &nu));
    PetscCall(VecNormBegin(x, NORM_2, &nx));
    PetscCall(VecNormEnd(p->u, NORM_2, &nu));
    PetscCall(VecNormEnd(x, NORM_2, &nx));
    substantial = (PetscBool)(nu >= kSubstantial * nx);
  }
  if (!substantial) PetscCall(VecCopy(x, p->u));
  PetscCall(RemoveNullSpace(A, p->u));
  if (substantial) {
    for (PetscInt i = 0; i < n; ++i) coords[i] = PetscRealPart(p->c0[i]), base += coords[i] * coords[i];
    ++p->single_pass;
  } else {
    PetscReal norm2, left;
    PetscCall(Pass(p, A, PETSC_FALSE, coords, &norm2, &left));
    if (!std::isfinite(norm2) || norm2 == 0) {
      ++p->skipped;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    if (!p->residual && norm2 < 0) {
      PetscCall(NotPositive(p, A, scaling, x));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    if (!(n && left < 0.5 * norm2)) { /* one pass was enough: most of x was new */
      PetscCall(Finish(p, A, coords, left, norm2));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    base = norm2 - left;
  }
  PetscCall(MatMult(A, p->u, p->z));
  if (defer && p->defer) { /* u and z wait for the next guess' passes */
    std::swap(p->u, p->pu);
    std::swap(p->z, p->pz);
    if (!p->u) PetscCall(VecDuplicate(p->pu, &p->u));
    if (!p->z) PetscCall(VecDuplicate(p->pz, &p->z));
    p->pc.assign(coords.begin(), coords.begin() + n);
    p->pbase      = base;
    p->pending    = PETSC_TRUE;
    p->pending_at = p->changes;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(LastPass(p, A, scaling, coords, base, x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Keeps x, the guess for b, for the single pass of this solve's join.
PetscErrorCode KeepGuess(MLProjection *p, Vec b, Vec x)
{
  PetscFunctionBegin;
  if (!p->x0) PetscCall(VecDuplicate(x, &p->x0));
  PetscCall(VecCopy(x, p->x0));
  PetscCall(PetscObjectStateGet((PetscObject)b, &p->b0_state));
  p->b0         = b;
  p->guessed    = PETSC_TRUE;
  p->guessed_at = p->changes;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The waiting solution's last pass, at once.
PetscErrorCode FlushPending(MLProjection *p, Mat A, MLScaling scaling)
{
  PetscFunctionBegin;
  if (!p->pending) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(p->pending_at == p->changes, PETSC_COMM_SELF, PETSC_ERR_PLIB, "the basis changed under a solution waiting to join");
  p->pending = PETSC_FALSE;
  std::swap(p->u, p->pu);
  std::swap(p->z, p->pz);
  std::vector<double> coords(p->count + 1, 0.0);
  for (PetscInt i = 0; i < p->count; ++i) coords[i] = PetscRealPart(p->pc[i]);
  PetscCall(LastPass(p, A, scaling, coords, p->pbase, p->u));
  PetscCall(MLCompressionAfterJoin(p, &p->compression, A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The waiting solution joins within the guess for b (*done; else it joined
// at once and the guess is still to form): one reduction pass over the
// directions T for (T, b) and (T, z), one accumulation pass over Q for x0
// and the new direction q = (u - Q h)/s (and one over A Q for A q in the
// residual basis). x0 = Q c + q c_n, c_n = (q, b) = ((u, b) - h.c)/s.
PetscErrorCode JoinWithGuess(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec x, PetscBool *done, const char **why)
{
  PetscFunctionBegin;
  *done = PETSC_FALSE;
  PetscCheck(p->pending_at == p->changes, PETSC_COMM_SELF, PETSC_ERR_PLIB, "the basis changed under a solution waiting to join");
  const PetscBool          res = p->residual;
  const PetscInt           n   = p->count;
  Vec                     *T   = res ? p->AQ : p->Q;
  const MLDot              pairs[3] = {{b, b}, {p->pz, res ? p->pz : p->pu}, {b, res ? p->pz : p->pu}};
  std::vector<PetscScalar> out(2 * n + 3);
  PetscCall(MLPassReduce(n, T, b, p->pz, 3, pairs, out.data()));
  std::vector<PetscScalar> c(out.begin(), out.begin() + n), h(out.begin() + n, out.begin() + 2 * n);
  MLCompressionFilter(&p->compression, c.data());
  MLCompressionFilter(&p->compression, h.data());
  const PetscReal bb = PetscRealPart(out[2 * n]), u2 = PetscRealPart(out[2 * n + 1]), ub = PetscRealPart(out[2 * n + 2]);
  const PetscReal left = u2 - Dot(h, h), norm2 = u2 + p->pbase;
  /* not positive (the residual basis takes over), or most of u in the span
     (a second pass): at once, and the guess formed after */
  if ((!res && !(u2 > 0)) || !(left >= 0.5 * u2) || !std::isfinite(norm2)) {
    PetscCall(FlushPending(p, A, scaling));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  const PetscBool     in_span = (PetscBool)InSpan(left, norm2);
  std::vector<double> coords(n + 1);
  for (PetscInt i = 0; i < n; ++i) coords[i] = PetscRealPart(p->pc[i] + h[i]);
  coords[n] = in_span ? 0 : PetscSqrtReal(left);
  PetscCall(MLCompressionRecord(p, &p->compression, coords.data(), (int)(in_span ? n : n + 1)));
  const PetscReal          sn = in_span ? 0 : coords[n];
  const PetscScalar        cn = in_span ? 0 : (ub - Dot(h, c)) / sn;
  std::vector<PetscScalar> a(c);
  for (PetscInt i = 0; i < n && !in_span; ++i) a[i] -= h[i] * cn / sn;
  const PetscReal gain = Dot(c, c) + PetscRealPart(cn * cn);
  if (!(bb > 0)) *why = "b is zero";
  else if (!std::isfinite(gain)) *why = "the combination is not finite";
  else if (!(gain > 0)) *why = "b is orthogonal to the kept directions";
  PetscCall(MLPassCombine(n, p->Q, a.data(), in_span ? 0.0 : cn / sn, in_span ? NULL : p->pu, *why ? NULL : x, h.data(), in_span ? 0 : 1 / sn, p->pu, in_span ? NULL : p->u));
  if (res && !in_span) PetscCall(MLPassCombine(n, p->AQ, NULL, 0, NULL, NULL, h.data(), 1 / sn, p->pz, p->z));
  p->pending = PETSC_FALSE;
  ++p->fused;
  if (in_span) ++p->skipped;
  else PetscCall(Append(p, A));
  if (!*why) {
    p->c0 = c;
    if (!in_span) p->c0.push_back(cn);
    p->basis_gain = gain;
    p->w_gain     = 0;
    p->bb         = bb;
    PetscCall(KeepGuess(p, b, x));
  }
  /* directions dying since before the guess are not in it (filtered): the
     drops carry its coordinates along and its solution's join keeps its one
     pass; a decision taken now, or a repair, leaves them stale */
  const PetscBool dropping = (PetscBool)(p->compression.phase == MLCompression::DROPPING);
  const PetscInt  repairs  = p->repairs;
  PetscCall(MLCompressionAfterJoin(p, &p->compression, A, *why ? NULL : &p->c0));
  if (!*why && dropping && p->repairs == repairs) p->guessed_at = p->changes;
  *done = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

} // namespace

PetscBool MLProjectionUsesResidual(const MLProjection *p, MLScaling scaling)
{
  return (PetscBool)(scaling == ML_SCALING_RESIDUAL || (scaling == ML_SCALING_ENERGY && p->energy_ok == 0));
}

PetscErrorCode MLProjectionCreate(Vec like, PetscInt capacity, PetscInt carry, MLProjection *p)
{
  PetscFunctionBegin;
  *p          = MLProjection{};
  p->capacity = capacity;
  PetscCall(MLWatchCreate(capacity > 0 ? carry : 0, p));
  p->memory.reset(capacity / 2);
  if (capacity > 0) {
    PetscCall(PetscCalloc1(capacity, &p->Q));
    PetscCall(PetscCalloc1(capacity, &p->AQ));
  }
  PetscCall(VecDuplicate(like, &p->u));
  PetscCall(VecDuplicate(like, &p->z));
  PetscCall(MLCompressionCreate(p, &p->compression));
  PetscCall(MLBasisRegisterEvents());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLProjectionDestroy(MLProjection *p)
{
  PetscFunctionBegin;
  MLCompressionCancel(&p->compression);
  for (PetscInt i = 0; i < p->capacity; ++i) {
    if (p->Q) PetscCall(VecDestroy(&p->Q[i]));
    if (p->AQ) PetscCall(VecDestroy(&p->AQ[i]));
  }
  PetscCall(MLWatchDestroy(p));
  PetscCall(PetscFree(p->Q));
  PetscCall(PetscFree(p->AQ));
  PetscCall(VecDestroy(&p->x0));
  PetscCall(VecDestroy(&p->pu));
  PetscCall(VecDestroy(&p->pz));
  PetscCall(VecDestroy(&p->u));
  PetscCall(VecDestroy(&p->z));
  *p = MLProjection{};
  PetscFunctionReturn(PETSC_SUCCESS);
}

void MLProjectionReset(MLProjection *p)
{
  Empty(p);
  MLWatchReset(p);
}

void MLProjectionOperatorChanged(MLProjection *p)
{
  /* the symmetry verdict (energy_ok) is kept: a change of values that breaks
     symmetry still gets a valid, if not optimal, Galerkin guess, and the
     negative-energy check in Join still switches to the residual basis */
  p->stale = PETSC_TRUE;
}

PetscErrorCode MLProjectionAdd(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec x)
{
  PetscObjectState state = 0;
  PetscLogDouble   t0, t1;

  PetscFunctionBegin;
  if (p->capacity == 0 || scaling == ML_SCALING_NONE) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscLogEventBegin(ML_BasisJoin, A, x, 0, 0));
  PetscCall(PetscTime(&t0));
  PetscCall(Prepare(p, A, scaling));
  PetscCall(FlushPending(p, A, scaling)); /* no guess came since it waited */
  if (b) PetscCall(PetscObjectStateGet((PetscObject)b, &state));
  const PetscBool same_b = (PetscBool)(b && b == p->b0 && state == p->b0_state);
  PetscCall(Join(p, A, scaling, x, same_b, (PetscBool)(b != NULL)));
  if (!p->pending) PetscCall(MLCompressionAfterJoin(p, &p->compression, A));
  PetscCall(MLWatchCarry(p, A, x));
  PetscCall(PetscTime(&t1));
  p->costs.join += t1 - t0;
  ++p->costs.joins;
  PetscCall(PetscLogEventEnd(ML_BasisJoin, A, x, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLProjectionFlush(MLProjection *p, Mat A, MLScaling scaling)
{
  PetscFunctionBegin;
  if (!p->pending) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscLogEventBegin(ML_BasisJoin, A, 0, 0, 0));
  PetscCall(FlushPending(p, A, scaling));
  PetscCall(PetscLogEventEnd(ML_BasisJoin, A, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscInt MLProjectionVectors(const MLProjection *p)
{
  PetscInt n = 0;
  for (PetscInt i = 0; i < p->capacity; ++i) n += (p->Q && p->Q[i] ? 1 : 0) + (p->AQ && p->AQ[i] ? 1 : 0);
  n += MLWatchVectors(p);
  for (Vec v : {p->x0, p->u, p->z, p->pu, p->pz}) n += v ? 1 : 0;
  return n;
}

namespace {

// x0 = Q k + alpha w, the best combination for the basis' kind (the basis
// up to date). When *why is set x is left alone.
PetscErrorCode Combine(MLProjection *p, Vec b, Vec w, Vec Aw, Vec x, const char **why)
{
  PetscScalar bb, ww = 0, wb = 0;

  PetscFunctionBegin;
  /* c = T^T b, d = T^T (A w); w's own products in the same reduction */
  const PetscBool          res = p->residual;
  const PetscInt           n   = p->count;
  Vec                     *T = res ? p->AQ : p->Q, tw = w ? (res ? Aw : w) : NULL;
  std::vector<PetscScalar> c(n), d(w ? n : 0);
  {
    const MLDot              pairs[3] = {{b, b}, {Aw, tw}, {b, tw}};
    std::vector<PetscScalar> out(2 * n + 3);
    PetscCall(MLPassReduce(n, T, b, w ? Aw : NULL, w ? 3 : 1, pairs, out.data()));
    const PetscInt k = w ? 2 * n : n;
    std::copy(out.begin(), out.begin() + n, c.begin());
    if (w) std::copy(out.begin() + n, out.begin() + 2 * n, d.begin());
    bb = out[k];
    if (w) ww = out[k + 1], wb = out[k + 2];
  }
  MLCompressionFilter(&p->compression, c.data());
  if (w) MLCompressionFilter(&p->compression, d.data());
  if (!(PetscRealPart(bb) > 0)) {
    *why = "b is zero";
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* w's part outside the span, w' = w - Q d: alpha = (w', b) / (w', w') in
     the basis' inner product; what the guess removes from the squared error
     norm it minimizes: |c|^2 + alpha (w', b) */
  PetscReal alpha = 0, gain = Dot(c, c);
  if (w) {
    const PetscReal num = PetscRealPart(wb) - Dot(d, c), den = PetscRealPart(ww) - Dot(d, d);
    if (den > 1e-12 * PetscAbsReal(PetscRealPart(ww))) alpha = num / den, gain += alpha * num;
  }
  if (!std::isfinite(gain)) *why = "the combination is not finite";
  else if (!(gain > 0)) *why = n ? "b is orthogonal to the kept directions and to w" : w ? "b is orthogonal to the network's output" : "no solutions kept yet";
  if (*why) PetscFunctionReturn(PETSC_SUCCESS);
  /* x's coordinates in the basis will be c, whatever alpha: (T, A w) = d */
  p->c0         = c;
  p->basis_gain = Dot(c, c);
  p->w_gain     = gain - p->basis_gain;
  p->bb         = PetscRealPart(bb);
  if (w) { /* x0 = Q (c - alpha d) + alpha w */
    for (PetscInt i = 0; i < n; ++i) c[i] -= alpha * d[i];
    PetscCall(MLPassCombine(n, p->Q, c.data(), alpha, w, x, NULL, 0, NULL, NULL));
  } else PetscCall(MLPassCombine(n, p->Q, c.data(), 0, NULL, x, NULL, 0, NULL, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

} // namespace

PetscErrorCode MLProjectionApply(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec w, Vec Aw, Vec x, PetscReal *ratio, const char **why)
{
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  *why = NULL;
  if (scaling == ML_SCALING_NONE) {
    if (!w) {
      *why = "scaling none takes the network's output alone, and there is none yet";
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    PetscCall(VecCopy(w, x));
  } else {
    PetscBool fused = PETSC_FALSE;
    PetscCall(PetscLogEventBegin(ML_BasisGuess, A, b, x, 0));
    PetscCall(PetscTime(&t0));
    PetscCall(Prepare(p, A, scaling));
    if (p->pending && !w) PetscCall(JoinWithGuess(p, A, scaling, b, x, &fused, why));
    else PetscCall(FlushPending(p, A, scaling));
    if (!fused) {
      PetscCall(Combine(p, b, w, Aw, x, why));
      if (!*why && w) PetscCall(RemoveNullSpace(A, x)); /* the basis has none of the null space (Join); w may */
      if (!*why && p->capacity > 0) PetscCall(KeepGuess(p, b, x));
    }
    PetscCall(PetscTime(&t1));
    p->costs.guess += t1 - t0;
    ++p->costs.guesses;
    PetscCall(PetscLogEventEnd(ML_BasisGuess, A, b, x, 0));
    if (*why) PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (w && scaling == ML_SCALING_NONE) PetscCall(RemoveNullSpace(A, x));
  if (ratio) {
    PetscReal rn, bn;
    PetscCall(MatMult(A, x, p->z));
    PetscCall(VecAYPX(p->z, -1.0, b));
    PetscCall(VecNormBegin(p->z, NORM_2, &rn));
    PetscCall(VecNormBegin(b, NORM_2, &bn));
    PetscCall(VecNormEnd(p->z, NORM_2, &rn));
    PetscCall(VecNormEnd(b, NORM_2, &bn));
    *ratio = bn > 0 ? rn / bn : 0;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
