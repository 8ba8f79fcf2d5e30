"""Faults and debuggability of our virtio-gpu driver core (VFIO), issue 5.

One VM boot (tests/vm/run --monitor) runs tests/host/virtio_faults_guest.sh, whose phases
leave their evidence in the VM's output share; the host takes QEMU screendumps when a phase
asks for one (ready-NAME / dumped-NAME files).

- dma: the daemon's live DMA mapping count (CUSE_DRM_IOCTL_STATS, drmctl stats) rises by one
  mapping per dumb buffer of exactly its page-rounded size, and returns to its baseline when the
  buffers are destroyed, when modetest exits, and when modetest is SIGKILLed holding a mode.
- restart: the daemon is SIGKILLed while modetest -v flips; a new daemon on the same BDF
  drives the device again, and QEMU's screendump shows modetest's SMPTE bars.
- valgrind: the daemon under memcheck (--leak-check=full, --error-exitcode) through a modeset,
  100 page flips and cursor moves (modetest -s -C -v), then SIGTERM: exit 0, no errors, no
  leaks.  No suppressions are needed: valgrind 3.19 only warns that it has no wrapper for three
  VFIO ioctls (0x3b64 GET_API_VERSION, 0x3b65 CHECK_EXTENSION: results in the return value;
  0x3b6d DEVICE_GET_IRQ_INFO: a struct we initialise before the call).
- gdb also injects a device fault: tests/host/inject_bad_resource.gdb rewrites the first
  RESOURCE_CREATE_2D to resource id 0; QEMU answers ERR_INVALID_RESOURCE_ID, the client gets
  EINVAL, the daemon logs the command, and the next CREATE_DUMB works with nothing leaked.
- gdb: a gdb -batch session (tests/host/set_scanout.gdb) breaks in virtgpu_set_scanout while
  modetest -s runs and prints the resource id; it equals VIRTGPU_RESOURCE_INFO's res_handle for
  the CRTC's framebuffer (GETCRTC, GETFB as root).

Oracles: QEMU's screendump of the device (gpu-vfio), modetest as the client, and the page
sizes of the buffers (the kernel's PAGE_ALIGN of CREATE_DUMB's size).

Helpers here are small on purpose (hmp, PIL for the images) so the file stands alone.
"""
import os
import re
import socket
import subprocess
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "vm", "out")
# modetest's SMPTE top bars (libdrm tests/util/pattern.c): grey, yellow, cyan, green, magenta, red, blue at 75%.
SMPTE_TOP = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]
PAGE = 4096


def hmp(sock_path, cmd):
    """One HMP command on QEMU's monitor socket; the reply text."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.settimeout(20)
    data = b""
    while b"(qemu)" not in data:
        data += s.recv(4096)
    s.sendall(cmd.encode() + b"\n")
    data = b""
    while b"(qemu)" not in data:
        data += s.recv(4096)
    s.close()
    return data.decode(errors="replace")


def load_rgb(path):
    from PIL import Image  # python3-pil (tests/deps.txt)

    return Image.open(path).convert("RGB")


def check_smpte(img):
    w, h = img.size
    got = [img.getpixel(((2 * i + 1) * w // 14, h // 3)) for i in range(7)]
    assert got == SMPTE_TOP, got


def out(name):
    with open(os.path.join(OUT, name)) as f:
        return f.read()


@pytest.fixture(scope="module")
def run():
    if os.environ.get("VM_OUT"):
        pytest.skip("host-side test (needs the QEMU monitor); make vm-test runs it outside the VM")
    if not os.path.exists(os.path.join(ROOT, "build", "cuse-drm")):
        pytest.skip("build first (make)")
    sock = os.path.join(ROOT, "build", "vm", "monitor-faults.sock")
    for f in os.listdir(OUT) if os.path.isdir(OUT) else []:
        if f.startswith(("ready-", "dumped-", "faults-")):
            os.unlink(os.path.join(OUT, f))
    phases = os.environ.get("VIRTIO_FAULTS_PHASES", "")
    vm = subprocess.Popen([os.path.join(ROOT, "tests", "vm", "run"), "--timeout", "1500", "--monitor", sock,
                           "--", "sh", "tests/host/virtio_faults_guest.sh", *phases.split()],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dumps, lines = {}, []
    reader = threading.Thread(target=lambda: lines.extend(vm.stdout), daemon=True)
    reader.start()
    try:
        while vm.poll() is None:
            for f in os.listdir(OUT):
                if not f.startswith("ready-"):
                    continue
                name = f[len("ready-"):]
                if name in dumps:
                    continue
                path = os.path.join(ROOT, "build", "vm", "faults-%s.ppm" % name)
                if os.path.exists(path):
                    os.unlink(path)
                reply = hmp(sock, "screendump %s gpu-vfio 0" % path)
                for _ in range(100):
                    if os.path.exists(path) and os.path.getsize(path) > 0:
                        break
                    time.sleep(0.1)
                dumps[name] = (path, reply)
                open(os.path.join(OUT, "dumped-" + name), "w").close()
            time.sleep(0.2)
        reader.join(30)
        log = "".join(lines)
        with open(os.path.join(ROOT, "build", "vm", "faults-vm.log"), "w") as f:
            f.write(log)
    finally:
        if vm.poll() is None:
            vm.kill()
    return {"dumps": dumps, "log": log, "rc": vm.returncode}


def phase_ok(run, phase):
    phases = out("faults-phases.log") if os.path.exists(os.path.join(OUT, "faults-phases.log")) else ""
    if "phase %s " % phase not in phases:
        if os.environ.get("VIRTIO_FAULTS_PHASES") and phase not in os.environ["VIRTIO_FAULTS_PHASES"].split():
            pytest.skip("phase %s not selected" % phase)
    assert "phase %s status 0" % phase in phases, run["log"]


def test_guest_ran(run):
    assert run["rc"] == 0, run["log"]
    assert "guest done" in run["log"], run["log"]


# ---- dma ----------------------------------------------------------------------------------------

def test_dma_mappings_follow_dumb_buffers(run):
    phase_ok(run, "dma")
    r = out("faults-dma-result.log")
    base = re.search(r"^baseline (\d+) dma mappings:\s+\d+ \((\d+) coherent, (\d+) bytes\)", r, re.M)
    assert base, r
    n0 = int(base.group(1))
    # The virtqueues' coherent memory: the baseline is nothing but them.
    assert n0 > 0 and int(base.group(2)) == n0, r
    created = [tuple(map(int, m)) for m in re.findall(r"^created \d+x\d+ size (\d+) -> dma (\d+) (\d+)$", r, re.M)]
    destroyed = [tuple(map(int, m)) for m in re.findall(r"^destroyed -> dma (\d+) (\d+)$", r, re.M)]
    assert len(created) == 3 and len(destroyed) == 3, r
    bytes0 = int(base.group(3))
    total = 0
    for i, (size, n, nbytes) in enumerate(created):
        total += (size + PAGE - 1) // PAGE * PAGE
        assert n == n0 + i + 1, r
        assert nbytes == bytes0 + total, r
    for i, (n, nbytes) in enumerate(destroyed):
        assert n == n0 + 2 - i, r
    assert destroyed[-1] == (n0, bytes0), r


def test_dma_mappings_return_after_modetest(run):
    phase_ok(run, "dma")
    r = out("faults-dma-result.log")
    n0 = int(re.search(r"^baseline (\d+)", r, re.M).group(1))
    holding = re.search(r"^modetest holding (\d+) fbs (\d+)", r, re.M)
    assert holding and int(holding.group(1)) > n0 and int(holding.group(2)) >= 1, r
    assert re.search(r"^modetest exited %d gem 0$" % n0, r, re.M), r


def test_dma_mappings_return_after_sigkilled_client(run):
    phase_ok(run, "dma")
    r = out("faults-dma-result.log")
    n0 = int(re.search(r"^baseline (\d+)", r, re.M).group(1))
    holding = re.search(r"^modetest2 holding (\d+) fbs (\d+)", r, re.M)
    assert holding and int(holding.group(1)) > n0 and int(holding.group(2)) >= 1, r
    assert re.search(r"^modetest2 killed %d gem 0$" % n0, r, re.M), r
    assert "daemon exit 0" in r, r


# ---- restart ------------------------------------------------------------------------------------

def test_restart_after_sigkill_mid_flip(run):
    phase_ok(run, "restart")
    r = out("faults-restart-result.log")
    assert re.search(r"^flipping (\d+)", r, re.M), r
    assert "daemon1 killed: 137" in r, r
    assert "daemon2 serving" in r, r
    assert "daemon exit 0" in r, r
    path, reply = run["dumps"]["restart"]
    assert os.path.exists(path), reply
    img = load_rgb(path)
    assert img.size == (1024, 768)
    check_smpte(img)
    shot = load_rgb(os.path.join(OUT, "faults-restart-drmctl.png"))
    assert shot.tobytes() == img.tobytes()


# ---- valgrind -----------------------------------------------------------------------------------

def test_valgrind_memcheck_clean(run):
    phase_ok(run, "valgrind")
    r = out("faults-valgrind-result.log")
    vg = out("faults-valgrind.log")
    flips = re.search(r"^flips (\d+)", r, re.M)
    assert flips and int(flips.group(1)) >= 100, r
    # modetest -C never hides its cursor (libdrm tests/modetest/cursor.c: cursor_stop() only ends
    # the thread), so the cursor plane keeps its 64x64 buffer after modetest exits, as on the
    # kernel (the legacy cursor's framebuffer belongs to no file); SIGTERM frees it.
    assert re.search(r"^after modetest: gem [01] ", r, re.M), r
    # --error-exitcode=99: any memcheck error (leaks included) would make it 99.
    assert "daemon exit 0" in r, r + vg
    assert re.search(r"ERROR SUMMARY: 0 errors from 0 contexts", vg), vg
    assert "definitely lost: 0 bytes" in vg or "All heap blocks were freed" in vg, vg
    # The cursor moved: modetest -C ran its cursor thread (it prints nothing on success).
    mt = out("faults-valgrind-modetest.log")
    assert "failed" not in mt.replace("failed to set gamma", ""), mt


# ---- gdb ----------------------------------------------------------------------------------------

def test_gdb_breaks_in_set_scanout(run):
    phase_ok(run, "gdb")
    r = out("faults-gdb-result.log")
    d = out("faults-gdb-daemon.log")
    hits = [tuple(map(int, m)) for m in re.findall(r"^gdb: SET_SCANOUT scanout (\d+) resource_id (\d+)$", d, re.M)]
    info = re.search(r"resource_info res_handle (\d+)", r)
    assert info, r
    res = int(info.group(1))
    assert res != 0, r
    # modetest's mode: the breakpoint saw SET_SCANOUT of the resource the driver created for its fb;
    # its exit turned the scanout off (resource 0).
    assert (0, res) in hits, d
    assert hits[-1] == (0, 0), d
    assert "gdb exit 0" in r, r + d


def test_device_error_response_from_qemu(run):
    """A real error response: gdb (tests/host/inject_bad_resource.gdb) rewrites the first
    RESOURCE_CREATE_2D to resource id 0, which QEMU refuses with ERR_INVALID_RESOURCE_ID."""
    phase_ok(run, "gdb")
    r = out("faults-gdb-result.log")
    d = out("faults-gdb-daemon.log")
    assert "gdb: RESOURCE_CREATE_2D sent with resource_id 0" in d, d
    assert "RESOURCE_CREATE_2D answered ERR_INVALID_RESOURCE_ID" in d, d
    assert "create_dumb 1: EINVAL" in r, r
    assert "create_dumb 2: ok" in r, r
    base = int(re.search(r"^baseline (\d+)", out("faults-dma-result.log"), re.M).group(1)) \
        if os.path.exists(os.path.join(OUT, "faults-dma-result.log")) else 8
    assert "after injection: gem 0 dma %d" % base in r, r
