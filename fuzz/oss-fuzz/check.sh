#!/usr/bin/env bash
# ./rtosfuzz oss-fuzz-check: runs .clusterfuzzlite/build.sh on this machine,
# without Docker, with the environment the OSS-Fuzz / ClusterFuzzLite builder
# gives it, then checks what it put in $OUT the way the infrastructure's
# bad-build check and fuzzing bots would. See fuzz/oss-fuzz/README.md.
#
# usage: fuzz/oss-fuzz/check.sh [--engine libfuzzer|afl] [--sanitizer address|undefined|coverage]
#                               [--dir DIR] [--time S]
#   --engine     libfuzzer (default) or afl (AFL++: afl-clang-fast and libAFLDriver.a)
#   --sanitizer  address (default), undefined, or coverage (the coverage build;
#                libFuzzer only, nothing is fuzzed)
#   --dir        where SRC/WORK/OUT and the logs go (default build/oss-fuzz/<engine>-<sanitizer>)
#   --time       seconds of fuzzing per target (default 5)
#
# For every fuzzer in $OUT (files that define LLVMFuzzerTestOneInput, as
# ClusterFuzz finds them), each check prints one PASS/FAIL line:
#   deps       it loads on the runner image: no shared library beyond libc,
#              libm, libpthread, libdl, librt, libstdc++ and libgcc_s (libdw
#              is linked in statically)
#   sanitizer  its code calls the sanitizer it was built for, and not another
#              (the infrastructure's objdump call-count thresholds)
#   seeds      <name>_seed_corpus.zip exists, tests and unzips, is not empty
#   startup    libFuzzer: 4 runs without a seed corpus, at least 100 edges;
#              AFL++: every seed run through the binary's own file runner
#   seeds-run  libFuzzer: -runs=0 over the seed corpus passes
#   fuzz       --time seconds of fuzzing from the seeds, no crash
# and, as a negative control, the vendor driver's system target (built by
# build.sh into a directory outside $OUT, never shipped) must report the seed
# leak with its owner's file:line, from the seed loop and from fuzzing an
# empty corpus. The last line is "oss-fuzz-check: PASS" or "oss-fuzz-check:
# FAIL"; the exit status is 0 only for PASS. Logs: <dir>/logs/.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
engine=libfuzzer sanitizer=address dir='' fuzz_time=5
while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=${2:?--engine wants libfuzzer or afl}; shift ;;
    --sanitizer) sanitizer=${2:?--sanitizer wants address, undefined or coverage}; shift ;;
    --dir) dir=${2:?--dir wants a directory}; shift ;;
    --time) fuzz_time=${2:?--time wants seconds}; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "oss-fuzz-check: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case $engine in libfuzzer|afl) ;; *) echo "oss-fuzz-check: --engine wants libfuzzer or afl" >&2; exit 2 ;; esac
case $sanitizer in address|undefined|coverage) ;; *) echo "oss-fuzz-check: --sanitizer wants address, undefined or coverage" >&2; exit 2 ;; esac
[ "$engine/$sanitizer" != afl/coverage ] || { echo "oss-fuzz-check: the coverage build is a libFuzzer build" >&2; exit 2; }
[[ $fuzz_time =~ ^[1-9][0-9]*$ ]] || { echo "oss-fuzz-check: --time wants a positive number of seconds" >&2; exit 2; }
dir=${dir:-$ROOT/build/oss-fuzz/$engine-$sanitizer}
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)

started=$SECONDS
checks=0 failures=0
pass() { checks=$((checks + 1)); printf '  PASS  %-20s %-10s %s\n' "$1" "$2" "$3"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); printf '  FAIL  %-20s %-10s %s\n' "$1" "$2" "$3"; }
finish() {
  local took=$((SECONDS - started))
  if [ $failures -eq 0 ] && [ $checks -gt 0 ]; then
    echo "oss-fuzz-check: PASS ($checks checks, $engine + $sanitizer, ${took}s; logs in $dir/logs)"
    exit 0
  fi
  echo "oss-fuzz-check: FAIL ($failures of $checks checks failed, $engine + $sanitizer, ${took}s; logs in $dir/logs)"
  exit 1
}
need() { command -v "$1" >/dev/null || { echo "oss-fuzz-check: $1 not found ($2)"; fail setup tools "$1 missing"; finish; }; }

# ---- the builder's environment ----------------------------------------------
# What the base-builder image exports (base-clang's CFLAGS, SANITIZER_FLAGS_*,
# COVERAGE_FLAGS) and what its compile script derives from them. One
# difference: the image links C++ against its own libc++ (-stdlib=libc++ in
# CXXFLAGS); a Debian clang has no libc++, so the system libstdc++ is used.
BASE_CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
UBSAN_CHECKS=array-bounds,bool,builtin,enum,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
case $sanitizer in
  address) SAN_FLAGS="-fsanitize=address -fsanitize-address-use-after-scope" ;;
  undefined) SAN_FLAGS="-fsanitize=$UBSAN_CHECKS,unsigned-integer-overflow -fno-sanitize-recover=$UBSAN_CHECKS" ;;
  coverage) SAN_FLAGS="" ;;
esac
case $engine in
  libfuzzer)
    need clang "install clang: ./rtosfuzz campaign installs it"
    need clang++ "install clang"
    export CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer
    COV_FLAGS=-fsanitize=fuzzer-no-link
    [ "$sanitizer" != coverage ] || COV_FLAGS="-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument" ;;
  afl)
    need afl-clang-fast "install afl++"
    need afl-fuzz "install afl++"
    driver=${AFL_DRIVER:-}
    for c in /usr/lib/afl/libAFLDriver.a /usr/local/lib/afl/libAFLDriver.a \
             "$(dpkg -L afl++ 2>/dev/null | grep '/libAFLDriver\.a$' | head -1)"; do
      [ -n "$driver" ] || { [ -n "$c" ] && [ -f "$c" ] && driver=$c; }
    done
    [ -n "$driver" ] || { echo "oss-fuzz-check: AFL++'s libAFLDriver.a not found (set AFL_DRIVER)"; fail setup tools "libAFLDriver.a missing"; finish; }
    export CC=afl-clang-fast CXX=afl-clang-fast++ LIB_FUZZING_ENGINE=$driver
    export AFL_QUIET=1
    COV_FLAGS="" ;; # afl-clang-fast instruments by itself
esac
# The static libraries the build links libdw from
# (fuzz/oss-fuzz/static_libs.cmake; the Dockerfile installs the same
# packages in the builder image).
missing=()
for l in $(pkg-config --static --libs libdw 2>/dev/null || echo "-ldw -lelf -lz -lbz2 -llzma"); do
  case $l in -lpthread|-ldl|-lm|-lrt|-lc|-pthread) continue ;; -l*) ;; *) continue ;; esac
  [ -f "$("$CC" -print-file-name="lib${l#-l}.a" 2>/dev/null)" ] && continue
  case ${l#-l} in dw) missing+=(libdw-dev) ;; elf) missing+=(libelf-dev) ;; z) missing+=(zlib1g-dev) ;;
    bz2) missing+=(libbz2-dev) ;; lzma) missing+=(liblzma-dev) ;; zstd) missing+=(libzstd-dev) ;; *) missing+=("lib${l#-l}.a") ;; esac
done
command -v unzip >/dev/null || command -v python3 >/dev/null || missing+=(unzip)
if [ ${#missing[@]} -gt 0 ]; then
  echo "oss-fuzz-check: the build links libdw statically; install: apt-get install -y ${missing[*]}"
  fail setup tools "missing ${missing[*]}"
  finish
fi

export CFLAGS="$BASE_CFLAGS $SAN_FLAGS $COV_FLAGS"
export CXXFLAGS="$CFLAGS"
export SANITIZER=$sanitizer FUZZING_ENGINE=$engine ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c
export SRC=$dir/src WORK=$dir/work OUT=$dir/out
# Outside $OUT: only this check sees the vendor-driver target.
export RTOSFUZZ_NEGATIVE_CONTROL_DIR=$dir/negative-control
# $SRC/rtosfuzz is the checkout, as the Dockerfile's COPY makes it.
rm -rf "$SRC" "$WORK" "$OUT" "$RTOSFUZZ_NEGATIVE_CONTROL_DIR" "$dir/logs" "$dir/run"
mkdir -p "$SRC" "$WORK" "$OUT" "$dir/logs" "$dir/run"
ln -s "$ROOT" "$SRC/rtosfuzz"
cp "$ROOT/.clusterfuzzlite/build.sh" "$SRC/build.sh"

echo "oss-fuzz-check: $engine + $sanitizer; build.sh with CC=$CC CXX=$CXX"
echo "  CFLAGS=$CFLAGS"
echo "  LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE  OUT=$OUT"
t0=$SECONDS
# As the builder's compile script runs it: bash -eux $SRC/build.sh, from $SRC/rtosfuzz.
if (cd "$SRC/rtosfuzz" && ASAN_OPTIONS=detect_leaks=0 bash -eux "$SRC/build.sh") >"$dir/logs/build.log" 2>&1; then
  pass build.sh build "$((SECONDS - t0))s, $(ls "$OUT" | wc -l) files in \$OUT"
else
  fail build.sh build "exit status $?, see $dir/logs/build.log:"
  tail -n 15 "$dir/logs/build.log" | sed 's/^/        /'
  finish
fi

# ---- the runner's environment ----------------------------------------------
# The base-runner image's (and ClusterFuzz's) sanitizer options and arguments.
export ASAN_OPTIONS="alloc_dealloc_mismatch=0:allocator_may_return_null=1:allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:quarantine_size_mb=10:strict_memcmp=1:symbolize=1:use_sigaltstack=1:dedup_token_length=3"
export UBSAN_OPTIONS="print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:symbolize=1:dedup_token_length=3"
FUZZER_ARGS=(-rss_limit_mb=2560 -timeout=25)
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=30000
unset AFL_QUIET
if [ "$engine" = afl ]; then
  # afl-fuzz sees a report only as a signal: the runner adds these for AFL++.
  ASAN_OPTIONS="$ASAN_OPTIONS:abort_on_error=1:symbolize=0"
  UBSAN_OPTIONS="$UBSAN_OPTIONS:halt_on_error=1:abort_on_error=1:symbolize=0"
fi

# -key=value flags from the [libfuzzer] section of <fuzzer>.options, and the
# dictionary (<fuzzer>.dict is used when the options name none).
libfuzzer_options() { # FUZZER
  local opts=$OUT/$1.options
  if [ -f "$opts" ]; then
    awk -v out="$OUT" '
      /^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec); next }
      sec == "libfuzzer" && /=/ {
        k = $0; sub(/=.*/, "", k); gsub(/[ \t]/, "", k)
        v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
        if (k == "dict" && v !~ /^\//) v = out "/" v
        print "-" k "=" v
      }' "$opts"
  fi
  if [ -f "$OUT/$1.dict" ] && ! grep -qs '^[ \t]*dict[ \t]*=' "$opts"; then echo "-dict=$OUT/$1.dict"; fi
}

check_deps() { # FUZZER PATH
  local bad
  bad=$(ldd "$2" 2>&1 | awk '{print $1}' | grep -vE '^(linux-vdso|linux-gate)\.so|^/lib.*/ld-linux|^lib(c|m|pthread|dl|rt|stdc\+\+|c\+\+|c\+\+abi|gcc_s|unwind)\.so' | tr '\n' ' ')
  if [ -z "$bad" ]; then pass "$1" deps "only libc/libstdc++ shared libraries"
  else fail "$1" deps "needs $bad- not on the runner image"
  fi
}

# The base-runner's bad_build_check thresholds (calls into each runtime).
check_sanitizer() { # FUZZER PATH
  command -v objdump >/dev/null || { pass "$1" sanitizer "skipped (no objdump)"; return; }
  local dis asan ubsan msg=
  dis=$(objdump -dC "$2") # demangled, as the infrastructure counts
  asan=$(grep -cE 'call[q]?\s+[0-9a-f]+\s+<__asan' <<<"$dis")
  ubsan=$(grep -cE 'call[q]?\s+[0-9a-f]+\s+<__ubsan' <<<"$dis")
  case $sanitizer in
    address) [ "$asan" -ge 1000 ] || msg="only $asan ASan calls (< 1000)"
             [ "$ubsan" -le 200 ] || msg="$msg $ubsan UBSan calls in an ASan build (> 200)" ;;
    undefined) [ "$asan" -eq 0 ] || msg="$asan ASan calls in a UBSan build"
               [ "$engine" != libfuzzer ] || [ "$ubsan" -ge 168 ] || msg="$msg only $ubsan UBSan calls (< 168)" ;;
    coverage) [ "$asan" -eq 0 ] || msg="$asan ASan calls in the coverage build" ;;
  esac
  if [ -z "$msg" ]; then pass "$1" sanitizer "$sanitizer: $asan ASan, $ubsan UBSan calls"
  else fail "$1" sanitizer "$msg"
  fi
}

unzip_to() { # ZIP DIR
  mkdir -p "$2"
  if command -v unzip >/dev/null; then unzip -tq "$1" >/dev/null && unzip -qo "$1" -d "$2"
  else python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])' "$1" "$2"
  fi
}

check_seeds() { # FUZZER -> sets $seeds
  local zip=$OUT/$1_seed_corpus.zip
  seeds=$dir/run/$1/seeds
  if [ ! -f "$zip" ]; then fail "$1" seeds "no $(basename "$zip")"; return 1; fi
  if ! unzip_to "$zip" "$seeds" >"$dir/logs/$1.unzip.log" 2>&1; then fail "$1" seeds "$(basename "$zip") does not unzip"; return 1; fi
  local n
  n=$(find "$seeds" -type f | wc -l)
  if [ "$n" -gt 0 ]; then pass "$1" seeds "$n inputs in $(basename "$zip")"; else fail "$1" seeds "empty seed corpus"; return 1; fi
}

# A field of the first finding record the checker wrote to a file
# ($RTOSFUZZ_FINDING_RECORD); nothing when there is none.
record_field() { python3 "$ROOT/fuzz/findings.py" field "$@" 2>/dev/null; }

# A sanitizer's or libFuzzer's own report in a log (the harness's findings
# are read from their records instead).
engine_report_in() { grep -aqE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|^SUMMARY: ' "$1"; }

# Runs CMD, its output to LOG, the checker's finding records to REC (emptied
# first); true when it exits 0 with no record and no engine report.
runs_clean() { # LOG REC CMD...
  local log=$1 rec=$2
  shift 2
  rm -f "$rec"
  RTOSFUZZ_FINDING_RECORD=$rec "$@" >"$log" 2>&1 && [ ! -s "$rec" ] && ! engine_report_in "$log"
}

# What went wrong, for a failure line: the record's summary, or the engine's.
failure_of() { # LOG REC
  record_field "$2" summary || grep -aE '^SUMMARY:' "$1" | head -1
}

# The coverage build has no fuzzing feedback; the coverage job replays the
# corpus with a profile and reads it with llvm-profdata and llvm-cov.
check_coverage_target() { # FUZZER
  local f=$1 bin=$OUT/$1 log prof=$dir/run/$1/profile
  check_seeds "$f" || return
  mkdir -p "$prof"
  log=$dir/logs/$f.coverage.log
  if ! runs_clean "$log" "$dir/run/$f/coverage.json" env LLVM_PROFILE_FILE="$prof/%m.profraw" "$bin" -runs=0 "${FUZZER_ARGS[@]}" "$seeds"; then
    fail "$f" coverage "replaying the seed corpus failed, see $log ($(failure_of "$log" "$dir/run/$f/coverage.json"))"; return
  fi
  local profdata cov
  profdata=$(command -v llvm-profdata || true) cov=$(command -v llvm-cov || true)
  if [ -z "$profdata" ] || [ -z "$cov" ]; then
    if ls "$prof"/*.profraw >/dev/null 2>&1; then pass "$f" coverage "profile written (no llvm-profdata/llvm-cov to read it)"
    else fail "$f" coverage "no .profraw written"; fi
    return
  fi
  local lines
  if "$profdata" merge -sparse "$prof"/*.profraw -o "$prof/merged.profdata" >>"$log" 2>&1 &&
     lines=$("$cov" report "$bin" -instr-profile="$prof/merged.profdata" 2>>"$log" | awk '/^Filename/ {br = /Branches/} /^TOTAL/ {print br ? $(NF-3) : $NF}') &&
     [ -n "$lines" ]; then
    pass "$f" coverage "seed corpus covers $lines of the lines (llvm-cov report)"
  else
    fail "$f" coverage "llvm-profdata/llvm-cov could not read the profile, see $log"
  fi
}

check_libfuzzer_target() { # FUZZER
  local f=$1 bin=$OUT/$1 log opts edges
  [ "$sanitizer" != coverage ] || { check_coverage_target "$f"; return; }
  mapfile -t opts < <(libfuzzer_options "$f")
  log=$dir/logs/$f.startup.log
  "$bin" -seed=1337 -runs=4 "${FUZZER_ARGS[@]}" >"$log" 2>&1
  edges=$(grep -oE 'Loaded [0-9]+ modules? +\(([0-9]+) (inline 8-bit counters|guards)' "$log" | grep -oE '\(([0-9]+)' | tr -d '(' | head -1)
  if grep -q 'Done 4 runs' "$log" && [ "${edges:-0}" -ge 100 ]; then pass "$f" startup "4 runs, $edges edges instrumented"
  else fail "$f" startup "no 'Done 4 runs' with >= 100 edges (${edges:-no} edges), see $log"
  fi
  check_seeds "$f" || return
  log=$dir/logs/$f.seeds.log
  if runs_clean "$log" "$dir/run/$f/seeds.json" "$bin" -runs=0 "${FUZZER_ARGS[@]}" "${opts[@]}" "$seeds"; then
    pass "$f" seeds-run "-runs=0 over the seed corpus: $(grep -oE 'INITED.*corp: [0-9]+/[0-9a-zA-Z]+' "$log" | grep -oE 'corp: [0-9]+/[0-9a-zA-Z]+' | head -1)"
  else
    fail "$f" seeds-run "a seed crashes, see $log ($(failure_of "$log" "$dir/run/$f/seeds.json"))"
    return
  fi
  local scratch=$dir/run/$f/corpus
  mkdir -p "$scratch"
  log=$dir/logs/$f.fuzz.log
  if runs_clean "$log" "$dir/run/$f/fuzz.json" "$bin" -seed=1 -max_total_time="$fuzz_time" -print_final_stats=1 "${FUZZER_ARGS[@]}" "${opts[@]}" \
       -artifact_prefix="$dir/run/$f/" "$scratch" "$seeds"; then
    pass "$f" fuzz "${fuzz_time}s clean: $(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$') execs, corpus $(find "$scratch" -type f | wc -l) new inputs, ${opts[*]:-no options}"
  else
    fail "$f" fuzz "a crash in ${fuzz_time}s of fuzzing, see $log ($(failure_of "$log" "$dir/run/$f/fuzz.json"))"
  fi
}

check_afl_target() { # FUZZER
  local f=$1 bin=$OUT/$1 log
  check_seeds "$f" || return
  log=$dir/logs/$f.startup.log
  # libAFLDriver runs the files it is given, one by one, outside afl-fuzz.
  if runs_clean "$log" "$dir/run/$f/startup.json" "$bin" "$seeds"/*; then pass "$f" startup "every seed through the binary's file runner"
  else fail "$f" startup "a seed crashes, see $log"; return
  fi
  local out=$dir/run/$f/afl
  log=$dir/logs/$f.fuzz.log
  local args=(-V "$fuzz_time" -m none -i "$seeds" -o "$out")
  [ -f "$OUT/$f.dict" ] && args+=(-x "$OUT/$f.dict")
  afl-fuzz "${args[@]}" -- "$bin" >"$log" 2>&1
  local crashes execs
  crashes=$(find "$out" -path '*/crashes/id:*' 2>/dev/null | wc -l)
  execs=$(awk -F: '/^execs_done/ {gsub(/ /, "", $2); print $2}' "$out"/default/fuzzer_stats 2>/dev/null)
  if grep -q 'All set and ready to roll' "$log" && [ "$crashes" -eq 0 ]; then pass "$f" fuzz "${fuzz_time}s of afl-fuzz clean, ${execs:-?} execs"
  else fail "$f" fuzz "afl-fuzz: $crashes crashes (or it did not start), see $log and $out"
  fi
}

# ---- the shipped fuzzers ---------------------------------------------------------
# Crash artifacts and profiles land under run/, never in the caller's directory.
cd "$dir/run" || exit 1
export LLVM_PROFILE_FILE="$dir/run/default-%p.profraw"
fuzzers=()
for bin in "$OUT"/*; do
  [ -f "$bin" ] && [ -x "$bin" ] && grep -aq LLVMFuzzerTestOneInput "$bin" && fuzzers+=("$(basename "$bin")")
done
if [ ${#fuzzers[@]} -eq 0 ]; then fail build.sh build "no fuzzer in $OUT"; finish; fi
for want in fuzz_mm_fixed fuzz_timer_fixed fuzz_system_fixed fuzz_mm_log; do
  [[ " ${fuzzers[*]} " == *" $want "* ]] || fail "$want" build "missing from \$OUT"
done
for f in "${fuzzers[@]}"; do
  case $f in *vendor*) fail "$f" build "a vendor-driver target in \$OUT: its known leaks would be reported on every run" ;; esac
done
echo "oss-fuzz-check: ${#fuzzers[@]} fuzzers in \$OUT: ${fuzzers[*]}"
for f in "${fuzzers[@]}"; do
  check_deps "$f" "$OUT/$f"
  check_sanitizer "$f" "$OUT/$f"
  case $engine in
    libfuzzer) check_libfuzzer_target "$f" ;;
    afl) check_afl_target "$f" ;;
  esac
done

# ---- negative control: the vendor driver ------------------------------------------
# The build that runs clean above must still find the seed's leak, and name
# its owner with file:line (libdw, linked statically, reads the binary's
# DWARF). Not for the coverage build, which only measures.
# Both read the finding records, not the report.
SEED_LEAK=quiescence/wifi_sim_start_beacon_monitor/timer
KNOWN_LEAKS=" $SEED_LEAK quiescence/station_create/data "
if [ "$sanitizer" != coverage ]; then
  nc=fuzz_system_vendor
  vbin=$RTOSFUZZ_NEGATIVE_CONTROL_DIR/$nc
  vseeds=$dir/run/$nc/seeds
  if [ ! -x "$vbin" ] || ! unzip_to "$RTOSFUZZ_NEGATIVE_CONTROL_DIR/${nc}_seed_corpus.zip" "$vseeds" >/dev/null 2>&1; then
    fail "$nc" control "build.sh did not build it into $RTOSFUZZ_NEGATIVE_CONTROL_DIR"
  else
    log=$dir/logs/$nc.seed_loop.log rec=$dir/run/$nc/seed_loop.json
    rm -f "$rec"
    (RTOSFUZZ_FINDING_RECORD=$rec "$vbin" "$vseeds/seed_loop" >"$log" 2>&1) 2>/dev/null # (no "Aborted" from the shell)
    rc=$?
    owner=$(record_field "$rec" owner)
    if [ $rc -ne 0 ] && [ "$(record_field "$rec" signature)" = "$SEED_LEAK" ] &&
       [[ $owner =~ ^wifi_sim_start_beacon_monitor\ \(driver/wifi_sim\.c:[0-9]+\)$ ]]; then
      pass "$nc" control "the seed loop reports the leak: $owner"
    else
      fail "$nc" control "the seed loop: exit $rc, no record of $SEED_LEAK with the owner's file:line, see $log"
    fi
    rec=$dir/run/$nc/fuzz.json
    rm -f "$rec"
    log=$dir/logs/$nc.fuzz.log
    mkdir -p "$dir/run/$nc/empty"
    t0=$SECONDS
    case $engine in
      libfuzzer)
        mapfile -t opts < <(libfuzzer_options fuzz_system_fixed) # the same harness: its max_len
        RTOSFUZZ_FINDING_RECORD=$rec "$vbin" -seed=1 -max_total_time=60 "${FUZZER_ARGS[@]}" "${opts[@]}" -artifact_prefix="$dir/run/$nc/" \
          "$dir/run/$nc/empty" >"$log" 2>&1 ;;
      afl)
        # From one harmless input (the header alone): afl-fuzz must find a
        # crashing program on its own.
        printf '\0\0\0\0\0\0\0' >"$dir/run/$nc/empty/header"
        afl-fuzz -V 60 -m none -i "$dir/run/$nc/empty" -o "$dir/run/$nc/afl" -- "$vbin" >"$log" 2>&1 &
        apid=$!
        while kill -0 $apid 2>/dev/null; do
          if find "$dir/run/$nc/afl" -path '*/crashes/id:*' 2>/dev/null | grep -q .; then kill -INT $apid; fi
          sleep 1
        done
        wait $apid
        c=$(find "$dir/run/$nc/afl" -path '*/crashes/id:*' | head -1)
        [ -z "$c" ] || (RTOSFUZZ_FINDING_RECORD=$rec "$vbin" "$c" >>"$log" 2>&1) 2>/dev/null ;;
    esac
    sig=$(record_field "$rec" signature)
    if [ -n "$sig" ] && [[ $KNOWN_LEAKS == *" $sig "* ]]; then
      pass "$nc" control "fuzzing from nothing finds it in $((SECONDS - t0))s: $sig"
    else fail "$nc" control "fuzzing for 60s from an empty corpus found neither known leak, see $log"
    fi
  fi
fi
finish
