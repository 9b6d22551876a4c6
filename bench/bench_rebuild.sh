#!/usr/bin/env bash
# bench rebuild: seconds from a changed bring-your-own driver to a ready
# campaign build (its libFuzzer binary and its replay binary), as
# ./rtosfuzz builds them (one -byo tree per preset), against a fresh tree
# for the driver (how a new driver path was built before: configure and
# build everything the two targets need).
# Usage: bench/bench_rebuild.sh   (from the project root; ./rtosfuzz bench rebuild)
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp unit/drivers/example_driver.c "$work/a.c"
cp unit/drivers/example_driver.c "$work/b.c"

# What a campaign builds for a driver, through ./rtosfuzz's own functions.
build_for() { # driver
  ./rtosfuzz corpus minimize "$work/one" --driver "$1" >/dev/null
  ./rtosfuzz replay --driver "$1" corpus/misbehaving/clean.ops >/dev/null 2>&1
}
seconds() { local t0=$EPOCHREALTIME; "$@"; awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.1f", a - b }'; }
mkdir -p "$work/one"
./rtosfuzz compile corpus/misbehaving/clean.ops "$work/one/clean" >/dev/null

fresh() {
  cmake --preset fuzz-nosan -B "$work/fresh-fuzz" -DRTOSFUZZ_DRIVER="$work/a.c" >/dev/null
  cmake --build "$work/fresh-fuzz" --target fuzz_system_custom >/dev/null
  cmake --preset debug -B "$work/fresh-debug" -DRTOSFUZZ_DRIVER="$work/a.c" >/dev/null
  cmake --build "$work/fresh-debug" --target replay_system_custom >/dev/null
}
build_for "$work/b.c" # the -byo trees exist, last built for another driver
t_fresh=$(seconds fresh)
t_new=$(seconds build_for "$work/a.c")
t_same=$(seconds build_for "$work/a.c")
echo '/* edited */' >>"$work/a.c"
t_edit=$(seconds build_for "$work/a.c")
printf 'bench rebuild: libFuzzer + replay binaries of a bring-your-own driver, seconds\n'
printf '  %-44s %6s s\n' "fresh tree for the driver (baseline)" "$t_fresh" \
  "another driver path, shared -byo trees" "$t_new" "same driver, nothing changed" "$t_same" \
  "same driver, source edited" "$t_edit"
awk -v f="$t_fresh" -v e="$t_edit" 'BEGIN { printf "  edited driver vs fresh tree: %.1fx faster\n", f / e }'
