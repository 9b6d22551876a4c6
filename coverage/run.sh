#!/usr/bin/env bash
# The coverage job: ./rtosfuzz coverage [--corpus DIR] [--campaign [RUN]] [--driver PATH] [--out DIR]
# (./rtosfuzz installs gcovr and the build packages, then calls this).
#
#   (no option)  test coverage, what ./rtosfuzz test and CI enforce: build
#                the `coverage` preset (gcc --coverage -O0), zero the
#                counters, run every CTest test (the unit tests, and the seed
#                and regress corpora through the standalone replay
#                harnesses), write build/coverage/report/, print the
#                component table and the uncovered driver code, enforce
#                coverage/thresholds, then run the negative control.
#   --corpus DIR the same plus DIR replayed; written to report-corpus/,
#                thresholds shown but not enforced.
#   --campaign --corpus DIR (or --campaign DIR)
#                campaign coverage: no tests, only DIR replayed; written to
#                report-campaign/ (or --out DIR), beside the last test
#                coverage figures.
#   --driver PATH a bring-your-own driver (absolute path): built into
#                build/coverage-byo (only the driver is rebuilt when it or
#                the path changes); its contract tests and the system seeds
#                (plus DIR) replayed through it, or with --campaign only DIR;
#                the report (build/coverage-byo/report/, or --out) has the
#                driver as its own component, "your driver", with its
#                uncovered lines and never-taken branches. For a binary
#                (Cortex-M) driver the row and the list come from the
#                guest: its functions and (with DWARF) source lines never
#                run (emu/guest_coverage.h).
#
# DIR is a campaign's directory (build/campaigns/<run>/, whose "target"
# file names harness and driver, and "driver" the path of your own) or its
# corpus/; or it holds one
# subdirectory per target, named after its replay harness: mm, timer,
# system (replayed through the fixed-driver build, as CTest does for
# corpus/seeds) or a full name such as system_vendor; or DIR itself is so
# named.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source fuzz/targets/targets.sh # target_of

BUILD=build/coverage
HARNESS_DIR=$BUILD/fuzz # standalone replay binaries: replay_<harness>_<driver>

die() { printf 'coverage: %s\n' "$*" >&2; exit 2; }
step() { printf '\n== %s\n' "$*"; }

zero_counters() { find "$1" -name '*.gcda' -delete; }

# A failed configure or build shows the compiler's (or CMake's) own
# message, then the whole log's path.
cmake_or_show() { # what log cmake-args...
  local what=$1 log=$2
  shift 2
  cmake "$@" >"$log" 2>&1 && return 0
  grep -a -m1 -A40 -E 'FAILED:|CMake Error|error:' "$log" >&2 || tail -20 "$log" >&2
  die "$what failed (full log: $log)"
}

# Tests and replays run with address-space randomization off: the bitflip
# tests flip bits of real heap addresses, and with ASLR one validator
# branch is reached on some runs and not on others. Off, every run of the
# same tree gives the same figures.
NORAND=(setarch "$(uname -m)" -R)
"${NORAND[@]}" true 2>/dev/null || {
  NORAND=()
  echo "coverage: note: cannot turn ASLR off here (setarch -R); branch figures may vary by one or two" >&2
}

# replay <target> <file or dir>...: one standalone replay binary over
# inputs, for its counters. Verdicts are CTest's business (corpus/regress),
# so a finding (exit 1) is only reported; a binary that cannot run fails.
replay() {
  local target=$1 bin=$HARNESS_DIR/replay_$1 log=$BUILD/replay-$1.log rc=0
  shift
  "${NORAND[@]}" "$bin" "$@" >"$log" 2>&1 || rc=$?
  printf 'replayed %s through replay_%s: exit %d (log %s)\n' "$*" "$target" "$rc" "$log"
  [ $rc -le 1 ] || die "replay_$target failed on $* (exit $rc), see $log"
}

# The replay target for a directory name: a harness (its fixed-driver
# build) or a full target name; empty if there is none.
target_for() {
  local name=$1
  if [ -x "$HARNESS_DIR/replay_$name" ]; then echo "$name"
  elif [ -x "$HARNESS_DIR/replay_${name}_fixed" ]; then echo "${name}_fixed"
  fi
}

replay_corpus() {
  local dir=$1 t sub n=0
  compgen -G "$HARNESS_DIR/replay_*" >/dev/null ||
    die "--corpus/--campaign: no replay harness built yet ($HARNESS_DIR/replay_* missing)"
  [ -d "$dir" ] || die "--corpus $dir: no such directory"
  # A campaign's directory (build/campaigns/<run>/ or its corpus/): its
  # "target" file names the harness, the driver and the target (that of
  # the harness and driver in a campaign older than the third field).
  local tfile= h d
  if [ -f "$dir/target" ] && [ -d "$dir/corpus" ]; then tfile=$dir/target dir=$dir/corpus
  elif [ -f "$dir/../target" ]; then tfile=$dir/../target
  fi
  if [ -n "$tfile" ]; then
    read -r h d t <"$tfile" && [ -n "$d" ] || die "--corpus: $tfile: want 'harness driver [target]' (a campaign of ./rtosfuzz campaign)"
    t=${t:-$(target_of "$h" "$d")}
    [ "$d" != custom ] || [ -n "$driver" ] || die "--corpus $dir: a campaign on a bring-your-own driver: give its --driver PATH"
    [ -x "$HARNESS_DIR/replay_$t" ] || die "--corpus $dir: no replay harness replay_$t for its target ($tfile)"
    replay "$t" "$dir"
    return
  fi
  t=$(target_for "$(basename "$dir")")
  if [ -n "$t" ]; then replay "$t" "$dir"; return; fi
  for sub in "$dir"/*/; do
    t=$(target_for "$(basename "$sub")")
    [ -n "$t" ] || die "--corpus $dir: no replay harness for ${sub%/} (name it after one: $(cd "$HARNESS_DIR" && ls replay_* | sed 's/^replay_//' | tr '\n' ' '))"
    replay "$t" "${sub%/}"
    n=$((n + 1))
  done
  [ $n -gt 0 ] || die "--corpus $dir: name it, or its subdirectories, after a replay harness (mm, timer, system, system_vendor, ...)"
}

# The negative control: a tiny driver (coverage/negative/unreachable_driver.c)
# that keeps the contract but has one branch no input can take. Measured as
# a user's driver is (driver_coverage: its contract tests and the seeds):
# the uncovered driver code must name the line marked UNREACHABLE and the
# branch marked NEVER-TAKEN, and must not name the line marked REACHED (an
# error path the heap fault sweep reaches).
negative_control() {
  local src=coverage/negative/unreachable_driver.c out
  step "negative control: $src, as your driver"
  out=$(corpus='' campaign=0 contract_must_pass=1 driver_coverage "$ROOT/$src" build/coverage-byo/report-negctl) ||
    die "negative control: no report"
  local bad=0 marker n line
  for marker in UNREACHABLE NEVER-TAKEN REACHED; do
    n=$(grep -n "coverage-negctl: $marker\b" "$src" | cut -d: -f1)
    [ "$(printf '%s\n' "$n" | wc -w)" -eq 1 ] || die "negative control: want one '$marker' marker in $src"
    line=$(printf '%s\n' "$out" | grep -E "^$src:$n: " || true)
    case $marker in
      UNREACHABLE) [ -n "$line" ] && [[ $line != *"(branches:"* ]] ;;
      NEVER-TAKEN) [[ $line == *"(branches: 1 of 2 taken)"* ]] ;;
      REACHED) [ -z "$line" ] ;;
    esac || { bad=1; printf 'coverage: negative control: %s line %s:%s listed wrongly: "%s"\n' \
                "$marker" "$src" "$n" "${line:-(not listed)}" >&2; }
  done
  if [ $bad -ne 0 ]; then
    printf '%s\n' "$out" | sed -n '/^uncovered driver code/,/^$/p' >&2
    die "negative control failed: the uncovered driver code list does not show what no test reached"
  fi
  printf '%s\n' "$out" | grep -E "^$src:" || true
  echo "negative control: the unreachable line and the never-taken branch are listed, the fault-sweep path is not"
}

# Your driver's coverage: its own tree (only the driver rebuilds when it or
# its path changes), its contract tests and the system seeds (unless
# --campaign), the corpus; a report with it as a component of its own.
driver_coverage() { # driver-path report-dir
  BUILD=build/coverage-byo HARNESS_DIR=build/coverage-byo/fuzz
  step "configure + build (coverage of $1)"
  mkdir -p build
  grep -qxF "RTOSFUZZ_DRIVER:FILEPATH=$1" "$BUILD/CMakeCache.txt" 2>/dev/null ||
    cmake_or_show "configuring $BUILD for $1" "$BUILD.configure.log" --preset coverage -B "$BUILD" -DRTOSFUZZ_DRIVER="$1"
  [ ! -d "$BUILD" ] || zero_counters "$BUILD"
  cmake_or_show "building your driver $1" "$BUILD.build.log" --build "$BUILD" --target replay_system_custom test_driver_custom
  zero_counters "$BUILD"
  # A binary driver (linked into an image by blob_link) reports which of
  # its code ran, one file per process, into this directory.
  local report_driver=(--driver-source "$1")
  if grep -qxF RTOSFUZZ_DRIVER_IS_BINARY:INTERNAL=ON "$BUILD/CMakeCache.txt"; then
    export RTOSFUZZ_GUEST_COVERAGE=$BUILD/guest-coverage
    rm -rf "$RTOSFUZZ_GUEST_COVERAGE" && mkdir -p "$RTOSFUZZ_GUEST_COVERAGE"
    report_driver=(--guest-coverage "$RTOSFUZZ_GUEST_COVERAGE")
  fi
  if [ $campaign -eq 0 ]; then
    step "contract tests and system seeds through $1"
    if ! "${NORAND[@]}" "$BUILD/unit/test_driver_custom" --jobs=1 >"$BUILD/contract.log" 2>&1; then
      [ -z "${contract_must_pass:-}" ] || { cat "$BUILD/contract.log" >&2; die "$1 fails its contract tests"; }
      echo "coverage: your driver fails contract tests (see $BUILD/contract.log); the figures are of a failing run" >&2
    fi
    replay system_custom corpus/seeds/system
  fi
  [ -z "$corpus" ] || { step "replay $corpus"; replay_corpus "$corpus"; }
  step "report (your driver)"
  python3 coverage/report.py --build "$BUILD" --out "$2" "${report_driver[@]}" \
    --title "coverage of your driver $1${corpus:+ with $corpus}"
}

corpus= campaign=0 driver= out=
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) [ $# -ge 2 ] || die "--corpus wants a directory"; corpus=$2; shift 2 ;;
    --campaign) # --campaign RUN is --campaign --corpus RUN
      campaign=1
      if [ $# -ge 2 ] && [[ $2 != -* ]]; then corpus=$2; shift; fi
      shift ;;
    --driver) [ $# -ge 2 ] || die "--driver wants your driver's path"; driver=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out wants a directory"; out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (--corpus DIR, --campaign, --driver PATH, --out DIR)" ;;
  esac
done
[ $campaign -eq 0 ] || [ -n "$corpus" ] || die "--campaign wants --corpus DIR (the campaign's corpus)"
# A campaign on your own driver names it in its "driver" file.
for d in "$corpus" "$corpus/.."; do
  [ -n "$driver" ] || [ -z "$corpus" ] || [ ! -f "$d/target" ] || [ ! -f "$d/driver" ] || driver=$(cat "$d/driver")
done
[ -z "$driver" ] || [ -f "$driver" ] || die "--driver $driver: no such file"
if [ -n "$driver" ]; then
  driver_coverage "$driver" "${out:-build/coverage-byo/report}"
  exit
fi

start=$SECONDS
step "configure + build (coverage)"
# Counters from an older build of a changed source clash with its new object
# (gcov checksum error) if anything instrumented runs during the build.
[ ! -d "$BUILD" ] || zero_counters "$BUILD"
cmake --preset coverage >/dev/null
cmake --build --preset coverage
zero_counters "$BUILD"

if [ $campaign -eq 1 ]; then
  step "replay the campaign corpus $corpus"
  replay_corpus "$corpus"
  compare=()
  [ -f "$BUILD/report/summary.json" ] && compare=(--compare "tests=$BUILD/report/summary.json")
  step "report (campaign)"
  python3 coverage/report.py --build "$BUILD" --out "${out:-$BUILD/report-campaign}" \
    --title "campaign coverage of $corpus (right: the last test coverage)" "${compare[@]}"
  exit
fi

if [ -n "$corpus" ]; then # fail early, before the tests
  compgen -G "$HARNESS_DIR/replay_*" >/dev/null ||
    die "--corpus: no replay harness built yet ($HARNESS_DIR/replay_* missing)"
fi
# CTest also replays corpus/seeds and corpus/regress through the standalone
# harnesses (corpus/CMakeLists.txt): that is the "regress replay" part.
step "ctest (coverage)"
tests_rc=0
"${NORAND[@]}" ctest --preset coverage --timeout 600 || tests_rc=$?
# Further replays for the test coverage go here, one line each, e.g.
#   replay system_vendor corpus/extra
if [ -n "$corpus" ]; then
  step "replay $corpus"
  replay_corpus "$corpus"
  step "report (tests + $corpus; thresholds not enforced)"
  python3 coverage/report.py --build "$BUILD" --out "$BUILD/report-corpus" \
    --title "coverage of the tests and $corpus"
  [ $tests_rc -eq 0 ] || die "tests failed under coverage (ctest above)"
  exit
fi

step "report"
rc=0
python3 coverage/report.py --build "$BUILD" --out "$BUILD/report" --thresholds coverage/thresholds || rc=$?
[ $rc -ne 2 ] || die "the coverage report could not be produced"
negative_control
echo "coverage: done in $((SECONDS - start)) s"
[ $tests_rc -eq 0 ] || echo "coverage: FAILED: tests failed under coverage (ctest above); the figures are of a failing run" >&2
[ $rc -eq 0 ] || echo "coverage: FAILED: thresholds not met (above)" >&2
[ $rc -eq 0 ] && [ $tests_rc -eq 0 ]
