/*
 * vfio_pci.h - opening PCI devices through VFIO, and listing them: the
 * Linux side of core/platform_pci.h that only the front end and tools use.
 *
 * A driver core never opens a device itself: the front end opens one by its
 * BDF here and hands the struct drm_pci_dev to the driver, which then uses
 * only the drm_platform_pci_*() calls of core/platform_pci.h.
 *
 * Source of truth: <linux/vfio.h> and the kernel's
 * Documentation/driver-api/vfio.rst (container, group, device; type1 IOMMU).
 */
#ifndef CUSE_DRM_VFIO_PCI_H
#define CUSE_DRM_VFIO_PCI_H

#include <stddef.h>
#include <stdint.h>

#include "platform_pci.h"
#include "pci_sysfs.h"

/**
 * drm_platform_linux_pci_open() - open the PCI function @bdf through VFIO.
 * @bdf:    "DDDD:BB:DD.F" or "BB:DD.F".
 * @out:    receives the device.
 * @err:    receives a one-line explanation on failure (may be NULL).
 *
 * Opens a VFIO container with the type1 v2 IOMMU (VFIO_TYPE1v2_IOMMU), adds
 * the device's group, reads the usable IOVA ranges
 * (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE), gets the device fd, reads its
 * identity and maps its memory BARs (unless the environment has
 * CUSE_DRM_VFIO_NO_MMAP set, a debugging knob that sends every BAR access
 * through pread/pwrite on the device fd).  Needs root (or access to /dev/vfio/N
 * and enough RLIMIT_MEMLOCK for the DMA it will map).
 *
 * Returns 0, or a negative errno with @err saying why:
 *   -EINVAL  @bdf is not a PCI address;
 *   -ENOENT  no such PCI device;
 *   -ENODEV  no IOMMU (no /sys/kernel/iommu_groups), the device has no
 *            iommu_group link, VFIO is not loaded, or the device is not
 *            bound to vfio-pci (the message names its driver and suggests
 *            `drmctl bind BDF`);
 *   -EPERM   the IOMMU group is not viable (the message names the other
 *            devices of the group and their drivers);
 *   -EBUSY   the group is already open (by this or another process; the
 *            message names the processes), as the kernel answers a second
 *            open of /dev/vfio/N;
 *   -errno   from the VFIO ioctls otherwise.
 */
int drm_platform_linux_pci_open(const char *bdf, struct drm_pci_dev **out, char *err, size_t errlen);

/**
 * drm_platform_linux_pci_close() - release everything the device holds:
 * free its interrupt vectors, reset the function (when it can be reset) so
 * it stops DMA, clear Bus Master Enable, unmap every DMA mapping (dropping
 * the shmem references) and coherent allocation, unmap the BARs and close
 * the device, group and container fds.  NULL is a no-op.
 */
void drm_platform_linux_pci_close(struct drm_pci_dev *dev);

/** drm_platform_linux_pci_group() - the device's IOMMU group number (/dev/vfio/N). */
int drm_platform_linux_pci_group(const struct drm_pci_dev *dev);

/**
 * drm_platform_linux_pci_irq_trigger() - fire vector @vector of the
 * requested interrupt type from software, as if the device had raised it
 * (VFIO_DEVICE_SET_IRQS with VFIO_IRQ_SET_DATA_BOOL |
 * VFIO_IRQ_SET_ACTION_TRIGGER: the kernel signals the vector's eventfd).
 * For tests of the delivery path.  0, -EINVAL (no such vector), -errno.
 */
int drm_platform_linux_pci_irq_trigger(struct drm_pci_dev *dev, unsigned int vector);

/**
 * struct drm_platform_linux_pci_info - one PCI function as listed by
 * drm_platform_linux_pci_list().
 * @bdf:         "DDDD:BB:DD.F".
 * @vendor_id, @device_id, @subvendor_id, @subdevice_id, @revision, @class:
 *               from config space (libpciaccess's struct pci_device).
 * @vendor_name, @device_name: from pci.ids (Debian's pci.ids package)
 *               through libpciaccess; "" when unknown.
 * @driver:      the bound driver's name ("" for none).
 * @iommu_group: the IOMMU group, or -1 when none.
 */
struct drm_platform_linux_pci_info {
	char bdf[VFIO_BDF_LEN];
	uint16_t vendor_id, device_id, subvendor_id, subdevice_id;
	uint8_t revision;
	uint32_t class;
	char vendor_name[128];
	char device_name[128];
	char driver[64];
	int iommu_group;
};

/**
 * drm_platform_linux_pci_list() - the PCI functions whose 24-bit class code
 * matches @class under @class_mask (0x030000/0xff0000: display
 * controllers), sorted by BDF, from libpciaccess's scan of
 * /sys/bus/pci/devices.  *@out is malloc'ed (free() it), *@count entries.
 * Returns 0, or -errno with @err.
 */
int drm_platform_linux_pci_list(uint32_t class, uint32_t class_mask, struct drm_platform_linux_pci_info **out,
				size_t *count, char *err, size_t errlen);

#endif
