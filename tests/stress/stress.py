#!/usr/bin/python3
"""make stress (issue 7, point 2): many clients at once, killed at random, then nothing left.

Runs in the test VM (tests/vm/run).  Two daemons: `cuse-drm --driver vgem --syncobj` and
`cuse-drm --driver vkms --driver-options crtcs=2,overlays=1`.  PROCS client slots (16 by
default) each run, one after the other, workloads picked at random from valid clients of both
nodes, all under the shim:
  - igt-subset binaries: GEM (gem_basic, gem_flink, dumb_buffer), PRIME between processes
    (prime_self_import), syncobj waits and signals (syncobj_wait, syncobj_timeline,
    syncobj_basic), events, and on vkms atomic modesets and flips (kms_atomic, kms_vblank,
    kms_cursor_legacy);
  - bench/ clients: GEM life cycles, PRIME export and import in a second process, page flips;
  - libdrm's modetest -v (modeset, then flips with events) on vkms.
A killer sends SIGKILL to a random running client every KILL_INTERVAL seconds; its slot starts a
new one.  Afterwards every daemon's counts (CUSE_DRM_IOCTL_STATS, what `drmctl stats` shows) are
back at their baseline, a fresh client still gets answers, and the daemons are alive.
Prints: clients started, killed, exited by themselves, and the final counts.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
DAEMON = os.path.join(BUILD, "cuse-drm")
SHIM = os.path.join(BUILD, "libcuse-drm-shim.so")
IGT = os.path.join(BUILD, "igt")
BENCH = os.path.join(BUILD, "bench")

sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
from conftest import Daemon  # noqa: E402  the test suite's daemon runner and stats


def stats(d):
    """The daemon's counts; has_master is left out (the query's own open may be the first)."""
    s = d.stats()
    s.pop("has_master")
    return s


def workloads(vgem, vgem_render, vkms):
    igt = lambda b, node, render=None: [os.path.join(IGT, b), "--device", node] + \
        (["--render", render] if render else [])
    return [
        igt("gem_basic", vgem, vgem_render), igt("gem_flink", vgem, vgem_render),
        igt("dumb_buffer", vgem, vgem_render), igt("prime_self_import", vgem, vgem_render),
        igt("syncobj_wait", vgem, vgem_render), igt("syncobj_timeline", vgem, vgem_render),
        igt("syncobj_basic", vgem, vgem_render), igt("core_events", vgem, vgem_render),
        igt("kms_atomic", vkms), igt("kms_vblank", vkms), igt("kms_cursor_legacy", vkms),
        [os.path.join(BENCH, "bench_gem"), vgem, "--quick"],
        [os.path.join(BENCH, "bench_prime"), vgem, "--quick"],
        [os.path.join(BENCH, "bench_flip"), vkms, "--quick"],
        ["modetest", "-M", "vkms", "-v", "-s", "AUTO"],  # the connector is filled in below
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--procs", type=int, default=16)
    ap.add_argument("--kill-interval", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=None)
    opt = ap.parse_args()
    seed = opt.seed if opt.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    dv = Daemon(driver="vgem", args=["--syncobj"])
    dk = Daemon(driver="vkms", args=["--driver-options", "crtcs=2,overlays=1"])
    vgem_p, vgem, vgem_render = dv.proc, dv.node, f"/dev/dri/renderD{128 + dv.n}"
    vkms_p, vkms = dk.proc, dk.node
    daemons = {vgem: dv, vkms: dk}
    base = {node: stats(d) for node, d in daemons.items()}
    out = subprocess.run(["modetest", "-M", "vkms", "-c"], capture_output=True, text=True,
                         env=dict(os.environ, LD_PRELOAD=SHIM)).stdout
    conn = next(line.split()[0] for line in out.splitlines() if "\tconnected" in line or " connected" in line)
    loads = workloads(vgem, vgem_render, vkms)
    loads[-1] = ["modetest", "-M", "vkms", "-v", "-s", f"{conn}:1024x768"]
    env = dict(os.environ, LD_PRELOAD=SHIM, IGT_DEBUG="0")
    slots = [None] * opt.procs
    started = killed = exited = 0
    victims = set()
    deadline = time.monotonic() + opt.seconds
    next_kill = time.monotonic() + opt.kill_interval
    devnull = open(os.devnull, "w")
    print(f"stress: seed {seed}, {opt.procs} clients, {opt.seconds:.0f} s, a kill every {opt.kill_interval} s",
          flush=True)
    while time.monotonic() < deadline:
        for i, p in enumerate(slots):
            if p is not None and p.poll() is not None:
                exited += p.pid not in victims
                slots[i] = None
            if slots[i] is None:
                slots[i] = subprocess.Popen(rng.choice(loads), stdin=subprocess.PIPE, stdout=devnull,
                                            stderr=devnull, env=env)
                started += 1
        if time.monotonic() >= next_kill:
            running = [p for p in slots if p is not None and p.poll() is None]
            if running:
                victim = rng.choice(running)
                victim.send_signal(signal.SIGKILL)
                victims.add(victim.pid)
                killed += 1
            next_kill += opt.kill_interval
        for d in (vgem_p, vkms_p):
            if d.poll() is not None:
                sys.exit(f"stress: a daemon died (exit {d.returncode}); see {dv.log_path} and {dk.log_path}")
        time.sleep(0.05)
    stopped = 0
    for p in slots:
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGKILL)
            stopped += 1
    for p in slots:
        if p is not None:
            p.wait()
    # Everything the clients held goes with their files: back to the baseline, within a while
    # (a killed client's CUSE release arrives after its death).
    ok = True
    for node in (vgem, vkms):
        end = time.monotonic() + 30
        while time.monotonic() < end and stats(daemons[node]) != base[node]:
            time.sleep(0.2)
        now = stats(daemons[node])
        leaked = {k: (base[node][k], now[k]) for k in now if now[k] != base[node][k]}
        print(f"stress: {node}: {'back to baseline' if not leaked else 'LEAKED ' + str(leaked)}: {now}", flush=True)
        ok = ok and not leaked
    # The daemons still answer a new client.
    for args in ([os.path.join(IGT, "gem_basic"), "--device", vgem, "--render", vgem_render],
                 [os.path.join(IGT, "kms_properties"), "--device", vkms]):
        r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        print(f"stress: after: {os.path.basename(args[0])} exit {r.returncode}", flush=True)
        ok = ok and r.returncode == 0
    alive = vgem_p.poll() is None and vkms_p.poll() is None
    print(f"stress: clients started {started}, killed mid-run {killed}, exited by themselves {exited}, "
          f"killed at the end {stopped}; daemons {'alive' if alive else 'DEAD'}", flush=True)
    for d in daemons.values():
        d.stop()
    sys.exit(0 if ok and alive else 1)


if __name__ == "__main__":
    main()
