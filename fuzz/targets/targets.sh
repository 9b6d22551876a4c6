# Shell functions over fuzz/targets/harnesses, sourced by ./rtosfuzz and
# coverage/run.sh (both run from the source root).

# The driver a harness's targets link: a driver name, or `each`; nothing
# for an unknown harness.
harness_driver() { awk -v h="$1" '!/^#/ && $1 == h { print $2 }' fuzz/targets/harnesses; }

# A target is <harness>_<driver>: the driver of its harness's line, or, for
# `each`, the one given (a built-in name, or custom for a user's driver). A
# campaign writes the name into its folder ("target": harness, driver,
# target), for coverage/run.sh.
target_of() { # harness driver-name
  local d
  d=$(harness_driver "$1")
  [ "$d" != each ] || d=$2
  printf '%s_%s' "$1" "$d"
}
