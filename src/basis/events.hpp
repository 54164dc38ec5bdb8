// PETSc log events of the basis' phases, so that -log_view shows what the
// basis costs. Compressions, rebuilds and operator probes run inside guesses
// and joins: the upkeep is MLBasisGuess + MLBasisJoin.
#pragma once

#include <petsclog.h>

#include "compat/petsc_compat.h"

extern PetscLogEvent ML_BasisGuess;   // a guess from the basis (the last solution's join, when fused into it)
extern PetscLogEvent ML_BasisJoin;    // a converged solution joins the basis (or waits for the next guess)
extern PetscLogEvent ML_BasisCompress;// a full basis compressed, rotated, repaired; a spread compression's steps
extern PetscLogEvent ML_BasisRebuild; // the basis rebuilt under an operator whose values changed
extern PetscLogEvent ML_BasisOpProbe; // whether a reassembled operator's values changed (one MatMult)

// Registers them, once (later calls do nothing).
PetscErrorCode MLBasisRegisterEvents(void);
