/* SPDX-License-Identifier: MIT */
/*
 * Planes checked by CRC, a subset of upstream IGT's kms_plane (plane-position-covered,
 * plane-position-hole, pixel-format), kms_plane_alpha_blend (constant-alpha-min,
 * constant-alpha-max, alpha-transparent-fb, coverage-vs-premult-vs-constant) and
 * kms_plane_multiple (planes stacked by zpos).  Each subtest compares the CRC of a picture made
 * by several planes with the CRC of a reference: the same picture drawn into one XRGB8888
 * framebuffer on the primary plane alone.  The colours are made of channels 0x00 and 0xff only,
 * so every format and every blend gives exact values and equal pictures give equal CRCs.
 *
 * The rules are the kernel's: drm_blend.c (the "alpha" property 0..0xffff, "pixel blend mode"
 * None / Pre-multiplied / Coverage with its formulas, "zpos" with ties broken by plane index in
 * drm_atomic_normalize_zpos), drm_atomic_helper_check_plane_state (overlays may be anywhere,
 * partly off-screen, clipped to the CRTC).  Like vkms, the primary plane must cover the CRTC.
 *
 * Needs CRCs (igt_pipe_crc.h) and, but for pixel-format on the primary plane, overlay planes
 * (cuse-drm's vkms: overlays=N, the kernel's vkms: enable_overlay=1).  The test VM's
 * virtio_gpu has neither: every subtest skips there.
 */
#include "igt_pipe_crc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLANE DRM_MODE_OBJECT_PLANE

#define BLACK 0xff000000u
#define RED   0xffff0000u
#define GREEN 0xff00ff00u
#define BLUE  0xff0000ffu
#define WHITE 0xffffffffu
#define YELLOW 0xffffff00u

struct plane_data {
	int fd;
	struct kms_pipe pipe;
	uint32_t w, h;                    /* the mode's size, pixels */
	uint32_t mode_blob;
	uint32_t n_overlays;
	struct kms_plane overlays[KMS_MAX_PLANES];
	igt_pipe_crc_t *pc;
	struct kms_color_fb primary_fb;   /* what the primary plane shows by default */
};

/* The pipe, lit with a @bg primary framebuffer; its overlays; skips without CRCs. */
static void plane_data_open(struct plane_data *d, kms_argb8 bg)
{
	struct kms_atomic req;

	memset(d, 0, sizeof(*d));
	d->fd = drm_open_primary();
	igt_require_atomic(d->fd);
	igt_require_pipe(d->fd, &d->pipe);
	igt_require_pipe_crc(d->fd, d->pipe.crtc_index);
	kms_pipe_use_smallest_mode(&d->pipe);
	d->w = d->pipe.mode.hdisplay;
	d->h = d->pipe.mode.vdisplay;
	for (uint32_t i = 0; i < d->pipe.n_planes; i++) {
		const struct kms_plane *p = &d->pipe.planes[i];

		if (p->type == DRM_PLANE_TYPE_OVERLAY && (p->possible_crtcs & (1u << d->pipe.crtc_index)))
			d->overlays[d->n_overlays++] = *p;
	}
	d->mode_blob = kms_blob_create(d->fd, &d->pipe.mode, sizeof(d->pipe.mode));
	kms_color_fb_create(d->fd, d->w, d->h, DRM_FORMAT_XRGB8888, bg, &d->primary_fb);
	kms_atomic_clear(&req);
	kms_atomic_pipe_on(&req, d->fd, &d->pipe, d->mode_blob, &d->pipe.mode, d->primary_fb.fb_id);
	for (uint32_t i = 0; i < d->n_overlays; i++)
		kms_atomic_plane_off(&req, d->fd, d->overlays[i].id);
	igt_assert_eq(kms_atomic_commit(d->fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	d->pc = igt_pipe_crc_new(d->fd, d->pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
}

static void require_overlays(struct plane_data *d, uint32_t n)
{
	igt_require_f(d->n_overlays >= n, "%u overlay plane(s) on the pipe, %u needed\n", d->n_overlays, n);
}

static void commit(struct plane_data *d, struct kms_atomic *req)
{
	int ret = kms_atomic_commit(d->fd, req, 0, 0);

	igt_assert_f(ret == 0, "atomic commit: %s\n", strerror(-ret));
}

/* A plane showing all of @fb at (x, y), unscaled. */
static void plane_show(struct kms_atomic *req, struct plane_data *d, uint32_t plane_id,
		       const struct kms_color_fb *fb, int32_t x, int32_t y)
{
	kms_atomic_plane(req, d->fd, plane_id, d->pipe.crtc_id, fb->fb_id, x, y, fb->width, fb->height,
			 0, 0, fb->width << 16, fb->height << 16);
}

/* The CRC of what the CRTC shows now. */
static igt_crc_t crc_now(struct plane_data *d)
{
	igt_crc_t crc;

	igt_pipe_crc_collect_crc(d->pc, &crc);
	return crc;
}

/*
 * The reference: @fb (mode-sized XRGB8888) alone on the primary plane, overlays off.  The
 * overlays stay off afterwards; the primary plane shows d->primary_fb again.
 */
static igt_crc_t crc_reference(struct plane_data *d, const struct kms_color_fb *fb)
{
	struct kms_atomic req;
	igt_crc_t crc;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, d->fd, d->pipe.primary.id, PLANE, "FB_ID", fb->fb_id);
	for (uint32_t i = 0; i < d->n_overlays; i++)
		kms_atomic_plane_off(&req, d->fd, d->overlays[i].id);
	commit(d, &req);
	crc = crc_now(d);
	kms_pipe_set_primary_fb(d->fd, &d->pipe, d->primary_fb.fb_id);
	return crc;
}

static igt_crc_t crc_reference_color(struct plane_data *d, kms_argb8 color)
{
	struct kms_color_fb fb;
	igt_crc_t crc;

	kms_color_fb_create(d->fd, d->w, d->h, DRM_FORMAT_XRGB8888, color, &fb);
	crc = crc_reference(d, &fb);
	kms_color_fb_remove(d->fd, &fb);
	return crc;
}

static bool crc_equal_quiet(const igt_crc_t *a, const igt_crc_t *b)
{
	return a->n_words == b->n_words && memcmp(a->crc, b->crc, sizeof(uint32_t) * (size_t)a->n_words) == 0;
}

/*
 * plane-position-covered: a red primary plane under a blue overlay that covers the whole CRTC
 * looks like a blue primary plane alone.  A smaller overlay does not.
 */
static void plane_position_covered(void)
{
	struct plane_data d;
	struct kms_color_fb blue, small;
	struct kms_atomic req;
	igt_crc_t ref, crc;

	plane_data_open(&d, RED);
	require_overlays(&d, 1);
	ref = crc_reference_color(&d, BLUE);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, BLUE, &blue);
	kms_atomic_clear(&req);
	plane_show(&req, &d, d.overlays[0].id, &blue, 0, 0);
	commit(&d, &req);
	crc = crc_now(&d);
	igt_assert_crc_equal(&crc, &ref);

	kms_color_fb_create(d.fd, d.w - 2, d.h, DRM_FORMAT_XRGB8888, BLUE, &small);
	kms_atomic_clear(&req);
	plane_show(&req, &d, d.overlays[0].id, &small, 0, 0);
	commit(&d, &req);
	crc = crc_now(&d);
	igt_assert_f(!crc_equal_quiet(&crc, &ref), "an overlay 2 pixels short covered the screen\n");
}

/*
 * plane-position-hole: a green primary plane with a blue 64x48 overlay at (x, y) looks like a
 * green picture with a blue rectangle there, also when the overlay hangs off the left and top
 * edges (clipped); one pixel further right it does not.
 */
static void plane_position_hole(void)
{
	static const int32_t pos[][2] = { { 100, 60 }, { -32, -24 } };
	struct plane_data d;
	struct kms_color_fb blue, ref_fb;
	struct kms_atomic req;
	igt_crc_t ref, crc;

	plane_data_open(&d, GREEN);
	require_overlays(&d, 1);
	kms_color_fb_create(d.fd, 64, 48, DRM_FORMAT_XRGB8888, BLUE, &blue);
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		int32_t x = pos[i][0], y = pos[i][1];

		kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, GREEN, &ref_fb);
		kms_color_fb_fill(&ref_fb, x, y, 64, 48, BLUE);
		ref = crc_reference(&d, &ref_fb);
		kms_color_fb_remove(d.fd, &ref_fb);

		kms_atomic_clear(&req);
		plane_show(&req, &d, d.overlays[0].id, &blue, x, y);
		commit(&d, &req);
		crc = crc_now(&d);
		igt_info("overlay at (%d, %d)\n", x, y);
		igt_assert_crc_equal(&crc, &ref);

		kms_atomic_clear(&req);
		plane_show(&req, &d, d.overlays[0].id, &blue, x + 1, y);
		commit(&d, &req);
		crc = crc_now(&d);
		igt_assert_f(!crc_equal_quiet(&crc, &ref), "the overlay moved by a pixel, the CRC did not\n");
	}
}

/* The test picture: black, with red, green, blue and white rectangles (white only for YUV). */
static void draw_picture(struct kms_color_fb *fb, uint32_t format)
{
	uint32_t w = fb->width / 4 & ~1u, h = fb->height / 2 & ~1u;

	kms_color_fb_fill(fb, 0, 0, fb->width, fb->height, BLACK);
	if (format == DRM_FORMAT_NV12) {
		kms_color_fb_fill(fb, 2, 2, w, h, WHITE);
		kms_color_fb_fill(fb, (int32_t)(2 * w), (int32_t)h, w + 2, h - 4, WHITE);
		return;
	}
	kms_color_fb_fill(fb, 0, 0, w, h, RED);
	kms_color_fb_fill(fb, (int32_t)w, 0, w, h, GREEN);
	kms_color_fb_fill(fb, (int32_t)(2 * w), 0, w, h, BLUE);
	kms_color_fb_fill(fb, (int32_t)w, (int32_t)h, 2 * w, h / 2, WHITE);
}

/*
 * pixel-format: for each format the plane lists and this test can draw (XRGB8888, ARGB8888,
 * XBGR8888, ABGR8888, RGB565, XRGB2101010, ARGB2101010, and NV12 in black and white), the
 * picture drawn in that format on the primary plane, then on the first overlay (full screen,
 * over black), gives the CRC of the same picture in XRGB8888 on the primary plane.
 */
static void pixel_format(void)
{
	static const uint32_t formats[] = {
		DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888,
		DRM_FORMAT_RGB565, DRM_FORMAT_XRGB2101010, DRM_FORMAT_ARGB2101010, DRM_FORMAT_NV12,
	};
	struct plane_data d;
	igt_crc_t ref_rgb, ref_yuv;
	struct kms_color_fb ref_fb;
	unsigned int tested = 0, failed = 0;

	plane_data_open(&d, BLACK);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, BLACK, &ref_fb);
	draw_picture(&ref_fb, DRM_FORMAT_XRGB8888);
	ref_rgb = crc_reference(&d, &ref_fb);
	draw_picture(&ref_fb, DRM_FORMAT_NV12);
	ref_yuv = crc_reference(&d, &ref_fb);
	kms_color_fb_remove(d.fd, &ref_fb);

	/* The primary plane, then the first overlay (overlays share one format list). */
	for (int32_t p = -1; p < (d.n_overlays ? 1 : 0); p++) {
		const struct kms_plane *plane = p < 0 ? &d.pipe.primary : &d.overlays[p];
		struct kms_color_fb shown = { 0 };
		struct kms_atomic req;

		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
			struct kms_color_fb fb;
			igt_crc_t crc;
			bool yuv = formats[i] == DRM_FORMAT_NV12;

			if (!kms_plane_has_format(plane, formats[i]))
				continue;
			kms_color_fb_create(d.fd, d.w, d.h, formats[i], BLACK, &fb);
			draw_picture(&fb, formats[i]);
			kms_atomic_clear(&req);
			if (p < 0)
				kms_atomic_set(&req, d.fd, plane->id, PLANE, "FB_ID", fb.fb_id);
			else
				plane_show(&req, &d, plane->id, &fb, 0, 0);
			commit(&d, &req);
			/* The framebuffer shown before is off the plane now: remove it. */
			kms_color_fb_remove(d.fd, &shown);
			shown = fb;
			crc = crc_now(&d);
			tested++;
			if (!crc_equal_quiet(&crc, yuv ? &ref_yuv : &ref_rgb)) {
				igt_info("plane %u (%s): %.4s: CRC %08x, XRGB8888 %08x\n", plane->id,
					 p < 0 ? "primary" : "overlay", (const char *)&formats[i], crc.crc[0],
					 (yuv ? ref_yuv : ref_rgb).crc[0]);
				failed++;
			}
		}
		kms_atomic_clear(&req);
		if (p < 0)
			kms_atomic_set(&req, d.fd, plane->id, PLANE, "FB_ID", d.primary_fb.fb_id);
		else
			kms_atomic_plane_off(&req, d.fd, plane->id);
		commit(&d, &req);
		kms_color_fb_remove(d.fd, &shown);
	}
	igt_info("%u plane/format pairs, %u differ from XRGB8888\n", tested, failed);
	igt_assert(tested > 0);
	igt_assert_eq(failed, 0);
}

/* The value of the enum property @name's entry @entry on @plane; skips when there is none. */
static uint64_t plane_enum_value(struct plane_data *d, uint32_t plane, const char *name, const char *entry)
{
	uint32_t prop = kms_prop_id(d->fd, plane, PLANE, name);
	struct drm_mode_get_property gp;
	struct drm_mode_property_enum enums[16];

	igt_require_f(prop, "plane %u has no \"%s\" property\n", plane, name);
	memset(&gp, 0, sizeof(gp));
	gp.prop_id = prop;
	do_ioctl(d->fd, DRM_IOCTL_MODE_GETPROPERTY, &gp);
	igt_assert(gp.flags & DRM_MODE_PROP_ENUM);
	igt_assert(gp.count_enum_blobs <= 16);
	gp.enum_blob_ptr = (uintptr_t)enums;
	gp.count_values = 0;
	do_ioctl(d->fd, DRM_IOCTL_MODE_GETPROPERTY, &gp);
	for (uint32_t i = 0; i < gp.count_enum_blobs; i++)
		if (strcmp(enums[i].name, entry) == 0)
			return enums[i].value;
	igt_require_f(false, "\"%s\" has no entry \"%s\"\n", name, entry);
	return 0;
}

/* An overlay with @color in ARGB8888 over the whole CRTC, with plane @alpha. */
static igt_crc_t overlay_alpha_crc(struct plane_data *d, kms_argb8 color, uint64_t alpha,
				   const char *blend)
{
	struct kms_color_fb fb;
	struct kms_atomic req;
	igt_crc_t crc;
	uint32_t id = d->overlays[0].id;

	igt_require(kms_plane_has_format(&d->overlays[0], DRM_FORMAT_ARGB8888));
	igt_require_f(kms_prop_id(d->fd, id, PLANE, "alpha"), "no \"alpha\" property\n");
	kms_color_fb_create(d->fd, d->w, d->h, DRM_FORMAT_ARGB8888, color, &fb);
	kms_atomic_clear(&req);
	plane_show(&req, d, id, &fb, 0, 0);
	kms_atomic_set(&req, d->fd, id, PLANE, "alpha", alpha);
	if (blend)
		kms_atomic_set(&req, d->fd, id, PLANE, "pixel blend mode",
			       plane_enum_value(d, id, "pixel blend mode", blend));
	commit(d, &req);
	crc = crc_now(d);
	/* Back to the defaults: plane state outlives this file (drm_plane_create_*_property). */
	kms_atomic_clear(&req);
	kms_atomic_plane_off(&req, d->fd, id);
	kms_atomic_set(&req, d->fd, id, PLANE, "alpha", 0xffff);
	if (blend)
		kms_atomic_set(&req, d->fd, id, PLANE, "pixel blend mode",
			       plane_enum_value(d, id, "pixel blend mode", "Pre-multiplied"));
	commit(d, &req);
	kms_color_fb_remove(d->fd, &fb);
	return crc;
}

/* constant-alpha-min: an opaque red overlay with plane alpha 0 leaves the green primary. */
static void constant_alpha_min(void)
{
	struct plane_data d;
	igt_crc_t ref, crc;

	plane_data_open(&d, GREEN);
	require_overlays(&d, 1);
	ref = crc_reference_color(&d, GREEN);
	crc = overlay_alpha_crc(&d, RED, 0, NULL);
	igt_assert_crc_equal(&crc, &ref);
}

/* constant-alpha-max: with plane alpha 0xffff the opaque red overlay is all there is. */
static void constant_alpha_max(void)
{
	struct plane_data d;
	igt_crc_t ref, crc;

	plane_data_open(&d, GREEN);
	require_overlays(&d, 1);
	ref = crc_reference_color(&d, RED);
	crc = overlay_alpha_crc(&d, RED, 0xffff, NULL);
	igt_assert_crc_equal(&crc, &ref);
}

/*
 * alpha-transparent-fb: an overlay of transparent black (ARGB 0x00000000) shows the primary
 * plane, in the default blend mode (Pre-multiplied) and in Coverage.
 */
static void alpha_transparent_fb(void)
{
	struct plane_data d;
	igt_crc_t ref, crc;

	plane_data_open(&d, GREEN);
	require_overlays(&d, 1);
	ref = crc_reference_color(&d, GREEN);
	crc = overlay_alpha_crc(&d, 0x00000000, 0xffff, NULL);
	igt_assert_crc_equal(&crc, &ref);
	if (kms_prop_id(d.fd, d.overlays[0].id, PLANE, "pixel blend mode")) {
		crc = overlay_alpha_crc(&d, 0x00000000, 0xffff, "Coverage");
		igt_assert_crc_equal(&crc, &ref);
	}
}

/*
 * coverage-vs-premult-vs-constant: the pixel red with alpha 0 (ARGB 0x00ff0000) over green.
 * drm_blend.c's formulas, per channel, with plane alpha pa = 1 and pixel alpha fa = 0:
 *   None:           pa * fg + (1 - pa) * bg             = red
 *   Pre-multiplied: pa * fg + (1 - pa * fa) * bg        = red + green = yellow
 *   Coverage:       pa * fa * fg + (1 - pa * fa) * bg   = green
 */
static void coverage_vs_premult_vs_constant(void)
{
	static const struct { const char *mode; kms_argb8 expect; } cases[] = {
		{ "None", RED }, { "Pre-multiplied", YELLOW }, { "Coverage", GREEN },
	};
	struct plane_data d;

	plane_data_open(&d, GREEN);
	require_overlays(&d, 1);
	igt_require_f(kms_prop_id(d.fd, d.overlays[0].id, PLANE, "pixel blend mode"),
		      "no \"pixel blend mode\" property\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		igt_crc_t ref = crc_reference_color(&d, cases[i].expect);
		igt_crc_t crc = overlay_alpha_crc(&d, 0x00ff0000, 0xffff, cases[i].mode);

		igt_info("blend mode %s\n", cases[i].mode);
		igt_assert_crc_equal(&crc, &ref);
	}
}

/*
 * zpos ordering (kms_plane_multiple's stacking): two full-screen overlays, red (A) and blue
 * (B).  zpos A < B shows blue, A > B shows red, and equal zpos puts the plane with the higher
 * index on top (drm_atomic_normalize_zpos).  Skips when zpos is absent or immutable.
 */
static void zpos_ordering(void)
{
	struct plane_data d;
	struct kms_color_fb red, blue;
	struct drm_mode_get_property gp;
	uint64_t zmin, zmax;
	uint32_t a, b, prop;

	plane_data_open(&d, BLACK);
	require_overlays(&d, 2);
	a = d.overlays[0].id;
	b = d.overlays[1].id;
	prop = kms_prop_id(d.fd, a, PLANE, "zpos");
	igt_require_f(prop, "no \"zpos\" property\n");
	memset(&gp, 0, sizeof(gp));
	uint64_t range[2];
	gp.prop_id = prop;
	gp.values_ptr = (uintptr_t)range;
	gp.count_values = 2;
	do_ioctl(d.fd, DRM_IOCTL_MODE_GETPROPERTY, &gp);
	igt_require_f(!(gp.flags & DRM_MODE_PROP_IMMUTABLE), "zpos is immutable\n");
	igt_assert_eq(gp.count_values, 2);
	zmin = range[0];
	zmax = range[1];
	igt_require(zmax >= zmin + 2);

	uint64_t za0 = kms_prop_value(d.fd, a, PLANE, "zpos"), zb0 = kms_prop_value(d.fd, b, PLANE, "zpos");
	igt_crc_t ref_red = crc_reference_color(&d, RED), ref_blue = crc_reference_color(&d, BLUE);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, RED, &red);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, BLUE, &blue);
	const struct { uint64_t za, zb; bool red_on_top; } cases[] = {
		{ zmin + 1, zmin + 2, false },
		{ zmin + 2, zmin + 1, true },
		{ zmin + 1, zmin + 1, a > b },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kms_atomic req;
		igt_crc_t crc;

		kms_atomic_clear(&req);
		plane_show(&req, &d, a, &red, 0, 0);
		kms_atomic_set(&req, d.fd, a, PLANE, "zpos", cases[i].za);
		plane_show(&req, &d, b, &blue, 0, 0);
		kms_atomic_set(&req, d.fd, b, PLANE, "zpos", cases[i].zb);
		commit(&d, &req);
		crc = crc_now(&d);
		igt_info("zpos %llu (red, plane %u) and %llu (blue, plane %u): %s on top\n",
			 (unsigned long long)cases[i].za, a, (unsigned long long)cases[i].zb, b,
			 cases[i].red_on_top ? "red" : "blue");
		igt_assert_crc_equal(&crc, cases[i].red_on_top ? &ref_red : &ref_blue);
	}
	/* Back to the defaults: plane state outlives this file. */
	struct kms_atomic req;
	kms_atomic_clear(&req);
	kms_atomic_plane_off(&req, d.fd, a);
	kms_atomic_set(&req, d.fd, a, PLANE, "zpos", za0);
	kms_atomic_plane_off(&req, d.fd, b);
	kms_atomic_set(&req, d.fd, b, PLANE, "zpos", zb0);
	commit(&d, &req);
}

static const struct igt_subtest tests[] = {
	{ "plane-position-covered", plane_position_covered },
	{ "plane-position-hole", plane_position_hole },
	{ "pixel-format", pixel_format },
	{ "constant-alpha-min", constant_alpha_min },
	{ "constant-alpha-max", constant_alpha_max },
	{ "alpha-transparent-fb", alpha_transparent_fb },
	{ "coverage-vs-premult-vs-constant", coverage_vs_premult_vs_constant },
	{ "zpos-ordering", zpos_ordering },
};

IGT_MAIN(tests)
