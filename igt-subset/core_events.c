/* SPDX-License-Identifier: MIT */
/*
 * The DRM file as an event queue, with no events pending (drm_file.c, drm_read and drm_poll,
 * Linux 6.1): a non-blocking read is EAGAIN, poll reports nothing (never POLLOUT: the DRM file
 * is not writable), a blocking read sleeps until a signal interrupts it (EINTR without
 * SA_RESTART), write() is EINVAL (no write method), and llseek is a no-op.
 */
#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>

static void nonblock_read_eagain(void)
{
	int fd = drm_open_primary_flags(O_NONBLOCK);
	char buf[4096];

	for (int i = 0; i < 3; i++) {
		errno = 0;
		igt_assert_eq(read(fd, buf, sizeof(buf)), -1);
		igt_assert_eq(errno, EAGAIN);
	}
	errno = 0;
	igt_assert_eq(read(fd, buf, 1), -1);
	igt_assert_eq(errno, EAGAIN);
	errno = 0;
}

/* O_NONBLOCK set after open, with fcntl, counts too. */
static void nonblock_fcntl(void)
{
	int fd = drm_open_primary();
	char buf[256];
	int fl = fcntl(fd, F_GETFL);

	igt_assert(fl >= 0);
	igt_assert(fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
	errno = 0;
	igt_assert_eq(read(fd, buf, sizeof(buf)), -1);
	igt_assert_eq(errno, EAGAIN);
	errno = 0;
}

static void poll_no_events(void)
{
	int fd = drm_open_primary();
	struct pollfd p = { .fd = fd, .events = POLLIN };

	igt_assert_eq(poll(&p, 1, 100), 0);
	igt_assert_eq(p.revents, 0);
}

static void poll_no_pollout(void)
{
	int fd = drm_open_primary();
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI | POLLRDNORM | POLLWRNORM };

	igt_assert_eq(poll(&p, 1, 0), 0);
	igt_assert_eq(p.revents, 0);
}

static void epoll_no_events(void)
{
	int fd = drm_open_primary();
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.fd = fd }, out[4];

	igt_assert(ep >= 0);
	igt_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	igt_assert_eq(epoll_wait(ep, out, 4, 100), 0);
	close(ep);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void read_blocking_eintr(void)
{
	int fd = drm_open_primary();
	struct sigaction sa;
	char buf[4096];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0; /* no SA_RESTART */
	igt_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);

	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 300000 } };
	igt_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	errno = 0;
	ssize_t r = read(fd, buf, sizeof(buf));
	int err = errno;
	gettimeofday(&t1, NULL);
	double dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;

	igt_assert_f(r == -1 && err == EINTR, "read returned %zd, errno %d (%s)\n", r, err,
		     strerror(err));
	igt_assert_f(dt >= 0.25, "read returned after %.3f s, before the signal\n", dt);
	errno = 0;
}

static void write_einval(void)
{
	int fd = drm_open_primary();
	char buf[64] = { 0 };

	errno = 0;
	igt_assert_eq(write(fd, buf, sizeof(buf)), -1);
	igt_assert_eq(errno, EINVAL);
	errno = 0;
}

static void lseek_noop(void)
{
	int fd = drm_open_primary();

	igt_assert_eq(lseek(fd, 100, SEEK_SET), 0);
	igt_assert_eq(lseek(fd, 0, SEEK_CUR), 0);
}

static const struct igt_subtest tests[] = {
	{ "nonblock-read-eagain", nonblock_read_eagain },
	{ "nonblock-fcntl", nonblock_fcntl },
	{ "poll-no-events", poll_no_events },
	{ "poll-no-pollout", poll_no_pollout },
	{ "epoll-no-events", epoll_no_events },
	{ "read-blocking-eintr", read_blocking_eintr },
	{ "write-einval", write_einval },
	{ "lseek-noop", lseek_noop },
};

IGT_MAIN(tests)
