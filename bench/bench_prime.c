/*
 * bench_prime - case 4, PRIME: export a dumb buffer (PRIME_HANDLE_TO_FD),
 * pass the dma-buf fd to a second process over a UNIX socket, which
 * imports it on its own open file (PRIME_FD_TO_HANDLE), closes the handle
 * and the fd and answers; the exporter closes its fd.  Whole round trips
 * per second.
 *
 * usage: bench_prime NODE [--quick]
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <xf86drm.h>

#include "bench.h"

static void send_fd(int s, int fd)
{
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(s, &msg, 0) != 1)
		bench_die("sendmsg");
}

static int recv_fd(int s)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	uint64_t ns = quick ? 100000000ull : 1000000000ull, n = 0, start;
	struct drm_mode_create_dumb c = { .width = 256, .height = 256, .bpp = 32 };
	int sv[2], fd;
	pid_t pid;

	if (argc < 2)
		return 2;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		bench_die("socketpair");
	pid = fork();
	if (pid == 0) {
		int ifd = bench_open(argv[1]), dmabuf;

		close(sv[0]);
		while ((dmabuf = recv_fd(sv[1])) >= 0) {
			uint32_t handle;
			struct drm_gem_close gc = { 0 };
			char ok = 1;

			if (drmPrimeFDToHandle(ifd, dmabuf, &handle))
				bench_die("PRIME_FD_TO_HANDLE");
			gc.handle = handle;
			if (drmIoctl(ifd, DRM_IOCTL_GEM_CLOSE, &gc))
				bench_die("GEM_CLOSE");
			close(dmabuf);
			if (write(sv[1], &ok, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(sv[1]);
	fd = bench_open(argv[1]);
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		bench_die("CREATE_DUMB");
	start = bench_now_ns();
	while (bench_now_ns() - start < ns) {
		int dmabuf;
		char ok;

		if (drmPrimeHandleToFD(fd, c.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf))
			bench_die("PRIME_HANDLE_TO_FD");
		send_fd(sv[0], dmabuf);
		close(dmabuf);
		if (read(sv[0], &ok, 1) != 1)
			bench_die("importer");
		n++;
	}
	bench_report("prime-export-import", "ops/s", (double)n * 1e9 / (double)(bench_now_ns() - start), true);
	close(sv[0]);
	waitpid(pid, NULL, 0);
	close(fd);
	return 0;
}
