// How the ml guess turns the network's output w into x0: the best
// combination of w and of the last converged solutions of the same operator.
//
// The network places the solution's shape near the sources; what it leaves
// is mostly smooth and spread out, which the span of earlier solutions
// represents well and GMRES removes slowly. Measured on the moving-charge
// sequence (README): the projection lowers the iterations left after the
// network's guess further than either does alone.
#pragma once

#include <petscmat.h>

#include <vector>

#include "compat.h"
#include "options.hpp"

struct MLProjection {
  PetscInt  capacity = 0;         // solutions kept (0: w alone)
  PetscInt  count = 0, next = 0;  // slots in use; the slot the next solution overwrites
  PetscInt  pending = 0;          // newest solutions not yet multiplied by A (done at the next guess)
  Vec      *X = NULL, *AX = NULL; // solutions scaled so that ||A X_i|| = 1, and their products
  PetscBool residual = PETSC_FALSE; // which Gram matrix is kept: (A X_i, A X_j), else (X_i, A X_j)
  /* capacity x capacity, column-major: gram[i + capacity j] = (T_i, A X_j), T = AX or X */
  std::vector<PetscReal> gram;
  Vec                    work = NULL; // b - A x0, for the optional residual ratio
};

// Room for `capacity` solutions of vectors like `like` (2 capacity + 1 vectors).
PetscErrorCode MLProjectionCreate(Vec like, PetscInt capacity, MLProjection *p);
PetscErrorCode MLProjectionDestroy(MLProjection *p);
// Forgets the solutions: their products are stale once the operator changes.
void MLProjectionReset(MLProjection *p);
// Keeps a copy of the converged solution x, evicting the oldest. Nothing else
// until a guess needs it: a learner that is not guessing yet (e.g. a training
// postponed for its time budget) pays one VecCopy per solve.
PetscErrorCode MLProjectionAdd(MLProjection *p, Vec x);

// x0 = c_w w + sum_i c_i X_i with Y = [X, w] and, for `scaling`
//   energy:   Galerkin, (Y_i, A Y c) = (Y_i, b) (the least A-norm error in the
//             span for SPD A),
//   residual: least squares, min ||b - A Y c|| (never above ||b||),
//   none:     x0 = w, no solutions used.
// Aw = A w is given; A multiplies the solutions kept since the last call
// (one MatMult each; all of them again when `scaling` switches between
// energy and residual). One reduction. If ratio is not NULL, *ratio =
// ||b - A x0|| / ||b|| (one more reduction, no MatMult). When the combination
// does not improve on the zero guess in its own norm, or is not finite, *why
// says so and x is left alone.
PetscErrorCode MLProjectionApply(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec w, Vec Aw, Vec x, PetscReal *ratio, const char **why);
