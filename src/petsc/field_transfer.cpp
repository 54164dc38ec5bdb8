#include "field_transfer.hpp"

#include <petscdmda.h>

#include <cstdio>

static PetscErrorCode MatchingDMDA(DM dm, Vec like, PetscBool *match)
{
  PetscInt  N, dim, M, Nn, P, dof;
  PetscBool isda;

  PetscFunctionBegin;
  *match = PETSC_FALSE;
  if (!dm) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMDA, &isda));
  if (!isda) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecGetSize(like, &N));
  PetscCall(DMDAGetInfo(dm, &dim, &M, &Nn, &P, NULL, NULL, NULL, &dof, NULL, NULL, NULL, NULL, NULL));
  *match = (PetscBool)(N == M * Nn * P * dof);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLFieldTransferCreate(DM dm, Vec like, MLFieldTransfer *t)
{
  PetscBool structured;
  PetscInt  N;

  PetscFunctionBegin;
  PetscCall(MLFieldTransferDestroy(t));
  PetscCall(MatchingDMDA(dm, like, &structured));
  PetscCall(VecGetSize(like, &N));
  if (structured) {
    PetscInt dim, M, Nn, P, dof;

    PetscCall(DMDAGetInfo(dm, &dim, &M, &Nn, &P, NULL, NULL, NULL, &dof, NULL, NULL, NULL, NULL, NULL));
    t->geometry.dim = (int)dim;
    t->geometry.dof = (int)dof;
    t->geometry.n   = {{M, dim > 1 ? Nn : 1, dim > 2 ? P : 1}};
    t->da           = dm;
    PetscCall(PetscObjectReference((PetscObject)dm));
    PetscCall(DMDACreateNaturalVector(dm, &t->natural));
    PetscCall(VecScatterCreateToZero(t->natural, &t->toroot, &t->root[0]));
  } else {
    t->geometry = mlgmres::Geometry::unstructured(N);
    PetscCall(VecScatterCreateToZero(like, &t->toroot, &t->root[0]));
  }
  PetscCall(VecDuplicate(t->root[0], &t->root[1]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLFieldTransferDestroy(MLFieldTransfer *t)
{
  PetscFunctionBegin;
  PetscCall(VecScatterDestroy(&t->toroot));
  PetscCall(VecDestroy(&t->root[0]));
  PetscCall(VecDestroy(&t->root[1]));
  PetscCall(VecDestroy(&t->natural));
  PetscCall(DMDestroy(&t->da));
  t->geometry = mlgmres::Geometry();
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLFieldTransferGather(MLFieldTransfer *t, Vec v, int slot)
{
  Vec src = v;

  PetscFunctionBegin;
  if (t->da) {
    PetscCall(DMDAGlobalToNaturalBegin(t->da, v, INSERT_VALUES, t->natural));
    PetscCall(DMDAGlobalToNaturalEnd(t->da, v, INSERT_VALUES, t->natural));
    src = t->natural;
  }
  PetscCall(VecScatterBegin(t->toroot, src, t->root[slot], INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(t->toroot, src, t->root[slot], INSERT_VALUES, SCATTER_FORWARD));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLFieldTransferScatter(MLFieldTransfer *t, int slot, Vec v)
{
  Vec dst = t->da ? t->natural : v;

  PetscFunctionBegin;
  PetscCall(VecScatterBegin(t->toroot, t->root[slot], dst, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(t->toroot, t->root[slot], dst, INSERT_VALUES, SCATTER_REVERSE));
  if (t->da) {
    PetscCall(DMDANaturalToGlobalBegin(t->da, t->natural, INSERT_VALUES, v));
    PetscCall(DMDANaturalToGlobalEnd(t->da, t->natural, INSERT_VALUES, v));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

mlgmres::Memory MLFieldMemory(PetscMemType type)
{
  return (type == PETSC_MEMTYPE_CUDA || type == PETSC_MEMTYPE_NVSHMEM) ? mlgmres::Memory::Cuda : mlgmres::Memory::Host;
}

PetscErrorCode MLFieldTransferGetArrays(MLFieldTransfer *t, const std::function<bool(mlgmres::Memory)> &reads, MLFieldArrays *a)
{
  PetscMemType in_type, out_type;

  PetscFunctionBegin;
  *a = MLFieldArrays();
  PetscCall(VecGetArrayReadAndMemType(t->root[0], &a->in, &in_type));
  const mlgmres::Memory memory = MLFieldMemory(in_type);
  if (PetscMemTypeHost(in_type) || (memory != mlgmres::Memory::Host && reads(memory))) {
    PetscCall(VecGetArrayWriteAndMemType(t->root[1], &a->out, &out_type));
    /* root[1] duplicates root[0]: a write array in another memory would be a PETSc we do not know */
    PetscCheck(MLFieldMemory(out_type) == memory && PetscMemTypeHost(out_type) == PetscMemTypeHost(in_type), PETSC_COMM_SELF, PETSC_ERR_PLIB, "The network's input and output fields are in different memory types (%d, %d)", (int)in_type, (int)out_type);
    a->memory = memory;
    a->native = PETSC_TRUE;
  } else {
    /* device values the network does not read where they are: through the host */
    PetscCall(VecRestoreArrayReadAndMemType(t->root[0], &a->in));
    PetscCall(VecGetArrayRead(t->root[0], &a->in));
    PetscCall(VecGetArrayWrite(t->root[1], &a->out));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode MLFieldTransferRestoreArrays(MLFieldTransfer *t, MLFieldArrays *a)
{
  PetscFunctionBegin;
  if (a->native) {
    PetscCall(VecRestoreArrayWriteAndMemType(t->root[1], &a->out));
    PetscCall(VecRestoreArrayReadAndMemType(t->root[0], &a->in));
  } else {
    PetscCall(VecRestoreArrayWrite(t->root[1], &a->out));
    PetscCall(VecRestoreArrayRead(t->root[0], &a->in));
  }
  *a = MLFieldArrays();
  PetscFunctionReturn(PETSC_SUCCESS);
}

void MLFieldTransferDescribe(const MLFieldTransfer *t, char *buf, size_t len)
{
  const mlgmres::Geometry &g = t->geometry;
  if (!g.structured()) {
    std::snprintf(buf, len, "%lld unknowns, no DMDA geometry (global ordering)", (long long)g.size());
  } else if (g.dim == 1) {
    std::snprintf(buf, len, "1-D DMDA %lld, dof %d (natural ordering)", (long long)g.n[0], g.dof);
  } else if (g.dim == 2) {
    std::snprintf(buf, len, "2-D DMDA %lld x %lld, dof %d (natural ordering)", (long long)g.n[0], (long long)g.n[1], g.dof);
  } else {
    std::snprintf(buf, len, "3-D DMDA %lld x %lld x %lld, dof %d (natural ordering)", (long long)g.n[0], (long long)g.n[1], (long long)g.n[2], g.dof);
  }
}
