/*
 * fd_objects.c - the file descriptors that stand for syncobjs and fences
 * (the core's struct drm_fd_ops, on Linux).
 *
 * The kernel gives a client an anon-inode file for a syncobj
 * (SYNCOBJ_HANDLE_TO_FD) and a sync_file for a fence (EXPORT_SYNC_FILE).
 * The daemon cannot create those in a client, so it hands out the read end
 * of a pipe, through the side channel and the shim:
 *   - the pipe's inode identifies the object when the client sends the fd
 *     back (FD_TO_HANDLE, IMPORT_SYNC_FILE), in this or another process;
 *   - the daemon keeps the write end; poll(2) reports POLLERR on it once the
 *     client has closed every copy of the read end, and the reference the
 *     fd held is dropped then, as the kernel's file release does;
 *   - for a sync_file, the daemon writes one byte when the fence signals,
 *     so poll(2)/select(2)/epoll on the client's fd report POLLIN exactly
 *     when the kernel's sync_file_poll() would.
 * What a pipe cannot do: the SYNC_IOC_* ioctls (merge, file info) on a
 * sync_file answer ENOTTY, and read(2) of one returns that byte.  Kernel
 * sync_files (from other drivers) are not accepted for import: EINVAL.
 *
 * SYNCOBJ_EVENTFD receives the client's eventfd itself and writes to it.
 *
 * The list is protected by the device lock: the hooks run inside the core
 * (lock held), and the side-channel thread takes it to look and to drop.
 */
#include "cuse_drm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/drm_fence.h"
#include "platform.h"

enum cd_fd_kind { CD_FD_SYNCOBJ, CD_FD_SYNC_FILE };

/** struct cd_fd_object - one client fd (a pipe's read end) and what it stands for. */
struct cd_fd_object {
	struct cd_fd_object *next;
	enum cd_fd_kind kind;
	dev_t st_dev;
	ino_t st_ino;
	int write_fd;                 /* ours; POLLERR when the client closed its copies */
	struct drm_syncobj *syncobj;  /* CD_FD_SYNCOBJ: a reference */
	struct drm_fence *fence;      /* CD_FD_SYNC_FILE: a reference */
	struct drm_fence_cb cb;       /* CD_FD_SYNC_FILE: marks the pipe readable */
};

/** An eventfd received with SYNCOBJ_EVENTFD. */
struct cd_eventfd {
	struct drm_notifier notifier;
	int fd;
};

static void mark_signaled(int write_fd)
{
	const char byte = 1;

	/* The pipe holds at most this one byte, so the write never blocks. */
	if (write(write_fd, &byte, 1) < 0)
		drm_dbg("sync_file: cannot mark signalled: %s", strerror(errno));
}

static void sync_file_signaled(struct drm_fence *f, struct drm_fence_cb *cb)
{
	struct cd_fd_object *o = drm_container_of(cb, struct cd_fd_object, cb);

	(void)f;
	mark_signaled(o->write_fd);
}

/* Make a pipe for a new object; the read end goes to the client.  Device lock held. */
static int fd_object_new(struct cd_fd_call *call, enum cd_fd_kind kind, struct cd_fd_object **out)
{
	struct cd_fd_object *o;
	struct stat st;
	int p[2];

	if (call->fences ? call->fences->nout >= CD_FENCE_OUT_MAX : call->send_fd >= 0)
		return call->fences ? -EMFILE : -EINVAL; /* one fd per side-channel call */
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0 || fstat(p[0], &st) < 0) {
		int err = -errno;

		free(o);
		return err;
	}
	o->kind = kind;
	o->st_dev = st.st_dev;
	o->st_ino = st.st_ino;
	o->write_fd = p[1];
	o->next = call->d->fd_objects;
	call->d->fd_objects = o;
	if (call->fences)
		call->fences->out_fd[call->fences->nout++] = p[0];
	else
		call->send_fd = p[0];
	*out = o;
	return 0;
}

void cd_file_fences_clear(struct cd_file *f)
{
	for (unsigned int i = 0; i < f->nin; i++)
		close(f->in_fd[i]);
	for (unsigned int i = 0; i < f->nout; i++)
		close(f->out_fd[i]);
	f->nin = f->nout = 0;
	f->fences_armed = false;
}

/*
 * The object of @kind the call's received fd stands for (with a file's
 * fence lists: the fd the client numbered @num), in *@out.  Returns 0,
 * -EBADF when the call carries no such fd, or -EINVAL when the fd is no
 * such object of ours.
 */
static int fd_object_find(struct cd_fd_call *call, int32_t num, enum cd_fd_kind kind, struct cd_fd_object **out)
{
	struct stat st;
	int fd = call->recv_fd;

	if (call->fences) {
		fd = -1;
		for (unsigned int i = 0; i < call->fences->nin; i++)
			if (call->fences->in_num[i] == num)
				fd = call->fences->in_fd[i];
	}
	if (fd < 0)
		return -EBADF;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return -EINVAL;
	for (struct cd_fd_object *o = call->d->fd_objects; o; o = o->next) {
		if (o->kind == kind && o->st_dev == st.st_dev && o->st_ino == st.st_ino) {
			*out = o;
			return 0;
		}
	}
	return -EINVAL;
}

static void fd_object_free(struct cd_fd_object *o)
{
	if (o->fence) {
		drm_fence_remove_callback(o->fence, &o->cb);
		drm_fence_put(o->fence);
	}
	drm_syncobj_put(o->syncobj);
	close(o->write_fd);
	free(o);
}

static int syncobj_to_fd(void *ctx, struct drm_syncobj *syncobj, int32_t *fd)
{
	struct cd_fd_object *o;
	int ret = fd_object_new(ctx, CD_FD_SYNCOBJ, &o);

	if (ret)
		return ret;
	o->syncobj = drm_syncobj_get(syncobj);
	*fd = -1; /* the shim puts the client's fd number here */
	return 0;
}

static int fd_to_syncobj(void *ctx, int32_t fd, struct drm_syncobj **syncobj)
{
	struct cd_fd_object *o;
	int ret = fd_object_find(ctx, fd, CD_FD_SYNCOBJ, &o);

	if (!ret)
		*syncobj = drm_syncobj_get(o->syncobj);
	return ret;
}

static int fence_to_sync_file(void *ctx, struct drm_fence *fence, int32_t *fd)
{
	struct cd_fd_object *o;
	int ret = fd_object_new(ctx, CD_FD_SYNC_FILE, &o);

	if (ret)
		return ret;
	o->fence = drm_fence_get(fence);
	if (drm_fence_add_callback(fence, &o->cb, sync_file_signaled) == -ENOENT)
		mark_signaled(o->write_fd);
	/* The shim puts the client's fd number here; with fence lists it finds it by this index. */
	*fd = ((struct cd_fd_call *)ctx)->fences ? (int32_t)((struct cd_fd_call *)ctx)->fences->nout - 1 : -1;
	return 0;
}

static int sync_file_to_fence(void *ctx, int32_t fd, struct drm_fence **fence)
{
	struct cd_fd_object *o;
	int ret = fd_object_find(ctx, fd, CD_FD_SYNC_FILE, &o);

	if (!ret)
		*fence = drm_fence_get(o->fence);
	return ret;
}

static void eventfd_signal(struct drm_notifier *n)
{
	struct cd_eventfd *e = (struct cd_eventfd *)n;
	uint64_t one = 1;

	if (write(e->fd, &one, sizeof(one)) < 0)
		drm_dbg("eventfd: write failed: %s", strerror(errno));
}

static void eventfd_release(struct drm_notifier *n)
{
	struct cd_eventfd *e = (struct cd_eventfd *)n;

	close(e->fd);
	free(e);
}

/* Is @fd an eventfd?  Its /proc/self/fd link says "anon_inode:[eventfd]". */
static bool is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

static int eventfd_get(void *ctx, int32_t fd, struct drm_notifier **notifier)
{
	struct cd_fd_call *call = ctx;
	struct cd_eventfd *e;

	(void)fd;
	/* eventfd_ctx_fdget(): EBADF for no file, EINVAL for one that is not an eventfd. */
	if (call->recv_fd < 0)
		return -EBADF;
	if (!is_eventfd(call->recv_fd))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->notifier.signal = eventfd_signal;
	e->notifier.release = eventfd_release;
	e->fd = call->recv_fd;
	call->recv_fd = -1; /* ours now */
	*notifier = &e->notifier;
	return 0;
}

void cd_fd_ops_init(struct drm_fd_ops *ops, struct cd_fd_call *call)
{
	*ops = (struct drm_fd_ops){
		.syncobj_to_fd = syncobj_to_fd,
		.fd_to_syncobj = fd_to_syncobj,
		.fence_to_sync_file = fence_to_sync_file,
		.sync_file_to_fence = sync_file_to_fence,
		.eventfd_get = eventfd_get,
		.ctx = call,
	};
}

unsigned int cd_fd_objects_poll_fds(struct cd_daemon *d, int *fds, unsigned int max)
{
	unsigned int n = 0;

	drm_device_lock(d->dev);
	for (struct cd_fd_object *o = d->fd_objects; o && n < max; o = o->next)
		fds[n++] = o->write_fd;
	drm_device_unlock(d->dev);
	return n;
}

void cd_fd_objects_closed(struct cd_daemon *d, int fd)
{
	drm_device_lock(d->dev);
	for (struct cd_fd_object **p = &d->fd_objects; *p; p = &(*p)->next) {
		struct cd_fd_object *o = *p;

		if (o->write_fd == fd) {
			*p = o->next;
			fd_object_free(o);
			break;
		}
	}
	drm_device_unlock(d->dev);
}

void cd_fd_objects_release_all(struct cd_daemon *d)
{
	drm_device_lock(d->dev);
	while (d->fd_objects) {
		struct cd_fd_object *o = d->fd_objects;

		d->fd_objects = o->next;
		fd_object_free(o);
	}
	drm_device_unlock(d->dev);
}
