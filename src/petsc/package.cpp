/* Package registration: the KSP and KSPGuess types and the log events. No
   LibTorch work happens here: it runs inside PetscInitialize(). */
#include "package.hpp"

#include "basis/events.hpp"
#include "compat/petsc_compat.h"
#include "petscmlgmres.h"

PetscLogEvent MLGMRES_Setup, MLGMRES_Inference, MLGMRES_Collect, MLGMRES_Train;

static PetscBool MLGMRESPackageInitialized = PETSC_FALSE;

/*@C
   MLGMRESFinalizePackage - Called from PetscFinalize(); lets the package be
   initialized again after a new PetscInitialize().

   Level: developer
@*/
PetscErrorCode MLGMRESFinalizePackage(void)
{
  PetscFunctionBegin;
  MLGMRESPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
   MLGMRESInitializePackage - Registers `KSPMLGMRES`, `KSPGUESSML` and the
   package's log events. Idempotent; called automatically when the library is
   loaded with -dll_append, and by applications that link it.

   Level: beginner

.seealso: `KSPMLGMRES`, `KSPGUESSML`
@*/
PetscErrorCode MLGMRESInitializePackage(void)
{
  PetscClassId classid;

  PetscFunctionBegin;
  if (MLGMRESPackageInitialized) PetscFunctionReturn(PETSC_SUCCESS);
  MLGMRESPackageInitialized = PETSC_TRUE;
  PetscCall(KSPInitializePackage());
  PetscCall(KSPRegister(KSPMLGMRES, KSPCreate_MLGMRES));
  PetscCall(KSPGuessRegister(KSPGUESSML, KSPGuessCreate_ML));
  PetscCall(PetscClassIdRegister("MLGMRES learner", &classid));
  PetscCall(PetscLogEventRegister("MLGuessSetUp", classid, &MLGMRES_Setup));
  PetscCall(PetscLogEventRegister("MLGuessInfer", classid, &MLGMRES_Inference));
  PetscCall(PetscLogEventRegister("MLGuessCollect", classid, &MLGMRES_Collect));
  PetscCall(PetscLogEventRegister("MLGuessTrain", classid, &MLGMRES_Train));
  PetscCall(MLBasisRegisterEvents());
  PetscCall(PetscRegisterFinalize(MLGMRESFinalizePackage));
  PetscFunctionReturn(PETSC_SUCCESS);
}
