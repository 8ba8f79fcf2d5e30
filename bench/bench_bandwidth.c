/*
 * bench_bandwidth - case 3, mapped bandwidth: a 64 MiB dumb buffer mapped
 * once, written whole, then read whole, in GiB/s (best of a few passes,
 * so page faults of the first touch count once, as for any client).
 *
 * usage: bench_bandwidth NODE [--quick]
 */
#include "bench.h"

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	int passes = quick ? 2 : 5, fd;
	double best_w = 0, best_r = 0;
	struct bench_dumb b;
	uint64_t *p, sum = 0;

	if (argc < 2)
		return 2;
	fd = bench_open(argv[1]);
	b = bench_dumb_map(fd, 4096, quick ? 256 : 4096);
	p = b.map;
	for (int pass = 0; pass < passes; pass++) {
		size_t n = b.size / sizeof(*p);
		uint64_t t0 = bench_now_ns(), t1, t2;

		for (size_t i = 0; i < n; i++)
			p[i] = i + (size_t)pass;
		t1 = bench_now_ns();
		for (size_t i = 0; i < n; i++)
			sum += ((volatile uint64_t *)p)[i];
		t2 = bench_now_ns();
		if ((double)b.size / (double)(t1 - t0) > best_w)
			best_w = (double)b.size / (double)(t1 - t0);
		if ((double)b.size / (double)(t2 - t1) > best_r)
			best_r = (double)b.size / (double)(t2 - t1);
	}
	if (sum == 42)
		fprintf(stderr, "(sum)\n");
	/* bytes per ns -> GiB/s */
	bench_report("mapped-write", "GiB/s", best_w * 1e9 / (1 << 30), true);
	bench_report("mapped-read", "GiB/s", best_r * 1e9 / (1 << 30), true);
	munmap(p, b.size);
	close(fd);
	return 0;
}
