"""The permission matrix (issue 7, point 4): every DRM_IOCTL_* of libdrm's drm.h, with a zeroed
argument, in each role (the card's master; root without master, authenticated by
CAP_SYS_ADMIN; a non-root user with group video, unauthenticated and then authenticated by the
master; the render node as that user and as root), against the kernel's vgem and against
`cuse-drm --driver vgem` under the shim.  Each call must get exactly the kernel's answer:
drm_ioctl_permit()'s flags (DRM_AUTH, DRM_MASTER, DRM_ROOT_ONLY, DRM_RENDER_ALLOW) first,
then the handler's first check of a zeroed struct.  build/perm-matrix does one role's row."""
import os
import subprocess

from conftest import BUILD, Daemon, kernel_node, shim_env

PERM = os.path.join(BUILD, "perm-matrix")
ROLES = ["master", "root", "user", "user-auth", "render", "render-root"]

# DRM leases (drm_lease.c) are not implemented: a KMS master gets EOPNOTSUPP where the kernel
# makes an (empty) lease, lists and gets none, and finds no lessee 0 to revoke.
LEASES = {(name, "master") for name in ("DRM_IOCTL_MODE_CREATE_LEASE", "DRM_IOCTL_MODE_GET_LEASE",
                                        "DRM_IOCTL_MODE_LIST_LESSEES", "DRM_IOCTL_MODE_REVOKE_LEASE")}


def matrix(card, render, env=None):
    table = {}
    for role in ROLES:
        with open(os.devnull) as null:
            r = subprocess.run([PERM, card, render, role], stdin=null, capture_output=True, text=True,
                               env=env, timeout=300)
        assert r.returncode == 0, f"{role}: {r.stderr}"
        for line in r.stdout.splitlines():
            name, answer = line.split()
            table[(name, role)] = answer
    return table


def check_against_kernel(driver, daemon_args, known):
    """The matrix on the kernel's @driver and on `cuse-drm @daemon_args` (under the shim): the
    same answers but for the cells in @known, which must all still differ."""
    kcard, krender = kernel_node(driver), kernel_node(driver, "renderD")
    assert kcard and krender, f"the kernel's {driver} is missing (tests/vm/run --kernel-drm)"
    # Give the kernel's nodes what Debian's udev rules give them (the VM has no udevd; devtmpfs
    # makes them root 0600), as our daemon does for its own: cardN root:video 0660, renderD 0666.
    os.chown(kcard, 0, 44)
    os.chmod(kcard, 0o660)
    os.chmod(krender, 0o666)
    theirs = matrix(kcard, krender)
    d = Daemon(**daemon_args)
    try:
        ours = matrix(d.node, f"/dev/dri/renderD{128 + d.n}", env=shim_env())
        stats = d.stats()
    finally:
        assert d.stop() == 0
    assert set(theirs) == set(ours)
    names = sorted({n for n, _ in theirs})
    width = max(len(n) for n in names)
    print(f"{'ioctl':{width}} " + " ".join(f"{r:>11}" for r in ROLES))
    for n in names:
        print(f"{n:{width}} " + " ".join(
            f"{theirs[(n, r)]:>11}" if theirs[(n, r)] == ours[(n, r)] else f"{theirs[(n, r)] + '/' + ours[(n, r)]:>11}"
            for r in ROLES))
    diffs = {k: (theirs[k], ours[k]) for k in theirs if theirs[k] != ours[k]}
    unexpected = {k: v for k, v in diffs.items() if k not in known}
    assert not unexpected, "kernel/ours differ:\n" + "\n".join(
        f"{n} as {r}: kernel {t}, ours {o}" for (n, r), (t, o) in sorted(unexpected.items()))
    assert set(diffs) == set(known), f"listed differences that are gone: {set(known) - set(diffs)}"
    return stats


def test_permission_matrix_matches_the_kernel():
    stats = check_against_kernel("vgem", {"driver": "vgem"}, set())
    assert stats["gem_objects"] == 0, stats


def test_permission_matrix_matches_the_kernel_on_virtio_gpu():
    """The same matrix on a KMS driver: the kernel's virtio_gpu against ours on the twin
    virtio-gpu device through VFIO (cuse-drm --device $VM_VFIO_GPU)."""
    check_against_kernel("virtio_gpu", {"driver": None, "args": ["--device", os.environ["VM_VFIO_GPU"]]}, LEASES)
