/* SPDX-License-Identifier: MIT */
/*
 * The legacy cursor ioctls, MODE_CURSOR and MODE_CURSOR2, on a CRTC with a universal cursor
 * plane, as Linux 6.1 implements them (drm_plane.c: drm_mode_cursor_common,
 * drm_mode_cursor_universal; drm_framebuffer.c: drm_internal_framebuffer_create).  A subset
 * of upstream IGT's kms_cursor_legacy and kms_cursor_crc (without CRCs).
 *
 * What the kernel does:
 *   - flags 0, or any flag but BO and MOVE: EINVAL; an unknown CRTC: ENOENT; a master ioctl.
 *   - BO with a handle wraps the buffer in an internal ARGB8888 framebuffer of width x height
 *     (not listed among the file's framebuffers), checked like ADDFB2 (a width above the
 *     device's max_width: EINVAL), and puts it on the cursor plane at the saved position;
 *     BO with handle 0 turns the cursor plane off.
 *   - MOVE sets the position, which is saved for later BO calls once the update succeeded,
 *     with or without a cursor shown.
 *   - Neither virtio_gpu nor vkms (6.1) checks the cursor size against DRM_CAP_CURSOR_WIDTH:
 *     the universal cursor path only runs the plane's atomic check (no scaling, any position);
 *     sizes outside mode_config's min/max framebuffer size are EINVAL.
 * The position is read back from the plane's CRTC_X/CRTC_Y properties when the driver lets
 * a second file set DRM_CLIENT_CAP_ATOMIC; otherwise only GETPLANE's crtc_id and fb_id.
 */
#include "igt.h"

#include <string.h>
#include <unistd.h>

struct cursor_ctx {
	int fd;     /* master, the cursor ioctls */
	int fa;     /* a second file with the atomic cap, -1 when the driver has none */
	struct kms_pipe pipe;
};

static void setup(struct cursor_ctx *c)
{
	c->fd = drm_open_primary();
	igt_require_pipe(c->fd, &c->pipe);
	igt_require_f(c->pipe.cursor.id, "the CRTC has no cursor plane\n");
	c->fa = drm_open_primary();
	if (!kms_try_atomic(c->fa)) {
		close(c->fa);
		c->fa = -1;
	}
	kms_pipe_legacy_on(c->fd, &c->pipe);
	/*
	 * A cursor outlives the file that set it (its framebuffer is internal).  The kernel's
	 * fbdev restore turns it off after the last close; a driver without fbdev keeps it.
	 */
	struct drm_mode_cursor off = { .flags = DRM_MODE_CURSOR_BO, .crtc_id = c->pipe.crtc_id };
	do_ioctl(c->fd, DRM_IOCTL_MODE_CURSOR, &off);
}

static int __cursor(int fd, uint32_t flags, uint32_t crtc, int32_t x, int32_t y, uint32_t w,
		    uint32_t h, uint32_t handle)
{
	struct drm_mode_cursor cur = { .flags = flags, .crtc_id = crtc, .x = x, .y = y,
				       .width = w, .height = h, .handle = handle };
	return igt_ioctl(fd, DRM_IOCTL_MODE_CURSOR, &cur) ? -errno : 0;
}

static void plane_state(int fd, uint32_t plane, uint32_t *crtc_id, uint32_t *fb_id)
{
	struct drm_mode_get_plane p;
	memset(&p, 0, sizeof(p));
	p.plane_id = plane;
	do_ioctl(fd, DRM_IOCTL_MODE_GETPLANE, &p);
	*crtc_id = p.crtc_id;
	*fb_id = p.fb_id;
}

static void expect_cursor(const struct cursor_ctx *c, bool on, int32_t x, int32_t y, uint32_t w,
			  uint32_t h)
{
	uint32_t crtc, fb;
	plane_state(c->fd, c->pipe.cursor.id, &crtc, &fb);
	if (!on) {
		igt_assert_eq(crtc, 0);
		igt_assert_eq(fb, 0);
		return;
	}
	igt_assert_eq(crtc, c->pipe.crtc_id);
	igt_assert_neq(fb, 0);
	if (c->fa < 0)
		return;
	const uint32_t id = c->pipe.cursor.id, t = DRM_MODE_OBJECT_PLANE;
	igt_assert_eq_u64(kms_prop_value(c->fa, id, t, "CRTC_X"), (uint64_t)(int64_t)x);
	igt_assert_eq_u64(kms_prop_value(c->fa, id, t, "CRTC_Y"), (uint64_t)(int64_t)y);
	igt_assert_eq_u64(kms_prop_value(c->fa, id, t, "CRTC_W"), w);
	igt_assert_eq_u64(kms_prop_value(c->fa, id, t, "CRTC_H"), h);
	igt_assert_eq_u64(kms_prop_value(c->fa, id, t, "SRC_W"), (uint64_t)w << 16);
	igt_assert_eq_u64(kms_prop_value(c->fa, id, t, "SRC_H"), (uint64_t)h << 16);
	igt_assert_eq_u64(kms_prop_value(c->fa, id, t, "FB_ID"), fb);
}

static uint32_t count_fbs(int fd)
{
	struct drm_mode_card_res res;
	memset(&res, 0, sizeof(res));
	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	return res.count_fbs;
}

static void cursor_on_off(void)
{
	struct cursor_ctx c;
	setup(&c);
	uint32_t bo = dumb_create(c.fd, 64, 64, 32, NULL, NULL);
	uint32_t fbs = count_fbs(c.fd);

	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE, c.pipe.crtc_id, 0, 0,
			       64, 64, bo),
		      0);
	expect_cursor(&c, true, 0, 0, 64, 64);
	/* The wrapping framebuffer is internal: not one of the file's. */
	igt_assert_eq(count_fbs(c.fd), fbs);
	/* A new BO replaces the old one. */
	uint32_t bo2 = dumb_create(c.fd, 32, 32, 32, NULL, NULL);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, 32, 32, bo2), 0);
	expect_cursor(&c, true, 0, 0, 32, 32);

	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, 0, 0, 0), 0);
	expect_cursor(&c, false, 0, 0, 0, 0);
	/* Off twice is fine. */
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, 0, 0, 0), 0);
	expect_cursor(&c, false, 0, 0, 0, 0);
}

static void cursor_move(void)
{
	struct cursor_ctx c;
	setup(&c);
	uint32_t bo = dumb_create(c.fd, 64, 64, 32, NULL, NULL);
	const int32_t pos[][2] = { { 100, 50 }, { -10, -20 }, { -63, -63 }, { 5000, 5000 },
				   { c.pipe.mode.hdisplay - 1, c.pipe.mode.vdisplay - 1 } };

	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE, c.pipe.crtc_id, 0, 0,
			       64, 64, bo),
		      0);
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_MOVE, c.pipe.crtc_id, pos[i][0],
				       pos[i][1], 0, 0, 0),
			      0);
		expect_cursor(&c, true, pos[i][0], pos[i][1], 64, 64);
	}

	/* A move with the cursor off keeps it off, but the position is saved for the next BO. */
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, 0, 0, 0), 0);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_MOVE, c.pipe.crtc_id, 30, 40, 0, 0, 0), 0);
	expect_cursor(&c, false, 0, 0, 0, 0);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, 64, 64, bo), 0);
	expect_cursor(&c, true, 30, 40, 64, 64);
}

static void cursor_invalid(void)
{
	struct cursor_ctx c;
	setup(&c);
	uint32_t bo = dumb_create(c.fd, 64, 64, 32, NULL, NULL);
	const uint32_t crtc = c.pipe.crtc_id;

	igt_assert_eq(__cursor(c.fd, 0, crtc, 0, 0, 64, 64, bo), -EINVAL);
	igt_assert_eq(__cursor(c.fd, 0x4, crtc, 0, 0, 64, 64, bo), -EINVAL);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO | 0x80, crtc, 0, 0, 64, 64, bo), -EINVAL);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, 0xdeadbeef, 0, 0, 64, 64, bo), -ENOENT);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.connector_id, 0, 0, 64, 64, bo),
		      -ENOENT);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_MOVE, 0, 0, 0, 0, 0, 0), -ENOENT);
	/* Wider than any framebuffer may be. */
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, crtc, 0, 0, c.pipe.max_width + 1, 64, bo),
		      -EINVAL);
	/*
	 * A handle that is no GEM object: the driver's fb_create refuses it, with ENOENT
	 * (drm_gem_fb_create, vkms) or EINVAL (virtio_gpu_user_framebuffer_create).
	 */
	int ret = __cursor(c.fd, DRM_MODE_CURSOR_BO, crtc, 0, 0, 64, 64, 0xdead);
	igt_assert_f(ret == -ENOENT || ret == -EINVAL, "bad handle: %s\n", strerror(-ret));
	expect_cursor(&c, false, 0, 0, 0, 0);
}

static void cursor_non_master(void)
{
	struct cursor_ctx c;
	setup(&c);
	int fd2 = drm_open_primary();
	uint32_t bo = dumb_create(fd2, 64, 64, 32, NULL, NULL);

	igt_assert(!igt_is_master(fd2));
	igt_assert_eq(__cursor(fd2, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, 64, 64, bo), -EACCES);
	igt_assert_eq(__cursor(fd2, DRM_MODE_CURSOR_MOVE, c.pipe.crtc_id, 5, 5, 0, 0, 0), -EACCES);
	struct drm_mode_cursor2 c2 = { .flags = DRM_MODE_CURSOR_BO, .crtc_id = c.pipe.crtc_id,
				       .width = 64, .height = 64, .handle = bo };
	errno = 0;
	igt_assert_eq(igt_ioctl(fd2, DRM_IOCTL_MODE_CURSOR2, &c2), -1);
	igt_assert_eq(errno, EACCES);
	errno = 0;
	expect_cursor(&c, false, 0, 0, 0, 0);
}

/*
 * Sizes: the cap's, the device's minimum framebuffer size, twice the cap (the cap is not
 * enforced on virtio_gpu/vkms 6.1); below the minimum framebuffer width or height: EINVAL
 * (drm_internal_framebuffer_create checks mode_config's min/max like ADDFB2).
 */
static void cursor_sizes(void)
{
	struct cursor_ctx c;
	setup(&c);
	uint32_t cw = (uint32_t)igt_get_cap(c.fd, DRM_CAP_CURSOR_WIDTH);
	uint32_t ch = (uint32_t)igt_get_cap(c.fd, DRM_CAP_CURSOR_HEIGHT);
	uint32_t minw = c.pipe.min_width ? c.pipe.min_width : 1;
	uint32_t minh = c.pipe.min_height ? c.pipe.min_height : 1;
	igt_require(cw && ch);
	igt_info("cursor cap %ux%u, framebuffers %ux%u to %ux%u\n", cw, ch, c.pipe.min_width,
		 c.pipe.min_height, c.pipe.max_width, c.pipe.max_height);
	const uint32_t sizes[][2] = { { cw, ch }, { minw, minh }, { cw * 2, ch * 2 } };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t w = sizes[i][0], h = sizes[i][1];
		if (w > c.pipe.max_width || h > c.pipe.max_height)
			continue;
		uint32_t bo = dumb_create(c.fd, w, h, 32, NULL, NULL);
		igt_assert_f(__cursor(c.fd, DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE,
				      c.pipe.crtc_id, 8, 8, w, h, bo) == 0,
			     "cursor %ux%u: %s\n", w, h, strerror(errno));
		expect_cursor(&c, true, 8, 8, w, h);
	}
	uint32_t bo = dumb_create(c.fd, cw, ch, 32, NULL, NULL);
	if (minw > 1)
		igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, minw - 1, ch, bo),
			      -EINVAL);
	if (minh > 1)
		igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, cw, minh - 1, bo),
			      -EINVAL);
	igt_assert_eq(__cursor(c.fd, DRM_MODE_CURSOR_BO, c.pipe.crtc_id, 0, 0, cw,
			       c.pipe.max_height + 1, bo),
		      -EINVAL);
}

static void cursor2_hotspot(void)
{
	struct cursor_ctx c;
	setup(&c);
	uint32_t bo = dumb_create(c.fd, 64, 64, 32, NULL, NULL);
	struct drm_mode_cursor2 c2 = { .flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE,
				       .crtc_id = c.pipe.crtc_id, .x = 20, .y = 30, .width = 64,
				       .height = 64, .handle = bo, .hot_x = 5, .hot_y = 6 };

	do_ioctl(c.fd, DRM_IOCTL_MODE_CURSOR2, &c2);
	expect_cursor(&c, true, 20, 30, 64, 64);
	c2.flags = 0;
	errno = 0;
	igt_assert_eq(igt_ioctl(c.fd, DRM_IOCTL_MODE_CURSOR2, &c2), -1);
	igt_assert_eq(errno, EINVAL);
	c2.flags = DRM_MODE_CURSOR_BO;
	c2.handle = 0;
	errno = 0;
	do_ioctl(c.fd, DRM_IOCTL_MODE_CURSOR2, &c2);
	expect_cursor(&c, false, 0, 0, 0, 0);
}

static const struct igt_subtest tests[] = {
	{ "cursor-on-off", cursor_on_off },
	{ "cursor-move", cursor_move },
	{ "cursor-invalid", cursor_invalid },
	{ "cursor-non-master", cursor_non_master },
	{ "cursor-sizes", cursor_sizes },
	{ "cursor2-hotspot", cursor2_hotspot },
};

IGT_MAIN(tests)
