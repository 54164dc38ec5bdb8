# Finds PETSc through its pkg-config file and provides PETSc::PETSc.
# Honours PETSC_DIR and PETSC_ARCH (CMake or environment variables) the way
# PETSc's own makefiles do; otherwise the system pkg-config search path
# (Debian's petsc-dev) is used. Also reads PETSc's configuration for the
# mpiexec it was built with (PETSC_MPIEXEC) and its examples (PETSC_EXAMPLES_DIR).
find_package(PkgConfig REQUIRED)

foreach(var PETSC_DIR PETSC_ARCH)
  if(NOT ${var} AND DEFINED ENV{${var}})
    set(${var} "$ENV{${var}}")
  endif()
endforeach()
if(PETSC_DIR)
  set(_petsc_pc "${PETSC_DIR}/${PETSC_ARCH}/lib/pkgconfig")
  if(NOT EXISTS "${_petsc_pc}")
    set(_petsc_pc "${PETSC_DIR}/lib/pkgconfig")
  endif()
  set(ENV{PKG_CONFIG_PATH} "${_petsc_pc}:$ENV{PKG_CONFIG_PATH}")
endif()

# pkg_check_modules caches what it found: a build directory configured again
# with another PETSC_DIR must look again.
if(NOT "${PETSC_DIR}/${PETSC_ARCH}" STREQUAL "${MLGMRES_PETSC_SEARCHED}")
  unset(__pkg_config_checked_PETSC CACHE)
  set(MLGMRES_PETSC_SEARCHED "${PETSC_DIR}/${PETSC_ARCH}" CACHE INTERNAL "PETSC_DIR/PETSC_ARCH of the last search")
endif()
pkg_check_modules(PETSC QUIET IMPORTED_TARGET GLOBAL PETSc)
if(PETSC_FOUND)
  pkg_get_variable(PETSC_PREFIX PETSc prefix)
  set(_petsc_vars "${PETSC_PREFIX}/lib/petsc/conf/petscvariables")
  if(EXISTS "${_petsc_vars}")
    file(STRINGS "${_petsc_vars}" _mpiexec REGEX "^MPIEXEC = ")
    string(REGEX REPLACE "^MPIEXEC = " "" PETSC_MPIEXEC "${_mpiexec}")
    file(STRINGS "${_petsc_vars}" _cxx REGEX "^CXX = ")
    string(REGEX REPLACE "^CXX = " "" PETSC_CXX_COMPILER "${_cxx}")
    file(STRINGS "${_petsc_vars}" _cc REGEX "^PCC = ")
    string(REGEX REPLACE "^PCC = " "" PETSC_C_COMPILER "${_cc}")
  endif()
  set(PETSC_EXAMPLES_DIR "${PETSC_PREFIX}/share/petsc/examples/src")
  # The tests and the benchmarks' drivers launch ranks with PETSc's own mpiexec
  # (MPICH's is not Open MPI's; the flags differ too).
  set(MLGMRES_PETSC_PREFIX "${PETSC_PREFIX}" CACHE INTERNAL "the PETSc this build uses (read by tutorials/*.py)")
  if(PETSC_MPIEXEC)
    separate_arguments(PETSC_MPIEXEC_COMMAND UNIX_COMMAND "${PETSC_MPIEXEC}")
    list(GET PETSC_MPIEXEC_COMMAND 0 _petsc_mpiexec)
    if(NOT MPIEXEC_EXECUTABLE)
      find_program(MPIEXEC_EXECUTABLE NAMES ${_petsc_mpiexec})
    endif()
  endif()
  # Let FindMPI pick the MPI PETSc was built with.
  if(PETSC_C_COMPILER AND NOT MPI_C_COMPILER)
    find_program(MPI_C_COMPILER NAMES ${PETSC_C_COMPILER})
  endif()
  if(PETSC_CXX_COMPILER AND NOT MPI_CXX_COMPILER)
    find_program(MPI_CXX_COMPILER NAMES ${PETSC_CXX_COMPILER})
  endif()
  if(NOT TARGET PETSc::PETSc)
    add_library(PETSc::PETSc ALIAS PkgConfig::PETSC)
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(PETSc REQUIRED_VARS PETSC_PREFIX VERSION_VAR PETSC_VERSION)
