#!/usr/bin/env bash
# The learner's memory is bounded by its caps, not by the run's length: the
# same sequence with forced training (every solve a candidate, a training every
# 50 solves, a 16-pair training set) runs 1,000 and 10,000 solves, and the
# longer run's peak resident memory (-memory_view) may exceed the shorter's by
# at most the slack below. The caps are all reached within the first 1,000
# solves (16 pairs of 16^2 floats: 32 KiB; the basis: 256 vectors of 16^2
# doubles: 0.5 MiB), so what a longer run adds is a leak or unbounded growth.
# Usage: memory_bound.sh SLACK_MIB -- CMD... (CMD: the tutorial with the plugin loaded)
set -u
slack=$1; shift
[ "$1" = "--" ] && shift
opts="-n 16 -ksp_type mlgmres -ksp_mlgmres_warmup 10 -ksp_mlgmres_orthogonality 1 -ksp_mlgmres_retrain_frequency 50
  -ksp_mlgmres_capacity 16 -ksp_mlgmres_training_steps 5 -ksp_mlgmres_training_budget 0 -ksp_mlgmres_payoff_window 0
  -ksp_mlgmres_training_mode sync -memory_view -log_view"
peak() { echo "$1" | grep -E "Maximum \(over computational time\) process memory" | head -1 | grep -Eo "total [0-9.e+]+" | awk '{print $2}'; }
short=$("$@" $opts -steps 1000 2>&1) || { echo "$short" | tail -20; echo "FAIL: the 1,000-solve run failed"; exit 1; }
long=$("$@" $opts -steps 10000 2>&1) || { echo "$long" | tail -20; echo "FAIL: the 10,000-solve run failed"; exit 1; }
a=$(peak "$short"); b=$(peak "$long")
trainings=$(echo "$long" | grep -E "^MLGuessTrain " | awk '{print $2}')
echo "peak resident memory: 1,000 solves $a bytes, 10,000 solves $b bytes; trainings in the long run: ${trainings:-?}"
[ -n "$a" ] && [ -n "$b" ] || { echo "FAIL: no -memory_view figure"; exit 1; }
[ "${trainings:-0}" -ge 100 ] || { echo "FAIL: the long run trained ${trainings:-0} times, expected >= 100"; exit 1; }
awk -v a="$a" -v b="$b" -v s="$slack" 'BEGIN { exit !(b <= a + s * 1048576) }' || { echo "FAIL: grew by $(( (${b%.*} - ${a%.*}) / 1048576 )) MiB, more than $slack MiB"; exit 1; }
echo "PASS: memory bounded"
