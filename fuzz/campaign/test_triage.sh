#!/usr/bin/env bash
# CTest: triage turns crashing inputs into one finding per signature, with
# its files, minimized to the fewest ops, and counts the rest as duplicates. The debug replay binary
# stands in for the engine (minimizing then falls back to the input).
# The crash, abort, exit and hang of the misbehaving driver are findings with
# records too: the summary lists them and findings.sarif points at the
# driver's lines.
# Usage: test_triage.sh REPLAY_BIN SOURCE_DIR MISBEHAVING_REPLAY_BIN
set -uo pipefail # like campaign.sh: a replay that reports a finding exits 1
replay=$1 src=$2 misbehaving=$3
dir=$(mktemp -d) guard_dir=$(mktemp -d)
trap 'rm -rf "$dir" "$guard_dir"' EXIT
fuzzer=$replay engine=libfuzzer
# shellcheck source=triage.sh
. "$src/fuzz/campaign/triage.sh"
mkdir -p "$dir/crashes" "$dir/findings" "$dir/logs"
echo "system vendor system_vendor" >"$dir/target" # as ./rtosfuzz campaign writes it
for f in seed_leak error_path_leak seed_leak; do
  "$replay" --compile "$src/corpus/regress/system-vendor-$f.ops" "$dir/crashes/$f-$RANDOM"
done
"$replay" --compile "$src/corpus/seeds/system/application_only.ops" "$dir/crashes/not-a-crash"
triage_new_crashes final
minimize_new_findings
fail() { echo "test_triage: FAIL: $*"; exit 1; }
ops_in_listing() { grep -cvE '^(harness |start_tick |fault [a-z]+ [0-9]+$|#|$)' "$1"; }
field() { python3 "$src/fuzz/findings.py" field "$@"; }
[ "$(finding_count)" -eq 2 ] || fail "expected 2 findings, got $(finding_count)"
f=$dir/findings/quiescence-wifi_sim_start_beacon_monitor-timer
[ -f "$f/input" ] && [ -f "$f/minimized" ] && [ -s "$f/listing.ops" ] || fail "finding files missing in $f"
grep -q 'owner wifi_sim_start_beacon_monitor (driver/wifi_sim.c:' "$f/report.txt" || fail "report without owner"
[ "$(field "$f/finding.json" signature)" = quiescence/wifi_sim_start_beacon_monitor/timer ] ||
  fail "the record's signature is not the finding's"
[[ "$(field "$f/finding.json" owner)" == "wifi_sim_start_beacon_monitor (driver/wifi_sim.c:"* ]] ||
  fail "the record does not name the owner"
grep -qE '^summary: +leak: 1 timer \([0-9]+ B\) created in wifi_sim_start_beacon_monitor \(driver/wifi_sim\.c:[0-9]+\), still alive 10 s after suspend$' "$f/report.txt" ||
  fail "the report's summary does not say what leaked, where, and for how long"
[ "$(field "$dir/findings/quiescence-station_create-data/finding.json" faults)" = "heap call 6" ] ||
  fail "the error-path record does not name the fault it needs"
[ "$(wc -l <"$f/duplicates")" -eq 1 ] || fail "the second seed leak is not a duplicate"
[ -d "$dir/findings/quiescence-station_create-data" ] || fail "error-path finding missing"
grep -qx "$dir/crashes/not-a-crash" "$dir/crashes/.unreproduced" || fail "a clean input must be listed as unreproduced"
[ "$(wc -l <"$dir/known-signatures")" -eq 2 ] || fail "known-signatures must list both"
[ "$(ops_in_listing "$f/listing.ops")" -eq 1 ] || fail "the seed leak must minimize to one op"
[ "$(head -1 "$f/listing.ops")" = "# driver: vendor" ] || fail "the listing does not record the run's driver"
# A finding folder replays its inputs only: not duplicates, its text list.
"$replay" "$f" >"$dir/logs/folder.out" 2>&1
grep -q 'duplicates: skipped: not an input of the finding' "$dir/logs/folder.out" &&
  grep -q '^replay: 2 of 2 inputs of the system harness have findings' "$dir/logs/folder.out" ||
  fail "a finding folder must replay input and minimized alone: $(grep '^replay' "$dir/logs/folder.out")"
grep -qx 'fault heap 6' "$dir/findings/quiescence-station_create-data/listing.ops" &&
  [ "$(ops_in_listing "$dir/findings/quiescence-station_create-data/listing.ops")" -eq 1 ] ||
  fail "the error-path leak must minimize to 'fault heap 6' + connect"
listed=$(print_findings)
printf '%s\n' "$listed"
section=$(sed -nE 's/.*unreproduced .*README, "([^"]+)".*/\1/p' <<<"$listed")
[ -n "$section" ] && grep -qx "### $section" "$src/README.md" ||
  fail "the unreproduced line must point at a README section that exists: $(grep unreproduced <<<"$listed")"
grep -qE '#1 .*wifi_sim_start_beacon_monitor.*faults: none' <<<"$listed" &&
  grep -qE '#2 .*station_create.*faults: heap call 6' <<<"$listed" ||
  fail "findings that need no injected fault come first, each with the faults it needs"
python3 - "$dir/findings.sarif" <<'PY' || fail "findings.sarif: one result per signature at the owner's file:line"
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0", log["version"]
res = log["runs"][0]["results"]
assert len(res) == 2, len(res)
loc = res[0]["locations"][0]["physicalLocation"]
assert res[0]["ruleId"] == "quiescence" and loc["artifactLocation"]["uri"] == "driver/wifi_sim.c", res[0]
assert loc["region"]["startLine"] > 0 and res[0]["message"]["text"].startswith("leak: 1 timer"), res[0]
PY

# The guard's findings: replay writes their records, triage reads them.
dir=$guard_dir replay=$misbehaving fuzzer=$misbehaving
mkdir -p "$dir/crashes" "$dir/findings" "$dir/logs"
for f in "$src"/corpus/misbehaving/*.ops; do
  "$replay" --compile "$f" "$dir/crashes/$(basename "$f" .ops)"
done
triage_new_crashes final
[ "$(finding_count)" -eq 4 ] || fail "expected 4 findings of the misbehaving driver, got $(finding_count)"
grep -qx "$dir/crashes/clean" "$dir/crashes/.unreproduced" || fail "the clean input must be unreproduced"
listed=$(print_findings)
printf '%s\n' "$listed"
for kind_fn in crash:connect_dereferences_null crash:connect_aborts exit:connect_exits hang:connect_spins; do
  grep -qE "#[0-9] ${kind_fn%%:*} +${kind_fn#*:} \(unit/drivers/misbehaving_driver\.c:[0-9]+\) +2 ops" <<<"$listed" ||
    fail "the summary does not list the ${kind_fn%%:*} in ${kind_fn#*:} at its line"
done
grep -qE '^ +crash: SIGSEGV in connect_dereferences_null \(unit/drivers/misbehaving_driver\.c:[0-9]+\) at step 1$' \
  <<<"$listed" || fail "the crash's summary line does not say what, where and when"
python3 - "$dir" <<'PY' || fail "findings.sarif: each guard finding at the driver's file:line of its record"
import glob, json, os, sys
log = json.load(open(os.path.join(sys.argv[1], "findings.sarif")))
at = {r["partialFingerprints"]["rtosfuzzSignature/v1"]: r["locations"][0]["physicalLocation"]
      for r in log["runs"][0]["results"]}
assert len(at) == 4, at
for path in glob.glob(os.path.join(sys.argv[1], "findings", "*", "finding.json")):
    rec = json.loads(open(path).readline())
    top, loc = rec["call"][0], at[rec["signature"]]
    assert top["file"] == loc["artifactLocation"]["uri"] == "unit/drivers/misbehaving_driver.c", (top, loc)
    assert top["line"] == loc["region"]["startLine"] > 0, (top, loc)
PY
echo "test_triage: PASS"
