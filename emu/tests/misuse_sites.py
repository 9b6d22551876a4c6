#!/usr/bin/env python3
"""misuse_sites.py NATIVE_REPLAY BLOB_REPLAY INPUT

A binary driver's finding names the driver's code as the native build of
the same source does: the first finding record of INPUT through each
replay must have the same signature, faulting call, and per object the
same owner, allocation site and free site (function, file and line of the
innermost frame). The native record must name a faulting call or a free
site, so the comparison covers the sites the kernel records while it
serves a binary driver's call.

Prints "misuse_sites: PASS", or "misuse_sites: FAIL" after each difference."""
import json
import os
import subprocess
import sys
import tempfile


def first_record(replay, ops, workdir):
    """The first finding record the replay of ops writes, or None. The
    replay's own output passes through: a sanitizer report fails the test."""
    path = os.path.join(workdir, os.path.basename(replay) + ".json")
    env = dict(os.environ, RTOSFUZZ_FINDING_RECORD=path)
    sys.stdout.flush()
    subprocess.run([replay, ops], env=env, check=False)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        line = f.readline()
    return json.loads(line) if line.strip() else None


def where(frames):
    """function (file:line) of a stack's innermost frame, None for no stack."""
    if not frames:
        return None
    top = frames[0]
    return "%s (%s:%s)" % (top.get("function"), top.get("file", "?"), top.get("line", "?"))


def sites(record):
    """What the comparison reads of a record: name -> value."""
    named = {"signature": record["signature"], "faulting call": where(record.get("call"))}
    for i, obj in enumerate(record["objects"]):
        named["object %d owner" % i] = where([obj["owner"]])
        named["object %d allocated at" % i] = where(obj.get("allocated_at"))
        named["object %d freed at" % i] = where(obj.get("freed_at"))
    return named


def main():
    native_replay, blob_replay, ops = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as workdir:
        native = first_record(native_replay, ops, workdir)
        blob = first_record(blob_replay, ops, workdir)
    if native is None or blob is None:
        print("misuse_sites: FAIL: %s wrote no finding record for %s" % ("native" if native is None else "binary", ops))
        return 1
    expected, actual = sites(native), sites(blob)
    if not expected["faulting call"] and not any(v for k, v in expected.items() if k.endswith("freed at")):
        print("misuse_sites: FAIL: the native finding names no faulting call and no free site: nothing to compare")
        return 1
    differ = 0
    for name in sorted(set(expected) | set(actual)):
        if expected.get(name) != actual.get(name):
            print("misuse_sites: %s: native %s, binary %s" % (name, expected.get(name), actual.get(name)))
            differ += 1
        else:
            print("misuse_sites: %s: %s" % (name, actual.get(name)))
    print("misuse_sites: FAIL" if differ else "misuse_sites: PASS")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
