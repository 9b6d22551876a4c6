#!/bin/bash -eu
# Builds rtosfuzz's fuzz targets the way OSS-Fuzz and ClusterFuzzLite expect:
# every object is compiled with $CC $CFLAGS, every fuzzer is linked with
# $CXX $CXXFLAGS ... $LIB_FUZZING_ENGINE and lands in $OUT with its
# <name>_seed_corpus.zip, <name>.options and, where one helps, <name>.dict.
# Intermediate files go to $WORK. The same script serves libFuzzer and AFL++
# (FUZZING_ENGINE) and the address, undefined and coverage builds (SANITIZER):
# nothing here picks a sanitizer or an engine, the variables do.
#
# It does not use the project's CMake build: the OSS-Fuzz builder image
# (Ubuntu 20.04) does not promise a CMake as new as the presets need, the
# CMake project also wants Criterion and the Cortex-M toolchain, and it links
# with the C driver, while a fuzzing engine library (AFL++'s driver) wants
# the C++ one. The
# source lists below mirror kernel/, driver/, model/, fuzz/ and tools/
# CMakeLists.txt; the kernel's directories are globbed like CMake globs
# kernel/timer and kernel/aos.
#
# $OUT gets (each fixed-driver target must run clean; see fuzz/oss-fuzz/README.md):
#   fuzz_mm_fixed       the heap and pool (mm harness)
#   fuzz_timer_fixed    the timer service (timer harness)
#   fuzz_system_fixed   kernel + the fixed wifi driver (system harness)
#   fuzz_mm_log         the device-log parsers of mmdump/mmtrend
#   fuzz_system_custom  only with RTOSFUZZ_DRIVER=path/to/driver.c (or .a):
#                       your driver in the system harness (set it with ENV in
#                       the Dockerfile)
# The vendor driver's target is never shipped: its two known leaks would be
# reported on every run, and its seed corpus crashes, which the
# infrastructure rejects as a bad build. With RTOSFUZZ_NEGATIVE_CONTROL_DIR=DIR
# (set by fuzz/oss-fuzz/check.sh) it is built into DIR instead, to prove the
# shipped build finds bugs.
#
# Owner names in reports come from elfutils libdw. The runner image has no
# libdw, so libdw and what it needs are linked statically (libdw-dev ships
# libdw.a; the Dockerfile installs it); system libraries stay dynamic.
# Finding records are written with libjansson, linked the same way.

# ---- where things are ------------------------------------------------------
for v in CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE OUT WORK; do
  [ -n "${!v+x}" ] || { echo "build.sh: \$$v is not set (run by the OSS-Fuzz/ClusterFuzzLite builder, or fuzz/oss-fuzz/check.sh)" >&2; exit 1; }
done
SANITIZER=${SANITIZER:-address}
FUZZING_ENGINE=${FUZZING_ENGINE:-libfuzzer}

# The source tree: RTOSFUZZ_SRC, else the checkout this script sits in, else
# the working directory (the Dockerfile's WORKDIR), else $SRC/rtosfuzz.
is_root() { [ -f "$1/fuzz/harness.c" ] && [ -d "$1/kernel/include" ]; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${RTOSFUZZ_SRC:-}" ]; then ROOT=$RTOSFUZZ_SRC
elif is_root "$HERE/.."; then ROOT=$HERE/..
elif is_root "$PWD"; then ROOT=$PWD
else ROOT=${SRC:-/src}/rtosfuzz
fi
is_root "$ROOT" || { echo "build.sh: no rtosfuzz checkout at $ROOT (set RTOSFUZZ_SRC)" >&2; exit 1; }
ROOT=$(cd "$ROOT" && pwd)

B=$WORK/rtosfuzz
rm -rf "$B"
mkdir -p "$B/obj" "$B/lib" "$B/seeds" "$OUT"
echo "build.sh: rtosfuzz at $ROOT, engine $FUZZING_ENGINE, sanitizer $SANITIZER, objects in $B"

# ---- flags ------------------------------------------------------------------
INCLUDES=(-I"$ROOT/kernel/include" -I"$ROOT/fuzz" -I"$ROOT/model" -I"$ROOT/driver/include" -I"$ROOT/driver"
          -I"$ROOT/tools/common" -I"$ROOT/tools/mmdump" -I"$ROOT/tools/mmtrend")
read -r -a USER_CFLAGS <<<"$CFLAGS"
read -r -a USER_CXXFLAGS <<<"$CXXFLAGS"
read -r -a ENGINE <<<"$LIB_FUZZING_ENGINE"
# gnu11 as in CMakeLists.txt. Owners are reported as function and file:line
# from the fuzzer's own DWARF: version 4, which elfutils reads line tables
# from reliably, and with .debug_aranges, which clang leaves out by default
# and without which libdw finds the function but not the line.
OURS=(-std=gnu11 -gdwarf-4 -gdwarf-aranges -w "${INCLUDES[@]}")
# The validator, the dump and the checker check the system under test; they
# are not it. With libFuzzer's instrumentation they are left out of the
# coverage feedback, as in the CMake fuzz presets.
NOFEEDBACK=()
case " $CFLAGS " in
  *fuzzer-no-link*|*-fsanitize-coverage=*)
    NOFEEDBACK=("-fno-sanitize-coverage=trace-cmp,trace-pc-guard,pc-table,inline-8bit-counters") ;;
esac

# ---- compiling, two at a time per core ----------------------------------------
JOBS=$(( $(nproc 2>/dev/null || echo 2) * 2 ))
running=0 failed=0
spawn() {
  "$@" &
  running=$((running + 1))
  if [ $running -ge $JOBS ]; then wait -n || failed=1; running=$((running - 1)); fi
}
drain() {
  while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
  [ $failed -eq 0 ] || { echo "build.sh: compilation failed" >&2; exit 1; }
}
# compile OBJ SRC [EXTRA FLAGS...]
compile() {
  local obj=$B/obj/$1 src=$ROOT/$2
  shift 2
  spawn "$CC" "${USER_CFLAGS[@]}" "${OURS[@]}" "$@" -c "$src" -o "$obj"
}
AR=${AR:-ar}
command -v "$AR" >/dev/null || AR=llvm-ar
# archive LIB OBJ... (archives let the linker leave out what a target does not use)
archive() { local lib=$B/lib/$1; shift; (cd "$B/obj" && "$AR" rcs "$lib" "$@"); }

kernel_objs=()
for src in "$ROOT"/kernel/port/*.c "$ROOT"/kernel/mm/*.c "$ROOT"/kernel/timer/*.c "$ROOT"/kernel/aos/*.c; do
  rel=${src#"$ROOT"/}
  obj=kernel_$(basename "$src" .c).o
  case $rel in
    kernel/mm/k_mm_validate.c|kernel/mm/k_mm_debug.c) compile "$obj" "$rel" "${NOFEEDBACK[@]}" ;;
    *) compile "$obj" "$rel" ;;
  esac
  kernel_objs+=("$obj")
done
for m in model heap_model checker symbolize finding_record; do
  compile model_$m.o model/$m.c "${NOFEEDBACK[@]}" -DRTOSFUZZ_SOURCE_DIR="\"$ROOT/\""
done
compile contract.o driver/contract.c
compile fuzz_input.o fuzz/fuzz_input.c
compile harness.o fuzz/harness.c
for h in mm timer system; do compile target_$h.o fuzz/targets/fuzz_$h.c; done
# Every driver function keeps its own call sites (owners name the function
# that allocated): -fno-inline, as driver/CMakeLists.txt builds it.
drivers=(fixed)
compile driver_fixed.o driver/wifi_sim.c -fno-inline -DWIFI_SIM_BUGS=0
if [ -n "${RTOSFUZZ_NEGATIVE_CONTROL_DIR:-}" ]; then
  compile driver_vendor.o driver/wifi_sim.c -fno-inline -DWIFI_SIM_BUGS=3
  drivers+=(vendor)
fi
custom_lib=
if [ -n "${RTOSFUZZ_DRIVER:-}" ]; then
  case $RTOSFUZZ_DRIVER in /*) drv=$RTOSFUZZ_DRIVER ;; *) drv=$ROOT/$RTOSFUZZ_DRIVER ;; esac
  [ -f "$drv" ] || { echo "build.sh: RTOSFUZZ_DRIVER=$RTOSFUZZ_DRIVER: no such file" >&2; exit 1; }
  case $drv in
    *.a) custom_lib=$drv ;;
    *) spawn "$CC" "${USER_CFLAGS[@]}" "${OURS[@]}" -fno-inline -c "$drv" -o "$B/obj/driver_custom.o" ;;
  esac
  drivers+=(custom)
fi
mmlog_objs=()
for src in "$ROOT"/tools/common/*.c; do
  obj=mmlog_$(basename "$src" .c).o
  compile "$obj" "${src#"$ROOT"/}"
  mmlog_objs+=("$obj")
done
for m in owners symbolize report; do compile mmdump_$m.o tools/mmdump/$m.c; done
for m in series trend svg; do compile mmtrend_$m.o tools/mmtrend/$m.c; done
compile target_mm_log.o tools/fuzz/fuzz_mm_log.c
# The seed compiler runs here, during the build: a plain host program, no
# sanitizer, no engine (fuzz/oss-fuzz/compile_seeds.c).
spawn "$CC" -O1 -w -I"$ROOT/kernel/include" -I"$ROOT/fuzz" "$ROOT/fuzz/oss-fuzz/compile_seeds.c" "$ROOT/fuzz/fuzz_input.c" \
  -o "$B/compile_seeds"
drain

archive libkernel.a "${kernel_objs[@]}"
archive libmodel.a model_model.o model_heap_model.o model_checker.o model_symbolize.o model_finding_record.o
archive libfuzzcore.a fuzz_input.o harness.o contract.o
for d in "${drivers[@]}"; do
  if [ "$d" = custom ] && [ -n "$custom_lib" ]; then cp "$custom_lib" "$B/lib/libdriver_custom.a"
  else archive libdriver_$d.a driver_$d.o
  fi
done
archive libmmlog.a "${mmlog_objs[@]}"
archive libmmdump.a mmdump_owners.o mmdump_symbolize.o mmdump_report.o
archive libmmtrend.a mmtrend_series.o mmtrend_trend.o mmtrend_svg.o

# ---- libdw and libjansson, statically ------------------------------------------
# pkg-config's static list, each library as its .a where there is one. The C
# library's own parts (pthread, dl, m, rt) stay dynamic: they are on every
# runner, and a static libpthread in a dynamic program breaks it.
dw_flags=$(pkg-config --static --libs libdw jansson 2>/dev/null || echo "-ldw -lelf -lz -lbz2 -llzma -ljansson -pthread")
DWLIBS=()
for f in $dw_flags; do
  case $f in
    -lpthread|-ldl|-lm|-lrt|-lc) DWLIBS+=("$f") ;;
    -l*)
      a=$("$CC" -print-file-name="lib${f#-l}.a")
      if [ -f "$a" ]; then DWLIBS+=("$a")
      else echo "build.sh: warning: no lib${f#-l}.a, linking $f dynamically (the runner image may lack it)" >&2; DWLIBS+=("$f")
      fi ;;
    *) DWLIBS+=("$f") ;;
  esac
done

# link NAME DEST OBJ LIB...
link() {
  local name=$1 dest=$2 obj=$3
  shift 3
  local libs=()
  for l in "$@"; do libs+=("$B/lib/$l"); done
  "$CXX" "${USER_CXXFLAGS[@]}" "$B/obj/$obj" -Wl,--start-group "${libs[@]}" -Wl,--end-group \
    "${ENGINE[@]}" -Wl,--start-group "${DWLIBS[@]}" -Wl,--end-group -lm -o "$dest/$name"
}

# ---- seed corpora, options, dictionaries -------------------------------------------
zip_dir() { # ZIP DIR: every file of DIR, flat
  local zipfile=$1 dir=$2
  rm -f "$zipfile"
  if command -v zip >/dev/null; then (cd "$dir" && zip -q -X -j "$zipfile" ./*)
  else python3 - "$zipfile" "$dir" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(sys.argv[2])):
        z.write(os.path.join(sys.argv[2], n), n)
PY
  fi
}

# Seeds of a harness/driver target: corpus/seeds/<harness>/*.ops and the
# reproducers corpus/regress/<harness>-<driver>-*.ops that must run clean.
seed_corpus() { # HARNESS DRIVER ZIP
  local h=$1 d=$2 dir=$B/seeds/$1_$2 files=()
  mkdir -p "$dir"
  files=("$ROOT/corpus/seeds/$h"/*.ops)
  for f in "$ROOT/corpus/regress/$h-$d-"*.ops; do
    [ -f "$f" ] && grep -q '^# expect: clean' "$f" && files+=("$f")
  done
  "$B/compile_seeds" "$h" "$dir" "${files[@]}"
  zip_dir "$3" "$dir"
}

# An input is a header and at most FUZZ_MAX_OPS ops: bytes past
# FUZZ_MAX_INPUT_LEN (fuzz/fuzz_input.h; compile_seeds prints it) are never
# read. Opcodes are taken modulo the op count and every byte string is a
# program, so a dictionary has no tokens to offer these targets.
harness_options() {
  printf '[libfuzzer]\nmax_len = %s\n' "$("$B/compile_seeds" --max-len)"
}

# ---- the targets -------------------------------------------------------------------
target_libs() { echo libfuzzcore.a libmodel.a "libdriver_$1.a" libkernel.a; }

for t in mm:fixed timer:fixed system:fixed; do
  h=${t%%:*} d=${t#*:}
  name=fuzz_${h}_$d
  # shellcheck disable=SC2046
  link "$name" "$OUT" target_$h.o $(target_libs "$d")
  seed_corpus "$h" "$d" "$OUT/${name}_seed_corpus.zip"
  harness_options >"$OUT/$name.options"
done
if [[ " ${drivers[*]} " == *" custom "* ]]; then
  # shellcheck disable=SC2046
  link fuzz_system_custom "$OUT" target_system.o $(target_libs custom)
  seed_corpus system custom "$OUT/fuzz_system_custom_seed_corpus.zip"
  harness_options >"$OUT/fuzz_system_custom.options"
fi

link fuzz_mm_log "$OUT" target_mm_log.o libmmdump.a libmmtrend.a libmmlog.a
mkdir -p "$B/seeds/mm_log"
cp "$ROOT"/tools/fuzz/corpus/* "$ROOT"/tools/tests/fixtures/* "$B/seeds/mm_log/"
zip_dir "$OUT/fuzz_mm_log_seed_corpus.zip" "$B/seeds/mm_log"
cp "$ROOT/fuzz/oss-fuzz/fuzz_mm_log.dict" "$OUT/fuzz_mm_log.dict"
cat >"$OUT/fuzz_mm_log.options" <<'EOF'
[libfuzzer]
max_len = 4096
EOF

if [ -n "${RTOSFUZZ_NEGATIVE_CONTROL_DIR:-}" ]; then
  mkdir -p "$RTOSFUZZ_NEGATIVE_CONTROL_DIR"
  # shellcheck disable=SC2046
  link fuzz_system_vendor "$RTOSFUZZ_NEGATIVE_CONTROL_DIR" target_system.o $(target_libs vendor)
  seed_corpus system vendor "$RTOSFUZZ_NEGATIVE_CONTROL_DIR/fuzz_system_vendor_seed_corpus.zip"
  harness_options >"$RTOSFUZZ_NEGATIVE_CONTROL_DIR/fuzz_system_vendor.options"
fi

echo "build.sh: done:"
(cd "$OUT" && ls -1 fuzz_* | sed 's/^/  /')
