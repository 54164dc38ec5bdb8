#!/usr/bin/env bash
# Asserts that a PETSc run stops with a clean PETSc error: non-zero exit, the
# expected message, and no signal, crash or core dump.
# Usage: expect_error.sh "REGEX" -- CMD...
set -u
re=$1; shift
[ "$1" = "--" ] && shift
out=$("$@" 2>&1); rc=$?
fail() { echo "FAIL: $*"; echo "$out" | tail -n 30; exit 1; }
[ $rc -ne 0 ] || fail "the run succeeded"
echo "$out" | grep -Eq "Caught signal|Segmentation|core dumped|terminate called" && fail "the run crashed (rc $rc)"
echo "$out" | grep -Eq -- "$re" || fail "no message matching /$re/ (rc $rc)"
echo "PASS: clean error (rc $rc): $(echo "$out" | grep -E -m1 -- "$re")"
