/* SPDX-License-Identifier: MIT */
/*
 * Global GEM names: DRM_IOCTL_GEM_FLINK and DRM_IOCTL_GEM_OPEN.
 *
 * The kernel (drm_gem.c, Linux 6.1): FLINK gives an object one device-wide name, the same on
 * every call; FLINK of an unknown handle is ENOENT.  GEM_OPEN of a name gives the caller a new
 * handle (and the size) for the object; an unknown name is ENOENT.  The name lives as long as
 * the object has handles in any file: when the last handle goes, so does the name.
 */
#include "igt.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t create(int fd, uint64_t *size)
{
	return dumb_create(fd, 256, 64, 32, NULL, size);
}

static void basic(void)
{
	int a = drm_open_primary();
	igt_require_dumb(a);
	uint32_t h = create(a, NULL);
	uint32_t name = gem_flink(a, h);

	igt_assert_eq_u32(gem_flink(a, h), name);
	igt_assert_eq_u32(gem_flink(a, h), name);
}

static void names_unique(void)
{
	int a = drm_open_primary();
	igt_require_dumb(a);
	uint32_t n1 = gem_flink(a, create(a, NULL));
	uint32_t n2 = gem_flink(a, create(a, NULL));

	igt_assert_neq(n1, n2);
}

static void open_other_file(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	igt_require_dumb(a);
	uint64_t size_a, size_b = 0;
	uint32_t ha = create(a, &size_a);
	uint32_t name = gem_flink(a, ha);
	uint32_t hb = gem_open(b, name, &size_b);

	igt_assert_eq_u64(size_b, size_a);
	/* The handle in B names the same object: it has the same name. */
	igt_assert_eq_u32(gem_flink(b, hb), name);
	gem_close(b, hb);
	igt_assert_eq(__gem_close(b, hb), -EINVAL);
	/* A's handle is untouched by B's close. */
	igt_assert_eq_u32(gem_flink(a, ha), name);
}

/* Each GEM_OPEN makes a new handle, even for an object the file already holds. */
static void double_open(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	igt_require_dumb(a);
	uint32_t ha = create(a, NULL);
	uint32_t name = gem_flink(a, ha);
	uint32_t h1 = gem_open(b, name, NULL);
	uint32_t h2 = gem_open(b, name, NULL);

	igt_assert_neq(h1, h2);
	igt_assert_eq_u32(gem_flink(b, h1), name);
	igt_assert_eq_u32(gem_flink(b, h2), name);
	gem_close(b, h1);
	igt_assert_eq_u32(gem_flink(b, h2), name);

	uint32_t h3 = gem_open(a, name, NULL);
	igt_assert_neq(h3, ha);
	gem_close(a, h3);
	igt_assert_eq_u32(gem_flink(a, ha), name);
}

static void bad_open(void)
{
	static const uint32_t names[] = { 0, 0x7ffffff0, 0xffffffff };
	int a = drm_open_primary();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		igt_assert_eq(__gem_open(a, names[i], NULL, NULL), -ENOENT);
}

static void bad_flink(void)
{
	int a = drm_open_primary();

	igt_assert_eq(__gem_flink(a, 0, NULL), -ENOENT);
	igt_assert_eq(__gem_flink(a, 1, NULL), -ENOENT);
	igt_assert_eq(__gem_flink(a, 0xdeadbeef, NULL), -ENOENT);
}

/* The object, and its name, live while any file holds a handle. */
static void lifetime(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	int c = drm_open_primary();
	igt_require_dumb(a);
	uint32_t ha = create(a, NULL);
	uint32_t name = gem_flink(a, ha);
	uint32_t hb = gem_open(b, name, NULL);

	gem_close(a, ha);
	igt_assert_eq(__gem_flink(a, ha, NULL), -ENOENT);
	uint32_t hc = gem_open(c, name, NULL);
	gem_close(c, hc);
	igt_assert_eq_u32(gem_flink(b, hb), name);

	gem_close(b, hb);
	igt_assert_eq(__gem_open(c, name, NULL, NULL), -ENOENT);
	igt_assert_eq(__gem_open(a, name, NULL, NULL), -ENOENT);
}

/* Closing the file drops its handles: a name only it held is gone. */
static void name_gone_on_close(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	igt_require_dumb(a);
	uint32_t name = gem_flink(a, create(a, NULL));

	close(a);
	igt_assert_eq(__gem_open(b, name, NULL, NULL), -ENOENT);
}

static void name_survives_creator(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	int c = drm_open_primary();
	igt_require_dumb(a);
	uint64_t size;
	uint32_t name = gem_flink(a, create(a, &size));
	uint32_t hb = gem_open(b, name, NULL);

	close(a);
	uint64_t size_c = 0;
	uint32_t hc = gem_open(c, name, &size_c);
	igt_assert_eq_u64(size_c, size);
	gem_close(c, hc);
	gem_close(b, hb);
	igt_assert_eq(__gem_open(c, name, NULL, NULL), -ENOENT);
}

/* Names are device-wide: a file in another process opens them. */
static void open_other_process(void)
{
	int a = drm_open_primary();
	igt_require_dumb(a);
	uint64_t size;
	uint32_t name = gem_flink(a, create(a, &size));

	igt_fork() {
		int b = drm_open_primary();
		uint64_t size_b = 0;
		uint32_t hb = gem_open(b, name, &size_b);
		igt_assert_eq_u64(size_b, size);
		gem_close(b, hb);
	}
	igt_waitchildren();
}

/* Two handles of one object share its memory. */
static void open_shares_memory(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	igt_require_dumb(a);
	uint64_t size;
	uint32_t ha = create(a, &size);
	uint32_t hb = gem_open(b, gem_flink(a, ha), NULL);
	uint64_t off_a = dumb_map_offset(a, ha), off_b = dumb_map_offset(b, hb);

	uint32_t *pa = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, a, (off_t)off_a);
	igt_assert_f(pa != MAP_FAILED, "mmap A: %s\n", strerror(errno));
	uint32_t *pb = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b, (off_t)off_b);
	igt_assert_f(pb != MAP_FAILED, "mmap B: %s\n", strerror(errno));
	for (size_t i = 0; i < size / 4; i += 1024)
		pa[i] = 0xc0ffee00u + (uint32_t)i;
	for (size_t i = 0; i < size / 4; i += 1024)
		igt_assert_eq_u32(pb[i], 0xc0ffee00u + (uint32_t)i);
	pb[1] = 0x12345678;
	igt_assert_eq_u32(pa[1], 0x12345678);
	munmap(pa, size);
	munmap(pb, size);
}

static const struct igt_subtest tests[] = {
	{ "basic", basic },
	{ "names-unique", names_unique },
	{ "open-other-file", open_other_file },
	{ "double-open", double_open },
	{ "bad-open", bad_open },
	{ "bad-flink", bad_flink },
	{ "lifetime", lifetime },
	{ "name-gone-on-close", name_gone_on_close },
	{ "name-survives-creator", name_survives_creator },
	{ "open-other-process", open_other_process },
	{ "open-shares-memory", open_shares_memory },
};

IGT_MAIN(tests)
