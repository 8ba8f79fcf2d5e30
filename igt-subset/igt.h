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
#include <drm_fourcc.h>

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

/* --- caps, time, fds ----------------------------------------------------------------------- */

/* DRM_IOCTL_GET_CAP's value; 0 when the ioctl fails. */
uint64_t igt_get_cap(int fd, uint64_t capability);

/* CLOCK_MONOTONIC in ns: the clock of DRM's absolute timeouts (drm_timeout_abs_to_jiffies). */
int64_t igt_nsec_now(void);
void igt_sleep_ms(unsigned int ms);

/* poll() one fd for @events for up to @timeout_ms (restarted on EINTR); returns its revents. */
short igt_poll_fd(int fd, short events, int timeout_ms);

/* A SOCK_STREAM unix socket pair (O_CLOEXEC), and one fd at a time through it (SCM_RIGHTS). */
void igt_socketpair(int sv[2]);
void igt_send_fd(int sock, int fd);
int igt_recv_fd(int sock);

/* --- PRIME and dma-buf ---------------------------------------------------------------------- */

/* Skip unless the driver both exports and imports dma-bufs (DRM_CAP_PRIME). */
void igt_require_prime(int fd);
int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf);
int prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags);
int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle);
uint32_t prime_fd_to_handle(int fd, int dmabuf);
/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE (linux/dma-buf.h, Linux 6.0). */
int __dmabuf_export_sync_file(int dmabuf, uint32_t flags, int *sync_file);
int dmabuf_export_sync_file(int dmabuf, uint32_t flags);

/* --- vgem ----------------------------------------------------------------------------------- */

/*
 * The vgem uAPI, as include/uapi/drm/vgem_drm.h (Linux 6.1) defines it; libdrm ships no copy.
 * ATTACH adds a fence to a GEM object's reservation object (exclusive with VGEM_FENCE_WRITE)
 * and returns its per-file id; SIGNAL signals the fence of that id.
 */
#ifndef DRM_VGEM_FENCE_ATTACH
#define DRM_VGEM_FENCE_ATTACH 0x1
#define DRM_VGEM_FENCE_SIGNAL 0x2
struct drm_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
#define VGEM_FENCE_WRITE 0x1
	__u32 out_fence;
	__u32 pad;
};
struct drm_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};
#define DRM_IOCTL_VGEM_FENCE_ATTACH                                                        \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VGEM_FENCE_ATTACH, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL                                                        \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VGEM_FENCE_SIGNAL, struct drm_vgem_fence_signal)
#endif

/* Skip unless the node's driver is vgem. */
void igt_require_vgem(int fd);
int __vgem_fence_attach(int fd, uint32_t handle, uint32_t flags, uint32_t *fence);
uint32_t vgem_fence_attach(int fd, uint32_t handle, uint32_t flags);
int __vgem_fence_signal(int fd, uint32_t fence);
void vgem_fence_signal(int fd, uint32_t fence);

/*
 * An unsignaled fence to play with, on a kernel without sw_sync: a new dumb buffer of @fd gets
 * a vgem write fence, its dma-buf gives that fence as a sync_file (EXPORT_SYNC_FILE with
 * DMA_BUF_SYNC_READ: the fences a reader waits for).  Returns the sync_file fd; *@fence is the
 * vgem fence id, for vgem_fence_signal(fd, *fence).  vgem signals it by itself after 10 s.
 * Needs vgem (igt_require_vgem).
 */
int igt_vgem_unsignaled_sync_file(int fd, uint32_t *fence);
/*
 * The same fence put into @syncobj: imported as its fence (IMPORT_SYNC_FILE) when @point is 0,
 * else added as timeline point @point (imported into a temporary syncobj, then TRANSFERred, as
 * IGT does).  Returns the vgem fence id.
 */
uint32_t igt_vgem_unsignaled_syncobj_fence(int fd, uint32_t syncobj, uint64_t point);

/* --- syncobj -------------------------------------------------------------------------------- */

/* include/uapi/drm/drm.h of Linux 6.6 (EVENTFD) and later kernels; libdrm 2.4.114 lacks them. */
#ifndef DRM_IOCTL_SYNCOBJ_EVENTFD
struct drm_syncobj_eventfd {
	__u32 handle;
	__u32 flags;
	__u64 point;
	__s32 fd;
	__u32 pad;
};
#define DRM_IOCTL_SYNCOBJ_EVENTFD DRM_IOWR(0xCF, struct drm_syncobj_eventfd)
#endif
#ifndef DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE (1 << 3)
#endif
#ifndef DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE
#define DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE (1 << 1)
#endif
#ifndef DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE
#define DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE (1 << 1)
#endif

/* Skip unless DRM_CAP_SYNCOBJ (resp. DRM_CAP_SYNCOBJ_TIMELINE) is set. */
void igt_require_syncobj(int fd);
void igt_require_syncobj_timeline(int fd);

/* The double-underscore forms return 0 or -errno; the others assert success. */
int __syncobj_create(int fd, uint32_t flags, uint32_t *handle);
uint32_t syncobj_create(int fd, uint32_t flags);
int __syncobj_destroy(int fd, uint32_t handle);
void syncobj_destroy(int fd, uint32_t handle);
/* HANDLE_TO_FD with the 16-byte struct drm_syncobj_handle (no point). */
int __syncobj_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *out_fd);
int syncobj_handle_to_fd(int fd, uint32_t handle, uint32_t flags);
/* FD_TO_HANDLE; with IMPORT_SYNC_FILE, *handle is the syncobj to import into. */
int __syncobj_fd_to_handle(int fd, int in_fd, uint32_t flags, uint32_t *handle);
uint32_t syncobj_fd_to_handle(int fd, int in_fd);
void syncobj_import_sync_file(int fd, uint32_t handle, int sync_file);
int syncobj_export_sync_file(int fd, uint32_t handle);
/* SYNCOBJ_WAIT; @first (may be NULL) gets first_signaled. */
int __syncobj_wait(int fd, const uint32_t *handles, uint32_t count, int64_t timeout_nsec,
		   uint32_t flags, uint32_t *first);
int __syncobj_reset(int fd, const uint32_t *handles, uint32_t count);
void syncobj_reset(int fd, const uint32_t *handles, uint32_t count);
int __syncobj_signal(int fd, const uint32_t *handles, uint32_t count);
void syncobj_signal(int fd, const uint32_t *handles, uint32_t count);
int __syncobj_timeline_signal(int fd, const uint32_t *handles, const uint64_t *points,
			      uint32_t count);
void syncobj_timeline_signal(int fd, const uint32_t *handles, const uint64_t *points,
			     uint32_t count);
int __syncobj_timeline_wait(int fd, const uint32_t *handles, const uint64_t *points,
			    uint32_t count, int64_t timeout_nsec, uint32_t flags, uint32_t *first);
int __syncobj_query(int fd, const uint32_t *handles, uint64_t *points, uint32_t count,
		    uint32_t flags);
/* QUERY of one syncobj: its last signaled point (or, with LAST_SUBMITTED, last point). */
uint64_t syncobj_query(int fd, uint32_t handle, uint32_t flags);
int __syncobj_transfer(int fd, uint32_t dst, uint64_t dst_point, uint32_t src, uint64_t src_point,
		       uint32_t flags);
void syncobj_transfer(int fd, uint32_t dst, uint64_t dst_point, uint32_t src, uint64_t src_point,
		      uint32_t flags);
int __syncobj_eventfd(int fd, uint32_t handle, uint64_t point, uint32_t flags, int event_fd);
void syncobj_eventfd(int fd, uint32_t handle, uint64_t point, uint32_t flags, int event_fd);

/* --- KMS ------------------------------------------------------------------------------------ */
/*
 * Small helpers for the kms_* binaries.  Everything is raw ioctls on drm_mode.h structs (the
 * same uAPI libdrm's drmMode* wrappers fill), so that each errno comes straight from the node.
 */

#ifndef DRM_PLANE_TYPE_OVERLAY
/* The values of the immutable "type" plane property (drm_plane.c, enum drm_plane_type). */
#define DRM_PLANE_TYPE_OVERLAY 0
#define DRM_PLANE_TYPE_PRIMARY 1
#define DRM_PLANE_TYPE_CURSOR 2
#endif

#define KMS_MAX_PLANES 16
#define KMS_MAX_FORMATS 64
#define KMS_MAX_MODES 64

/* One plane as GETPLANE and its "type" property describe it. */
struct kms_plane {
	uint32_t id;                /* 0: no such plane */
	uint32_t possible_crtcs;    /* bit i: the i-th CRTC of GETRESOURCES */
	uint64_t type;              /* DRM_PLANE_TYPE_* */
	uint32_t n_formats;
	uint32_t formats[KMS_MAX_FORMATS]; /* DRM_FORMAT_* fourccs */
};

/*
 * A display pipe: the first connected connector, the first CRTC its first encoder can drive,
 * that CRTC's primary and cursor planes, and the connector's modes.
 */
struct kms_pipe {
	uint32_t connector_id, encoder_id, crtc_id;
	unsigned int crtc_index;            /* position in GETRESOURCES' crtc list */
	struct drm_mode_modeinfo mode;      /* the preferred mode (else the first) */
	uint32_t n_modes;
	struct drm_mode_modeinfo modes[KMS_MAX_MODES];
	struct kms_plane primary, cursor;   /* .id 0 when the CRTC has none */
	uint32_t n_planes;
	struct kms_plane planes[KMS_MAX_PLANES]; /* every plane of the device */
	uint32_t min_width, max_width, min_height, max_height; /* GETRESOURCES, pixels */
};

/* SET_CLIENT_CAP; returns 0 or -errno. */
int __kms_set_client_cap(int fd, uint64_t capability, uint64_t value);
/* True when DRM_CLIENT_CAP_ATOMIC is accepted (it is then set on @fd, with universal planes). */
bool kms_try_atomic(int fd);
/* Skip unless the node is KMS (MODE_GETRESOURCES works). */
void igt_require_kms(int fd);
/* Skip unless DRM_CLIENT_CAP_ATOMIC can be set; sets it on @fd. */
void igt_require_atomic(int fd);

/*
 * Find the pipe (sets DRM_CLIENT_CAP_UNIVERSAL_PLANES on @fd to see primary and cursor
 * planes).  Returns false when there is no connected connector with a usable CRTC.
 */
bool kms_pipe_find(int fd, struct kms_pipe *pipe);
/* The pipe after @nth others, each with its own connector and CRTC; false when there is none. */
bool kms_pipe_find_nth(int fd, struct kms_pipe *pipe, unsigned int nth);
/* igt_require_kms() + kms_pipe_find(), skipping when there is no pipe. */
void igt_require_pipe(int fd, struct kms_pipe *pipe);
/* A mode of the connector with another size than pipe->mode; false when there is none. */
bool kms_pipe_other_mode(const struct kms_pipe *pipe, struct drm_mode_modeinfo *mode);
/* True when @plane lists @format. */
bool kms_plane_has_format(const struct kms_plane *plane, uint32_t format);

/* Properties.  The double-underscore forms return 0 or -errno. */
int __kms_obj_get_props(int fd, uint32_t obj_id, uint32_t obj_type, uint32_t *ids,
			uint64_t *values, uint32_t *count);
int __kms_get_property(int fd, uint32_t prop_id, struct drm_mode_get_property *out);
/* The id of the property @name that OBJ_GETPROPERTIES lists on the object; 0 when absent. */
uint32_t kms_prop_id(int fd, uint32_t obj_id, uint32_t obj_type, const char *name);
/* The property's current value; false when the object lists no such property. */
bool kms_prop_get(int fd, uint32_t obj_id, uint32_t obj_type, const char *name, uint64_t *value);
/* Same, asserting that the property is listed. */
uint64_t kms_prop_value(int fd, uint32_t obj_id, uint32_t obj_type, const char *name);
/* OBJ_SETPROPERTY (and MODE_SETPROPERTY for connectors: @legacy_connector); 0 or -errno. */
int __kms_obj_set_prop(int fd, uint32_t obj_id, uint32_t obj_type, uint32_t prop_id,
		       uint64_t value);
int __kms_connector_set_prop(int fd, uint32_t connector_id, uint32_t prop_id, uint64_t value);

/* Property blobs (CREATEPROPBLOB, DESTROYPROPBLOB, GETPROPBLOB); 0 or -errno. */
int __kms_blob_create(int fd, const void *data, uint32_t length, uint32_t *blob_id);
uint32_t kms_blob_create(int fd, const void *data, uint32_t length);
int __kms_blob_destroy(int fd, uint32_t blob_id);
/* GETPROPBLOB; *length in: the buffer's size in bytes, out: the blob's. */
int __kms_blob_get(int fd, uint32_t blob_id, void *data, uint32_t *length);

/*
 * A framebuffer of @format (32 or 16 bits per pixel formats only) on a new dumb buffer of
 * width x height pixels: ADDFB2.  *@handle (may be NULL) gets the dumb buffer's GEM handle.
 */
int __kms_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format, uint32_t *fb_id,
		    uint32_t *handle);
uint32_t kms_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format);
int __kms_fb_remove(int fd, uint32_t fb_id);

/* Legacy SETCRTC of one connector (@fb_id 0 and @mode NULL: off); 0 or -errno. */
int __kms_setcrtc(int fd, uint32_t crtc_id, uint32_t fb_id, uint32_t connector_id,
		  const struct drm_mode_modeinfo *mode);
/* SETCRTC of the pipe's mode with a new XRGB8888 framebuffer of that size; returns the fb. */
uint32_t kms_pipe_legacy_on(int fd, const struct kms_pipe *pipe);

/*
 * An atomic request (struct drm_mode_atomic's four arrays).  kms_atomic_add() appends one
 * property of one object; consecutive properties of the same object share its entry.
 */
#define KMS_ATOMIC_MAX_OBJS 32
#define KMS_ATOMIC_MAX_PROPS 128
struct kms_atomic {
	uint32_t n_objs, n_props;
	uint32_t objs[KMS_ATOMIC_MAX_OBJS];
	uint32_t count_props[KMS_ATOMIC_MAX_OBJS];
	uint32_t props[KMS_ATOMIC_MAX_PROPS];
	uint64_t values[KMS_ATOMIC_MAX_PROPS];
};
void kms_atomic_clear(struct kms_atomic *req);
void kms_atomic_add(struct kms_atomic *req, uint32_t obj_id, uint32_t prop_id, uint64_t value);
/* kms_atomic_add of the property @name (asserted to be listed on the object). */
void kms_atomic_set(struct kms_atomic *req, int fd, uint32_t obj_id, uint32_t obj_type,
		    const char *name, uint64_t value);
/* MODE_ATOMIC of @req with @flags (DRM_MODE_ATOMIC_*, DRM_MODE_PAGE_FLIP_*); 0 or -errno. */
int kms_atomic_commit(int fd, const struct kms_atomic *req, uint32_t flags, uint64_t user_data);
/* A raw MODE_ATOMIC; 0 or -errno. */
int __kms_atomic_ioctl(int fd, struct drm_mode_atomic *arg);

/* Plane state: position on the CRTC in pixels, source rectangle in 16.16 fixed point. */
void kms_atomic_plane(struct kms_atomic *req, int fd, uint32_t plane_id, uint32_t crtc_id,
		      uint32_t fb_id, int32_t crtc_x, int32_t crtc_y, uint32_t crtc_w,
		      uint32_t crtc_h, uint32_t src_x, uint32_t src_y, uint32_t src_w,
		      uint32_t src_h);
/* Plane off: FB_ID 0, CRTC_ID 0. */
void kms_atomic_plane_off(struct kms_atomic *req, int fd, uint32_t plane_id);
/*
 * The whole pipe on: connector -> CRTC, MODE_ID @mode_blob, ACTIVE 1, the primary plane
 * showing @fb_id (at least mode-sized) full screen, the cursor plane (if any) off.
 */
void kms_atomic_pipe_on(struct kms_atomic *req, int fd, const struct kms_pipe *pipe,
			uint32_t mode_blob, const struct drm_mode_modeinfo *mode, uint32_t fb_id);
/* The whole pipe off: primary and cursor planes off, MODE_ID 0, ACTIVE 0, connector detached. */
void kms_atomic_pipe_off(struct kms_atomic *req, int fd, const struct kms_pipe *pipe);
/*
 * Commit the pipe on with its preferred mode and a new mode-sized XRGB8888 framebuffer
 * (blocking, ALLOW_MODESET); returns the framebuffer.  Needs the atomic cap.
 */
uint32_t kms_pipe_atomic_on(int fd, const struct kms_pipe *pipe);

/*
 * True when the driver has vblanks on the pipe's CRTC: a WAIT_VBLANK query (RELATIVE, 0) on
 * it succeeds; false when it answers EOPNOTSUPP (no vblank support, e.g. virtio_gpu in 6.1).
 * The CRTC must be on.
 */
bool kms_has_vblank(int fd, const struct kms_pipe *pipe);

/*
 * Read one DRM event into @buf after polling up to @timeout_ms for it; returns its length in
 * bytes, or 0 when none came.
 */
int kms_read_event(int fd, void *buf, size_t size, int timeout_ms);

#endif
