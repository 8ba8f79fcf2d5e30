"""Our virtio-gpu driver core's connector modes equal the kernel's virtio_gpu's (issue 5).

In the test VM (make vm-test: --kernel-drm), the kernel's virtio_gpu drives 00:04.0 and our
daemon (cuse-drm --device $VM_VFIO_GPU) the identical QEMU virtio-gpu at 00:06.0.  `modetest -c`
lists each connector's modes; the lists must be the same mode for mode: name, refresh, every
timing, clock, flags and type (preferred first, as drm_mode_sort()), from the same EDID
(QEMU's, with its CTA-861 extension).  Oracle: the kernel's drm_edid.c through modetest.
"""
import os
import re
import subprocess
import time

import pytest

from conftest import SHIM, SLOW, check_report, daemon_argv, daemon_env, daemon_preexec

VFIO_GPU = os.environ.get("VM_VFIO_GPU", "0000:00:06.0")
KERNEL_GPU = "0000:00:04.0"
MODE_RE = re.compile(r"^\s*#\d+ (.*)$")


def kernel_card():
    for c in sorted(os.listdir("/sys/class/drm")):
        if re.fullmatch(r"card\d+", c) and os.path.realpath(f"/sys/class/drm/{c}/device").endswith(KERNEL_GPU):
            return "/dev/dri/" + c
    return None


def modes(node, shim):
    env = dict(os.environ)
    if shim:
        env["LD_PRELOAD"] = SHIM
    out = subprocess.run(["modetest", "-D", node, "-c"], capture_output=True, text=True, env=env,
                         timeout=120).stdout
    block = out.split("modes:", 1)[1].split("props:", 1)[0] if "modes:" in out else ""
    return [m.group(1).strip() for m in map(MODE_RE.match, block.splitlines()) if m], out


@pytest.fixture(scope="module")
def ours():
    if not os.path.exists(f"/sys/bus/pci/devices/{VFIO_GPU}/driver") or \
            not os.path.realpath(f"/sys/bus/pci/devices/{VFIO_GPU}/driver").endswith("vfio-pci"):
        pytest.skip("no virtio-gpu on vfio-pci (run in the test VM)")
    log = open("/tmp/cuse-drm-modes.log", "w+")
    proc = subprocess.Popen(daemon_argv(["--device", VFIO_GPU, "--node", "card12"]), stdout=log,
                            stderr=subprocess.STDOUT, env=daemon_env(),
                            preexec_fn=daemon_preexec())
    deadline = time.monotonic() + 60 * SLOW
    while True:
        log.seek(0)
        text = log.read()
        if "serving /dev/dri/card12 " in text:
            break
        assert proc.poll() is None and time.monotonic() < deadline, text
        time.sleep(0.1)
    yield "/dev/dri/card12"
    proc.terminate()
    assert proc.wait(timeout=30 * SLOW) == 0
    assert not check_report(proc.pid), check_report(proc.pid)


def test_modes_equal_kernel_virtio_gpu(ours):
    kcard = kernel_card()
    if not kcard:
        pytest.skip("the kernel's virtio_gpu is not loaded (tests/vm/run --kernel-drm)")
    our_modes, our_out = modes(ours, True)
    kernel_modes, kernel_out = modes(kcard, False)
    assert len(kernel_modes) > 10, kernel_out
    assert our_modes == kernel_modes, (our_out, kernel_out)
