/* SPDX-License-Identifier: MIT */
/*
 * MODE_ATOMIC: the validation of drm_mode_atomic_ioctl and the core checks behind it, as in
 * Linux 6.1 (drm_atomic_uapi.c, drm_atomic.c: drm_atomic_check_only, drm_atomic_plane_check,
 * drm_atomic_crtc_check; drm_atomic_helper.c: drm_atomic_helper_check_modeset,
 * drm_atomic_helper_check_plane_state, stall_checks; drm_property.c:
 * drm_property_change_valid_get), and commits that work: a modeset, page flips with events,
 * out-fences.  Upstream IGT's kms_atomic (plane-invalid-params, crtc-invalid-params,
 * atomic-invalid-params, test-only, plane-*-legacy) covers the same ground.
 *
 * The order of the ioctl's own checks, each answering before anything later is looked at:
 *   no DRIVER_ATOMIC: EOPNOTSUPP; no DRM_CLIENT_CAP_ATOMIC on the file: EINVAL; unknown flag
 *   (anything but PAGE_FLIP_EVENT, PAGE_FLIP_ASYNC, TEST_ONLY, NONBLOCK, ALLOW_MODESET):
 *   EINVAL; reserved != 0: EINVAL; PAGE_FLIP_ASYNC: EINVAL (6.1; later kernels allow it for
 *   primary-plane flips); TEST_ONLY with PAGE_FLIP_EVENT: EINVAL.  Then per object: the id
 *   read (EFAULT), looked up (ENOENT, also for objects without properties), its count read
 *   (EFAULT), and per property: the id read (EFAULT), found on that object (ENOENT), the
 *   value read (EFAULT) and checked (drm_property_change_valid_get: immutable, out of range,
 *   no such object or blob: EINVAL).  MODE_ATOMIC is a master ioctl (EACCES otherwise).
 *
 * Driver-specific expectations (both drivers of the conformance run agree, 6.1 sources):
 * virtio_gpu and vkms check planes with DRM_PLANE_NO_SCALING, and their primary plane must
 * cover the whole CRTC (virtio_gpu_plane_atomic_check: can_position only for the cursor;
 * vkms_plane_atomic_check: can_position for non-primary planes, and "primary plane must be
 * visible and full screen").  Those subtests name the rule they rely on.
 */
#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CRTC DRM_MODE_OBJECT_CRTC
#define PLANE DRM_MODE_OBJECT_PLANE
#define CONNECTOR DRM_MODE_OBJECT_CONNECTOR

/* The flags drm_mode_atomic_ioctl accepts (DRM_MODE_ATOMIC_FLAGS in drm_mode.h). */
#define ATOMIC_FLAGS                                                                       \
	(DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_PAGE_FLIP_ASYNC | DRM_MODE_ATOMIC_TEST_ONLY |  \
	 DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_ATOMIC_ALLOW_MODESET)

static int open_atomic(struct kms_pipe *pipe)
{
	int fd = drm_open_primary();
	igt_require_atomic(fd);
	igt_require_pipe(fd, pipe);
	return fd;
}

/* The pipe on, its preferred mode shown by a new framebuffer; returns that framebuffer. */
static uint32_t pipe_on(int fd, const struct kms_pipe *pipe)
{
	return kms_pipe_atomic_on(fd, pipe);
}

static uint32_t mode_fb(int fd, const struct kms_pipe *pipe)
{
	return kms_fb_create(fd, pipe->mode.hdisplay, pipe->mode.vdisplay, DRM_FORMAT_XRGB8888);
}

/* Primary plane full screen with @fb, as kms_atomic_pipe_on puts it. */
static void primary_full(struct kms_atomic *req, int fd, const struct kms_pipe *pipe, uint32_t fb)
{
	const struct drm_mode_modeinfo *m = &pipe->mode;
	kms_atomic_plane(req, fd, pipe->primary.id, pipe->crtc_id, fb, 0, 0, m->hdisplay,
			 m->vdisplay, 0, 0, (uint32_t)m->hdisplay << 16, (uint32_t)m->vdisplay << 16);
}

static uint64_t prop(int fd, uint32_t obj, uint32_t type, const char *name)
{
	return kms_prop_value(fd, obj, type, name);
}

static void require_cursor(const struct kms_pipe *pipe)
{
	igt_require_f(pipe->cursor.id, "the CRTC has no cursor plane\n");
}

static uint32_t cursor_fb(int fd)
{
	return kms_fb_create(fd, 64, 64, DRM_FORMAT_ARGB8888);
}

static void no_event(int fd, int timeout_ms)
{
	char buf[256];
	igt_assert_eq(kms_read_event(fd, buf, sizeof(buf), timeout_ms), 0);
}

/* Read one flip-complete event and check it. */
static void expect_flip_event(int fd, const struct kms_pipe *pipe, uint64_t user_data)
{
	struct drm_event_vblank ev;
	memset(&ev, 0, sizeof(ev));
	int n = kms_read_event(fd, &ev, sizeof(ev), 3000);
	igt_assert_f(n > 0, "no flip event within 3 s\n");
	igt_assert_eq(n, sizeof(ev));
	igt_assert_eq(ev.base.type, DRM_EVENT_FLIP_COMPLETE);
	igt_assert_eq(ev.base.length, sizeof(ev));
	igt_assert_eq_u64(ev.user_data, user_data);
	igt_assert_eq(ev.crtc_id, pipe->crtc_id);
}

/* Two pages: read-write, then PROT_NONE; returns the address of the PROT_NONE one. */
static void *unmapped_page(void)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(p != MAP_FAILED);
	igt_assert_eq(mprotect(p + page, page, PROT_NONE), 0);
	return p + page;
}

/* --- the ioctl's own checks ------------------------------------------------------------ */

static void atomic_cap_required(void)
{
	int fd = drm_open_primary();
	igt_require_kms(fd);
	{
		int probe = drm_open_primary();
		igt_require_f(kms_try_atomic(probe), "the driver is not atomic\n");
		close(probe);
	}
	struct kms_atomic req;
	kms_atomic_clear(&req);
	igt_assert(igt_is_master(fd));
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EINVAL);

	/* Values above 2 are EINVAL; 0 turns the cap off again (drm_setclientcap). */
	igt_assert_eq(__kms_set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 3), -EINVAL);
	igt_assert_eq(__kms_set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 1), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
	igt_assert_eq(__kms_set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EINVAL);
}

static void non_master(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	int fd2 = drm_open_primary();
	struct kms_atomic req;

	igt_assert(!igt_is_master(fd2));
	igt_assert(kms_try_atomic(fd2));
	kms_atomic_clear(&req);
	igt_assert_eq(kms_atomic_commit(fd2, &req, 0, 0), -EACCES);
	igt_assert_eq(kms_atomic_commit(fd2, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EACCES);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
}

static void invalid_flags(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	static const uint32_t bad[] = { DRM_MODE_PAGE_FLIP_TARGET_ABSOLUTE,
					DRM_MODE_PAGE_FLIP_TARGET_RELATIVE, 0x800, 0x10000,
					0x80000000u, ~(uint32_t)ATOMIC_FLAGS };

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "ACTIVE", 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		igt_assert_eq(kms_atomic_commit(fd, &req, bad[i], 0), -EINVAL);
		igt_assert_eq(kms_atomic_commit(fd, &req, bad[i] | DRM_MODE_ATOMIC_TEST_ONLY, 0),
			      -EINVAL);
	}
}

/* Linux 6.1 refuses PAGE_FLIP_ASYNC on MODE_ATOMIC outright (6.8 began to allow it). */
static void async_flip(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;

	kms_atomic_clear(&req);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_ASYNC, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req,
					DRM_MODE_PAGE_FLIP_ASYNC | DRM_MODE_ATOMIC_TEST_ONLY, 0),
		      -EINVAL);
}

static void test_only_event(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = pipe_on(fd, &pipe);

	kms_atomic_clear(&req);
	primary_full(&req, fd, &pipe, fb);
	igt_assert_eq(kms_atomic_commit(fd, &req,
					DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_PAGE_FLIP_EVENT, 0),
		      -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
}

static void reserved_field(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct drm_mode_atomic a;

	memset(&a, 0, sizeof(a));
	a.reserved = 1;
	igt_assert_eq(__kms_atomic_ioctl(fd, &a), -EINVAL);
	a.reserved = 1ull << 63;
	a.flags = DRM_MODE_ATOMIC_TEST_ONLY;
	igt_assert_eq(__kms_atomic_ioctl(fd, &a), -EINVAL);
	a.reserved = 0;
	igt_assert_eq(__kms_atomic_ioctl(fd, &a), 0);
}

/* No objects: a no-op, unless an event is asked for with no CRTC to send it (EINVAL). */
static void empty_commit(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;

	kms_atomic_clear(&req);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_NONBLOCK, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 0), -EINVAL);
	/* An object with no properties in the request changes nothing either. */
	kms_atomic_clear(&req);
	req.objs[0] = pipe.crtc_id;
	req.count_props[0] = 0;
	req.n_objs = 1;
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 0), -EINVAL);
	no_event(fd, 0);
}

/* --- objects and properties ---------------------------------------------------------------- */

static void bad_object(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t active = kms_prop_id(fd, pipe.crtc_id, CRTC, "ACTIVE");
	uint32_t fb = mode_fb(fd, &pipe);
	uint32_t blob = kms_blob_create(fd, &pipe.mode, sizeof(pipe.mode));
	/* Objects that do not exist, and objects without properties (encoder, fb, blob). */
	const uint32_t ids[] = { 0, 0xdeadbeef, 0xffffffff, pipe.encoder_id, fb, blob };

	igt_assert_neq(active, 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		kms_atomic_clear(&req);
		kms_atomic_add(&req, ids[i], active, 1);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -ENOENT);
		igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -ENOENT);
	}
}

static void bad_property(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb_id = kms_prop_id(fd, pipe.primary.id, PLANE, "FB_ID");
	uint32_t active = kms_prop_id(fd, pipe.crtc_id, CRTC, "ACTIVE");
	struct {
		uint32_t obj, prop;
	} cases[] = {
		{ pipe.crtc_id, 0 },
		{ pipe.crtc_id, 0xdeadbeef },
		{ pipe.crtc_id, pipe.crtc_id },     /* an object id that is no property */
		{ pipe.crtc_id, fb_id },            /* a plane's property on the CRTC */
		{ pipe.connector_id, active },      /* a CRTC's property on the connector */
		{ pipe.primary.id, active },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kms_atomic_clear(&req);
		kms_atomic_add(&req, cases[i].obj, cases[i].prop, 0);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -ENOENT);
	}
}

static void efault(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	uint32_t obj = pipe.crtc_id, count = 1;
	uint32_t prop_id = kms_prop_id(fd, pipe.crtc_id, CRTC, "ACTIVE");
	uint64_t value = prop(fd, pipe.crtc_id, CRTC, "ACTIVE");
	void *hole = unmapped_page();
	struct drm_mode_atomic a = {
		.flags = DRM_MODE_ATOMIC_TEST_ONLY,
		.count_objs = 1,
		.objs_ptr = (uintptr_t)&obj,
		.count_props_ptr = (uintptr_t)&count,
		.props_ptr = (uintptr_t)&prop_id,
		.prop_values_ptr = (uintptr_t)&value,
	};

	igt_assert_eq(__kms_atomic_ioctl(fd, &a), 0);
	struct drm_mode_atomic b = a;
	b.objs_ptr = 0;
	igt_assert_eq(__kms_atomic_ioctl(fd, &b), -EFAULT);
	b.objs_ptr = (uintptr_t)hole;
	igt_assert_eq(__kms_atomic_ioctl(fd, &b), -EFAULT);
	b = a;
	b.count_props_ptr = (uintptr_t)hole;
	igt_assert_eq(__kms_atomic_ioctl(fd, &b), -EFAULT);
	b = a;
	b.props_ptr = (uintptr_t)hole;
	igt_assert_eq(__kms_atomic_ioctl(fd, &b), -EFAULT);
	b = a;
	b.prop_values_ptr = (uintptr_t)hole;
	igt_assert_eq(__kms_atomic_ioctl(fd, &b), -EFAULT);
	/* More objects than the array holds: the second id is read from the hole. */
	uint32_t *objs = (uint32_t *)hole - 1;
	objs[0] = pipe.crtc_id;
	b = a;
	b.count_objs = 2;
	b.objs_ptr = (uintptr_t)objs;
	igt_assert_eq(__kms_atomic_ioctl(fd, &b), -EFAULT);
	/* More properties than the arrays hold: the second id is read from the hole. */
	uint32_t two = 2;
	uint32_t *props = (uint32_t *)hole - 1;
	props[0] = prop_id;
	b = a;
	b.count_props_ptr = (uintptr_t)&two;
	b.props_ptr = (uintptr_t)props;
	igt_assert_eq(__kms_atomic_ioctl(fd, &b), -EFAULT);
}

static void expect_value_einval(int fd, uint32_t obj, uint32_t type, const char *name,
				uint64_t value)
{
	struct kms_atomic req;
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, obj, type, name, value);
	int ret = kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_ALLOW_MODESET, 0);
	igt_assert_f(ret == -EINVAL, "%s = %#llx: %d (%s), expected EINVAL\n", name,
		     (unsigned long long)value, ret, strerror(-ret));
}

static void prop_out_of_range(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	uint32_t p = pipe.primary.id;

	expect_value_einval(fd, pipe.crtc_id, CRTC, "ACTIVE", 2);
	expect_value_einval(fd, pipe.crtc_id, CRTC, "ACTIVE", ~0ull);
	/* Ranges: CRTC_W/H 0..INT_MAX, SRC_* 0..UINT32_MAX, CRTC_X/Y INT_MIN..INT_MAX. */
	expect_value_einval(fd, p, PLANE, "CRTC_W", 0x80000000ull);
	expect_value_einval(fd, p, PLANE, "CRTC_H", 0x80000000ull);
	expect_value_einval(fd, p, PLANE, "SRC_X", 1ull << 32);
	expect_value_einval(fd, p, PLANE, "SRC_W", 1ull << 32);
	expect_value_einval(fd, p, PLANE, "CRTC_X", 0x80000000ull);
	expect_value_einval(fd, p, PLANE, "CRTC_Y", (uint64_t)(int64_t)INT32_MIN - 1);
	/* IN_FENCE_FD is a signed range -1..INT_MAX. */
	expect_value_einval(fd, p, PLANE, "IN_FENCE_FD", (uint64_t)-2);
	/* Object properties: no such object, or an object of another type. */
	expect_value_einval(fd, p, PLANE, "FB_ID", 0xdeadbeef);
	expect_value_einval(fd, p, PLANE, "FB_ID", pipe.crtc_id);
	expect_value_einval(fd, p, PLANE, "CRTC_ID", 0xdeadbeef);
	expect_value_einval(fd, p, PLANE, "CRTC_ID", pipe.connector_id);
	expect_value_einval(fd, pipe.connector_id, CONNECTOR, "CRTC_ID", pipe.primary.id);
	/* An enum value that is not one of its names. */
	uint64_t v;
	if (kms_prop_get(fd, pipe.connector_id, CONNECTOR, "link-status", &v))
		expect_value_einval(fd, pipe.connector_id, CONNECTOR, "link-status", 7);
	expect_value_einval(fd, pipe.connector_id, CONNECTOR, "DPMS", 4);
}

static void immutable_props(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	uint64_t v;

	v = prop(fd, pipe.primary.id, PLANE, "type");
	expect_value_einval(fd, pipe.primary.id, PLANE, "type", v);
	if (kms_prop_get(fd, pipe.connector_id, CONNECTOR, "EDID", &v))
		expect_value_einval(fd, pipe.connector_id, CONNECTOR, "EDID", v);
	if (kms_prop_get(fd, pipe.connector_id, CONNECTOR, "non-desktop", &v))
		expect_value_einval(fd, pipe.connector_id, CONNECTOR, "non-desktop", v);
}

/* DPMS is not writable through MODE_ATOMIC (drm_atomic_connector_set_property), any value. */
static void connector_dpms(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);

	expect_value_einval(fd, pipe.connector_id, CONNECTOR, "DPMS", 0);
	expect_value_einval(fd, pipe.connector_id, CONNECTOR, "DPMS", 3);
}

static void mode_id_invalid(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct drm_mode_modeinfo m;
	uint32_t small = 0x12345678;
	struct kms_atomic req;

	expect_value_einval(fd, pipe.crtc_id, CRTC, "MODE_ID", 0xdeadbeef);
	expect_value_einval(fd, pipe.crtc_id, CRTC, "MODE_ID", pipe.crtc_id);
	/* A blob that is no struct drm_mode_modeinfo. */
	expect_value_einval(fd, pipe.crtc_id, CRTC, "MODE_ID",
			    kms_blob_create(fd, &small, sizeof(small)));
	/* A modeinfo that drm_mode_validate_basic refuses (clock 0, no timings). */
	memset(&m, 0, sizeof(m));
	expect_value_einval(fd, pipe.crtc_id, CRTC, "MODE_ID", kms_blob_create(fd, &m, sizeof(m)));
	m = pipe.mode;
	m.hsync_start = m.hdisplay - 1;
	expect_value_einval(fd, pipe.crtc_id, CRTC, "MODE_ID", kms_blob_create(fd, &m, sizeof(m)));
	/*
	 * A clock above INT_MAX: drm_mode_convert_umode says ERANGE, but
	 * drm_atomic_set_mode_prop_for_crtc turns every conversion failure into EINVAL.
	 */
	m = pipe.mode;
	m.clock = 0x80000000u;
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "MODE_ID", kms_blob_create(fd, &m, sizeof(m)));
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      -EINVAL);
}

/* --- modesets -------------------------------------------------------------------------------- */

static void modeset_needs_allow(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct drm_mode_modeinfo other;
	struct kms_atomic req;

	igt_require_f(kms_pipe_other_mode(&pipe, &other), "the connector has one mode size\n");
	pipe_on(fd, &pipe);
	uint64_t blob_a = prop(fd, pipe.crtc_id, CRTC, "MODE_ID");
	uint32_t blob_b = kms_blob_create(fd, &other, sizeof(other));
	uint32_t fb_b = kms_fb_create(fd, other.hdisplay, other.vdisplay, DRM_FORMAT_XRGB8888);

	/* A valid change of mode (and primary plane to match): only the flag is missing. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "MODE_ID", blob_b);
	kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb_b, 0, 0, other.hdisplay,
			 other.vdisplay, 0, 0, (uint32_t)other.hdisplay << 16,
			 (uint32_t)other.vdisplay << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_NONBLOCK, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req,
					DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "MODE_ID"), blob_a);

	/* ACTIVE 1 -> 0 is a modeset too. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "ACTIVE", 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req,
					DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 1);

	/* With the flag, the mode change happens. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "MODE_ID", blob_b);
	kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb_b, 0, 0, other.hdisplay,
			 other.vdisplay, 0, 0, (uint32_t)other.hdisplay << 16,
			 (uint32_t)other.vdisplay << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "MODE_ID"), blob_b);
	struct drm_mode_crtc c = { .crtc_id = pipe.crtc_id };
	do_ioctl(fd, DRM_IOCTL_MODE_GETCRTC, &c);
	igt_assert_eq(c.mode_valid, 1);
	igt_assert_eq(c.mode.hdisplay, other.hdisplay);
	igt_assert_eq(c.mode.vdisplay, other.vdisplay);
	igt_assert_eq(c.fb_id, fb_b);
}

/* ACTIVE 0 with the mode and planes kept: DPMS off, allowed; events need an active CRTC. */
static void active_off_planes_on(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = pipe_on(fd, &pipe), fb2 = mode_fb(fd, &pipe);
	uint64_t blob = prop(fd, pipe.crtc_id, CRTC, "MODE_ID");

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "ACTIVE", 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "MODE_ID"), blob);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "CRTC_ID"), pipe.crtc_id);
	igt_assert_eq_u64(prop(fd, pipe.connector_id, CONNECTOR, "CRTC_ID"), pipe.crtc_id);

	/* The plane may change while the CRTC is off, but no event can come (drm_atomic_crtc_check). */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb2);
	no_event(fd, 0);

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "ACTIVE", 1);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET |
					      DRM_MODE_PAGE_FLIP_EVENT, 0x77),
		      0);
	expect_flip_event(fd, &pipe, 0x77);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 1);
}

/* ACTIVE needs a mode (drm_atomic_crtc_check: "active without enabled"). */
static void active_without_mode(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;

	pipe_on(fd, &pipe);
	kms_atomic_clear(&req);
	kms_atomic_plane_off(&req, fd, pipe.primary.id);
	kms_atomic_set(&req, fd, pipe.connector_id, CONNECTOR, "CRTC_ID", 0);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "MODE_ID", 0);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "ACTIVE", 1);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), -EINVAL);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 1);
}

/* A CRTC is enabled exactly when a connector uses it (drm_atomic_helper_check_modeset). */
static void connectors_mismatch(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;

	pipe_on(fd, &pipe);
	/* Mode gone, connector still routed to the CRTC. */
	kms_atomic_clear(&req);
	kms_atomic_plane_off(&req, fd, pipe.primary.id);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "MODE_ID", 0);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "ACTIVE", 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      -EINVAL);
	/* Connector detached, mode kept. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.connector_id, CONNECTOR, "CRTC_ID", 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      -EINVAL);
	/* Both: a valid disable. */
	kms_atomic_clear(&req);
	kms_atomic_pipe_off(&req, fd, &pipe);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 1);
}

static void pipe_off(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;

	pipe_on(fd, &pipe);
	kms_atomic_clear(&req);
	kms_atomic_pipe_off(&req, fd, &pipe);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "MODE_ID"), 0);
	igt_assert_eq_u64(prop(fd, pipe.connector_id, CONNECTOR, "CRTC_ID"), 0);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), 0);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "CRTC_ID"), 0);
	struct drm_mode_crtc c = { .crtc_id = pipe.crtc_id };
	do_ioctl(fd, DRM_IOCTL_MODE_GETCRTC, &c);
	igt_assert_eq(c.mode_valid, 0);
	igt_assert_eq(c.fb_id, 0);

	/* An event from a CRTC that is off and stays off: EINVAL. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "ACTIVE", 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
	no_event(fd, 0);
}

/* --- planes ----------------------------------------------------------------------------------- */

/* Either both of FB_ID and CRTC_ID or neither (drm_atomic_plane_check). */
static void plane_fb_crtc_mismatch(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = pipe_on(fd, &pipe);
	uint32_t planes[2] = { pipe.primary.id, pipe.cursor.id };
	uint32_t fbs[2] = { fb, pipe.cursor.id ? cursor_fb(fd) : 0 };

	for (int i = 0; i < 2 && planes[i]; i++) {
		kms_atomic_clear(&req);
		kms_atomic_set(&req, fd, planes[i], PLANE, "FB_ID", fbs[i]);
		kms_atomic_set(&req, fd, planes[i], PLANE, "CRTC_ID", 0);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
						      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
			      -EINVAL);
		kms_atomic_clear(&req);
		kms_atomic_set(&req, fd, planes[i], PLANE, "FB_ID", 0);
		kms_atomic_set(&req, fd, planes[i], PLANE, "CRTC_ID", pipe.crtc_id);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
						      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
			      -EINVAL);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), -EINVAL);
	}
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
}

/* Driver rule: no scaling on virtio_gpu and vkms (DRM_PLANE_NO_SCALING): ERANGE. */
static void plane_scaled(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	const struct drm_mode_modeinfo *m = &pipe.mode;
	uint32_t fb = pipe_on(fd, &pipe);

	kms_atomic_clear(&req);
	kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb, 0, 0, m->hdisplay,
			 m->vdisplay, 0, 0, (uint32_t)(m->hdisplay / 2) << 16,
			 (uint32_t)(m->vdisplay / 2) << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -ERANGE);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -ERANGE);
	if (pipe.cursor.id) {
		uint32_t cfb = cursor_fb(fd);
		kms_atomic_clear(&req);
		kms_atomic_plane(&req, fd, pipe.cursor.id, pipe.crtc_id, cfb, 0, 0, 128, 128, 0, 0,
				 64 << 16, 64 << 16);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -ERANGE);
	}
}

/* Driver rule: the primary plane must cover the whole CRTC on virtio_gpu and vkms (6.1). */
static void primary_partial(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	const struct drm_mode_modeinfo *m = &pipe.mode;
	uint32_t fb = pipe_on(fd, &pipe);
	uint32_t w = m->hdisplay / 2, h = m->vdisplay / 2;

	kms_atomic_clear(&req);
	kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb, 0, 0, w, h, 0, 0, w << 16,
			 h << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EINVAL);
	/* Partly off-screen. */
	kms_atomic_clear(&req);
	kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb, (int32_t)w, (int32_t)h,
			 m->hdisplay, m->vdisplay, 0, 0, (uint32_t)m->hdisplay << 16,
			 (uint32_t)m->vdisplay << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EINVAL);
}

/* The cursor plane may sit anywhere, partly off-screen too. */
static void cursor_positions(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	require_cursor(&pipe);
	pipe_on(fd, &pipe);
	uint32_t cfb = cursor_fb(fd);
	const int32_t pos[][2] = { { 0, 0 }, { -32, -32 }, { pipe.mode.hdisplay - 32, 10 },
				   { 100, pipe.mode.vdisplay - 1 } };

	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		kms_atomic_clear(&req);
		kms_atomic_plane(&req, fd, pipe.cursor.id, pipe.crtc_id, cfb, pos[i][0], pos[i][1],
				 64, 64, 0, 0, 64 << 16, 64 << 16);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
		igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
		igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "CRTC_X"),
				  (uint64_t)(int64_t)pos[i][0]);
		igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "CRTC_Y"),
				  (uint64_t)(int64_t)pos[i][1]);
		igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "FB_ID"), cfb);
	}
	kms_atomic_clear(&req);
	kms_atomic_plane_off(&req, fd, pipe.cursor.id);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
	igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "FB_ID"), 0);
}

/* The source rectangle must lie inside the framebuffer: ENOSPC (drm_atomic_plane_check). */
static void src_outside_fb(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	const struct drm_mode_modeinfo *m = &pipe.mode;
	uint32_t fb = pipe_on(fd, &pipe);
	uint32_t w = (uint32_t)m->hdisplay << 16, h = (uint32_t)m->vdisplay << 16;
	const uint32_t src[][4] = { { 1 << 16, 0, w, h }, { 0, 1, w, h }, { 0, 0, w + 1, h },
				    { 0, 0, w, h + (1 << 16) }, { 0xffff0000u, 0, w, h } };

	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		kms_atomic_clear(&req);
		kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb, 0, 0, m->hdisplay,
				 m->vdisplay, src[i][0], src[i][1], src[i][2], src[i][3]);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -ENOSPC);
	}
}

/* CRTC_X + CRTC_W past INT_MAX: ERANGE, before any driver check (drm_atomic_plane_check). */
static void crtc_coord_overflow(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	const struct drm_mode_modeinfo *m = &pipe.mode;
	uint32_t fb = pipe_on(fd, &pipe);

	kms_atomic_clear(&req);
	kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb, INT32_MAX - 16, 0,
			 m->hdisplay, m->vdisplay, 0, 0, (uint32_t)m->hdisplay << 16,
			 (uint32_t)m->vdisplay << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -ERANGE);
	kms_atomic_clear(&req);
	kms_atomic_plane(&req, fd, pipe.primary.id, pipe.crtc_id, fb, 0, INT32_MAX - 16,
			 m->hdisplay, m->vdisplay, 0, 0, (uint32_t)m->hdisplay << 16,
			 (uint32_t)m->vdisplay << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -ERANGE);
}

/*
 * A framebuffer whose format the plane does not list: EINVAL (drm_plane_check_pixel_format).
 * The format must be one that some other plane lists, or ADDFB2 refuses it already.
 */
static void wrong_format(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	const struct kms_plane *target = NULL;
	uint32_t format = 0, fb = 0;

	pipe_on(fd, &pipe);
	const struct kms_plane *ours[2] = { &pipe.primary, &pipe.cursor };
	for (int t = 0; t < 2 && !target; t++) {
		if (!ours[t]->id)
			continue;
		for (uint32_t i = 0; i < pipe.n_planes && !target; i++) {
			for (uint32_t f = 0; f < pipe.planes[i].n_formats && !target; f++) {
				uint32_t cand = pipe.planes[i].formats[f];
				if (kms_plane_has_format(ours[t], cand))
					continue;
				uint32_t w = t == 0 ? pipe.mode.hdisplay : 64;
				uint32_t h = t == 0 ? pipe.mode.vdisplay : 64;
				if (__kms_fb_create(fd, w, h, cand, &fb, NULL) == 0) {
					target = ours[t];
					format = cand;
				}
			}
		}
	}
	igt_require_f(target, "every plane of the CRTC lists every format of the device\n");
	igt_info("plane %u (type %llu) with a %.4s framebuffer\n", target->id,
		 (unsigned long long)target->type, (const char *)&format);

	uint32_t w = target == &pipe.primary ? pipe.mode.hdisplay : 64;
	uint32_t h = target == &pipe.primary ? pipe.mode.vdisplay : 64;
	kms_atomic_clear(&req);
	kms_atomic_plane(&req, fd, target->id, pipe.crtc_id, fb, 0, 0, w, h, 0, 0, w << 16,
			 h << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EINVAL);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EINVAL);
}

static void removed_fb(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	uint32_t fb = pipe_on(fd, &pipe);
	uint32_t gone = mode_fb(fd, &pipe);

	igt_assert_eq(__kms_fb_remove(fd, gone), 0);
	expect_value_einval(fd, pipe.primary.id, PLANE, "FB_ID", gone);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
}

/* --- commits, events, fences ------------------------------------------------------------------ */

static void modeset_flip_event(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = mode_fb(fd, &pipe), fb2 = mode_fb(fd, &pipe);
	uint32_t blob = kms_blob_create(fd, &pipe.mode, sizeof(pipe.mode));

	kms_atomic_clear(&req);
	kms_atomic_pipe_on(&req, fd, &pipe, blob, &pipe.mode, fb);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET |
					      DRM_MODE_PAGE_FLIP_EVENT, 0x1111),
		      0);
	expect_flip_event(fd, &pipe, 0x1111);

	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 1);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "MODE_ID"), blob);
	igt_assert_eq_u64(prop(fd, pipe.connector_id, CONNECTOR, "CRTC_ID"), pipe.crtc_id);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "CRTC_ID"), pipe.crtc_id);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "CRTC_W"), pipe.mode.hdisplay);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "SRC_H"),
			  (uint64_t)pipe.mode.vdisplay << 16);
	struct drm_mode_crtc c = { .crtc_id = pipe.crtc_id };
	do_ioctl(fd, DRM_IOCTL_MODE_GETCRTC, &c);
	igt_assert_eq(c.mode_valid, 1);
	igt_assert_eq(c.fb_id, fb);
	igt_assert_eq(c.mode.hdisplay, pipe.mode.hdisplay);
	igt_assert_eq(c.mode.vdisplay, pipe.mode.vdisplay);
	igt_assert_eq(c.mode.clock, pipe.mode.clock);

	/* A page flip, non-blocking, with a 64-bit user_data. */
	const uint64_t ud = 0xfeedbeef12345678ull;
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_NONBLOCK |
					      DRM_MODE_PAGE_FLIP_EVENT, ud),
		      0);
	expect_flip_event(fd, &pipe, ud);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb2);
	/* And back, blocking. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 42), 0);
	expect_flip_event(fd, &pipe, 42);
	no_event(fd, 50);
}

/*
 * A NONBLOCK commit while the previous one on the CRTC has not flipped: EBUSY (stall_checks
 * in drm_atomic_helper.c).  A driver with vblanks (vkms) holds each flip until the next
 * vblank, so the second commit of a pair always finds the first pending.  A driver without
 * (virtio_gpu: drm_atomic_helper_fake_vblank in the commit tail) often completes the flip
 * before the next ioctl arrives, so there the outcome is a race and the subtest skips; it
 * caught EBUSY on virtio_gpu in some runs, never an error other than EBUSY.
 */
static void nonblock_busy(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic a, b;
	uint32_t fb = pipe_on(fd, &pipe), fb2 = mode_fb(fd, &pipe);
	int busy = 0;

	igt_require_f(kms_has_vblank(fd, &pipe), "no vblank: flips complete at once\n");

	kms_atomic_clear(&a);
	kms_atomic_set(&a, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	kms_atomic_clear(&b);
	kms_atomic_set(&b, fd, pipe.primary.id, PLANE, "FB_ID", fb);
	/* The second commit must land within the first one's frame: try until one does (load can delay it). */
	for (int i = 0; i < 100 && !busy; i++) {
		igt_assert_eq(kms_atomic_commit(fd, &a, DRM_MODE_ATOMIC_NONBLOCK |
						      DRM_MODE_PAGE_FLIP_EVENT, 1),
			      0);
		int ret = kms_atomic_commit(fd, &b, DRM_MODE_ATOMIC_NONBLOCK |
							 DRM_MODE_PAGE_FLIP_EVENT, 2);
		igt_assert_f(ret == 0 || ret == -EBUSY, "second flip: %s\n", strerror(-ret));
		expect_flip_event(fd, &pipe, 1);
		if (ret == -EBUSY) {
			busy++;
			igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb2);
		} else {
			expect_flip_event(fd, &pipe, 2);
			igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
		}
		no_event(fd, 0);
		/* Blocking commits wait for the previous flip instead. */
		igt_assert_eq(kms_atomic_commit(fd, &b, 0, 0), 0);
	}
	igt_assert_f(busy, "no NONBLOCK commit found the previous flip pending (100 tries)\n");
}

/* TEST_ONLY checks a request and changes nothing. */
static void test_only_no_change(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = pipe_on(fd, &pipe), fb2 = mode_fb(fd, &pipe);
	uint64_t blob = prop(fd, pipe.crtc_id, CRTC, "MODE_ID");
	uint64_t cursor_fb_before = pipe.cursor.id ? prop(fd, pipe.cursor.id, PLANE, "FB_ID") : 0;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	if (pipe.cursor.id)
		kms_atomic_plane(&req, fd, pipe.cursor.id, pipe.crtc_id, cursor_fb(fd), 10, 20, 64,
				 64, 0, 0, 64 << 16, 64 << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_NONBLOCK, 0),
		      0);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
	if (pipe.cursor.id)
		igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "FB_ID"), cursor_fb_before);

	/* Turning it all off, tested only. */
	kms_atomic_clear(&req);
	kms_atomic_pipe_off(&req, fd, &pipe);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY |
					      DRM_MODE_ATOMIC_ALLOW_MODESET, 0),
		      0);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "ACTIVE"), 1);
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "MODE_ID"), blob);
	igt_assert_eq_u64(prop(fd, pipe.connector_id, CONNECTOR, "CRTC_ID"), pipe.crtc_id);
	struct drm_mode_crtc c = { .crtc_id = pipe.crtc_id };
	do_ioctl(fd, DRM_IOCTL_MODE_GETCRTC, &c);
	igt_assert_eq(c.fb_id, fb);
	no_event(fd, 0);
}

/* A request that fails its check changes nothing, sends no event and installs no fence. */
static void all_or_nothing(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	require_cursor(&pipe);
	uint32_t fb = pipe_on(fd, &pipe), fb2 = mode_fb(fd, &pipe), cfb = cursor_fb(fd);
	int32_t fence = 1234;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "OUT_FENCE_PTR", (uintptr_t)&fence);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	/* The cursor's source is larger than its framebuffer: ENOSPC. */
	kms_atomic_plane(&req, fd, pipe.cursor.id, pipe.crtc_id, cfb, 0, 0, 128, 128, 0, 0,
			 128 << 16, 128 << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK,
					0),
		      -ENOSPC);
	igt_assert_eq(fence, -1);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
	igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "FB_ID"), 0);
	igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "CRTC_ID"), 0);
	no_event(fd, 200);

	/* Without the bad cursor, the same request works. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	kms_atomic_plane(&req, fd, pipe.cursor.id, pipe.crtc_id, cfb, 0, 0, 64, 64, 0, 0, 64 << 16,
			 64 << 16);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 5), 0);
	expect_flip_event(fd, &pipe, 5);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb2);
	igt_assert_eq_u64(prop(fd, pipe.cursor.id, PLANE, "FB_ID"), cfb);
}

/* OUT_FENCE_PTR on TEST_ONLY: -1 is written, no fence is made (prepare_signaling). */
static void out_fence_test_only(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	pipe_on(fd, &pipe);
	uint32_t fb2 = mode_fb(fd, &pipe);
	int32_t fence = 1234;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "OUT_FENCE_PTR", (uintptr_t)&fence);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
	igt_assert_eq(fence, -1);
	/* OUT_FENCE_PTR 0 asks for no fence. */
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "OUT_FENCE_PTR", 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
	/* It always reads back as 0. */
	igt_assert_eq_u64(prop(fd, pipe.crtc_id, CRTC, "OUT_FENCE_PTR"), 0);
}

static void out_fence_bad_ptr(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = pipe_on(fd, &pipe), fb2 = mode_fb(fd, &pipe);
	long page = sysconf(_SC_PAGESIZE);
	void *ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(ro != MAP_FAILED);
	const uintptr_t bad[] = { (uintptr_t)unmapped_page(), (uintptr_t)ro, 1 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kms_atomic_clear(&req);
		kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "OUT_FENCE_PTR", bad[i]);
		kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EFAULT);
		igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EFAULT);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 0), -EFAULT);
	}
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
	no_event(fd, 50);
}

/* OUT_FENCE_PTR gives a sync_file that signals (POLLIN) once the flip is done. */
static void out_fence_signals(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	pipe_on(fd, &pipe);
	uint32_t fb2 = mode_fb(fd, &pipe);
	int32_t fence = -7;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "OUT_FENCE_PTR", (uintptr_t)&fence);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_NONBLOCK |
					      DRM_MODE_PAGE_FLIP_EVENT, 9),
		      0);
	igt_assert_lte(0, fence);
	igt_assert_neq(fence, fd);
	igt_assert(fcntl(fence, F_GETFD) >= 0);
	igt_assert(igt_poll_fd(fence, POLLIN, 3000) & POLLIN);
	expect_flip_event(fd, &pipe, 9);
	igt_assert_eq(close(fence), 0);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb2);
}

/* IN_FENCE_FD: -1 is no fence; an fd that is no sync_file, or no fd, is EINVAL. */
static void in_fence_invalid(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = pipe_on(fd, &pipe), fb2 = mode_fb(fd, &pipe);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int p[2];
	igt_assert(devnull >= 0);
	igt_assert_eq(pipe2(p, O_CLOEXEC), 0);
	const int64_t bad[] = { devnull, p[0], fd, 1000 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kms_atomic_clear(&req);
		kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
		kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "IN_FENCE_FD", (uint64_t)bad[i]);
		igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), -EINVAL);
		igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), -EINVAL);
	}
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "IN_FENCE_FD", (uint64_t)-1);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, 0, 0), 0);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb2);
}

/* One flip's out-fence as the next flip's in-fence; IN_FENCE_FD reads back as -1. */
static void in_fence_from_out_fence(void)
{
	struct kms_pipe pipe;
	int fd = open_atomic(&pipe);
	struct kms_atomic req;
	uint32_t fb = pipe_on(fd, &pipe), fb2 = mode_fb(fd, &pipe);
	int32_t fence = -7;

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, CRTC, "OUT_FENCE_PTR", (uintptr_t)&fence);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb2);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_NONBLOCK, 0), 0);
	igt_assert_lte(0, fence);

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "FB_ID", fb);
	kms_atomic_set(&req, fd, pipe.primary.id, PLANE, "IN_FENCE_FD", (uint64_t)fence);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_TEST_ONLY, 0), 0);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_PAGE_FLIP_EVENT, 3), 0);
	expect_flip_event(fd, &pipe, 3);
	igt_assert(igt_poll_fd(fence, POLLIN, 0) & POLLIN);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "FB_ID"), fb);
	igt_assert_eq_u64(prop(fd, pipe.primary.id, PLANE, "IN_FENCE_FD"), (uint64_t)-1);
	close(fence);
}

/*
 * A NONBLOCK commit whose in-fence has not signalled returns at once and is
 * applied once it signals (drm_atomic_helper_wait_for_fences() in the commit
 * work): pipe B's flip waits for pipe A's out-fence.  Needs two pipes.
 */
static void in_fence_nonblock(void)
{
	struct kms_pipe a, b;
	int fd = open_atomic(&a);
	struct kms_atomic req;
	int32_t fence = -7;

	igt_require_f(kms_pipe_find_nth(fd, &b, 1), "needs a second pipe\n");
	pipe_on(fd, &a);
	igt_require_f(kms_has_vblank(fd, &a), "no vblank: flips complete at once\n");
	pipe_on(fd, &b);
	uint32_t fba2 = mode_fb(fd, &a), fbb2 = mode_fb(fd, &b);

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, a.crtc_id, CRTC, "OUT_FENCE_PTR", (uintptr_t)&fence);
	kms_atomic_set(&req, fd, a.primary.id, PLANE, "FB_ID", fba2);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT, 1), 0);
	igt_assert_lte(0, fence);

	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, b.primary.id, PLANE, "FB_ID", fbb2);
	kms_atomic_set(&req, fd, b.primary.id, PLANE, "IN_FENCE_FD", (uint64_t)fence);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT, 2), 0);
	/* A flips first and signals its fence; only then does B's commit go, and flip. */
	expect_flip_event(fd, &a, 1);
	igt_assert(igt_poll_fd(fence, POLLIN, 0) & POLLIN);
	expect_flip_event(fd, &b, 2);
	igt_assert_eq_u64(prop(fd, b.primary.id, PLANE, "FB_ID"), fbb2);
	igt_assert_eq_u64(prop(fd, a.primary.id, PLANE, "FB_ID"), fba2);
	close(fence);
}

static const struct igt_subtest tests[] = {
	{ "atomic-cap-required", atomic_cap_required },
	{ "non-master", non_master },
	{ "invalid-flags", invalid_flags },
	{ "async-flip", async_flip },
	{ "test-only-event", test_only_event },
	{ "reserved-field", reserved_field },
	{ "empty-commit", empty_commit },
	{ "bad-object", bad_object },
	{ "bad-property", bad_property },
	{ "efault", efault },
	{ "prop-out-of-range", prop_out_of_range },
	{ "immutable-props", immutable_props },
	{ "connector-dpms", connector_dpms },
	{ "mode-id-invalid", mode_id_invalid },
	{ "modeset-needs-allow", modeset_needs_allow },
	{ "active-off-planes-on", active_off_planes_on },
	{ "active-without-mode", active_without_mode },
	{ "connectors-mismatch", connectors_mismatch },
	{ "pipe-off", pipe_off },
	{ "plane-fb-crtc-mismatch", plane_fb_crtc_mismatch },
	{ "plane-scaled", plane_scaled },
	{ "primary-partial", primary_partial },
	{ "cursor-positions", cursor_positions },
	{ "src-outside-fb", src_outside_fb },
	{ "crtc-coord-overflow", crtc_coord_overflow },
	{ "wrong-format", wrong_format },
	{ "removed-fb", removed_fb },
	{ "modeset-flip-event", modeset_flip_event },
	{ "nonblock-busy", nonblock_busy },
	{ "test-only-no-change", test_only_no_change },
	{ "all-or-nothing", all_or_nothing },
	{ "out-fence-test-only", out_fence_test_only },
	{ "out-fence-bad-ptr", out_fence_bad_ptr },
	{ "out-fence-signals", out_fence_signals },
	{ "in-fence-invalid", in_fence_invalid },
	{ "in-fence-from-out-fence", in_fence_from_out_fence },
	{ "in-fence-nonblock", in_fence_nonblock },
};

IGT_MAIN(tests)
