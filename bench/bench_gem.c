/*
 * bench_gem - case 2, the GEM life cycle: CREATE_DUMB, MAP_DUMB + mmap +
 * munmap, DESTROY_DUMB, in operations (whole cycles) per second, for a
 * 4 KiB and an 8 MiB buffer.  Case 9's objects: --hold N creates N 4 KiB
 * buffers, prints "ready", and waits for stdin to close.
 *
 * usage: bench_gem NODE [--quick] [--procs N] [--hold N]
 */
#include "bench.h"

static uint32_t dumb_create(int fd, uint32_t w, uint32_t h, uint64_t *size)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		bench_die("CREATE_DUMB");
	*size = c.size;
	return c.handle;
}

static void dumb_destroy(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d))
		bench_die("DESTROY_DUMB");
}

/* One create, map (touching the first byte) and destroy; w x h XRGB8888. */
static void cycle(int fd, uint32_t w, uint32_t h)
{
	struct bench_dumb b = bench_dumb_map(fd, w, h);

	((volatile uint8_t *)b.map)[0] = 1;
	munmap(b.map, b.size);
	dumb_destroy(fd, b.handle);
}

static uint64_t cycles_in(int fd, uint32_t w, uint32_t h, uint64_t ns)
{
	uint64_t n = 0, start = bench_now_ns();

	while (bench_now_ns() - start < ns) {
		cycle(fd, w, h);
		n++;
	}
	return n;
}

/* A worker of case 8. */
static uint64_t cycles_4k(int fd, uint64_t ns)
{
	return cycles_in(fd, 32, 32, ns);
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	uint64_t ns = quick ? 100000000ull : 1000000000ull;
	int procs = 0, hold = -1;

	if (argc < 2)
		return 2;
	for (int i = 2; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--procs") == 0)
			procs = atoi(argv[i + 1]);
		if (strcmp(argv[i], "--hold") == 0)
			hold = atoi(argv[i + 1]);
	}
	if (hold >= 0) {
		int fd = bench_open(argv[1]);
		char c;

		for (int i = 0; i < hold; i++) {
			uint64_t size;

			dumb_create(fd, 32, 32, &size);
		}
		printf("ready\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (procs <= 0) {
		static const struct { const char *name; uint32_t w, h; } sizes[] = {
			{ "gem-cycle-4k", 32, 32 },      /* 4 KiB */
			{ "gem-cycle-8m", 1024, 2048 },  /* 8 MiB */
		};
		int fd = bench_open(argv[1]);

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint64_t start = bench_now_ns(), n = cycles_in(fd, sizes[i].w, sizes[i].h, ns);

			bench_report(sizes[i].name, "ops/s", (double)n * 1e9 / (double)(bench_now_ns() - start), true);
		}
		close(fd);
		return 0;
	}
	/* Case 8: N processes doing 4 KiB cycles on their own files. */
	char name[64];

	snprintf(name, sizeof(name), "concurrent-gem-4k-x%d", procs);
	bench_report(name, "ops/s", bench_workers(argv[1], procs, ns, cycles_4k), true);
	return 0;
}
