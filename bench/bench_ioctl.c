/*
 * bench_ioctl - case 1, the ioctl round trip: DRM_IOCTL_GET_CAP
 * (DRM_CAP_PRIME) in a loop on NODE, in nanoseconds per call.  Also
 * runs against bench/cuse_floor's bare CUSE node, which answers the same
 * ioctl after the one RETRY round every unrestricted CUSE ioctl needs.
 *
 * usage: bench_ioctl NODE [--quick] [--case NAME] [--procs N]
 *   --procs N: N processes call at once (case 8); the value is the total
 *   throughput in calls per second instead.
 */
#include <sys/ioctl.h>

#include "bench.h"

static uint64_t calls_in(int fd, uint64_t ns)
{
	uint64_t n = 0, start = bench_now_ns();

	while (bench_now_ns() - start < ns) {
		for (int i = 0; i < 16; i++) {
			struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

			if (ioctl(fd, DRM_IOCTL_GET_CAP, &cap) < 0)
				bench_die("GET_CAP");
		}
		n += 16;
	}
	return n;
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	const char *name = "ioctl-get-cap";
	uint64_t ns = quick ? 100000000ull : 1000000000ull;
	int procs = 0;

	if (argc < 2)
		return 2;
	for (int i = 2; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--case") == 0)
			name = argv[i + 1];
		if (strcmp(argv[i], "--procs") == 0)
			procs = atoi(argv[i + 1]);
	}
	if (procs <= 0) {
		int fd = bench_open(argv[1]);
		uint64_t start = bench_now_ns(), n = calls_in(fd, ns);

		bench_report(name, "ns/call", (double)(bench_now_ns() - start) / (double)n, false);
		close(fd);
		return 0;
	}
	/* Case 8: N processes, each on its own open file. */
	bench_report(name, "calls/s", bench_workers(argv[1], procs, ns, calls_in), true);
	return 0;
}
