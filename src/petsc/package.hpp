// Package-wide registration state: log events of the learner's phases.
#pragma once

#include <petscsys.h>

extern PetscLogEvent MLGMRES_Setup;      // building the learner and field transfer
extern PetscLogEvent MLGMRES_Inference;  // the network only: gather b, forward pass, scatter, A w (the basis has its own events: basis/events.hpp)
extern PetscLogEvent MLGMRES_Collect;    // metrics screening, gather of (b, x), storing
extern PetscLogEvent MLGMRES_Train;      // replay training
