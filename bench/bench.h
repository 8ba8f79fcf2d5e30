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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

#endif
