/*
   KSP "mlgmres": PETSc's own GMRES with the ml guess attached.

   KSPCreate_GMRES is exported by libpetsc but not declared in an installed
   header; calling it keeps every -ksp_gmres_* option, monitor and norm type.
   Only setfromoptions (to read -ksp_mlgmres_*) and destroy (to drop the guess
   this type attached) are wrapped; GMRES's own ops are the same for every
   instance, so they are kept once per process.
*/
#include <petsc/private/kspimpl.h>

#include "guess_ml.hpp"
#include "petscmlgmres.h"

PETSC_EXTERN PetscErrorCode KSPCreate_GMRES(KSP);

namespace {

struct {
  PetscErrorCode (*setfromoptions)(KSP, MLGMRES_OPTION_ITEMS);
  PetscErrorCode (*destroy)(KSP);
} gmres;

// The composed marker tells this KSP's own guess from one a user set.
const char *const kOwnGuess = "KSPMLGMRES_Guess";

PetscErrorCode OwnGuess(KSP ksp, KSPGuess *guess)
{
  PetscObject obj;

  PetscFunctionBegin;
  PetscCall(PetscObjectQuery((PetscObject)ksp, kOwnGuess, &obj));
  *guess = (obj && ksp->guess == (KSPGuess)obj) ? ksp->guess : NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPSetFromOptions_MLGMRES(KSP ksp, MLGMRES_OPTION_ITEMS PetscOptionsObject)
{
  PetscBool isml = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall((*gmres.setfromoptions)(ksp, PetscOptionsObject));
  if (ksp->guess) PetscCall(KSPGuessIsML_Internal(ksp->guess, &isml));
  if (isml) {
    PetscOptionsHeadBegin(PetscOptionsObject, "KSP MLGMRES options (the learned initial guess)");
    PetscCall(KSPGuessMLProcessOptions_Internal(ksp->guess, PetscOptionsObject, "-ksp_mlgmres_"));
    PetscOptionsHeadEnd();
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode KSPDestroy_MLGMRES(KSP ksp)
{
  KSPGuess own;

  PetscFunctionBegin;
  /* when the KSP changes type, the guess this type brought goes with it */
  PetscCall(OwnGuess(ksp, &own));
  if (own) PetscCall(KSPGuessDestroy(&ksp->guess));
  PetscCall(PetscObjectCompose((PetscObject)ksp, kOwnGuess, NULL));
  PetscCall((*gmres.destroy)(ksp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

/*MC
   KSPMLGMRES - GMRES(k) whose initial guess comes from a neural network
   trained online from the application's own solves (Luna, Klymko, Blaschke,
   "Accelerating GMRES with Deep Learning in Real-Time"). The Krylov solve is
   PETSc's GMRES, so the answer meets the tolerance whatever the network says.

   Options: all of `KSPGMRES`, plus -ksp_mlgmres_<name> for the learner (see -help).
   -ksp_guess_type overrides the attached ml guess.

   Level: intermediate

.seealso: `KSPGUESSML`, `KSPGMRES`, `KSPGuess`
M*/
PetscErrorCode KSPCreate_MLGMRES(KSP ksp)
{
  KSPGuess guess;

  PetscFunctionBegin;
  PetscCall(KSPCreate_GMRES(ksp));
  gmres.setfromoptions     = ksp->ops->setfromoptions;
  gmres.destroy            = ksp->ops->destroy;
  ksp->ops->setfromoptions = KSPSetFromOptions_MLGMRES;
  ksp->ops->destroy        = KSPDestroy_MLGMRES;

  PetscCall(KSPGetGuess(ksp, &guess));
  PetscCall(KSPGuessSetType(guess, KSPGUESSML));
  PetscCall(PetscObjectCompose((PetscObject)ksp, kOwnGuess, (PetscObject)guess));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@
   KSPMLGMRESGetGuess - Gets the ml guess of a `KSPMLGMRES` solver, to set the
   learner's parameters with the KSPGuessMLSet...() functions.

   Not Collective

   Input Parameter:
.  ksp - the solver

   Output Parameter:
.  guess - its ml guess, or NULL if the KSP is not `KSPMLGMRES` or its guess is not of type ml

   Level: intermediate

.seealso: `KSPMLGMRES`, `KSPGUESSML`, `KSPGetGuess()`
@*/
PetscErrorCode KSPMLGMRESGetGuess(KSP ksp, KSPGuess *guess)
{
  PetscBool is, isml = PETSC_FALSE;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(ksp, KSP_CLASSID, 1);
  PetscValidPointer(guess, 2);
  *guess = NULL;
  PetscCall(PetscObjectTypeCompare((PetscObject)ksp, KSPMLGMRES, &is));
  if (is && ksp->guess) PetscCall(KSPGuessIsML_Internal(ksp->guess, &isml));
  if (isml) *guess = ksp->guess;
  PetscFunctionReturn(PETSC_SUCCESS);
}
