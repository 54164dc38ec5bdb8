#include "memory_cap.hpp"

#include <unistd.h>

PetscInt MLMemoryCap::directions(PetscInt per_direction) const
{
  if (!(vector_mib > 0)) return PETSC_MAX_INT;
  const PetscReal room = mib / vector_mib - (PetscReal)fixed;
  return room < per_direction ? 0 : (PetscInt)PetscMin((PetscReal)PETSC_MAX_INT, PetscFloorReal(room / per_direction));
}

PetscErrorCode MLMemoryCapCreate(Vec like, PetscReal mib, PetscInt fixed, MLMemoryCap *cap)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)like);
  PetscInt local;

  PetscFunctionBegin;
  *cap       = MLMemoryCap{};
  cap->fixed = fixed;
  PetscCall(VecGetLocalSize(like, &local));
  PetscReal v = (PetscReal)local * sizeof(PetscScalar) / 1048576.0;
  PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, &v, 1, MPIU_REAL, MPIU_MAX, comm));
  cap->vector_mib = v;
  if (mib > 0) {
    cap->mib = mib;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  MPI_Comm    node;
  PetscMPIInt ranks;
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &ranks));
  PetscCallMPI(MPI_Comm_free(&node));
  const long      pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  const PetscReal total = pages > 0 && size > 0 ? (PetscReal)pages * (PetscReal)size / 1048576.0 : 8192.0; /* unknown: 8 GiB */
  /* the tightest node's share: every rank holds the same directions */
  cap->mib = total / 8 / ranks;
  PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, &cap->mib, 1, MPIU_REAL, MPIU_MIN, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}
