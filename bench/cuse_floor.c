/*
 * cuse_floor - the CUSE floor of case 1: a bare CUSE character device
 * (/dev/cuse-floor) that answers DRM_IOCTL_GET_CAP with value 1 after the
 * one RETRY round any unrestricted CUSE ioctl needs (fs/fuse/ioctl.c: the
 * first request carries no data), and nothing else.  Whatever cuse-drm
 * spends beyond this per ioctl is its own overhead.
 *
 * usage: cuse_floor [-f] [-s] (libfuse's options; bench/run uses -f -s)
 */
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>

#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

#include <drm.h>

static void floor_open(fuse_req_t req, struct fuse_file_info *fi)
{
	fuse_reply_open(req, fi);
}

static void floor_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi, unsigned int flags,
			const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct drm_get_cap cap;

	(void)fi;
	(void)flags;
	if ((unsigned int)cmd != DRM_IOCTL_GET_CAP) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if (in_bufsz == 0) {
		struct iovec v = { arg, sizeof(cap) };

		fuse_reply_ioctl_retry(req, &v, 1, &v, 1);
		return;
	}
	if (in_bufsz < sizeof(cap) || out_bufsz < sizeof(cap)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(&cap, in_buf, sizeof(cap));
	cap.value = 1;
	fuse_reply_ioctl(req, 0, &cap, sizeof(cap));
}

static const struct cuse_lowlevel_ops floor_ops = {
	.open = floor_open,
	.ioctl = floor_ioctl,
};

int main(int argc, char **argv)
{
	const char *dev_info_argv[] = { "DEVNAME=cuse-floor" };
	struct cuse_info ci = {
		.dev_info_argc = 1,
		.dev_info_argv = dev_info_argv,
		.flags = CUSE_UNRESTRICTED_IOCTL,
	};

	return cuse_lowlevel_main(argc, argv, &ci, &floor_ops, NULL);
}
