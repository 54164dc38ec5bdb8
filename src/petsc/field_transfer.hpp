// Moves a field between a distributed PETSc Vec and the learner rank: gathered
// whole to rank 0 in natural ordering (DMDA natural order when the KSP has a
// matching DMDA, global order otherwise) and scattered back.
#pragma once

#include <petscdm.h>
#include <petscvec.h>

#include <functional>

#include "compat/petsc_compat.h"
#include "mlgmres/geometry.hpp"
#include "mlgmres/model.hpp"

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

// The learner rank's gathered field handed to the network, read from root[0]
// and written into root[1]: where the root vectors hold their values (a CUDA
// or Kokkos-on-CUDA vector's device array) when the network reads that memory,
// else in host memory (PETSc then copies device values to the host and back).
struct MLFieldArrays {
  const PetscScalar *in     = NULL;
  PetscScalar       *out    = NULL;
  mlgmres::Memory    memory = mlgmres::Memory::Host;
  PetscBool          native = PETSC_FALSE;  // arrays taken in the vectors' own memory type
};
// The learner's name for a PETSc memory type: Cuda for CUDA (NVSHMEM, Kokkos
// on CUDA); Host for host memory and for devices LibTorch is not used on here
// (HIP, SYCL), whose values are copied to the host.
mlgmres::Memory MLFieldMemory(PetscMemType type);
// `reads(memory)`: whether the network takes data in that memory as it is.
PetscErrorCode MLFieldTransferGetArrays(MLFieldTransfer *t, const std::function<bool(mlgmres::Memory)> &reads, MLFieldArrays *a);
PetscErrorCode MLFieldTransferRestoreArrays(MLFieldTransfer *t, MLFieldArrays *a);

// Human-readable description for views and -info.
void MLFieldTransferDescribe(const MLFieldTransfer *t, char *buf, size_t len);
