#!/usr/bin/env bash
# Builds a PETSc the plugin is tested against besides Debian's (3.18, Open MPI)
# one, once, into a cache outside the tree, from the upstream tarballs Debian's
# archive serves (the only sources this machine can reach), then builds the
# plugin against it and runs the suite with that PETSc's mpiexec:
#   config/platform_petsc.sh mpich       PETSc 3.18.5 (bookworm's source) + MPICH 4.0
#   config/platform_petsc.sh petsc3.22   PETSc 3.22.5 (trixie's source) + MPICH 4.0
# Kokkos is not among them: PETSc's Kokkos vectors need Kokkos >= 3.7 and
# Kokkos-Kernels, and no source of either is served (README, platforms).
# The cache is $MLGMRES_CACHE (default ~/.cache/mlgmres); a finished PETSc has a
# stamp file there and is reused. With --if-cached first, a platform whose
# PETSc is not cached is skipped (CI: the first build takes minutes) unless
# MLGMRES_PLATFORMS=1. Extra arguments go to ctest. Called by
# config/setup.sh test-mpich|test-petsc3.22|platforms.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if_cached=0
[ "${1:-}" = --if-cached ] && { if_cached=1; shift; }
flavour=${1:?usage: $0 [--if-cached] mpich|petsc3.22 [ctest arguments]}
shift
cache=${MLGMRES_CACHE:-$HOME/.cache/mlgmres}
jobs=$(nproc 2>/dev/null || echo 2)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

# flavour -> Debian suite whose source it takes, PETSc's Debian version
case "$flavour" in
  mpich)     suite=bookworm; debian_version=3.18.5+dfsg1-1 ;;
  petsc3.22) suite=trixie;   debian_version=3.22.5+dfsg1-2 ;;
  *) echo "usage: $0 mpich|petsc3.22 [ctest arguments]" >&2; exit 2 ;;
esac
version=${debian_version%%+*}
prefix=$cache/petsc-$version-mpich
build=${MLGMRES_BUILD_DIR:-$here/build-$flavour}

log() { echo "platform[$flavour]: $*"; }
. "$here/config/apt_install.sh"

# MPICH's compilers and launcher come with their .mpich names; the Open MPI
# ones stay the system's defaults (Debian's PETSc needs them).
install_packages() {
  install_missing libmpich-dev mpich libblas-dev liblapack-dev python3 cmake curl xz-utils
}

# apt knows a source package's files only with a deb-src line for its suite;
# ours goes in its own file.
enable_sources() {
  local list=/etc/apt/sources.list.d/mlgmres-src-$suite.sources
  [ -f "$list" ] && return 0
  log "adding Debian $suite source packages ($list)"
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$suite" | $sudo tee "$list" >/dev/null
  $sudo apt-get update -q
}

# Unpacks PETSc's upstream tarball (Debian's .orig: no Debian patches, which
# rename the libraries) under $cache/src and prints the directory. The archive
# may no longer serve the whole source package of a suite, only its tarball:
# it is fetched by the URI and checksum apt gives.
unpack_petsc() {
  local line uri file sum dir
  mkdir -p "$cache/src"
  line=$(apt-get source -q --print-uris "petsc=$debian_version" | grep "\.orig\.tar\." | head -1)
  [ -n "$line" ] || { echo "platform[$flavour]: apt knows no source of petsc $debian_version" >&2; exit 1; }
  read -r uri file _ sum <<<"$line"
  uri=${uri//\'/}
  if [ ! -f "$cache/src/$file" ]; then
    log "downloading $file" >&2
    curl -fsSL -o "$cache/src/$file.part" "$uri"
    mv "$cache/src/$file.part" "$cache/src/$file"
  fi
  echo "${sum#SHA256:}  $cache/src/$file" | sha256sum -c --quiet - >&2
  dir=$cache/src/petsc-$version
  [ -d "$dir" ] || tar xf "$cache/src/$file" -C "$cache/src"
  echo "$dir"
}

build_petsc() {
  if [ -f "$prefix/.mlgmres-built" ]; then
    log "reusing $prefix"
    return 0
  fi
  enable_sources
  local src start=$SECONDS
  src=$(unpack_petsc)
  log "building PETSc $version with MPICH in $src (9-20 minutes on 2 cores)"
  (cd "$src" && export PETSC_DIR=$src PETSC_ARCH=arch-mlgmres-mpich &&
    python3 ./configure --prefix="$prefix" --with-cc=mpicc.mpich --with-cxx=mpicxx.mpich --with-fc=0 \
      --with-mpiexec=mpiexec.mpich --with-debugging=0 --with-shared-libraries=1 --with-x=0 \
      --with-blaslapack-lib="-llapack -lblas" COPTFLAGS=-O2 CXXOPTFLAGS=-O2 &&
    make -j "$jobs" all && make install)
  touch "$prefix/.mlgmres-built"
  log "PETSc built in $((SECONDS - start)) s into $prefix"
}

build_and_test() {
  log "building the plugin against $prefix in $build"
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPETSC_DIR="$prefix" -UPETSC_ARCH
  cmake --build "$build" -j "$jobs"
  ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
}

if [ $if_cached = 1 ] && [ "${MLGMRES_PLATFORMS:-0}" != 1 ] && [ ! -f "$prefix/.mlgmres-built" ]; then
  log "skipped: no PETSc cached in $prefix (MLGMRES_PLATFORMS=1 builds it)"
  exit 0
fi
install_packages
build_petsc
build_and_test "$@"
