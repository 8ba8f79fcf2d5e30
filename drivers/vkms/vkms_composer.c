/*
 * vkms_composer.c - the CRTC's output image (kernel: drivers/gpu/drm/vkms/
 * vkms_composer.c, Linux 6.x).
 *
 * A frame is ARGB16161616 (struct vkms_frame).  Composing fills it with
 * opaque black, then blends the planes bottom to top.  For each CRTC row a
 * plane covers, the row's source pixels are found by undoing the plane's
 * rotation and reflection (dst = drm_rect_rotate(src, rotation), as the
 * kernel's blend_line() assumes), read in one run by the format's reader
 * (forwards, backwards or down a column), and blended with the plane's
 * alpha and pixel blend mode (drm_blend.c).  The frame's CRC is crc32_le
 * over its bytes, as vkms hands drm_crtc_add_crc_entry(); writeback converts
 * it into the writeback framebuffer's format.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vkms/vkms.h"
#include "drivers/vkms/vkms_formats.h"

/* Pixels read and blended at a time; the stage buffer lives on the stack. */
#define VKMS_RUN 256

/* 1.0 in 16-bit alpha units. */
#define A1 0xffffu

int vkms_frame_init(struct vkms_frame *f, uint32_t width, uint32_t height)
{
	f->width = f->height = 0;
	f->pixels = NULL;
	if (!width || !height)
		return -EINVAL;
	if ((uint64_t)width * height > SIZE_MAX / 8)
		return -ENOMEM;
	f->pixels = calloc((size_t)width * height, 4 * sizeof(uint16_t));
	if (!f->pixels)
		return -ENOMEM;
	f->width = width;
	f->height = height;
	return 0;
}

void vkms_frame_fini(struct vkms_frame *f)
{
	free(f->pixels);
	f->pixels = NULL;
	f->width = f->height = 0;
}

/* ------------------------------------------------------------------ */
/* One plane                                                            */
/* ------------------------------------------------------------------ */

/**
 * struct vkms_plane_job - a plane ready to compose: its framebuffer's reader
 * and memory, alpha and blend mode, CRTC rectangle (@dst_*, pixels), and the
 * source pixel shown at the rectangle's top-left (@org_*) with the source
 * steps for one CRTC pixel right (@u*) and one down (@v*).
 */
struct vkms_plane_job {
	struct vkms_fb_src src;
	vkms_read_row_t read;
	bool opaque;
	uint32_t alpha;
	uint32_t mode;
	int64_t dst_x, dst_y, dst_w, dst_h;
	int64_t org_x, org_y;
	int32_t ux, uy, vx, vy;
};

/*
 * The source pixel (relative to the source rectangle, @sw x @sh) that shows
 * at (@u, @v) of the CRTC rectangle: the inverse of drm_rect_rotate(), which
 * reflects in source axes first and then rotates counter clockwise.
 */
static void unrotate(uint32_t rotation, int64_t sw, int64_t sh, int64_t u, int64_t v, int64_t *x,
		     int64_t *y)
{
	int64_t rx, ry;

	if (rotation & DRM_MODE_ROTATE_90) {
		rx = sw - 1 - v;
		ry = u;
	} else if (rotation & DRM_MODE_ROTATE_180) {
		rx = sw - 1 - u;
		ry = sh - 1 - v;
	} else if (rotation & DRM_MODE_ROTATE_270) {
		rx = v;
		ry = sh - 1 - u;
	} else {
		rx = u;
		ry = v;
	}
	*x = (rotation & DRM_MODE_REFLECT_X) ? sw - 1 - rx : rx;
	*y = (rotation & DRM_MODE_REFLECT_Y) ? sh - 1 - ry : ry;
}

/* Check @ps and fill @j; -EINVAL for a format or framebuffer the composer cannot read. */
static int plane_job_init(struct vkms_plane_job *j, const struct drm_plane_state *ps)
{
	const struct drm_framebuffer *fb = ps->fb;
	const struct drm_format_info *info = fb->format;
	int64_t sw, sh, x0, y0, x1, y1;

	memset(j, 0, sizeof(*j));
	if (!info)
		return -EINVAL;
	j->read = vkms_format_reader(info->format, &j->opaque);
	if (!j->read || !fb->width || !fb->height || fb->width > INT32_MAX || fb->height > INT32_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < info->num_planes && i < 4; i++) {
		uint64_t w = i ? (fb->width + info->hsub - 1) / info->hsub : fb->width;
		uint64_t h = i ? (fb->height + info->vsub - 1) / info->vsub : fb->height;
		const uint8_t *vaddr;

		if (!fb->obj[i] || !(vaddr = drm_gem_object_vaddr(fb->obj[i])))
			return -EINVAL;
		/* drm_internal_framebuffer_create() checked this; a reader must never pass the object. */
		if ((uint64_t)fb->offsets[i] + (h - 1) * fb->pitches[i] + w * info->cpp[i] > fb->obj[i]->size)
			return -EINVAL;
		j->src.plane[i] = vaddr + fb->offsets[i];
		j->src.pitch[i] = fb->pitches[i];
	}
	j->src.width = fb->width;
	j->src.height = fb->height;
	j->src.yuv = &vkms_yuv_bt601_limited;
	j->alpha = ps->alpha;
	j->mode = ps->pixel_blend_mode;

	j->dst_x = ps->crtc_x;
	j->dst_y = ps->crtc_y;
	j->dst_w = ps->crtc_w;
	j->dst_h = ps->crtc_h;
	/* No scaling: the source rectangle has the CRTC rectangle's size, turned for 90/270. */
	if (ps->rotation & (DRM_MODE_ROTATE_90 | DRM_MODE_ROTATE_270)) {
		sw = j->dst_h;
		sh = j->dst_w;
	} else {
		sw = j->dst_w;
		sh = j->dst_h;
	}
	unrotate(ps->rotation, sw, sh, 0, 0, &x0, &y0);
	unrotate(ps->rotation, sw, sh, 1, 0, &x1, &y1);
	j->ux = (int32_t)(x1 - x0);
	j->uy = (int32_t)(y1 - y0);
	unrotate(ps->rotation, sw, sh, 0, 1, &x1, &y1);
	j->vx = (int32_t)(x1 - x0);
	j->vy = (int32_t)(y1 - y0);
	j->org_x = (int64_t)(ps->src_x >> 16) + x0;
	j->org_y = (int64_t)(ps->src_y >> 16) + y0;
	return 0;
}

/*
 * Narrow [*lo, *hi) to the steps i where @c + i * @d lies in [0, @lim);
 * false when none is left.
 */
static bool clamp_steps(int64_t c, int32_t d, int64_t lim, int64_t *lo, int64_t *hi)
{
	if (d == 0) {
		if (c < 0 || c >= lim)
			return false;
	} else if (d > 0) {
		if (*lo < -c)
			*lo = -c;
		if (*hi > lim - c)
			*hi = lim - c;
	} else {
		if (*lo < c - lim + 1)
			*lo = c - lim + 1;
		if (*hi > c + 1)
			*hi = c + 1;
	}
	return *lo < *hi;
}

/*
 * x / 0xffff rounded to nearest, for x <= 0xffff * 0xffff: the 16-bit form of
 * the usual (t + (t >> 8)) >> 8 division by 255 (exact over the whole range).
 */
static inline uint32_t div_a1(uint32_t x)
{
	uint32_t t = x + 0x8000u;

	return (t + (t >> 16)) >> 16;
}

/*
 * Blend @n stage pixels @fg over @bg in place (drm_blend.c, "pixel blend
 * mode", with plane alpha pa and pixel alpha fg.a, all in units of 0xffff):
 *   None:           out = pa * fg + (1 - pa) * bg
 *   Pre-multiplied: out = pa * fg + (1 - pa * fg.a) * bg
 *   Coverage:       out = pa * fg.a * fg + (1 - pa * fg.a) * bg
 * in 16-bit fixed point, each product rounded to nearest (exact when pa is
 * opaque).  Pre-multiplied colour above its alpha is not valid but must not
 * wrap: the sum is clamped.  The background is opaque and stays so.
 */
static void blend_run(uint16_t *bg, const uint16_t *fg, uint32_t n, uint32_t pa, uint32_t mode)
{
	uint32_t a, v;

	switch (mode) {
	case DRM_MODE_BLEND_PIXEL_NONE:
		for (uint32_t i = 0; i < n; i++, bg += 4, fg += 4) {
			for (int c = 1; c < 4; c++)
				bg[c] = (uint16_t)div_a1(pa * fg[c] + (A1 - pa) * bg[c]);
			bg[0] = A1;
		}
		break;
	case DRM_MODE_BLEND_COVERAGE:
		for (uint32_t i = 0; i < n; i++, bg += 4, fg += 4) {
			a = div_a1(pa * fg[0]);
			for (int c = 1; c < 4; c++)
				bg[c] = (uint16_t)div_a1(a * fg[c] + (A1 - a) * bg[c]);
			bg[0] = A1;
		}
		break;
	default: /* DRM_MODE_BLEND_PREMULTI, the property's default */
		for (uint32_t i = 0; i < n; i++, bg += 4, fg += 4) {
			a = div_a1(pa * fg[0]);
			for (int c = 1; c < 4; c++) {
				v = (pa == A1 ? fg[c] : div_a1(pa * fg[c])) + div_a1((A1 - a) * bg[c]);
				bg[c] = v > A1 ? A1 : (uint16_t)v;
			}
			bg[0] = A1;
		}
		break;
	}
}

/* Blend plane @j into @out's rows. */
static void compose_plane(const struct vkms_plane_job *j, struct vkms_frame *out)
{
	uint16_t stage[VKMS_RUN * 4];
	/* An opaque plane at full alpha replaces what is below in every blend mode. */
	bool replace = j->opaque && j->alpha == A1;
	int64_t x0 = j->dst_x > 0 ? j->dst_x : 0;
	int64_t x1 = j->dst_x + j->dst_w < out->width ? j->dst_x + j->dst_w : out->width;
	int64_t y0 = j->dst_y > 0 ? j->dst_y : 0;
	int64_t y1 = j->dst_y + j->dst_h < out->height ? j->dst_y + j->dst_h : out->height;

	if (j->alpha == 0 || x0 >= x1)
		return;
	for (int64_t y = y0; y < y1; y++) {
		int64_t u0 = x0 - j->dst_x, v = y - j->dst_y;
		/* The source pixel under CRTC pixel (x0, y); step (ux, uy) per pixel right. */
		int64_t sx = j->org_x + u0 * j->ux + v * j->vx;
		int64_t sy = j->org_y + u0 * j->uy + v * j->vy;
		int64_t lo = 0, hi = x1 - x0;
		uint16_t *row = out->pixels + ((size_t)y * out->width + (size_t)x0) * 4;

		/* Pixels outside the framebuffer are not read (vkms's clamp_line_coordinates()). */
		if (!clamp_steps(sx, j->ux, j->src.width, &lo, &hi) ||
		    !clamp_steps(sy, j->uy, j->src.height, &lo, &hi))
			continue;
		for (int64_t i = lo; i < hi; i += VKMS_RUN) {
			uint32_t n = hi - i < VKMS_RUN ? (uint32_t)(hi - i) : VKMS_RUN;
			int32_t px = (int32_t)(sx + i * j->ux), py = (int32_t)(sy + i * j->uy);

			if (replace) {
				j->read(&j->src, px, py, j->ux, j->uy, n, row + (size_t)i * 4);
			} else {
				j->read(&j->src, px, py, j->ux, j->uy, n, stage);
				blend_run(row + (size_t)i * 4, stage, n, j->alpha, j->mode);
			}
		}
	}
}

int vkms_compose_planes(const struct drm_plane_state *const *planes, unsigned int n,
			struct vkms_frame *out)
{
	struct vkms_plane_job job;
	size_t count;
	unsigned int i;
	int ret;

	if (!out || !out->pixels || (n && !planes))
		return -EINVAL;
	/* Check every plane before drawing, as vkms's check_format_funcs() does. */
	for (i = 0; i < n; i++) {
		if (!planes[i])
			return -EINVAL;
		if (!planes[i]->fb || !planes[i]->visible)
			continue;
		ret = plane_job_init(&job, planes[i]);
		if (ret)
			return ret;
	}
	count = (size_t)out->width * out->height;
	for (size_t p = 0; p < count; p++) {
		out->pixels[p * 4] = A1;
		out->pixels[p * 4 + 1] = out->pixels[p * 4 + 2] = out->pixels[p * 4 + 3] = 0;
	}
	for (i = 0; i < n; i++) {
		if (!planes[i]->fb || !planes[i]->visible)
			continue;
		plane_job_init(&job, planes[i]);
		compose_plane(&job, out);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Gamma LUT                                                            */
/* ------------------------------------------------------------------ */

/* lerp_u16(): a + (b - a) * t, t in 32.32 fixed point below 1, the product truncated toward -inf. */
static uint16_t lerp_u16(uint16_t a, uint16_t b, uint64_t t)
{
	int64_t d = ((int64_t)b - (int64_t)a) * (int64_t)t;
	int64_t delta = d >= 0 ? d / 4294967296LL : -((-d + 4294967295LL) / 4294967296LL);

	return (uint16_t)((int64_t)a + delta);
}

/* Entry @e's value for channel @ch of a frame pixel (0 red, 1 green, 2 blue). */
static uint16_t lut_channel(const struct drm_color_lut *e, int ch)
{
	return ch == 0 ? e->red : ch == 1 ? e->green : e->blue;
}

void vkms_apply_lut(const struct drm_property_blob *lut, struct vkms_frame *f)
{
	uint32_t n = drm_color_lut_size(lut);
	const struct drm_color_lut *e;
	size_t count;

	if (!n || !f->pixels)
		return;
	e = (const struct drm_color_lut *)(const void *)lut->data;
	count = (size_t)f->width * f->height;
	for (size_t p = 0; p < count; p++) {
		uint16_t *px = f->pixels + p * 4;

		for (int ch = 0; ch < 3; ch++) {
			/* channel_value2index_ratio = (n - 1) / 0xffff in 32.32. */
			uint64_t idx = (((uint64_t)px[1 + ch] * (n - 1)) << 32) / 0xffffu;
			uint32_t lo = (uint32_t)(idx >> 32), hi = lo + 1 < n ? lo + 1 : lo;

			px[1 + ch] = lerp_u16(lut_channel(&e[lo], ch), lut_channel(&e[hi], ch), idx & 0xffffffffu);
		}
	}
}

int vkms_atomic_check_crtc(struct drm_crtc *crtc, const struct drm_crtc_state *state)
{
	(void)crtc;
	if (state->gamma_lut && state->color_mgmt_changed && drm_color_lut_size(state->gamma_lut) > VKMS_LUT_SIZE)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* CRC                                                                  */
/* ------------------------------------------------------------------ */

/*
 * Slicing-by-8 (Intel's table-driven CRC, as lib/crc32.c's crc32_le_generic):
 * t[0] is the byte-wise table of the reflected polynomial, t[k][b] the CRC of
 * byte b followed by k zero bytes.  The tables are built per call on the
 * stack (about 4k steps, nothing next to a frame) so that no shared state
 * needs a lock or a once-guard.
 */
uint32_t vkms_crc32_le(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t t[8][256];

	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? 0xedb88320u : 0);
		t[0][b] = c;
	}
	for (int k = 1; k < 8; k++)
		for (uint32_t b = 0; b < 256; b++)
			t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);

		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
	}
	for (; len; len--, p++)
		crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xff];
	return crc;
}

uint32_t vkms_frame_crc32(const struct vkms_frame *f)
{
	if (!f->pixels)
		return 0;
	return vkms_crc32_le(0, f->pixels, (size_t)f->width * f->height * 4 * sizeof(uint16_t));
}

/* ------------------------------------------------------------------ */
/* Writeback and capture                                                */
/* ------------------------------------------------------------------ */

int vkms_frame_write_fb(const struct vkms_frame *f, const struct drm_framebuffer *fb)
{
	vkms_write_row_t write;
	uint8_t *base;

	if (!f->pixels || !fb->format || !(write = vkms_format_writer(fb->format->format)))
		return -EINVAL;
	if (fb->width != f->width || fb->height != f->height || !fb->obj[0] ||
	    !(base = drm_gem_object_vaddr(fb->obj[0])))
		return -EINVAL;
	if ((uint64_t)fb->offsets[0] + (uint64_t)(fb->height - 1) * fb->pitches[0] +
	    (uint64_t)fb->width * fb->format->cpp[0] > fb->obj[0]->size)
		return -EINVAL;
	base += fb->offsets[0];
	for (uint32_t y = 0; y < f->height; y++)
		write(base + (size_t)y * fb->pitches[0], f->pixels + (size_t)y * f->width * 4, f->width);
	return 0;
}

int vkms_compose_crtc(struct drm_crtc *crtc, uint32_t *pixels, uint32_t w, uint32_t h)
{
	const struct drm_plane_state *planes[DRM_MAX_PLANES];
	unsigned int n = drm_crtc_plane_states(crtc, planes, DRM_MAX_PLANES);
	struct vkms_frame f;
	int ret = vkms_frame_init(&f, w, h);

	if (ret)
		return ret;
	ret = vkms_compose_planes(planes, n, &f);
	if (!ret) {
		const uint16_t *px = f.pixels;

		vkms_apply_lut(crtc->state.gamma_lut, &f);

		for (size_t i = 0; i < (size_t)w * h; i++, px += 4)
			pixels[i] = 0xff000000u | (uint32_t)((px[1] + 128u) / 257u) << 16 |
				    (uint32_t)((px[2] + 128u) / 257u) << 8 | (px[3] + 128u) / 257u;
	}
	vkms_frame_fini(&f);
	return ret;
}

/* ------------------------------------------------------------------ */
/* CRC sources and the per-vblank composer                              */
/* ------------------------------------------------------------------ */

/* vkms_crc_parse_source(): NULL is none, "auto" the composer; nothing else. */
static int vkms_crc_parse_source(const char *source, bool *enabled)
{
	if (!source) {
		*enabled = false;
		return 0;
	}
	if (strcmp(source, "auto") == 0) {
		*enabled = true;
		return 0;
	}
	return -EINVAL;
}

int vkms_verify_crc_source(struct drm_crtc *crtc, const char *source, size_t *values_cnt)
{
	bool enabled;

	(void)crtc;
	if (vkms_crc_parse_source(source, &enabled))
		return -EINVAL;
	*values_cnt = 1;
	return 0;
}

int vkms_set_crc_source(struct drm_crtc *crtc, const char *source)
{
	struct vkms_output *out = crtc->driver_private;
	bool enabled;
	int ret = vkms_crc_parse_source(source, &enabled);

	if (ret)
		return ret;
	out->composer_enabled = enabled;
	if (!enabled)
		vkms_frame_fini(&out->frame);
	return 0;
}

void vkms_composer_vblank(struct vkms_output *out, uint64_t frames)
{
	const struct drm_plane_state *planes[DRM_MAX_PLANES];
	struct drm_crtc *crtc = out->crtc;
	struct drm_writeback_connector *wb = out->wb_connector ? out->wb_connector->writeback : NULL;
	struct drm_framebuffer *wb_fb = wb && out->wb_connector->crtc == crtc ? wb->job_fb : NULL;
	uint32_t w = crtc->state.mode.hdisplay, h = crtc->state.mode.vdisplay;
	uint32_t crc32, last;
	unsigned int n;
	int ret;

	if ((!out->composer_enabled && !wb_fb) || !crtc->state.active)
		return;
	if (out->frame.width != w || out->frame.height != h) {
		vkms_frame_fini(&out->frame);
		if (vkms_frame_init(&out->frame, w, h))
			return;
	}
	n = drm_crtc_plane_states(crtc, planes, DRM_MAX_PLANES);
	ret = vkms_compose_planes(planes, n, &out->frame);
	if (!ret)
		vkms_apply_lut(crtc->state.gamma_lut, &out->frame);
	if (wb_fb) {
		/* drm_writeback_signal_completion(): done, written or not. */
		int wret = ret ? ret : vkms_frame_write_fb(&out->frame, wb_fb);

		drm_writeback_signal_completion(out->wb_connector, wret);
	}
	if (!out->composer_enabled)
		vkms_frame_fini(&out->frame);
	if (ret || !out->composer_enabled)
		return;
	crc32 = vkms_frame_crc32(&out->frame);
	/* frame_start..frame_end of the kernel's worker; a full queue drops the rest anyway. */
	if (frames > DRM_CRC_ENTRIES_NR)
		frames = DRM_CRC_ENTRIES_NR;
	last = (uint32_t)crtc->vblank_count;
	for (uint32_t f = last - (uint32_t)(frames - 1); f != last + 1; f++)
		drm_crtc_add_crc_entry(crtc, true, f, &crc32);
}
