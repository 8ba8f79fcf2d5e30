"""End to end: frame CRCs of our vkms through `drmctl crc` (CUSE_DRM_IOCTL_CRC, the kernel's
debugfs crtc-N/crc/data as a private ioctl).  The oracle is zlib: a solid-colour frame composed
as vkms composes it (ARGB16161616, each 8-bit channel times 257, alpha 0xffff) has the CRC
crc32_le(0, frame), which is zlib's crc32 with the pre- and post-inversion undone."""
import re
import struct
import subprocess
import zlib

from conftest import DRMCTL, SLOW, Modetest, shim_env
from test_vkms_e2e import ids, modetest

import os

FLIP_CLIENT = os.path.join(os.path.dirname(__file__), "clients", "flip_client.py")
LINE_RE = re.compile(r"^0x([0-9a-f]{8}) 0x([0-9a-f]{8})$")


def expected_crc(color, w=1024, h=768):
    """vkms_composer.c's CRC of a @w x @h frame of XRGB8888 @color."""
    r, g, b = (color >> 16) & 0xff, (color >> 8) & 0xff, color & 0xff
    frame = struct.pack("<4H", 0xffff, r * 257, g * 257, b * 257) * (w * h)
    return zlib.crc32(frame, 0xffffffff) ^ 0xffffffff


def drmctl_crc(node, frames, *extra):
    r = subprocess.run([DRMCTL, "crc", node, "--frames", str(frames), *extra], capture_output=True,
                       text=True, timeout=120 * SLOW)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == frames, r.stdout
    entries = []
    for line in lines:
        m = LINE_RE.match(line)
        assert m, r.stdout
        entries.append((int(m.group(1), 16), int(m.group(2), 16)))
    frames_seen = [f for f, _ in entries]
    assert frames_seen == sorted(frames_seen) and len(set(frames_seen)) == len(frames_seen), r.stdout
    return entries


def test_drmctl_crc_identical_and_different_frames(daemon):
    """A client flips between two solid framebuffers: every frame of one picture has the same
    CRC, zlib's for that picture; the other picture has zlib's other CRC; flipping back gives
    the first CRC again."""
    rc, out = modetest("-M", "vkms", "-c", "-p")
    conn, crtc = ids(out)
    red, green = 0x00ff0000, 0x0000ff00
    # Before any mode: the CRTC is off, so there is nothing to capture (the kernel's EIO).
    r = subprocess.run([DRMCTL, "crc", daemon.node, "--crtc", "0"], capture_output=True, text=True)
    assert r.returncode == 1 and "the CRTC is off" in r.stderr, r.stderr
    p = subprocess.Popen(["/usr/bin/python3", FLIP_CLIENT, daemon.node, str(conn), str(crtc),
                          hex(red), hex(green)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=shim_env())
    try:
        assert p.stdout.readline().strip() == "ready", p.stdout.read()
        first = drmctl_crc(daemon.node, 4)
        assert {c for _, c in first} == {expected_crc(red)}, first
        p.stdin.write("b\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "shown b"
        second = drmctl_crc(daemon.node, 4, "--crtc", str(crtc))
        assert {c for _, c in second} == {expected_crc(green)}, second
        assert second[0][0] > first[-1][0]                 # later frames
        p.stdin.write("a\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "shown a"
        assert {c for _, c in drmctl_crc(daemon.node, 2)} == {expected_crc(red)}
        # Errors: an unknown source, a non-root caller, a kernel node.
        r = subprocess.run([DRMCTL, "crc", daemon.node, "--source", "bogus"], capture_output=True, text=True)
        assert r.returncode == 1 and "Invalid argument" in r.stderr, r.stderr
        r = subprocess.run([DRMCTL, "crc", daemon.node], capture_output=True, text=True,
                           user=65534, group=65534, extra_groups=[44])
        assert r.returncode == 1 and "needs root" in r.stderr, r.stderr
    finally:
        p.stdin.close()
        p.wait(timeout=30)
    # The capture ended with drmctl: nothing is left behind (no events, no files but this query).
    st = daemon.stats()
    assert st["files"] == 1 and st["framebuffers"] == 0, st


def test_drmctl_crc_follows_modetest_page_flips(daemon):
    """modetest -v flips between its SMPTE frame and a tiles frame at every vblank: the CRC
    stream holds exactly two values."""
    rc, out = modetest("-M", "vkms", "-c", "-p")
    conn, crtc = ids(out)
    mt = Modetest(["-M", "vkms", "-s", f"{conn}@{crtc}:1024x768", "-v"], env=shim_env())
    try:
        assert mt.wait_for("freq:"), mt.output()
        # Under TCG one composition can take several frame periods: the vblank timer then
        # reports them together and the composer queues the same CRC for each (the kernel's
        # frame_start..frame_end), so ask for enough frames to span several compositions.
        entries = drmctl_crc(daemon.node, 240)
    finally:
        mt.quit()
    crcs = [c for _, c in entries]
    assert len(set(crcs)) == 2, entries                    # the two pictures, and nothing else
