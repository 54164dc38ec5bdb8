// Version 1 of the parallel model: one learner rank (rank 0 of the KSP's
// communicator) runs all C++ learner code. This helper runs a step there and
// broadcasts its outcome, so every rank returns the same value or raises the
// same PETSc error: a C++ exception never crosses into C and never hangs the
// other ranks.
#pragma once

#include <petscsys.h>

#include <cstring>
#include <exception>

#include "compat/petsc_compat.h"
#include "mlgmres/checkpoint.hpp"

// The PETSc error code for a checkpoint problem of each kind.
inline PetscErrorCode MLCheckpointErrorCode(mlgmres::CheckpointError::Kind k)
{
  using Kind = mlgmres::CheckpointError::Kind;
  switch (k) {
  case Kind::Missing:
    return PETSC_ERR_FILE_OPEN;
  case Kind::Write:
    return PETSC_ERR_FILE_WRITE;
  case Kind::Truncated:
  case Kind::Corrupted:
  case Kind::Version:
    return PETSC_ERR_FILE_UNEXPECTED;
  case Kind::Mismatch:
    return PETSC_ERR_ARG_INCOMP;
  }
  return PETSC_ERR_LIB;
}

// `Result` must be trivially copyable: it travels as bytes.
template <class Result>
struct MLStepOutcome {
  int    failed;  // the PETSc error code when the learner rank threw, else 0
  Result value;   // the step's result, identical on all ranks afterwards
  char   message[1024];
};

template <class Result, class Step>
PetscErrorCode MLRunOnLearnerRank(MPI_Comm comm, Result *value, Step &&step)
{
  MLStepOutcome<Result> out{};
  PetscMPIInt           rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    try {
      out.value = step();
    } catch (const mlgmres::CheckpointError &e) {
      out.failed = (int)MLCheckpointErrorCode(e.kind());
      std::strncpy(out.message, e.what(), sizeof(out.message) - 1);
    } catch (const std::exception &e) {
      out.failed = PETSC_ERR_LIB;
      std::strncpy(out.message, e.what(), sizeof(out.message) - 1);
    } catch (...) {
      out.failed = PETSC_ERR_LIB;
      std::strncpy(out.message, "unknown C++ exception", sizeof(out.message) - 1);
    }
  }
  PetscCallMPI(MPI_Bcast(&out, (PetscMPIInt)sizeof(out), MPI_BYTE, 0, comm));
  PetscCheck(!out.failed, comm, (PetscErrorCode)out.failed, "mlgmres learner (rank 0): %s", out.message);
  if (value) *value = out.value;
  PetscFunctionReturn(PETSC_SUCCESS);
}
