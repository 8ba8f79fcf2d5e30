/* SPDX-License-Identifier: MIT */
/*
 * The CRTC's gamma LUT checked by CRC, a subset of upstream IGT's kms_color (gamma,
 * legacy-gamma, legacy-gamma-reset, invalid-gamma-lut-sizes).
 *
 * As upstream's test_pipe_gamma(): a "max" LUT (entry 0 is 0, every other entry full scale)
 * turns every channel that is not 0 into full scale, so a picture of dark colours seen through
 * it must give the CRC of the same picture drawn with those channels at 0xff and no LUT.  The
 * colours are chosen so that each channel value lands exactly on a LUT entry (8-bit v expands
 * to v * 257, whose index in a 256-entry LUT is exactly v), so interpolation plays no part.
 *
 * The rules are the kernel's drm_color_mgmt.c and drm_atomic_uapi.c: GAMMA_LUT is a blob of
 * struct drm_color_lut whose length must be a whole number of entries, and a driver may refuse
 * more entries than GAMMA_LUT_SIZE (vkms_atomic_check() since Linux 6.6); MODE_SETGAMMA takes
 * ramps of exactly the CRTC's gamma_size and commits them as a GAMMA_LUT blob
 * (drm_crtc_legacy_gamma_set()), and MODE_GETGAMMA reads the same table back.
 *
 * Needs CRCs (igt_pipe_crc.h) and a CRTC with GAMMA_LUT: the test VM's virtio_gpu has neither,
 * so every subtest skips there; cuse-drm's vkms has both, as the kernel's vkms since 6.6.
 */
#include "igt_pipe_crc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRTC DRM_MODE_OBJECT_CRTC

struct color_data {
	int fd;
	struct kms_pipe pipe;
	uint32_t w, h;
	uint32_t mode_blob;
	uint32_t lut_size;            /* GAMMA_LUT_SIZE */
	uint32_t gamma_size;          /* GETCRTC's, for the legacy ioctls */
	igt_pipe_crc_t *pc;
};

/* Three dark rectangles on black; with @bright, the same with every nonzero channel at 0xff. */
static void draw_picture(struct kms_color_fb *fb, bool bright)
{
	kms_color_fb_fill(fb, 0, 0, fb->width, fb->height, 0xff000000u);
	kms_color_fb_fill(fb, 0, 0, fb->width / 3, fb->height / 2, bright ? 0xffff0000u : 0xff200000u);
	kms_color_fb_fill(fb, fb->width / 3, 0, fb->width / 3, fb->height / 2, bright ? 0xff00ffffu : 0xff004080u);
	kms_color_fb_fill(fb, 0, fb->height / 2, fb->width, fb->height / 2, bright ? 0xffffffffu : 0xff010203u);
}

static void color_data_open(struct color_data *d)
{
	struct drm_mode_crtc crtc = { 0 };
	uint64_t size;

	memset(d, 0, sizeof(*d));
	d->fd = drm_open_primary();
	igt_require_atomic(d->fd);
	igt_require_pipe(d->fd, &d->pipe);
	igt_require_f(kms_prop_get(d->fd, d->pipe.crtc_id, CRTC, "GAMMA_LUT_SIZE", &size),
		      "the CRTC has no GAMMA_LUT\n");
	d->lut_size = (uint32_t)size;
	igt_require_pipe_crc(d->fd, d->pipe.crtc_index);
	kms_pipe_use_smallest_mode(&d->pipe);
	d->w = d->pipe.mode.hdisplay;
	d->h = d->pipe.mode.vdisplay;
	d->mode_blob = kms_blob_create(d->fd, &d->pipe.mode, sizeof(d->pipe.mode));
	crtc.crtc_id = d->pipe.crtc_id;
	do_ioctl(d->fd, DRM_IOCTL_MODE_GETCRTC, &crtc);
	d->gamma_size = crtc.gamma_size;
	d->pc = NULL;
}

/* Show @fb on the primary plane, the CRTC lit, GAMMA_LUT = @lut_blob (0: none); its CRC. */
static igt_crc_t show(struct color_data *d, const struct kms_color_fb *fb, uint32_t lut_blob)
{
	struct kms_atomic req;
	igt_crc_t crc;
	int ret;

	kms_atomic_clear(&req);
	kms_atomic_pipe_on(&req, d->fd, &d->pipe, d->mode_blob, &d->pipe.mode, fb->fb_id);
	kms_atomic_set(&req, d->fd, d->pipe.crtc_id, CRTC, "GAMMA_LUT", lut_blob);
	ret = kms_atomic_commit(d->fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0);
	igt_assert_f(ret == 0, "atomic commit: %s\n", strerror(-ret));
	if (!d->pc)
		d->pc = igt_pipe_crc_new(d->fd, d->pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
	igt_pipe_crc_collect_crc(d->pc, &crc);
	return crc;
}

/* upstream generate_table_max(): entry 0 is 0, every other entry full scale. */
static uint32_t lut_max_blob(struct color_data *d, uint32_t n)
{
	struct drm_color_lut *lut = calloc(n, sizeof(*lut));
	uint32_t blob;

	igt_assert(lut);
	for (uint32_t i = 1; i < n; i++)
		lut[i].red = lut[i].green = lut[i].blue = 0xffff;
	blob = kms_blob_create(d->fd, lut, n * (uint32_t)sizeof(*lut));
	free(lut);
	return blob;
}

static int set_gamma_lut(struct color_data *d, uint64_t blob)
{
	return __kms_obj_set_prop(d->fd, d->pipe.crtc_id, CRTC, kms_prop_id(d->fd, d->pipe.crtc_id, CRTC, "GAMMA_LUT"),
				  blob);
}

/* gamma: the max LUT over the dark picture gives the bright picture's CRC; no LUT gives the dark one's. */
static void gamma(void)
{
	struct color_data d;
	struct kms_color_fb dark, bright;
	igt_crc_t ref_dark, ref_bright, crc;

	color_data_open(&d);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, 0xff000000u, &dark);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, 0xff000000u, &bright);
	draw_picture(&dark, false);
	draw_picture(&bright, true);
	ref_bright = show(&d, &bright, 0);
	ref_dark = show(&d, &dark, 0);
	igt_assert_f(ref_dark.n_words != ref_bright.n_words ||
		     memcmp(ref_dark.crc, ref_bright.crc, sizeof(uint32_t) * (size_t)ref_dark.n_words) != 0,
		     "the two pictures have one CRC\n");
	crc = show(&d, &dark, lut_max_blob(&d, d.lut_size));
	igt_assert_crc_equal(&crc, &ref_bright);
	igt_assert(kms_prop_value(d.fd, d.pipe.crtc_id, CRTC, "GAMMA_LUT") != 0);
	crc = show(&d, &dark, 0);
	igt_assert_crc_equal(&crc, &ref_dark);
	igt_assert_eq_u64(kms_prop_value(d.fd, d.pipe.crtc_id, CRTC, "GAMMA_LUT"), 0);
}

/* Legacy ramps of gamma_size entries: @max as upstream's max table, else linear (i * 0xffff / (n-1)). */
static void legacy_ramps(uint32_t n, bool max, uint16_t *r, uint16_t *g, uint16_t *b)
{
	for (uint32_t i = 0; i < n; i++)
		r[i] = g[i] = b[i] = max ? (i ? 0xffff : 0) : (uint16_t)(i * 0xffffu / (n - 1));
}

static int set_legacy_gamma(struct color_data *d, uint32_t size, uint16_t *r, uint16_t *g, uint16_t *b)
{
	struct drm_mode_crtc_lut lut = { .crtc_id = d->pipe.crtc_id, .gamma_size = size,
					 .red = (uintptr_t)r, .green = (uintptr_t)g, .blue = (uintptr_t)b };

	return igt_ioctl(d->fd, DRM_IOCTL_MODE_SETGAMMA, &lut) ? -errno : 0;
}

/*
 * legacy-gamma: SETGAMMA with the max ramps over the dark picture gives the bright picture's CRC;
 * GETGAMMA reads the ramps back; a wrong size is EINVAL.
 */
static void legacy_gamma(void)
{
	struct color_data d;
	struct kms_color_fb dark, bright;
	igt_crc_t ref_bright, crc;
	uint16_t *r, *g, *b, *r2, *g2, *b2;
	struct drm_mode_crtc_lut get = { 0 };

	color_data_open(&d);
	igt_require_f(d.gamma_size > 1, "no legacy gamma table\n");
	r = calloc(d.gamma_size * 6, sizeof(*r));
	igt_assert(r);
	g = r + d.gamma_size;
	b = g + d.gamma_size;
	r2 = b + d.gamma_size;
	g2 = r2 + d.gamma_size;
	b2 = g2 + d.gamma_size;
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, 0xff000000u, &dark);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, 0xff000000u, &bright);
	draw_picture(&dark, false);
	draw_picture(&bright, true);
	ref_bright = show(&d, &bright, 0);
	show(&d, &dark, 0);
	legacy_ramps(d.gamma_size, true, r, g, b);
	igt_assert_eq(set_legacy_gamma(&d, d.gamma_size + 1, r, g, b), -EINVAL);
	igt_assert_eq(set_legacy_gamma(&d, d.gamma_size, r, g, b), 0);
	igt_pipe_crc_collect_crc(d.pc, &crc);
	igt_assert_crc_equal(&crc, &ref_bright);
	get.crtc_id = d.pipe.crtc_id;
	get.gamma_size = d.gamma_size;
	get.red = (uintptr_t)r2;
	get.green = (uintptr_t)g2;
	get.blue = (uintptr_t)b2;
	do_ioctl(d.fd, DRM_IOCTL_MODE_GETGAMMA, &get);
	igt_assert(memcmp(r, r2, d.gamma_size * sizeof(*r) * 3) == 0);
	get.gamma_size = d.gamma_size - 1;
	igt_assert_eq(igt_ioctl(d.fd, DRM_IOCTL_MODE_GETGAMMA, &get) ? -errno : 0, -EINVAL);
	igt_assert_eq(set_gamma_lut(&d, 0), 0);
	free(r);
}

/*
 * legacy-gamma-reset: after SETGAMMA the GAMMA_LUT property holds a blob with the legacy ramps
 * (the two are one table); a linear legacy table then gives the picture's own CRC back.
 */
static void legacy_gamma_reset(void)
{
	struct color_data d;
	struct kms_color_fb dark;
	igt_crc_t ref_dark, crc;
	uint16_t *r, *g, *b;
	struct drm_color_lut *lut;
	uint32_t len;
	uint64_t blob;

	color_data_open(&d);
	igt_require_f(d.gamma_size > 1, "no legacy gamma table\n");
	r = calloc(d.gamma_size * 3, sizeof(*r));
	lut = calloc(d.gamma_size, sizeof(*lut));
	igt_assert(r && lut);
	g = r + d.gamma_size;
	b = g + d.gamma_size;
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, 0xff000000u, &dark);
	draw_picture(&dark, false);
	ref_dark = show(&d, &dark, 0);
	legacy_ramps(d.gamma_size, false, r, g, b);
	igt_assert_eq(set_legacy_gamma(&d, d.gamma_size, r, g, b), 0);
	blob = kms_prop_value(d.fd, d.pipe.crtc_id, CRTC, "GAMMA_LUT");
	igt_assert_f(blob != 0, "SETGAMMA left GAMMA_LUT empty\n");
	len = d.gamma_size * (uint32_t)sizeof(*lut);
	igt_assert_eq(__kms_blob_get(d.fd, (uint32_t)blob, lut, &len), 0);
	igt_assert_eq(len, d.gamma_size * (uint32_t)sizeof(*lut));
	for (uint32_t i = 0; i < d.gamma_size; i++)
		igt_assert_f(lut[i].red == r[i] && lut[i].green == g[i] && lut[i].blue == b[i],
			     "GAMMA_LUT entry %u differs from the legacy ramps\n", i);
	igt_pipe_crc_collect_crc(d.pc, &crc);
	igt_assert_crc_equal(&crc, &ref_dark);
	igt_assert_eq(set_gamma_lut(&d, 0), 0);
	free(lut);
	free(r);
}

/*
 * invalid-gamma-lut-sizes (upstream invalid_lut_sizes()): a blob that is not whole entries, one
 * with more entries than GAMMA_LUT_SIZE, and a blob id that names nothing are EINVAL; the
 * CRTC's LUT stays as it was.
 */
static void invalid_gamma_lut_sizes(void)
{
	struct color_data d;
	struct kms_color_fb fb;
	struct drm_color_lut *lut;
	uint32_t odd, big;

	color_data_open(&d);
	kms_color_fb_create(d.fd, d.w, d.h, DRM_FORMAT_XRGB8888, 0xff204060u, &fb);
	show(&d, &fb, 0);
	lut = calloc(d.lut_size + 1, sizeof(*lut));
	igt_assert(lut);
	odd = kms_blob_create(d.fd, lut, sizeof(*lut) + 1);
	big = kms_blob_create(d.fd, lut, (d.lut_size + 1) * (uint32_t)sizeof(*lut));
	igt_assert_eq(set_gamma_lut(&d, odd), -EINVAL);
	igt_assert_eq(set_gamma_lut(&d, big), -EINVAL);
	igt_assert_eq(set_gamma_lut(&d, 4096 * 1024), -EINVAL);
	igt_assert_eq_u64(kms_prop_value(d.fd, d.pipe.crtc_id, CRTC, "GAMMA_LUT"), 0);
	/* A LUT of fewer entries than the maximum is fine (interpolated). */
	big = kms_blob_create(d.fd, lut, 2 * (uint32_t)sizeof(*lut));
	igt_assert_eq(set_gamma_lut(&d, big), 0);
	igt_assert_eq_u64(kms_prop_value(d.fd, d.pipe.crtc_id, CRTC, "GAMMA_LUT"), big);
	/* A LUT outlives its file (the CRTC state holds the blob): leave none behind. */
	igt_assert_eq(set_gamma_lut(&d, 0), 0);
	free(lut);
}

static const struct igt_subtest tests[] = {
	{ "gamma", gamma },
	{ "legacy-gamma", legacy_gamma },
	{ "legacy-gamma-reset", legacy_gamma_reset },
	{ "invalid-gamma-lut-sizes", invalid_gamma_lut_sizes },
};

IGT_MAIN(tests)
