"""QEMU's own screendump of the virtio-gpu that OUR driver core drives through
VFIO shows modetest's SMPTE bars, and is identical to the screendump of the
kernel's virtio_gpu after the same modetest run on the other virtio-gpu.

Runs on the host (it needs the QEMU monitor): boots the test VM with
--kernel-drm --monitor, and the guest half (virtio_guest.sh) hands over at
each point to screendump through files in the VM's output share.
"""
import os
import socket
import struct
import subprocess
import time
import zlib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "vm", "out")
# modetest's SMPTE top bars (tests/util/pattern.c): grey, yellow, cyan, green, magenta, red, blue at 75%.
SMPTE_TOP = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]


def hmp(sock_path, cmd):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.settimeout(20)
    data = b""
    while b"(qemu)" not in data:
        data += s.recv(4096)
    s.sendall(cmd.encode() + b"\n")
    data = b""
    while data.count(b"(qemu)") < 1:
        data += s.recv(4096)
    s.close()
    return data.decode(errors="replace")


def read_ppm(path):
    with open(path, "rb") as f:
        raw = f.read()
    parts = raw.split(maxsplit=4)
    assert parts[0] == b"P6", parts[0]
    w, h, maxval = int(parts[1]), int(parts[2]), int(parts[3])
    assert maxval == 255
    return w, h, parts[4][: w * h * 3]


def read_png_rgb(path):
    """A minimal PNG decoder for drmctl's 8-bit RGB/RGBA non-interlaced output (zlib + the 5 filters)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        for x in range(w):
            out += line[x * bpp:x * bpp + 3]
    return w, h, bytes(out)


def pixel(img, x, y):
    w, _, px = img
    i = (y * w + x) * 3
    return tuple(px[i:i + 3])


def check_smpte(img):
    w, h, _ = img
    got = [pixel(img, (2 * i + 1) * w // 14, h // 3) for i in range(7)]
    assert got == SMPTE_TOP, got


@pytest.fixture(scope="module")
def run():
    if os.environ.get("VM_OUT"):
        pytest.skip("host-side test (needs the QEMU monitor); make vm-test runs it outside the VM")
    if not os.path.exists(os.path.join(ROOT, "build", "cuse-drm")):
        pytest.skip("build first (make)")
    sock = os.path.join(ROOT, "build", "vm", "monitor-virtio.sock")
    for f in os.listdir(OUT) if os.path.isdir(OUT) else []:
        if f.startswith(("ready-", "dumped-", "virtio-")):
            os.unlink(os.path.join(OUT, f))
    vm = subprocess.Popen([os.path.join(ROOT, "tests", "vm", "run"), "--kernel-drm", "--timeout", "300",
                           "--monitor", sock, "--", "sh", "tests/host/virtio_guest.sh"],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dumps = {}
    try:
        for which, dev in (("ours", "gpu-vfio"), ("kernel", "gpu-kernel")):
            ready = os.path.join(OUT, "ready-" + which)
            deadline = time.monotonic() + 240
            while not os.path.exists(ready):
                assert vm.poll() is None, "VM ended early:\n" + vm.stdout.read()
                assert time.monotonic() < deadline, "guest never got ready-" + which
                time.sleep(0.2)
            path = os.path.join(ROOT, "build", "vm", "screendump-%s.ppm" % which)
            if os.path.exists(path):
                os.unlink(path)
            reply = hmp(sock, "screendump %s %s 0" % (path, dev))
            for _ in range(100):
                if os.path.exists(path) and os.path.getsize(path) > 0:
                    break
                time.sleep(0.1)
            dumps[which] = (path, reply)
            open(os.path.join(OUT, "dumped-" + which), "w").close()
        log, _ = vm.communicate(timeout=120)
    finally:
        if vm.poll() is None:
            vm.kill()
    return {"dumps": dumps, "log": log, "rc": vm.returncode}


def test_guest_ran(run):
    assert run["rc"] == 0, run["log"]
    assert "daemon exit 0" in run["log"], run["log"]


def test_our_screendump_shows_smpte_bars(run):
    path, reply = run["dumps"]["ours"]
    assert os.path.exists(path), reply
    img = read_ppm(path)
    assert img[:2] == (1024, 768)
    check_smpte(img)


def test_our_screendump_equals_kernel_driver(run):
    ours = read_ppm(run["dumps"]["ours"][0])
    kernel = read_ppm(run["dumps"]["kernel"][0])
    check_smpte(kernel)
    assert ours[:2] == kernel[:2]
    assert ours[2] == kernel[2], "screendumps differ"


def test_drmctl_screenshot_agrees_with_screendump(run):
    png = os.path.join(OUT, "virtio-ours-drmctl.png")
    assert os.path.exists(png), open(os.path.join(OUT, "virtio-drmctl.log")).read()
    shot = read_png_rgb(png)
    dump = read_ppm(run["dumps"]["ours"][0])
    assert shot[:2] == dump[:2]
    assert shot[2] == dump[2]


def test_dumb_buffers_released_after_modetest(run):
    during = open(os.path.join(OUT, "virtio-stats-during.log")).read()
    after = open(os.path.join(OUT, "virtio-stats-after.log")).read()
    assert "gem objects:     0" not in during, during
    assert "gem objects:     0 (0 bytes)" in after, after
    assert "framebuffers:    0" in after, after
