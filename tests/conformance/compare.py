#!/usr/bin/python3
"""Print the conformance table and judge it.

    tests/conformance/compare.py [build/conformance/results.json] [--meta meta.json] [--all]

results.json is a list of {binary, subtest, kernel, ours} (see tests/conformance/run).  Every
subtest is printed; a row is marked
    GAP    the kernel passes it and ours does not (this makes the exit status 1),
    BETTER ours passes and the kernel does not (a test that disagrees with its oracle),
and the exit status is 0 when every GAP is listed, with its reason, in
tests/conformance/known-gaps.txt and every listed gap still is one.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASS = "SUCCESS"


def mark(kernel, ours):
    if kernel == PASS and ours != PASS:
        return "GAP"
    if ours == PASS and kernel != PASS:
        return "BETTER"
    return ""


def known_gaps(path):
    gaps = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    name, _, reason = line.partition(" ")
                    gaps[name] = reason.strip()
    return gaps


def main():
    p = argparse.ArgumentParser(description="Print and judge the conformance results.")
    p.add_argument("results", nargs="?", default=os.path.join(ROOT, "build", "conformance", "results.json"))
    p.add_argument("--meta", help="meta.json written beside results.json")
    p.add_argument("--gaps-only", action="store_true", help="print only rows that differ")
    p.add_argument("--known", default=os.path.join(ROOT, "tests", "conformance", "known-gaps.txt"),
                   help="the list of known gaps with reasons")
    opts = p.parse_args()

    with open(opts.results) as f:
        rows = json.load(f)
    meta = {}
    meta_path = opts.meta or os.path.join(os.path.dirname(opts.results), "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)

    if meta:
        k, o = meta.get("kernel", {}), meta.get("ours", {})
        print(f"driver {meta.get('driver')}: kernel {k.get('node') or '-'} ({k.get('status')}), "
              f"ours {o.get('node') or '-'} ({o.get('status')})")

    wb = max([len("binary")] + [len(r["binary"]) for r in rows])
    ws = max([len("subtest")] + [len(r["subtest"]) for r in rows])
    header = f"{'binary':<{wb}}  {'subtest':<{ws}}  {'kernel':<8}  {'ours':<8}"
    print(header)
    print("-" * (len(header) + 8))
    gaps = better = 0
    for r in rows:
        m = mark(r["kernel"], r["ours"])
        gaps += m == "GAP"
        better += m == "BETTER"
        if opts.gaps_only and r["kernel"] == r["ours"]:
            continue
        print(f"{r['binary']:<{wb}}  {r['subtest']:<{ws}}  {r['kernel']:<8}  {r['ours']:<8}  {m}".rstrip())

    def count(col, val):
        return sum(r[col] == val for r in rows)

    print("-" * (len(header) + 8))
    print(f"{len(rows)} subtests: kernel {count('kernel', PASS)} pass, ours {count('ours', PASS)} pass; "
          f"{gaps} gap(s) (kernel passes, ours does not), {better} where only ours passes")
    known = known_gaps(opts.known)
    found = {f"{r['binary']}/{r['subtest']}" for r in rows if mark(r["kernel"], r["ours"]) == "GAP"}
    new, closed = sorted(found - set(known)), sorted(set(known) - found)
    for name in sorted(found & set(known)):
        print(f"known gap: {name}: {known[name]}")
    for name in new:
        print(f"NEW GAP: {name} passes on the kernel and not on ours")
    for name in closed:
        print(f"CLOSED GAP: {name} is listed in {os.path.relpath(opts.known, ROOT)} but is no longer a gap: "
              "remove it from the list")
    return 1 if new or closed else 0


if __name__ == "__main__":
    sys.exit(main())
