"""End to end: `drmctl watch`, the live scanout state, on our vkms while modetest -v flips, and
read-only on the kernel's virtio_gpu (the oracle for what the public uAPI shows: a client's
framebuffers on its primary and cursor planes)."""
import re
import subprocess

from conftest import DRMCTL, Modetest, shim_env
from test_vkms_e2e import CURSOR_CLIENT, ids, kernel_card, modetest

CRTC_RE = re.compile(r"^CRTC (\d+) \(index 0\): 1024x768@[\d.]+, vblank (\d+)(?: \(([\d.]+)/s\))?"
                     r", flips (\d+)(?: \(([\d.]+)/s\))?$", re.M)


def watch(node, count, interval=500):
    r = subprocess.run([DRMCTL, "watch", node, "--count", str(count), "--interval", str(interval)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_drmctl_watch_sees_modetest_flip(daemon):
    """While modetest -v flips between its two framebuffers, every refresh shows the CRTC's mode,
    a vblank count that grows, flips that grow, and a 1024x768 XR24 framebuffer on the primary
    plane; the framebuffer id changes between refreshes only among modetest's two."""
    rc, out = modetest("-M", "vkms", "-c", "-p")
    conn, crtc = ids(out)
    mt = Modetest(["-M", "vkms", "-s", f"{conn}@{crtc}:1024x768", "-v"], env=shim_env())
    try:
        assert mt.wait_for("freq:"), mt.output()
        out = watch(f"card{daemon.n}", 3)
    finally:
        mt.quit()
    assert out.count("--- ") == 3, out
    rows = CRTC_RE.findall(out)
    assert len(rows) == 3, out
    vblanks = [int(r[1]) for r in rows]
    flips = [int(r[3]) for r in rows]
    assert vblanks == sorted(vblanks) and vblanks[-1] > vblanks[0], out
    assert flips == sorted(flips) and flips[-1] > flips[0], out
    assert rows[0][2] == "" and rows[1][2] and float(rows[1][4]) > 0, out   # rates from refresh 2 on
    fbs = set(re.findall(r"^  plane \d+ primary FB (\d+) 1024x768 XR24 at 0,0 size 1024x768$", out, re.M))
    assert 1 <= len(fbs) <= 2, out


def test_drmctl_watch_reads_kernel_nodes():
    """On the kernel's virtio_gpu: a client's blue primary and 64x64 cursor (cursor_client.py)
    show with their sizes and formats, the CRTC has no vblanks (6.1's virtio_gpu), there is no
    flip count (no daemon stats), and watching takes no master from the client."""
    node = kernel_card("virtio_gpu")
    rc, out = modetest("-D", node, "-c", "-p")
    conn, crtc = ids(out)
    p = subprocess.Popen(["/usr/bin/python3", CURSOR_CLIENT, node, str(conn), str(crtc)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    try:
        assert p.stdout.readline().strip() == "ready", p.stdout.read()
        out = watch(node, 1)
    finally:
        p.stdin.close()
        p.wait(timeout=30)
    assert re.search(rf"^CRTC {crtc} \(index \d\): 1024x768@[\d.]+, vblank - \(the driver has none\)$", out,
                     re.M), out
    assert "flips" not in out, out
    assert re.search(r"^  plane \d+ primary FB \d+ 1024x768 XR24 at 0,0 size 1024x768$", out, re.M), out
    assert re.search(r"^  plane \d+ cursor  FB \d+ 64x64 AR24 at 100,200 size 64x64$", out, re.M), out
