#!/usr/bin/env bash
# Checkpoint/restart through the options of a real run:
#   1. a run with -..._save writes the learner at destroy;
#   2. a second run with -..._load starts from it: its very first solve uses
#      a learned guess, and -ksp_view counts the earlier solves;
#   3. a truncated, a corrupted, a missing and a mismatched file, and a
#      directory, each stop
#      with a clean PETSc error that says which.
# Usage: checkpoint_restart.sh -- CMD... (CMD: the tutorial with its options)
set -u
[ "$1" = "--" ] && shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
ck=$dir/learner.ckpt
ml="-ksp_type mlgmres -ksp_mlgmres_warmup 10 -ksp_mlgmres_training_steps 20 -ksp_mlgmres_training_budget 0 -ksp_mlgmres_payoff_window 0"
fail() { echo "FAIL: $*"; echo "$out" | tail -n 30; exit 1; }
expect_error() { # regex, then extra options
  local re=$1; shift
  out=$("$@" 2>&1); local rc=$?
  [ $rc -ne 0 ] || fail "a run with a bad checkpoint succeeded"
  echo "$out" | grep -Eq "Caught signal|Segmentation|core dumped|terminate called" && fail "crash (rc $rc)"
  echo "$out" | grep -Eq -- "$re" || fail "no message matching /$re/"
  echo "ok: $(echo "$out" | grep -E -m1 -- "$re")"
}

out=$("$@" -n 16 -steps 30 $ml -ksp_mlgmres_save "$ck" 2>&1) || fail "the saving run failed"
[ -s "$ck" ] || fail "no checkpoint written"
echo "ok: checkpoint of $(stat -c %s "$ck") bytes"

out=$("$@" -n 16 -steps 3 $ml -ksp_mlgmres_load "$ck" -ksp_mlgmres_monitor -ksp_view 2>&1) || fail "the resuming run failed"
echo "$out" | grep -q "ml step 31: .*guess used" || fail "the first solve after restart did not use a learned guess"
echo "$out" | grep -Eq "solves learned from 33, trainings [1-9]" || fail "-ksp_view does not count the earlier solves"
echo "ok: resumed at step 31 with a learned guess"

head -c 100 "$ck" > "$dir/truncated.ckpt"
expect_error "Unexpected data in file.*|is truncated" "$@" -n 16 -steps 1 $ml -ksp_mlgmres_load "$dir/truncated.ckpt"
echo "$out" | grep -q "is truncated" || fail "truncation not named"
cp "$ck" "$dir/corrupted.ckpt"
printf '\xff\xff\xff\xff' | dd of="$dir/corrupted.ckpt" bs=1 seek=300 conv=notrunc status=none
expect_error "is corrupted: checksum mismatch" "$@" -n 16 -steps 1 $ml -ksp_mlgmres_load "$dir/corrupted.ckpt"
expect_error "cannot be opened \(missing or unreadable\)" "$@" -n 16 -steps 1 $ml -ksp_mlgmres_load "$dir/missing.ckpt"
expect_error "is a directory, not a checkpoint file" "$@" -n 16 -steps 1 $ml -ksp_mlgmres_load "$dir"
expect_error "was written for model fluidnet .* 16x16x1 .*; this solver has .* 20x20x1" "$@" -n 20 -steps 1 $ml -ksp_mlgmres_load "$ck"
echo "PASS: checkpoint/restart"
