#!/usr/bin/env bash
# check_install.sh <build dir> <app source> -- <mpiexec args...>
# Installs the build into a scratch prefix, builds <app source> as a downstream
# CMake project (find_package(MLGMRES)) and as a pkg-config user, and runs both.
set -euo pipefail
build=$1 app=$2; shift 2; [ "${1:-}" = -- ] && shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/petscmlgmres.h lib/libmlgmres.so lib/libmlgmres_engine.so lib/cmake/MLGMRES/MLGMRESConfig.cmake lib/pkgconfig/mlgmres.pc; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DAPP_SOURCE="$app" >/dev/null
cmake --build "$work/cmake" >/dev/null
plugin=$(cat "$work/cmake/plugin_path.txt")
[ "$plugin" = "$prefix/lib/libmlgmres.so" ] || { echo "MLGMRES_PLUGIN is '$plugin'"; exit 1; }
"$@" "$work/cmake/consumer"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
[ "$(realpath "$(pkg-config --variable=plugin mlgmres)")" = "$(realpath "$plugin")" ] || { echo "pkg-config plugin variable wrong"; exit 1; }
# as a user of a PETSc outside the default search path: its PETSc.pc, its compiler
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$(pkg-config --variable=petscdir mlgmres)/lib/pkgconfig${PKG_CONFIG_PATH#$prefix/lib/pkgconfig}
"$(pkg-config --variable=ccompiler PETSc)" "$app" -Wl,-rpath,"$(pkg-config --variable=libdir PETSc)" $(pkg-config --cflags --libs mlgmres) -lm -Wl,-rpath,"$prefix/lib" -o "$work/consumer_pc"
"$@" "$work/consumer_pc"
echo "install check: cmake package and pkg-config consumers ran"
