#!/usr/bin/env python3
"""CTest: ./rtosfuzz campaign as CI runs it, with short engine runs.

Usage: test_campaign_cli.py SOURCE_DIR

1. A driver that crashes, aborts, exits and hangs (unit/drivers/
   misbehaving_driver.c, given as a user's driver by path), started from a
   corpus holding one input for each: four findings, each naming the driver
   function and line in its report, its record and findings.sarif; the hang
   minimized; the summary shows the user's driver's
   coverage; exit status 1. promote refuses its findings with a reason.
   A twin of it (another path) fuzzed by a second campaign started at the
   same moment in the same clone: each run's findings name its own driver.
2. Two campaigns started at the same moment: two run folders, each with its
   own engine log and summary; --time held within a few seconds.
3. A campaign resumed on the corpus of an earlier one: exit status 0.
4. SIGINT to the campaign's process group while the engine runs: exit
   status 130 within seconds, and no process of the run is left.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FUZZ_SECONDS = 4


def fail(msg):
    print(f"test_campaign_cli: FAIL: {msg}")
    sys.exit(1)


def rtosfuzz(src, *args, timeout=900):
    return subprocess.run([os.path.join(src, "rtosfuzz"), *args], cwd=src, capture_output=True, text=True,
                          timeout=timeout)


def run_dir(src, out):
    m = re.search(r"everything under (\S+)", out)
    if not m:
        fail(f"no run folder in the output:\n{out}")
    return os.path.join(src, m.group(1))


def fuzz_seconds(out):
    m = re.search(r"time +(\d+)s fuzzing", out)
    return int(m.group(1)) if m else None


def compiled_inputs(src, into):
    os.makedirs(into)
    replay = os.path.join(src, "build", "debug", "fuzz", "replay_system_misbehaving")
    folder = os.path.join(src, "corpus", "misbehaving")
    for name in sorted(os.listdir(folder)):
        subprocess.run([replay, "--compile", os.path.join(folder, name), os.path.join(into, name[:-4])],
                       check=True)


FINDINGS = (("crash-SIGSEGV-connect_dereferences_null", "connect_dereferences_null"),
            ("crash-SIGABRT-connect_aborts", "connect_aborts"), ("exit-connect_exits", "connect_exits"),
            ("hang-connect_spins", "connect_spins"))


def check_findings_name(d, source, out):
    """Every finding of the run in d names its function in source (a path's
    ending) with its line: in its report, its record and findings.sarif."""
    with open(os.path.join(d, "findings.sarif")) as f:
        sarif = {r["partialFingerprints"]["rtosfuzzSignature/v1"]: r for r in json.load(f)["runs"][0]["results"]}
    for name, fn in FINDINGS:
        report = os.path.join(d, "findings", name, "report.txt")
        if not os.path.isfile(report):
            fail(f"no finding {name} in {d}/findings\n{out}")
        with open(report) as f:
            text = f.read()
        if not re.search(rf"{fn} \(\S*{re.escape(source)}:\d", text):
            fail(f"{report} does not name {fn} in {source} with its line:\n{text}")
        with open(os.path.join(d, "findings", name, "finding.json")) as f:
            rec = json.loads(f.readline())
        top = rec["call"][0]
        loc = sarif[rec["signature"]]["locations"][0]["physicalLocation"]
        if top["function"] != fn or not top["file"].endswith(source) or \
                (loc["artifactLocation"]["uri"], loc["region"]["startLine"]) != (top["file"], top["line"]):
            fail(f"{name}: the record's driver frame {top} and the SARIF location {loc} must be {fn} in {source}")


def check_misbehaving_driver(src, tmp):
    corpus = os.path.join(tmp, "misbehaving-corpus")
    compiled_inputs(src, corpus)
    # the twin: the same driver at another path, fuzzed at the same time
    twin = os.path.join(tmp, "misbehaving_twin.c")
    shutil.copy(os.path.join(src, "unit", "drivers", "misbehaving_driver.c"), twin)
    twin_corpus = os.path.join(tmp, "twin-corpus")
    shutil.copytree(corpus, twin_corpus)
    p = subprocess.Popen([os.path.join(src, "rtosfuzz"), "campaign", "--time", str(FUZZ_SECONDS), "--driver", twin,
                          "--corpus", twin_corpus], cwd=src, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    r = rtosfuzz(src, "campaign", "--time", str(FUZZ_SECONDS), "--driver", "unit/drivers/misbehaving_driver.c",
                 "--corpus", corpus)
    twin_out = p.communicate(timeout=900)[0]
    out = r.stdout + r.stderr
    if r.returncode != 1 or p.returncode != 1:
        fail(f"campaigns with findings must exit 1, got {r.returncode} and {p.returncode}\n{out}\n{twin_out}")
    d = run_dir(src, out)
    check_findings_name(d, "unit/drivers/misbehaving_driver.c", out)
    check_findings_name(run_dir(src, twin_out), "/misbehaving_twin.c", twin_out)
    with open(os.path.join(d, "findings", "hang-connect_spins", "listing.ops")) as f:
        ops = [l for l in f if l.strip() and not l.startswith(("harness", "start_tick", "fault ", "#"))]
    if len(ops) > 3:
        fail(f"the hang is not minimized: {ops}")
    if not re.search(r"lines +your driver +\d", out):
        fail(f"the summary does not show the user's driver's coverage\n{out}")
    r = rtosfuzz(src, "promote", os.path.join(d, "findings", "exit-connect_exits"))
    if r.returncode != 2 or "this finding is of your driver" not in r.stderr:
        fail(f"promote of a user's driver finding must be refused (exit 2), got {r.returncode}: {r.stderr}")


def check_two_at_once_and_resume(src, tmp):
    corpora = [os.path.join(tmp, f"mm-corpus-{i}") for i in range(2)]
    runs = [subprocess.Popen([os.path.join(src, "rtosfuzz"), "campaign", "--harness", "mm", "--time",
                              str(FUZZ_SECONDS), "--corpus", c], cwd=src, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for c in corpora]
    outs = [p.communicate(timeout=900)[0] for p in runs]
    dirs = [run_dir(src, o) for o in outs]
    if dirs[0] == dirs[1]:
        fail(f"two campaigns share the run folder {dirs[0]}")
    for p, o, d in zip(runs, outs, dirs):
        if p.returncode != 0:
            fail(f"a clean mm campaign exited {p.returncode}\n{o}")
        log = os.path.join(d, "logs", "libfuzzer.log")
        if not os.path.isfile(log) or os.path.getsize(log) == 0 or "campaign summary" not in o:
            fail(f"{d}: no engine log or no summary\n{o}")
        t = fuzz_seconds(o)
        if t is None or t > FUZZ_SECONDS + 5:
            fail(f"--time {FUZZ_SECONDS} fuzzed {t} s\n{o}")
    r = rtosfuzz(src, "campaign", "--harness", "mm", "--time", "2", "--corpus", corpora[0])
    if r.returncode != 0:
        fail(f"a campaign resumed with --corpus exited {r.returncode}\n{r.stdout}{r.stderr}")


def check_interrupt(src):
    p = subprocess.Popen([os.path.join(src, "rtosfuzz"), "campaign", "--harness", "mm", "--time", "120"], cwd=src,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen = ""
    deadline = time.time() + 600
    while "execs" not in seen and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        seen += line
    if "execs" not in seen:
        p.kill()
        fail(f"the campaign never reported its engine running\n{seen}")
    d = run_dir(src, seen)
    os.killpg(p.pid, signal.SIGINT)  # Ctrl-C
    try:
        rest = p.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        fail("SIGINT did not stop the campaign within 20 s")
    if p.returncode != 130:
        fail(f"an interrupted campaign must exit 130, got {p.returncode}\n{seen}{rest}")
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", os.path.basename(d)], capture_output=True, text=True).stdout.split()
    if left:
        fail(f"processes of the run are still there after the interrupt: {left}")


def main():
    src = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        check_misbehaving_driver(src, tmp)
        check_two_at_once_and_resume(src, tmp)
        check_interrupt(src)
    print("test_campaign_cli: PASS")


if __name__ == "__main__":
    main()
