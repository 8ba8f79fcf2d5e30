"""cuse-drm --driver vgem beside the kernel's vgem in the same VM (tests/vm/run --kernel-drm):
the same ioctls on both must give the same answers.  The kernel is the oracle."""
import errno
import fcntl
import os
import struct
import subprocess

import pytest

from conftest import DRMCTL, Daemon, kernel_node


def _ioc(d, nr, size):
    return (d << 30) | (size << 16) | (ord("d") << 8) | nr


IOW, IOR, IOWR = 1, 2, 3
GET_CAP = _ioc(IOWR, 0x0C, 16)
GET_MAGIC = _ioc(IOR, 0x02, 4)
AUTH_MAGIC = _ioc(IOW, 0x11, 4)
GEM_CLOSE = _ioc(IOW, 0x09, 8)
GEM_FLINK = _ioc(IOWR, 0x0A, 8)
GEM_OPEN = _ioc(IOWR, 0x0B, 16)
SET_MASTER = _ioc(0, 0x1E, 0)
DROP_MASTER = _ioc(0, 0x1F, 0)
GETRESOURCES = _ioc(IOWR, 0xA0, 64)
CREATE_DUMB = _ioc(IOWR, 0xB2, 32)
MAP_DUMB = _ioc(IOWR, 0xB3, 16)
DESTROY_DUMB = _ioc(IOWR, 0xB4, 4)
VGEM_FENCE_ATTACH = _ioc(IOWR, 0x41, 16)
VGEM_FENCE_SIGNAL = _ioc(IOW, 0x42, 8)


def call(fd, cmd, buf=b""):
    """Returns (errno or 0, output bytes)."""
    b = bytearray(buf)
    try:
        if b:
            fcntl.ioctl(fd, cmd, b, True)
        else:
            fcntl.ioctl(fd, cmd, 0)
        return 0, bytes(b)
    except OSError as e:
        return e.errno, bytes(b)


def script(card, render):
    """A fixed sequence of calls; returns what each one answered (errnos and chosen values)."""
    out = []
    a = os.open(card, os.O_RDWR)          # first opener: master
    b = os.open(card, os.O_RDWR)          # not master, not authenticated
    r = os.open(render, os.O_RDWR)
    try:
        for cap in (0x1, 0x3, 0x5, 0x6, 0x12, 0x13, 0x999):
            e, v = call(a, GET_CAP, struct.pack("=QQ", cap, 0))
            out.append(("GET_CAP", cap, e, struct.unpack("=QQ", v)[1] if not e else None))
        out.append(("AUTH_MAGIC(0) master", call(a, AUTH_MAGIC, struct.pack("=I", 0))[0]))
        out.append(("AUTH_MAGIC(0) other", call(b, AUTH_MAGIC, struct.pack("=I", 0))[0]))
        out.append(("GETRESOURCES", call(a, GETRESOURCES, bytes(64))[0]))
        for w, h, bpp in ((1024, 768, 32), (13, 7, 24), (0, 1, 32), (1, 1, 0), (0xFFFFFFFF, 2, 32)):
            e, v = call(a, CREATE_DUMB, struct.pack("=IIIIIIQ", h, w, bpp, 0, 0, 0, 0))
            out.append(("CREATE_DUMB", w, h, bpp, e, struct.unpack("=IIIIIIQ", v)[3:] if not e else None))
        e, v = call(a, CREATE_DUMB, struct.pack("=IIIIIIQ", 64, 64, 32, 0, 0, 0, 0))
        handle = struct.unpack("=IIIIIIQ", v)[4]
        out.append(("MAP_DUMB ok", call(a, MAP_DUMB, struct.pack("=IIQ", handle, 0, 0))[0]))
        out.append(("MAP_DUMB bad", call(a, MAP_DUMB, struct.pack("=IIQ", 4242, 0, 0))[0]))
        out.append(("DESTROY_DUMB bad", call(a, DESTROY_DUMB, struct.pack("=I", 4242))[0]))
        out.append(("GEM_CLOSE bad", call(a, GEM_CLOSE, struct.pack("=II", 4242, 0))[0]))
        out.append(("GEM_CLOSE other file", call(b, GEM_CLOSE, struct.pack("=II", handle, 0))[0]))
        e, v = call(a, GEM_FLINK, struct.pack("=II", handle, 0))
        name = struct.unpack("=II", v)[1]
        out.append(("FLINK", e))
        out.append(("GEM_OPEN unauthenticated", call(b, GEM_OPEN, struct.pack("=IIQ", name, 0, 0))[0]))
        e, v = call(b, GET_MAGIC, bytes(4))
        out.append(("GET_MAGIC", e))
        out.append(("AUTH_MAGIC", call(a, AUTH_MAGIC, v)[0]))
        out.append(("AUTH_MAGIC again", call(a, AUTH_MAGIC, v)[0]))
        e, v = call(b, GEM_OPEN, struct.pack("=IIQ", name, 0, 0))
        out.append(("GEM_OPEN", e, struct.unpack("=IIQ", v)[2] if not e else None))
        e2, v2 = call(b, GEM_OPEN, struct.pack("=IIQ", name, 0, 0))
        out.append(("GEM_OPEN twice, same handle?", e2, v2[4:8] == v[4:8]))
        out.append(("GEM_OPEN bogus", call(b, GEM_OPEN, struct.pack("=IIQ", name + 1000, 0, 0))[0]))
        out.append(("SET_MASTER busy", call(b, SET_MASTER)[0]))
        out.append(("DROP_MASTER non-master", call(b, DROP_MASTER)[0]))
        # vgem fences
        out.append(("ATTACH bad flags", call(a, VGEM_FENCE_ATTACH, struct.pack("=IIII", handle, 2, 0, 0))[0]))
        out.append(("ATTACH bad handle", call(a, VGEM_FENCE_ATTACH, struct.pack("=IIII", 4242, 0, 0, 0))[0]))
        e, v = call(a, VGEM_FENCE_ATTACH, struct.pack("=IIII", handle, 0, 0, 0))
        fence = struct.unpack("=IIII", v)[2]
        out.append(("ATTACH read", e))
        out.append(("ATTACH write busy", call(a, VGEM_FENCE_ATTACH, struct.pack("=IIII", handle, 1, 0, 0))[0]))
        out.append(("SIGNAL", call(a, VGEM_FENCE_SIGNAL, struct.pack("=II", fence, 0))[0]))
        out.append(("SIGNAL again", call(a, VGEM_FENCE_SIGNAL, struct.pack("=II", fence, 0))[0]))
        out.append(("ATTACH write", call(a, VGEM_FENCE_ATTACH, struct.pack("=IIII", handle, 1, 0, 0))[0]))
        # render node
        out.append(("render GET_CAP", call(r, GET_CAP, struct.pack("=QQ", 0x6, 0))[0]))
        out.append(("render GET_MAGIC", call(r, GET_MAGIC, bytes(4))[0]))
        out.append(("render SET_MASTER", call(r, SET_MASTER)[0]))
        out.append(("render CREATE_DUMB", call(r, CREATE_DUMB, struct.pack("=IIIIIIQ", 8, 8, 32, 0, 0, 0, 0))[0]))
        out.append(("render GEM_CLOSE bad", call(r, GEM_CLOSE, struct.pack("=II", 1, 0))[0]))
        out.append(("render FLINK", call(r, GEM_FLINK, struct.pack("=II", 1, 0))[0]))
    finally:
        os.close(r)
        os.close(b)
        os.close(a)
    return out


def kernel_vgem():
    card, render = kernel_node("vgem"), kernel_node("vgem", "renderD")
    if not card or not render:
        pytest.fail("the kernel's vgem is missing: run under tests/vm/run --kernel-drm")
    return card, render


# Answers where we knowingly differ from the kernel, with the reason.  The test fails when
# a listed difference goes away too, so the list stays true.
KNOWN_DIFFERENCES = {}


def test_vgem_answers_like_the_kernel():
    kcard, krender = kernel_vgem()
    theirs = script(kcard, krender)
    r = subprocess.run([DRMCTL, "stats", kcard], capture_output=True, text=True)
    assert r.returncode == 1 and "not a cuse-drm node" in r.stderr, r.stderr
    d = Daemon(driver="vgem")
    try:
        render = f"/dev/dri/renderD{128 + d.n}"
        assert os.path.exists(render)
        ours = script(d.node, render)
        stats = d.stats()
    finally:
        assert d.stop() == 0
    assert len(theirs) == len(ours)
    diffs = [(t, o) for t, o in zip(theirs, ours) if t != o]
    unexpected = [(t, o) for t, o in diffs if tuple(t[:2]) not in KNOWN_DIFFERENCES]
    assert not unexpected, "\n".join(f"kernel {t}\nours   {o}" for t, o in unexpected)
    assert {tuple(t[:2]) for t, _ in diffs} == set(KNOWN_DIFFERENCES), diffs
    # everything the script made was freed when its files closed
    assert stats["gem_objects"] == 0 and stats["files"] == 1, stats


def test_drmctl_stats_never_takes_master():
    """drmctl stats asks through the daemon's render node: with the card node closed, it reports no
    master, where its own open of the card would have made it the master (drm_master_open()) and
    made a client's modeset that started at the same moment fail with EACCES."""
    import re
    d = Daemon(driver="vgem")
    try:
        for _ in range(3):
            out = subprocess.run([DRMCTL, "stats", d.node], capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
            assert re.search(r"^has master:\s+no$", out.stdout, re.M), out.stdout
            assert re.search(r"^files:\s+1 ", out.stdout, re.M), out.stdout
        # A client on the card node is the master, and stats says so without disturbing it.
        fd = os.open(d.node, os.O_RDWR)
        try:
            out = subprocess.run([DRMCTL, "stats", d.node], capture_output=True, text=True)
            assert re.search(r"^has master:\s+yes$", out.stdout, re.M), out.stdout
            assert re.search(r"^files:\s+2 ", out.stdout, re.M), out.stdout
        finally:
            os.close(fd)
    finally:
        assert d.stop() == 0


def test_node_modes_as_debian_udev_gives_them():
    """cardN root:video 0660 and renderD* root:render 0666, as Debian's 50-udev-default.rules
    gives the kernel's DRM nodes (the VM runs no udev, so its kernel nodes stay 0600)."""
    import grp
    import stat

    d = Daemon(driver="vgem")
    try:
        render = f"/dev/dri/renderD{128 + d.n}"
        card_st, render_st = os.stat(d.node), os.stat(render)
        assert stat.S_IMODE(card_st.st_mode) == 0o660
        assert stat.S_IMODE(render_st.st_mode) == 0o666
        for st, group in ((card_st, "video"), (render_st, "render")):
            try:
                assert st.st_gid == grp.getgrnam(group).gr_gid
            except KeyError:
                pass  # no such group on this system: the group is left as it is

        def as_nobody(path):
            r = subprocess.run(["/usr/bin/python3", "-c", f"""
import fcntl, os, struct, sys
os.setgroups([]); os.setgid(65534); os.setuid(65534)
try:
    fd = os.open({path!r}, os.O_RDWR)
except OSError as e:
    sys.exit(e.errno)
buf = bytearray(struct.pack("=QQ", 0x6, 0))
fcntl.ioctl(fd, {GET_CAP}, buf, True)
print(struct.unpack("=QQ", buf)[1])
"""], capture_output=True, text=True, timeout=30)
            return r.returncode, r.stdout.strip()

        # An unprivileged process uses the render node, and is kept out of the primary one.
        assert as_nobody(render) == (0, "1")
        assert as_nobody(d.node)[0] == errno.EACCES
    finally:
        assert d.stop() == 0


def test_thousands_of_buffers_like_the_kernel():
    """3000 dumb buffers in one file: the kernel's vgem has no cap there, and neither may we,
    though each of ours is a memfd the daemon holds (it raises its open-file limit at start;
    before, the 1021st CREATE_DUMB failed with ENOMEM).  All are freed when the file closes."""
    def make(node, n):
        fd = os.open(node, os.O_RDWR)
        try:
            for i in range(n):
                err, _ = call(fd, CREATE_DUMB, struct.pack("=IIIIIIQ", 32, 32, 32, 0, 0, 0, 0))
                if err:
                    return i, err
            return n, 0
        finally:
            os.close(fd)
    kcard, _ = kernel_vgem()
    assert make(kcard, 3000) == (3000, 0)
    d = Daemon(driver="vgem")
    try:
        assert make(d.node, 3000) == (3000, 0)
        stats = d.stats()
    finally:
        assert d.stop() == 0
    assert stats["gem_objects"] == 0, stats
