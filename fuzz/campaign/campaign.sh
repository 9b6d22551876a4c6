#!/usr/bin/env bash
# One fuzz campaign: runs the engine for a time box, prints a status line
# every few seconds, triages every crash into a finding (deduplicated by
# signature, minimized, listed, reported) and ends with a summary.
# Exit status: 0 no findings, 1 findings, 130 interrupted.
# ./rtosfuzz campaign builds the binaries and calls this; see README.md.
#
# campaign.sh --engine libfuzzer|afl --fuzzer BIN [--cmplog BIN] --replay BIN
#             --time S --jobs N --dir DIR --seeds DIR [--corpus DIR] --label TEXT
set -uo pipefail

engine=libfuzzer jobs=1 time=60 corpus= cmplog= label=
while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=$2 ;; --fuzzer) fuzzer=$2 ;; --cmplog) cmplog=$2 ;; --replay) replay=$2 ;;
    --time) time=$2 ;; --jobs) jobs=$2 ;; --dir) dir=$2 ;; --seeds) seeds=$2 ;;
    --corpus) corpus=$2 ;; --label) label=$2 ;;
    *) echo "campaign.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
corpus=${corpus:-$dir/corpus}
interrupted=0
trap 'interrupted=1' INT TERM
fuzzer=$(realpath "$fuzzer") replay=$(realpath "$replay")
[ -z "$cmplog" ] || cmplog=$(realpath "$cmplog")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=triage.sh
. "$here/triage.sh"
# The per-input time budget of the replay (fuzz/guard.h) is the engines' too.
budget_ms=$("$replay" --print-budget-ms)

mkdir -p "$dir/logs" "$dir/crashes" "$dir/findings" "$corpus"
# A new corpus starts from the seeds; a resumed one keeps what it has.
if [ -z "$(ls -A "$corpus")" ]; then
  cp "$seeds"/* "$corpus"/ 2>/dev/null || true
fi

# Seeds that already trip the checker are findings too: AFL++ would skip
# them silently, libFuzzer would stop on the first.
triage_crashing_seeds() {
  local f
  for f in "$corpus"/*; do
    [ -f "$f" ] && [ "$interrupted" -eq 0 ] || continue
    "$replay" "$f" >/dev/null 2>&1 || cp "$f" "$dir/crashes/seed-$(basename "$f")"
  done
}

pids=()
# Bugs already found end an input quietly in later fuzzing processes, so the
# engine spends its time on new ones (see checker_suppress_file). Only the
# engines see this: triage must see every finding.
suppress=$dir/known-signatures
touch "$suppress"

start_libfuzzer() {
  # fork mode keeps fuzzing past crashes; each crash lands in crashes/
  (RTOSFUZZ_SUPPRESS=$suppress exec setsid "$fuzzer" "$corpus" -fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -timeout=$(((budget_ms + 999) / 1000)) -max_total_time="$time" -artifact_prefix="$dir/crashes/" -print_final_stats=1 \
    >"$dir/logs/libfuzzer.log" 2>&1) &
  pids+=($!)
}

start_afl() {
  local out=$dir/afl
  export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_SKIP_CRASHES=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
  export AFL_AUTORESUME=1 AFL_NO_AFFINITY=1
  RTOSFUZZ_SUPPRESS=$suppress setsid afl-fuzz -i "$corpus" -o "$out" -M main -V "$time" -t "$budget_ms" -- "$fuzzer" \
    >"$dir/logs/afl-main.log" 2>&1 &
  pids+=($!)
  for ((i = 1; i < jobs; i++)); do
    local extra=()
    [ "$i" -eq 1 ] && [ -n "$cmplog" ] && extra=(-c "$cmplog")
    RTOSFUZZ_SUPPRESS=$suppress setsid afl-fuzz -i "$corpus" -o "$out" -S "sec$i" -V "$time" -t "$budget_ms" "${extra[@]}" -- "$fuzzer" \
      >"$dir/logs/afl-sec$i.log" 2>&1 &
    pids+=($!)
  done
}

# Each engine runs in its own process group (setsid), so stopping it stops
# its fork-mode jobs and fork servers too. The engine may end before its
# jobs do: the groups are waited for until empty (SIGKILL after 5 s), so
# nothing the campaign started outlives it.
stop_engines() {
  local p tries
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
  wait 2>/dev/null
  for p in "${pids[@]}"; do
    for ((tries = 0; tries < 50; tries++)); do
      kill -0 -- "-$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$p" 2>/dev/null
  done
  return 0
}

# ---- status ----------------------------------------------------------------
execs=0 rate=0 corp=0 cov=- counted_at=
# libFuzzer's fork mode prints its counters only when a job ends (every 10 s
# or more): the line says at which second of fuzzing they were counted.
read_libfuzzer_status() {
  local line
  line=$(grep -a -E '^#[0-9]+: cov:' "$dir/logs/libfuzzer.log" 2>/dev/null | tail -1)
  [ -n "$line" ] || return 0
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$line")
  counted_at=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$line")
  local over=${counted_at:-$((SECONDS - t0))}
  rate=$((execs / (over > 0 ? over : 1)))
  corp=$(sed -E 's/.*corp: ([0-9]+).*/\1/' <<<"$line")
  cov=$(sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/\1 edges, \2 features/' <<<"$line")
}

read_afl_status() {
  local f total=0 r=0 c=0 bitmap=-
  for f in "$dir"/afl/*/fuzzer_stats; do
    [ -f "$f" ] || continue
    total=$((total + $(awk -F': *' '/^execs_done/ {print $2}' "$f")))
    r=$(awk -v a="$r" -F': *' '/^execs_per_sec/ {v = $2 + 0; if (v > 1e12) v = 0; printf "%.0f", a + v}' "$f")
    c=$(awk -v a="$c" -F': *' '/^corpus_count/ {print (a > $2 ? a : $2)}' "$f")
    [ "$(basename "$(dirname "$f")")" = main ] && bitmap=$(awk -F': *' '/^bitmap_cvg/ {print $2}' "$f")
  done
  execs=$total rate=$r corp=$c cov="$bitmap of the AFL map"
}

collect_crashes() {
  if [ "$engine" = afl ]; then
    for f in "$dir"/afl/*/crashes/id:* "$dir"/afl/*/hangs/id:*; do
      [ -f "$f" ] || continue
      local dst
      dst="$dir/crashes/afl-$(sha1sum "$f" | cut -c1-16)"
      [ -f "$dst" ] || cp "$f" "$dst"
    done
  fi
}

status_line() {
  local elapsed=$1
  if [ "$engine" = afl ]; then read_afl_status; else read_libfuzzer_status; fi
  collect_crashes
  triage_new_crashes
  local when=
  [ -z "$counted_at" ] || [ "$counted_at" -ge "$((elapsed - 1))" ] || when=" (engine counters of ${counted_at}s)"
  printf '[%4ss] execs %-9s exec/s %-7s corpus %-5s cov %-26s findings %s (%s crashing inputs)%s\n' \
    "$elapsed" "$execs" "$rate" "$corp" "$cov" "$(finding_count)" "$(crash_count)" "$when"
}

# Ctrl-C (SIGINT to the process group) or SIGTERM: the engines stop, what
# was found stays on disk untriaged, exit 130.
stop_if_interrupted() {
  [ "$interrupted" -eq 1 ] || return 0
  stop_engines
  printf '\ncampaign: interrupted; the corpus and the crashing inputs are kept in %s\n' "$dir"
  exit 130
}

printf 'campaign: %s, engine %s, %s job(s), %ss; everything under %s\n' "$label" "$engine" "$jobs" "$time" "$dir"
triage_crashing_seeds
triage_new_crashes
stop_if_interrupted
if [ "$engine" = afl ]; then start_afl; else start_libfuzzer; fi
t0=$SECONDS
# Triage while fuzzing stops at the deadline (triage.sh), so --time holds.
triage_deadline=$((t0 + time))
next_status=$((t0 + 5))
while [ "$SECONDS" -lt "$triage_deadline" ]; do
  sleep 1 & wait $! 2>/dev/null
  stop_if_interrupted
  alive=0
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ "$alive" -eq 1 ] || break
  if [ "$SECONDS" -ge "$next_status" ]; then
    status_line "$((SECONDS - t0))"
    next_status=$((SECONDS + 5))
  fi
done
stop_engines
fuzz_time=$((SECONDS - t0))
triage_deadline=
status_line "$fuzz_time" >/dev/null
triage_new_crashes final
stop_if_interrupted
[ "$engine" = afl ] && [ -d "$dir/afl/main/queue" ] && cp -n "$dir"/afl/main/queue/id:* "$corpus"/ 2>/dev/null

printf '\n== campaign summary: %s\n' "$label"
minimize_new_findings
stop_if_interrupted
printf '  time        %ss fuzzing, %ss triage and minimization\n' "$fuzz_time" "$((SECONDS - t0 - fuzz_time))"
printf '  executions  %s (%s exec/s)\n  corpus      %s inputs in %s\n  coverage    %s\n' \
  "$execs" "$((execs / (fuzz_time > 0 ? fuzz_time : 1)))" "$(ls "$corpus" | wc -l)" "$corpus" "$cov"
print_findings
# CI reads the status: 1 when the campaign has findings.
[ "$(finding_count)" -eq 0 ]
