#!/usr/bin/env bash
# bench detect: how long libFuzzer takes to find each seeded driver bug,
# median over several fuzzing seeds, starting from the seed corpus and from
# an empty corpus. Each bug is fuzzed on a driver carrying only that bug
# (driver/wifi_sim.c, WIFI_SIM_BUGS), with the system harness, no sanitizers.
# Usage: bench/bench_detect.sh BUILD_DIR REPLAY_DIR [SEEDS [LIMIT_S]]
set -euo pipefail
build=$1 replay=$2 nseeds=${3:-5} limit=${4:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --build "$build" --target fuzz_system_suspend_leak fuzz_system_error_path_leak >/dev/null

mkdir -p "$work/seeds"
for f in corpus/seeds/system/*.ops; do
  "$replay/replay_system_fixed" --compile "$f" "$work/seeds/$(basename "$f" .ops)"
done

# Seconds until the first finding, or "-" past the limit.
time_to_detect() { # bug seed start(seeds|empty)
  local corpus t0 t1
  corpus=$(mktemp -d -p "$work")
  [ "$3" = seeds ] && cp "$work"/seeds/* "$corpus"/
  t0=$(date +%s.%N)
  if "$build/fuzz/fuzz_system_$1" "$corpus" -seed="$2" -max_total_time="$limit" \
      -artifact_prefix="$corpus/" >/dev/null 2>&1; then
    printf -- '-'
    return
  fi
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'
}

median() { tr ' ' '\n' | grep -v '^-$' | sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }

printf 'bench detect: seconds to the first finding, libFuzzer, %s seeds, limit %ss\n' "$nseeds" "$limit"
printf '  %-18s %-6s %8s   %s\n' bug start median "per seed"
for bug in suspend_leak error_path_leak; do
  for start in seeds empty; do
    times=()
    for ((s = 1; s <= nseeds; s++)); do times+=("$(time_to_detect "$bug" "$s" "$start")"); done
    printf '  %-18s %-6s %8s   %s\n' "$bug" "$start" "$(printf '%s ' "${times[@]}" | median)" "${times[*]}"
  done
done
