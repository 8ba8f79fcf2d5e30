/*
 * pci_sysfs.h - PCI devices, drivers and IOMMU groups as Linux's sysfs
 * shows them (Documentation/ABI/testing/sysfs-bus-pci,
 * sysfs-kernel-iommu_groups), and binding a device to vfio-pci with
 * driver_override (Documentation/driver-api/vfio.rst).
 *
 * Used by vfio_pci.c to explain why a device cannot be opened and by
 * `drmctl bind` / `drmctl unbind`.  Every function takes @root, the
 * directory that holds sys/ ("" for the real /sys), so unit tests can run
 * them on a fake tree.  Messages go into caller buffers, never to stderr.
 */
#ifndef CUSE_DRM_VFIO_PCI_SYSFS_H
#define CUSE_DRM_VFIO_PCI_SYSFS_H

#include <stddef.h>
#include <stdint.h>

/** Buffer size for a BDF "DDDD:BB:DD.F" (domains may have up to 8 hex digits) and its NUL. */
#define VFIO_BDF_LEN 20

/**
 * vfio_pci_parse_bdf() - normalise a PCI address to the kernel's
 * pci_name() form "DDDD:BB:DD.F", lower case hex.  Accepts "BB:DD.F"
 * (domain 0) and "DDDD:BB:DD.F"; device 0..0x1f, function 0..7.
 * Returns 0, or -EINVAL for anything else.
 */
int vfio_pci_parse_bdf(const char *in, char out[VFIO_BDF_LEN]);

/** vfio_sysfs_device_exists() - 1 when @root/sys/bus/pci/devices/@bdf exists, else 0. */
int vfio_sysfs_device_exists(const char *root, const char *bdf);

/**
 * vfio_sysfs_driver() - the name of the driver bound to @bdf (the last part
 * of its "driver" link, e.g. "virtio-pci" or "vfio-pci") into @buf, or ""
 * when none is bound.  Returns 0, or -ENOENT when there is no such device.
 */
int vfio_sysfs_driver(const char *root, const char *bdf, char *buf, size_t len);

/**
 * vfio_sysfs_read_hex() - a sysfs attribute of @bdf that holds one hex
 * number ("class", "vendor", "device": "0x030000\n").  0 or -errno.
 */
int vfio_sysfs_read_hex(const char *root, const char *bdf, const char *attr, uint32_t *val);

/**
 * vfio_sysfs_iommu_group() - the IOMMU group of @bdf (the number its
 * iommu_group link names), or -ENODEV when the system has no IOMMU
 * (@root/sys/kernel/iommu_groups missing or empty), -ENXIO when there is an
 * IOMMU but the device is in no group, -ENOENT for no such device.
 */
int vfio_sysfs_iommu_group(const char *root, const char *bdf);

/**
 * vfio_sysfs_group_check() - may IOMMU group @group be given to VFIO?  It
 * may when every device in it other than @bdf is bound to vfio-pci or
 * pci-stub, is bound to nothing, or is a PCI-to-PCI bridge (class 0x0604):
 * the kernel otherwise refuses the group (VFIO_GROUP_FLAGS_VIABLE clear),
 * because a device still driven by the kernel could DMA through the same
 * IOMMU context.  Returns 0, or -EPERM with @why naming each offending
 * device and its driver, e.g. "0000:01:00.1 (bound to snd_hda_intel)";
 * -errno when the group cannot be read.
 */
int vfio_sysfs_group_check(const char *root, int group, const char *bdf, char *why, size_t len);

/**
 * vfio_sysfs_bind_vfio() - hand @bdf to vfio-pci: check its group with
 * vfio_sysfs_group_check(), write "vfio-pci" to driver_override, unbind
 * the current driver, write @bdf to /sys/bus/pci/drivers_probe, and check
 * that vfio-pci took it.  A device already bound to vfio-pci is left alone.
 * Returns the IOMMU group number (>= 0; /dev/vfio/<group> is the node), or
 * -errno with an explanation in @msg: -ENOENT no such device, -ENODEV/-ENXIO
 * no IOMMU (see vfio_sysfs_iommu_group()), -EPERM group not viable,
 * -ENXIO vfio-pci not loaded, -EACCES not root, -EIO when the kernel did
 * not bind it.
 */
int vfio_sysfs_bind_vfio(const char *root, const char *bdf, char *msg, size_t len);

/**
 * vfio_sysfs_unbind_vfio() - give @bdf back to the kernel: clear its
 * driver_override, unbind it from vfio-pci and reprobe, so the driver that
 * matches its IDs takes it.  Refuses (-EBUSY) while a process holds its
 * /dev/vfio group open, because vfio-pci's unbind would block until the
 * user lets go.  On success the new driver's name (or "" for none) is in
 * @newdrv.  Returns 0 or -errno with @msg.
 */
int vfio_sysfs_unbind_vfio(const char *root, const char *bdf, char *newdrv, size_t newdrv_len, char *msg,
			   size_t len);

/**
 * vfio_group_holders() - which processes hold /dev/vfio/@group open, from
 * the /proc/PID/fd links: "pid 123 (comm)" items joined by ", " into @buf
 * ("" when none or when /proc cannot be read).  Returns how many.
 */
int vfio_group_holders(int group, char *buf, size_t len);

#endif
