/* test_core.c - dispatch, permissions, VERSION, caps, client caps, SET_VERSION, GET_UNIQUE, master. */
#include <errno.h>
#include <string.h>

#include "harness.h"

static void test_version(void **state)
{
	struct test_dev *t = *state;
	char name[16] = { 0 }, date[4] = { 0 }, desc[64] = { 0 };
	struct drm_version v = { 0 };

	/* First call: lengths only. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.name_len, 4);
	assert_int_equal(v.date_len, 8);
	assert_int_equal(v.desc_len, strlen("Virtual Kernel Mode Setting"));
	assert_int_equal(v.version_major, 1);
	/* Second call with buffers: a short buffer gets a prefix and the full length. */
	v.name = name;
	v.name_len = sizeof(name);
	v.date = date;
	v.date_len = sizeof(date);
	v.desc = desc;
	v.desc_len = sizeof(desc);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VERSION, &v), 0);
	assert_string_equal(name, "vkms");
	assert_memory_equal(date, "2018", 4);
	assert_int_equal(v.date_len, 8);
	assert_string_equal(desc, "Virtual Kernel Mode Setting");
	/* An unreadable name pointer gives EFAULT. */
	v.name = (char *)(uintptr_t)TEST_BAD_PTR;
	v.name_len = 4;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VERSION, &v), -EFAULT);
}

static void test_unknown_ioctls(void **state)
{
	struct test_dev *t = *state;
	uint64_t buf[8] = { 0 };

	/* Not the DRM type: ENOTTY.  Unknown core number, or driver number without a table: EINVAL. */
	assert_int_equal(test_ioctl(t->master, _IOWR('x', 1, uint64_t), buf), -ENOTTY);
	assert_int_equal(test_ioctl(t->master, DRM_IOWR(0x0e, uint64_t), buf), -EINVAL);
	assert_int_equal(test_ioctl(t->master, DRM_IOWR(DRM_COMMAND_BASE + 1, uint64_t), buf), -EINVAL);
	assert_int_equal(test_ioctl(t->master, DRM_IOWR(0xff, uint64_t), buf), -EINVAL);
	/* A bad argument pointer: EFAULT, and nothing happens. */
	assert_int_equal(drm_ioctl(t->master, DRM_IOCTL_GET_CAP, TEST_BAD_PTR, NULL, NULL), -EFAULT);
}

static void test_getcap(void **state)
{
	struct test_dev *t = *state;
	static const struct { uint64_t cap, value; } expect[] = {
		{ DRM_CAP_DUMB_BUFFER, 1 },
		{ DRM_CAP_DUMB_PREFERRED_DEPTH, 0 },
		{ DRM_CAP_VBLANK_HIGH_CRTC, 1 },
		{ DRM_CAP_TIMESTAMP_MONOTONIC, 1 },
		{ DRM_CAP_CRTC_IN_VBLANK_EVENT, 1 },
		{ DRM_CAP_CURSOR_WIDTH, 512 },
		{ DRM_CAP_CURSOR_HEIGHT, 512 },
		{ DRM_CAP_PRIME, 0 },
		{ DRM_CAP_ASYNC_PAGE_FLIP, 0 },
		{ DRM_CAP_ADDFB2_MODIFIERS, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		struct drm_get_cap c = { .capability = expect[i].cap, .value = 77 };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &c), 0);
		assert_int_equal(c.value, expect[i].value);
	}
	{
		struct drm_get_cap c = { .capability = 0x999 };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &c), -EINVAL);
	}
}

static void test_setclientcap(void **state)
{
	struct test_dev *t = *state;
	struct drm_set_client_cap c = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };
	struct drm_mode_get_plane_res pr = { 0 };

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr), 0);
	assert_int_equal(pr.count_planes, 0); /* only overlays without the cap */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr), 0);
	assert_int_equal(pr.count_planes, 2); /* primary and cursor, as the kernel's vkms */
	c.value = 2;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), -EINVAL);
	/* Writeback connectors need the atomic cap first (drm_setclientcap()). */
	c.capability = DRM_CLIENT_CAP_WRITEBACK_CONNECTORS;
	c.value = 1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), -EINVAL);
	/* vkms is atomic: the cap is taken (values up to 2) and brings universal planes along. */
	c.capability = DRM_CLIENT_CAP_ATOMIC;
	c.value = 3;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), -EINVAL);
	c.value = 1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), 0);
	c.capability = DRM_CLIENT_CAP_ATOMIC;
	c.value = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), 0);
	c.capability = 99;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), -EINVAL);
	c.capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES;
	c.value = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &c), 0);
}

static void test_unique_and_setversion(void **state)
{
	struct test_dev *t = *state;
	struct drm_unique u = { 0 };
	struct drm_set_version sv = { .drm_di_major = 1, .drm_di_minor = 5, .drm_dd_major = -1, .drm_dd_minor = -1 };
	char buf[32] = { 0 };

	/* No bus id before SET_VERSION: drmOpen() by name relies on an empty unique. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_UNIQUE, &u), 0);
	assert_int_equal(u.unique_len, 0);
	/* Interface 1.5 does not exist; the struct still reports what does. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_VERSION, &sv), -EINVAL);
	assert_int_equal(sv.drm_di_major, 1);
	assert_int_equal(sv.drm_di_minor, 4);
	assert_int_equal(sv.drm_dd_major, 1);
	sv.drm_di_major = 1;
	sv.drm_di_minor = 1;
	sv.drm_dd_major = 2;
	sv.drm_dd_minor = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_VERSION, &sv), -EINVAL);
	sv.drm_di_major = 1;
	sv.drm_di_minor = 1;
	sv.drm_dd_major = -1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_VERSION, &sv), 0);
	u.unique = buf;
	u.unique_len = sizeof(buf);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_UNIQUE, &u), 0);
	assert_int_equal(u.unique_len, 4);
	assert_string_equal(buf, "vkms");
}

static void test_master(void **state)
{
	struct test_dev *t = *state;
	static const struct drm_caller user_other_pid = { .pid = 201, .uid = 1000 };
	static const struct drm_caller user_opener = { .pid = 200, .uid = 1000 };
	struct drm_file *second = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	struct drm_mode_crtc crtc = { 0 };
	struct drm_device_stats s;

	/* The second opener is not master: KMS changes give EACCES, SET_MASTER EBUSY or EACCES. */
	assert_int_equal(test_ioctl_as(second, DRM_IOCTL_MODE_SETCRTC, &crtc, &user_opener), -EACCES);
	assert_int_equal(test_ioctl_as(second, DRM_IOCTL_SET_MASTER, NULL, &user_opener), -EACCES);
	assert_int_equal(test_ioctl(second, DRM_IOCTL_SET_MASTER, NULL), -EBUSY);
	assert_int_equal(test_ioctl(second, DRM_IOCTL_DROP_MASTER, NULL), -EINVAL);
	/* The master drops, the other takes it (as root), and gives it back. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_DROP_MASTER, NULL), 0);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.has_master, 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &crtc), -EACCES);
	assert_int_equal(test_ioctl(second, DRM_IOCTL_SET_MASTER, NULL), 0);
	assert_int_equal(test_ioctl(second, DRM_IOCTL_SET_MASTER, NULL), 0); /* already master */
	/* A former master from its own pid may drop without privilege; another pid may not. */
	assert_int_equal(test_ioctl_as(second, DRM_IOCTL_DROP_MASTER, NULL, &user_other_pid), -EACCES);
	assert_int_equal(test_ioctl_as(second, DRM_IOCTL_DROP_MASTER, NULL, &user_opener), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_MASTER, NULL), 0);
	/* SETCRTC from the master now gets past the permission check to the CRTC lookup. */
	crtc.crtc_id = 9999;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_SETCRTC, &crtc), -ENOENT);
	drm_file_release(second);
}

static void test_master_dies(void **state)
{
	struct test_dev *t = *state;
	struct drm_file *m2, *m3;
	struct drm_device_stats s;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_DROP_MASTER, NULL), 0);
	/* With no master, the next opener of the primary node becomes master. */
	m2 = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	assert_int_equal(test_ioctl_as(m2, DRM_IOCTL_DROP_MASTER, NULL,
				       &(struct drm_caller){ .pid = 200, .uid = 1000 }), 0);
	assert_int_equal(test_ioctl(m2, DRM_IOCTL_SET_MASTER, NULL), 0);
	/* A dying master releases master status. */
	drm_file_release(m2);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.has_master, 0);
	m3 = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.has_master, 1);
	drm_file_release(m3);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_MASTER, NULL), 0);
}

static void test_auth_magic(void **state)
{
	struct test_dev *t = *state;
	static const struct drm_caller user = { .pid = 200, .uid = 1000 };
	struct drm_file *client = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	struct drm_auth a = { 0 }, again = { 0 }, zero = { 0 };

	/* drmIsMaster(): AUTH_MAGIC(0) is EINVAL for the master, EACCES for anyone else. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_AUTH_MAGIC, &zero), -EINVAL);
	assert_int_equal(test_ioctl_as(client, DRM_IOCTL_AUTH_MAGIC, &zero, &user), -EACCES);
	assert_int_equal(test_ioctl_as(client, DRM_IOCTL_GET_MAGIC, &a, &user), 0);
	assert_true(a.magic != 0);
	assert_int_equal(test_ioctl_as(client, DRM_IOCTL_GET_MAGIC, &again, &user), 0);
	assert_int_equal(again.magic, a.magic); /* stable */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_AUTH_MAGIC, &a), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_AUTH_MAGIC, &a), -EINVAL); /* used up */
	drm_file_release(client);
}

static void test_getclient_getstats(void **state)
{
	struct test_dev *t = *state;
	struct drm_client c = { .idx = 0 };
	struct drm_stats st;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CLIENT, &c), 0);
	assert_int_equal(c.pid, 100);     /* the caller */
	assert_int_equal(c.uid, 65534);   /* overflowuid */
	assert_int_equal(c.auth, 1);
	c.idx = 1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CLIENT, &c), -EINVAL);
	memset(&st, 0xaa, sizeof(st));
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_STATS, &st), 0);
	assert_int_equal(st.count, 0);
}

static void test_render_node_permissions(void **state)
{
	struct test_dev *t = *state;
	struct drm_file *r = test_open(t->dev, DRM_MINOR_RENDER, true);
	struct drm_mode_card_res res = { 0 };
	struct drm_get_cap c = { .capability = DRM_CAP_TIMESTAMP_MONOTONIC };
	struct drm_mode_create_dumb d = { .width = 4, .height = 4, .bpp = 32 };
	struct drm_device_stats s;

	/* A render file reaches RENDER_ALLOW ioctls only, and never holds master. */
	assert_int_equal(test_ioctl(r, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(test_ioctl(r, DRM_IOCTL_MODE_GETRESOURCES, &res), -EACCES);
	assert_int_equal(test_ioctl(r, DRM_IOCTL_MODE_CREATE_DUMB, &d), -EACCES);
	assert_int_equal(test_ioctl(r, DRM_IOCTL_SET_MASTER, NULL), -EACCES);
	drm_file_release(r);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.files, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ioctls, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_getcap, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_setclientcap, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_unique_and_setversion, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_master, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_master_dies, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_auth_magic, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_getclient_getstats, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_render_node_permissions, test_dev_setup, test_dev_teardown),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
