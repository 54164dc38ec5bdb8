#include "passes.hpp"

#include <algorithm>
#include <vector>

// The loops are built for the processor's best vector unit where the
// compiler can dispatch at load time (AVX2 + FMA on x86-64, else SSE2), and
// their sums vectorize as simd reductions (-fopenmp-simd).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  #define ML_PASS_KERNEL __attribute__((target_clones("arch=haswell", "default")))
#else
  #define ML_PASS_KERNEL
#endif

namespace {

// Rows per block: the block of each short operand (b, z, x0, q: 64 KiB)
// stays in L2 while the directions stream through it four at a time (four
// streams are what the prefetchers follow; every direction at once, in
// blocks of 512 rows, was 25% slower at 256 directions).
constexpr PetscInt kRows = 8192;

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
ML_PASS_KERNEL void LocalReduce(PetscInt n, const PetscScalar *const *t, PetscInt m, const PetscScalar *x, const PetscScalar *y, PetscScalar *acc)
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
#pragma omp simd reduction(+ : s0, s1, s2, s3, r0, r1, r2, r3)
        for (PetscInt r = 0; r < rows; ++r) {
          const PetscScalar xv = xb[r], yv = yb[r];
          s0 += t0[r] * xv, s1 += t1[r] * xv, s2 += t2[r] * xv, s3 += t3[r] * xv;
          r0 += t0[r] * yv, r1 += t1[r] * yv, r2 += t2[r] * yv, r3 += t3[r] * yv;
        }
        acc[n + j] += r0, acc[n + j + 1] += r1, acc[n + j + 2] += r2, acc[n + j + 3] += r3;
      } else {
#pragma omp simd reduction(+ : s0, s1, s2, s3)
        for (PetscInt r = 0; r < rows; ++r) {
          const PetscScalar xv = xb[r];
          s0 += t0[r] * xv, s1 += t1[r] * xv, s2 += t2[r] * xv, s3 += t3[r] * xv;
        }
      }
      acc[j] += s0, acc[j + 1] += s1, acc[j + 2] += s2, acc[j + 3] += s3;
    }
    for (; j < n; ++j) {
      const PetscScalar *__restrict tj = t[j] + i0;
      PetscScalar s = 0, q = 0;
#pragma omp simd reduction(+ : s)
      for (PetscInt r = 0; r < rows; ++r) s += tj[r] * xb[r];
      if (yb) {
#pragma omp simd reduction(+ : q)
        for (PetscInt r = 0; r < rows; ++r) q += tj[r] * yb[r];
      }
      acc[j] += s;
      if (yb) acc[n + j] += q;
    }
  }
}

// For the rows of one block: x[r] += sum_j t_j[i0 + r] a_j when x, and
// q[r] += sum_j t_j[i0 + r] h_j when q, in one loop (each t_j read once).
ML_PASS_KERNEL void Accumulate(PetscInt n, const PetscScalar *const *t, PetscInt i0, PetscInt rows, const PetscScalar *a, PetscScalar *__restrict x, const PetscScalar *h, PetscScalar *__restrict q)
{
  PetscInt j = 0;
  for (; j + 4 <= n; j += 4) {
    const PetscScalar *__restrict t0 = t[j] + i0, *__restrict t1 = t[j + 1] + i0, *__restrict t2 = t[j + 2] + i0, *__restrict t3 = t[j + 3] + i0;
    if (x && q) {
      const PetscScalar a0 = a[j], a1 = a[j + 1], a2 = a[j + 2], a3 = a[j + 3], h0 = h[j], h1 = h[j + 1], h2 = h[j + 2], h3 = h[j + 3];
      for (PetscInt r = 0; r < rows; ++r) {
        const PetscScalar v0 = t0[r], v1 = t1[r], v2 = t2[r], v3 = t3[r];
        x[r] += v0 * a0 + v1 * a1 + v2 * a2 + v3 * a3;
        q[r] += v0 * h0 + v1 * h1 + v2 * h2 + v3 * h3;
      }
    } else {
      const PetscScalar *c = x ? a : h;
      PetscScalar *__restrict out = x ? x : q;
      const PetscScalar c0 = c[j], c1 = c[j + 1], c2 = c[j + 2], c3 = c[j + 3];
      for (PetscInt r = 0; r < rows; ++r) out[r] += t0[r] * c0 + t1[r] * c1 + t2[r] * c2 + t3[r] * c3;
    }
  }
  for (; j < n; ++j) {
    const PetscScalar *__restrict tj = t[j] + i0;
    if (x)
      for (PetscInt r = 0; r < rows; ++r) x[r] += tj[r] * a[j];
    if (q)
      for (PetscInt r = 0; r < rows; ++r) q[r] += tj[r] * h[j];
  }
}

// The sum of a[0..m): a pass that only reads, as fast as the loops above can be.
// The sum of every entry of t_0 .. t_{n-1} over rows [0, m): a pass that
// only reads, four directions at a time as the loops above.
ML_PASS_KERNEL PetscScalar StreamSum(PetscInt n, const PetscScalar *const *t, PetscInt m)
{
  PetscScalar s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  PetscInt    j = 0;
  for (; j + 4 <= n; j += 4) {
    const PetscScalar *__restrict t0 = t[j], *__restrict t1 = t[j + 1], *__restrict t2 = t[j + 2], *__restrict t3 = t[j + 3];
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (PetscInt r = 0; r < m; ++r) s0 += t0[r], s1 += t1[r], s2 += t2[r], s3 += t3[r];
  }
  for (; j < n; ++j)
    for (PetscInt r = 0; r < m; ++r) s0 += t[j][r];
  return s0 + s1 + s2 + s3;
}

// (a, b) over rows [0, m).
ML_PASS_KERNEL PetscScalar PairDot(const PetscScalar *__restrict a, const PetscScalar *__restrict b, PetscInt m)
{
  PetscScalar s = 0;
#pragma omp simd reduction(+ : s)
  for (PetscInt r = 0; r < m; ++r) s += a[r] * b[r];
  return s;
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
    PetscCall(VecGetArrayRead(pairs[k].a, &a));
    PetscCall(VecGetArrayRead(pairs[k].b, &b));
    acc[n + ny + k] = PairDot(a, b, m);
    PetscCall(VecRestoreArrayRead(pairs[k].a, &a));
    PetscCall(VecRestoreArrayRead(pairs[k].b, &b));
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
  const PetscBool in_place = (PetscBool)(q && q == v);
  if (q) PetscCall(in_place ? VecGetArray(q, &qa) : VecGetArrayWrite(q, &qa));
  if (q && !in_place) PetscCall(VecGetArrayRead(v, &va));
  for (PetscInt i0 = 0; i0 < m; i0 += kRows) {
    const PetscInt rows = PetscMin(kRows, m - i0);
    PetscScalar *xb = xa ? xa + i0 : NULL, *qb = qa ? qa + i0 : NULL;
    if (xb) {
      if (ua)
        for (PetscInt r = 0; r < rows; ++r) xb[r] = beta * ua[i0 + r];
      else std::fill(xb, xb + rows, 0.0);
    }
    if (qb && !in_place) std::copy(va + i0, va + i0 + rows, qb);
    Accumulate(n, t.data(), i0, rows, a, xb, mh.data(), qb);
    if (qb)
      for (PetscInt r = 0; r < rows; ++r) qb[r] *= s;
  }
  if (q && !in_place) PetscCall(VecRestoreArrayRead(v, &va));
  if (q) PetscCall(in_place ? VecRestoreArray(q, &qa) : VecRestoreArrayWrite(q, &qa));
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
    if (host) {
      std::vector<const PetscScalar *> a(n);
      PetscInt                         m;
      PetscCall(VecGetLocalSize(T[0], &m));
      for (PetscInt j = 0; j < n; ++j) PetscCall(VecGetArrayRead(T[j], &a[j]));
      sum = StreamSum(n, a.data(), m);
      for (PetscInt j = 0; j < n; ++j) PetscCall(VecRestoreArrayRead(T[j], &a[j]));
    } else
      for (PetscInt j = 0; j < n; ++j) {
        PetscReal nrm;
        PetscCall(VecNorm(T[j], NORM_1, &nrm));
        sum += nrm;
      }
    PetscCall(PetscTime(&t1));
    sink = sink + sum;
    times.push_back(t1 - t0);
  }
  std::sort(times.begin(), times.end());
  *seconds = times[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}
