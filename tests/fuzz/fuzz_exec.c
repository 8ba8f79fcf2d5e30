/*
 * fuzz_exec.c - run one fuzzer input against the DRM core (see fuzz_exec.h).
 *
 * Input format (all integers little-endian; a short input just ends):
 *
 *   byte 0        configuration, FUZZ_CFG_* bits: the driver (vkms, vkms
 *                 with two CRTCs, cursor, overlay and writeback, vgem, vkms
 *                 with a cursor; or virtio-gpu, FUZZ_CFG_VIRTIO),
 *                 DRIVER_SYNCOBJ forced on, PRIME transport, CUSE-style
 *                 RETRY rounds for client memory, fd-carrying calls (a
 *                 fake fd table behind struct drm_fd_ops).
 *   byte 1        virtio-gpu inputs only: the simulated device's shape,
 *                 FUZZ_VIRTIO_* bits (scanouts, EDID, interrupt vectors,
 *                 command timeout).
 *   then ops      until the input ends (at most FUZZ_MAX_OPS):
 *                 one byte: kind (low 4 bits, enum fuzz_op) and file slot
 *                 (bits 4-5), then the kind's operands (see enum fuzz_op).
 *
 * File slots, all opened at the start in this order on one device:
 *   0  root (privileged) on the primary node: the master;
 *   1  uid 1000, unprivileged, primary node: unauthenticated non-master;
 *   2  uid 1000 on the render node (primary node when the driver has none);
 *   3  root on the primary node, a second file (not master).
 *
 * Client memory is FUZZ_MEM_SIZE zeroed bytes at client address
 * FUZZ_MEM_BASE.  An ioctl op writes its bytes at offset off and passes
 * FUZZ_MEM_BASE + off as the argument; POKE writes arrays that the
 * argument's pointers name.  The accessor copies from and to that region
 * only; any range not wholly inside fails with -EFAULT, like an unmapped
 * page.  With FUZZ_CFG_ROUNDS the accessor behaves as cuse-drm/ioctl.c's:
 * the first round knows only the argument struct, every other range read
 * is "missing" (-DRM_ERETRY; writes to missing ranges are dropped), and the
 * ioctl is rerun from the client's original memory with the missing ranges
 * added until none is missing.  A round that ended with missing ranges must
 * not have changed the device's object counts (DESIGN.md decision 3).
 *
 * Waiting ioctls park (-DRM_EPENDING) in one of FUZZ_MAX_PARKED slots and
 * are rerun after any op once their wake hook ran; CANCEL (and the end of
 * the input, and closing the file) drops them with drm_wait_cancel().  Time
 * moves only with TIME: the platform (platform_fuzz.c) fires vkms's vblank
 * timers from there, so every input replays exactly.
 *
 * At the end every parked ioctl is cancelled, every fake fd closed, every
 * file released, a new master turns every plane and CRTC off (the kernel's
 * lastclose does it through fbdev), 100 ms pass, and then the device
 * must hold no files, GEM objects or handles, framebuffers, events, master,
 * syncobjs or parked ioctls; after drm_device_destroy() no shmem, timer,
 * mutex or fence may be alive.  Anything else aborts with a message.
 *
 * virtio-gpu runs on the simulated device of tests/virtio_model behind
 * the fuzz platform's PCI layer.  Each command the driver queues is
 * answered as the input says (FUZZ_OP_DEVICE's ANSWER FIFOs, one per
 * queue; OK when empty): OK, an error response, a short response, a wrong
 * response type, no answer (the driver's wait times out: the fake clock
 * jumps past cmd_timeout_ns), DEVICE_NEEDS_RESET, a late answer, a used
 * element naming a descriptor not in flight; and a device that refuses
 * its features after a reset (it does not come back).  The device runs synchronously
 * whenever the driver waits for a completion, whenever time moves, and on
 * FUZZ_DEV_RUN; its display information and EDID come from the input too,
 * and the harness may call the interrupt handler at any time.  On top of
 * the checks above: after drm_device_destroy() no DMA mapping may be left
 * in the IOMMU table, and the device may never have touched memory
 * outside a live mapping.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm.h>
#include <drm_mode.h>

#include "core/drm_core.h"
#include "core/drm_fence.h"
#include "core/drm_uapi_ext.h"
#include "core/platform.h"
#include <virtgpu_drm.h>

#include "core/platform_pci.h"
#include "drivers/vgem/vgem_drm.h"
#include "fuzz_exec.h"
#include "platform_fuzz.h"
#include "tests/virtio_model/virtio_gpu_model.h"

#define FUZZ_MAX_OPS 256
#define FUZZ_NFILES 4
#define FUZZ_MAX_PARKED 4
#define FUZZ_MAX_FDS 16
#define FUZZ_FD_FIRST 3          /* fake fd number of fd table entry 0 */
#define FUZZ_EVENTFD_FIRST 100   /* fake fds 100..103 are eventfds */
#define FUZZ_EVENTFD_COUNT 4
#define FUZZ_MAX_RANGES 64
#define FUZZ_MAX_ROUNDS 32
#define FUZZ_MAX_ANSWERS 32      /* queued device answers per virtqueue */

const uint32_t fuzz_ioctl_cmds[] = {
	DRM_IOCTL_VERSION,
	DRM_IOCTL_GET_UNIQUE,
	DRM_IOCTL_GET_MAGIC,
	DRM_IOCTL_GET_CLIENT,
	DRM_IOCTL_GET_STATS,
	DRM_IOCTL_GET_CAP,
	DRM_IOCTL_SET_CLIENT_CAP,
	DRM_IOCTL_SET_VERSION,
	DRM_IOCTL_AUTH_MAGIC,
	DRM_IOCTL_SET_MASTER,
	DRM_IOCTL_DROP_MASTER,
	DRM_IOCTL_GEM_CLOSE,
	DRM_IOCTL_GEM_FLINK,
	DRM_IOCTL_GEM_OPEN,
	DRM_IOCTL_PRIME_HANDLE_TO_FD,
	DRM_IOCTL_PRIME_FD_TO_HANDLE,
	DRM_IOCTL_WAIT_VBLANK,
	DRM_IOCTL_CRTC_GET_SEQUENCE,
	DRM_IOCTL_CRTC_QUEUE_SEQUENCE,
	DRM_IOCTL_MODE_GETRESOURCES,
	DRM_IOCTL_MODE_GETPLANERESOURCES,
	DRM_IOCTL_MODE_GETCRTC,
	DRM_IOCTL_MODE_SETCRTC,
	DRM_IOCTL_MODE_GETPLANE,
	DRM_IOCTL_MODE_SETPLANE,
	DRM_IOCTL_MODE_GETGAMMA,
	DRM_IOCTL_MODE_SETGAMMA,
	DRM_IOCTL_MODE_CURSOR,
	DRM_IOCTL_MODE_CURSOR2,
	DRM_IOCTL_MODE_GETENCODER,
	DRM_IOCTL_MODE_GETCONNECTOR,
	DRM_IOCTL_MODE_ATTACHMODE,
	DRM_IOCTL_MODE_DETACHMODE,
	DRM_IOCTL_MODE_GETPROPERTY,
	DRM_IOCTL_MODE_SETPROPERTY,
	DRM_IOCTL_MODE_GETPROPBLOB,
	DRM_IOCTL_MODE_GETFB,
	DRM_IOCTL_MODE_GETFB2,
	DRM_IOCTL_MODE_ADDFB,
	DRM_IOCTL_MODE_ADDFB2,
	DRM_IOCTL_MODE_RMFB,
	DRM_IOCTL_MODE_PAGE_FLIP,
	DRM_IOCTL_MODE_DIRTYFB,
	DRM_IOCTL_MODE_CREATE_DUMB,
	DRM_IOCTL_MODE_MAP_DUMB,
	DRM_IOCTL_MODE_DESTROY_DUMB,
	DRM_IOCTL_MODE_OBJ_GETPROPERTIES,
	DRM_IOCTL_MODE_OBJ_SETPROPERTY,
	DRM_IOCTL_MODE_ATOMIC,
	DRM_IOCTL_MODE_CREATEPROPBLOB,
	DRM_IOCTL_MODE_DESTROYPROPBLOB,
	DRM_IOCTL_SYNCOBJ_CREATE,
	DRM_IOCTL_SYNCOBJ_DESTROY,
	DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2,
	DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2,
	DRM_IOCTL_SYNCOBJ_WAIT_V2,
	DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_V2,
	DRM_IOCTL_SYNCOBJ_QUERY,
	DRM_IOCTL_SYNCOBJ_TRANSFER,
	DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
	DRM_IOCTL_SYNCOBJ_RESET,
	DRM_IOCTL_SYNCOBJ_SIGNAL,
	DRM_IOCTL_SYNCOBJ_EVENTFD,
	/* The libdrm-sized forms of the syncobj ioctls, as old clients send them. */
	DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
	DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
	DRM_IOCTL_SYNCOBJ_WAIT,
	DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
	DRM_IOCTL_VGEM_FENCE_ATTACH,
	DRM_IOCTL_VGEM_FENCE_SIGNAL,
	/* Ones the core does not serve: the kernel's answers without a handler. */
	DRM_IOCTL_SET_UNIQUE,
	DRM_IOCTL_MODE_CREATE_LEASE,
	DRM_IOCTL_MODE_LIST_LESSEES,
	DRM_IOCTL_MODE_REVOKE_LEASE,
	DRM_IOCTL_MODE_GET_LEASE,
	/* virtio-gpu's (virtgpu_drm.h); other drivers answer them as unknown. */
	DRM_IOCTL_VIRTGPU_MAP,
	DRM_IOCTL_VIRTGPU_EXECBUFFER,
	DRM_IOCTL_VIRTGPU_GETPARAM,
	DRM_IOCTL_VIRTGPU_RESOURCE_CREATE,
	DRM_IOCTL_VIRTGPU_RESOURCE_INFO,
	DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST,
	DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST,
	DRM_IOCTL_VIRTGPU_WAIT,
	DRM_IOCTL_VIRTGPU_GET_CAPS,
};
const unsigned int fuzz_ioctl_ncmds = sizeof(fuzz_ioctl_cmds) / sizeof(fuzz_ioctl_cmds[0]);

/* --- input reader --------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t get_u8(struct reader *r)
{
	if (!r->left)
		return 0;
	r->left--;
	return *r->p++;
}

static uint16_t get_u16(struct reader *r)
{
	uint16_t lo = get_u8(r);

	return (uint16_t)(lo | (uint16_t)get_u8(r) << 8);
}

static uint32_t get_u32(struct reader *r)
{
	uint32_t lo = get_u16(r);

	return lo | (uint32_t)get_u16(r) << 16;
}

/* --- state of one run ------------------------------------------------- */

/* CUSE-style rounds: the ranges the front end has copied in so far. */
struct rounds {
	struct { uint64_t uaddr, len; } known[FUZZ_MAX_RANGES];
	unsigned int nknown;
	struct { uint64_t uaddr, len; } missing[FUZZ_MAX_RANGES];
	unsigned int nmissing;
	bool too_many;
};

struct fuzz;

struct parked {
	struct drm_wait w;   /* first: the wake hook finds its struct parked from it */
	bool used;
	bool woken;
	unsigned int slot;
	uint32_t cmd;
	uint64_t arg;
	struct rounds rounds;
};

enum fake_fd_kind { FD_FREE, FD_SYNCOBJ, FD_SYNC_FILE };

struct fake_fd {
	enum fake_fd_kind kind;
	struct drm_syncobj *syncobj;
	struct drm_fence *fence;
};

struct fake_eventfd {
	struct drm_notifier n;  /* first */
	uint64_t count;
};

/* The simulated virtio-gpu's answers still to give, per queue (FIFO). */
struct answers {
	struct vgm_answer a[FUZZ_MAX_ANSWERS];
	unsigned int head, count;
};

struct fuzz {
	uint8_t mem[FUZZ_MEM_SIZE];
	uint8_t saved[FUZZ_MEM_SIZE];  /* the client's memory before a RETRY round */
	uint8_t before_park[FUZZ_MEM_SIZE];
	uint8_t cfg;
	struct drm_device *dev;
	struct drm_file *files[FUZZ_NFILES];
	struct drm_caller callers[FUZZ_NFILES];
	struct drm_fd_ops fd_ops;
	struct parked parked[FUZZ_MAX_PARKED];
	struct fake_fd fds[FUZZ_MAX_FDS];
	struct rounds *rounds;   /* the running call's, with FUZZ_CFG_ROUNDS */
	const struct fuzz_observer *obs;
	unsigned int nioctls;
	struct drm_pci_dev *pci;      /* the simulated virtio-gpu, or NULL */
	struct answers answers[2];
};

static struct fuzz *fz;

/* --- client memory ---------------------------------------------------- */

/* Offset of [uaddr, uaddr+len) in fz->mem, or -1 when it is not wholly inside. */
static long mem_offset(uint64_t uaddr, size_t len)
{
	if (uaddr < FUZZ_MEM_BASE || uaddr - FUZZ_MEM_BASE > FUZZ_MEM_SIZE ||
	    len > FUZZ_MEM_SIZE - (uaddr - FUZZ_MEM_BASE))
		return -1;
	return (long)(uaddr - FUZZ_MEM_BASE);
}

static bool rounds_known(const struct rounds *r, uint64_t uaddr, size_t len)
{
	for (unsigned int i = 0; i < r->nknown; i++)
		if (uaddr >= r->known[i].uaddr && uaddr + len <= r->known[i].uaddr + r->known[i].len)
			return true;
	return false;
}

static void rounds_add(struct rounds *r, uint64_t uaddr, size_t len, bool missing)
{
	if (missing) {
		for (unsigned int i = 0; i < r->nmissing; i++)
			if (r->missing[i].uaddr == uaddr && r->missing[i].len == len)
				return;
		if (r->nmissing == FUZZ_MAX_RANGES) {
			r->too_many = true;
			return;
		}
		r->missing[r->nmissing].uaddr = uaddr;
		r->missing[r->nmissing++].len = len;
	} else {
		if (r->nknown == FUZZ_MAX_RANGES) {
			r->too_many = true;
			return;
		}
		r->known[r->nknown].uaddr = uaddr;
		r->known[r->nknown++].len = len;
	}
}

/* Whether the access may go ahead now; records it as missing if not. */
static bool rounds_access(uint64_t uaddr, size_t len)
{
	struct rounds *r = fz->rounds;

	if (!r || rounds_known(r, uaddr, len))
		return true;
	rounds_add(r, uaddr, len, true);
	return false;
}

static int um_copy_from(void *ctx, void *dst, uint64_t uaddr, size_t len)
{
	long off = mem_offset(uaddr, len);

	(void)ctx;
	if (len == 0)
		return 0;
	if (off < 0)
		return -EFAULT;
	if (!rounds_access(uaddr, len))
		return -DRM_ERETRY;
	memcpy(dst, fz->mem + off, len);
	return 0;
}

static int um_copy_to(void *ctx, uint64_t uaddr, const void *src, size_t len)
{
	long off = mem_offset(uaddr, len);

	(void)ctx;
	if (len == 0)
		return 0;
	if (off < 0)
		return -EFAULT;
	if (rounds_access(uaddr, len))
		memcpy(fz->mem + off, src, len);
	return 0;
}

static int um_prepare_to(void *ctx, uint64_t uaddr, size_t len)
{
	(void)ctx;
	if (len == 0)
		return 0;
	if (mem_offset(uaddr, len) < 0)
		return -EFAULT;
	return rounds_access(uaddr, len) ? 0 : -DRM_ERETRY;
}

static const struct drm_user_mem um = {
	.copy_from = um_copy_from,
	.copy_to = um_copy_to,
	.prepare_to = um_prepare_to,
};

/* --- fake fds (struct drm_fd_ops), called with the device lock held ----- */

static int fd_new(enum fake_fd_kind kind, int32_t *fd)
{
	for (int i = 0; i < FUZZ_MAX_FDS; i++) {
		if (fz->fds[i].kind == FD_FREE) {
			fz->fds[i].kind = kind;
			*fd = FUZZ_FD_FIRST + i;
			return i;
		}
	}
	return -EMFILE;
}

static int fd_find(int32_t fd, enum fake_fd_kind kind, struct fake_fd **out)
{
	if (fd < FUZZ_FD_FIRST || fd >= FUZZ_FD_FIRST + FUZZ_MAX_FDS ||
	    fz->fds[fd - FUZZ_FD_FIRST].kind == FD_FREE)
		return (fd >= FUZZ_EVENTFD_FIRST && fd < FUZZ_EVENTFD_FIRST + FUZZ_EVENTFD_COUNT) ? -EINVAL : -EBADF;
	if (fz->fds[fd - FUZZ_FD_FIRST].kind != kind)
		return -EINVAL;
	*out = &fz->fds[fd - FUZZ_FD_FIRST];
	return 0;
}

static int fake_syncobj_to_fd(void *ctx, struct drm_syncobj *syncobj, int32_t *fd)
{
	int i = fd_new(FD_SYNCOBJ, fd);

	(void)ctx;
	if (i < 0)
		return i;
	fz->fds[i].syncobj = drm_syncobj_get(syncobj);
	return 0;
}

static int fake_fd_to_syncobj(void *ctx, int32_t fd, struct drm_syncobj **syncobj)
{
	struct fake_fd *f;
	int ret = fd_find(fd, FD_SYNCOBJ, &f);

	(void)ctx;
	if (!ret)
		*syncobj = drm_syncobj_get(f->syncobj);
	return ret;
}

static int fake_fence_to_sync_file(void *ctx, struct drm_fence *fence, int32_t *fd)
{
	int i = fd_new(FD_SYNC_FILE, fd);

	(void)ctx;
	if (i < 0)
		return i;
	fz->fds[i].fence = drm_fence_get(fence);
	return 0;
}

static int fake_sync_file_to_fence(void *ctx, int32_t fd, struct drm_fence **fence)
{
	struct fake_fd *f;
	int ret = fd_find(fd, FD_SYNC_FILE, &f);

	(void)ctx;
	if (!ret)
		*fence = drm_fence_get(f->fence);
	return ret;
}

static void fake_eventfd_signal(struct drm_notifier *n)
{
	((struct fake_eventfd *)n)->count++;
}

static void fake_eventfd_release(struct drm_notifier *n)
{
	free(n);
}

static int fake_eventfd_get(void *ctx, int32_t fd, struct drm_notifier **notifier)
{
	struct fake_eventfd *e;

	(void)ctx;
	if (fd < FUZZ_EVENTFD_FIRST || fd >= FUZZ_EVENTFD_FIRST + FUZZ_EVENTFD_COUNT) {
		struct fake_fd *f;

		/* eventfd_ctx_fdget(): EBADF for no file, EINVAL for one that is not an eventfd. */
		return fd_find(fd, FD_SYNCOBJ, &f) == -EBADF ? -EBADF : -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->n.signal = fake_eventfd_signal;
	e->n.release = fake_eventfd_release;
	*notifier = &e->n;
	return 0;
}

static void fd_close(unsigned int i)
{
	struct fake_fd *f = &fz->fds[i % FUZZ_MAX_FDS];

	if (f->kind == FD_FREE)
		return;
	drm_device_lock(fz->dev);
	drm_syncobj_put(f->syncobj);
	drm_fence_put(f->fence);
	drm_device_unlock(fz->dev);
	memset(f, 0, sizeof(*f));
}

/* --- checks ------------------------------------------------------------ */

static void check_unlocked(const char *after)
{
	struct fuzz_platform_live l;

	fuzz_platform_get_live(&l);
	if (l.mutex_held) {
		fprintf(stderr, "fuzz: a lock is still held after %s\n", after);
		abort();
	}
}

/*
 * Not fences: walking a timeline (SYNCOBJ_QUERY, dma_fence_chain_walk())
 * drops signalled chain links, a change no client sees, as the kernel's.
 */
static bool counts_equal(const struct drm_device_stats *a, const struct drm_device_stats *b)
{
	return a->files == b->files && a->gem_objects == b->gem_objects && a->gem_handles == b->gem_handles &&
	       a->framebuffers == b->framebuffers && a->blobs == b->blobs &&
	       a->pending_events == b->pending_events && a->has_master == b->has_master &&
	       a->syncobjs == b->syncobjs && a->gem_bytes == b->gem_bytes &&
	       a->parked_ioctls == b->parked_ioctls;
}

static void print_stats(const char *what, const struct drm_device_stats *s)
{
	fprintf(stderr,
		"fuzz: %s: files %u gem_objects %u gem_handles %u framebuffers %u blobs %u events %u master %u "
		"syncobjs %u fences %u parked %u\n",
		what, s->files, s->gem_objects, s->gem_handles, s->framebuffers, s->blobs, s->pending_events,
		s->has_master, s->syncobjs, s->fences, s->parked_ioctls);
}

/* --- calls --------------------------------------------------------------- */

static void parked_wake(struct drm_wait *w)
{
	((struct parked *)w)->woken = true;
}

/*
 * One ioctl as the front end makes it: directly, or in RETRY rounds over
 * @r (which a parked ioctl keeps between its runs, as cuse-drm does).
 */
static int call_ioctl(unsigned int slot, uint32_t cmd, uint64_t arg, struct drm_wait *w, struct rounds *r)
{
	struct drm_file *file = fz->files[slot];
	const struct drm_caller *who = &fz->callers[slot];
	struct drm_device_stats before, after;
	size_t size;
	bool in, out;
	int ret;

	if (!(fz->cfg & FUZZ_CFG_ROUNDS))
		return drm_ioctl_async(file, cmd, arg, &um, who, w);

	/* Round 1 of cuse-drm/ioctl.c: the struct, when the core knows the command. */
	if (r->nknown == 0 && drm_ioctl_arg_size(fz->dev, cmd, &size, &in, &out) && size) {
		if (mem_offset(arg, size) < 0)
			return -EFAULT; /* the kernel's copy of the RETRY's ranges faults */
		rounds_add(r, arg, size, false);
	}
	for (unsigned int round = 0;; round++) {
		r->nmissing = 0;
		memcpy(fz->saved, fz->mem, sizeof(fz->mem));
		drm_device_get_stats(fz->dev, &before);
		fz->rounds = r;
		ret = drm_ioctl_async(file, cmd, arg, &um, who, w);
		fz->rounds = NULL;
		if (!r->nmissing && !r->too_many)
			return ret;
		if (ret == -DRM_EPENDING)
			drm_wait_cancel(fz->dev, w);
		drm_device_get_stats(fz->dev, &after);
		if (!counts_equal(&before, &after)) {
			fprintf(stderr, "fuzz: ioctl 0x%08x changed object counts in a round that needed more "
					"client memory (returned %d)\n", cmd, ret);
			print_stats("before", &before);
			print_stats("after", &after);
			abort();
		}
		/* The next round starts from the client's memory as it was. */
		memcpy(fz->mem, fz->saved, sizeof(fz->mem));
		if (r->too_many || round == FUZZ_MAX_ROUNDS)
			return -EINVAL; /* cuse-drm: more ranges than one FUSE_IOCTL carries */
		for (unsigned int i = 0; i < r->nmissing; i++)
			rounds_add(r, r->missing[i].uaddr, r->missing[i].len, false);
	}
}

/* Run an ioctl op; park it when it waits and a slot is free. */
static int op_ioctl(unsigned int slot, uint32_t cmd, uint64_t arg)
{
	struct parked *p = NULL;
	struct rounds r = { .nknown = 0 };
	int ret;

	for (unsigned int i = 0; i < FUZZ_MAX_PARKED; i++) {
		if (!fz->parked[i].used) {
			p = &fz->parked[i];
			break;
		}
	}
	if (p) {
		memset(p, 0, sizeof(*p));
		p->w.wake = parked_wake;
		memcpy(fz->before_park, fz->mem, sizeof(fz->mem));
		ret = call_ioctl(slot, cmd, arg, &p->w, &p->rounds);
		if (ret == -DRM_EPENDING) {
			if (memcmp(fz->before_park, fz->mem, sizeof(fz->mem))) {
				fprintf(stderr, "fuzz: ioctl 0x%08x parked after writing client memory\n", cmd);
				abort();
			}
			p->used = true;
			p->slot = slot;
			p->cmd = cmd;
			p->arg = arg;
		}
	} else {
		ret = call_ioctl(slot, cmd, arg, NULL, &r);
	}
	if (ret == -DRM_ERETRY || (ret == -DRM_EPENDING && !p)) {
		fprintf(stderr, "fuzz: ioctl 0x%08x returned %d to the front end\n", cmd, ret);
		abort();
	}
	return ret;
}

/* Rerun woken parked ioctls until none is woken. */
static void run_woken(void)
{
	bool again = true;

	for (unsigned int n = 0; again; n++) {
		again = false;
		if (n > 1000)
			fuzz_platform_fail("parked ioctls keep waking without finishing");
		for (unsigned int i = 0; i < FUZZ_MAX_PARKED; i++) {
			struct parked *p = &fz->parked[i];
			int ret;

			if (!p->used || !p->woken)
				continue;
			p->woken = false;
			ret = call_ioctl(p->slot, p->cmd, p->arg, &p->w, &p->rounds);
			check_unlocked("a parked ioctl's rerun");
			if (ret != -DRM_EPENDING)
				p->used = false;
			again = true;
		}
	}
}

static void cancel_parked(int slot)
{
	for (unsigned int i = 0; i < FUZZ_MAX_PARKED; i++) {
		struct parked *p = &fz->parked[i];

		if (p->used && (slot < 0 || p->slot == (unsigned int)slot)) {
			drm_wait_cancel(fz->dev, &p->w);
			if (p->w.state)
				fuzz_platform_fail("drm_wait_cancel left the wait parked");
			p->used = false;
		}
	}
}

static void open_slot(unsigned int slot)
{
	enum drm_minor_type type = DRM_MINOR_PRIMARY;

	if (slot == 2 && drm_device_has_render_node(fz->dev))
		type = DRM_MINOR_RENDER;
	if (drm_file_open(fz->dev, type, &fz->callers[slot], &fz->files[slot]))
		fuzz_platform_fail("drm_file_open failed");
}

static void close_slot(unsigned int slot)
{
	cancel_parked((int)slot);
	drm_file_release(fz->files[slot]);
	fz->files[slot] = NULL;
}

/* read(2) of events: whole events only, each with a sane length. */
static void op_read(unsigned int slot, uint16_t len)
{
	static uint8_t buf[65536];
	long n = drm_read(fz->files[slot], buf, len);
	long off = 0;

	if (n == -EAGAIN)
		return;
	if (n < 0 || n > len)
		fuzz_platform_fail("drm_read returned a bad length");
	while (off < n) {
		struct drm_event e;

		if (n - off < (long)sizeof(e))
			fuzz_platform_fail("drm_read returned a partial event header");
		memcpy(&e, buf + off, sizeof(e));
		if (e.length < sizeof(e) || e.length > (uint32_t)(n - off))
			fuzz_platform_fail("drm_read returned an event with a bad length");
		off += e.length;
	}
	if (n > 0 && !drm_poll(fz->files[slot]) && drm_read(fz->files[slot], buf, sizeof(buf)) != -EAGAIN)
		fuzz_platform_fail("drm_poll says no event but drm_read found one");
}

static uint64_t mem_u64(uint16_t off)
{
	uint64_t v = 0;

	if (off <= FUZZ_MEM_SIZE - sizeof(v))
		memcpy(&v, fz->mem + off, sizeof(v));
	return v;
}

static void op_mmap(unsigned int slot, uint64_t offset, uint32_t len)
{
	struct drm_shmem *shmem = NULL;
	uint8_t *p;

	if (drm_gem_vm_open(fz->files[slot], offset, len, &shmem))
		return;
	/* The client may touch every byte it mapped: ASan catches a mapping past the object. */
	p = drm_platform_shmem_vaddr(shmem);
	if (len) {
		p[0] ^= 1;
		p[len - 1] ^= 1;
	}
	drm_platform_shmem_put(shmem);
}

static void op_prime(unsigned int slot, uint32_t handle, uint32_t flags, uint8_t to)
{
	struct drm_shmem *shmem = NULL;
	uint32_t h;

	if (drm_prime_handle_to_shmem(fz->files[slot], handle, flags, &shmem))
		return;
	drm_prime_shmem_to_handle(fz->files[to % FUZZ_NFILES], shmem, &h);
	drm_platform_shmem_put(shmem);
}

static void op_prime_import(unsigned int slot, uint32_t size)
{
	struct drm_shmem *shmem;
	uint32_t h;

	size &= (1u << 20) - 1;
	shmem = drm_platform_shmem_alloc(size ? size : 1);
	if (!shmem)
		return;
	drm_prime_shmem_to_handle(fz->files[slot], shmem, &h);
	drm_platform_shmem_put(shmem);
}

static void op_export_sync_file(unsigned int slot, uint32_t handle, uint8_t flags)
{
	struct drm_shmem *shmem = NULL;
	int32_t fd = -1;

	if (drm_prime_handle_to_shmem(fz->files[slot], handle, 0, &shmem))
		return;
	drm_prime_shmem_export_sync_file(fz->dev, shmem, flags, &fz->fd_ops, &fd);
	drm_platform_shmem_put(shmem);
}

static void op_crc(unsigned int slot, uint8_t sub, uint32_t crtc)
{
	struct drm_crc_line lines[4];
	uint32_t n, cnt;

	switch (sub % 3) {
	case 0:
		drm_crtc_crc_open(fz->files[slot], crtc, NULL, &cnt);
		break;
	case 1:
		if (drm_crtc_crc_read(fz->files[slot], crtc, lines, 4, &n, &cnt) == 0 &&
		    (n == 0 || n > 4 || cnt > DRM_MAX_CRC_NR))
			fuzz_platform_fail("drm_crtc_crc_read returned bad counts");
		break;
	default:
		drm_crtc_crc_close(fz->files[slot], crtc);
		break;
	}
}

/* --- the simulated virtio-gpu ------------------------------------------ */

static struct vgm_answer device_decide(void *ctx, struct drm_pci_dev *d, unsigned int queue,
				       const struct virtio_gpu_ctrl_hdr *cmd, uint32_t len)
{
	struct answers *q = &((struct fuzz *)ctx)->answers[queue & 1];
	struct vgm_answer a = { VGM_OK, 0 };

	(void)d;
	(void)cmd;
	(void)len;
	if (q->count) {
		a = q->a[q->head];
		q->head = (q->head + 1) % FUZZ_MAX_ANSWERS;
		q->count--;
	}
	return a;
}

/* Queue answer @how (bits 0-2 enum vgm_answer_kind, bit 3 the cursorq), @param for the queue's next command. */
static void queue_answer(uint8_t how, uint16_t param)
{
	struct answers *q = &fz->answers[(how >> 3) & 1];

	if (q->count < FUZZ_MAX_ANSWERS)
		q->a[(q->head + q->count++) % FUZZ_MAX_ANSWERS] = (struct vgm_answer){ (enum vgm_answer_kind)(how & 7), param };
}

static void op_device(struct reader *r)
{
	struct drm_pci_dev *d = fz->pci;
	uint8_t sub = get_u8(r), b, s, len;
	uint16_t w, h;

	switch (sub % 8) {
	case FUZZ_DEV_ANSWER:
		b = get_u8(r);
		w = get_u16(r);
		if (d)
			queue_answer(b, w);
		break;
	case FUZZ_DEV_RUN:
		fuzz_platform_pci_service();
		break;
	case FUZZ_DEV_RELEASE:
		if (d) {
			vgm_release_held(d);
			fuzz_platform_pci_service();
		}
		break;
	case FUZZ_DEV_DISPLAY:
		s = get_u8(r);
		b = get_u8(r);
		w = get_u16(r);
		h = get_u16(r);
		if (!d)
			break;
		s %= d->config.num_scanouts;
		d->pmodes[s] = (struct virtio_gpu_display_one){ { 0, 0, w, h }, b & 1, 0 };
		vgm_display_event(d);
		fuzz_platform_pci_service();
		break;
	case FUZZ_DEV_EDID:
		s = get_u8(r);
		w = get_u16(r);
		len = get_u8(r);
		for (unsigned int i = 0; i < len; i++) {
			b = get_u8(r);
			if (d)
				d->edid[s % d->config.num_scanouts][i] = b;
		}
		if (d)
			d->edid_size[s % d->config.num_scanouts] = w;
		break;
	case FUZZ_DEV_IRQ:
		b = get_u8(r);
		if (d)
			vgm_irq(d, b);
		break;
	case FUZZ_DEV_NEEDS_RESET:
		if (d) {
			vgm_needs_reset(d);
			fuzz_platform_pci_service();
		}
		break;
	case FUZZ_DEV_REFUSE_FEATURES:
		if (d)
			d->refuse_features = true;
		break;
	}
}

/* Write @len input bytes at @off of client memory (clamped at its end). */
static void poke(struct reader *r, uint16_t off, uint8_t len)
{
	for (unsigned int i = 0; i < len; i++) {
		uint8_t b = get_u8(r);

		if ((unsigned int)off + i < FUZZ_MEM_SIZE)
			fz->mem[off + i] = b;
	}
}

static void run_op(struct reader *r)
{
	uint8_t op = get_u8(r);
	unsigned int slot = (op >> 4) & 3;
	uint32_t cmd, a;
	uint16_t off;
	uint8_t len, b;
	int ret;

	switch (op & 0x0f) {
	case FUZZ_OP_IOCTL:
	case FUZZ_OP_IOCTL_RAW:
		cmd = (op & 0x0f) == FUZZ_OP_IOCTL ? fuzz_ioctl_cmds[get_u8(r) % fuzz_ioctl_ncmds] : get_u32(r);
		off = get_u16(r);
		len = get_u8(r);
		poke(r, off, len);
		ret = op_ioctl(slot, cmd, FUZZ_MEM_BASE + off);
		check_unlocked("an ioctl");
		if (fz->obs && fz->obs->after_ioctl)
			fz->obs->after_ioctl(fz->obs->ctx, fz->nioctls, ret, fz->mem);
		fz->nioctls++;
		break;
	case FUZZ_OP_POKE:
		off = get_u16(r);
		len = get_u8(r);
		poke(r, off, len);
		break;
	case FUZZ_OP_TIME:
		fuzz_platform_advance((uint64_t)get_u8(r) * 1000000u);
		break;
	case FUZZ_OP_READ:
		op_read(slot, get_u16(r));
		break;
	case FUZZ_OP_REOPEN:
		close_slot(slot);
		open_slot(slot);
		break;
	case FUZZ_OP_CANCEL:
		cancel_parked((int)slot);
		break;
	case FUZZ_OP_MMAP:
		off = get_u16(r);
		a = get_u32(r);
		op_mmap(slot, mem_u64(off), a);
		break;
	case FUZZ_OP_MUNMAP:
		drm_gem_vm_close(fz->files[slot], mem_u64(get_u16(r)));
		break;
	case FUZZ_OP_PRIME:
		a = get_u32(r);
		cmd = get_u32(r);
		op_prime(slot, a, cmd, get_u8(r));
		break;
	case FUZZ_OP_PRIME_IMPORT:
		op_prime_import(slot, get_u32(r));
		break;
	case FUZZ_OP_FD_CLOSE:
		fd_close(get_u8(r));
		break;
	case FUZZ_OP_HOTPLUG:
		a = get_u32(r);
		drm_connector_set_status(fz->dev, a, get_u8(r) & 1);
		break;
	case FUZZ_OP_CRC:
		b = get_u8(r);
		op_crc(slot, b, get_u32(r));
		break;
	case FUZZ_OP_EXPORT_SYNC_FILE:
		a = get_u32(r);
		op_export_sync_file(slot, a, get_u8(r));
		break;
	case FUZZ_OP_DEVICE:
		op_device(r);
		break;
	default:
		break;
	}
	check_unlocked("an op");
	run_woken();
}

/* A blocking ioctl by slot 0 as root, parked and woken until it finishes. */
static int call_blocking(uint32_t cmd, const void *arg, size_t size)
{
	int ret;

	memcpy(fz->mem, arg, size);
	ret = op_ioctl(0, cmd, FUZZ_MEM_BASE);
	for (unsigned int n = 0; fz->parked[0].used; n++) {
		if (n > 100)
			fuzz_platform_fail("a blocking commit never finished");
		fuzz_platform_advance(20000000u);
		run_woken();
	}
	return ret;
}

/*
 * Every file is closed; an internal framebuffer (a legacy cursor's) and
 * the CRTC's mode may stay on screen, as in the kernel.  Turn the display
 * off as the kernel's lastclose does through fbdev (drm_fb_helper_lastclose()
 * restores its own planes): a new master disables every plane and CRTC.
 * Afterwards no framebuffer or GEM object may be left.
 */
static void display_off(void)
{
	struct drm_set_client_cap cap = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };
	struct drm_mode_get_plane_res pr = { .plane_id_ptr = FUZZ_MEM_BASE + 0x800, .count_planes = 64 };
	struct drm_mode_card_res res = { .crtc_id_ptr = FUZZ_MEM_BASE + 0x800, .count_crtcs = 64 };
	uint32_t ids[64];

	fz->cfg &= (uint8_t)~FUZZ_CFG_ROUNDS;
	open_slot(0);
	if (call_blocking(DRM_IOCTL_SET_CLIENT_CAP, &cap, sizeof(cap)) == 0 &&
	    call_blocking(DRM_IOCTL_MODE_GETPLANERESOURCES, &pr, sizeof(pr)) == 0) {
		memcpy(&pr, fz->mem, sizeof(pr));
		memcpy(ids, fz->mem + 0x800, sizeof(ids));
		for (uint32_t i = 0; i < pr.count_planes && i < 64; i++) {
			struct drm_mode_set_plane sp = { .plane_id = ids[i] };

			call_blocking(DRM_IOCTL_MODE_SETPLANE, &sp, sizeof(sp));
		}
	}
	if (call_blocking(DRM_IOCTL_MODE_GETRESOURCES, &res, sizeof(res)) == 0) {
		memcpy(&res, fz->mem, sizeof(res));
		memcpy(ids, fz->mem + 0x800, sizeof(ids));
		for (uint32_t i = 0; i < res.count_crtcs && i < 64; i++) {
			struct drm_mode_crtc c = { .crtc_id = ids[i] };

			call_blocking(DRM_IOCTL_MODE_SETCRTC, &c, sizeof(c));
		}
	}
	check_unlocked("turning the display off");
	close_slot(0);
}

static const char *const driver_options[4] = {
	NULL,
	"crtcs=2,enable_cursor=1,overlays=1,enable_writeback=1",
	NULL,
	"enable_cursor=1",
};

/*
 * After drm_device_destroy() (or a failed load): no shared memory, timer,
 * mutex or fence alive; for virtio-gpu no DMA mapping, no device access
 * outside a mapping, no interrupt vector.
 */
static void check_device_gone(void)
{
	struct fuzz_platform_live l;

	if (fz->pci) {
		struct drm_pci_dma_stats dma;

		drm_platform_pci_dma_stats(fz->pci, &dma);
		if (dma.mappings || fz->pci->dma_faults || fz->pci->nvecs) {
			fprintf(stderr, "fuzz: virtio-gpu after drm_device_destroy: %u DMA mappings (%u coherent, "
					"%llu bytes), %u device accesses outside a mapping, %u interrupt vectors\n",
				dma.mappings, dma.coherent, (unsigned long long)dma.bytes, fz->pci->dma_faults,
				fz->pci->nvecs);
			abort();
		}
		fuzz_platform_pci_activate(false);
	}
	fuzz_platform_get_live(&l);
	if (l.shmem || l.timers || l.mutexes || l.mutex_held || drm_fence_live_count()) {
		fprintf(stderr, "fuzz: left after drm_device_destroy: shmem %u (%llu bytes) timers %u mutexes %u "
				"held %u fences %u\n",
			l.shmem, (unsigned long long)l.shmem_bytes, l.timers, l.mutexes, l.mutex_held,
			drm_fence_live_count());
		abort();
	}
}

void fuzz_run(const uint8_t *data, size_t size, const struct fuzz_observer *obs)
{
	struct reader r = { data, size };
	struct drm_device_stats s;
	uint8_t cfg = get_u8(&r);
	const struct drm_driver *drv = drm_driver_find((cfg & FUZZ_CFG_VIRTIO)                ? "virtio_gpu"
						       : (cfg & FUZZ_CFG_DRIVER_MASK) == 2 ? "vgem"
											    : "vkms");
	static const struct drm_caller roles[FUZZ_NFILES] = {
		{ .pid = 100, .uid = 0, .gid = 0, .privileged = true },
		{ .pid = 200, .uid = 1000, .gid = 1000, .privileged = false },
		{ .pid = 300, .uid = 1000, .gid = 1000, .privileged = false },
		{ .pid = 400, .uid = 0, .gid = 0, .privileged = true },
	};

	fz = calloc(1, sizeof(*fz));
	if (!fz)
		abort();
	fz->cfg = cfg;
	fz->obs = obs;
	fuzz_platform_reset();
	if (cfg & FUZZ_CFG_VIRTIO) {
		static const unsigned int msix[4] = { 3, 1, 0, 2 };
		uint8_t shape = get_u8(&r);
		struct vgm_config vc = {
			.num_scanouts = 1 + (shape & FUZZ_VIRTIO_SCANOUTS_MASK),
			.offer_edid = shape & FUZZ_VIRTIO_EDID,
			.msix_vectors = msix[(shape >> FUZZ_VIRTIO_IRQ_SHIFT) & 3],
		};

		fz->pci = fuzz_platform_pci();
		vgm_init(fz->pci, &vc, NULL);
		fz->pci->decide = device_decide;
		fz->pci->decide_ctx = fz;
		fuzz_platform_pci_activate(true);
		if (shape & FUZZ_VIRTIO_LOAD_ANSWERS) {
			uint8_t n = get_u8(&r) % 9;

			for (uint8_t i = 0; i < n; i++)
				queue_answer(get_u8(&r), get_u16(&r));
		}
		if (drm_device_create_pci(drv, shape & FUZZ_VIRTIO_SHORT_TIMEOUT ? "cmd_timeout_ms=100" : "", fz->pci,
					  &fz->dev)) {
			/* A device that fails the probe: the load gives back everything it took. */
			if (!(shape & FUZZ_VIRTIO_LOAD_ANSWERS))
				fuzz_platform_fail("drm_device_create_pci(virtio_gpu) failed");
			fz->dev = NULL;
			check_device_gone();
			free(fz);
			fz = NULL;
			return;
		}
	} else if (drm_device_create_with_options(drv, driver_options[cfg & FUZZ_CFG_DRIVER_MASK], &fz->dev)) {
		fuzz_platform_fail("drm_device_create failed");
	}
	if (cfg & FUZZ_CFG_SYNCOBJ)
		drm_device_enable_syncobj(fz->dev);
	drm_device_set_prime_transport(fz->dev, cfg & FUZZ_CFG_PRIME);
	fz->fd_ops = (struct drm_fd_ops){
		.syncobj_to_fd = fake_syncobj_to_fd,
		.fd_to_syncobj = fake_fd_to_syncobj,
		.fence_to_sync_file = fake_fence_to_sync_file,
		.sync_file_to_fence = fake_sync_file_to_fence,
		.eventfd_get = fake_eventfd_get,
	};
	for (unsigned int i = 0; i < FUZZ_NFILES; i++) {
		fz->callers[i] = roles[i];
		if (cfg & FUZZ_CFG_FDS)
			fz->callers[i].fds = &fz->fd_ops;
		open_slot(i);
	}

	for (unsigned int n = 0; r.left && n < FUZZ_MAX_OPS; n++)
		run_op(&r);

	/* A client that dies leaks nothing (DESIGN.md decision 7). */
	cancel_parked(-1);
	for (unsigned int i = 0; i < FUZZ_MAX_FDS; i++)
		fd_close(i);
	for (unsigned int i = 0; i < FUZZ_NFILES; i++)
		close_slot(i);
	display_off();
	fuzz_platform_advance(100000000u);
	check_unlocked("closing the files");
	drm_device_get_stats(fz->dev, &s);
	if (s.files || s.gem_objects || s.gem_handles || s.framebuffers || s.pending_events || s.has_master ||
	    s.syncobjs || s.parked_ioctls) {
		print_stats("left after every file closed", &s);
		abort();
	}
	drm_device_destroy(fz->dev);
	check_device_gone();
	free(fz);
	fz = NULL;
}
