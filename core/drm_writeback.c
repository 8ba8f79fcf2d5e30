/*
 * drm_writeback.c - writeback connectors (the kernel's drm_writeback.c,
 * Linux 6.1): a connector of type DRM_MODE_CONNECTOR_WRITEBACK whose
 * "display" is a framebuffer the client hands over with WRITEBACK_FB_ID in
 * an atomic commit.  The driver writes the next frame it composes into it
 * and signals completion.  The checks of a job are in drm_atomic.c
 * (drm_atomic_connector_check(), drm_atomic_helper_check_wb_encoder_state()).
 */
#include <errno.h>
#include <stdlib.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"

struct drm_connector *drm_writeback_connector_create(struct drm_device *dev, struct drm_encoder *encoder,
						     const uint32_t *formats, uint32_t count,
						     int (*atomic_check)(struct drm_connector *conn,
									 struct drm_framebuffer *fb,
									 const struct drm_crtc_state *cs))
{
	struct drm_writeback_connector *wb;
	struct drm_property_blob *blob;
	struct drm_connector *conn;

	if (!count || drm_writeback_props_init(dev))
		return NULL;
	wb = calloc(1, sizeof(*wb));
	if (!wb)
		return NULL;
	blob = drm_property_create_blob(dev, formats, count * (uint32_t)sizeof(uint32_t));
	if (!blob) {
		free(wb);
		return NULL;
	}
	conn = drm_connector_create(dev, DRM_MODE_CONNECTOR_WRITEBACK, encoder);
	if (!conn) {
		drm_property_blob_put(dev, blob);
		free(wb);
		return NULL;
	}
	wb->base = conn;
	wb->pixel_formats = blob;
	wb->atomic_check = atomic_check;
	conn->writeback = wb;
	/* Writeback connectors have no detect(): drm_helper_probe_detect() says connected. */
	conn->status = DRM_MODE_CONNECTED;
	drm_object_attach_property(&conn->props, dev->prop.wb_out_fence_ptr, 0);
	drm_object_attach_property(&conn->props, dev->prop.wb_fb_id, 0);
	drm_object_attach_property(&conn->props, dev->prop.wb_pixel_formats, blob->base.id);
	return conn;
}

void drm_writeback_signal_completion(struct drm_connector *conn, int status)
{
	struct drm_writeback_connector *wb = conn->writeback;

	if (!wb || !wb->job_fb)
		return;
	if (wb->job_fence) {
		drm_fence_signal(wb->job_fence, status);
		drm_fence_put(wb->job_fence);
		wb->job_fence = NULL;
	}
	drm_framebuffer_put(wb->job_fb);
	wb->job_fb = NULL;
}
