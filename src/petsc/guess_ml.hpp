// Internal interface of the ml KSPGuess for the mlgmres KSP type.
#pragma once

#include <petscksp.h>

#include "compat/petsc_compat.h"

// Whether `guess` is of type ml.
PetscErrorCode KSPGuessIsML_Internal(KSPGuess guess, PetscBool *isml);
// Reads the learner's options under `base` into an ml guess, inside an open
// options block (used by -ksp_mlgmres_* within KSPSetFromOptions).
PetscErrorCode KSPGuessMLProcessOptions_Internal(KSPGuess guess, MLGMRES_OPTION_ITEMS PetscOptionsObject, const char *base);
