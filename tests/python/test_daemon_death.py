"""The daemon dies (issue 7, point 3): SIGKILL while a client is blocked in an ioctl (a
SYNCOBJ_WAIT parked in the daemon) and holds a mapping of a dumb buffer.  The blocked call
returns an error instead of hanging, the mapping stays valid memory with its contents (the
buffer is a memfd the client maps itself: no SIGBUS), later calls on the dead file fail, and a
new daemon serves the same node name again.

The errnos are the kernel's FUSE layer's, not ours (the server is dead): fuse_abort_conn()
ends the requests in flight with ECONNABORTED, and every later request on the connection
fails with ENOTCONN.  No server can make them ENODEV or EIO."""
import os
import signal
import subprocess
import time

from conftest import Daemon, shim_env

CLIENT = os.path.join(os.path.dirname(__file__), "clients", "death_client.py")


def test_sigkill_daemon_mid_wait_with_mappings():
    d = Daemon(driver="vgem", args=["--syncobj"])
    node, n = d.node, d.n
    p = subprocess.Popen(["/usr/bin/python3", CLIENT, node], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=shim_env())
    try:
        assert p.stdout.readline().strip() == "ready", p.stdout.read()
        time.sleep(0.5)                                   # the wait is parked in the daemon
        assert d.stats()["parked_ioctls"] == 1
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait(timeout=10)
        p.stdin.write("check\n")
        p.stdin.flush()
        line = p.stdout.readline().strip()
        assert p.wait(timeout=30) == 0, line + p.stdout.read()
    finally:
        if p.poll() is None:
            p.kill()
    fields = dict(f.split("=") for f in line.split())
    assert fields["mapping"] == "ok", line                # no SIGBUS, contents intact
    assert fields["wait"] == "ECONNABORTED", line
    assert fields["next"] == "ENOTCONN", line
    print("daemon death:", line)
    # A new daemon takes the node name again (its nodes, sysfs entries and socket are redone).
    for _ in range(100):
        if not os.path.exists(node):
            break
        time.sleep(0.1)
    d2 = Daemon(driver="vgem")
    try:
        assert d2.node == node and d2.n == n
        fd = os.open(node, os.O_RDWR)
        os.close(fd)
    finally:
        assert d2.stop() == 0
