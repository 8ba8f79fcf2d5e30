"""The VFIO platform (core/platform_pci.h, vfio/) and drmctl's device commands, in the test VM.

The VM has two virtio-gpus: 00:04.0 driven by the kernel's virtio_gpu (with --kernel-drm), and
00:06.0 ($VM_VFIO_GPU) that /init gives to vfio-pci.  build/vfio-probe opens a device through
our platform API and prints what a driver sees; the oracles are the kernel's own views of the
same device (sysfs config and resource files, lspci from pciutils) and the device itself (QEMU's
virtio-gpu answers a GET_DISPLAY_INFO sent through our DMA mappings with a real MSI-X
interrupt, and the kernel's virtio_gpu reports the same mode for its twin).
"""
import glob
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import BUILD, DRMCTL

PROBE = os.path.join(BUILD, "vfio-probe")
VFIO_GPU = os.environ.get("VM_VFIO_GPU", "0000:00:06.0")
KERNEL_GPU = "0000:00:04.0"
BOCHS = "0000:00:05.0"
SYSFS = "/sys/bus/pci/devices"

# include/linux/ioport.h
IORESOURCE_IO = 0x100
IORESOURCE_MEM = 0x200
IORESOURCE_PREFETCH = 0x2000
IORESOURCE_MEM_64 = 0x100000


def driver_of(bdf):
    link = os.path.join(SYSFS, bdf, "driver")
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else ""


def group_of(bdf):
    link = os.path.join(SYSFS, bdf, "iommu_group")
    return int(os.path.basename(os.readlink(link))) if os.path.islink(link) else None


def sysfs_hex(bdf, attr):
    with open(os.path.join(SYSFS, bdf, attr)) as f:
        return int(f.read(), 16)


def sysfs_config(bdf):
    with open(os.path.join(SYSFS, bdf, "config"), "rb") as f:
        return f.read()


def write_sysfs(path, text):
    with open(path, "w") as f:
        f.write(text)


def drmctl(*args):
    return subprocess.run([DRMCTL, *args], capture_output=True, text=True, timeout=60)


def run_probe(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([PROBE, *args], capture_output=True, text=True, timeout=120, env=e)


class Probe:
    """vfio-probe's output: lines keyed by their first word, with key=value fields."""

    def __init__(self, result):
        self.rc = result.returncode
        self.out = result.stdout
        self.err = result.stderr
        self.lines = [l.split(" ", 1) for l in self.out.splitlines() if l]

    def all(self, key):
        return [parts[1] if len(parts) > 1 else "" for parts in self.lines if parts[0] == key]

    def one(self, key):
        found = self.all(key)
        assert len(found) == 1, f"expected one '{key}' line in:\n{self.out}\n{self.err}"
        return found[0]

    def fields(self, key, prefix=None):
        for text in self.all(key):
            if prefix is None or text.split(" ", 1)[0] == prefix:
                return dict(kv.split("=", 1) for kv in text.split() if "=" in kv)
        raise AssertionError(f"no '{key} {prefix or ''}' line in:\n{self.out}\n{self.err}")


def probe_ok(*args, env=None):
    p = Probe(run_probe(*args, env=env))
    assert p.rc == 0, f"vfio-probe {' '.join(args)} failed ({p.rc}):\n{p.out}\n{p.err}"
    assert p.one("closed") == ""
    return p


def lspci(bdf):
    r = subprocess.run(["lspci", "-vvv", "-s", bdf], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def lspci_caps(text):
    """[(offset, kind text)] from lspci's 'Capabilities: [98] MSI-X: ...' lines, in order."""
    return [(int(m.group(1), 16), m.group(2)) for m in re.finditer(r"Capabilities: \[([0-9a-f]+)\] ([^\n]*)", text)]


def drm_cards_of(bdf):
    """The kernel DRM cards whose device is (a child of) PCI function @bdf."""
    cards = []
    for card in glob.glob("/sys/class/drm/card[0-9]*"):
        if "-" in os.path.basename(card):
            continue
        dev = os.path.realpath(os.path.join(card, "device"))
        if f"/{bdf}/" in dev + "/":
            cards.append(os.path.basename(card))
    return sorted(cards)


def all_cards():
    return sorted(os.path.basename(c) for c in glob.glob("/sys/class/drm/card[0-9]*") if "-" not in os.path.basename(c))


@pytest.fixture
def vfio_gpu():
    """00:06.0 on vfio-pci at the start and, whatever the test did, at the end."""
    assert os.path.exists(os.path.join(SYSFS, VFIO_GPU)), f"the test VM has no {VFIO_GPU} (tests/vm/run)"
    assert driver_of(VFIO_GPU) == "vfio-pci", f"{VFIO_GPU} is bound to '{driver_of(VFIO_GPU)}' (tests/vm/init)"
    yield VFIO_GPU
    if driver_of(VFIO_GPU) != "vfio-pci":
        r = drmctl("bind", VFIO_GPU)
        assert r.returncode == 0, r.stderr
    assert driver_of(VFIO_GPU) == "vfio-pci"


def test_boot_state(vfio_gpu):
    """/init gave 00:06.0 to vfio-pci before virtio_pci could claim it; the kernel's DRM drivers
    (with --kernel-drm) drive only 00:04.0 and 00:05.0, so card numbers stay as before."""
    assert os.path.exists(f"/dev/vfio/{group_of(vfio_gpu)}")
    with open(os.path.join(SYSFS, vfio_gpu, "driver_override")) as fh:
        assert fh.read() == "vfio-pci\n"
    assert drm_cards_of(vfio_gpu) == []
    if os.path.isdir("/sys/module/virtio_gpu"):
        assert len(drm_cards_of(KERNEL_GPU)) == 1
        assert len(drm_cards_of(BOCHS)) == 1


def test_identity_matches_sysfs(vfio_gpu):
    p = probe_ok(vfio_gpu)
    assert p.fields("bdf", vfio_gpu)["group"] == str(group_of(vfio_gpu))
    ids = p.fields("id")
    for field in ("vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision"):
        assert int(ids[field], 16) == sysfs_hex(vfio_gpu, field), field
    assert (int(ids["vendor"], 16), int(ids["device"], 16)) == (0x1af4, 0x1050)


def test_config_and_capabilities_match_the_kernel(vfio_gpu):
    p = probe_ok(vfio_gpu)
    ours = bytes.fromhex(p.one("config"))
    kernel = sysfs_config(vfio_gpu)
    assert int(p.one("config_size")) == len(ours) == len(kernel)
    # vfio-pci virtualizes the command register, BARs, interrupt line and MSI-X control; the
    # identity, header type, subsystem ids and capability pointer are the device's own.
    for start, end in ((0x00, 0x04), (0x08, 0x0c), (0x0e, 0x0f), (0x2c, 0x30), (0x34, 0x35)):
        assert ours[start:end] == kernel[start:end], f"config bytes {start:#x}..{end:#x}"

    caps = [(int(off, 16), int(rest.split("=")[1], 16)) for off, rest in (c.split(" ", 1) for c in p.all("cap"))]
    # lspci (pciutils) walks the kernel's view of the same config space.
    lcaps = lspci_caps(lspci(vfio_gpu))
    assert [off for off, _ in caps] == [off for off, _ in lcaps]
    assert caps, "virtio-gpu-pci has capabilities"
    for (off, cap_id), (_, kind) in zip(caps, lcaps):
        assert kernel[off] == cap_id
        assert (cap_id == 0x11) == kind.startswith("MSI-X")
        assert (cap_id == 0x09) == kind.startswith("Vendor Specific")
        if cap_id == 0x09:
            # A vendor cap's whole body (cap_len bytes) reads the same through VFIO.
            length = kernel[off + 2]
            assert ours[off:off + length] == kernel[off:off + length], f"vendor cap at {off:#x}"

    # The virtio caps, decoded by us, against lspci's decoding ("BAR=4 offset=00003000 size=00001000").
    text = lspci(vfio_gpu)
    for line in p.all("virtio_cap"):
        off = int(line.split()[0], 16)
        f = dict(kv.split("=") for kv in line.split()[1:])
        block = text.split(f"Capabilities: [{off:02x}]", 1)[1].split("Capabilities:", 1)[0]
        m = re.search(r"BAR=(\d+) offset=([0-9a-f]+) size=([0-9a-f]+)", block)
        assert m, block
        assert (int(f["bar"]), int(f["offset"], 16), int(f["length"], 16)) == (
            int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16))
        if f["cfg_type"] == "2":
            assert int(f["notify_off_multiplier"]) == int(re.search(r"multiplier=([0-9a-f]+)", block).group(1), 16)
    types = sorted(int(dict(kv.split("=") for kv in l.split()[1:])["cfg_type"]) for l in p.all("virtio_cap"))
    assert types == [1, 2, 3, 4, 5], "common, notify, ISR, device and PCI config access caps (virtio 4.1.4)"
    f = p.fields("find_capability")
    assert int(f["msix"], 16) == [o for o, i in caps if i == 0x11][0]
    vndr = [o for o, i in caps if i == 0x09]
    assert (int(f["vndr"], 16), int(f["next_vndr"], 16)) == (vndr[0], vndr[1])


def test_bars_match_resource_file(vfio_gpu):
    p = probe_ok(vfio_gpu)
    with open(os.path.join(SYSFS, vfio_gpu, "resource")) as fh:
        resources = [tuple(int(x, 16) for x in line.split()) for line in fh][:6]
    mapped = 0
    for bar, (start, end, flags) in enumerate(resources):
        f = p.fields("bar", str(bar))
        size = end - start + 1 if end else 0
        assert int(f["size"], 16) == size, f"BAR{bar}"
        if not size:
            continue
        ours = f["flags"].split(",")
        assert ("io" in ours) == bool(flags & IORESOURCE_IO)
        assert ("mem" in ours) == bool(flags & IORESOURCE_MEM)
        assert ("64" in ours) == bool(flags & IORESOURCE_MEM_64)
        assert ("prefetch" in ours) == bool(flags & IORESOURCE_PREFETCH)
        mapped += "mmap" in ours
    assert mapped == 2, "both memory BARs of virtio-gpu-pci are mmap'ed"


def test_virtio_common_config(vfio_gpu):
    f = probe_ok(vfio_gpu).fields("virtio")
    # Writes reach the device (ACKNOWLEDGE reads back) and a reset reads back 0 (virtio 4.1.4.3).
    assert f["status_ack"] == "1"
    assert f["status_reset"] == "0"
    # virtio-gpu has a control queue and a cursor queue (virtio 5.7.2).
    assert f["num_queues"] == "2"


def test_dma_mappings_return_to_baseline(vfio_gpu):
    p = probe_ok(vfio_gpu, "--virtio-cmd")
    assert p.fields("dma", "baseline") == {"mappings": "0", "coherent": "0", "bytes": "0"}
    # Two mappings of a 3-page shmem and one coherent page.
    assert p.fields("dma", "mapped") == {"mappings": "3", "coherent": "1", "bytes": str(7 * 4096)}
    assert p.fields("dma", "unmapped") == {"mappings": "0", "coherent": "0", "bytes": "0"}
    assert p.fields("dma", "after_cmd") == {"mappings": "0", "coherent": "0", "bytes": "0"}
    assert p.one("errno_checks") == "ok"


def test_msix_vectors_delivered(vfio_gpu):
    p = probe_ok(vfio_gpu)
    kernel = sysfs_config(vfio_gpu)
    msix = [o for o, _ in lspci_caps(lspci(vfio_gpu)) if kernel[o] == 0x11][0]
    table_size = (int.from_bytes(kernel[msix + 2:msix + 4], "little") & 0x7ff) + 1
    assert p.fields("irq") == {"type": "msix", "count": str(table_size)}
    for v in range(table_size):
        assert p.fields("irq_vector", str(v)) == {"delivered": "1"}


def test_irq_fallback_to_intx(vfio_gpu):
    kernel = sysfs_config(vfio_gpu)
    assert 0x05 not in [kernel[o] for o, _ in lspci_caps(lspci(vfio_gpu))], "virtio-gpu-pci has no MSI"
    p = probe_ok(vfio_gpu, "--irq-types", "msi,intx")
    assert p.fields("irq") == {"type": "intx", "count": "1"}
    assert p.fields("irq_vector", "0") == {"delivered": "1"}
    p = probe_ok(vfio_gpu, "--irq-types", "msi")
    assert p.one("irq_error") == "ENOSPC"


def test_virtio_get_display_info_through_dma_and_msix(vfio_gpu):
    """A real command: rings and buffers in our DMA mappings, the device's own MSI-X interrupt."""
    f = probe_ok(vfio_gpu, "--virtio-cmd").fields("virtio_cmd", "get_display_info")
    assert f["used_idx"] == "1"
    assert f["resp"] == "0x1101"  # VIRTIO_GPU_RESP_OK_DISPLAY_INFO
    assert f["enabled"] == "1"
    # The kernel's virtio_gpu asked its twin (00:04.0) the same and made it the preferred mode.
    cards = drm_cards_of(KERNEL_GPU)
    if cards:
        with open(glob.glob(f"/sys/class/drm/{cards[0]}-Virtual-*/modes")[0]) as fh:
            preferred = fh.readline().strip()
        assert preferred == f"{f['width']}x{f['height']}"
    else:
        assert (f["width"], f["height"]) == ("1280", "800")  # QEMU's default xres/yres


def test_bar_access_without_mmap_gives_the_same(vfio_gpu):
    mapped = probe_ok(vfio_gpu, "--virtio-cmd")
    plain = probe_ok(vfio_gpu, "--virtio-cmd", env={"CUSE_DRM_VFIO_NO_MMAP": "1"})
    for bar in range(6):
        a, b = mapped.fields("bar", str(bar)), plain.fields("bar", str(bar))
        assert a["size"] == b["size"]
        assert a["flags"].replace(",mmap", "") == b["flags"]
        assert "mmap" not in b["flags"]
    assert plain.fields("virtio") == mapped.fields("virtio")
    assert plain.fields("virtio_cmd", "get_display_info") == mapped.fields("virtio_cmd", "get_display_info")
    assert plain.one("errno_checks") == "ok"


def test_open_errors(vfio_gpu):
    # A device on another driver: ENODEV, naming the driver and the fix.
    p = Probe(run_probe(KERNEL_GPU))
    assert p.rc == 3
    assert p.one("open_error") == (f"ENODEV {KERNEL_GPU}: not bound to vfio-pci but to {driver_of(KERNEL_GPU)}; "
                                   f"run `drmctl bind {KERNEL_GPU}` first")
    p = Probe(run_probe("0000:00:1e.0"))
    assert p.rc == 3 and p.one("open_error").startswith("ENOENT 0000:00:1e.0: no such PCI device")
    p = Probe(run_probe("00:06"))
    assert p.rc == 3 and p.one("open_error").startswith("EINVAL '00:06' is not a PCI address")


def test_in_use(vfio_gpu):
    group = group_of(vfio_gpu)
    # Twice in one process: the kernel allows one open of /dev/vfio/N.
    p = probe_ok(vfio_gpu, "--open-twice")
    m = re.fullmatch(rf"EBUSY {vfio_gpu}: /dev/vfio/{group} is already in use by pid (\d+) \(vfio-probe\) "
                     r"\(a VFIO group has one user at a time\)", p.one("second_open"))
    assert m, p.one("second_open")
    # Held by another process: its pid is named; drmctl unbind refuses rather than block.
    holder = subprocess.Popen([PROBE, vfio_gpu, "--hold", "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().startswith("bdf ")
        assert holder.stdout.readline() == "holding\n"
        p = Probe(run_probe(vfio_gpu))
        assert p.rc == 3
        assert p.one("open_error").startswith(f"EBUSY {vfio_gpu}: /dev/vfio/{group} is already in use by "
                                              f"pid {holder.pid} (vfio-probe)")
        r = drmctl("unbind", vfio_gpu)
        assert r.returncode == 1
        assert f"/dev/vfio/{group} is in use by pid {holder.pid} (vfio-probe)" in r.stderr
        assert driver_of(vfio_gpu) == "vfio-pci"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel released everything the killed holder had: the device opens again.
    probe_ok(vfio_gpu)


def test_drmctl_devices(vfio_gpu):
    r = drmctl("devices")
    assert r.returncode == 0, r.stderr
    rows = {}
    for line in r.stdout.splitlines()[1:]:
        bdf, ids, drv, group, name = line.split(None, 4)
        rows[bdf] = (ids, drv, group, name)
    # Every display-class function the kernel knows, and nothing else.
    display = sorted(os.path.basename(d) for d in glob.glob(f"{SYSFS}/*") if sysfs_hex(os.path.basename(d), "class") >> 16 == 0x03)
    assert sorted(rows) == display
    for bdf in display:
        ids, drv, group, name = rows[bdf]
        assert ids == f"{sysfs_hex(bdf, 'vendor'):04x}:{sysfs_hex(bdf, 'device'):04x}"
        assert drv == (driver_of(bdf) or "-")
        assert group == str(group_of(bdf))
        # lspci names them from the same pci.ids.
        mm = subprocess.run(["lspci", "-mm", "-s", bdf], capture_output=True, text=True).stdout
        fields = re.findall(r'"([^"]*)"', mm)
        if not fields[1].startswith("Device ") and not fields[1].startswith("Vendor "):
            assert name.startswith(fields[1]), (name, fields)
    assert rows[KERNEL_GPU][:2] == ("1af4:1050", "virtio-pci")
    assert rows[vfio_gpu][:2] == ("1af4:1050", "vfio-pci")
    assert rows[vfio_gpu][3] == "Red Hat, Inc. Virtio 1.0 GPU"


def test_unbind_bind_round_trip(vfio_gpu):
    group = group_of(vfio_gpu)
    cards_before = all_cards()
    r = drmctl("unbind", vfio_gpu)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "virtio-pci\n"
    assert driver_of(vfio_gpu) == "virtio-pci"
    with open(os.path.join(SYSFS, vfio_gpu, "driver_override")) as fh:
        assert fh.read() == "(null)\n"
    assert not os.path.exists(f"/dev/vfio/{group}")
    if os.path.isdir("/sys/module/virtio_gpu"):
        # The kernel's virtio_gpu really drives it now.
        deadline = time.monotonic() + 20
        while not drm_cards_of(vfio_gpu) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert drm_cards_of(vfio_gpu), "virtio_gpu made no DRM card for the returned device"
    # Unbinding again has nothing to do.
    r = drmctl("unbind", vfio_gpu)
    assert r.returncode == 1 and "bound to virtio-pci, not to vfio-pci" in r.stderr

    r = drmctl("bind", vfio_gpu)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"/dev/vfio/{group}\n"
    assert driver_of(vfio_gpu) == "vfio-pci"
    assert os.path.exists(f"/dev/vfio/{group}")
    assert all_cards() == cards_before, "the kernel's card left with the device; other cards keep their numbers"
    # Binding what is bound is a no-op that still names the node.
    r = drmctl("bind", vfio_gpu)
    assert (r.returncode, r.stdout) == (0, f"/dev/vfio/{group}\n")
    # The device works after its time with the kernel driver.
    f = probe_ok(vfio_gpu, "--virtio-cmd").fields("virtio_cmd", "get_display_info")
    assert f["resp"] == "0x1101"


def test_drmctl_bind_refusals(vfio_gpu):
    r = drmctl("bind", "00:06")
    assert r.returncode == 2 and "is not a PCI address" in r.stderr
    r = drmctl("bind", "0000:00:1e.0")
    assert r.returncode == 1 and "no such PCI device" in r.stderr
    r = drmctl("unbind", KERNEL_GPU)
    assert r.returncode == 1 and "bound to virtio-pci, not to vfio-pci" in r.stderr
    assert driver_of(KERNEL_GPU) == "virtio-pci"


@pytest.fixture
def ich9_group():
    """The ICH9 functions share IOMMU group 7 (LPC 1f.0, AHCI 1f.2, SMBus 1f.3); put i2c_i801 on
    the SMBus function so the group is not viable, and undo everything afterwards."""
    ahci, smbus = "0000:00:1f.2", "0000:00:1f.3"
    if not os.path.exists(os.path.join(SYSFS, ahci)) or group_of(ahci) != group_of(smbus):
        pytest.skip("no ICH9 AHCI and SMBus in one IOMMU group")
    if driver_of(ahci) or driver_of(smbus):
        pytest.skip("the ICH9 functions already have drivers")
    if subprocess.run(["modprobe", "i2c_i801"], capture_output=True).returncode != 0 or driver_of(smbus) != "i801_smbus":
        pytest.skip("cannot load i2c_i801 in this VM")
    yield ahci, smbus, group_of(ahci)
    if driver_of(ahci):
        write_sysfs(os.path.join(SYSFS, ahci, "driver", "unbind"), ahci)
    write_sysfs(os.path.join(SYSFS, ahci, "driver_override"), "\n")
    subprocess.run(["rmmod", "i2c_i801"], capture_output=True)
    assert driver_of(ahci) == ""


def test_group_not_viable(ich9_group):
    ahci, smbus, group = ich9_group
    # drmctl checks the group before it touches anything.
    r = drmctl("bind", ahci)
    assert r.returncode == 1
    assert f"IOMMU group {group} is not viable: {smbus} (bound to i801_smbus)" in r.stderr
    assert driver_of(ahci) == ""
    # Bound by hand anyway: the kernel itself refuses the group (VFIO_GROUP_FLAGS_VIABLE clear)
    # and our open names the same culprit.
    write_sysfs(os.path.join(SYSFS, ahci, "driver_override"), "vfio-pci")
    write_sysfs("/sys/bus/pci/drivers_probe", ahci)
    assert driver_of(ahci) == "vfio-pci"
    p = Probe(run_probe(ahci))
    assert p.rc == 3
    assert p.one("open_error").startswith(f"EPERM {ahci}: IOMMU group {group} is not viable: {smbus} (bound to i801_smbus)")
    # Without i2c_i801 the group is viable, and the AHCI function (MSI, no MSI-X) opens:
    # the interrupt falls back to MSI.
    assert subprocess.run(["rmmod", "i2c_i801"], capture_output=True).returncode == 0
    p = probe_ok(ahci)
    assert p.fields("irq") == {"type": "msi", "count": "1"}
    assert p.fields("irq_vector", "0") == {"delivered": "1"}
    assert p.one("errno_checks") == "ok"
    assert p.fields("dma", "unmapped") == {"mappings": "0", "coherent": "0", "bytes": "0"}
