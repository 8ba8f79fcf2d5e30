/*
 * prime_client - PRIME across processes on one DRM node (tests/python/test_prime_e2e.py).
 *
 *   prime_client /dev/dri/cardN
 *
 * Runs the same sequence on a kernel node and on a cuse-drm node (there under
 * the client shim) and prints one line per step: "name value".  Values are
 * errno names, capability values or ok/FAIL, never handles or fds, so the two
 * outputs can be compared line by line.  Exit status 0 unless the sequence
 * could not run at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#define W 64
#define H 64
#define PATTERN(i) (0xdeadbeefu ^ ((uint32_t)(i) * 0x01010101u))
#define CHILD_VALUE 0x12345678u

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTTY: return "ENOTTY";
	default: return strerror(e);
	}
}

static void report(const char *name, const char *value)
{
	printf("%s %s\n", name, value);
	fflush(stdout);
}

static void check(const char *name, int ok)
{
	report(name, ok ? "ok" : "FAIL");
}

static int prime_to_fd(int fd, uint32_t handle, uint32_t flags, int *out)
{
	struct drm_prime_handle args = { .handle = handle, .flags = flags, .fd = -1 };

	if (drmIoctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args) < 0)
		return errno;
	*out = args.fd;
	return 0;
}

static int prime_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle args = { .fd = dmabuf };

	if (drmIoctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args) < 0)
		return errno;
	*handle = args.handle;
	return 0;
}

static void gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &args);
}

/* Map a GEM handle through MAP_DUMB + mmap of the node; NULL on failure. */
static uint32_t *map_handle(int fd, uint32_t handle, size_t size)
{
	struct drm_mode_map_dumb map = { .handle = handle };
	void *p;

	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)map.offset);
	return p == MAP_FAILED ? NULL : p;
}

static int has_pattern(const uint32_t *p, size_t words, uint32_t first)
{
	if (p[0] != first)
		return 0;
	for (size_t i = 1; i < words; i++)
		if (p[i] != PATTERN(i))
			return 0;
	return 1;
}

static int send_fd(int sock, int fd)
{
	char byte = 'x';
	struct iovec iov = { &byte, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * The child: a process of its own, with its own open of the node, that gets
 * only the dma-buf fd.  Exit status: 0 all good, else the step that failed.
 */
static int child(const char *node, int sock, size_t size)
{
	int dmabuf = recv_fd(sock);
	int fd = open(node, O_RDWR | O_CLOEXEC);
	uint32_t handle, again;
	uint32_t *p;

	if (dmabuf < 0 || fd < 0)
		return 10;
	if (prime_to_handle(fd, dmabuf, &handle))
		return 11;
	if (prime_to_handle(fd, dmabuf, &again) || again != handle)
		return 12;
	p = map_handle(fd, handle, size);
	if (!p)
		return 13;
	if (!has_pattern(p, size / 4, PATTERN(0)))
		return 14;
	p[0] = CHILD_VALUE;
	munmap(p, size);
	gem_close(fd, handle);
	close(dmabuf);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct drm_mode_create_dumb create = { .width = W, .height = H, .bpp = 32 };
	const char *node;
	uint64_t cap = 0;
	uint32_t *map, *dmap, handle, h2, h3;
	int fd, dmabuf, dmabuf2, e, sv[2], status, closed;
	size_t size;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/dri/cardN\n", argv[0]);
		return 2;
	}
	node = argv[1];
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(node);
		return 2;
	}
	e = drmGetCap(fd, DRM_CAP_PRIME, &cap) ? errno : 0;
	printf("cap_prime %s %llu\n", err_name(e), (unsigned long long)cap);

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0) {
		perror("CREATE_DUMB");
		return 2;
	}
	handle = create.handle;
	size = (size_t)create.size;
	map = map_handle(fd, handle, size);
	if (!map) {
		perror("map dumb");
		return 2;
	}
	for (size_t i = 0; i < size / 4; i++)
		map[i] = PATTERN(i);

	/* Export, with and without DRM_CLOEXEC. */
	e = prime_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	report("export_cloexec", err_name(e));
	if (e)
		return 2;
	check("export_cloexec_fd_flag", (fcntl(dmabuf, F_GETFD) & FD_CLOEXEC) != 0);
	e = prime_to_fd(fd, handle, DRM_RDWR, &dmabuf2);
	report("export_plain", err_name(e));
	if (!e) {
		check("export_plain_fd_flag", (fcntl(dmabuf2, F_GETFD) & FD_CLOEXEC) == 0);
		close(dmabuf2);
	}

	/* Self-import: the file's own export gives back the original handle. */
	e = prime_to_handle(fd, dmabuf, &h2);
	report("self_import", err_name(e));
	check("self_import_same_handle", !e && h2 == handle);

	/* The dma-buf fd maps the buffer itself. */
	dmap = mmap(NULL, size, PROT_READ, MAP_SHARED, dmabuf, 0);
	check("dmabuf_mmap", dmap != MAP_FAILED);
	if (dmap == MAP_FAILED)
		dmap = NULL;
	check("dmabuf_mmap_pattern", dmap && has_pattern(dmap, size / 4, PATTERN(0)));

	/* Another process imports it, reads the pattern and writes a new value. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 2;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(fd);
		_exit(child(node, sv[1], size));
	}
	close(sv[1]);
	check("send_fd", send_fd(sv[0], dmabuf) == 0);
	status = -1;
	waitpid(pid, &status, 0);
	close(sv[0]);
	printf("child_status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	check("parent_sees_child_write", map[0] == CHILD_VALUE);
	check("dmabuf_sees_child_write", dmap && dmap[0] == CHILD_VALUE);

	/* No handle left: the dma-buf fd alone keeps the buffer, still importable. */
	munmap(map, size);
	gem_close(fd, handle);
	e = prime_to_handle(fd, dmabuf, &h3);
	report("import_after_close", err_name(e));
	if (!e) {
		map = map_handle(fd, h3, size);
		check("import_after_close_contents", map && has_pattern(map, size / 4, CHILD_VALUE));
		if (map)
			munmap(map, size);
		e = prime_to_handle(fd, dmabuf, &h2);
		check("import_after_close_self_import", !e && h2 == h3);
		gem_close(fd, h3);
	}

	/* Bad cases. */
	e = drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0 ? errno : 0;
	if (!e) {
		report("export_bad_flags", err_name(prime_to_fd(fd, create.handle, 0x1, &dmabuf2)));
		report("export_bad_flags2", err_name(prime_to_fd(fd, create.handle, 0x80, &dmabuf2)));
		gem_close(fd, create.handle);
	}
	report("export_unknown_handle", err_name(prime_to_fd(fd, 4242, DRM_CLOEXEC, &dmabuf2)));
	e = open("/dev/null", O_RDWR | O_CLOEXEC);
	report("import_dev_null", err_name(prime_to_handle(fd, e, &h2)));
	close(e);
	closed = dup(dmabuf);
	close(closed);
	report("import_closed_fd", err_name(prime_to_handle(fd, closed, &h2)));
	report("import_negative_fd", err_name(prime_to_handle(fd, -1, &h2)));

	if (dmap)
		munmap(dmap, size);
	close(dmabuf);
	close(fd);
	return 0;
}
