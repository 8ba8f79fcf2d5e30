/* drivers.c - the built-in driver cores, by DRM name. */
#include <string.h>

#include "core/drm_driver.h"
#include "drivers/vgem/vgem.h"
#include "drivers/vkms/vkms.h"

static const struct drm_driver *const drivers[] = {
	&vkms_driver,
	&vgem_driver,
};

static const char *const driver_names[] = {
	"vkms",
	"vgem",
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

const char *const *drm_driver_names(void)
{
	return driver_names;
}
