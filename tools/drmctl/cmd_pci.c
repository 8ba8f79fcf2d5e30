// SPDX-License-Identifier: MIT
/*
 * cmd_pci.c - drmctl devices, bind BDF, unbind BDF: the PCI display devices
 * and handing one to vfio-pci (for cuse-drm's hardware drivers) or back to
 * its kernel driver.
 *
 * Enumeration is libpciaccess's (vfio/pci_enum.c); binding is sysfs
 * driver_override as in the kernel's Documentation/driver-api/vfio.rst
 * (vfio/pci_sysfs.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drmctl.h"
#include "vfio/pci_sysfs.h"
#include "vfio/vfio_pci.h"

/* PCI base class 0x03: display controller (VGA 0x0300, XGA 0x0301, 3D 0x0302, other 0x0380). */
#define PCI_CLASS_DISPLAY 0x030000u
#define PCI_CLASS_BASE_MASK 0xff0000u

int drmctl_cmd_devices(int argc, char **argv)
{
	struct drm_platform_linux_pci_info *list;
	char err[256], group[16];
	size_t n;
	int ret;

	(void)argv;
	if (argc != 1) {
		drmctl_usage("devices", 0);
		return DRMCTL_EXIT_USAGE;
	}
	ret = drm_platform_linux_pci_list(PCI_CLASS_DISPLAY, PCI_CLASS_BASE_MASK, &list, &n, err, sizeof(err));
	if (ret) {
		drmctl_err("%s", err);
		return DRMCTL_EXIT_FAIL;
	}
	printf("%-12s  %-9s  %-12s  %-5s  %s\n", "BDF", "ID", "DRIVER", "GROUP", "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct drm_platform_linux_pci_info *e = &list[i];

		if (e->iommu_group >= 0)
			snprintf(group, sizeof(group), "%d", e->iommu_group);
		else
			snprintf(group, sizeof(group), "-");
		printf("%-12s  %04x:%04x  %-12s  %-5s  %s%s%s\n", e->bdf, e->vendor_id, e->device_id,
		       e->driver[0] ? e->driver : "-", group, e->vendor_name[0] ? e->vendor_name : "unknown vendor",
		       " ", e->device_name[0] ? e->device_name : "unknown device");
	}
	if (!n)
		fprintf(stderr, "drmctl: no PCI display device\n");
	free(list);
	return DRMCTL_EXIT_OK;
}

/* The BDF argument, normalised; prints the error and returns -1 when it is none. */
static int bdf_arg(const char *cmd, int argc, char **argv, char bdf[VFIO_BDF_LEN])
{
	if (argc != 2) {
		drmctl_usage(cmd, 0);
		return -1;
	}
	if (vfio_pci_parse_bdf(argv[1], bdf)) {
		drmctl_err("'%s' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)", argv[1]);
		return -1;
	}
	return 0;
}

int drmctl_cmd_bind(int argc, char **argv)
{
	char bdf[VFIO_BDF_LEN], msg[1536], path[64];
	int group;

	if (bdf_arg("bind", argc, argv, bdf))
		return DRMCTL_EXIT_USAGE;
	group = vfio_sysfs_bind_vfio("", bdf, msg, sizeof(msg));
	if (group < 0) {
		drmctl_err("%s", msg);
		return DRMCTL_EXIT_FAIL;
	}
	/* devtmpfs creates the group node as vfio-pci registers it; allow a moment anyway. */
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	for (int i = 0; i < 100 && access(path, F_OK) != 0; i++)
		usleep(10000);
	if (access(path, F_OK) != 0) {
		drmctl_err("%s: bound to vfio-pci, but %s did not appear", bdf, path);
		return DRMCTL_EXIT_FAIL;
	}
	printf("%s\n", path);
	return DRMCTL_EXIT_OK;
}

int drmctl_cmd_unbind(int argc, char **argv)
{
	char bdf[VFIO_BDF_LEN], msg[1536], drv[64];

	if (bdf_arg("unbind", argc, argv, bdf))
		return DRMCTL_EXIT_USAGE;
	if (vfio_sysfs_unbind_vfio("", bdf, drv, sizeof(drv), msg, sizeof(msg)) < 0) {
		drmctl_err("%s", msg);
		return DRMCTL_EXIT_FAIL;
	}
	printf("%s\n", drv[0] ? drv : "none");
	return DRMCTL_EXIT_OK;
}
