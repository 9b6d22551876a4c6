#!/usr/bin/env bash
# CTest: replay, show and export of a campaign finding run the driver it was
# found with (the `# driver:` line of its listing.ops, or its run's driver
# for a run older than that line); --driver against it, or a recorded
# driver file that is gone, is an error naming both; export prints the cc
# lines that build its reproducers against that driver, and they do: the
# seed leak's test fails against vendor and passes against fixed.
# Usage: test_finding_driver.sh SOURCE_DIR
set -uo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_finding_driver: FAIL: $*"; exit 1; }
rtosfuzz() { "$src/rtosfuzz" "$@" >"$tmp/out" 2>"$tmp/err"; }
leak=$src/corpus/regress/system-vendor-seed_leak.ops

finding() { # run-dir driver-line(or empty) -> a finding folder of the seed leak
  local f=$1/findings/quiescence-wifi_sim_start_beacon_monitor-timer
  mkdir -p "$f"
  echo '{}' >"$f/finding.json"
  { [ -z "$2" ] || printf '# driver: %s\n' "$2"; grep -v '^# expect' "$leak"; } >"$f/listing.ops"
  printf '%s\n' "$f"
}

fixed=$(finding "$tmp/fixed-run" fixed)
rtosfuzz replay "$fixed/listing.ops" ||
  fail "a listing found with the fixed driver must replay clean on it (exit 0), got $?: $(cat "$tmp/out" "$tmp/err")"
rtosfuzz show "$fixed" || fail "show of a finding folder must run its listing on its driver, got $?: $(cat "$tmp/err")"
rtosfuzz replay --driver vendor "$fixed/listing.ops"
[ $? -eq 2 ] && grep -q "found with driver fixed, not --driver vendor" "$tmp/err" ||
  fail "--driver against the recorded driver must be refused naming both: $(cat "$tmp/err")"

gone=$(finding "$tmp/gone-run" /nonexistent/my_driver.c)
rtosfuzz replay "$gone"
[ $? -eq 2 ] && grep -q "found with driver /nonexistent/my_driver.c, which no longer exists" "$tmp/err" ||
  fail "a recorded driver that is gone must be named: $(cat "$tmp/err")"

# a run older than the listing's line: its target file names the driver
old=$(finding "$tmp/old-run" "")
echo "system fixed system_fixed" >"$tmp/old-run/target"
rtosfuzz replay "$old/listing.ops" && grep -q "running the driver .* was found with: fixed" "$tmp/err" ||
  fail "a finding of an older fixed run must replay on fixed, and say so: $(cat "$tmp/err")"

vendor=$(finding "$tmp/vendor-run" vendor)
for f in "$vendor" "$fixed"; do
  rtosfuzz export "$f" || fail "export $f exited $?: $(cat "$tmp/err")"
  line=$(grep -E '^ +cc repro_host\.c .*-lcriterion' "$tmp/out") ||
    fail "export does not print the host test's cc line: $(cat "$tmp/out")"
  (cd "$f" && eval "$line") || fail "the printed line does not build: $line"
  "$f/repro_host" >"$tmp/repro" 2>&1
  echo "$f: repro_host exit $?"
done | tee "$tmp/verdicts"
grep -q "vendor-run.*exit [1-9]" "$tmp/verdicts" && grep -q "fixed-run.*exit 0" "$tmp/verdicts" ||
  fail "the reproducer must fail against vendor and pass against fixed: $(cat "$tmp/verdicts")"
# promote leaves the listing's driver line out: the file's name says the
# driver, and a path of this machine does not belong in the tree
promoted=$src/corpus/regress/system-vendor-test_finding_driver_$$.ops
trap 'rm -rf "$tmp" "$promoted"' EXIT
echo "system vendor system_vendor" >"$tmp/vendor-run/target"
RTOSFUZZ_FINDING_RECORD=$vendor/finding.json.new "$src/build/debug/fuzz/replay_system_vendor" "$leak" >/dev/null 2>&1
mv "$vendor/finding.json.new" "$vendor/finding.json"
rtosfuzz promote "$vendor" "test_finding_driver_$$" || fail "promote exited $?: $(cat "$tmp/err")"
grep -q '^# expect: signature: quiescence/wifi_sim_start_beacon_monitor/timer$' "$promoted" &&
  ! grep -q '^# driver: ' "$promoted" || fail "the promoted file must keep the verdict, not the driver line: $(cat "$promoted")"
echo "test_finding_driver: PASS"
