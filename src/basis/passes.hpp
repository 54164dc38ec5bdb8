// The passes over the basis that a guessed solve pays for, fused so that
// each reads the stored directions once.
//
// A guess and the join of the last solution need, over the n directions T:
// two reductions (T^T b for the guess, T^T z for the join's Gram-Schmidt
// step) and two accumulations (x0 = T a + beta u, the guess; q = (u - T h)/s,
// the new direction). Done with PETSc's VecMDot and VecMAXPY that is four
// passes over n vectors; fused, two: the bytes of the directions are what
// a solve's upkeep costs (n x local size x 8 bytes per pass), the other
// vectors stay in cache. Host vectors (seq, mpi) use the loops here, by
// blocks of rows; other vectors (device) take PETSc's Vec operations,
// which keep the data where it lives.
#pragma once

#include <petscvec.h>

#include "compat/petsc_compat.h"

// out[j] = (T_j, x) and, when y is given, out[n + j] = (T_j, y), j < n,
// plus out[2n + k] = (pairs[k].first, pairs[k].second) for the few single
// products the caller needs, all in one global reduction; the directions
// are read once where the vectors are on the host.
struct MLDot {
  Vec a, b;
};
PetscErrorCode MLPassReduce(PetscInt n, const Vec *T, Vec x, Vec y, PetscInt npairs, const MLDot *pairs, PetscScalar *out);

// x = beta u + T a (u may be NULL: beta ignored) and, when q is given,
// q = s (v - T h): one pass over the n directions on the host.
PetscErrorCode MLPassCombine(PetscInt n, const Vec *T, const PetscScalar *a, PetscScalar beta, Vec u, Vec x, const PetscScalar *h, PetscScalar s, Vec v, Vec q);

// Seconds one read of the n directions takes here, now (the median of
// three timed sums over them): the streaming bound a pass is measured against.
PetscErrorCode MLPassStreamSeconds(PetscInt n, const Vec *T, PetscLogDouble *seconds);
