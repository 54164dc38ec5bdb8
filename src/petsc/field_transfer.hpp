// Moves a field between a distributed PETSc Vec and the learner rank: gathered
// whole to rank 0 in natural ordering (DMDA natural order when the KSP has a
// matching DMDA, global order otherwise) and scattered back.
#pragma once

#include <petscdm.h>
#include <petscvec.h>

#include "compat.h"
#include "mlgmres/geometry.hpp"

struct MLFieldTransfer {
  mlgmres::Geometry geometry;        // dim 0 when no matching DMDA
  DM                da      = NULL;  // referenced DMDA, or NULL
  Vec               natural = NULL;  // DMDA natural-order work vector
  Vec               root[2] = {NULL, NULL}; // whole field on rank 0, empty elsewhere
  VecScatter        toroot  = NULL;
};

// Builds the transfer for vectors like `like`; `dm` may be NULL or any DM:
// only a DMDA whose global vector matches `like` gives a structured geometry.
PetscErrorCode MLFieldTransferCreate(DM dm, Vec like, MLFieldTransfer *t);
PetscErrorCode MLFieldTransferDestroy(MLFieldTransfer *t);
// v -> root[slot] (rank 0 then holds the whole field, natural order).
PetscErrorCode MLFieldTransferGather(MLFieldTransfer *t, Vec v, int slot);
// root[slot] -> v.
PetscErrorCode MLFieldTransferScatter(MLFieldTransfer *t, int slot, Vec v);
// Human-readable description for views and -info.
void MLFieldTransferDescribe(const MLFieldTransfer *t, char *buf, size_t len);
