/*
 * test_cuse_ioctl.c - the CUSE front end's FUSE_IOCTL path (cuse-drm/ioctl.c)
 * against a simulated kernel.
 *
 * This file includes cuse-drm/ioctl.c and replaces everything it calls
 * outside itself:
 *
 *   - libfuse's fuse_reply_err(), fuse_reply_ioctl_retry() and
 *     fuse_reply_ioctl() record the server's answer in the request;
 *   - the DRM core (drm_ioctl(), drm_ioctl_arg_size(), drm_device_get_stats())
 *     is a table of fake commands whose handlers use the user-memory
 *     accessor the way the core's handlers do: every access may fail with
 *     -DRM_ERETRY, which they return unchanged before changing any state;
 *   - drm_platform_log() and cd_caller_from_req().
 *
 * sim_ioctl() plays the kernel: fuse_do_ioctl() in fs/fuse/ioctl.c for an
 * unrestricted CUSE ioctl, on this process's memory as the client's:
 *
 *   - the first request carries no data and asks for no data;
 *   - a RETRY answer with more than FUSE_IOCTL_MAX_IOV (256) iovecs in one
 *     direction or both together, or more than fc->max_pages (32 for CUSE)
 *     pages = 128 KiB in one direction, fails the ioctl with -ENOMEM;
 *     otherwise the in iovecs are copied from the client (an address in the
 *     first page faults: -EFAULT, as copy_from_user) and the request is sent
 *     again, with out_size = the out iovecs' total;
 *   - an error answer fails the ioctl with that errno (ENOSYS becomes ENOTTY);
 *   - the final answer's data (-EIO when larger than out_size) is copied to
 *     the out iovecs in order (-EFAULT on a fault) and the ioctl returns the
 *     answer's result.
 *
 * The kernel has no limit on the number of rounds; the simulation fails the
 * test after SIM_MAX_ROUNDS.
 */
#include "cuse-drm/ioctl.c"
#include "cuse-drm/stage.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* ------------------------------------------------------------------ */
/* libfuse replies                                                     */
/* ------------------------------------------------------------------ */

/** FUSE_IOCTL_MAX_IOV in the kernel's fuse.h: iovecs of one RETRY, in and out together. */
#define SIM_MAX_IOV 256
/** CUSE's fc->max_pages (FUSE_DEFAULT_MAX_PAGES_PER_REQ) pages of 4 KiB, per direction. */
#define SIM_MAX_BYTES (32u * 4096u)
/** Rounds after which the simulation gives up (the kernel would loop on). */
#define SIM_MAX_ROUNDS 1000
/** FUSE_IOCTL_32BIT in the kernel's fuse.h (not in libfuse's headers). */
#define SIM_FUSE_IOCTL_32BIT (1u << 3)

enum reply_kind { REPLY_NONE, REPLY_ERR, REPLY_RETRY, REPLY_IOCTL };

/* libfuse's request is opaque to servers; this one holds the answer to one FUSE_IOCTL request. */
struct fuse_req {
	enum reply_kind kind;
	unsigned int nreplies;
	int err;                        /* REPLY_ERR */
	int result;                     /* REPLY_IOCTL */
	void *data;                     /* REPLY_IOCTL: malloc'd copy of the reply data */
	size_t size;
	struct iovec iov[SIM_MAX_IOV];  /* REPLY_RETRY: in iovecs, then out iovecs */
	size_t nin, nout;
	bool too_many_iov;              /* REPLY_RETRY over FUSE_IOCTL_MAX_IOV (not stored) */
};

int fuse_reply_err(fuse_req_t req, int err)
{
	req->nreplies++;
	req->kind = REPLY_ERR;
	req->err = err;
	return 0;
}

int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec *in_iov, size_t in_count,
			   const struct iovec *out_iov, size_t out_count)
{
	req->nreplies++;
	req->kind = REPLY_RETRY;
	req->nin = in_count;
	req->nout = out_count;
	if (in_count > SIM_MAX_IOV || out_count > SIM_MAX_IOV || in_count + out_count > SIM_MAX_IOV) {
		req->too_many_iov = true;
		return 0;
	}
	if (in_count)
		memcpy(req->iov, in_iov, in_count * sizeof(*in_iov));
	if (out_count)
		memcpy(req->iov + in_count, out_iov, out_count * sizeof(*out_iov));
	return 0;
}

int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size)
{
	req->nreplies++;
	req->kind = REPLY_IOCTL;
	req->result = result;
	req->size = size;
	req->data = malloc(size ? size : 1);
	assert_non_null(req->data);
	if (size)
		memcpy(req->data, buf, size);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The simulated kernel (fs/fuse/ioctl.c, fuse_do_ioctl)               */
/* ------------------------------------------------------------------ */

/** What happened during the last sim_ioctl(). */
static struct {
	unsigned int requests;          /* FUSE_IOCTL requests sent to the server */
	unsigned int core_calls;        /* drm_ioctl() calls */
	unsigned int fill_commits;      /* CMD_FILL state changes (after a successful prepare_to) */
	unsigned int retries;           /* RETRY answers followed */
	size_t copied_in, copied_out;   /* client bytes copied in (all rounds) and out */
	size_t max_iovs;                /* most iovecs (in + out) of one RETRY */
	size_t max_in_bytes;            /* most in bytes of one RETRY */
	struct iovec last[SIM_MAX_IOV]; /* the last RETRY's iovecs: in, then out */
	size_t last_nin, last_nout;
} sim;

static bool client_range_ok(const struct iovec *v)
{
	uintptr_t a = (uintptr_t)v->iov_base;

	/* The first page is never mapped; a wrapping range is no range. */
	return v->iov_len == 0 || (a >= 4096 && a + v->iov_len >= a);
}

static size_t iov_total(const struct iovec *v, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += v[i].iov_len;
	return total;
}

/* Check a RETRY answer as fuse_do_ioctl() does; 0 or the ioctl's -errno. */
static int sim_check_retry(const struct fuse_req *req)
{
	if (req->too_many_iov)
		return -ENOMEM;
	if (iov_total(req->iov, req->nin) > SIM_MAX_BYTES ||
	    iov_total(req->iov + req->nin, req->nout) > SIM_MAX_BYTES)
		return -ENOMEM;
	return 0;
}

/* Copy the final answer's data to the out iovecs, in order. */
/* Client memory the simulated process has mapped read-only ([lo, hi)), as .rodata. */
static struct {
	uintptr_t lo, hi;
} sim_read_only;

static bool client_range_writable(const struct iovec *v)
{
	uintptr_t a = (uintptr_t)v->iov_base;

	return v->iov_len == 0 || a + v->iov_len <= sim_read_only.lo || a >= sim_read_only.hi;
}

static int sim_copy_out(const struct fuse_req *req, const struct iovec *out, size_t nout, size_t out_size)
{
	size_t off = 0;

	if (req->size > out_size)
		return -EIO;
	for (size_t i = 0; i < nout && off < req->size; i++) {
		size_t n = out[i].iov_len < req->size - off ? out[i].iov_len : req->size - off;
		struct iovec part = { out[i].iov_base, n };

		/* fuse_do_ioctl() copies every out range back with copy_to_user(). */
		if (!client_range_ok(&part) || !client_range_writable(&part))
			return -EFAULT;
		memcpy(out[i].iov_base, (const unsigned char *)req->data + off, n);
		off += n;
		sim.copied_out += n;
	}
	return 0;
}

/* The fixture: one open file on one node of one daemon.  The core's objects are opaque here. */
static char fake_dev_obj, fake_dfile_obj;
#define FAKE_DEV ((struct drm_device *)(void *)&fake_dev_obj)
#define FAKE_DFILE ((struct drm_file *)(void *)&fake_dfile_obj)
#define TEST_SOCKET_PATH "/run/cuse-drm/card7.sock"
static struct cd_daemon test_daemon;
static struct cd_node test_node;
static struct cd_file test_file;

/**
 * sim_ioctl_flags() - ioctl(fd, @cmd, @arg) by this process on a CUSE
 * device served by cd_ioctl(); @flags are FUSE_IOCTL_* flags besides
 * FUSE_IOCTL_UNRESTRICTED.  Returns the ioctl's result or -errno.
 */
static int sim_ioctl_flags(unsigned int cmd, void *arg, unsigned int flags)
{
	struct fuse_file_info fi = { .fh = (uint64_t)(uintptr_t)&test_file };
	struct iovec iov[SIM_MAX_IOV];  /* in iovecs, then out iovecs (the kernel's iov_page) */
	size_t nin = 0, nout = 0;

	memset(&sim, 0, sizeof(sim));
	for (;;) {
		size_t in_size = iov_total(iov, nin), out_size = iov_total(iov + nin, nout), off = 0;
		unsigned char *in_buf = NULL;
		struct fuse_req req = { .kind = REPLY_NONE };
		int ret;

		if (sim.requests == SIM_MAX_ROUNDS)
			fail_msg("ioctl 0x%08x: still asking for RETRY after %d rounds", cmd, SIM_MAX_ROUNDS);
		if (in_size) {
			in_buf = malloc(in_size); /* exactly in_size: ASan catches reads past it */
			assert_non_null(in_buf);
			for (size_t i = 0; i < nin; i++) {
				if (!client_range_ok(&iov[i])) {
					free(in_buf);
					return -EFAULT;
				}
				memcpy(in_buf + off, iov[i].iov_base, iov[i].iov_len);
				off += iov[i].iov_len;
			}
			sim.copied_in += in_size;
		}
		sim.requests++;
		cd_ioctl(&req, (int)cmd, arg, &fi, FUSE_IOCTL_UNRESTRICTED | flags, in_buf, in_size, out_size);
		free(in_buf);
		assert_int_equal(req.nreplies, 1);

		switch (req.kind) {
		case REPLY_ERR:
			return req.err == ENOSYS ? -ENOTTY : -req.err;
		case REPLY_RETRY:
			ret = sim_check_retry(&req);
			if (ret)
				return ret;
			sim.retries++;
			nin = req.nin;
			nout = req.nout;
			memcpy(iov, req.iov, (nin + nout) * sizeof(iov[0]));
			memcpy(sim.last, req.iov, (nin + nout) * sizeof(iov[0]));
			sim.last_nin = nin;
			sim.last_nout = nout;
			if (nin + nout > sim.max_iovs)
				sim.max_iovs = nin + nout;
			if (iov_total(iov, nin) > sim.max_in_bytes)
				sim.max_in_bytes = iov_total(iov, nin);
			continue;
		case REPLY_IOCTL:
			ret = sim_copy_out(&req, iov + nin, nout, out_size);
			free(req.data);
			return ret ? ret : req.result;
		default:
			fail_msg("no reply");
		}
	}
}

static int sim_ioctl(unsigned int cmd, void *arg)
{
	return sim_ioctl_flags(cmd, arg, 0);
}

/* ------------------------------------------------------------------ */
/* The fake DRM core                                                   */
/* ------------------------------------------------------------------ */

/* CMD_ADD: struct only.  sum = a + b, written back; then returns -err. */
struct t_add {
	uint32_t a, b, sum, err;
};

/* CMD_GATHER: sum of count u32 at ptr (one nested range).  CMD_SPARSE: of the
 * u32 at ptr + i * stride bytes, i < count (one nested range each). */
struct t_array {
	uint64_t ptr;
	uint32_t count;
	uint32_t stride;
	uint64_t sum;
};

/* CMD_LOOKUP: value = *(u32 *)table[index], table an array of u64 addresses. */
struct t_lookup {
	uint64_t table;
	uint32_t index;
	uint32_t value;
};

/* CMD_FILL: the u32 at ptr + 4 * i = value, for i = 0, stride, 2 * stride, ... < count. */
struct t_fill {
	uint64_t ptr;
	uint32_t count;
	uint32_t stride;
	uint32_t value;
	uint32_t written;
};

/* CMD_MOVE: dst[i] = src[i] * 10 for even i < count, then sum = the sum of src[0..count). */
struct t_move {
	uint64_t src;
	uint64_t dst;
	uint32_t count;
	uint32_t sum;
};

#define CMD_ADD     _IOWR('d', 0xa0, struct t_add)
#define CMD_SET     _IOW('d', 0xa1, struct t_add)   /* the struct is read, never written */
#define CMD_GATHER  _IOWR('d', 0xa2, struct t_array)
#define CMD_SPARSE  _IOWR('d', 0xa3, struct t_array)
#define CMD_LOOKUP  _IOWR('d', 0xa4, struct t_lookup)
#define CMD_FILL    _IOWR('d', 0xa5, struct t_fill)
#define CMD_MOVE    _IOWR('d', 0xa6, struct t_move)
#define CMD_GATHER_NEGATE _IOWR('d', 0xa8, struct t_array) /* CMD_GATHER, then v[i] = -v[i] */
#define CMD_NEGATE_BIG _IOWR('d', 0xa9, struct t_array) /* CMD_GATHER_NEGATE for up to 1M values */
#define CMD_HUGE    _IOWR('d', 0xa7, uint64_t)      /* claims a struct over 128 KiB */
#define CMD_UNKNOWN_DRM _IOWR('d', 0xee, struct t_add)
#define CMD_NOT_DRM     _IOWR('x', 0x01, struct t_add)

static uint32_t last_set;            /* CMD_SET's a */
static enum drm_log_level last_log_level;
static char last_log[256];

static int h_add(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_add t;
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	t.sum = t.a + t.b;
	r = um->copy_to(um->ctx, arg, &t, sizeof(t));
	return r ? r : -(int)t.err;
}

static int h_set(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_add t;
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	last_set = t.a;
	return 0;
}

static int h_gather(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_array t;
	uint32_t *v;
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	if (t.count > 65536)
		return -EINVAL;
	v = calloc(t.count ? t.count : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r = um->copy_from(um->ctx, v, t.ptr, (size_t)t.count * sizeof(*v));
	if (r == 0) {
		t.sum = 0;
		for (uint32_t i = 0; i < t.count; i++)
			t.sum += v[i];
		r = um->copy_to(um->ctx, arg, &t, sizeof(t));
	}
	free(v);
	return r;
}

static int h_gather_negate(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_array t;
	uint32_t v[16];
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	if (t.count > 16)
		return -EINVAL;
	r = um->copy_from(um->ctx, v, t.ptr, (size_t)t.count * sizeof(*v));
	if (r)
		return r;
	t.sum = 0;
	for (uint32_t i = 0; i < t.count; i++) {
		t.sum += v[i];
		v[i] = -v[i];
	}
	r = um->copy_to(um->ctx, t.ptr, v, (size_t)t.count * sizeof(*v));
	if (r == 0)
		r = um->copy_to(um->ctx, arg, &t, sizeof(t));
	return r;
}

static int h_negate_big(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_array t;
	uint32_t *v;
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	if (t.count == 0 || t.count > (1u << 20))
		return -EINVAL;
	v = malloc((size_t)t.count * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r = um->copy_from(um->ctx, v, t.ptr, (size_t)t.count * sizeof(*v));
	if (r == 0) {
		t.sum = 0;
		for (uint32_t i = 0; i < t.count; i++) {
			t.sum += v[i];
			v[i] = -v[i];
		}
		r = um->copy_to(um->ctx, t.ptr, v, (size_t)t.count * sizeof(*v));
		if (r == 0)
			r = um->copy_to(um->ctx, arg, &t, sizeof(t));
	}
	free(v);
	return r;
}

static int h_sparse(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_array t;
	uint64_t sum = 0;
	uint32_t v;
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	for (uint32_t i = 0; i < t.count; i++) {
		r = um->copy_from(um->ctx, &v, t.ptr + (uint64_t)i * t.stride, sizeof(v));
		if (r)
			return r;
		sum += v;
	}
	t.sum = sum;
	return um->copy_to(um->ctx, arg, &t, sizeof(t));
}

static int h_lookup(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_lookup t;
	uint64_t addr;
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	r = um->copy_from(um->ctx, &addr, t.table + 8ull * t.index, sizeof(addr));
	if (r)
		return r;
	r = um->copy_from(um->ctx, &t.value, addr, sizeof(t.value));
	if (r)
		return r;
	return um->copy_to(um->ctx, arg, &t, sizeof(t));
}

static int h_fill(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_fill t;
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	if (t.stride == 0 || t.count > 1024)
		return -EINVAL;
	r = um->prepare_to(um->ctx, t.ptr, 4ull * t.count);
	if (r)
		return r;
	sim.fill_commits++; /* a state change: from here on the handler must not fail with ERETRY */
	t.written = 0;
	for (uint32_t i = 0; i < t.count; i += t.stride) {
		r = um->copy_to(um->ctx, t.ptr + 4ull * i, &t.value, sizeof(t.value));
		if (r)
			return r;
		t.written++;
	}
	return um->copy_to(um->ctx, arg, &t, sizeof(t));
}

static int h_move(uint64_t arg, const struct drm_user_mem *um)
{
	struct t_move t;
	uint32_t v[16];
	int r = um->copy_from(um->ctx, &t, arg, sizeof(t));

	if (r)
		return r;
	if (t.count > 16)
		return -EINVAL;
	r = um->prepare_to(um->ctx, t.dst, 4ull * t.count);
	if (r)
		return r;
	r = um->copy_from(um->ctx, v, t.src, 4ull * t.count);
	if (r)
		return r;
	for (uint32_t i = 0; i < t.count; i += 2) {
		uint32_t x = v[i] * 10;

		r = um->copy_to(um->ctx, t.dst + 4ull * i, &x, sizeof(x));
		if (r)
			return r;
	}
	/* Read src again: where it overlaps dst it must show the writes, as memory would. */
	r = um->copy_from(um->ctx, v, t.src, 4ull * t.count);
	if (r)
		return r;
	t.sum = 0;
	for (uint32_t i = 0; i < t.count; i++)
		t.sum += v[i];
	return um->copy_to(um->ctx, arg, &t, sizeof(t));
}

static int h_never(uint64_t arg, const struct drm_user_mem *um)
{
	(void)arg;
	(void)um;
	fail_msg("handler must not run");
	return -EIO;
}

static const struct fake_cmd {
	unsigned int cmd;
	size_t size;
	bool in, out;
	int (*handler)(uint64_t arg, const struct drm_user_mem *um);
} fake_cmds[] = {
	{ CMD_ADD, sizeof(struct t_add), true, true, h_add },
	{ CMD_SET, sizeof(struct t_add), true, false, h_set },
	{ CMD_GATHER, sizeof(struct t_array), true, true, h_gather },
	{ CMD_SPARSE, sizeof(struct t_array), true, true, h_sparse },
	{ CMD_GATHER_NEGATE, sizeof(struct t_array), true, true, h_gather_negate },
	{ CMD_NEGATE_BIG, sizeof(struct t_array), true, true, h_negate_big },
	{ CMD_LOOKUP, sizeof(struct t_lookup), true, true, h_lookup },
	{ CMD_FILL, sizeof(struct t_fill), true, true, h_fill },
	{ CMD_MOVE, sizeof(struct t_move), true, true, h_move },
	/* Defensive: the real core's sizes come from _IOC_SIZE, under 16 KiB. */
	{ CMD_HUGE, SIM_MAX_BYTES + 8, true, true, h_never },
};

static const struct fake_cmd *fake_lookup(unsigned int cmd)
{
	for (size_t i = 0; i < sizeof(fake_cmds) / sizeof(fake_cmds[0]); i++)
		if (fake_cmds[i].cmd == cmd)
			return &fake_cmds[i];
	return NULL;
}

bool drm_ioctl_arg_size(struct drm_device *dev, unsigned int cmd, size_t *size, bool *in, bool *out)
{
	const struct fake_cmd *c = fake_lookup(cmd);

	assert_ptr_equal(dev, FAKE_DEV);
	if (!c)
		return false;
	*size = c->size;
	*in = c->in;
	*out = c->out;
	return true;
}

void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func, void *data)
{
	(void)req, (void)func, (void)data;
}

int fuse_req_interrupted(fuse_req_t req)
{
	(void)req;
	return 0;
}

/* ioctl.c holds a file reference while an ioctl runs (it might park). */
void cd_file_put(struct cd_file *f)
{
	assert_true(f->refs > 0);
	f->refs--;
}

/* MODE_ATOMIC of an armed file takes the device lock to look at its fence fds (none here). */
void drm_device_lock(struct drm_device *dev)
{
	assert_ptr_equal(dev, FAKE_DEV);
}

void drm_device_unlock(struct drm_device *dev)
{
	assert_ptr_equal(dev, FAKE_DEV);
}

void cd_fd_ops_init(struct drm_fd_ops *ops, struct cd_fd_call *call)
{
	(void)ops, (void)call;
	fail_msg("no file is armed with fence fds in these tests");
}

int drm_connector_set_status(struct drm_device *dev, uint32_t connector_id, bool connected)
{
	(void)dev, (void)connector_id, (void)connected;
	fail_msg("no hotplug in these tests");
	return -EIO;
}

void drm_wait_cancel(struct drm_device *dev, struct drm_wait *w)
{
	(void)dev, (void)w;
	fail_msg("no ioctl parks in these tests");
}

int drm_ioctl_async(struct drm_file *file, unsigned int cmd, uint64_t arg, const struct drm_user_mem *um,
		    const struct drm_caller *caller, struct drm_wait *w)
{
	assert_non_null(w);
	const struct fake_cmd *c = fake_lookup(cmd);

	assert_ptr_equal(file, FAKE_DFILE);
	assert_int_equal(caller->pid, 4242); /* what cd_caller_from_req() said */
	sim.core_calls++;
	if (!c) /* as core/drm_ioctl.c's drm_ioctl_lookup(): touches no client memory */
		return _IOC_TYPE(cmd) == 'd' ? -EINVAL : -ENOTTY;
	return c->handler(arg, um);
}

void drm_device_get_stats(struct drm_device *dev, struct drm_device_stats *st)
{
	assert_ptr_equal(dev, FAKE_DEV);
	*st = (struct drm_device_stats){ .files = 1, .gem_objects = 2, .gem_handles = 3, .framebuffers = 4,
					 .blobs = 5, .pending_events = 6, .has_master = 1,
					 .syncobjs = 7, .gem_bytes = 0x123456789ull, .fences = 8,
					 .parked_ioctls = 9, .dma_mappings = 10, .dma_coherent = 11,
					 .dma_bytes = 0x987654321ull };
}

void drm_platform_log(enum drm_log_level level, const char *fmt, ...)
{
	va_list ap;

	last_log_level = level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

void cd_caller_from_req(fuse_req_t req, struct drm_caller *caller)
{
	(void)req;
	*caller = (struct drm_caller){ .pid = 4242, .uid = 1000, .gid = 1000 };
}

/* crc_ioctl.c is not linked here: CUSE_DRM_IOCTL_CRC only has to reach it. */
static unsigned int crc_ioctl_calls;
void cd_crc_ioctl(fuse_req_t req, void *arg, struct cd_file *f, const void *in_buf, size_t in_bufsz,
		  size_t out_bufsz)
{
	(void)arg;
	(void)f;
	(void)in_buf;
	(void)in_bufsz;
	(void)out_bufsz;
	crc_ioctl_calls++;
	fuse_reply_err(req, ENOTTY);
}

static int reset(void **state)
{
	(void)state;
	memset(&test_daemon, 0, sizeof(test_daemon));
	memset(&test_node, 0, sizeof(test_node));
	memset(&test_file, 0, sizeof(test_file));
	memset(&sim_read_only, 0, sizeof(sim_read_only));
	test_daemon.dev = FAKE_DEV;
	snprintf(test_daemon.socket_path, sizeof(test_daemon.socket_path), "%s", TEST_SOCKET_PATH);
	test_node.d = &test_daemon;
	test_file.node = &test_node;
	test_file.dfile = FAKE_DFILE;
	for (unsigned int i = 0; i < CUSE_DRM_TOKEN_LEN; i++)
		test_file.token[i] = (uint8_t)(0x40 + i);
	last_set = 0;
	last_log_level = 0;
	last_log[0] = '\0';
	return 0;
}

static void assert_iov(const struct iovec *v, const void *base, size_t len)
{
	assert_ptr_equal(v->iov_base, base);
	assert_int_equal(v->iov_len, len);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/**
 * A struct-only ioctl takes exactly one RETRY round: round 1 asks for the
 * struct in and out, round 2 runs the core once and returns the struct.
 */
static void test_struct_only(void **state)
{
	struct t_add t = { .a = 40, .b = 2, .sum = 7 };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_ADD, &t), 0);
	assert_int_equal(t.sum, 42);
	assert_int_equal(sim.retries, 1);
	assert_int_equal(sim.requests, 2);
	assert_int_equal(sim.core_calls, 1); /* round 1 answers without running the core */
	assert_int_equal(sim.last_nin, 1);
	assert_int_equal(sim.last_nout, 1);
	assert_iov(&sim.last[0], &t, sizeof(t));
	assert_iov(&sim.last[1], &t, sizeof(t));
	assert_int_equal(sim.copied_in, sizeof(t));
	assert_int_equal(sim.copied_out, sizeof(t));
}

/** A struct the core only reads (_IOW) is asked for in only, and never written back. */
static void test_read_only_struct(void **state)
{
	struct t_add t = { .a = 9, .b = 1, .sum = 7 };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_SET, &t), 0);
	assert_int_equal(last_set, 9);
	assert_int_equal(t.sum, 7);
	assert_int_equal(sim.retries, 1);
	assert_int_equal(sim.last_nin, 1);
	assert_int_equal(sim.last_nout, 0);
	assert_int_equal(sim.copied_out, 0);
}

/**
 * A nested array read takes exactly two RETRY rounds (struct, then struct +
 * array); the array is listed in and out and comes back unchanged.
 */
static void test_nested_read(void **state)
{
	uint32_t a[7] = { 1, 2, 3, 4, 5, 0xaaaa, 0xbbbb };
	struct t_array t = { .ptr = (uintptr_t)a, .count = 5, .sum = 777 };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_GATHER, &t), 0);
	assert_int_equal(t.sum, 15);
	assert_int_equal(sim.retries, 2);
	assert_int_equal(sim.requests, 3);
	assert_int_equal(sim.core_calls, 2);
	assert_int_equal(sim.last_nin, 2);
	assert_int_equal(sim.last_nout, 1); /* only read: never written back */
	assert_iov(&sim.last[0], &t, sizeof(t));
	assert_iov(&sim.last[1], a, 5 * sizeof(a[0]));
	assert_iov(&sim.last[2], &t, sizeof(t));
	assert_int_equal(a[0], 1);
	assert_int_equal(a[4], 5);
	assert_int_equal(a[5], 0xaaaa);
}

/**
 * Nested data the handler only reads may sit in read-only memory (a
 * CREATEPROPBLOB from a `static const` mode): it must be an in range only,
 * since the kernel copies every out range back and would fault (EFAULT).
 */
static void test_nested_read_only_memory(void **state)
{
	static const uint32_t ro[4] = { 10, 20, 30, 40 };
	struct t_array t = { .ptr = (uintptr_t)ro, .count = 4, .sum = 777 };

	(void)state;
	sim_read_only.lo = (uintptr_t)ro;
	sim_read_only.hi = (uintptr_t)(ro + 4);
	assert_int_equal(sim_ioctl(CMD_GATHER, &t), 0);
	assert_int_equal(t.sum, 100);
	assert_int_equal(sim.last_nout, 1);
}

/**
 * A range first read and then written in the same ioctl is asked for again
 * as an in-and-out range, so the write reaches the client.
 */
static void test_read_then_write(void **state)
{
	uint32_t a[3] = { 1, 2, 3 };
	struct t_array t = { .ptr = (uintptr_t)a, .count = 3 };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_GATHER_NEGATE, &t), 0);
	assert_int_equal(t.sum, 6);
	assert_int_equal(a[0], (uint32_t)-1);
	assert_int_equal(a[2], (uint32_t)-3);
	assert_int_equal(sim.last_nin, 3);  /* struct, a (in), a (in and out) */
	assert_int_equal(sim.last_nout, 2); /* struct, a */
}

/**
 * A nested address the handler computes from nested data (a pointer read
 * from a table) is found by replaying: each level costs one more round.
 */
static void test_data_dependent_address(void **state)
{
	uint32_t x = 111, y = 222, z = 333;
	uint64_t table[3] = { (uintptr_t)&x, (uintptr_t)&y, (uintptr_t)&z };
	struct t_lookup t = { .table = (uintptr_t)table, .index = 1 };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_LOOKUP, &t), 0);
	assert_int_equal(t.value, 222);
	assert_int_equal(sim.retries, 3); /* struct, table entry, target */
	assert_int_equal(sim.last_nin, 3);
	assert_iov(&sim.last[1], &table[1], sizeof(table[1]));
	assert_iov(&sim.last[2], &y, sizeof(y));

	t.index = 2;
	assert_int_equal(sim_ioctl(CMD_LOOKUP, &t), 0);
	assert_int_equal(t.value, 333);
	assert_iov(&sim.last[2], &z, sizeof(z));
	assert_int_equal(x, 111);
	assert_int_equal(y, 222);
}

/**
 * Nested writes reach the client; the bytes of a written range that the
 * handler leaves alone come back unchanged (read-modify-write), and the
 * handler's state change after prepare_to happens exactly once.
 */
static void test_nested_write_keeps_other_bytes(void **state)
{
	uint32_t b[8];
	struct t_fill t = { .ptr = (uintptr_t)b, .count = 6, .stride = 2, .value = 0x5a5a5a5a };

	(void)state;
	for (unsigned int i = 0; i < 8; i++)
		b[i] = 0xdead0000 + i;
	assert_int_equal(sim_ioctl(CMD_FILL, &t), 0);
	assert_int_equal(t.written, 3);
	assert_int_equal(sim.fill_commits, 1);
	assert_int_equal(sim.retries, 2);
	assert_int_equal(b[0], 0x5a5a5a5a);
	assert_int_equal(b[1], 0xdead0001);
	assert_int_equal(b[2], 0x5a5a5a5a);
	assert_int_equal(b[3], 0xdead0003);
	assert_int_equal(b[4], 0x5a5a5a5a);
	assert_int_equal(b[5], 0xdead0005);
	assert_int_equal(b[6], 0xdead0006); /* outside the range */
	assert_int_equal(b[7], 0xdead0007);
}

/**
 * Overlapping nested ranges behave like real memory: a write through one
 * range is seen by later reads through the other, and the copy-out (in
 * list order, dst then src) leaves the client memory as the writes made it.
 */
static void test_overlapping_ranges(void **state)
{
	uint32_t m[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct t_move t = { .src = (uintptr_t)&m[0], .dst = (uintptr_t)&m[1], .count = 4 };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_MOVE, &t), 0);
	/* src read before the writes = {1,2,3,4}: dst[0] = m[1] = 10, dst[2] = m[3] = 30 */
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1], 10);
	assert_int_equal(m[2], 3);
	assert_int_equal(m[3], 30);
	assert_int_equal(m[4], 5);
	assert_int_equal(m[5], 6);
	assert_int_equal(t.sum, 1 + 10 + 3 + 30); /* src read again after the writes */
}

/** A handler's error is the ioctl's result, and the struct it wrote still reaches the client. */
static void test_error_carries_struct(void **state)
{
	struct t_add t = { .a = 5, .b = 6, .sum = 0, .err = ENOSPC };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_ADD, &t), -ENOSPC);
	assert_int_equal(t.sum, 11);
	assert_int_equal(sim.retries, 1);
}

/**
 * A command the core does not know runs in the first round without any
 * client memory and fails with the core's errno: EINVAL for an unknown DRM
 * number, ENOTTY for a foreign ioctl type.
 */
static void test_unknown_command(void **state)
{
	struct t_add t = { .a = 1, .b = 2, .sum = 3, .err = 4 }, orig = t;

	(void)state;
	assert_int_equal(sim_ioctl(CMD_UNKNOWN_DRM, &t), -EINVAL);
	assert_int_equal(sim.requests, 1);
	assert_int_equal(sim.retries, 0);
	assert_int_equal(sim.copied_in, 0);
	assert_int_equal(sim.copied_out, 0);
	assert_int_equal(sim.core_calls, 1);
	assert_memory_equal(&t, &orig, sizeof(t));

	assert_int_equal(sim_ioctl(CMD_NOT_DRM, &t), -ENOTTY);
	assert_int_equal(sim.requests, 1);
	assert_int_equal(sim.copied_in + sim.copied_out, 0);
	assert_memory_equal(&t, &orig, sizeof(t));
}

/**
 * A bad client pointer gives EFAULT: as the argument (the kernel's copy of
 * the struct faults), as a nested pointer (the copy of the nested range
 * faults, nothing is written back), and as a nested range that wraps around
 * (refused by the accessor itself).
 */
static void test_bad_pointer(void **state)
{
	uint32_t a[2] = { 1, 2 };
	struct t_array t = { .ptr = 16, .count = 2, .sum = 777 };

	(void)state;
	assert_int_equal(sim_ioctl(CMD_ADD, (void *)(uintptr_t)16), -EFAULT);
	assert_int_equal(sim.core_calls, 0);

	assert_int_equal(sim_ioctl(CMD_GATHER, &t), -EFAULT);
	assert_int_equal(t.sum, 777);
	assert_int_equal(sim.copied_out, 0);

	t.ptr = UINT64_MAX - 3;
	assert_int_equal(sim_ioctl(CMD_GATHER, &t), -EFAULT);
	assert_int_equal(t.sum, 777);

	t.ptr = (uintptr_t)a; /* and the same struct with a good pointer works */
	assert_int_equal(sim_ioctl(CMD_GATHER, &t), 0);
	assert_int_equal(t.sum, 3);
}

/**
 * One round carries at most 256 iovecs: the struct (in and out) and 254
 * nested ranges that are only read (in only) fit exactly; a 255th nested
 * range is refused with EINVAL (logged at debug level), before the kernel
 * would fail the ioctl with ENOMEM.
 */
static void test_iovec_limit(void **state)
{
	static uint32_t v[2 * 255];
	struct t_array t = { .ptr = (uintptr_t)v, .count = 254, .stride = 8 };
	uint64_t expect = 0;

	(void)state;
	for (unsigned int i = 0; i < 2 * 255; i++)
		v[i] = i;
	for (unsigned int i = 0; i < 254; i++)
		expect += v[2 * i];
	assert_int_equal(sim_ioctl(CMD_SPARSE, &t), 0);
	assert_int_equal(t.sum, expect);
	assert_int_equal(sim.max_iovs, 256);
	assert_int_equal(sim.retries, 255); /* the struct, then one nested range per round */

	t.count = 255;
	t.sum = 777;
	assert_int_equal(sim_ioctl(CMD_SPARSE, &t), -EINVAL);
	assert_int_equal(t.sum, 777);
	assert_true(sim.max_iovs <= 256);
	assert_int_equal(last_log_level, DRM_LOG_DEBUG);
	assert_non_null(strstr(last_log, "per-round limit"));
}

/**
 * One round carries at most 128 KiB in each direction: a struct plus an
 * array of exactly 128 KiB works, 4 bytes more are refused with EINVAL, and
 * so is a struct over 128 KiB (in round 1, without running the core).
 */
static void test_byte_limit(void **state)
{
	enum { N = (SIM_MAX_BYTES - sizeof(struct t_array)) / sizeof(uint32_t) };
	static uint32_t v[N + 1];
	uint64_t huge = 0; /* refused before anything is copied */
	struct t_array t = { .ptr = (uintptr_t)v, .count = N };

	(void)state;
	for (unsigned int i = 0; i < N + 1; i++)
		v[i] = 1;
	assert_int_equal(sim_ioctl(CMD_GATHER, &t), 0);
	assert_int_equal(t.sum, N);
	assert_int_equal(sim.max_in_bytes, SIM_MAX_BYTES);

	t.count = N + 1;
	t.sum = 777;
	assert_int_equal(sim_ioctl(CMD_GATHER, &t), -EINVAL);
	assert_int_equal(t.sum, 777);
	assert_true(sim.max_in_bytes <= SIM_MAX_BYTES);

	assert_int_equal(sim_ioctl(CMD_HUGE, &huge), -EINVAL);
	assert_int_equal(sim.retries, 0);
	assert_int_equal(sim.core_calls, 0);
}

/**
 * The private ioctls answer with one RETRY round that asks for the result
 * struct out only, and never reach the core: STATS gives the core's
 * counts, GET_TOKEN the file's token and the side-channel socket path.
 */
static void test_private_ioctls(void **state)
{
	struct cuse_drm_stats st;
	struct cuse_drm_token tok;

	(void)state;
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(sim_ioctl(CUSE_DRM_IOCTL_STATS, &st), 0);
	assert_int_equal(sim.retries, 1);
	assert_int_equal(sim.last_nin, 0);
	assert_int_equal(sim.last_nout, 1);
	assert_iov(&sim.last[0], &st, sizeof(st));
	assert_int_equal(st.files, 1);
	assert_int_equal(st.gem_objects, 2);
	assert_int_equal(st.gem_handles, 3);
	assert_int_equal(st.framebuffers, 4);
	assert_int_equal(st.blobs, 5);
	assert_int_equal(st.pending_events, 6);
	assert_int_equal(st.has_master, 1);
	assert_int_equal(st.syncobjs, 7);
	assert_int_equal(st.gem_bytes, 0x123456789ull);
	assert_int_equal(st.fences, 8);
	assert_int_equal(st.parked_ioctls, 9);
	assert_int_equal(st.dma_mappings, 10);
	assert_int_equal(st.dma_coherent, 11);
	assert_int_equal(st.dma_bytes, 0x987654321ull);

	memset(&tok, 0xff, sizeof(tok));
	assert_int_equal(sim_ioctl(CUSE_DRM_IOCTL_GET_TOKEN, &tok), 0);
	assert_int_equal(sim.retries, 1);
	assert_int_equal(sim.last_nin, 0);
	assert_int_equal(sim.last_nout, 1);
	assert_memory_equal(tok.token, test_file.token, CUSE_DRM_TOKEN_LEN);
	assert_string_equal(tok.socket_path, TEST_SOCKET_PATH);
	assert_int_equal(sim.core_calls, 0);
}

/** A 32-bit caller (FUSE_IOCTL_COMPAT) gets ENOTTY at once, for every command. */
static void test_compat_refused(void **state)
{
	struct t_add t = { .a = 1, .b = 2 };
	struct cuse_drm_stats st;

	(void)state;
	assert_int_equal(sim_ioctl_flags(CMD_ADD, &t, FUSE_IOCTL_COMPAT | SIM_FUSE_IOCTL_32BIT), -ENOTTY);
	assert_int_equal(sim.requests, 1);
	assert_int_equal(t.sum, 0);
	assert_int_equal(sim_ioctl_flags(CUSE_DRM_IOCTL_STATS, &st, FUSE_IOCTL_COMPAT | SIM_FUSE_IOCTL_32BIT),
			 -ENOTTY);
	assert_int_equal(sim.requests, 1);
	assert_int_equal(sim.core_calls, 0);
}

/* A sealed memfd of @len bytes holding @src (NULL: zeros), as the shim makes for STAGE. */
static int stage_memfd(const void *src, size_t len, bool seal)
{
	int fd = memfd_create("test-stage", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	if (src)
		assert_int_equal(pwrite(fd, src, len, 0), (ssize_t)len);
	if (seal)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	return fd;
}

static int stage_op(uint32_t op, unsigned int cmd, const struct cuse_drm_stage_range *r, int fd,
		    struct cuse_drm_stage_reply *reply)
{
	struct cuse_drm_stage_req req = { .op = op, .cmd = cmd, .count = r ? 1 : 0 };

	if (r)
		req.ranges[0] = *r;
	return cd_stage_request(&test_file, &req, fd, fd >= 0 ? 1 : 0, reply);
}

/**
 * A 1 MiB array (8 times what one CUSE round carries each way) cannot go
 * through CUSE: EFAULT, as the kernel's oversized copy would be refused
 * here.  Staged in a memfd for that ioctl (cuse_drm_uapi.h part 7), the
 * handler reads and writes it there; CUSE carries only the struct, and
 * UNSTAGE reports exactly the bytes written.
 */
static void test_staged_large_range(void **state)
{
	const uint32_t count = 1u << 18;
	const size_t bytes = (size_t)count * 4;
	uint32_t *v = malloc(bytes), *back = malloc(bytes);
	struct t_array t = { .count = count };
	struct cuse_drm_stage_reply reply;
	struct cuse_drm_stage_range r;
	uint64_t want = 0;
	int fd;

	(void)state;
	assert_non_null(v);
	assert_non_null(back);
	for (uint32_t i = 0; i < count; i++) {
		v[i] = i * 2654435761u;
		want += v[i];
	}
	t.ptr = (uintptr_t)v;
	assert_int_equal(sim_ioctl(CMD_NEGATE_BIG, &t), -EFAULT);

	fd = stage_memfd(v, bytes, true);
	r = (struct cuse_drm_stage_range){ .uaddr = (uintptr_t)v, .len = bytes, .offset = 0,
					   .flags = CUSE_DRM_STAGE_IN | CUSE_DRM_STAGE_OUT };
	/* A stage for another ioctl number is not used. */
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_GATHER, &r, fd, &reply), 0);
	assert_int_equal(sim_ioctl(CMD_NEGATE_BIG, &t), -EFAULT);
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, fd, &reply), 0);
	assert_int_equal(sim_ioctl(CMD_NEGATE_BIG, &t), 0);
	assert_true(t.sum == want);
	assert_true(sim.copied_in < 4096 && sim.copied_out < 4096); /* the struct only */
	assert_int_equal(stage_op(CUSE_DRM_UNSTAGE, 0, NULL, -1, &reply), 0);
	assert_int_equal(reply.count, 1);
	assert_true(reply.written[0].lo == 0 && reply.written[0].hi == bytes);
	assert_int_equal(pread(fd, back, bytes, 0), (ssize_t)bytes);
	for (uint32_t i = 0; i < count; i++)
		assert_true(back[i] == (uint32_t)-v[i]);
	/* Unstaged: CUSE alone again; and no second UNSTAGE. */
	assert_int_equal(sim_ioctl(CMD_NEGATE_BIG, &t), -EFAULT);
	assert_int_equal(stage_op(CUSE_DRM_UNSTAGE, 0, NULL, -1, &reply), ENOENT);
	close(fd);
	free(v);
	free(back);
}

/** STAGE validates what it maps: seals, ranges inside the memfd, flags, counts; and an IN-only range takes no writes. */
static void test_stage_validation(void **state)
{
	static uint32_t buf[1024];
	struct cuse_drm_stage_reply reply;
	struct cuse_drm_stage_range r = { .uaddr = (uintptr_t)buf, .len = sizeof(buf),
					  .flags = CUSE_DRM_STAGE_IN };
	struct cuse_drm_stage_req req = { .op = CUSE_DRM_STAGE, .cmd = CMD_NEGATE_BIG, .count = 1 };
	struct t_array t = { .ptr = (uintptr_t)buf, .count = 1024 };
	int unsealed, fd;

	(void)state;
	for (unsigned int i = 0; i < 1024; i++)
		buf[i] = i;
	unsealed = stage_memfd(NULL, sizeof(buf), false);
	fd = stage_memfd(buf, sizeof(buf), true);
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, unsealed, &reply), EINVAL);
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, -1, &reply), EINVAL);
	r.offset = 4;
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, fd, &reply), EINVAL);
	r.offset = 0;
	r.flags = 4;
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, fd, &reply), EINVAL);
	r.flags = CUSE_DRM_STAGE_IN;
	r.uaddr = UINT64_MAX - 8;
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, fd, &reply), EINVAL);
	r.uaddr = (uintptr_t)buf;
	req.count = CUSE_DRM_STAGE_RANGES_MAX + 1;
	assert_int_equal(cd_stage_request(&test_file, &req, fd, 1, &reply), EINVAL);
	req.count = 1;
	req.reserved[3] = 1;
	req.ranges[0] = r;
	assert_int_equal(cd_stage_request(&test_file, &req, fd, 1, &reply), EINVAL);
	assert_null(test_file.stage);

	/* IN only: the read is served from the stage, the write goes through CUSE as usual. */
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, fd, &reply), 0);
	assert_int_equal(sim_ioctl(CMD_NEGATE_BIG, &t), 0);
	assert_true(t.sum == 1023u * 1024u / 2);
	assert_true(buf[5] == (uint32_t)-5);
	assert_int_equal(stage_op(CUSE_DRM_UNSTAGE, 0, NULL, -1, &reply), 0);
	assert_true(reply.written[0].lo == reply.written[0].hi);
	/* A stage left at release goes with the file. */
	assert_int_equal(stage_op(CUSE_DRM_STAGE, CMD_NEGATE_BIG, &r, fd, &reply), 0);
	assert_non_null(test_file.stage);
	cd_stage_clear(&test_file);
	close(unsealed);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_struct_only, reset),
		cmocka_unit_test_setup(test_read_only_struct, reset),
		cmocka_unit_test_setup(test_nested_read, reset),
		cmocka_unit_test_setup(test_nested_read_only_memory, reset),
		cmocka_unit_test_setup(test_read_then_write, reset),
		cmocka_unit_test_setup(test_data_dependent_address, reset),
		cmocka_unit_test_setup(test_nested_write_keeps_other_bytes, reset),
		cmocka_unit_test_setup(test_overlapping_ranges, reset),
		cmocka_unit_test_setup(test_error_carries_struct, reset),
		cmocka_unit_test_setup(test_unknown_command, reset),
		cmocka_unit_test_setup(test_bad_pointer, reset),
		cmocka_unit_test_setup(test_iovec_limit, reset),
		cmocka_unit_test_setup(test_byte_limit, reset),
		cmocka_unit_test_setup(test_private_ioctls, reset),
		cmocka_unit_test_setup(test_compat_refused, reset),
		cmocka_unit_test_setup(test_staged_large_range, reset),
		cmocka_unit_test_setup(test_stage_validation, reset),
	};

	return cmocka_run_group_tests_name("cuse_ioctl", tests, NULL, NULL);
}
