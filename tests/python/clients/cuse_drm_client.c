/*
 * cuse_drm_client - probes the parts of cuse-drm that stock clients do not
 * reach on purpose: private ioctls, read/poll semantics (EAGAIN, EINTR,
 * parked reads woken by an event) and the mmap side channel's refusals.
 *
 *   cuse_drm_client NODE TEST
 *
 * TEST is one of: token, stats, nonblock, eintr, poll, event, side, libdrm, bench.
 * Prints what it checks; exit status 0 when every check passed, 1 otherwise.
 * Built by hand (it is not part of the daemon):
 *   cc -std=c11 -D_GNU_SOURCE -Icuse-drm $(pkg-config --cflags --libs libdrm) \
 *      -o build/cuse_drm_client tests/python/clients/cuse_drm_client.c -lpthread
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "cuse_drm_uapi.h"

static int failures;

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (cond) {                                       \
			printf("ok   ");                          \
		} else {                                          \
			printf("FAIL ");                          \
			failures++;                               \
		}                                                 \
		printf(__VA_ARGS__);                              \
		printf("\n");                                     \
	} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_node(const char *node, int flags)
{
	int fd = open(node, O_RDWR | O_CLOEXEC | flags);

	if (fd < 0) {
		perror(node);
		exit(2);
	}
	return fd;
}

static int test_token(const char *node)
{
	struct cuse_drm_token a, b, c;
	int fa = open_node(node, 0), fb = open_node(node, 0), fc;

	CHECK(ioctl(fa, CUSE_DRM_IOCTL_GET_TOKEN, &a) == 0, "GET_TOKEN on file A");
	CHECK(ioctl(fb, CUSE_DRM_IOCTL_GET_TOKEN, &b) == 0, "GET_TOKEN on file B");
	CHECK(memcmp(a.token, b.token, sizeof(a.token)) != 0, "two opens, two tokens");
	fc = dup(fa);
	CHECK(ioctl(fc, CUSE_DRM_IOCTL_GET_TOKEN, &c) == 0 &&
	      memcmp(a.token, c.token, sizeof(a.token)) == 0, "a dup shares the open file's token");
	CHECK(strncmp(a.socket_path, CUSE_DRM_RUN_DIR "/", strlen(CUSE_DRM_RUN_DIR) + 1) == 0,
	      "socket path %s", a.socket_path);
	CHECK(ioctl(fa, _IOR(CUSE_DRM_IOCTL_BASE, 99, int), &(int){0}) < 0 && errno == ENOTTY,
	      "unknown private ioctl: ENOTTY");
	close(fa);
	close(fb);
	close(fc);
	return 0;
}

static int test_stats(const char *node)
{
	struct cuse_drm_stats s0, s1;
	int fa = open_node(node, 0), fb;

	CHECK(ioctl(fa, CUSE_DRM_IOCTL_STATS, &s0) == 0, "STATS: files=%u gem_objects=%u "
	      "handles=%u fbs=%u blobs=%u events=%u master=%u gem_bytes=%llu", s0.files,
	      s0.gem_objects, s0.gem_handles, s0.framebuffers, s0.blobs, s0.pending_events,
	      s0.has_master, (unsigned long long)s0.gem_bytes);
	fb = open_node(node, 0);
	CHECK(ioctl(fa, CUSE_DRM_IOCTL_STATS, &s1) == 0 && s1.files == s0.files + 1,
	      "one more open file counted (%u -> %u)", s0.files, s1.files);
	close(fb);
	usleep(100000); /* CUSE release is asynchronous to close(2) */
	CHECK(ioctl(fa, CUSE_DRM_IOCTL_STATS, &s1) == 0 && s1.files == s0.files,
	      "and gone after close (%u)", s1.files);
	close(fa);
	return 0;
}

static int test_nonblock(const char *node)
{
	char buf[256];
	int fd = open_node(node, O_NONBLOCK);
	ssize_t n = read(fd, buf, sizeof(buf));

	CHECK(n < 0 && errno == EAGAIN, "O_NONBLOCK read without events: EAGAIN (%zd, %s)", n,
	      strerror(errno));
	close(fd);
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int test_eintr(const char *node)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char buf[256];
	int fd = open_node(node, 0);
	double t0;
	ssize_t n;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	ualarm(300000, 0);
	t0 = now_s();
	n = read(fd, buf, sizeof(buf));
	CHECK(n < 0 && errno == EINTR, "blocking read interrupted by a signal: EINTR (%zd, %s)", n,
	      n < 0 ? strerror(errno) : "data");
	CHECK(now_s() - t0 > 0.25 && now_s() - t0 < 5, "after %.3f s", now_s() - t0);
	/* The file still works after an interrupted read. */
	CHECK(ioctl(fd, CUSE_DRM_IOCTL_STATS, &(struct cuse_drm_stats){0}) == 0,
	      "ioctl after the interrupted read");
	close(fd);
	return 0;
}

static int test_poll(const char *node)
{
	int fd = open_node(node, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double t0 = now_s();
	int r = poll(&p, 1, 300);

	CHECK(r == 0, "poll without events times out (%d) after %.3f s", r, now_s() - t0);
	close(fd);
	return 0;
}

/* Light up connector -> CRTC with a dumb framebuffer; returns the CRTC id or 0. */
static uint32_t modeset(int fd, uint32_t *fb_out)
{
	drmModeRes *res = drmModeGetResources(fd);
	drmModeConnector *conn = NULL;
	struct drm_mode_create_dumb dumb = { 0 };
	uint32_t crtc = 0, fb = 0;

	if (!res || res->count_crtcs < 1)
		goto out;
	for (int i = 0; i < res->count_connectors && !conn; i++) {
		conn = drmModeGetConnector(fd, res->connectors[i]);
		if (conn && (conn->connection != DRM_MODE_CONNECTED || conn->count_modes < 1)) {
			drmModeFreeConnector(conn);
			conn = NULL;
		}
	}
	if (!conn)
		goto out;
	dumb.width = conn->modes[0].hdisplay;
	dumb.height = conn->modes[0].vdisplay;
	dumb.bpp = 32;
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb) ||
	    drmModeAddFB(fd, dumb.width, dumb.height, 24, 32, dumb.pitch, dumb.handle, &fb))
		goto out;
	if (drmModeSetCrtc(fd, res->crtcs[0], fb, 0, 0, &conn->connector_id, 1, &conn->modes[0]))
		goto out;
	crtc = res->crtcs[0];
	*fb_out = fb;
out:
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	return crtc;
}

struct poller {
	int fd;
	int revents;
	double waited;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	double t0 = now_s();

	if (poll(&pfd, 1, 5000) == 1)
		p->revents = pfd.revents;
	p->waited = now_s() - t0;
	return NULL;
}

static int test_event(const char *node)
{
	int fd = open_node(node, 0);
	struct poller p = { .fd = fd };
	pthread_t th;
	uint32_t crtc, fb = 0;
	char buf[1024];
	struct drm_event_vblank *ev = (void *)buf;
	double t0;
	ssize_t n;

	crtc = modeset(fd, &fb);
	CHECK(crtc != 0, "mode set on CRTC %u", crtc);
	if (!crtc)
		return 0;

	/* A blocking read parked before the event exists, woken by the flip. */
	CHECK(drmModePageFlip(fd, crtc, fb, DRM_MODE_PAGE_FLIP_EVENT, (void *)0x1234) == 0,
	      "page flip with event");
	t0 = now_s();
	n = read(fd, buf, sizeof(buf));
	CHECK(n == (ssize_t)sizeof(*ev) && ev->base.type == DRM_EVENT_FLIP_COMPLETE &&
	      ev->user_data == 0x1234, "blocking read returns the flip event (%zd bytes, type %u) "
	      "after %.1f ms", n, n > 0 ? ev->base.type : 0, (now_s() - t0) * 1e3);

	/* poll(2) woken by the event: a thread waits, then the flip is queued. */
	pthread_create(&th, NULL, poll_thread, &p);
	usleep(100000);
	CHECK(drmModePageFlip(fd, crtc, fb, DRM_MODE_PAGE_FLIP_EVENT, (void *)0x5678) == 0,
	      "second page flip");
	pthread_join(th, NULL);
	CHECK(p.revents & POLLIN, "poll woken by the event (revents 0x%x after %.1f ms)",
	      p.revents, p.waited * 1e3);
	n = read(fd, buf, 4); /* too small for the event: 0 bytes, event kept */
	CHECK(n == 0, "read into a too-small buffer returns 0 (%zd)", n);
	n = read(fd, buf, sizeof(buf));
	CHECK(n == (ssize_t)sizeof(*ev) && ev->user_data == 0x5678, "then the event (%zd)", n);
	close(fd);
	return 0;
}

/* One side-channel request with a raw token; returns the reply error (memfd in *memfd). */
static int side_request(const char *path, const uint8_t *token, uint64_t off, uint64_t len,
			int *memfd, size_t msg_size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct cuse_drm_mmap_req req;
	struct cuse_drm_mmap_reply reply = { .error = -1 };
	char ctl[CMSG_SPACE(sizeof(int))], msgbuf[sizeof(req) + 8] = { 0 };
	struct iovec iov = { &reply, sizeof(reply) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	*memfd = -1;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(s);
		return -errno;
	}
	memcpy(req.token, token, sizeof(req.token));
	req.offset = off;
	req.length = len;
	memcpy(msgbuf, &req, sizeof(req));
	send(s, msgbuf, msg_size, MSG_NOSIGNAL);
	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != sizeof(reply)) {
		close(s);
		return -EIO;
	}
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_type == SCM_RIGHTS)
			memcpy(memfd, CMSG_DATA(c), sizeof(int));
	close(s);
	return reply.error;
}

static int test_side(const char *node)
{
	int fa = open_node(node, 0), fb = open_node(node, 0), memfd, err;
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	struct cuse_drm_token ta, tb;
	uint8_t bad[CUSE_DRM_TOKEN_LEN];
	struct stat st;
	pid_t pid;
	int status;

	CHECK(drmIoctl(fa, DRM_IOCTL_MODE_CREATE_DUMB, &dumb) == 0, "dumb buffer %ux%u, %llu bytes",
	      dumb.width, dumb.height, (unsigned long long)dumb.size);
	map.handle = dumb.handle;
	CHECK(drmIoctl(fa, DRM_IOCTL_MODE_MAP_DUMB, &map) == 0, "MAP_DUMB offset 0x%llx",
	      (unsigned long long)map.offset);
	ioctl(fa, CUSE_DRM_IOCTL_GET_TOKEN, &ta);
	ioctl(fb, CUSE_DRM_IOCTL_GET_TOKEN, &tb);

	err = side_request(ta.socket_path, ta.token, map.offset, dumb.size, &memfd, sizeof(struct cuse_drm_mmap_req));
	CHECK(err == 0 && memfd >= 0 && fstat(memfd, &st) == 0 && (uint64_t)st.st_size >= dumb.size,
	      "owner gets the memfd (error %d, size %lld)", err, memfd >= 0 ? (long long)st.st_size : -1);
	if (memfd >= 0) {
		int seals = fcntl(memfd, F_GET_SEALS);

		CHECK(seals >= 0 && (seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) ==
		      (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), "memfd sealed (0x%x)", seals);
		CHECK(ftruncate(memfd, 0) < 0, "client cannot shrink it");
		close(memfd);
	}
	memset(bad, 0x5a, sizeof(bad));
	err = side_request(ta.socket_path, bad, map.offset, dumb.size, &memfd, sizeof(struct cuse_drm_mmap_req));
	CHECK(err == ENODEV && memfd < 0, "unknown token: ENODEV (%d)", err);
	err = side_request(ta.socket_path, tb.token, map.offset, dumb.size, &memfd, sizeof(struct cuse_drm_mmap_req));
	CHECK(err == EACCES && memfd < 0, "file without a handle to the object: EACCES (%d)", err);
	err = side_request(ta.socket_path, ta.token, map.offset + (1u << 20), 4096, &memfd, sizeof(struct cuse_drm_mmap_req));
	CHECK(err == EINVAL && memfd < 0, "no object at the offset: EINVAL (%d)", err);
	err = side_request(ta.socket_path, ta.token, map.offset, dumb.size + (1u << 20), &memfd, sizeof(struct cuse_drm_mmap_req));
	CHECK(err == EINVAL && memfd < 0, "length beyond the object: EINVAL (%d)", err);
	err = side_request(ta.socket_path, ta.token, map.offset, dumb.size, &memfd, sizeof(struct cuse_drm_mmap_req) - 1);
	CHECK(err == EINVAL && memfd < 0, "short request: EINVAL (%d)", err);

	pid = geteuid() == 0 ? fork() : -1;
	if (pid < 0) {
		printf("skip another uid with the right token (not root)\n");
	} else if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		err = side_request(ta.socket_path, ta.token, map.offset, dumb.size, &memfd, sizeof(struct cuse_drm_mmap_req));
		_exit(err == EACCES && memfd < 0 ? 0 : 1);
	} else {
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "another uid with the right token: EACCES (child status %d)", WEXITSTATUS(status));
	}

	/* mmap through the shim when it is preloaded; native mmap fails with ENODEV otherwise. */
	{
		void *p = mmap(NULL, dumb.size, PROT_READ | PROT_WRITE, MAP_SHARED, fa, map.offset);
		bool shim = getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "cuse-drm-shim");

		if (shim) {
			CHECK(p != MAP_FAILED, "mmap through the shim");
			if (p != MAP_FAILED) {
				void *q = mmap(NULL, dumb.size, PROT_READ, MAP_SHARED, fa, map.offset);

				memset(p, 0xa5, dumb.size);
				CHECK(q != MAP_FAILED && memcmp(p, q, dumb.size) == 0,
				      "a second mapping sees the same pages");
				munmap(q, dumb.size);
				munmap(p, dumb.size);
			}
			p = mmap(NULL, dumb.size, PROT_READ, MAP_SHARED, fb, map.offset);
			CHECK(p == MAP_FAILED && errno == EACCES, "shim mmap from a file without the handle: EACCES (%s)",
			      p == MAP_FAILED ? strerror(errno) : "mapped");
		} else {
			CHECK(p == MAP_FAILED && errno == ENODEV, "native mmap of a CUSE node: ENODEV (%s)",
			      p == MAP_FAILED ? strerror(errno) : "mapped");
		}
	}

	close(fa);
	usleep(100000);
	err = side_request(tb.socket_path, ta.token, map.offset, dumb.size, &memfd, sizeof(struct cuse_drm_mmap_req));
	CHECK(err == ENODEV && memfd < 0, "token of a closed file: ENODEV (%d)", err);
	close(fb);
	return 0;
}

/* Timing: ioctl round trips, and page flips paced by vblank events (read and poll). */
static int test_bench(const char *node)
{
	int fd = open_node(node, 0);
	uint64_t cap;
	uint32_t crtc, fb = 0;
	char buf[256];
	double t0, t1, worst = 0;
	int n = 0;

	t0 = now_s();
	for (int i = 0; i < 200; i++)
		drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap);
	t1 = now_s();
	CHECK(1, "GET_CAP: %.0f us per ioctl", (t1 - t0) / 200 * 1e6);
	{
		struct cuse_drm_stats st;
		int nb = open_node(node, O_NONBLOCK);

		t0 = now_s();
		for (int i = 0; i < 200; i++)
			ioctl(fd, CUSE_DRM_IOCTL_STATS, &st);
		t1 = now_s();
		CHECK(1, "STATS: %.0f us per ioctl", (t1 - t0) / 200 * 1e6);
		t0 = now_s();
		for (int i = 0; i < 200; i++)
			read(nb, buf, sizeof(buf));
		t1 = now_s();
		CHECK(1, "EAGAIN read: %.0f us per read", (t1 - t0) / 200 * 1e6);
		close(nb);
	}
	crtc = modeset(fd, &fb);
	CHECK(crtc != 0, "mode set on CRTC %u", crtc);
	if (!crtc)
		return 0;
	drmModePageFlip(fd, crtc, fb, DRM_MODE_PAGE_FLIP_EVENT, NULL);
	read(fd, buf, sizeof(buf));
	t0 = t1 = now_s();
	while (n < 120) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t;

		drmModePageFlip(fd, crtc, fb, DRM_MODE_PAGE_FLIP_EVENT, NULL);
		poll(&p, 1, 1000);
		read(fd, buf, sizeof(buf));
		t = now_s();
		if (t - t1 > worst)
			worst = t - t1;
		t1 = t;
		n++;
	}
	CHECK(1, "%d flips: %.2f Hz, worst interval %.1f ms", n, n / (t1 - t0), worst * 1e3);
	close(fd);
	return 0;
}

/* libdrm's sysfs-based identity calls (need the shim for a cuse-drm node). */
static int test_libdrm(const char *node)
{
	int fd = open_node(node, 0);
	drmDevicePtr dev = NULL;
	char *name;
	int type = drmGetNodeTypeFromFd(fd);

	CHECK(type == DRM_NODE_PRIMARY, "drmGetNodeTypeFromFd: %d", type);
	name = drmGetDeviceNameFromFd2(fd);
	CHECK(name && strcmp(name, node) == 0, "drmGetDeviceNameFromFd2: %s", name ? name : "NULL");
	free(name);
	name = drmGetPrimaryDeviceNameFromFd(fd);
	CHECK(name && strcmp(name, node) == 0, "drmGetPrimaryDeviceNameFromFd: %s", name ? name : "NULL");
	free(name);
	CHECK(drmGetDevice2(fd, 0, &dev) == 0 && dev && dev->bustype == DRM_BUS_PLATFORM &&
	      (dev->available_nodes & (1 << DRM_NODE_PRIMARY)) &&
	      strcmp(dev->nodes[DRM_NODE_PRIMARY], node) == 0,
	      "drmGetDevice2: platform bus, %s, fullname %s, compatible %s",
	      dev ? dev->nodes[DRM_NODE_PRIMARY] : "-", dev ? dev->businfo.platform->fullname : "-",
	      dev && dev->deviceinfo.platform->compatible[0] ? dev->deviceinfo.platform->compatible[0] : "-");
	drmFreeDevice(&dev);
	CHECK(drmIsMaster(fd), "drmIsMaster on the first opener");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const char *);
	} tests[] = {
		{ "token", test_token }, { "stats", test_stats }, { "nonblock", test_nonblock },
		{ "eintr", test_eintr }, { "poll", test_poll }, { "event", test_event },
		{ "side", test_side }, { "libdrm", test_libdrm },
		{ "bench", test_bench },
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s NODE TEST\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (strcmp(argv[2], tests[i].name) == 0) {
			tests[i].fn(argv[1]);
			return failures ? 1 : 0;
		}
	fprintf(stderr, "unknown test %s\n", argv[2]);
	return 2;
}
