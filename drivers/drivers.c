/* drivers.c - the built-in driver cores, by DRM name. */
#include <string.h>

#include "core/drm_driver.h"
#include "drivers/vgem/vgem.h"
#include "drivers/virtio/virtgpu_drv.h"
#include "drivers/vkms/vkms.h"

static const struct drm_driver *const drivers[] = {
	&vkms_driver,
	&vgem_driver,
	&virtio_gpu_driver,
};

static const char *const driver_names[] = {
	"vkms",
	"vgem",
	"virtio_gpu",
	NULL,
};

const struct drm_driver *drm_driver_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

const struct drm_driver *drm_driver_find_pci(uint16_t vendor, uint16_t device)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		for (const struct drm_pci_device_id *id = drivers[i]->pci_ids; id && id->vendor; id++)
			if (id->vendor == vendor && id->device == device)
				return drivers[i];
	return NULL;
}

const char *const *drm_driver_names(void)
{
	return driver_names;
}
