/*
 * crc_ioctl.c - CUSE_DRM_IOCTL_CRC: frame CRCs of a CRTC for root, the
 * kernel's debugfs crtc-N/crc/{control,data} as a private ioctl on the
 * card node (cuse_drm_uapi.h).  The struct is fixed-size, so one RETRY
 * round brings it in and takes it out; the core (core/drm_crc.c) keeps the
 * capture, owned by the open file.
 */
#include "cuse_drm.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>

_Static_assert(sizeof(struct cuse_drm_crc_entry) == sizeof(struct drm_crc_line),
	       "cuse_drm_crc_entry must mirror drm_crc_line");
_Static_assert(offsetof(struct cuse_drm_crc_entry, crcs) == offsetof(struct drm_crc_line, crcs),
	       "cuse_drm_crc_entry layout");
_Static_assert(CUSE_DRM_CRC_MAX_VALUES == DRM_MAX_CRC_NR, "CRC values per entry");

void cd_crc_ioctl(fuse_req_t req, void *arg, struct cd_file *f, const void *in_buf, size_t in_bufsz,
		  size_t out_bufsz)
{
	struct drm_crc_line lines[CUSE_DRM_CRC_MAX_ENTRIES];
	struct cuse_drm_crc c;
	struct drm_caller caller;
	int ret;

	if (in_bufsz == 0 && out_bufsz == 0) {
		struct iovec v = { arg, sizeof(c) };

		fuse_reply_ioctl_retry(req, &v, 1, &v, 1);
		return;
	}
	if (in_bufsz < sizeof(c) || out_bufsz < sizeof(c)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(&c, in_buf, sizeof(c));
	cd_caller_from_req(req, &caller);
	if (!caller.capable(&caller)) {
		ret = -EACCES;
	} else if (c.op == CUSE_DRM_CRC_OPEN) {
		c.source[sizeof(c.source) - 1] = '\0';
		ret = drm_crtc_crc_open(f->dfile, c.crtc_id, c.source, &c.values_cnt);
	} else if (c.op == CUSE_DRM_CRC_READ) {
		if (c.count > CUSE_DRM_CRC_MAX_ENTRIES)
			ret = -EINVAL;
		else
			ret = drm_crtc_crc_read(f->dfile, c.crtc_id, lines, c.count, &c.count, &c.values_cnt);
		if (!ret)
			memcpy(c.entries, lines, c.count * sizeof(lines[0]));
	} else if (c.op == CUSE_DRM_CRC_CLOSE) {
		ret = drm_crtc_crc_close(f->dfile, c.crtc_id);
	} else {
		ret = -EINVAL;
	}
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_ioctl(req, 0, &c, sizeof(c));
}
