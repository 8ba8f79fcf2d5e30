"""End to end: atomic KMS on cuse-drm's vkms, driven by libdrm's modetest in atomic mode (-a)
and proptest, with overlay planes from the driver options.

Oracles: modetest's own patterns and placement (-P places a plane at WxH+X+Y, -F picks the
patterns), proptest's property listing and setting, and the kernel's rules for which
properties an atomic KMS driver exposes."""
import os
import re
import subprocess
import time

import pytest
from PIL import Image

from conftest import DRMCTL, SLOW, Daemon, Modetest, shim_env

# modetest's SMPTE top bars (tests/util/pattern.c), 75% intensity.
SMPTE_TOP = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0),
             (0, 0, 192)]


@pytest.fixture
def overlay_daemon():
    d = Daemon(args=("--driver-options", "overlays=1"))
    yield d
    assert d.stop() == 0, d.logtext()


def run(*args, env=None, timeout=60):
    r = subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def plane_block(out, plane):
    """The part of `modetest -p` output about @plane."""
    m = re.search(rf"^{plane}\t.*?(?=^\d+\t|\Z)", out, re.M | re.S)
    assert m, out
    return m.group(0)


def planes_by_type(out):
    """{type name: [plane ids]} from `modetest -p` output (each plane lists its "type" enum)."""
    result = {}
    section = out[out.index("Planes:"):]
    for m in re.finditer(r"^(\d+)\t\d+\t\d+\t\d+,\d+\t", section, re.M):
        block = plane_block(section, int(m.group(1)))
        t = re.search(r"type:\n\t\tflags:.*\n\t\tenums:.*\n\t\tvalue: (\d+)", block)
        assert t, block
        name = {0: "Overlay", 1: "Primary", 2: "Cursor"}[int(t.group(1))]
        result.setdefault(name, []).append(int(m.group(1)))
    return result


def conn_crtc(out):
    conn = re.search(r"^(\d+)\s+\d+\s+connected\s+Virtual-1", out, re.M)
    crtc = re.search(r"^CRTCs:\nid\s+fb\s+pos\s+size\n(\d+)", out, re.M)
    assert conn and crtc, out
    return int(conn.group(1)), int(crtc.group(1))


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "legacy-setplane"])
def test_modetest_shows_an_overlay_plane(overlay_daemon, atomic):
    """modetest -a commits the mode and both planes in one atomic request; without -a it uses
    SETCRTC and SETPLANE.  Each plane shows modetest's SMPTE pattern for its own size, so the
    overlay's small bars must appear at its rectangle over the primary's large ones."""
    node = overlay_daemon.node
    env = shim_env()
    rc, out = run("modetest", "-M", "vkms", "-c", "-p", env=env)
    assert rc == 0, out
    conn, crtc = conn_crtc(out)
    planes = planes_by_type(out)
    assert len(planes.get("Overlay", [])) == 1, out
    assert len(planes.get("Primary", [])) == 1 and len(planes.get("Cursor", [])) == 1, out
    overlay, primary = planes["Overlay"][0], planes["Primary"][0]
    ox, oy, ow, oh = 100, 200, 256, 128
    args = ["-M", "vkms", "-s", f"{conn}@{crtc}:1024x768", "-F", "smpte,smpte"]
    if atomic:
        args += ["-a", "-P", f"{primary}@{crtc}:1024x768"]
    args += ["-P", f"{overlay}@{crtc}:{ow}x{oh}+{ox}+{oy}"]
    mt = Modetest(args, env=env)
    try:
        assert mt.wait_for("setting mode"), mt.output()
        # modetest prints "setting mode" before its commit (and, without -a, before SETPLANE):
        # take screenshots until both planes are up, for at most 10 s (longer under make valgrind).
        path = f"/tmp/vkms-overlay-{atomic}.png"
        deadline = time.monotonic() + 10 * SLOW
        while True:
            rc, out = run(DRMCTL, "screenshot", node, "-o", path)
            img = Image.open(path).convert("RGB") if rc == 0 else None
            # the overlay's third bar (cyan) lies over the primary's second (yellow)
            if img and img.getpixel((ox + 5 * ow // 14, oy + oh // 3)) == SMPTE_TOP[2] \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert img, out
    finally:
        rc_mt = mt.quit()
    assert rc_mt == 0, mt.output()
    assert "failed [" not in mt.output(), mt.output()
    assert img.size == (1024, 768)
    # The overlay's own bars, at its rectangle.
    for i, colour in enumerate(SMPTE_TOP):
        x, y = ox + (2 * i + 1) * ow // 14, oy + oh // 3
        assert img.getpixel((x, y)) == colour, f"overlay bar {i} at ({x},{y}): {img.getpixel((x, y))}"
    # The primary's bars everywhere else on the bar row.
    y = 768 // 3
    for i, colour in enumerate(SMPTE_TOP):
        x = (2 * i + 1) * 1024 // 14
        if ox <= x < ox + ow and oy <= y < oy + oh:
            continue
        assert img.getpixel((x, y)) == colour, f"bar {i} at ({x},{y})"
    # Just outside the overlay, the primary shows: its bar at (ox - 1) differs from the overlay's first bar.
    assert img.getpixel((ox - 1, oy + oh // 3)) == img.getpixel((ox - 1, y))
    out_dir = os.environ.get("VM_OUT")
    if out_dir:
        img.save(os.path.join(out_dir, f"vkms-overlay-{'atomic' if atomic else 'legacy'}.png"))


def test_proptest_and_modetest_see_the_atomic_properties(overlay_daemon):
    node = overlay_daemon.node
    env = shim_env()
    # With the atomic cap (-a) modetest lists every property; what an atomic vkms exposes comes
    # from drm_crtc_init_with_planes(), drm_universal_plane_init() and vkms_plane_init().
    rc, out = run("modetest", "-M", "vkms", "-a", "-p", env=env)
    assert rc == 0, out
    overlay = planes_by_type(out)["Overlay"][0]
    block = plane_block(out, overlay)
    for name in ["type", "FB_ID", "IN_FENCE_FD", "CRTC_ID", "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H", "SRC_X",
                 "SRC_Y", "SRC_W", "SRC_H", "IN_FORMATS", "rotation", "alpha", "pixel blend mode", "zpos"]:
        assert re.search(rf"^\t\d+ {re.escape(name)}:", block, re.M), f"{name} missing:\n{block}"
    assert "NV12:  LINEAR" in block, block
    crtcs = out[out.index("CRTCs:"):out.index("Planes:")]
    for name in ["ACTIVE", "MODE_ID", "OUT_FENCE_PTR", "VRR_ENABLED", "GAMMA_LUT", "GAMMA_LUT_SIZE"]:
        assert re.search(rf"^\t\d+ {re.escape(name)}:", crtcs, re.M), f"{name} missing:\n{crtcs}"
    # Without the cap, atomic-only properties stay hidden (drm_mode_object_get_properties()).
    rc, out = run("proptest", "-M", "vkms", env=env)
    assert rc == 0, out
    assert not re.search(r"^\t\d+ (ACTIVE|MODE_ID|FB_ID|CRTC_ID|IN_FENCE_FD):", out, re.M), out
    assert re.search(r"^\t\d+ VRR_ENABLED:", out, re.M), out
    # vkms's gamma LUT (Linux 6.6, drm_crtc_enable_color_mgmt(crtc, 0, false, 256)): not atomic-only.
    assert re.search(r"^\t\d+ GAMMA_LUT:\n\t\tflags: blob\n", out, re.M), out
    assert re.search(r"^\t\d+ GAMMA_LUT_SIZE:\n\t\tflags: immutable range\n\t\tvalues: 0 4294967295\n"
                     r"\t\tvalue: 256$", out, re.M), out
    # proptest OBJ_ID OBJ_TYPE PROP_ID VALUE sets a property through OBJ_SETPROPERTY (it knows
    # connectors and CRTCs): VRR_ENABLED, a 0..1 range that needs no modeset.
    crtc = int(re.search(r"^CRTC (\d+)", out, re.M).group(1))
    vrr = re.search(r"^CRTC \d+\n(?:\t.*\n)*?\t(\d+) VRR_ENABLED:", out, re.M).group(1)

    def vrr_value():
        rc, props = run("proptest", "-M", "vkms", env=env)
        m = re.search(rf"^\t{vrr} VRR_ENABLED:\n\t\tflags: range\n\t\tvalues: 0 1\n\t\tvalue: (\d+)", props, re.M)
        assert m, props
        return int(m.group(1))

    assert vrr_value() == 0
    rc, out = run("proptest", "-M", "vkms", str(crtc), "crtc", vrr, "1", env=env)
    assert rc == 0, out
    assert vrr_value() == 1
    # A value outside the range is refused (drm_property_change_valid_get()), the old one stays.
    rc, out = run("proptest", "-M", "vkms", str(crtc), "crtc", vrr, "2", env=env)
    assert "Failed to set property" in out or rc != 0, out
    assert vrr_value() == 1


def test_fences_through_the_shim():
    """IN_FENCE_FD and OUT_FENCE_PTR: the fds travel through the shim around the CUSE ioctl.
    With two pipes, a NONBLOCK commit whose in-fence is another pipe's pending out-fence
    returns at once and flips only after that fence signalled; the out-fence subtests
    (the kernel's virtio_gpu passes the same ones in `make conformance`) run too.
    Afterwards the daemon holds no fence, event or parked ioctl."""
    d = Daemon(args=("--driver-options", "crtcs=2"))
    try:
        igt = os.path.join(os.path.dirname(DRMCTL), "igt", "kms_atomic")
        rc, out = run(igt, "--driver", "vkms", "--device", d.node, "--run-subtest",
                      "in-fence-nonblock,out-fence-signals,in-fence-invalid,in-fence-from-out-fence,"
                      "out-fence-bad-ptr", env=shim_env())
        assert rc == 0, out
        for sub in ("in-fence-nonblock", "out-fence-signals", "in-fence-invalid", "in-fence-from-out-fence",
                    "out-fence-bad-ptr"):
            assert f"Subtest {sub}: SUCCESS" in out, out
        deadline = time.monotonic() + 5
        while True:
            st = d.stats()
            if (st["fences"], st["pending_events"], st["parked_ioctls"]) == (0, 0, 0) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert (st["fences"], st["pending_events"], st["parked_ioctls"]) == (0, 0, 0), st
    finally:
        assert d.stop() == 0, d.logtext()
