// Version 1 of the parallel model: one learner rank (rank 0 of the KSP's
// communicator) runs all C++ learner code. This helper runs a step there and
// broadcasts its outcome, so every rank returns the same value or raises the
// same PETSc error: a C++ exception never crosses into C and never hangs the
// other ranks.
#pragma once

#include <petscsys.h>

#include <cstring>
#include <exception>

#include "compat.h"

// `Result` must be trivially copyable: it travels as bytes.
template <class Result>
struct MLStepOutcome {
  int    failed;  // 1 when the learner rank threw
  Result value;   // the step's result, identical on all ranks afterwards
  char   message[480];
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
    } catch (const std::exception &e) {
      out.failed = 1;
      std::strncpy(out.message, e.what(), sizeof(out.message) - 1);
    } catch (...) {
      out.failed = 1;
      std::strncpy(out.message, "unknown C++ exception", sizeof(out.message) - 1);
    }
  }
  PetscCallMPI(MPI_Bcast(&out, (PetscMPIInt)sizeof(out), MPI_BYTE, 0, comm));
  PetscCheck(!out.failed, comm, PETSC_ERR_LIB, "mlgmres learner (rank 0): %s", out.message);
  if (value) *value = out.value;
  PetscFunctionReturn(PETSC_SUCCESS);
}
