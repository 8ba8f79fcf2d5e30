/*
 * cuse_drm.h - the cuse-drm daemon's internal interfaces (not installed).
 *
 * The daemon serves one DRM device (one driver core) as one or two CUSE
 * devices: the primary node /dev/dri/cardN and, when the driver has one, the
 * render node /dev/dri/renderD(128+N).  Each node has its own libfuse CUSE
 * session and session thread running fuse_session_loop_mt().
 *
 *   main.c          options, start-up checks, signals, orderly shutdown
 *   session.c       CUSE sessions and the file operations open, release,
 *                   read, poll (with parked reads and poll handles)
 *   ioctl.c         FUSE_IOCTL: the RETRY rounds and the user-memory accessor;
 *                   parked (waiting) ioctls and the one thread that reruns them
 *   fd_objects.c    syncobj fds, sync_files and eventfds for the side channel
 *   side_channel.c  the mmap side channel (unix socket, SCM_RIGHTS)
 *   sysfs.c         the fake sysfs identity under /run/cuse-drm/sysfs
 *
 * Locking.  The core serialises itself with its device lock, which is held
 * while it calls our event-notify callback.  The front end has one more
 * lock, cd_daemon.lock, for the table of open files and each file's
 * front-end state (parked reads, poll handle, refs).  Order: core device
 * lock -> cd_daemon.lock -> libfuse's internal session lock.  So nothing
 * calls into the core while holding cd_daemon.lock, except the event
 * callback, which already holds the (recursive) device lock.
 */
#ifndef CUSE_DRM_DAEMON_H
#define CUSE_DRM_DAEMON_H

#define FUSE_USE_VERSION 312

#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cuse_drm_uapi.h"
#include "drm_core.h"

/** Most primary nodes a daemon picks from by default (libdrm's drmOpen scans card0..15). */
#define CD_MAX_DEFAULT_INDEX 16
/** Primary minors are 0..63; the render node of cardN is renderD(128+N). */
#define CD_MAX_INDEX 64
#define CD_RENDER_MINOR_BASE 128

struct cd_daemon;

/**
 * struct cd_node - one served device node (one CUSE device).
 * @d: the daemon.
 * @type: DRM_MINOR_PRIMARY or DRM_MINOR_RENDER (libdrm reads it from minor >> 6).
 * @minor: the CUSE device's minor: N for cardN, 128+N for renderD(128+N).
 * @name: "cardN" or "renderDM", the name under /dev/dri.
 * @se: the libfuse CUSE session, or NULL.
 * @fuse_fd: our /dev/cuse fd; owned by @se once mounted.
 * @thread: runs fuse_session_loop_mt() on @se.
 * @rdev: the node's real device number (dynamic major), known after init.
 * @init_done: set by libfuse's init_done callback (the kernel created the device).
 * @loop_ended: set when the session loop returned (on shutdown, or because
 *     the kernel ended the connection, e.g. a CUSE device name clash).
 */
struct cd_node {
	struct cd_daemon *d;
	enum drm_minor_type type;
	unsigned int minor;
	char name[16];
	struct fuse_session *se;
	int fuse_fd;
	pthread_t thread;
	bool thread_started;
	dev_t rdev;
	atomic_bool init_done;
	atomic_bool loop_ended;
	int loop_ret;
};

/** struct cd_parked_read - a blocking read(2) waiting for a DRM event. */
struct cd_parked_read {
	struct cd_parked_read *next;
	fuse_req_t req;
	size_t size;        /* bytes the reader asked for, already capped */
};

/**
 * struct cd_file - one open file (struct file) of a node; fi->fh points here.
 *
 * Lives from CUSE open until the last reference goes: CUSE release drops the
 * open reference, a side-channel request holds one while it runs.  The last
 * put calls drm_file_release().  All fields but @dfile, @node, @token and
 * @uid (fixed at open) are protected by cd_daemon.lock.
 */
/**
 * CD_FENCE_OUT_MAX - out-fences one armed file can hold until COLLECT: a
 * blocking MODE_ATOMIC that stalls makes new ones on each rerun, and only
 * the last run's are collected.  Beyond it, fence creation fails (EMFILE).
 */
#define CD_FENCE_OUT_MAX 64

struct cd_file {
	struct cd_file *prev, *next;    /* cd_daemon.files */
	struct cd_node *node;
	struct drm_file *dfile;
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	uint32_t uid;                   /* opener's uid (fuse_req_ctx) */
	unsigned int refs;
	bool released;                  /* CUSE release seen */
	uint64_t event_seq;             /* bumped by every event notification */
	struct cd_parked_read *reads;   /* FIFO of parked blocking reads */
	struct fuse_pollhandle *ph;     /* latest poll handle, or NULL */
	/*
	 * MODE_ATOMIC's fence fds (cuse_drm_uapi.h part 6), under the device
	 * lock: @fences_armed by ARM; @in_num/@in_fd the sync_files it sent
	 * (ours to close); @out_fd the out-fences made since (sent by COLLECT).
	 */
	bool fences_armed;
	unsigned int nin, nout;
	int32_t in_num[CUSE_DRM_FENCE_FDS_MAX];
	int in_fd[CUSE_DRM_FENCE_FDS_MAX];
	int out_fd[CD_FENCE_OUT_MAX];
	struct cd_stage *stage;         /* staged large buffers (stage.c), under the device lock */
};

struct cd_parked;
struct cd_fd_object;

/**
 * struct cd_daemon - the whole daemon: one DRM device and its nodes.
 */
struct cd_daemon {
	const struct drm_driver *driver;
	struct drm_device *dev;
	const char *driver_name;
	unsigned int index;             /* N of cardN */
	struct cd_node nodes[2];
	unsigned int nnodes;

	pthread_mutex_t lock;           /* see "Locking" above */
	struct cd_file files;           /* list head of open files */

	/* side channel */
	char socket_path[CUSE_DRM_SOCKET_PATH_LEN];
	int listen_fd;
	int wake_fd;                    /* eventfd: wakes the socket thread to exit */
	pthread_t sock_thread;
	bool sock_thread_started;

	/* parked ioctls (ioctl.c), under @lock */
	struct cd_parked *parked;       /* every parked or rerunning ioctl */
	struct cd_parked *ready;        /* FIFO of woken ones, linked by ready_next */
	pthread_cond_t ready_cond;
	pthread_t waiter_thread;
	bool waiter_started;
	bool waiter_stop;

	/* client fds standing for syncobjs and fences (fd_objects.c), under the device lock */
	struct cd_fd_object *fd_objects;

	/* fake sysfs */
	char sysfs_device_dir[PATH_MAX];
	bool sysfs_created;

	atomic_bool stopping;
	atomic_bool node_failed;        /* a session loop ended on its own */
};

/* session.c */

/**
 * cd_session_start() - create @node's CUSE session on a freshly opened
 * /dev/cuse fd (DEVNAME=dri/<name>, CUSE_UNRESTRICTED_IOCTL, dynamic major,
 * minor @node->minor) and start its thread.  Returns 0 or -errno; on error
 * the fd is closed and @node->se is NULL.
 */
int cd_session_start(struct cd_node *node, int cuse_fd);

/**
 * cd_session_stop() - make @node's loop exit and join its thread.  The
 * session itself stays (and the kernel device with it) until
 * cd_session_destroy().  Safe on a node that never started.
 */
void cd_session_stop(struct cd_node *node);

/** cd_session_destroy() - destroy the session; closing /dev/cuse removes the node. */
void cd_session_destroy(struct cd_node *node);

/**
 * cd_files_release_all() - at shutdown, after every session loop stopped:
 * fail parked reads with ENODEV, drop poll handles and release every file
 * still open (the kernel will never send their CUSE release).
 */
void cd_files_release_all(struct cd_daemon *d);

/** cd_file_put() - drop a reference taken under cd_daemon.lock; the last one releases. */
void cd_file_put(struct cd_file *f);

/**
 * cd_crc_ioctl() - CUSE_DRM_IOCTL_CRC (crc_ioctl.c): one RETRY round for
 * the struct, then the core's drm_crtc_crc_open/read/close for @f.
 */
void cd_crc_ioctl(fuse_req_t req, void *arg, struct cd_file *f, const void *in_buf, size_t in_bufsz,
		  size_t out_bufsz);

/** cd_caller_from_req() - the caller of @req as the core sees it (privileged = uid 0). */
void cd_caller_from_req(fuse_req_t req, struct drm_caller *caller);

/* ioctl.c */

/** cd_ioctl() - the CUSE ioctl operation (see ioctl.c for the RETRY protocol). */
void cd_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
	      unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz);

/**
 * cd_waiter_start() - start the thread that reruns woken parked ioctls (one
 * thread however many ioctls wait: DESIGN.md decision 4).  0 or -errno.
 */
int cd_waiter_start(struct cd_daemon *d);

/**
 * cd_waiter_stop() - at shutdown, after the session loops stopped: stop that
 * thread and answer every parked ioctl with ENODEV.
 */
void cd_waiter_stop(struct cd_daemon *d);

/* fd_objects.c */

/**
 * struct cd_fd_call - the fds of one side-channel call: @recv_fd is the fd
 * the client sent (-1: none; set to -1 when a hook keeps it), @send_fd the
 * fd to send back (-1: none).
 */
struct cd_fd_call {
	struct cd_daemon *d;
	int recv_fd;
	int send_fd;
	struct cd_file *fences;  /* MODE_ATOMIC through CUSE: fds by number from, and into, its lists */
};

/* uevent.c */

/**
 * cd_uevent_hotplug() - send the DRM hotplug uevent of daemon @ctx's card
 * node (HOTPLUG=1, CONNECTOR=@connector_id unless 0) to libudev monitors,
 * as udevd relays the kernel's drm_sysfs_hotplug_event(); the core's
 * hotplug notify hook (drm_device_set_hotplug_notify()).  Failures are
 * logged, not returned: a hotplug happens whether anyone hears it or not.
 */
void cd_uevent_hotplug(void *ctx, uint32_t connector_id);

/* stage.c: payloads over one CUSE round (cuse_drm_uapi.h part 7) */

struct cd_stage;

/**
 * cd_stage_get() - a reference to @f's stage when it serves ioctl @cmd,
 * else NULL.  Device lock held.  Drop it with cd_stage_put().
 */
struct cd_stage *cd_stage_get(struct cd_file *f, unsigned int cmd);

/** cd_stage_put() - drop a reference; the last unmaps the memfd.  NULL is a no-op. */
void cd_stage_put(struct cd_stage *s);

/** cd_stage_clear() - drop @f's stage (release, or a new STAGE).  Device lock held. */
void cd_stage_clear(struct cd_file *f);

/**
 * cd_stage_read() - copy [@uaddr, @uaddr+@len) of client memory from the
 * stage into @dst when an IN range holds all of it.  Returns false when
 * none does (the caller asks CUSE instead).
 */
bool cd_stage_read(struct cd_stage *s, void *dst, uint64_t uaddr, size_t len);

/**
 * cd_stage_write() - write @len bytes of @src at client address @uaddr into
 * the stage when an OUT range holds all of them, recording the range's
 * written hull.  With @src NULL only say whether one does (prepare_to).
 * Returns false when none does.
 */
bool cd_stage_write(struct cd_stage *s, uint64_t uaddr, const void *src, size_t len);

/**
 * cd_stage_request() - a struct cuse_drm_stage_req for @f, with @nfds fds
 * received (@fd the first).  STAGE maps the memfd (the caller still closes
 * @fd) and replaces @f's stage; UNSTAGE drops it and fills @reply's
 * written hulls.  Returns 0 or a positive errno (cuse_drm_uapi.h part 7).
 */
int cd_stage_request(struct cd_file *f, const struct cuse_drm_stage_req *req, int fd, int nfds,
		     struct cuse_drm_stage_reply *reply);

/** cd_file_fences_clear() - close a file's fence fd lists and disarm it.  Device lock held. */
void cd_file_fences_clear(struct cd_file *f);

/** cd_fd_ops_init() - the struct drm_fd_ops of @call (syncobj fds, sync_files, eventfds). */
void cd_fd_ops_init(struct drm_fd_ops *ops, struct cd_fd_call *call);

/**
 * cd_fd_objects_poll_fds() - the fds the side-channel thread watches for
 * POLLERR (the client closed its last copy): up to @max into @fds; returns
 * the count.  Takes the device lock.
 */
unsigned int cd_fd_objects_poll_fds(struct cd_daemon *d, int *fds, unsigned int max);

/** cd_fd_objects_closed() - the client side of @fd is gone: drop what it stood for. */
void cd_fd_objects_closed(struct cd_daemon *d, int fd);

/** cd_fd_objects_release_all() - at shutdown: drop every fd object. */
void cd_fd_objects_release_all(struct cd_daemon *d);

/* side_channel.c */

/**
 * cd_side_channel_open() - create and listen on @d->socket_path
 * (mkdir -p /run/cuse-drm; socket mode 0666).  Returns 0 or -errno.
 */
int cd_side_channel_open(struct cd_daemon *d);
/** cd_side_channel_start() - start the socket thread.  Returns 0 or -errno. */
int cd_side_channel_start(struct cd_daemon *d);
/** cd_side_channel_close() - stop the thread, close the sockets, unlink the path. */
void cd_side_channel_close(struct cd_daemon *d);

/* sysfs.c */

/**
 * cd_sysfs_create() - build the fake sysfs identity of every node in @d
 * (their @rdev must be known).  Returns 0 or -errno (the tree is then
 * removed again).
 */
int cd_sysfs_create(struct cd_daemon *d);
/** cd_sysfs_remove() - remove what cd_sysfs_create() built.  Idempotent. */
void cd_sysfs_remove(struct cd_daemon *d);

#endif
