/*
 * virgl_probe - the same virtgpu uAPI calls on any virtio_gpu node, one
 * answer per line, so the kernel's virtio_gpu and ours can be compared line
 * by line (tests/host/test_virgl.py).
 *
 *   virgl-probe NODE
 *
 * Lines: "getparam P = V" or "getparam P errno E"; "caps ID VER SIZE HEX"
 * (GET_CAPS bytes); "bad NAME errno E" (bad input, against the kernel's
 * errnos); "clear ..." (a VIRGL_CCMD_CLEAR of a 3D render target, read back
 * with TRANSFER_FROM_HOST); "box ..." (TRANSFER_TO_HOST of a box, then
 * back).  Lines that can differ by nature (resource ids) carry none.
 * Exit 0 when every call could be made, whatever it answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drivers/virtio/virtgpu_uapi.h"

/* virglrenderer's protocol (src/virgl_protocol.h; Mesa's virgl_protocol.h). */
#define VIRGL_CMD0(cmd, obj, len) ((cmd) | ((obj) << 8) | ((uint32_t)(len) << 16))
#define VIRGL_CCMD_CREATE_OBJECT 1
#define VIRGL_CCMD_SET_FRAMEBUFFER_STATE 5
#define VIRGL_CCMD_CLEAR 7
#define VIRGL_OBJECT_SURFACE 8
#define VIRGL_FORMAT_B8G8R8A8_UNORM 1
#define VIRGL_BIND_RENDER_TARGET (1 << 1)
#define PIPE_TEXTURE_2D 2
#define PIPE_CLEAR_COLOR0 (1 << 2)

#define W 64
#define H 64

static int fd;

static int xioctl(unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r ? errno : 0;
}

static void getparams(void)
{
	for (uint64_t p = 1; p <= 8; p++) {
		int value = -12345;
		struct drm_virtgpu_getparam gp = { p, (uint64_t)(uintptr_t)&value };
		int e = xioctl(DRM_IOCTL_VIRTGPU_GETPARAM, &gp);

		if (e)
			printf("getparam %llu errno %d\n", (unsigned long long)p, e);
		else
			printf("getparam %llu = %d\n", (unsigned long long)p, value);
	}
}

static void caps(void)
{
	static uint8_t buf[65536];

	for (uint32_t id = 1; id <= 3; id++) {
		for (uint32_t ver = 0; ver <= 3; ver++) {
			struct drm_virtgpu_get_caps gc = { id, ver, (uint64_t)(uintptr_t)buf, sizeof(buf), 0 };
			int e;

			memset(buf, 0xa5, sizeof(buf));
			e = xioctl(DRM_IOCTL_VIRTGPU_GET_CAPS, &gc);
			if (e) {
				printf("caps %u %u errno %d\n", id, ver, e);
				continue;
			}
			/* The bytes written: up to the last one that is not the fill. */
			size_t n = sizeof(buf);
			while (n && buf[n - 1] == 0xa5)
				n--;
			printf("caps %u %u %zu ", id, ver, n);
			for (size_t i = 0; i < n; i++)
				printf("%02x", buf[i]);
			printf("\n");
		}
	}
	/* A short buffer gets exactly its size. */
	{
		uint8_t small[16];
		struct drm_virtgpu_get_caps gc = { 2, 0, (uint64_t)(uintptr_t)small, 8, 0 };

		memset(small, 0xa5, sizeof(small));
		int e = xioctl(DRM_IOCTL_VIRTGPU_GET_CAPS, &gc);
		printf("caps short errno %d bytes", e);
		for (int i = 0; i < 16; i++)
			printf(" %02x", small[i]);
		printf("\n");
	}
}

static void bad(const char *name, unsigned long req, void *arg)
{
	printf("bad %s errno %d\n", name, xioctl(req, arg));
}

static void bad_input(void)
{
	uint8_t buf[64];
	struct drm_virtgpu_get_caps gc0 = { 2, 0, (uint64_t)(uintptr_t)buf, 0, 0 };
	struct drm_virtgpu_get_caps gcid = { 99, 0, (uint64_t)(uintptr_t)buf, 64, 0 };
	struct drm_virtgpu_get_caps gcver = { 2, 99, (uint64_t)(uintptr_t)buf, 64, 0 };
	struct drm_virtgpu_get_caps gcfault = { 2, 0, 8, 64, 0 };
	struct drm_virtgpu_context_set_param cp[4] = { { VIRTGPU_CONTEXT_PARAM_CAPSET_ID, 99 } };
	struct drm_virtgpu_context_init ci4 = { 4, 0, (uint64_t)(uintptr_t)cp };
	struct drm_virtgpu_context_init ci1 = { 1, 0, (uint64_t)(uintptr_t)cp };
	struct drm_virtgpu_3d_transfer_from_host tf = { .bo_handle = 999, .box = { 0, 0, 0, 1, 1, 1 } };
	struct drm_virtgpu_3d_transfer_to_host tt = { .bo_handle = 999, .box = { 0, 0, 0, 1, 1, 1 } };
	struct drm_virtgpu_3d_wait w = { 999, 0 };
	struct drm_virtgpu_3d_wait wf = { 999, 2 };
	struct drm_virtgpu_execbuffer ebf = { .flags = 0x80, .fence_fd = -1 };
	uint32_t badh = 999;
	struct drm_virtgpu_execbuffer ebh = { .num_bo_handles = 1, .bo_handles = (uint64_t)(uintptr_t)&badh };
	struct drm_virtgpu_execbuffer ebr = { .flags = VIRTGPU_EXECBUF_RING_IDX, .ring_idx = 0 };
	struct drm_virtgpu_execbuffer ebc = { .size = 64, .command = 8 };
	struct drm_virtgpu_resource_info ri = { .bo_handle = 999 };
	struct drm_virtgpu_map map = { .handle = 999 };

	bad("get_caps_size0", DRM_IOCTL_VIRTGPU_GET_CAPS, &gc0);
	bad("get_caps_id99", DRM_IOCTL_VIRTGPU_GET_CAPS, &gcid);
	bad("get_caps_ver99", DRM_IOCTL_VIRTGPU_GET_CAPS, &gcver);
	bad("get_caps_efault", DRM_IOCTL_VIRTGPU_GET_CAPS, &gcfault);
	bad("context_init_4params", DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &ci4);
	bad("context_init_capset99", DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &ci1);
	bad("transfer_from_host_bad_handle", DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &tf);
	bad("transfer_to_host_bad_handle", DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &tt);
	bad("wait_bad_handle", DRM_IOCTL_VIRTGPU_WAIT, &w);
	bad("wait_bad_flags", DRM_IOCTL_VIRTGPU_WAIT, &wf);
	bad("execbuffer_bad_flags", DRM_IOCTL_VIRTGPU_EXECBUFFER, &ebf);
	bad("execbuffer_bad_bo", DRM_IOCTL_VIRTGPU_EXECBUFFER, &ebh);
	bad("execbuffer_ring_idx_no_rings", DRM_IOCTL_VIRTGPU_EXECBUFFER, &ebr);
	bad("execbuffer_efault", DRM_IOCTL_VIRTGPU_EXECBUFFER, &ebc);
	bad("resource_info_bad_handle", DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri);
	bad("map_bad_handle", DRM_IOCTL_VIRTGPU_MAP, &map);
}

/* A W x H B8G8R8A8 render target; its bo handle, mapping and resource id. */
static int make_target(uint32_t *handle, uint32_t *res, uint8_t **map)
{
	struct drm_virtgpu_resource_create rc = {
		.target = PIPE_TEXTURE_2D, .format = VIRGL_FORMAT_B8G8R8A8_UNORM, .bind = VIRGL_BIND_RENDER_TARGET,
		.width = W, .height = H, .depth = 1, .array_size = 1, .last_level = 0, .nr_samples = 0,
		.size = W * H * 4, .stride = W * 4,
	};
	struct drm_virtgpu_map mp = { 0 };
	int e = xioctl(DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &rc);

	printf("resource_create errno %d\n", e);
	if (e)
		return -1;
	*handle = rc.bo_handle;
	*res = rc.res_handle;
	{
		struct drm_virtgpu_resource_info ri = { .bo_handle = rc.bo_handle };

		e = xioctl(DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri);
		printf("resource_info errno %d size %u same_res %d\n", e, ri.size, ri.res_handle == rc.res_handle);
	}
	mp.handle = rc.bo_handle;
	e = xioctl(DRM_IOCTL_VIRTGPU_MAP, &mp);
	printf("map errno %d\n", e);
	if (e)
		return -1;
	*map = mmap(NULL, W * H * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)mp.offset);
	if (*map == MAP_FAILED) {
		printf("mmap failed errno %d\n", errno);
		return -1;
	}
	return 0;
}

static int wait_bo(uint32_t handle)
{
	struct drm_virtgpu_3d_wait w = { handle, 0 };

	return xioctl(DRM_IOCTL_VIRTGPU_WAIT, &w);
}

static void print_region(const char *what, const uint8_t *p, int x0, int y0, int w, int h)
{
	uint32_t sum = 2166136261u;

	for (int y = y0; y < y0 + h; y++)
		for (int x = x0; x < x0 + w; x++)
			for (int c = 0; c < 4; c++)
				sum = (sum ^ p[(y * W + x) * 4 + c]) * 16777619u;
	printf("%s first %02x%02x%02x%02x hash %08x\n", what, p[(y0 * W + x0) * 4], p[(y0 * W + x0) * 4 + 1],
	       p[(y0 * W + x0) * 4 + 2], p[(y0 * W + x0) * 4 + 3], sum);
}

/* One VIRGL NOP for the file's context, with @flags and @fence_fd; the errno, and the fence_fd written back. */
static int exec_nop(uint32_t handle, uint32_t flags, int32_t fence_fd, int32_t *fd_out)
{
	uint32_t nop = 0;
	struct drm_virtgpu_execbuffer eb = {
		.flags = flags, .size = 4, .command = (uint64_t)(uintptr_t)&nop,
		.bo_handles = (uint64_t)(uintptr_t)&handle, .num_bo_handles = 1, .fence_fd = fence_fd,
	};
	int e = xioctl(DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb);

	*fd_out = eb.fence_fd;
	return e;
}

/*
 * EXECBUFFER's fence fds: FENCE_FD_OUT gives a sync_file that signals
 * (poll), FENCE_FD_IN takes it back, and fds that are no sync_file get the
 * kernel's EINVAL (sync_file_get_fence() failing); a syncobj imports the
 * out-fence (SYNCOBJ_FD_TO_HANDLE with IMPORT_SYNC_FILE) and SYNCOBJ_WAIT
 * finds it signalled.
 */
static void fence_test(uint32_t handle)
{
	int32_t out = -1, out2 = -1, back;
	int e;

	e = exec_nop(handle, VIRTGPU_EXECBUF_FENCE_FD_OUT, -1, &out);
	printf("fence out errno %d fd %s\n", e, out >= 0 ? "valid" : "none");
	if (out >= 0) {
		struct pollfd p = { .fd = out, .events = POLLIN };
		int n = poll(&p, 1, 30000);

		printf("fence out poll %d revents %#x\n", n, p.revents);
	}
	e = exec_nop(handle, VIRTGPU_EXECBUF_FENCE_FD_IN, out, &back);
	printf("fence in errno %d fence_fd %s\n", e, back == out ? "unchanged" : back == -1 ? "-1" : "other");
	e = exec_nop(handle, VIRTGPU_EXECBUF_FENCE_FD_IN | VIRTGPU_EXECBUF_FENCE_FD_OUT, out, &out2);
	printf("fence in+out errno %d fd %s\n", e, out2 >= 0 && out2 != out ? "new" : "none");
	if (out2 >= 0) {
		struct pollfd p = { .fd = out2, .events = POLLIN };
		int n = poll(&p, 1, 30000);

		printf("fence in+out poll %d revents %#x\n", n, p.revents);
	}
	{
		struct drm_syncobj_create sc = { 0 };
		struct drm_syncobj_destroy sd = { 0 };

		e = xioctl(DRM_IOCTL_SYNCOBJ_CREATE, &sc);
		printf("fence syncobj_create errno %d\n", e);
		if (!e) {
			struct drm_syncobj_handle h = {
				.handle = sc.handle, .flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, .fd = out2,
			};
			struct drm_syncobj_wait w = { .handles = (uint64_t)(uintptr_t)&sc.handle, .count_handles = 1,
						      .timeout_nsec = INT64_MAX };

			printf("fence syncobj_import errno %d\n", xioctl(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h));
			printf("fence syncobj_wait errno %d\n", xioctl(DRM_IOCTL_SYNCOBJ_WAIT, &w));
			sd.handle = sc.handle;
			xioctl(DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
		}
	}
	if (out >= 0)
		close(out);
	if (out2 >= 0)
		close(out2);
	{
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		e = exec_nop(handle, VIRTGPU_EXECBUF_FENCE_FD_IN, devnull, &back);
		printf("bad fence_in_not_sync_file errno %d\n", e);
		close(devnull);
	}
	printf("bad fence_in_closed_fd errno %d\n", exec_nop(handle, VIRTGPU_EXECBUF_FENCE_FD_IN, 1000, &back));
	printf("bad fence_in_minus_one errno %d\n", exec_nop(handle, VIRTGPU_EXECBUF_FENCE_FD_IN, -1, &back));
	printf("bad fence_in_drm_fd errno %d\n", exec_nop(handle, VIRTGPU_EXECBUF_FENCE_FD_IN, fd, &back));
}

static void clear_test(void)
{
	uint32_t handle, res;
	uint8_t *map;
	float color[4] = { 1.0f, 0.5f, 0.25f, 1.0f };
	uint32_t cmd[32];
	int n = 0, e;

	if (make_target(&handle, &res, &map))
		return;
	memset(map, 0x11, W * H * 4);
	cmd[n++] = VIRGL_CMD0(VIRGL_CCMD_CREATE_OBJECT, VIRGL_OBJECT_SURFACE, 5);
	cmd[n++] = 1;                       /* surface handle */
	cmd[n++] = res;                     /* resource */
	cmd[n++] = VIRGL_FORMAT_B8G8R8A8_UNORM;
	cmd[n++] = 0;                       /* level */
	cmd[n++] = 0;                       /* first and last layer */
	cmd[n++] = VIRGL_CMD0(VIRGL_CCMD_SET_FRAMEBUFFER_STATE, 0, 3);
	cmd[n++] = 1;                       /* nr_cbufs */
	cmd[n++] = 0;                       /* no zsbuf */
	cmd[n++] = 1;                       /* cbuf 0: surface 1 */
	cmd[n++] = VIRGL_CMD0(VIRGL_CCMD_CLEAR, 0, 8);
	cmd[n++] = PIPE_CLEAR_COLOR0;
	memcpy(&cmd[n], color, sizeof(color));
	n += 4;
	cmd[n++] = 0;                       /* depth (double) */
	cmd[n++] = 0;
	cmd[n++] = 0;                       /* stencil */
	{
		struct drm_virtgpu_execbuffer eb = {
			.size = (uint32_t)(n * 4), .command = (uint64_t)(uintptr_t)cmd,
			.bo_handles = (uint64_t)(uintptr_t)&handle, .num_bo_handles = 1, .fence_fd = -1,
		};

		e = xioctl(DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb);
		printf("clear execbuffer errno %d fence_fd %d\n", e, eb.fence_fd);
	}
	printf("clear wait errno %d\n", wait_bo(handle));
	{
		struct drm_virtgpu_3d_transfer_from_host tf = { .bo_handle = handle, .box = { 0, 0, 0, W, H, 1 } };

		e = xioctl(DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &tf);
		printf("clear transfer_from_host errno %d\n", e);
		struct drm_virtgpu_3d_transfer_from_host ts = tf;
		ts.stride = W * 4;
		printf("bad transfer_from_host_stride errno %d\n", xioctl(DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &ts));
	}
	printf("clear wait errno %d\n", wait_bo(handle));
	print_region("clear pixels", map, 0, 0, W, H);

	/* A box: write a pattern into the backing, send a 16x8 box at (8, 4) to the host, clear
	 * the backing, then read the whole resource back: the box holds the pattern, the rest the clear. */
	for (int i = 0; i < W * H * 4; i++)
		map[i] = (uint8_t)(i * 7 + 3);
	{
		struct drm_virtgpu_3d_transfer_to_host tt = {
			.bo_handle = handle, .box = { 8, 4, 0, 16, 8, 1 }, .level = 0, .offset = (4 * W + 8) * 4,
		};

		e = xioctl(DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &tt);
		printf("box transfer_to_host errno %d\n", e);
		struct drm_virtgpu_3d_transfer_to_host ts = tt;
		ts.layer_stride = 1;
		printf("bad transfer_to_host_layer_stride errno %d\n", xioctl(DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &ts));
	}
	printf("box wait errno %d\n", wait_bo(handle));
	memset(map, 0, W * H * 4);
	{
		struct drm_virtgpu_3d_transfer_from_host tf = { .bo_handle = handle, .box = { 0, 0, 0, W, H, 1 } };

		e = xioctl(DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &tf);
		printf("box transfer_from_host errno %d\n", e);
	}
	printf("box wait errno %d\n", wait_bo(handle));
	print_region("box inside", map, 8, 4, 16, 8);
	print_region("box outside", map, 32, 32, 32, 32);
	print_region("box all", map, 0, 0, W, H);
	/* A command stream over one CUSE round (128 KiB): 256 KiB of VIRGL_CCMD_NOPs, then a green clear. */
	{
		size_t words = 256 * 1024 / 4;
		uint32_t *big = calloc(words, 4);
		float green[4] = { 0.0f, 1.0f, 0.0f, 1.0f };
		size_t k = words - 9;

		big[k++] = VIRGL_CMD0(VIRGL_CCMD_CLEAR, 0, 8);
		big[k++] = PIPE_CLEAR_COLOR0;
		memcpy(&big[k], green, sizeof(green));
		struct drm_virtgpu_execbuffer eb = {
			.size = (uint32_t)(words * 4), .command = (uint64_t)(uintptr_t)big,
			.bo_handles = (uint64_t)(uintptr_t)&handle, .num_bo_handles = 1, .fence_fd = -1,
		};
		e = xioctl(DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb);
		printf("big execbuffer errno %d\n", e);
		free(big);
		struct drm_virtgpu_3d_transfer_from_host tf = { .bo_handle = handle, .box = { 0, 0, 0, W, H, 1 } };
		printf("big transfer_from_host errno %d\n", xioctl(DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &tf));
		printf("big wait errno %d\n", wait_bo(handle));
		print_region("big pixels", map, 0, 0, W, H);
	}
	fence_test(handle);
	munmap(map, W * H * 4);
	{
		struct drm_gem_close gcl = { .handle = handle };

		printf("gem_close errno %d\n", xioctl(DRM_IOCTL_GEM_CLOSE, &gcl));
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: virgl-probe NODE\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	getparams();
	caps();
	bad_input();
	clear_test();
	close(fd);
	return 0;
}
