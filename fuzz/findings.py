#!/usr/bin/env python3
"""Reads finding records (JSON lines, model/finding_record.h; the fields are
documented in docs/DESIGN.md, "The finding") for the scripts: one field of a
record, the campaign's list of findings, the campaign's SARIF 2.1.0 file. The
checker writes the records of its findings, replay those of the guard's
(crash, hang, exit, sanitizer); an engine binary's sanitizer report, which
neither sees, becomes a record here.

Usage:
  findings.py field RECORD NAME    a field of the first record: any top-level
                                   name, or owner (the first object's owner
                                   as "function (file:line)"), faults
                                   ("heap call 6 ..." or "none")
  findings.py list CAMPAIGN_DIR    one line per finding (findings/*/finding.json),
                                   those needing no fault first
  findings.py sarif CAMPAIGN_DIR OUT   SARIF 2.1.0, one result per signature
  findings.py sanitizer REPORT OUT [LISTING]   the record of a sanitizer's
                                   report (an engine binary's output) with the
                                   program of LISTING (replay --list); exit 1
                                   when REPORT holds none

Exit status: 0, 1 when a record is missing or malformed (the message names
the file and line), 2 for a usage error.
"""
import json
import os
import re
import sys

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class RecordError(Exception):
    """A record file that is missing, empty or not JSON lines."""


def load_records(path):
    """All records of a JSON-lines file, in order. Raises RecordError."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        raise RecordError(f"{path}: {e.strerror}") from e
    records = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise RecordError(f"{path}:{n}: not a finding record: {e.msg}") from e
        if not isinstance(rec, dict) or "signature" not in rec:
            raise RecordError(f"{path}:{n}: not a finding record: no signature")
        records.append(rec)
    if not records:
        raise RecordError(f"{path}: no finding record")
    return records


def site_text(site):
    """{function, file, line} as "function (file:line)", or the function alone."""
    if not site:
        return "-"
    if "file" in site:
        return f"{site['function']} ({site['file']}:{site['line']})"
    return site.get("function", "?")


def owner_of(rec):
    """The first object's owner, or the faulting call's site, as text."""
    if rec.get("objects"):
        return site_text(rec["objects"][0]["owner"])
    if rec.get("call"):
        return site_text(rec["call"][0])
    return "-"


def faults_of(rec):
    """The faults a finding needs: "heap call 6 pool call 2", or "none"."""
    faults = rec.get("faults", [])
    return " ".join(f"{f['point']} call {f['call']}" for f in faults) or "none"


def field(rec, name):
    if name == "owner":
        return owner_of(rec)
    if name == "faults":
        return faults_of(rec)
    value = rec.get(name)
    if value is None:
        raise RecordError(f"no field '{name}' in the record")
    return value if isinstance(value, str) else json.dumps(value)


def finding_record(fdir):
    """A campaign finding's record: the first of its finding.json."""
    path = os.path.join(fdir, "finding.json")
    if not os.path.isfile(path):
        raise RecordError(f"{fdir}: no finding.json")
    return load_records(path)[0]


# ---- a sanitizer's report as a record ---------------------------------------
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANITIZER_SUMMARY = re.compile(r"^SUMMARY: (\w+): ([\w-]+)", re.M)
SANITIZER_FRAME = re.compile(r"^ *#\d+ (0x[0-9a-f]+) in (\S+) (\S+?):(\d+)(?::\d+)?$", re.M)
OWN_CODE = ("kernel/", "model/", "fuzz/")
RUNTIME = re.compile(r"compiler-rt|sanitizer|libc|^\(|^\.\.?/")
SANITIZER_FRAMES = 4  # as K_TRACE_FRAMES, the checker's and the guard's call[]


def relative_to_project(path):
    return path[len(SOURCE_DIR) + 1:] if path.startswith(SOURCE_DIR + "/") else path


def is_driver_file(file):
    """Driver code, as the guard tells it: a source file outside the
    kernel, the model and the harness, not a runtime library's."""
    return not RUNTIME.search(file) and not file.startswith(OWN_CODE)


def sanitizer_record(report, program=()):
    """The record of the first sanitizer report in report (text), or None:
    oracle "sanitizer", call[] from the first driver frame of its stack on,
    step null (the report does not say which op ran)."""
    summary = SANITIZER_SUMMARY.search(report)
    if not summary:
        return None
    kind = summary.group(2)
    frames = [{"address": a, "function": fn, "file": relative_to_project(file), "line": int(line)}
              for a, fn, file, line in SANITIZER_FRAME.findall(report)]
    at = next((i for i, f in enumerate(frames) if is_driver_file(f["file"])), None)
    call = frames[at:at + SANITIZER_FRAMES] if at is not None else []
    where = site_text(call[0]) if call else "an unknown place"
    fn = call[0]["function"] if call else "?"
    return {"oracle": "sanitizer", "oracle_number": 0, "summary": f"sanitizer: {kind} in {where}", "step": None,
            "signature": f"sanitizer/{kind}/{fn[:100]}", "expected": "no sanitizer report",
            "actual": f"{kind} in {where}", "call": call, "objects": [], "faults": [],
            "program": [f"  {line}" for line in program]}


def campaign_findings(campaign_dir):
    """(finding dir, its record) of every finding, those that need no
    injected fault first, then by directory name."""
    root = os.path.join(campaign_dir, "findings")
    found = [(os.path.join(root, name), finding_record(os.path.join(root, name)))
             for name in (sorted(os.listdir(root)) if os.path.isdir(root) else [])
             if os.path.isdir(os.path.join(root, name))]
    return sorted(found, key=lambda f: 1 if f[1].get("faults") else 0)


def list_lines(campaign_dir):
    """The campaign summary's lines: number, oracle, owner, ops up to the
    finding, faults it needs, directory."""
    lines = []
    for n, (fdir, rec) in enumerate(campaign_findings(campaign_dir), 1):
        ops = "?" if rec["step"] is None else rec["step"] + 1
        lines.append(f"  #{n} {rec['oracle']:<14} {owner_of(rec):<55} {ops:>2} ops  "
                     f"faults: {faults_of(rec):<12} {fdir}")
        lines.append(f"     {rec['summary']}")
    return lines


def sarif_location(rec):
    """Where a finding points: the first object's owner, else the faulting call."""
    sites = [o["owner"] for o in rec.get("objects", [])] + rec.get("call", [])
    for site in sites:
        if "file" in site:
            return {"physicalLocation": {"artifactLocation": {"uri": site["file"], "uriBaseId": "SRCROOT"},
                                         "region": {"startLine": site["line"]}}}
    return None


def rule_description(rec):
    """The checker's oracles by number; 0 is the guard's: what ended the
    process running the driver."""
    if rec["oracle_number"]:
        return f"oracle {rec['oracle_number']}: {rec['oracle']}"
    return f"the driver ended its process: {rec['oracle']}"


def sarif(records):
    """A SARIF 2.1.0 log: rules are the oracles, one result per signature."""
    rules, results, seen = [], [], set()
    for rec in records:
        if rec["signature"] in seen:
            continue
        seen.add(rec["signature"])
        ids = [r["id"] for r in rules]
        if rec["oracle"] not in ids:
            rules.append({"id": rec["oracle"], "name": rec["oracle"],
                          "shortDescription": {"text": rule_description(rec)},
                          "fullDescription": {"text": rec["expected"]}})
            ids.append(rec["oracle"])
        result = {"ruleId": rec["oracle"], "ruleIndex": ids.index(rec["oracle"]), "level": "error",
                  "message": {"text": rec["summary"]},
                  "partialFingerprints": {"rtosfuzzSignature/v1": rec["signature"]},
                  "properties": {"step": rec["step"], "faults": faults_of(rec),
                                 "program": rec.get("program", [])}}
        loc = sarif_location(rec)
        if loc:
            result["locations"] = [loc]
        results.append(result)
    return {"version": "2.1.0", "$schema": SARIF_SCHEMA,
            "runs": [{"tool": {"driver": {"name": "rtosfuzz", "rules": rules}},
                      "originalUriBaseIds": {"SRCROOT": {"description": {"text": "the project's source tree"}}},
                      "results": results}]}


def write_sanitizer_record(report_path, out, listing_path=None):
    """findings.py sanitizer: RecordError when the report holds none."""
    try:
        with open(report_path, encoding="utf-8", errors="replace") as f:
            report = f.read()
        program = []
        if listing_path:
            with open(listing_path, encoding="utf-8") as f:
                program = f.read().splitlines()
    except OSError as e:
        raise RecordError(f"{e.filename}: {e.strerror}") from e
    rec = sanitizer_record(report, program)
    if rec is None:
        raise RecordError(f"{report_path}: no sanitizer report")
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def usage_ok(argv):
    counts = {"field": (4,), "list": (3,), "sarif": (4,), "sanitizer": (4, 5)}
    return len(argv) >= 2 and len(argv) in counts.get(argv[1], ())


def main(argv):
    if not usage_ok(argv):
        sys.stderr.write(__doc__)
        return 2
    try:
        if argv[1] == "sanitizer":
            write_sanitizer_record(*argv[2:])
        elif argv[1] == "field":
            print(field(load_records(argv[2])[0], argv[3]))
        elif argv[1] == "list":
            print("\n".join(list_lines(argv[2])))
        else:
            log = sarif([rec for _, rec in campaign_findings(argv[2])])
            with open(argv[3], "w", encoding="utf-8") as f:
                json.dump(log, f, indent=1)
                f.write("\n")
    except RecordError as e:
        print(f"findings.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
