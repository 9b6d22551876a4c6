#!/usr/bin/env bash
# bench detect: how long libFuzzer takes to find each seeded driver bug,
# median over several fuzzing seeds, starting from the seed corpus and from
# an empty corpus. Each bug is fuzzed on a driver carrying only that bug
# (driver/wifi_sim.c, WIFI_SIM_BUGS; unit/drivers/findings: a late write
# after free, a 1-byte overflow), with the system harness, no sanitizers.
# Then, for the corruption drivers, exec/s once their finding is known
# (RTOSFUZZ_SUPPRESS: later inputs end quietly) against the fixed twin.
# Usage: bench/bench_detect.sh BUILD_DIR REPLAY_DIR [SEEDS [LIMIT_S]]
set -euo pipefail
build=$1 replay=$2 nseeds=${3:-5} limit=${4:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bugs=(suspend_leak error_path_leak lateuaf overflow)
cmake --build "$build" --target "${bugs[@]/#/fuzz_system_}" fuzz_system_lateuaffixed fuzz_system_overflowfixed >/dev/null
fuzzer_of() { find "$build" -name "fuzz_system_$1" -type f | head -1; }

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
  if "$(fuzzer_of "$1")" "$corpus" -seed="$2" -max_total_time="$limit" \
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
for bug in "${bugs[@]}"; do
  for start in seeds empty; do
    times=()
    for ((s = 1; s <= nseeds; s++)); do times+=("$(time_to_detect "$bug" "$s" "$start")"); done
    printf '  %-18s %-6s %8s   %s\n' "$bug" "$start" "$(printf '%s ' "${times[@]}" | median)" "${times[*]}"
  done
done

# libFuzzer's average exec/s over secs seconds from the seeds (env: extra
# environment, e.g. the known signatures).
exec_per_sec() { # driver secs [env...]
  local corpus
  corpus=$(mktemp -d -p "$work")
  cp "$work"/seeds/* "$corpus"/
  { env "${@:3}" "$(fuzzer_of "$1")" "$corpus" -seed=1 -max_total_time="$2" -print_final_stats=1 \
    -artifact_prefix="$corpus/" 2>&1 || true; } | awk '/stat::average_exec_per_sec/ {print $2}'
}

# Fuzzes until a finding, whose process adds its signature to the known
# ones (RTOSFUZZ_SUPPRESS) and writes its record, again (as a campaign
# does), at most 5 times; prints the first signature.
learn_signatures() { # bug known-file
  local corpus sig first= rec=$work/record-$1.json
  : >"$2"
  for ((round = 0; round < 5; round++)); do
    corpus=$(mktemp -d -p "$work")
    cp "$work"/seeds/* "$corpus"/
    rm -f "$rec"
    RTOSFUZZ_SUPPRESS=$2 RTOSFUZZ_FINDING_RECORD=$rec "$(fuzzer_of "$1")" "$corpus" -seed=1 -max_total_time="$limit" \
      -artifact_prefix="$corpus/" >/dev/null 2>&1 && break
    sig=$(python3 fuzz/findings.py field "$rec" signature 2>/dev/null) || break
    first=${first:-$sig}
  done
  printf '%s\n' "$first"
}

printf '\nexec/s after the first finding (its signatures known), %ss each, vs the fixed twin\n' "$limit"
printf '  %-10s %-40s %10s %10s %6s\n' bug signature before after ratio
for bug in lateuaf overflow; do
  sig=$(learn_signatures "$bug" "$work/known-$bug")
  before=$(exec_per_sec "${bug}fixed" "$limit")
  after=$(exec_per_sec "$bug" "$limit" RTOSFUZZ_SUPPRESS="$work/known-$bug")
  printf '  %-10s %-40s %10s %10s %6s\n' "$bug" "${sig:--}" "${before:--}" "${after:--}" \
    "$(awk -v a="${after:-0}" -v b="${before:-0}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')"
done
