/*
 * libcuse-drm-shim.so - what CUSE cannot do for a cuse-drm client
 * (DESIGN.md decision 6).  Load it with LD_PRELOAD, or link it (drmctl).
 *
 * 1. mmap(2) of a cuse-drm node.  CUSE has no mmap; the kernel answers
 *    ENODEV.  For an fd that is a cuse-drm node the shim asks the daemon for
 *    the GEM object's memfd over the side channel (cuse_drm_uapi.h) and maps
 *    that instead, with the caller's address, protection and flags.
 *
 * 2. sysfs identity.  libdrm finds DRM devices through /sys/dev/char/M:m
 *    (drmNodeIsDRM, drmParseSubsystemType, drmParseOFBusInfo, ...), where a
 *    CUSE node looks like class "cuse".  Any path that starts with
 *    /sys/dev/char/M:m of one of our nodes is redirected to the daemon's
 *    fake tree, CUSE_DRM_SYSFS_ROOT/dev/char/M:m (see cuse-drm/sysfs.c).
 *
 * 3. PRIME.  A CUSE ioctl reply cannot carry a file descriptor, so
 *    DRM_IOCTL_PRIME_HANDLE_TO_FD and DRM_IOCTL_PRIME_FD_TO_HANDLE on a
 *    cuse-drm node become side-channel requests: the daemon sends the
 *    buffer's memfd as the dma-buf fd, and receives the client's fd to
 *    import.
 *
 * 4. Syncobj fds.  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, _FD_TO_HANDLE and
 *    _EVENTFD on a cuse-drm node travel whole over the side channel, with
 *    the fd their struct names attached; the daemon runs them and sends the
 *    new syncobj or sync_file fd back.
 *
 * 5. DMA_BUF_IOCTL_EXPORT_SYNC_FILE on a dma-buf of ours (a memfd named
 *    cuse-drm-gem): asked of the daemons' side channels, so the fences of a
 *    buffer are visible through its dma-buf as a sync_file.
 *
 * 6. poll(2) and ppoll(2) on such a dma-buf: the kernel's dma_buf_poll()
 *    reports POLLIN once the buffer's writers are done and POLLOUT once
 *    everyone is; a memfd is always ready.  The shim polls sync_files of
 *    those fences instead (one export per poll call).  select(2) and epoll
 *    are not translated: there a dma-buf of ours is always ready.
 *
 * 7. Fence fds of DRM_IOCTL_MODE_ATOMIC.  A request whose IN_FENCE_FD,
 *    OUT_FENCE_PTR or WRITEBACK_OUT_FENCE_PTR properties (found by name
 *    with GETPROPERTY, cached per device) are set still goes through CUSE, between two side-channel
 *    messages (cuse_drm_uapi.h part 6): ARM sends the sync_files the
 *    IN_FENCE_FD values name; after the ioctl, COLLECT fetches the
 *    out-fences, and the shim writes their numbers where OUT_FENCE_PTR
 *    points (the daemon wrote list indices there).  A request without them,
 *    or whose arrays the shim cannot read, goes to CUSE alone (and fails
 *    there as the kernel would).  VIRTGPU_EXECBUFFER with FENCE_FD_IN or
 *    FENCE_FD_OUT goes the same way: ARM sends the in-fence fence_fd
 *    names, and COLLECT turns the index the daemon wrote into fence_fd
 *    into the sync_file's number.
 *
 * 8. Buffers over one CUSE round (cuse_drm_uapi.h part 7).  CUSE carries
 *    at most 128 KiB each way per round, so MODE_CREATEPROPBLOB and
 *    MODE_GETPROPBLOB, and VIRTGPU_EXECBUFFER's command stream, with a
 *    buffer of SHIM_STAGE_MIN bytes or more stage
 *    it in a sealed memfd (STAGE) before the ioctl goes through CUSE, and
 *    copy back what the daemon wrote there (UNSTAGE) after it.  A buffer
 *    the shim cannot read, or a daemon that refuses the stage, leaves the
 *    ioctl to CUSE alone (EFAULT there, as the kernel answers unreadable
 *    memory).
 *
 * Only these request numbers pay for a check; every other ioctl goes
 * straight to the kernel.
 *
 * Everything else goes straight to the next definition (dlsym(RTLD_NEXT)),
 * so the shim is harmless in a process that never touches our nodes.
 * A cuse-drm node is recognised by its st_rdev: CUSE_DRM_SYSFS_ROOT/dev/
 * char/M:m exists.  The checks use raw system calls, so they neither recurse
 * into the shim nor change errno; nothing here calls malloc (MODE_ATOMIC's
 * scratch arrays are mmap'd).  glibc only.
 */
#undef _FORTIFY_SOURCE
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <drm.h>
#include <linux/dma-buf.h>

#include "drivers/virtio/virtgpu_uapi.h"

#include "cuse_drm_uapi.h"
#include "scm_fd.h"

#define SYS_CHAR "/sys/dev/char/"
#define FAKE_CHAR CUSE_DRM_SYSFS_ROOT "/dev/char/"

#define SHIM_EXPORT __attribute__((visibility("default")))

/* Entry points glibc (>= 2.33) still exports for old binaries but no longer declares. */
int __xstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);
/* Fortified variants (-D_FORTIFY_SOURCE callers). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);

/* ------------------------------------------------------------------ */
/* The next definitions                                                */
/* ------------------------------------------------------------------ */

static void *resolve(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

#ifdef __x86_64__
	/* __xstat and friends are compat-only symbols since glibc 2.33. */
	if (!p)
		p = dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");
#endif
	return p;
}

static void *real_get(void **slot, const char *name)
{
	void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!f) {
		f = resolve(name);
		__atomic_store_n(slot, f, __ATOMIC_RELEASE);
	}
	return f;
}

/* The next definitions, resolved on first use (thread-safe: idempotent). */
#define SHIM_FUNCS(X) X(ioctl) X(mmap) X(mmap64) X(open) X(open64) X(openat) X(openat64)            \
	X(__open_2) X(__open64_2) X(__openat_2) X(__openat64_2) X(fopen) X(fopen64)          \
	X(stat) X(stat64) X(lstat) X(lstat64) X(__xstat) X(__xstat64) X(__lxstat)           \
	X(__lxstat64) X(__fxstatat) X(__fxstatat64) X(fstatat) X(fstatat64) X(statx)        \
	X(access) X(faccessat) X(readlink) X(readlinkat) X(opendir) X(scandir) X(scandir64) \
	X(realpath) X(__realpath_chk) X(poll) X(ppoll) X(munmap)
#define SLOT(fn) static void *next_##fn;
SHIM_FUNCS(SLOT)
#undef SLOT

/* REAL(fn) - the next definition of fn, or NULL. */
#define REAL(fn) ((__typeof__(&fn))real_get(&next_##fn, #fn))

/* Call the next definition, or fail with ENOSYS if there is none. */
#define CALL_REAL(fail, fn, ...)                                                  \
	({                                                                        \
		__typeof__(&fn) r_ = REAL(fn);                                    \
		if (!r_)                                                          \
			errno = ENOSYS;                                           \
		r_ ? r_(__VA_ARGS__) : (fail);                                    \
	})

/* ------------------------------------------------------------------ */
/* Recognising our nodes                                               */
/* ------------------------------------------------------------------ */

/* Whether @path exists, by a raw system call (no interposition, errno kept). */
static int exists_raw(const char *path)
{
	int saved = errno;
	long r = syscall(SYS_faccessat, AT_FDCWD, path, F_OK);

	errno = saved;
	return r == 0;
}

/* Whether character device @rdev is served by cuse-drm. */
static int is_cuse_drm_rdev(dev_t rdev)
{
	char probe[sizeof(FAKE_CHAR) + 24];

	snprintf(probe, sizeof(probe), FAKE_CHAR "%u:%u", major(rdev), minor(rdev));
	return exists_raw(probe);
}

/*
 * If @path is /sys/dev/char/MAJ:MIN[/...] and MAJ:MIN is one of our nodes,
 * write the redirected path into @buf and return it; else return @path.
 */
static const char *redirect(const char *path, char *buf, size_t size)
{
	char probe[sizeof(FAKE_CHAR) + 24];
	const char *id, *p;
	size_t idlen;

	if (!path || strncmp(path, SYS_CHAR, sizeof(SYS_CHAR) - 1) != 0)
		return path;
	id = p = path + sizeof(SYS_CHAR) - 1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == id || *p != ':')
		return path;
	p++;
	if (*p < '0' || *p > '9')
		return path;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != '\0' && *p != '/')
		return path;
	idlen = (size_t)(p - id);
	if (idlen > 21)
		return path;
	memcpy(probe, FAKE_CHAR, sizeof(FAKE_CHAR) - 1);
	memcpy(probe + sizeof(FAKE_CHAR) - 1, id, idlen);
	probe[sizeof(FAKE_CHAR) - 1 + idlen] = '\0';
	if (!exists_raw(probe))
		return path;
	if (sizeof(FAKE_CHAR) - 1 + strlen(id) + 1 > size)
		return path;
	memcpy(buf, FAKE_CHAR, sizeof(FAKE_CHAR) - 1);
	strcpy(buf + sizeof(FAKE_CHAR) - 1, id);
	return buf;
}

#define REDIRECT(path) redirect((path), redirect_buf_, sizeof(redirect_buf_))
#define REDIRECT_BUF char redirect_buf_[PATH_MAX]

/* ------------------------------------------------------------------ */
/* mmap                                                                */
/* ------------------------------------------------------------------ */

static int is_cuse_drm_fd(int fd)
{
	struct stat st;
	int saved = errno;
	long r = syscall(SYS_fstat, fd, &st);

	errno = saved;
	return r == 0 && S_ISCHR(st.st_mode) && is_cuse_drm_rdev(st.st_rdev);
}

static void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	__typeof__(&mmap) f = REAL(mmap);

	if (f)
		return f(addr, len, prot, flags, fd, off);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int real_ioctl(int fd, unsigned long request, void *arg)
{
	__typeof__(&ioctl) f = REAL(ioctl);

	if (f)
		return f(fd, request, arg);
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

/*
 * Connect to the side channel of DRM file @fd and put the file's token in
 * @token (and the socket's path in @path, when not NULL); returns the
 * socket or -ENODEV.
 */
static int side_channel_connect_path(int fd, uint8_t token[CUSE_DRM_TOKEN_LEN], char *path)
{
	struct cuse_drm_token tok;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s;

	memset(&tok, 0, sizeof(tok));
	if (real_ioctl(fd, CUSE_DRM_IOCTL_GET_TOKEN, &tok) < 0)
		return -ENODEV;
	tok.socket_path[sizeof(tok.socket_path) - 1] = '\0';
	memcpy(addr.sun_path, tok.socket_path, sizeof(addr.sun_path));

	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -ENODEV;
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(s);
		return -ENODEV;
	}
	memcpy(token, tok.token, CUSE_DRM_TOKEN_LEN);
	if (path)
		memcpy(path, tok.socket_path, CUSE_DRM_SOCKET_PATH_LEN);
	return s;
}

static int side_channel_connect(int fd, uint8_t token[CUSE_DRM_TOKEN_LEN])
{
	return side_channel_connect_path(fd, token, NULL);
}

/* Connect to the socket at @path; the socket or -ENODEV. */
static int side_channel_connect_at(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENODEV;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -ENODEV;
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(s);
		return -ENODEV;
	}
	return s;
}

/*
 * Send @req (@len bytes, with @sendfds[0..@nsend) attached) on @s and
 * receive a reply of exactly @reply_len bytes into @reply, with at most
 * @maxrecv fds into @recvfds (more are closed; *@nrecv says how many came;
 * @recv_flags: 0 or MSG_CMSG_CLOEXEC).  Closes @s.  Returns 0, or -ENODEV
 * when the exchange itself failed (no fd is left open then).
 */
static int side_channel_exchange_fds(int s, const void *req, size_t len, const int *sendfds, unsigned int nsend,
				     void *reply, size_t reply_len, int *recvfds, unsigned int maxrecv,
				     unsigned int *nrecv, int recv_flags)
{
	union cd_scm_fds ctl;
	struct iovec iov = { (void *)req, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned int got = 0;
	ssize_t n;

	*nrecv = 0;
	if (nsend)
		cd_msg_attach_fds(&msg, &ctl, sendfds, nsend);
	do
		n = sendmsg(s, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		close(s);
		return -ENODEV;
	}

	memset(&ctl, 0, sizeof(ctl));
	memset(&msg, 0, sizeof(msg));
	iov = (struct iovec){ reply, reply_len };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(s, &msg, recv_flags);
	while (n < 0 && errno == EINTR);
	close(s);
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (got < maxrecv)
				recvfds[got++] = fd;
			else
				close(fd);
		}
	}
	if (n != (ssize_t)reply_len) {
		for (unsigned int i = 0; i < got; i++)
			close(recvfds[i]);
		return -ENODEV;
	}
	*nrecv = got;
	return 0;
}

/* side_channel_exchange_fds() with at most one fd each way: @sendfd (-1: none), *@recvfd (-1: none came). */
static int side_channel_exchange(int s, const void *req, size_t len, int sendfd, void *reply,
				 size_t reply_len, int *recvfd, int recv_flags)
{
	unsigned int got;
	int ret = side_channel_exchange_fds(s, req, len, &sendfd, sendfd >= 0 ? 1 : 0, reply, reply_len, recvfd, 1,
					    &got, recv_flags);

	if (ret || got == 0)
		*recvfd = -1;
	return ret;
}

/*
 * side_channel_exchange() with the 8-byte mmap/PRIME reply: returns the
 * reply's error as -errno, or -ENODEV; the fd goes to *@recvfd when asked
 * for (and must come), else is closed.
 */
static int side_channel_call(int s, const void *req, size_t len, int sendfd,
			     struct cuse_drm_prime_reply *reply, int *recvfd, int recv_flags)
{
	int fd, ret = side_channel_exchange(s, req, len, sendfd, reply, sizeof(*reply), &fd, recv_flags);

	if (ret)
		return ret;
	if (reply->error != 0 || (recvfd && fd < 0)) {
		if (fd >= 0)
			close(fd);
		return reply->error > 0 ? -reply->error : -ENODEV;
	}
	if (recvfd)
		*recvfd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * The mappings of GEM objects made through the daemon.  Each holds its
 * object in the daemon, as a kernel VMA does; once all of it is unmapped
 * the shim says so (struct cuse_drm_munmap_req).  A mapping split by
 * partial munmaps is released when its last page goes.  Beyond
 * SHIM_MAX_MAPPINGS at once, mappings are held until their DRM file closes.
 */
#define SHIM_MAX_MAPPINGS 4096

struct shim_mapping {
	uintptr_t start;
	size_t len;
	size_t left;        /* bytes still mapped */
	uint64_t offset;    /* the fake mmap offset */
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	char path[CUSE_DRM_SOCKET_PATH_LEN];
};

static struct shim_mapping mappings[SHIM_MAX_MAPPINGS];
static unsigned int nmappings;
static pthread_mutex_t mappings_lock = PTHREAD_MUTEX_INITIALIZER;

#define PAGE_ROUND(x) (((x) + 4095) & ~(size_t)4095)

/* Tell the daemon that the mapping @m is gone. */
static void mapping_release(const struct shim_mapping *m)
{
	struct cuse_drm_munmap_req req;
	struct cuse_drm_prime_reply reply;
	int saved = errno, s = side_channel_connect_at(m->path);

	if (s >= 0) {
		memset(&req, 0, sizeof(req));
		memcpy(req.token, m->token, sizeof(req.token));
		req.offset = m->offset;
		req.length = m->len;
		req.op = CUSE_DRM_MUNMAP;
		side_channel_call(s, &req, sizeof(req), -1, &reply, NULL, 0);
	}
	errno = saved;
}

static void mapping_add(const struct shim_mapping *m)
{
	pthread_mutex_lock(&mappings_lock);
	if (nmappings < SHIM_MAX_MAPPINGS) {
		mappings[nmappings] = *m;
		mappings[nmappings].len = PAGE_ROUND(m->len);
		mappings[nmappings].left = mappings[nmappings].len;
		__atomic_store_n(&nmappings, nmappings + 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&mappings_lock);
}

/* [addr, addr+len) was unmapped: release the mappings that are now all gone. */
static void mappings_unmapped(void *addr, size_t len)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + PAGE_ROUND(len);
	struct shim_mapping gone[16];
	unsigned int ngone = 0, i;

	if (!__atomic_load_n(&nmappings, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&mappings_lock);
	for (i = 0; i < nmappings;) {
		struct shim_mapping *m = &mappings[i];
		uintptr_t a = lo > m->start ? lo : m->start;
		uintptr_t b = hi < m->start + m->len ? hi : m->start + m->len;

		if (a < b)
			m->left -= b - a < m->left ? b - a : m->left;
		if (m->left == 0 && ngone < sizeof(gone) / sizeof(gone[0])) {
			gone[ngone++] = *m;
			*m = mappings[nmappings - 1];
			__atomic_store_n(&nmappings, nmappings - 1, __ATOMIC_RELAXED);
			continue;
		}
		i++;
	}
	pthread_mutex_unlock(&mappings_lock);
	for (i = 0; i < ngone; i++)
		mapping_release(&gone[i]);
}

/*
 * Ask the daemon for the memfd behind [off, off+len) of DRM file @fd, which
 * also makes the daemon hold the object for the mapping; -errno on failure.
 */
static int fetch_memfd(int fd, uint64_t off, uint64_t len, struct shim_mapping *m)
{
	struct cuse_drm_mmap_req req;
	struct cuse_drm_prime_reply reply;
	int s, memfd = -1, ret;

	s = side_channel_connect_path(fd, req.token, m->path);
	if (s < 0)
		return s;
	memcpy(m->token, req.token, sizeof(req.token));
	req.offset = off;
	req.length = len;
	ret = side_channel_call(s, &req, sizeof(req), -1, &reply, &memfd, MSG_CMSG_CLOEXEC);
	return ret < 0 ? ret : memfd;
}

static void *cuse_drm_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct shim_mapping m;
	int saved = errno, memfd, err;
	void *p;

	if (off < 0) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	memset(&m, 0, sizeof(m));
	memfd = fetch_memfd(fd, (uint64_t)off, (uint64_t)len, &m);
	if (memfd < 0) {
		errno = -memfd;
		return MAP_FAILED;
	}
	/* The memfd holds exactly the object: the fake offset becomes 0. */
	p = real_mmap(addr, len, prot, flags, memfd, 0);
	err = errno;
	close(memfd);
	m.start = (uintptr_t)p;
	m.len = len;
	m.offset = (uint64_t)off;
	if (p == MAP_FAILED)
		mapping_release(&m); /* nothing maps it: the daemon may let go */
	else
		mapping_add(&m);
	errno = p == MAP_FAILED ? err : saved;
	return p;
}

SHIM_EXPORT int munmap(void *addr, size_t len)
{
	int ret = CALL_REAL(-1, munmap, addr, len);

	if (ret == 0)
		mappings_unmapped(addr, len);
	return ret;
}

static int is_cuse_drm_dmabuf(int fd);

/* What an fd-backed mmap(2) maps: a cuse-drm node, one of our dma-bufs, or anything else. */
enum shim_map_target { MAP_TARGET_OTHER, MAP_TARGET_NODE, MAP_TARGET_DMABUF };

/*
 * One fstat tells a node (a character device of ours) from a possible
 * dma-buf (a regular file with no links: a memfd); only the latter pays
 * for the readlink that names it.  *@st is the fstat result.
 */
static enum shim_map_target map_target(int fd, int flags, struct stat *st)
{
	int saved = errno;
	long r;

	if (fd < 0 || (flags & MAP_ANONYMOUS))
		return MAP_TARGET_OTHER;
	r = syscall(SYS_fstat, fd, st);
	errno = saved;
	if (r != 0)
		return MAP_TARGET_OTHER;
	if (S_ISCHR(st->st_mode) && is_cuse_drm_rdev(st->st_rdev))
		return MAP_TARGET_NODE;
	if (S_ISREG(st->st_mode) && st->st_nlink == 0 && is_cuse_drm_dmabuf(fd))
		return MAP_TARGET_DMABUF;
	return MAP_TARGET_OTHER;
}

/*
 * mmap(2) of one of our dma-bufs (@st its fstat): the kernel's
 * dma_buf_mmap_internal() refuses a range past the buffer's end with
 * EINVAL, where a memfd would map it (and fault later).
 */
static int dmabuf_range_bad(const struct stat *st, size_t len, off_t off)
{
	if (off < 0)
		return 0;
	return (uint64_t)off > (uint64_t)st->st_size ||
	       ((len + 4095) & ~(size_t)4095) > (uint64_t)st->st_size - (uint64_t)off;
}

SHIM_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct stat st;

	switch (map_target(fd, flags, &st)) {
	case MAP_TARGET_NODE:
		return cuse_drm_mmap(addr, len, prot, flags, fd, off);
	case MAP_TARGET_DMABUF:
		if (dmabuf_range_bad(&st, len, off)) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		break;
	case MAP_TARGET_OTHER:
		break;
	}
	return real_mmap(addr, len, prot, flags, fd, off);
}

SHIM_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	struct stat st;

	switch (map_target(fd, flags, &st)) {
	case MAP_TARGET_NODE:
		return cuse_drm_mmap(addr, len, prot, flags, fd, (off_t)off);
	case MAP_TARGET_DMABUF:
		if (dmabuf_range_bad(&st, len, (off_t)off)) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		break;
	case MAP_TARGET_OTHER:
		break;
	}
	return CALL_REAL(MAP_FAILED, mmap64, addr, len, prot, flags, fd, off);
}

/* ------------------------------------------------------------------ */
/* PRIME                                                               */
/* ------------------------------------------------------------------ */

/* DRM_IOCTL_PRIME_HANDLE_TO_FD: the daemon's memfd of the buffer is the dma-buf fd. */
static int cuse_drm_prime_handle_to_fd(int fd, struct drm_prime_handle *args)
{
	struct cuse_drm_prime_req req;
	struct cuse_drm_prime_reply reply;
	int s, ret, dmabuf = -1;

	memset(&req, 0, sizeof(req));
	s = side_channel_connect(fd, req.token);
	if (s < 0)
		return s;
	req.op = CUSE_DRM_PRIME_EXPORT;
	req.handle = args->handle;
	req.flags = args->flags; /* the daemon's core checks them, as the kernel does */
	/* DRM_CLOEXEC is O_CLOEXEC on the new fd: ask recvmsg for it, atomically. */
	ret = side_channel_call(s, &req, sizeof(req), -1, &reply, &dmabuf,
				(args->flags & DRM_CLOEXEC) ? MSG_CMSG_CLOEXEC : 0);
	if (ret < 0)
		return ret;
	if (!(args->flags & DRM_RDWR)) {
		/*
		 * Without DRM_RDWR the kernel's dma-buf file is read-only (no
		 * shared writable mapping, F_GETFL says O_RDONLY).  Reopening the
		 * memfd through /proc gives a read-only open file of the same
		 * memory.
		 */
		char path[64];
		int ro;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", dmabuf);
		ro = open(path, O_RDONLY | ((args->flags & DRM_CLOEXEC) ? O_CLOEXEC : 0));
		close(dmabuf);
		if (ro < 0)
			return -ENOMEM;
		dmabuf = ro;
	}
	args->fd = dmabuf;
	return 0;
}

/* DRM_IOCTL_PRIME_FD_TO_HANDLE: send the dma-buf fd; the daemon answers the handle. */
static int cuse_drm_prime_fd_to_handle(int fd, struct drm_prime_handle *args)
{
	struct cuse_drm_prime_req req;
	struct cuse_drm_prime_reply reply;
	int s, ret;

	/* As fdget() in dma_buf_get(): a descriptor that is not open is EBADF. */
	if (args->fd < 0 || syscall(SYS_fcntl, args->fd, F_GETFD) < 0)
		return -EBADF;
	memset(&req, 0, sizeof(req));
	s = side_channel_connect(fd, req.token);
	if (s < 0)
		return s;
	req.op = CUSE_DRM_PRIME_IMPORT;
	ret = side_channel_call(s, &req, sizeof(req), args->fd, &reply, NULL, 0);
	if (ret < 0)
		return ret;
	args->handle = reply.handle;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Syncobj fds                                                          */
/* ------------------------------------------------------------------ */

#define NR_SYNCOBJ_HANDLE_TO_FD 0xC1
#define NR_SYNCOBJ_FD_TO_HANDLE 0xC2
#define NR_SYNCOBJ_EVENTFD 0xCF

/* Is @request one of the syncobj ioctls that carry an fd (any struct size)? */
static int is_syncobj_fd_ioctl(unsigned long request)
{
	unsigned int nr = _IOC_NR(request);

	return _IOC_TYPE(request) == DRM_IOCTL_BASE && _IOC_DIR(request) == (_IOC_READ | _IOC_WRITE) &&
	       _IOC_SIZE(request) >= 16 && _IOC_SIZE(request) <= CUSE_DRM_IOCTL_ARG_MAX &&
	       (nr == NR_SYNCOBJ_HANDLE_TO_FD || nr == NR_SYNCOBJ_FD_TO_HANDLE || nr == NR_SYNCOBJ_EVENTFD);
}

/*
 * Run a syncobj fd ioctl in the daemon.  The fd field sits at byte 8 of
 * struct drm_syncobj_handle and at byte 16 of struct drm_syncobj_eventfd.
 */
static int cuse_drm_syncobj_fd_ioctl(int fd, unsigned long request, void *arg)
{
	unsigned int nr = _IOC_NR(request);
	size_t size = _IOC_SIZE(request), fd_off = nr == NR_SYNCOBJ_EVENTFD ? 16 : 8;
	struct cuse_drm_ioctl_req req;
	struct cuse_drm_ioctl_reply reply;
	int s, sendfd = -1, newfd = -1;
	int32_t argfd;

	memset(&req, 0, sizeof(req));
	memcpy(&argfd, (char *)arg + fd_off, sizeof(argfd));
	/*
	 * The fd the ioctl names travels with it, if it is open (else the
	 * daemon says EBADF/EINVAL).  Look before connecting: the socket may
	 * take the number of an fd the caller has just closed.
	 */
	if (nr != NR_SYNCOBJ_HANDLE_TO_FD && argfd >= 0 && syscall(SYS_fcntl, argfd, F_GETFD) >= 0)
		sendfd = argfd;
	s = side_channel_connect(fd, req.token);
	if (s < 0)
		return s;
	req.cmd = (uint32_t)request;
	memcpy(req.arg, arg, size);
	/* Syncobj and sync_file fds are always close-on-exec (get_unused_fd_flags(O_CLOEXEC)). */
	if (side_channel_exchange(s, &req, sizeof(req), sendfd, &reply, sizeof(reply), &newfd,
				  MSG_CMSG_CLOEXEC) < 0)
		return -ENODEV;
	/* The struct comes back on success and failure alike, as from the kernel. */
	if (reply.size == size)
		memcpy(arg, reply.arg, size);
	if (reply.error) {
		if (newfd >= 0)
			close(newfd);
		return -reply.error;
	}
	if (nr == NR_SYNCOBJ_HANDLE_TO_FD) {
		if (newfd < 0)
			return -ENODEV;
		memcpy((char *)arg + fd_off, &newfd, sizeof(newfd));
	} else if (newfd >= 0) {
		close(newfd);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* MODE_ATOMIC fence fds                                                */
/* ------------------------------------------------------------------ */

/* Read @len bytes of this process at @src without faulting: 0 or -EFAULT. */
static int safe_read(void *dst, uint64_t src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)(uintptr_t)src, len };

	if (len == 0)
		return 0;
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

/* Write @len bytes at @dst of this process without faulting: 0 or -EFAULT. */
static int safe_write(uint64_t dst, const void *src, size_t len)
{
	struct iovec local = { (void *)src, len }, remote = { (void *)(uintptr_t)dst, len };

	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

enum shim_prop_kind { SHIM_PROP_OTHER = 1, SHIM_PROP_IN_FENCE, SHIM_PROP_OUT_FENCE };

/* Property id -> kind, per device; ids are stable for a device's life. */
#define SHIM_PROP_CACHE 256
struct shim_prop {
	dev_t rdev;
	uint32_t id;
	uint8_t kind;
};
static struct shim_prop prop_cache[SHIM_PROP_CACHE];
static unsigned int nprop_cache;
static pthread_mutex_t prop_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static enum shim_prop_kind prop_kind(int fd, dev_t rdev, uint32_t id)
{
	struct drm_mode_get_property gp;
	enum shim_prop_kind kind = 0;

	pthread_mutex_lock(&prop_cache_lock);
	for (unsigned int i = 0; i < nprop_cache && !kind; i++)
		if (prop_cache[i].rdev == rdev && prop_cache[i].id == id)
			kind = prop_cache[i].kind;
	pthread_mutex_unlock(&prop_cache_lock);
	if (kind)
		return kind;
	memset(&gp, 0, sizeof(gp));
	gp.prop_id = id;
	if (real_ioctl(fd, DRM_IOCTL_MODE_GETPROPERTY, &gp) < 0)
		return SHIM_PROP_OTHER; /* no such property: the ioctl itself will say so */
	gp.name[sizeof(gp.name) - 1] = '\0';
	/* A writeback job's out-fence travels like a CRTC's. */
	kind = strcmp(gp.name, "IN_FENCE_FD") == 0 ? SHIM_PROP_IN_FENCE
	       : strcmp(gp.name, "OUT_FENCE_PTR") == 0 || strcmp(gp.name, "WRITEBACK_OUT_FENCE_PTR") == 0
		       ? SHIM_PROP_OUT_FENCE
		       : SHIM_PROP_OTHER;
	pthread_mutex_lock(&prop_cache_lock);
	if (nprop_cache < SHIM_PROP_CACHE)
		prop_cache[nprop_cache++] = (struct shim_prop){ rdev, id, (uint8_t)kind };
	pthread_mutex_unlock(&prop_cache_lock);
	return kind;
}

/* The fence fds of one MODE_ATOMIC. */
struct shim_atomic_fences {
	unsigned int nin, nout;
	int in_fence_set;  /* some IN_FENCE_FD is not -1 (open or not) */
	int32_t in_fd[CUSE_DRM_FENCE_FDS_MAX];
	uint64_t out_ptr[CUSE_DRM_FENCE_FDS_MAX];
};

/*
 * Find the request's fence properties.  0 when found (or none), -EFAULT when
 * an array cannot be read, -E2BIG when it is larger than the shim handles.
 */
static int atomic_find_fences(int fd, const struct drm_mode_atomic *a, struct shim_atomic_fences *fe)
{
	struct stat st;
	uint32_t *counts = NULL, *props;
	uint64_t *values, total = 0;
	size_t size;
	void *scratch;
	int ret = 0;

	memset(fe, 0, sizeof(*fe));
	if (a->count_objs == 0)
		return 0;
	if (a->count_objs > 4096 || fstat(fd, &st) < 0)
		return -E2BIG;
	size = (size_t)a->count_objs * sizeof(uint32_t);
	counts = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return -E2BIG;
	ret = safe_read(counts, a->count_props_ptr, size);
	for (uint32_t i = 0; i < a->count_objs && !ret; i++)
		total += counts[i];
	munmap(counts, size);
	if (ret)
		return ret;
	if (total == 0)
		return 0;
	if (total > 65536)
		return -E2BIG;
	size = (size_t)total * (sizeof(uint32_t) + sizeof(uint64_t));
	scratch = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		return -E2BIG;
	values = scratch;
	props = (uint32_t *)(values + total);
	ret = safe_read(props, a->props_ptr, total * sizeof(uint32_t));
	if (!ret)
		ret = safe_read(values, a->prop_values_ptr, total * sizeof(uint64_t));
	for (uint64_t p = 0; p < total && !ret; p++) {
		enum shim_prop_kind kind = prop_kind(fd, st.st_rdev, props[p]);
		int64_t v = (int64_t)values[p];

		if (kind == SHIM_PROP_IN_FENCE && v != -1)
			fe->in_fence_set = 1;
		if (kind == SHIM_PROP_IN_FENCE && v >= 0 && v <= INT32_MAX && fe->nin < CUSE_DRM_FENCE_FDS_MAX &&
		    syscall(SYS_fcntl, (int)v, F_GETFD) >= 0) {
			int dup = 0;

			for (unsigned int i = 0; i < fe->nin; i++)
				dup = dup || fe->in_fd[i] == (int32_t)v;
			if (!dup)
				fe->in_fd[fe->nin++] = (int32_t)v;
		} else if (kind == SHIM_PROP_OUT_FENCE && v != 0 && fe->nout < CUSE_DRM_FENCE_FDS_MAX) {
			fe->out_ptr[fe->nout++] = (uint64_t)v;
		}
	}
	munmap(scratch, size);
	return ret;
}

/* Send a fence request with @nfds fds attached; the reply must bring exactly @max fds into @fds. */
static int fence_exchange(int fd, struct cuse_drm_fence_req *req, const int32_t *sendfds, unsigned int nfds,
			  int *fds, unsigned int max)
{
	struct cuse_drm_prime_reply reply;
	unsigned int got;
	int ret, s = side_channel_connect(fd, req->token);

	if (s < 0)
		return s;
	ret = side_channel_exchange_fds(s, req, sizeof(*req), sendfds, nfds, &reply, sizeof(reply), fds, max, &got,
					MSG_CMSG_CLOEXEC);
	if (ret)
		return ret;
	if (reply.error || got != max) {
		for (unsigned int i = 0; i < got; i++)
			close(fds[i]);
		return reply.error ? -reply.error : -ENODEV;
	}
	return 0;
}

/*
 * MODE_ATOMIC on a cuse-drm node: through CUSE, with its fence fds around
 * it.  Returns the ioctl's result (-1 with errno set, or 0).
 */
static int cuse_drm_mode_atomic(int fd, unsigned long request, struct drm_mode_atomic *arg)
{
	struct shim_atomic_fences fe;
	struct drm_mode_atomic a;
	struct cuse_drm_fence_req req;
	int32_t idx[CUSE_DRM_FENCE_FDS_MAX];
	int out[CUSE_DRM_FENCE_FDS_MAX];
	unsigned int nidx = 0;
	int ret, err, saved;

	if (safe_read(&a, (uintptr_t)arg, sizeof(a)) || atomic_find_fences(fd, &a, &fe) ||
	    (!fe.in_fence_set && fe.nout == 0) || ((a.flags & DRM_MODE_ATOMIC_TEST_ONLY) && !fe.in_fence_set))
		return real_ioctl(fd, request, arg);
	/*
	 * put_user(-1, fence_ptr) as the kernel's set_property does: the daemon's
	 * own write only reaches the client after the commit, too late to refuse it.
	 */
	for (unsigned int i = 0; i < fe.nout; i++) {
		const int32_t minus_one = -1;

		if (safe_write(fe.out_ptr[i], &minus_one, sizeof(minus_one))) {
			errno = EFAULT;
			return -1;
		}
	}
	memset(&req, 0, sizeof(req));
	req.op = CUSE_DRM_FENCE_ARM;
	req.count = fe.nin;
	memcpy(req.fds, fe.in_fd, fe.nin * sizeof(int32_t));
	if (fence_exchange(fd, &req, fe.in_fd, fe.nin, NULL, 0) < 0)
		return real_ioctl(fd, request, arg); /* not armed: the daemon answers EOPNOTSUPP */
	ret = real_ioctl(fd, request, arg);
	err = errno;
	/* Each OUT_FENCE_PTR now holds an index into the file's out-fences (or -1). */
	for (unsigned int i = 0; ret == 0 && i < fe.nout; i++) {
		int32_t v;

		if (safe_read(&v, fe.out_ptr[i], sizeof(v)) == 0 && v >= 0)
			idx[nidx++] = v;
	}
	memset(&req, 0, sizeof(req));
	req.op = CUSE_DRM_FENCE_COLLECT;
	req.count = nidx;
	memcpy(req.fds, idx, nidx * sizeof(int32_t));
	saved = fence_exchange(fd, &req, NULL, 0, out, nidx);
	nidx = 0;
	for (unsigned int i = 0; ret == 0 && i < fe.nout; i++) {
		int32_t v, newfd = -1;

		if (safe_read(&v, fe.out_ptr[i], sizeof(v)) || v < 0)
			continue;
		if (saved == 0)
			newfd = out[nidx++];
		if (safe_write(fe.out_ptr[i], &newfd, sizeof(newfd)) && newfd >= 0)
			close(newfd);
	}
	if (ret == 0 && saved < 0) {
		/* Committed, but the fences are lost: say so rather than hand out indices. */
		errno = ENODEV;
		return -1;
	}
	errno = err;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Buffers over one CUSE round (cuse_drm_uapi.h part 7)                */
/* ------------------------------------------------------------------ */

/*
 * Buffers from this size up are staged; smaller ones travel through CUSE
 * with their struct, well inside one 128 KiB round.
 */
#define SHIM_STAGE_MIN (64u * 1024u)

/* An ioctl whose struct names one buffer: where its address (u64) and length (u32) fields sit. */
struct shim_staged_ioctl {
	unsigned long request;
	size_t ptr_off, len_off;
	uint32_t flags;
};

static const struct shim_staged_ioctl staged_ioctls[] = {
	{ DRM_IOCTL_MODE_CREATEPROPBLOB, offsetof(struct drm_mode_create_blob, data),
	  offsetof(struct drm_mode_create_blob, length), CUSE_DRM_STAGE_IN },
	/* drm_mode_getblob_ioctl() writes the buffer only when length is the blob's: UNSTAGE says. */
	{ DRM_IOCTL_MODE_GETPROPBLOB, offsetof(struct drm_mode_get_blob, data),
	  offsetof(struct drm_mode_get_blob, length), CUSE_DRM_STAGE_OUT },
	/* Mesa's virgl command streams: the daemon copies them from the stage into the SUBMIT_3D buffer. */
	{ DRM_IOCTL_VIRTGPU_EXECBUFFER, offsetof(struct drm_virtgpu_execbuffer, command),
	  offsetof(struct drm_virtgpu_execbuffer, size), CUSE_DRM_STAGE_IN },
};

/* One staged ioctl at a time per process: a file holds one stage, and threads may share the file. */
static pthread_mutex_t stage_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct shim_staged_ioctl *staged_ioctl(unsigned long request)
{
	for (size_t i = 0; i < sizeof(staged_ioctls) / sizeof(staged_ioctls[0]); i++)
		if (staged_ioctls[i].request == request)
			return &staged_ioctls[i];
	return NULL;
}

/* Send a stage request (with @memfd attached when >= 0); the reply is @reply_len bytes. */
static int stage_exchange(int fd, struct cuse_drm_stage_req *req, int memfd, void *reply, size_t reply_len)
{
	unsigned int got;
	int s = side_channel_connect(fd, req->token);

	if (s < 0)
		return s;
	return side_channel_exchange_fds(s, req, sizeof(*req), &memfd, memfd >= 0 ? 1 : 0, reply, reply_len, NULL,
					 0, &got, MSG_CMSG_CLOEXEC);
}

/* The kernel moves @len bytes between the memfd and client memory: EFAULT where that memory is bad. */
static int memfd_copy(int memfd, uint64_t uaddr, uint64_t len, uint64_t off, int to_memfd)
{
	while (len > 0) {
		void *p = (void *)(uintptr_t)uaddr;
		ssize_t n = to_memfd ? pwrite(memfd, p, len, (off_t)off) : pread(memfd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EFAULT;
		uaddr += (uint64_t)n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

/*
 * An ioctl of staged_ioctls[] on a cuse-drm node: its buffer staged when
 * large, the ioctl through CUSE, the written bytes copied back.  Returns
 * the ioctl's result (-1 with errno set, or 0).
 */
static int cuse_drm_staged_ioctl(int fd, unsigned long request, void *arg, const struct shim_staged_ioctl *t)
{
	unsigned char st[64];
	struct cuse_drm_stage_req req;
	struct cuse_drm_prime_reply staged;
	struct cuse_drm_stage_reply unstaged;
	size_t size = _IOC_SIZE(request);
	uint64_t uptr;
	uint32_t len;
	int memfd, ret, err, saved = errno;

	if (size > sizeof(st) || safe_read(st, (uintptr_t)arg, size))
		return real_ioctl(fd, request, arg);
	memcpy(&uptr, st + t->ptr_off, sizeof(uptr));
	memcpy(&len, st + t->len_off, sizeof(len));
	if (len < SHIM_STAGE_MIN)
		return real_ioctl(fd, request, arg);
	memfd = memfd_create("cuse-drm-stage", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return real_ioctl(fd, request, arg);
	if (ftruncate(memfd, len) < 0 || ((t->flags & CUSE_DRM_STAGE_IN) && memfd_copy(memfd, uptr, len, 0, 1)) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		close(memfd);
		errno = saved;
		return real_ioctl(fd, request, arg);
	}
	memset(&req, 0, sizeof(req));
	req.op = CUSE_DRM_STAGE;
	req.cmd = (uint32_t)request;
	req.count = 1;
	req.ranges[0] = (struct cuse_drm_stage_range){ .uaddr = uptr, .len = len, .offset = 0, .flags = t->flags };
	pthread_mutex_lock(&stage_lock);
	if (stage_exchange(fd, &req, memfd, &staged, sizeof(staged)) || staged.error) {
		pthread_mutex_unlock(&stage_lock);
		close(memfd);
		errno = saved;
		return real_ioctl(fd, request, arg);
	}
	errno = saved;
	ret = real_ioctl(fd, request, arg);
	err = errno;
	memset(&req, 0, sizeof(req));
	req.op = CUSE_DRM_UNSTAGE;
	if (stage_exchange(fd, &req, -1, &unstaged, sizeof(unstaged)))
		unstaged.error = ENODEV;
	pthread_mutex_unlock(&stage_lock);
	if (unstaged.error == 0 && unstaged.count == 1 && (t->flags & CUSE_DRM_STAGE_OUT)) {
		uint64_t lo = unstaged.written[0].lo, hi = unstaged.written[0].hi;

		/* What the daemon wrote reaches the client as copy_to_user() would have put it. */
		if (lo < hi && hi <= len && memfd_copy(memfd, uptr + lo, hi - lo, lo, 0)) {
			ret = -1;
			err = EFAULT;
		}
	} else if (unstaged.error && ret == 0 && (t->flags & CUSE_DRM_STAGE_OUT)) {
		ret = -1;
		err = ENODEV; /* done, but its output is lost: say so rather than leave stale memory */
	}
	close(memfd);
	errno = err;
	return ret;
}

/* ------------------------------------------------------------------ */
/* VIRTGPU_EXECBUFFER fence fds (cuse_drm_uapi.h part 6)              */
/* ------------------------------------------------------------------ */

/* One fenced EXECBUFFER at a time per process: ARM and COLLECT act on the file, which threads may share. */
static pthread_mutex_t execbuffer_fence_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * VIRTGPU_EXECBUFFER with VIRTGPU_EXECBUF_FENCE_FD_IN and/or _FENCE_FD_OUT
 * on a cuse-drm node: ARM sends the in-fence (when its fd is open: a
 * closed one is sent as a number the daemon finds no fd for, so the driver
 * answers EINVAL as sync_file_get_fence() failing does), the ioctl goes
 * through CUSE (staged when its stream is large), and after a success
 * with FENCE_FD_OUT, fence_fd holds an index into the file's out-fences
 * that COLLECT turns into the sync_file the shim writes back there.
 * Returns the ioctl's result (-1 with errno set, or 0).
 */
static int cuse_drm_virtgpu_execbuffer(int fd, unsigned long request, struct drm_virtgpu_execbuffer *arg)
{
	struct drm_virtgpu_execbuffer eb;
	struct cuse_drm_fence_req req;
	int32_t in_fd = -1;
	int out = -1, ret, err, saved = errno;

	if (safe_read(&eb, (uintptr_t)arg, sizeof(eb)) ||
	    !(eb.flags & (VIRTGPU_EXECBUF_FENCE_FD_IN | VIRTGPU_EXECBUF_FENCE_FD_OUT)) ||
	    (eb.flags & ~VIRTGPU_EXECBUF_FLAGS))
		return cuse_drm_staged_ioctl(fd, request, arg, staged_ioctl(request));
	if ((eb.flags & VIRTGPU_EXECBUF_FENCE_FD_IN) && eb.fence_fd >= 0 && syscall(SYS_fcntl, eb.fence_fd, F_GETFD) >= 0)
		in_fd = eb.fence_fd;
	memset(&req, 0, sizeof(req));
	req.op = CUSE_DRM_FENCE_ARM;
	req.count = in_fd >= 0 ? 1 : 0;
	req.fds[0] = in_fd;
	pthread_mutex_lock(&execbuffer_fence_lock);
	if (fence_exchange(fd, &req, &in_fd, req.count, NULL, 0) < 0) {
		pthread_mutex_unlock(&execbuffer_fence_lock);
		errno = saved;
		return cuse_drm_staged_ioctl(fd, request, arg, staged_ioctl(request)); /* not armed: EOPNOTSUPP */
	}
	errno = saved;
	ret = cuse_drm_staged_ioctl(fd, request, arg, staged_ioctl(request));
	err = errno;
	memset(&req, 0, sizeof(req));
	req.op = CUSE_DRM_FENCE_COLLECT;
	if (ret == 0 && (eb.flags & VIRTGPU_EXECBUF_FENCE_FD_OUT) && safe_read(&eb, (uintptr_t)arg, sizeof(eb)) == 0 &&
	    eb.fence_fd >= 0) {
		req.count = 1;
		req.fds[0] = eb.fence_fd;
	}
	/* COLLECT also disarms the file: it runs after a failure too. */
	if (fence_exchange(fd, &req, NULL, 0, &out, req.count) < 0 && req.count) {
		pthread_mutex_unlock(&execbuffer_fence_lock);
		/* Submitted, but the fence is lost: say so rather than hand out an index. */
		eb.fence_fd = -1;
		safe_write((uintptr_t)&arg->fence_fd, &eb.fence_fd, sizeof(eb.fence_fd));
		errno = ENODEV;
		return -1;
	}
	pthread_mutex_unlock(&execbuffer_fence_lock);
	if (req.count) {
		int32_t v = out;

		if (safe_write((uintptr_t)&arg->fence_fd, &v, sizeof(v))) {
			close(out);
			errno = EFAULT;
			return -1;
		}
	}
	errno = err;
	return ret;
}

/* ------------------------------------------------------------------ */
/* dma-buf fences                                                       */
/* ------------------------------------------------------------------ */

/* Is @fd one of our dma-bufs: a memfd the daemon named "cuse-drm-gem"? */
static int is_cuse_drm_dmabuf(int fd)
{
	static const char prefix[] = "/memfd:cuse-drm-gem";
	char path[64], target[64];
	int saved = errno;
	long n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = syscall(SYS_readlink, path, target, sizeof(target) - 1);
	errno = saved;
	return n >= (long)sizeof(prefix) - 1 && memcmp(target, prefix, sizeof(prefix) - 1) == 0;
}

/* Ask one daemon's socket @sock_path for the sync_file of dma-buf @fd; -ENODEV: not its buffer. */
static int dmabuf_export_sync_file_at(const char *sock_path, int fd, struct dma_buf_export_sync_file *arg)
{
	struct cuse_drm_dmabuf_req req;
	struct cuse_drm_ioctl_reply reply;
	int s, newfd = -1;

	s = side_channel_connect_at(sock_path);
	if (s < 0)
		return s;
	memset(&req, 0, sizeof(req));
	req.cmd = DMA_BUF_IOCTL_EXPORT_SYNC_FILE;
	memcpy(req.arg, arg, sizeof(*arg));
	if (side_channel_exchange(s, &req, sizeof(req), fd, &reply, sizeof(reply), &newfd,
				  MSG_CMSG_CLOEXEC) < 0)
		return -ENODEV;
	if (reply.error || newfd < 0) {
		if (newfd >= 0)
			close(newfd);
		return reply.error ? -reply.error : -ENODEV;
	}
	arg->fd = newfd;
	return 0;
}

/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE: try each daemon's socket until one knows the buffer. */
static int cuse_drm_dmabuf_export_sync_file(int fd, struct dma_buf_export_sync_file *arg)
{
	char buf[1024], path[CUSE_DRM_SOCKET_PATH_LEN];
	int dir, ret = -ENOTTY;
	long n;

	dir = (int)syscall(SYS_openat, AT_FDCWD, CUSE_DRM_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -ENOTTY;
	while (ret == -ENOTTY && (n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			size_t len = strlen(e->d_name);

			off += e->d_reclen;
			if (len < 6 || strcmp(e->d_name + len - 5, ".sock") != 0)
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", CUSE_DRM_RUN_DIR, e->d_name) >=
			    (int)sizeof(path))
				continue;
			ret = dmabuf_export_sync_file_at(path, fd, arg);
			if (ret != -ENODEV)
				break;
			ret = -ENOTTY; /* not that daemon's buffer: as a memfd would answer */
		}
	}
	close(dir);
	return ret;
}

/*
 * poll()/ppoll() with dma-bufs of ours among @fds: each becomes the
 * sync_file of the fences its events wait for (POLLIN: writers, POLLOUT:
 * all), polled for POLLIN.  @call runs the real poll on the new array.
 */
static int poll_translated(struct pollfd *fds, nfds_t n,
			   int (*call)(struct pollfd *, nfds_t, const void *), const void *ctx)
{
	struct pollfd *p;
	nfds_t *extra_of, i, extra = 0, first;
	int *in_fd, *out_fd, ret, saved;

	/* The first dma-buf of ours, if any; the fds before it are known not to be. */
	for (first = 0; first < n; first++)
		if (fds[first].fd >= 0 && (fds[first].events & (POLLIN | POLLOUT)) &&
		    is_cuse_drm_dmabuf(fds[first].fd))
			break;
	if (first == n)
		return call(fds, n, ctx);
	p = calloc(n * 2, sizeof(*p));
	in_fd = calloc(n, sizeof(*in_fd));
	out_fd = calloc(n, sizeof(*out_fd));
	extra_of = calloc(n, sizeof(*extra_of));
	if (!p || !in_fd || !out_fd || !extra_of) {
		free(p), free(in_fd), free(out_fd), free(extra_of);
		return call(fds, n, ctx);
	}
	for (i = 0; i < n; i++) {
		struct dma_buf_export_sync_file rd = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };
		struct dma_buf_export_sync_file wr = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };

		p[i] = fds[i];
		in_fd[i] = out_fd[i] = -1;
		/* Fds before the first one were checked already; the first one is ours. */
		if (i < first)
			continue;
		if (i > first && (fds[i].fd < 0 || !(fds[i].events & (POLLIN | POLLOUT)) ||
				  !is_cuse_drm_dmabuf(fds[i].fd)))
			continue;
		if ((fds[i].events & POLLIN) && cuse_drm_dmabuf_export_sync_file(fds[i].fd, &rd) == 0)
			in_fd[i] = rd.fd;
		if ((fds[i].events & POLLOUT) && cuse_drm_dmabuf_export_sync_file(fds[i].fd, &wr) == 0)
			out_fd[i] = wr.fd;
		if (in_fd[i] < 0 && out_fd[i] < 0)
			continue; /* no daemon knows it: poll the memfd itself */
		p[i] = (struct pollfd){ .fd = in_fd[i] >= 0 ? in_fd[i] : out_fd[i], .events = POLLIN };
		if (in_fd[i] >= 0 && out_fd[i] >= 0) {
			extra_of[i] = n + extra;
			p[n + extra++] = (struct pollfd){ .fd = out_fd[i], .events = POLLIN };
		}
	}
	ret = call(p, n + extra, ctx);
	saved = errno;
	if (ret >= 0) {
		ret = 0;
		for (i = 0; i < n; i++) {
			if (in_fd[i] < 0 && out_fd[i] < 0) {
				fds[i].revents = p[i].revents;
			} else {
				short in_ready = in_fd[i] >= 0 && (p[i].revents & POLLIN);
				short out_ready = out_fd[i] >= 0 &&
					((in_fd[i] >= 0 ? p[extra_of[i]].revents : p[i].revents) & POLLIN);

				fds[i].revents = (short)((in_ready ? POLLIN : 0) | (out_ready ? POLLOUT : 0));
			}
			if (fds[i].revents)
				ret++;
		}
	}
	for (i = 0; i < n; i++) {
		if (in_fd[i] >= 0)
			close(in_fd[i]);
		if (out_fd[i] >= 0)
			close(out_fd[i]);
	}
	free(p), free(in_fd), free(out_fd), free(extra_of);
	errno = saved;
	return ret;
}

static int call_poll(struct pollfd *fds, nfds_t n, const void *ctx)
{
	int timeout = *(const int *)ctx;
	__typeof__(&poll) f = REAL(poll);

	if (f)
		return f(fds, n, timeout);
	return (int)syscall(SYS_poll, fds, n, timeout);
}

struct ppoll_args {
	const struct timespec *timeout;
	const sigset_t *sigmask;
};

static int call_ppoll(struct pollfd *fds, nfds_t n, const void *ctx)
{
	const struct ppoll_args *a = ctx;
	__typeof__(&ppoll) f = REAL(ppoll);

	if (f)
		return f(fds, n, a->timeout, a->sigmask);
	errno = ENOSYS;
	return -1;
}

SHIM_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return poll_translated(fds, n, call_poll, &timeout);
}

SHIM_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *sigmask)
{
	struct ppoll_args a = { timeout, sigmask };

	return poll_translated(fds, n, call_ppoll, &a);
}

SHIM_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int saved, ret;
	int syncobj;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	syncobj = is_syncobj_fd_ioctl(request);
	if (request == DMA_BUF_IOCTL_EXPORT_SYNC_FILE && arg && is_cuse_drm_dmabuf(fd)) {
		saved = errno;
		ret = cuse_drm_dmabuf_export_sync_file(fd, arg);
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		errno = saved;
		return 0;
	}
	if (request == DRM_IOCTL_MODE_ATOMIC && arg && is_cuse_drm_fd(fd))
		return cuse_drm_mode_atomic(fd, request, arg);
	if (request == DRM_IOCTL_VIRTGPU_EXECBUFFER && arg && is_cuse_drm_fd(fd))
		return cuse_drm_virtgpu_execbuffer(fd, request, arg);
	if (arg && staged_ioctl(request) && is_cuse_drm_fd(fd))
		return cuse_drm_staged_ioctl(fd, request, arg, staged_ioctl(request));
	if ((request != DRM_IOCTL_PRIME_HANDLE_TO_FD && request != DRM_IOCTL_PRIME_FD_TO_HANDLE &&
	     !syncobj) || !is_cuse_drm_fd(fd))
		return real_ioctl(fd, request, arg);
	if (!arg) {
		errno = EFAULT;
		return -1;
	}
	saved = errno;
	if (syncobj)
		ret = cuse_drm_syncobj_fd_ioctl(fd, request, arg);
	else if (request == DRM_IOCTL_PRIME_HANDLE_TO_FD)
		ret = cuse_drm_prime_handle_to_fd(fd, arg);
	else
		ret = cuse_drm_prime_fd_to_handle(fd, arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	errno = saved;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Path redirection                                                    */
/* ------------------------------------------------------------------ */

static int open_needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define VA_MODE(flags, last)                                   \
	mode_t mode = 0;                                       \
	if (open_needs_mode(flags)) {                          \
		va_list ap;                                    \
		va_start(ap, last);                            \
		mode = (mode_t)va_arg(ap, int);                \
		va_end(ap);                                    \
	}

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	REDIRECT_BUF;
	VA_MODE(flags, flags);
	return CALL_REAL(-1, open, REDIRECT(path), flags, mode);
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	REDIRECT_BUF;
	VA_MODE(flags, flags);
	return CALL_REAL(-1, open64, REDIRECT(path), flags, mode);
}

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	REDIRECT_BUF;
	VA_MODE(flags, flags);
	return CALL_REAL(-1, openat, dirfd, REDIRECT(path), flags, mode);
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	REDIRECT_BUF;
	VA_MODE(flags, flags);
	return CALL_REAL(-1, openat64, dirfd, REDIRECT(path), flags, mode);
}

SHIM_EXPORT int __open_2(const char *path, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __open_2, REDIRECT(path), flags);
}

SHIM_EXPORT int __open64_2(const char *path, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __open64_2, REDIRECT(path), flags);
}

SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __openat_2, dirfd, REDIRECT(path), flags);
}

SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __openat64_2, dirfd, REDIRECT(path), flags);
}

SHIM_EXPORT FILE *fopen(const char *path, const char *mode)
{
	REDIRECT_BUF;
	return CALL_REAL(NULL, fopen, REDIRECT(path), mode);
}

SHIM_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	REDIRECT_BUF;
	return CALL_REAL(NULL, fopen64, REDIRECT(path), mode);
}

SHIM_EXPORT int stat(const char *restrict path, struct stat *restrict buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, stat, REDIRECT(path), buf);
}

SHIM_EXPORT int stat64(const char *restrict path, struct stat64 *restrict buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, stat64, REDIRECT(path), buf);
}

SHIM_EXPORT int lstat(const char *restrict path, struct stat *restrict buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, lstat, REDIRECT(path), buf);
}

SHIM_EXPORT int lstat64(const char *restrict path, struct stat64 *restrict buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, lstat64, REDIRECT(path), buf);
}

SHIM_EXPORT int __xstat(int ver, const char *path, struct stat *buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __xstat, ver, REDIRECT(path), buf);
}

SHIM_EXPORT int __xstat64(int ver, const char *path, struct stat64 *buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __xstat64, ver, REDIRECT(path), buf);
}

SHIM_EXPORT int __lxstat(int ver, const char *path, struct stat *buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __lxstat, ver, REDIRECT(path), buf);
}

SHIM_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __lxstat64, ver, REDIRECT(path), buf);
}

SHIM_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __fxstatat, ver, dirfd, REDIRECT(path), buf, flags);
}

SHIM_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, __fxstatat64, ver, dirfd, REDIRECT(path), buf, flags);
}

SHIM_EXPORT int fstatat(int dirfd, const char *restrict path, struct stat *restrict buf, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, fstatat, dirfd, REDIRECT(path), buf, flags);
}

SHIM_EXPORT int fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict buf,
			  int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, fstatat64, dirfd, REDIRECT(path), buf, flags);
}

SHIM_EXPORT int statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
		      struct statx *restrict buf)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, statx, dirfd, REDIRECT(path), flags, mask, buf);
}

SHIM_EXPORT int access(const char *path, int mode)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, access, REDIRECT(path), mode);
}

SHIM_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, faccessat, dirfd, REDIRECT(path), mode, flags);
}

SHIM_EXPORT ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, readlink, REDIRECT(path), buf, size);
}

SHIM_EXPORT ssize_t readlinkat(int dirfd, const char *restrict path, char *restrict buf,
			       size_t size)
{
	REDIRECT_BUF;
	return CALL_REAL(-1, readlinkat, dirfd, REDIRECT(path), buf, size);
}

SHIM_EXPORT DIR *opendir(const char *path)
{
	REDIRECT_BUF;
	return CALL_REAL(NULL, opendir, REDIRECT(path));
}

SHIM_EXPORT int scandir(const char *restrict path, struct dirent ***restrict list,
			int (*filter)(const struct dirent *),
			int (*compar)(const struct dirent **, const struct dirent **))
{
	REDIRECT_BUF;
	return CALL_REAL(-1, scandir, REDIRECT(path), list, filter, compar);
}

SHIM_EXPORT int scandir64(const char *restrict path, struct dirent64 ***restrict list,
			  int (*filter)(const struct dirent64 *),
			  int (*compar)(const struct dirent64 **, const struct dirent64 **))
{
	REDIRECT_BUF;
	return CALL_REAL(-1, scandir64, REDIRECT(path), list, filter, compar);
}

SHIM_EXPORT char *realpath(const char *restrict path, char *restrict resolved)
{
	REDIRECT_BUF;
	return CALL_REAL(NULL, realpath, REDIRECT(path), resolved);
}

SHIM_EXPORT char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	REDIRECT_BUF;
	return CALL_REAL(NULL, __realpath_chk, REDIRECT(path), resolved, resolvedlen);
}

/* Resolve the hot ones early, so mmap and ioctl never need dlsym in an awkward place. */
__attribute__((constructor)) static void shim_init(void)
{
	(void)REAL(ioctl);
	(void)REAL(mmap);
	(void)REAL(mmap64);
}
