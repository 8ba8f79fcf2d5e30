/* SPDX-License-Identifier: MIT */
/* The igt-subset framework: see igt.h. */
#include "igt.h"

#include <dirent.h>
#include <drm_fourcc.h>
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

/* --- KMS ------------------------------------------------------------------------------------ */

int __kms_set_client_cap(int fd, uint64_t capability, uint64_t value)
{
	struct drm_set_client_cap c = { .capability = capability, .value = value };
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_SET_CLIENT_CAP, &c));
}

bool kms_try_atomic(int fd)
{
	return __kms_set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0;
}

void igt_require_kms(int fd)
{
	igt_require_f(igt_is_kms(fd), "not a KMS node\n");
}

void igt_require_atomic(int fd)
{
	igt_require_kms(fd);
	int ret = __kms_set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
	igt_require_f(ret == 0, "DRM_CLIENT_CAP_ATOMIC: %s\n", strerror(-ret));
}

bool kms_plane_has_format(const struct kms_plane *plane, uint32_t format)
{
	for (uint32_t i = 0; i < plane->n_formats; i++)
		if (plane->formats[i] == format)
			return true;
	return false;
}

static void kms_get_plane(int fd, uint32_t id, struct kms_plane *out)
{
	struct drm_mode_get_plane p;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.plane_id = id;
	do_ioctl(fd, DRM_IOCTL_MODE_GETPLANE, &p);
	uint32_t n = p.count_format_types < KMS_MAX_FORMATS ? p.count_format_types : KMS_MAX_FORMATS;
	uint32_t *formats = calloc(p.count_format_types + 1, sizeof(uint32_t));
	igt_assert(formats);
	p.format_type_ptr = (uintptr_t)formats;
	do_ioctl(fd, DRM_IOCTL_MODE_GETPLANE, &p);
	out->id = id;
	out->possible_crtcs = p.possible_crtcs;
	out->n_formats = n;
	memcpy(out->formats, formats, n * sizeof(uint32_t));
	free(formats);
	out->type = DRM_PLANE_TYPE_OVERLAY;
	igt_assert_f(kms_prop_get(fd, id, DRM_MODE_OBJECT_PLANE, "type", &out->type),
		     "plane %u has no \"type\" property\n", id);
}

/* GETCONNECTOR with its modes and encoders; false when the connector is not connected. */
static bool kms_connector_modes(int fd, uint32_t id, struct kms_pipe *pipe, uint32_t *encoders,
				uint32_t *n_encoders)
{
	struct drm_mode_get_connector c;
	struct drm_mode_modeinfo *modes = NULL;
	uint32_t *encs = NULL;

	for (int tries = 0; tries < 5; tries++) {
		memset(&c, 0, sizeof(c));
		c.connector_id = id;
		do_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c);
		uint32_t nm = c.count_modes, ne = c.count_encoders;
		free(modes);
		free(encs);
		modes = calloc(nm + 1, sizeof(*modes));
		encs = calloc(ne + 1, sizeof(*encs));
		igt_assert(modes && encs);
		c.modes_ptr = (uintptr_t)modes;
		c.encoders_ptr = (uintptr_t)encs;
		c.count_props = 0;
		do_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c);
		if (c.count_modes <= nm && c.count_encoders <= ne)
			break;
	}
	bool ok = c.connection == 1 /* DRM_MODE_CONNECTED */ && c.count_modes > 0 &&
		  c.count_encoders > 0;
	if (ok) {
		pipe->n_modes = c.count_modes < KMS_MAX_MODES ? c.count_modes : KMS_MAX_MODES;
		memcpy(pipe->modes, modes, pipe->n_modes * sizeof(*modes));
		pipe->mode = modes[0];
		for (uint32_t i = 0; i < c.count_modes; i++) {
			if (modes[i].type & DRM_MODE_TYPE_PREFERRED) {
				pipe->mode = modes[i];
				break;
			}
		}
		*n_encoders = c.count_encoders < 8 ? c.count_encoders : 8;
		memcpy(encoders, encs, *n_encoders * sizeof(uint32_t));
	}
	free(modes);
	free(encs);
	return ok;
}

bool kms_pipe_find(int fd, struct kms_pipe *pipe)
{
	return kms_pipe_find_nth(fd, pipe, 0);
}

bool kms_pipe_find_nth(int fd, struct kms_pipe *pipe, unsigned int nth)
{
	struct drm_mode_card_res res;
	uint32_t used_crtcs = 0;
	unsigned int seen = 0;
	uint32_t crtcs[16], conns[16], encs[16];

	memset(pipe, 0, sizeof(*pipe));
	/* Primary and cursor planes are listed only with universal planes (drm_plane.c). */
	igt_assert_eq(__kms_set_client_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), 0);

	memset(&res, 0, sizeof(res));
	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	igt_assert(res.count_crtcs <= 16 && res.count_connectors <= 16 && res.count_encoders <= 16);
	res.count_fbs = 0;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	res.encoder_id_ptr = (uintptr_t)encs;
	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	pipe->min_width = res.min_width;
	pipe->max_width = res.max_width;
	pipe->min_height = res.min_height;
	pipe->max_height = res.max_height;

	bool found = false;
	for (uint32_t i = 0; i < res.count_connectors && !found; i++) {
		uint32_t cencs[8], n_cencs = 0;
		if (!kms_connector_modes(fd, conns[i], pipe, cencs, &n_cencs))
			continue;
		for (uint32_t e = 0; e < n_cencs && !found; e++) {
			struct drm_mode_get_encoder enc;
			memset(&enc, 0, sizeof(enc));
			enc.encoder_id = cencs[e];
			if (igt_ioctl(fd, DRM_IOCTL_MODE_GETENCODER, &enc))
				continue;
			for (uint32_t k = 0; k < res.count_crtcs; k++) {
				if ((enc.possible_crtcs & (1u << k)) && !(used_crtcs & (1u << k)) && seen < nth) {
					/* An earlier pipe: this connector takes CRTC k. */
					used_crtcs |= 1u << k;
					seen++;
					e = n_cencs;
					break;
				}
				if ((enc.possible_crtcs & (1u << k)) && !(used_crtcs & (1u << k))) {
					pipe->connector_id = conns[i];
					pipe->encoder_id = cencs[e];
					pipe->crtc_id = crtcs[k];
					pipe->crtc_index = k;
					found = true;
					break;
				}
			}
		}
	}
	errno = 0;
	if (!found)
		return false;

	struct drm_mode_get_plane_res pr;
	uint32_t planes[KMS_MAX_PLANES];
	memset(&pr, 0, sizeof(pr));
	do_ioctl(fd, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr);
	igt_assert(pr.count_planes <= KMS_MAX_PLANES);
	pr.plane_id_ptr = (uintptr_t)planes;
	do_ioctl(fd, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr);
	pipe->n_planes = pr.count_planes;
	for (uint32_t i = 0; i < pr.count_planes; i++) {
		struct kms_plane *p = &pipe->planes[i];
		kms_get_plane(fd, planes[i], p);
		if (!(p->possible_crtcs & (1u << pipe->crtc_index)))
			continue;
		if (p->type == DRM_PLANE_TYPE_PRIMARY && !pipe->primary.id)
			pipe->primary = *p;
		else if (p->type == DRM_PLANE_TYPE_CURSOR && !pipe->cursor.id)
			pipe->cursor = *p;
	}
	return pipe->primary.id != 0;
}

void igt_require_pipe(int fd, struct kms_pipe *pipe)
{
	igt_require_kms(fd);
	igt_require_f(kms_pipe_find(fd, pipe),
		      "no connected connector with a CRTC and a primary plane\n");
}

bool kms_pipe_other_mode(const struct kms_pipe *pipe, struct drm_mode_modeinfo *mode)
{
	for (uint32_t i = 0; i < pipe->n_modes; i++) {
		const struct drm_mode_modeinfo *m = &pipe->modes[i];
		if (m->hdisplay != pipe->mode.hdisplay || m->vdisplay != pipe->mode.vdisplay) {
			*mode = *m;
			return true;
		}
	}
	return false;
}

/* Properties -------------------------------------------------------------------------------- */

int __kms_obj_get_props(int fd, uint32_t obj_id, uint32_t obj_type, uint32_t *ids,
			uint64_t *values, uint32_t *count)
{
	struct drm_mode_obj_get_properties g = {
		.props_ptr = (uintptr_t)ids,
		.prop_values_ptr = (uintptr_t)values,
		.count_props = *count,
		.obj_id = obj_id,
		.obj_type = obj_type,
	};
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &g));
	*count = g.count_props;
	return ret;
}

int __kms_get_property(int fd, uint32_t prop_id, struct drm_mode_get_property *out)
{
	memset(out, 0, sizeof(*out));
	out->prop_id = prop_id;
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_GETPROPERTY, out));
}

/* (object, name) -> property id: property ids never change while the device lives. */
static struct {
	uint32_t obj_id;
	uint32_t prop_id;
	char name[DRM_PROP_NAME_LEN];
} prop_cache[128];
static unsigned int prop_cache_n;

static bool kms_prop_find(int fd, uint32_t obj_id, uint32_t obj_type, const char *name,
			  uint32_t *prop_id, uint64_t *value)
{
	uint32_t ids[64], count = 64;
	uint64_t values[64];
	uint32_t cached = 0;

	for (unsigned int i = 0; i < prop_cache_n; i++)
		if (prop_cache[i].obj_id == obj_id && strcmp(prop_cache[i].name, name) == 0)
			cached = prop_cache[i].prop_id;
	/* An object's property list never changes: a cached id needs no ioctl, only a value does. */
	if (cached && !value) {
		if (prop_id)
			*prop_id = cached;
		return true;
	}

	int ret = __kms_obj_get_props(fd, obj_id, obj_type, ids, values, &count);
	igt_assert_f(ret == 0, "OBJ_GETPROPERTIES(%u, %#x): %s\n", obj_id, obj_type, strerror(-ret));
	igt_assert(count <= 64);
	for (uint32_t i = 0; i < count; i++) {
		if (cached) {
			if (ids[i] != cached)
				continue;
		} else {
			struct drm_mode_get_property p;
			if (__kms_get_property(fd, ids[i], &p) || strncmp(p.name, name, sizeof(p.name)))
				continue;
			if (prop_cache_n < sizeof(prop_cache) / sizeof(prop_cache[0])) {
				prop_cache[prop_cache_n].obj_id = obj_id;
				prop_cache[prop_cache_n].prop_id = ids[i];
				snprintf(prop_cache[prop_cache_n].name, DRM_PROP_NAME_LEN, "%s", name);
				prop_cache_n++;
			}
		}
		if (prop_id)
			*prop_id = ids[i];
		if (value)
			*value = values[i];
		return true;
	}
	return false;
}

uint32_t kms_prop_id(int fd, uint32_t obj_id, uint32_t obj_type, const char *name)
{
	uint32_t id = 0;
	return kms_prop_find(fd, obj_id, obj_type, name, &id, NULL) ? id : 0;
}

bool kms_prop_get(int fd, uint32_t obj_id, uint32_t obj_type, const char *name, uint64_t *value)
{
	return kms_prop_find(fd, obj_id, obj_type, name, NULL, value);
}

uint64_t kms_prop_value(int fd, uint32_t obj_id, uint32_t obj_type, const char *name)
{
	uint64_t v = 0;
	igt_assert_f(kms_prop_get(fd, obj_id, obj_type, name, &v),
		     "object %u lists no property \"%s\"\n", obj_id, name);
	return v;
}

int __kms_obj_set_prop(int fd, uint32_t obj_id, uint32_t obj_type, uint32_t prop_id,
		       uint64_t value)
{
	struct drm_mode_obj_set_property s = {
		.value = value,
		.prop_id = prop_id,
		.obj_id = obj_id,
		.obj_type = obj_type,
	};
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &s));
}

int __kms_connector_set_prop(int fd, uint32_t connector_id, uint32_t prop_id, uint64_t value)
{
	struct drm_mode_connector_set_property s = {
		.value = value,
		.prop_id = prop_id,
		.connector_id = connector_id,
	};
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_SETPROPERTY, &s));
}

/* Blobs ------------------------------------------------------------------------------------- */

int __kms_blob_create(int fd, const void *data, uint32_t length, uint32_t *blob_id)
{
	struct drm_mode_create_blob c = { .data = (uintptr_t)data, .length = length };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_CREATEPROPBLOB, &c));
	if (blob_id)
		*blob_id = c.blob_id;
	return ret;
}

uint32_t kms_blob_create(int fd, const void *data, uint32_t length)
{
	uint32_t id = 0;
	int ret = __kms_blob_create(fd, data, length, &id);
	igt_assert_f(ret == 0, "CREATEPROPBLOB(%u bytes): %s\n", length, strerror(-ret));
	igt_assert_neq(id, 0);
	return id;
}

int __kms_blob_destroy(int fd, uint32_t blob_id)
{
	struct drm_mode_destroy_blob d = { .blob_id = blob_id };
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d));
}

int __kms_blob_get(int fd, uint32_t blob_id, void *data, uint32_t *length)
{
	struct drm_mode_get_blob g = { .blob_id = blob_id, .length = *length,
				       .data = (uintptr_t)data };
	int ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_GETPROPBLOB, &g));
	*length = g.length;
	return ret;
}

/* Framebuffers ------------------------------------------------------------------------------ */

static uint32_t format_bpp(uint32_t format)
{
	switch (format) {
	case DRM_FORMAT_XRGB8888: case DRM_FORMAT_ARGB8888: case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888: case DRM_FORMAT_RGBX8888: case DRM_FORMAT_RGBA8888:
	case DRM_FORMAT_BGRX8888: case DRM_FORMAT_BGRA8888: case DRM_FORMAT_XRGB2101010:
	case DRM_FORMAT_ARGB2101010: case DRM_FORMAT_XBGR2101010: case DRM_FORMAT_ABGR2101010:
		return 32;
	case DRM_FORMAT_RGB565: case DRM_FORMAT_BGR565: case DRM_FORMAT_XRGB1555:
	case DRM_FORMAT_ARGB1555:
		return 16;
	default:
		return 0;
	}
}

int __kms_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format, uint32_t *fb_id,
		    uint32_t *handle)
{
	uint32_t bpp = format_bpp(format);
	igt_require_f(bpp, "no dumb-buffer layout for format %.4s\n", (const char *)&format);
	struct drm_mode_create_dumb d;
	int ret = __dumb_create(fd, width, height, bpp, &d);
	if (ret)
		return ret;
	struct drm_mode_fb_cmd2 f;
	memset(&f, 0, sizeof(f));
	f.width = width;
	f.height = height;
	f.pixel_format = format;
	f.handles[0] = d.handle;
	f.pitches[0] = d.pitch;
	ret = ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &f));
	if (ret) {
		__dumb_destroy(fd, d.handle);
		return ret;
	}
	if (fb_id)
		*fb_id = f.fb_id;
	if (handle)
		*handle = d.handle;
	return 0;
}

uint32_t kms_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format)
{
	uint32_t fb = 0;
	int ret = __kms_fb_create(fd, width, height, format, &fb, NULL);
	igt_assert_f(ret == 0, "framebuffer %ux%u %.4s: %s\n", width, height,
		     (const char *)&format, strerror(-ret));
	return fb;
}

int __kms_fb_remove(int fd, uint32_t fb_id)
{
	uint32_t id = fb_id;
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_RMFB, &id));
}

int __kms_setcrtc(int fd, uint32_t crtc_id, uint32_t fb_id, uint32_t connector_id,
		  const struct drm_mode_modeinfo *mode)
{
	struct drm_mode_crtc c;
	uint32_t conn = connector_id;

	memset(&c, 0, sizeof(c));
	c.crtc_id = crtc_id;
	c.fb_id = fb_id;
	if (mode) {
		c.mode = *mode;
		c.mode_valid = 1;
		c.set_connectors_ptr = (uintptr_t)&conn;
		c.count_connectors = 1;
	}
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_SETCRTC, &c));
}

uint32_t kms_pipe_legacy_on(int fd, const struct kms_pipe *pipe)
{
	uint32_t fb = kms_fb_create(fd, pipe->mode.hdisplay, pipe->mode.vdisplay,
				    DRM_FORMAT_XRGB8888);
	int ret = __kms_setcrtc(fd, pipe->crtc_id, fb, pipe->connector_id, &pipe->mode);
	igt_assert_f(ret == 0, "SETCRTC %s: %s\n", pipe->mode.name, strerror(-ret));
	return fb;
}

/* Atomic ------------------------------------------------------------------------------------ */

void kms_atomic_clear(struct kms_atomic *req)
{
	memset(req, 0, sizeof(*req));
}

void kms_atomic_add(struct kms_atomic *req, uint32_t obj_id, uint32_t prop_id, uint64_t value)
{
	igt_assert(req->n_props < KMS_ATOMIC_MAX_PROPS);
	if (req->n_objs == 0 || req->objs[req->n_objs - 1] != obj_id) {
		igt_assert(req->n_objs < KMS_ATOMIC_MAX_OBJS);
		req->objs[req->n_objs] = obj_id;
		req->count_props[req->n_objs] = 0;
		req->n_objs++;
	}
	req->count_props[req->n_objs - 1]++;
	req->props[req->n_props] = prop_id;
	req->values[req->n_props] = value;
	req->n_props++;
}

void kms_atomic_set(struct kms_atomic *req, int fd, uint32_t obj_id, uint32_t obj_type,
		    const char *name, uint64_t value)
{
	uint32_t prop = kms_prop_id(fd, obj_id, obj_type, name);
	igt_assert_f(prop, "object %u lists no property \"%s\"\n", obj_id, name);
	kms_atomic_add(req, obj_id, prop, value);
}

int __kms_atomic_ioctl(int fd, struct drm_mode_atomic *arg)
{
	return ret_errno(igt_ioctl(fd, DRM_IOCTL_MODE_ATOMIC, arg));
}

int kms_atomic_commit(int fd, const struct kms_atomic *req, uint32_t flags, uint64_t user_data)
{
	struct drm_mode_atomic a = {
		.flags = flags,
		.count_objs = req->n_objs,
		.objs_ptr = (uintptr_t)req->objs,
		.count_props_ptr = (uintptr_t)req->count_props,
		.props_ptr = (uintptr_t)req->props,
		.prop_values_ptr = (uintptr_t)req->values,
		.user_data = user_data,
	};
	return __kms_atomic_ioctl(fd, &a);
}

void kms_atomic_plane(struct kms_atomic *req, int fd, uint32_t plane_id, uint32_t crtc_id,
		      uint32_t fb_id, int32_t crtc_x, int32_t crtc_y, uint32_t crtc_w,
		      uint32_t crtc_h, uint32_t src_x, uint32_t src_y, uint32_t src_w,
		      uint32_t src_h)
{
	const uint32_t t = DRM_MODE_OBJECT_PLANE;
	kms_atomic_set(req, fd, plane_id, t, "FB_ID", fb_id);
	kms_atomic_set(req, fd, plane_id, t, "CRTC_ID", crtc_id);
	kms_atomic_set(req, fd, plane_id, t, "CRTC_X", (uint64_t)(int64_t)crtc_x);
	kms_atomic_set(req, fd, plane_id, t, "CRTC_Y", (uint64_t)(int64_t)crtc_y);
	kms_atomic_set(req, fd, plane_id, t, "CRTC_W", crtc_w);
	kms_atomic_set(req, fd, plane_id, t, "CRTC_H", crtc_h);
	kms_atomic_set(req, fd, plane_id, t, "SRC_X", src_x);
	kms_atomic_set(req, fd, plane_id, t, "SRC_Y", src_y);
	kms_atomic_set(req, fd, plane_id, t, "SRC_W", src_w);
	kms_atomic_set(req, fd, plane_id, t, "SRC_H", src_h);
}

void kms_atomic_plane_off(struct kms_atomic *req, int fd, uint32_t plane_id)
{
	kms_atomic_set(req, fd, plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID", 0);
	kms_atomic_set(req, fd, plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_ID", 0);
}

void kms_atomic_pipe_on(struct kms_atomic *req, int fd, const struct kms_pipe *pipe,
			uint32_t mode_blob, const struct drm_mode_modeinfo *mode, uint32_t fb_id)
{
	kms_atomic_set(req, fd, pipe->connector_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID",
		       pipe->crtc_id);
	kms_atomic_set(req, fd, pipe->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", mode_blob);
	kms_atomic_set(req, fd, pipe->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", 1);
	kms_atomic_plane(req, fd, pipe->primary.id, pipe->crtc_id, fb_id, 0, 0, mode->hdisplay,
			 mode->vdisplay, 0, 0, (uint32_t)mode->hdisplay << 16,
			 (uint32_t)mode->vdisplay << 16);
	/* A cursor may outlive the file that set it (legacy cursors have internal fbs). */
	if (pipe->cursor.id)
		kms_atomic_plane_off(req, fd, pipe->cursor.id);
	/* So may a gamma LUT: no LUT, as upstream's igt_display_reset() leaves the pipe. */
	{
		uint64_t lut;

		if (kms_prop_get(fd, pipe->crtc_id, DRM_MODE_OBJECT_CRTC, "GAMMA_LUT", &lut))
			kms_atomic_set(req, fd, pipe->crtc_id, DRM_MODE_OBJECT_CRTC, "GAMMA_LUT", 0);
	}
}

void kms_atomic_pipe_off(struct kms_atomic *req, int fd, const struct kms_pipe *pipe)
{
	kms_atomic_plane_off(req, fd, pipe->primary.id);
	if (pipe->cursor.id)
		kms_atomic_plane_off(req, fd, pipe->cursor.id);
	kms_atomic_set(req, fd, pipe->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", 0);
	kms_atomic_set(req, fd, pipe->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", 0);
	kms_atomic_set(req, fd, pipe->connector_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", 0);
}

uint32_t kms_pipe_atomic_on(int fd, const struct kms_pipe *pipe)
{
	struct kms_atomic req;
	uint32_t fb = kms_fb_create(fd, pipe->mode.hdisplay, pipe->mode.vdisplay,
				    DRM_FORMAT_XRGB8888);
	uint32_t blob = kms_blob_create(fd, &pipe->mode, sizeof(pipe->mode));

	kms_atomic_clear(&req);
	kms_atomic_pipe_on(&req, fd, pipe, blob, &pipe->mode, fb);
	int ret = kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0);
	igt_assert_f(ret == 0, "atomic modeset %s: %s\n", pipe->mode.name, strerror(-ret));
	return fb;
}

bool kms_has_vblank(int fd, const struct kms_pipe *pipe)
{
	union drm_wait_vblank vbl;
	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = _DRM_VBLANK_RELATIVE |
			   ((pipe->crtc_index << _DRM_VBLANK_HIGH_CRTC_SHIFT) &
			    _DRM_VBLANK_HIGH_CRTC_MASK);
	if (igt_ioctl(fd, DRM_IOCTL_WAIT_VBLANK, &vbl) == 0)
		return true;
	igt_assert_f(errno == EOPNOTSUPP, "WAIT_VBLANK query: %s\n", strerror(errno));
	errno = 0;
	return false;
}

int kms_read_event(int fd, void *buf, size_t size, int timeout_ms)
{
	if (!(igt_poll_fd(fd, POLLIN, timeout_ms) & POLLIN))
		return 0;
	ssize_t n;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	igt_assert_f(n > 0, "read of the DRM event queue: %zd (%s)\n", n, strerror(errno));
	errno = 0;
	return (int)n;
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
