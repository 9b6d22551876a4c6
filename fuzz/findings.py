#!/usr/bin/env python3
"""Reads the checker's finding records (JSON lines, model/finding_record.h)
for the scripts: one field of a record, the campaign's list of findings, and
the campaign's SARIF 2.1.0 file.

Usage:
  findings.py field RECORD NAME    a field of the first record: any top-level
                                   name, or owner (the first object's owner
                                   as "function (file:line)"), faults
                                   ("heap call 6 ..." or "none")
  findings.py list CAMPAIGN_DIR    one line per finding (findings/*/finding.json,
                                   or its signature file when the finding ended
                                   the process first), those needing no fault first
  findings.py sarif CAMPAIGN_DIR OUT   SARIF 2.1.0, one result per signature

Exit status: 0, 1 when a record is missing or malformed (the message names
the file and line), 2 for a usage error.
"""
import json
import os
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


# What ended the process when the checker did not: the guard's crash, hang
# and exit findings and a sanitizer's, by the first part of the signature.
PROCESS_ENDINGS = {
    "crash": lambda what, fn: f"crash: {what} in {fn}",
    "hang": lambda what, fn: f"hang: {fn} still running after the time budget",
    "exit": lambda what, fn: f"exit: {fn} ended the process",
    "sanitizer": lambda what, fn: f"sanitizer: {what} in {fn}",
}


def record_from_signature(sig):
    """The record of a finding that ended its process before the checker
    could write one (the guard's "crash/SIGSEGV/fn", "hang/fn", "exit/fn",
    "sanitizer/kind/fn"): what its signature says, no objects or faults."""
    parts = sig.split("/")
    kind, fn = parts[0], parts[-1] if len(parts) > 1 else "?"
    what = parts[1] if len(parts) > 2 else ""
    words = PROCESS_ENDINGS.get(kind, lambda what, fn: f"{kind}: {sig}")
    return {"oracle": kind, "oracle_number": 0, "summary": words(what, fn), "step": 0, "signature": sig,
            "expected": "the driver returns", "actual": sig, "call": [{"function": fn}], "objects": [],
            "faults": [], "program": []}


def finding_record(fdir):
    """A campaign finding's record: its finding.json, else one made from its
    signature file (a finding that ended its process). RecordError when it
    has neither."""
    path = os.path.join(fdir, "finding.json")
    if os.path.isfile(path):
        return load_records(path)[0]
    try:
        with open(os.path.join(fdir, "signature"), encoding="utf-8") as f:
            return record_from_signature(f.readline().strip())
    except OSError as e:
        raise RecordError(f"{fdir}: neither finding.json nor signature") from e


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
        lines.append(f"  #{n} {rec['oracle']:<14} {owner_of(rec):<55} {rec['step'] + 1:2} ops  "
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
                          "shortDescription": {"text": f"oracle {rec['oracle_number']}: {rec['oracle']}"},
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


def main(argv):
    if len(argv) < 3 or argv[1] not in ("field", "list", "sarif") or (argv[1] != "list" and len(argv) != 4):
        sys.stderr.write(__doc__)
        return 2
    try:
        if argv[1] == "field":
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
