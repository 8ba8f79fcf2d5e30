// SPDX-License-Identifier: MIT
/*
 * drmctl: DRM node names, opening, and telling kernel nodes from cuse-drm
 * nodes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "drmctl.h"
#include "cuse-drm/cuse_drm_uapi.h"

int drmctl_node_path(const char *spec, char *path, size_t size)
{
	int n;

	if (strchr(spec, '/'))
		n = snprintf(path, size, "%s", spec);
	else
		n = snprintf(path, size, DRMCTL_DRI_DIR "/%s", spec);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int drmctl_open_path(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	/* Querying needs no write access; DRM checks no file mode on ioctls. */
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int drmctl_open_node(const char *spec, char *path, size_t size)
{
	struct stat st;
	int fd;

	if (drmctl_node_path(spec, path, size) < 0) {
		drmctl_err("%s: name too long", spec);
		return -1;
	}
	fd = drmctl_open_path(path);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && !S_ISCHR(st.st_mode)) {
			drmctl_err("%s: not a device node", path);
			close(fd);
			return -1;
		}
		return fd;
	}
	switch (-fd) {
	case ENOENT:
		drmctl_err("%s: no such DRM node (see 'drmctl list')", path);
		break;
	case EACCES:
	case EPERM:
		drmctl_err("%s: permission denied (try as root, or join the "
			   "group that owns the node)", path);
		break;
	case ENXIO:
	case ENODEV:
		drmctl_err("%s: no device behind the node (driver gone?): %s",
			   path, strerror(-fd));
		break;
	default:
		drmctl_err("%s: %s", path, strerror(-fd));
		break;
	}
	return -1;
}

/*
 * Raw system calls on purpose: the cuse-drm client shim interposes stat and
 * readlink to give libdrm a DRM-looking identity, and here we want the truth.
 */
static int raw_rdev(const char *path, unsigned int *maj, unsigned int *min)
{
	struct statx stx;

	if (syscall(SYS_statx, AT_FDCWD, path, 0, STATX_TYPE, &stx) != 0)
		return -errno;
	if (!S_ISCHR(stx.stx_mode))
		return -ENOTTY;
	*maj = stx.stx_rdev_major;
	*min = stx.stx_rdev_minor;
	return 0;
}

static ssize_t raw_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = syscall(SYS_readlinkat, AT_FDCWD, path, buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

enum drmctl_origin drmctl_node_origin(const char *path, char *class_name,
				      size_t class_size)
{
	char sys[64], link[4096];
	unsigned int maj = 0, min = 0;
	const char *cls;

	if (class_name && class_size)
		class_name[0] = '\0';
	if (raw_rdev(path, &maj, &min) < 0)
		return DRMCTL_ORIGIN_UNKNOWN;
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u/subsystem", maj, min);
	if (raw_readlink(sys, link, sizeof(link)) < 0)
		return DRMCTL_ORIGIN_UNKNOWN;
	cls = strrchr(link, '/');
	cls = cls ? cls + 1 : link;
	if (class_name && class_size)
		snprintf(class_name, class_size, "%s", cls);
	if (strcmp(cls, "cuse") == 0)
		return DRMCTL_ORIGIN_CUSE;
	if (strcmp(cls, "drm") == 0)
		return DRMCTL_ORIGIN_KERNEL;
	return DRMCTL_ORIGIN_OTHER;
}

int drmctl_cuse_render_sibling(const char *card_path, char *out, size_t size)
{
	char dir[128];
	unsigned int maj = 0, min = 0;
	struct dirent *de;
	DIR *d;
	int ret = -ENOENT;

	if (strcmp(drmctl_node_kind(card_path), "primary") != 0 || raw_rdev(card_path, &maj, &min) < 0)
		return -ENOENT;
	/* The daemon's fake sysfs (cuse-drm/sysfs.c): dev/char/MAJ:MIN -> the device's drm/<node>. */
	snprintf(dir, sizeof(dir), CUSE_DRM_SYSFS_ROOT "/dev/char/%u:%u/device/drm", maj, min);
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "renderD", 7) != 0)
			continue;
		if (snprintf(out, size, DRMCTL_DRI_DIR "/%s", de->d_name) < (int)size)
			ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

const char *drmctl_origin_name(enum drmctl_origin origin)
{
	switch (origin) {
	case DRMCTL_ORIGIN_KERNEL:
		return "kernel";
	case DRMCTL_ORIGIN_CUSE:
		return "cuse-drm";
	case DRMCTL_ORIGIN_OTHER:
		return "other";
	case DRMCTL_ORIGIN_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *drmctl_node_kind(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strncmp(base, "card", 4) == 0)
		return "primary";
	if (strncmp(base, "renderD", 7) == 0)
		return "render";
	if (strncmp(base, "controlD", 8) == 0)
		return "control";
	return "unknown";
}

void drmctl_err_no_kms(const char *path, int err)
{
	if (err == EOPNOTSUPP || err == EINVAL)
		drmctl_err("%s: not a KMS device: MODE_GETRESOURCES: %s (a "
			   "render-only driver such as vgem has no display)",
			   path, strerror(err));
	else if (err == EACCES && strcmp(drmctl_node_kind(path), "render") == 0)
		drmctl_err("%s: render nodes have no KMS: MODE_GETRESOURCES: %s "
			   "(use the driver's card node)", path, strerror(err));
	else
		drmctl_err("%s: MODE_GETRESOURCES: %s", path, strerror(err));
}
