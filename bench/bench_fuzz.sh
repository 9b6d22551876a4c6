#!/usr/bin/env bash
# bench fuzz: executions per second of each libFuzzer harness (built without
# sanitizers) and of the empty harness, in the same run, on the same inputs:
# the seed corpus of the target's harness, with a fixed mutation seed.
# Usage: bench/bench_fuzz.sh BUILD_DIR REPLAY_BIN [RUNS]
set -euo pipefail
build=$1 replay=$2 runs=${3:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for h in mm timer system; do
  mkdir -p "$work/seeds/$h"
  for f in corpus/seeds/$h/*.ops; do
    "$replay/replay_${h}_fixed" --compile "$f" "$work/seeds/$h/$(basename "$f" .ops)"
  done
done

# exec/s of one target over a fixed number of runs, timed here (libFuzzer's
# own figure is in whole seconds)
execs_per_sec() {
  local bin=$1 seeds=$2 corpus t0 t1
  corpus=$(mktemp -d -p "$work")
  cp "$seeds"/* "$corpus"/
  t0=$(date +%s.%N)
  "$bin" "$corpus" -runs="$runs" -seed=1 >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v n="$runs" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}'
}

printf 'bench fuzz: %s runs per target from the seed corpus, mutation seed 1, no sanitizers\n' "$runs"
printf '  %-16s %12s %10s\n' target exec/s "vs empty"
declare -A rate
for t in empty mm timer system; do
  seeds=$work/seeds/${t/empty/system}
  bin=$build/fuzz/fuzz_${t}_fixed
  [ "$t" = empty ] && bin=$build/fuzz/fuzz_empty
  rate[$t]=$(execs_per_sec "$bin" "$seeds")
  printf '  %-16s %12s %9.1f%%\n' "$t" "${rate[$t]}" "$(awk -v a="${rate[$t]}" -v b="${rate[empty]}" 'BEGIN {print 100*a/b}')"
done
# The same system harness on the fixed driver's Cortex-M binary under
# emulation (emu/), against the native build of the same source.
rate[blob]=$(execs_per_sec "$build/fuzz/fuzz_system_blob_fixed" "$work/seeds/system")
printf '  %-16s %12s %9.1f%%  (%.1f%% of system)\n' system_blob "${rate[blob]}" \
  "$(awk -v a="${rate[blob]}" -v b="${rate[empty]}" 'BEGIN {print 100*a/b}')" \
  "$(awk -v a="${rate[blob]}" -v b="${rate[system]}" 'BEGIN {print 100*a/b}')"
bash bench/bench_check_cost.sh "$build" "$replay"
bash bench/bench_after_finding.sh "$build" build/afl "$replay"
