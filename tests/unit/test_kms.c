/* test_kms.c - KMS queries and changes on vkms: resources, connector, EDID, fbs, SETCRTC, flips, capture. */
#include <errno.h>

/* SETCRTC(...) below overrides fields of a default request on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Woverride-init-side-effects"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "core/platform.h"
#include "core/drm_driver.h"
#include "core/drm_internal.h"

struct ids {
	uint32_t crtc, encoder, connector, plane, cursor;
	uint32_t planes[2];
};

static struct ids get_ids(struct drm_file *f)
{
	struct ids ids = { 0 };
	struct drm_mode_card_res r = { 0 };
	struct drm_mode_get_plane_res pr = { 0 };
	struct drm_set_client_cap cap = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	assert_int_equal(r.count_crtcs, 1);
	assert_int_equal(r.count_encoders, 1);
	assert_int_equal(r.count_connectors, 1);
	r.crtc_id_ptr = test_ptr(&ids.crtc);
	r.encoder_id_ptr = test_ptr(&ids.encoder);
	r.connector_id_ptr = test_ptr(&ids.connector);
	r.count_fbs = 0;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_SET_CLIENT_CAP, &cap), 0);
	pr.count_planes = 2;
	pr.plane_id_ptr = test_ptr(ids.planes);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr), 0);
	assert_int_equal(pr.count_planes, 2); /* primary, cursor */
	ids.plane = ids.planes[0];
	ids.cursor = ids.planes[1];
	return ids;
}

static void get_modes(struct drm_file *f, uint32_t conn, struct drm_mode_modeinfo **modes, uint32_t *n)
{
	struct drm_mode_get_connector c = { .connector_id = conn };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	*modes = calloc(c.count_modes, sizeof(**modes));
	c.modes_ptr = test_ptr(*modes);
	c.count_props = 0;
	c.count_encoders = 0;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	*n = c.count_modes;
}

static void test_resources(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	struct drm_mode_card_res r = { .count_crtcs = 0 };
	struct drm_mode_get_encoder e = { .encoder_id = ids.encoder };
	struct drm_mode_get_plane p = { .plane_id = ids.plane };
	struct drm_mode_crtc c = { .crtc_id = ids.crtc };
	uint32_t formats[9];

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	assert_int_equal(r.min_width, 20);
	assert_int_equal(r.max_width, 8192);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETENCODER, &e), 0);
	assert_int_equal(e.encoder_type, DRM_MODE_ENCODER_VIRTUAL);
	assert_int_equal(e.possible_crtcs, 1);
	assert_int_equal(e.crtc_id, 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPLANE, &p), 0);
	assert_int_equal(p.count_format_types, 5); /* vkms_plane_formats: the opaque ones the composer reads */
	assert_int_equal(p.possible_crtcs, 1);
	p.format_type_ptr = test_ptr(formats);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPLANE, &p), 0);
	assert_int_equal(formats[0], DRM_FORMAT_XRGB8888);
	assert_int_equal(formats[1], DRM_FORMAT_XBGR8888);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCRTC, &c), 0);
	assert_int_equal(c.mode_valid, 0);
	assert_int_equal(c.fb_id, 0);
	{
		/* vkms has a 256-entry gamma table (Linux 6.6): another size is EINVAL, bad ramps EFAULT. */
		struct drm_mode_crtc_lut lut = { .crtc_id = ids.crtc, .gamma_size = 255 };

		assert_int_equal(c.gamma_size, 256);
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETGAMMA, &lut), -EINVAL);
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETGAMMA, &lut), -EINVAL);
		lut.gamma_size = 256;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETGAMMA, &lut), -EFAULT);
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETGAMMA, &lut), -EFAULT);
		lut.crtc_id = 4242;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETGAMMA, &lut), -ENOENT);
	}
	/* Ids of the wrong type are ENOENT. */
	c.crtc_id = ids.connector;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCRTC, &c), -ENOENT);
	e.encoder_id = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETENCODER, &e), -ENOENT);
	/* Array pointers that cannot be written give EFAULT. */
	r.count_crtcs = 1;
	r.crtc_id_ptr = TEST_BAD_PTR;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETRESOURCES, &r), -EFAULT);
}

static void test_connector_and_edid(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	struct drm_mode_get_connector c = { .connector_id = ids.connector };
	struct drm_mode_modeinfo *modes;
	uint32_t n, i, props[16], enc, edid_blob = 0, dpms_prop = 0;
	uint64_t values[16];
	bool seen_1080 = false, seen_640 = false;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	assert_int_equal(c.connection, 1);            /* connected */
	assert_int_equal(c.connector_type, DRM_MODE_CONNECTOR_VIRTUAL);
	assert_int_equal(c.connector_type_id, 1);
	assert_int_equal(c.count_encoders, 1);
	assert_int_equal(c.mm_width, 271);
	assert_int_equal(c.mm_height, 203);
	assert_int_equal(c.count_props, 4);           /* EDID, DPMS, link-status, non-desktop; CRTC_ID is atomic */
	c.encoders_ptr = test_ptr(&enc);
	c.props_ptr = test_ptr(props);
	c.prop_values_ptr = test_ptr(values);
	c.count_modes = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCONNECTOR, &c), 0);
	assert_int_equal(enc, ids.encoder);

	get_modes(t->master, ids.connector, &modes, &n);
	assert_true(n >= 10);
	assert_string_equal(modes[0].name, "1024x768");
	assert_true(modes[0].type & DRM_MODE_TYPE_PREFERRED);
	assert_int_equal(modes[0].clock, 65000);
	assert_int_equal(modes[0].vrefresh, 60);
	for (i = 0; i < n; i++) {
		seen_1080 |= modes[i].hdisplay == 1920 && modes[i].vdisplay == 1080;
		seen_640 |= modes[i].hdisplay == 640 && modes[i].vdisplay == 480;
		if (i)
			assert_false(modes[i].type & DRM_MODE_TYPE_PREFERRED);
	}
	assert_true(seen_1080 && seen_640);
	free(modes);

	for (i = 0; i < c.count_props; i++) {
		struct drm_mode_get_property p = { .prop_id = props[i] };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPROPERTY, &p), 0);
		if (!strcmp(p.name, "EDID")) {
			assert_true(p.flags & DRM_MODE_PROP_BLOB);
			assert_true(p.flags & DRM_MODE_PROP_IMMUTABLE);
			edid_blob = (uint32_t)values[i];
		} else if (!strcmp(p.name, "DPMS")) {
			struct drm_mode_property_enum en[4];

			assert_true(p.flags & DRM_MODE_PROP_ENUM);
			assert_int_equal(p.count_enum_blobs, 4);
			p.enum_blob_ptr = test_ptr(en);
			p.count_values = 0;
			assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPROPERTY, &p), 0);
			assert_string_equal(en[0].name, "On");
			assert_string_equal(en[3].name, "Off");
			dpms_prop = props[i];
		}
	}
	assert_true(edid_blob && dpms_prop);
	{
		uint8_t edid[128], sum = 0;
		struct drm_mode_get_blob b = { .blob_id = edid_blob };
		struct drm_mode_modeinfo m[64];
		uint32_t w, h;

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPROPBLOB, &b), 0);
		assert_int_equal(b.length, 128);
		/* A wrong length copies nothing; the right one copies. */
		b.length = 5;
		b.data = test_ptr(edid);
		memset(edid, 0xaa, sizeof(edid));
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPROPBLOB, &b), 0);
		assert_int_equal(edid[0], 0xaa);
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPROPBLOB, &b), 0);
		for (i = 0; i < 128; i++)
			sum = (uint8_t)(sum + edid[i]);
		assert_int_equal(sum, 0);
		assert_int_equal(edid[18], 1);
		assert_int_equal(edid[19], 4);
		assert_true(drm_edid_parse_modes(edid, sizeof(edid), m, 64, &w, &h) >= 10);
		assert_int_equal(w, 271);
		b.blob_id = 99999;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPROPBLOB, &b), -ENOENT);
	}
	{
		struct drm_mode_obj_get_properties op = { .obj_id = ids.connector,
							 .obj_type = DRM_MODE_OBJECT_CONNECTOR };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op), 0);
		assert_int_equal(op.count_props, 4);
		op.obj_type = DRM_MODE_OBJECT_CRTC;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op), -ENOENT);
		op.obj_id = ids.encoder;
		op.obj_type = DRM_MODE_OBJECT_ENCODER;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op), -EINVAL);
		op.obj_id = ids.plane;
		op.obj_type = DRM_MODE_OBJECT_PLANE;
		op.count_props = 0;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op), 0);
		/* "type", "IN_FORMATS", "rotation", "alpha", "pixel blend mode", "zpos": not atomic-only */
		assert_int_equal(op.count_props, 6);
	}
}

static void test_addfb_errors(void **state)
{
	struct test_dev *t = *state;
	struct drm_mode_create_dumb d = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_fb_cmd2 fb;
	struct drm_mode_fb_cmd ofb;
	uint32_t id;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &d), 0);
#define FB2(w, h, fmt, handle, pitch) \
	(memset(&fb, 0, sizeof(fb)), fb.width = w, fb.height = h, fb.pixel_format = fmt, \
	 fb.handles[0] = handle, fb.pitches[0] = pitch, test_ioctl(t->master, DRM_IOCTL_MODE_ADDFB2, &fb))
	assert_int_equal(FB2(64, 64, DRM_FORMAT_XRGB8888, d.handle, 256), 0);
	id = fb.fb_id;
	assert_true(id > 0);
	assert_int_equal(FB2(64, 64, fourcc_code('N', 'O', 'P', 'E'), d.handle, 256), -EINVAL);
	assert_int_equal(FB2(64, 64, DRM_FORMAT_YUYV, d.handle, 256), -EINVAL);     /* no plane takes it */
	assert_int_equal(FB2(64, 64, DRM_FORMAT_XRGB8888, d.handle, 255), -EINVAL); /* pitch too small */
	assert_int_equal(FB2(64, 64, DRM_FORMAT_XRGB8888, 4242, 256), -ENOENT);
	assert_int_equal(FB2(64, 64, DRM_FORMAT_XRGB8888, 0, 256), -EINVAL);
	assert_int_equal(FB2(64, 65, DRM_FORMAT_XRGB8888, d.handle, 256), -EINVAL);  /* object too small */
	assert_int_equal(FB2(10, 64, DRM_FORMAT_XRGB8888, d.handle, 256), -EINVAL);  /* under min width */
	assert_int_equal(FB2(0, 64, DRM_FORMAT_XRGB8888, d.handle, 256), -EINVAL);
	fb.flags = 0x80;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ADDFB2, &fb), -EINVAL);
	/* Legacy ADDFB: 32/24 is XRGB8888; 32/31 does not exist. */
	memset(&ofb, 0, sizeof(ofb));
	ofb.width = 64;
	ofb.height = 64;
	ofb.pitch = 256;
	ofb.bpp = 32;
	ofb.depth = 24;
	ofb.handle = d.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ADDFB, &ofb), 0);
	ofb.depth = 31;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_ADDFB, &ofb), -EINVAL);
	{
		/* GETFB: the master gets a new handle; a non-master, non-root file gets handle 0. */
		struct drm_mode_fb_cmd g = { .fb_id = id };
		struct drm_file *other = test_open(t->dev, DRM_MINOR_PRIMARY, true);
		static const struct drm_caller user = { .pid = 200, .uid = 1000 };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETFB, &g), 0);
		assert_int_equal(g.width, 64);
		assert_int_equal(g.bpp, 32);
		assert_int_equal(g.depth, 24);
		assert_int_equal(g.pitch, 256);
		assert_true(g.handle != 0 && g.handle != d.handle);
		g.handle = 5;
		assert_int_equal(test_ioctl_as(other, DRM_IOCTL_MODE_GETFB, &g, &user), 0);
		assert_int_equal(g.handle, 0);
		/* RMFB by a file that does not own it: ENOENT. */
		assert_int_equal(test_ioctl_as(other, DRM_IOCTL_MODE_RMFB, &id, &user), -ENOENT);
		drm_file_release(other);
	}
	{
		struct drm_mode_fb_dirty_cmd dirty = { .fb_id = id, .num_clips = 1 };
		struct drm_clip_rect clip = { 0, 0, 8, 8 };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DIRTYFB, &dirty), -EINVAL); /* clips without ptr */
		dirty.clips_ptr = TEST_BAD_PTR;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DIRTYFB, &dirty), -EFAULT);
		dirty.clips_ptr = test_ptr(&clip);
		dirty.flags = DRM_MODE_FB_DIRTY_ANNOTATE_COPY;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DIRTYFB, &dirty), -EINVAL); /* odd copy clips */
		dirty.flags = 0;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DIRTYFB, &dirty), -ENOSYS); /* vkms: no dirty hook */
		dirty.fb_id = 4242;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DIRTYFB, &dirty), -ENOENT);
	}
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_RMFB, &id), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_RMFB, &id), -ENOENT);
}

/* Set 1024x768 on the CRTC with a fresh fb; returns the fb id. */
static uint32_t modeset(struct test_dev *t, const struct ids *ids, uint32_t **pixels, uint32_t *pitch)
{
	struct drm_mode_modeinfo *modes;
	uint32_t n, handle, fb;
	struct drm_mode_crtc c = { .crtc_id = ids->crtc, .count_connectors = 1, .mode_valid = 1 };

	get_modes(t->master, ids->connector, &modes, &n);
	fb = test_create_fb(t->master, 1024, 768, DRM_FORMAT_XRGB8888, &handle, pitch);
	*pixels = test_map(t->master, handle, (uint64_t)*pitch * 768);
	c.fb_id = fb;
	c.set_connectors_ptr = test_ptr(&ids->connector);
	c.mode = modes[0];
	free(modes);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &c), 0);
	return fb;
}

static void test_setcrtc_errors(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	struct drm_mode_modeinfo *modes;
	uint32_t n, handle, pitch, fb, fb_small;
	uint32_t bad_conn = 4242;
	struct drm_mode_crtc c;

	get_modes(t->master, ids.connector, &modes, &n);
	fb = test_create_fb(t->master, 1024, 768, DRM_FORMAT_XRGB8888, &handle, &pitch);
	fb_small = test_create_fb(t->master, 800, 600, DRM_FORMAT_XRGB8888, &handle, &pitch);
#define SETCRTC(...) (c = (struct drm_mode_crtc){ .crtc_id = ids.crtc, .fb_id = fb, .mode = modes[0], \
			.mode_valid = 1, .count_connectors = 1, .set_connectors_ptr = test_ptr(&ids.connector), \
			__VA_ARGS__ }, test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &c))
	assert_int_equal(SETCRTC(.x = 0x10000), -ERANGE);
	assert_int_equal(SETCRTC(.crtc_id = 4242), -ENOENT);
	assert_int_equal(SETCRTC(.fb_id = 4242), -ENOENT);
	assert_int_equal(SETCRTC(.fb_id = fb_small), -ENOSPC);   /* 1024x768 does not fit an 800x600 fb */
	assert_int_equal(SETCRTC(.x = 1), -ENOSPC);             /* nor at an offset in a 1024x768 one */
	assert_int_equal(SETCRTC(.fb_id = (uint32_t)-1), -EINVAL); /* no current fb */
	assert_int_equal(SETCRTC(.count_connectors = 0), -EINVAL);
	assert_int_equal(SETCRTC(.count_connectors = 2), -EINVAL);
	assert_int_equal(SETCRTC(.set_connectors_ptr = test_ptr(&bad_conn)), -ENOENT);
	assert_int_equal(SETCRTC(.set_connectors_ptr = TEST_BAD_PTR), -EFAULT);
	{
		struct drm_mode_modeinfo m = modes[0];

		m.htotal = m.hsync_end - 1;
		assert_int_equal(SETCRTC(.mode = m, .fb_id = (uint32_t)-1), -EINVAL);
		m = modes[0];
		m.clock = 0;
		c = (struct drm_mode_crtc){ .crtc_id = ids.crtc, .fb_id = fb, .mode = m, .mode_valid = 1,
					    .count_connectors = 1, .set_connectors_ptr = test_ptr(&ids.connector) };
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &c), -EINVAL);
		m = modes[0];
		m.flags |= DRM_MODE_FLAG_PIC_AR_4_3; /* aspect ratio bits without the client cap */
		c.mode = m;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &c), -EINVAL);
	}
	free(modes);
}

static void test_setcrtc_capture(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	uint32_t *px, pitch, x, y, fb;
	uint32_t *shot = malloc(1024 * 768 * 4);
	struct drm_mode_crtc c = { .crtc_id = ids.crtc };
	struct drm_mode_get_encoder e = { .encoder_id = ids.encoder };
	struct drm_mode_get_connector gc = { .connector_id = ids.connector };
	struct drm_mode_get_plane p = { .plane_id = ids.plane };

	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), -ENODATA);
	fb = modeset(t, &ids, &px, &pitch);
	for (y = 0; y < 768; y++)
		for (x = 0; x < 1024; x++)
			px[y * (pitch / 4) + x] = (x < 512 ? 0x00ff0000u : 0x000000ffu) | (y << 8 & 0xff00);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	assert_int_equal(shot[0], 0xffff0000u);
	assert_int_equal(shot[10 * 1024 + 600], 0xff0000ffu | (10u << 8));
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 800, 600), -EINVAL);
	assert_int_equal(drm_crtc_capture(t->dev, 1, shot, 1024, 768), -ENOENT);

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCRTC, &c), 0);
	assert_int_equal(c.mode_valid, 1);
	assert_int_equal(c.fb_id, fb);
	assert_string_equal(c.mode.name, "1024x768");
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETENCODER, &e), 0);
	assert_int_equal(e.crtc_id, ids.crtc);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCONNECTOR, &gc), 0);
	assert_int_equal(gc.encoder_id, ids.encoder);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPLANE, &p), 0);
	assert_int_equal(p.fb_id, fb);
	assert_int_equal(p.crtc_id, ids.crtc);

	/* Removing the scanned-out fb takes the CRTC down (drm_framebuffer_remove()). */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_RMFB, &fb), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCRTC, &c), 0);
	assert_int_equal(c.mode_valid, 0);
	assert_int_equal(c.fb_id, 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETENCODER, &e), 0);
	assert_int_equal(e.crtc_id, 0);
	free(shot);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Wait up to 1 s for an event and read it. */
static long read_event(struct drm_file *f, void *buf, size_t len)
{
	uint64_t end = now_ns() + 1000000000ull;
	long n;

	while ((n = drm_read(f, buf, len)) == -EAGAIN && now_ns() < end) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	return n;
}

static void test_page_flip(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	uint32_t *px, pitch, handle2;
	uint32_t fb1 = modeset(t, &ids, &px, &pitch);
	uint32_t fb2 = test_create_fb(t->master, 1024, 768, DRM_FORMAT_XRGB8888, &handle2, NULL);
	struct drm_mode_crtc_page_flip pf = { .crtc_id = ids.crtc, .fb_id = fb2,
					      .flags = DRM_MODE_PAGE_FLIP_EVENT, .user_data = 0x1234 };
	struct drm_event_vblank ev[2];
	uint32_t seq1, i;
	uint64_t ts1, ts2, period = 16665600; /* 1344 * 806 * 1e6 / 65000 kHz */
	char tiny[8];

	assert_false(drm_poll(t->master));
	assert_int_equal(drm_read(t->master, ev, sizeof(ev)), -EAGAIN);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), 0);
	/* One flip at a time. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), -EBUSY);
	assert_int_equal(read_event(t->master, ev, sizeof(ev)), sizeof(ev[0]));
	assert_int_equal(ev[0].base.type, DRM_EVENT_FLIP_COMPLETE);
	assert_int_equal(ev[0].base.length, sizeof(ev[0]));
	assert_int_equal(ev[0].user_data, 0x1234);
	assert_int_equal(ev[0].crtc_id, ids.crtc);
	seq1 = ev[0].sequence;
	ts1 = ev[0].tv_sec * 1000000000ull + ev[0].tv_usec * 1000ull;
	assert_true(ts1 <= now_ns());
	assert_true(ts1 + 1000000000ull > now_ns());

	/* The next flips complete on later vblanks, whole frame periods apart. */
	for (i = 0; i < 3; i++) {
		pf.fb_id = (i % 2) ? fb2 : fb1;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), 0);
		assert_int_equal(read_event(t->master, ev, sizeof(ev)), sizeof(ev[0]));
	}
	ts2 = ev[0].tv_sec * 1000000000ull + ev[0].tv_usec * 1000ull;
	assert_true(ev[0].sequence >= seq1 + 3);
	{
		uint64_t frames = ev[0].sequence - seq1;
		int64_t err = (int64_t)(ts2 - ts1) - (int64_t)(frames * period);

		/* microsecond rounding of the two timestamps only */
		assert_true(err > -2000 && err < 2000);
	}
	/* An event that does not fit the buffer stays queued. */
	pf.fb_id = fb2;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), 0);
	while (!drm_poll(t->master)) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	assert_int_equal(drm_read(t->master, tiny, sizeof(tiny)), 0);
	assert_int_equal(drm_read(t->master, ev, sizeof(ev)), sizeof(ev[0]));

	/* Bad flips. */
	pf.flags = 0x80000000u;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), -EINVAL);
	pf.flags = DRM_MODE_PAGE_FLIP_ASYNC;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), -EINVAL);
	pf.flags = 0;
	pf.fb_id = 4242;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), -ENOENT);
	pf.crtc_id = 4242;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), -ENOENT);
}

static void test_client_death_frees_everything(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	struct drm_device_stats before, during, after;
	uint32_t *px, pitch, h2, fb2;
	struct drm_mode_crtc_page_flip pf = { .crtc_id = ids.crtc, .flags = DRM_MODE_PAGE_FLIP_EVENT };
	struct drm_mode_crtc c = { .crtc_id = ids.crtc };

	drm_device_get_stats(t->dev, &before);
	modeset(t, &ids, &px, &pitch);
	fb2 = test_create_fb(t->master, 1024, 768, DRM_FORMAT_XRGB8888, &h2, NULL);
	pf.fb_id = fb2;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_PAGE_FLIP, &pf), 0);
	drm_device_get_stats(t->dev, &during);
	assert_int_equal(during.framebuffers, before.framebuffers + 2);
	assert_int_equal(during.gem_objects, before.gem_objects + 2);
	/* The master dies mid-flip, as a SIGKILLed client's release does. */
	drm_file_release(t->master);
	drm_device_get_stats(t->dev, &after);
	assert_int_equal(after.framebuffers, 0);
	assert_int_equal(after.gem_objects, 0);
	assert_int_equal(after.gem_bytes, 0);
	assert_int_equal(after.pending_events, 0);
	assert_int_equal(after.has_master, 0);
	assert_int_equal(after.blobs, before.blobs); /* only the EDID blob is left */
	t->master = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETCRTC, &c), 0);
	assert_int_equal(c.mode_valid, 0);
}

struct vbl_wait {
	struct drm_wait w;
	volatile int woken;
};

static void vbl_wake(struct drm_wait *w)
{
	((struct vbl_wait *)w)->woken++;
}

static void test_wait_vblank(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	struct drm_file *render;
	union drm_wait_vblank v;
	struct drm_crtc_get_sequence gs = { .crtc_id = ids.crtc };
	struct drm_crtc_queue_sequence qs = { .crtc_id = ids.crtc, .flags = DRM_CRTC_SEQUENCE_RELATIVE,
					       .sequence = 1, .user_data = 77 };
	struct vbl_wait vw = { .w = { .wake = vbl_wake } };
	struct drm_device_stats st;
	uint32_t *pixels, pitch, seq;
	char buf[128];
	long n;

	/* CRTC off: drm_vblank_get() fails (EINVAL); bad types and pipes are EINVAL too. */
	memset(&v, 0, sizeof(v));
	v.request.type = _DRM_VBLANK_RELATIVE;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_WAIT_VBLANK, &v), -EINVAL);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_CRTC_GET_SEQUENCE, &gs), -EINVAL);
	gs.crtc_id = 4242;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_CRTC_GET_SEQUENCE, &gs), -ENOENT);
	gs.crtc_id = ids.crtc;
	/* Not for render nodes (no DRM_RENDER_ALLOW). */
	render = test_open(t->dev, DRM_MINOR_RENDER, true);
	assert_int_equal(test_ioctl(render, DRM_IOCTL_WAIT_VBLANK, &v), -EACCES);
	drm_file_release(render);

	modeset(t, &ids, &pixels, &pitch);
	memset(&v, 0, sizeof(v));
	v.request.type = _DRM_VBLANK_RELATIVE | _DRM_VBLANK_SIGNAL;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_WAIT_VBLANK, &v), -EINVAL);
	v.request.type = _DRM_VBLANK_RELATIVE | _DRM_VBLANK_FLIP;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_WAIT_VBLANK, &v), -EINVAL);
	v.request.type = _DRM_VBLANK_RELATIVE | _DRM_VBLANK_SECONDARY;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_WAIT_VBLANK, &v), -EINVAL);
	v.request.type = _DRM_VBLANK_RELATIVE | (3 << _DRM_VBLANK_HIGH_CRTC_SHIFT);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_WAIT_VBLANK, &v), -EINVAL);

	/* A query answers the current count; GET_SEQUENCE agrees and says the CRTC is on. */
	drm_crtc_handle_vblank(t->dev->crtcs[0], drm_platform_time_ns(), 5);
	memset(&v, 0, sizeof(v));
	v.request.type = _DRM_VBLANK_RELATIVE;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_WAIT_VBLANK, &v), 0);
	seq = v.reply.sequence;
	assert_true(seq >= 5);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_CRTC_GET_SEQUENCE, &gs), 0);
	assert_int_equal(gs.active, 1);
	assert_true(gs.sequence >= seq);

	/* A blocking wait for the next vblank parks, and the vblank answers it. */
	memset(&v, 0, sizeof(v));
	v.request.type = _DRM_VBLANK_RELATIVE;
	v.request.sequence = 1;
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_WAIT_VBLANK, &v, NULL, &vw.w), -DRM_EPENDING);
	drm_crtc_handle_vblank(t->dev->crtcs[0], drm_platform_time_ns(), 1);
	assert_true(vw.woken >= 1);
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_WAIT_VBLANK, &v, NULL, &vw.w), 0);
	assert_true(v.reply.sequence >= seq + 1);
	assert_null(vw.w.state);

	/* An absolute count already passed, with NEXTONMISS: the next one. */
	memset(&v, 0, sizeof(v));
	v.request.type = _DRM_VBLANK_ABSOLUTE | _DRM_VBLANK_NEXTONMISS | _DRM_VBLANK_EVENT;
	v.request.sequence = 1;
	v.request.signal = 0x1234;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_WAIT_VBLANK, &v), 0);
	drm_device_get_stats(t->dev, &st);
	assert_int_equal(st.pending_events, 1);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &qs), 0);
	drm_crtc_handle_vblank(t->dev->crtcs[0], drm_platform_time_ns(), 1);
	n = drm_read(t->master, buf, sizeof(buf));
	assert_int_equal(n, 2 * 32);
	{
		struct drm_event_vblank ev;
		struct drm_event_crtc_sequence cs;

		memcpy(&ev, buf, sizeof(ev));
		memcpy(&cs, buf + 32, sizeof(cs));
		assert_int_equal(ev.base.type, DRM_EVENT_VBLANK);
		assert_int_equal(ev.user_data, 0x1234);
		assert_int_equal(ev.crtc_id, ids.crtc);
		assert_int_equal(cs.base.type, DRM_EVENT_CRTC_SEQUENCE);
		assert_int_equal(cs.user_data, 77);
		assert_int_equal(cs.sequence, qs.sequence);
	}
	/* Turning the CRTC off sends what is queued, and wakes blocked waits. */
	qs.sequence = 1000;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &qs), 0);
	memset(&v, 0, sizeof(v));
	v.request.type = _DRM_VBLANK_RELATIVE;
	v.request.sequence = 1000;
	vw.woken = 0;
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_WAIT_VBLANK, &v, NULL, &vw.w), -DRM_EPENDING);
	{
		struct drm_mode_crtc off = { .crtc_id = ids.crtc };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &off), 0);
	}
	assert_true(vw.woken >= 1);
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_WAIT_VBLANK, &v, NULL, &vw.w), 0);
	assert_int_equal(drm_read(t->master, buf, sizeof(buf)), 32);
	drm_device_get_stats(t->dev, &st);
	assert_int_equal(st.pending_events, 0);
	assert_int_equal(st.parked_ioctls, 0);
}

static void test_cursor(void **state)
{
	struct test_dev *t = *state;
	struct ids ids = get_ids(t->master);
	struct drm_file *other = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	uint32_t *px, pitch, *cur, cpitch, bo, x, y;
	uint32_t *shot = malloc(1024 * 768 * 4);
	struct drm_mode_cursor c = { .crtc_id = ids.crtc };
	struct drm_mode_cursor2 c2 = { .crtc_id = ids.crtc };
	struct drm_mode_get_plane gp = { .plane_id = ids.cursor };
	uint64_t csize;

	/* drm_mode_cursor_common(): flags, then the CRTC; MASTER only. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR, &c), -EINVAL);
	c.flags = 4;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR, &c), -EINVAL);
	c.flags = DRM_MODE_CURSOR_MOVE;
	c.crtc_id = 4242;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR, &c), -ENOENT);
	c.crtc_id = ids.crtc;
	assert_int_equal(test_ioctl(other, DRM_IOCTL_MODE_CURSOR, &c), -EACCES);
	drm_file_release(other);

	modeset(t, &ids, &px, &pitch);
	for (y = 0; y < 768; y++)
		for (x = 0; x < 1024; x++)
			px[y * (pitch / 4) + x] = 0x00204060u;
	{
		struct drm_mode_create_dumb d = { .width = 64, .height = 64, .bpp = 32 };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &d), 0);
		bo = d.handle;
		cpitch = d.pitch;
		csize = d.size;
	}
	cur = test_map(t->master, bo, csize);
	/* Premultiplied ARGB: opaque white in the top-left quarter, half-transparent red elsewhere. */
	for (y = 0; y < 64; y++)
		for (x = 0; x < 64; x++)
			cur[y * (cpitch / 4) + x] = (x < 32 && y < 32) ? 0xffffffffu : 0x80800000u;

	c.flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE;
	c.handle = 4242;
	c.width = c.height = 64;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR, &c), -ENOENT);
	c.handle = bo;
	c.x = 100;
	c.y = 50;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR, &c), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPLANE, &gp), 0);
	assert_int_equal(gp.crtc_id, ids.crtc);
	assert_true(gp.fb_id != 0);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	assert_int_equal(shot[50 * 1024 + 100], 0xffffffffu);          /* opaque cursor */
	/* 0x80 red over 0x204060: r = 0x80 + 0x20 * 127/255, g = 0x40 * 127/255, b = 0x60 * 127/255. */
	assert_int_equal(shot[(50 + 40) * 1024 + 100 + 40], 0xff902030u);
	assert_int_equal(shot[(50 + 64) * 1024 + 100], 0xff204060u);   /* below it: the primary */
	/* MOVE alone keeps the image; off the top-left edge is fine (vkms can position). */
	c.flags = DRM_MODE_CURSOR_MOVE;
	c.x = -32;
	c.y = -32;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR, &c), 0);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	assert_int_equal(shot[0], 0xff902030u);                        /* the red part at (0,0) */
	assert_int_equal(shot[50 * 1024 + 100], 0xff204060u);
	/* CURSOR2 with its hotspot; BO with handle 0 turns the cursor off. */
	c2.flags = DRM_MODE_CURSOR_BO;
	c2.handle = bo;
	c2.width = c2.height = 64;
	c2.hot_x = 3;
	c2.hot_y = 4;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR2, &c2), 0);
	c2.handle = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR2, &c2), 0);
	gp.count_format_types = 0; /* else GETPLANE copies the formats to format_type_ptr 0: EFAULT */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPLANE, &gp), 0);
	assert_int_equal(gp.fb_id, 0);
	assert_int_equal(drm_crtc_capture(t->dev, 0, shot, 1024, 768), 0);
	assert_int_equal(shot[0], 0xff204060u);
	/* A buffer too small for the size asked: drm_internal_framebuffer_create() says EINVAL. */
	c2.handle = bo;
	c2.width = c2.height = 128;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CURSOR2, &c2), -EINVAL);
	free(shot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resources, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_connector_and_edid, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_addfb_errors, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_setcrtc_errors, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_setcrtc_capture, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_page_flip, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_wait_vblank, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_cursor, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_client_death_frees_everything, test_dev_setup,
						test_dev_teardown),
	};

	return cmocka_run_group_tests_name("kms", tests, NULL, NULL);
}
