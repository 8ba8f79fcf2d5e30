/*
 * side_channel.c - the mmap and PRIME side channel (protocol: cuse_drm_uapi.h).
 *
 * CUSE cannot mmap, so the client shim asks here for the memfd behind a GEM
 * object and maps that.  The checks are the ones mmap(2) of a kernel DRM
 * node implies: the caller holds the open file (it knows the file's token,
 * which only an ioctl on that file returns), its uid is the opener's (or
 * root, SO_PEERCRED), and drm_gem_mmap_lookup() finds an object the file
 * holds a handle to, covering the range.
 *
 * PRIME travels the same way: an export answers with the buffer's memfd (the
 * dma-buf fd), an import brings the client's fd, which
 * drm_platform_linux_shmem_import() turns back into our shmem.  Every fd a
 * client sends is closed here once the request is answered.
 *
 * The syncobj ioctls that carry an fd (HANDLE_TO_FD, FD_TO_HANDLE, EVENTFD)
 * come here whole: the daemon runs them through drm_ioctl() in the token's
 * file, with the struct in the request and fd hooks (fd_objects.c) that use
 * the fd received and make the fd sent back.
 *
 * One thread runs a poll(2) loop over the listening socket, the connected
 * clients, the pipes behind syncobj and sync_file fds (POLLERR: the client
 * closed them) and an eventfd that tells it to stop.  Requests are short (a
 * table lookup and a sendmsg; the ioctls carried here never wait), so they
 * are handled inline.
 */
#include "cuse_drm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <drm.h>
#include <linux/dma-buf.h>

#include "platform.h"
#include "platform_linux.h"
#include "scm_fd.h"

/** Connected clients served at once; the shim connects once per mmap. */
#define CD_SOCK_MAX_CLIENTS 64
/** Syncobj and sync_file fds watched for their last close; more are dropped only at exit. */
#define CD_MAX_FD_OBJECTS 8192

struct sc_client {
	int fd;
	uid_t uid;      /* SO_PEERCRED at connect time */
	pid_t pid;
};

/* Token comparison whose time does not depend on where the bytes differ. */
static bool token_equal(const uint8_t *a, const uint8_t *b)
{
	volatile uint8_t acc = 0;

	for (size_t i = 0; i < CUSE_DRM_TOKEN_LEN; i++)
		acc |= a[i] ^ b[i];
	return acc == 0;
}

/*
 * Both replies are {int32 error; uint32 value}: the mmap reply's value is its
 * pad (0), the PRIME reply's the imported handle.
 */
_Static_assert(sizeof(struct cuse_drm_mmap_reply) == sizeof(struct cuse_drm_prime_reply),
	       "side-channel replies share one layout");

/* Send @buf with @sendfds[0..@nfds) attached (none when @nfds is 0). */
static void send_reply_fds(int fd, const void *buf, size_t len, const int *sendfds, size_t nfds)
{
	struct iovec iov = { (void *)buf, len };
	union cd_scm_fds ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds)
		cd_msg_attach_fds(&msg, &ctl, sendfds, nfds);
	if (sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		drm_dbg("side channel: reply failed: %s", strerror(errno));
}

static void send_reply_buf(int fd, const void *buf, size_t len, int sendfd)
{
	send_reply_fds(fd, buf, len, &sendfd, sendfd >= 0 ? 1 : 0);
}

static void send_reply(int fd, int error, uint32_t value, int memfd)
{
	struct cuse_drm_prime_reply reply = { .error = error, .handle = value };

	send_reply_buf(fd, &reply, sizeof(reply), memfd);
}

/*
 * Find the open file with @token for client @c and take a reference;
 * returns the file, or NULL with the reason in *@error (logged).
 */
static struct cd_file *get_file_by_token(struct cd_daemon *d, const struct sc_client *c,
					 const uint8_t *token, int *error)
{
	uid_t peer_uid = c->uid;
	struct cd_file *found = NULL;

	pthread_mutex_lock(&d->lock);
	for (struct cd_file *f = d->files.next; f != &d->files; f = f->next) {
		/* Compare with every file so the time says nothing about the match. */
		if (token_equal(f->token, token) && !f->released && !found)
			found = f;
	}
	if (!found) {
		*error = ENODEV;
	} else if (peer_uid != 0 && peer_uid != found->uid) {
		*error = EACCES;
		found = NULL;
	} else {
		found->refs++;
	}
	pthread_mutex_unlock(&d->lock);
	if (!found)
		drm_dbg("side channel: pid %d uid %u: %s", (int)c->pid, (unsigned)c->uid, strerror(*error));
	return found;
}

static void handle_mmap(struct cd_daemon *d, struct sc_client *c,
			const struct cuse_drm_mmap_req *req)
{
	struct drm_shmem *shmem = NULL;
	struct cd_file *f;
	int error = 0, ret;

	f = get_file_by_token(d, c, req->token, &error);
	if (!f) {
		send_reply(c->fd, error, 0, -1);
		return;
	}
	/* The mapping holds the object until the shim reports its munmap. */
	ret = drm_gem_vm_open(f->dfile, req->offset, req->length, &shmem);
	cd_file_put(f);
	if (ret < 0) {
		drm_dbg("side channel: mmap offset 0x%llx length %llu: %s",
			(unsigned long long)req->offset, (unsigned long long)req->length,
			strerror(-ret));
		send_reply(c->fd, -ret, 0, -1);
		return;
	}
	send_reply(c->fd, 0, 0, drm_platform_linux_shmem_fd(shmem));
	drm_platform_shmem_put(shmem);
}

static void handle_munmap(struct cd_daemon *d, struct sc_client *c, const struct cuse_drm_munmap_req *req)
{
	struct cd_file *f;
	int error = 0, ret;

	if (req->op != CUSE_DRM_MUNMAP) {
		send_reply(c->fd, EINVAL, 0, -1);
		return;
	}
	f = get_file_by_token(d, c, req->token, &error);
	if (!f) {
		send_reply(c->fd, error, 0, -1);
		return;
	}
	ret = drm_gem_vm_close(f->dfile, req->offset);
	cd_file_put(f);
	send_reply(c->fd, ret < 0 ? -ret : 0, 0, -1);
}

/* PRIME_HANDLE_TO_FD: the buffer's memfd becomes the client's dma-buf fd. */
static int prime_export(struct cd_file *f, const struct cuse_drm_prime_req *req,
			struct drm_shmem **shmem)
{
	return drm_prime_handle_to_shmem(f->dfile, req->handle, req->flags, shmem);
}

/* PRIME_FD_TO_HANDLE: the client's dma-buf fd @fd (-1: none sent) to a handle of @f. */
static int prime_import(struct cd_file *f, int fd, uint32_t *handle)
{
	struct drm_shmem *shmem;
	int ret;

	if (fd < 0)
		return -EBADF;
	ret = drm_platform_linux_shmem_import(fd, &shmem);
	if (ret < 0)
		return ret;
	ret = drm_prime_shmem_to_handle(f->dfile, shmem, handle);
	drm_platform_shmem_put(shmem);
	return ret;
}

static void handle_prime(struct cd_daemon *d, struct sc_client *c,
			 const struct cuse_drm_prime_req *req, int fd, int nfds)
{
	struct drm_shmem *shmem = NULL;
	struct cd_file *f;
	uint32_t handle = 0;
	int error = 0, ret;

	if ((req->op != CUSE_DRM_PRIME_EXPORT && req->op != CUSE_DRM_PRIME_IMPORT) ||
	    (req->op == CUSE_DRM_PRIME_EXPORT && nfds != 0) || nfds > 1) {
		send_reply(c->fd, EINVAL, 0, -1);
		return;
	}
	f = get_file_by_token(d, c, req->token, &error);
	if (!f) {
		send_reply(c->fd, error, 0, -1);
		return;
	}
	if (req->op == CUSE_DRM_PRIME_EXPORT)
		ret = prime_export(f, req, &shmem);
	else
		ret = prime_import(f, fd, &handle);
	cd_file_put(f);
	if (ret < 0) {
		drm_dbg("side channel: PRIME %s: %s",
			req->op == CUSE_DRM_PRIME_EXPORT ? "export" : "import", strerror(-ret));
		send_reply(c->fd, -ret, 0, -1);
		return;
	}
	send_reply(c->fd, 0, handle, shmem ? drm_platform_linux_shmem_fd(shmem) : -1);
	drm_platform_shmem_put(shmem);
}

/* The request's struct, at a made-up client address: nothing else is readable. */
#define SC_ARG_ADDR 0x10000ull

struct sc_flat {
	unsigned char *buf;
	size_t size;
};

static int flat_copy_from(void *ctx, void *dst, uint64_t uaddr, size_t len)
{
	struct sc_flat *fl = ctx;

	if (uaddr < SC_ARG_ADDR || uaddr - SC_ARG_ADDR > fl->size || len > fl->size - (uaddr - SC_ARG_ADDR))
		return -EFAULT;
	memcpy(dst, fl->buf + (uaddr - SC_ARG_ADDR), len);
	return 0;
}

static int flat_copy_to(void *ctx, uint64_t uaddr, const void *src, size_t len)
{
	struct sc_flat *fl = ctx;

	if (uaddr < SC_ARG_ADDR || uaddr - SC_ARG_ADDR > fl->size || len > fl->size - (uaddr - SC_ARG_ADDR))
		return -EFAULT;
	memcpy(fl->buf + (uaddr - SC_ARG_ADDR), src, len);
	return 0;
}

static int flat_prepare_to(void *ctx, uint64_t uaddr, size_t len)
{
	struct sc_flat *fl = ctx;

	if (uaddr < SC_ARG_ADDR || uaddr - SC_ARG_ADDR > fl->size || len > fl->size - (uaddr - SC_ARG_ADDR))
		return -EFAULT;
	return 0;
}

/* The DRM ioctls this channel carries: the syncobj ones with an fd in their struct. */
static bool carried_ioctl(uint32_t cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	return _IOC_TYPE(cmd) == DRM_IOCTL_BASE && _IOC_SIZE(cmd) <= CUSE_DRM_IOCTL_ARG_MAX &&
	       (nr == 0xC1 /* SYNCOBJ_HANDLE_TO_FD */ || nr == 0xC2 /* SYNCOBJ_FD_TO_HANDLE */ ||
		nr == 0xCF /* SYNCOBJ_EVENTFD */);
}

/* Run a carried DRM ioctl; *@fd is the received fd, set to -1 when kept. */
static void handle_drm_ioctl(struct cd_daemon *d, struct sc_client *c,
			     const struct cuse_drm_ioctl_req *req, int *fd, int nfds)
{
	struct cuse_drm_ioctl_reply reply;
	struct cd_fd_call call = { .d = d, .recv_fd = nfds ? *fd : -1, .send_fd = -1 };
	struct drm_fd_ops ops;
	struct sc_flat fl = { .buf = reply.arg, .size = _IOC_SIZE(req->cmd) };
	struct drm_user_mem um = {
		.copy_from = flat_copy_from, .copy_to = flat_copy_to, .prepare_to = flat_prepare_to,
		.ctx = &fl,
	};
	struct drm_caller caller = { .pid = c->pid, .uid = c->uid, .privileged = c->uid == 0 };
	struct cd_file *f;
	int error = 0, ret;

	memset(&reply, 0, sizeof(reply));
	if (!carried_ioctl(req->cmd) || req->flags || nfds > 1) {
		reply.error = EINVAL;
		send_reply_buf(c->fd, &reply, sizeof(reply), -1);
		return;
	}
	f = get_file_by_token(d, c, req->token, &error);
	if (!f) {
		reply.error = error;
		send_reply_buf(c->fd, &reply, sizeof(reply), -1);
		return;
	}
	memcpy(reply.arg, req->arg, sizeof(reply.arg));
	cd_fd_ops_init(&ops, &call);
	caller.fds = &ops;
	ret = drm_ioctl(f->dfile, req->cmd, SC_ARG_ADDR, &um, &caller);
	cd_file_put(f);
	if (call.recv_fd < 0)
		*fd = -1; /* a hook kept it (an eventfd) */
	reply.error = ret < 0 ? -ret : 0;
	reply.size = (uint32_t)fl.size;
	send_reply_buf(c->fd, &reply, sizeof(reply), ret == 0 ? call.send_fd : -1);
	/* Our copy of a new fd: the client holds the only other one. */
	if (call.send_fd >= 0)
		close(call.send_fd);
}

/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE on one of our dma-bufs (cuse_drm_uapi.h, part 5). */
static void handle_dmabuf_ioctl(struct cd_daemon *d, struct sc_client *c,
				const struct cuse_drm_dmabuf_req *req, int fd, int nfds)
{
	struct cuse_drm_ioctl_reply reply;
	struct dma_buf_export_sync_file arg;
	struct cd_fd_call call = { .d = d, .recv_fd = -1, .send_fd = -1 };
	struct drm_fd_ops ops;
	struct drm_shmem *shmem;
	int32_t newfd = -1;
	int ret;

	memset(&reply, 0, sizeof(reply));
	if (req->cmd != DMA_BUF_IOCTL_EXPORT_SYNC_FILE || req->flags || nfds != 1) {
		reply.error = EINVAL;
		send_reply_buf(c->fd, &reply, sizeof(reply), -1);
		return;
	}
	shmem = drm_platform_linux_shmem_lookup(fd);
	if (!shmem) {
		reply.error = ENODEV; /* not a buffer of this daemon */
		send_reply_buf(c->fd, &reply, sizeof(reply), -1);
		return;
	}
	memcpy(&arg, req->arg, sizeof(arg));
	cd_fd_ops_init(&ops, &call);
	ret = drm_prime_shmem_export_sync_file(d->dev, shmem, arg.flags, &ops, &newfd);
	drm_platform_shmem_put(shmem);
	arg.fd = -1;
	memcpy(reply.arg, &arg, sizeof(arg));
	reply.size = sizeof(arg);
	reply.error = ret < 0 ? -ret : 0;
	send_reply_buf(c->fd, &reply, sizeof(reply), ret == 0 ? call.send_fd : -1);
	if (call.send_fd >= 0)
		close(call.send_fd);
}

/* Most fds a request may carry (a fence ARM); more are closed by the kernel (MSG_CTRUNC). */
#define SC_MAX_FDS CUSE_DRM_FENCE_FDS_MAX

/*
 * The fence fds of a MODE_ATOMIC (cuse_drm_uapi.h, part 6).  ARM keeps the
 * received fds (each fds[i] it keeps is set to -1); COLLECT sends the asked
 * out-fences and empties the file's lists.
 */
static void handle_fence(struct cd_daemon *d, struct sc_client *c, const struct cuse_drm_fence_req *req,
			 int *fds, int nfds)
{
	int send[CUSE_DRM_FENCE_FDS_MAX];
	struct cd_file *f;
	int error = 0;
	bool zero = true;

	for (size_t i = 0; i < sizeof(req->reserved); i++)
		zero = zero && req->reserved[i] == 0;
	if (!zero || req->count > CUSE_DRM_FENCE_FDS_MAX ||
	    (req->op == CUSE_DRM_FENCE_ARM && (int)req->count != nfds) ||
	    (req->op == CUSE_DRM_FENCE_COLLECT && nfds != 0) ||
	    (req->op != CUSE_DRM_FENCE_ARM && req->op != CUSE_DRM_FENCE_COLLECT)) {
		send_reply(c->fd, EINVAL, 0, -1);
		return;
	}
	f = get_file_by_token(d, c, req->token, &error);
	if (!f) {
		send_reply(c->fd, error, 0, -1);
		return;
	}
	drm_device_lock(d->dev);
	if (req->op == CUSE_DRM_FENCE_ARM) {
		cd_file_fences_clear(f);
		for (int i = 0; i < nfds; i++) {
			f->in_num[i] = req->fds[i];
			f->in_fd[i] = fds[i];
			fds[i] = -1;
		}
		f->nin = (unsigned int)nfds;
		f->fences_armed = true;
		drm_device_unlock(d->dev);
		send_reply(c->fd, 0, 0, -1);
	} else {
		for (uint32_t i = 0; i < req->count && !error; i++) {
			if (req->fds[i] < 0 || (unsigned int)req->fds[i] >= f->nout)
				error = EINVAL;
			else
				send[i] = f->out_fd[req->fds[i]];
		}
		if (!error) {
			struct cuse_drm_prime_reply reply = { .error = 0 };

			send_reply_fds(c->fd, &reply, sizeof(reply), send, req->count);
		} else {
			send_reply(c->fd, error, 0, -1);
		}
		/* Sent or not, the daemon's copies go: the client holds the only others. */
		cd_file_fences_clear(f);
		drm_device_unlock(d->dev);
	}
	cd_file_put(f);
}

/* cuse_drm_uapi.h part 7: STAGE answers a prime_reply, UNSTAGE a stage_reply. */
static void handle_stage(struct cd_daemon *d, struct sc_client *c, const struct cuse_drm_stage_req *req,
			 int fd, int nfds)
{
	struct cuse_drm_stage_reply reply;
	struct cd_file *f;
	int error = 0;

	f = get_file_by_token(d, c, req->token, &error);
	if (!f) {
		send_reply(c->fd, error, 0, -1);
		return;
	}
	error = cd_stage_request(f, req, fd, nfds, &reply);
	cd_file_put(f);
	if (req->op == CUSE_DRM_UNSTAGE) {
		reply.error = error;
		send_reply_buf(c->fd, &reply, sizeof(reply), -1);
	} else {
		send_reply(c->fd, error, 0, -1);
	}
}

static void handle_request(struct cd_daemon *d, struct sc_client *c)
{
	/* One more byte than the largest request, to tell an oversized message. */
	union {
		struct cuse_drm_mmap_req mmap;
		struct cuse_drm_prime_req prime;
		struct cuse_drm_ioctl_req ioctl;
		struct cuse_drm_dmabuf_req dmabuf;
		struct cuse_drm_munmap_req munmap;
		struct cuse_drm_fence_req fence;
		struct cuse_drm_stage_req stage;
		char bytes[sizeof(struct cuse_drm_stage_req) + 1];
	} buf;
	union {
		char buf[CMSG_SPACE(SC_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &buf, sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	int fds[SC_MAX_FDS];
	int nfds = 0;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* Collect every fd received, whatever the message: all are closed below. */
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		size_t count;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count && nfds < SC_MAX_FDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
	} else if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
		send_reply(c->fd, EINVAL, 0, -1);
	} else if ((size_t)n == sizeof(struct cuse_drm_mmap_req) && nfds == 0) {
		handle_mmap(d, c, &buf.mmap);
	} else if ((size_t)n == sizeof(struct cuse_drm_prime_req)) {
		handle_prime(d, c, &buf.prime, nfds ? fds[0] : -1, nfds);
	} else if ((size_t)n == sizeof(struct cuse_drm_ioctl_req)) {
		handle_drm_ioctl(d, c, &buf.ioctl, &fds[0], nfds);
	} else if ((size_t)n == sizeof(struct cuse_drm_munmap_req) && nfds == 0) {
		handle_munmap(d, c, &buf.munmap);
	} else if ((size_t)n == sizeof(struct cuse_drm_fence_req)) {
		handle_fence(d, c, &buf.fence, fds, nfds);
	} else if ((size_t)n == sizeof(struct cuse_drm_stage_req)) {
		handle_stage(d, c, &buf.stage, nfds ? fds[0] : -1, nfds);
	} else if ((size_t)n == sizeof(struct cuse_drm_dmabuf_req)) {
		handle_dmabuf_ioctl(d, c, &buf.dmabuf, nfds ? fds[0] : -1, nfds);
	} else {
		send_reply(c->fd, EINVAL, 0, -1);
	}
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void accept_client(struct cd_daemon *d, struct sc_client *clients, unsigned int *n)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || *n >= CD_SOCK_MAX_CLIENTS) {
		close(fd);
		return;
	}
	clients[*n].fd = fd;
	clients[*n].uid = cred.uid;
	clients[*n].pid = cred.pid;
	(*n)++;
}

static void *side_channel_thread(void *arg)
{
	struct cd_daemon *d = arg;
	struct sc_client clients[CD_SOCK_MAX_CLIENTS];
	struct pollfd *pfd = calloc(CD_SOCK_MAX_CLIENTS + 2 + CD_MAX_FD_OBJECTS, sizeof(*pfd));
	int *objfds = calloc(CD_MAX_FD_OBJECTS, sizeof(*objfds));
	unsigned int nclients = 0;

	if (!pfd || !objfds) {
		drm_err("side channel: out of memory");
		free(pfd);
		free(objfds);
		return NULL;
	}
	for (;;) {
		unsigned int i, j, nobj;

		pfd[0] = (struct pollfd){ .fd = d->wake_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		for (i = 0; i < nclients; i++)
			pfd[i + 2] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
		/* Pipes of syncobj and sync_file fds: POLLERR once the client closed them. */
		nobj = cd_fd_objects_poll_fds(d, objfds, CD_MAX_FD_OBJECTS);
		for (i = 0; i < nobj; i++)
			pfd[nclients + 2 + i] = (struct pollfd){ .fd = objfds[i], .events = 0 };
		if (poll(pfd, nclients + 2 + nobj, -1) < 0) {
			if (errno == EINTR)
				continue;
			drm_err("side channel: poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		for (i = 0; i < nobj; i++)
			if (pfd[nclients + 2 + i].revents & (POLLERR | POLLHUP))
				cd_fd_objects_closed(d, objfds[i]);
		for (i = 0; i < nclients; i++) {
			if (pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR))
				handle_request(d, &clients[i]);
		}
		for (i = j = 0; i < nclients; i++)
			if (clients[i].fd >= 0)
				clients[j++] = clients[i];
		nclients = j;
		if (pfd[1].revents & POLLIN)
			accept_client(d, clients, &nclients);
	}
	for (unsigned int i = 0; i < nclients; i++)
		close(clients[i].fd);
	free(pfd);
	free(objfds);
	return NULL;
}

int cd_side_channel_open(struct cd_daemon *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, ret;

	d->listen_fd = -1;
	d->wake_fd = -1;
	if (mkdir(CUSE_DRM_RUN_DIR, 0755) == 0)
		chmod(CUSE_DRM_RUN_DIR, 0755);
	else if (errno != EEXIST)
		return -errno;
	if (snprintf(d->socket_path, sizeof(d->socket_path), "%s/%s.sock", CUSE_DRM_RUN_DIR,
		     d->nodes[0].name) >= (int)sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, d->socket_path, strlen(d->socket_path) + 1);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A socket left by a daemon that died: the node check said cardN is free. */
	unlink(d->socket_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(d->socket_path, 0666) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		close(fd);
		unlink(d->socket_path);
		return ret;
	}
	d->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (d->wake_fd < 0) {
		ret = -errno;
		close(fd);
		unlink(d->socket_path);
		return ret;
	}
	d->listen_fd = fd;
	return 0;
}

int cd_side_channel_start(struct cd_daemon *d)
{
	int ret = pthread_create(&d->sock_thread, NULL, side_channel_thread, d);

	if (ret != 0)
		return -ret;
	d->sock_thread_started = true;
	return 0;
}

void cd_side_channel_close(struct cd_daemon *d)
{
	if (d->sock_thread_started) {
		uint64_t one = 1;

		if (write(d->wake_fd, &one, sizeof(one)) < 0)
			drm_err("side channel: cannot wake thread: %s", strerror(errno));
		pthread_join(d->sock_thread, NULL);
		d->sock_thread_started = false;
	}
	/* The fds it handed out stand for nothing once the daemon is gone. */
	if (d->dev)
		cd_fd_objects_release_all(d);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		d->listen_fd = -1;
		unlink(d->socket_path);
	}
	if (d->wake_fd >= 0) {
		close(d->wake_fd);
		d->wake_fd = -1;
	}
}
