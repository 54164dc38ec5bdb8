#include "events.hpp"

PetscLogEvent ML_BasisGuess, ML_BasisJoin, ML_BasisCompress, ML_BasisRebuild, ML_BasisOpProbe;

namespace {
PetscBool registered = PETSC_FALSE;

PetscErrorCode Forget(void)
{
  registered = PETSC_FALSE; /* a later PetscInitialize registers them again */
  return PETSC_SUCCESS;
}
} // namespace

PetscErrorCode MLBasisRegisterEvents(void)
{
  PetscClassId classid;

  PetscFunctionBegin;
  if (registered) PetscFunctionReturn(PETSC_SUCCESS);
  registered = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("ML basis", &classid));
  PetscCall(PetscLogEventRegister("MLBasisGuess", classid, &ML_BasisGuess));
  PetscCall(PetscLogEventRegister("MLBasisJoin", classid, &ML_BasisJoin));
  PetscCall(PetscLogEventRegister("MLBasisCompress", classid, &ML_BasisCompress));
  PetscCall(PetscLogEventRegister("MLBasisRebuild", classid, &ML_BasisRebuild));
  PetscCall(PetscLogEventRegister("MLBasisOpProbe", classid, &ML_BasisOpProbe));
  PetscCall(PetscRegisterFinalize(Forget));
  PetscFunctionReturn(PETSC_SUCCESS);
}
