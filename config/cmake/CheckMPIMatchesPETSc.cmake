# Refuses, at configure time, an MPI whose mpi.h is not the one PETSc was built
# with (Open MPI's found for an MPICH PETSc, or another MPICH version): PETSc's
# own headers stop such a build only later, one compile error per file, and a
# plugin linked to two MPI libraries crashes at run time. FindPETSc.cmake points
# FindMPI at PETSc's compilers; this catches an MPI_C_COMPILER given otherwise.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_INCLUDES ${MPI_C_INCLUDE_DIRS} ${PETSC_INCLUDE_DIRS})
set(CMAKE_REQUIRED_FLAGS "${PETSC_CFLAGS_OTHER}")
set(CMAKE_REQUIRED_QUIET ON)
unset(MLGMRES_MPI_MATCHES_PETSC CACHE)  # checked again on every configure: the compilers may change
check_c_source_compiles("#include <petscsys.h>\nint main(void) { return 0; }" MLGMRES_MPI_MATCHES_PETSC)
unset(CMAKE_REQUIRED_INCLUDES)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_QUIET)
if(NOT MLGMRES_MPI_MATCHES_PETSC)
  message(FATAL_ERROR "The MPI found (mpi.h in ${MPI_C_INCLUDE_DIRS}, from ${MPI_C_COMPILER}) is not "
    "the MPI PETSc at ${PETSC_PREFIX} was built with (PETSc's C compiler: ${PETSC_C_COMPILER}). "
    "Give CMake PETSc's MPI compilers (-DMPI_C_COMPILER=... -DMPI_CXX_COMPILER=...) or the PETSc built "
    "with this MPI (-DPETSC_DIR=...).")
endif()
