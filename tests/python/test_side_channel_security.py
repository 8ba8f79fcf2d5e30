"""The side channel is not a hole (issue 7, point 5).

The side-channel socket hands out GEM memory (mmap) and dma-bufs to whoever presents the
32-byte token of an open DRM file (CUSE_DRM_IOCTL_GET_TOKEN, an ioctl on that file) and
whose SO_PEERCRED uid is the opener's or root's.  These tests play the attacker with raw
socket requests (cuse-drm/cuse_drm_uapi.h part 2, struct cuse_drm_mmap_req):

- a token from a file that has been closed (a replay) gets ENODEV;
- another uid with a live, valid token gets EACCES;
- a file's token does not reach another file's buffer (EACCES: no handle there);
- thousands of random tokens at socket speed all get ENODEV, the daemon keeps
  serving, and the figures show what brute force over 2^256 tokens would take;
- the socket and its directory are root's, the socket is world-connectable (render nodes are
  0666, so any user may need it) and nothing else in the directory is writable by others.
"""
import array
import fcntl
import os
import secrets
import socket
import stat
import struct
import time

from conftest import Daemon

IOC_READ, IOC_WRITE = 2, 1


def _ioc(direction, typ, nr, size):
    return (direction << 30) | (size << 16) | (typ << 8) | nr


GET_TOKEN = _ioc(IOC_READ, 0xCD, 1, 32 + 108)
CREATE_DUMB = _ioc(IOC_READ | IOC_WRITE, ord("d"), 0xB2, 32)
MAP_DUMB = _ioc(IOC_READ | IOC_WRITE, ord("d"), 0xB3, 16)
ENODEV, EACCES, EINVAL = 19, 13, 22


def token_of(fd):
    buf = bytearray(32 + 108)
    fcntl.ioctl(fd, GET_TOKEN, buf)
    return bytes(buf[:32]), buf[32:].split(b"\0", 1)[0].decode()


def dumb_offset(fd):
    """A 64x64 dumb buffer of the file and its fake mmap offset."""
    c = bytearray(struct.pack("=IIIIIIQ", 64, 64, 32, 0, 0, 0, 0))
    fcntl.ioctl(fd, CREATE_DUMB, c)
    handle, size = struct.unpack_from("=I", c, 16)[0], struct.unpack_from("=Q", c, 24)[0]
    m = bytearray(struct.pack("=IIQ", handle, 0, 0))
    fcntl.ioctl(fd, MAP_DUMB, m)
    return struct.unpack_from("=Q", m, 8)[0], size


def mmap_request(sock, token, offset, length):
    """Send one struct cuse_drm_mmap_req; returns (error, fd or None)."""
    sock.sendmsg([token + struct.pack("=QQ", offset, length)])
    fds = array.array("i")
    msg, anc, _, _ = sock.recvmsg(8, socket.CMSG_SPACE(4))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % 4])
    error = struct.unpack("=iI", msg)[0]
    for fd in fds[1:]:
        os.close(fd)
    return error, (fds[0] if fds else None)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    return s


def as_user(uid, fn):
    """Run fn() in a child with uid/gid @uid; its return value (an int) comes back."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgid(uid)
            os.setuid(uid)
            os.write(w, str(fn()).encode())
        finally:
            os._exit(0)
    os.close(w)
    out = os.read(r, 64)
    os.close(r)
    os.waitpid(pid, 0)
    return int(out)


def test_side_channel_wants_the_file_and_its_owner():
    d = Daemon(driver="vgem")
    try:
        fd = os.open(d.node, os.O_RDWR)
        token, path = token_of(fd)
        offset, size = dumb_offset(fd)
        with connect(path) as s:
            err, mfd = mmap_request(s, token, offset, size)
            assert err == 0 and mfd is not None          # the holder of the file gets it
            os.close(mfd)

        # Another uid presenting the live token: EACCES, no fd.
        def other_uid():
            with connect(path) as s2:
                err2, mfd2 = mmap_request(s2, token, offset, size)
            return err2 if mfd2 is None else -1
        assert as_user(65534, other_uid) == EACCES

        # Another file's token does not reach this file's buffer.
        fd2 = os.open(d.node, os.O_RDWR)
        token2, _ = token_of(fd2)
        with connect(path) as s:
            assert mmap_request(s, token2, offset, size) == (EACCES, None)
        os.close(fd2)

        # A replay after the file is closed: ENODEV.
        os.close(fd)
        with connect(path) as s:
            assert mmap_request(s, token, offset, size) == (ENODEV, None)
    finally:
        assert d.stop() == 0


def test_side_channel_brute_force_gets_nothing():
    d = Daemon(driver="vgem")
    try:
        fd = os.open(d.node, os.O_RDWR)
        token, path = token_of(fd)
        offset, size = dumb_offset(fd)
        n, start = 3000, time.monotonic()
        with connect(path) as s:
            for _ in range(n):
                guess = secrets.token_bytes(32)
                err, mfd = mmap_request(s, guess, offset, size)
                assert mfd is None and (err == ENODEV or guess == token)
        rate = n / (time.monotonic() - start)
        years = 2 ** 255 / rate / (3600 * 24 * 365)      # half the token space on average
        print(f"side channel: {n} wrong tokens at {rate:.0f}/s, all ENODEV; "
              f"2^255 guesses would take {years:.1e} years")
        # The daemon still serves its file.
        with connect(path) as s:
            err, mfd = mmap_request(s, token, offset, size)
            assert err == 0 and mfd is not None
            os.close(mfd)
        os.close(fd)
    finally:
        assert d.stop() == 0


def test_side_channel_socket_permissions():
    d = Daemon(driver="vgem")
    try:
        fd = os.open(d.node, os.O_RDWR)
        _, path = token_of(fd)
        os.close(fd)
        st = os.stat(path)
        assert stat.S_ISSOCK(st.st_mode) and st.st_uid == 0
        # Connectable by any user (render nodes are 0666): the token, not the mode, is the lock.
        assert stat.S_IMODE(st.st_mode) == 0o666
        dst = os.stat(os.path.dirname(path))
        assert dst.st_uid == 0 and stat.S_IMODE(dst.st_mode) & 0o022 == 0   # nobody else adds or swaps sockets
        for name in os.listdir(os.path.dirname(path)):
            p = os.path.join(os.path.dirname(path), name)
            st = os.lstat(p)
            assert st.st_uid == 0, p
            if not stat.S_ISSOCK(st.st_mode) and not stat.S_ISLNK(st.st_mode):
                assert stat.S_IMODE(st.st_mode) & 0o002 == 0, f"{p} is world-writable"
    finally:
        assert d.stop() == 0
