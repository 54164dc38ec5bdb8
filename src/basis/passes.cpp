#include "passes.hpp"

#include <algorithm>
#include <vector>

namespace {

// Rows per block: the block of every operand vector stays in L1 while the
// directions stream through.
constexpr PetscInt kRows = 512;

PetscErrorCode IsHost(Vec v, PetscBool *host)
{
  PetscFunctionBegin;
  *host = PETSC_TRUE;
  if (v) PetscCall(PetscObjectTypeCompareAny((PetscObject)v, host, VECSEQ, VECMPI, VECSTANDARD, ""));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AllHost(std::initializer_list<Vec> vs, PetscInt n, const Vec *T, PetscBool *host)
{
  PetscFunctionBegin;
  *host = PETSC_TRUE;
  for (Vec v : vs) {
    PetscBool h;
    PetscCall(IsHost(v, &h));
    if (!h) *host = PETSC_FALSE;
  }
  if (n > 0) {
    PetscBool h;
    PetscCall(IsHost(T[0], &h)); /* the directions are duplicates of one vector: one type */
    if (!h) *host = PETSC_FALSE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// acc[j] += (t_j, x) over rows [0, m), and acc[n + j] += (t_j, y) when y.
void LocalReduce(PetscInt n, const PetscScalar *const *t, PetscInt m, const PetscScalar *x, const PetscScalar *y, PetscScalar *acc)
{
  for (PetscInt i0 = 0; i0 < m; i0 += kRows) {
    const PetscInt                   rows = PetscMin(kRows, m - i0);
    const PetscScalar *__restrict xb   = x + i0;
    const PetscScalar *__restrict yb   = y ? y + i0 : NULL;
    PetscInt                         j    = 0;
    for (; j + 4 <= n; j += 4) {
      const PetscScalar *__restrict t0 = t[j] + i0, *__restrict t1 = t[j + 1] + i0, *__restrict t2 = t[j + 2] + i0, *__restrict t3 = t[j + 3] + i0;
      PetscScalar s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      if (yb) {
        PetscScalar r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        for (PetscInt r = 0; r < rows; ++r) {
          const PetscScalar xv = xb[r], yv = yb[r];
          s0 += t0[r] * xv, s1 += t1[r] * xv, s2 += t2[r] * xv, s3 += t3[r] * xv;
          r0 += t0[r] * yv, r1 += t1[r] * yv, r2 += t2[r] * yv, r3 += t3[r] * yv;
        }
        acc[n + j] += r0, acc[n + j + 1] += r1, acc[n + j + 2] += r2, acc[n + j + 3] += r3;
      } else
        for (PetscInt r = 0; r < rows; ++r) {
          const PetscScalar xv = xb[r];
          s0 += t0[r] * xv, s1 += t1[r] * xv, s2 += t2[r] * xv, s3 += t3[r] * xv;
        }
      acc[j] += s0, acc[j + 1] += s1, acc[j + 2] += s2, acc[j + 3] += s3;
    }
    for (; j < n; ++j) {
      const PetscScalar *__restrict tj = t[j] + i0;
      PetscScalar s = 0, q = 0;
      for (PetscInt r = 0; r < rows; ++r) s += tj[r] * xb[r];
      if (yb)
        for (PetscInt r = 0; r < rows; ++r) q += tj[r] * yb[r];
      acc[j] += s;
      if (yb) acc[n + j] += q;
    }
  }
}

// out[r] += sum_j t_j[i0 + r] c_j for the rows of one block.
inline void Accumulate(PetscInt n, const PetscScalar *const *t, PetscInt i0, PetscInt rows, const PetscScalar *c, PetscScalar *__restrict out)
{
  PetscInt j = 0;
  for (; j + 4 <= n; j += 4) {
    const PetscScalar *__restrict t0 = t[j] + i0, *__restrict t1 = t[j + 1] + i0, *__restrict t2 = t[j + 2] + i0, *__restrict t3 = t[j + 3] + i0;
    const PetscScalar c0 = c[j], c1 = c[j + 1], c2 = c[j + 2], c3 = c[j + 3];
    for (PetscInt r = 0; r < rows; ++r) out[r] += t0[r] * c0 + t1[r] * c1 + t2[r] * c2 + t3[r] * c3;
  }
  for (; j < n; ++j) {
    const PetscScalar *__restrict tj = t[j] + i0;
    const PetscScalar cj = c[j];
    for (PetscInt r = 0; r < rows; ++r) out[r] += tj[r] * cj;
  }
}

} // namespace

PetscErrorCode MLPassReduce(PetscInt n, const Vec *T, Vec x, Vec y, PetscInt npairs, const MLDot *pairs, PetscScalar *out)
{
  PetscBool host;

  PetscFunctionBegin;
  PetscCall(AllHost({x, y}, n, T, &host));
  for (PetscInt k = 0; k < npairs && host; ++k) {
    PetscBool a, b;
    PetscCall(IsHost(pairs[k].a, &a));
    PetscCall(IsHost(pairs[k].b, &b));
    host = (PetscBool)(a && b);
  }
  const PetscInt ny = y ? n : 0;
  if (!host) { /* PETSc's split-phase reductions: one message, a pass per vector reduced */
    if (n) PetscCall(VecMDotBegin(x, n, T, out));
    if (ny) PetscCall(VecMDotBegin(y, n, T, out + n));
    for (PetscInt k = 0; k < npairs; ++k) PetscCall(VecDotBegin(pairs[k].a, pairs[k].b, out + n + ny + k));
    if (n) PetscCall(VecMDotEnd(x, n, T, out));
    if (ny) PetscCall(VecMDotEnd(y, n, T, out + n));
    for (PetscInt k = 0; k < npairs; ++k) PetscCall(VecDotEnd(pairs[k].a, pairs[k].b, out + n + ny + k));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscInt                         m;
  std::vector<const PetscScalar *> t(n);
  std::vector<PetscScalar>         acc(n + ny + npairs, 0.0);
  const PetscScalar               *xa, *ya = NULL;
  PetscCall(VecGetLocalSize(x, &m));
  for (PetscInt j = 0; j < n; ++j) PetscCall(VecGetArrayRead(T[j], &t[j]));
  PetscCall(VecGetArrayRead(x, &xa));
  if (y) PetscCall(VecGetArrayRead(y, &ya));
  LocalReduce(n, t.data(), m, xa, ya, acc.data());
  PetscCall(VecRestoreArrayRead(x, &xa));
  if (y) PetscCall(VecRestoreArrayRead(y, &ya));
  for (PetscInt j = 0; j < n; ++j) PetscCall(VecRestoreArrayRead(T[j], &t[j]));
  for (PetscInt k = 0; k < npairs; ++k) {
    const PetscScalar *a, *b;
    PetscScalar        s = 0;
    PetscCall(VecGetArrayRead(pairs[k].a, &a));
    PetscCall(VecGetArrayRead(pairs[k].b, &b));
    for (PetscInt r = 0; r < m; ++r) s += a[r] * b[r];
    PetscCall(VecRestoreArrayRead(pairs[k].a, &a));
    PetscCall(VecRestoreArrayRead(pairs[k].b, &b));
    acc[n + ny + k] = s;
  }
  PetscCallMPI(MPIU_Allreduce(acc.data(), out, (PetscMPIInt)acc.size(), MPIU_SCALAR, MPIU_SUM, PetscObjectComm((PetscObject)x)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLPassCombine(PetscInt n, const Vec *T, const PetscScalar *a, PetscScalar beta, Vec u, Vec x, const PetscScalar *h, PetscScalar s, Vec v, Vec q)
{
  PetscBool host;

  PetscFunctionBegin;
  if (!x && !q) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(AllHost({u, x, v, q}, n, T, &host));
  if (!host) {
    if (x) {
      if (u) {
        PetscCall(VecCopy(u, x));
        PetscCall(VecScale(x, beta));
      } else PetscCall(VecSet(x, 0));
      if (n) PetscCall(VecMAXPY(x, n, a, const_cast<Vec *>(T)));
    }
    if (q) {
      std::vector<PetscScalar> mh(h, h + n);
      for (PetscScalar &e : mh) e = -e;
      PetscCall(VecCopy(v, q));
      if (n) PetscCall(VecMAXPY(q, n, mh.data(), const_cast<Vec *>(T)));
      PetscCall(VecScale(q, s));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscInt                         m;
  std::vector<const PetscScalar *> t(n);
  const PetscScalar               *ua = NULL, *va = NULL;
  PetscScalar                     *xa = NULL, *qa = NULL;
  std::vector<PetscScalar>         mh(q ? n : 0);
  for (PetscInt j = 0; j < (PetscInt)mh.size(); ++j) mh[j] = -h[j];
  PetscCall(VecGetLocalSize(x ? x : q, &m));
  for (PetscInt j = 0; j < n; ++j) PetscCall(VecGetArrayRead(T[j], &t[j]));
  if (x) PetscCall(VecGetArrayWrite(x, &xa));
  if (x && u) PetscCall(VecGetArrayRead(u, &ua));
  if (q) PetscCall(VecGetArrayWrite(q, &qa));
  if (q) PetscCall(VecGetArrayRead(v, &va));
  for (PetscInt i0 = 0; i0 < m; i0 += kRows) {
    const PetscInt rows = PetscMin(kRows, m - i0);
    if (xa) {
      PetscScalar *__restrict xb = xa + i0;
      if (ua)
        for (PetscInt r = 0; r < rows; ++r) xb[r] = beta * ua[i0 + r];
      else std::fill(xb, xb + rows, 0.0);
      Accumulate(n, t.data(), i0, rows, a, xb);
    }
    if (qa) {
      PetscScalar *__restrict qb = qa + i0;
      std::copy(va + i0, va + i0 + rows, qb);
      Accumulate(n, t.data(), i0, rows, mh.data(), qb);
      for (PetscInt r = 0; r < rows; ++r) qb[r] *= s;
    }
  }
  if (q) PetscCall(VecRestoreArrayRead(v, &va));
  if (q) PetscCall(VecRestoreArrayWrite(q, &qa));
  if (x && u) PetscCall(VecRestoreArrayRead(u, &ua));
  if (x) PetscCall(VecRestoreArrayWrite(x, &xa));
  for (PetscInt j = 0; j < n; ++j) PetscCall(VecRestoreArrayRead(T[j], &t[j]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLPassStreamSeconds(PetscInt n, const Vec *T, PetscLogDouble *seconds)
{
  PetscBool                 host;
  std::vector<PetscLogDouble> times;
  volatile PetscScalar       sink = 0;

  PetscFunctionBegin;
  *seconds = 0;
  if (n == 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(AllHost({}, n, T, &host));
  for (int rep = 0; rep < 3; ++rep) {
    PetscLogDouble t0, t1;
    PetscScalar    sum = 0;
    PetscCall(PetscTime(&t0));
    for (PetscInt j = 0; j < n; ++j) {
      if (host) {
        const PetscScalar *a;
        PetscInt           m;
        PetscScalar        s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        PetscCall(VecGetLocalSize(T[j], &m));
        PetscCall(VecGetArrayRead(T[j], &a));
        PetscInt r = 0;
        for (; r + 4 <= m; r += 4) s0 += a[r], s1 += a[r + 1], s2 += a[r + 2], s3 += a[r + 3];
        for (; r < m; ++r) s0 += a[r];
        PetscCall(VecRestoreArrayRead(T[j], &a));
        sum += s0 + s1 + s2 + s3;
      } else {
        PetscReal nrm;
        PetscCall(VecNorm(T[j], NORM_1, &nrm));
        sum += nrm;
      }
    }
    PetscCall(PetscTime(&t1));
    sink = sink + sum;
    times.push_back(t1 - t0);
  }
  std::sort(times.begin(), times.end());
  *seconds = times[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}
