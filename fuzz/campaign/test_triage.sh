#!/usr/bin/env bash
# CTest: triage turns crashing inputs into one finding per signature, with
# its files, minimized to the fewest ops, and counts the rest as duplicates. The debug replay binary
# stands in for the engine (minimizing then falls back to the input).
# Usage: test_triage.sh REPLAY_BIN SOURCE_DIR
set -uo pipefail # like campaign.sh: a replay that reports a finding exits 1
replay=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fuzzer=$replay engine=libfuzzer
# shellcheck source=triage.sh
. "$src/fuzz/campaign/triage.sh"
mkdir -p "$dir/crashes" "$dir/findings" "$dir/logs"
for f in seed_leak error_path_leak seed_leak; do
  "$replay" --compile "$src/corpus/regress/system-vendor-$f.ops" "$dir/crashes/$f-$RANDOM"
done
"$replay" --compile "$src/corpus/seeds/system/application_only.ops" "$dir/crashes/not-a-crash"
triage_new_crashes final
minimize_new_findings
fail() { echo "test_triage: FAIL: $*"; exit 1; }
[ "$(finding_count)" -eq 2 ] || fail "expected 2 findings, got $(finding_count)"
f=$dir/findings/quiescence-wifi_sim_start_beacon_monitor-timer
[ -f "$f/input" ] && [ -f "$f/minimized" ] && [ -s "$f/listing.ops" ] || fail "finding files missing in $f"
grep -q 'owner wifi_sim_start_beacon_monitor (driver/wifi_sim.c:' "$f/report.txt" || fail "report without owner"
[ "$(wc -l <"$f/duplicates")" -eq 1 ] || fail "the second seed leak is not a duplicate"
[ -d "$dir/findings/quiescence-station_create-data" ] || fail "error-path finding missing"
grep -qx "$dir/crashes/not-a-crash" "$dir/crashes/.unreproduced" || fail "a clean input must be listed as unreproduced"
[ "$(wc -l <"$dir/known-signatures")" -eq 2 ] || fail "known-signatures must list both"
[ "$(ops_in_listing "$f/listing.ops")" -eq 1 ] || fail "the seed leak must minimize to one op"
grep -qx 'fault heap 6' "$dir/findings/quiescence-station_create-data/listing.ops" &&
  [ "$(ops_in_listing "$dir/findings/quiescence-station_create-data/listing.ops")" -eq 1 ] ||
  fail "the error-path leak must minimize to 'fault heap 6' + connect"
listed=$(print_findings)
printf '%s\n' "$listed"
grep -qE '#1 .*wifi_sim_start_beacon_monitor.*faults: none' <<<"$listed" &&
  grep -qE '#2 .*station_create.*faults: heap call 6' <<<"$listed" ||
  fail "findings that need no injected fault come first, each with the faults it needs"
echo "test_triage: PASS"
