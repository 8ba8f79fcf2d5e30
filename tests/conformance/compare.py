#!/usr/bin/python3
"""Print the conformance table and judge it.

    tests/conformance/compare.py [build/conformance/results.json] [--meta meta.json] [--all]

results.json is a list of {binary, subtest, kernel, ours, kernel_driver, ours_driver[, pairing]}
(see tests/conformance/run).  Rows are printed in one table per pairing of drivers (vgem with
vgem; the KMS pairing: the kernel's virtio_gpu with our vkms; the virtio pairing: the kernel's
virtio_gpu with ours, `cuse-drm --device BDF` through VFIO).  Every subtest is printed; a
row is marked
    GAP    the kernel passes it and ours does not (this makes the exit status 1),
    BETTER ours passes and the kernel does not (a test that disagrees with its oracle),
    OURS FAIL (CRASH, TIMEOUT) ours fails where the kernel skips (no oracle there: CRC,
           vblank, writeback); this makes the exit status 1 too,
and the exit status is 0 when every GAP is listed, with its reason, in
tests/conformance/known-gaps.txt and every listed gap still is one.  A gap of a named pairing
is listed as binary/subtest@PAIRING (e.g. kms_atomic/plane-cursor-legacy@virtio).

Rows of the syncobj binaries also have a "+syncobj" result (`cuse-drm --syncobj`; the kernel's
vgem has no syncobjs to compare with).  There every subtest must pass, except one that the
plain run passes and the syncobj run skips (a test of the feature's absence); anything else is a
SYNCOBJ FAIL, which fails the comparison like a new gap unless listed in known-gaps.txt as
binary/subtest+syncobj.
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
    if ours in ("FAIL", "CRASH", "TIMEOUT"):
        # The kernel skips it (no oracle), ours fails: not a gap, but a failing test.
        return "OURS " + ours
    return ""


def syncobj_bad(r):
    s = r.get("ours_syncobj")
    if not s:
        return False
    return s != PASS and not (s == "SKIP" and r["ours"] == PASS)


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


def gap_name(r):
    """A row's name in known-gaps.txt: binary/subtest, with @PAIRING for the named pairings
    (the virtio one: the same kms_* subtest is a gap or not per pairing)."""
    name = f"{r['binary']}/{r['subtest']}"
    return f"{name}@{r['pairing']}" if r.get("pairing") else name


def pairing_meta(meta, kdrv, odrv, pairing=None):
    """The kernel and ours entries of meta.json for one pairing: a named one (virtio), the
    KMS one, or the main."""
    if pairing:
        m = meta.get(pairing, {})
        return m.get("kernel", {}), m.get("ours", {})
    kms = meta.get("kms")
    if kms and (kdrv, odrv) != (meta.get("driver"), meta.get("driver")):
        return kms.get("kernel", {}), kms.get("ours", {})
    return meta.get("kernel", {}), meta.get("ours", {})


def print_table(rows, kdrv, odrv, kmeta, gaps_only, pairing=None):
    """One pairing's table and its count line."""
    k, o = kmeta
    dev = f" --device {o['device']}" if o.get("device") else ""
    print(f"{pairing + ' pairing: ' if pairing else ''}kernel {kdrv} {k.get('node') or '-'} ({k.get('status')}), "
          f"ours {odrv}{dev} {o.get('node') or '-'} ({o.get('status')})")
    wb = max([len("binary")] + [len(r["binary"]) for r in rows])
    ws = max([len("subtest")] + [len(r["subtest"]) for r in rows])
    has_sync = any(r.get("ours_syncobj") for r in rows)
    header = f"{'binary':<{wb}}  {'subtest':<{ws}}  {'kernel':<8}  {'ours':<8}"
    if has_sync:
        header += f"  {'+syncobj':<8}"
    print(header)
    print("-" * (len(header) + 8))
    gaps = better = 0
    for r in rows:
        m = mark(r["kernel"], r["ours"])
        gaps += m == "GAP"
        better += m == "BETTER"
        if gaps_only and r["kernel"] == r["ours"]:
            continue
        sm = "SYNCOBJ FAIL" if syncobj_bad(r) else ""
        extra = f"  {r.get('ours_syncobj') or '-':<8}" if has_sync else ""
        print(f"{r['binary']:<{wb}}  {r['subtest']:<{ws}}  {r['kernel']:<8}  {r['ours']:<8}{extra}  "
              f"{m or sm}".rstrip())

    def count(col, val):
        return sum(r[col] == val for r in rows)

    print("-" * (len(header) + 8))
    print(f"{kdrv}/{odrv}: {len(rows)} subtests: kernel {count('kernel', PASS)} pass, "
          f"ours {count('ours', PASS)} pass; {gaps} gap(s) (kernel passes, ours does not), "
          f"{better} where only ours passes")


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

    def pairing(r):
        return (r.get("kernel_driver") or meta.get("driver") or "?",
                r.get("ours_driver") or meta.get("driver") or "?", r.get("pairing"))

    groups = {}
    for r in rows:
        groups.setdefault(pairing(r), []).append(r)
    for (kdrv, odrv, named), grows in groups.items():
        print_table(grows, kdrv, odrv, pairing_meta(meta, kdrv, odrv, named), opts.gaps_only, named)
        print()

    known = known_gaps(opts.known)
    has_sync = any(r.get("ours_syncobj") for r in rows)
    found = {gap_name(r) for r in rows if mark(r["kernel"], r["ours"]) == "GAP"}
    found |= {f"{r['binary']}/{r['subtest']}+syncobj" for r in rows if syncobj_bad(r)}
    # Only judge listed gaps of the binaries and named pairings that ran (--only, --no-virtio).
    ran = {r["binary"] for r in rows}
    named = {r["pairing"] for r in rows if r.get("pairing")}
    listed = {k for k in known if k.split("/")[0] in ran and
              ("@" not in k or k.rsplit("@", 1)[1] in named)}
    new, closed = sorted(found - set(known)), sorted(listed - found)
    for name in sorted(found & set(known)):
        print(f"known gap: {name}: {known[name]}")
    if has_sync:
        srows = [r for r in rows if r.get("ours_syncobj")]
        print(f"+syncobj: {sum(r['ours_syncobj'] == PASS for r in srows)}/{len(srows)} pass, "
              f"{sum(syncobj_bad(r) for r in srows)} fail")
    # Subtests only ours runs (the kernel skips them: no CRC, vblank or writeback there) must
    # pass all the same: their expectations come from the kernel's source and upstream IGT.
    ours_fail = []
    for r in rows:
        m = mark(r["kernel"], r["ours"])
        if m.startswith("OURS "):
            ours_fail.append(r)
            print(f"OURS FAIL: {r['binary']}/{r['subtest']} {r['ours']} on ours; the kernel {r['kernel']}")
    for name in new:
        if name.endswith("+syncobj"):
            print(f"SYNCOBJ FAIL: {name[:-len('+syncobj')]} does not pass on cuse-drm --syncobj")
        else:
            print(f"NEW GAP: {name} passes on the kernel and not on ours")
    for name in closed:
        print(f"CLOSED GAP: {name} is listed in {os.path.relpath(opts.known, ROOT)} but is no longer a gap: "
              "remove it from the list")
    return 1 if new or closed or ours_fail else 0


if __name__ == "__main__":
    sys.exit(main())
