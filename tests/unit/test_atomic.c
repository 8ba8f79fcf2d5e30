/*
 * test_atomic.c - atomic KMS on vkms: MODE_ATOMIC's argument checks and
 * errnos, TEST_ONLY, ALLOW_MODESET, events, all-or-nothing, property blobs,
 * SETPLANE on overlays, OBJ_SETPROPERTY/SETPROPERTY, zpos normalisation and
 * the driver options (several CRTCs, overlays, no cursor).
 *
 * Expectations come from Linux 6.1's drm_atomic_uapi.c, drm_atomic.c,
 * drm_atomic_helper.c, drm_property.c and drm_plane.c; the VM's
 * igt-subset kms_atomic/kms_prop_blob runs check the same rules against the
 * kernel's own atomic driver (virtio_gpu).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "core/platform.h"
#include "core/drm_driver.h"
#include "core/drm_fence.h"
#include "core/drm_internal.h"
#include "drivers/vkms/vkms.h"

/* The ids of one output and the property ids the tests set. */
struct kms {
	uint32_t crtc, connector, primary, cursor, overlay;
	struct drm_mode_modeinfo mode;
	uint32_t p_fb_id, p_crtc_id, p_src_x, p_src_y, p_src_w, p_src_h, p_crtc_x, p_crtc_y, p_crtc_w, p_crtc_h;
	uint32_t p_zpos, p_type;
	uint32_t c_active, c_mode_id, c_out_fence;
	uint32_t k_crtc_id, k_dpms;
};

static uint32_t prop_id(struct drm_file *f, uint32_t obj, uint32_t type, const char *name, uint64_t *value)
{
	uint32_t ids[32];
	uint64_t vals[32];
	struct drm_mode_obj_get_properties op = {
		.obj_id = obj, .obj_type = type, .count_props = 32,
		.props_ptr = test_ptr(ids), .prop_values_ptr = test_ptr(vals),
	};

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op), 0);
	for (uint32_t i = 0; i < op.count_props; i++) {
		struct drm_mode_get_property gp = { .prop_id = ids[i] };

		assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETPROPERTY, &gp), 0);
		if (strcmp(gp.name, name) == 0) {
			if (value)
				*value = vals[i];
			return ids[i];
		}
	}
	return 0;
}

/* Atomic cap on @f, then the ids of output 0 (the first CRTC, its connector and planes). */
static struct kms get_kms(struct drm_file *f)
{
	struct kms k = { 0 };
	struct drm_set_client_cap cap = { .capability = DRM_CLIENT_CAP_ATOMIC, .value = 1 };
	struct drm_mode_card_res r = { 0 };
	uint32_t crtcs[4], conns[4], planes[32];
	struct drm_mode_get_plane_res pr = { .count_planes = 32, .plane_id_ptr = test_ptr(planes) };
	struct drm_mode_get_connector c = { 0 };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_SET_CLIENT_CAP, &cap), 0);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	r.crtc_id_ptr = test_ptr(crtcs);
	r.connector_id_ptr = test_ptr(conns);
	r.count_encoders = r.count_fbs = 0;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	k.crtc = crtcs[0];
	k.connector = conns[0];
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr), 0);
	for (uint32_t i = 0; i < pr.count_planes; i++) {
		struct drm_mode_get_plane gp = { .plane_id = planes[i] };
		uint64_t type = 0;

		assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETPLANE, &gp), 0);
		if (!(gp.possible_crtcs & 1))
			continue;
		prop_id(f, planes[i], DRM_MODE_OBJECT_PLANE, "type", &type);
		if (type == DRM_PLANE_TYPE_PRIMARY)
			k.primary = planes[i];
		else if (type == DRM_PLANE_TYPE_CURSOR)
			k.cursor = planes[i];
		else if (!k.overlay)
			k.overlay = planes[i];
	}
	c.connector_id = k.connector;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	{
		/* GETCONNECTOR copies the modes only into an array that holds them all. */
		struct drm_mode_modeinfo *modes = calloc(c.count_modes, sizeof(*modes));

		c.modes_ptr = test_ptr(modes);
		c.count_props = c.count_encoders = 0;
		assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
		k.mode = modes[0]; /* the preferred mode comes first */
		free(modes);
	}
#define P(field, obj, type, name) k.field = prop_id(f, k.obj, type, name, NULL)
	P(p_fb_id, primary, DRM_MODE_OBJECT_PLANE, "FB_ID");
	P(p_crtc_id, primary, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	P(p_src_x, primary, DRM_MODE_OBJECT_PLANE, "SRC_X");
	P(p_src_y, primary, DRM_MODE_OBJECT_PLANE, "SRC_Y");
	P(p_src_w, primary, DRM_MODE_OBJECT_PLANE, "SRC_W");
	P(p_src_h, primary, DRM_MODE_OBJECT_PLANE, "SRC_H");
	P(p_crtc_x, primary, DRM_MODE_OBJECT_PLANE, "CRTC_X");
	P(p_crtc_y, primary, DRM_MODE_OBJECT_PLANE, "CRTC_Y");
	P(p_crtc_w, primary, DRM_MODE_OBJECT_PLANE, "CRTC_W");
	P(p_crtc_h, primary, DRM_MODE_OBJECT_PLANE, "CRTC_H");
	P(p_type, primary, DRM_MODE_OBJECT_PLANE, "type");
	P(c_active, crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	P(c_mode_id, crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	P(c_out_fence, crtc, DRM_MODE_OBJECT_CRTC, "OUT_FENCE_PTR");
	P(k_crtc_id, connector, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	P(k_dpms, connector, DRM_MODE_OBJECT_CONNECTOR, "DPMS");
#undef P
	assert_true(k.p_fb_id && k.p_crtc_id && k.c_active && k.c_mode_id && k.c_out_fence && k.k_crtc_id);
	return k;
}

/* A request under construction: parallel arrays as libdrm's drmModeAtomicReq builds them. */
struct req {
	uint32_t objs[16], counts[16], props[64];
	uint64_t values[64];
	uint32_t nobjs, nprops;
};

static void add(struct req *r, uint32_t obj, uint32_t prop, uint64_t value)
{
	if (!r->nobjs || r->objs[r->nobjs - 1] != obj) {
		r->objs[r->nobjs] = obj;
		r->counts[r->nobjs++] = 0;
	}
	r->counts[r->nobjs - 1]++;
	r->props[r->nprops] = prop;
	r->values[r->nprops++] = value;
}

static int commit(struct drm_file *f, struct req *r, uint32_t flags)
{
	struct drm_mode_atomic a = {
		.flags = flags, .count_objs = r->nobjs,
		.objs_ptr = test_ptr(r->objs), .count_props_ptr = test_ptr(r->counts),
		.props_ptr = test_ptr(r->props), .prop_values_ptr = test_ptr(r->values),
		.user_data = 0xabcd,
	};

	return test_ioctl(f, DRM_IOCTL_MODE_ATOMIC, &a);
}

static uint32_t create_blob(struct drm_file *f, const void *data, uint32_t len)
{
	struct drm_mode_create_blob b = { .data = test_ptr(data), .length = len };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_CREATEPROPBLOB, &b), 0);
	return b.blob_id;
}

/* A full modeset request: mode, ACTIVE, connector routing, primary plane full screen on @fb. */
static void add_modeset(struct req *r, const struct kms *k, uint32_t mode_blob, uint32_t fb)
{
	add(r, k->crtc, k->c_mode_id, mode_blob);
	add(r, k->crtc, k->c_active, 1);
	add(r, k->connector, k->k_crtc_id, k->crtc);
	add(r, k->primary, k->p_fb_id, fb);
	add(r, k->primary, k->p_crtc_id, k->crtc);
	add(r, k->primary, k->p_src_x, 0);
	add(r, k->primary, k->p_src_y, 0);
	add(r, k->primary, k->p_src_w, (uint64_t)k->mode.hdisplay << 16);
	add(r, k->primary, k->p_src_h, (uint64_t)k->mode.vdisplay << 16);
	add(r, k->primary, k->p_crtc_x, 0);
	add(r, k->primary, k->p_crtc_y, 0);
	add(r, k->primary, k->p_crtc_w, k->mode.hdisplay);
	add(r, k->primary, k->p_crtc_h, k->mode.vdisplay);
}

static uint64_t get_prop(struct drm_file *f, uint32_t obj, uint32_t type, const char *name)
{
	uint64_t v = 0;

	assert_true(prop_id(f, obj, type, name, &v) != 0);
	return v;
}

static void test_atomic_arg_checks(void **state)
{
	struct test_dev *t = *state;
	struct drm_file *plain = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	struct drm_mode_atomic a = { 0 };
	struct req r = { 0 };
	uint32_t bad = 0xdead;
	struct kms k;

	/* Without the atomic cap: EINVAL, as drm_mode_atomic_ioctl(); a non-master: EACCES first. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -EINVAL);
	assert_int_equal(test_ioctl(plain, DRM_IOCTL_MODE_ATOMIC, &a), -EACCES);
	k = get_kms(t->master);
	a.flags = 0x80000000u;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -EINVAL);
	a.flags = 0;
	a.reserved = 1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -EINVAL);
	a.reserved = 0;
	a.flags = DRM_MODE_PAGE_FLIP_ASYNC;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -EINVAL);
	a.flags = DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_PAGE_FLIP_EVENT;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -EINVAL);
	/* An empty request is fine; an event with no CRTC in it would never come. */
	a.flags = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), 0);
	a.flags = DRM_MODE_PAGE_FLIP_EVENT;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -EINVAL);
	/* Unreadable object array, unknown object, object without properties (an encoder has none here). */
	a.flags = 0;
	a.count_objs = 1;
	a.objs_ptr = TEST_BAD_PTR;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -EFAULT);
	a.objs_ptr = test_ptr(&bad);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -ENOENT);
	/* An unknown object comes before an unreadable count array. */
	a.count_props_ptr = TEST_BAD_PTR;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ATOMIC, &a), -ENOENT);
	/* A property the object does not have: ENOENT; a value out of range or immutable: EINVAL. */
	add(&r, k.crtc, k.p_fb_id, 0);
	assert_int_equal(commit(t->master, &r, 0), -ENOENT);
	memset(&r, 0, sizeof(r));
	add(&r, k.crtc, k.c_active, 2);
	assert_int_equal(commit(t->master, &r, 0), -EINVAL);
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_type, DRM_PLANE_TYPE_PRIMARY);
	assert_int_equal(commit(t->master, &r, 0), -EINVAL);
	/* FB_ID of no framebuffer, MODE_ID of no blob: EINVAL; CRTC_ID of no CRTC: EINVAL too. */
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_fb_id, 9999);
	assert_int_equal(commit(t->master, &r, 0), -EINVAL);
	memset(&r, 0, sizeof(r));
	add(&r, k.crtc, k.c_mode_id, 9999);
	assert_int_equal(commit(t->master, &r, 0), -EINVAL);
	/* A non-master file may not commit. */
	assert_int_equal(commit(plain, &r, 0), -EACCES);
	drm_file_release(plain);
}

static void test_atomic_modeset_and_flip(void **state)
{
	struct test_dev *t = *state;
	struct kms k = get_kms(t->master);
	uint32_t h1, h2, fb1 = test_create_fb(t->master, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &h1, NULL);
	uint32_t fb2 = test_create_fb(t->master, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &h2, NULL);
	uint32_t mode_blob = create_blob(t->master, &k.mode, sizeof(k.mode));
	struct drm_event_vblank ev;
	struct req r = { 0 };
	struct drm_mode_crtc gc = { .crtc_id = k.crtc };

	add_modeset(&r, &k, mode_blob, fb1);
	/* A modeset needs ALLOW_MODESET. */
	assert_int_equal(commit(t->master, &r, 0), -EINVAL);
	/* TEST_ONLY checks and changes nothing. */
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_ALLOW_MODESET), 0);
	assert_int_equal(get_prop(t->master, k.crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE"), 0);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_ALLOW_MODESET), 0);
	assert_int_equal(get_prop(t->master, k.crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE"), 1);
	assert_int_equal(get_prop(t->master, k.crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID"), mode_blob);
	assert_int_equal(get_prop(t->master, k.connector, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID"), k.crtc);
	assert_int_equal(get_prop(t->master, k.primary, DRM_MODE_OBJECT_PLANE, "FB_ID"), fb1);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCRTC, &gc), 0);
	assert_int_equal(gc.fb_id, fb1);
	assert_int_equal(gc.mode_valid, 1);
	assert_int_equal(get_prop(t->master, k.connector, DRM_MODE_OBJECT_CONNECTOR, "DPMS"), DRM_MODE_DPMS_ON);
	/* The blob in use survives its destruction by the client. */
	{
		struct drm_mode_destroy_blob d = { .blob_id = mode_blob };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d), 0);
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d), -EPERM);
		assert_int_equal(get_prop(t->master, k.crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID"), mode_blob);
	}
	/* A flip with an event: FB_ID only, nonblocking. */
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_fb_id, fb2);
	assert_int_equal(commit(t->master, &r, DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK), 0);
	/* The next nonblocking commit before that flip is done: EBUSY. */
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_NONBLOCK), -EBUSY);
	for (int i = 0; i < 1000 && !drm_poll(t->master); i++) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	assert_int_equal(drm_read(t->master, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.base.type, DRM_EVENT_FLIP_COMPLETE);
	assert_int_equal(ev.user_data, 0xabcd);
	assert_int_equal(ev.crtc_id, k.crtc);
	{
		/* Both commits reached flip_done: the stats count them for CRTC 0 (drmctl watch). */
		struct drm_device_stats st;

		drm_device_get_stats(t->dev, &st);
		assert_int_equal(st.crtc_flips[0], 2);
		assert_int_equal(st.crtc_flips[1], 0);
	}
	assert_int_equal(get_prop(t->master, k.primary, DRM_MODE_OBJECT_PLANE, "FB_ID"), fb2);
	/* ACTIVE=0 keeps the mode (DPMS off): no modeset of the mode, but active changed. */
	memset(&r, 0, sizeof(r));
	add(&r, k.crtc, k.c_active, 0);
	assert_int_equal(commit(t->master, &r, 0), -EINVAL);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_ALLOW_MODESET), 0);
	assert_int_equal(get_prop(t->master, k.crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE"), 0);
	assert_int_equal(get_prop(t->master, k.connector, DRM_MODE_OBJECT_CONNECTOR, "DPMS"), DRM_MODE_DPMS_OFF);
	/* An event on a CRTC that is and stays off: EINVAL. */
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_fb_id, fb1);
	assert_int_equal(commit(t->master, &r, DRM_MODE_PAGE_FLIP_EVENT), -EINVAL);
}

static void test_atomic_plane_checks(void **state)
{
	struct test_dev *t = *state;
	struct kms k = get_kms(t->master);
	uint32_t h, fb = test_create_fb(t->master, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &h, NULL);
	uint32_t hs, small = test_create_fb(t->master, 64, 64, DRM_FORMAT_XRGB8888, &hs, NULL);
	uint32_t ha, argb = test_create_fb(t->master, 64, 64, DRM_FORMAT_ARGB8888, &ha, NULL);
	uint32_t mode_blob = create_blob(t->master, &k.mode, sizeof(k.mode));
	struct req r = { 0 };
	uint64_t before;

	add_modeset(&r, &k, mode_blob, fb);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_ALLOW_MODESET), 0);
	before = get_prop(t->master, k.primary, DRM_MODE_OBJECT_PLANE, "SRC_W");
	/* FB without CRTC (and the reverse): EINVAL. */
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_crtc_id, 0);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), -EINVAL);
	/* Scaling: vkms refuses it (ERANGE). */
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_src_w, 64u << 16);
	add(&r, k.primary, k.p_src_h, 64u << 16);
	add(&r, k.primary, k.p_fb_id, small);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), -ERANGE);
	/* Source outside the fb: ENOSPC. */
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_fb_id, small);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), -ENOSPC);
	/* The cursor plane at 64x64 (the wrong-format case is in test_vkms_options: NV12 on a primary). */
	memset(&r, 0, sizeof(r));
	add(&r, k.cursor, k.p_fb_id, small);
	add(&r, k.cursor, k.p_crtc_id, k.crtc);
	add(&r, k.cursor, k.p_src_w, 64u << 16);
	add(&r, k.cursor, k.p_src_h, 64u << 16);
	add(&r, k.cursor, k.p_crtc_w, 64);
	add(&r, k.cursor, k.p_crtc_h, 64);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), 0);
	r.values[0] = argb;
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), 0);
	/* vkms 6.1's primary must be visible and full screen (vkms_plane_atomic_check): EINVAL. */
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_fb_id, small);
	add(&r, k.primary, k.p_src_w, 64u << 16);
	add(&r, k.primary, k.p_src_h, 64u << 16);
	add(&r, k.primary, k.p_crtc_x, (uint64_t)(int64_t)-32);
	add(&r, k.primary, k.p_crtc_y, 10);
	add(&r, k.primary, k.p_crtc_w, 64);
	add(&r, k.primary, k.p_crtc_h, 64);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), -EINVAL);
	/* CRTC_X + CRTC_W past INT_MAX: ERANGE, from the core before the driver's check. */
	r.values[r.nprops - 4] = INT32_MAX;
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), -ERANGE);
	/* All or nothing: the failed requests left the plane as it was. */
	assert_int_equal(get_prop(t->master, k.primary, DRM_MODE_OBJECT_PLANE, "SRC_W"), before);
	assert_int_equal(get_prop(t->master, k.primary, DRM_MODE_OBJECT_PLANE, "FB_ID"), fb);
	/*
	 * OUT_FENCE_PTR: the pointer holds -1 at once (put_user(-1)); TEST_ONLY
	 * skips prepare_signaling, so a bad request gets the check's errno
	 * (ENOSPC); otherwise the fence needs the fd-carrying front end, which
	 * this caller has not: EOPNOTSUPP, and nothing changes.
	 */
	{
		int32_t fence = 1234;

		memset(&r, 0, sizeof(r));
		add(&r, k.crtc, k.c_out_fence, test_ptr(&fence));
		add(&r, k.cursor, k.p_fb_id, small);
		add(&r, k.cursor, k.p_crtc_id, k.crtc);
		add(&r, k.cursor, k.p_src_w, 128u << 16);
		add(&r, k.cursor, k.p_src_h, 128u << 16);
		add(&r, k.cursor, k.p_crtc_w, 128);
		add(&r, k.cursor, k.p_crtc_h, 128);
		assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), -ENOSPC);
		assert_int_equal(fence, -1);
		fence = 1234;
		assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_NONBLOCK), -EOPNOTSUPP);
		assert_int_equal(fence, -1);
		fence = 1234;
		r.values[r.nprops - 4] = r.values[r.nprops - 3] = 64u << 16;
		r.values[r.nprops - 2] = r.values[r.nprops - 1] = 64;
		assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_TEST_ONLY), 0);
		assert_int_equal(fence, -1);
		fence = 1234;
		assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_NONBLOCK), -EOPNOTSUPP);
		assert_int_equal(fence, -1);
		assert_int_equal(get_prop(t->master, k.cursor, DRM_MODE_OBJECT_PLANE, "FB_ID"), 0);
	}
}

/* Run the vkms composer for one frame now, as its vblank timer does (the real timer runs too). */
static void compose_now(struct drm_device *dev, uint32_t crtc_index)
{
	struct vkms_output *out = drm_crtc_from_index(dev, crtc_index)->driver_private;

	drm_dev_lock(dev);
	vkms_composer_vblank(out, 1);
	drm_dev_unlock(dev);
}

/* Drop what the capture holds (close and reopen), compose once, and return the CRC every entry agrees on. */
static uint32_t crc_of_current_frame(struct drm_file *f, struct drm_device *dev, uint32_t crtc)
{
	struct drm_crc_line lines[DRM_CRC_ENTRIES_NR];
	uint32_t n = 0, cnt = 0, last_frame = 0;

	assert_int_equal(drm_crtc_crc_close(f, crtc), 0);
	assert_int_equal(drm_crtc_crc_open(f, crtc, "", &cnt), 0);
	assert_int_equal(cnt, 1);
	compose_now(dev, 0);
	assert_int_equal(drm_crtc_crc_read(f, crtc, lines, DRM_CRC_ENTRIES_NR, &n, &cnt), 0);
	assert_true(n >= 1);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(lines[i].has_frame, 1);
		assert_int_equal(lines[i].crcs[0], lines[0].crcs[0]);
		assert_true(i == 0 || (int32_t)(lines[i].frame - last_frame) >= 0); /* frames in order */
		last_frame = lines[i].frame;
	}
	return lines[0].crcs[0];
}

/*
 * Frame CRCs (drm_debugfs_crc.c, vkms's composer): only on an active CRTC,
 * one capture at a time, owned by its file; identical frames give identical
 * CRCs and different frames different ones; the CRC is the composer's
 * (vkms_frame_crc32() of vkms_compose_planes(), checked against zlib in
 * test_vkms_composer); closing the file ends the capture.
 */
static void test_crtc_crc(void **state)
{
	struct test_dev *t = *state;
	struct kms k = get_kms(t->master);
	struct drm_file *other = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	uint64_t size = (uint64_t)k.mode.hdisplay * k.mode.vdisplay * 4;
	uint32_t h1, h2, fb1 = test_create_fb(t->master, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &h1, NULL);
	uint32_t fb2 = test_create_fb(t->master, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &h2, NULL);
	uint32_t *p1 = test_map(t->master, h1, size), *p2 = test_map(t->master, h2, size);
	uint32_t mode_blob = create_blob(t->master, &k.mode, sizeof(k.mode));
	struct drm_crc_line lines[4];
	uint32_t cnt = 0, n = 0, crc1, crc2;
	struct req r = { 0 };

	for (uint64_t i = 0; i < size / 4; i++) {
		p1[i] = 0xff336699u;
		p2[i] = i == size / 8 ? 0xff336698u : 0xff336699u; /* one pixel differs */
	}
	/* Errors before any capture. */
	assert_int_equal(drm_crtc_crc_open(t->master, 0xdead, NULL, &cnt), -ENOENT);
	assert_int_equal(drm_crtc_crc_open(t->master, k.crtc, NULL, &cnt), -EIO); /* CRTC off */
	assert_int_equal(drm_crtc_crc_open(t->master, k.crtc, "bogus", &cnt), -EINVAL);
	assert_int_equal(drm_crtc_crc_read(t->master, k.crtc, lines, 4, &n, &cnt), -EINVAL);
	assert_int_equal(drm_crtc_crc_close(t->master, k.crtc), -EINVAL);

	add_modeset(&r, &k, mode_blob, fb1);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_ATOMIC_NONBLOCK), 0);
	/* One capture at a time, and only its file reads it. */
	assert_int_equal(drm_crtc_crc_open(t->master, k.crtc, "auto", &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(drm_crtc_crc_open(other, k.crtc, NULL, &cnt), -EBUSY);
	assert_int_equal(drm_crtc_crc_open(t->master, k.crtc, "auto", &cnt), -EBUSY);
	assert_int_equal(drm_crtc_crc_read(other, k.crtc, lines, 4, &n, &cnt), -EINVAL);
	assert_int_equal(drm_crtc_crc_read(t->master, k.crtc, lines, 0, &n, &cnt), -EINVAL);

	crc1 = crc_of_current_frame(t->master, t->dev, k.crtc);
	assert_int_equal(crc_of_current_frame(t->master, t->dev, k.crtc), crc1);
	/* Flip to the frame with one pixel changed (after a vblank: the modeset is flip_done), then back. */
	drm_crtc_handle_vblank(drm_crtc_from_index(t->dev, 0), drm_platform_time_ns(), 1);
	memset(&r, 0, sizeof(r));
	add(&r, k.primary, k.p_fb_id, fb2);
	assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_NONBLOCK), 0);
	crc2 = crc_of_current_frame(t->master, t->dev, k.crtc);
	assert_int_not_equal(crc2, crc1);
	p2[size / 8] = 0xff336699u; /* now the same picture as fb1 */
	assert_int_equal(crc_of_current_frame(t->master, t->dev, k.crtc), crc1);
	/* A closing file's capture ends (the teardown's release of the master ends the last one). */
	assert_int_equal(drm_crtc_crc_close(t->master, k.crtc), 0);
	assert_int_equal(drm_crtc_crc_open(other, k.crtc, NULL, &cnt), 0);
	compose_now(t->dev, 0);
	assert_int_equal(drm_crtc_crc_read(other, k.crtc, lines, 1, &n, &cnt), 0);
	assert_int_equal(n, 1);
	drm_file_release(other);
	assert_int_equal(drm_crtc_crc_open(t->master, k.crtc, NULL, &cnt), 0);
}

static void test_prop_blobs(void **state)
{
	struct test_dev *t = *state;
	struct drm_file *other = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	struct drm_device_stats s0, s1;
	char data[100] = "blob";
	char back[100];
	struct drm_mode_create_blob c = { .data = test_ptr(data), .length = 0 };
	struct drm_mode_destroy_blob d = { 0 };
	struct drm_mode_get_blob g = { 0 };
	uint32_t id;

	drm_device_get_stats(t->dev, &s0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATEPROPBLOB, &c), -EINVAL);
	c.length = sizeof(data);
	c.data = TEST_BAD_PTR;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATEPROPBLOB, &c), -EFAULT);
	id = create_blob(t->master, data, sizeof(data));
	g.blob_id = id;
	assert_int_equal(test_ioctl(other, DRM_IOCTL_MODE_GETPROPBLOB, &g), 0);
	assert_int_equal(g.length, sizeof(data));
	g.data = test_ptr(back);
	assert_int_equal(test_ioctl(other, DRM_IOCTL_MODE_GETPROPBLOB, &g), 0);
	assert_memory_equal(back, data, sizeof(data));
	/* Only the creator destroys it; unknown ids (0 included) and non-blobs: ENOENT, as the 6.1 kernel. */
	d.blob_id = id;
	assert_int_equal(test_ioctl(other, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d), -EPERM);
	d.blob_id = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d), -ENOENT);
	d.blob_id = get_kms(t->master).crtc;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d), -ENOENT);
	d.blob_id = id;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPROPBLOB, &g), -ENOENT);
	/* A file's blobs go with it. */
	id = create_blob(other, data, 10);
	drm_device_get_stats(t->dev, &s1);
	assert_int_equal(s1.blobs, s0.blobs + 1);
	drm_file_release(other);
	drm_device_get_stats(t->dev, &s1);
	assert_int_equal(s1.blobs, s0.blobs);
}

static void test_setplane_and_setproperty(void **state)
{
	struct test_dev *t = *state;
	struct kms k = get_kms(t->master);
	uint32_t h, fb = test_create_fb(t->master, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &h, NULL);
	uint32_t hc, cur = test_create_fb(t->master, 64, 64, DRM_FORMAT_ARGB8888, &hc, NULL);
	struct drm_mode_crtc sc = { .crtc_id = k.crtc, .fb_id = fb, .set_connectors_ptr = test_ptr(&k.connector),
				    .count_connectors = 1, .mode_valid = 1, .mode = k.mode };
	struct drm_mode_set_plane sp = { .plane_id = k.cursor, .crtc_id = k.crtc, .fb_id = cur,
					 .crtc_x = 100, .crtc_y = 50, .crtc_w = 64, .crtc_h = 64,
					 .src_w = 64u << 16, .src_h = 64u << 16 };
	struct drm_mode_connector_set_property dp = { .connector_id = k.connector, .prop_id = k.k_dpms,
						      .value = DRM_MODE_DPMS_OFF };
	struct drm_mode_obj_set_property op = { .obj_id = k.cursor, .obj_type = DRM_MODE_OBJECT_PLANE };

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &sc), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETPLANE, &sp), 0);
	assert_int_equal(get_prop(t->master, k.cursor, DRM_MODE_OBJECT_PLANE, "CRTC_X"), 100);
	/* SETPLANE's own checks: scaling ERANGE (atomic check), source outside the fb ENOSPC. */
	sp.crtc_w = 128;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETPLANE, &sp), -ERANGE);
	sp.crtc_w = 64;
	sp.src_w = 65u << 16;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETPLANE, &sp), -ENOSPC);
	sp.fb_id = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETPLANE, &sp), 0);
	assert_int_equal(get_prop(t->master, k.cursor, DRM_MODE_OBJECT_PLANE, "FB_ID"), 0);
	/* OBJ_SETPROPERTY of zpos; a property the object lacks is EINVAL here (not ENOENT). */
	op.prop_id = prop_id(t->master, k.cursor, DRM_MODE_OBJECT_PLANE, "zpos", NULL);
	op.value = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &op), 0);
	assert_int_equal(get_prop(t->master, k.cursor, DRM_MODE_OBJECT_PLANE, "zpos"), 0);
	op.prop_id = k.c_active;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &op), -EINVAL);
	/* Legacy DPMS off turns the CRTC off, on turns it back on. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETPROPERTY, &dp), 0);
	assert_int_equal(get_prop(t->master, k.crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE"), 0);
	dp.value = DRM_MODE_DPMS_ON;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETPROPERTY, &dp), 0);
	assert_int_equal(get_prop(t->master, k.crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE"), 1);
	/* DPMS through the atomic ioctl is refused. */
	{
		struct req r = { 0 };

		add(&r, k.connector, k.k_dpms, DRM_MODE_DPMS_OFF);
		assert_int_equal(commit(t->master, &r, DRM_MODE_ATOMIC_ALLOW_MODESET), -EINVAL);
	}
}

/* The driver options: 2 CRTCs, 2 overlays each, no cursor; zpos normalisation; bad options. */
/* A client fd table standing for what the shim carries: sync_files only (writeback out-fences). */
static struct drm_fence *wb_fake_fences[4];
static int32_t wb_fake_next;

static int wb_fake_fence_to_sync_file(void *ctx, struct drm_fence *f, int32_t *fd)
{
	(void)ctx;
	if (wb_fake_next >= 4)
		return -EMFILE;
	wb_fake_fences[wb_fake_next] = drm_fence_get(f);
	*fd = 40 + wb_fake_next++;
	return 0;
}

static const struct drm_fd_ops wb_fake_ops = { .fence_to_sync_file = wb_fake_fence_to_sync_file };
static const struct drm_caller wb_with_fds = { .pid = 100, .privileged = true, .fds = &wb_fake_ops };

static int commit_as(struct drm_file *f, struct req *r, uint32_t flags, const struct drm_caller *who)
{
	struct drm_mode_atomic a = {
		.flags = flags, .count_objs = r->nobjs,
		.objs_ptr = test_ptr(r->objs), .count_props_ptr = test_ptr(r->counts),
		.props_ptr = test_ptr(r->props), .prop_values_ptr = test_ptr(r->values),
	};

	return test_ioctl_as(f, DRM_IOCTL_MODE_ATOMIC, &a, who);
}

/*
 * Writeback (vkms enable_writeback=1; drm_writeback.c, drm_atomic_connector_check,
 * vkms_wb_encoder_atomic_check of Linux 6.1): the connector only for clients with
 * the cap, its properties, the checks in the kernel's order, and the composed
 * frame in the client's framebuffer after the next vblank.
 */
static void test_writeback(void **state)
{
	struct drm_device *dev;
	struct drm_file *f;
	struct drm_mode_card_res r = { 0 };
	struct drm_set_client_cap wbcap = { .capability = DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, .value = 1 };
	uint32_t conns[4], wb = 0, fmt_blob, wb_fb_prop, wb_fence_prop, wb_crtc_prop;
	uint32_t formats[16];
	struct drm_mode_get_blob gb = { 0 };
	struct drm_mode_get_connector gc = { 0 };
	struct kms k;
	struct req rq = { 0 };
	uint32_t h, fb, hw, wfb, hs, small, hn, nv12, mode_blob;
	uint64_t v = 0;
	int32_t fence = 7;

	(void)state;
	assert_int_equal(drm_device_create_with_options(&vkms_driver, "enable_writeback=2", &dev), -EINVAL);
	assert_int_equal(drm_device_create_with_options(&vkms_driver, "enable_writeback=1", &dev), 0);
	f = test_open(dev, DRM_MINOR_PRIMARY, false);
	/* Without the cap (which needs ATOMIC): only the Virtual connector. */
	assert_int_equal(test_ioctl(f, DRM_IOCTL_SET_CLIENT_CAP, &wbcap), -EINVAL);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	assert_int_equal(r.count_connectors, 1);
	assert_int_equal(r.count_encoders, 2);
	k = get_kms(f);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_SET_CLIENT_CAP, &wbcap), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	assert_int_equal(r.count_connectors, 2);
	r.connector_id_ptr = test_ptr(conns);
	r.count_crtcs = r.count_encoders = r.count_fbs = 0;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	gc.connector_id = conns[1];
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETCONNECTOR, &gc), 0);
	assert_int_equal(gc.connector_type, DRM_MODE_CONNECTOR_WRITEBACK);
	assert_int_equal(gc.connection, DRM_MODE_CONNECTED);
	assert_true(gc.count_modes > 0);
	wb = conns[1];
	/* Its properties: no EDID; the formats blob lists vkms_writeback_formats. */
	assert_int_equal(prop_id(f, wb, DRM_MODE_OBJECT_CONNECTOR, "EDID", NULL), 0);
	wb_fb_prop = prop_id(f, wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID", NULL);
	wb_fence_prop = prop_id(f, wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_OUT_FENCE_PTR", NULL);
	wb_crtc_prop = prop_id(f, wb, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", NULL);
	assert_true(wb_fb_prop && wb_fence_prop && wb_crtc_prop);
	assert_true(prop_id(f, wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_PIXEL_FORMATS", &v) != 0);
	fmt_blob = (uint32_t)v;
	gb.blob_id = fmt_blob;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETPROPBLOB, &gb), 0);
	assert_int_equal(gb.length, vkms_writeback_format_count * 4);
	gb.data = test_ptr(formats);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETPROPBLOB, &gb), 0);
	assert_memory_equal(formats, vkms_writeback_formats, gb.length);

	fb = test_create_fb(f, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &h, NULL);
	wfb = test_create_fb(f, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XRGB8888, &hw, NULL);
	small = test_create_fb(f, 64, 64, DRM_FORMAT_XRGB8888, &hs, NULL);
	nv12 = test_create_fb(f, k.mode.hdisplay, k.mode.vdisplay, DRM_FORMAT_XBGR8888, &hn, NULL);
	{
		uint32_t *px = test_map(f, h, (uint64_t)k.mode.hdisplay * k.mode.vdisplay * 4);

		for (uint32_t i = 0; i < (uint32_t)k.mode.hdisplay * k.mode.vdisplay; i++)
			px[i] = i & 1 ? 0x00123456u : 0x00abcdefu;
	}
	mode_blob = create_blob(f, &k.mode, sizeof(k.mode));
	/* An fb with the CRTC off: EINVAL ("has framebuffer, but CRTC is off"). */
	add(&rq, wb, wb_crtc_prop, k.crtc);
	add(&rq, wb, wb_fb_prop, wfb);
	add(&rq, k.crtc, k.c_mode_id, mode_blob);
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_ATOMIC_TEST_ONLY), -EINVAL);
	/* Lit, with both connectors on the CRTC. */
	memset(&rq, 0, sizeof(rq));
	add_modeset(&rq, &k, mode_blob, fb);
	add(&rq, wb, wb_crtc_prop, k.crtc);
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_ATOMIC_NONBLOCK), 0);
	drm_crtc_handle_vblank(drm_crtc_from_index(dev, 0), drm_platform_time_ns(), 1);
	/* Not an fb: EINVAL; wrong size: EINVAL; a format not in the list: EINVAL; fb 0: fine. */
	memset(&rq, 0, sizeof(rq));
	add(&rq, wb, wb_fb_prop, k.crtc);
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_TEST_ONLY), -EINVAL);
	rq.values[0] = small;
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_TEST_ONLY), -EINVAL);
	rq.values[0] = nv12;
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_TEST_ONLY), -EINVAL);
	rq.values[0] = 0;
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_TEST_ONLY), 0);
	/*
	 * An out-fence needs the fd-carrying front end (EOPNOTSUPP without, the
	 * pointer reads -1); with it, an out-fence without an fb is EINVAL and
	 * the pointer reads -1 again (complete_signaling of a failed request).
	 */
	add(&rq, wb, wb_fence_prop, test_ptr(&fence));
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_NONBLOCK), -EOPNOTSUPP);
	assert_int_equal(fence, -1);
	fence = 7;
	assert_int_equal(commit_as(f, &rq, DRM_MODE_ATOMIC_NONBLOCK, &wb_with_fds), -EINVAL);
	assert_int_equal(fence, -1);
	assert_int_equal(wb_fake_next, 1);
	/* A job with an out-fence: the fence signals when the frame is written. */
	rq.values[0] = wfb;
	assert_int_equal(commit_as(f, &rq, DRM_MODE_ATOMIC_NONBLOCK, &wb_with_fds), 0);
	assert_int_equal(fence, 41);
	/* (The vblank timer runs too: it may have composed the job already; then this does nothing.) */
	{
		struct vkms_output *out = drm_crtc_from_index(dev, 0)->driver_private;

		drm_dev_lock(dev);
		vkms_composer_vblank(out, 1);
		drm_dev_unlock(dev);
	}
	assert_true(drm_fence_is_signaled(wb_fake_fences[1]));
	for (int32_t i = 0; i < wb_fake_next; i++)
		drm_fence_put(wb_fake_fences[i]);
	wb_fake_next = 0;
	/* A writeback job: the next frame lands in wfb; the property reads back 0. */
	drm_crtc_handle_vblank(drm_crtc_from_index(dev, 0), drm_platform_time_ns(), 1);
	memset(&rq, 0, sizeof(rq));
	add(&rq, wb, wb_fb_prop, wfb);
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_NONBLOCK), 0);
	assert_int_equal(get_prop(f, wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID"), 0);
	{
		struct vkms_output *out = drm_crtc_from_index(dev, 0)->driver_private;
		uint32_t *px = test_map(f, hw, (uint64_t)k.mode.hdisplay * k.mode.vdisplay * 4);

		drm_dev_lock(dev);
		vkms_composer_vblank(out, 1);
		drm_dev_unlock(dev);
		assert_null(out->wb_connector->writeback->job_fb);
		/* XRGB8888 writeback: X written as 0xff (vkms_formats.c). */
		assert_int_equal(px[0], 0xffabcdefu);
		assert_int_equal(px[1], 0xff123456u);
		assert_int_equal(px[(uint32_t)k.mode.hdisplay * k.mode.vdisplay - 1], 0xff123456u);
	}
	drm_file_release(f);
	drm_device_destroy(dev);
}

static void test_vkms_options(void **state)
{
	struct drm_device *dev;
	struct drm_file *f;
	struct drm_mode_card_res r = { 0 };
	struct drm_mode_get_plane_res pr = { 0 };
	struct drm_set_client_cap cap = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };
	struct kms k;
	uint32_t h, fb, ho, ofb, mode_blob;
	struct req rq = { 0 };
	const struct drm_plane_state *states[8];
	struct drm_crtc *crtc;
	uint32_t zpos_prop;

	(void)state;
	assert_int_equal(drm_device_create_with_options(&vkms_driver, "crtcs=5", &dev), -EINVAL);
	assert_int_equal(drm_device_create_with_options(&vkms_driver, "bogus=1", &dev), -EINVAL);
	assert_int_equal(drm_device_create_with_options(&vkms_driver, "mode=1000x1000", &dev), -EINVAL);
	assert_int_equal(drm_device_create_with_options(&vkms_driver, "crtcs=2,overlays=2,enable_cursor=0,mode=800x600",
							&dev), 0);
	f = test_open(dev, DRM_MINOR_PRIMARY, false);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	assert_int_equal(r.count_crtcs, 2);
	assert_int_equal(r.count_connectors, 2);
	assert_int_equal(r.count_encoders, 2);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_SET_CLIENT_CAP, &cap), 0);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr), 0);
	assert_int_equal(pr.count_planes, 6);
	k = get_kms(f);
	assert_int_equal(k.cursor, 0);
	assert_true(k.overlay != 0);
	assert_int_equal(k.mode.hdisplay, 800);
	assert_int_equal(k.mode.vdisplay, 600);
	/* Overlay with zpos 0 ties with the primary (zpos 0): the lower plane index goes first. */
	fb = test_create_fb(f, 800, 600, DRM_FORMAT_XRGB8888, &h, NULL);
	ofb = test_create_fb(f, 100, 100, DRM_FORMAT_ARGB8888, &ho, NULL);
	mode_blob = create_blob(f, &k.mode, sizeof(k.mode));
	add_modeset(&rq, &k, mode_blob, fb);
	assert_int_equal(commit(f, &rq, DRM_MODE_ATOMIC_ALLOW_MODESET), 0);
	memset(&rq, 0, sizeof(rq));
	zpos_prop = prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "zpos", NULL);
	add(&rq, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "FB_ID", NULL), ofb);
	add(&rq, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "CRTC_ID", NULL), k.crtc);
	add(&rq, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "SRC_W", NULL), 100u << 16);
	add(&rq, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "SRC_H", NULL), 100u << 16);
	add(&rq, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "CRTC_W", NULL), 100);
	add(&rq, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "CRTC_H", NULL), 100);
	add(&rq, k.overlay, zpos_prop, 0);
	assert_int_equal(commit(f, &rq, 0), 0);
	{
		/* NV12 is an overlay format: the primary plane refuses it (EINVAL). */
		struct drm_mode_create_dumb d = { .width = 64, .height = 96, .bpp = 8 };
		struct drm_mode_fb_cmd2 nv = { .width = 64, .height = 64, .pixel_format = DRM_FORMAT_NV12 };
		struct req bad = { 0 };

		assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_CREATE_DUMB, &d), 0);
		nv.handles[0] = nv.handles[1] = d.handle;
		nv.pitches[0] = nv.pitches[1] = d.pitch;
		nv.offsets[1] = d.pitch * 64;
		assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_ADDFB2, &nv), 0);
		add(&bad, k.primary, k.p_fb_id, nv.fb_id);
		add(&bad, k.primary, k.p_src_w, 64u << 16);
		add(&bad, k.primary, k.p_src_h, 64u << 16);
		add(&bad, k.primary, k.p_crtc_w, 64);
		add(&bad, k.primary, k.p_crtc_h, 64);
		assert_int_equal(commit(f, &bad, DRM_MODE_ATOMIC_TEST_ONLY), -EINVAL);
		/* On the overlay it is fine. */
		memset(&bad, 0, sizeof(bad));
		add(&bad, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "FB_ID", NULL), nv.fb_id);
		add(&bad, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "SRC_W", NULL), 64u << 16);
		add(&bad, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "SRC_H", NULL), 64u << 16);
		add(&bad, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "CRTC_W", NULL), 64);
		add(&bad, k.overlay, prop_id(f, k.overlay, DRM_MODE_OBJECT_PLANE, "CRTC_H", NULL), 64);
		assert_int_equal(commit(f, &bad, DRM_MODE_ATOMIC_TEST_ONLY), 0);
	}
	drm_dev_lock(dev);
	crtc = drm_crtc_from_index(dev, 0);
	assert_int_equal(drm_crtc_plane_states(crtc, states, 8), 2);
	assert_ptr_equal(states[0], &crtc->primary->state);
	assert_int_equal(states[1]->normalized_zpos, 1);
	drm_dev_unlock(dev);
	drm_file_release(f);
	drm_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_atomic_arg_checks, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_modeset_and_flip, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_plane_checks, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_prop_blobs, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_crtc_crc, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_setplane_and_setproperty, test_dev_setup, test_dev_teardown),
		cmocka_unit_test(test_vkms_options),
		cmocka_unit_test(test_writeback),
	};

	return cmocka_run_group_tests_name("atomic", tests, NULL, NULL);
}
