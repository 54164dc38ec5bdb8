// The directions of the basis of earlier solutions, as the projection
// (projection.hpp) grows them and the compression (compression.hpp)
// shrinks, rotates and repairs them.
#pragma once

#include <petscvec.h>

#include "compat/petsc_compat.h"
#include "memory.hpp"

// Seconds spent in each phase of the basis' upkeep, on this rank (the
// events of events.hpp time the same phases for -log_view).
struct MLBasisCosts {
  PetscLogDouble guess = 0, join = 0, compress = 0, rebuild = 0, op_probe = 0;
  PetscInt       guesses = 0, joins = 0;
};

struct MLBasis {
  PetscInt  capacity = 0;            // directions kept at most (0: no basis)
  PetscInt  count = 0;               // directions in use: Q[0 .. count-1]
  Vec      *Q = NULL, *AQ = NULL;    // the basis and (residual basis only) its products; allocated as used
  PetscBool residual = PETSC_FALSE;  // which kind of basis Q is: A Q orthonormal (residual) or Q A-orthonormal (energy)
  Vec       u = NULL, z = NULL;      // work: the incoming direction and its product
  mlgmres::BasisMemory memory;       // the solutions' coordinates, from which a compression chooses what to keep
  PetscInt  repairs = 0;             // times the basis was made orthonormal again
  PetscInt  changes = 0;             // times the directions changed other than by a join (coordinates taken before are stale)
  MLBasisCosts costs;
};
