"""PRIME across processes: cuse-drm --driver vgem under the client shim beside the kernel's vgem
(tests/vm/run --kernel-drm).  build/prime-client runs the same sequence on both nodes; the
kernel's answers are the oracle."""
import errno
import fcntl
import os
import struct
import subprocess

from conftest import BUILD, Daemon, shim_env
from test_vgem_e2e import kernel_vgem

PRIME_CLIENT = os.path.join(BUILD, "prime-client")


def _ioc(d, nr, size):
    return (d << 30) | (size << 16) | (ord("d") << 8) | nr


IOWR = 3
GET_CAP = _ioc(IOWR, 0x0C, 16)
CREATE_DUMB = _ioc(IOWR, 0xB2, 32)
PRIME_HANDLE_TO_FD = _ioc(IOWR, 0x2D, 12)
PRIME_FD_TO_HANDLE = _ioc(IOWR, 0x2E, 12)
DRM_CAP_PRIME = 0x5
O_CLOEXEC = 0o2000000


def run_client(node, env=None):
    p = subprocess.run([PRIME_CLIENT, node], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, f"prime-client {node} exited {p.returncode}\n{p.stdout}{p.stderr}"
    return p.stdout.splitlines()


def test_prime_client_like_the_kernel():
    kcard, _ = kernel_vgem()
    theirs = run_client(kcard)
    d = Daemon(driver="vgem")
    try:
        baseline = d.stats()
        ours = run_client(d.node, env=shim_env())
        after = d.stats()
    finally:
        assert d.stop() == 0, d.logtext()
    assert "cap_prime 0 3" in theirs, theirs
    assert not [line for line in theirs if "FAIL" in line], theirs
    assert "child_status 0" in theirs, theirs
    assert ours == theirs, "\n".join(f"kernel {t!r:45} ours {o!r}" for t, o in zip(theirs, ours)) + \
        f"\n(kernel {len(theirs)} lines, ours {len(ours)})\n{d.logtext()}"
    assert after == baseline, (baseline, after)


def test_prime_without_shim_is_eopnotsupp():
    d = Daemon(driver="vgem")
    try:
        fd = os.open(d.node, os.O_RDWR)
        try:
            cap = bytearray(struct.pack("=QQ", DRM_CAP_PRIME, 0))
            fcntl.ioctl(fd, GET_CAP, cap, True)
            assert struct.unpack("=QQ", cap)[1] == 3
            buf = bytearray(struct.pack("=IIIIIIQ", 64, 64, 32, 0, 0, 0, 0))
            fcntl.ioctl(fd, CREATE_DUMB, buf, True)
            handle = struct.unpack("=IIIIIIQ", buf)[4]
            args = bytearray(struct.pack("=IIi", handle, O_CLOEXEC, -1))
            try:
                fcntl.ioctl(fd, PRIME_HANDLE_TO_FD, args, True)
                raise AssertionError("PRIME_HANDLE_TO_FD without the shim succeeded")
            except OSError as e:
                assert e.errno == errno.EOPNOTSUPP, e
            # the argument checks still come first, as the kernel's
            args = bytearray(struct.pack("=IIi", 4242, O_CLOEXEC, -1))
            try:
                fcntl.ioctl(fd, PRIME_HANDLE_TO_FD, args, True)
                raise AssertionError("PRIME_HANDLE_TO_FD of an unknown handle succeeded")
            except OSError as e:
                assert e.errno == errno.ENOENT, e
            null = os.open("/dev/null", os.O_RDONLY)
            args = bytearray(struct.pack("=IIi", 0, 0, null))
            try:
                fcntl.ioctl(fd, PRIME_FD_TO_HANDLE, args, True)
                raise AssertionError("PRIME_FD_TO_HANDLE without the shim succeeded")
            except OSError as e:
                assert e.errno == errno.EOPNOTSUPP, e
            finally:
                os.close(null)
        finally:
            os.close(fd)
        stats = d.stats()
        assert stats["gem_objects"] == 0 and stats["files"] == 1, stats
    finally:
        assert d.stop() == 0, d.logtext()
