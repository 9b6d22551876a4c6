#!/bin/bash
# differential.sh NATIVE_REPLAY BLOB_REPLAY INPUT...
# Every input must give the same verdict (the signature of its first
# finding, or clean) through the native build of a driver and through its
# binary under emulation.
native=$1 blob=$2
shift 2
findings=$(dirname "$0")/../../fuzz/findings.py
rec=$(mktemp)
trap 'rm -f "$rec"' EXIT
# The signature of the first finding's record, or "clean".
verdict() {
  : >"$rec"
  RTOSFUZZ_FINDING_RECORD=$rec "$1" "$2" >/dev/null 2>&1
  if [ -s "$rec" ]; then python3 "$findings" field "$rec" signature; else echo clean; fi
}
n=0 differ=0
for f in "$@"; do
  a=$(verdict "$native" "$f") b=$(verdict "$blob" "$f")
  n=$((n + 1))
  if [ "$a" != "$b" ]; then
    echo "differential: $f: native '$a', binary '$b'"
    differ=$((differ + 1))
  fi
done
if [ "$differ" -ne 0 ]; then
  echo "differential: FAIL, $differ of $n inputs differ"
  exit 1
fi
echo "differential: all $n inputs agree"
