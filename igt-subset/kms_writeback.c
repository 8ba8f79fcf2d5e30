/* SPDX-License-Identifier: MIT */
/*
 * Writeback connectors, modelled on upstream IGT's kms_writeback (writeback-pixel-formats,
 * writeback-invalid-parameters, writeback-fb-id, writeback-check-output), with the rules of
 * Linux 6.1: drm_writeback.c (the connector and its WRITEBACK_FB_ID, WRITEBACK_OUT_FENCE_PTR
 * and WRITEBACK_PIXEL_FORMATS properties, shown only to clients with
 * DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, which needs the atomic cap), drm_atomic_uapi.c
 * (WRITEBACK_FB_ID is an FB object property: anything else is EINVAL; the out-fence pointer
 * gets -1 at once, a bad one EFAULT), drm_atomic.c's drm_atomic_connector_check (a framebuffer
 * needs an active CRTC; an out-fence needs a framebuffer) and the writeback encoder checks
 * (vkms_wb_encoder_atomic_check: the mode's size; drm_atomic_helper_check_wb_encoder_state: a
 * listed format).
 *
 * Only drivers with a writeback connector run these (vkms with enable_writeback=1; the test
 * VM's virtio_gpu has none: every subtest skips there).  writeback-check-output waits for the
 * job's out-fence (a sync_file: POLLIN once the frame is written; on cuse-drm it comes through
 * the client shim) and compares the written frame with the input framebuffer pixel by pixel.
 */
#include "igt.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CRTC DRM_MODE_OBJECT_CRTC
#define CONNECTOR DRM_MODE_OBJECT_CONNECTOR

/* The pipe, lit, and the writeback connector that can take its CRTC; skips when there is none. */
struct wb_output {
	int fd;
	struct kms_pipe pipe;
	uint32_t wb_id;
	uint32_t in_fb, in_handle;
};

static void wb_output_open(struct wb_output *o)
{
	struct drm_mode_card_res res;
	uint32_t conns[16];

	memset(o, 0, sizeof(*o));
	o->fd = drm_open_primary();
	igt_require_atomic(o->fd);
	igt_require_pipe(o->fd, &o->pipe);
	igt_assert_eq(__kms_set_client_cap(o->fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1), 0);
	memset(&res, 0, sizeof(res));
	do_ioctl(o->fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	igt_assert(res.count_connectors <= 16);
	res.connector_id_ptr = (uintptr_t)conns;
	res.count_crtcs = res.count_encoders = res.count_fbs = 0;
	do_ioctl(o->fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	for (uint32_t i = 0; i < res.count_connectors && !o->wb_id; i++) {
		struct drm_mode_get_connector c;
		struct drm_mode_get_encoder e;
		uint32_t encs[8];

		/* The possible encoders (encoder_id is the current one: 0 while idle). */
		memset(&c, 0, sizeof(c));
		c.connector_id = conns[i];
		do_ioctl(o->fd, DRM_IOCTL_MODE_GETCONNECTOR, &c);
		if (c.connector_type != DRM_MODE_CONNECTOR_WRITEBACK || !c.count_encoders || c.count_encoders > 8)
			continue;
		c.encoders_ptr = (uintptr_t)encs;
		c.count_modes = c.count_props = 0;
		do_ioctl(o->fd, DRM_IOCTL_MODE_GETCONNECTOR, &c);
		memset(&e, 0, sizeof(e));
		e.encoder_id = encs[0];
		do_ioctl(o->fd, DRM_IOCTL_MODE_GETENCODER, &e);
		if (e.possible_crtcs & (1u << o->pipe.crtc_index))
			o->wb_id = conns[i];
	}
	igt_require_f(o->wb_id, "no writeback connector for the pipe's CRTC\n");
	o->in_fb = kms_pipe_atomic_on(o->fd, &o->pipe);
}

/* do_writeback_test(): the writeback connector on the CRTC with @fb_id and @fence_ptr. */
static int writeback_commit(struct wb_output *o, uint32_t flags, uint64_t fb_id, uint64_t fence_ptr)
{
	struct kms_atomic req;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, o->fd, o->wb_id, CONNECTOR, "CRTC_ID", o->pipe.crtc_id);
	kms_atomic_set(&req, o->fd, o->wb_id, CONNECTOR, "WRITEBACK_FB_ID", fb_id);
	if (fence_ptr)
		kms_atomic_set(&req, o->fd, o->wb_id, CONNECTOR, "WRITEBACK_OUT_FENCE_PTR", fence_ptr);
	return kms_atomic_commit(o->fd, &req, flags | DRM_MODE_ATOMIC_ALLOW_MODESET, 0);
}

static uint32_t mode_fb(struct wb_output *o, uint32_t format, uint32_t *handle)
{
	uint32_t fb = 0;

	igt_assert_eq(__kms_fb_create(o->fd, o->pipe.mode.hdisplay, o->pipe.mode.vdisplay, format, &fb,
				      handle),
		      0);
	return fb;
}

/* The WRITEBACK_PIXEL_FORMATS blob; returns the count. */
static uint32_t pixel_formats(struct wb_output *o, uint32_t *formats, uint32_t max)
{
	uint64_t blob = kms_prop_value(o->fd, o->wb_id, CONNECTOR, "WRITEBACK_PIXEL_FORMATS");
	uint32_t len = 0;

	igt_assert(blob != 0);
	igt_assert_eq(__kms_blob_get(o->fd, (uint32_t)blob, NULL, &len), 0);
	igt_assert(len > 0 && len % 4 == 0 && len / 4 <= max);
	igt_assert_eq(__kms_blob_get(o->fd, (uint32_t)blob, formats, &len), 0);
	return len / 4;
}

static bool listed(const uint32_t *formats, uint32_t n, uint32_t format)
{
	for (uint32_t i = 0; i < n; i++)
		if (formats[i] == format)
			return true;
	return false;
}

/*
 * The formats blob is a non-empty list of fourccs; a job takes every listed format that has
 * a dumb-buffer layout here (TEST_ONLY) and refuses one that is not listed (EINVAL).  Without
 * the client cap the connector is hidden from GETRESOURCES.
 */
static void writeback_pixel_formats(void)
{
	static const uint32_t candidates[] = {
		DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888,
		DRM_FORMAT_RGB565, DRM_FORMAT_XRGB2101010, DRM_FORMAT_BGRX8888,
	};
	struct wb_output o;
	uint32_t formats[64], n, tried = 0, refused = 0;

	wb_output_open(&o);
	n = pixel_formats(&o, formats, 64);
	for (uint32_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		uint32_t fb = 0;
		int ret;

		/* ADDFB2 refuses formats no plane of the device takes (drm_any_plane_has_format). */
		if (__kms_fb_create(o.fd, o.pipe.mode.hdisplay, o.pipe.mode.vdisplay, candidates[i], &fb, NULL))
			continue;
		ret = writeback_commit(&o, DRM_MODE_ATOMIC_TEST_ONLY, fb, 0);

		igt_debug("%.4s: %d\n", (const char *)&candidates[i], ret);
		if (listed(formats, n, candidates[i])) {
			igt_assert_eq(ret, 0);
			tried++;
		} else {
			igt_assert_eq(ret, -EINVAL);
			refused++;
		}
	}
	igt_assert(tried > 0 && refused > 0);

	/* Another open file without the writeback cap does not see the connector. */
	int fd2 = drm_open_primary();
	struct drm_mode_card_res res;
	uint32_t conns[16];

	igt_assert(kms_try_atomic(fd2));
	memset(&res, 0, sizeof(res));
	do_ioctl(fd2, DRM_IOCTL_MODE_GETRESOURCES, &res);
	igt_assert(res.count_connectors <= 16);
	res.connector_id_ptr = (uintptr_t)conns;
	res.count_crtcs = res.count_encoders = res.count_fbs = 0;
	do_ioctl(fd2, DRM_IOCTL_MODE_GETRESOURCES, &res);
	for (uint32_t i = 0; i < res.count_connectors; i++)
		igt_assert(conns[i] != o.wb_id);
}

/*
 * upstream's invalid_parameters: no framebuffer but an out-fence, a framebuffer of the wrong
 * size (with an out-fence), and a bad out-fence pointer all fail; here with the kernel's
 * errnos: EINVAL, EINVAL, EFAULT.  A framebuffer on a CRTC that is off: EINVAL.
 */
static void writeback_invalid_parameters(void)
{
	struct wb_output o;
	int32_t fence = 1234;
	uint32_t small = 0;

	wb_output_open(&o);
	igt_assert_eq(__kms_fb_create(o.fd, 64, 64, DRM_FORMAT_XRGB8888, &small, NULL), 0);
	igt_assert_eq(writeback_commit(&o, 0, 0, (uintptr_t)&fence), -EINVAL);
	igt_assert_eq(fence, -1);
	fence = 1234;
	igt_assert_eq(writeback_commit(&o, 0, small, (uintptr_t)&fence), -EINVAL);
	igt_assert_eq(fence, -1);
	igt_assert_eq(writeback_commit(&o, 0, mode_fb(&o, DRM_FORMAT_XRGB8888, NULL), 0x8), -EFAULT);

	struct kms_atomic req;
	kms_atomic_clear(&req);
	kms_atomic_pipe_off(&req, o.fd, &o.pipe);
	igt_assert_eq(kms_atomic_commit(o.fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	igt_assert_eq(writeback_commit(&o, DRM_MODE_ATOMIC_TEST_ONLY, mode_fb(&o, DRM_FORMAT_XRGB8888, NULL),
				       0),
		      -EINVAL);
}

/*
 * upstream's writeback_fb_id: a valid framebuffer works, another object's id is EINVAL, 0 is
 * fine; the property reads back 0 (a job is one-shot).
 */
static void writeback_fb_id(void)
{
	struct wb_output o;

	wb_output_open(&o);
	igt_assert_eq(writeback_commit(&o, 0, mode_fb(&o, DRM_FORMAT_XRGB8888, NULL), 0), 0);
	igt_assert_eq_u64(kms_prop_value(o.fd, o.wb_id, CONNECTOR, "WRITEBACK_FB_ID"), 0);
	igt_assert_eq(writeback_commit(&o, 0, o.wb_id, 0), -EINVAL);
	igt_assert_eq(writeback_commit(&o, 0, 0, 0), 0);
}

static uint32_t *map_fb(struct wb_output *o, uint32_t handle, size_t size)
{
	uint32_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd,
			   (off_t)dumb_map_offset(o->fd, handle));
	igt_assert(p != MAP_FAILED);
	return p;
}

static void wait_vblanks(struct wb_output *o, unsigned int n)
{
	union drm_wait_vblank vbl;

	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = _DRM_VBLANK_RELATIVE |
			   ((o->pipe.crtc_index << _DRM_VBLANK_HIGH_CRTC_SHIFT) & _DRM_VBLANK_HIGH_CRTC_MASK);
	vbl.request.sequence = n;
	do_ioctl(o->fd, DRM_IOCTL_WAIT_VBLANK, &vbl);
}

/*
 * upstream's writeback_check_output: the primary plane shows a pattern; after a writeback
 * commit the output framebuffer holds the same picture (XRGB8888 in, XRGB8888 out: RGB equal,
 * X written as 0xff); a second job with another picture gets that one.  A job is done once:
 * frames after it do not touch the framebuffer.
 */
static void writeback_check_output(void)
{
	struct wb_output o;
	uint32_t in_h, out_h, in_fb, out_fb;
	uint32_t w, h;
	size_t size;
	uint32_t *in, *out;

	wb_output_open(&o);
	igt_require_f(kms_has_vblank(o.fd, &o.pipe), "no vblanks to wait for\n");
	w = o.pipe.mode.hdisplay;
	h = o.pipe.mode.vdisplay;
	size = (size_t)w * h * 4;
	in_fb = mode_fb(&o, DRM_FORMAT_XRGB8888, &in_h);
	out_fb = mode_fb(&o, DRM_FORMAT_XRGB8888, &out_h);
	in = map_fb(&o, in_h, size);
	out = map_fb(&o, out_h, size);
	for (uint32_t round = 0; round < 2; round++) {
		struct kms_atomic req;

		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++)
				in[y * w + x] = round ? (x * 255 / w) << 8 | (y * 255 / h)
						      : (x < w / 2 ? 0x00ff0000u : 0x000000ffu);
		memset(out, 0, size);
		kms_atomic_clear(&req);
		kms_atomic_set(&req, o.fd, o.pipe.primary.id, DRM_MODE_OBJECT_PLANE, "FB_ID", in_fb);
		kms_atomic_set(&req, o.fd, o.wb_id, CONNECTOR, "CRTC_ID", o.pipe.crtc_id);
		kms_atomic_set(&req, o.fd, o.wb_id, CONNECTOR, "WRITEBACK_FB_ID", out_fb);
		int32_t fence = -1;
		kms_atomic_set(&req, o.fd, o.wb_id, CONNECTOR, "WRITEBACK_OUT_FENCE_PTR", (uintptr_t)&fence);
		igt_assert_eq(kms_atomic_commit(o.fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
		/* get_and_wait_out_fence(). */
		igt_assert(fence >= 0);
		igt_assert_f(igt_poll_fd(fence, POLLIN, 5000) & POLLIN, "the writeback out-fence did not signal\n");
		close(fence);
		for (size_t i = 0; i < (size_t)w * h; i++)
			igt_assert_f(out[i] == (0xff000000u | in[i]), "pixel %zu: 0x%08x, expected 0x%08x\n", i,
				     out[i], 0xff000000u | in[i]);
	}
	/* The job is done: later frames leave the framebuffer alone. */
	memset(out, 0, size);
	wait_vblanks(&o, 2);
	igt_assert_eq(out[0], 0);
	munmap(in, size);
	munmap(out, size);
}

static const struct igt_subtest tests[] = {
	{ "writeback-pixel-formats", writeback_pixel_formats },
	{ "writeback-invalid-parameters", writeback_invalid_parameters },
	{ "writeback-fb-id", writeback_fb_id },
	{ "writeback-check-output", writeback_check_output },
};

IGT_MAIN(tests)
