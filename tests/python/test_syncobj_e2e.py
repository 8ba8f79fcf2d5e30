"""Syncobj end to end: `cuse-drm --driver vgem --syncobj` driven through CUSE by real processes.

What only a running daemon can show (the core's semantics have unit tests and igt-subset):
  - a blocking SYNCOBJ_WAIT really blocks the client and really returns when another file
    signals, or at its absolute CLOCK_MONOTONIC deadline, as the kernel's does;
  - hundreds of clients parked in SYNCOBJ_WAIT cost the daemon no threads (DESIGN.md decision 4);
  - a client killed in the middle of a wait leaves nothing behind;
  - syncobj fds, sync_files and eventfds reach clients under the shim, across processes.
Kernel 6.1's vgem has no syncobjs (DRM_CAP_SYNCOBJ 0), so the oracle here is the kernel's
drm_syncobj.c as written, not a kernel run; see tests/conformance for the side-by-side runs.
"""
import ctypes
import errno
import fcntl
import os
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time

from conftest import Daemon, shim_env

IOWR = 3


def _iowr(nr, size):
    return (IOWR << 30) | (size << 16) | (ord("d") << 8) | nr


SYNCOBJ_CREATE = _iowr(0xBF, 8)
SYNCOBJ_WAIT = _iowr(0xC3, 32)
SYNCOBJ_SIGNAL = _iowr(0xC5, 16)
GET_CAP = _iowr(0x0C, 16)
WAIT_ALL, WAIT_FOR_SUBMIT = 1, 2
INT64_MAX = (1 << 63) - 1


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def create(fd):
    buf = bytearray(struct.pack("=II", 0, 0))
    fcntl.ioctl(fd, SYNCOBJ_CREATE, buf, True)
    return struct.unpack("=II", buf)[0]


def handles_array(*handles):
    arr = (ctypes.c_uint32 * len(handles))(*handles)
    return arr, ctypes.addressof(arr)


def wait(fd, handle, flags, timeout_ns):
    """SYNCOBJ_WAIT on one handle; returns 0 or the errno."""
    arr, addr = handles_array(handle)
    buf = bytearray(struct.pack("=QqIIII", addr, timeout_ns, 1, flags, 0, 0))
    try:
        fcntl.ioctl(fd, SYNCOBJ_WAIT, buf, True)
        return 0
    except OSError as e:
        return e.errno
    finally:
        del arr


def signal_syncobj(fd, handle):
    arr, addr = handles_array(handle)
    fcntl.ioctl(fd, SYNCOBJ_SIGNAL, bytearray(struct.pack("=QII", addr, 1, 0)), True)
    del arr


def threads_of(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def wait_until(cond, timeout=30):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_cap_needs_syncobj_option():
    for args, want in (((), 0), (("--syncobj",), 1)):
        d = Daemon(driver="vgem", args=args)
        try:
            fd = os.open(d.node, os.O_RDWR)
            buf = bytearray(struct.pack("=QQ", 0x13, 0))  # DRM_CAP_SYNCOBJ
            fcntl.ioctl(fd, GET_CAP, buf, True)
            os.close(fd)
            assert struct.unpack("=QQ", buf)[1] == want, args
        finally:
            assert d.stop() == 0, d.logtext()


def test_blocking_wait_returns_when_another_file_signals():
    d = Daemon(driver="vgem", args=("--syncobj",))
    try:
        a = os.open(d.node, os.O_RDWR)
        h = create(a)
        result = []
        t = threading.Thread(target=lambda: result.append(wait(a, h, WAIT_FOR_SUBMIT, INT64_MAX)))
        t.start()
        assert wait_until(lambda: d.stats()["parked_ioctls"] == 1), d.stats()
        time.sleep(0.2)
        assert t.is_alive() and not result, "the wait returned before anything signalled"
        signal_syncobj(a, h)
        t.join(30)
        assert result == [0]
        assert d.stats()["parked_ioctls"] == 0
        # The same wait on a signalled syncobj does not block at all.
        assert wait(a, h, 0, 0) == 0
        os.close(a)
    finally:
        assert d.stop() == 0, d.logtext()


def test_wait_times_out_at_its_absolute_deadline():
    d = Daemon(driver="vgem", args=("--syncobj",))
    try:
        fd = os.open(d.node, os.O_RDWR)
        h = create(fd)
        start = now_ns()
        deadline = start + 300_000_000
        assert wait(fd, h, WAIT_FOR_SUBMIT, deadline) == errno.ETIME
        assert now_ns() >= deadline, "ETIME before the deadline"
        # A deadline in the past, or 0 (poll), answers at once.
        assert wait(fd, h, WAIT_FOR_SUBMIT, 0) == errno.ETIME
        assert wait(fd, h, WAIT_FOR_SUBMIT, start) == errno.ETIME
        # No fence and no WAIT_FOR_SUBMIT: EINVAL (drm_syncobj_array_wait_timeout).
        assert wait(fd, h, 0, INT64_MAX) == errno.EINVAL
        os.close(fd)
    finally:
        assert d.stop() == 0, d.logtext()


def test_hundreds_of_waiters_cost_no_threads():
    n = 200
    d = Daemon(driver="vgem", args=("--syncobj",))
    try:
        fd = os.open(d.node, os.O_RDWR)
        h = create(fd)
        base = threads_of(d.proc.pid)
        results = []
        lock = threading.Lock()

        def waiter():
            r = wait(fd, h, WAIT_FOR_SUBMIT, INT64_MAX)
            with lock:
                results.append(r)

        threads = [threading.Thread(target=waiter) for _ in range(n)]
        for t in threads:
            t.start()
        assert wait_until(lambda: d.stats()["parked_ioctls"] == n, 60), d.stats()
        parked_threads = threads_of(d.proc.pid)
        # libfuse may add a few idle workers while requests arrive, never one per waiter.
        assert parked_threads <= base + 10, (base, parked_threads)
        signal_syncobj(fd, h)
        for t in threads:
            t.join(60)
        assert results == [0] * n
        assert d.stats()["parked_ioctls"] == 0
        os.close(fd)
    finally:
        assert d.stop() == 0, d.logtext()


def test_client_killed_while_waiting_leaves_nothing():
    d = Daemon(driver="vgem", args=("--syncobj",))
    try:
        baseline = d.stats()
        script = textwrap.dedent(f"""
            import os, sys
            sys.path.insert(0, {os.path.dirname(__file__)!r})
            from test_syncobj_e2e import create, wait, WAIT_FOR_SUBMIT, INT64_MAX
            fd = os.open({d.node!r}, os.O_RDWR)
            h = create(fd)
            print("waiting", flush=True)
            wait(fd, h, WAIT_FOR_SUBMIT, INT64_MAX)
        """)
        p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "waiting"
        assert wait_until(lambda: d.stats()["parked_ioctls"] == 1), d.stats()
        p.send_signal(signal.SIGKILL)
        p.wait(30)
        assert wait_until(lambda: d.stats() == baseline), (baseline, d.stats())
    finally:
        assert d.stop() == 0, d.logtext()


CLIENT = r'''
import ctypes, fcntl, os, select, socket, struct, sys
sys.path.insert(0, {here!r})
from test_syncobj_e2e import create, signal_syncobj, wait, handles_array, _iowr, WAIT_FOR_SUBMIT

HANDLE_TO_FD, FD_TO_HANDLE = _iowr(0xC1, 16), _iowr(0xC2, 16)
TIMELINE_SIGNAL, EVENTFD = _iowr(0xCD, 24), _iowr(0xCF, 24)
node = {node!r}
a, b = os.open(node, os.O_RDWR), os.open(node, os.O_RDWR)

# An opaque syncobj fd: a real, close-on-exec fd that another file imports.
h = create(a)
buf = bytearray(struct.pack("=IIiI", h, 0, -1, 0))
fcntl.ioctl(a, HANDLE_TO_FD, buf, True)
sfd = struct.unpack("=IIiI", buf)[2]
print("cloexec", bool(fcntl.fcntl(sfd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC))
# Through a UNIX socket to a child process, which imports it and signals.
s1, s2 = socket.socketpair()
pid = os.fork()
if pid == 0:
    fd = socket.recv_fds(s2, 1, 1)[1][0]
    c = os.open(node, os.O_RDWR)
    buf = bytearray(struct.pack("=IIiI", 0, 0, fd, 0))
    fcntl.ioctl(c, FD_TO_HANDLE, buf, True)
    signal_syncobj(c, struct.unpack("=IIiI", buf)[0])
    os._exit(0)
socket.send_fds(s1, [b"x"], [sfd])
os.close(sfd)
print("wait", wait(a, h, WAIT_FOR_SUBMIT, 2**63 - 1))
os.waitpid(pid, 0)
# A fd that is no syncobj fd: EINVAL (drm_syncobj_fd_to_handle).
try:
    fcntl.ioctl(b, FD_TO_HANDLE, bytearray(struct.pack("=IIiI", 0, 0, s1.fileno(), 0)), True)
    print("import-socket ok")
except OSError as e:
    print("import-socket", e.errno)

# sync_file export: poll() says POLLIN for a signalled fence.
buf = bytearray(struct.pack("=IIiI", h, 1, -1, 0))
fcntl.ioctl(a, HANDLE_TO_FD, buf, True)
sync_file = struct.unpack("=IIiI", buf)[2]
print("sync_file ready", select.select([sync_file], [], [], 5)[0] == [sync_file])
# ... and imports into another syncobj of another file.
h2 = create(b)
fcntl.ioctl(b, FD_TO_HANDLE, bytearray(struct.pack("=IIiI", h2, 1, sync_file, 0)), True)
print("imported wait", wait(b, h2, 0, 0))

# eventfd: readable once the timeline point signals.
t = create(a)
ev = os.eventfd(0, os.EFD_NONBLOCK)
fcntl.ioctl(a, EVENTFD, bytearray(struct.pack("=IIQiI", t, 0, 2, ev, 0)), True)
arr, addr = handles_array(t)
for point in (1, 2):
    pts = (ctypes.c_uint64 * 1)(point)
    before = select.select([ev], [], [], 0)[0]
    fcntl.ioctl(a, TIMELINE_SIGNAL, bytearray(struct.pack("=QQII", addr, ctypes.addressof(pts), 1, 0)), True)
    print("eventfd before", point, bool(before))
print("eventfd after", os.eventfd_read(ev))
try:
    fcntl.ioctl(a, EVENTFD, bytearray(struct.pack("=IIQiI", t, 0, 3, s1.fileno(), 0)), True)
except OSError as e:
    print("eventfd-socket", e.errno)
'''


def test_syncobj_fds_and_eventfd_under_the_shim():
    d = Daemon(driver="vgem", args=("--syncobj",))
    try:
        baseline = d.stats()
        code = CLIENT.format(here=os.path.dirname(__file__), node=d.node)
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=shim_env(), timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stdout.splitlines() == [
            "cloexec True",
            "wait 0",
            f"import-socket {errno.EINVAL}",
            "sync_file ready True",
            "imported wait 0",
            "eventfd before 1 False",
            "eventfd before 2 False",
            "eventfd after 1",
            f"eventfd-socket {errno.EINVAL}",
        ], p.stdout + p.stderr
        # Every fd the client held is closed with it: the daemon drops what they stood for.
        assert wait_until(lambda: d.stats() == baseline), (baseline, d.stats())
    finally:
        assert d.stop() == 0, d.logtext()
