/*
 * pci_sysfs.c - PCI devices, drivers and IOMMU groups in sysfs; binding to
 * vfio-pci with driver_override (pci_sysfs.h).
 */
#include "pci_sysfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCI_DEVICES "sys/bus/pci/devices"
#define PCI_DRIVERS "sys/bus/pci/drivers"
#define IOMMU_GROUPS "sys/kernel/iommu_groups"

static void msgf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Append to a message buffer that already holds a string. */
static void msgcat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgcat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!buf || !len)
		return;
	used = strnlen(buf, len);
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

int vfio_pci_parse_bdf(const char *in, char out[VFIO_BDF_LEN])
{
	unsigned long dom = 0, bus, dev, fn;
	const char *p = in;
	char *end;
	int colons = 0;

	if (!in || !*in)
		return -EINVAL;
	for (const char *c = in; *c; c++) {
		if (*c == ':')
			colons++;
		else if (*c != '.' && !isxdigit((unsigned char)*c))
			return -EINVAL;
	}
	if (colons == 2) {
		dom = strtoul(p, &end, 16);
		if (end == p || *end != ':' || end - p > 8 || dom > 0xffffffffUL)
			return -EINVAL;
		p = end + 1;
	} else if (colons != 1) {
		return -EINVAL;
	}
	bus = strtoul(p, &end, 16);
	if (end == p || *end != ':' || end - p > 2)
		return -EINVAL;
	p = end + 1;
	dev = strtoul(p, &end, 16);
	if (end == p || *end != '.' || end - p > 2 || dev > 0x1f)
		return -EINVAL;
	p = end + 1;
	fn = strtoul(p, &end, 16);
	if (end == p || *end || end - p > 1 || fn > 7)
		return -EINVAL;
	snprintf(out, VFIO_BDF_LEN, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	return 0;
}

static void dev_path(char *buf, size_t len, const char *root, const char *bdf, const char *attr)
{
	snprintf(buf, len, "%s/" PCI_DEVICES "/%s%s%s", root, bdf, attr ? "/" : "", attr ? attr : "");
}

int vfio_sysfs_device_exists(const char *root, const char *bdf)
{
	char path[PATH_MAX];

	dev_path(path, sizeof(path), root, bdf, NULL);
	return access(path, F_OK) == 0;
}

/* The last component of the symlink @path into @buf; 0, or -errno (-ENOENT: no link). */
static int link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *slash;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(buf, len, "%s", slash ? slash + 1 : target);
	return 0;
}

int vfio_sysfs_driver(const char *root, const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	if (len)
		buf[0] = '\0';
	if (!vfio_sysfs_device_exists(root, bdf))
		return -ENOENT;
	dev_path(path, sizeof(path), root, bdf, "driver");
	ret = link_name(path, buf, len);
	if (ret == -ENOENT) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return ret;
}

int vfio_sysfs_read_hex(const char *root, const char *bdf, const char *attr, uint32_t *val)
{
	char path[PATH_MAX], text[64];
	unsigned long v;
	char *end;
	ssize_t n;
	int fd;

	dev_path(path, sizeof(path), root, bdf, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	text[n] = '\0';
	errno = 0;
	v = strtoul(text, &end, 16);
	if (errno || end == text || v > 0xffffffffUL)
		return -EIO;
	*val = (uint32_t)v;
	return 0;
}

/* Is there any IOMMU group at all? */
static bool have_iommu(const char *root)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/" IOMMU_GROUPS, root);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			any = true;
			break;
		}
	closedir(d);
	return any;
}

int vfio_sysfs_iommu_group(const char *root, const char *bdf)
{
	char path[PATH_MAX], name[64];
	char *end;
	long g;
	int ret;

	if (!vfio_sysfs_device_exists(root, bdf))
		return -ENOENT;
	if (!have_iommu(root))
		return -ENODEV;
	dev_path(path, sizeof(path), root, bdf, "iommu_group");
	ret = link_name(path, name, sizeof(name));
	if (ret == -ENOENT)
		return -ENXIO;
	if (ret)
		return ret;
	g = strtol(name, &end, 10);
	if (end == name || *end || g < 0 || g > INT_MAX)
		return -EIO;
	return (int)g;
}

static bool driver_allows_vfio(const char *drv)
{
	return !drv[0] || strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "pci-stub") == 0;
}

int vfio_sysfs_group_check(const char *root, int group, const char *bdf, char *why, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int bad = 0;
	DIR *d;

	msgf(why, len, "%s", "");
	snprintf(path, sizeof(path), "%s/" IOMMU_GROUPS "/%d/devices", root, group);
	d = opendir(path);
	if (!d) {
		int err = errno;

		msgf(why, len, "cannot read %s: %s", path, strerror(err));
		return -err;
	}
	while ((de = readdir(d))) {
		char drv[64];
		uint32_t cls = 0;

		if (de->d_name[0] == '.' || (bdf && strcmp(de->d_name, bdf) == 0))
			continue;
		if (vfio_sysfs_driver(root, de->d_name, drv, sizeof(drv)) < 0)
			drv[0] = '\0';
		if (driver_allows_vfio(drv))
			continue;
		if (vfio_sysfs_read_hex(root, de->d_name, "class", &cls) == 0 && (cls >> 8) == 0x0604)
			continue;
		msgcat(why, len, "%s%s (bound to %s)", bad ? ", " : "", de->d_name, drv);
		bad++;
	}
	closedir(d);
	return bad ? -EPERM : 0;
}

/* Write @text to @root/@rel; 0 or -errno with @msg. */
static int sysfs_write(const char *root, const char *rel, const char *text, char *msg, size_t len)
{
	char path[PATH_MAX];
	size_t n = strlen(text);
	ssize_t w;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	/* O_TRUNC as a shell's "echo > attr" (sysfs ignores it; it matters for a fake tree). */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		msgf(msg, len, "cannot open %s: %s%s", path, strerror(err),
		     err == EACCES || err == EPERM ? " (binding devices needs root)" : "");
		return -err;
	}
	w = write(fd, text, n);
	if (w < 0 || (size_t)w != n) {
		int err = w < 0 ? errno : EIO;

		close(fd);
		msgf(msg, len, "writing \"%.*s\" to %s: %s", (int)strcspn(text, "\n"), text, path,
		     strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}

static int explain_group(const char *root, const char *bdf, int group, char *msg, size_t len)
{
	if (group == -ENOENT)
		msgf(msg, len, "%s: no such PCI device (see /sys/bus/pci/devices)", bdf);
	else if (group == -ENODEV)
		msgf(msg, len,
		     "%s: no IOMMU: %s/" IOMMU_GROUPS " is missing or empty; VFIO needs one (enable VT-d or "
		     "AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on)",
		     bdf, root);
	else if (group == -ENXIO)
		msgf(msg, len, "%s: no IOMMU group (no iommu_group link): the IOMMU does not cover this device",
		     bdf);
	else if (group < 0)
		msgf(msg, len, "%s: cannot read its IOMMU group: %s", bdf, strerror(-group));
	return group;
}

/*
 * Write @override to the device's driver_override, unbind it from its
 * driver when @bound, and ask the bus to probe it again: the sequence both
 * bind and unbind use.  0 or -errno with @msg set by sysfs_write().
 */
static int sysfs_override_and_reprobe(const char *root, const char *bdf, const char *override, bool bound,
				      char *msg, size_t len)
{
	char rel[PATH_MAX];
	int ret;

	snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/driver_override", bdf);
	ret = sysfs_write(root, rel, override, msg, len);
	if (ret)
		return ret;
	if (bound) {
		snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/driver/unbind", bdf);
		ret = sysfs_write(root, rel, bdf, msg, len);
		if (ret)
			return ret;
	}
	return sysfs_write(root, "sys/bus/pci/drivers_probe", bdf, msg, len);
}

int vfio_sysfs_bind_vfio(const char *root, const char *bdf, char *msg, size_t len)
{
	char drv[64], why[1024], path[PATH_MAX];
	int group, ret;

	msgf(msg, len, "%s", "");
	group = vfio_sysfs_iommu_group(root, bdf);
	if (group < 0)
		return explain_group(root, bdf, group, msg, len);
	ret = vfio_sysfs_driver(root, bdf, drv, sizeof(drv));
	if (ret < 0) {
		msgf(msg, len, "%s: cannot read its driver: %s", bdf, strerror(-ret));
		return ret;
	}
	if (strcmp(drv, "vfio-pci") == 0)
		return group;
	ret = vfio_sysfs_group_check(root, group, bdf, why, sizeof(why));
	if (ret == -EPERM) {
		msgf(msg, len,
		     "%s: IOMMU group %d is not viable: %s; bind those to vfio-pci too, or unbind them "
		     "(every device in a group goes to VFIO together)",
		     bdf, group, why);
		return ret;
	}
	if (ret < 0) {
		msgf(msg, len, "%s: %s", bdf, why);
		return ret;
	}
	snprintf(path, sizeof(path), "%s/" PCI_DRIVERS "/vfio-pci", root);
	if (access(path, F_OK) != 0) {
		msgf(msg, len, "%s: the vfio-pci driver is not loaded (modprobe vfio-pci)", bdf);
		return -ENXIO;
	}
	ret = sysfs_override_and_reprobe(root, bdf, "vfio-pci\n", drv[0] != '\0', msg, len);
	if (ret)
		return ret;
	ret = vfio_sysfs_driver(root, bdf, drv, sizeof(drv));
	if (ret < 0 || strcmp(drv, "vfio-pci") != 0) {
		msgf(msg, len, "%s: after drivers_probe it is bound to %s, not vfio-pci (see dmesg)", bdf,
		     ret < 0 ? "?" : drv[0] ? drv : "no driver");
		return -EIO;
	}
	return group;
}

int vfio_sysfs_unbind_vfio(const char *root, const char *bdf, char *newdrv, size_t newdrv_len, char *msg,
			   size_t len)
{
	char drv[64], holders[512];
	int group, ret;

	msgf(msg, len, "%s", "");
	if (newdrv_len)
		newdrv[0] = '\0';
	ret = vfio_sysfs_driver(root, bdf, drv, sizeof(drv));
	if (ret == -ENOENT) {
		msgf(msg, len, "%s: no such PCI device (see /sys/bus/pci/devices)", bdf);
		return ret;
	}
	if (ret < 0) {
		msgf(msg, len, "%s: cannot read its driver: %s", bdf, strerror(-ret));
		return ret;
	}
	if (drv[0] && strcmp(drv, "vfio-pci") != 0) {
		msgf(msg, len, "%s: bound to %s, not to vfio-pci: nothing to unbind", bdf, drv);
		return -EINVAL;
	}
	group = vfio_sysfs_iommu_group(root, bdf);
	if (drv[0] && group >= 0 && vfio_group_holders(group, holders, sizeof(holders)) > 0) {
		msgf(msg, len, "%s: /dev/vfio/%d is in use by %s; close it first", bdf, group, holders);
		return -EBUSY;
	}
	ret = sysfs_override_and_reprobe(root, bdf, "\n", drv[0] != '\0', msg, len);
	if (ret)
		return ret;
	ret = vfio_sysfs_driver(root, bdf, newdrv, newdrv_len);
	if (ret < 0) {
		msgf(msg, len, "%s: cannot read its driver: %s", bdf, strerror(-ret));
		return ret;
	}
	return 0;
}

int vfio_group_holders(int group, char *buf, size_t len)
{
	char want[64], path[PATH_MAX], target[PATH_MAX];
	struct dirent *p;
	int count = 0;
	DIR *proc;

	msgf(buf, len, "%s", "");
	snprintf(want, sizeof(want), "/dev/vfio/%d", group);
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((p = readdir(proc))) {
		struct dirent *f;
		DIR *fds;
		int fd;

		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		fds = fdopendir(fd);
		if (!fds) {
			close(fd);
			continue;
		}
		while ((f = readdir(fds))) {
			ssize_t n;

			if (f->d_name[0] == '.')
				continue;
			n = readlinkat(dirfd(fds), f->d_name, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			if (strcmp(target, want) == 0) {
				char comm[64] = "?";
				FILE *cf;

				snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
				cf = fopen(path, "re");
				if (cf) {
					if (fgets(comm, sizeof(comm), cf))
						comm[strcspn(comm, "\n")] = '\0';
					fclose(cf);
				}
				msgcat(buf, len, "%spid %s (%s)", count ? ", " : "", p->d_name, comm);
				count++;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return count;
}
