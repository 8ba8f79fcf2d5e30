/*
 * pci_cap.c - the capability list walk (pci_cap.h).
 */
#include "pci_cap.h"

#include <stdbool.h>

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_HEADER_TYPE 0x0e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CB_CAPABILITY_LIST 0x14

/* Offsets of the list in order, at most VFIO_PCI_CAP_TTL; ids alongside.  Returns the count or -errno. */
static int cap_walk(vfio_pci_cfg_read8_fn read8, void *ctx, uint8_t *offs, uint8_t *ids)
{
	uint8_t status, hdr, pos;
	int n = 0, ret;

	ret = read8(ctx, PCI_STATUS, &status);
	if (ret)
		return ret;
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;
	ret = read8(ctx, PCI_HEADER_TYPE, &hdr);
	if (ret)
		return ret;
	ret = read8(ctx, (hdr & 0x7f) == 2 ? PCI_CB_CAPABILITY_LIST : PCI_CAPABILITY_LIST, &pos);
	if (ret)
		return ret;
	while (n < VFIO_PCI_CAP_TTL) {
		uint8_t id, next;
		bool seen = false;

		if (pos < 0x40)
			break;
		pos &= ~3;
		for (int i = 0; i < n; i++)
			seen |= offs[i] == pos;
		if (seen)
			break;
		ret = read8(ctx, pos, &id);
		if (!ret)
			ret = read8(ctx, pos + 1u, &next);
		if (ret)
			return ret;
		if (id == 0xff)
			break;
		offs[n] = pos;
		ids[n] = id;
		n++;
		pos = next;
	}
	return n;
}

int vfio_pci_cap_next(vfio_pci_cfg_read8_fn read8, void *ctx, uint8_t pos, uint8_t *cap_id)
{
	uint8_t offs[VFIO_PCI_CAP_TTL], ids[VFIO_PCI_CAP_TTL];
	int n = cap_walk(read8, ctx, offs, ids);
	int i = 0;

	if (n < 0)
		return n;
	if (pos) {
		while (i < n && offs[i] != pos)
			i++;
		if (i == n)
			return 0;
		i++;
	}
	if (i >= n)
		return 0;
	if (cap_id)
		*cap_id = ids[i];
	return offs[i];
}
