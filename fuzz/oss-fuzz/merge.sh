#!/usr/bin/env bash
# ./rtosfuzz corpus merge OUT_DIR SOURCE... [--harness H] [--driver D]
# (which builds the libFuzzer binary and runs this script with --fuzzer)
#
# Merges the corpora of several machines into OUT_DIR with libFuzzer's own
# -merge=1: an input is added only if it reaches coverage that OUT_DIR and
# the inputs added before it do not, so OUT_DIR stays small. OUT_DIR may
# already hold a corpus (it is kept and extended) and may be new.
#
# A SOURCE is any of
#   - a directory of inputs (a libFuzzer corpus, a campaign's corpus/, an
#     rsync'ed copy of another machine's)
#   - an AFL++ output directory: the queue/ of every instance in it
#     (-o DIR with -M/-S instances, or one instance directory)
#   - a .zip of inputs (a ClusterFuzzLite corpus artifact, an OSS-Fuzz
#     corpus backup, a <fuzzer>_seed_corpus.zip)
# Crashing inputs found in the sources (libFuzzer crash-*, AFL++ crashes/)
# are not corpus: they are listed at the end, to reproduce with
# ./rtosfuzz replay and ./rtosfuzz show.
#
#   --fuzzer BIN                       the libFuzzer binary that merges (required)
#   --harness mm|timer|system|mm_log   and --driver vendor|fixed|PATH: the
#   --driver D                         target BIN is, for the replay commands
#                                      of the crashes (default system, fixed)
set -euo pipefail

die() { printf 'corpus merge: %s\n' "$*" >&2; exit 1; }

out='' harness=system driver=fixed fuzzer='' sources=()
while [ $# -gt 0 ]; do
  case $1 in
    --harness) harness=${2:?--harness wants mm, timer, system or mm_log}; shift ;;
    --driver) driver=${2:?--driver wants vendor, fixed or a path}; shift ;;
    --fuzzer) fuzzer=${2:?--fuzzer wants a libFuzzer binary}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) if [ -z "$out" ]; then out=$1; else sources+=("$1"); fi ;;
  esac
  shift
done
[ -n "$out" ] && [ ${#sources[@]} -gt 0 ] && [ -n "$fuzzer" ] || die "usage: merge.sh --fuzzer BIN OUT_DIR SOURCE... [--harness H] [--driver D]"

[ -x "$fuzzer" ] || die "$fuzzer is not an executable"

# ---- the sources -------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rtosfuzz-merge.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dirs=() crashes=() total=0
count() { find "$1" -maxdepth 1 -type f ! -name '.*' ! -name 'README*' | wc -l; }
add_dir() { # DIR LABEL
  local n
  n=$(count "$1")
  printf '  %-60s %6d inputs\n' "$2" "$n"
  total=$((total + n))
  [ "$n" -eq 0 ] || dirs+=("$1")
}
i=0
for s in "${sources[@]}"; do
  i=$((i + 1))
  if [ -f "$s" ] && [[ $s == *.zip ]]; then
    mkdir -p "$tmp/zip$i"
    if command -v unzip >/dev/null; then unzip -qo "$s" -d "$tmp/zip$i" || die "$s does not unzip"
    else python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$s" "$tmp/zip$i" || die "$s does not unzip"
    fi
    # a zip may hold its inputs in a folder: flatten
    find "$tmp/zip$i" -mindepth 2 -type f -exec sh -c 'for f; do mv "$f" "$0/$(printf %s "$f" | cksum | cut -d" " -f1)-$(basename "$f")"; done' "$tmp/zip$i" {} +
    add_dir "$tmp/zip$i" "$s"
  elif [ -d "$s" ]; then
    queues=()
    if [ -d "$s/queue" ]; then queues=("$s/queue")
    else for q in "$s"/*/queue; do [ -d "$q" ] && queues+=("$q"); done
    fi
    if [ ${#queues[@]} -gt 0 ]; then # AFL++ output: each instance's queue, its crashes on the side
      for q in "${queues[@]}"; do
        add_dir "$q" "$q (AFL++ queue)"
        for c in "$(dirname "$q")"/crashes/id:*; do [ -f "$c" ] && crashes+=("$c"); done
      done
    else
      for c in "$s"/crash-* "$s"/leak-* "$s"/timeout-* "$s"/oom-*; do [ -f "$c" ] && crashes+=("$c"); done
      add_dir "$s" "$s"
    fi
  else
    die "$s: not a directory or a .zip"
  fi
done

# ---- merge ----------------------------------------------------------------------------
mkdir -p "$out"
before=$(count "$out")
log=$tmp/merge.log
echo "corpus merge: $total inputs from ${#sources[@]} source(s) into $out ($before inputs), with $(basename "$fuzzer")"
if [ ${#dirs[@]} -gt 0 ]; then
  # The same limits as the fuzzing bots; a crashing or hanging input ends
  # its merge child and the merge goes on without it.
  if ! "$fuzzer" -merge=1 -merge_control_file="$tmp/control" -rss_limit_mb=2560 -timeout=25 \
       "$out" "${dirs[@]}" >"$log" 2>&1; then
    cp "$log" "$out.merge.log" 2>/dev/null || true
    die "libFuzzer's merge failed; its log: $out.merge.log"
  fi
fi
after=$(count "$out")
stats=$(grep -oE 'MERGE-OUTER: [0-9]+ new files with [0-9]+ new features added; [0-9]+ new coverage edges' "$log" 2>/dev/null | tail -1 || true)
printf 'corpus merge: %s: %d -> %d inputs (+%d)%s\n' "$out" "$before" "$after" "$((after - before))" "${stats:+; ${stats#MERGE-OUTER: }}"
# Inputs that crash the target end their merge child and are left out.
crashed=$(grep -acE 'ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)' "$log" 2>/dev/null || true)
if [ "${crashed:-0}" -gt 0 ]; then
  cp "$log" "${out%/}.merge.log"
  echo "corpus merge: $crashed input(s) crashed $(basename "$fuzzer") and were left out; the reports: ${out%/}.merge.log"
fi

if [ ${#crashes[@]} -gt 0 ]; then
  echo "corpus merge: ${#crashes[@]} crashing input(s) in the sources, not merged; reproduce and read them with"
  hd=" --harness $harness --driver $driver"
  for c in "${crashes[@]:0:10}"; do
    if [ "$harness" = mm_log ]; then echo "  build/debug/tools/replay_mm_log '$c'"
    else echo "  ./rtosfuzz replay$hd '$c'"; fi
  done
  [ ${#crashes[@]} -le 10 ] || echo "  ... and $(( ${#crashes[@]} - 10 )) more"
  [ "$harness" = mm_log ] || echo "  ./rtosfuzz show '${crashes[0]}'$hd   # the op listing with the model's view"
fi
