#!/usr/bin/env bash
# Speed after a finding: each engine fuzzes the system harness as a campaign
# does (libFuzzer fork mode ignoring crashes, AFL++ persistent mode; both
# with a known-signatures file, empty at the start), from the system seeds,
# for the same time, on two builds of bench/drivers/use_after_free.c:
# without the bug (no finding: the speed before one) and with it (nearly
# every seed finds it: everything after the first finding).
# Usage: bench/bench_after_finding.sh LIBFUZZER_BUILD AFL_BUILD(build/afl) REPLAY_DIR [SECONDS]
set -euo pipefail
libfuzzer=$1 afl=$2 replay=$3 secs=${4:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --build "$libfuzzer" --target fuzz_system_use_after_free fuzz_system_use_after_free_fixed >/dev/null
if command -v afl-clang-fast >/dev/null; then
  cmake --preset afl >/dev/null && cmake --build "$afl" --target fuzz_system_use_after_free fuzz_system_use_after_free_fixed >/dev/null
fi

mkdir -p "$work/seeds"
for f in corpus/seeds/system/*.ops; do
  "$replay/replay_system_fixed" --compile "$f" "$work/seeds/$(basename "$f" .ops)"
done

# Each prints: exec/s over the run, crashes kept, signatures recorded.
# libFuzzer's rate comes from its last status line (#execs ... time: Ns).
libfuzzer_rate() { # driver
  local dir=$work/lf-$1
  mkdir -p "$dir/corpus" "$dir/crashes"
  cp "$work"/seeds/* "$dir/corpus/"
  touch "$dir/known"
  RTOSFUZZ_SUPPRESS=$dir/known "$libfuzzer/bench/fuzz_system_$1" "$dir/corpus" -fork=1 -ignore_crashes=1 \
    -max_total_time="$secs" -artifact_prefix="$dir/crashes/" -seed=1 >"$dir/log" 2>&1 || true
  grep -a -E '^#[0-9]+: cov:' "$dir/log" | tail -1 |
    sed -E 's/^#([0-9]+):.* time: ([0-9]+)s.*/\1 \2/' | awk '{printf "%.0f", $1 / ($2 > 0 ? $2 : 1)}'
  printf ' %s %s\n' "$(find "$dir/crashes" -type f | wc -l)" "$(wc -l <"$dir/known")"
}

afl_rate() { # driver
  local dir=$work/afl-$1
  mkdir -p "$dir"
  touch "$dir/known"
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_SKIP_CRASHES=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    RTOSFUZZ_SUPPRESS=$dir/known afl-fuzz -i "$work/seeds" -o "$dir/out" -s 1 -V "$secs" -- \
    "$afl/bench/fuzz_system_$1" >"$dir/log" 2>&1 || true
  local stats=$dir/out/default/fuzzer_stats
  [ -f "$stats" ] || { echo "- - -"; return; }
  awk -F': *' -v known="$(wc -l <"$dir/known")" '/^execs_done/ {e = $2} /^run_time/ {t = $2} /^saved_crashes/ {c = $2}
    END {printf "%.0f %d %d\n", e / (t > 0 ? t : 1), c, known}' "$stats"
}

printf '\nbench fuzz, after a finding: system harness, %ss per run from the seeds, use_after_free driver\n' "$secs"
# crashes: inputs the engine kept as crashes; known: signatures the fuzzing
# processes recorded (each new one ends later inputs quietly)
printf '  %-10s %16s %16s %8s %8s %6s\n' engine "exec/s no bug" "exec/s with bug" ratio crashes known
for engine in libfuzzer afl; do
  if [ "$engine" = afl ] && ! [ -x "$afl/bench/fuzz_system_use_after_free" ]; then
    printf '  %-10s (no AFL++ build)\n' afl
    continue
  fi
  read -r before _ _ < <("${engine}_rate" use_after_free_fixed)
  read -r after crashes known < <("${engine}_rate" use_after_free)
  printf '  %-10s %16s %16s %7.0f%% %8s %6s\n' "$engine" "$before" "$after" \
    "$(awk -v a="$after" -v b="$before" 'BEGIN {print (b > 0) ? 100 * a / b : 0}')" "$crashes" "$known"
done
