// SPDX-License-Identifier: MIT
/*
 * drmctl screenshot: save what a CRTC scans out as a PNG.
 *
 * The CRTC's framebuffer is looked up with GETFB2 (or GETFB), its GEM handle
 * mapped as a dumb buffer (MODE_MAP_DUMB + mmap), cropped to the CRTC's
 * viewport and converted to 8-bit RGB.  Then the other planes on that CRTC
 * (overlays by zpos, then the cursor) are blended over it as a KMS composer
 * does: at their CRTC_X/Y/W/H rectangle, sampling their SRC_* rectangle
 * (nearest pixel), ARGB formats as premultiplied alpha (the "pixel blend
 * mode" default).  So the picture is the composed output, all planes
 * included, for any atomic driver whose buffers are dumb buffers.  (Plane
 * positions are atomic properties: on a driver without atomic modesetting
 * only the primary plane is captured.)
 *
 * A virtio-gpu with VIRGL (virtio_gpu, GETPARAM 3D_FEATURES = 1) shows the
 * host's copy of a resource, which the host's GL renders into; the guest
 * backing is stale for such a resource.  So there the primary framebuffer is
 * first read back into its backing with VIRTGPU_TRANSFER_FROM_HOST and
 * VIRTGPU_WAIT, as any client of the kernel's virtio_gpu would do.  (For a
 * dumb buffer that also replaces CPU writes its owner has not flushed to
 * the host yet with what the host holds, which is what is displayed.)
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <png.h>
#include <virtgpu_drm.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drmctl.h"

/* ---- pixel formats ---- */

static inline uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* DRM fourccs are little-endian: [31:0] A:R:G:B means B is the first byte. */
static void conv_xrgb8888(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 4, d += 3) {
		uint32_t p = le32(s);

		d[0] = p >> 16;
		d[1] = p >> 8;
		d[2] = p;
	}
}

static void conv_xbgr8888(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 4, d += 3) {
		uint32_t p = le32(s);

		d[0] = p;
		d[1] = p >> 8;
		d[2] = p >> 16;
	}
}

static void conv_bgrx8888(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 4, d += 3) {
		d[0] = s[1];
		d[1] = s[2];
		d[2] = s[3];
	}
}

static void conv_rgbx8888(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 4, d += 3) {
		d[0] = s[3];
		d[1] = s[2];
		d[2] = s[1];
	}
}

static void conv_rgb888(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 3, d += 3) {
		d[0] = s[2];
		d[1] = s[1];
		d[2] = s[0];
	}
}

static void conv_bgr888(const uint8_t *s, uint8_t *d, unsigned int n)
{
	memcpy(d, s, (size_t)n * 3);
}

static void conv_rgb565(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 2, d += 3) {
		uint32_t p = le16(s);
		uint32_t r = (p >> 11) & 0x1f, g = (p >> 5) & 0x3f, b = p & 0x1f;

		d[0] = r << 3 | r >> 2;
		d[1] = g << 2 | g >> 4;
		d[2] = b << 3 | b >> 2;
	}
}

static void conv_xrgb2101010(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 4, d += 3) {
		uint32_t p = le32(s);

		d[0] = (p >> 22) & 0xff;
		d[1] = (p >> 12) & 0xff;
		d[2] = (p >> 2) & 0xff;
	}
}

static void conv_xbgr2101010(const uint8_t *s, uint8_t *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, s += 4, d += 3) {
		uint32_t p = le32(s);

		d[0] = (p >> 2) & 0xff;
		d[1] = (p >> 12) & 0xff;
		d[2] = (p >> 22) & 0xff;
	}
}

/* A readable single-plane format: bytes per pixel, and a row converter. */
struct pixfmt {
	uint32_t fourcc;
	unsigned int cpp;
	void (*to_rgb)(const uint8_t *src, uint8_t *rgb, unsigned int n);
};

static const struct pixfmt pixfmts[] = {
	{ DRM_FORMAT_XRGB8888, 4, conv_xrgb8888 },
	{ DRM_FORMAT_ARGB8888, 4, conv_xrgb8888 },
	{ DRM_FORMAT_XBGR8888, 4, conv_xbgr8888 },
	{ DRM_FORMAT_ABGR8888, 4, conv_xbgr8888 },
	{ DRM_FORMAT_BGRX8888, 4, conv_bgrx8888 },
	{ DRM_FORMAT_BGRA8888, 4, conv_bgrx8888 },
	{ DRM_FORMAT_RGBX8888, 4, conv_rgbx8888 },
	{ DRM_FORMAT_RGBA8888, 4, conv_rgbx8888 },
	{ DRM_FORMAT_RGB888, 3, conv_rgb888 },
	{ DRM_FORMAT_BGR888, 3, conv_bgr888 },
	{ DRM_FORMAT_RGB565, 2, conv_rgb565 },
	{ DRM_FORMAT_XRGB2101010, 4, conv_xrgb2101010 },
	{ DRM_FORMAT_ARGB2101010, 4, conv_xrgb2101010 },
	{ DRM_FORMAT_XBGR2101010, 4, conv_xbgr2101010 },
	{ DRM_FORMAT_ABGR2101010, 4, conv_xbgr2101010 },
};

static const struct pixfmt *find_pixfmt(uint32_t fourcc)
{
	for (size_t i = 0; i < sizeof(pixfmts) / sizeof(pixfmts[0]); i++)
		if (pixfmts[i].fourcc == fourcc)
			return &pixfmts[i];
	return NULL;
}

/* GETFB reports only bpp and depth; map them to the format ADDFB chose. */
static uint32_t legacy_format(uint32_t bpp, uint32_t depth)
{
	static const struct {
		uint32_t bpp, depth, format;
	} map[] = {
		{ 32, 24, DRM_FORMAT_XRGB8888 },
		{ 32, 32, DRM_FORMAT_ARGB8888 },
		{ 32, 30, DRM_FORMAT_XRGB2101010 },
		{ 24, 24, DRM_FORMAT_RGB888 },
		{ 16, 16, DRM_FORMAT_RGB565 },
		{ 16, 15, DRM_FORMAT_XRGB1555 },
		{ 8, 8, DRM_FORMAT_C8 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].bpp == bpp && map[i].depth == depth)
			return map[i].format;
	return 0;
}

/* ---- the scanout ---- */

/**
 * What a CRTC shows, as found through GETFB2/GETFB.
 * @handle, @pitch, @offset: the first plane's GEM handle (ours to close),
 * bytes per row and byte offset; @width, @height: fb size in pixels.
 */
struct scanout {
	uint32_t crtc_id, fb_id;
	uint32_t x, y, w, h; /* CRTC viewport in fb pixels */
	uint32_t format;
	uint64_t modifier;
	int has_modifier;
	uint32_t width, height;
	uint32_t handles[4];
	uint32_t pitch, offset;
};

/*
 * Pick the CRTC by index or object id (@arg), or the first one scanning out
 * when @arg is NULL. Fills s->crtc_id, fb_id and the viewport.
 */
static int pick_crtc(int fd, const char *path, const drmModeRes *res,
		     const char *arg, struct scanout *s)
{
	drmModeCrtcPtr c = NULL;

	if (arg) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(arg, &end, 0);
		if (errno || end == arg || *end || arg[0] == '-') {
			drmctl_err("--crtc: '%s' is not a CRTC index or id", arg);
			return -1;
		}
		if (n >= (unsigned long)res->count_crtcs) {
			unsigned long id = n;

			for (n = 0; n < (unsigned long)res->count_crtcs; n++)
				if (res->crtcs[n] == id)
					break;
		}
		if (n >= (unsigned long)res->count_crtcs) {
			drmctl_err("%s: no CRTC with index or id %s (it has %d "
				   "CRTCs; see 'drmctl info')", path, arg,
				   res->count_crtcs);
			return -1;
		}
		c = drmModeGetCrtc(fd, res->crtcs[n]);
		if (!c) {
			drmctl_err("%s: GETCRTC %s: %m", path, arg);
			return -1;
		}
		if (!c->mode_valid || !c->buffer_id) {
			drmctl_err("%s: CRTC %u is not active (%s)", path,
				   c->crtc_id, !c->mode_valid ? "no mode set" :
								"no framebuffer");
			drmModeFreeCrtc(c);
			return -1;
		}
	} else {
		for (int i = 0; i < res->count_crtcs && !c; i++) {
			c = drmModeGetCrtc(fd, res->crtcs[i]);
			if (c && (!c->mode_valid || !c->buffer_id)) {
				drmModeFreeCrtc(c);
				c = NULL;
			}
		}
		if (!c) {
			drmctl_err("%s: no active CRTC: none of its %d CRTCs has "
				   "a mode and a framebuffer (is anything "
				   "displayed?)", path, res->count_crtcs);
			return -1;
		}
	}

	s->crtc_id = c->crtc_id;
	s->fb_id = c->buffer_id;
	s->x = c->x;
	s->y = c->y;
	s->w = c->mode.hdisplay;
	s->h = c->mode.vdisplay;
	drmModeFreeCrtc(c);
	return 0;
}

/* Look up s->fb_id; on success we own s->handles. */
static int get_fb(int fd, const char *path, struct scanout *s)
{
	drmModeFB2Ptr fb2 = drmModeGetFB2(fd, s->fb_id);
	drmModeFBPtr fb;

	if (fb2) {
		s->format = fb2->pixel_format;
		s->has_modifier = !!(fb2->flags & DRM_MODE_FB_MODIFIERS);
		s->modifier = fb2->modifier;
		s->width = fb2->width;
		s->height = fb2->height;
		memcpy(s->handles, fb2->handles, sizeof(s->handles));
		s->pitch = fb2->pitches[0];
		s->offset = fb2->offsets[0];
		drmModeFreeFB2(fb2);
		return 0;
	}
	/* Older kernels and servers lack GETFB2. */
	fb = drmModeGetFB(fd, s->fb_id);
	if (!fb) {
		drmctl_err("%s: framebuffer %u of CRTC %u: GETFB: %m", path,
			   s->fb_id, s->crtc_id);
		return -1;
	}
	s->format = legacy_format(fb->bpp, fb->depth);
	s->width = fb->width;
	s->height = fb->height;
	s->handles[0] = fb->handle;
	s->pitch = fb->pitch;
	s->offset = 0;
	if (!s->format) {
		drmctl_err("%s: framebuffer %u: unsupported pixel layout bpp %u "
			   "depth %u", path, s->fb_id, fb->bpp, fb->depth);
		drmModeFreeFB(fb);
		return -1;
	}
	drmModeFreeFB(fb);
	return 0;
}

/* Check that we can read the fb and that the viewport fits inside it. */
static const struct pixfmt *check_fb(const char *path, struct scanout *s)
{
	const struct pixfmt *pf;
	char fcc[DRMCTL_FOURCC_LEN];

	if (!s->handles[0]) {
		drmctl_err("%s: framebuffer %u: no GEM handle given: reading "
			   "another client's framebuffer needs DRM master or "
			   "root (CAP_SYS_ADMIN)", path, s->fb_id);
		return NULL;
	}
	pf = find_pixfmt(s->format);
	if (!pf) {
		const char *name = drmctl_format_name(s->format);

		drmctl_err("%s: framebuffer %u: unsupported pixel format %s%s%s%s",
			   path, s->fb_id, drmctl_fourcc_str(s->format, fcc),
			   name ? " (" : "", name ? name : "", name ? ")" : "");
		return NULL;
	}
	if (s->has_modifier && s->modifier != DRM_FORMAT_MOD_LINEAR) {
		char *name = drmGetFormatModifierName(s->modifier);

		drmctl_err("%s: framebuffer %u: unsupported modifier 0x%" PRIx64
			   " (%s); only linear buffers can be read",
			   path, s->fb_id, s->modifier, name ? name : "unknown");
		free(name);
		return NULL;
	}
	if (s->x >= s->width || s->y >= s->height || !s->w || !s->h) {
		drmctl_err("%s: CRTC %u viewport %ux%u+%u+%u lies outside its "
			   "%ux%u framebuffer", path, s->crtc_id, s->w, s->h,
			   s->x, s->y, s->width, s->height);
		return NULL;
	}
	/* A scaling plane may show a smaller fb than the mode; take what's there. */
	if (s->x + s->w > s->width || s->y + s->h > s->height) {
		uint32_t w = s->width - s->x < s->w ? s->width - s->x : s->w;
		uint32_t h = s->height - s->y < s->h ? s->height - s->y : s->h;

		fprintf(stderr, "drmctl: warning: CRTC %u viewport %ux%u+%u+%u "
			"exceeds its %ux%u framebuffer; saving %ux%u\n",
			s->crtc_id, s->w, s->h, s->x, s->y, s->width, s->height,
			w, h);
		s->w = w;
		s->h = h;
	}
	if ((uint64_t)(s->x + s->w) * pf->cpp > s->pitch) {
		drmctl_err("%s: framebuffer %u: pitch %u is too small for %u "
			   "pixels of %u bytes", path, s->fb_id, s->pitch,
			   s->x + s->w, pf->cpp);
		return NULL;
	}
	return pf;
}

/*
 * True when @fd is a virtio_gpu node with VIRGL: the kernel's
 * virtio_gpu_getparam_ioctl() answers VIRTGPU_PARAM_3D_FEATURES with
 * vgdev->has_virgl_3d.  Any other driver, or a failed GETPARAM, is false.
 */
static int virgl_3d(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int value = 0, is_virtio = v && v->name && !strcmp(v->name, "virtio_gpu");
	struct drm_virtgpu_getparam gp = {
		.param = VIRTGPU_PARAM_3D_FEATURES,
		.value = (uint64_t)(uintptr_t)&value,
	};

	drmFreeVersion(v);
	if (!is_virtio || drmIoctl(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp) != 0)
		return 0;
	return value == 1;
}

/*
 * Copy the host's pixels of the framebuffer's resource (mip level 0, the
 * whole @s->width x @s->height box, to byte @s->offset of the backing, the
 * host's stride being the resource's row size) into its guest backing:
 * VIRTGPU_TRANSFER_FROM_HOST (virtio_gpu_transfer_from_host_ioctl(), a
 * fenced TRANSFER_FROM_HOST_3D), then VIRTGPU_WAIT until the host is done
 * (virtio_gpu_wait_ioctl()).  Returns 0, or -1 after printing why.
 */
static int virgl_readback(int fd, const char *path, const struct scanout *s)
{
	struct drm_virtgpu_3d_transfer_from_host xfer = {
		.bo_handle = s->handles[0],
		.box = { .x = 0, .y = 0, .z = 0, .w = s->width, .h = s->height, .d = 1 },
		.level = 0,
		.offset = s->offset,
	};
	struct drm_virtgpu_3d_wait wait = { .handle = s->handles[0] };

	if (drmIoctl(fd, DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &xfer) != 0) {
		drmctl_err("%s: framebuffer %u: VIRTGPU_TRANSFER_FROM_HOST of "
			   "%ux%u: %m", path, s->fb_id, s->width, s->height);
		return -1;
	}
	if (drmIoctl(fd, DRM_IOCTL_VIRTGPU_WAIT, &wait) != 0) {
		drmctl_err("%s: framebuffer %u: VIRTGPU_WAIT: %m", path, s->fb_id);
		return -1;
	}
	return 0;
}

/*
 * Map the fb as a dumb buffer and convert the viewport to packed RGB.
 * Returns a malloc'd w*h*3 image, or NULL after printing why.
 */
static uint8_t *read_scanout(int fd, const char *path, const struct scanout *s,
			     const struct pixfmt *pf)
{
	struct drm_mode_map_dumb map = { .handle = s->handles[0] };
	size_t len, row_bytes = (size_t)s->w * pf->cpp;
	uint8_t *img, *row, *base;

	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) {
		drmctl_err("%s: framebuffer %u: MODE_MAP_DUMB: %m (not a dumb "
			   "buffer?)", path, s->fb_id);
		return NULL;
	}
	/* Up to the last byte we read: the last row may be shorter than pitch. */
	len = (size_t)s->offset + (size_t)s->pitch * (s->y + s->h - 1) +
	      (size_t)(s->x + s->w) * pf->cpp;
	base = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, map.offset);
	if (base == MAP_FAILED) {
		drmctl_err("%s: framebuffer %u: mmap of %zu bytes at offset "
			   "0x%" PRIx64 ": %m", path, s->fb_id, len,
			   (uint64_t)map.offset);
		return NULL;
	}

	img = malloc((size_t)s->w * s->h * 3);
	row = malloc(row_bytes);
	if (!img || !row) {
		drmctl_err("out of memory for a %ux%u image", s->w, s->h);
		free(img);
		free(row);
		munmap(base, len);
		return NULL;
	}
	for (uint32_t y = 0; y < s->h; y++) {
		const uint8_t *src = base + s->offset +
				     (size_t)s->pitch * (s->y + y) +
				     (size_t)s->x * pf->cpp;

		/* One wide copy first: scanout memory is often uncached. */
		memcpy(row, src, row_bytes);
		pf->to_rgb(row, img + (size_t)y * s->w * 3, s->w);
	}
	free(row);
	munmap(base, len);
	return img;
}

/* ---- the other planes ---- */

/** A plane to blend: its fb and where it goes (properties of DRM_MODE_OBJECT_PLANE). */
struct overlay {
	uint32_t plane_id, fb_id;
	uint64_t type, zpos;
	int64_t crtc_x, crtc_y;
	uint64_t crtc_w, crtc_h, src_x, src_y, src_w, src_h;
};

static void plane_props(int fd, struct overlay *o)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, o->plane_id, DRM_MODE_OBJECT_PLANE);

	o->zpos = o->plane_id;
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);
		uint64_t v = props->prop_values[i];

		if (!p)
			continue;
		if (!strcmp(p->name, "type"))
			o->type = v;
		else if (!strcmp(p->name, "zpos"))
			o->zpos = v;
		else if (!strcmp(p->name, "CRTC_X"))
			o->crtc_x = (int32_t)v;
		else if (!strcmp(p->name, "CRTC_Y"))
			o->crtc_y = (int32_t)v;
		else if (!strcmp(p->name, "CRTC_W"))
			o->crtc_w = v;
		else if (!strcmp(p->name, "CRTC_H"))
			o->crtc_h = v;
		else if (!strcmp(p->name, "SRC_X"))
			o->src_x = v >> 16;
		else if (!strcmp(p->name, "SRC_Y"))
			o->src_y = v >> 16;
		else if (!strcmp(p->name, "SRC_W"))
			o->src_w = v >> 16;
		else if (!strcmp(p->name, "SRC_H"))
			o->src_h = v >> 16;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
}

/* One 8-bit channel of premultiplied "over". */
static uint8_t over(unsigned int src, unsigned int dst, unsigned int a)
{
	unsigned int v = src + (dst * (255 - a) + 127) / 255;

	return v > 255 ? 255 : (uint8_t)v;
}

/* Blend plane @o (fb read through @s2) over the w*h RGB @img. */
static int blend_plane(int fd, const char *path, const struct overlay *o, uint8_t *img, uint32_t w, uint32_t h)
{
	struct scanout s2 = { .fb_id = o->fb_id };
	struct drm_mode_map_dumb map = { 0 };
	const struct pixfmt *pf;
	uint8_t *base = MAP_FAILED, px[3];
	size_t len = 0;
	int alpha, ret = -1;

	/* The plane may have moved on to another fb since GETPLANE (a blinking cursor): skip it. */
	{
		drmModeFB2Ptr probe = drmModeGetFB2(fd, o->fb_id);

		if (!probe && errno == ENOENT)
			return 0;
		drmModeFreeFB2(probe);
	}
	if (get_fb(fd, path, &s2) != 0)
		return -1;
	pf = find_pixfmt(s2.format);
	if (!pf || !s2.handles[0] || (s2.has_modifier && s2.modifier != DRM_FORMAT_MOD_LINEAR)) {
		drmctl_err("%s: plane %u: framebuffer %u cannot be read (format, modifier or no handle)",
			   path, o->plane_id, o->fb_id);
		goto out;
	}
	alpha = s2.format == DRM_FORMAT_ARGB8888 || s2.format == DRM_FORMAT_ABGR8888 ||
		s2.format == DRM_FORMAT_BGRA8888 || s2.format == DRM_FORMAT_RGBA8888;
	map.handle = s2.handles[0];
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) {
		drmctl_err("%s: plane %u: MODE_MAP_DUMB: %m", path, o->plane_id);
		goto out;
	}
	len = (size_t)s2.offset + (size_t)s2.pitch * s2.height;
	base = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, map.offset);
	if (base == MAP_FAILED) {
		drmctl_err("%s: plane %u: mmap: %m", path, o->plane_id);
		goto out;
	}
	for (uint64_t y = 0; y < o->crtc_h; y++) {
		int64_t dy = o->crtc_y + (int64_t)y;
		uint64_t sy = o->src_y + (o->src_h ? y * o->src_h / o->crtc_h : y);

		if (dy < 0 || dy >= (int64_t)h || sy >= s2.height)
			continue;
		for (uint64_t x = 0; x < o->crtc_w; x++) {
			int64_t dx = o->crtc_x + (int64_t)x;
			uint64_t sx = o->src_x + (o->src_w ? x * o->src_w / o->crtc_w : x);
			const uint8_t *src = base + s2.offset + (size_t)s2.pitch * sy + (size_t)sx * pf->cpp;
			uint8_t *d = img + ((size_t)dy * w + (size_t)dx) * 3;
			unsigned int a = 255;

			if (dx < 0 || dx >= (int64_t)w || sx >= s2.width)
				continue;
			pf->to_rgb(src, px, 1);
			/* The four alpha layouts above keep alpha in the byte the format names first. */
			if (alpha)
				a = s2.format == DRM_FORMAT_ARGB8888 || s2.format == DRM_FORMAT_ABGR8888 ? src[3] : src[0];
			d[0] = over(px[0], d[0], a);
			d[1] = over(px[1], d[1], a);
			d[2] = over(px[2], d[2], a);
		}
	}
	ret = 0;
out:
	if (base != MAP_FAILED)
		munmap(base, len);
	drmctl_gem_close(fd, s2.handles, 4);
	return ret;
}

static int overlay_cmp(const void *a, const void *b)
{
	const struct overlay *x = a, *y = b;
	/* Overlays by zpos, cursors on top (DRM_PLANE_TYPE_CURSOR is 2, OVERLAY 0). */
	int kx = x->type == DRM_PLANE_TYPE_CURSOR, ky = y->type == DRM_PLANE_TYPE_CURSOR;

	if (kx != ky)
		return kx - ky;
	return x->zpos < y->zpos ? -1 : x->zpos > y->zpos;
}

/* Blend every non-primary plane on CRTC @s->crtc_id over @img (its viewport). */
static int compose_planes(int fd, const char *path, const struct scanout *s, uint8_t *img)
{
	drmModePlaneResPtr pres;
	struct overlay *ov;
	uint32_t n = 0;
	int ret = 0;

	/*
	 * A plane's position (CRTC_X/Y/W/H, SRC_*) is an atomic property: only
	 * atomic clients see it, and only atomic drivers let a client be one.
	 * Without it only the primary plane can be placed.
	 */
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) != 0)
		return 0;
	pres = drmModeGetPlaneResources(fd);
	if (!pres)
		return 0; /* no planes API: the primary is all there is */
	ov = calloc(pres->count_planes ? pres->count_planes : 1, sizeof(*ov));
	for (uint32_t i = 0; ov && i < pres->count_planes; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, pres->planes[i]);

		if (p && p->crtc_id == s->crtc_id && p->fb_id && p->fb_id != s->fb_id) {
			ov[n] = (struct overlay){ .plane_id = p->plane_id, .fb_id = p->fb_id };
			plane_props(fd, &ov[n]);
			if (ov[n].type != DRM_PLANE_TYPE_PRIMARY)
				n++;
		}
		drmModeFreePlane(p);
	}
	if (ov)
		qsort(ov, n, sizeof(*ov), overlay_cmp);
	for (uint32_t i = 0; i < n && ret == 0; i++)
		ret = blend_plane(fd, path, &ov[i], img, s->w, s->h);
	free(ov);
	drmModeFreePlaneResources(pres);
	return ret;
}

/* ---- PNG ---- */

static void write_rows(png_structp png, const uint8_t *rgb, uint32_t w,
		       uint32_t h)
{
	for (uint32_t y = 0; y < h; y++)
		png_write_row(png, rgb + (size_t)y * w * 3);
}

/** Write @rgb (w*h packed 8-bit RGB) to @file as PNG. Returns 0 or -1. */
static int write_png(const char *file, const uint8_t *rgb, uint32_t w,
		     uint32_t h)
{
	png_structp png;
	png_infop info;
	FILE *f = fopen(file, "wb");

	if (!f) {
		drmctl_err("%s: %m", file);
		return -1;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		drmctl_err("%s: libpng initialisation failed", file);
		png_destroy_write_struct(&png, NULL);
		fclose(f);
		unlink(file);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		/* libpng has printed the reason. */
		drmctl_err("%s: writing PNG failed", file);
		png_destroy_write_struct(&png, &info);
		fclose(f);
		unlink(file);
		return -1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	write_rows(png, rgb, w, h);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fclose(f) != 0) {
		drmctl_err("%s: %m", file);
		unlink(file);
		return -1;
	}
	return 0;
}

/* ---- command ---- */

int drmctl_cmd_screenshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "crtc", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *crtc_arg = NULL, *out = NULL;
	char path[PATH_MAX];
	struct scanout s = { .crtc_id = 0 };
	const struct pixfmt *pf;
	drmModeResPtr res;
	uint8_t *img = NULL;
	int fd, c, ret = DRMCTL_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			crtc_arg = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			drmctl_usage("screenshot", 1);
			return DRMCTL_EXIT_OK;
		default:
			drmctl_usage("screenshot", 0);
			return DRMCTL_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !out) {
		drmctl_err("screenshot: %s",
			   argc - optind > 1 ? "expected one NODE" :
			   argc - optind < 1 ? "missing NODE" :
					       "missing -o FILE.png");
		drmctl_usage("screenshot", 0);
		return DRMCTL_EXIT_USAGE;
	}

	fd = drmctl_open_node(argv[optind], path, sizeof(path));
	if (fd < 0)
		return DRMCTL_EXIT_FAIL;
	res = drmModeGetResources(fd);
	if (!res) {
		drmctl_err_no_kms(path, errno);
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}

	if (pick_crtc(fd, path, res, crtc_arg, &s) == 0 &&
	    get_fb(fd, path, &s) == 0) {
		pf = check_fb(path, &s);
		if (pf && virgl_3d(fd) && virgl_readback(fd, path, &s) != 0)
			pf = NULL;
		if (pf)
			img = read_scanout(fd, path, &s, pf);
		if (img && compose_planes(fd, path, &s, img) != 0) {
			free(img);
			img = NULL;
		}
		drmctl_gem_close(fd, s.handles, 4);
	}
	drmModeFreeResources(res);
	close(fd);

	if (img && write_png(out, img, s.w, s.h) == 0) {
		printf("%s\n", out);
		ret = DRMCTL_EXIT_OK;
	}
	free(img);
	return ret;
}
