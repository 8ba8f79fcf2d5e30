/*
 * ioctl.c - FUSE_IOCTL for DRM nodes: CUSE's RETRY rounds, replayed.
 *
 * CUSE starts every unrestricted ioctl with no data in either direction;
 * the server names the client ranges it needs with fuse_reply_ioctl_retry()
 * and the kernel reissues the ioctl with those ranges copied in (and copies
 * the reply data out to the out ranges).  The server is not told which
 * ranges earlier rounds listed, and keeps no state between rounds here.
 * Instead every round replays the whole ioctl deterministically:
 *
 *   round 1: in = out = nothing.  If the core knows the command
 *       (drm_ioctl_arg_size()) and its struct is not empty, answer RETRY with
 *       in_iov = [struct], out_iov = [struct] if the core writes it.
 *       Otherwise run drm_ioctl() with no ranges at all (an unknown command
 *       fails without touching client memory).
 *
 *   round k > 1: in_buf is the concatenation of the in ranges of an ordered
 *       list L = [struct, r1, r2, ...]; only the struct's place is known up
 *       front.  drm_ioctl() runs with an accessor that, for each access
 *         - inside a range already placed: serves it from in_buf;
 *         - otherwise, while in_buf has unplaced bytes: the access must be
 *           the next range of L (the handler is deterministic given the data
 *           it read, so it asks for the same ranges in the same order as in
 *           the round that listed them), so it is placed there;
 *         - otherwise: records it as missing (copy_from and prepare_to then
 *           return -DRM_ERETRY, copy_to drops the write and returns 0).
 *       Anything missing -> RETRY with in = L + missing, out = the ranges
 *       of L + missing that are written.  A range's direction comes from
 *       the access that first needed it: a read (copy_from) makes an
 *       in-only range, a write (copy_to, prepare_to) an in-and-out one.
 *       In-only matters: the kernel copies every out range back to the
 *       client, which faults on read-only memory (a blob's data in
 *       .rodata); so data the core only reads must never be an out range,
 *       as the kernel's copy_from_user() never writes it.  A write into a
 *       range placed in-only asks for the same bytes again as a new
 *       in-and-out range of L.  In-and-out ranges are read-modify-write of
 *       what the client had, so bytes the handler does not write go back
 *       unchanged.
 *       Nothing missing -> the reply: result = drm_ioctl()'s return value,
 *       data = the out ranges.
 *
 * Errors are replied like successes, with the (negative) errno as the ioctl
 * result and the out data attached: fs/fuse/ioctl.c copies the data out and
 * returns the result, so the client sees what the kernel's drm_ioctl() gives,
 * which copies the struct back even when the handler fails.
 *
 * Limits of one round (fs/fuse/ioctl.c): at most FUSE_IOCTL_MAX_IOV (256)
 * iovecs for in and out together, and at most fc->max_pages (32 for CUSE)
 * pages = 128 KiB in each direction.  An ioctl that would need more fails
 * with EINVAL (logged at debug level); DESIGN.md decision 3 routes payloads
 * that large through the shim's side channel instead.
 *
 * A client whose other threads change the argument memory between rounds
 * can make the rounds disagree; the accessor then never reads or writes out
 * of bounds, the worst case is more rounds or a wrong answer for that client.
 */
#include "cuse_drm.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <drm.h>

#include "drivers/virtio/virtgpu_uapi.h"

#include "platform.h"

/** FUSE_IOCTL_MAX_IOV: in and out iovecs of one RETRY together. */
#define CD_IOCTL_MAX_IOV 256
/** fc->max_pages (FUSE_DEFAULT_MAX_PAGES_PER_REQ = 32) 4 KiB pages, per direction. */
#define CD_IOCTL_MAX_BYTES (32u * 4096u)

_Static_assert(sizeof(struct cuse_drm_stats) == sizeof(struct drm_device_stats),
	       "cuse_drm_stats must mirror drm_device_stats");
_Static_assert(offsetof(struct cuse_drm_stats, has_master) ==
	       offsetof(struct drm_device_stats, has_master), "cuse_drm_stats layout");
_Static_assert(offsetof(struct cuse_drm_stats, gem_bytes) ==
	       offsetof(struct drm_device_stats, gem_bytes), "cuse_drm_stats layout");
_Static_assert(offsetof(struct cuse_drm_stats, parked_ioctls) ==
	       offsetof(struct drm_device_stats, parked_ioctls), "cuse_drm_stats layout");
_Static_assert(offsetof(struct cuse_drm_stats, crtc_flips) ==
	       offsetof(struct drm_device_stats, crtc_flips), "cuse_drm_stats layout");
_Static_assert(offsetof(struct cuse_drm_stats, dma_mappings) ==
	       offsetof(struct drm_device_stats, dma_mappings), "cuse_drm_stats layout");
_Static_assert(offsetof(struct cuse_drm_stats, dma_bytes) ==
	       offsetof(struct drm_device_stats, dma_bytes), "cuse_drm_stats layout");

/**
 * A client range; @off is its place in the round's data buffer (placed
 * ranges only); @out: it is also an out range (written back to the client).
 */
struct um_range {
	uint64_t uaddr;
	uint64_t len;
	size_t off;
	bool out;
};

/**
 * struct um_replay - the user-memory accessor's state for one round.
 * @placed: L so far: the struct (when @has_struct) then nested ranges in
 *     the order the handler first touched them.
 * @missing: ranges recorded for the next round, in first-touch order.
 * @data: a private copy of in_buf; reads come from it and writes go to it.
 * @used: bytes of @data given to placed ranges.
 * @exhausted: stop placing: something was missing, so nothing later can
 *     be served from @data.
 * @too_many: more ranges than one round can carry.
 */
struct um_replay {
	struct um_range placed[CD_IOCTL_MAX_IOV];
	unsigned int nplaced;
	struct um_range missing[CD_IOCTL_MAX_IOV];
	unsigned int nmissing;
	unsigned char *data;
	size_t data_len;
	size_t used;
	bool exhausted;
	bool too_many;
	struct cd_stage *stage;   /* a reference, or NULL: ranges the shim staged (part 7) */
};

static bool range_contains(const struct um_range *r, uint64_t uaddr, uint64_t len)
{
	return uaddr >= r->uaddr && uaddr - r->uaddr <= r->len && len <= r->len - (uaddr - r->uaddr);
}

/* A placed range holding [uaddr, uaddr+len); with @need_out, an out range only. */
static const struct um_range *find_placed(const struct um_replay *um, uint64_t uaddr, uint64_t len,
					  bool need_out)
{
	for (unsigned int i = 0; i < um->nplaced; i++)
		if ((um->placed[i].out || !need_out) && range_contains(&um->placed[i], uaddr, len))
			return &um->placed[i];
	return NULL;
}

static bool is_missing(const struct um_replay *um, uint64_t uaddr, uint64_t len, bool need_out)
{
	for (unsigned int i = 0; i < um->nmissing; i++)
		if ((um->missing[i].out || !need_out) && range_contains(&um->missing[i], uaddr, len))
			return true;
	return false;
}

static void record_missing(struct um_replay *um, uint64_t uaddr, uint64_t len, bool out)
{
	um->exhausted = true;
	if (um->nmissing >= CD_IOCTL_MAX_IOV) {
		um->too_many = true;
		return;
	}
	um->missing[um->nmissing++] = (struct um_range){ .uaddr = uaddr, .len = len, .out = out };
}

/* Place [uaddr, uaddr+len) as the next range of L if in_buf has its bytes. */
static const struct um_range *try_place(struct um_replay *um, uint64_t uaddr, uint64_t len, bool out)
{
	struct um_range *r;

	if (um->exhausted || len > um->data_len - um->used || um->nplaced >= CD_IOCTL_MAX_IOV)
		return NULL;
	r = &um->placed[um->nplaced++];
	*r = (struct um_range){ .uaddr = uaddr, .len = len, .off = um->used, .out = out };
	um->used += len;
	return r;
}

/* Ranges may overlap; keep every placed copy of a byte equal, as memory would be. */
static void write_placed(struct um_replay *um, uint64_t uaddr, const void *src, uint64_t len)
{
	for (unsigned int i = 0; i < um->nplaced; i++) {
		const struct um_range *r = &um->placed[i];
		uint64_t lo = uaddr > r->uaddr ? uaddr : r->uaddr;
		uint64_t hi_a = uaddr + len, hi_b = r->uaddr + r->len;
		uint64_t hi = hi_a < hi_b ? hi_a : hi_b;

		if (lo < hi)
			memcpy(um->data + r->off + (lo - r->uaddr),
			       (const unsigned char *)src + (lo - uaddr), hi - lo);
	}
}

static bool bad_range(uint64_t uaddr, uint64_t len)
{
	return uaddr + len < uaddr || len > CD_IOCTL_MAX_BYTES * 2u;
}

static int um_copy_from(void *ctx, void *dst, uint64_t uaddr, size_t len)
{
	struct um_replay *um = ctx;
	const struct um_range *r;

	if (len == 0)
		return 0;
	if (um->stage && cd_stage_read(um->stage, dst, uaddr, len))
		return 0;
	if (bad_range(uaddr, len))
		return -EFAULT;
	r = find_placed(um, uaddr, len, false);
	if (!r && !is_missing(um, uaddr, len, false))
		r = try_place(um, uaddr, len, false);
	if (r) {
		memcpy(dst, um->data + r->off + (uaddr - r->uaddr), len);
		return 0;
	}
	if (!is_missing(um, uaddr, len, false))
		record_missing(um, uaddr, len, false);
	return -DRM_ERETRY;
}

static int um_prepare(struct um_replay *um, uint64_t uaddr, uint64_t len)
{
	if (find_placed(um, uaddr, len, true))
		return 0;
	if (is_missing(um, uaddr, len, true))
		return -DRM_ERETRY;
	if (try_place(um, uaddr, len, true))
		return 0;
	record_missing(um, uaddr, len, true);
	return -DRM_ERETRY;
}

static int um_copy_to(void *ctx, uint64_t uaddr, const void *src, size_t len)
{
	struct um_replay *um = ctx;

	if (len == 0)
		return 0;
	if (um->stage && cd_stage_write(um->stage, uaddr, src, len))
		return 0;
	if (bad_range(uaddr, len))
		return -EFAULT;
	if (um_prepare(um, uaddr, len) == 0)
		write_placed(um, uaddr, src, len);
	/* else: recorded; the write is dropped and the ioctl rerun next round */
	return 0;
}

static int um_prepare_to(void *ctx, uint64_t uaddr, size_t len)
{
	struct um_replay *um = ctx;

	if (len == 0)
		return 0;
	if (um->stage && cd_stage_write(um->stage, uaddr, NULL, len))
		return 0;
	if (bad_range(uaddr, len))
		return -EFAULT;
	return um_prepare(um, uaddr, len);
}

/* Answer RETRY naming L (placed) and the missing ranges; see the top of the file. */
static void reply_retry(fuse_req_t req, const struct um_replay *um)
{
	static const unsigned int max_iov = CD_IOCTL_MAX_IOV;
	unsigned int n = um->nplaced + um->nmissing, nin = 0, nout = 0;
	uint64_t in_bytes = 0, out_bytes = 0;
	struct iovec *in_iov, *out_iov;

	in_iov = calloc(n ? n : 1, sizeof(*in_iov));
	out_iov = calloc(n ? n : 1, sizeof(*out_iov));
	if (!in_iov || !out_iov) {
		free(in_iov);
		free(out_iov);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct um_range *r = i < um->nplaced ? &um->placed[i]
							  : &um->missing[i - um->nplaced];
		struct iovec v = { (void *)(uintptr_t)r->uaddr, (size_t)r->len };

		in_iov[nin++] = v;
		in_bytes += r->len;
		if (r->out) {
			out_iov[nout++] = v;
			out_bytes += r->len;
		}
	}
	if (um->too_many || nin + nout > max_iov || in_bytes > CD_IOCTL_MAX_BYTES ||
	    out_bytes > CD_IOCTL_MAX_BYTES) {
		drm_dbg("ioctl: needs %u+%u iovecs, %llu/%llu bytes: over CUSE's per-round limit",
			nin, nout, (unsigned long long)in_bytes, (unsigned long long)out_bytes);
		fuse_reply_err(req, EINVAL);
	} else {
		fuse_reply_ioctl_retry(req, in_iov, nin, out_iov, nout);
	}
	free(in_iov);
	free(out_iov);
}

/* CUSE_DRM_IOCTL_GET_TOKEN and CUSE_DRM_IOCTL_STATS: fixed-size, read-only. */
static void private_ioctl(fuse_req_t req, unsigned int cmd, void *arg, struct cd_file *f,
			  size_t out_bufsz)
{
	union {
		struct cuse_drm_token token;
		struct cuse_drm_stats stats;
	} u;
	size_t size;

	memset(&u, 0, sizeof(u));
	if (cmd == CUSE_DRM_IOCTL_GET_TOKEN) {
		size = sizeof(u.token);
		memcpy(u.token.token, f->token, sizeof(u.token.token));
		snprintf(u.token.socket_path, sizeof(u.token.socket_path), "%s",
			 f->node->d->socket_path);
	} else {
		struct drm_device_stats st;

		size = sizeof(u.stats);
		drm_device_get_stats(f->node->d->dev, &st);
		memcpy(&u.stats, &st, sizeof(st));
	}
	if (out_bufsz == 0) {
		struct iovec out = { arg, size };

		fuse_reply_ioctl_retry(req, NULL, 0, &out, 1);
		return;
	}
	if (out_bufsz < size) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	fuse_reply_ioctl(req, 0, &u, size);
}

/* ------------------------------------------------------------------ */
/* Parked ioctls (DESIGN.md decision 4)                                */
/* ------------------------------------------------------------------ */

/*
 * An ioctl whose last round the core answered -DRM_EPENDING (SYNCOBJ_WAIT
 * and friends): the request, its replayed memory and the core's struct
 * drm_wait.  Nothing blocks on it.  The core's wake callback moves it to
 * d->ready; the waiter thread reruns it with the same memory, which either
 * answers the request or parks it again.  A FUSE interrupt answers EINTR.
 *
 * States, under d->lock: RUNNING (a thread is in drm_ioctl_async() for it),
 * PARKED (waiting for a wake), READY (queued for the waiter thread).
 *
 * Most ioctls never wait, so the record is listed in d->parked (with a file
 * reference and the FUSE interrupt callback) only when its first run parks:
 * until then nothing else can reach it, since the core wakes only what it
 * has parked.
 */
enum cd_parked_state { CD_RUNNING, CD_PARKED, CD_READY };

struct cd_parked {
	struct drm_wait wait;            /* first: the wake callback gets this */
	struct cd_parked *next, *prev;   /* d->parked */
	struct cd_parked *ready_next;    /* d->ready */
	struct cd_daemon *d;
	struct cd_file *f;               /* a reference */
	fuse_req_t req;
	unsigned int cmd;
	uint64_t uarg;
	struct um_replay *um;
	size_t out_bufsz;
	struct drm_caller caller;
	struct cd_fd_call fence_call;    /* MODE_ATOMIC or VIRTGPU_EXECBUFFER of an armed file: its fence fd lists */
	struct drm_fd_ops fence_ops;
	enum cd_parked_state state;
	bool listed;                     /* in d->parked, holding a file reference */
	bool woken;
	bool interrupted;
};

/* The answer to the final round: the ioctl's result with the out ranges. */
static void reply_final(fuse_req_t req, unsigned int cmd, struct um_replay *um, int ret, size_t out_bufsz)
{
	unsigned char *buf;
	size_t size = 0;

	if (um->nmissing > 0 || um->too_many) {
		reply_retry(req, um);
		return;
	}
	if (ret == -DRM_ERETRY || ret == -DRM_EPENDING) {
		drm_err("ioctl 0x%08x: core returned %d without asking for memory", cmd, ret);
		fuse_reply_err(req, EIO);
		return;
	}
	/* Out data: the out ranges of L (the struct if written, then nested ranges), as listed. */
	buf = malloc(um->data_len ? um->data_len : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (unsigned int i = 0; i < um->nplaced; i++) {
		const struct um_range *r = &um->placed[i];

		if (r->out) {
			memcpy(buf + size, um->data + r->off, r->len);
			size += r->len;
		}
	}
	if (size > out_bufsz)
		size = out_bufsz;
	if (size == 0 && ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_ioctl(req, ret, buf, size);
	free(buf);
}

static void um_free(struct um_replay *um)
{
	if (um) {
		cd_stage_put(um->stage);
		free(um->data);
		free(um);
	}
}

static void parked_unlink_locked(struct cd_parked *pk)
{
	struct cd_daemon *d = pk->d;

	if (pk->prev)
		pk->prev->next = pk->next;
	else
		d->parked = pk->next;
	if (pk->next)
		pk->next->prev = pk->prev;
	pk->next = pk->prev = NULL;
}

/* Forget @pk (already answered, or about to be by the caller) and free it. */
static void parked_free(struct cd_parked *pk)
{
	struct cd_daemon *d = pk->d;

	if (pk->listed) {
		pthread_mutex_lock(&d->lock);
		parked_unlink_locked(pk);
		pthread_mutex_unlock(&d->lock);
		cd_file_put(pk->f);
	}
	um_free(pk->um);
	free(pk);
}

static void ready_push_locked(struct cd_parked *pk)
{
	struct cd_parked **tail = &pk->d->ready;

	pk->state = CD_READY;
	pk->ready_next = NULL;
	while (*tail)
		tail = &(*tail)->ready_next;
	*tail = pk;
	pthread_cond_signal(&pk->d->ready_cond);
}

/* struct drm_wait.wake: the core holds its device lock; just queue it. */
static void parked_wake(struct drm_wait *w)
{
	struct cd_parked *pk = (struct cd_parked *)w;
	struct cd_daemon *d = pk->d;

	pthread_mutex_lock(&d->lock);
	pk->woken = true;
	if (pk->state == CD_PARKED)
		ready_push_locked(pk);
	pthread_mutex_unlock(&d->lock);
}

/*
 * FUSE interrupt callback: answer EINTR, as the kernel's interruptible
 * waits do (libdrm's drmIoctl() then restarts the call).  @req may have
 * been answered meanwhile: look it up rather than trust it.
 */
static void parked_interrupted(fuse_req_t req, void *data)
{
	struct cd_daemon *d = data;

	pthread_mutex_lock(&d->lock);
	for (struct cd_parked *pk = d->parked; pk; pk = pk->next) {
		if (pk->req != req)
			continue;
		pk->interrupted = true;
		if (pk->state == CD_PARKED)
			ready_push_locked(pk);
		break;
	}
	pthread_mutex_unlock(&d->lock);
}

/*
 * The first run parked: list @pk so interrupts and shutdown find it, hold
 * its file, and take FUSE interrupts from now on (at once if one came).
 */
static void parked_list(struct cd_parked *pk)
{
	struct cd_daemon *d = pk->d;

	pthread_mutex_lock(&d->lock);
	pk->f->refs++;
	pk->next = d->parked;
	if (d->parked)
		d->parked->prev = pk;
	d->parked = pk;
	pk->listed = true;
	pthread_mutex_unlock(&d->lock);
	fuse_req_interrupt_func(pk->req, parked_interrupted, d);
	if (fuse_req_interrupted(pk->req)) {
		pthread_mutex_lock(&d->lock);
		pk->interrupted = true;
		pthread_mutex_unlock(&d->lock);
	}
}

/* Run (or rerun) an ioctl until it is answered or parks again. */
static void parked_run(struct cd_parked *pk)
{
	struct cd_daemon *d = pk->d;
	struct drm_user_mem um_ops = {
		.copy_from = um_copy_from,
		.copy_to = um_copy_to,
		.prepare_to = um_prepare_to,
		.ctx = pk->um,
	};
	int ret;

	for (;;) {
		if (pk->listed) {
			pthread_mutex_lock(&d->lock);
			/* Only a waiting ioctl is interrupted; one that never parked just runs. */
			if (pk->interrupted && pk->wait.state) {
				pthread_mutex_unlock(&d->lock);
				drm_wait_cancel(d->dev, &pk->wait);
				fuse_reply_err(pk->req, EINTR);
				parked_free(pk);
				return;
			}
			pk->state = CD_RUNNING;
			pk->woken = false;
			pthread_mutex_unlock(&d->lock);
		}

		ret = drm_ioctl_async(pk->f->dfile, pk->cmd, pk->uarg, &um_ops, &pk->caller, &pk->wait);
		if (ret != -DRM_EPENDING)
			break;
		if (pk->um->nmissing > 0 || pk->um->too_many) {
			/* Cannot happen with a well-behaved handler; answer the RETRY. */
			drm_wait_cancel(d->dev, &pk->wait);
			break;
		}
		if (!pk->listed)
			parked_list(pk);
		pthread_mutex_lock(&d->lock);
		if (!pk->woken && !pk->interrupted) {
			pk->state = CD_PARKED;
			pthread_mutex_unlock(&d->lock);
			return;
		}
		pthread_mutex_unlock(&d->lock);
	}
	reply_final(pk->req, pk->cmd, pk->um, ret, pk->out_bufsz);
	parked_free(pk);
}

static void *waiter_thread(void *arg)
{
	struct cd_daemon *d = arg;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct cd_parked *pk;

		while (!d->ready && !d->waiter_stop)
			pthread_cond_wait(&d->ready_cond, &d->lock);
		if (d->waiter_stop)
			break;
		pk = d->ready;
		d->ready = pk->ready_next;
		pk->state = CD_RUNNING;
		pthread_mutex_unlock(&d->lock);
		parked_run(pk);
		pthread_mutex_lock(&d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int cd_waiter_start(struct cd_daemon *d)
{
	int ret = pthread_create(&d->waiter_thread, NULL, waiter_thread, d);

	if (ret)
		return -ret;
	d->waiter_started = true;
	return 0;
}

void cd_waiter_stop(struct cd_daemon *d)
{
	if (d->waiter_started) {
		pthread_mutex_lock(&d->lock);
		d->waiter_stop = true;
		pthread_cond_signal(&d->ready_cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->waiter_thread, NULL);
		d->waiter_started = false;
	}
	for (;;) {
		struct cd_parked *pk;

		pthread_mutex_lock(&d->lock);
		pk = d->parked;
		d->ready = NULL;
		pthread_mutex_unlock(&d->lock);
		if (!pk)
			break;
		drm_wait_cancel(d->dev, &pk->wait);
		fuse_reply_err(pk->req, ENODEV);
		parked_free(pk);
	}
}

/* CUSE_DRM_IOCTL_HOTPLUG: a write-only struct; root's (CAP_SYS_ADMIN) to use. */
static void hotplug_ioctl(fuse_req_t req, void *arg, struct cd_file *f, const void *in_buf,
			  size_t in_bufsz)
{
	struct cuse_drm_hotplug hp;
	struct drm_caller caller;
	int ret;

	if (in_bufsz == 0) {
		struct iovec in = { arg, sizeof(hp) };

		fuse_reply_ioctl_retry(req, &in, 1, NULL, 0);
		return;
	}
	if (in_bufsz < sizeof(hp)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(&hp, in_buf, sizeof(hp));
	cd_caller_from_req(req, &caller);
	if (!caller.capable(&caller))
		ret = -EACCES;
	else if (hp.connected > 1)
		ret = -EINVAL;
	else
		ret = drm_connector_set_status(f->node->d->dev, hp.connector_id, hp.connected);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_ioctl(req, 0, NULL, 0);
}

void cd_ioctl(fuse_req_t req, int cmd_int, void *arg, struct fuse_file_info *fi,
	      unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct cd_file *f = (struct cd_file *)(uintptr_t)fi->fh;
	struct cd_daemon *d = f->node->d;
	unsigned int cmd = (unsigned int)cmd_int;
	uint64_t uarg = (uint64_t)(uintptr_t)arg;
	struct cd_parked *pk;
	struct um_replay *um;
	size_t size = 0;
	bool known, in = false, out = false, has_struct;

	if (flags & FUSE_IOCTL_COMPAT) {
		/* 32-bit callers would need every struct converted, as drm_ioc32.c does. */
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if (cmd == CUSE_DRM_IOCTL_GET_TOKEN || cmd == CUSE_DRM_IOCTL_STATS) {
		private_ioctl(req, cmd, arg, f, out_bufsz);
		return;
	}
	if (cmd == CUSE_DRM_IOCTL_HOTPLUG) {
		hotplug_ioctl(req, arg, f, in_buf, in_bufsz);
		return;
	}
	if (cmd == CUSE_DRM_IOCTL_CRC) {
		cd_crc_ioctl(req, arg, f, in_buf, in_bufsz, out_bufsz);
		return;
	}

	known = drm_ioctl_arg_size(d->dev, cmd, &size, &in, &out);
	has_struct = known && size > 0;
	if (has_struct && (size > CD_IOCTL_MAX_BYTES || bad_range(uarg, size))) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (has_struct && in_bufsz == 0 && out_bufsz == 0) {
		/* Round 1: ask for the struct. */
		struct iovec v = { arg, size };

		fuse_reply_ioctl_retry(req, &v, 1, &v, out ? 1 : 0);
		return;
	}
	if (has_struct && in_bufsz < size) {
		drm_dbg("ioctl 0x%08x: got %zu bytes, struct is %zu", cmd, in_bufsz, size);
		fuse_reply_err(req, EIO);
		return;
	}

	/*
	 * Not calloc: the range tables are 16 KiB that only their counters say are
	 * in use, and zeroing them cost more than the rest of a small ioctl
	 * (callgrind, make bench case 1).
	 */
	um = malloc(sizeof(*um));
	pk = calloc(1, sizeof(*pk));
	if (um) {
		um->nplaced = um->nmissing = 0;
		um->data = NULL;
		um->data_len = um->used = 0;
		um->exhausted = um->too_many = false;
		um->stage = NULL;
	}
	if (!um || !pk || !(um->data = malloc(in_bufsz ? in_bufsz : 1))) {
		free(um);
		free(pk);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (in_bufsz)
		memcpy(um->data, in_buf, in_bufsz);
	um->data_len = in_bufsz;
	if (has_struct)
		try_place(um, uarg, size, out);

	*pk = (struct cd_parked){
		.wait = { .wake = parked_wake },
		.d = d, .f = f, .req = req, .cmd = cmd, .uarg = uarg, .um = um,
		.out_bufsz = out_bufsz,
		.state = CD_RUNNING,
	};
	cd_caller_from_req(req, &pk->caller);
	/* What the shim set up for this call over the side channel (uapi parts 6 and 7). */
	drm_device_lock(d->dev);
	um->stage = cd_stage_get(f, cmd);
	if ((cmd == DRM_IOCTL_MODE_ATOMIC || cmd == DRM_IOCTL_VIRTGPU_EXECBUFFER) && f->fences_armed) {
		/* IN_FENCE_FD and OUT_FENCE_PTR, or EXECBUFFER's FENCE_FD_IN and _OUT: the fds the shim armed the file with. */
		pk->fence_call = (struct cd_fd_call){ .d = d, .recv_fd = -1, .send_fd = -1, .fences = f };
		cd_fd_ops_init(&pk->fence_ops, &pk->fence_call);
		pk->caller.fds = &pk->fence_ops;
	}
	drm_device_unlock(d->dev);
	parked_run(pk);
}
