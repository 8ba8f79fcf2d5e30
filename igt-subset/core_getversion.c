/* SPDX-License-Identifier: MIT */
/*
 * DRM_IOCTL_VERSION: the lengths and the copying of the three strings.
 *
 * The kernel (drm_ioctl.c, drm_copy_field) copies at most *len bytes, no NUL, and then sets
 * *len to the full length of the string, so a caller can size its buffers with a first call
 * that passes zero lengths.  A NULL pointer with a non-zero length copies nothing.
 */
#include "igt.h"

#include <string.h>
#include <sys/mman.h>

static void get_version(int fd, struct drm_version *v)
{
	memset(v, 0, sizeof(*v));
	do_ioctl(fd, DRM_IOCTL_VERSION, v);
}

/* The lengths first, then the strings: the lengths must not change. */
static void basic(void)
{
	int fd = drm_open_primary();
	struct drm_version v, v2;

	get_version(fd, &v);
	igt_assert_lt(0, (long long)v.name_len);

	char name[256], date[256], desc[256];
	igt_assert_lt((long long)v.name_len, (long long)sizeof(name));
	igt_assert_lt((long long)v.date_len, (long long)sizeof(date));
	igt_assert_lt((long long)v.desc_len, (long long)sizeof(desc));
	memset(name, 0, sizeof(name));
	memset(date, 0, sizeof(date));
	memset(desc, 0, sizeof(desc));

	memset(&v2, 0, sizeof(v2));
	v2.name = name;
	v2.name_len = v.name_len;
	v2.date = date;
	v2.date_len = v.date_len;
	v2.desc = desc;
	v2.desc_len = v.desc_len;
	do_ioctl(fd, DRM_IOCTL_VERSION, &v2);

	igt_assert_eq(v2.name_len, v.name_len);
	igt_assert_eq(v2.date_len, v.date_len);
	igt_assert_eq(v2.desc_len, v.desc_len);
	igt_assert_eq(v2.version_major, v.version_major);
	igt_assert_eq(v2.version_minor, v.version_minor);
	igt_assert_eq(v2.version_patchlevel, v.version_patchlevel);
	/* No NUL inside the reported length, and the name is printable. */
	igt_assert_eq(strlen(name), v.name_len);
	igt_assert_eq(strlen(date), v.date_len);
	igt_assert_eq(strlen(desc), v.desc_len);
	for (size_t i = 0; i < v.name_len; i++)
		igt_assert_f(name[i] > ' ' && name[i] < 127, "name byte %zu is %#x\n", i,
			     (unsigned char)name[i]);
	igt_info("driver %s %d.%d.%d %s (%s)\n", name, v.version_major, v.version_minor,
		 v.version_patchlevel, date, desc);
}

/* A short buffer gets the prefix, nothing past it, and the full length back. */
static void short_buffer(void)
{
	int fd = drm_open_primary();
	struct drm_version v;
	char full[256], buf[256];

	get_version(fd, &v);
	igt_assert_lt(1, (long long)v.name_len);
	igt_assert_lt((long long)v.name_len, (long long)sizeof(full));
	memset(full, 0, sizeof(full));
	v.name = full;
	v.date = NULL;
	v.date_len = 0;
	v.desc = NULL;
	v.desc_len = 0;
	do_ioctl(fd, DRM_IOCTL_VERSION, &v);
	size_t len = v.name_len;

	for (size_t cut = 1; cut < len; cut++) {
		memset(&v, 0, sizeof(v));
		memset(buf, 'X', sizeof(buf));
		v.name = buf;
		v.name_len = cut;
		do_ioctl(fd, DRM_IOCTL_VERSION, &v);
		igt_assert_eq(v.name_len, len);
		igt_assert(memcmp(buf, full, cut) == 0);
		for (size_t i = cut; i < sizeof(buf); i++)
			igt_assert_f(buf[i] == 'X', "byte %zu past a %zu-byte buffer written\n", i, cut);
	}
}

/* A longer buffer than needed: the string, and no terminating NUL written after it. */
static void long_buffer(void)
{
	int fd = drm_open_primary();
	struct drm_version v;
	char buf[256];

	get_version(fd, &v);
	size_t len = v.name_len;
	igt_assert_lt((long long)len, (long long)sizeof(buf));

	memset(&v, 0, sizeof(v));
	memset(buf, 'X', sizeof(buf));
	v.name = buf;
	v.name_len = sizeof(buf);
	do_ioctl(fd, DRM_IOCTL_VERSION, &v);
	igt_assert_eq(v.name_len, len);
	for (size_t i = len; i < sizeof(buf); i++)
		igt_assert_f(buf[i] == 'X', "byte %zu past the %zu-byte name written\n", i, len);
}

/* NULL pointers with non-zero lengths: nothing copied, the lengths reported. */
static void null_buffers(void)
{
	int fd = drm_open_primary();
	struct drm_version v, ref;

	get_version(fd, &ref);
	memset(&v, 0, sizeof(v));
	v.name_len = 100;
	v.date_len = 100;
	v.desc_len = 100;
	do_ioctl(fd, DRM_IOCTL_VERSION, &v);
	igt_assert_eq(v.name_len, ref.name_len);
	igt_assert_eq(v.date_len, ref.date_len);
	igt_assert_eq(v.desc_len, ref.desc_len);
}

/* A buffer the caller cannot write: EFAULT. */
static void bad_pointer(void)
{
	int fd = drm_open_primary();
	struct drm_version v;
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(page != MAP_FAILED);
	memset(&v, 0, sizeof(v));
	v.name = page;
	v.name_len = 8;
	do_ioctl_err(fd, DRM_IOCTL_VERSION, &v, EFAULT);
	munmap(page, 4096);
}

/* Two files of one device report the same driver. */
static void same_for_all_files(void)
{
	int a = drm_open_primary(), b = drm_open_primary();
	char na[64], nb[64];

	igt_assert(drm_get_driver_name(a, na, sizeof(na)));
	igt_assert(drm_get_driver_name(b, nb, sizeof(nb)));
	igt_assert_f(strcmp(na, nb) == 0, "%s != %s\n", na, nb);
	igt_assert(na[0] != '\0');
}

static const struct igt_subtest tests[] = {
	{ "basic", basic },
	{ "short-buffer", short_buffer },
	{ "long-buffer", long_buffer },
	{ "null-buffers", null_buffers },
	{ "bad-pointer", bad_pointer },
	{ "same-for-all-files", same_for_all_files },
};

IGT_MAIN(tests)
