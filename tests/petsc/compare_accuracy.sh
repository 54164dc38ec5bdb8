#!/usr/bin/env bash
# Runs a PETSc program twice, as is (baseline) and with extra options (the
# plugin), and asserts that the plugin run
#   - exits 0, prints no DIVERGED reason and at least one converged solve,
#   - reaches the same accuracy: every "KSP final norm of residual" is at most
#     FACTOR times the baseline's largest one,
#   - prints every REQUIRE pattern (e.g. "type: mlgmres").
# Usage: compare_accuracy.sh [--factor F] [--require RE]... --extra "OPTS" -- CMD...
set -u
factor=10
extra=""
requires=()
while [ $# -gt 0 ]; do
  case "$1" in
    --factor) factor=$2; shift 2 ;;
    --require) requires+=("$2"); shift 2 ;;
    --extra) extra=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "compare_accuracy: unknown argument $1" >&2; exit 2 ;;
  esac
done
common="-ksp_view_final_residual -ksp_converged_reason"
base_out=$("$@" $common 2>&1); base_rc=$?
# shellcheck disable=SC2086
ml_out=$("$@" $common $extra 2>&1); ml_rc=$?
fail() { echo "FAIL: $*"; echo "--- baseline output (tail)"; echo "$base_out" | tail -n 15; echo "--- plugin output (tail)"; echo "$ml_out" | tail -n 40; exit 1; }
[ $base_rc -eq 0 ] || fail "baseline exited with $base_rc"
[ $ml_rc -eq 0 ] || fail "plugin run exited with $ml_rc"
echo "$ml_out" | grep -q "DIVERGED" && fail "a plugin solve diverged"
echo "$ml_out" | grep -q "converged due to" || fail "no converged solve reported"
for re in "${requires[@]}"; do
  echo "$ml_out" | grep -Eq -- "$re" || fail "output lacks /$re/"
done
max_of() { grep -o 'KSP final norm of residual [0-9.eE+-]*' | awk '{ if ($6 > m) m = $6 } END { printf "%.6e\n", m + 0 }'; }
base=$(echo "$base_out" | max_of)
ml=$(echo "$ml_out" | max_of)
solves=$(echo "$ml_out" | grep -c 'KSP final norm of residual')
[ "$solves" -gt 0 ] || fail "no final residual reported"
awk -v a="$ml" -v b="$base" -v f="$factor" 'BEGIN { exit !(a <= f * b || a <= 1e-300) }' ||
  fail "final residual $ml is worse than $factor x baseline $base"
echo "PASS: $solves solve(s); max final residual with plugin $ml, baseline $base (options: $extra)"
