#!/usr/bin/env python3
"""CTest: findings.py reads finding records (fields, the campaign list, SARIF)
and names the file and line of a malformed one."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import findings  # noqa: E402


def record(sig, faults=(), objects=True, step=1):
    owner = {"address": "0x1", "function": sig.split("/")[1], "file": "driver/wifi_sim.c", "line": 185}
    return {"oracle": sig.split("/")[0], "oracle_number": 7, "summary": f"leak: {sig}", "step": step,
            "signature": sig, "expected": "nothing left", "actual": "+1 timer", "call": [],
            "objects": [{"kind": "timer", "home": "heap", "bytes": 120, "address": "0x2", "owner": owner,
                         "allocated_at": [owner], "freed_at": []}] if objects else [],
            "faults": [{"point": p, "call": c} for p, c in faults], "program": ["  connect  # step 0"]}


class Campaign:
    """A campaign folder with one finding.json per finding."""

    def __init__(self, recs):
        self.tmp = tempfile.TemporaryDirectory()
        for rec in recs:
            d = os.path.join(self.tmp.name, "findings", rec["signature"].replace("/", "-"))
            os.makedirs(d)
            with open(os.path.join(d, "finding.json"), "w") as f:
                f.write(json.dumps(rec) + "\n")

    def __enter__(self):
        return self.tmp.name

    def __exit__(self, *exc):
        self.tmp.cleanup()


class Fields(unittest.TestCase):
    def test_owner_and_faults_from_the_record(self):
        rec = record("quiescence/station_create/data", faults=[("heap", 6), ("pool", 2)])
        self.assertEqual(findings.field(rec, "owner"), "station_create (driver/wifi_sim.c:185)")
        self.assertEqual(findings.field(rec, "faults"), "heap call 6 pool call 2")
        self.assertEqual(findings.field(rec, "signature"), "quiescence/station_create/data")
        self.assertEqual(findings.field(record("a/b/c"), "faults"), "none")

    def test_owner_falls_back_to_the_faulting_call(self):
        rec = record("double-free/wifi_sim_stop/-", objects=False)
        rec["call"] = [{"address": "0x3", "function": "wifi_sim_stop"}]
        self.assertEqual(findings.owner_of(rec), "wifi_sim_stop")

    def test_unknown_field_is_an_error(self):
        with self.assertRaises(findings.RecordError):
            findings.field(record("a/b/c"), "nonsense")


class Loading(unittest.TestCase):
    def test_malformed_line_is_named(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write(json.dumps(record("a/b/c")) + "\n{not json\n")
        try:
            with self.assertRaisesRegex(findings.RecordError, r":2: not a finding record"):
                findings.load_records(f.name)
        finally:
            os.unlink(f.name)

    def test_missing_file_is_named(self):
        with self.assertRaisesRegex(findings.RecordError, r"/nonexistent/finding.json"):
            findings.load_records("/nonexistent/finding.json")

    def test_exit_status_of_a_bad_record_is_1(self):
        self.assertEqual(findings.main(["findings.py", "field", "/nonexistent", "signature"]), 1)
        self.assertEqual(findings.main(["findings.py", "bogus"]), 2)


class CampaignList(unittest.TestCase):
    def test_findings_needing_no_fault_come_first(self):
        recs = [record("quiescence/aaa_error_path/data", faults=[("heap", 6)]),
                record("quiescence/zzz_seed_leak/timer", step=0)]
        with Campaign(recs) as d:
            lines = findings.list_lines(d)
        self.assertRegex(lines[0], r"^  #1 quiescence +zzz_seed_leak \(driver/wifi_sim.c:185\) +1 ops  faults: none")
        self.assertEqual(lines[1].strip(), "leak: quiescence/zzz_seed_leak/timer")
        self.assertRegex(lines[2], r"^  #2 .*aaa_error_path.* 2 ops  faults: heap call 6")


def guard_record(kind, what, fn, line, step=1):
    """A record as replay writes it for a finding of the guard."""
    site = {"address": "0x4", "function": fn, "file": "unit/drivers/misbehaving_driver.c", "line": line}
    caller = {"address": "0x5", "function": "netmgr_reconnect_wifi", "file": "unit/drivers/misbehaving_driver.c",
              "line": 45}
    sig = f"{kind}/{what}/{fn}" if what else f"{kind}/{fn}"
    return {"oracle": kind, "oracle_number": 0, "summary": f"{kind}: {fn}", "step": step, "signature": sig,
            "expected": "each call into the driver returns", "actual": f"{what} in {fn}", "call": [site, caller],
            "objects": [], "faults": [], "program": ["  connect  # step 1  <-- here"]}


class GuardFindings(unittest.TestCase):
    def test_listed_and_located_at_the_driver_frame_like_checker_findings(self):
        recs = [record("quiescence/zzz_seed_leak/timer"), guard_record("crash", "SIGSEGV", "connect_null", 23),
                guard_record("hang", "", "connect_spins", 37)]
        with Campaign(recs) as d:
            lines = findings.list_lines(d)
            log = findings.sarif([rec for _, rec in findings.campaign_findings(d)])
        self.assertRegex(lines[0], r"^  #1 crash +connect_null \(unit/drivers/misbehaving_driver.c:23\) +2 ops")
        run = log["runs"][0]
        at = {r["partialFingerprints"]["rtosfuzzSignature/v1"]: r["locations"][0]["physicalLocation"]
              for r in run["results"]}
        self.assertEqual(at["crash/SIGSEGV/connect_null"]["region"]["startLine"], 23)
        self.assertEqual(at["hang/connect_spins"]["artifactLocation"]["uri"], "unit/drivers/misbehaving_driver.c")
        rules = {r["id"]: r["shortDescription"]["text"] for r in run["tool"]["driver"]["rules"]}
        self.assertEqual(rules["hang"], "the driver ended its process: hang")
        self.assertEqual(rules["quiescence"], "oracle 7: quiescence")

    def test_an_unknown_step_is_listed_as_such(self):
        rec = guard_record("crash", "SIGKILL", "?", 0, step=None)
        rec["call"] = []
        with Campaign([rec]) as d:
            self.assertRegex(findings.list_lines(d)[0], r" \? ops  faults: none")

    def test_a_folder_without_a_record_is_an_error(self):
        with Campaign([]) as d:
            os.makedirs(os.path.join(d, "findings", "crash-SIGSEGV-f"))
            with open(os.path.join(d, "findings", "crash-SIGSEGV-f", "signature"), "w") as f:
                f.write("crash/SIGSEGV/f\n")
            with self.assertRaisesRegex(findings.RecordError, "no finding.json"):
                findings.campaign_findings(d)


ASAN_REPORT = """==4242==ERROR: AddressSanitizer: use-after-poison on address 0x625000002900 at pc 0x4c1f2d bp 0x7ffd sp 0x7ffc
WRITE of size 16 at 0x625000002900 thread T0
    #0 0x4c1f2d in __asan_memset /build/llvm/compiler-rt/lib/asan/asan_interceptors_memintrinsics.cpp:26:3
    #1 0x4f3c2a in beacon_seen {src}/unit/drivers/findings/late_uaf.c:22:9
    #2 0x4f0a10 in timer_cb_run {src}/kernel/timer/k_timer.c:301:5
    #3 0x4e0b20 in op_tick {src}/fuzz/harness.c:512:9
    #4 0x4e0c30 in run_op {src}/fuzz/harness.c:657:5
    #5 0x4e0d40 in harness_run {src}/fuzz/harness.c:797:9
    #6 0x7f0000 in __libc_start_main (/lib/x86_64-linux-gnu/libc.so.6+0x271c9)

SUMMARY: AddressSanitizer: use-after-poison {src}/unit/drivers/findings/late_uaf.c:22:9 in beacon_seen
""".format(src=findings.SOURCE_DIR)


class SanitizerReports(unittest.TestCase):
    def test_the_record_points_at_the_driver_frame(self):
        rec = findings.sanitizer_record(ASAN_REPORT, ["harness system", "tick n=4"])
        self.assertEqual(rec["signature"], "sanitizer/use-after-poison/beacon_seen")
        self.assertEqual(rec["summary"],
                         "sanitizer: use-after-poison in beacon_seen (unit/drivers/findings/late_uaf.c:22)")
        self.assertEqual([f["function"] for f in rec["call"]], ["beacon_seen", "timer_cb_run", "op_tick", "run_op"])
        self.assertIsNone(rec["step"])
        self.assertEqual(rec["program"], ["  harness system", "  tick n=4"])
        loc = findings.sarif([rec])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        self.assertEqual((loc["artifactLocation"]["uri"], loc["region"]["startLine"]),
                         ("unit/drivers/findings/late_uaf.c", 22))

    def test_a_clean_run_has_no_record(self):
        self.assertIsNone(findings.sanitizer_record("INFO: Running with entropic power schedule\nDone 1 runs\n"))

    def test_the_command_writes_a_record_or_says_there_is_none(self):
        with tempfile.TemporaryDirectory() as d:
            report, out = os.path.join(d, "report.txt"), os.path.join(d, "finding.json")
            with open(report, "w") as f:
                f.write("Done 1 runs\n")
            self.assertEqual(findings.main(["findings.py", "sanitizer", report, out]), 1)
            self.assertFalse(os.path.exists(out))
            with open(report, "w") as f:
                f.write(ASAN_REPORT)
            self.assertEqual(findings.main(["findings.py", "sanitizer", report, out]), 0)
            self.assertEqual(findings.field(findings.load_records(out)[0], "owner"),
                             "beacon_seen (unit/drivers/findings/late_uaf.c:22)")


class Sarif(unittest.TestCase):
    def test_one_result_per_signature_at_the_owner(self):
        recs = [record("quiescence/a/timer"), record("quiescence/a/timer"), record("misuse/b/data")]
        log = findings.sarif(recs)
        self.assertEqual(log["version"], "2.1.0")
        run = log["runs"][0]
        self.assertEqual([r["id"] for r in run["tool"]["driver"]["rules"]], ["quiescence", "misuse"])
        self.assertEqual(len(run["results"]), 2)
        res = run["results"][1]
        self.assertEqual((res["ruleId"], res["ruleIndex"]), ("misuse", 1))
        loc = res["locations"][0]["physicalLocation"]
        self.assertEqual((loc["artifactLocation"]["uri"], loc["region"]["startLine"]), ("driver/wifi_sim.c", 185))
        self.assertEqual(res["partialFingerprints"]["rtosfuzzSignature/v1"], "misuse/b/data")

    def test_no_location_without_a_source_line(self):
        log = findings.sarif([record("conservation/-/-", objects=False)])
        self.assertNotIn("locations", log["runs"][0]["results"][0])


if __name__ == "__main__":
    unittest.main()
