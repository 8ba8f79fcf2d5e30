/*
 * bench.h - shared helpers of the benchmark programs (make bench).
 *
 * Each program takes a DRM node path and prints one JSON object per
 * measured case on stdout:
 *   {"case": NAME, "unit": UNIT, "value": V, "higher_is_better": B}
 * bench/run runs it against the kernel's driver and against ours and
 * computes the ratios.  Programs are plain libdrm clients; on a cuse-drm
 * node run them under the shim (LD_PRELOAD) where they mmap or pass fds.
 */
#ifndef CUSE_DRM_BENCH_H
#define CUSE_DRM_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

/** bench_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/** bench_report() - print one result line for case @name: @value in @unit. */
static inline void bench_report(const char *name, const char *unit, double value, bool higher_is_better)
{
	printf("{\"case\": \"%s\", \"unit\": \"%s\", \"value\": %.6g, \"higher_is_better\": %s}\n", name, unit,
	       value, higher_is_better ? "true" : "false");
	fflush(stdout);
}

/** bench_die() - print @what and errno's text to stderr and exit 1. */
static inline void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/** bench_open() - open the node @path read-write (exit 1 when it cannot). */
static inline int bench_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		bench_die(path);
	return fd;
}

/** bench_quick() - whether argv holds --quick (a smoke run: few iterations). */
static inline bool bench_quick(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--quick") == 0)
			return true;
	return false;
}

/**
 * bench_workers() - case 8: @procs processes, each opening @node itself and
 * running @work on its fd for @ns nanoseconds (it returns how many operations
 * it did); returns the total per second of wall time.  Exits 1 when a worker
 * fails.
 */
static inline double bench_workers(const char *node, int procs, uint64_t ns, uint64_t (*work)(int fd, uint64_t ns))
{
	uint64_t total = 0, start = bench_now_ns();
	int p[2];

	if (pipe(p) < 0)
		bench_die("pipe");
	for (int i = 0; i < procs; i++) {
		if (fork() == 0) {
			uint64_t n = work(bench_open(node), ns);

			_exit(write(p[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
		}
	}
	close(p[1]);
	for (int i = 0; i < procs; i++) {
		uint64_t n;

		if (read(p[0], &n, sizeof(n)) != sizeof(n))
			bench_die("a worker failed");
		total += n;
	}
	close(p[0]);
	while (wait(NULL) > 0)
		;
	return (double)total * 1e9 / (double)(bench_now_ns() - start);
}

/**
 * struct bench_dumb - a mapped XRGB8888 dumb buffer: GEM @handle, @pitch and
 * @size in bytes, @map of @size bytes (MODE_MAP_DUMB's offset through mmap).
 */
struct bench_dumb {
	uint32_t handle, pitch;
	uint64_t size;
	void *map;
};

/** bench_dumb_map() - CREATE_DUMB of @w x @h at 32 bpp and mmap it shared (exit 1 on failure). */
static inline struct bench_dumb bench_dumb_map(int fd, uint32_t w, uint32_t h)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	struct bench_dumb b;

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		bench_die("CREATE_DUMB");
	m.handle = c.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		bench_die("MAP_DUMB");
	b = (struct bench_dumb){ .handle = c.handle, .pitch = c.pitch, .size = c.size };
	b.map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	if (b.map == MAP_FAILED)
		bench_die("mmap");
	return b;
}

/**
 * bench_connector() - the first connected connector of @res with a @w x @h mode (@w 0: with any
 * mode, the first one), and that mode in *@mode; NULL when there is none.  Free it with
 * drmModeFreeConnector().
 */
static inline drmModeConnector *bench_connector(int fd, const drmModeRes *res, uint32_t w, uint32_t h,
						 drmModeModeInfo **mode)
{
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);

		for (int m = 0; conn && conn->connection == DRM_MODE_CONNECTED && m < conn->count_modes; m++) {
			if (!w || (conn->modes[m].hdisplay == w && conn->modes[m].vdisplay == h)) {
				*mode = &conn->modes[m];
				return conn;
			}
		}
		if (conn)
			drmModeFreeConnector(conn);
	}
	return NULL;
}

#endif
