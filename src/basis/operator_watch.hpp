// What the basis needs to know about its operator, watched at little cost:
// whether it is symmetric (the energy basis needs that; checked once), and
// after PETSc reported a change (a time-stepper or Newton loop reassembles
// it every step, with the same values or new ones) whether its values
// really changed: one MatMult of a fixed random vector, compared with its
// product under the operator the basis was built with. The latest `carry`
// solutions are kept as they were, to rebuild the basis when they did.
#pragma once

#include <petscmat.h>

#include "basis.hpp"
#include "compat/petsc_compat.h"

struct MLOperatorWatch {
  PetscInt    energy_ok = -1;          // whether the operator allows the energy basis: -1 not checked yet, 0 no, 1 yes
  const char *why_residual = NULL;     // why an energy request is served with the residual basis
  PetscBool   stale = PETSC_FALSE;     // PETSc reported an operator change not yet examined
  Vec         probe = NULL, Aprobe = NULL; // a fixed random vector and its product under the basis' operator
  PetscBool   probed = PETSC_FALSE;    // whether Aprobe holds that product
  Vec        *recent = NULL;           // the last `carry` solutions, a ring (oldest at `next` once full)
  PetscInt    carry = 0, carried = 0, next = 0;
  PetscInt    same_values = 0, rebuilds = 0; // operator changes found to keep the values / to change them
};

PetscErrorCode MLWatchCreate(PetscInt carry, MLOperatorWatch *w);
PetscErrorCode MLWatchDestroy(MLOperatorWatch *w);
// Forgets the operator and the carried solutions.
void MLWatchReset(MLOperatorWatch *w);
// Vectors it holds now.
PetscInt MLWatchVectors(const MLOperatorWatch *w);

// Once per operator (energy_ok): the matrix's symmetry flag when it has one,
// else (u, A v) against (v, A u) for random u, v (u, z: work vectors).
PetscErrorCode MLWatchCheckSymmetric(MLOperatorWatch *w, Mat A, Vec u, Vec z);
// After a reported change (stale): whether A's values differ from those
// Aprobe was taken under (*changed), to rounding; Aprobe is retaken. *work
// (swapped with Aprobe) and z are work vectors; the time goes to costs.
PetscErrorCode MLWatchValuesChanged(MLOperatorWatch *w, MLBasisCosts *costs, Mat A, Vec *work, Vec z, PetscBool *changed);
// Keeps x among the carried solutions and, the first time, takes the probe.
PetscErrorCode MLWatchCarry(MLOperatorWatch *w, Mat A, Vec x);
// The i-th carried solution, oldest first (i < carried).
Vec MLWatchCarried(const MLOperatorWatch *w, PetscInt i);
