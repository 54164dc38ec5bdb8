/* Entry point PETSc calls when the library is loaded with -dll_append: the
   name is PetscDLLibraryRegister_ + the file name without lib and .so. */
#include <petscmlgmres.h>

PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_mlgmres(void)
{
  PetscFunctionBegin;
  PetscCall(MLGMRESInitializePackage());
  PetscFunctionReturn(0);
}
