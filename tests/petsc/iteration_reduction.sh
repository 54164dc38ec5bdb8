#!/usr/bin/env bash
# The learner's integration test: on the moving-charge sequence, the mean
# iteration count over the last solves with the plugin must be at least
# FACTOR times lower than with the zero guess, both runs reaching the same
# true residual (every solve within the tolerance).
# Usage: iteration_reduction.sh FACTOR --extra "PLUGIN OPTS" -- CMD... (CMD: the tutorial with its options)
set -u
factor=$1; shift
[ "$1" = "--extra" ] && { extra=$2; shift 2; }
[ "$1" = "--" ] && shift
base=$("$@" -ksp_type gmres 2>&1) || { echo "$base"; echo "FAIL: baseline run"; exit 1; }
# shellcheck disable=SC2086
ml=$("$@" $extra 2>&1) || { echo "$ml"; echo "FAIL: plugin run"; exit 1; }
tail_mean() { echo "$1" | sed -n 's/.*mean \([0-9.]*\) over the last.*/\1/p'; }
max_res() { echo "$1" | sed -n 's/^Max true relative residual: \(.*\)$/\1/p'; }
unconverged() { echo "$1" | sed -n 's/^Unconverged solves: \(.*\)$/\1/p'; }
b=$(tail_mean "$base"); m=$(tail_mean "$ml")
echo "$ml" | tail -n 6
echo "zero guess: $b its/solve over the tail, max true residual $(max_res "$base")"
echo "learned:    $m its/solve over the tail, max true residual $(max_res "$ml")"
[ "$(unconverged "$ml")" = 0 ] || { echo "FAIL: unconverged solves with the plugin"; exit 1; }
awk -v b="$b" -v m="$m" -v f="$factor" -v rb="$(max_res "$base")" -v rm="$(max_res "$ml")" 'BEGIN {
  printf "reduction %.2fx (required %.2fx)\n", b / m, f
  if (rm > 1.01 * (rb > 1e-6 ? rb : 1e-6)) { print "FAIL: the plugin run ends at a worse true residual"; exit 1 }
  if (b / m < f) { print "FAIL: not enough reduction"; exit 1 }
  print "PASS: iteration reduction"
}'
