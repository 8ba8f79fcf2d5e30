/*
 * drm_crc.c - frame CRC capture per CRTC, the kernel's drm_debugfs_crc.c
 * (Linux 6.1) without debugfs.
 *
 * The kernel exposes crtc-N/crc/control (write a source name, "auto" by
 * default) and crtc-N/crc/data: opening data on an active CRTC makes the
 * driver compute a CRC of every frame (set_crc_source), each one queued by
 * drm_crtc_add_crc_entry() in a ring of DRM_CRC_ENTRIES_NR entries; read()
 * takes them oldest first; closing stops the driver and drops the queue.  A
 * full ring drops new entries (-ENOBUFS).  Here a front end does the same
 * through drm_crtc_crc_open/read/close (drm_core.h) on behalf of one open
 * file, whose release closes its captures: the data file's release.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_internal.h"

static bool drm_crtc_has_crc(const struct drm_crtc *crtc)
{
	return crtc->funcs && crtc->funcs->set_crc_source && crtc->funcs->verify_crc_source;
}

/*
 * The CRTC @crtc_id of a KMS device, with its crtc-N/crc files: -EOPNOTSUPP
 * without KMS or when the driver computes no CRCs (the files do not exist),
 * -ENOENT for no such CRTC.
 */
static int drm_crc_crtc_find(struct drm_device *dev, uint32_t crtc_id, struct drm_crtc **out)
{
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	*out = drm_crtc_find(dev, crtc_id);
	if (!*out)
		return -ENOENT;
	return drm_crtc_has_crc(*out) ? 0 : -EOPNOTSUPP;
}

static unsigned int crtc_crc_data_count(const struct drm_crtc_crc *crc)
{
	return (crc->head - crc->tail) & (DRM_CRC_ENTRIES_NR - 1);
}

/* crtc_crc_cleanup(): forget the queue and the owner. */
static void crtc_crc_cleanup(struct drm_crtc_crc *crc)
{
	free(crc->entries);
	crc->entries = NULL;
	crc->head = crc->tail = 0;
	crc->values_cnt = 0;
	crc->opened = false;
	crc->overflow = false;
	crc->owner = NULL;
}

/* crtc_crc_release(): the driver stops, then the queue goes. */
static void crtc_crc_release(struct drm_crtc *crtc)
{
	crtc->crc.opened = false;
	crtc->funcs->set_crc_source(crtc, NULL);
	crtc_crc_cleanup(&crtc->crc);
}

/* crc_control_write(): a new source, checked by the driver; not while a capture is open. */
static int crc_control_write(struct drm_crtc *crtc, const char *source)
{
	size_t values_cnt, len = strlen(source);
	int ret;

	if (len >= sizeof(crtc->crc.source))
		return -EINVAL;
	ret = crtc->funcs->verify_crc_source(crtc, source, &values_cnt);
	if (ret)
		return ret;
	if (crtc->crc.opened)
		return -EBUSY;
	memcpy(crtc->crc.source, source, len + 1);
	return 0;
}

/* crtc_crc_open(): the CRTC must be active; the driver starts computing. */
static int crtc_crc_open(struct drm_crtc *crtc, struct drm_file *file)
{
	struct drm_crtc_crc *crc = &crtc->crc;
	size_t values_cnt;
	int ret;

	if (!crtc->state.active)
		return -EIO;
	ret = crtc->funcs->verify_crc_source(crtc, crc->source, &values_cnt);
	if (ret)
		return ret;
	if (values_cnt == 0 || values_cnt > DRM_MAX_CRC_NR)
		return -EINVAL;
	if (crc->opened)
		return -EBUSY;
	crc->entries = calloc(DRM_CRC_ENTRIES_NR, sizeof(*crc->entries));
	if (!crc->entries)
		return -ENOMEM;
	crc->opened = true;
	crc->values_cnt = values_cnt;
	crc->owner = file;
	ret = crtc->funcs->set_crc_source(crtc, crc->source);
	if (ret)
		crtc_crc_cleanup(crc);
	return ret;
}

int drm_crtc_crc_open(struct drm_file *file, uint32_t crtc_id, const char *source, uint32_t *values_cnt)
{
	struct drm_device *dev = file->dev;
	struct drm_crtc *crtc;
	int ret;

	drm_platform_mutex_lock(dev->lock);
	ret = drm_crc_crtc_find(dev, crtc_id, &crtc);
	if (!ret && source && *source)
		ret = crc_control_write(crtc, source);
	if (!ret)
		ret = crtc_crc_open(crtc, file);
	if (!ret)
		*values_cnt = (uint32_t)crtc->crc.values_cnt;
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}

int drm_crtc_crc_read(struct drm_file *file, uint32_t crtc_id, struct drm_crc_line *lines, uint32_t max,
		      uint32_t *n, uint32_t *values_cnt)
{
	struct drm_device *dev = file->dev;
	struct drm_crtc_crc *crc;
	struct drm_crtc *crtc;
	uint32_t i = 0;
	int ret;

	drm_platform_mutex_lock(dev->lock);
	ret = drm_crc_crtc_find(dev, crtc_id, &crtc);
	if (ret)
		goto out;
	crc = &crtc->crc;
	if (max == 0 || !crc->opened || crc->owner != file) {
		ret = -EINVAL;
		goto out;
	}
	if (crtc_crc_data_count(crc) == 0) {
		ret = -EAGAIN;
		goto out;
	}
	while (i < max && crtc_crc_data_count(crc)) {
		lines[i++] = crc->entries[crc->tail];
		crc->tail = (crc->tail + 1) & (DRM_CRC_ENTRIES_NR - 1);
	}
	*n = i;
	*values_cnt = (uint32_t)crc->values_cnt;
out:
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}

int drm_crtc_crc_close(struct drm_file *file, uint32_t crtc_id)
{
	struct drm_device *dev = file->dev;
	struct drm_crtc *crtc;
	int ret;

	drm_platform_mutex_lock(dev->lock);
	ret = drm_crc_crtc_find(dev, crtc_id, &crtc);
	if (!ret && (!crtc->crc.opened || crtc->crc.owner != file))
		ret = -EINVAL;
	if (!ret)
		crtc_crc_release(crtc);
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}

/** drm_crc_release() - a closing file's CRC captures stop (device lock held). */
void drm_crc_release(struct drm_file *file)
{
	struct drm_device *dev = file->dev;

	for (unsigned int i = 0; i < dev->num_crtcs; i++)
		if (dev->crtcs[i]->crc.opened && dev->crtcs[i]->crc.owner == file)
			crtc_crc_release(dev->crtcs[i]);
}

int drm_crtc_add_crc_entry(struct drm_crtc *crtc, bool has_frame, uint32_t frame, const uint32_t *crcs)
{
	struct drm_crtc_crc *crc = &crtc->crc;
	struct drm_crc_line *entry;

	if (!crc->entries)
		return -EINVAL;
	if (crtc_crc_data_count(crc) == DRM_CRC_ENTRIES_NR - 1) {
		if (!crc->overflow)
			drm_err("Overflow of CRC buffer, userspace reads too slow.");
		crc->overflow = true;
		return -ENOBUFS;
	}
	entry = &crc->entries[crc->head];
	memset(entry, 0, sizeof(*entry));
	entry->frame = frame;
	entry->has_frame = has_frame;
	memcpy(entry->crcs, crcs, sizeof(*crcs) * crc->values_cnt);
	crc->head = (crc->head + 1) & (DRM_CRC_ENTRIES_NR - 1);
	return 0;
}
