/*
 * bench_syncobj - case 5, syncobjs.
 *
 * Signal-to-wake latency: a waiter thread blocks in SYNCOBJ_WAIT
 * (WAIT_FOR_SUBMIT, on a syncobj without a fence) or, for the timeline
 * case, in SYNCOBJ_TIMELINE_WAIT (WAIT_FOR_SUBMIT, on the next point); once
 * it has been blocked for SETTLE_NS, the main thread reads CLOCK_MONOTONIC
 * and calls SYNCOBJ_SIGNAL (TIMELINE_SIGNAL of that point).  The latency is
 * from that clock reading to the waiter's own reading right after its wait
 * returned (both threads share the memory the readings are kept in): the
 * signal's trip into the driver plus the waiter's wake-up and return.
 * Reported as p50 and p99 over the iterations, in microseconds.
 *
 * Parallel waiters: N threads (N = 1000; 100 with --quick), each in its
 * own SYNCOBJ_WAIT (WAIT_FOR_SUBMIT) of one syncobj, on the same open file.
 * When they are all blocked (with --daemon-pid: the daemon's CPU time has
 * stopped moving; without it, after SETTLE_ALL_NS), one SYNCOBJ_SIGNAL
 * wakes them all; the wake time is from the clock reading before the
 * signal to the last waiter's return, in milliseconds.  With --daemon-pid
 * PID the daemon's thread count (/proc/PID/status Threads:) is reported
 * too: the most seen while the waiters were blocked, with the count before
 * they started as "expected" (DESIGN.md decision 4: a waiter costs no
 * thread).
 *
 * A node without DRM_CAP_SYNCOBJ or DRM_CAP_SYNCOBJ_TIMELINE makes it say so
 * on stderr and exit 3: Debian 12's 6.1 vgem, virtio_gpu and bochs have
 * neither (DRIVER_SYNCOBJ is not in their driver_features).
 *
 * usage: bench_syncobj NODE [--quick] [--daemon-pid PID] [--probe]
 *   --probe: only check the caps (exit 0 when the node has syncobjs, else 3).
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "bench.h"

/* How long a single waiter is left blocked before the signal: many CUSE trips under TCG. */
#define SETTLE_NS 5000000ull
/* Without a daemon to watch: how long N waiters get to block. */
#define SETTLE_ALL_NS 1000000000ull
#define MAX_ITER 1000

static int fd;
static uint32_t syncobj;
static bool timeline;
static sem_t go, done;
static _Atomic int blocked;
static uint64_t woke_ns[MAX_ITER];

static void xioctl(unsigned long req, void *arg, const char *what)
{
	if (drmIoctl(fd, req, arg))
		bench_die(what);
}

/* Block in the wait for point @point (timeline) or for a fence (binary). */
static void wait_syncobj(uint32_t handle, uint64_t point)
{
	if (timeline) {
		struct drm_syncobj_timeline_wait w = {
			.handles = (uintptr_t)&handle, .points = (uintptr_t)&point, .timeout_nsec = INT64_MAX,
			.count_handles = 1, .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
		};

		xioctl(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w, "SYNCOBJ_TIMELINE_WAIT");
	} else {
		struct drm_syncobj_wait w = {
			.handles = (uintptr_t)&handle, .timeout_nsec = INT64_MAX, .count_handles = 1,
			.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
		};

		xioctl(DRM_IOCTL_SYNCOBJ_WAIT, &w, "SYNCOBJ_WAIT");
	}
}

static void signal_syncobj(uint32_t handle, uint64_t point)
{
	if (timeline) {
		struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&handle, .points = (uintptr_t)&point,
							.count_handles = 1 };

		xioctl(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a, "SYNCOBJ_TIMELINE_SIGNAL");
	} else {
		struct drm_syncobj_array a = { .handles = (uintptr_t)&handle, .count_handles = 1 };

		xioctl(DRM_IOCTL_SYNCOBJ_SIGNAL, &a, "SYNCOBJ_SIGNAL");
	}
}

static uint32_t create_syncobj(void)
{
	struct drm_syncobj_create c = { 0 };

	xioctl(DRM_IOCTL_SYNCOBJ_CREATE, &c, "SYNCOBJ_CREATE");
	return c.handle;
}

static void destroy_syncobj(uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	xioctl(DRM_IOCTL_SYNCOBJ_DESTROY, &d, "SYNCOBJ_DESTROY");
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *single_waiter(void *arg)
{
	int iters = *(int *)arg;

	for (int i = 0; i < iters; i++) {
		sem_wait(&go);
		atomic_store(&blocked, 1);
		wait_syncobj(syncobj, (uint64_t)i + 1);
		woke_ns[i] = bench_now_ns();
		sem_post(&done);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Signal-to-wake latency over @iters signals; reports p50 and p99 under @name-p50/-p99. */
static void latency(const char *name, int iters)
{
	static uint64_t lat[MAX_ITER];
	char buf[96];
	pthread_t t;

	syncobj = create_syncobj();
	sem_init(&go, 0, 0);
	sem_init(&done, 0, 0);
	if (pthread_create(&t, NULL, single_waiter, &iters))
		bench_die("pthread_create");
	for (int i = 0; i < iters; i++) {
		uint64_t t0;

		if (!timeline) {
			struct drm_syncobj_array r = { .handles = (uintptr_t)&syncobj, .count_handles = 1 };

			xioctl(DRM_IOCTL_SYNCOBJ_RESET, &r, "SYNCOBJ_RESET");
		}
		atomic_store(&blocked, 0);
		sem_post(&go);
		while (!atomic_load(&blocked))
			sched_yield();
		sleep_ns(SETTLE_NS);
		t0 = bench_now_ns();
		signal_syncobj(syncobj, (uint64_t)i + 1);
		sem_wait(&done);
		lat[i] = woke_ns[i] - t0;
	}
	pthread_join(t, NULL);
	destroy_syncobj(syncobj);
	qsort(lat, (size_t)iters, sizeof(lat[0]), cmp_u64);
	snprintf(buf, sizeof(buf), "%s-p50", name);
	bench_report(buf, "us", (double)lat[iters / 2] / 1000.0, false);
	snprintf(buf, sizeof(buf), "%s-p99", name);
	bench_report(buf, "us", (double)lat[iters * 99 / 100] / 1000.0, false);
}

/* /proc/@pid/status Threads:, or -1. */
static int daemon_threads(int pid)
{
	char path[64], line[256];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* /proc/@pid/stat utime + stime, in clock ticks; 0 when unreadable. */
static unsigned long long daemon_cpu_ticks(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long utime = 0, stime = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* Fields after the command: state(3) ... utime(14) stime(15). */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
		return 0;
	return utime + stime;
}

static uint32_t all_syncobj;
static _Atomic int all_blocked;
static uint64_t *all_woke;

static void *many_waiter(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg;
	uint32_t h = all_syncobj;
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&h, .timeout_nsec = INT64_MAX, .count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	};

	atomic_fetch_add(&all_blocked, 1);
	xioctl(DRM_IOCTL_SYNCOBJ_WAIT, &w, "SYNCOBJ_WAIT");
	all_woke[i] = bench_now_ns();
	return NULL;
}

/* @n waiters on one syncobj, one signal; reports the wake time and, with @pid, the daemon's threads. */
static void many_waiters(int n, int pid)
{
	int idle = pid ? daemon_threads(pid) : -1, most = idle;
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	pthread_attr_t attr;
	uint64_t t0, last = 0;
	char name[64];

	all_woke = calloc((size_t)n, sizeof(*all_woke));
	if (!t || !all_woke)
		bench_die("calloc");
	all_syncobj = create_syncobj();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, many_waiter, (void *)(uintptr_t)i))
			bench_die("pthread_create");
	while (atomic_load(&all_blocked) < n)
		sched_yield();
	if (pid) {
		/* Blocked in the daemon: its CPU time stands still for 300 ms (a whole queue of
		 * requests takes longer than that to drain only if it keeps the daemon busy). */
		unsigned long long ticks = daemon_cpu_ticks(pid), now;
		int still = 0;

		while (still < 6) {
			int th;

			sleep_ns(50000000ull);
			now = daemon_cpu_ticks(pid);
			still = now == ticks ? still + 1 : 0;
			ticks = now;
			th = daemon_threads(pid);
			if (th > most)
				most = th;
		}
	} else {
		sleep_ns(SETTLE_ALL_NS);
	}
	t0 = bench_now_ns();
	{
		struct drm_syncobj_array a = { .handles = (uintptr_t)&all_syncobj, .count_handles = 1 };

		xioctl(DRM_IOCTL_SYNCOBJ_SIGNAL, &a, "SYNCOBJ_SIGNAL");
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (all_woke[i] > last)
			last = all_woke[i];
	}
	destroy_syncobj(all_syncobj);
	snprintf(name, sizeof(name), "syncobj-waiters-x%d-wake-all", n);
	bench_report(name, "ms", (double)(last - t0) / 1e6, false);
	if (pid) {
		snprintf(name, sizeof(name), "syncobj-waiters-x%d-daemon-threads", n);
		printf("{\"case\": \"%s\", \"unit\": \"threads\", \"value\": %d, \"higher_is_better\": false, "
		       "\"expected\": %d, \"expected_is\": \"daemon threads before the waiters\"}\n",
		       name, most, idle);
	}
	free(t);
	free(all_woke);
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	int iters = quick ? 20 : 100, pid = 0;
	uint64_t cap = 0, tcap = 0;

	if (argc < 2)
		return 2;
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], "--daemon-pid") == 0)
			pid = atoi(argv[i + 1]);
	fd = bench_open(argv[1]);
	if (drmGetCap(fd, DRM_CAP_SYNCOBJ, &cap) || !cap || drmGetCap(fd, DRM_CAP_SYNCOBJ_TIMELINE, &tcap) || !tcap) {
		fprintf(stderr, "bench_syncobj: %s has no syncobjs (DRM_CAP_SYNCOBJ %llu, DRM_CAP_SYNCOBJ_TIMELINE %llu)\n",
			argv[1], (unsigned long long)cap, (unsigned long long)tcap);
		return 3;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--probe") == 0)
			return 0;
	timeline = false;
	latency("syncobj-wake-latency", iters);
	timeline = true;
	latency("syncobj-timeline-wake-latency", iters);
	many_waiters(quick ? 100 : 1000, pid);
	close(fd);
	return 0;
}
