/*
 * pci_cap.h - walking a PCI capability list through a config read
 * callback: pure logic shared by vfio_pci.c and the unit tests.
 *
 * Source of truth: PCI Local Bus spec 3.0, 6.7 (Capabilities List) and the
 * kernel's __pci_find_next_cap_ttl() / __pci_bus_find_cap_start()
 * (drivers/pci/pci.c).
 */
#ifndef CUSE_DRM_VFIO_PCI_CAP_H
#define CUSE_DRM_VFIO_PCI_CAP_H

#include <stdint.h>

/** Most capabilities walked, the kernel's PCI_FIND_CAP_TTL: ends a list that loops. */
#define VFIO_PCI_CAP_TTL 48

/** Reads one config space byte at @where into @val; 0 or -errno. */
typedef int (*vfio_pci_cfg_read8_fn)(void *ctx, uint32_t where, uint8_t *val);

/**
 * vfio_pci_cap_next() - the capability after the one at @pos (0: the first),
 * with its ID in *@cap_id (if not NULL).  Returns its config offset, 0 at the
 * end of the list, or -errno from @read8.
 *
 * The list starts at the Capabilities Pointer (0x34; 0x14 for a CardBus
 * header) when Status bit 4 is set.  Each entry is an ID byte and a
 * next-pointer byte; pointers are masked to dwords, one below 0x40 ends the
 * list, ID 0xff ends it (a missing device reads all ones).  An entry that
 * was already visited ends the list too, so a caller iterating with this
 * function always terminates, and so does the walk after
 * VFIO_PCI_CAP_TTL entries.  A @pos that is not on the list gives 0.
 */
int vfio_pci_cap_next(vfio_pci_cfg_read8_fn read8, void *ctx, uint8_t pos, uint8_t *cap_id);

#endif
