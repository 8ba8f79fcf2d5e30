/*
 * drm_file.c - devices, open files, masters, and the per-file event queue
 * with read() and poll().
 *
 * Mirrors the kernel's drivers/gpu/drm/drm_file.c (drm_open, drm_release,
 * drm_read, drm_poll, drm_event_reserve_init, drm_send_event) and the master
 * life cycle of drm_auth.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"
#include "core/drm_wait.h"
#include "core/platform_pci.h"

void drm_dev_lock(struct drm_device *dev)
{
	drm_platform_mutex_lock(dev->lock);
}

void drm_dev_unlock(struct drm_device *dev)
{
	drm_platform_mutex_unlock(dev->lock);
}

void drm_device_lock(struct drm_device *dev)
{
	drm_platform_mutex_lock(dev->lock);
}

void drm_device_unlock(struct drm_device *dev)
{
	drm_platform_mutex_unlock(dev->lock);
}

void drm_device_enable_syncobj(struct drm_device *dev)
{
	drm_platform_mutex_lock(dev->lock);
	dev->driver_features |= DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE;
	drm_platform_mutex_unlock(dev->lock);
}

struct drm_mode_config *drm_dev_mode_config(struct drm_device *dev)
{
	return &dev->mode_config;
}

void drm_dev_set_private(struct drm_device *dev, void *priv)
{
	dev->driver_private = priv;
}

void *drm_dev_private(struct drm_device *dev)
{
	return dev->driver_private;
}

const char *drm_device_driver_name(const struct drm_device *dev)
{
	return dev->driver->name;
}

bool drm_device_has_render_node(const struct drm_device *dev)
{
	return drm_core_check_feature(dev, DRIVER_RENDER);
}

/* DRM_FILE_PAGE_OFFSET_START: fake mmap offsets start above 4 GiB, as the kernel's. */
#define DRM_FILE_PAGE_OFFSET_START 0x100000000ull

int drm_device_create(const struct drm_driver *driver, struct drm_device **out)
{
	return drm_device_create_with_options(driver, NULL, out);
}

const char *drm_dev_options(const struct drm_device *dev)
{
	return dev->options ? dev->options : "";
}

struct drm_pci_dev *drm_dev_pci(struct drm_device *dev)
{
	return dev->pci;
}

int drm_device_create_with_options(const struct drm_driver *driver, const char *options, struct drm_device **out)
{
	return drm_device_create_pci(driver, options, NULL, out);
}

int drm_device_create_pci(const struct drm_driver *driver, const char *options, struct drm_pci_dev *pci,
			  struct drm_device **out)
{
	struct drm_device *dev = calloc(1, sizeof(*dev));
	int ret;

	if (!dev)
		return -ENOMEM;
	dev->options = options;
	dev->pci = pci;
	dev->driver = driver;
	dev->driver_features = driver->driver_features;
	dev->lock = drm_platform_mutex_create();
	if (!dev->lock) {
		free(dev);
		return -ENOMEM;
	}
	drm_idr_init(&dev->objects, 1);
	drm_idr_init(&dev->object_names, 1);
	drm_list_init(&dev->files);
	drm_list_init(&dev->gem_objects);
	drm_list_init(&dev->fbs);
	drm_list_init(&dev->properties);
	drm_list_init(&dev->blobs);
	drm_list_init(&dev->syncobj_eventfds);
	drm_list_init(&dev->wait_deadlines);
	drm_list_init(&dev->vblank_events);
	drm_list_init(&dev->deferred_commits);
	dev->next_mmap_offset = DRM_FILE_PAGE_OFFSET_START;
	dev->mode_config.max_width = 8192;
	dev->mode_config.max_height = 8192;
	dev->mode_config.preferred_depth = 24;

	if (drm_core_check_feature(dev, DRIVER_MODESET)) {
		ret = drm_mode_props_init(dev);
		if (ret)
			goto fail;
	}
	if (driver->load) {
		ret = driver->load(dev);
		if (ret) {
			/* A failed load leaves partial state: unload takes it down. */
			if (driver->unload)
				driver->unload(dev);
			goto fail;
		}
	}
	*out = dev;
	return 0;
fail:
	drm_mode_config_cleanup(dev);
	drm_idr_destroy(&dev->objects);
	drm_idr_destroy(&dev->object_names);
	drm_platform_mutex_destroy(dev->lock);
	free(dev);
	return ret;
}

void drm_device_destroy(struct drm_device *dev)
{
	if (!dev)
		return;
	if (dev->driver->unload)
		dev->driver->unload(dev);
	drm_wait_device_fini(dev);
	drm_atomic_device_fini(dev);
	drm_syncobj_device_fini(dev);
	drm_master_put(&dev->master);
	drm_mode_config_cleanup(dev);
	drm_idr_destroy(&dev->objects);
	drm_idr_destroy(&dev->object_names);
	drm_platform_mutex_destroy(dev->lock);
	free(dev);
}

void drm_device_set_prime_transport(struct drm_device *dev, bool available)
{
	drm_platform_mutex_lock(dev->lock);
	dev->prime_transport = available;
	drm_platform_mutex_unlock(dev->lock);
}

void drm_device_get_stats(struct drm_device *dev, struct drm_device_stats *s)
{
	struct drm_file *f;
	struct drm_gem_object *obj;
	struct drm_framebuffer *fb;
	struct drm_property_blob *blob;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	drm_platform_mutex_lock(dev->lock);
	drm_list_for_each(f, &dev->files, struct drm_file, head) {
		struct drm_pending_event *e;

		s->files++;
		s->gem_handles += f->handles.count;
		drm_list_for_each(e, &f->events, struct drm_pending_event, link)
			s->pending_events++;
	}
	drm_list_for_each(obj, &dev->gem_objects, struct drm_gem_object, head) {
		s->gem_objects++;
		s->gem_bytes += obj->size;
	}
	drm_list_for_each(fb, &dev->fbs, struct drm_framebuffer, dev_head)
		s->framebuffers++;
	drm_list_for_each(blob, &dev->blobs, struct drm_property_blob, head)
		s->blobs++;
	for (i = 0; i < dev->num_crtcs; i++)
		if (dev->crtcs[i]->flip_event)
			s->pending_events++;
	for (i = 0; i < dev->num_crtcs && i < sizeof(s->crtc_flips) / sizeof(s->crtc_flips[0]); i++)
		s->crtc_flips[i] = dev->crtcs[i]->flip_count;
	s->pending_events += drm_vblank_pending_events(dev);
	s->has_master = dev->master != NULL;
	s->syncobjs = dev->num_syncobjs;
	s->parked_ioctls = dev->num_waits;
	s->fences = drm_fence_live_count();
	if (dev->pci) {
		struct drm_pci_dma_stats dma;

		drm_platform_pci_dma_stats(dev->pci, &dma);
		s->dma_mappings = dma.mappings;
		s->dma_coherent = dma.coherent;
		s->dma_bytes = dma.bytes;
	}
	drm_platform_mutex_unlock(dev->lock);
}

/* ------------------------------------------------------------------ */
/* Masters                                                              */
/* ------------------------------------------------------------------ */

struct drm_master *drm_master_create(void)
{
	struct drm_master *m = calloc(1, sizeof(*m));

	if (m) {
		m->refcount = 1;
		drm_idr_init(&m->magic_map, 1);
	}
	return m;
}

void drm_master_put(struct drm_master **master)
{
	struct drm_master *m = *master;

	*master = NULL;
	if (m && --m->refcount == 0) {
		drm_idr_destroy(&m->magic_map);
		free(m->unique);
		free(m);
	}
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

int drm_file_open(struct drm_device *dev, enum drm_minor_type type,
		  const struct drm_caller *caller, struct drm_file **out)
{
	struct drm_file *file = calloc(1, sizeof(*file));

	if (!file)
		return -ENOMEM;
	file->dev = dev;
	file->minor_type = type;
	file->pid = caller ? caller->pid : 0;
	file->uid = caller ? caller->uid : 0;
	file->authenticated = drm_caller_capable(caller);
	file->event_space = DRM_EVENT_SPACE;
	drm_idr_init(&file->handles, 1);
	drm_syncobj_open(file);
	drm_list_init(&file->fbs);
	drm_list_init(&file->prime);
	drm_list_init(&file->vmas);
	drm_list_init(&file->events);

	drm_platform_mutex_lock(dev->lock);
	/* drm_master_open(): the first opener of a primary node becomes master. */
	if (type == DRM_MINOR_PRIMARY) {
		if (!dev->master) {
			struct drm_master *m = drm_master_create();

			if (!m) {
				drm_platform_mutex_unlock(dev->lock);
				free(file);
				return -ENOMEM;
			}
			file->master = m;
			file->is_master = true;
			file->was_master = true;
			file->authenticated = true;
			m->refcount++;
			dev->master = m;
		} else {
			file->master = dev->master;
			dev->master->refcount++;
		}
	}
	drm_list_add_tail(&file->head, &dev->files);
	if (dev->driver->open) {
		int ret = dev->driver->open(dev, file);

		if (ret) {
			drm_list_del(&file->head);
			if (drm_is_current_master(file))
				drm_master_put(&dev->master);
			drm_master_put(&file->master);
			drm_platform_mutex_unlock(dev->lock);
			drm_idr_destroy(&file->handles);
			drm_idr_destroy(&file->syncobjs);
			free(file);
			return ret;
		}
	}
	drm_platform_mutex_unlock(dev->lock);
	*out = file;
	return 0;
}

void drm_file_release(struct drm_file *file)
{
	struct drm_device *dev = file->dev;
	struct drm_pending_event *e, *tmp;

	drm_platform_mutex_lock(dev->lock);
	if (dev->driver->postclose)
		dev->driver->postclose(dev, file);
	/* drm_events_release(): forget events in flight, free queued ones. */
	drm_crtc_release_events(file);
	drm_vblank_release_events(file);
	drm_crc_release(file);
	drm_list_for_each_safe(e, tmp, &file->events, struct drm_pending_event, link) {
		drm_list_del(&e->link);
		free(e);
	}
	drm_fb_release(file);
	drm_property_destroy_user_blobs(dev, file);
	drm_syncobj_release(file);
	drm_gem_release(file);
	drm_gem_vm_release(file);
	/* drm_master_release(): forget the file's magic; a dying master stops being master. */
	if (file->magic && file->master &&
	    drm_idr_find(&file->master->magic_map, file->magic) == file)
		drm_idr_remove(&file->master->magic_map, file->magic);
	if (drm_is_current_master(file))
		drm_master_put(&dev->master);
	drm_master_put(&file->master);
	drm_list_del(&file->head);
	file->event_notify = NULL;
	drm_platform_mutex_unlock(dev->lock);
	drm_idr_destroy(&file->handles);
	free(file);
}

const struct drm_fd_ops *drm_file_fd_ops(const struct drm_file *file)
{
	return file->caller ? file->caller->fds : NULL;
}

void *drm_file_driver_priv(struct drm_file *file)
{
	return file->driver_priv;
}

void drm_file_set_driver_priv(struct drm_file *file, void *priv)
{
	file->driver_priv = priv;
}

void drm_file_set_event_notify(struct drm_file *file, void (*notify)(void *ctx), void *ctx)
{
	drm_platform_mutex_lock(file->dev->lock);
	file->event_notify = notify;
	file->event_notify_ctx = ctx;
	drm_platform_mutex_unlock(file->dev->lock);
}

/* ------------------------------------------------------------------ */
/* Events                                                               */
/* ------------------------------------------------------------------ */

/**
 * drm_event_reserve() - reserve space for an event of @length bytes on
 * @file, as drm_event_reserve_init().  Returns NULL when the file's event
 * space (4096 bytes) is used up or memory is short: the caller fails the
 * ioctl with -ENOMEM, as the kernel does.
 */
struct drm_pending_event *drm_event_reserve(struct drm_file *file, uint32_t type, uint32_t length)
{
	struct drm_pending_event *e;

	if (length > sizeof(e->ev) || file->event_space < length)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	file->event_space -= length;
	e->file = file;
	e->length = length;
	e->ev.base.type = type;
	e->ev.base.length = length;
	drm_list_init(&e->link);
	return e;
}

/** drm_event_cancel() - give back a reserved event that will not be sent. */
void drm_event_cancel(struct drm_pending_event *e)
{
	if (e->file)
		e->file->event_space += e->length;
	free(e);
}

/** drm_event_send() - queue a reserved event on its file and wake readers and pollers. */
void drm_event_send(struct drm_pending_event *e)
{
	struct drm_file *file = e->file;

	if (!file) {
		free(e);
		return;
	}
	drm_list_add_tail(&e->link, &file->events);
	if (file->event_notify)
		file->event_notify(file->event_notify_ctx);
}

long drm_read(struct drm_file *file, void *buf, size_t len)
{
	struct drm_device *dev = file->dev;
	long ret = 0;

	drm_platform_mutex_lock(dev->lock);
	if (drm_list_empty(&file->events)) {
		ret = -EAGAIN;
		goto out;
	}
	while (!drm_list_empty(&file->events)) {
		struct drm_pending_event *e =
			drm_container_of(file->events.next, struct drm_pending_event, link);

		if (e->length > len - (size_t)ret)
			break;
		memcpy((char *)buf + ret, e->ev.bytes, e->length);
		ret += e->length;
		file->event_space += e->length;
		drm_list_del(&e->link);
		free(e);
	}
out:
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}

bool drm_poll(struct drm_file *file)
{
	bool ready;

	drm_platform_mutex_lock(file->dev->lock);
	ready = !drm_list_empty(&file->events);
	drm_platform_mutex_unlock(file->dev->lock);
	return ready;
}
