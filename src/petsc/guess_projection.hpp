// How the ml guess forms x0: the best combination of the network's output w
// and of a basis spanned by earlier converged solutions of the same operator.
//
// The network places the solution's shape near the sources; what it leaves
// is mostly smooth and spread out, which the span of earlier solutions
// represents well and GMRES removes slowly. Measured on the moving-charge
// sequence (README): the projection lowers the iterations left after the
// network's guess further than either does alone, and the span alone (before
// the network is trained) already removes most of them once it holds a few
// hundred solutions.
//
// The basis is kept orthonormal, so a guess costs two passes over it (one
// reduction, one VecMAXPY) and no dense solve, whatever its size:
//   energy   (Galerkin; symmetric operators): (Q_i, A Q_j) = delta_ij, and
//            x0 = Q Q^T b is the least A-norm error in the span for SPD A;
//   residual (least squares; any operator): A Q orthonormal, x0 = Q (AQ)^T b
//            minimizes ||b - A x0|| (never above ||b||).
// An operator found not symmetric (or an energy norm found not positive) is
// served with the residual basis instead.
//
// A full basis is compressed to half its directions: the ones the solutions
// used most, with a memory length that forecast the latest solutions best
// (basis_memory.hpp). One rotation of the basis (a dense product) per
// `capacity/2` solves.
#pragma once

#include <petscmat.h>

#include "basis_memory.hpp"
#include "compat.h"
#include "options.hpp"

struct MLProjection {
  PetscInt  capacity = 0;            // basis directions kept at most (0: w alone)
  PetscInt  count = 0;               // directions in use: Q[0 .. count-1]
  Vec      *Q = NULL, *AQ = NULL;    // the basis and (residual basis only) its products; allocated as used
  PetscBool residual = PETSC_FALSE;  // which kind of basis Q is
  PetscInt  energy_ok = -1;          // whether the operator allows the energy basis: -1 not checked yet, 0 no, 1 yes
  const char *why_residual = NULL;   // why an energy request is served with the residual basis
  PetscInt  skipped = 0;             // solutions already in the span (nothing new to keep)
  Vec       u = NULL, z = NULL;      // work: the incoming direction and its product
  mlgmres::BasisMemory memory;       // what a compression keeps
};

// Room for `capacity` directions of vectors like `like`; memory is taken as
// directions arrive (capacity vectors, twice that for the residual basis).
PetscErrorCode MLProjectionCreate(Vec like, PetscInt capacity, MLProjection *p);
PetscErrorCode MLProjectionDestroy(MLProjection *p);
// Forgets the basis: it is tied to the operator's values.
void MLProjectionReset(MLProjection *p);
// Adds what the converged solution x has outside the span (two passes of
// Gram-Schmidt; one or two MatMults), unless it is already in it; a full
// basis is compressed first. The operator's null space (MatGetNullSpace) is
// removed from x.
PetscErrorCode MLProjectionAdd(MLProjection *p, Mat A, MLScaling scaling, Vec x);

// x0 = Q k + alpha w, the combination of the basis and w (NULL: the basis
// alone) that is best for `scaling` (energy: Galerkin, residual: least
// squares, none: x0 = w). Aw = A w when w is given. One reduction; the
// operator's null space is removed from x0. If ratio is
// not NULL, *ratio = ||b - A x0|| / ||b|| (one more MatMult and reduction).
// When there is nothing to combine with or the result is not finite, *why
// says so and x is left alone.
PetscErrorCode MLProjectionApply(MLProjection *p, Mat A, MLScaling scaling, Vec b, Vec w, Vec Aw, Vec x, PetscReal *ratio, const char **why);

// The basis kind `scaling` gets on this operator (after the first Add or Apply).
PetscBool MLProjectionUsesResidual(const MLProjection *p, MLScaling scaling);
