#!/usr/bin/env python3
"""CTest: the standalone replay survives what driver code and a user's
folder throw at it.

Usage: test_replay_isolation.py REPLAY_BIN SOURCE_DIR

REPLAY_BIN is replay_system_misbehaving (unit/drivers/misbehaving_driver.c).
A mixed directory (the corpus/misbehaving/ inputs: NULL dereference, abort,
exit, hang and a clean one; plus a README.txt, a FIFO, a dangling link and
a timer scenario) must give one finding per misbehaving input, each naming
the driver function, every other entry skipped with its reason, and exit
status 1. Exit statuses 0, 2 and 130 (SIGINT during a hang) are checked too,
and so are the scenario compiler's messages and warnings, show of a
crashing input, and the minimizing of a hang (each trial in a child).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUDGET_MS = "300"


def fail(msg):
    print(f"test_replay_isolation: FAIL: {msg}")
    sys.exit(1)


def replay(binary, *args, timeout=60):
    return subprocess.run([binary, "--budget-ms", BUDGET_MS, *args], capture_output=True, text=True,
                          timeout=timeout)


def mixed_directory(src, into):
    for name in sorted(os.listdir(os.path.join(src, "corpus", "misbehaving"))):
        shutil.copy(os.path.join(src, "corpus", "misbehaving", name), into)
    with open(os.path.join(into, "README.txt"), "w") as f:
        f.write("inputs of the misbehaving driver\n")
    os.mkfifo(os.path.join(into, "pipe"))
    os.symlink(os.path.join(into, "gone"), os.path.join(into, "dangling"))
    shutil.copy(os.path.join(src, "corpus", "seeds", "timer", sorted(os.listdir(
        os.path.join(src, "corpus", "seeds", "timer")))[0]), os.path.join(into, "timer_scenario.ops"))


def check_mixed_directory(binary, src, tmp):
    d = os.path.join(tmp, "mixed")
    os.mkdir(d)
    mixed_directory(src, d)
    r = replay(binary, d)
    out = r.stdout + r.stderr
    if r.returncode != 1:
        fail(f"mixed directory: exit status {r.returncode}, expected 1\n{out}")
    for sig in ("crash/SIGSEGV/connect_dereferences_null", "crash/SIGABRT/connect_aborts",
                "exit/connect_exits", "hang/connect_spins"):
        if f"signature: {sig}\n" not in out:
            fail(f"no finding {sig}\n{out}")
    for entry, why in (("README.txt", "not an input"), ("pipe", "not a regular file"),
                       ("dangling", "a dangling symbolic link"), ("timer_scenario.ops", "a timer scenario")):
        if f"{entry}: skipped: {why}" not in out:
            fail(f"{entry} not skipped with '{why}'\n{out}")
    if "replay: 4 of 5 inputs of the system harness have findings, 4 skipped" not in out:
        fail(f"wrong summary\n{out}")
    if "in connect_spins (unit/drivers/misbehaving_driver.c:" not in out:
        fail(f"the hang does not name where the driver spins\n{out}")


def check_exit_statuses(binary, src, tmp):
    clean = os.path.join(src, "corpus", "misbehaving", "clean.ops")
    r = replay(binary, clean)
    if r.returncode != 0 or "1 inputs of the system harness ran clean" not in r.stdout:
        fail(f"clean input: exit status {r.returncode}, expected 0\n{r.stdout}{r.stderr}")
    r = replay(binary, os.path.join(tmp, "nosuch"), clean)
    if r.returncode != 2 or "no such file" not in r.stderr or "ran clean" not in r.stdout:
        fail(f"missing input: exit status {r.returncode}, expected 2 after running the rest\n{r.stdout}{r.stderr}")
    r = subprocess.run([binary, "--no-such-option"], capture_output=True, text=True)
    if r.returncode != 2 or "usage:" not in r.stderr:
        fail(f"bad option: exit status {r.returncode}, expected 2 with the usage")


def check_interrupt(binary, src):
    hang = os.path.join(src, "corpus", "misbehaving", "hang.ops")
    for name, stop in (("SIGINT to the process group (Ctrl-C)", lambda p: os.killpg(p.pid, signal.SIGINT)),
                       ("SIGTERM to the replay alone", lambda p: p.send_signal(signal.SIGTERM))):
        p = subprocess.Popen([binary, "--budget-ms", "60000", hang], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(0.5)
        stop(p)
        try:
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            fail(f"{name} did not stop the replay of a hanging input")
        if p.returncode != 130:
            fail(f"replay after {name}: exit status {p.returncode}, expected 130")
        try:
            os.killpg(p.pid, 0)
            fail(f"the worker of the replay is still running after {name}")
        except ProcessLookupError:
            pass


SCENARIO_MESSAGES = [  # (op line, what the error says)
    ("malloc slot=1 slot=2 size=8", "malloc: slot= is given twice"),
    ("malloc slot=1 size=8 size=9", "malloc: size= is given twice"),
    ("malloc size=8 slot=1", "malloc: size= where slot= belongs: the arguments go in the order slot= size="),
    ("malloc slot=0x10 size=8", "malloc: slot=0x10 (16) is not accepted: 0..15"),
    ("sleep ms=150", "sleep: ms=150 is not accepted: 100..25600 in steps of 100"),
    ("tick n=0x20", "tick: n=0x20 (32) is not accepted: 1..16"),
    ("malloc slot=1", "malloc: size=... is missing (arguments: slot= size=)"),
    ("malloc slot=1 bogus", "malloc: expected size=..., got 'bogus' (arguments: slot= size=)"),
]


def check_scenario_messages(binary, tmp):
    path = os.path.join(tmp, "bad.ops")
    for line, message in SCENARIO_MESSAGES:
        with open(path, "w") as f:
            f.write(f"harness system\n{line}\n")
        r = subprocess.run([binary, "--list", path], capture_output=True, text=True)
        if r.returncode != 2 or f"{path}: line 2: {message}" not in r.stderr:
            fail(f"'{line}': exit {r.returncode}, expected 2 and '{message}', got: {r.stderr}")
    with open(path, "w") as f:
        f.write("harness system\n" + "tick n=1\n" * 515)
    r = replay(binary, path)
    if "warning: only the first 512 ops run" not in r.stderr:
        fail(f"no warning for ops past the 512th: {r.stderr}")
    with open(path, "wb") as f:
        f.write(b"harness system\nconnect\n\0suspend\n")
    r = replay(binary, path)
    if "warning: text after the NUL byte at offset 23 is ignored" not in r.stderr:
        fail(f"no warning for text after a NUL: {r.stderr}")
    timer = os.path.join(tmp, "timer.ops")
    with open(timer, "w") as f:
        f.write("harness timer\ntick n=1\n")
    r = replay(binary, timer)
    if r.returncode != 2 or "a timer scenario, but this is the system harness" not in r.stderr:
        fail(f"a scenario of another harness given by name: exit {r.returncode}, expected 2: {r.stderr}")


def check_show_and_minimize(binary, src, tmp):
    r = subprocess.run([binary, "--budget-ms", BUDGET_MS, "--show",
                        os.path.join(src, "corpus", "misbehaving", "null_deref.ops")], capture_output=True, text=True)
    if r.returncode != 1 or "signature: crash/SIGSEGV/connect_dereferences_null" not in r.stderr:
        fail(f"show of a crashing input: exit {r.returncode}\n{r.stdout}{r.stderr}")
    long_hang = os.path.join(tmp, "long_hang.ops")
    with open(long_hang, "w") as f:
        f.write("harness system\nstart_tick 80056\nmalloc slot=1 size=100\ntick n=4\nfree slot=1\nconnect\n"
                "suspend\nconnect\n")
    small = os.path.join(tmp, "small")
    r = subprocess.run([binary, "--budget-ms", BUDGET_MS, "--minimize", long_hang, small], capture_output=True,
                       text=True, timeout=120)
    listing = subprocess.run([binary, "--list", small], capture_output=True, text=True).stdout.split("\n")
    if r.returncode != 0 or [l for l in listing if l and not l.startswith(("harness", "start_tick"))] != \
            ["tick n=4", "connect"]:
        fail(f"a hang minimized in children must be 'tick n=4', 'connect': {listing} {r.stderr}")
    # tick 80056 + 4 and tick 4 both hang (8 divides 80056): the reproducer starts at 0
    if "start_tick 0x00000000" not in listing:
        fail(f"a minimized program whose finding holds at tick 0 must start there: {listing}")


def main():
    binary, src = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        check_mixed_directory(binary, src, tmp)
        check_exit_statuses(binary, src, tmp)
        check_interrupt(binary, src)
        check_scenario_messages(binary, tmp)
        check_show_and_minimize(binary, src, tmp)
    print("test_replay_isolation: PASS")


if __name__ == "__main__":
    main()
