#!/usr/bin/env bash
# The main job: the moving-charge Poisson sequence solved with plain GMRES(30)
# and with mlgmres (plugin loaded by -dll_append, everything else identical),
# end-to-end wall time including every inference and training second.
# Usage: run_poisson.sh BUILD_DIR [extra tutorial options...]
set -euo pipefail
build=$1; shift
exe=$build/tutorials/poisson_moving_charges
plugin=$build/libmlgmres.so
common=(-n 32 -steps 200 -pc_type none -ksp_rtol 1e-6 "$@")

run() { "$exe" "${common[@]}" "$@"; }
echo "== gmres(30), zero initial guess"
base=$(run -ksp_type gmres); echo "$base"
echo "== mlgmres (libmlgmres.so via -dll_append)"
ml=$(run -dll_append "$plugin" -ksp_type mlgmres); echo "$ml"
t_base=$(echo "$base" | awk '/Total wall time/ { print $4 }')
t_ml=$(echo "$ml" | awk '/Total wall time/ { print $4 }')
awk -v a="$t_base" -v b="$t_ml" 'BEGIN { printf "Speedup of mlgmres over gmres, end to end: %.2fx (%.3f s vs %.3f s)\n", a / b, a, b }'
