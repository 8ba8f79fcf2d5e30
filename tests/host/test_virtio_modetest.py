"""modetest -v page flips and modetest -C's cursor on OUR virtio-gpu driver (VFIO), judged
by QEMU itself: its screendump of the device and its trace events of the virtio-gpu
commands it executed.

One VM boot (--kernel-drm, QEMU logging the trace events virtio_gpu_cmd_set_scanout,
_res_flush, _res_xfer_toh_2d, _res_create_2d and virtio_gpu_update_cursor to a file);
the guest half is virtio_modetest_guest.sh. What is checked:

Flips (modetest -v -s on ours, under the shim):
  - modetest's own "freq:" lines (one per 60 flip events) give a sane rate;
  - QEMU executed the flips: between the cut points its trace shows at least 120
    SET_SCANOUTs alternating between modetest's two framebuffers' resources, each
    followed by a RESOURCE_FLUSH of the resource;
  - modetest is stopped (SIGSTOP) mid-flipping: QEMU's screendump then shows one of
    modetest's two frames (the SMPTE bars, or its second buffer, plain 0x77 grey),
    drmctl screenshot shows the same pixels, and modetest goes on flipping after SIGCONT.

Cursor (modetest -s -C, once on ours, then on the kernel's virtio_gpu on the other device):
  - QEMU 7.2's screendump does NOT include virtio-gpu's hardware cursor: virtio-gpu hands
    the cursor to the UI as a separate sprite (dpy_cursor_define/dpy_mouse_set in
    hw/display/virtio-gpu.c update_cursor()), and screendump saves the console's surface only
    (ui/console.c). So the screendump during -C is checked to be the bare SMPTE picture on
    both drivers, and equal between them; it cannot see the cursor.
  - The cursor itself is checked in QEMU's trace: the sequence of update_cursor events
    (UPDATE_CURSOR or MOVE_CURSOR; x, y, and whether it names a resource, which is what
    decides for QEMU whether the cursor is visible) that modetest's cursor thread
    causes on ours must equal the kernel driver's, over their common prefix (modetest's
    cursor thread is paced by its own clock, so one run may get further), and be at least
    40 events long.
  - A cursor image is shown only after QEMU got it: each "update" naming a resource comes
    after a TRANSFER_TO_HOST_2D of that resource, created 64x64 by RESOURCE_CREATE_2D.
  - What is NOT checked: the pixels of the cursor image on the host (QEMU offers no dump of
    the cursor sprite; only the data flow above).
"""
import os
import re

import pytest

import vmhost

TRACE_EVENTS = ("virtio_gpu_update_cursor", "virtio_gpu_cmd_res_xfer_toh_2d", "virtio_gpu_cmd_set_scanout",
                "virtio_gpu_cmd_res_flush", "virtio_gpu_cmd_res_create_2d")
NAMES = ["flip-ours-start", "flip-ours", "cursor-ours-start", "cursor-ours-mid", "cursor-ours-end",
         "cursor-kernel-start", "cursor-kernel-mid", "cursor-kernel-end"]
PLAIN_GREY = (0x77, 0x77, 0x77)  # modetest's second buffer for -v: PATTERN_PLAIN, memset 0x77


@pytest.fixture(scope="module")
def run():
    why = vmhost.skip_reason()
    if why:
        pytest.skip(why)
    vm = os.path.join(vmhost.ROOT, "build", "vm")
    sock = os.path.join(vm, "monitor-vorc.sock")
    trace = os.path.join(vm, "qemu-trace-modetest.log")
    if os.path.exists(trace):
        os.unlink(trace)
    qemu_args = "-D " + trace + "".join(" -trace " + e for e in TRACE_EVENTS)
    vmhost.clear_out(("vorc-",))

    def handler(name, _text):
        res = {"offset": vmhost.file_size(trace)}
        dev = {"flip-ours": "gpu-vfio", "cursor-ours-mid": "gpu-vfio", "cursor-kernel-mid": "gpu-kernel"}
        if name in dev:
            path = os.path.join(vm, "screendump-%s.ppm" % name)
            res["reply"] = vmhost.screendump(sock, dev[name], path)
            res["path"] = path
        return res

    r = vmhost.run_guest("tests/host/virtio_modetest_guest.sh", handler, sock, qemu_args=qemu_args,
                         names=NAMES)
    r["trace"] = open(trace, errors="replace").read() if os.path.exists(trace) else ""
    return r


def out(name):
    with open(os.path.join(vmhost.OUT, name), errors="replace") as f:
        return f.read()


def segment(run, start, end):
    """QEMU's trace events between the guest's cut points @start and @end."""
    a, b = run["results"][start]["offset"], run["results"][end]["offset"]
    return vmhost.trace_events(run["trace"].encode()[a:b].decode(errors="replace"))


def nums(args):
    return [int(x, 0) for x in re.findall(r"0x[0-9a-f]+|-?\d+", args)]


def test_guest_ran(run):
    assert run["rc"] == 0 and not run["missing"], run["log"]
    assert "daemon exit 0" in run["log"], run["log"]
    assert run["trace"], "QEMU wrote no trace log"


def test_flip_rate(run):
    freqs = [float(m) for m in re.findall(r"^freq: ([\d.]+)Hz", out("vorc-flip-ours.log"), re.M)]
    assert len(freqs) >= 3, out("vorc-flip-ours.log")
    # The kernel's virtio_gpu flips at ~120 Hz here (no vblank): no 60 Hz cap, but a rate a
    # display could show. The third line spans the SIGSTOP, so only the first two count.
    assert all(2 <= f <= 1000 for f in freqs[:2]), freqs


def test_qemu_executed_the_flips(run):
    ev = segment(run, "flip-ours-start", "flip-ours")
    scanouts = [nums(a)[1] for e, a in ev if e == "virtio_gpu_cmd_set_scanout"]
    assert len(scanouts) >= 120, scanouts[:10]
    assert len(set(scanouts)) == 2, set(scanouts)
    assert all(x != y for x, y in zip(scanouts, scanouts[1:])), "SET_SCANOUT does not alternate"
    # Each SET_SCANOUT is followed by a flush of that resource before the next SET_SCANOUT.
    pending = None
    for e, a in ev:
        if e == "virtio_gpu_cmd_set_scanout":
            assert pending is None, "a flip without RESOURCE_FLUSH"
            pending = nums(a)[1]
        elif e == "virtio_gpu_cmd_res_flush" and nums(a)[0] == pending:
            pending = None


def test_screendump_during_flips_is_a_frame_and_drmctl_agrees(run):
    r = run["results"]["flip-ours"]
    assert os.path.exists(r["path"]), r["reply"]
    dump = vmhost.load_rgb(r["path"])
    assert dump.size == (1024, 768)
    if not vmhost.is_uniform(dump, PLAIN_GREY):
        vmhost.check_smpte(dump)
    png = os.path.join(vmhost.OUT, "vorc-flip-ours-drmctl.png")
    assert os.path.exists(png), out("vorc-flip-drmctl.log")
    assert vmhost.same_pixels(vmhost.load_rgb(png), dump)


def cursor_events(run, which):
    ev = segment(run, "cursor-%s-start" % which, "cursor-%s-end" % which)
    seq, created, uploaded = [], {}, set()
    for e, a in ev:
        n = nums(a)
        if e == "virtio_gpu_cmd_res_create_2d":
            created[n[0]] = (n[2], n[3])
        elif e == "virtio_gpu_cmd_res_xfer_toh_2d":
            uploaded.add(n[0])
        elif e == "virtio_gpu_update_cursor":
            kind = "move" if "move" in a else "update"
            res = n[-1]
            if kind == "update" and res:
                assert res in uploaded, "cursor %d shown before TRANSFER_TO_HOST_2D" % res
                assert created.get(res) == (64, 64), created.get(res)
            # QEMU shows the cursor after either command only if it names a resource
            # (dpy_mouse_set(con, x, y, resource_id ? 1 : 0)); where a hidden one sits means
            # nothing, so that is not compared.
            seq.append((kind, n[1], n[2], "shown") if res else (kind, "hidden"))
    return seq


def test_cursor_sequence_matches_kernel(run):
    ours, kernel = cursor_events(run, "ours"), cursor_events(run, "kernel")
    n = min(len(ours), len(kernel))
    assert n >= 40, (len(ours), len(kernel))
    for i in range(n):
        assert ours[i] == kernel[i], "event %d: ours %s, kernel %s (ours %s...)" % (i, ours[i], kernel[i], ours[:i + 1][-5:])


def test_cursor_screendump(run):
    dumps = {}
    for which in ("ours", "kernel"):
        r = run["results"]["cursor-%s-mid" % which]
        assert os.path.exists(r["path"]), r["reply"]
        dumps[which] = vmhost.load_rgb(r["path"])
        vmhost.check_smpte(dumps[which])
    assert vmhost.same_pixels(dumps["ours"], dumps["kernel"])


def test_buffers_released(run):
    after = out("vorc-stats-after-flip.log")
    assert "gem objects:     0 (0 bytes)" in after, after
    assert "framebuffers:    0" in after, after
    # A legacy cursor image is a framebuffer of no file (drm_mode_cursor_universal() makes it
    # with drm_internal_framebuffer_create()): if modetest died with its cursor shown, the
    # cursor plane keeps that one 64x64 image, as the kernel's does, until the next cursor
    # change. Nothing else may be left.
    after = out("vorc-stats-after-cursor.log")
    assert ("gem objects:     0 (0 bytes)" in after and "framebuffers:    0" in after) or \
        ("gem objects:     1 (16384 bytes)" in after and "framebuffers:    1" in after), after
