"""A KMS client with a cursor, for test_vkms_e2e: lights the CRTC with a blue 1024x768
framebuffer, puts a 64x64 cursor (opaque red, its right half 50% transparent black,
premultiplied) at (100, 200) with DRM_IOCTL_MODE_CURSOR, prints "ready", and holds
everything until stdin closes.  Runs under the client shim (it mmaps dumb buffers).

    cursor_client.py NODE CONNECTOR_ID CRTC_ID
"""
import ctypes
import fcntl
import mmap
import os
import struct
import sys


def iowr(nr, size):
    return (3 << 30) | (size << 16) | (ord("d") << 8) | nr


CREATE_DUMB = iowr(0xB2, 32)
MAP_DUMB = iowr(0xB3, 16)
ADDFB2 = iowr(0xB8, 104)
GETCONNECTOR = iowr(0xA7, 80)
SETCRTC = iowr(0xA2, 104)
CURSOR = iowr(0xA3, 28)
XRGB8888 = 0x34325258


def dumb(fd, w, h):
    b = bytearray(struct.pack("=IIIIIIQ", h, w, 32, 0, 0, 0, 0))
    fcntl.ioctl(fd, CREATE_DUMB, b, True)
    _, _, _, _, handle, pitch, size = struct.unpack("=IIIIIIQ", b)
    m = bytearray(struct.pack("=IIQ", handle, 0, 0))
    fcntl.ioctl(fd, MAP_DUMB, m, True)
    off = struct.unpack("=IIQ", m)[2]
    return handle, pitch, mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=off)


def main():
    node, conn, crtc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fd = os.open(node, os.O_RDWR)
    # The connector's 1024x768 mode.
    modes = (ctypes.c_uint8 * (68 * 256))()
    c = bytearray(struct.pack("=QQQQ12I", 0, ctypes.addressof(modes), 0, 0, 256, 0, 0, 0,
                              conn, 0, 0, 0, 0, 0, 0, 0))
    fcntl.ioctl(fd, GETCONNECTOR, c, True)
    count = struct.unpack_from("=I", c, 32)[0]
    # struct drm_mode_modeinfo: clock, then hdisplay at byte 4 and vdisplay at byte 14.
    mode = next(bytes(modes[i * 68:(i + 1) * 68]) for i in range(min(count, 256))
                if struct.unpack_from("=H", bytes(modes), i * 68 + 4)[0] == 1024 and
                struct.unpack_from("=H", bytes(modes), i * 68 + 14)[0] == 768)
    handle, pitch, buf = dumb(fd, 1024, 768)
    buf[:] = struct.pack("=I", 0x000000FF) * (len(buf) // 4)
    fb = bytearray(104)
    struct.pack_into("=IIIII", fb, 0, 0, 1024, 768, XRGB8888, 0)
    struct.pack_into("=I", fb, 20, handle)
    struct.pack_into("=I", fb, 36, pitch)
    fcntl.ioctl(fd, ADDFB2, fb, True)
    fb_id = struct.unpack_from("=I", fb, 0)[0]
    conns = (ctypes.c_uint32 * 1)(conn)
    sc = bytearray(struct.pack("=QIIIIII", ctypes.addressof(conns), 1, crtc, fb_id, 0, 0, 0) +
                   struct.pack("=I", 1) + mode)
    fcntl.ioctl(fd, SETCRTC, sc, True)
    chandle, cpitch, cbuf = dumb(fd, 64, 64)
    for y in range(64):
        row = struct.pack("=I", 0xFFFF0000) * 32 + struct.pack("=I", 0x80000000) * 32
        cbuf[y * cpitch:y * cpitch + 256] = row
    fcntl.ioctl(fd, CURSOR, bytearray(struct.pack("=IIiiIII", 3, crtc, 100, 200, 64, 64, chandle)), True)
    print("ready", flush=True)
    sys.stdin.read()


main()
