/*
 * test_virtio_gpu.c - the virtio-gpu driver core (drivers/virtio) against a
 * simulated device: device faults that QEMU will not produce on demand.
 *
 * The simulated device is tests/virtio_model/virtio_gpu_model.c (shared
 * with the fuzzer): one fake PCI function whose config space carries the
 * virtio 1.x vendor capabilities (virtio spec v1.2, 4.1.4), whose BAR 4
 * holds the common, ISR, device and notify structures, and whose "DMA" is
 * ordinary memory checked against the live mappings as an IOMMU would (the
 * Makefile links this test without vfio/vfio_pci.o).  Behind it a small
 * virtio-gpu model (5.7) consumes the split virtqueues (2.7); here it runs
 * on its own thread and answers with used-ring entries and MSI-X
 * interrupts delivered on that thread, as the platform's interrupt thread.
 *
 * What the model can be told to do: answer a given command with an error
 * response, swallow commands without answering (a hung device), or set
 * DEVICE_NEEDS_RESET (2.1.2) and send a config interrupt instead of
 * answering.  A reset (status 0) brings it back, with its resources gone,
 * as a real device's.
 *
 * Checked: the client gets the errno (ENOMEM, EINVAL, ETIMEDOUT, EIO); the
 * daemon logs the command; the driver resets and reinitialises the device
 * and re-creates its live resources; nothing leaks (GEM objects, DMA
 * mappings, model resources).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <virtgpu_drm.h>

#include "harness.h"
#include "core/platform_pci.h"
#include "drivers/virtio/virtgpu_drv.h"
#include "tests/virtio_model/virtio_gpu_model.h"

/* ------------------------------------------------------------------ */
/* The fake PCI function: tests/virtio_model, serviced by a thread     */
/* ------------------------------------------------------------------ */

/*
 * The model (tests/virtio_model/virtio_gpu_model.c) is the device; here it
 * gets its own thread, which consumes the queues when the driver notifies
 * them and delivers the interrupts on that thread, as the platform's
 * interrupt thread would.
 */
struct fake_thread {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool stop;
};

static struct drm_pci_dev fake;
static struct fake_thread ft;

static void ft_lock(void *ctx) { pthread_mutex_lock(&((struct fake_thread *)ctx)->lock); }
static void ft_unlock(void *ctx) { pthread_mutex_unlock(&((struct fake_thread *)ctx)->lock); }
static void ft_wake(void *ctx) { pthread_cond_broadcast(&((struct fake_thread *)ctx)->cond); }
static void ft_wait(void *ctx)
{
	struct fake_thread *t = ctx;

	pthread_cond_wait(&t->cond, &t->lock);
}

static void *model_thread(void *arg)
{
	struct drm_pci_dev *d = arg;

	pthread_mutex_lock(&ft.lock);
	while (!ft.stop)
		if (!vgm_service(d))
			pthread_cond_wait(&ft.cond, &ft.lock);
	pthread_mutex_unlock(&ft.lock);
	return NULL;
}

static void fake_init(void)
{
	const struct vgm_config config = { .num_scanouts = 1, .offer_edid = false, .msix_vectors = 3 };
	const struct vgm_hooks hooks = { ft_lock, ft_unlock, ft_wake, ft_wait, &ft };

	memset(&ft, 0, sizeof(ft));
	pthread_mutex_init(&ft.lock, NULL);
	pthread_cond_init(&ft.cond, NULL);
	vgm_init(&fake, &config, &hooks);
	pthread_create(&ft.thread, NULL, model_thread, &fake);
}

static void fake_fini(void)
{
	pthread_mutex_lock(&ft.lock);
	ft.stop = true;
	pthread_cond_broadcast(&ft.cond);
	pthread_mutex_unlock(&ft.lock);
	pthread_join(ft.thread, NULL);
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

struct vt {
	struct drm_device *dev;
	struct drm_file *file;
	struct drm_device_stats base;
};

static struct drm_device_stats stats(struct drm_device *dev)
{
	struct drm_device_stats s;

	drm_device_get_stats(dev, &s);
	return s;
}

static void model_set(enum vgm_mode mode, uint32_t err_cmd, uint32_t err_resp)
{
	pthread_mutex_lock(&ft.lock);
	fake.mode = mode;
	fake.err_cmd = err_cmd;
	fake.err_resp = err_resp;
	pthread_mutex_unlock(&ft.lock);
}

static unsigned int model_resources(bool attached_only)
{
	unsigned int n = 0;

	pthread_mutex_lock(&ft.lock);
	n = vgm_resources(&fake, attached_only);
	pthread_mutex_unlock(&ft.lock);
	return n;
}

static unsigned int model_resets(void)
{
	unsigned int n;

	pthread_mutex_lock(&ft.lock);
	n = fake.resets;
	pthread_mutex_unlock(&ft.lock);
	return n;
}

/* Poll @cond for up to 10 s: the driver's work items run on the platform's timer thread. */
#define WAIT_FOR(cond)                                                              \
	do {                                                                        \
		for (int i_ = 0; i_ < 1000 && !(cond); i_++)                         \
			usleep(10000);                                              \
		assert_true(cond);                                                  \
	} while (0)

static int vt_setup_opts(void **state, const char *opts)
{
	struct vt *t = calloc(1, sizeof(*t));

	fake_init();
	if (!t || drm_device_create_pci(&virtio_gpu_driver, opts, &fake, &t->dev))
		return -1;
	t->file = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	t->base = stats(t->dev);
	*state = t;
	return 0;
}

static int vt_setup(void **state)
{
	return vt_setup_opts(state, "");
}

static int vt_setup_short_timeout(void **state)
{
	return vt_setup_opts(state, "cmd_timeout_ms=100");
}

static int vt_teardown(void **state)
{
	struct vt *t = *state;
	struct drm_device_stats s;
	struct drm_pci_dma_stats dma;

	drm_file_release(t->file);
	s = stats(t->dev);
	drm_device_destroy(t->dev);
	drm_platform_pci_dma_stats(&fake, &dma);
	fake_fini();
	free(t);
	/* Nothing outlives its client, and unload gives back every mapping and the device's resources. */
	if (s.gem_objects || s.framebuffers || dma.mappings || model_resources(false) || fake.dma_faults) {
		fprintf(stderr, "leak: gem %u fbs %u dma %u resources %u dma faults %u\n", s.gem_objects,
			s.framebuffers, dma.mappings, model_resources(false), fake.dma_faults);
		return -1;
	}
	return 0;
}

static int create_dumb(struct drm_file *f, uint32_t w, uint32_t h, uint32_t *handle)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	int ret = test_ioctl(f, DRM_IOCTL_MODE_CREATE_DUMB, &c);

	*handle = c.handle;
	return ret;
}

static void destroy_dumb(struct drm_file *f, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = { .handle = handle };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_DESTROY_DUMB, &d), 0);
}

/* The daemon's log while @call runs (drm_platform_log writes to stderr). */
static char logbuf[16384];
#define CAPTURE_LOG(call)                                                            \
	do {                                                                         \
		FILE *tmp_ = tmpfile();                                              \
		int saved_ = dup(2);                                                 \
		size_t n_;                                                           \
		fflush(stderr);                                                      \
		dup2(fileno(tmp_), 2);                                               \
		call;                                                                \
		fflush(stderr);                                                      \
		dup2(saved_, 2);                                                     \
		close(saved_);                                                       \
		rewind(tmp_);                                                        \
		n_ = fread(logbuf, 1, sizeof(logbuf) - 1, tmp_);                     \
		logbuf[n_] = '\0';                                                   \
		fclose(tmp_);                                                        \
		fputs(logbuf, stderr);                                               \
	} while (0)

/** The model answers like a device: a dumb buffer is a resource with backing, one DMA mapping. */
static void test_dumb_buffer_on_model(void **state)
{
	struct vt *t = *state;
	uint32_t h;

	/* The baseline: the rings and command slots of two queues, all coherent. */
	assert_int_equal(t->base.dma_mappings, 8);
	assert_int_equal(t->base.dma_coherent, 8);
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	assert_int_equal(model_resources(true), 1);
	assert_int_equal(stats(t->dev).dma_mappings, 9);
	assert_int_equal(stats(t->dev).dma_bytes, t->base.dma_bytes + 64 * 64 * 4);
	destroy_dumb(t->file, h);
	assert_int_equal(model_resources(false), 0);
	assert_int_equal(stats(t->dev).dma_mappings, 8);
}

/** Error responses: the client gets the kernel's errno, the log names the command, nothing leaks. */
static void test_error_responses(void **state)
{
	struct vt *t = *state;
	uint32_t h;
	int ret;

	model_set(VGM_MODE_OK, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -ENOMEM);
	assert_non_null(strstr(logbuf, "RESOURCE_CREATE_2D answered ERR_OUT_OF_MEMORY"));

	/* A command on a resource id the device does not know (here: it refuses ATTACH_BACKING's). */
	model_set(VGM_MODE_OK, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(logbuf, "RESOURCE_ATTACH_BACKING answered ERR_INVALID_RESOURCE_ID"));
	/* The driver unreferenced the resource it had created, and unmapped the memory. */
	assert_int_equal(model_resources(false), 0);
	assert_int_equal(stats(t->dev).gem_objects, 0);
	assert_int_equal(stats(t->dev).dma_mappings, t->base.dma_mappings);

	model_set(VGM_MODE_OK, 0, 0);
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	destroy_dumb(t->file, h);
	assert_int_equal(model_resets(), 1); /* only the one at load */
}

/**
 * No answer: ETIMEDOUT after cmd_timeout_ms, logged with the command; the
 * device is reset and reinitialised, and the next command works.
 */
static void test_timeout_resets_device(void **state)
{
	struct vt *t = *state;
	uint32_t keep, h;
	int ret;

	assert_int_equal(create_dumb(t->file, 32, 32, &keep), 0);
	model_set(VGM_MODE_SILENT, 0, 0);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -ETIMEDOUT);
	assert_non_null(strstr(logbuf, "RESOURCE_CREATE_2D on queue 0: no response within 100 ms"));
	/* The hung device comes back with a reset (by the config work item or the next command). */
	WAIT_FOR(model_resets() == 2);
	WAIT_FOR(model_resources(true) == 1); /* the live buffer's resource, re-created with its backing */
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	assert_int_equal(model_resources(true), 2);
	destroy_dumb(t->file, h);
	destroy_dumb(t->file, keep);
	assert_int_equal(stats(t->dev).dma_mappings, t->base.dma_mappings);
}

/**
 * DEVICE_NEEDS_RESET (virtio 2.1.2) while a command waits: the waiter gets
 * EIO at once (the timeout is the default 5 s, so ETIMEDOUT would mean the
 * config interrupt was missed); the driver resets and reinitialises the
 * device, re-creates the live resource and works again.
 */
static void test_needs_reset(void **state)
{
	struct vt *t = *state;
	uint32_t keep, h;
	int ret;

	assert_int_equal(create_dumb(t->file, 32, 32, &keep), 0);
	model_set(VGM_MODE_NEEDS_RESET, 0, 0);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -EIO);
	assert_non_null(strstr(logbuf, "RESOURCE_CREATE_2D on queue 0: failed, the device needs a reset"));
	WAIT_FOR(model_resets() == 2);
	WAIT_FOR(model_resources(true) == 1);
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	destroy_dumb(t->file, h);
	destroy_dumb(t->file, keep);
	assert_int_equal(model_resources(false), 0);
	assert_int_equal(stats(t->dev).dma_mappings, t->base.dma_mappings);
}

/* The resource id of GEM handle @h (VIRTGPU_RESOURCE_INFO). */
static uint32_t resource_of(struct drm_file *f, uint32_t h)
{
	struct drm_virtgpu_resource_info ri = { .bo_handle = h };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri), 0);
	return ri.res_handle;
}

/* A field of the model's device state, read under its lock (the device runs on its own thread). */
static uint32_t model_read(const uint32_t *field)
{
	uint32_t r;

	pthread_mutex_lock(&ft.lock);
	r = *field;
	pthread_mutex_unlock(&ft.lock);
	return r;
}

/* The resource scanout 0 shows (0: off). */
static uint32_t model_scanout(void)
{
	return model_read(&fake.scanout_resource[0]);
}

/**
 * A lit scanout survives a reset: DEVICE_NEEDS_RESET during DIRTYFB's
 * TRANSFER_TO_HOST_2D gives the client EIO; after the reset the device
 * shows the same resource again (SET_SCANOUT resent) and DIRTYFB works.
 */
/* Light scanout 0 with a new XRGB8888 framebuffer in the connector's first mode; its id, and
 * the CRTC's id and the framebuffer's resource in *@crtc_out and *@res_out. */
static uint32_t light_scanout(struct drm_file *file, uint32_t *crtc_out, uint32_t *res_out)
{
	struct drm_mode_card_res r = { 0 };
	struct drm_mode_get_connector gc = { 0 };
	struct drm_mode_modeinfo *modes;
	uint32_t crtc, conn, handle, pitch, fb;
	struct drm_mode_crtc c = { .count_connectors = 1, .mode_valid = 1 };

	r.crtc_id_ptr = test_ptr(&crtc);
	r.connector_id_ptr = test_ptr(&conn);
	r.count_crtcs = r.count_connectors = 1;
	assert_int_equal(test_ioctl(file, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	gc.connector_id = conn;
	assert_int_equal(test_ioctl(file, DRM_IOCTL_MODE_GETCONNECTOR, &gc), 0);
	assert_true(gc.count_modes > 0);
	modes = calloc(gc.count_modes, sizeof(*modes));
	gc.modes_ptr = test_ptr(modes);
	gc.count_props = gc.count_encoders = 0;
	assert_int_equal(test_ioctl(file, DRM_IOCTL_MODE_GETCONNECTOR, &gc), 0);
	fb = test_create_fb(file, modes[0].hdisplay, modes[0].vdisplay, DRM_FORMAT_XRGB8888, &handle, &pitch);
	*res_out = resource_of(file, handle);
	c.crtc_id = crtc;
	c.fb_id = fb;
	c.set_connectors_ptr = test_ptr(&conn);
	c.mode = modes[0];
	free(modes);
	assert_int_equal(test_ioctl(file, DRM_IOCTL_MODE_SETCRTC, &c), 0);
	assert_int_equal(model_scanout(), *res_out);
	*crtc_out = crtc;
	return fb;
}

static void test_needs_reset_restores_scanout(void **state)
{
	struct vt *t = *state;
	uint32_t crtc, fb, res;
	struct drm_mode_fb_dirty_cmd dirty = { 0 };

	fb = light_scanout(t->file, &crtc, &res);

	model_set(VGM_MODE_NEEDS_RESET, 0, 0);
	dirty.fb_id = fb;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_DIRTYFB, &dirty), -EIO);
	WAIT_FOR(model_resets() == 2);
	WAIT_FOR(model_scanout() == res);
	assert_int_equal(model_resources(true), 1);
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_DIRTYFB, &dirty), 0);
	/* RMFB of the scanned-out fb turns the CRTC off: SET_SCANOUT 0. */
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_RMFB, &fb), 0);
	assert_int_equal(model_scanout(), 0);
}

/* The cursor image scanout 0 shows (0: hidden). */
static uint32_t model_cursor(void)
{
	return model_read(&fake.cursor_resource[0]);
}

/**
 * A cursor image the device refuses (TRANSFER_TO_HOST_2D answered with an error) hides the
 * cursor: the device is not left showing the previous image, and the driver keeps no pointer
 * to the previous framebuffer, which the legacy cursor frees with the next image.
 */
static void test_cursor_upload_refused_hides_cursor(void **state)
{
	struct vt *t = *state;
	uint32_t crtc, res, h1, h2;
	struct drm_mode_cursor cur = { .flags = DRM_MODE_CURSOR_BO, .width = 64, .height = 64 };

	light_scanout(t->file, &crtc, &res);
	assert_int_equal(create_dumb(t->file, 64, 64, &h1), 0);
	assert_int_equal(create_dumb(t->file, 64, 64, &h2), 0);
	cur.crtc_id = crtc;
	cur.handle = h1;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_CURSOR, &cur), 0);
	WAIT_FOR(model_cursor() == resource_of(t->file, h1));

	model_set(VGM_MODE_OK, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, VIRTIO_GPU_RESP_ERR_UNSPEC);
	cur.handle = h2;
	CAPTURE_LOG(assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_CURSOR, &cur), 0));
	WAIT_FOR(model_cursor() == 0);

	/* The device takes images again: the next one is uploaded and shown, not just moved. */
	model_set(VGM_MODE_OK, 0, 0);
	cur.handle = h1;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_CURSOR, &cur), 0);
	WAIT_FOR(model_cursor() == resource_of(t->file, h1));
	cur.handle = 0;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_CURSOR, &cur), 0);
	WAIT_FOR(model_cursor() == 0);
	destroy_dumb(t->file, h1);
	destroy_dumb(t->file, h2);
}

/** A bad driver option fails the load with EINVAL. */
static void test_bad_option(void **state)
{
	struct drm_device *dev = NULL;

	(void)state;
	fake_init();
	assert_int_equal(drm_device_create_pci(&virtio_gpu_driver, "cmd_timeout_ms=0", &fake, &dev), -EINVAL);
	assert_int_equal(drm_device_create_pci(&virtio_gpu_driver, "bogus=1", &fake, &dev), -EINVAL);
	fake_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dumb_buffer_on_model, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_error_responses, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_resets_device, vt_setup_short_timeout, vt_teardown),
		cmocka_unit_test_setup_teardown(test_needs_reset, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_needs_reset_restores_scanout, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_cursor_upload_refused_hides_cursor, vt_setup, vt_teardown),
		cmocka_unit_test(test_bad_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
