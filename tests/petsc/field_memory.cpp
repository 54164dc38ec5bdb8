static char help[] = "The field handed to the network (src/petsc/field_transfer.hpp): gathered from a distributed\n\
DMDA vector of the type -vec_type gives (standard, kokkos, cuda), read and written through the arrays\n\
of MLFieldTransferGetArrays, scattered back. Host values arrive in natural order whether or not the\n\
network reads device memory; device values are handed over in place only when the network reads\n\
that memory, else through the host; PETSc's memory types map to the learner's.\n";

#include <petscdmda.h>

#include "field_transfer.hpp"

namespace {

PetscErrorCode Check(PetscBool ok, const char *what)
{
  PetscFunctionBeginUser;
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_PLIB, "field memory: %s", what);
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Gathers v (its value at natural index k is k + 1), lets a "network" that
// reads device memory when `device_reader` double it, scatters it back into w.
PetscErrorCode RoundTrip(MLFieldTransfer *t, Vec v, Vec w, PetscBool device_reader, PetscInt N, mlgmres::Memory *seen)
{
  MLFieldArrays a;
  PetscMPIInt   rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(MLFieldTransferGather(t, v, 0));
  PetscCall(MLFieldTransferGetArrays(t, [&](mlgmres::Memory m) { return device_reader && m != mlgmres::Memory::Host; }, &a));
  *seen = a.memory;
  if (a.memory == mlgmres::Memory::Host) {
    if (rank == 0)
      for (PetscInt k = 0; k < N; ++k) {
        PetscCall(Check((PetscBool)(a.in[k] == (PetscScalar)(k + 1)), "the gathered field is not in natural order on the learner rank"));
        a.out[k] = 2 * a.in[k];
      }
    PetscCall(MLFieldTransferRestoreArrays(t, &a));
  } else {
    /* device pointers (no CUDA code here to touch them): double through PETSc, which works in place */
    PetscCall(Check(device_reader, "device memory was handed to a network that does not read it"));
    PetscCall(MLFieldTransferRestoreArrays(t, &a));
    PetscCall(VecCopy(t->root[0], t->root[1]));
    PetscCall(VecScale(t->root[1], 2));
  }
  PetscCall(MLFieldTransferScatter(t, 1, w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

int main(int argc, char **argv)
{
  DM              da;
  Vec             v, w, natural;
  MLFieldTransfer t;
  PetscInt        lo, hi, M = 7, Nn = 5;
  VecType         type;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));

  /* PETSc's memory types as the learner names them */
  PetscCall(Check((PetscBool)(MLFieldMemory(PETSC_MEMTYPE_HOST) == mlgmres::Memory::Host), "host memory"));
  PetscCall(Check((PetscBool)(MLFieldMemory(PETSC_MEMTYPE_CUDA) == mlgmres::Memory::Cuda), "CUDA memory"));
  PetscCall(Check((PetscBool)(MLFieldMemory(PETSC_MEMTYPE_NVSHMEM) == mlgmres::Memory::Cuda), "NVSHMEM memory"));
  PetscCall(Check((PetscBool)(MLFieldMemory(PETSC_MEMTYPE_HIP) == mlgmres::Memory::Host), "HIP memory goes through the host"));
  PetscCall(Check((PetscBool)(MLFieldMemory(PETSC_MEMTYPE_SYCL) == mlgmres::Memory::Host), "SYCL memory goes through the host"));

  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, M, Nn, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetFromOptions(da)); /* -vec_type / -dm_vec_type */
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateGlobalVector(da, &v));
  PetscCall(VecDuplicate(v, &w));
  PetscCall(VecGetType(v, &type));
  /* v's value at natural index k is k + 1 */
  PetscCall(DMDACreateNaturalVector(da, &natural));
  PetscCall(VecGetOwnershipRange(natural, &lo, &hi));
  for (PetscInt k = lo; k < hi; ++k) PetscCall(VecSetValue(natural, k, (PetscScalar)(k + 1), INSERT_VALUES));
  PetscCall(VecAssemblyBegin(natural));
  PetscCall(VecAssemblyEnd(natural));
  PetscCall(DMDANaturalToGlobalBegin(da, natural, INSERT_VALUES, v));
  PetscCall(DMDANaturalToGlobalEnd(da, natural, INSERT_VALUES, v));

  PetscCall(MLFieldTransferCreate(da, v, &t));
  for (PetscBool device_reader : {PETSC_FALSE, PETSC_TRUE}) {
    mlgmres::Memory seen = mlgmres::Memory::Host;
    PetscReal       err;

    PetscCall(VecSet(w, 0));
    PetscCall(RoundTrip(&t, v, w, device_reader, M * Nn, &seen));
    PetscCall(VecAXPY(w, -2, v));
    PetscCall(VecNorm(w, NORM_INFINITY, &err));
    PetscCall(Check((PetscBool)(err == 0), "the network's output did not come back to the distributed vector"));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "field memory: vec type %s, network %s device memory: handed over in %s memory\n", type,
                          device_reader ? "reads" : "does not read", seen == mlgmres::Memory::Host ? "host" : "CUDA"));
  }
  PetscCall(MLFieldTransferDestroy(&t));
  PetscCall(VecDestroy(&natural));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&v));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "field memory: all checks passed\n"));
  PetscCall(PetscFinalize());
  return 0;
}
