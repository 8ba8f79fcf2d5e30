"""VIRGL 3D (issue 6): the virtgpu uAPI of OUR virtio_gpu driver core, on a virtio-gpu-gl device
through VFIO, answers as the kernel's virtio_gpu does on the same device model.

QEMU permits one GL device per VM, so this takes two boots (tests/vm/run --gl=kernel --kernel-drm,
then --gl): build/virgl-probe (tests/virgl/virgl_probe.c) makes the same calls on the kernel's
render node and on ours (under the shim) and prints one answer per line.  The oracles are the
kernel driver and the host's virglrenderer behind both: GETPARAM values, GET_CAPS bytes (the
virgl and virgl2 capsets come from the same virglrenderer, so they must be byte-identical), the
kernel's errnos for bad input, the pixels of a VIRGL_CCMD_CLEAR and of a TRANSFER_TO_HOST box
read back with TRANSFER_FROM_HOST, and EXECBUFFER's fence fds.  Stock Mesa is the other client:
build/gles-render (tests/virgl/gles_render.c) renders one GLES2 scene offscreen on each node and
reads it back (equal bytes), and kmscube runs 100 frames, page flips included, on each card node.
"""
import os
import subprocess

import pytest

import vmhost


def _boot(gl, which, kernel_drm):
    args = [vmhost.VMRUN, "--gl=" + gl, "--timeout", "300"]
    if kernel_drm:
        args.append("--kernel-drm")
    args += ["--", "tests/virgl/virgl_guest.sh", which]
    r = subprocess.run(args, cwd=vmhost.ROOT, capture_output=True, text=True, timeout=400)
    path = os.path.join(vmhost.OUT, "virgl-probe-%s.txt" % which)
    lines = open(path).read().splitlines() if os.path.exists(path) else []
    return {"rc": r.returncode, "log": r.stdout + r.stderr, "lines": lines}


@pytest.fixture(scope="module")
def run():
    why = vmhost.skip_reason()
    if why:
        pytest.skip(why)
    vmhost.clear_out(("virgl-",))
    return {"kernel": _boot("kernel", "kernel", True), "ours": _boot("ours", "ours", False)}


def _pick(lines, prefix):
    return [l for l in lines if l.startswith(prefix)]


def _out(name):
    p = os.path.join(vmhost.OUT, name)
    return open(p).read() if os.path.exists(p) else "(no %s)" % name


def test_both_boots_ran(run):
    for which in ("kernel", "ours"):
        r = run[which]
        assert r["rc"] == 0 and "probe exit 0" in r["log"], (which, r["log"][-3000:])
        assert r["lines"], which
    assert "daemon exit 0" in run["ours"]["log"], run["ours"]["log"][-3000:]


def test_kernel_driver_has_virgl(run):
    # The kernel's virtio_gpu negotiated VIRGL on the GL device: the oracle is a 3D one.
    assert "+virgl" in _out("virgl-dmesg-kernel.log"), _out("virgl-dmesg-kernel.log")
    assert "getparam 1 = 1" in run["kernel"]["lines"]


def test_our_driver_negotiated_virgl_and_read_capsets(run):
    log = _out("virgl-daemon-ours.log")
    assert "virgl 3d acceleration enabled" in log, log
    assert "capset 2: version 2" in log, log


def test_getparam_equal(run):
    assert _pick(run["ours"]["lines"], "getparam") == _pick(run["kernel"]["lines"], "getparam")


def test_get_caps_byte_identical(run):
    k, o = _pick(run["kernel"]["lines"], "caps"), _pick(run["ours"]["lines"], "caps")
    # virgl2 at version 2 is what Mesa asks for; it must be there, and not empty.
    assert any(l.startswith("caps 2 2 ") and "errno" not in l for l in k), k
    assert o == k


def test_bad_input_gets_kernel_errnos(run):
    k, o = _pick(run["kernel"]["lines"], "bad "), _pick(run["ours"]["lines"], "bad ")
    assert len(k) >= 18, k
    assert o == k


def test_clear_pixels_equal(run):
    k, o = _pick(run["kernel"]["lines"], "clear"), _pick(run["ours"]["lines"], "clear")
    # B8G8R8A8 of the clear colour (1.0, 0.5, 0.25, 1.0), as the host's GL rounds it.
    assert "clear pixels first 4080ffff" in " ".join(k), k
    assert o == k


def test_transfer_box_equal(run):
    k, o = _pick(run["kernel"]["lines"], "box"), _pick(run["ours"]["lines"], "box")
    assert any(l.startswith("box outside first 4080ffff") for l in k), k
    assert not any(l.startswith("box inside first 4080ffff") for l in k), k
    assert o == k


def test_resource_lines_equal(run):
    for prefix in ("resource_", "map ", "gem_close"):
        assert _pick(run["ours"]["lines"], prefix) == _pick(run["kernel"]["lines"], prefix), prefix


def test_nothing_left_after_the_client(run):
    stats = _out("virgl-stats-ours.log")
    assert "gem objects:     0 (0 bytes)" in stats, stats
    assert "fences:          0" in stats, stats
    # Only the two virtqueues' four coherent buffers each: no command buffer left behind.
    assert "dma mappings:    8 (8 coherent" in stats, stats


def test_command_stream_over_one_cuse_round(run):
    # 256 KiB of NOPs ending in a green clear: staged by the shim (cuse_drm_uapi.h part 7).
    k, o = _pick(run["kernel"]["lines"], "big"), _pick(run["ours"]["lines"], "big")
    assert "big execbuffer errno 0" in k and any(l.startswith("big pixels first 00ff00ff") for l in k), k
    assert o == k


def test_execbuffer_fence_fds_equal(run):
    # FENCE_FD_OUT's sync_file signals (poll), FENCE_FD_IN takes it back, fds that are no sync_file
    # of the device get EINVAL (sync_file_get_fence() failing), as on the kernel's virtio_gpu.
    k, o = _pick(run["kernel"]["lines"], "fence"), _pick(run["ours"]["lines"], "fence")
    assert "fence out errno 0 fd valid" in k and "fence out poll 1 revents 0x1" in k, k
    assert "fence in+out errno 0 fd new" in k, k
    assert o == k
    k, o = _pick(run["kernel"]["lines"], "bad fence"), _pick(run["ours"]["lines"], "bad fence")
    assert len(k) == 4 and all(l.endswith("errno 22") for l in k), k
    assert o == k


def _gles(which):
    return _out("virgl-gles-%s.txt" % which).splitlines()


def test_mesa_renders_the_same_pixels(run):
    # Stock Mesa's virgl driver (tests/virgl/gles_render.c: GBM + surfaceless EGL + GLES2, an FBO
    # read back with glReadPixels) renders the same scene on both nodes: the host's llvmpipe draws
    # it from the command streams each driver carried, so every byte must be equal.
    k, o = _gles("kernel"), _gles("ours")
    assert any(l.startswith("renderer virgl (LLVMPIPE") for l in k), (k, _out("virgl-gles-kernel.log"))
    assert "gl error 0" in k and any(l.startswith("pixels hash ") for l in k), k
    # The scene's clear colour (0.1, 0.2, 0.3) in the corner the shapes leave alone.
    assert "pixel 127 127 1a334cff" in k, k
    assert [l for l in o if not l.startswith("frames ")] == [l for l in k if not l.startswith("frames ")], \
        (o, _out("virgl-gles-ours.log"))
    # Figures only (issue 8, case 10): frames per second of the same program on each driver.
    print("gles-render kernel:", [l for l in k if l.startswith("frames ")],
          "ours:", [l for l in o if l.startswith("frames ")])


def _kmscube_frames(log):
    n = 0
    for line in log.splitlines():
        if line.startswith("Rendered ") and " frames in " in line:
            n = max(n, int(line.split()[1]))
    return n


def test_stock_kmscube_renders_on_our_card_node(run):
    # Unmodified Mesa 22.3 (kmscube: GBM + EGL + GLES2 + KMS page flips, through the shim) loads its
    # virgl driver on our card node, names the host's renderer, and flips its 100 frames (kmscube
    # counts the last as 99) with no error from its fenced EXECBUFFERs, as on the kernel's node.
    for which in ("kernel", "ours"):
        log = _out("virgl-kmscube-%s.log" % which)
        assert 'renderer: "virgl (LLVMPIPE' in log, (which, log[-3000:])
        assert "got error from kernel" not in log, (which, log[-3000:])
        assert _kmscube_frames(log) >= 99, (which, log[-3000:])


def _shots(which):
    paths = [os.path.join(vmhost.OUT, "virgl-shot%d-%s.png" % (i, which)) for i in (1, 2)]
    assert all(os.path.exists(p) for p in paths), (which, _out("virgl-shot-%s.log" % which),
                                                   run_log_tail(which))
    return [vmhost.load_rgb(p) for p in paths]


def run_log_tail(which):
    return _out("virgl-kmscube-shot-%s.log" % which)[-2000:]


def _centre(img):
    # The middle half of the picture in each direction: where kmscube's cube turns.
    w, h = img.size
    return img.crop((w // 4, h // 4, 3 * w // 4, 3 * h // 4))


def test_screenshot_of_a_virgl_scanout_shows_the_cube(run):
    # drmctl screenshot reads the host's pixels of kmscube's scanout back (VIRGL renders into the
    # host's resource; the guest backing stays stale) with TRANSFER_FROM_HOST + WAIT.  On both the
    # kernel's virtio_gpu and ours: the corner is kmscube's clear colour, the same on both; the
    # centre has the shaded cube (many colours besides the background) and it turns between shots.
    # A stale backing (zeros) or fbcon's console would give a uniform or text-only centre.
    bg = {}
    size = {}
    for which in ("kernel", "ours"):
        a, b = _shots(which)
        assert a.size == b.size, (which, a.size, b.size)
        bg[which] = a.getpixel((2, 2))
        size[which] = a.size
        assert b.getpixel((2, 2)) == bg[which], which
        for img in (a, b):
            colours = _centre(img).getcolors(1 << 20)
            others = [c for n, c in colours if c != bg[which]]
            assert len(others) >= 100, (which, len(others), bg[which])
        assert _centre(a).tobytes() != _centre(b).tobytes(), which
        print("screenshot %s: %s, background %s, %d colours in the centre" %
              (which, a.size, bg[which], len(_centre(a).getcolors(1 << 20))))
    assert bg["ours"] == bg["kernel"], bg
    assert size["ours"] == size["kernel"], size
