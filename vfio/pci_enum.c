/*
 * pci_enum.c - listing PCI functions by class with libpciaccess
 * (drm_platform_linux_pci_list(), vfio_pci.h).
 *
 * libpciaccess scans /sys/bus/pci/devices and names vendors and devices
 * from pci.ids (/usr/share/misc/pci.ids, Debian's pci.ids package); the
 * bound driver and the IOMMU group, which it does not know, come from
 * sysfs (pci_sysfs.h).
 */
#include "vfio_pci.h"

#include <errno.h>
#include <pciaccess.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int info_cmp(const void *a, const void *b)
{
	const struct drm_platform_linux_pci_info *x = a, *y = b;

	return strcmp(x->bdf, y->bdf);
}

int drm_platform_linux_pci_list(uint32_t class, uint32_t class_mask, struct drm_platform_linux_pci_info **out,
				size_t *count, char *err, size_t errlen)
{
	struct pci_id_match match = {
		.vendor_id = PCI_MATCH_ANY,
		.device_id = PCI_MATCH_ANY,
		.subvendor_id = PCI_MATCH_ANY,
		.subdevice_id = PCI_MATCH_ANY,
		.device_class = class,
		.device_class_mask = class_mask,
	};
	struct drm_platform_linux_pci_info *list = NULL;
	struct pci_device_iterator *it;
	struct pci_device *pd;
	size_t n = 0, cap = 0;
	int ret;

	*out = NULL;
	*count = 0;
	ret = pci_system_init();
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "libpciaccess: pci_system_init: %s", strerror(ret));
		return -ret;
	}
	it = pci_id_match_iterator_create(&match);
	if (!it) {
		pci_system_cleanup();
		if (err && errlen)
			snprintf(err, errlen, "libpciaccess: cannot iterate devices");
		return -ENOMEM;
	}
	while ((pd = pci_device_next(it))) {
		struct drm_platform_linux_pci_info *e;
		const char *name;
		int group;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct drm_platform_linux_pci_info *l = realloc(list, ncap * sizeof(*l));

			if (!l) {
				ret = ENOMEM;
				break;
			}
			list = l;
			cap = ncap;
		}
		e = &list[n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->bdf, sizeof(e->bdf), "%04x:%02x:%02x.%x", pd->domain, pd->bus, pd->dev, pd->func);
		e->vendor_id = pd->vendor_id;
		e->device_id = pd->device_id;
		e->subvendor_id = pd->subvendor_id;
		e->subdevice_id = pd->subdevice_id;
		e->revision = pd->revision;
		e->class = pd->device_class;
		name = pci_device_get_vendor_name(pd);
		snprintf(e->vendor_name, sizeof(e->vendor_name), "%s", name ? name : "");
		name = pci_device_get_device_name(pd);
		snprintf(e->device_name, sizeof(e->device_name), "%s", name ? name : "");
		if (vfio_sysfs_driver("", e->bdf, e->driver, sizeof(e->driver)) < 0)
			e->driver[0] = '\0';
		group = vfio_sysfs_iommu_group("", e->bdf);
		e->iommu_group = group >= 0 ? group : -1;
	}
	pci_iterator_destroy(it);
	pci_system_cleanup();
	if (ret) {
		free(list);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (n)
		qsort(list, n, sizeof(*list), info_cmp);
	*out = list;
	*count = n;
	return 0;
}
