"""A client caught by its daemon's death (tests/python/test_daemon_death.py); run under the shim.

argv: NODE.  It maps a 64x64 dumb buffer and fills it, then blocks one thread in SYNCOBJ_WAIT
(WAIT_FOR_SUBMIT on an empty syncobj: it waits until told otherwise) and prints "ready".  On
"check" from stdin it reads the mapping back, reports how the blocked ioctl ended and how a new
ioctl on the same fd ends, and prints one line: "mapping=ok|bad wait=ERRNO-NAME next=ERRNO-NAME".
"""
import errno
import fcntl
import mmap
import os
import struct
import sys
import threading

IOWR = 3


def _ioc(nr, size):
    return (IOWR << 30) | (size << 16) | (ord("d") << 8) | nr


CREATE_DUMB, MAP_DUMB = _ioc(0xB2, 32), _ioc(0xB3, 16)
SYNCOBJ_CREATE, SYNCOBJ_WAIT = _ioc(0xBF, 8), _ioc(0xC3, 32)
WAIT_FOR_SUBMIT = 1 << 1

fd = os.open(sys.argv[1], os.O_RDWR)
c = bytearray(struct.pack("=IIIIIIQ", 64, 64, 32, 0, 0, 0, 0))
fcntl.ioctl(fd, CREATE_DUMB, c)
handle, size = struct.unpack_from("=I", c, 16)[0], struct.unpack_from("=Q", c, 24)[0]
m = bytearray(struct.pack("=IIQ", handle, 0, 0))
fcntl.ioctl(fd, MAP_DUMB, m)
buf = mmap.mmap(fd, size, offset=struct.unpack_from("=Q", m, 8)[0])
pattern = bytes(range(256)) * (size // 256)
buf[:] = pattern

s = bytearray(8)
fcntl.ioctl(fd, SYNCOBJ_CREATE, s)
handles = (struct.unpack_from("=I", s)[0]).to_bytes(4, "little")
hbuf = bytearray(handles)
import ctypes
hmem = (ctypes.c_char * 4).from_buffer(hbuf)
result = {}


def wait():
    w = bytearray(struct.pack("=QqIIII", ctypes.addressof(hmem), 2 ** 63 - 1, 1, WAIT_FOR_SUBMIT, 0, 0))
    try:
        fcntl.ioctl(fd, SYNCOBJ_WAIT, w)
        result["wait"] = "OK"
    except OSError as e:
        result["wait"] = errno.errorcode.get(e.errno, str(e.errno))


t = threading.Thread(target=wait, daemon=True)
t.start()
print("ready", flush=True)
sys.stdin.readline()
ok = buf[:] == pattern
t.join(30)
if t.is_alive():
    result["wait"] = "HUNG"
try:
    fcntl.ioctl(fd, SYNCOBJ_CREATE, bytearray(8))
    nxt = "OK"
except OSError as e:
    nxt = errno.errorcode.get(e.errno, str(e.errno))
print(f"mapping={'ok' if ok else 'bad'} wait={result.get('wait')} next={nxt}", flush=True)
