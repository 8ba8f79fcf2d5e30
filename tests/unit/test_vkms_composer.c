/*
 * test_vkms_composer.c - vkms's composer (drivers/vkms/vkms_composer.c,
 * vkms_formats.c) against oracles nobody here wrote:
 *  - pixman composites the same framebuffer bytes: premultiplied OVER with a
 *    solid mask is the "Pre-multiplied" blend mode with plane alpha; "None"
 *    and "Coverage" are built from pixman primitives; rotation and reflection
 *    are pixman transforms built from the drm_blend.c description (reflect in
 *    source axes, then rotate counter clockwise).  It renders into an
 *    rgba_float image, so its own rounding stays far below one 8-bit step,
 *    and frames must match it within +-1 per 8-bit channel.
 *  - NV12: ITU-R BT.601 values written out below (limited range black,
 *    white and the 75% colour bars).
 *  - CRC: the CRC-32 check value of "123456789" and zlib's crc32().
 * Framebuffers come from dumb buffers and ADDFB2 through the core, so the
 * composer reads the layout the core made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pixman.h>
#include <zlib.h>

#include "harness.h"
#include "core/drm_driver.h"
#include "core/drm_internal.h"
#include "drivers/vkms/vkms.h"

#define W 64
#define H 48

/* ------------------------------------------------------------------ */
/* Framebuffers                                                         */
/* ------------------------------------------------------------------ */

/* struct tfb - a test framebuffer: its dumb buffer mapping and the core's fb. */
struct tfb {
	uint32_t id, handle, pitch, w, h, format;
	uint64_t size;
	uint8_t *map;
	struct drm_framebuffer *fb;
	/* Built by hand where ADDFB2 says no: formats no vkms plane takes (NV12, YUYV) and sizes
	 * under vkms's 20 x 20 minimum.  The fields are the ones ADDFB2 fills. */
	struct drm_framebuffer own;
};

/* Whether a vkms plane takes @format, so that ADDFB2 accepts it. */
static bool plane_takes(uint32_t format)
{
	for (unsigned int i = 0; i < vkms_plane_format_count; i++)
		if (vkms_plane_formats[i] == format)
			return true;
	return false;
}

static void tfb_make(struct test_dev *t, struct tfb *b, uint32_t w, uint32_t h, uint32_t format)
{
	const struct drm_format_info *info = drm_format_info(format);
	uint32_t rows = info->num_planes > 1 ? h + (h + 1) / 2 : h;
	struct drm_mode_create_dumb c = { .width = (w * info->cpp[0] + 3) / 4, .height = rows, .bpp = 32 };

	memset(b, 0, sizeof(*b));
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	b->handle = c.handle;
	b->pitch = c.pitch;
	b->size = c.size;
	b->w = w;
	b->h = h;
	b->format = format;
	b->map = test_map(t->master, c.handle, c.size);
	if (!plane_takes(format) || w < VKMS_XRES_MIN || h < VKMS_YRES_MIN) {
		b->own.format = info;
		b->own.width = w;
		b->own.height = h;
		b->own.pitches[0] = b->own.pitches[1] = c.pitch;
		b->own.offsets[1] = c.pitch * h;
		b->own.obj[0] = drm_gem_object_lookup(t->master, c.handle);
		if (info->num_planes > 1)
			b->own.obj[1] = b->own.obj[0];
		b->fb = &b->own;
	} else {
		struct drm_mode_fb_cmd2 r = { .width = w, .height = h, .pixel_format = format };

		r.handles[0] = c.handle;
		r.pitches[0] = c.pitch;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ADDFB2, &r), 0);
		b->id = r.fb_id;
		b->fb = drm_framebuffer_lookup(t->dev, r.fb_id);
		assert_non_null(b->fb);
	}
}

/* A deterministic byte stream (xorshift32). */
static uint32_t rng_state = 1;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/*
 * Fill @b with random pixels.  With @premul, colour channels are cut to the
 * pixel's alpha so the data is valid pre-multiplied colour.
 */
static void tfb_random(struct tfb *b, bool premul)
{
	const struct drm_format_info *info = drm_format_info(b->format);

	for (uint32_t y = 0; y < b->h; y++) {
		uint8_t *row = b->map + (size_t)y * b->pitch;

		for (uint32_t i = 0; i < b->w * info->cpp[0]; i++)
			row[i] = (uint8_t)rnd();
		if (!premul)
			continue;
		for (uint32_t x = 0; x < b->w; x++) {
			uint8_t *p = row + x * 4;

			if (b->format == DRM_FORMAT_ARGB8888 || b->format == DRM_FORMAT_ABGR8888) {
				for (int c = 0; c < 3; c++)
					if (p[c] > p[3])
						p[c] = p[3];
			} else if (b->format == DRM_FORMAT_ARGB2101010) {
				uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
					     (uint32_t)p[3] << 24;
				uint32_t amax = (v >> 30) * 1023 / 3, out = v & 0xc0000000u;

				for (int c = 0; c < 3; c++) {
					uint32_t ch = (v >> (10 * c)) & 0x3ff;

					out |= (ch > amax ? amax : ch) << (10 * c);
				}
				for (int k = 0; k < 4; k++)
					p[k] = (uint8_t)(out >> (8 * k));
			}
		}
	}
}

/* A visible plane state showing @b at (@x, @y), @w x @h, from source (@sx, @sy). */
static struct drm_plane_state plane(struct tfb *b, int32_t x, int32_t y, uint32_t w, uint32_t h,
				    uint32_t sx, uint32_t sy)
{
	struct drm_plane_state ps = {
		.fb = b->fb,
		.crtc_x = x,
		.crtc_y = y,
		.crtc_w = w,
		.crtc_h = h,
		.src_x = sx << 16,
		.src_y = sy << 16,
		.src_w = w << 16,
		.src_h = h << 16,
		.rotation = DRM_MODE_ROTATE_0,
		.alpha = DRM_BLEND_ALPHA_OPAQUE,
		.pixel_blend_mode = DRM_MODE_BLEND_PREMULTI,
		.visible = true,
	};

	return ps;
}

static void set_rotation(struct drm_plane_state *ps, uint32_t rotation)
{
	bool turned = rotation & (DRM_MODE_ROTATE_90 | DRM_MODE_ROTATE_270);

	ps->rotation = rotation;
	ps->src_w = (turned ? ps->crtc_h : ps->crtc_w) << 16;
	ps->src_h = (turned ? ps->crtc_w : ps->crtc_h) << 16;
}

/* ------------------------------------------------------------------ */
/* The pixman oracle                                                    */
/* ------------------------------------------------------------------ */

static pixman_format_code_t pixman_format(uint32_t drm, bool ignore_alpha)
{
	switch (drm) {
	case DRM_FORMAT_XRGB8888:
		return PIXMAN_x8r8g8b8;
	case DRM_FORMAT_ARGB8888:
		return ignore_alpha ? PIXMAN_x8r8g8b8 : PIXMAN_a8r8g8b8;
	case DRM_FORMAT_XBGR8888:
		return PIXMAN_x8b8g8r8;
	case DRM_FORMAT_ABGR8888:
		return ignore_alpha ? PIXMAN_x8b8g8r8 : PIXMAN_a8b8g8r8;
	case DRM_FORMAT_RGB565:
		return PIXMAN_r5g6b5;
	case DRM_FORMAT_XRGB2101010:
		return PIXMAN_x2r10g10b10;
	case DRM_FORMAT_ARGB2101010:
		return ignore_alpha ? PIXMAN_x2r10g10b10 : PIXMAN_a2r10g10b10;
	}
	fail_msg("no pixman format for %08x", drm);
	return 0;
}

/* struct oracle - pixman's frame: W x H rgba_float (R, G, B, A floats a pixel). */
struct oracle {
	float *px;
	pixman_image_t *img;
	uint32_t w, h;
};

static void oracle_init(struct oracle *o, uint32_t w, uint32_t h)
{
	pixman_color_t black = { 0, 0, 0, 0xffff };
	pixman_image_t *solid = pixman_image_create_solid_fill(&black);

	o->w = w;
	o->h = h;
	o->px = calloc((size_t)w * h, 16);
	assert_non_null(o->px);
	o->img = pixman_image_create_bits(PIXMAN_rgba_float, w, h, (uint32_t *)o->px, w * 16);
	assert_non_null(o->img);
	pixman_image_composite32(PIXMAN_OP_SRC, solid, NULL, o->img, 0, 0, 0, 0, 0, 0, w, h);
	pixman_image_unref(solid);
}

static void oracle_fini(struct oracle *o)
{
	pixman_image_unref(o->img);
	free(o->px);
}

/*
 * Set on @src the transform from CRTC-rectangle coordinates to framebuffer
 * coordinates for @ps.  It is built forwards, from the framebuffer to the
 * CRTC rectangle, in the order drm_blend.c gives (the rotation property's
 * doc: reflect in the source rectangle's axes, then rotate counter
 * clockwise); pixman keeps the inverse that sampling needs.
 */
static void oracle_set_transform(pixman_image_t *src, const struct drm_plane_state *ps)
{
	pixman_transform_t fwd, rev;
	pixman_fixed_t sw = pixman_int_to_fixed((int)(ps->src_w >> 16));
	pixman_fixed_t sh = pixman_int_to_fixed((int)(ps->src_h >> 16));
	pixman_fixed_t minx = INT32_MAX, miny = INT32_MAX;
	pixman_fixed_t c = pixman_fixed_1, s = 0;

	pixman_transform_init_identity(&fwd);
	pixman_transform_init_identity(&rev);
	assert_true(pixman_transform_translate(&fwd, &rev, -pixman_int_to_fixed((int)(ps->src_x >> 16)),
					       -pixman_int_to_fixed((int)(ps->src_y >> 16))));
	if (ps->rotation & DRM_MODE_REFLECT_X) {
		assert_true(pixman_transform_scale(&fwd, &rev, -pixman_fixed_1, pixman_fixed_1));
		assert_true(pixman_transform_translate(&fwd, &rev, sw, 0));
	}
	if (ps->rotation & DRM_MODE_REFLECT_Y) {
		assert_true(pixman_transform_scale(&fwd, &rev, pixman_fixed_1, -pixman_fixed_1));
		assert_true(pixman_transform_translate(&fwd, &rev, 0, sh));
	}
	/* y points down, so turning counter clockwise on screen by t is (cos t, -sin t). */
	if (ps->rotation & DRM_MODE_ROTATE_90) {
		c = 0;
		s = -pixman_fixed_1;
	} else if (ps->rotation & DRM_MODE_ROTATE_180) {
		c = -pixman_fixed_1;
	} else if (ps->rotation & DRM_MODE_ROTATE_270) {
		c = 0;
		s = pixman_fixed_1;
	}
	assert_true(pixman_transform_rotate(&fwd, &rev, c, s));
	/* Move the turned source rectangle's top-left corner to the CRTC rectangle's. */
	for (int k = 0; k < 4; k++) {
		pixman_vector_t v = { { pixman_int_to_fixed((int)(ps->src_x >> 16)) + ((k & 1) ? sw : 0),
					pixman_int_to_fixed((int)(ps->src_y >> 16)) + ((k & 2) ? sh : 0),
					pixman_fixed_1 } };

		assert_true(pixman_transform_point_3d(&fwd, &v));
		minx = v.vector[0] < minx ? v.vector[0] : minx;
		miny = v.vector[1] < miny ? v.vector[1] : miny;
	}
	assert_true(pixman_transform_translate(&fwd, &rev, -minx, -miny));
	assert_true(pixman_image_set_transform(src, &rev));
	assert_true(pixman_image_set_filter(src, PIXMAN_FILTER_NEAREST, NULL, 0));
}

/* Composite plane @ps (framebuffer bytes in @b) onto the oracle's frame. */
static void oracle_plane(struct oracle *o, const struct drm_plane_state *ps, const struct tfb *b)
{
	bool none = ps->pixel_blend_mode == DRM_MODE_BLEND_PIXEL_NONE;
	pixman_image_t *src = pixman_image_create_bits(pixman_format(b->format, none), b->w, b->h,
						       (uint32_t *)b->map, b->pitch);
	pixman_color_t alpha = { 0, 0, 0, ps->alpha };
	pixman_image_t *mask = pixman_image_create_solid_fill(&alpha);
	float *tmp_px = NULL;

	assert_non_null(src);
	if (ps->pixel_blend_mode == DRM_MODE_BLEND_COVERAGE) {
		/* Coverage: the colour is not pre-multiplied yet.  SRC of the colour (alpha
		 * ignored) through the pixel's own alpha as mask is colour * alpha, alpha. */
		pixman_image_t *color = src;
		pixman_image_t *own_alpha = pixman_image_create_bits(pixman_format(b->format, false), b->w,
								     b->h, (uint32_t *)b->map, b->pitch);
		pixman_image_t *opaque = pixman_image_create_bits(pixman_format(b->format, true), b->w, b->h,
								  (uint32_t *)b->map, b->pitch);

		tmp_px = calloc((size_t)b->w * b->h, 16);
		assert_non_null(tmp_px);
		src = pixman_image_create_bits(PIXMAN_rgba_float, b->w, b->h, (uint32_t *)tmp_px, b->w * 16);
		pixman_image_composite32(PIXMAN_OP_SRC, opaque, own_alpha, src, 0, 0, 0, 0, 0, 0, b->w, b->h);
		pixman_image_unref(color);
		pixman_image_unref(own_alpha);
		pixman_image_unref(opaque);
	}
	oracle_set_transform(src, ps);
	/* OVER with a solid mask: pa * fg + (1 - pa * fg.a) * bg. */
	pixman_image_composite32(PIXMAN_OP_OVER, src, mask, o->img, 0, 0, 0, 0, ps->crtc_x, ps->crtc_y,
				 (int)ps->crtc_w, (int)ps->crtc_h);
	pixman_image_unref(mask);
	pixman_image_unref(src);
	free(tmp_px);
}

static int to8f(float f)
{
	if (!(f > 0))
		return 0;
	if (f >= 1)
		return 255;
	return (int)(f * 255.0f + 0.5f);
}

/* Every pixel of @f, as 8-bit channels, within +-1 of the oracle's. */
static void assert_matches_oracle(const struct vkms_frame *f, const struct oracle *o, const char *what)
{
	int bad = 0;

	assert_int_equal(f->width, o->w);
	assert_int_equal(f->height, o->h);
	for (uint32_t y = 0; y < f->height; y++)
		for (uint32_t x = 0; x < f->width; x++) {
			const uint16_t *p = f->pixels + ((size_t)y * f->width + x) * 4;
			const float *q = o->px + ((size_t)y * o->w + x) * 4;

			assert_int_equal(p[0], 0xffff);
			for (int c = 0; c < 3; c++) {
				int ours = (p[c + 1] + 128) / 257, theirs = to8f(q[c]);

				if (abs(ours - theirs) > 1 && bad++ < 5)
					print_error("%s: (%u,%u) channel %d: ours %d pixman %d\n", what, x, y,
						    c, ours, theirs);
			}
		}
	if (bad)
		fail_msg("%s: %d channels differ from pixman by more than 1", what, bad);
}

/* Compose @n planes with vkms and with pixman and compare. */
static void compose_and_check(const struct drm_plane_state *ps, struct tfb *const *bufs, unsigned int n,
			      const char *what)
{
	const struct drm_plane_state *list[8];
	struct vkms_frame f;
	struct oracle o;

	assert_true(n <= 8);
	assert_int_equal(vkms_frame_init(&f, W, H), 0);
	oracle_init(&o, W, H);
	for (unsigned int i = 0; i < n; i++) {
		list[i] = &ps[i];
		oracle_plane(&o, &ps[i], bufs[i]);
	}
	assert_int_equal(vkms_compose_planes(list, n, &f), 0);
	assert_matches_oracle(&f, &o, what);
	oracle_fini(&o);
	vkms_frame_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Formats, alpha, blend modes, zpos, clipping, rotation                */
/* ------------------------------------------------------------------ */

static const uint32_t rgb_formats[] = {
	DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888,
	DRM_FORMAT_RGB565, DRM_FORMAT_XRGB2101010, DRM_FORMAT_ARGB2101010,
};

static void test_each_rgb_format(void **state)
{
	struct test_dev *t = *state;
	struct tfb bg, fg;
	struct tfb *bufs[2] = { &bg, &fg };
	char what[64];

	tfb_make(t, &bg, W, H, DRM_FORMAT_XRGB8888);
	tfb_random(&bg, false);
	for (size_t i = 0; i < sizeof(rgb_formats) / sizeof(rgb_formats[0]); i++) {
		struct drm_plane_state ps[2];
		char name[5];

		tfb_make(t, &fg, 40, 30, rgb_formats[i]);
		tfb_random(&fg, true);
		ps[0] = plane(&bg, 0, 0, W, H, 0, 0);
		ps[1] = plane(&fg, 5, 7, 40, 30, 0, 0);
		snprintf(what, sizeof(what), "format %s", drm_format_name(rgb_formats[i], name));
		compose_and_check(ps, bufs, 2, what);
		/* The format alone on a full-screen plane, too. */
		ps[0] = plane(&fg, 0, 0, 40, 30, 0, 0);
		compose_and_check(ps, bufs + 1, 1, what);
	}
}

/* vkms's own expansion: 8-bit v is v * 257 (vkms_formats.c), so 8-bit data survives exactly. */
static void test_channel_expansion(void **state)
{
	struct test_dev *t = *state;
	struct tfb b;
	struct drm_plane_state ps;
	const struct drm_plane_state *list[1] = { &ps };
	struct vkms_frame f;

	tfb_make(t, &b, 4, 1, DRM_FORMAT_XRGB8888);
	memcpy(b.map, (const uint8_t[]){ 0x00, 0x01, 0x80, 0x00, 0xff, 0xfe, 0x7f, 0x12, 0x10, 0x20, 0x30,
					 0x40, 0xff, 0xff, 0xff, 0xff },
	       16);
	ps = plane(&b, 0, 0, 4, 1, 0, 0);
	assert_int_equal(vkms_frame_init(&f, 4, 1), 0);
	assert_int_equal(vkms_compose_planes(list, 1, &f), 0);
	{
		const uint16_t want[16] = { 0xffff, 0x8080, 0x0101, 0x0000, 0xffff, 0x7f7f, 0xfefe, 0xffff,
					    0xffff, 0x3030, 0x2020, 0x1010, 0xffff, 0xffff, 0xffff, 0xffff };

		assert_memory_equal(f.pixels, want, sizeof(want));
	}
	vkms_frame_fini(&f);
	/* RGB565 and 2101010 scale to 0xffff: full and zero channels are exact. */
	tfb_make(t, &b, 2, 1, DRM_FORMAT_RGB565);
	memcpy(b.map, (const uint8_t[]){ 0xff, 0xff, 0x1f, 0x00 }, 4); /* white; blue */
	ps = plane(&b, 0, 0, 2, 1, 0, 0);
	assert_int_equal(vkms_frame_init(&f, 2, 1), 0);
	assert_int_equal(vkms_compose_planes(list, 1, &f), 0);
	{
		const uint16_t want[8] = { 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0, 0, 0xffff };

		assert_memory_equal(f.pixels, want, sizeof(want));
	}
	vkms_frame_fini(&f);
}

static void test_plane_alpha(void **state)
{
	struct test_dev *t = *state;
	const uint16_t alphas[] = { 0xffff, 0xc000, 0x8000, 0x1234, 0 };
	struct tfb bg, fg;
	struct tfb *bufs[2] = { &bg, &fg };

	tfb_make(t, &bg, W, H, DRM_FORMAT_XRGB8888);
	tfb_random(&bg, false);
	tfb_make(t, &fg, 50, 40, DRM_FORMAT_ARGB8888);
	tfb_random(&fg, true);
	for (size_t i = 0; i < sizeof(alphas) / sizeof(alphas[0]); i++) {
		struct drm_plane_state ps[2] = { plane(&bg, 0, 0, W, H, 0, 0), plane(&fg, 10, 4, 50, 40, 0, 0) };

		ps[1].alpha = alphas[i];
		compose_and_check(ps, bufs, 2, "plane alpha");
		/* Plane alpha on the bottom plane shows the black background through it. */
		ps[0].alpha = alphas[i];
		compose_and_check(ps, bufs, 2, "plane alpha, both planes");
	}
}

static void test_blend_modes(void **state)
{
	struct test_dev *t = *state;
	const uint16_t modes[] = { DRM_MODE_BLEND_PIXEL_NONE, DRM_MODE_BLEND_PREMULTI, DRM_MODE_BLEND_COVERAGE };
	const uint16_t alphas[] = { 0xffff, 0x6000 };
	const uint32_t formats[] = { DRM_FORMAT_ARGB8888, DRM_FORMAT_ABGR8888, DRM_FORMAT_ARGB2101010 };
	struct tfb bg, fg;
	struct tfb *bufs[2] = { &bg, &fg };

	tfb_make(t, &bg, W, H, DRM_FORMAT_XRGB8888);
	tfb_random(&bg, false);
	for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++)
		for (size_t m = 0; m < 3; m++) {
			tfb_make(t, &fg, 48, 32, formats[k]);
			/* Pre-multiplied data must be valid; None and Coverage take any colour. */
			tfb_random(&fg, modes[m] == DRM_MODE_BLEND_PREMULTI);
			for (size_t a = 0; a < 2; a++) {
				struct drm_plane_state ps[2] = { plane(&bg, 0, 0, W, H, 0, 0),
								 plane(&fg, 8, 8, 48, 32, 0, 0) };
				char what[64];

				ps[1].pixel_blend_mode = modes[m];
				ps[1].alpha = alphas[a];
				snprintf(what, sizeof(what), "blend mode %u, alpha %#x, format %zu", modes[m],
					 alphas[a], k);
				compose_and_check(ps, bufs, 2, what);
			}
		}
}

/* The three modes on one hand-made pixel, from drm_blend.c's formulas. */
static void test_blend_modes_by_hand(void **state)
{
	struct test_dev *t = *state;
	struct tfb bg, fg;
	struct vkms_frame f;
	/* fg: A 0x80, R 0x40, G 0xff, B 0; bg: R 0x10, G 0x20, B 0x30; plane alpha 0x8000. */
	const double pa = 32768.0 / 65535, fa = 128.0 / 255, fgc[3] = { 64, 255, 0 }, bgc[3] = { 16, 32, 48 };

	tfb_make(t, &bg, 1, 1, DRM_FORMAT_XRGB8888);
	memcpy(bg.map, (const uint8_t[]){ 0x30, 0x20, 0x10, 0x00 }, 4);
	tfb_make(t, &fg, 1, 1, DRM_FORMAT_ARGB8888);
	memcpy(fg.map, (const uint8_t[]){ 0x00, 0xff, 0x40, 0x80 }, 4);
	assert_int_equal(vkms_frame_init(&f, 1, 1), 0);
	for (uint16_t mode = 0; mode < 3; mode++) {
		struct drm_plane_state ps[2] = { plane(&bg, 0, 0, 1, 1, 0, 0), plane(&fg, 0, 0, 1, 1, 0, 0) };
		const struct drm_plane_state *list[2] = { &ps[0], &ps[1] };

		ps[1].alpha = 0x8000;
		ps[1].pixel_blend_mode = mode;
		assert_int_equal(vkms_compose_planes(list, 2, &f), 0);
		for (int c = 0; c < 3; c++) {
			double want = mode == DRM_MODE_BLEND_PIXEL_NONE ? pa * fgc[c] + (1 - pa) * bgc[c]
				      : mode == DRM_MODE_BLEND_PREMULTI ? pa * fgc[c] + (1 - pa * fa) * bgc[c]
									: pa * fa * fgc[c] + (1 - pa * fa) * bgc[c];
			double got = f.pixels[c + 1] / 257.0;

			if (want > 255)
				want = 255;
			if (got - want > 0.01 || want - got > 0.01)
				fail_msg("mode %u channel %d: got %f want %f", mode, c, got, want);
		}
		assert_int_equal(f.pixels[0], 0xffff);
	}
	vkms_frame_fini(&f);
}

static void test_zpos_three_planes(void **state)
{
	struct test_dev *t = *state;
	struct tfb a, b, c;
	struct tfb *bufs[3] = { &a, &b, &c }, *rev[3] = { &c, &b, &a };
	struct drm_plane_state ps[3], rps[3];
	const struct drm_plane_state *list[3], *rlist[3];
	struct vkms_frame f1, f2;

	tfb_make(t, &a, 40, 30, DRM_FORMAT_ARGB8888);
	tfb_make(t, &b, 40, 30, DRM_FORMAT_ABGR8888);
	tfb_make(t, &c, 40, 30, DRM_FORMAT_ARGB2101010);
	tfb_random(&a, true);
	tfb_random(&b, true);
	tfb_random(&c, true);
	ps[0] = plane(&a, 0, 0, 40, 30, 0, 0);
	ps[1] = plane(&b, 12, 9, 40, 30, 0, 0);
	ps[2] = plane(&c, 20, 15, 40, 30, 0, 0);
	ps[1].alpha = 0xb000;
	compose_and_check(ps, bufs, 3, "three planes");
	for (int i = 0; i < 3; i++) {
		rps[i] = ps[2 - i];
		list[i] = &ps[i];
		rlist[i] = &rps[i];
	}
	compose_and_check(rps, rev, 3, "three planes, reversed");
	/* The order is the blending order: reversed, the overlaps differ. */
	assert_int_equal(vkms_frame_init(&f1, W, H), 0);
	assert_int_equal(vkms_frame_init(&f2, W, H), 0);
	assert_int_equal(vkms_compose_planes(list, 3, &f1), 0);
	assert_int_equal(vkms_compose_planes(rlist, 3, &f2), 0);
	assert_memory_not_equal(f1.pixels, f2.pixels, (size_t)W * H * 8);
	vkms_frame_fini(&f1);
	vkms_frame_fini(&f2);
}

static void test_partly_off_screen(void **state)
{
	struct test_dev *t = *state;
	struct tfb bg, fg;
	struct tfb *bufs[2] = { &bg, &fg };
	const int32_t pos[][2] = { { -10, -7 }, { 40, 30 }, { -30, 20 }, { 50, -25 }, { -100, 0 }, { 64, 0 } };

	tfb_make(t, &bg, W, H, DRM_FORMAT_XRGB8888);
	tfb_random(&bg, false);
	tfb_make(t, &fg, 60, 50, DRM_FORMAT_ARGB8888);
	tfb_random(&fg, true);
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		/* A source rectangle inside the fb, offset from its corner. */
		struct drm_plane_state ps[2] = { plane(&bg, 0, 0, W, H, 0, 0),
						 plane(&fg, pos[i][0], pos[i][1], 40, 30, 13, 11) };

		compose_and_check(ps, bufs, 2, "partly off screen");
	}
	{
		/* Larger than the CRTC on every side. */
		struct drm_plane_state ps[2] = { plane(&bg, 0, 0, W, H, 0, 0), plane(&fg, -1, -1, 60, 50, 0, 0) };

		compose_and_check(ps, bufs, 2, "over every edge");
	}
}

static void test_rotation_and_reflection(void **state)
{
	struct test_dev *t = *state;
	const uint32_t rotations[] = { DRM_MODE_ROTATE_0, DRM_MODE_ROTATE_90, DRM_MODE_ROTATE_180,
				       DRM_MODE_ROTATE_270 };
	const uint32_t reflections[] = { 0, DRM_MODE_REFLECT_X, DRM_MODE_REFLECT_Y,
					 DRM_MODE_REFLECT_X | DRM_MODE_REFLECT_Y };
	const int32_t pos[][2] = { { 6, 5 }, { -9, -4 }, { 30, 25 } };
	struct tfb bg, fg;
	struct tfb *bufs[2] = { &bg, &fg };

	tfb_make(t, &bg, W, H, DRM_FORMAT_XRGB8888);
	tfb_random(&bg, false);
	tfb_make(t, &fg, 50, 45, DRM_FORMAT_ARGB8888);
	tfb_random(&fg, true);
	for (size_t r = 0; r < 4; r++)
		for (size_t f = 0; f < 4; f++)
			for (size_t p = 0; p < 3; p++) {
				/* A 37 x 22 CRTC rectangle; its source is 22 x 37 when turned. */
				struct drm_plane_state ps[2] = { plane(&bg, 0, 0, W, H, 0, 0),
								 plane(&fg, pos[p][0], pos[p][1], 37, 22, 5, 3) };
				char what[64];

				set_rotation(&ps[1], rotations[r] | reflections[f]);
				snprintf(what, sizeof(what), "rotation %#x at (%d,%d)", ps[1].rotation, pos[p][0],
					 pos[p][1]);
				compose_and_check(ps, bufs, 2, what);
			}
}

/*
 * The examples of drm_plane_create_rotation_property()'s documentation, on
 * a 2 x 2 source whose pixels are o (top-left), + (top-right), v, x:
 * ROTATE_90 puts + at the top-left and o at the bottom-left; REFLECT_X
 * mirrors left and right; ROTATE_90 | REFLECT_X reflects first:
 * o at top-left, + at bottom-left.
 */
static void test_rotation_doc_examples(void **state)
{
	struct test_dev *t = *state;
	const struct {
		uint32_t rotation;
		uint8_t want[4]; /* top-left, top-right, bottom-left, bottom-right as source indices */
	} cases[] = {
		{ DRM_MODE_ROTATE_0, { 0, 1, 2, 3 } },
		{ DRM_MODE_REFLECT_X | DRM_MODE_ROTATE_0, { 1, 0, 3, 2 } },
		{ DRM_MODE_REFLECT_Y | DRM_MODE_ROTATE_0, { 2, 3, 0, 1 } },
		{ DRM_MODE_ROTATE_90, { 1, 3, 0, 2 } },
		{ DRM_MODE_ROTATE_180, { 3, 2, 1, 0 } },
		{ DRM_MODE_ROTATE_270, { 2, 0, 3, 1 } },
		{ DRM_MODE_ROTATE_90 | DRM_MODE_REFLECT_X, { 0, 2, 1, 3 } },
	};
	struct tfb b;
	struct vkms_frame f;

	tfb_make(t, &b, 2, 2, DRM_FORMAT_XRGB8888);
	/* Source pixel i has blue = 10 * (i + 1). */
	for (int i = 0; i < 4; i++)
		b.map[(i / 2) * b.pitch + (i % 2) * 4] = (uint8_t)(10 * (i + 1));
	assert_int_equal(vkms_frame_init(&f, 2, 2), 0);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct drm_plane_state ps = plane(&b, 0, 0, 2, 2, 0, 0);
		const struct drm_plane_state *list[1] = { &ps };

		set_rotation(&ps, cases[k].rotation);
		assert_int_equal(vkms_compose_planes(list, 1, &f), 0);
		for (int i = 0; i < 4; i++)
			if (f.pixels[i * 4 + 3] != 257 * 10 * (cases[k].want[i] + 1))
				fail_msg("rotation %#x: CRTC pixel %d shows %u, want source %u", cases[k].rotation,
					 i, f.pixels[i * 4 + 3] / 2570 - 1, cases[k].want[i]);
	}
	vkms_frame_fini(&f);
}

/* ------------------------------------------------------------------ */
/* NV12                                                                 */
/* ------------------------------------------------------------------ */

/*
 * ITU-R BT.601 with 8-bit limited range (Rec. 601 section 2.5.3: Y' = 16 +
 * 219 E'Y, Cb/Cr = 128 + 224 E'C) gives, for the 75% colour bars (EBU/SMPTE,
 * R'G'B' 0.75 or 0), these Y'CbCr codes; black is 16/128/128 and white
 * 235/128/128.  8-bit RGB is round(255 * E').
 */
static const struct {
	uint8_t y, cb, cr, r, g, b;
} bt601_bars[] = {
	{ 235, 128, 128, 255, 255, 255 }, /* 100% white */
	{ 180, 128, 128, 191, 191, 191 }, /* 75% white */
	{ 162, 44, 142, 191, 191, 0 },    /* yellow */
	{ 131, 156, 44, 0, 191, 191 },    /* cyan */
	{ 112, 72, 58, 0, 191, 0 },       /* green */
	{ 84, 184, 198, 191, 0, 191 },    /* magenta */
	{ 65, 100, 212, 191, 0, 0 },      /* red */
	{ 35, 212, 114, 0, 0, 191 },      /* blue */
	{ 16, 128, 128, 0, 0, 0 },        /* black */
};
#define NBARS (sizeof(bt601_bars) / sizeof(bt601_bars[0]))

/* Paint bar i on the 2-pixel wide column pair 2i..2i+1 of an NV12 fb @b. */
static void nv12_bars(struct tfb *b)
{
	uint8_t *luma = b->map, *chroma = b->map + (size_t)b->pitch * b->h;

	for (uint32_t y = 0; y < b->h; y++)
		for (uint32_t x = 0; x < b->w; x++)
			luma[y * b->pitch + x] = bt601_bars[(x / 2) % NBARS].y;
	for (uint32_t y = 0; y < b->h / 2; y++)
		for (uint32_t x = 0; x < b->w / 2; x++) {
			chroma[y * b->pitch + 2 * x] = bt601_bars[x % NBARS].cb;
			chroma[y * b->pitch + 2 * x + 1] = bt601_bars[x % NBARS].cr;
		}
}

static void test_nv12_bt601(void **state)
{
	struct test_dev *t = *state;
	struct tfb b;
	struct vkms_frame f;
	struct drm_plane_state ps;
	const struct drm_plane_state *list[1] = { &ps };

	tfb_make(t, &b, 2 * NBARS, 4, DRM_FORMAT_NV12);
	nv12_bars(&b);
	ps = plane(&b, 0, 0, 2 * NBARS, 4, 0, 0);
	assert_int_equal(vkms_frame_init(&f, 2 * NBARS, 4), 0);
	assert_int_equal(vkms_compose_planes(list, 1, &f), 0);
	for (uint32_t y = 0; y < 4; y++)
		for (uint32_t x = 0; x < 2 * NBARS; x++) {
			const uint16_t *p = f.pixels + (y * 2 * NBARS + x) * 4;
			const uint8_t want[3] = { bt601_bars[x / 2].r, bt601_bars[x / 2].g, bt601_bars[x / 2].b };

			assert_int_equal(p[0], 0xffff);
			for (int c = 0; c < 3; c++)
				if (abs((p[c + 1] + 128) / 257 - want[c]) > 1)
					fail_msg("bar %u channel %d: %u, want %u", x / 2, c, (p[c + 1] + 128) / 257,
						 want[c]);
		}
	/* Limited range ends are exact: Y' 16 is 0, Y' 235 is full scale. */
	assert_int_equal(f.pixels[1], 0xffff);
	assert_int_equal(f.pixels[(2 * NBARS - 1) * 4 + 1], 0);
	vkms_frame_fini(&f);
}

/* Each pixel takes the chroma of its own 2x2 block, also when the plane is turned. */
static void test_nv12_chroma_blocks(void **state)
{
	struct test_dev *t = *state;
	struct tfb b;
	struct vkms_frame f;
	struct drm_plane_state ps;
	const struct drm_plane_state *list[1] = { &ps };
	/* 4 x 4 pixels, 2 x 2 chroma blocks: red, green / blue, yellow (75% bars); Y' per block too. */
	const int block_bar[4] = { 6, 4, 7, 2 };

	tfb_make(t, &b, 4, 4, DRM_FORMAT_NV12);
	for (uint32_t y = 0; y < 4; y++)
		for (uint32_t x = 0; x < 4; x++)
			b.map[y * b.pitch + x] = bt601_bars[block_bar[(y / 2) * 2 + x / 2]].y;
	for (int k = 0; k < 4; k++) {
		uint8_t *c = b.map + (size_t)b.pitch * 4 + (k / 2) * b.pitch + (k % 2) * 2;

		c[0] = bt601_bars[block_bar[k]].cb;
		c[1] = bt601_bars[block_bar[k]].cr;
	}
	assert_int_equal(vkms_frame_init(&f, 4, 4), 0);
	for (int rot = 0; rot < 2; rot++) {
		ps = plane(&b, 0, 0, 4, 4, 0, 0);
		set_rotation(&ps, rot ? DRM_MODE_ROTATE_90 : DRM_MODE_ROTATE_0);
		assert_int_equal(vkms_compose_planes(list, 1, &f), 0);
		for (uint32_t y = 0; y < 4; y++)
			for (uint32_t x = 0; x < 4; x++) {
				/* ROTATE_90 shows source (3 - y, x) at (x, y). */
				uint32_t sx = rot ? 3 - y : x, sy = rot ? x : y;
				int bar = block_bar[(sy / 2) * 2 + sx / 2];
				const uint16_t *p = f.pixels + (y * 4 + x) * 4;

				assert_true(abs((p[1] + 128) / 257 - bt601_bars[bar].r) <= 1);
				assert_true(abs((p[2] + 128) / 257 - bt601_bars[bar].g) <= 1);
				assert_true(abs((p[3] + 128) / 257 - bt601_bars[bar].b) <= 1);
			}
	}
	vkms_frame_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

static void test_bad_input(void **state)
{
	struct test_dev *t = *state;
	struct tfb good, yuyv, lying;
	struct vkms_frame f, none = { 0 };
	struct drm_plane_state ps[2];
	const struct drm_plane_state *list[2] = { &ps[0], &ps[1] }, *nul[1] = { NULL };

	assert_int_equal(vkms_frame_init(&f, 0, 10), -EINVAL);
	assert_null(f.pixels);
	vkms_frame_fini(&f);
	vkms_frame_fini(&f);
	assert_int_equal(vkms_frame_init(&f, 8, 8), 0);
	memset(f.pixels, 0x5a, 8 * 8 * 8);

	tfb_make(t, &good, 8, 8, DRM_FORMAT_XRGB8888);
	tfb_make(t, &yuyv, 8, 8, DRM_FORMAT_YUYV); /* the core knows it, the composer does not */
	ps[0] = plane(&good, 0, 0, 8, 8, 0, 0);
	ps[1] = plane(&yuyv, 0, 0, 8, 8, 0, 0);
	assert_int_equal(vkms_compose_planes(list, 2, &f), -EINVAL);
	/* Nothing was drawn: the check comes first. */
	for (size_t i = 0; i < 8 * 8 * 4; i++)
		assert_int_equal(f.pixels[i], 0x5a5a);
	assert_int_equal(vkms_compose_planes(nul, 1, &f), -EINVAL);
	assert_int_equal(vkms_compose_planes(list, 1, &none), -EINVAL);

	/* A framebuffer claiming more than its object holds is not read. */
	tfb_make(t, &lying, 8, 8, DRM_FORMAT_NV12);
	lying.own.offsets[1] = (uint32_t)lying.size;
	ps[1] = plane(&lying, 0, 0, 8, 8, 0, 0);
	assert_int_equal(vkms_compose_planes(list, 2, &f), -EINVAL);
	lying.own.offsets[1] = lying.pitch * 8;
	lying.own.obj[1] = NULL;
	assert_int_equal(vkms_compose_planes(list, 2, &f), -EINVAL);

	/* Planes that show nothing are skipped; zero planes is black. */
	ps[1].visible = false;
	assert_int_equal(vkms_compose_planes(list, 2, &f), 0);
	ps[1].visible = true;
	ps[1].fb = NULL;
	assert_int_equal(vkms_compose_planes(list, 2, &f), 0);
	assert_int_equal(vkms_compose_planes(NULL, 0, &f), 0);
	for (size_t i = 0; i < 8 * 8; i++) {
		const uint16_t black[4] = { 0xffff, 0, 0, 0 };

		assert_memory_equal(f.pixels + i * 4, black, sizeof(black));
	}

	/*
	 * A source that runs off the fb shows what is below there: nothing outside
	 * the fb is read.  The whole object is white, the fb is its top-left 8 x 8
	 * pixels with a wider pitch, so a read past an edge would show white.
	 */
	memset(good.map, 0xff, good.size);
	good.own.pitches[0] = 64;
	for (int rot = 0; rot < 2; rot++) {
		ps[1] = plane(&good, 0, 0, 8, 8, 4, 4);
		set_rotation(&ps[1], rot ? DRM_MODE_ROTATE_180 : DRM_MODE_ROTATE_0);
		assert_int_equal(vkms_compose_planes(list + 1, 1, &f), 0);
		for (uint32_t y = 0; y < 8; y++)
			for (uint32_t x = 0; x < 8; x++) {
				/* ROTATE_180 shows source (11 - x, 11 - y) at (x, y). */
				uint32_t sx = rot ? 11 - x : 4 + x, sy = rot ? 11 - y : 4 + y;

				assert_int_equal(f.pixels[(y * 8 + x) * 4 + 1], sx < 8 && sy < 8 ? 0xffff : 0);
			}
	}
	vkms_frame_fini(&f);
}

/* ------------------------------------------------------------------ */
/* CRC                                                                  */
/* ------------------------------------------------------------------ */

static void test_crc32(void **state)
{
	struct test_dev *t = *state;
	uint8_t buf[300];
	struct tfb b;
	struct drm_plane_state ps;
	const struct drm_plane_state *list[1] = { &ps };
	struct vkms_frame f1, f2;
	uint32_t crc;

	/* The CRC-32 check value (IEEE 802.3; e.g. the "Catalogue of parametrised CRC algorithms"). */
	assert_int_equal(~vkms_crc32_le(~0u, "123456789", 9), 0xcbf43926u);
	/* zlib's crc32() is ~crc32_le(~seed) for every length and alignment. */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 7)
			assert_int_equal(~vkms_crc32_le(~0u, buf + off, len), (uint32_t)crc32(0, buf + off, (uInt)len));
	/* Chained: crc32_le(crc32_le(0, a), b) is crc32_le(0, a b), as vkms's per-row use needs. */
	assert_int_equal(vkms_crc32_le(vkms_crc32_le(0, buf, 100), buf + 100, 200), vkms_crc32_le(0, buf, 300));

	tfb_make(t, &b, W, H, DRM_FORMAT_XRGB8888);
	tfb_random(&b, false);
	ps = plane(&b, 0, 0, W, H, 0, 0);
	assert_int_equal(vkms_frame_init(&f1, W, H), 0);
	assert_int_equal(vkms_frame_init(&f2, W, H), 0);
	assert_int_equal(vkms_compose_planes(list, 1, &f1), 0);
	assert_int_equal(vkms_compose_planes(list, 1, &f2), 0);
	crc = vkms_frame_crc32(&f1);
	assert_int_equal(crc, vkms_frame_crc32(&f2));
	/* crc32_le(0, frame bytes), seen through zlib. */
	assert_int_equal(crc, (uint32_t)~crc32(0xffffffffu, (const Bytef *)f1.pixels, W * H * 8));
	/* One pixel, one channel, one step: another CRC. */
	b.map[17 * b.pitch + 23 * 4 + 1] ^= 1;
	assert_int_equal(vkms_compose_planes(list, 1, &f2), 0);
	assert_int_not_equal(vkms_frame_crc32(&f2), crc);
	b.map[17 * b.pitch + 23 * 4 + 1] ^= 1;
	assert_int_equal(vkms_compose_planes(list, 1, &f2), 0);
	assert_int_equal(vkms_frame_crc32(&f2), crc);
	vkms_frame_fini(&f1);
	vkms_frame_fini(&f2);
}

/* ------------------------------------------------------------------ */
/* Writeback                                                            */
/* ------------------------------------------------------------------ */

/* A frame with everything in it: random primary, translucent overlay, an NV12 strip. */
static void rich_frame(struct test_dev *t, struct vkms_frame *f, struct tfb *bufs)
{
	struct drm_plane_state ps[3];
	const struct drm_plane_state *list[3] = { &ps[0], &ps[1], &ps[2] };

	tfb_make(t, &bufs[0], W, H, DRM_FORMAT_XRGB2101010);
	tfb_random(&bufs[0], false);
	tfb_make(t, &bufs[1], 30, 30, DRM_FORMAT_ARGB8888);
	tfb_random(&bufs[1], true);
	tfb_make(t, &bufs[2], 2 * NBARS, 8, DRM_FORMAT_NV12);
	nv12_bars(&bufs[2]);
	ps[0] = plane(&bufs[0], 0, 0, W, H, 0, 0);
	ps[1] = plane(&bufs[1], 20, 10, 30, 30, 0, 0);
	ps[1].alpha = 0x9000;
	ps[2] = plane(&bufs[2], 0, 40, 2 * NBARS, 8, 0, 0);
	assert_int_equal(vkms_frame_init(f, W, H), 0);
	assert_int_equal(vkms_compose_planes(list, 3, f), 0);
}

static unsigned int quantize(unsigned int v, unsigned int bits)
{
	unsigned int max = (1u << bits) - 1, q = (v * max + 32767) / 65535;

	return (q * 65535 + max / 2) / max;
}

static void test_writeback(void **state)
{
	struct test_dev *t = *state;
	struct tfb bufs[3], wb;
	struct vkms_frame f, back;
	float *fl = calloc((size_t)W * H, 16);
	pixman_image_t *ffl;

	assert_non_null(fl);
	rich_frame(t, &f, bufs);
	/* The frame as pixman's rgba_float: the oracle converts it to each 8-bit and 565 format. */
	for (size_t i = 0; i < (size_t)W * H; i++)
		for (int c = 0; c < 4; c++)
			fl[i * 4 + c] = f.pixels[i * 4 + (c + 1) % 4] / 65535.0f;
	ffl = pixman_image_create_bits(PIXMAN_rgba_float, W, H, (uint32_t *)fl, W * 16);
	assert_int_equal(vkms_frame_init(&back, W, H), 0);

	for (unsigned int k = 0; k < vkms_writeback_format_count; k++) {
		uint32_t format = vkms_writeback_formats[k];
		struct drm_plane_state ps;
		const struct drm_plane_state *list[1] = { &ps };

		tfb_make(t, &wb, W, H, format);
		assert_int_equal(vkms_frame_write_fb(&f, wb.fb), 0);
		if (format == DRM_FORMAT_XRGB16161616 || format == DRM_FORMAT_ARGB16161616) {
			/* drm_fourcc.h: [63:0] A:R:G:B 16:16:16:16 little endian. */
			for (uint32_t y = 0; y < H; y++)
				for (uint32_t x = 0; x < W; x++) {
					const uint8_t *p = wb.map + y * wb.pitch + x * 8;
					const uint16_t *q = f.pixels + (y * W + x) * 4;

					assert_int_equal(p[0] | p[1] << 8, q[3]);
					assert_int_equal(p[2] | p[3] << 8, q[2]);
					assert_int_equal(p[4] | p[5] << 8, q[1]);
					assert_int_equal(p[6] | p[7] << 8, 0xffff);
				}
		} else {
			/* pixman converts the same frame; +-1 step of the format's channels. */
			pixman_format_code_t pf = format == DRM_FORMAT_RGB565 ? PIXMAN_r5g6b5
						  : format == DRM_FORMAT_ARGB8888 ? PIXMAN_a8r8g8b8
										  : PIXMAN_x8r8g8b8;
			uint32_t cpp = format == DRM_FORMAT_RGB565 ? 2 : 4;
			uint8_t *ref = calloc(H, (size_t)W * 4);
			pixman_image_t *dst = pixman_image_create_bits(pf, W, H, (uint32_t *)ref, W * 4);

			pixman_image_composite32(PIXMAN_OP_SRC, ffl, NULL, dst, 0, 0, 0, 0, 0, 0, W, H);
			for (uint32_t y = 0; y < H; y++)
				for (uint32_t x = 0; x < W; x++) {
					const uint8_t *p = wb.map + y * wb.pitch + x * cpp;
					const uint8_t *r = ref + (size_t)y * W * 4 + x * cpp;

					if (cpp == 2) {
						unsigned int a = p[0] | p[1] << 8, b = r[0] | r[1] << 8;

						if (abs((int)(a >> 11) - (int)(b >> 11)) > 1 ||
						    abs((int)((a >> 5) & 63) - (int)((b >> 5) & 63)) > 1 ||
						    abs((int)(a & 31) - (int)(b & 31)) > 1)
							fail_msg("RGB565 (%u,%u): %04x, pixman %04x (frame %04x %04x %04x)",
								 x, y, a, b, f.pixels[(y * W + x) * 4 + 1],
								 f.pixels[(y * W + x) * 4 + 2], f.pixels[(y * W + x) * 4 + 3]);
					} else {
						for (int c = 0; c < 3; c++)
							assert_true(abs(p[c] - r[c]) <= 1);
						assert_int_equal(p[3], 0xff); /* X channel, or the opaque frame's A */
					}
				}
			pixman_image_unref(dst);
			free(ref);
		}
		/* Round trip: read back as a plane, it is the frame at the format's precision. */
		ps = plane(&wb, 0, 0, W, H, 0, 0);
		assert_int_equal(vkms_compose_planes(list, 1, &back), 0);
		for (size_t i = 0; i < (size_t)W * H * 4; i++) {
			unsigned int v = f.pixels[i], want = v;

			if (i % 4 == 0)
				want = 0xffff;
			else if (format == DRM_FORMAT_RGB565)
				want = quantize(v, i % 4 == 2 ? 6 : 5);
			else if (format == DRM_FORMAT_ARGB8888 || format == DRM_FORMAT_XRGB8888)
				want = quantize(v, 8);
			if (back.pixels[i] != want)
				fail_msg("format %08x: round trip of channel %zu: %u, want %u", format, i,
					 back.pixels[i], want);
		}
	}
	/* Not a writeback format, or not the frame's size: EINVAL. */
	tfb_make(t, &wb, W, H, DRM_FORMAT_XBGR8888);
	assert_int_equal(vkms_frame_write_fb(&f, wb.fb), -EINVAL);
	tfb_make(t, &wb, W, H - 1, DRM_FORMAT_XRGB8888);
	assert_int_equal(vkms_frame_write_fb(&f, wb.fb), -EINVAL);

	pixman_image_unref(ffl);
	free(fl);
	vkms_frame_fini(&back);
	vkms_frame_fini(&f);
}

/* ------------------------------------------------------------------ */
/* The capture hook through the core                                    */
/* ------------------------------------------------------------------ */

/* SETCRTC with an RGB565 fb, a cursor over it; capture is pixman's 565 to x8r8g8b8 plus the blend. */
static void test_capture_through_core(void **state)
{
	struct test_dev *t = *state;
	uint32_t crtc, conn, n;
	struct drm_mode_card_res r = { 0 };
	struct drm_mode_get_connector c = { 0 };
	struct drm_mode_modeinfo *modes;
	struct drm_mode_crtc sc = { 0 };
	struct tfb b;
	uint32_t *shot = calloc(1024 * 768, 4), *ref = calloc(1024 * 768, 4);
	pixman_image_t *src, *dst;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	r.crtc_id_ptr = test_ptr(&crtc);
	r.connector_id_ptr = test_ptr(&conn);
	r.count_encoders = r.count_fbs = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	c.connector_id = conn;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	n = c.count_modes;
	modes = calloc(n, sizeof(*modes));
	c.modes_ptr = test_ptr(modes);
	c.count_props = c.count_encoders = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	assert_int_equal(modes[0].hdisplay, 1024);

	tfb_make(t, &b, 1024, 768, DRM_FORMAT_RGB565);
	tfb_random(&b, false);
	sc.crtc_id = crtc;
	sc.fb_id = b.id;
	sc.set_connectors_ptr = test_ptr(&conn);
	sc.count_connectors = 1;
	sc.mode_valid = 1;
	sc.mode = modes[0];
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &sc), 0);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);

	src = pixman_image_create_bits(PIXMAN_r5g6b5, 1024, 768, (uint32_t *)b.map, b.pitch);
	dst = pixman_image_create_bits(PIXMAN_x8r8g8b8, 1024, 768, ref, 1024 * 4);
	pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, dst, 0, 0, 0, 0, 0, 0, 1024, 768);
	for (size_t i = 0; i < 1024 * 768; i++) {
		assert_int_equal(shot[i] >> 24, 0xff);
		for (int s = 0; s < 24; s += 8)
			if (abs((int)((shot[i] >> s) & 0xff) - (int)((ref[i] >> s) & 0xff)) > 1)
				fail_msg("pixel %zu: %08x, pixman %08x", i, shot[i], ref[i]);
	}
	pixman_image_unref(src);
	pixman_image_unref(dst);
	free(modes);
	free(shot);
	free(ref);
}

/* A GAMMA_LUT blob of @n entries, entry i = f(i) in every channel. */
static uint32_t make_lut(struct test_dev *t, uint32_t n, uint16_t (*f)(uint32_t i, uint32_t n))
{
	struct drm_color_lut *lut = calloc(n, sizeof(*lut));
	struct drm_mode_create_blob cb = { .data = test_ptr(lut), .length = n * (uint32_t)sizeof(*lut) };

	for (uint32_t i = 0; i < n; i++)
		lut[i].red = lut[i].green = lut[i].blue = f(i, n);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATEPROPBLOB, &cb), 0);
	free(lut);
	return cb.blob_id;
}

static uint16_t lut_invert(uint32_t i, uint32_t n)
{
	return (uint16_t)((n - 1 - i) * 0xffffu / (n - 1));
}

static uint16_t lut_linear(uint32_t i, uint32_t n)
{
	return (uint16_t)(i * 0xffffu / (n - 1));
}

static int set_gamma_lut(struct test_dev *t, uint32_t crtc, uint64_t blob)
{
	struct drm_mode_obj_set_property sp = { .value = blob, .prop_id = t->dev->prop.gamma_lut->base.id,
						.obj_id = crtc, .obj_type = DRM_MODE_OBJECT_CRTC };

	return test_ioctl(t->master, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &sp);
}

/*
 * GAMMA_LUT (vkms since Linux 6.6): the composed output goes through the
 * LUT.  An inverting 256-entry LUT gives exactly 255 - v for every 8-bit
 * channel v, a linear one of any length gives v back within one step, and
 * the legacy SETGAMMA commits its ramps through the same property.
 * GETCRTC's gamma_size and GETGAMMA's default table are the kernel's.
 */
static void test_gamma_lut(void **state)
{
	struct test_dev *t = *state;
	uint32_t crtc, conn, blob, big, odd;
	struct drm_mode_card_res r = { 0 };
	struct drm_mode_get_connector c = { 0 };
	struct drm_mode_modeinfo modes[64];
	struct drm_mode_crtc sc = { 0 }, gc = { 0 };
	struct drm_mode_crtc_lut gl = { 0 };
	struct drm_mode_create_blob cb = { 0 };
	static uint16_t red[256], green[256], blue[256];
	static struct drm_color_lut entries[257];
	struct tfb b;
	uint32_t *shot0 = calloc(1024 * 768, 4), *shot = calloc(1024 * 768, 4);

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	r.crtc_id_ptr = test_ptr(&crtc);
	r.connector_id_ptr = test_ptr(&conn);
	r.count_crtcs = r.count_connectors = 1;
	r.count_encoders = r.count_fbs = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	c.connector_id = conn;
	c.modes_ptr = test_ptr(modes);
	c.count_modes = 64;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	assert_true(c.count_modes <= 64);
	assert_int_equal(modes[0].hdisplay, 1024);
	tfb_make(t, &b, 1024, 768, DRM_FORMAT_XRGB8888);
	tfb_random(&b, false);
	sc.crtc_id = crtc;
	sc.fb_id = b.id;
	sc.set_connectors_ptr = test_ptr(&conn);
	sc.count_connectors = 1;
	sc.mode_valid = 1;
	sc.mode = modes[0];
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &sc), 0);

	gc.crtc_id = crtc;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCRTC, &gc), 0);
	assert_int_equal(gc.gamma_size, 256);
	gl.crtc_id = crtc;
	gl.gamma_size = 256;
	gl.red = test_ptr(red);
	gl.green = test_ptr(green);
	gl.blue = test_ptr(blue);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETGAMMA, &gl), 0);
	for (unsigned int i = 0; i < 256; i++)
		assert_true(red[i] == i << 8 && green[i] == i << 8 && blue[i] == i << 8);
	gl.gamma_size = 255;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETGAMMA, &gl), -EINVAL);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETGAMMA, &gl), -EINVAL);

	assert_int_equal(drm_crtc_capture(t->dev, 0, shot0, 1024, 768), 0);
	blob = make_lut(t, 256, lut_invert);
	assert_int_equal(set_gamma_lut(t, crtc, blob), 0);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	for (size_t i = 0; i < 1024 * 768; i++)
		if ((shot[i] & 0xffffff) != (~shot0[i] & 0xffffff))
			fail_msg("pixel %zu: %08x through the inverting LUT, %08x without", i, shot[i], shot0[i]);

	/* More than VKMS_LUT_SIZE entries, or a length that is not whole entries: EINVAL, nothing changes. */
	big = make_lut(t, 257, lut_linear);
	assert_int_equal(set_gamma_lut(t, crtc, big), -EINVAL);
	cb.data = test_ptr(entries);
	cb.length = 12;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATEPROPBLOB, &cb), 0);
	odd = cb.blob_id;
	assert_int_equal(set_gamma_lut(t, crtc, odd), -EINVAL);
	assert_int_equal(set_gamma_lut(t, crtc, 0xdead), -EINVAL);
	assert_int_equal(t->dev->crtcs[0]->state.gamma_lut->base.id, blob);

	/* A 2-entry linear LUT interpolates: every value back within one 8-bit step. */
	assert_int_equal(set_gamma_lut(t, crtc, make_lut(t, 2, lut_linear)), 0);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	for (size_t i = 0; i < 1024 * 768; i++)
		for (int sh = 0; sh < 24; sh += 8)
			assert_true(abs((int)((shot[i] >> sh) & 0xff) - (int)((shot0[i] >> sh) & 0xff)) <= 1);

	/* Legacy SETGAMMA: inverted ramps become the GAMMA_LUT; GETGAMMA reads them back. */
	for (unsigned int i = 0; i < 256; i++)
		red[i] = green[i] = blue[i] = lut_invert(i, 256);
	gl.gamma_size = 256;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETGAMMA, &gl), 0);
	assert_int_equal(drm_color_lut_size(t->dev->crtcs[0]->state.gamma_lut), 256);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	for (size_t i = 0; i < 1024 * 768; i++)
		assert_int_equal(shot[i] & 0xffffff, ~shot0[i] & 0xffffff);
	memset(red, 0, sizeof(red));
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETGAMMA, &gl), 0);
	assert_int_equal(red[0], 0xffff);
	assert_int_equal(red[255], 0);

	/* GAMMA_LUT 0: pass-through again. */
	assert_int_equal(set_gamma_lut(t, crtc, 0), 0);
	assert_null(t->dev->crtcs[0]->state.gamma_lut);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	assert_memory_equal(shot, shot0, 1024 * 768 * 4);
	free(shot0);
	free(shot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_rgb_format, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_channel_expansion, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_plane_alpha, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_blend_modes, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_blend_modes_by_hand, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_zpos_three_planes, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_partly_off_screen, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_and_reflection, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_doc_examples, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_nv12_bt601, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_nv12_chroma_blocks, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_crc32, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_writeback, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_capture_through_core, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_gamma_lut, test_dev_setup, test_dev_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
