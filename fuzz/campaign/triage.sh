# Turning crashing inputs into findings; sourced by campaign.sh and by
# `./rtosfuzz triage`. Needs: $dir (the campaign directory), $replay (the
# standalone replay binary), $fuzzer (the engine binary) and $engine.
#
# A finding is findings/<signature>/ with: input (the first crashing input),
# minimized (once the campaign ends), listing.ops (the program as text),
# report.txt (the checker's report on it), signature, and duplicates (other
# inputs with the same signature). known-signatures lists them all.

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

# The signature the checker prints, or one made from a sanitizer summary;
# nothing when the input does not crash (yet: it may still be being written).
signature_of() {
  local input=$1 out sig
  out=$("$replay" "$input" 2>&1)
  sig=$(grep -a -m1 '^signature: ' <<<"$out" | cut -d' ' -f2)
  if [ -z "$sig" ]; then
    out=$(engine_run "$input" 2>&1)
    sig=$(grep -a -m1 -oE 'SUMMARY: [A-Za-z]+: [A-Za-z-]+' <<<"$out" | awk '{print "sanitizer/" $3}')
  fi
  printf '%s\n' "$sig"
}

minimize() {
  local fdir=$1 sig=$2
  if [ "$engine" = afl ]; then
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
  printf '%s\n' "$sig" >"$fdir/signature"
  printf '%s\n' "$sig" >>"$dir/known-signatures"
  describe "$fdir" input
}

# listing.ops and report.txt of a finding, from one of its inputs.
describe() { # finding-dir input-name
  "$replay" --list "$1/$2" >"$1/listing.ops" 2>/dev/null
  "$replay" "$1/$2" >/dev/null 2>"$1/report.txt"
  if ! grep -q 'rtosfuzz finding' "$1/report.txt"; then
    engine_run "$1/$2" >/dev/null 2>"$1/report.txt"
  fi
}

# Minimizing takes seconds a finding: done once the engines have stopped.
minimize_new_findings() {
  local f
  for f in "$dir"/findings/*/; do
    [ -f "$f/signature" ] && [ ! -f "$f/minimized" ] || continue
    minimize "${f%/}" "$(cat "$f/signature")"
    describe "${f%/}" minimized
  done
}

triage_new_crashes() { # [final]
  local c
  touch "$(triaged_list)"
  for c in "$dir"/crashes/*; do
    [ -f "$c" ] || continue
    grep -qxF "$c" "$(triaged_list)" || triage_one "$c" "${1:-}"
  done
}

ops_in_listing() { grep -cvE '^(harness |start_tick |fault [a-z]+ [0-9]+$|#|$)' "$1"; }

# Finding directories, those that need no injected fault first (the
# report's "faults:" line).
findings_by_faults_needed() {
  local f
  for f in "$dir"/findings/*/; do
    [ -f "$f/signature" ] || continue
    if grep -aqE '^faults: +none$' "$f/report.txt"; then echo "0 $f"; else echo "1 $f"; fi
  done | sort -s -k1,1n | cut -d' ' -f2-
}

# One line per finding: oracle, owner (function, file:line), ops, the
# faults it needs; those needing none first.
print_findings() {
  local f n=0
  printf '  findings    %s unique (%s crashing inputs)\n' "$(finding_count)" "$(crash_count)"
  [ -s "$dir/crashes/.unreproduced" ] &&
    printf '  unreproduced %s crashing inputs the checker does not reproduce: crashes/.unreproduced\n' \
      "$(wc -l <"$dir/crashes/.unreproduced")"
  while read -r f; do
    n=$((n + 1))
    local sig oracle owner ops faults
    sig=$(cat "$f/signature")
    oracle=${sig%%/*}
    owner=$(grep -a -m1 -oE 'owner .*' "$f/report.txt" | sed 's/^owner //')
    ops=$(ops_in_listing "$f/listing.ops")
    faults=$(grep -a -m1 '^faults:' "$f/report.txt" | sed 's/^faults: *//')
    printf '  #%d %-14s %-55s %2s ops  faults: %-12s %s\n' "$n" "$oracle" "${owner:-${sig#*/}}" "$ops" \
      "${faults:--}" "${f%/}"
  done < <(findings_by_faults_needed)
}
