/*
 * sysfs.c - the fake sysfs identity that libdrm needs (FACTS.md, libdrm).
 *
 * A CUSE node sits in sysfs class "cuse", so libdrm's drmNodeIsDRM()
 * (stat of /sys/dev/char/MAJ:MIN/device/drm) says no and drmGetDevice2()
 * and friends skip it.  The client shim redirects /sys/dev/char/MAJ:MIN...
 * of our nodes to CUSE_DRM_SYSFS_ROOT/dev/char/MAJ:MIN..., built here with
 * the kernel's layout for a DRM device on the platform bus:
 *
 *   sysfs/bus/platform/                       realpath/readlink basename "platform"
 *   sysfs/class/drm/
 *   sysfs/devices/platform/<driver>.<N>/      the device, shared by both nodes
 *       uevent        DRIVER, OF_NAME, OF_FULLNAME, OF_COMPATIBLE_0,
 *                     OF_COMPATIBLE_N, MODALIAS  (drmParseOFBusInfo,
 *                     drmParseOFDeviceInfo)
 *       subsystem  -> /run/cuse-drm/sysfs/bus/platform  (drmParseSubsystemType)
 *       drm/cardN/                            (drmNodeIsDRM, drmGetMinorNameForFD)
 *           uevent    MAJOR, MINOR, DEVNAME=dri/cardN, DEVTYPE=drm_minor
 *                     (drmGetDeviceNameFromFd2)
 *           dev       MAJ:MIN
 *           device -> ../..
 *           subsystem -> /run/cuse-drm/sysfs/class/drm
 *       drm/renderD<128+N>/                   likewise, when the driver has one
 *   sysfs/dev/char/MAJ:MIN -> ../../devices/platform/<driver>.<N>/drm/<node>
 *
 * So /sys/dev/char/MAJ:MIN/device/drm resolves as in the kernel.
 * OF_FULLNAME is unique per device ("/cuse-drm/<driver>@<N>"): libdrm's
 * drmFoldDuplicatedDevices() merges nodes whose platform bus info (the
 * full name) is equal, which must merge cardN with renderD(128+N) but not
 * two daemons running the same driver.
 *
 * Several daemons share the skeleton (bus/, class/, dev/char/); an flock on
 * /run/cuse-drm/sysfs.lock orders their creation and removal, and the last
 * one to leave removes the whole tree.
 */
#include "cuse_drm.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "platform.h"

#define SYSFS CUSE_DRM_SYSFS_ROOT
#define SYSFS_LOCK CUSE_DRM_RUN_DIR "/sysfs.lock"

static const char *const skeleton[] = {
	SYSFS,
	SYSFS "/bus",
	SYSFS "/bus/platform",
	SYSFS "/class",
	SYSFS "/class/drm",
	SYSFS "/dev",
	SYSFS "/dev/char",
	SYSFS "/devices",
	SYSFS "/devices/platform",
};

static int lock_tree(void)
{
	int fd;

	if (mkdir(CUSE_DRM_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = open(SYSFS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int ret = -errno;

			close(fd);
			return ret;
		}
	}
	return fd;
}

static void unlock_tree(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

static int path_printf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int path_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0444);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len) {
		int ret = n < 0 ? -errno : -EIO;

		close(fd);
		return ret;
	}
	return close(fd) < 0 ? -errno : 0;
}

static int make_symlink(const char *target, const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return symlink(target, path) < 0 ? -errno : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int create_node(struct cd_daemon *d, const struct cd_node *node)
{
	unsigned int maj = major(node->rdev), min = minor(node->rdev);
	char dir[PATH_MAX], path[PATH_MAX], text[256];
	int ret;

	if ((ret = path_printf(dir, sizeof(dir), "%s/drm/%s", d->sysfs_device_dir, node->name)) ||
	    (ret = make_dir(dir)))
		return ret;
	snprintf(text, sizeof(text), "MAJOR=%u\nMINOR=%u\nDEVNAME=dri/%s\nDEVTYPE=drm_minor\n",
		 maj, min, node->name);
	if ((ret = path_printf(path, sizeof(path), "%s/uevent", dir)) ||
	    (ret = write_file(path, text)))
		return ret;
	snprintf(text, sizeof(text), "%u:%u\n", maj, min);
	if ((ret = path_printf(path, sizeof(path), "%s/dev", dir)) ||
	    (ret = write_file(path, text)))
		return ret;
	if ((ret = path_printf(path, sizeof(path), "%s/device", dir)) ||
	    (ret = make_symlink("../..", path)))
		return ret;
	if ((ret = path_printf(path, sizeof(path), "%s/subsystem", dir)) ||
	    (ret = make_symlink(SYSFS "/class/drm", path)))
		return ret;
	/* dev/char/MAJ:MIN -> the node's directory, relative like the kernel's. */
	if ((ret = path_printf(text, sizeof(text), "../../devices/platform/%s.%u/drm/%s",
			       d->driver_name, d->index, node->name)) ||
	    (ret = path_printf(path, sizeof(path), SYSFS "/dev/char/%u:%u", maj, min)))
		return ret;
	return make_symlink(text, path);
}

int cd_sysfs_create(struct cd_daemon *d)
{
	char path[PATH_MAX], text[1024];
	const char *drv = d->driver_name;
	int lock, ret = 0;

	lock = lock_tree();
	if (lock < 0)
		return lock;
	for (size_t i = 0; i < sizeof(skeleton) / sizeof(skeleton[0]) && !ret; i++)
		ret = make_dir(skeleton[i]);
	if (ret)
		goto out;

	ret = path_printf(d->sysfs_device_dir, sizeof(d->sysfs_device_dir),
			  SYSFS "/devices/platform/%s.%u", drv, d->index);
	if (ret)
		goto out;
	remove_tree(d->sysfs_device_dir); /* left by a daemon that died */
	d->sysfs_created = true;
	if ((ret = make_dir(d->sysfs_device_dir)))
		goto out;

	snprintf(text, sizeof(text),
		 "DRIVER=%s\n"
		 "OF_NAME=%s\n"
		 "OF_FULLNAME=/cuse-drm/%s@%u\n"
		 "OF_COMPATIBLE_0=cuse-drm,%s\n"
		 "OF_COMPATIBLE_N=1\n"
		 "MODALIAS=of:N%sT(null)Ccuse-drm,%s\n",
		 drv, drv, drv, d->index, drv, drv, drv);
	if ((ret = path_printf(path, sizeof(path), "%s/uevent", d->sysfs_device_dir)) ||
	    (ret = write_file(path, text)))
		goto out;
	if ((ret = path_printf(path, sizeof(path), "%s/subsystem", d->sysfs_device_dir)) ||
	    (ret = make_symlink(SYSFS "/bus/platform", path)))
		goto out;
	if ((ret = path_printf(path, sizeof(path), "%s/drm", d->sysfs_device_dir)) ||
	    (ret = make_dir(path)))
		goto out;
	for (unsigned int i = 0; i < d->nnodes && !ret; i++)
		ret = create_node(d, &d->nodes[i]);
out:
	unlock_tree(lock);
	if (ret) {
		drm_err("cannot create the fake sysfs tree under %s: %s", SYSFS, strerror(-ret));
		cd_sysfs_remove(d);
	}
	return ret;
}

void cd_sysfs_remove(struct cd_daemon *d)
{
	char path[PATH_MAX], target[PATH_MAX], expect[PATH_MAX];
	int lock;

	if (!d->sysfs_created)
		return;
	lock = lock_tree();
	for (unsigned int i = 0; i < d->nnodes; i++) {
		const struct cd_node *node = &d->nodes[i];
		ssize_t n;

		if (path_printf(path, sizeof(path), SYSFS "/dev/char/%u:%u", major(node->rdev),
				minor(node->rdev)) ||
		    path_printf(expect, sizeof(expect), "../../devices/platform/%s.%u/drm/%s",
				d->driver_name, d->index, node->name))
			continue;
		/* Only our own link: the dynamic major may have been reused since. */
		n = readlink(path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			if (strcmp(target, expect) == 0)
				unlink(path);
		}
	}
	remove_tree(d->sysfs_device_dir);
	d->sysfs_created = false;

	/* The last device out removes the skeleton; rmdir fails while others remain. */
	if (rmdir(SYSFS "/devices/platform") == 0) {
		for (size_t i = sizeof(skeleton) / sizeof(skeleton[0]); i-- > 0;)
			rmdir(skeleton[i]);
	}
	if (lock >= 0)
		unlock_tree(lock);
}
