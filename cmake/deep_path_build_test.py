#!/usr/bin/env python3
"""CTest: the project builds and its path-bearing tests pass from a checkout
whose path is over 200 characters deep.

Usage: deep_path_build_test.py SOURCE_DIR

Copies the source tree (without build/ and .git/) under a temporary folder
nested until the copy's path is at least 200 characters, configures the
debug preset there and builds only the targets whose code or tests hold
source or build paths in buffers (the tools' tests with the Thumb ELF's
source path, the checker's owner text, the replay and its guard), then runs
those tests. A fixed-size buffer that cuts a path fails the build
(-Werror=format-truncation in tools/) or a test.
"""
import os
import shutil
import subprocess
import sys
import tempfile

MIN_DEPTH = 200
TARGETS = ["test_tools", "replay_system_vendor", "replay_system_misbehaving"]
TESTS = r"^(mmlog|mmdump|mmdump_cli|mmdump_arm|mmtrend|driver_soak)\.|corpus\.regress\.system-vendor-seed_leak|replay\.isolates"


def fail(msg):
    print(f"deep_path_build_test: FAIL: {msg}")
    sys.exit(1)


def deep_folder(base):
    path, i = base, 0
    while len(path) < MIN_DEPTH:
        path = os.path.join(path, f"a-rather-long-folder-name-{i:02d}")
        i += 1
    return os.path.join(path, "rtosfuzz")


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} exited {r.returncode} in {cwd}:\n{r.stdout[-6000:]}")
    return r.stdout


def main():
    src = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        deep = deep_folder(tmp)
        shutil.copytree(src, deep, ignore=shutil.ignore_patterns("build", ".git"), symlinks=True)
        print(f"deep_path_build_test: {len(deep)} characters: {deep}")
        run(["cmake", "--preset", "debug"], deep)
        run(["cmake", "--build", "build/debug", "--target", *TARGETS], deep)
        out = run(["ctest", "--test-dir", "build/debug", "-R", TESTS, "--output-on-failure"], deep)
        if "tests passed" not in out or " 0 tests failed" not in out:
            fail(out[-4000:])
        print(out.strip().splitlines()[-3])
    print("deep_path_build_test: PASS")


if __name__ == "__main__":
    main()
