# Turning crashing inputs into findings; sourced by campaign.sh and by its
# test (test_triage.sh). Needs: $dir (the campaign directory), $replay (the
# standalone replay binary), $fuzzer (the engine binary) and $engine.
#
# A finding is findings/<signature>/ with: input (the first crashing input),
# minimized (once the campaign ends), listing.ops (the program as text),
# report.txt (the report on it), finding.json (its record: the checker's,
# the guard's as replay writes it, or one made from an engine binary's
# sanitizer report) and duplicates (other inputs with the same signature).
# known-signatures lists them all.

triaged_list() { printf '%s/crashes/.triaged' "$dir"; }

# Runs the engine binary on one input (for a sanitizer report the checker
# cannot give); libFuzzer's own crash copies go to logs/, not the cwd.
engine_run() {
  if [ "$engine" = afl ]; then
    "$fuzzer" "$1"
  else
    "$fuzzer" -artifact_prefix="$dir/logs/rerun-" "$1"
  fi
}
finding_count() { find "$dir/findings" -mindepth 1 -maxdepth 1 -type d | wc -l; }
crash_count() { find "$dir/crashes" -maxdepth 1 -type f ! -name '.*' | wc -l; }

findings_py=$(dirname "${BASH_SOURCE[0]}")/../findings.py
record_field() { python3 "$findings_py" field "$@" 2>/dev/null; }

# The finding record of one input: replay's (the checker's, or its guard's
# for a crash, hang or exit), else one made from the engine binary's
# sanitizer report (a bug only the sanitizer sees); none when the input does
# not crash (yet: it may still be being written). The report goes to $3.
record_of() { # input record report [listing]
  rm -f "$2"
  RTOSFUZZ_FINDING_RECORD=$2 "$replay" "$1" >/dev/null 2>"$3"
  [ -s "$2" ] && return
  engine_run "$1" >/dev/null 2>"$3"
  python3 "$findings_py" sanitizer "$3" "$2" ${4:+"$4"} 2>/dev/null
}

signature_of() {
  record_of "$1" "$dir/logs/.triage-record" "$dir/logs/.triage-report"
  record_field "$dir/logs/.triage-record" signature
}

minimize() {
  local fdir=$1 sig=$2
  if [[ $sig == hang/* ]]; then
    : # every engine trial of a hang waits out its budget: the op-level pass below is enough
  elif [ "$engine" = afl ]; then
    AFL_SKIP_CPUFREQ=1 timeout 60 afl-tmin -i "$fdir/input" -o "$fdir/minimized" -- "$fuzzer" >/dev/null 2>&1
  else
    # its intermediate crash files stay inside the finding, then go
    (cd "$fdir" && timeout 60 "$fuzzer" -minimize_crash=1 -max_total_time=10 -artifact_prefix=.min- \
      -exact_artifact_path=minimized input >/dev/null 2>&1)
    rm -f "$fdir"/.min-* "$fdir"/minimized-from-*
  fi
  # a minimization that drifted to another bug (or failed) is not kept
  if [ ! -s "$fdir/minimized" ] || [ "$(signature_of "$fdir/minimized")" != "$sig" ]; then
    cp "$fdir/input" "$fdir/minimized"
  fi
  # then op by op: the fewest ops (and header faults) with the same finding
  "$replay" --minimize "$fdir/minimized" "$fdir/minimized" 2>/dev/null || true
}

triage_one() { # input [final]
  local input=$1 sig name fdir
  sig=$(signature_of "$input")
  if [ -z "$sig" ]; then
    # an engine crash the checker cannot reproduce: looked at again later,
    # and listed as such at the end
    [ -n "${2:-}" ] && printf '%s\n' "$input" | tee -a "$(triaged_list)" >>"$dir/crashes/.unreproduced"
    return
  fi
  name=$(printf '%s' "$sig" | tr '/' '-' | tr -c 'A-Za-z0-9_.-' '_')
  fdir=$dir/findings/$name
  printf '%s\n' "$input" >>"$(triaged_list)"
  if [ -d "$fdir" ]; then
    printf '%s\n' "$input" >>"$fdir/duplicates"
    return
  fi
  mkdir -p "$fdir"
  cp "$input" "$fdir/input"
  printf '%s\n' "$sig" >>"$dir/known-signatures"
  describe "$fdir" input
}

# The driver the run fuzzed: the path of the user's ($dir/driver), else the
# built-in name in $dir/target (both written by ./rtosfuzz campaign).
campaign_driver() {
  cat "$dir/driver" 2>/dev/null || awk '{ print $2 }' "$dir/target" 2>/dev/null
}

# listing.ops, report.txt and finding.json of a finding, from one of its
# inputs. The listing's first line, `# driver: D` (a comment to the text
# compiler), is what replay, show and export of it run by default.
describe() { # finding-dir input-name
  { printf '# driver: %s\n' "$(campaign_driver)"; "$replay" --list "$1/$2" 2>/dev/null; } >"$1/listing.ops"
  record_of "$1/$2" "$1/finding.json" "$1/report.txt" "$1/listing.ops"
}

# Minimizing takes seconds a finding: done once the engines have stopped.
minimize_new_findings() {
  local f
  for f in "$dir"/findings/*/; do
    [ -f "$f/finding.json" ] && [ ! -f "$f/minimized" ] && [ "${interrupted:-0}" -eq 0 ] || continue
    minimize "${f%/}" "$(record_field "$f/finding.json" signature)"
    describe "${f%/}" minimized
  done
}

# Stops at $triage_deadline (seconds since the shell started, if set) and
# on an interrupt: the rest is triaged by a later call.
triage_new_crashes() { # [final]
  local c
  touch "$(triaged_list)"
  for c in "$dir"/crashes/*; do
    [ -f "$c" ] || continue
    [ "${interrupted:-0}" -eq 0 ] && [ "$SECONDS" -lt "${triage_deadline:-$((SECONDS + 1))}" ] || return 0
    grep -qxF "$c" "$(triaged_list)" || triage_one "$c" "${1:-}"
  done
}

# One line per finding (oracle, owner, ops, the faults it needs; those
# needing none first) and its summary, from the records; findings.sarif.
print_findings() {
  printf '  findings    %s unique (%s crashing inputs)\n' "$(finding_count)" "$(crash_count)"
  [ -s "$dir/crashes/.unreproduced" ] &&
    printf '  unreproduced %s crashing inputs the checker does not reproduce alone (likely: driver state left over from the input before; README, "Unreproduced crashing inputs"): crashes/.unreproduced\n' \
      "$(wc -l <"$dir/crashes/.unreproduced")"
  python3 "$findings_py" list "$dir"
  python3 "$findings_py" sarif "$dir" "$dir/findings.sarif" &&
    printf '  sarif       %s\n' "$dir/findings.sarif"
}
