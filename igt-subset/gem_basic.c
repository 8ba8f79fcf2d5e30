/* SPDX-License-Identifier: MIT */
/*
 * GEM handles: DRM_IOCTL_GEM_CLOSE and the per-file handle table.
 *
 * The kernel (drm_gem.c, Linux 6.1) keeps one handle table (an IDR) per open file; a new
 * handle is the lowest free number from 1 up; GEM_CLOSE of a handle the file does not have is
 * EINVAL.  Objects are made with dumb buffers, which vgem and every KMS driver create.
 */
#include "igt.h"

#include <string.h>
#include <unistd.h>

static uint32_t create(int fd)
{
	return dumb_create(fd, 64, 64, 32, NULL, NULL);
}

static void bad_close(void)
{
	int fd = drm_open_primary();
	igt_assert_eq(__gem_close(fd, 0), -EINVAL);
	igt_assert_eq(__gem_close(fd, 1), -EINVAL);
	igt_assert_eq(__gem_close(fd, 0xdeadbeef), -EINVAL);
	igt_assert_eq(__gem_close(fd, 0xffffffff), -EINVAL);
}

static void create_close(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint32_t h = create(fd);

	gem_close(fd, h);
	igt_assert_eq(__gem_close(fd, h), -EINVAL);
	igt_assert_eq(__dumb_map_offset(fd, h, NULL), -ENOENT);
}

/* DESTROY_DUMB and GEM_CLOSE act on the same handle table. */
static void close_then_destroy(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint32_t h = create(fd);

	gem_close(fd, h);
	igt_assert_eq(__dumb_destroy(fd, h), -EINVAL);
	h = create(fd);
	dumb_destroy(fd, h);
	igt_assert_eq(__gem_close(fd, h), -EINVAL);
}

static void handles_per_file(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	igt_require_dumb(a);
	uint32_t ha = create(a);

	igt_assert_eq(__gem_close(b, ha), -EINVAL);
	igt_assert_eq(__dumb_map_offset(b, ha, NULL), -ENOENT);
	igt_assert_eq(__gem_flink(b, ha, NULL), -ENOENT);

	/* Each file numbers its own handles from 1: same number, other object. */
	uint32_t hb = create(b);
	igt_assert_eq(hb, ha);
	gem_close(b, hb);
	dumb_map_offset(a, ha);
	gem_close(a, ha);
}

static void handle_numbering(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);

	/* igt_require_dumb's probe object is gone again: numbering starts at 1. */
	igt_assert_eq(create(fd), 1);
	igt_assert_eq(create(fd), 2);
	igt_assert_eq(create(fd), 3);
	gem_close(fd, 2);
	igt_assert_eq(create(fd), 2);
	igt_assert_eq(create(fd), 4);
	gem_close(fd, 1);
	gem_close(fd, 4);
	igt_assert_eq(create(fd), 1);
	igt_assert_eq(create(fd), 4);
}

/* Handles belong to the open file: another process sharing the file uses them. */
static void handles_follow_file(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint32_t h = create(fd);
	uint64_t off = dumb_map_offset(fd, h);

	igt_fork() {
		igt_assert_eq_u64(dumb_map_offset(fd, h), off);
		uint32_t h2 = create(fd);
		igt_assert_eq(h2, h + 1);
		gem_close(fd, h);
	}
	igt_waitchildren();
	igt_assert_eq(__gem_close(fd, h), -EINVAL);
	gem_close(fd, h + 1);
}

static const struct igt_subtest tests[] = {
	{ "bad-close", bad_close },
	{ "create-close", create_close },
	{ "close-then-destroy", close_then_destroy },
	{ "handles-per-file", handles_per_file },
	{ "handle-numbering", handle_numbering },
	{ "handles-follow-file", handles_follow_file },
};

IGT_MAIN(tests)
