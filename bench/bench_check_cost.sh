#!/usr/bin/env bash
# What the oracles cost: the system harness (fixed driver) checked and
# unchecked (RTOSFUZZ_UNCHECKED: same ops, same kernel and driver, no
# oracle) on one fixed input set, in the same run: exec/s of each and
# their ratio, then instructions per exec of each, counted by callgrind
# (repeatable on a busy machine). The input set: the system seeds, the
# fixed-driver reproducers and corpus/bench/system (a sample of a 60 s
# campaign's corpus).
# Usage: bench/bench_check_cost.sh BUILD_DIR REPLAY_DIR [ROUNDS]
set -euo pipefail
build=$1 replay=$2 rounds=${3:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fuzzer=$build/fuzz/fuzz_system_fixed

mkdir -p "$work/inputs"
for f in corpus/seeds/system/*.ops corpus/regress/system-fixed-*.ops; do
  "$replay/replay_system_fixed" --compile "$f" "$work/inputs/$(basename "$f" .ops)"
done
cp corpus/bench/system/* "$work/inputs/"
inputs=("$work"/inputs/*)
n=${#inputs[@]}

# Runs every input `rounds` times; checked or unchecked.
run_inputs() { # mode rounds [wrapper...]
  local mode=$1 r=$2
  shift 2
  if [ "$mode" = unchecked ]; then
    RTOSFUZZ_UNCHECKED=1 "$@" "$fuzzer" -runs="$r" "${inputs[@]}"
  else
    "$@" "$fuzzer" -runs="$r" "${inputs[@]}"
  fi
}

execs_per_sec() { # mode
  local t0 t1
  t0=$(date +%s.%N)
  run_inputs "$1" "$rounds" >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v n="$((n * rounds))" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}'
}

# Instructions inside the fuzz target per input (engine and startup excluded).
instructions_per_exec() { # mode
  local out=$work/callgrind.$1
  run_inputs "$1" 1 valgrind --tool=callgrind --toggle-collect=LLVMFuzzerTestOneInput \
    --callgrind-out-file="$out" >/dev/null 2>&1
  awk -v n="$n" '/^summary:/ {printf "%.0f", $2 / n}' "$out"
}

printf '\nbench fuzz, oracle cost: system harness (fixed driver), %s inputs x %s rounds, checked vs unchecked\n' \
  "$n" "$rounds"
# alternating runs, best of three each: the machine's noise hits both alike
declare -A best=([checked]=0 [unchecked]=0)
for _ in 1 2 3; do
  for mode in checked unchecked; do
    r=$(execs_per_sec "$mode")
    [ "$r" -gt "${best[$mode]}" ] && best[$mode]=$r
  done
done
printf '  %-24s %12s %12s %10s\n' "" checked unchecked ratio
printf '  %-24s %12s %12s %9.1f%%\n' "exec/s (best of 3)" "${best[checked]}" "${best[unchecked]}" \
  "$(awk -v a="${best[checked]}" -v b="${best[unchecked]}" 'BEGIN {print 100 * a / b}')"
if command -v valgrind >/dev/null; then
  ic=$(instructions_per_exec checked) iu=$(instructions_per_exec unchecked)
  printf '  %-24s %12s %12s %9.2fx\n' "instructions/exec" "$ic" "$iu" "$(awk -v a="$ic" -v b="$iu" 'BEGIN {print a / b}')"
else
  printf '  instructions/exec: valgrind not installed\n'
fi
