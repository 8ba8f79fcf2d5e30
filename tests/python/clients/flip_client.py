"""A KMS client with two solid framebuffers, for test_vkms_crc_e2e: lights the CRTC at 1024x768
with framebuffer "a" (XRGB8888 0x00RRGGBB from argv), prints "ready", then for each line on
stdin naming a framebuffer ("a" or "b") page-flips to it (DRM_IOCTL_MODE_PAGE_FLIP, no event;
retried while the last flip is pending) and prints "shown X".  Holds everything until stdin
closes.  Runs under the client shim (it mmaps dumb buffers).

    flip_client.py NODE CONNECTOR_ID CRTC_ID COLOR_A COLOR_B
"""
import ctypes
import errno
import fcntl
import mmap
import os
import struct
import sys
import time


def iowr(nr, size):
    return (3 << 30) | (size << 16) | (ord("d") << 8) | nr


CREATE_DUMB = iowr(0xB2, 32)
MAP_DUMB = iowr(0xB3, 16)
ADDFB2 = iowr(0xB8, 104)
GETCONNECTOR = iowr(0xA7, 80)
SETCRTC = iowr(0xA2, 104)
PAGE_FLIP = iowr(0xB0, 24)
XRGB8888 = 0x34325258


def solid_fb(fd, color):
    """A 1024x768 XRGB8888 dumb buffer filled with @color, as a framebuffer id."""
    b = bytearray(struct.pack("=IIIIIIQ", 768, 1024, 32, 0, 0, 0, 0))
    fcntl.ioctl(fd, CREATE_DUMB, b, True)
    _, _, _, _, handle, pitch, size = struct.unpack("=IIIIIIQ", b)
    m = bytearray(struct.pack("=IIQ", handle, 0, 0))
    fcntl.ioctl(fd, MAP_DUMB, m, True)
    off = struct.unpack("=IIQ", m)[2]
    buf = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=off)
    buf[:] = struct.pack("=I", color) * (size // 4)
    buf.close()
    fb = bytearray(104)
    struct.pack_into("=IIIII", fb, 0, 0, 1024, 768, XRGB8888, 0)
    struct.pack_into("=I", fb, 20, handle)
    struct.pack_into("=I", fb, 36, pitch)
    fcntl.ioctl(fd, ADDFB2, fb, True)
    return struct.unpack_from("=I", fb, 0)[0]


def main():
    node, conn, crtc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    colors = {"a": int(sys.argv[4], 0), "b": int(sys.argv[5], 0)}
    fd = os.open(node, os.O_RDWR)
    modes = (ctypes.c_uint8 * (68 * 256))()
    c = bytearray(struct.pack("=QQQQ12I", 0, ctypes.addressof(modes), 0, 0, 256, 0, 0, 0,
                              conn, 0, 0, 0, 0, 0, 0, 0))
    fcntl.ioctl(fd, GETCONNECTOR, c, True)
    count = struct.unpack_from("=I", c, 32)[0]
    # struct drm_mode_modeinfo: clock, then hdisplay at byte 4 and vdisplay at byte 14.
    mode = next(bytes(modes[i * 68:(i + 1) * 68]) for i in range(min(count, 256))
                if struct.unpack_from("=H", bytes(modes), i * 68 + 4)[0] == 1024 and
                struct.unpack_from("=H", bytes(modes), i * 68 + 14)[0] == 768)
    fbs = {name: solid_fb(fd, color) for name, color in colors.items()}
    conns = (ctypes.c_uint32 * 1)(conn)
    sc = bytearray(struct.pack("=QIIIIII", ctypes.addressof(conns), 1, crtc, fbs["a"], 0, 0, 0) +
                   struct.pack("=I", 1) + mode)
    fcntl.ioctl(fd, SETCRTC, sc, True)
    print("ready", flush=True)
    for line in sys.stdin:
        name = line.strip()
        if name not in fbs:
            continue
        while True:
            try:
                fcntl.ioctl(fd, PAGE_FLIP, bytearray(struct.pack("=IIIIQ", crtc, fbs[name], 0, 0, 0)), True)
                break
            except OSError as e:
                if e.errno != errno.EBUSY:
                    raise
                time.sleep(0.005)
        print(f"shown {name}", flush=True)


main()
