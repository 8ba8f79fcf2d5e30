/* SPDX-License-Identifier: MIT */
/*
 * Pipe CRCs, modelled on upstream IGT's kms_pipe_crc_basic (bad-source, read-crc,
 * read-crc-frame-sequence, nonblocking-crc, nonblocking-crc-frame-sequence,
 * compare-crc-sanitycheck-xr24/-nv12, disable-crc-after-crtc) on the first pipe, with the rules
 * of Linux 6.1's drm_debugfs_crc.c: a source the driver does not know is EINVAL
 * (crc_control_write, via verify_crc_source), opening crc/data on an inactive CRTC is EIO and a
 * second open EBUSY (crtc_crc_open), the capture ends when its file is released
 * (crtc_crc_release).  A CRC is computed for every frame (vkms: each vblank while capturing),
 * so a static picture gives equal CRCs with consecutive frame numbers.
 *
 * The CRCs come through igt_pipe_crc.h: CUSE_DRM_IOCTL_CRC on cuse-drm, debugfs on a kernel
 * driver.  A driver without CRCs (the test VM's virtio_gpu) skips every subtest.  Upstream's
 * suspend and hang variants need suspend and a GPU to hang: not here.  Upstream uses DPMS off
 * in disable-crc-after-crtc; atomic ACTIVE=0 is what the DPMS property does on an atomic driver
 * (drm_atomic_helper_connector_dpms).
 */
#include "igt_pipe_crc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_CRCS 3

/* The first pipe, lit with a mode-sized framebuffer of one colour; skips without CRCs. */
struct crc_data {
	int fd;
	struct kms_pipe pipe;
	uint32_t mode_blob;
	struct kms_color_fb fb;
};

static void crc_data_open(struct crc_data *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = drm_open_primary();
	igt_require_atomic(d->fd);
	igt_require_pipe(d->fd, &d->pipe);
	igt_require_pipe_crc(d->fd, d->pipe.crtc_index);
	kms_pipe_use_smallest_mode(&d->pipe);
	d->mode_blob = kms_blob_create(d->fd, &d->pipe.mode, sizeof(d->pipe.mode));
}

static void pipe_on(struct crc_data *d, uint32_t fb_id)
{
	struct kms_atomic req;
	int ret;

	kms_atomic_clear(&req);
	kms_atomic_pipe_on(&req, d->fd, &d->pipe, d->mode_blob, &d->pipe.mode, fb_id);
	ret = kms_atomic_commit(d->fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0);
	igt_assert_f(ret == 0, "modeset %s: %s\n", d->pipe.mode.name, strerror(-ret));
}

static void pipe_active(struct crc_data *d, bool active)
{
	struct kms_atomic req;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, d->fd, d->pipe.crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", active);
	igt_assert_eq(kms_atomic_commit(d->fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
}

static void color_fb(struct crc_data *d, uint32_t format, kms_argb8 color, struct kms_color_fb *fb)
{
	kms_color_fb_create(d->fd, d->pipe.mode.hdisplay, d->pipe.mode.vdisplay, format, color, fb);
}

static void wait_vblanks(struct crc_data *d, uint32_t n)
{
	union drm_wait_vblank vbl;

	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = _DRM_VBLANK_RELATIVE | ((d->pipe.crtc_index << _DRM_VBLANK_HIGH_CRTC_SHIFT) &
						   _DRM_VBLANK_HIGH_CRTC_MASK);
	vbl.request.sequence = n;
	do_ioctl(d->fd, DRM_IOCTL_WAIT_VBLANK, &vbl);
}

/*
 * upstream's test_bad_source: writing "foo" to crc/control fails with EINVAL (the driver's
 * verify_crc_source), before anything about the CRTC is looked at.  Then "auto" still works.
 */
static void bad_source(void)
{
	struct crc_data d;
	struct kms_color_fb fb;
	igt_pipe_crc_t *pc;

	crc_data_open(&d);
	pc = igt_pipe_crc_new(d.fd, d.pipe.crtc_index, "foo");
	igt_assert_eq(__igt_pipe_crc_start(pc), -EINVAL);
	igt_pipe_crc_free(pc);

	color_fb(&d, DRM_FORMAT_XRGB8888, 0xff00ff00, &fb);
	pipe_on(&d, fb.fb_id);
	pc = igt_pipe_crc_new(d.fd, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
	igt_assert_eq(__igt_pipe_crc_start(pc), 0);
	igt_pipe_crc_free(pc);
}

enum { TEST_BASIC = 0, TEST_SEQUENCE = 1, TEST_NONBLOCK = 2 };

/*
 * upstream's test_read_crc: for each of two colours (green, cyan) a full-screen framebuffer;
 * N_CRCS CRCs of it are all equal (and, with TEST_SEQUENCE, of consecutive frames).  Nonblocking:
 * start after a vblank, wait N_CRCS vblanks, then whatever is queued (at least N_CRCS).  Here
 * also: the two colours give different CRCs.
 */
static void read_crc(unsigned int flags)
{
	static const kms_argb8 colors[2] = { 0xff00ff00, 0xff00ffff };
	igt_crc_t first[2];
	struct crc_data d;

	crc_data_open(&d);
	for (int c = 0; c < 2; c++) {
		struct kms_color_fb fb;
		igt_pipe_crc_t *pc;
		igt_crc_t *crcs = NULL;
		int n;

		color_fb(&d, DRM_FORMAT_XRGB8888, colors[c], &fb);
		pipe_on(&d, fb.fb_id);
		if (flags & TEST_NONBLOCK) {
			pc = igt_pipe_crc_new_nonblock(d.fd, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
			wait_vblanks(&d, 1);
			igt_pipe_crc_start(pc);
			wait_vblanks(&d, N_CRCS);
			n = igt_pipe_crc_get_crcs(pc, N_CRCS + 1, &crcs);
			igt_pipe_crc_stop(pc);
			igt_pipe_crc_free(pc);
			/* allow a one frame difference */
			igt_assert_lte(N_CRCS, n);
		} else {
			pc = igt_pipe_crc_new(d.fd, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
			igt_pipe_crc_start(pc);
			n = igt_pipe_crc_get_crcs(pc, N_CRCS, &crcs);
			igt_pipe_crc_stop(pc);
			igt_pipe_crc_free(pc);
			igt_assert_eq(n, N_CRCS);
		}
		first[c] = crcs[0];
		for (int j = 0; j < n - 1; j++)
			igt_assert_crc_equal(&crcs[j], &crcs[j + 1]);
		if (flags & TEST_SEQUENCE) {
			for (int j = 0; j < n - 1; j++) {
				igt_assert(crcs[j].has_valid_frame);
				igt_assert_eq_u32(crcs[j].frame + 1, crcs[j + 1].frame);
			}
		}
		free(crcs);
		kms_color_fb_remove(d.fd, &fb);
	}
	igt_assert_f(first[0].crc[0] != first[1].crc[0] || first[0].n_words > 1,
		     "green and cyan frames gave the same CRC %08x\n", first[0].crc[0]);
}

static void read_crc_basic(void) { read_crc(TEST_BASIC); }
static void read_crc_sequence(void) { read_crc(TEST_SEQUENCE); }
static void read_crc_nonblock(void) { read_crc(TEST_NONBLOCK); }
static void read_crc_nonblock_sequence(void) { read_crc(TEST_NONBLOCK | TEST_SEQUENCE); }

/*
 * upstream's test_compare_crc: a white XRGB8888 framebuffer, then another white one in
 * @format on the primary plane: the CRCs are equal (skips when the primary plane lacks the
 * format).
 */
static void compare_crc(uint32_t format)
{
	struct kms_color_fb fb0, fb1;
	igt_crc_t ref, crc;
	igt_pipe_crc_t *pc;
	struct crc_data d;

	crc_data_open(&d);
	igt_require_f(kms_plane_has_format(&d.pipe.primary, format), "the primary plane has no %.4s\n",
		      (const char *)&format);
	color_fb(&d, DRM_FORMAT_XRGB8888, 0xffffffff, &fb0);
	color_fb(&d, format, 0xffffffff, &fb1);
	pipe_on(&d, fb0.fb_id);
	pc = igt_pipe_crc_new(d.fd, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
	igt_pipe_crc_collect_crc(pc, &ref);
	kms_pipe_set_primary_fb(d.fd, &d.pipe, fb1.fb_id);
	igt_pipe_crc_collect_crc(pc, &crc);
	igt_assert_crc_equal(&crc, &ref);
	igt_pipe_crc_free(pc);
}

static void compare_crc_xr24(void) { compare_crc(DRM_FORMAT_XRGB8888); }
static void compare_crc_nv12(void) { compare_crc(DRM_FORMAT_NV12); }

/*
 * The other half of the sanity check: pictures that differ give different CRCs, even by one
 * pixel, and the CRC follows a page flip within one capture (the first CRC of a frame after the
 * flip's vblank is the new picture's).
 */
static void compare_crc_mismatch(void)
{
	struct kms_color_fb a, b, c;
	igt_crc_t ca, cb, cc, again;
	igt_pipe_crc_t *pc;
	struct crc_data d;

	crc_data_open(&d);
	color_fb(&d, DRM_FORMAT_XRGB8888, 0xff0000ff, &a);
	color_fb(&d, DRM_FORMAT_XRGB8888, 0xffff0000, &b);
	color_fb(&d, DRM_FORMAT_XRGB8888, 0xff0000ff, &c);
	kms_color_fb_fill(&c, d.pipe.mode.hdisplay / 2, d.pipe.mode.vdisplay / 2, 1, 1, 0xff0000fe);
	pipe_on(&d, a.fb_id);
	pc = igt_pipe_crc_new(d.fd, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
	igt_pipe_crc_start(pc);
	igt_pipe_crc_get_current(d.fd, pc, &ca);
	kms_pipe_set_primary_fb(d.fd, &d.pipe, b.fb_id);
	igt_pipe_crc_get_current(d.fd, pc, &cb);
	kms_pipe_set_primary_fb(d.fd, &d.pipe, c.fb_id);
	igt_pipe_crc_get_current(d.fd, pc, &cc);
	kms_pipe_set_primary_fb(d.fd, &d.pipe, a.fb_id);
	igt_pipe_crc_get_current(d.fd, pc, &again);
	igt_pipe_crc_stop(pc);
	igt_pipe_crc_free(pc);
	igt_assert(ca.n_words == cb.n_words && ca.n_words == cc.n_words);
	igt_assert_f(memcmp(ca.crc, cb.crc, sizeof(uint32_t) * (size_t)ca.n_words) != 0,
		     "blue and red frames gave the same CRC\n");
	igt_assert_f(memcmp(ca.crc, cc.crc, sizeof(uint32_t) * (size_t)ca.n_words) != 0,
		     "a one-pixel change left the CRC alone\n");
	igt_assert_crc_equal(&ca, &again);
}

/*
 * upstream's test_disable_crc_after_crtc: a capture runs, the CRTC goes off, the capture
 * stops (no error, nothing stuck), the CRTC comes back and a new capture gives the same CRC.
 */
static void disable_crc_after_crtc(void)
{
	struct kms_color_fb fb;
	igt_crc_t crc[2];
	igt_pipe_crc_t *pc;
	struct crc_data d;

	crc_data_open(&d);
	pc = igt_pipe_crc_new(d.fd, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
	color_fb(&d, DRM_FORMAT_XRGB8888, 0xff00ff00, &fb);
	pipe_on(&d, fb.fb_id);
	igt_pipe_crc_start(pc);
	igt_pipe_crc_get_current(d.fd, pc, &crc[0]);
	pipe_active(&d, false);
	igt_pipe_crc_stop(pc);
	pipe_active(&d, true);
	igt_pipe_crc_collect_crc(pc, &crc[1]);
	igt_assert_crc_equal(&crc[0], &crc[1]);
	igt_pipe_crc_free(pc);
}

/*
 * crtc_crc_open(): opening crc/data of an inactive CRTC is EIO; a second capture while one is
 * open is EBUSY, from this file or another; once the other file's capture stops
 * (crtc_crc_release), this file can capture.
 */
static void crc_open_errors(void)
{
	struct kms_color_fb fb;
	igt_pipe_crc_t *pc, *pc2;
	struct crc_data d;
	igt_crc_t crc;
	int fd2;

	crc_data_open(&d);
	color_fb(&d, DRM_FORMAT_XRGB8888, 0xff00ff00, &fb);
	pipe_on(&d, fb.fb_id);
	pipe_active(&d, false);
	pc = igt_pipe_crc_new(d.fd, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
	igt_assert_eq(__igt_pipe_crc_start(pc), -EIO);
	pipe_active(&d, true);

	fd2 = drm_open_primary();
	pc2 = igt_pipe_crc_new(fd2, d.pipe.crtc_index, IGT_PIPE_CRC_SOURCE_AUTO);
	igt_pipe_crc_start(pc2);
	igt_assert_eq(__igt_pipe_crc_start(pc), -EBUSY);
	igt_pipe_crc_get_single(pc2, &crc);
	igt_pipe_crc_free(pc2);
	close(fd2);
	igt_pipe_crc_start(pc);
	igt_pipe_crc_get_single(pc, &crc);
	igt_pipe_crc_free(pc);
}

static const struct igt_subtest tests[] = {
	{ "bad-source", bad_source },
	{ "read-crc", read_crc_basic },
	{ "read-crc-frame-sequence", read_crc_sequence },
	{ "nonblocking-crc", read_crc_nonblock },
	{ "nonblocking-crc-frame-sequence", read_crc_nonblock_sequence },
	{ "compare-crc-sanitycheck-xr24", compare_crc_xr24 },
	{ "compare-crc-sanitycheck-nv12", compare_crc_nv12 },
	{ "compare-crc-mismatch", compare_crc_mismatch },
	{ "disable-crc-after-crtc", disable_crc_after_crtc },
	{ "crc-open-errors", crc_open_errors },
};

IGT_MAIN(tests)
