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


class ProcessEndings(unittest.TestCase):
    def test_a_finding_without_a_record_is_listed_from_its_signature(self):
        with Campaign([record("quiescence/zzz_seed_leak/timer")]) as d:
            crash = os.path.join(d, "findings", "crash-SIGSEGV-connect_dereferences_null")
            os.makedirs(crash)
            with open(os.path.join(crash, "signature"), "w") as f:
                f.write("crash/SIGSEGV/connect_dereferences_null\n")
            lines = findings.list_lines(d)
            log = findings.sarif([rec for _, rec in findings.campaign_findings(d)])
        self.assertRegex(lines[0], r"^  #1 crash +connect_dereferences_null ")
        self.assertEqual(lines[1].strip(), "crash: SIGSEGV in connect_dereferences_null")
        self.assertEqual(len(log["runs"][0]["results"]), 2)

    def test_hang_exit_and_sanitizer_words(self):
        self.assertEqual(findings.record_from_signature("hang/connect_spins")["summary"],
                         "hang: connect_spins still running after the time budget")
        self.assertEqual(findings.record_from_signature("exit/connect_exits")["summary"],
                         "exit: connect_exits ended the process")
        self.assertEqual(findings.record_from_signature("sanitizer/heap-buffer-overflow/rx")["summary"],
                         "sanitizer: heap-buffer-overflow in rx")

    def test_a_folder_with_neither_is_an_error(self):
        with Campaign([]) as d:
            os.makedirs(os.path.join(d, "findings", "empty"))
            with self.assertRaisesRegex(findings.RecordError, "neither finding.json nor signature"):
                findings.campaign_findings(d)


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
