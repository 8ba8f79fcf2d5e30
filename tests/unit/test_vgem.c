/* test_vgem.c - the vgem driver: identity, no KMS, dumb buffers, fences (attach, signal, conflicts, timeout). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "drivers/vgem/vgem_drm.h"

static int vgem_setup(void **state)
{
	struct test_dev *t = calloc(1, sizeof(*t));

	if (!t || drm_device_create(drm_driver_find("vgem"), &t->dev))
		return -1;
	t->master = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	*state = t;
	return 0;
}

static uint32_t create_bo(struct drm_file *f)
{
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	return c.handle;
}

static void test_identity_and_no_kms(void **state)
{
	struct test_dev *t = *state;
	char name[8] = { 0 };
	struct drm_version v = { .name = name, .name_len = sizeof(name) };
	struct drm_get_cap cap = { .capability = DRM_CAP_DUMB_BUFFER };
	struct drm_mode_card_res res = { 0 };

	assert_true(drm_device_has_render_node(t->dev));
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VERSION, &v), 0);
	assert_string_equal(name, "vgem");
	/* Not a KMS driver: KMS caps and ioctls answer EOPNOTSUPP, generic caps work. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &cap), -EOPNOTSUPP);
	cap.capability = DRM_CAP_TIMESTAMP_MONOTONIC;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(cap.value, 1);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_GETRESOURCES, &res), -EOPNOTSUPP);
	{
		/* Every client cap, even an unknown one, needs KMS (drm_setclientcap()). */
		struct drm_set_client_cap cc = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &cc), -EOPNOTSUPP);
		cc.capability = 99;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SET_CLIENT_CAP, &cc), -EOPNOTSUPP);
	}
	create_bo(t->master);
}

static void test_fence_attach_signal(void **state)
{
	struct test_dev *t = *state;
	uint32_t bo = create_bo(t->master);
	struct drm_vgem_fence_attach rd = { .handle = bo }, rd2 = { .handle = bo };
	struct drm_vgem_fence_attach wr = { .handle = bo, .flags = VGEM_FENCE_WRITE };
	struct drm_vgem_fence_signal sig = { 0 };

	/* Bad flags, pad and handles. */
	rd.flags = 0x2;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &rd), -EINVAL);
	rd.flags = 0;
	rd.pad = 1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &rd), -EINVAL);
	rd.pad = 0;
	rd.handle = 4242;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &rd), -ENOENT);
	rd.handle = bo;

	/* Readers share; a writer waits for everyone; a reader waits for a writer. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &rd), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &rd2), 0);
	assert_true(rd.out_fence && rd2.out_fence && rd.out_fence != rd2.out_fence);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &wr), -EBUSY);
	sig.fence = rd.out_fence;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), -ENOENT);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &wr), -EBUSY);
	sig.fence = rd2.out_fence;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &wr), 0);
	rd.out_fence = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &rd), -EBUSY);
	sig.flags = 1;
	sig.fence = wr.out_fence;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), -EINVAL);
	sig.flags = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &rd), 0);
	/* Fence ids are per file; the last fence stays unsignalled until the file closes. */
	{
		struct drm_file *other = test_open(t->dev, DRM_MINOR_RENDER, true);
		struct drm_vgem_fence_signal s2 = { .fence = rd.out_fence };

		assert_int_equal(test_ioctl(other, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s2), -ENOENT);
		drm_file_release(other);
	}
}

static void test_fence_timeout(void **state)
{
	struct test_dev *t = *state;
	uint32_t bo = create_bo(t->master);
	struct drm_vgem_fence_attach wr = { .handle = bo, .flags = VGEM_FENCE_WRITE };
	struct drm_vgem_fence_signal sig = { 0 };
	struct timespec ts = { 10, 300000000 };

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &wr), 0);
	/* An unsignalled fence times out after 10 s (VGEM_FENCE_TIMEOUT); then the object is free. */
	nanosleep(&ts, NULL);
	wr.out_fence = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_ATTACH, &wr), 0);
	sig.fence = 1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), -ETIMEDOUT);
	sig.fence = wr.out_fence;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_and_no_kms, vgem_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_fence_attach_signal, vgem_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_fence_timeout, vgem_setup, test_dev_teardown),
	};

	return cmocka_run_group_tests_name("vgem", tests, NULL, NULL);
}
