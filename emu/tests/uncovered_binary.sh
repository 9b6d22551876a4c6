#!/usr/bin/env bash
# Negative control of the uncovered-driver list of a binary driver
# (coverage/report.py --guest-coverage): coverage/negative/unreachable_driver.c
# cross-compiled into a Cortex-M blob, run as `./rtosfuzz coverage --driver`
# runs one: its contract tests (a process per test) and the system seeds,
# each process writing its guest coverage into one directory. The merged
# list must name the function marked NEVER-CALLED and no other, the line
# marked UNREACHABLE, and not the line marked REACHED (only some of the
# contract tests' processes, the heap fault sweep, get there).
# usage: uncovered_binary.sh CONTRACT_TESTS REPLAY WORK_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=coverage/negative/unreachable_driver.c
contract=$1 replay=$2 work=$3

fail() { printf 'uncovered_binary: FAIL: %s\n' "$*"; exit 1; }
marker_line() { grep -n "coverage-negctl: $1\b" "$ROOT/$SRC" | cut -d: -f1; }

rm -rf "$work" && mkdir -p "$work/guest" "$work/no-gcov"
export RTOSFUZZ_GUEST_COVERAGE=$work/guest
"$contract" --jobs=1 >"$work/contract.log" 2>&1 || fail "its contract tests fail ($work/contract.log)"
rc=0
"$replay" "$ROOT/corpus/seeds/system" >"$work/replay.log" 2>&1 || rc=$?
[ $rc -le 1 ] || fail "the seed replay failed (exit $rc, $work/replay.log)"
unset RTOSFUZZ_GUEST_COVERAGE
# no gcov counters: the binary's figures all come from the guest
out=$(cd "$ROOT" && python3 coverage/report.py --build "$work/no-gcov" --out "$work/report" \
  --guest-coverage "$work/guest" --title "guest coverage of $SRC")
printf '%s\n' "$out" | sed -n '/^uncovered driver code/,/^$/p'

fns=$(printf '%s\n' "$out" | grep '^function .*: never run$' || true)
[ "$fns" = "function drop_frame: never run" ] || fail "want drop_frame (NEVER-CALLED) as the one function never run, got: ${fns:-none}"
printf '%s\n' "$out" | grep -q "^$SRC:$(marker_line UNREACHABLE): " || fail "the UNREACHABLE line is not listed"
! printf '%s\n' "$out" | grep -q "^$SRC:$(marker_line REACHED): " || fail "the REACHED line (the fault sweep's) is listed"
echo "uncovered_binary: PASS: the never-called function and the unreachable line are listed, the fault-sweep line is not"
