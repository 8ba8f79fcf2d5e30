"""Mesa's kmscube renders through OUR virtio_gpu driver (VFIO), and QEMU's screendump of that
device shows the cube.

One VM boot (no kernel DRM drivers); the guest half is virtio_kmscube_guest.sh. kmscube runs
unmodified under the shim: GBM and Mesa's software path (kms_swrast, llvmpipe) render into our
dumb buffers, which our driver transfers to QEMU's virtio-gpu and flips. The same kmscube
runs on the kernel's virtio_gpu 2D (FACTS.md); this test does not rerun that.

Checked:
  - kmscube keeps rendering: its own count ("Rendered N frames", printed every 2 s or so)
    reaches 30 or more, and it was still running then;
  - its buffers are gone from the daemon after it is killed;
  - twice while it renders (SIGSTOPped for the screendump), QEMU's screendump of gpu-vfio
    shows something other than kmscube's grey clear colour in the middle of the screen (the
    cube is drawn there) and grey at the corners;
  - the two screendumps differ (the cube turned between them).
"""
import os
import re

import pytest

import vmhost


@pytest.fixture(scope="module")
def run():
    why = vmhost.skip_reason()
    if why:
        pytest.skip(why)
    vm = os.path.join(vmhost.ROOT, "build", "vm")
    sock = os.path.join(vm, "monitor-cube.sock")

    def handler(name, _text):
        path = os.path.join(vm, "screendump-%s.ppm" % name)
        return (path, vmhost.screendump(sock, "gpu-vfio", path))

    return vmhost.run_guest("tests/host/virtio_kmscube_guest.sh", handler, sock, kernel_drm=False,
                            names=["cube-1", "cube-2"])


def test_kmscube_rendered(run):
    assert run["rc"] == 0 and not run["missing"], run["log"]
    assert "kmscube still running" in run["log"], run["log"]
    assert "daemon exit 0" in run["log"], run["log"]
    frames = [int(n) for n in re.findall(r"^Rendered (\d+) frames", run["log"], re.M)]
    assert frames and max(frames) >= 30, run["log"]
    with open(os.path.join(vmhost.OUT, "cube-stats-after.log")) as f:
        after = f.read()
    assert "gem objects:     0 (0 bytes)" in after and "framebuffers:    0" in after, after


def grey(p):
    return max(p) - min(p) <= 2


def dump(run, name):
    path, reply = run["results"][name]
    assert os.path.exists(path), reply
    return vmhost.load_rgb(path)


@pytest.mark.parametrize("name", ["cube-1", "cube-2"])
def test_screendump_shows_the_cube(run, name):
    img = dump(run, name)
    w, h = img.size
    corners = [img.getpixel((x, y)) for x in (5, w - 6) for y in (5, h - 6)]
    assert all(grey(p) and 100 <= p[0] <= 160 for p in corners), corners
    box = img.crop((w // 2 - 100, h // 2 - 100, w // 2 + 100, h // 2 + 100))
    coloured = sum(n for n, p in box.getcolors(200 * 200) if not grey(p))
    assert coloured > 200 * 200 // 4, "only %d coloured pixels in the middle" % coloured


def test_the_cube_moves(run):
    assert not vmhost.same_pixels(dump(run, "cube-1"), dump(run, "cube-2"))
