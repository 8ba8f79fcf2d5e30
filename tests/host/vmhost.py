"""Host-side helpers for tests that need the test VM's QEMU monitor.

A test boots the VM (tests/vm/run --monitor SOCK) running a guest script. The
guest script (sourcing tests/host/vmguest.sh) stops at named points with
`wait_host NAME`: it writes $VM_OUT/ready-NAME and waits for $VM_OUT/dumped-NAME.
run_guest() calls the test's handler for each NAME meanwhile (take a QEMU
screendump, note where QEMU's trace log is), then writes dumped-NAME.

Images are PIL images in RGB: QEMU's screendump writes PPM (P6), drmctl
screenshot PNG; PIL reads both.

Also a command line, for tests/demo.sh:
    vmhost.py screendump SOCK DEVICE_ID OUT.png    (PPM converted to PNG with PIL)
"""
import os
import re
import socket
import subprocess
import sys
import time

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "vm", "out")
VMRUN = os.path.join(ROOT, "tests", "vm", "run")
# modetest's SMPTE top bars (libdrm tests/util/pattern.c): grey, yellow, cyan, green, magenta, red, blue at 75%.
SMPTE_TOP = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]


def hmp(sock_path, cmd):
    """Send one HMP command to QEMU's monitor at @sock_path; returns its reply text."""
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


def screendump(sock_path, device, path, head=0):
    """QEMU's `screendump PATH DEVICE HEAD` (PPM); returns the HMP reply. The file exists after."""
    if os.path.exists(path):
        os.unlink(path)
    reply = hmp(sock_path, "screendump %s %s %d" % (path, device, head))
    for _ in range(100):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            break
        time.sleep(0.1)
    return reply


def load_rgb(path):
    """A PPM or PNG file as a PIL RGB image (alpha dropped)."""
    with Image.open(path) as im:
        return im.convert("RGB")


def check_smpte(img):
    """Assert that @img's upper third shows modetest's seven SMPTE bars."""
    w, h = img.size
    got = [img.getpixel(((2 * i + 1) * w // 14, h // 3)) for i in range(7)]
    assert got == SMPTE_TOP, got


def is_uniform(img, rgb):
    """True when every pixel of @img is @rgb."""
    return img.getcolors(1) == [(img.size[0] * img.size[1], rgb)]


def same_pixels(a, b):
    return a.size == b.size and a.tobytes() == b.tobytes()


def clear_out(prefixes):
    """Remove files from earlier runs in the VM's output share."""
    for f in os.listdir(OUT) if os.path.isdir(OUT) else []:
        if f.startswith(tuple(prefixes)):
            os.unlink(os.path.join(OUT, f))


def skip_reason():
    """Why a host-side VM test cannot run here, or None."""
    if os.environ.get("VM_OUT"):
        return "host-side test (needs the QEMU monitor); make vm-test runs it outside the VM"
    if not os.path.exists(os.path.join(ROOT, "build", "cuse-drm")):
        return "build first (make)"
    return None


def run_guest(script, handler, sock, kernel_drm=True, timeout=400, qemu_args="", names=None):
    """Boot the VM with a monitor at @sock and run `sh @script` in it.

    For every `wait_host NAME` of the guest, calls handler(NAME, text of ready-NAME) and then
    releases the guest. @names, if given, is the list of NAMEs in order; the guest must reach
    each. Returns {"rc", "log", "results": {NAME: handler's return}}.
    """
    os.makedirs(OUT, exist_ok=True)
    clear_out(("ready-", "dumped-"))
    cmd = [VMRUN, "--timeout", str(timeout), "--monitor", sock]
    if kernel_drm:
        cmd.insert(1, "--kernel-drm")
    env = dict(os.environ)
    if qemu_args:
        env["VM_QEMU_ARGS"] = qemu_args
    vm = subprocess.Popen(cmd + ["--", "sh", script], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results, done = {}, set()
    try:
        while vm.poll() is None:
            ready = sorted(f[len("ready-"):] for f in os.listdir(OUT)
                           if f.startswith("ready-") and f[len("ready-"):] not in done)
            for name in ready:
                with open(os.path.join(OUT, "ready-" + name)) as f:
                    text = f.read()
                results[name] = handler(name, text)
                done.add(name)
                open(os.path.join(OUT, "dumped-" + name), "w").close()
            time.sleep(0.1)
        log, _ = vm.communicate(timeout=timeout)
    finally:
        if vm.poll() is None:
            vm.kill()
            vm.wait()
    missing = [n for n in names or [] if n not in results]
    return {"rc": vm.returncode, "log": log, "results": results, "missing": missing}


# QEMU's `log` trace backend: "virtio_gpu_update_cursor scanout 0 @ 10,10 type update res 3" etc.,
# with an optional "PID@SECONDS:" prefix.
TRACE_RE = re.compile(r"(?:^\d+@[\d.]+:)?(virtio_gpu_\w+) (.*)$")


def trace_events(text):
    """[(event name, its argument text)] of QEMU's trace log @text."""
    out = []
    for line in text.splitlines():
        m = TRACE_RE.match(line.strip())
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def file_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "screendump":
        sock, device, png = argv[2:5]
        ppm = png + ".ppm"
        reply = screendump(sock, device, ppm)
        if not os.path.exists(ppm):
            print("screendump failed: " + reply, file=sys.stderr)
            return 1
        load_rgb(ppm).save(png)
        os.unlink(ppm)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
