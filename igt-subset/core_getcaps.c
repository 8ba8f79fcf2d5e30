/* SPDX-License-Identifier: MIT */
/*
 * DRM_IOCTL_GET_CAP and DRM_IOCTL_SET_CLIENT_CAP.
 *
 * The kernel (drm_ioctl.c, drm_getcap) answers four caps for every driver: TIMESTAMP_MONOTONIC
 * (1), PRIME (IMPORT and EXPORT, each when the driver has the hook; Linux 6.6 made both
 * unconditional), SYNCOBJ and SYNCOBJ_TIMELINE (the driver's features).  Every
 * other cap needs a KMS driver: without DRIVER_MODESET it is EOPNOTSUPP (so vgem answers
 * DUMB_BUFFER with EOPNOTSUPP even though it creates dumb buffers), and an unknown cap on a KMS
 * driver is EINVAL.  drm_setclientcap likewise refuses everything with EOPNOTSUPP on a driver
 * without KMS; on a KMS driver an unknown cap or a bad value is EINVAL, and ATOMIC is
 * EOPNOTSUPP unless the driver is atomic.
 */
#include "igt.h"

#include <string.h>
#include <sys/mman.h>

static int __get_cap(int fd, uint64_t cap, uint64_t *value)
{
	struct drm_get_cap c = { .capability = cap, .value = 0xdeadbeefcafeull };
	int ret = igt_ioctl(fd, DRM_IOCTL_GET_CAP, &c);
	int err = ret ? errno : 0;
	if (value)
		*value = c.value;
	errno = 0;
	return -err;
}

static uint64_t get_cap(int fd, uint64_t cap)
{
	uint64_t value;
	int ret = __get_cap(fd, cap, &value);
	igt_assert_f(ret == 0, "GET_CAP %#llx: %s\n", (unsigned long long)cap, strerror(-ret));
	return value;
}

static int __set_client_cap(int fd, uint64_t cap, uint64_t value)
{
	struct drm_set_client_cap c = { .capability = cap, .value = value };
	int ret = igt_ioctl(fd, DRM_IOCTL_SET_CLIENT_CAP, &c);
	int err = ret ? errno : 0;
	errno = 0;
	return -err;
}

/* In 6.1 the PRIME bits follow the driver's prime hooks; vgem has both. */
static void prime(void)
{
	int fd = drm_open_primary();
	uint64_t v = get_cap(fd, DRM_CAP_PRIME);

	igt_assert_eq_u64(v & ~(uint64_t)(DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT), 0);
	if (igt_driver_is(fd, "vgem"))
		igt_assert_eq_u64(v, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
}

static void timestamp_monotonic(void)
{
	int fd = drm_open_primary();
	igt_assert_eq_u64(get_cap(fd, DRM_CAP_TIMESTAMP_MONOTONIC), 1);
}

static void syncobj(void)
{
	int fd = drm_open_primary();
	uint64_t s = get_cap(fd, DRM_CAP_SYNCOBJ);
	uint64_t t = get_cap(fd, DRM_CAP_SYNCOBJ_TIMELINE);

	igt_assert_lte_u64(s, 1);
	igt_assert_lte_u64(t, 1);
	igt_assert_f(!t || s, "timeline syncobjs without syncobjs\n");
	/* vgem has DRIVER_GEM | DRIVER_RENDER only. */
	if (igt_driver_is(fd, "vgem")) {
		igt_assert_eq_u64(s, 0);
		igt_assert_eq_u64(t, 0);
	}
}

static void dumb_buffer(void)
{
	int fd = drm_open_primary();
	uint64_t v;
	int ret = __get_cap(fd, DRM_CAP_DUMB_BUFFER, &v);

	if (igt_is_kms(fd)) {
		igt_assert_eq(ret, 0);
		igt_assert_lte_u64(v, 1);
	} else {
		igt_assert_eq(ret, -EOPNOTSUPP);
	}
}

/* The caps only a KMS driver answers. */
static void kms_caps(void)
{
	static const uint64_t caps[] = {
		DRM_CAP_DUMB_BUFFER,	  DRM_CAP_VBLANK_HIGH_CRTC,	DRM_CAP_DUMB_PREFERRED_DEPTH,
		DRM_CAP_DUMB_PREFER_SHADOW, DRM_CAP_ASYNC_PAGE_FLIP,	DRM_CAP_CURSOR_WIDTH,
		DRM_CAP_CURSOR_HEIGHT,	  DRM_CAP_ADDFB2_MODIFIERS,	DRM_CAP_PAGE_FLIP_TARGET,
		DRM_CAP_CRTC_IN_VBLANK_EVENT,
	};
	int fd = drm_open_primary();
	bool kms = igt_is_kms(fd);

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		uint64_t v;
		int ret = __get_cap(fd, caps[i], &v);
		igt_assert_f(ret == (kms ? 0 : -EOPNOTSUPP), "cap %#llx: %s on a %s driver\n",
			     (unsigned long long)caps[i], ret ? strerror(-ret) : "success",
			     kms ? "KMS" : "non-KMS");
	}
}

static void invalid_cap(void)
{
	static const uint64_t caps[] = { 0, 0xdead, 0x7fffffff, 0x100000001ull, ~0ull };
	int fd = drm_open_primary();
	int expect = igt_is_kms(fd) ? -EINVAL : -EOPNOTSUPP;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int ret = __get_cap(fd, caps[i], NULL);
		igt_assert_f(ret == expect, "cap %#llx: %s, expected %s\n",
			     (unsigned long long)caps[i], ret ? strerror(-ret) : "success",
			     strerror(-expect));
	}
}

/* The argument cannot be read: EFAULT, before any cap logic. */
static void getcap_efault(void)
{
	int fd = drm_open_primary();
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(page != MAP_FAILED);
	do_ioctl_err(fd, DRM_IOCTL_GET_CAP, page, EFAULT);
	munmap(page, 4096);
}

static void set_client_cap_invalid(void)
{
	int fd = drm_open_primary();

	if (!igt_is_kms(fd)) {
		/* Every client cap needs KMS. */
		igt_assert_eq(__set_client_cap(fd, 0xdead, 1), -EOPNOTSUPP);
		igt_assert_eq(__set_client_cap(fd, 0, 0), -EOPNOTSUPP);
		igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_STEREO_3D, 2), -EOPNOTSUPP);
		igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), -EOPNOTSUPP);
		return;
	}
	igt_assert_eq(__set_client_cap(fd, 0xdead, 1), -EINVAL);
	igt_assert_eq(__set_client_cap(fd, 0, 0), -EINVAL);
	igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_STEREO_3D, 2), -EINVAL);
	igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 2), -EINVAL);
	igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), 0);
	igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 0), 0);
}

static void set_client_cap_atomic(void)
{
	int fd = drm_open_primary();

	if (!igt_is_kms(fd)) {
		igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 1), -EOPNOTSUPP);
		return;
	}
	int ret = __set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
	igt_assert_f(ret == 0 || ret == -EOPNOTSUPP, "ATOMIC=1: %s\n", strerror(-ret));
	if (ret == 0) {
		/* An atomic driver: values above 2 are refused. */
		igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 3), -EINVAL);
		igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 0), 0);
	} else {
		igt_assert_eq(__set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 0), -EOPNOTSUPP);
	}
}

static const struct igt_subtest tests[] = {
	{ "prime", prime },
	{ "timestamp-monotonic", timestamp_monotonic },
	{ "syncobj", syncobj },
	{ "dumb-buffer", dumb_buffer },
	{ "kms-caps", kms_caps },
	{ "invalid-cap", invalid_cap },
	{ "getcap-efault", getcap_efault },
	{ "set-client-cap-invalid", set_client_cap_invalid },
	{ "set-client-cap-atomic", set_client_cap_atomic },
};

IGT_MAIN(tests)
