// The one memory cap of the basis of earlier solutions, per rank: its
// directions, their products (residual basis), the carried solutions and its
// work vectors. The directions it holds are the smallest of `subspace`, this
// cap and the cost limit (the governor's); a cap below one direction leaves
// the basis off, never an error. By default (0 MiB) an eighth of the node's
// memory, shared by the node's ranks, so that the default never stops a run.
#pragma once

#include <petscvec.h>

#include "compat/petsc_compat.h"

struct MLMemoryCap {
  PetscReal mib        = 0; // the cap, per rank
  PetscReal vector_mib = 0; // one vector, on the rank that holds most of it
  PetscInt  fixed      = 0; // vectors held whatever the directions

  // Directions of `per_direction` vectors each (1; 2 for the residual basis)
  // the cap leaves room for (0: none).
  PetscInt directions(PetscInt per_direction) const;
};

// The cap of `mib` MiB (0: the default) for vectors like `like`, `fixed` of
// them held whatever the directions. Collective: every rank gets the same.
PetscErrorCode MLMemoryCapCreate(Vec like, PetscReal mib, PetscInt fixed, MLMemoryCap *cap);
