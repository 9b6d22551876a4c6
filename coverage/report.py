#!/usr/bin/env python3
"""Coverage report for rtosfuzz: one gcovr run, then a table per component,
the uncovered driver code and the threshold check.

Run by coverage/run.sh (./rtosfuzz coverage) after the tests and replays
have written their .gcda files into a gcc --coverage build tree:

  report.py --build build/coverage --out build/coverage/report \
            [--thresholds coverage/thresholds] [--driver-source FILE ...] \
            [--guest-coverage DIR] [--title TEXT] [--compare OTHER/summary.json]
  report.py --print-components REPORT/components.json   (campaign summary lines)

gcovr writes into --out: index.html (+ one annotated page per source, line
and branch detail), coverage.xml (Cobertura), coverage.json (per line and
branch) and summary.json (gcovr --json-summary). The component figures are
sums over summary.json's per-file entries; the threshold check compares
exact counts (covered * 100 >= threshold * total).

A binary (Cortex-M) driver has no gcov counters: --guest-coverage DIR
merges the reports its processes wrote there (RTOSFUZZ_GUEST_COVERAGE=DIR,
records of emu/guest_coverage.h) into the "your driver" row (source lines
from DWARF, and functions) and its uncovered list (functions and lines
never run).

Exit status: 0 ok, 1 a threshold missed, 2 the report could not be produced.
"""
import argparse
import json
import os
import re
import subprocess
import sys

# Components: name, then regexes (gcovr --filter syntax: relative to the
# repository root, matched from the start of the path). Anything else the
# build measured (unit/ tests and support, bench/, driver/soak/, tools/) is
# not part of any component and not in the report.
COMPONENTS = [
    ("kernel/mm", [r"kernel/mm/", r"kernel/port/", r"kernel/include/"]),
    ("kernel/timer", [r"kernel/timer/"]),
    ("kernel/aos", [r"kernel/aos/"]),
    # The driver library code: the simulated wifi driver (vendor and fixed
    # builds of one source, merged) and the contract checks. driver/soak/ is
    # a test program and counts as test code, like unit/.
    ("driver", [r"driver/(include/)?[^/]+$"]),
    ("model", [r"model/"]),
    ("fuzz", [r"fuzz/"]),
]
DRIVER = "driver"
# A bring-your-own driver (--driver-source) is a component of its own.
YOUR_DRIVER = "your driver"
# What a campaign summary shows of components.json (--print-components).
SUMMARY_COMPONENTS = ("kernel/mm", "kernel/timer", "kernel/aos", DRIVER, YOUR_DRIVER)

# Test copies of the kernel with a seeded bug (targets rtos_kernel_<bug>)
# and the binaries that run against them (negctl_<bug>) compile the same
# sources: their counters must neither add coverage the real kernel does not
# have nor add the seeded-bug lines. Their object directories are skipped.
TEST_COPY_OBJDIRS = r".*/CMakeFiles/(rtos_kernel_[^/]+|negctl_[^/]+)\.dir$"

SOURCE_EXT = re.compile(r"\.(c|h)$")


def die(msg, status=2):
    print("coverage: " + msg, file=sys.stderr)
    sys.exit(status)


def pct(covered, total):
    """Percent, rounded down to 0.1 so a figure shown never overstates."""
    return int(covered * 1000 // total) / 10.0 if total else None


def fmt(covered, total):
    if not total:
        return "n/a"
    return "%5.1f%% (%d/%d)" % (pct(covered, total), covered, total)


def read_thresholds(path):
    """Lines of `component  lines%  branches%` ('-' = not enforced)."""
    limits = {}
    known = {name for name, _ in COMPONENTS}
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 3 or parts[0] not in known:
                die("%s:%d: want '<component> <lines%%|-> <branches%%|->' with a component of %s"
                    % (path, n, ", ".join(sorted(known))))
            vals = []
            for v in parts[1:]:
                if v == "-":
                    vals.append(None)
                    continue
                try:
                    vals.append(float(v))
                except ValueError:
                    die("%s:%d: '%s' is not a percentage" % (path, n, v))
            limits[parts[0]] = tuple(vals)
    return limits


def component_of(path, comps):
    for name, regexes in comps:
        if any(re.match(rx, path) for rx in regexes):
            return name
    return None


def run_gcovr(args, comps, root):
    build = os.path.relpath(os.path.abspath(args.build), root)
    out = args.out
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):  # no stale pages from files that went away
        if f.endswith((".html", ".css", ".json", ".xml")):
            os.remove(os.path.join(out, f))
    cmd = ["gcovr", "--root", root, "--object-directory", build, build,
           "--exclude-directories", TEST_COPY_OBJDIRS,
           "--exclude-unreachable-branches", "--exclude-throw-branches",
           "--html-details", os.path.join(out, "index.html"), "--html-title", args.title,
           "--cobertura", os.path.join(out, "coverage.xml"),
           "--json", os.path.join(out, "coverage.json"),
           "--json-summary", os.path.join(out, "summary.json"), "--json-summary-pretty"]
    for _, regexes in comps:
        for rx in regexes:
            cmd += ["--filter", rx]
    # One gcov at a time: gcovr 5.2's thread pool (-j) can hang for good
    # when gcov fails in one worker while another waits for the same
    # directory; serial, a failure is reported. The whole run takes seconds.
    try:
        proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=600)
    except subprocess.TimeoutExpired:
        die("gcovr did not finish in 600 s: " + " ".join(cmd))
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout)
        die("gcovr failed (exit %d): %s" % (proc.returncode, " ".join(cmd)))
    # gcovr warns (e.g. a gcov error on a stale object) but goes on: show it.
    if proc.stdout.strip():
        sys.stderr.write(proc.stdout)
    for f in ("index.html", "coverage.xml", "coverage.json", "summary.json"):
        if not os.path.isfile(os.path.join(out, f)):
            die("gcovr did not write %s" % os.path.join(out, f))


def sum_components(summary, comps, root):
    totals = {name: [0, 0, 0, 0, 0] for name, _ in comps}  # lc lt bc bt files
    for f in summary["files"]:
        name = component_of(f["filename"], comps)
        if name is None:
            continue
        t = totals[name]
        t[0] += f["line_covered"]
        t[1] += f["line_total"]
        t[2] += f["branch_covered"]
        t[3] += f["branch_total"]
        t[4] += 1
    return totals


def has_sources(regexes, root):
    """Whether the tree holds sources a component's regexes match (for
    telling 'no sources yet' from 'sources not built with coverage')."""
    for rx in regexes:
        top = rx.lstrip("^").split("/", 1)[0].replace("\\", "")
        base = os.path.join(root, top)
        if os.path.isfile(base):
            return True
        for d, _, files in os.walk(base):
            for fn in files:
                rel = os.path.relpath(os.path.join(d, fn), root)
                if SOURCE_EXT.search(fn) and re.match(rx, rel):
                    return True
    return False


def print_table(comps, totals, limits, root, compare):
    hdr = "%-13s %-22s %-22s %s" % ("component", "lines", "branches", "threshold (lines/branches)")
    if compare:
        hdr += "   | %s" % compare[0]
    print(hdr)
    print("-" * len(hdr))
    for name, regexes in comps:
        lc, lt, bc, bt, nfiles = totals[name]
        lim = limits.get(name)
        lim_s = "-"
        if lim:
            lim_s = "/".join("-" if v is None else "%g%%" % v for v in lim)
        if nfiles == 0:
            why = "sources not built with coverage" if has_sources(regexes, root) else "no sources yet"
            row = "%-13s %-22s %-22s %s" % (name, "n/a", "n/a", lim_s + ("" if lim else "   (" + why + ")"))
        else:
            row = "%-13s %-22s %-22s %s" % (name, fmt(lc, lt), fmt(bc, bt), lim_s)
        if compare:
            o = compare[1].get(name)
            row += "   | %s, %s" % (fmt(o[0], o[1]), fmt(o[2], o[3])) if o and o[4] else "   | n/a"
        print(row)


def check_thresholds(comps, totals, limits):
    failures = []
    for name, _ in comps:
        lim = limits.get(name)
        if not lim:
            continue
        lc, lt, bc, bt, nfiles = totals[name]
        if nfiles == 0:
            failures.append("%s has a threshold but no measured sources" % name)
            continue
        for what, cov, tot, minimum in (("lines", lc, lt, lim[0]), ("branches", bc, bt, lim[1])):
            if minimum is None:
                continue
            if tot == 0 or cov * 100 < minimum * tot:
                failures.append("%s %s %s is below the threshold %g%% (coverage/thresholds)"
                                % (name, what, fmt(cov, tot).strip(), minimum))
    return failures


def newest_counters(build):
    newest = 0.0
    for d, _, files in os.walk(build):
        for fn in files:
            if fn.endswith(".gcda"):
                newest = max(newest, os.path.getmtime(os.path.join(d, fn)))
    return newest


def uncovered_driver_code(detail, comps, root, measured_at):
    """(file, line, source, branch note) for each driver line never run or
    with a branch never taken, in file and line order: of the user's
    driver when there is one (--driver-source), else of the built-in ones."""
    out = []
    listed = YOUR_DRIVER if any(name == YOUR_DRIVER for name, _ in comps) else DRIVER
    for f in sorted(detail["files"], key=lambda f: f["file"]):
        if component_of(f["file"], comps) != listed:
            continue
        path = os.path.join(root, f["file"])
        try:
            with open(path, errors="replace") as src:
                text = src.read().split("\n")
            if measured_at and os.path.getmtime(path) > measured_at:
                print("coverage: warning: %s changed after the tests ran: its lines below may not match"
                      % f["file"], file=sys.stderr)
        except OSError:
            text = []
        for ln in sorted(f["lines"], key=lambda l: l["line_number"]):
            if ln.get("gcovr/noncode") or ln.get("gcovr/excluded"):
                continue
            n = ln["line_number"]
            source = text[n - 1].strip() if 0 < n <= len(text) else "(source not found)"
            branches = ln.get("branches", [])
            taken = sum(1 for b in branches if b["count"] > 0)
            if ln["count"] == 0:
                out.append((f["file"], n, source, None))
            elif taken < len(branches):
                out.append((f["file"], n, source, "(branches: %d of %d taken)" % (taken, len(branches))))
    return out


def print_uncovered_gcov(detail, comps, root, build):
    """The uncovered-driver list of a driver built with gcov counters."""
    unc = uncovered_driver_code(detail, comps, root, newest_counters(build))
    nlines = sum(1 for u in unc if u[3] is None)
    print()
    print("uncovered driver code (%d lines never run, %d lines with a branch never taken)"
          % (nlines, len(unc) - nlines))
    for path, n, source, note in unc:
        print("%s:%d: %s%s" % (path, n, source, "  " + note if note else ""))
    if not unc:
        print("(none)")


def print_components(path):
    """The campaign summary's lines: one per measured component of a
    report's components.json."""
    try:
        with open(path) as f:
            comps = json.load(f)
    except (OSError, ValueError) as e:
        die("cannot read %s: %s" % (path, e))
    for name in SUMMARY_COMPONENTS:
        c = comps.get(name)
        if c and "function_total" in c:  # a binary driver, measured in the guest
            print("%-13s %s guest functions, %s source lines (DWARF)"
                  % (name, fmt(c["function_covered"], c["function_total"]).strip(),
                     fmt(c["line_covered"], c["line_total"]).strip()))
        elif c and c["files"]:
            print("%-13s %s lines, %s branches" % (name, fmt(c["line_covered"], c["line_total"]).strip(),
                                                  fmt(c["branch_covered"], c["branch_total"]).strip()))


def parse_guest_report(path, functions, totals):
    """Reads one process's guest coverage report (emu/guest_coverage.h
    records) into functions {name: reached, merged} and totals [lines in
    the line table]; returns its unreached lines {(file, line)}."""
    mine = set()
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            rec = raw.split()
            if len(rec) == 3 and rec[0] == "function" and rec[1] in ("reached", "unreached"):
                functions[rec[2]] = functions.get(rec[2], False) or rec[1] == "reached"
            elif len(rec) == 3 and rec[:2] == ["line", "unreached"] and re.match(r".+:\d+$", rec[2]):
                file, _, line = rec[2].rpartition(":")
                mine.add((file, int(line)))
            elif len(rec) == 5 and rec[0] == "summary" and re.match(r"\d+/\d+$", rec[4]):
                totals[0] = int(rec[4].split("/")[1])
            else:
                die("%s:%d: not a guest coverage record: %s" % (path, n, raw.strip()))
    return mine


def merge_guest_coverage(directory):
    """A binary driver's coverage over every process that ran it: a
    function is reached when any process ran it, a source line unreached
    when none did. Returns (functions {name: reached}, sorted unreached
    [(file, line)], number of lines in the line table)."""
    try:
        reports = sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".txt"))
    except OSError as e:
        die("cannot read the guest coverage reports in %s: %s" % (directory, e))
    if not reports:
        die("no guest coverage report in %s (did the binary driver run?)" % directory)
    functions, unreached, totals = {}, None, [0]
    for path in reports:
        mine = parse_guest_report(path, functions, totals)
        unreached = mine if unreached is None else unreached & mine
    return functions, sorted(unreached), totals[0]


def print_guest_uncovered(functions, unreached, root):
    """The uncovered-driver list of a binary driver: its functions never
    run, then (with DWARF) its source lines never run, with their text
    when the source is on this machine."""
    never = sorted(name for name, reached in functions.items() if not reached)
    print("uncovered driver code (binary: %d of %d functions never run, %d source lines never run)"
          % (len(never), len(functions), len(unreached)))
    for name in never:
        print("function %s: never run" % name)
    texts = {}
    for file, n in unreached:
        if file not in texts:
            try:
                with open(file, errors="replace") as src:
                    texts[file] = src.read().split("\n")
            except OSError:
                texts[file] = []
        text = texts[file]
        rel = os.path.relpath(file, root) if os.path.isabs(file) else file
        shown = rel if not rel.startswith("..") else file
        print("%s:%d: %s" % (shown, n, text[n - 1].strip() if 0 < n <= len(text) else "(source not found)"))
    if not never and not unreached:
        print("(none)")


def driver_source_regex(path, root):
    """gcovr filter for a driver source: relative to the root inside it,
    absolute outside it."""
    rel = os.path.relpath(os.path.abspath(path), root)
    if rel.startswith(".."):  # gcovr takes a filter that starts with "/" as absolute
        return re.escape(os.path.abspath(path)) + "$"
    return "^" + re.escape(rel) + "$"


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--print-components":
        print_components(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="the gcc --coverage build tree")
    ap.add_argument("--out", required=True, help="report directory")
    ap.add_argument("--thresholds", help="enforce this thresholds file")
    ap.add_argument("--driver-source", action="append", default=[],
                    help="a further source file of the driver component (a bring-your-own driver)")
    ap.add_argument("--guest-coverage", metavar="DIR",
                    help="a binary driver's guest coverage reports (the 'your driver' component)")
    ap.add_argument("--title", default="rtosfuzz coverage")
    ap.add_argument("--compare", help="summary.json of another report, shown beside (LABEL=PATH)")
    args = ap.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    comps = list(COMPONENTS)
    if args.driver_source:
        comps.append((YOUR_DRIVER, [driver_source_regex(p, root) for p in args.driver_source]))
    guest = merge_guest_coverage(args.guest_coverage) if args.guest_coverage else None
    if guest:
        comps.append((YOUR_DRIVER, []))  # no gcov sources: measured in the guest
    limits = read_thresholds(args.thresholds) if args.thresholds else {}
    if not os.path.isdir(args.build):
        die("no build tree %s" % args.build)

    run_gcovr(args, comps, root)
    try:
        with open(os.path.join(args.out, "summary.json")) as f:
            summary = json.load(f)
        with open(os.path.join(args.out, "coverage.json")) as f:
            detail = json.load(f)
    except (OSError, ValueError) as e:
        die("cannot read gcovr's output: %s" % e)
    totals = sum_components(summary, comps, root)
    components = {name: dict(zip(("line_covered", "line_total", "branch_covered", "branch_total", "files"),
                                 totals[name])) for name, _ in comps}
    if guest:
        functions, unreached, nlines = guest
        totals[YOUR_DRIVER] = [nlines - len(unreached), nlines, 0, 0, 1]
        components[YOUR_DRIVER] = dict(line_covered=nlines - len(unreached), line_total=nlines,
                                       branch_covered=0, branch_total=0, files=1,
                                       function_covered=sum(functions.values()), function_total=len(functions))
    with open(os.path.join(args.out, "components.json"), "w") as f:
        json.dump(components, f, indent=1)
    if sum(t[4] for t in totals.values()) == 0:
        die("no coverage data for any component in %s (did the tests run?)" % args.build)

    compare = None
    if args.compare:
        label, _, path = args.compare.rpartition("=")
        try:
            with open(path) as f:
                compare = (label or "other", sum_components(json.load(f), comps, root))
        except (OSError, ValueError):
            compare = None

    print()
    print(args.title)
    print_table(comps, totals, limits, root, compare)
    if guest:
        c = components[YOUR_DRIVER]
        print("%-13s %s guest functions (binary driver; lines from its DWARF)"
              % ("", fmt(c["function_covered"], c["function_total"])))
        print()
        print_guest_uncovered(guest[0], guest[1], root)
    else:
        print_uncovered_gcov(detail, comps, root, args.build)

    print()
    print("report: %s (HTML, per line and branch), %s (Cobertura), %s (gcovr JSON summary)"
          % (os.path.join(args.out, "index.html"), os.path.join(args.out, "coverage.xml"),
             os.path.join(args.out, "summary.json")))

    failures = check_thresholds(comps, totals, limits)
    for msg in failures:
        print("coverage: FAIL: " + msg, file=sys.stderr)
    if failures:
        sys.exit(1)
    if limits:
        print("coverage: every component meets its threshold (coverage/thresholds)")


if __name__ == "__main__":
    main()
