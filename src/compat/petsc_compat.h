/* The few PETSc spellings that changed between 3.18 (Debian 12) and newer
   releases, kept in one place. */
#pragma once

#include <petscversion.h>

#if PETSC_VERSION_LT(3, 19, 0)
  /* From 3.19 PetscErrorCode is an enum and PETSC_SUCCESS its zero. */
  #define PETSC_SUCCESS ((PetscErrorCode)0)
#endif

#if PETSC_VERSION_LT(3, 23, 0)
  /* KSP setfromoptions takes a pointer to the option items up to 3.22
     (3.23 made PetscOptionItems itself a pointer type). */
  #define MLGMRES_OPTION_ITEMS PetscOptionItems *
#else
  #define MLGMRES_OPTION_ITEMS PetscOptionItems
#endif

#if defined(PETSC_USE_COMPLEX) || !defined(PETSC_USE_REAL_DOUBLE)
  #error "libmlgmres needs a real, double-precision PETSc build"
#endif
