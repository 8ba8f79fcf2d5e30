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
# make valgrind / make tsan run this whole suite with every daemon under a checker:
# CUSE_DRM_CHECK=memcheck (valgrind), or tsan (build/tsan/cuse-drm, ThreadSanitizer).
CHECK = os.environ.get("CUSE_DRM_CHECK", "")
CHECK_DIR = os.environ.get("CUSE_DRM_CHECK_DIR", os.path.join(os.environ.get("VM_OUT", "/tmp"), "check-" + CHECK))
CHECK_ERROR = 99        # the checker's exit status when it found an error (--error-exitcode, exitcode=)
# Under a checker the daemon runs 10-50x slower: waits for it stretch by this factor.
SLOW = 10 if CHECK else 1
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


def pytest_sessionfinish(session, exitstatus):
    """Under a checker: CHECK_DIR/summary.txt, the totals over every daemon the suite ran
    (make valgrind and make tsan print it; the README's Robustness figures come from it)."""
    if not CHECK or not os.path.isdir(CHECK_DIR):
        return
    reports = sorted(f for f in os.listdir(CHECK_DIR) if f.startswith(("memcheck-", "tsan.")))
    errors, definite, dirty = 0, 0, []
    for f in reports:
        text = open(os.path.join(CHECK_DIR, f)).read()
        n = _checker_errors(text)
        if n is None:        # SIGKILLed on purpose (test_daemon_death): valgrind wrote no summary
            continue
        errors += n
        definite += sum(int(x.replace(",", "")) for x in re.findall(r"definitely lost: ([\d,]+) bytes", text))
        if n:
            dirty.append(f)
    with open(os.path.join(CHECK_DIR, "summary.txt"), "w") as out:
        out.write(f"{CHECK}: {len(reports)} daemon runs checked, {errors} errors"
                  + (f", {definite} bytes definitely lost" if CHECK == "memcheck" else "")
                  + (f"; reports with errors: {' '.join(dirty)}" if dirty else "") + "\n")


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


def daemon_argv(args):
    """The command line that runs `cuse-drm ARGS`: plain, or under the checker CUSE_DRM_CHECK names.
    Each checked daemon writes its report to CHECK_DIR/<checker>-<pid>.log."""
    if not CHECK:
        return [DAEMON, *args]
    os.makedirs(CHECK_DIR, exist_ok=True)
    log = os.path.join(CHECK_DIR, CHECK + "-%p.log")
    if CHECK == "memcheck":
        supp = os.path.join(ROOT, "tests", "valgrind.supp")
        return ["valgrind", f"--error-exitcode={CHECK_ERROR}", "--leak-check=full",
                "--show-leak-kinds=definite,indirect,possible", "--errors-for-leak-kinds=definite,possible",
                "--track-fds=no", f"--log-file={log}", *([f"--suppressions={supp}"] if os.path.exists(supp) else []),
                DAEMON, *args]
    if CHECK == "tsan":
        return [os.path.join(BUILD, "tsan", "cuse-drm"), *args]
    raise pytest.UsageError(f"CUSE_DRM_CHECK={CHECK}: expected memcheck or tsan")


def daemon_env():
    """The environment for daemon_argv(): ThreadSanitizer's options when CUSE_DRM_CHECK=tsan."""
    env = dict(os.environ)
    if CHECK == "tsan":
        os.makedirs(CHECK_DIR, exist_ok=True)
        env["TSAN_OPTIONS"] = (f"exitcode={CHECK_ERROR} halt_on_error=0 second_deadlock_stack=1 "
                               f"log_path={os.path.join(CHECK_DIR, 'tsan')}")
    return env


def _checker_fd_limit():
    """valgrind keeps its own fds above the soft RLIMIT_NOFILE it starts with and refuses a raise
    of it from its client, so the daemon's own raise (cuse-drm/main.c raise_nofile_limit) cannot
    work under it: start the checked daemon with the limit already raised, as the daemon does."""
    import resource
    want = 65536
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def daemon_preexec():
    """preexec_fn for daemon_argv()'s process (None when no checker runs)."""
    return _checker_fd_limit if CHECK == "memcheck" else None


def _checker_errors(text):
    """The errors a checker's report counts: memcheck's ERROR SUMMARY (None when valgrind wrote
    none, as for a daemon SIGKILLed on purpose), ThreadSanitizer's warnings (it writes a report
    file only when it has one)."""
    if CHECK == "memcheck":
        m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        return int(m.group(1)) if m else None
    return text.count("WARNING: ThreadSanitizer:") or 1   # a report with no warning is still one


def check_report(pid):
    """The checker's findings for the daemon with @pid: '' when clean (or not checked).
    memcheck: its log unless it says 0 errors; tsan: any report file it wrote for the pid."""
    if not CHECK:
        return ""
    if CHECK == "memcheck":
        path = os.path.join(CHECK_DIR, f"memcheck-{pid}.log")
        text = open(path).read() if os.path.exists(path) else f"no valgrind log {path}"
        return "" if _checker_errors(text) == 0 else text
    path = os.path.join(CHECK_DIR, f"tsan.{pid}")
    return open(path).read() if os.path.exists(path) else ""


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
        self.proc = subprocess.Popen(daemon_argv([*drv, "--node", f"card{self.n}", *args]),
                                     stdout=self.log, stderr=subprocess.STDOUT, env=daemon_env(),
                                     preexec_fn=daemon_preexec())
        # "serving" is logged once every node, the fake sysfs and the side channel are up.
        deadline = time.monotonic() + 20 * SLOW
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
        """SIGTERM; the daemon's exit status.  Under a checker (make valgrind, make tsan) a daemon
        that exits with the checker's findings fails the test here, with the report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if CHECK and self.proc.returncode != -signal.SIGKILL:
            report = check_report(self.proc.pid)
            assert self.proc.returncode != CHECK_ERROR and not report, \
                f"{CHECK} found errors in cuse-drm (exit {self.proc.returncode}):\n{report}"
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
