/* SPDX-License-Identifier: MIT */
/*
 * A tiny IGT-style test framework for igt-subset/.
 *
 * It follows the conventions of IGT GPU Tools (lib/igt_core.h), so that its binaries can be
 * driven by the same scripts and read by the same eyes:
 *   - a binary is a table of named subtests (IGT_MAIN below);
 *   - `--list-subtests` prints their names, `--run-subtest GLOB[,GLOB...]` runs the matching
 *     ones, no option runs all;
 *   - each subtest prints "Starting subtest: NAME" and "Subtest NAME: SUCCESS|FAIL|SKIP|CRASH|
 *     TIMEOUT (0.001s)";
 *   - exit status: IGT_EXIT_SUCCESS, IGT_EXIT_SKIP when every subtest skipped,
 *     IGT_EXIT_FAILURE when one failed, IGT_EXIT_INVALID for a bad command line.
 *
 * One difference from IGT, on purpose: every subtest runs in a forked process of its own (in
 * its own process group).  A subtest's DRM files are therefore all closed, and its helper
 * children all killed and reaped, before the next subtest starts: master status cannot leak
 * from one subtest into the next, and a crash or hang fails one subtest, not the binary.
 *
 * Node selection: `--device PATH` (or IGT_DEVICE=PATH, "drm:" prefix allowed), else
 * `--driver NAME` (default vgem), which scans /dev/dri/card0..15 for the first node whose
 * DRM_IOCTL_VERSION name is NAME.  The render node is `--render PATH` (or IGT_RENDER_DEVICE;
 * "none" for no render node), else the renderD node in /sys/dev/char/M:m/device/drm/, else
 * /dev/dri/renderD<128+N> for cardN, else the first /dev/dri/renderD128..191 of the same driver.
 */
#ifndef IGT_SUBSET_IGT_H
#define IGT_SUBSET_IGT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <drm.h>
#include <drm_mode.h>

/* IGT's exit codes (lib/igt_core.h). */
#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_SKIP 77
#define IGT_EXIT_TIMEOUT 78
#define IGT_EXIT_INVALID 79
#define IGT_EXIT_FAILURE 98

struct igt_subtest {
	const char *name;
	void (*func)(void);
};

int igt_main_run(int argc, char **argv, const struct igt_subtest *tests, size_t n_tests);

#define IGT_MAIN(table)                                                                    \
	int main(int argc, char **argv)                                                    \
	{                                                                                  \
		return igt_main_run(argc, argv, table, sizeof(table) / sizeof((table)[0])); \
	}

/* --- outcome of a subtest -------------------------------------------------------------- */

_Noreturn void __igt_fail_assert(const char *file, int line, const char *func, const char *expr,
				 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
_Noreturn void __igt_skip_check(const char *file, int line, const char *func, const char *expr,
				const char *fmt, ...) __attribute__((format(printf, 5, 6)));
_Noreturn void igt_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void igt_fail(int exitcode);
void igt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define igt_assert(expr)                                                                   \
	do {                                                                               \
		if (!(expr))                                                               \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, NULL);      \
	} while (0)

#define igt_assert_f(expr, ...)                                                            \
	do {                                                                               \
		if (!(expr))                                                               \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	} while (0)

#define __igt_assert_cmp(T, pfmt, a, op, nop, b)                                           \
	do {                                                                               \
		T __a = (a), __b = (b);                                                    \
		if (!(__a op __b))                                                         \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #a " " #op " " #b,  \
					  "error: " pfmt " " #nop " " pfmt "\n", __a, __b); \
	} while (0)

/* Signed comparisons (int, long); u32 values fit too. */
#define igt_assert_eq(a, b) __igt_assert_cmp(long long, "%lld", a, ==, !=, b)
#define igt_assert_neq(a, b) __igt_assert_cmp(long long, "%lld", a, !=, ==, b)
#define igt_assert_lt(a, b) __igt_assert_cmp(long long, "%lld", a, <, >=, b)
#define igt_assert_lte(a, b) __igt_assert_cmp(long long, "%lld", a, <=, >, b)
#define igt_assert_gte(a, b) __igt_assert_cmp(long long, "%lld", a, >=, <, b)
#define igt_assert_eq_u32(a, b) __igt_assert_cmp(unsigned long long, "%#llx", a, ==, !=, b)
#define igt_assert_eq_u64(a, b) __igt_assert_cmp(unsigned long long, "%#llx", a, ==, !=, b)
#define igt_assert_neq_u64(a, b) __igt_assert_cmp(unsigned long long, "%#llx", a, !=, ==, b)
#define igt_assert_lte_u64(a, b) __igt_assert_cmp(unsigned long long, "%llu", a, <=, >, b)

#define igt_require(expr)                                                                  \
	do {                                                                               \
		if (!(expr))                                                               \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL);       \
	} while (0)

#define igt_require_f(expr, ...)                                                           \
	do {                                                                               \
		if (!(expr))                                                               \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	} while (0)

/* --- ioctls ----------------------------------------------------------------------------- */

/* ioctl() restarted on EINTR, as drmIoctl does; returns 0 or -1 with errno. */
int igt_ioctl(int fd, unsigned long request, void *arg);

void __do_ioctl(const char *file, int line, const char *func, int fd, unsigned long request,
		const char *request_name, void *arg);
void __do_ioctl_err(const char *file, int line, const char *func, int fd, unsigned long request,
		    const char *request_name, void *arg, int err);

/* The ioctl must succeed. */
#define do_ioctl(fd, request, arg) __do_ioctl(__FILE__, __LINE__, __func__, fd, request, #request, arg)
/* The ioctl must fail with errno @err. */
#define do_ioctl_err(fd, request, arg, err)                                                \
	__do_ioctl_err(__FILE__, __LINE__, __func__, fd, request, #request, arg, err)

/* --- processes -------------------------------------------------------------------------- */

bool __igt_fork(void);
_Noreturn void __igt_child_done(void);

/*
 * igt_fork() { body }: runs body in a child process, which then exits 0 (an assertion that
 * fails in it exits IGT_EXIT_FAILURE).  igt_waitchildren() in the parent fails the subtest
 * when a child did not exit 0.
 */
#define igt_fork() for (bool __igt_child = __igt_fork(); __igt_child; __igt_child_done())
void igt_waitchildren(void);

/* One-byte pipe messages between a parent and its igt_fork() child. */
struct igt_pipe {
	int fd[2];
};
void igt_pipe_init(struct igt_pipe *p);
void igt_pipe_send(struct igt_pipe *p, char c);
char igt_pipe_recv(struct igt_pipe *p);
void igt_pipe_send_u32(struct igt_pipe *p, uint32_t v);
uint32_t igt_pipe_recv_u32(struct igt_pipe *p);

/* Become uid/gid 65534 (nobody): no capabilities left. */
void igt_drop_root(void);
/* Stay uid 0 (so 0600 root nodes still open) but lose CAP_SYS_ADMIN in every set. */
void igt_drop_sys_admin(void);

/* --- DRM nodes -------------------------------------------------------------------------- */

const char *igt_device_path(void);  /* NULL when none was found */
const char *igt_render_path(void);  /* NULL when none was found */
const char *igt_driver_filter(void);

/* Open the primary (or render) node, O_RDWR | O_CLOEXEC | @flags; skip when there is none. */
int drm_open_primary(void);
int drm_open_primary_flags(int flags);
int drm_open_render(void);

/* DRM_IOCTL_VERSION's name into @buf; returns false when the ioctl fails. */
bool drm_get_driver_name(int fd, char *buf, size_t size);
bool igt_driver_is(int fd, const char *name);
/* True when MODE_GETRESOURCES works (a KMS driver); false when it fails with EOPNOTSUPP. */
bool igt_is_kms(int fd);
/* The drmIsMaster() probe: AUTH_MAGIC(0) fails with EINVAL for master, EACCES otherwise. */
bool igt_is_master(int fd);

/* --- GEM and dumb buffers ----------------------------------------------------------------- */

/* The double-underscore forms return 0 or -errno; the others assert success. */
int __dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp,
		  struct drm_mode_create_dumb *out);
uint32_t dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *pitch,
		     uint64_t *size);
int __dumb_map_offset(int fd, uint32_t handle, uint64_t *offset);
uint64_t dumb_map_offset(int fd, uint32_t handle);
int __dumb_destroy(int fd, uint32_t handle);
void dumb_destroy(int fd, uint32_t handle);
/* Skip unless the driver creates dumb buffers on this file. */
void igt_require_dumb(int fd);

int __gem_close(int fd, uint32_t handle);
void gem_close(int fd, uint32_t handle);
int __gem_flink(int fd, uint32_t handle, uint32_t *name);
uint32_t gem_flink(int fd, uint32_t handle);
int __gem_open(int fd, uint32_t name, uint32_t *handle, uint64_t *size);
uint32_t gem_open(int fd, uint32_t name, uint64_t *size);

#endif
