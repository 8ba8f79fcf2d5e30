/*
 * bench_virtio_frame - case 7, virtio-gpu full-frame updates: 1024x768
 * XRGB8888 on a virtio_gpu node, in frames per second.
 *
 * Once: the first connected connector's 1024x768 mode on the first CRTC,
 * scanning out one of two mapped dumb buffers (mmap: through the shim on
 * ours).  Then, for a while, per frame:
 *  - "virtio-frame-dirtyfb": write every pixel of the scanned-out buffer,
 *    DIRTYFB without clips (the whole framebuffer), VIRTGPU_WAIT on the
 *    buffer's GEM handle;
 *  - "virtio-frame-flip": write every pixel of the other buffer, PAGE_FLIP
 *    to it with DRM_MODE_PAGE_FLIP_EVENT, wait for the event, VIRTGPU_WAIT on
 *    its handle.
 * Both drivers get the same calls; what they wait for differs.  Ours:
 * DIRTYFB returns once the device answered TRANSFER_TO_HOST_2D, and
 * VIRTGPU_WAIT waits for the RESOURCE_FLUSH's fence; a flip's event comes
 * after its commit sent both.  Kernel 6.1's virtio_gpu (the 6.1.y
 * virtgpu_plane.c with struct virtio_gpu_plane_state, which Debian's
 * 6.1.0-56 module has) queues the transfer and the flush of a dumb primary
 * without a fence, for DIRTYFB and flips alike (virtio_gpu_update_dumb_bo();
 * virtio_gpu_plane_prepare_fb() makes no fence for a primary that is not a
 * guest blob), so its DIRTYFB returns, and its flip event comes, once they
 * are queued, and its VIRTGPU_WAIT finds nothing to wait for: it runs ahead
 * of the device, by up to a full control queue.  So that both
 * columns count frames the device has (transferred and flushed), each run
 * ends with a drain inside the timed span: DRM_IOCTL_MODE_CURSOR with a new
 * 64x64 image, which both drivers send as a TRANSFER_TO_HOST_2D they wait for
 * (the kernel's virtio_gpu_cursor_plane_update(): dma_fence_wait()), behind
 * every command queued before it (the device runs the control queue in
 * order), then the cursor is hidden again.
 *
 * usage: bench_virtio_frame NODE [--quick]
 * With BENCH_VERBOSE set in the environment it also prints, on stderr, the
 * mean time per frame of each step (draw, DIRTYFB or PAGE_FLIP to its event,
 * VIRTGPU_WAIT) and of the final drain, in microseconds.
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <virtgpu_drm.h>
#include <xf86drmMode.h>

#include "bench.h"

#define W 1024
#define H 768

static int fd;
static uint32_t crtc, cursor_handle;
static bool flip_done;
/* Time spent per step, ns (BENCH_VERBOSE). */
static uint64_t t_draw, t_update, t_wait;

/* Add the time since *@since to *@sum and restart *@since. */
static void lap(uint64_t *sum, uint64_t *since)
{
	uint64_t now = bench_now_ns();

	*sum += now - *since;
	*since = now;
}

static void verbose(const char *what, uint32_t frames, uint64_t drain_ns)
{
	if (!getenv("BENCH_VERBOSE") || !frames)
		return;
	fprintf(stderr, "%s: %u frames; per frame: draw %.0f us, update %.0f us, VIRTGPU_WAIT %.0f us; drain %.0f us\n",
		what, frames, t_draw / 1e3 / frames, t_update / 1e3 / frames, t_wait / 1e3 / frames, drain_ns / 1e3);
	t_draw = t_update = t_wait = 0;
}

static void on_flip(int f, unsigned int seq, unsigned int sec, unsigned int usec, void *data)
{
	(void)f, (void)seq, (void)sec, (void)usec, (void)data;
	flip_done = true;
}

/* Every pixel of @b, a colour that changes with @frame (so no frame equals the last). */
static void draw(const struct bench_dumb *b, uint32_t frame)
{
	uint32_t colour = 0xff000000u | (frame * 0x010307u & 0xffffffu);

	for (uint32_t y = 0; y < H; y++) {
		uint32_t *row = (uint32_t *)((uint8_t *)b->map + (size_t)y * b->pitch);

		for (uint32_t x = 0; x < W; x++)
			row[x] = colour ^ x;
	}
}

static void virtgpu_wait(uint32_t handle)
{
	struct drm_virtgpu_3d_wait w = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_VIRTGPU_WAIT, &w))
		bench_die("VIRTGPU_WAIT");
}

/* Until the device has run every command queued so far: a cursor image both drivers upload and wait for. */
static void drain(void)
{
	if (drmModeSetCursor(fd, crtc, cursor_handle, 64, 64))
		bench_die("CURSOR (drain)");
	if (drmModeSetCursor(fd, crtc, 0, 0, 0))
		bench_die("CURSOR (hide)");
}

static uint32_t add_fb(const struct bench_dumb *b)
{
	uint32_t fb;

	if (drmModeAddFB(fd, W, H, 24, 32, b->pitch, b->handle, &fb))
		bench_die("ADDFB");
	return fb;
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	uint64_t ns = quick ? 500000000ull : 3000000000ull, start, t0, end;
	drmEventContext ev = { .version = 2, .page_flip_handler = on_flip };
	drmModeModeInfo *mode = NULL;
	drmModeConnector *conn = NULL;
	struct bench_dumb bufs[2], cursor;
	uint32_t fbs[2], n;
	drmModeRes *res;

	if (argc < 2)
		return 2;
	fd = bench_open(argv[1]);
	res = drmModeGetResources(fd);
	if (!res || res->count_crtcs < 1)
		bench_die("GETRESOURCES");
	conn = bench_connector(fd, res, W, H, &mode);
	if (!conn) {
		errno = ENOENT;
		bench_die("no connected connector with a 1024x768 mode");
	}
	crtc = res->crtcs[0];
	bufs[0] = bench_dumb_map(fd, W, H);
	bufs[1] = bench_dumb_map(fd, W, H);
	cursor = bench_dumb_map(fd, 64, 64);
	memset(cursor.map, 0xff, cursor.size);
	cursor_handle = cursor.handle;
	fbs[0] = add_fb(&bufs[0]);
	fbs[1] = add_fb(&bufs[1]);
	draw(&bufs[0], 0);
	if (drmModeSetCrtc(fd, crtc, fbs[0], 0, 0, &conn->connector_id, 1, mode))
		bench_die("SETCRTC");
	drain();

	/* DIRTYFB of the scanned-out buffer. */
	start = bench_now_ns();
	for (n = 0; bench_now_ns() - start < ns; n++) {
		uint64_t t = bench_now_ns();

		draw(&bufs[0], n + 1);
		lap(&t_draw, &t);
		if (drmModeDirtyFB(fd, fbs[0], NULL, 0))
			bench_die("DIRTYFB");
		lap(&t_update, &t);
		virtgpu_wait(bufs[0].handle);
		lap(&t_wait, &t);
	}
	t0 = bench_now_ns();
	drain();
	end = bench_now_ns();
	verbose("dirtyfb", n, end - t0);
	bench_report("virtio-frame-dirtyfb", "frames/s", (double)n * 1e9 / (double)(end - start), true);

	/* Page flips between the two, with events. */
	start = bench_now_ns();
	for (n = 0; bench_now_ns() - start < ns; n++) {
		const struct bench_dumb *back = &bufs[(n + 1) & 1];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = bench_now_ns();

		draw(back, n + 1);
		lap(&t_draw, &t);
		flip_done = false;
		if (drmModePageFlip(fd, crtc, fbs[(n + 1) & 1], DRM_MODE_PAGE_FLIP_EVENT, NULL))
			bench_die("PAGE_FLIP");
		while (!flip_done) {
			if (poll(&pfd, 1, 5000) <= 0)
				bench_die("no flip event");
			drmHandleEvent(fd, &ev);
		}
		lap(&t_update, &t);
		virtgpu_wait(back->handle);
		lap(&t_wait, &t);
	}
	t0 = bench_now_ns();
	drain();
	end = bench_now_ns();
	verbose("flip", n, end - t0);
	bench_report("virtio-frame-flip", "frames/s", (double)n * 1e9 / (double)(end - start), true);

	drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return 0;
}
