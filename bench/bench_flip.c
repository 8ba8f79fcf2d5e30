/*
 * bench_flip - case 6, display: set the first connected connector's
 * preferred mode on a CRTC with a dumb-buffer framebuffer, then page-flip
 * between two framebuffers with events for a while.  Reports page flips
 * per second (with the mode's refresh rate as "expected") and the jitter
 * of the events' timestamps against the mode's frame period, p50 and p99
 * in microseconds, and the latency from each event's timestamp to its
 * delivery to this client (read and handled), p50 and p99 in microseconds.
 *
 * usage: bench_flip NODE [--quick]
 */
#include <poll.h>
#include <xf86drmMode.h>

#include "bench.h"

#define MAX_EVENTS 4096

static uint64_t stamps[MAX_EVENTS], latency[MAX_EVENTS];
static unsigned int nstamps;
static bool flip_done;

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec, void *data)
{
	(void)fd, (void)seq, (void)data;
	if (nstamps < MAX_EVENTS) {
		uint64_t now_us = bench_now_ns() / 1000, t = (uint64_t)sec * 1000000ull + usec;

		latency[nstamps] = now_us > t ? now_us - t : 0;
		stamps[nstamps++] = t;
	}
	flip_done = true;
}

static uint32_t make_fb(int fd, uint32_t w, uint32_t h, uint32_t colour)
{
	struct bench_dumb b = bench_dumb_map(fd, w, h);
	uint32_t fb, *p = b.map;

	for (size_t i = 0; i < b.size / 4; i++)
		p[i] = colour;
	munmap(b.map, b.size);
	if (drmModeAddFB(fd, w, h, 24, 32, b.pitch, b.handle, &fb))
		bench_die("ADDFB");
	return fb;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	uint64_t ns = quick ? 300000000ull : 3000000000ull, start, elapsed;
	drmEventContext ev = { .version = 2, .page_flip_handler = on_flip };
	drmModeConnector *conn = NULL;
	drmModeModeInfo *mode;
	drmModeRes *res;
	uint32_t fbs[2], crtc, n = 0;
	uint64_t jitter[MAX_EVENTS];
	double period_us, refresh;
	int fd;

	if (argc < 2)
		return 2;
	fd = bench_open(argv[1]);
	res = drmModeGetResources(fd);
	if (!res || res->count_crtcs < 1)
		bench_die("GETRESOURCES");
	conn = bench_connector(fd, res, 0, 0, &mode);
	if (!conn)
		bench_die("no connected connector");
	crtc = res->crtcs[0];
	fbs[0] = make_fb(fd, mode->hdisplay, mode->vdisplay, 0xff0000);
	fbs[1] = make_fb(fd, mode->hdisplay, mode->vdisplay, 0x0000ff);
	if (drmModeSetCrtc(fd, crtc, fbs[0], 0, 0, &conn->connector_id, 1, mode))
		bench_die("SETCRTC");
	period_us = (double)mode->htotal * mode->vtotal * 1000.0 / mode->clock;
	refresh = 1e6 / period_us;
	start = bench_now_ns();
	while ((elapsed = bench_now_ns() - start) < ns) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		flip_done = false;
		if (drmModePageFlip(fd, crtc, fbs[++n & 1], DRM_MODE_PAGE_FLIP_EVENT, NULL))
			bench_die("PAGE_FLIP");
		while (!flip_done) {
			if (poll(&pfd, 1, 5000) <= 0)
				bench_die("no flip event");
			drmHandleEvent(fd, &ev);
		}
	}
	printf("{\"case\": \"flip-rate\", \"unit\": \"flips/s\", \"value\": %.6g, \"higher_is_better\": true, "
	       "\"expected\": %.6g}\n", (double)n * 1e9 / (double)elapsed, refresh);
	for (unsigned int i = 1; i < nstamps; i++) {
		double d = (double)(stamps[i] - stamps[i - 1]);
		/* Distance to the nearest whole number of periods: a missed frame is not jitter. */
		double k = d / period_us + 0.5;
		double off = d - (double)(uint64_t)k * period_us;

		jitter[i - 1] = (uint64_t)(off < 0 ? -off : off);
	}
	if (nstamps > 2) {
		qsort(jitter, nstamps - 1, sizeof(jitter[0]), cmp_u64);
		bench_report("vblank-jitter-p50", "us", (double)jitter[(nstamps - 1) / 2], false);
		bench_report("vblank-jitter-p99", "us", (double)jitter[(nstamps - 1) * 99 / 100], false);
		qsort(latency, nstamps, sizeof(latency[0]), cmp_u64);
		bench_report("flip-event-latency-p50", "us", (double)latency[nstamps / 2], false);
		bench_report("flip-event-latency-p99", "us", (double)latency[nstamps * 99 / 100], false);
	}
	drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return 0;
}
