/*
 * drm_ioctl.c - the ioctl table, dispatch and permission checks, and the
 * driver-independent core ioctls (VERSION, GET_CAP, SET_CLIENT_CAP,
 * GET_UNIQUE, SET_VERSION, SET_MASTER, DROP_MASTER).
 *
 * Mirrors the kernel's drivers/gpu/drm/drm_ioctl.c and drm_auth.c (Linux
 * 6.1): permissions are data in the table, the argument struct is copied in
 * zero-extended and copied out even when the handler fails.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_internal.h"
#include "core/drm_uapi_ext.h"
#include "core/drm_wait.h"

/* include/drm/drm_ioctl.h: the ioctl number and type of a command. */
#define DRM_IOCTL_NR(n) _IOC_NR(n)

bool drm_core_check_feature(const struct drm_device *dev, uint32_t feature)
{
	return (dev->driver_features & feature) == feature;
}

bool drm_is_current_master(const struct drm_file *file)
{
	return file->is_master && file->master && file->master == file->dev->master;
}

bool drm_is_render_client(const struct drm_file *file)
{
	return file->minor_type == DRM_MINOR_RENDER;
}

bool drm_caller_capable(const struct drm_caller *caller)
{
	if (!caller)
		return false;
	return caller->capable ? caller->capable(caller) : caller->privileged;
}

bool drm_file_privileged(const struct drm_file *file)
{
	return drm_caller_capable(file->caller);
}

int drm_copy_from_user(struct drm_file *file, void *dst, uint64_t uaddr, size_t len)
{
	if (!len)
		return 0;
	if (!file->um || !file->um->copy_from)
		return -EFAULT;
	return file->um->copy_from(file->um->ctx, dst, uaddr, len);
}

int drm_copy_to_user(struct drm_file *file, uint64_t uaddr, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (!file->um || !file->um->copy_to)
		return -EFAULT;
	return file->um->copy_to(file->um->ctx, uaddr, src, len);
}

/* ------------------------------------------------------------------ */
/* Core ioctls                                                          */
/* ------------------------------------------------------------------ */

/* drm_copy_field(): copy a driver string, reporting its full length (drm_ioctl.c). */
static int drm_copy_field(struct drm_file *file, uint64_t ubuf, __kernel_size_t *buf_len,
			  const char *value)
{
	size_t len = strlen(value);
	size_t n = len > *buf_len ? *buf_len : len;

	*buf_len = len;
	if (n && ubuf)
		return drm_copy_to_user(file, ubuf, value, n);
	return 0;
}

/** drm_version() - DRM_IOCTL_VERSION: driver name, date and description. */
int drm_version(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_version *v = data;
	const struct drm_driver *drv = dev->driver;
	int err;

	v->version_major = drv->major;
	v->version_minor = drv->minor;
	v->version_patchlevel = drv->patchlevel;
	err = drm_copy_field(file, (uint64_t)(uintptr_t)v->name, &v->name_len, drv->name);
	if (!err)
		err = drm_copy_field(file, (uint64_t)(uintptr_t)v->date, &v->date_len, drv->date);
	if (!err)
		err = drm_copy_field(file, (uint64_t)(uintptr_t)v->desc, &v->desc_len, drv->desc);
	return err;
}

/** drm_getunique() - DRM_IOCTL_GET_UNIQUE: the master's bus id, empty until SET_VERSION 1.1. */
int drm_getunique(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_unique *u = data;
	struct drm_master *master = file->master;
	uint32_t len = master ? master->unique_len : 0;

	(void)dev;
	if (u->unique_len >= len && len) {
		int ret = drm_copy_to_user(file, (uint64_t)(uintptr_t)u->unique, master->unique, len);
		if (ret)
			return ret;
	}
	u->unique_len = len;
	return 0;
}

/** drm_getcap() - DRM_IOCTL_GET_CAP, with drm_getcap()'s split between generic and KMS caps. */
int drm_getcap(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_get_cap *req = data;
	const struct drm_mode_config *mc = &dev->mode_config;

	(void)file;
	req->value = 0;
	switch (req->capability) {
	case DRM_CAP_TIMESTAMP_MONOTONIC:
		req->value = 1;
		return 0;
	case DRM_CAP_PRIME:
		/* Only where the front end can carry dma-buf fds (the shim on Linux). */
		if (dev->prime_transport && drm_core_check_feature(dev, DRIVER_GEM))
			req->value = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
		return 0;
	case DRM_CAP_SYNCOBJ:
		req->value = drm_core_check_feature(dev, DRIVER_SYNCOBJ);
		return 0;
	case DRM_CAP_SYNCOBJ_TIMELINE:
		req->value = drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE);
		return 0;
	}
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	switch (req->capability) {
	case DRM_CAP_DUMB_BUFFER:
		req->value = 1;
		break;
	case DRM_CAP_VBLANK_HIGH_CRTC:
		req->value = 1;
		break;
	case DRM_CAP_DUMB_PREFERRED_DEPTH:
		req->value = mc->preferred_depth;
		break;
	case DRM_CAP_DUMB_PREFER_SHADOW:
		req->value = mc->prefer_shadow;
		break;
	case DRM_CAP_ASYNC_PAGE_FLIP:
		req->value = mc->async_page_flip;
		break;
	case DRM_CAP_PAGE_FLIP_TARGET:
		req->value = 0;
		break;
	case DRM_CAP_CURSOR_WIDTH:
		req->value = mc->cursor_width ? mc->cursor_width : 64;
		break;
	case DRM_CAP_CURSOR_HEIGHT:
		req->value = mc->cursor_height ? mc->cursor_height : 64;
		break;
	case DRM_CAP_ADDFB2_MODIFIERS:
		req->value = !mc->fb_modifiers_not_supported;
		break;
	case DRM_CAP_CRTC_IN_VBLANK_EVENT:
		req->value = 1;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/** drm_setclientcap() - DRM_IOCTL_SET_CLIENT_CAP, with drm_setclientcap()'s value checks. */
int drm_setclientcap(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_set_client_cap *req = data;

	/* No render-only settable capabilities: all of them need a KMS driver. */
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	switch (req->capability) {
	case DRM_CLIENT_CAP_STEREO_3D:
		if (req->value > 1)
			return -EINVAL;
		file->stereo_allowed = req->value;
		break;
	case DRM_CLIENT_CAP_UNIVERSAL_PLANES:
		if (req->value > 1)
			return -EINVAL;
		file->universal_planes = req->value;
		break;
	case DRM_CLIENT_CAP_ATOMIC:
		/* Refused until the driver does atomic modesetting (DRIVER_ATOMIC). */
		if (!drm_core_check_feature(dev, DRIVER_ATOMIC))
			return -EOPNOTSUPP;
		if (req->value > 2)
			return -EINVAL;
		file->atomic = req->value;
		file->universal_planes = req->value;
		file->aspect_ratio_allowed = req->value;
		break;
	case DRM_CLIENT_CAP_ASPECT_RATIO:
		if (req->value > 1)
			return -EINVAL;
		file->aspect_ratio_allowed = req->value;
		break;
	case DRM_CLIENT_CAP_WRITEBACK_CONNECTORS:
		if (!file->atomic)
			return -EINVAL;
		if (req->value > 1)
			return -EINVAL;
		file->writeback_connectors = req->value;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/** drm_getmagic() - DRM_IOCTL_GET_MAGIC: the file's auth magic, allocated on first use (drm_auth.c). */
int drm_getmagic(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_auth *auth = data;

	(void)dev;
	if (!file->master)
		return -EINVAL;
	if (!file->magic) {
		uint32_t magic = drm_idr_alloc(&file->master->magic_map, file);

		if (!magic)
			return -ENOMEM;
		file->magic = magic;
	}
	auth->magic = file->magic;
	return 0;
}

/** drm_authmagic() - DRM_IOCTL_AUTH_MAGIC: the master authenticates the file with @magic (-EINVAL if none). */
int drm_authmagic(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_auth *auth = data;
	struct drm_file *waiting;

	(void)dev;
	waiting = drm_idr_find(&file->master->magic_map, auth->magic);
	if (!waiting)
		return -EINVAL;
	waiting->authenticated = true;
	/* The magic stays the file's, but cannot authenticate twice (idr_replace(NULL)). */
	drm_idr_remove(&file->master->magic_map, auth->magic);
	return 0;
}

/** drm_getclient() - DRM_IOCTL_GET_CLIENT: only index 0, the caller itself, as drm_getclient() in 6.1. */
int drm_getclient(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_client *client = data;

	(void)dev;
	if (client->idx)
		return -EINVAL;
	client->auth = file->authenticated;
	client->pid = file->caller ? file->caller->pid : 0;
	client->uid = 65534; /* overflowuid: the kernel no longer tells */
	client->magic = 0;
	client->iocs = 0;
	return 0;
}

/** drm_getstats() - DRM_IOCTL_GET_STATS: all zero, as the kernel answers since the counters went away. */
int drm_getstats(struct drm_device *dev, void *data, struct drm_file *file)
{
	(void)dev;
	(void)file;
	memset(data, 0, sizeof(struct drm_stats));
	return 0;
}

/* drm_set_busid(): the master's unique becomes the device's bus id. */
static int drm_set_busid(struct drm_device *dev, struct drm_file *file)
{
	struct drm_master *master = file->master;
	size_t len = strlen(dev->driver->name);

	if (!master)
		return -EINVAL;
	if (master->unique)
		return 0;
	master->unique = malloc(len + 1);
	if (!master->unique)
		return -ENOMEM;
	memcpy(master->unique, dev->driver->name, len + 1);
	master->unique_len = (uint32_t)len;
	return 0;
}

/** drm_setversion() - DRM_IOCTL_SET_VERSION: check the requested interface and driver versions. */
int drm_setversion(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_set_version *sv = data;
	int ret = 0;

	if (sv->drm_di_major != -1) {
		if (sv->drm_di_major != DRM_IF_MAJOR || sv->drm_di_minor < 0 ||
		    sv->drm_di_minor > DRM_IF_MINOR) {
			ret = -EINVAL;
			goto done;
		}
		if (sv->drm_di_minor >= 1) {
			ret = drm_set_busid(dev, file);
			if (ret)
				goto done;
		}
	}
	if (sv->drm_dd_major != -1) {
		if (sv->drm_dd_major != dev->driver->major || sv->drm_dd_minor < 0 ||
		    sv->drm_dd_minor > dev->driver->minor)
			ret = -EINVAL;
	}
done:
	sv->drm_di_major = DRM_IF_MAJOR;
	sv->drm_di_minor = DRM_IF_MINOR;
	sv->drm_dd_major = dev->driver->major;
	sv->drm_dd_minor = dev->driver->minor;
	return ret;
}

/* drm_master_check_perm(): a former master may come back from its opener; else CAP_SYS_ADMIN. */
static int drm_master_check_perm(struct drm_file *file)
{
	if (file->was_master && file->caller && file->caller->pid == file->pid)
		return 0;
	if (!drm_file_privileged(file))
		return -EACCES;
	return 0;
}

/* drm_new_set_master(): @file gets a new master object and becomes the current master. */
static int drm_new_set_master(struct drm_device *dev, struct drm_file *file)
{
	struct drm_master *m = drm_master_create();

	if (!m)
		return -ENOMEM;
	if (file->master)
		drm_master_put(&file->master);
	file->master = m;
	file->is_master = true;
	file->authenticated = true;
	m->refcount++;
	dev->master = m;
	file->was_master = true;
	return 0;
}

/** drm_setmaster_ioctl() - DRM_IOCTL_SET_MASTER (drm_auth.c). */
int drm_setmaster_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	int ret;

	(void)data;
	ret = drm_master_check_perm(file);
	if (ret)
		return ret;
	if (drm_is_current_master(file))
		return 0;
	if (dev->master)
		return -EBUSY;
	if (!file->master)
		return -EINVAL;
	if (!file->is_master)
		return drm_new_set_master(dev, file);
	dev->master = file->master;
	dev->master->refcount++;
	file->was_master = true;
	return 0;
}

/* drm_drop_master(): the device has no master until someone sets one. */
void drm_drop_master(struct drm_device *dev);
void drm_drop_master(struct drm_device *dev)
{
	drm_master_put(&dev->master);
}

/** drm_dropmaster_ioctl() - DRM_IOCTL_DROP_MASTER (drm_auth.c). */
int drm_dropmaster_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	int ret;

	(void)data;
	ret = drm_master_check_perm(file);
	if (ret)
		return ret;
	if (!drm_is_current_master(file))
		return -EINVAL;
	if (!dev->master)
		return -EINVAL;
	drm_drop_master(dev);
	return 0;
}

/**
 * drm_invalid_op() - the pre-KMS ioctls the kernel still lists with their
 * permission flags (Linux 6.1's drm_ioctls[]: DRM_LEGACY_IOCTL_DEF entries
 * without CONFIG_DRM_LEGACY, and SET_UNIQUE): past drm_ioctl_permit() they
 * are -EINVAL.
 */
int drm_invalid_op(struct drm_device *dev, void *data, struct drm_file *file)
{
	(void)dev;
	(void)data;
	(void)file;
	return -EINVAL;
}

/** drm_legacy_modeset_ctl_ioctl() - DRM_IOCTL_MODESET_CTL: a no-op for a driver that is not DRIVER_LEGACY. */
int drm_legacy_modeset_ctl_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	(void)dev;
	(void)data;
	(void)file;
	return 0;
}

/**
 * drm_mode_lease_ioctl() - MODE_CREATE_LEASE, LIST_LESSEES, GET_LEASE and
 * REVOKE_LEASE (drm_lease.c): -EOPNOTSUPP without KMS, as the kernel.  With
 * KMS too: DRM leases are not implemented here (README), so a lessor gets
 * -EOPNOTSUPP rather than a lease that would not confine its lessee.
 */
int drm_mode_lease_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	(void)dev;
	(void)data;
	(void)file;
	return -EOPNOTSUPP;
}

/** drm_noop() - ioctls the kernel accepts and ignores (MODE_ATTACHMODE, MODE_DETACHMODE, BLOCK, ...). */
int drm_noop(struct drm_device *dev, void *data, struct drm_file *file)
{
	(void)dev;
	(void)data;
	(void)file;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

#define DRM_IOCTL_DEF(ioctl, _func, _flags) \
	[DRM_IOCTL_NR(ioctl)] = { .cmd = ioctl, .func = _func, .flags = _flags, .name = #ioctl }

static const struct drm_ioctl_desc drm_ioctls[] = {
	DRM_IOCTL_DEF(DRM_IOCTL_VERSION, drm_version, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_UNIQUE, drm_getunique, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_MAGIC, drm_getmagic, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_CLIENT, drm_getclient, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_STATS, drm_getstats, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_CAP, drm_getcap, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_CLIENT_CAP, drm_setclientcap, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_VERSION, drm_setversion, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_AUTH_MAGIC, drm_authmagic, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_MASTER, drm_setmaster_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_DROP_MASTER, drm_dropmaster_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GEM_CLOSE, drm_gem_close_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_GEM_FLINK, drm_gem_flink_ioctl, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_GEM_OPEN, drm_gem_open_ioctl, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle_to_fd_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_PRIME_FD_TO_HANDLE, drm_prime_fd_to_handle_ioctl, DRM_RENDER_ALLOW),

	/*
	 * Pre-KMS ioctls: Linux 6.1 keeps them in the table with their flags, so a
	 * caller without the rights gets EACCES before the EINVAL (or the no-op's 0)
	 * of a driver that is not DRIVER_LEGACY.  Debian's kernel has CONFIG_AGP.
	 */
	DRM_IOCTL_DEF(DRM_IOCTL_SET_UNIQUE, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_BLOCK, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_UNBLOCK, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_IRQ_BUSID, drm_invalid_op, DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_MAP, drm_invalid_op, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_ADD_MAP, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_RM_MAP, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_SAREA_CTX, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_SAREA_CTX, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_ADD_CTX, drm_invalid_op, DRM_AUTH | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_RM_CTX, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_MOD_CTX, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_CTX, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_SWITCH_CTX, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_NEW_CTX, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_RES_CTX, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_ADD_DRAW, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_RM_DRAW, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_LOCK, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_UNLOCK, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_FINISH, drm_noop, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_ADD_BUFS, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_MARK_BUFS, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_INFO_BUFS, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_MAP_BUFS, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_FREE_BUFS, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_DMA, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_CONTROL, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_ACQUIRE, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_RELEASE, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_ENABLE, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_INFO, drm_invalid_op, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_ALLOC, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_FREE, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_BIND, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AGP_UNBIND, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_SG_ALLOC, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_SG_FREE, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_UPDATE_DRAW, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_MODESET_CTL, drm_legacy_modeset_ctl_ioctl, 0),

	DRM_IOCTL_DEF(DRM_IOCTL_WAIT_VBLANK, drm_wait_vblank_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_CRTC_GET_SEQUENCE, drm_crtc_get_sequence_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_CRTC_QUEUE_SEQUENCE, drm_crtc_queue_sequence_ioctl, 0),

	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETRESOURCES, drm_mode_getresources, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETPLANERESOURCES, drm_mode_getplane_res, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETCRTC, drm_mode_getcrtc, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_SETCRTC, drm_mode_setcrtc, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETPLANE, drm_mode_getplane, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_SETPLANE, drm_mode_setplane, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETGAMMA, drm_mode_gamma_get_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_SETGAMMA, drm_mode_gamma_set_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_CURSOR, drm_mode_cursor_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_CURSOR2, drm_mode_cursor2_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETENCODER, drm_mode_getencoder, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETCONNECTOR, drm_mode_getconnector, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_ATTACHMODE, drm_noop, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_DETACHMODE, drm_noop, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETPROPERTY, drm_mode_getproperty_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_SETPROPERTY, drm_connector_property_set_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETPROPBLOB, drm_mode_getblob_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETFB, drm_mode_getfb, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETFB2, drm_mode_getfb2_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_ADDFB, drm_mode_addfb_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_ADDFB2, drm_mode_addfb2_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_RMFB, drm_mode_rmfb_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_PAGE_FLIP, drm_mode_page_flip_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_DIRTYFB, drm_mode_dirtyfb_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_CREATE_DUMB, drm_mode_create_dumb_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_MAP_DUMB, drm_mode_mmap_dumb_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_DESTROY_DUMB, drm_mode_destroy_dumb_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_OBJ_GETPROPERTIES, drm_mode_obj_get_properties_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_OBJ_SETPROPERTY, drm_mode_obj_set_property_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_ATOMIC, drm_mode_atomic_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_CREATEPROPBLOB, drm_mode_createblob_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_DESTROYPROPBLOB, drm_mode_destroyblob_ioctl, 0),

	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_CREATE, drm_syncobj_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_DESTROY, drm_syncobj_destroy_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, drm_syncobj_handle_to_fd_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2, drm_syncobj_fd_to_handle_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_WAIT_V2, drm_syncobj_wait_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_V2, drm_syncobj_timeline_wait_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_QUERY, drm_syncobj_query_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_TRANSFER, drm_syncobj_transfer_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, drm_syncobj_timeline_signal_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_RESET, drm_syncobj_reset_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_SIGNAL, drm_syncobj_signal_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_EVENTFD, drm_syncobj_eventfd_ioctl, DRM_RENDER_ALLOW),

	DRM_IOCTL_DEF(DRM_IOCTL_MODE_CREATE_LEASE, drm_mode_lease_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_LIST_LESSEES, drm_mode_lease_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GET_LEASE, drm_mode_lease_ioctl, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_REVOKE_LEASE, drm_mode_lease_ioctl, DRM_MASTER),
};

#define DRM_CORE_IOCTL_COUNT (sizeof(drm_ioctls) / sizeof(drm_ioctls[0]))

/* drm_ioctl_permit(): the kernel's checks, in its order. */
static int drm_ioctl_permit(uint32_t flags, struct drm_file *file)
{
	if ((flags & DRM_ROOT_ONLY) && !drm_file_privileged(file))
		return -EACCES;
	if ((flags & DRM_AUTH) && !drm_is_render_client(file) && !file->authenticated)
		return -EACCES;
	if ((flags & DRM_MASTER) && !drm_is_current_master(file))
		return -EACCES;
	if (!(flags & DRM_RENDER_ALLOW) && drm_is_render_client(file))
		return -EACCES;
	return 0;
}

/* The table row for @cmd, or NULL where the kernel answers EINVAL/ENOTTY before copying. */
static const struct drm_ioctl_desc *drm_ioctl_lookup(const struct drm_device *dev, unsigned int cmd,
						     int *err)
{
	unsigned int nr = DRM_IOCTL_NR(cmd);
	const struct drm_ioctl_desc *ioctl;

	if (_IOC_TYPE(cmd) != DRM_IOCTL_BASE) {
		*err = -ENOTTY;
		return NULL;
	}
	*err = -EINVAL;
	if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END) {
		unsigned int index = nr - DRM_COMMAND_BASE;

		if (index >= (unsigned int)dev->driver->num_ioctls)
			return NULL;
		ioctl = &dev->driver->ioctls[index];
	} else {
		if (nr >= DRM_CORE_IOCTL_COUNT)
			return NULL;
		ioctl = &drm_ioctls[nr];
	}
	if (!ioctl->func)
		return NULL;
	return ioctl;
}

bool drm_ioctl_arg_size(struct drm_device *dev, unsigned int cmd, size_t *size, bool *in, bool *out)
{
	int err;
	const struct drm_ioctl_desc *ioctl = drm_ioctl_lookup(dev, cmd, &err);

	if (!ioctl)
		return false;
	*size = _IOC_SIZE(cmd);
	*in = (cmd & ioctl->cmd & IOC_IN) != 0;
	*out = (cmd & ioctl->cmd & IOC_OUT) != 0;
	return true;
}

int drm_ioctl(struct drm_file *file, unsigned int cmd, uint64_t arg,
	      const struct drm_user_mem *um, const struct drm_caller *caller)
{
	return drm_ioctl_async(file, cmd, arg, um, caller, NULL);
}

int drm_ioctl_async(struct drm_file *file, unsigned int cmd, uint64_t arg,
		    const struct drm_user_mem *um, const struct drm_caller *caller,
		    struct drm_wait *w)
{
	struct drm_device *dev = file->dev;
	const struct drm_ioctl_desc *ioctl;
	size_t in_size, out_size, drv_size, ksize;
	unsigned char stack_kdata[128];
	unsigned char *kdata = stack_kdata;
	int ret;

	drm_platform_mutex_lock(dev->lock);
	file->um = um;
	file->caller = caller;
	file->wait = w;
	drm_wait_begin_run(dev, w);

	ioctl = drm_ioctl_lookup(dev, cmd, &ret);
	if (!ioctl)
		goto out;

	drv_size = _IOC_SIZE(ioctl->cmd);
	in_size = out_size = _IOC_SIZE(cmd);
	if ((cmd & ioctl->cmd & IOC_IN) == 0)
		in_size = 0;
	if ((cmd & ioctl->cmd & IOC_OUT) == 0)
		out_size = 0;
	ksize = in_size > out_size ? in_size : out_size;
	if (drv_size > ksize)
		ksize = drv_size;
	if (ksize > sizeof(stack_kdata)) {
		kdata = malloc(ksize);
		if (!kdata) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = drm_copy_from_user(file, kdata, arg, in_size);
	if (ret)
		goto out_free;
	if (ksize > in_size)
		memset(kdata + in_size, 0, ksize - in_size);

	ret = drm_ioctl_permit(ioctl->flags, file);
	if (!ret)
		ret = ioctl->func(dev, kdata, file);
	/* A parked ioctl writes nothing back: it will run again. */
	if (ret == -DRM_ERETRY || ret == -DRM_EPENDING)
		goto out_free;
	if (drm_copy_to_user(file, arg, kdata, out_size))
		ret = -EFAULT;
	if (ret && ret != -DRM_ERETRY)
		drm_dbg("%s: ioctl %s failed: %d", dev->driver->name, ioctl->name, ret);
out_free:
	if (kdata != stack_kdata)
		free(kdata);
out:
	ret = drm_wait_end_run(dev, w, ret);
	file->um = NULL;
	file->caller = NULL;
	file->wait = NULL;
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}
