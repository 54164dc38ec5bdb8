#!/usr/bin/env bash
# Long-run soak (by hand, not in CI): a tutorial sequence of many solves on 2
# ranks, once with the defaults and once with forced training, resident
# memory of every rank sampled every few seconds. Prints, per run, the
# samples' first and last values and the peak, and a CSV of all samples.
# Usage: tests/soak/soak.sh BUILD_DIR [SOLVES=20000] [OUT=soak.csv]
set -u
build=$(cd "${1:?build directory}" && pwd); solves=${2:-20000}; out=${3:-soak.csv}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
exe=$build/tutorials/poisson_moving_charges
base="-n 32 -steps $solves -walk 0.05 -dll_append $build/libmlgmres.so -ksp_type mlgmres"
forced="-ksp_mlgmres_training_budget 0 -ksp_mlgmres_payoff_window 0 -ksp_mlgmres_orthogonality 1 -ksp_mlgmres_retrain_frequency 50 -ksp_mlgmres_training_steps 10"
echo "run,seconds,rank_pid,rss_kib" > "$out"
for run in defaults forced; do
  opts=$base; [ $run = forced ] && opts="$base $forced"
  start=$(date +%s)
  mpiexec -n 2 "$exe" $opts > "$out.$run.log" 2>&1 &
  launcher=$!
  while kill -0 $launcher 2>/dev/null; do
    for pid in $(pgrep -f "poisson_moving_charges -n 32 -steps $solves" | grep -v "^$launcher$"); do
      rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null) && [ -n "$rss" ] && echo "$run,$(( $(date +%s) - start )),$pid,$rss" >> "$out"
    done
    sleep 3
  done
  wait $launcher; rc=$?
  grep SUMMARY "$out.$run.log"
  awk -F, -v r=$run '$1 == r { if (!($3 in first)) first[$3] = $4; last[$3] = $4; if ($4 > peak[$3]) peak[$3] = $4 }
    END { for (p in first) printf "%s rank pid %s: RSS first %d MiB, last %d MiB, peak %d MiB\n", r, p, first[p] / 1024, last[p] / 1024, peak[p] / 1024 }' "$out"
  [ $rc -eq 0 ] || { echo "soak: the $run run failed (rc $rc), see $out.$run.log"; exit 1; }
done
