/* SPDX-License-Identifier: MIT */
/* Pipe CRCs and solid-colour framebuffers: see igt_pipe_crc.h. */
#include "igt_pipe_crc.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cuse-drm/cuse_drm_uapi.h"

/* How long a blocking read waits for a CRC before the subtest fails (not a timing check). */
#define CRC_WAIT_MS 10000

#define DEBUGFS_ROOT "/sys/kernel/debug"

enum crc_backend { CRC_NONE, CRC_CUSE, CRC_DEBUGFS };

struct igt_pipe_crc {
	int fd;
	unsigned int pipe;
	uint32_t crtc_id;
	enum crc_backend backend;
	bool nonblock, started;
	char source[32];
	char dir[256];        /* debugfs: .../dri/<minor>/crtc-<pipe>/crc */
	int data_fd;          /* debugfs: crc/data while started */
	/* cuse: entries read by the last ioctl and not yet handed out */
	struct cuse_drm_crc *io;
	uint32_t io_next;
};

/* --- finding the back end --------------------------------------------------------------------- */

static uint32_t pipe_crtc_id(int fd, unsigned int pipe)
{
	struct drm_mode_card_res res;
	uint32_t crtcs[16];

	memset(&res, 0, sizeof(res));
	if (igt_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res) || res.count_crtcs > 16 ||
	    pipe >= res.count_crtcs)
		return 0;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.count_connectors = res.count_encoders = res.count_fbs = 0;
	if (igt_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res) || pipe >= res.count_crtcs)
		return 0;
	return crtcs[pipe];
}

/*
 * A cuse-drm node with CRCs: a READ without a capture answers EINVAL there (EOPNOTSUPP
 * without CRCs, EACCES when not root); a kernel node answers ENOTTY.
 */
static bool cuse_has_crc(int fd, uint32_t crtc_id)
{
	struct cuse_drm_crc *c = calloc(1, sizeof(*c));
	bool ok;

	igt_assert(c);
	c->crtc_id = crtc_id;
	c->op = CUSE_DRM_CRC_READ;
	c->count = 1;
	ok = igt_ioctl(fd, CUSE_DRM_IOCTL_CRC, c) == 0 || errno == EINVAL || errno == EAGAIN;
	if (!ok)
		igt_debug("CUSE_DRM_IOCTL_CRC probe: %s\n", strerror(errno));
	free(c);
	errno = 0;
	return ok;
}

/* debugfs is where the kernel keeps DRM's files; mount it if nobody did (__igt_debugfs_mount). */
static void debugfs_mount(void)
{
	struct stat st;

	if (stat(DEBUGFS_ROOT "/dri", &st) == 0)
		return;
	if (mount("debugfs", DEBUGFS_ROOT, "debugfs", 0, NULL))
		igt_debug("mounting debugfs: %s\n", strerror(errno));
	errno = 0;
}

/* The node's debugfs crc directory of @pipe into @dir; false when there is none. */
static bool debugfs_crc_dir(int fd, unsigned int pipe, char *dir, size_t size)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return false;
	debugfs_mount();
	snprintf(dir, size, DEBUGFS_ROOT "/dri/%u/crtc-%u/crc", minor(st.st_rdev), pipe);
	bool ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	errno = 0;
	return ok;
}

static enum crc_backend crc_backend(int fd, unsigned int pipe, uint32_t *crtc_id, char *dir,
				    size_t size)
{
	*crtc_id = pipe_crtc_id(fd, pipe);
	if (!*crtc_id)
		return CRC_NONE;
	if (cuse_has_crc(fd, *crtc_id))
		return CRC_CUSE;
	if (debugfs_crc_dir(fd, pipe, dir, size))
		return CRC_DEBUGFS;
	return CRC_NONE;
}

bool igt_has_pipe_crc(int fd, unsigned int pipe)
{
	uint32_t crtc_id;
	char dir[256];

	return crc_backend(fd, pipe, &crtc_id, dir, sizeof(dir)) != CRC_NONE;
}

void igt_require_pipe_crc(int fd, unsigned int pipe)
{
	igt_require_f(igt_has_pipe_crc(fd, pipe),
		      "no CRCs on pipe %u: neither CUSE_DRM_IOCTL_CRC nor debugfs crtc-%u/crc\n", pipe,
		      pipe);
}

static igt_pipe_crc_t *pipe_crc_new(int fd, unsigned int pipe, const char *source, bool nonblock)
{
	igt_pipe_crc_t *pc = calloc(1, sizeof(*pc));

	igt_assert(pc);
	pc->fd = fd;
	pc->pipe = pipe;
	pc->nonblock = nonblock;
	pc->data_fd = -1;
	pc->backend = crc_backend(fd, pipe, &pc->crtc_id, pc->dir, sizeof(pc->dir));
	igt_require_f(pc->backend != CRC_NONE, "no CRCs on pipe %u\n", pipe);
	igt_assert(strlen(source) < sizeof(pc->source));
	strcpy(pc->source, source);
	pc->io = calloc(1, sizeof(*pc->io));
	igt_assert(pc->io);
	igt_debug("pipe %u: CRCs through %s\n", pipe, pc->backend == CRC_CUSE ? "CUSE_DRM_IOCTL_CRC" : pc->dir);
	return pc;
}

igt_pipe_crc_t *igt_pipe_crc_new(int fd, unsigned int pipe, const char *source)
{
	return pipe_crc_new(fd, pipe, source, false);
}

igt_pipe_crc_t *igt_pipe_crc_new_nonblock(int fd, unsigned int pipe, const char *source)
{
	return pipe_crc_new(fd, pipe, source, true);
}

void igt_pipe_crc_free(igt_pipe_crc_t *pc)
{
	if (!pc)
		return;
	igt_pipe_crc_stop(pc);
	free(pc->io);
	free(pc);
}

/* --- starting and stopping ---------------------------------------------------------------------- */

static int cuse_crc_op(igt_pipe_crc_t *pc, uint32_t op, uint32_t count)
{
	memset(pc->io, 0, sizeof(*pc->io));
	pc->io->crtc_id = pc->crtc_id;
	pc->io->op = op;
	pc->io->count = count;
	if (op == CUSE_DRM_CRC_OPEN)
		strcpy(pc->io->source, pc->source);
	return igt_ioctl(pc->fd, CUSE_DRM_IOCTL_CRC, pc->io) ? -errno : 0;
}

int __igt_pipe_crc_start(igt_pipe_crc_t *pc)
{
	char path[300];
	int ret;

	igt_assert(!pc->started);
	pc->io_next = pc->io->count = 0;
	if (pc->backend == CRC_CUSE) {
		ret = cuse_crc_op(pc, CUSE_DRM_CRC_OPEN, 0);
		pc->io->count = 0;
	} else {
		int cfd;

		snprintf(path, sizeof(path), "%s/control", pc->dir);
		cfd = open(path, O_WRONLY | O_CLOEXEC);
		igt_assert_f(cfd >= 0, "%s: %s\n", path, strerror(errno));
		ret = write(cfd, pc->source, strlen(pc->source)) < 0 ? -errno : 0;
		close(cfd);
		if (!ret) {
			snprintf(path, sizeof(path), "%s/data", pc->dir);
			pc->data_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			ret = pc->data_fd < 0 ? -errno : 0;
		}
	}
	errno = 0;
	pc->started = ret == 0;
	return ret;
}

void igt_pipe_crc_start(igt_pipe_crc_t *pc)
{
	int ret = __igt_pipe_crc_start(pc);

	igt_assert_f(ret == 0, "starting the CRC capture of pipe %u (source %s): %s\n", pc->pipe,
		     pc->source, strerror(-ret));
}

void igt_pipe_crc_stop(igt_pipe_crc_t *pc)
{
	if (!pc->started)
		return;
	if (pc->backend == CRC_CUSE) {
		int ret = cuse_crc_op(pc, CUSE_DRM_CRC_CLOSE, 0);

		igt_assert_f(ret == 0, "stopping the CRC capture: %s\n", strerror(-ret));
		pc->io->count = 0;
	} else {
		close(pc->data_fd);
		pc->data_fd = -1;
	}
	pc->io_next = 0;
	pc->started = false;
}

/* --- reading ------------------------------------------------------------------------------------- */

/* One debugfs data line: "0x%08x" or XXXXXXXXXX, then " 0x%08x" per value. */
static void parse_crc_line(const char *line, igt_crc_t *crc)
{
	const char *p = line;
	char *end;

	memset(crc, 0, sizeof(*crc));
	if (strncmp(p, "XXXXXXXXXX", 10) == 0) {
		p += 10;
	} else {
		crc->frame = (uint32_t)strtoul(p, &end, 16);
		igt_assert_f(end == p + 10, "bad CRC line \"%s\"\n", line);
		crc->has_valid_frame = true;
		p = end;
	}
	while (*p == ' ' && crc->n_words < IGT_CRC_MAX_VALUES) {
		crc->crc[crc->n_words++] = (uint32_t)strtoul(p + 1, &end, 16);
		igt_assert_f(end == p + 11, "bad CRC line \"%s\"\n", line);
		p = end;
	}
	igt_assert_f(crc->n_words > 0 && (*p == '\n' || *p == '\0'), "bad CRC line \"%s\"\n", line);
}

/* One queued CRC without waiting: 1, or 0 when none is queued. */
static int read_one(igt_pipe_crc_t *pc, igt_crc_t *crc)
{
	igt_assert(pc->started);
	if (pc->backend == CRC_CUSE) {
		if (pc->io_next >= pc->io->count) {
			int ret = cuse_crc_op(pc, CUSE_DRM_CRC_READ, CUSE_DRM_CRC_MAX_ENTRIES);

			pc->io_next = 0;
			if (ret == -EAGAIN) {
				pc->io->count = 0;
				return 0;
			}
			igt_assert_f(ret == 0, "reading CRCs: %s\n", strerror(-ret));
		}
		const struct cuse_drm_crc_entry *e = &pc->io->entries[pc->io_next++];

		memset(crc, 0, sizeof(*crc));
		crc->frame = e->frame;
		crc->has_valid_frame = e->has_frame != 0;
		crc->n_words = (int)pc->io->values_cnt;
		igt_assert(crc->n_words > 0 && crc->n_words <= IGT_CRC_MAX_VALUES);
		memcpy(crc->crc, e->crcs, sizeof(uint32_t) * (size_t)crc->n_words);
		return 1;
	}
	char line[160];
	ssize_t n = read(pc->data_fd, line, sizeof(line) - 1);

	if (n < 0 && errno == EAGAIN) {
		errno = 0;
		return 0;
	}
	igt_assert_f(n > 0, "reading %s/data: %s\n", pc->dir, n < 0 ? strerror(errno) : "EOF");
	line[n] = '\0';
	parse_crc_line(line, crc);
	return 1;
}

/*
 * Wait until a CRC may be queued: poll debugfs data.  A cuse-drm node has no file to poll
 * for CRCs: wait for the CRTC's next vblank (vkms queues a frame's CRC at its vblank), or a
 * little when WAIT_VBLANK fails.
 */
static void wait_a_little(igt_pipe_crc_t *pc)
{
	if (pc->backend == CRC_DEBUGFS) {
		igt_poll_fd(pc->data_fd, POLLIN, 50);
	} else {
		union drm_wait_vblank vbl;

		memset(&vbl, 0, sizeof(vbl));
		vbl.request.type = _DRM_VBLANK_RELATIVE | ((pc->pipe << _DRM_VBLANK_HIGH_CRTC_SHIFT) &
							   _DRM_VBLANK_HIGH_CRTC_MASK);
		vbl.request.sequence = 1;
		if (igt_ioctl(pc->fd, DRM_IOCTL_WAIT_VBLANK, &vbl)) {
			struct timespec ts = { 0, 2000000 };

			errno = 0;
			nanosleep(&ts, NULL);
		}
	}
}

/* One CRC, waiting for it up to CRC_WAIT_MS. */
static void read_one_blocking(igt_pipe_crc_t *pc, igt_crc_t *crc)
{
	int64_t deadline = igt_nsec_now() + (int64_t)CRC_WAIT_MS * 1000000;

	while (!read_one(pc, crc)) {
		igt_assert_f(igt_nsec_now() < deadline, "no CRC of pipe %u within %d ms\n", pc->pipe,
			     CRC_WAIT_MS);
		wait_a_little(pc);
	}
}

int igt_pipe_crc_get_crcs(igt_pipe_crc_t *pc, int n, igt_crc_t **out_crcs)
{
	igt_crc_t *crcs = calloc((size_t)(n > 0 ? n : 1), sizeof(*crcs));
	int got = 0;

	igt_assert(crcs && n > 0);
	while (got < n) {
		if (pc->nonblock) {
			if (!read_one(pc, &crcs[got]))
				break;
		} else {
			read_one_blocking(pc, &crcs[got]);
		}
		got++;
	}
	*out_crcs = crcs;
	return got;
}

void igt_pipe_crc_get_single(igt_pipe_crc_t *pc, igt_crc_t *crc)
{
	read_one_blocking(pc, crc);
}

void igt_pipe_crc_drain(igt_pipe_crc_t *pc)
{
	igt_crc_t crc;

	while (read_one(pc, &crc))
		;
}

uint32_t kms_get_vblank(int fd, unsigned int pipe)
{
	union drm_wait_vblank vbl;

	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = _DRM_VBLANK_RELATIVE |
			   ((pipe << _DRM_VBLANK_HIGH_CRTC_SHIFT) & _DRM_VBLANK_HIGH_CRTC_MASK);
	do_ioctl(fd, DRM_IOCTL_WAIT_VBLANK, &vbl);
	return vbl.reply.sequence;
}

void igt_pipe_crc_get_current(int fd, igt_pipe_crc_t *pc, igt_crc_t *crc)
{
	uint32_t vblank = kms_get_vblank(fd, pc->pipe) + 1;

	do {
		read_one_blocking(pc, crc);
	} while (crc->has_valid_frame && (int32_t)(crc->frame - vblank) < 0);
}

void igt_pipe_crc_collect_crc(igt_pipe_crc_t *pc, igt_crc_t *out_crc)
{
	igt_pipe_crc_start(pc);
	igt_pipe_crc_get_current(pc->fd, pc, out_crc);
	igt_pipe_crc_stop(pc);
}

bool igt_check_crc_equal(const igt_crc_t *a, const igt_crc_t *b)
{
	char sa[128], sb[128];

	if (a->n_words == b->n_words &&
	    memcmp(a->crc, b->crc, sizeof(uint32_t) * (size_t)a->n_words) == 0)
		return true;
	igt_info("CRC mismatch: %s (frame %u) vs %s (frame %u)\n", igt_crc_to_string(a, sa, sizeof(sa)),
		 a->frame, igt_crc_to_string(b, sb, sizeof(sb)), b->frame);
	return false;
}

const char *igt_crc_to_string(const igt_crc_t *crc, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < crc->n_words && off + 10 < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%08x", i ? " " : "", crc->crc[i]);
	return buf;
}

/* --- solid-colour framebuffers --------------------------------------------------------------- */

/* Bytes per pixel of the packed formats drawn here; 0 for none. */
static uint32_t packed_cpp(uint32_t format)
{
	switch (format) {
	case DRM_FORMAT_XRGB8888: case DRM_FORMAT_ARGB8888: case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888: case DRM_FORMAT_XRGB2101010: case DRM_FORMAT_ARGB2101010:
		return 4;
	case DRM_FORMAT_RGB565:
		return 2;
	default:
		return 0;
	}
}

int __kms_color_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format,
			  struct kms_color_fb *fb)
{
	struct drm_mode_create_dumb d;
	struct drm_mode_fb_cmd2 f;
	bool nv12 = format == DRM_FORMAT_NV12;
	uint32_t cpp = packed_cpp(format);
	int ret;

	igt_require_f(cpp || nv12, "no layout for format %.4s here\n", (const char *)&format);
	memset(fb, 0, sizeof(*fb));
	/* NV12: 8 bits a pixel, the half-height CbCr plane below the Y plane (even sizes). */
	ret = __dumb_create(fd, width, nv12 ? height + (height + 1) / 2 : height, nv12 ? 8 : cpp * 8, &d);
	if (ret)
		return ret;
	memset(&f, 0, sizeof(f));
	f.width = width;
	f.height = height;
	f.pixel_format = format;
	f.handles[0] = d.handle;
	f.pitches[0] = d.pitch;
	if (nv12) {
		f.handles[1] = d.handle;
		f.pitches[1] = d.pitch;
		f.offsets[1] = d.pitch * height;
	}
	if (igt_ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &f)) {
		ret = -errno;
		__dumb_destroy(fd, d.handle);
		return ret;
	}
	fb->fb_id = f.fb_id;
	fb->handle = d.handle;
	fb->format = format;
	fb->width = width;
	fb->height = height;
	fb->pitches[0] = f.pitches[0];
	fb->pitches[1] = f.pitches[1];
	fb->offsets[1] = f.offsets[1];
	fb->size = d.size;
	fb->map = mmap(NULL, d.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)dumb_map_offset(fd, d.handle));
	igt_assert_f(fb->map != MAP_FAILED, "mmap of a dumb buffer: %s\n", strerror(errno));
	return 0;
}

void kms_color_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format, kms_argb8 color,
			 struct kms_color_fb *fb)
{
	int ret = __kms_color_fb_create(fd, width, height, format, fb);

	igt_assert_f(ret == 0, "framebuffer %ux%u %.4s: %s\n", width, height, (const char *)&format,
		     strerror(-ret));
	kms_color_fb_fill(fb, 0, 0, width, height, color);
}

/* An 8-bit channel scaled to @bits, rounded: exact for 0x00 and 0xff. */
static uint32_t chan(kms_argb8 c, unsigned int shift, unsigned int bits)
{
	uint32_t v = (c >> shift) & 0xff, max = (1u << bits) - 1;

	return (v * max + 127) / 255;
}

static uint32_t pack_pixel(uint32_t format, kms_argb8 c)
{
	switch (format) {
	case DRM_FORMAT_XRGB8888: return c & 0xffffff;
	case DRM_FORMAT_ARGB8888: return c;
	case DRM_FORMAT_XBGR8888: return chan(c, 16, 8) | chan(c, 8, 8) << 8 | chan(c, 0, 8) << 16;
	case DRM_FORMAT_ABGR8888:
		return chan(c, 16, 8) | chan(c, 8, 8) << 8 | chan(c, 0, 8) << 16 | chan(c, 24, 8) << 24;
	case DRM_FORMAT_RGB565: return chan(c, 16, 5) << 11 | chan(c, 8, 6) << 5 | chan(c, 0, 5);
	case DRM_FORMAT_XRGB2101010:
		return chan(c, 16, 10) << 20 | chan(c, 8, 10) << 10 | chan(c, 0, 10);
	case DRM_FORMAT_ARGB2101010:
		return chan(c, 24, 2) << 30 | chan(c, 16, 10) << 20 | chan(c, 8, 10) << 10 | chan(c, 0, 10);
	}
	igt_assert_f(false, "no packing for %.4s\n", (const char *)&format);
	return 0;
}

/* BT.601 limited range (the kernel's default COLOR_ENCODING and COLOR_RANGE), rounded. */
static void rgb_to_ycbcr(kms_argb8 c, uint8_t *y, uint8_t *cb, uint8_t *cr)
{
	double r = ((c >> 16) & 0xff) / 255.0, g = ((c >> 8) & 0xff) / 255.0, b = (c & 0xff) / 255.0;
	double ey = 0.299 * r + 0.587 * g + 0.114 * b;

	*y = (uint8_t)(16.0 + 219.0 * ey + 0.5);
	*cb = (uint8_t)(128.0 + 224.0 * (b - ey) / 1.772 + 0.5);
	*cr = (uint8_t)(128.0 + 224.0 * (r - ey) / 1.402 + 0.5);
}

void kms_color_fb_fill(struct kms_color_fb *fb, int32_t x, int32_t y, uint32_t w, uint32_t h,
		       kms_argb8 color)
{
	int64_t x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
	int64_t x1 = (int64_t)x + w, y1 = (int64_t)y + h;

	if (x1 > fb->width)
		x1 = fb->width;
	if (y1 > fb->height)
		y1 = fb->height;
	if (fb->format == DRM_FORMAT_NV12) {
		uint8_t ly, cb, cr;

		rgb_to_ycbcr(color, &ly, &cb, &cr);
		for (int64_t row = y0; row < y1; row++) {
			memset(fb->map + row * fb->pitches[0] + x0, ly, (size_t)(x1 - x0));
			if (row % 2)
				continue;
			uint8_t *c = fb->map + fb->offsets[1] + (row / 2) * fb->pitches[1];
			for (int64_t col = x0 + (x0 & 1); col < x1; col += 2) {
				c[col] = cb;
				c[col + 1] = cr;
			}
		}
		return;
	}
	uint32_t cpp = packed_cpp(fb->format), px = pack_pixel(fb->format, color);

	for (int64_t row = y0; row < y1; row++) {
		uint8_t *p = fb->map + row * fb->pitches[0] + x0 * cpp;

		for (int64_t col = x0; col < x1; col++, p += cpp) {
			if (cpp == 4)
				memcpy(p, &px, 4);
			else
				memcpy(p, &(uint16_t){ (uint16_t)px }, 2);
		}
	}
}

void kms_color_fb_remove(int fd, struct kms_color_fb *fb)
{
	if (fb->map && fb->map != MAP_FAILED)
		munmap(fb->map, fb->size);
	if (fb->fb_id)
		__kms_fb_remove(fd, fb->fb_id);
	if (fb->handle)
		__dumb_destroy(fd, fb->handle);
	memset(fb, 0, sizeof(*fb));
}

void kms_pipe_use_smallest_mode(struct kms_pipe *pipe)
{
	for (uint32_t i = 0; i < pipe->n_modes; i++) {
		const struct drm_mode_modeinfo *m = &pipe->modes[i];

		if ((uint64_t)m->hdisplay * m->vdisplay < (uint64_t)pipe->mode.hdisplay * pipe->mode.vdisplay)
			pipe->mode = *m;
	}
	igt_debug("mode %s\n", pipe->mode.name);
}

void kms_pipe_set_primary_fb(int fd, const struct kms_pipe *pipe, uint32_t fb_id)
{
	struct kms_atomic req;
	int ret;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe->primary.id, DRM_MODE_OBJECT_PLANE, "FB_ID", fb_id);
	ret = kms_atomic_commit(fd, &req, 0, 0);
	igt_assert_f(ret == 0, "primary plane FB_ID %u: %s\n", fb_id, strerror(-ret));
}
