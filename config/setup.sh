#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine, safe to run again:
#   config/setup.sh run    install what is missing, build, run the main tutorial
#   config/setup.sh test   install what is missing, build, run the whole test suite
#   config/setup.sh build  install what is missing and build only
#   config/setup.sh test-mpich      the suite against PETSc 3.18.5 built with MPICH  (config/platform_petsc.sh;
#   config/setup.sh test-petsc3.22  the suite against PETSc 3.22.5 built with MPICH   the first run builds PETSc)
#   config/setup.sh platforms       both, where their PETSc is cached or MLGMRES_PLATFORMS=1 (CI)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MLGMRES_BUILD_DIR:-$here/build}
jobs=$(nproc 2>/dev/null || echo 2)
what=${1:-build}
case "$what" in
  build|test|run|test-mpich|test-petsc3.22|platforms) ;;
  *) echo "usage: $0 [build|test|run|test-mpich|test-petsc3.22|platforms]" >&2; exit 2 ;;
esac

packages=(build-essential cmake pkg-config petsc-dev libpetsc3.18-dev-examples libtorch-dev
  libgtest-dev openmpi-bin python3-matplotlib python3-petsc4py python3-dolfinx clang libclang-rt-14-dev)

. "$here/config/apt_install.sh"

configure_and_build() {
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$build" -j "$jobs"
}

# Open MPI refuses root unless told; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

install_missing "${packages[@]}"
case "$what" in
  test-mpich) exec "$here/config/platform_petsc.sh" mpich ;;
  test-petsc3.22) exec "$here/config/platform_petsc.sh" petsc3.22 ;;
  # each platform's own PETSc takes minutes to build the first time: CI runs
  # those already cached on the machine, or all with MLGMRES_PLATFORMS=1
  platforms)
    "$here/config/platform_petsc.sh" --if-cached mpich
    exec "$here/config/platform_petsc.sh" --if-cached petsc3.22 ;;
esac
configure_and_build
case "$what" in
  build) ;;
  test) ctest --test-dir "$build" --output-on-failure -j "$jobs" ;;
  run) "$here/tutorials/run_poisson.sh" "$build" ;;
esac
