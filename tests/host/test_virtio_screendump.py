"""QEMU's own screendump of the virtio-gpu that OUR driver core drives through
VFIO shows modetest's SMPTE bars, and is identical to the screendump of the
kernel's virtio_gpu after the same modetest run on the other virtio-gpu.

Runs on the host (it needs the QEMU monitor): boots the test VM with
--kernel-drm --monitor, and the guest half (virtio_guest.sh) hands over at
each point to screendump through files in the VM's output share.
"""
import os

import pytest

import vmhost


@pytest.fixture(scope="module")
def run():
    why = vmhost.skip_reason()
    if why:
        pytest.skip(why)
    vmhost.clear_out(("virtio-",))
    sock = os.path.join(vmhost.ROOT, "build", "vm", "monitor-virtio.sock")
    devices = {"ours": "gpu-vfio", "kernel": "gpu-kernel"}

    def handler(which, _text):
        path = os.path.join(vmhost.ROOT, "build", "vm", "screendump-%s.ppm" % which)
        return (path, vmhost.screendump(sock, devices[which], path))

    r = vmhost.run_guest("tests/host/virtio_guest.sh", handler, sock, timeout=300, names=list(devices))
    return {"dumps": r["results"], "log": r["log"], "rc": r["rc"], "missing": r["missing"]}


def test_guest_ran(run):
    assert run["rc"] == 0 and not run["missing"], run["log"]
    assert "daemon exit 0" in run["log"], run["log"]


def test_our_screendump_shows_smpte_bars(run):
    path, reply = run["dumps"]["ours"]
    assert os.path.exists(path), reply
    img = vmhost.load_rgb(path)
    assert img.size == (1024, 768)
    vmhost.check_smpte(img)


def test_our_screendump_equals_kernel_driver(run):
    ours = vmhost.load_rgb(run["dumps"]["ours"][0])
    kernel = vmhost.load_rgb(run["dumps"]["kernel"][0])
    vmhost.check_smpte(kernel)
    assert vmhost.same_pixels(ours, kernel), "screendumps differ"


def test_drmctl_screenshot_agrees_with_screendump(run):
    png = os.path.join(vmhost.OUT, "virtio-ours-drmctl.png")
    assert os.path.exists(png), open(os.path.join(vmhost.OUT, "virtio-drmctl.log")).read()
    shot = vmhost.load_rgb(png)
    dump = vmhost.load_rgb(run["dumps"]["ours"][0])
    assert vmhost.same_pixels(shot, dump)


def test_dumb_buffers_released_after_modetest(run):
    during = open(os.path.join(vmhost.OUT, "virtio-stats-during.log")).read()
    after = open(os.path.join(vmhost.OUT, "virtio-stats-after.log")).read()
    assert "gem objects:     0" not in during, during
    assert "gem objects:     0 (0 bytes)" in after, after
    assert "framebuffers:    0" in after, after
