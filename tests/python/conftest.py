"""Fixtures for the end-to-end tests.  They run inside the test VM (make vm-test),
where the guest kernel has CUSE: tests/vm/run -- python3 -m pytest tests/python."""
import fcntl
import os
import re
import signal
import struct
import subprocess
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
DAEMON = os.path.join(BUILD, "cuse-drm")
SHIM = os.path.join(BUILD, "libcuse-drm-shim.so")
DRMCTL = os.path.join(BUILD, "drmctl")

# cuse-drm/cuse_drm_uapi.h: CUSE_DRM_IOCTL_STATS = _IOR(0xCD, 2, struct cuse_drm_stats)
STATS_FMT = "=7II Q II 4Q IIQ"
# None: crtc_flips[4], left out (they grow with every flip, and tests compare whole dicts).
STATS_FIELDS = ("files", "gem_objects", "gem_handles", "framebuffers", "blobs",
                "pending_events", "has_master", "syncobjs", "gem_bytes", "fences",
                "parked_ioctls", None, None, None, None, "dma_mappings", "dma_coherent",
                "dma_bytes")
IOC_READ = 2


def _ioc(direction, typ, nr, size):
    return (direction << 30) | (size << 16) | (typ << 8) | nr


CUSE_DRM_IOCTL_STATS = _ioc(IOC_READ, 0xCD, 2, struct.calcsize(STATS_FMT))


def pytest_configure(config):
    if not os.path.exists("/dev/cuse"):
        raise pytest.UsageError("/dev/cuse is missing: run these tests in the test VM "
                                "(make vm-test) or load the cuse module (modprobe cuse)")


def shim_env(extra=None):
    env = dict(os.environ)
    env["LD_PRELOAD"] = SHIM
    env.update(extra or {})
    return env


def kernel_node(driver, kind="card"):
    """The kernel driver @driver's primary ("card") or render ("renderD") node, as `drmctl list`
    names it (tests/vm/run --kernel-drm loads vgem, virtio_gpu and bochs-drm), or None."""
    listing = subprocess.run([DRMCTL, "list"], capture_output=True, text=True).stdout
    m = re.search(rf"^(/dev/dri/{kind}\d+)\s+{re.escape(driver)}\s+\S+\s+kernel", listing, re.M)
    return m.group(1) if m else None


def free_card():
    for n in range(16):
        if not os.path.exists(f"/dev/dri/card{n}"):
            return n
    raise RuntimeError("no free /dev/dri/cardN")


class Daemon:
    """A running `cuse-drm --driver DRIVER`, serving /dev/dri/cardN."""

    def __init__(self, driver="vkms", args=()):
        self.n = free_card()
        self.node = f"/dev/dri/card{self.n}"
        self.log_path = os.path.join("/tmp", f"cuse-drm-card{self.n}.log")
        self.log = open(self.log_path, "w")
        # driver None: picked by the PCI device's ID (args has --device BDF).
        drv = ["--driver", driver] if driver else []
        self.proc = subprocess.Popen([DAEMON, *drv, "--node", f"card{self.n}", *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        # "serving" is logged once every node, the fake sysfs and the side channel are up.
        deadline = time.monotonic() + 20
        while f"serving {self.node} " not in self.logtext():
            if self.proc.poll() is not None:
                raise RuntimeError(f"cuse-drm exited with {self.proc.returncode}: {self.logtext()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.node} did not appear: {self.logtext()}")
            time.sleep(0.05)

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stats(self):
        """The daemon's object counts, through a fresh open of the node."""
        fd = os.open(self.node, os.O_RDWR)
        try:
            buf = bytearray(struct.calcsize(STATS_FMT))
            fcntl.ioctl(fd, CUSE_DRM_IOCTL_STATS, buf, True)
        finally:
            os.close(fd)
        return {k: v for k, v in zip(STATS_FIELDS, struct.unpack(STATS_FMT, bytes(buf))) if k}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def daemon():
    d = Daemon()
    yield d
    rc = d.stop()
    assert rc == 0, f"cuse-drm exited with {rc} on SIGTERM: {d.logtext()}"
    assert not os.path.exists(d.node), "the node must disappear when the daemon stops"


class Modetest:
    """modetest running in the background with a stdin that stays open (FACTS.md).
    A thread collects its output lines (stdout and stderr together)."""

    def __init__(self, args, env=None):
        self.proc = subprocess.Popen(["stdbuf", "-oL", "-eL", "modetest", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def count(self, text):
        with self.cond:
            return sum(text in line for line in self.lines)

    def wait_for(self, text, timeout=30, count=1):
        """Wait until @text has appeared on @count lines; False on timeout or exit."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while sum(text in line for line in self.lines) < count:
                left = deadline - time.monotonic()
                if left <= 0 or (not self.reader.is_alive() and self.proc.poll() is not None):
                    return False
                self.cond.wait(min(left, 0.2))
        return True

    def output(self):
        with self.cond:
            return "\n".join(self.lines)

    def quit(self):
        """A newline on stdin makes modetest tear down and exit."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
        return self.proc.returncode
