#!/usr/bin/env python3
"""CTest: the guard's findings are finding records like the checker's.

Usage: test_guard_records.py REPLAY_BIN SOURCE_DIR [LATEUAF_REPLAY_BIN]

REPLAY_BIN is replay_system_misbehaving (unit/drivers/misbehaving_driver.c).
Replaying corpus/misbehaving/ with $RTOSFUZZ_FINDING_RECORD set must append
one record for each of the NULL dereference, abort, exit and hang inputs
(written by replay after the worker died) and none for the clean input; each
names its kind, the driver function and the source line of the statement
that crashed, aborted, exited or spun, holds the program up to its step, and
becomes a SARIF result at that line. A worker killed without a word
(SIGKILL) still gets a record: its signal, no place, a null step and the
whole program. The negative control runs this against a replay that skips
writing them (unit/seeded/replay_skips_guard_record.patch) and must see it
fail.

LATEUAF_REPLAY_BIN, given in ASan builds, is replay_system_lateuaf: ASan
stops the late write of unit/drivers/findings/late_uaf.c, and its record is
a sanitizer finding at the driver's memset.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

BUDGET_MS = "300"
DRIVER = "unit/drivers/misbehaving_driver.c"

# (signature, oracle, function, the statement it happens at)
EXPECTED = [
    ("crash/SIGSEGV/connect_dereferences_null", "crash", "connect_dereferences_null", "return *g_link;"),
    ("crash/SIGABRT/connect_aborts", "crash", "connect_aborts", "abort();"),
    ("exit/connect_exits", "exit", "connect_exits", "exit(0);"),
    ("hang/connect_spins", "hang", "connect_spins", "while (!g_ready)"),
]

RECORD_FIELDS = {"oracle": str, "oracle_number": int, "summary": str, "step": int, "signature": str,
                 "expected": str, "actual": str, "call": list, "objects": list, "faults": list, "program": list}


def fail(msg):
    print(f"test_guard_records: FAIL: {msg}")
    sys.exit(1)


def line_of(src, file, statement):
    with open(os.path.join(src, file)) as f:
        lines = [n for n, text in enumerate(f, 1) if statement in text]
    if len(lines) != 1:
        fail(f"'{statement}' is not on exactly one line of {file}")
    return lines[0]


def replay_with_records(binary, src, records):
    env = dict(os.environ, RTOSFUZZ_FINDING_RECORD=records)
    r = subprocess.run([binary, "--budget-ms", BUDGET_MS, os.path.join(src, "corpus", "misbehaving")], env=env,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 1:
        fail(f"replay of corpus/misbehaving: exit status {r.returncode}, expected 1\n{r.stdout}{r.stderr}")


def check_shape(rec):
    for name, kind in RECORD_FIELDS.items():
        if not isinstance(rec.get(name), kind):
            fail(f"{rec.get('signature')}: field '{name}' is not a {kind.__name__}: {rec}")
    for site in rec["call"]:
        if not isinstance(site.get("function"), str) or not isinstance(site.get("address"), str):
            fail(f"{rec['signature']}: a call frame without function or address: {site}")


def check_record(rec, oracle, fn, where, op, sarif_results):
    """rec is the finding of oracle in fn at where (file, line), in the op
    op of its program, and has a SARIF result there."""
    check_shape(rec)
    sig = rec["signature"]
    top = rec["call"][0] if rec["call"] else {}
    if (rec["oracle"], rec["oracle_number"]) != (oracle, 0):
        fail(f"{sig}: oracle {rec['oracle']} {rec['oracle_number']}, expected {oracle} 0")
    if (top.get("function"), top.get("file"), top.get("line")) != (fn, *where):
        fail(f"{sig}: call[0] is {top}, expected {fn} ({where[0]}:{where[1]})")
    if not rec["summary"].startswith(f"{oracle}: ") or f"{fn} ({where[0]}:{where[1]})" not in rec["summary"] or \
            not rec["summary"].endswith(f"at step {rec['step']}"):
        fail(f"{sig}: the summary does not say what, where and at which step: {rec['summary']}")
    if not rec["program"] or not rec["program"][-1].rstrip().endswith("<-- here") or op not in rec["program"][-1]:
        fail(f"{sig}: the program does not end at the {op} it happened in: {rec['program']}")
    result = sarif_results.get(sig)
    loc = result["locations"][0]["physicalLocation"] if result and result.get("locations") else {}
    if (loc.get("artifactLocation", {}).get("uri"), loc.get("region", {}).get("startLine")) != where:
        fail(f"{sig}: the SARIF result is not at {where[0]}:{where[1]}: {result}")


def sarif_results(records, findings):
    return {r["partialFingerprints"]["rtosfuzzSignature/v1"]: r
            for r in findings.sarif(records)["runs"][0]["results"]}


def worker_of(pid):
    """The replay's worker process, once it has one."""
    deadline = time.time() + 30
    while time.time() < deadline:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = f.read().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    fail("the replay started no worker")


def check_killed_worker(binary, src, findings, tmp):
    path = os.path.join(tmp, "killed.json")
    p = subprocess.Popen([binary, "--budget-ms", "60000", os.path.join(src, "corpus", "misbehaving", "hang.ops")],
                         env=dict(os.environ, RTOSFUZZ_FINDING_RECORD=path), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)  # into the spin
    os.kill(worker_of(p.pid), signal.SIGKILL)
    out, err = p.communicate(timeout=30)
    try:
        rec = findings.load_records(path)[0]
    except findings.RecordError:
        fail(f"no record of crash/SIGKILL/? for a killed worker\n{out}{err}")
    if (rec["oracle"], rec["signature"], rec["step"], rec["call"]) != ("crash", "crash/SIGKILL/?", None, []):
        fail(f"a killed worker's record must be crash/SIGKILL/? with no step and no call: {rec}")
    if rec["summary"] != "crash: the process ended (SIGKILL) without a report" or \
            not any(line.strip().startswith("suspend") for line in rec["program"]):
        fail(f"a killed worker's record must say so and hold the whole program: {rec}")


def check_sanitizer_record(binary, src, findings, tmp):
    path = os.path.join(tmp, "sanitizer.json")
    r = subprocess.run([binary, os.path.join(src, "corpus", "regress", "system-lateuaf-late_write.ops")],
                       env=dict(os.environ, RTOSFUZZ_FINDING_RECORD=path), capture_output=True, text=True,
                       timeout=120)
    try:
        rec = findings.load_records(path)[0]
    except findings.RecordError:
        fail(f"no record of ASan's report on the late write\n{r.stdout}{r.stderr}")
    if rec["signature"] != "sanitizer/use-after-poison/beacon_seen":
        fail(f"the late write's record is {rec['signature']}, expected sanitizer/use-after-poison/beacon_seen")
    file = "unit/drivers/findings/late_uaf.c"
    where = (file, line_of(src, file, "memset(rx,"))
    check_record(rec, "sanitizer", "beacon_seen", where, "suspend", sarif_results([rec], findings))


def check_records(records, src, findings):
    by_sig = {rec["signature"]: rec for rec in records}
    results = sarif_results(records, findings)
    for sig, oracle, fn, statement in EXPECTED:
        if sig not in by_sig:
            fail(f"no record of {sig}; the records: {sorted(by_sig)}")
        check_record(by_sig[sig], oracle, fn, (DRIVER, line_of(src, DRIVER, statement)), "connect", results)
    if len(records) != len(EXPECTED):
        fail(f"{len(records)} records for {len(EXPECTED)} findings (the clean input must have none): "
             f"{[r['signature'] for r in records]}")


def main():
    binary, src = sys.argv[1], os.path.abspath(sys.argv[2])
    sys.path.insert(0, os.path.join(src, "fuzz"))
    import findings  # noqa: E402
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "records.json")
        replay_with_records(binary, src, path)
        try:
            records = findings.load_records(path)
        except findings.RecordError:
            records = []
        check_records(records, src, findings)
        check_killed_worker(binary, src, findings, tmp)
        if len(sys.argv) > 3:
            check_sanitizer_record(sys.argv[3], src, findings, tmp)
    print("test_guard_records: PASS")


if __name__ == "__main__":
    main()
