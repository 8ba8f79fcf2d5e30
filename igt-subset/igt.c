/* SPDX-License-Identifier: MIT */
/* The igt-subset framework: see igt.h. */
#include "igt.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 64

static const char *progname = "igt";
static pid_t children[MAX_CHILDREN];
static int n_children;

static const char *opt_device, *opt_render, *opt_driver = "vgem";
static char device_path[512], render_path[512];
static bool have_device, have_render;

/* --- messages and outcomes -------------------------------------------------------------- */

static void vlog(FILE *f, const char *level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	/* Prefix each line, as IGT's logging does for warnings and worse. */
	for (char *line = msg, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (level)
			fprintf(f, "(%s:%d) %s: %s\n", progname, (int)getpid(), level, line);
		else
			fprintf(f, "%s\n", line);
	}
	free(msg);
}

static void logf_(FILE *f, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logf_(FILE *f, const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(f, level, fmt, ap);
	va_end(ap);
}

void igt_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

void igt_debug(const char *fmt, ...)
{
	if (!getenv("IGT_DEBUG"))
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static _Noreturn void leave(int code)
{
	fflush(stdout);
	fflush(stderr);
	/* Helper children of a failing subtest are killed by the runner (process group). */
	exit(code);
}

void igt_fail(int exitcode)
{
	leave(exitcode);
}

void __igt_fail_assert(const char *file, int line, const char *func, const char *expr,
		       const char *fmt, ...)
{
	int err = errno;
	fflush(stdout);
	logf_(stderr, "CRITICAL", "Test assertion failure function %s, file %s:%d:", func, file, line);
	logf_(stderr, "CRITICAL", "Failed assertion: %s", expr);
	if (err)
		logf_(stderr, "CRITICAL", "Last errno: %d, %s", err, strerror(err));
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vlog(stderr, "CRITICAL", fmt, ap);
		va_end(ap);
	}
	leave(IGT_EXIT_FAILURE);
}

void __igt_skip_check(const char *file, int line, const char *func, const char *expr,
		      const char *fmt, ...)
{
	int err = errno;
	printf("Test requirement not met in function %s, file %s:%d:\n", func, file, line);
	printf("Test requirement: %s\n", expr);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		if (fmt[0] && fmt[strlen(fmt) - 1] != '\n')
			putchar('\n');
	}
	if (err)
		printf("Last errno: %d, %s\n", err, strerror(err));
	leave(IGT_EXIT_SKIP);
}

void igt_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (fmt[0] && fmt[strlen(fmt) - 1] != '\n')
		putchar('\n');
	leave(IGT_EXIT_SKIP);
}

/* --- ioctls ----------------------------------------------------------------------------- */

int igt_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;
	do
		ret = ioctl(fd, request, arg);
	while (ret == -1 && errno == EINTR);
	return ret;
}

void __do_ioctl(const char *file, int line, const char *func, int fd, unsigned long request,
		const char *request_name, void *arg)
{
	errno = 0;
	if (igt_ioctl(fd, request, arg) != 0)
		__igt_fail_assert(file, line, func, "ioctl succeeds",
				  "%s on fd %d failed: errno %d (%s)\n", request_name, fd, errno,
				  strerror(errno));
	errno = 0;
}

void __do_ioctl_err(const char *file, int line, const char *func, int fd, unsigned long request,
		    const char *request_name, void *arg, int err)
{
	errno = 0;
	int ret = igt_ioctl(fd, request, arg);
	int got = errno;
	if (ret != -1 || got != err) {
		errno = 0;
		if (ret == -1)
			__igt_fail_assert(file, line, func, "ioctl fails with the expected errno",
					  "%s on fd %d: errno %d (%s), expected %d (%s)\n",
					  request_name, fd, got, strerror(got), err, strerror(err));
		__igt_fail_assert(file, line, func, "ioctl fails with the expected errno",
				  "%s on fd %d returned %d, expected errno %d (%s)\n",
				  request_name, fd, ret, err, strerror(err));
	}
	errno = 0;
}

/* --- processes -------------------------------------------------------------------------- */

bool __igt_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	igt_assert_f(pid >= 0, "fork: %s\n", strerror(errno));
	if (pid == 0) {
		n_children = 0;
		return true;
	}
	igt_assert_f(n_children < MAX_CHILDREN, "too many children\n");
	children[n_children++] = pid;
	return false;
}

void __igt_child_done(void)
{
	leave(IGT_EXIT_SUCCESS);
}

void igt_waitchildren(void)
{
	int failed = 0, skipped = 0, n = n_children;
	char why[256] = "";

	for (int i = 0; i < n; i++) {
		int st;
		pid_t r;
		do
			r = waitpid(children[i], &st, 0);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			failed++;
			snprintf(why, sizeof(why), "waitpid(%d): %s", (int)children[i], strerror(errno));
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			continue;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == IGT_EXIT_SKIP) {
			skipped++;
		} else {
			failed++;
			if (WIFSIGNALED(st))
				snprintf(why, sizeof(why), "child %d killed by signal %d (%s)",
					 (int)children[i], WTERMSIG(st), strsignal(WTERMSIG(st)));
			else
				snprintf(why, sizeof(why), "child %d exited with status %d",
					 (int)children[i], WEXITSTATUS(st));
		}
	}
	n_children = 0;
	errno = 0;
	igt_assert_f(failed == 0, "%d of %d children failed; last: %s\n", failed, n, why);
	if (skipped)
		igt_skip("%d of %d children skipped\n", skipped, n);
}

void igt_pipe_init(struct igt_pipe *p)
{
	igt_assert(pipe2(p->fd, O_CLOEXEC) == 0);
}

void igt_pipe_send(struct igt_pipe *p, char c)
{
	ssize_t r;
	do
		r = write(p->fd[1], &c, 1);
	while (r < 0 && errno == EINTR);
	igt_assert_eq(r, 1);
}

/* The first child (of igt_fork) that has exited, without reaping it; 0 if none. */
static pid_t exited_child(int *status)
{
	for (int i = 0; i < n_children; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, children[i], &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == children[i]) {
			*status = si.si_status;
			return children[i];
		}
	}
	return 0;
}

/*
 * Wait for a message.  A parent whose child died (an assertion failed in it) fails at once
 * instead of waiting; a peer that hangs fails the subtest after 30 s.
 */
static void pipe_wait(struct igt_pipe *p)
{
	struct pollfd pfd = { .fd = p->fd[0], .events = POLLIN };

	for (int waited = 0; waited < 30000; waited += 50) {
		if (poll(&pfd, 1, 50) == 1)
			return;
		int st;
		pid_t dead = exited_child(&st);
		if (dead) {
			if (poll(&pfd, 1, 0) == 1)
				return;
			errno = 0;
			igt_assert_f(false, "child %d exited (status %d) without sending a message\n",
				     (int)dead, st);
		}
	}
	errno = 0;
	igt_assert_f(false, "no message from the other process in 30 s\n");
}

char igt_pipe_recv(struct igt_pipe *p)
{
	char c;
	ssize_t r;
	pipe_wait(p);
	do
		r = read(p->fd[0], &c, 1);
	while (r < 0 && errno == EINTR);
	igt_assert_f(r == 1, "pipe read returned %zd (peer died?)\n", r);
	return c;
}

void igt_pipe_send_u32(struct igt_pipe *p, uint32_t v)
{
	ssize_t r;
	do
		r = write(p->fd[1], &v, sizeof(v));
	while (r < 0 && errno == EINTR);
	igt_assert_eq(r, (ssize_t)sizeof(v));
}

uint32_t igt_pipe_recv_u32(struct igt_pipe *p)
{
	uint32_t v;
	ssize_t r;
	pipe_wait(p);
	do
		r = read(p->fd[0], &v, sizeof(v));
	while (r < 0 && errno == EINTR);
	igt_assert_f(r == (ssize_t)sizeof(v), "pipe read returned %zd (peer died?)\n", r);
	return v;
}

void igt_drop_root(void)
{
	igt_assert(setgroups(0, NULL) == 0);
	igt_assert(setgid(65534) == 0);
	igt_assert(setuid(65534) == 0);
	igt_assert_eq(getuid(), 65534);
	igt_assert_eq(geteuid(), 65534);
}

void igt_drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	igt_assert(syscall(SYS_capget, &hdr, data) == 0);
	int word = CAP_TO_INDEX(CAP_SYS_ADMIN);
	unsigned int mask = CAP_TO_MASK(CAP_SYS_ADMIN);
	data[word].effective &= ~mask;
	data[word].permitted &= ~mask;
	data[word].inheritable &= ~mask;
	igt_assert(syscall(SYS_capset, &hdr, data) == 0);
	igt_assert(syscall(SYS_capget, &hdr, data) == 0);
	igt_assert(!(data[word].effective & mask));
}

/* --- DRM nodes -------------------------------------------------------------------------- */

bool drm_get_driver_name(int fd, char *buf, size_t size)
{
	struct drm_version v;
	memset(&v, 0, sizeof(v));
	memset(buf, 0, size);
	v.name = buf;
	v.name_len = size - 1;
	if (igt_ioctl(fd, DRM_IOCTL_VERSION, &v))
		return false;
	if (v.name_len >= size)
		buf[size - 1] = '\0';
	else
		buf[v.name_len] = '\0';
	return true;
}

bool igt_driver_is(int fd, const char *name)
{
	char buf[64];
	return drm_get_driver_name(fd, buf, sizeof(buf)) && strcmp(buf, name) == 0;
}

static bool node_driver_is(const char *path, const char *name)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = igt_driver_is(fd, name);
	close(fd);
	return ok;
}

static bool node_driver_name(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = drm_get_driver_name(fd, buf, size);
	close(fd);
	return ok;
}

static void resolve_device(void)
{
	const char *env = getenv("IGT_DEVICE");
	const char *dev = opt_device ? opt_device : env;

	if (dev && *dev) {
		if (strncmp(dev, "drm:", 4) == 0)
			dev += 4;
		snprintf(device_path, sizeof(device_path), "%s", dev);
		have_device = access(device_path, F_OK) == 0;
		return;
	}
	for (int i = 0; i < 16; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		if (node_driver_is(path, opt_driver)) {
			snprintf(device_path, sizeof(device_path), "%s", path);
			have_device = true;
			return;
		}
	}
}

static bool set_render(const char *path)
{
	snprintf(render_path, sizeof(render_path), "%s", path);
	have_render = access(render_path, F_OK) == 0;
	return have_render;
}

static void resolve_render(void)
{
	const char *env = getenv("IGT_RENDER_DEVICE");
	const char *r = opt_render ? opt_render : env;
	char name[64], rname[64];

	if (r && *r) {
		if (strcmp(r, "none") != 0)
			set_render(r);
		return;
	}
	if (!have_device)
		return;

	/* The kernel's way: the render node of the same device in sysfs. */
	struct stat st;
	if (stat(device_path, &st) == 0 && S_ISCHR(st.st_mode)) {
		char dir[128];
		snprintf(dir, sizeof(dir), "/sys/dev/char/%u:%u/device/drm", major(st.st_rdev),
			 minor(st.st_rdev));
		DIR *d = opendir(dir);
		if (d) {
			struct dirent *e;
			bool found = false;
			while (!found && (e = readdir(d))) {
				if (strncmp(e->d_name, "renderD", 7) == 0) {
					char path[300];
					snprintf(path, sizeof(path), "/dev/dri/%s", e->d_name);
					found = set_render(path);
				}
			}
			closedir(d);
			if (found)
				return;
		}
	}

	if (!node_driver_name(device_path, name, sizeof(name)))
		return;
	/* cardN and renderD<128+N> come in pairs, in the kernel and in cuse-drm. */
	const char *base = strrchr(device_path, '/');
	base = base ? base + 1 : device_path;
	int n;
	if (sscanf(base, "card%d", &n) == 1) {
		char path[64];
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", 128 + n);
		if (node_driver_name(path, rname, sizeof(rname)) && strcmp(name, rname) == 0 &&
		    set_render(path))
			return;
	}
	for (int i = 128; i < 192; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		if (node_driver_name(path, rname, sizeof(rname)) && strcmp(name, rname) == 0 &&
		    set_render(path))
			return;
	}
}

const char *igt_device_path(void)
{
	return have_device ? device_path : NULL;
}

const char *igt_render_path(void)
{
	return have_render ? render_path : NULL;
}

const char *igt_driver_filter(void)
{
	return opt_driver;
}

int drm_open_primary_flags(int flags)
{
	igt_require_f(have_device, "no DRM device (--device, IGT_DEVICE or --driver %s)\n",
		      opt_driver);
	int fd = open(device_path, O_RDWR | O_CLOEXEC | flags);
	igt_assert_f(fd >= 0, "open %s: %s\n", device_path, strerror(errno));
	return fd;
}

int drm_open_primary(void)
{
	return drm_open_primary_flags(0);
}

int drm_open_render(void)
{
	igt_require_f(have_device, "no DRM device (--device, IGT_DEVICE or --driver %s)\n",
		      opt_driver);
	igt_require_f(have_render, "no render node for %s\n", device_path);
	int fd = open(render_path, O_RDWR | O_CLOEXEC);
	igt_assert_f(fd >= 0, "open %s: %s\n", render_path, strerror(errno));
	return fd;
}

bool igt_is_kms(int fd)
{
	struct drm_mode_card_res res;
	memset(&res, 0, sizeof(res));
	if (igt_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res) == 0)
		return true;
	igt_assert_f(errno == EOPNOTSUPP, "MODE_GETRESOURCES: errno %d (%s)\n", errno,
		     strerror(errno));
	errno = 0;
	return false;
}

bool igt_is_master(int fd)
{
	struct drm_auth auth = { .magic = 0 };
	int ret = igt_ioctl(fd, DRM_IOCTL_AUTH_MAGIC, &auth);
	int err = errno;
	igt_assert_f(ret == -1 && (err == EINVAL || err == EACCES),
		     "AUTH_MAGIC(0) returned %d, errno %d (%s): expected EINVAL or EACCES\n", ret,
		     err, strerror(err));
	errno = 0;
	return err == EINVAL;
}

/* --- GEM and dumb buffers ----------------------------------------------------------------- */

static int ret_errno(int ret)
{
	int err = ret ? -errno : 0;
	errno = 0;
	return err;
}

int __dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp,
		  struct drm_mode_create_dumb *out)
{
	struct drm_mode_create_dumb c;
	memset(&c, 0, sizeof(c));
	c.width = width;
	c.height = height;
	c.bpp = bpp;
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c));
	if (out)
		*out = c;
	return ret;
}

uint32_t dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *pitch,
		     uint64_t *size)
{
	struct drm_mode_create_dumb c;
	int ret = __dumb_create(fd, width, height, bpp, &c);
	igt_assert_f(ret == 0, "CREATE_DUMB %ux%ux%u: %s\n", width, height, bpp, strerror(-ret));
	igt_assert_neq(c.handle, 0);
	if (pitch)
		*pitch = c.pitch;
	if (size)
		*size = c.size;
	return c.handle;
}

int __dumb_map_offset(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_mode_map_dumb m;
	memset(&m, 0, sizeof(m));
	m.handle = handle;
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m));
	if (offset)
		*offset = m.offset;
	return ret;
}

uint64_t dumb_map_offset(int fd, uint32_t handle)
{
	uint64_t offset = 0;
	int ret = __dumb_map_offset(fd, handle, &offset);
	igt_assert_f(ret == 0, "MAP_DUMB(%u): %s\n", handle, strerror(-ret));
	return offset;
}

int __dumb_destroy(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = { .handle = handle };
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d));
}

void dumb_destroy(int fd, uint32_t handle)
{
	int ret = __dumb_destroy(fd, handle);
	igt_assert_f(ret == 0, "DESTROY_DUMB(%u): %s\n", handle, strerror(-ret));
}

void igt_require_dumb(int fd)
{
	struct drm_mode_create_dumb c;
	int ret = __dumb_create(fd, 1, 1, 32, &c);
	igt_require_f(ret != -ENOSYS && ret != -EOPNOTSUPP && ret != -ENOTTY,
		      "no dumb buffers: CREATE_DUMB fails with %s\n", strerror(-ret));
	igt_assert_f(ret == 0, "CREATE_DUMB 1x1x32: %s\n", strerror(-ret));
	dumb_destroy(fd, c.handle);
}

int __gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c));
}

void gem_close(int fd, uint32_t handle)
{
	int ret = __gem_close(fd, handle);
	igt_assert_f(ret == 0, "GEM_CLOSE(%u): %s\n", handle, strerror(-ret));
}

int __gem_flink(int fd, uint32_t handle, uint32_t *name)
{
	struct drm_gem_flink f = { .handle = handle };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_GEM_FLINK, &f));
	if (name)
		*name = f.name;
	return ret;
}

uint32_t gem_flink(int fd, uint32_t handle)
{
	uint32_t name = 0;
	int ret = __gem_flink(fd, handle, &name);
	igt_assert_f(ret == 0, "GEM_FLINK(%u): %s\n", handle, strerror(-ret));
	igt_assert_neq(name, 0);
	return name;
}

int __gem_open(int fd, uint32_t name, uint32_t *handle, uint64_t *size)
{
	struct drm_gem_open o;
	memset(&o, 0, sizeof(o));
	o.name = name;
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_GEM_OPEN, &o));
	if (handle)
		*handle = o.handle;
	if (size)
		*size = o.size;
	return ret;
}

uint32_t gem_open(int fd, uint32_t name, uint64_t *size)
{
	uint32_t handle = 0;
	int ret = __gem_open(fd, name, &handle, size);
	igt_assert_f(ret == 0, "GEM_OPEN(%u): %s\n", name, strerror(-ret));
	igt_assert_neq(handle, 0);
	return handle;
}

/* --- caps, time, fds ----------------------------------------------------------------------- */

uint64_t igt_get_cap(int fd, uint64_t capability)
{
	struct drm_get_cap c = { .capability = capability };
	if (igt_ioctl(fd, DRM_IOCTL_GET_CAP, &c)) {
		errno = 0;
		return 0;
	}
	return c.value;
}

int64_t igt_nsec_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void igt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	errno = 0;
}

short igt_poll_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t deadline = igt_nsec_now() + (int64_t)timeout_ms * 1000000;
	int r;

	for (;;) {
		r = poll(&p, 1, timeout_ms);
		if (r >= 0 || errno != EINTR)
			break;
		int64_t left = deadline - igt_nsec_now();
		timeout_ms = left > 0 ? (int)(left / 1000000) : 0;
	}
	igt_assert_f(r >= 0, "poll(%d): %s\n", fd, strerror(errno));
	return r ? p.revents : 0;
}

void igt_socketpair(int sv[2])
{
	igt_assert_f(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair: %s\n",
		     strerror(errno));
}

void igt_send_fd(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));

	ssize_t r;
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	igt_assert_f(r == 1, "sendmsg(fd %d): %s\n", fd, strerror(errno));
}

int igt_recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);

	ssize_t r;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	igt_assert_f(r == 1, "recvmsg returned %zd: %s\n", r, strerror(errno));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	igt_assert_f(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			     c->cmsg_len == CMSG_LEN(sizeof(int)),
		     "no fd in the message\n");
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* --- PRIME and dma-buf ---------------------------------------------------------------------- */

void igt_require_prime(int fd)
{
	uint64_t prime = igt_get_cap(fd, DRM_CAP_PRIME);
	igt_require_f((prime & DRM_PRIME_CAP_EXPORT) && (prime & DRM_PRIME_CAP_IMPORT),
		      "DRM_CAP_PRIME is %#llx\n", (unsigned long long)prime);
}

int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf)
{
	struct drm_prime_handle p = { .handle = handle, .flags = flags, .fd = -1 };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p));
	if (dmabuf)
		*dmabuf = p.fd;
	return ret;
}

int prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags)
{
	int dmabuf = -1;
	int ret = __prime_handle_to_fd(fd, handle, flags, &dmabuf);
	igt_assert_f(ret == 0, "PRIME_HANDLE_TO_FD(%u, %#x): %s\n", handle, flags, strerror(-ret));
	igt_assert_lte(0, dmabuf);
	return dmabuf;
}

int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p));
	if (handle)
		*handle = p.handle;
	return ret;
}

uint32_t prime_fd_to_handle(int fd, int dmabuf)
{
	uint32_t handle = 0;
	int ret = __prime_fd_to_handle(fd, dmabuf, &handle);
	igt_assert_f(ret == 0, "PRIME_FD_TO_HANDLE(%d): %s\n", dmabuf, strerror(-ret));
	igt_assert_neq(handle, 0);
	return handle;
}

int __dmabuf_export_sync_file(int dmabuf, uint32_t flags, int *sync_file)
{
	struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };
	int ret = ret_errno(igt_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg));
	if (sync_file)
		*sync_file = arg.fd;
	return ret;
}

int dmabuf_export_sync_file(int dmabuf, uint32_t flags)
{
	int sync_file = -1;
	int ret = __dmabuf_export_sync_file(dmabuf, flags, &sync_file);
	igt_assert_f(ret == 0, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE(%#x): %s\n", flags, strerror(-ret));
	igt_assert_lte(0, sync_file);
	return sync_file;
}

/* --- vgem ----------------------------------------------------------------------------------- */

void igt_require_vgem(int fd)
{
	char name[64] = "?";
	if (!igt_driver_is(fd, "vgem")) {
		drm_get_driver_name(fd, name, sizeof(name));
		igt_require_f(false, "the driver is %s, not vgem\n", name);
	}
}

int __vgem_fence_attach(int fd, uint32_t handle, uint32_t flags, uint32_t *fence)
{
	struct drm_vgem_fence_attach a = { .handle = handle, .flags = flags };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &a));
	if (fence)
		*fence = a.out_fence;
	return ret;
}

uint32_t vgem_fence_attach(int fd, uint32_t handle, uint32_t flags)
{
	uint32_t fence = 0;
	int ret = __vgem_fence_attach(fd, handle, flags, &fence);
	igt_assert_f(ret == 0, "VGEM_FENCE_ATTACH(%u, %#x): %s\n", handle, flags, strerror(-ret));
	igt_assert_neq(fence, 0);
	return fence;
}

int __vgem_fence_signal(int fd, uint32_t fence)
{
	struct drm_vgem_fence_signal s = { .fence = fence };
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &s));
}

void vgem_fence_signal(int fd, uint32_t fence)
{
	int ret = __vgem_fence_signal(fd, fence);
	igt_assert_f(ret == 0, "VGEM_FENCE_SIGNAL(%u): %s\n", fence, strerror(-ret));
}

int igt_vgem_unsignaled_sync_file(int fd, uint32_t *fence)
{
	igt_require_vgem(fd);
	uint32_t bo = dumb_create(fd, 64, 64, 32, NULL, NULL);
	uint32_t id = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);
	/* DMA_BUF_SYNC_READ: what a reader waits for, i.e. the write fence. */
	int sync_file = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);

	close(dmabuf);
	if (fence)
		*fence = id;
	return sync_file;
}

uint32_t igt_vgem_unsignaled_syncobj_fence(int fd, uint32_t syncobj, uint64_t point)
{
	uint32_t id;
	int sync_file = igt_vgem_unsignaled_sync_file(fd, &id);

	if (point == 0) {
		syncobj_import_sync_file(fd, syncobj, sync_file);
	} else {
		uint32_t tmp = syncobj_create(fd, 0);
		syncobj_import_sync_file(fd, tmp, sync_file);
		syncobj_transfer(fd, syncobj, point, tmp, 0, 0);
		syncobj_destroy(fd, tmp);
	}
	close(sync_file);
	return id;
}

/* --- syncobj -------------------------------------------------------------------------------- */

void igt_require_syncobj(int fd)
{
	igt_require_f(igt_get_cap(fd, DRM_CAP_SYNCOBJ), "DRM_CAP_SYNCOBJ is 0\n");
}

void igt_require_syncobj_timeline(int fd)
{
	igt_require_syncobj(fd);
	igt_require_f(igt_get_cap(fd, DRM_CAP_SYNCOBJ_TIMELINE), "DRM_CAP_SYNCOBJ_TIMELINE is 0\n");
}

int __syncobj_create(int fd, uint32_t flags, uint32_t *handle)
{
	struct drm_syncobj_create c = { .flags = flags };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c));
	if (handle)
		*handle = c.handle;
	return ret;
}

uint32_t syncobj_create(int fd, uint32_t flags)
{
	uint32_t handle = 0;
	int ret = __syncobj_create(fd, flags, &handle);
	igt_assert_f(ret == 0, "SYNCOBJ_CREATE(%#x): %s\n", flags, strerror(-ret));
	igt_assert_neq(handle, 0);
	return handle;
}

int __syncobj_destroy(int fd, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d));
}

void syncobj_destroy(int fd, uint32_t handle)
{
	int ret = __syncobj_destroy(fd, handle);
	igt_assert_f(ret == 0, "SYNCOBJ_DESTROY(%u): %s\n", handle, strerror(-ret));
}

int __syncobj_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *out_fd)
{
	struct drm_syncobj_handle h = { .handle = handle, .flags = flags, .fd = -1 };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h));
	if (out_fd)
		*out_fd = h.fd;
	return ret;
}

int syncobj_handle_to_fd(int fd, uint32_t handle, uint32_t flags)
{
	int out = -1;
	int ret = __syncobj_handle_to_fd(fd, handle, flags, &out);
	igt_assert_f(ret == 0, "SYNCOBJ_HANDLE_TO_FD(%u, %#x): %s\n", handle, flags, strerror(-ret));
	igt_assert_lte(0, out);
	return out;
}

int __syncobj_fd_to_handle(int fd, int in_fd, uint32_t flags, uint32_t *handle)
{
	struct drm_syncobj_handle h = { .fd = in_fd, .flags = flags };
	if (handle)
		h.handle = *handle;
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h));
	if (handle)
		*handle = h.handle;
	return ret;
}

uint32_t syncobj_fd_to_handle(int fd, int in_fd)
{
	uint32_t handle = 0;
	int ret = __syncobj_fd_to_handle(fd, in_fd, 0, &handle);
	igt_assert_f(ret == 0, "SYNCOBJ_FD_TO_HANDLE(%d): %s\n", in_fd, strerror(-ret));
	igt_assert_neq(handle, 0);
	return handle;
}

void syncobj_import_sync_file(int fd, uint32_t handle, int sync_file)
{
	uint32_t h = handle;
	int ret = __syncobj_fd_to_handle(fd, sync_file, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
					 &h);
	igt_assert_f(ret == 0, "SYNCOBJ_FD_TO_HANDLE(IMPORT_SYNC_FILE %d into %u): %s\n", sync_file,
		     handle, strerror(-ret));
}

int syncobj_export_sync_file(int fd, uint32_t handle)
{
	return syncobj_handle_to_fd(fd, handle, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
}

int __syncobj_wait(int fd, const uint32_t *handles, uint32_t count, int64_t timeout_nsec,
		   uint32_t flags, uint32_t *first)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)handles,
		.timeout_nsec = timeout_nsec,
		.count_handles = count,
		.flags = flags,
	};
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w));
	if (first)
		*first = w.first_signaled;
	return ret;
}

static int syncobj_array(int fd, unsigned long request, const uint32_t *handles, uint32_t count)
{
	struct drm_syncobj_array a = { .handles = (uintptr_t)handles, .count_handles = count };
	return ret_errno(igt_ioctl(fd, request, &a));
}

int __syncobj_reset(int fd, const uint32_t *handles, uint32_t count)
{
	return syncobj_array(fd, DRM_IOCTL_SYNCOBJ_RESET, handles, count);
}

void syncobj_reset(int fd, const uint32_t *handles, uint32_t count)
{
	int ret = __syncobj_reset(fd, handles, count);
	igt_assert_f(ret == 0, "SYNCOBJ_RESET: %s\n", strerror(-ret));
}

int __syncobj_signal(int fd, const uint32_t *handles, uint32_t count)
{
	return syncobj_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, handles, count);
}

void syncobj_signal(int fd, const uint32_t *handles, uint32_t count)
{
	int ret = __syncobj_signal(fd, handles, count);
	igt_assert_f(ret == 0, "SYNCOBJ_SIGNAL: %s\n", strerror(-ret));
}

int __syncobj_timeline_signal(int fd, const uint32_t *handles, const uint64_t *points,
			      uint32_t count)
{
	struct drm_syncobj_timeline_array a = {
		.handles = (uintptr_t)handles,
		.points = (uintptr_t)points,
		.count_handles = count,
	};
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a));
}

void syncobj_timeline_signal(int fd, const uint32_t *handles, const uint64_t *points,
			     uint32_t count)
{
	int ret = __syncobj_timeline_signal(fd, handles, points, count);
	igt_assert_f(ret == 0, "SYNCOBJ_TIMELINE_SIGNAL: %s\n", strerror(-ret));
}

int __syncobj_timeline_wait(int fd, const uint32_t *handles, const uint64_t *points,
			    uint32_t count, int64_t timeout_nsec, uint32_t flags, uint32_t *first)
{
	struct drm_syncobj_timeline_wait w = {
		.handles = (uintptr_t)handles,
		.points = (uintptr_t)points,
		.timeout_nsec = timeout_nsec,
		.count_handles = count,
		.flags = flags,
	};
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w));
	if (first)
		*first = w.first_signaled;
	return ret;
}

int __syncobj_query(int fd, const uint32_t *handles, uint64_t *points, uint32_t count,
		    uint32_t flags)
{
	struct drm_syncobj_timeline_array a = {
		.handles = (uintptr_t)handles,
		.points = (uintptr_t)points,
		.count_handles = count,
		.flags = flags,
	};
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a));
}

uint64_t syncobj_query(int fd, uint32_t handle, uint32_t flags)
{
	uint64_t point = 0xdeadbeefull;
	int ret = __syncobj_query(fd, &handle, &point, 1, flags);
	igt_assert_f(ret == 0, "SYNCOBJ_QUERY(%u, %#x): %s\n", handle, flags, strerror(-ret));
	return point;
}

int __syncobj_transfer(int fd, uint32_t dst, uint64_t dst_point, uint32_t src, uint64_t src_point,
		       uint32_t flags)
{
	struct drm_syncobj_transfer t = {
		.src_handle = src,
		.dst_handle = dst,
		.src_point = src_point,
		.dst_point = dst_point,
		.flags = flags,
	};
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &t));
}

void syncobj_transfer(int fd, uint32_t dst, uint64_t dst_point, uint32_t src, uint64_t src_point,
		      uint32_t flags)
{
	int ret = __syncobj_transfer(fd, dst, dst_point, src, src_point, flags);
	igt_assert_f(ret == 0, "SYNCOBJ_TRANSFER(%u:%llu -> %u:%llu): %s\n", src,
		     (unsigned long long)src_point, dst, (unsigned long long)dst_point,
		     strerror(-ret));
}

int __syncobj_eventfd(int fd, uint32_t handle, uint64_t point, uint32_t flags, int event_fd)
{
	struct drm_syncobj_eventfd e = {
		.handle = handle,
		.flags = flags,
		.point = point,
		.fd = event_fd,
	};
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &e));
}

void syncobj_eventfd(int fd, uint32_t handle, uint64_t point, uint32_t flags, int event_fd)
{
	int ret = __syncobj_eventfd(fd, handle, point, flags, event_fd);
	igt_assert_f(ret == 0, "SYNCOBJ_EVENTFD(%u, %llu, %#x, %d): %s\n", handle,
		     (unsigned long long)point, flags, event_fd, strerror(-ret));
}

/* --- the runner ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"  --list-subtests          print the names of the subtests\n"
		"  --run-subtest GLOB[,..]  run only the matching subtests (* and ? allowed)\n"
		"  --device PATH            primary node (env IGT_DEVICE)\n"
		"  --render PATH|none       render node (env IGT_RENDER_DEVICE)\n"
		"  --driver NAME            pick the first /dev/dri/cardN of this driver (default vgem)\n"
		"  --help                   this text\n"
		"Env IGT_SUBTEST_TIMEOUT: seconds before a subtest is killed (default 120).\n",
		progname);
}

static bool matches(const char *patterns, const char *name)
{
	if (!patterns)
		return true;
	char *copy = strdup(patterns), *save = NULL;
	bool hit = false;
	for (char *p = strtok_r(copy, ",", &save); p && !hit; p = strtok_r(NULL, ",", &save))
		hit = fnmatch(p, name, 0) == 0;
	free(copy);
	return hit;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Kill whatever the subtest left behind in its process group, and reap it all. */
static void reap_subtest(pid_t pgid)
{
	kill(-pgid, SIGKILL);
	for (;;) {
		pid_t r = waitpid(-1, NULL, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
	}
}

enum result { R_SUCCESS, R_SKIP, R_FAIL, R_CRASH, R_TIMEOUT };
static const char *const result_names[] = { "SUCCESS", "SKIP", "FAIL", "CRASH", "TIMEOUT" };

static enum result run_one(const struct igt_subtest *t, int timeout_s, double *elapsed)
{
	fflush(stdout);
	fflush(stderr);
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return R_FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		errno = 0;
		t->func();
		leave(IGT_EXIT_SUCCESS);
	}
	setpgid(pid, pid);

	enum result res = R_FAIL;
	int st = 0;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int r;
		do
			r = poll(&p, 1, timeout_s * 1000);
		while (r < 0 && errno == EINTR);
		close(pfd);
		if (r == 0) {
			res = R_TIMEOUT;
			kill(-pid, SIGKILL);
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*elapsed = now() - t0;
	reap_subtest(pid);

	if (res == R_TIMEOUT) {
		printf("Timed out: subtest %s did not finish in %d s\n", t->name, timeout_s);
		return res;
	}
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "Received signal SIG%s.\n", sigabbrev_np(WTERMSIG(st)) ?: "?");
		return R_CRASH;
	}
	switch (WEXITSTATUS(st)) {
	case IGT_EXIT_SUCCESS:
		return R_SUCCESS;
	case IGT_EXIT_SKIP:
		return R_SKIP;
	default:
		return R_FAIL;
	}
}

int igt_main_run(int argc, char **argv, const struct igt_subtest *tests, size_t n_tests)
{
	const char *run = NULL;
	bool list = false;

	progname = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		static const char *const with_value[] = { "--run-subtest", "--device", "--render",
							  "--driver" };
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++) {
			size_t l = strlen(with_value[k]);
			if (strncmp(a, with_value[k], l) == 0 && (a[l] == '=' || a[l] == '\0')) {
				if (a[l] == '=') {
					val = a + l + 1;
				} else if (i + 1 < argc) {
					val = argv[++i];
				} else {
					fprintf(stderr, "%s: %s needs a value\n", progname, a);
					usage(stderr);
					return IGT_EXIT_INVALID;
				}
				a = with_value[k];
				break;
			}
		}
		if (strcmp(a, "--list-subtests") == 0)
			list = true;
		else if (strcmp(a, "--run-subtest") == 0)
			run = val;
		else if (strcmp(a, "--device") == 0)
			opt_device = val;
		else if (strcmp(a, "--render") == 0)
			opt_render = val;
		else if (strcmp(a, "--driver") == 0)
			opt_driver = val;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return IGT_EXIT_SUCCESS;
		} else {
			fprintf(stderr, "%s: unknown option %s\n", progname, a);
			usage(stderr);
			return IGT_EXIT_INVALID;
		}
	}

	if (list) {
		for (size_t i = 0; i < n_tests; i++)
			if (matches(run, tests[i].name))
				printf("%s\n", tests[i].name);
		return IGT_EXIT_SUCCESS;
	}

	size_t selected = 0;
	for (size_t i = 0; i < n_tests; i++)
		selected += matches(run, tests[i].name);
	if (run && !selected) {
		fprintf(stderr, "Unknown subtest: %s\n", run);
		return IGT_EXIT_INVALID;
	}

	int timeout_s = 120;
	const char *tenv = getenv("IGT_SUBTEST_TIMEOUT");
	if (tenv && atoi(tenv) > 0)
		timeout_s = atoi(tenv);

	struct utsname u;
	uname(&u);
	printf("IGT-Version: 1.28-cuse-drm-subset (%s) (Linux: %s %s)\n", u.machine, u.release,
	       u.machine);

	resolve_device();
	resolve_render();
	{
		char name[64] = "?";
		if (have_device)
			node_driver_name(device_path, name, sizeof(name));
		printf("Device: %s (%s), render node: %s\n", have_device ? device_path : "none",
		       have_device ? name : "--", have_render ? render_path : "none");
	}

	/* Orphans of a subtest come back to us, so that they can be reaped before the next one. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	int counts[5] = { 0 };
	for (size_t i = 0; i < n_tests; i++) {
		if (!matches(run, tests[i].name))
			continue;
		printf("Starting subtest: %s\n", tests[i].name);
		double elapsed = 0;
		enum result r = run_one(&tests[i], timeout_s, &elapsed);
		counts[r]++;
		printf("Subtest %s: %s (%.3fs)\n", tests[i].name, result_names[r], elapsed);
	}

	if (counts[R_FAIL] || counts[R_CRASH])
		return IGT_EXIT_FAILURE;
	if (counts[R_TIMEOUT])
		return IGT_EXIT_TIMEOUT;
	if (counts[R_SKIP] && !counts[R_SUCCESS])
		return IGT_EXIT_SKIP;
	return IGT_EXIT_SUCCESS;
}
