#!/usr/bin/env bash
# CTest: the engine binaries of `./rtosfuzz campaign --sanitize` (the clang
# `fuzz` preset: libFuzzer + ASan/UBSan) boot clean and still catch a
# driver's bad write. The heap poisons its headers and free memory for ASan,
# so every kernel file that reads them must be built without ASan; one that
# is not stops every input at boot with a use-after-poison in the kernel.
# Usage: test_sanitized_engine.sh SOURCE_DIR TREE_DIR
set -uo pipefail
src=$1 tree=$2
fail() { echo "test_sanitized_engine: FAIL: $*"; exit 1; }
cmake -S "$src" -B "$tree" --preset fuzz >"$tree.configure.log" 2>&1 ||
  fail "configuring the fuzz preset (see $tree.configure.log)"
cmake --build "$tree" --target fuzz_system_fixed fuzz_system_lateuaf replay_system_fixed >"$tree.build.log" 2>&1 ||
  fail "building the engine binaries (see $tree.build.log)"

inputs=$tree/test-inputs
rm -rf "$inputs" && mkdir -p "$inputs/seeds"
for f in "$src"/corpus/seeds/system/*.ops; do
  "$tree/fuzz/replay_system_fixed" --compile "$f" "$inputs/seeds/$(basename "$f" .ops)" || fail "seed $f does not compile"
done
printf 'a' >"$inputs/seeds/one_byte"
"$tree/fuzz/replay_system_fixed" --compile "$src/corpus/regress/system-lateuaf-late_write.ops" "$inputs/late_write"

# The fixed driver on every seed: no report of any kind, exit 0.
out=$("$tree/fuzz/fuzz_system_fixed" "$inputs"/seeds/* 2>&1)
status=$?
if [ $status -ne 0 ] || grep -qE 'AddressSanitizer|runtime error:|rtosfuzz finding' <<<"$out"; then
  grep -m1 -A8 -E 'ERROR: AddressSanitizer|runtime error:|rtosfuzz finding' <<<"$out"
  fail "the fixed driver's seeds do not run clean (exit $status)"
fi

# Negative control: the late write into a freed block is ASan's to stop,
# at the driver's own line.
out=$("$tree/unit/drivers/findings/fuzz_system_lateuaf" "$inputs/late_write" 2>&1)
grep -qE '^==[0-9]+==ERROR: AddressSanitizer: use-after-poison' <<<"$out" ||
  fail "ASan does not stop the late write into a freed block"
grep -qE '#[0-9]+ 0x[0-9a-f]+ in beacon_seen .*unit/drivers/findings/late_uaf\.c:[0-9]+' <<<"$out" ||
  fail "ASan's report does not name the driver function that wrote (beacon_seen)"
echo "test_sanitized_engine: PASS"
