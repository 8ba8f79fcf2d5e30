/*
 * bench_bandwidth - case 3, mapped bandwidth: a 64 MiB dumb buffer mapped
 * once, written whole, then read whole, in GiB/s (best of a few passes,
 * so page faults of the first touch count once, as for any client).
 *
 * usage: bench_bandwidth NODE [--quick]
 */
#include <sys/mman.h>

#include <xf86drm.h>

#include "bench.h"

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	struct drm_mode_create_dumb c = { .width = 4096, .height = quick ? 256 : 4096, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	int passes = quick ? 2 : 5, fd;
	double best_w = 0, best_r = 0;
	uint64_t *p, sum = 0;

	if (argc < 2)
		return 2;
	fd = bench_open(argv[1]);
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		bench_die("CREATE_DUMB");
	m.handle = c.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		bench_die("MAP_DUMB");
	p = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	if (p == MAP_FAILED)
		bench_die("mmap");
	for (int pass = 0; pass < passes; pass++) {
		size_t n = c.size / sizeof(*p);
		uint64_t t0 = bench_now_ns(), t1, t2;

		for (size_t i = 0; i < n; i++)
			p[i] = i + (size_t)pass;
		t1 = bench_now_ns();
		for (size_t i = 0; i < n; i++)
			sum += ((volatile uint64_t *)p)[i];
		t2 = bench_now_ns();
		if ((double)c.size / (double)(t1 - t0) > best_w)
			best_w = (double)c.size / (double)(t1 - t0);
		if ((double)c.size / (double)(t2 - t1) > best_r)
			best_r = (double)c.size / (double)(t2 - t1);
	}
	if (sum == 42)
		fprintf(stderr, "(sum)\n");
	/* bytes per ns -> GiB/s */
	bench_report("mapped-write", "GiB/s", best_w * 1e9 / (1 << 30), true);
	bench_report("mapped-read", "GiB/s", best_r * 1e9 / (1 << 30), true);
	munmap(p, c.size);
	close(fd);
	return 0;
}
