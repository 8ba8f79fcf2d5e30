/*
 * virtgpu_3d.c - VIRGL 3D in the virtio-gpu driver core: capsets, per-file
 * host contexts, 3D resources, transfers and command submission, and the
 * virtgpu uAPI that drives them (virtgpu_uapi.h).
 *
 * After the kernel's drivers/gpu/drm/virtio/virtgpu_ioctl.c (validation and
 * errnos), virtgpu_kms.c (virtio_gpu_get_capsets()), virtgpu_gem.c (the
 * per-file context: virtio_gpu_gem_object_open/close) and virtgpu_vq.c
 * (virtio_gpu_cmd_*), Linux 6.1, and the virtio spec v1.2, 5.7.6.10.
 *
 * A file's host context is created on first use (CTX_CREATE: a GEM handle,
 * RESOURCE_CREATE, a transfer, EXECBUFFER or CONTEXT_INIT) and destroyed at
 * close, after every handle of the file has detached its resource
 * (CTX_DETACH_RESOURCE), so a client that dies leaves nothing on the host.
 *
 * Not done yet: RESOURCE_CREATE_BLOB (the device in the test VM, QEMU 7.2's
 * virtio-gpu-gl, offers no blobs: -ENOSYS as the kernel without them),
 * per-ring fence contexts (no device here offers CONTEXT_INIT), and 3D
 * resources and contexts are not recreated after a device reset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtgpu_uapi.h"
#include "drivers/virtio/virtgpu_drv.h"

/** Page size of GEM objects (bytes): RESOURCE_CREATE's size 0 means one page. */
#define VIRTGPU_PAGE_SIZE 4096u
/** virtgpu_ioctl.c: the largest capset id and ring count CONTEXT_INIT takes. */
#define VIRTGPU_MAX_CAPSET_ID 63
#define VIRTGPU_MAX_RINGS 64
/** Capset versions read at load, per capset (0 .. min(max_version, this)); later ones on demand. */
#define VIRTGPU_CAPSET_PREFETCH_VERSIONS 4
/** pipe_texture_target PIPE_TEXTURE_2D: the only target without VIRGL. */
#define VIRTGPU_PIPE_TEXTURE_2D 2

static struct virtgpu_device *to_vg(struct drm_device *dev)
{
	return drm_dev_private(dev);
}

/* ------------------------------------------------------------------ */
/* Capsets (virtio_gpu_get_capsets(), virtio_gpu_cmd_get_capset())      */
/* ------------------------------------------------------------------ */

/* GET_CAPSET of (@id, @version), cached; the cache entry or NULL (logged). */
static struct virtgpu_capset_cache *virtgpu_capset_fetch(struct virtgpu_device *vg, const struct virtgpu_capset *cs,
							 uint32_t version)
{
	struct virtgpu_capset_cache *ent;
	struct virtio_gpu_get_capset cmd;
	uint8_t *resp;
	int ret;

	drm_list_for_each(ent, &vg->capset_cache, struct virtgpu_capset_cache, link)
		if (ent->id == cs->id && ent->version == version)
			return ent;
	resp = calloc(1, sizeof(struct virtio_gpu_ctrl_hdr) + cs->max_size);
	ent = calloc(1, sizeof(*ent));
	if (!resp || !ent)
		goto fail;
	virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_GET_CAPSET, 0);
	cmd.capset_id = cs->id;
	cmd.capset_version = version;
	ret = virtgpu_cmd(&vg->ctrlq, &cmd, sizeof(cmd), resp, sizeof(struct virtio_gpu_ctrl_hdr) + cs->max_size,
			  VIRTIO_GPU_RESP_OK_CAPSET, NULL);
	if (ret) {
		drm_err("virtio_gpu: GET_CAPSET of capset %u version %u: %d", cs->id, version, ret);
		goto fail;
	}
	ent->id = cs->id;
	ent->version = version;
	ent->size = cs->max_size;
	ent->data = resp;
	drm_list_add_tail(&ent->link, &vg->capset_cache);
	return ent;
fail:
	free(resp);
	free(ent);
	return NULL;
}

/**
 * virtgpu_3d_init() - after the device is up: what 3D it offers.  With
 * VIRGL, num_capsets from the config space (5.7.4), then GET_CAPSET_INFO
 * of each capset (virtio_gpu_get_capsets()) and GET_CAPSET of its versions,
 * cached for GET_CAPS.  0 or -errno (-EIO when the device answers
 * nonsense).  Device lock held or not yet shared.
 */
int virtgpu_3d_init(struct virtgpu_device *vg)
{
	vg->has_virgl_3d = vg->features & (1ull << VIRTIO_GPU_F_VIRGL);
	vg->has_resource_blob = vg->features & (1ull << VIRTIO_GPU_F_RESOURCE_BLOB);
	vg->has_context_init = vg->features & (1ull << VIRTIO_GPU_F_CONTEXT_INIT);
	vg->num_capsets = 0;
	if (!vg->has_virgl_3d)
		return 0;
	{
		uint32_t n = virtio_pci_device_cfg_read32(vg, VIRTIO_GPU_CFG_NUM_CAPSETS);

		if (n > 64) {
			drm_err("virtio_gpu: the device claims %u capsets", n);
			return -EIO;
		}
		vg->capsets = calloc(n ? n : 1, sizeof(*vg->capsets));
		if (!vg->capsets)
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++) {
			struct virtio_gpu_get_capset_info cmd;
			struct virtio_gpu_resp_capset_info info;
			struct virtgpu_capset *cs = &vg->capsets[i];
			int ret;

			virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_GET_CAPSET_INFO, 0);
			cmd.capset_index = i;
			cmd.padding = 0;
			ret = virtgpu_cmd(&vg->ctrlq, &cmd, sizeof(cmd), &info, sizeof(info), VIRTIO_GPU_RESP_OK_CAPSET_INFO,
					  NULL);
			if (ret)
				return ret;
			if (info.capset_max_size == 0 || info.capset_max_size > (1u << 20)) {
				drm_err("virtio_gpu: capset %u of size %u", info.capset_id, info.capset_max_size);
				return -EIO;
			}
			cs->id = info.capset_id;
			cs->max_version = info.capset_max_version;
			cs->max_size = info.capset_max_size;
			if (cs->id <= VIRTGPU_MAX_CAPSET_ID)
				vg->capset_id_mask |= 1ull << cs->id;
			vg->num_capsets = i + 1;
			for (uint32_t v = 0; v <= cs->max_version && v < VIRTGPU_CAPSET_PREFETCH_VERSIONS; v++)
				if (!virtgpu_capset_fetch(vg, cs, v))
					return -EIO;
			drm_info("virtio_gpu: capset %u: version %u, %u bytes", cs->id, cs->max_version, cs->max_size);
		}
	}
	return 0;
}

/** virtgpu_3d_fini() - at unload: free the capset cache. */
void virtgpu_3d_fini(struct virtgpu_device *vg)
{
	while (!drm_list_empty(&vg->capset_cache)) {
		struct virtgpu_capset_cache *ent =
			drm_container_of(vg->capset_cache.next, struct virtgpu_capset_cache, link);

		drm_list_del(&ent->link);
		free(ent->data);
		free(ent);
	}
	free(vg->capsets);
	vg->capsets = NULL;
	vg->num_capsets = 0;
}

/* ------------------------------------------------------------------ */
/* Per-file contexts (virtgpu_gem.c, virtgpu_kms.c)                     */
/* ------------------------------------------------------------------ */

/**
 * virtgpu_driver_open() - a new file: with VIRGL it gets a context id
 * (virtio_gpu_driver_open()); the host context comes on first use.
 */
int virtgpu_driver_open(struct drm_device *dev, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct virtgpu_fpriv *fp;

	if (!vg || !vg->has_virgl_3d)
		return 0;
	fp = calloc(1, sizeof(*fp));
	if (!fp)
		return -ENOMEM;
	if (++vg->next_ctx_id == 0)
		vg->next_ctx_id = 1;
	fp->ctx_id = vg->next_ctx_id;
	drm_file_set_driver_priv(file, fp);
	return 0;
}

/**
 * virtgpu_driver_postclose() - the file goes (its handles, and so its
 * resources' attachments, went first): CTX_DESTROY of its context
 * (virtio_gpu_driver_postclose()).
 */
void virtgpu_driver_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct virtgpu_fpriv *fp = drm_file_driver_priv(file);

	if (!fp)
		return;
	if (vg && fp->context_created) {
		struct virtio_gpu_ctx_destroy cmd;

		virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_CTX_DESTROY, fp->ctx_id);
		virtgpu_cmd_nodata(vg, &cmd, sizeof(cmd));
	}
	drm_file_set_driver_priv(file, NULL);
	free(fp);
}

/* virtio_gpu_create_context(): CTX_CREATE once per file.  0 or -errno. */
static int virtgpu_create_context(struct virtgpu_device *vg, struct virtgpu_fpriv *fp)
{
	static const char name[] = "cuse-drm";
	struct virtio_gpu_ctx_create cmd;
	int ret;

	if (fp->context_created)
		return 0;
	memset(&cmd, 0, sizeof(cmd));
	virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_CTX_CREATE, fp->ctx_id);
	cmd.nlen = sizeof(name) - 1;
	cmd.context_init = fp->context_init;
	memcpy(cmd.debug_name, name, sizeof(name) - 1);
	ret = virtgpu_cmd_nodata(vg, &cmd, sizeof(cmd));
	if (!ret)
		fp->context_created = true;
	return ret;
}

static int virtgpu_ctx_resource(struct virtgpu_device *vg, uint32_t type, uint32_t ctx_id, uint32_t resource_id)
{
	struct virtio_gpu_ctx_resource cmd;

	virtgpu_hdr_init(&cmd.hdr, type, ctx_id);
	cmd.resource_id = resource_id;
	cmd.padding = 0;
	return virtgpu_cmd_nodata(vg, &cmd, sizeof(cmd));
}

/*
 * The file's context, created if need be; NULL for a device without VIRGL
 * (no fpriv) or when CTX_CREATE failed (*@ret says why).
 */
static struct virtgpu_fpriv *virtgpu_file_context(struct virtgpu_device *vg, struct drm_file *file, int *ret)
{
	struct virtgpu_fpriv *fp = drm_file_driver_priv(file);

	*ret = 0;
	if (!fp)
		return NULL;
	*ret = virtgpu_create_context(vg, fp);
	return *ret ? NULL : fp;
}

/**
 * virtgpu_gem_open_object() - @file got a handle to @obj: with VIRGL, its
 * context (created now if need be) gets the resource attached
 * (virtio_gpu_gem_object_open(): CTX_ATTACH_RESOURCE).  An object whose
 * resource does not exist yet (a dumb buffer being made) is attached by
 * its creator.  Always 0, as the kernel's (a failed command is logged).
 */
int virtgpu_gem_open_object(struct drm_gem_object *obj, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(obj->dev);
	struct virtgpu_object *bo = obj->driver_private;
	struct virtgpu_fpriv *fp;
	int ret;

	if (!vg || !vg->has_virgl_3d)
		return 0;
	fp = virtgpu_file_context(vg, file, &ret);
	if (fp && bo && bo->resource_id)
		virtgpu_ctx_resource(vg, VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, fp->ctx_id, bo->resource_id);
	return 0;
}

/** virtgpu_gem_close_object() - @file dropped a handle: CTX_DETACH_RESOURCE (virtio_gpu_gem_object_close()). */
void virtgpu_gem_close_object(struct drm_gem_object *obj, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(obj->dev);
	struct virtgpu_object *bo = obj->driver_private;
	struct virtgpu_fpriv *fp = drm_file_driver_priv(file);

	if (!vg || !vg->has_virgl_3d || !fp || !fp->context_created || !bo || !bo->resource_id)
		return;
	virtgpu_ctx_resource(vg, VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE, fp->ctx_id, bo->resource_id);
}

/* ------------------------------------------------------------------ */
/* virtgpu uAPI (virtgpu_ioctl.c)                                       */
/* ------------------------------------------------------------------ */

/** virtio_gpu_getparam_ioctl() - VIRTGPU_GETPARAM: the device's truth; -EINVAL for unknown params. */
int virtio_gpu_getparam_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_virtgpu_getparam *param = data;
	int value;

	switch (param->param) {
	case VIRTGPU_PARAM_3D_FEATURES: value = vg->has_virgl_3d ? 1 : 0; break;
	case VIRTGPU_PARAM_CAPSET_QUERY_FIX: value = 1; break;
	case VIRTGPU_PARAM_RESOURCE_BLOB: value = vg->has_resource_blob ? 1 : 0; break;
	case VIRTGPU_PARAM_HOST_VISIBLE: value = 0; break;  /* no host-visible shared memory region mapped */
	case VIRTGPU_PARAM_CROSS_DEVICE: value = 0; break;  /* VIRTIO_GPU_F_RESOURCE_UUID not negotiated */
	case VIRTGPU_PARAM_CONTEXT_INIT: value = vg->has_context_init ? 1 : 0; break;
	case VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs: value = (int)vg->capset_id_mask; break;
	default: return -EINVAL;
	}
	return drm_copy_to_user(file, param->value, &value, sizeof(int));
}

/**
 * virtio_gpu_get_caps_ioctl() - VIRTGPU_GET_CAPS: min(size, the capset's
 * max_size) bytes of capset cap_set_id at version cap_set_ver, from the
 * cache (read at load, or now for a version not read then).  -ENOSYS
 * without capsets, -EINVAL for size 0 or a capset/version the device lacks,
 * -EFAULT; -EBUSY when the device does not answer (the kernel's 5 s wait).
 */
int virtio_gpu_get_caps_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_virtgpu_get_caps *args = data;
	const struct virtgpu_capset *cs = NULL;
	struct virtgpu_capset_cache *ent;
	uint32_t size;

	if (vg->num_capsets == 0)
		return -ENOSYS;
	if (args->size == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < vg->num_capsets; i++) {
		if (vg->capsets[i].id == args->cap_set_id && vg->capsets[i].max_version >= args->cap_set_ver) {
			cs = &vg->capsets[i];
			break;
		}
	}
	if (!cs)
		return -EINVAL;
	size = args->size < cs->max_size ? args->size : cs->max_size;
	ent = virtgpu_capset_fetch(vg, cs, args->cap_set_ver);
	if (!ent)
		return -EBUSY;
	return drm_copy_to_user(file, args->addr, ent->data + sizeof(struct virtio_gpu_ctrl_hdr), size);
}

/**
 * virtio_gpu_context_init_ioctl() - VIRTGPU_CONTEXT_INIT: create the file's
 * context with a capset id, a ring count and the rings to poll.  -EINVAL
 * without CONTEXT_INIT on the device, for more than 3 params, an unknown
 * param, a capset id the device lacks or given twice, a second NUM_RINGS or
 * POLL_RINGS_MASK, over 64 rings, or a poll mask naming rings past
 * NUM_RINGS; -EEXIST once the context exists; -EFAULT.
 */
int virtio_gpu_context_init_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_virtgpu_context_init *args = data;
	struct drm_virtgpu_context_set_param params[3];
	struct virtgpu_fpriv *fp = drm_file_driver_priv(file);
	struct virtgpu_fpriv next;
	int ret;

	if (!vg->has_context_init || !fp)
		return -EINVAL;
	if (args->num_params > 3)
		return -EINVAL;
	ret = drm_copy_from_user(file, params, args->ctx_set_params, args->num_params * sizeof(params[0]));
	if (ret)
		return ret;
	if (fp->context_created)
		return -EEXIST;
	next = *fp;
	for (uint32_t i = 0; i < args->num_params; i++) {
		uint64_t value = params[i].value;

		switch (params[i].param) {
		case VIRTGPU_CONTEXT_PARAM_CAPSET_ID:
			if (value > VIRTGPU_MAX_CAPSET_ID || !(vg->capset_id_mask & (1ull << value)))
				return -EINVAL;
			if (next.context_init & VIRTIO_GPU_CONTEXT_INIT_CAPSET_ID_MASK)
				return -EINVAL;
			next.context_init |= (uint32_t)value;
			break;
		case VIRTGPU_CONTEXT_PARAM_NUM_RINGS:
			if (next.base_fence_ctx || value > VIRTGPU_MAX_RINGS)
				return -EINVAL;
			next.base_fence_ctx = drm_fence_context_alloc((unsigned int)value);
			next.num_rings = (uint32_t)value;
			break;
		case VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK:
			if (next.ring_idx_mask)
				return -EINVAL;
			next.ring_idx_mask = value;
			break;
		default:
			return -EINVAL;
		}
	}
	if (next.ring_idx_mask) {
		uint64_t valid = next.num_rings >= 64 ? ~0ull : (1ull << next.num_rings) - 1;

		if (next.ring_idx_mask & ~valid)
			return -EINVAL;
	}
	*fp = next;
	return virtgpu_create_context(vg, fp);
}

/*
 * A new GEM object of @size bytes with host resource @bo: created with
 * @create (RESOURCE_CREATE_3D or _2D), its backing DMA-mapped and attached
 * (virtio_gpu_object_create()), and a handle in @file.  Frees @bo on failure.
 */
static int virtgpu_object_create(struct virtgpu_device *vg, struct drm_file *file, struct virtgpu_object *bo,
				 const void *create, uint32_t create_len, uint64_t size, uint32_t *handle)
{
	struct drm_gem_object *obj;
	int ret;

	ret = drm_gem_object_create(vg->ddev, size, NULL, &obj);
	if (ret) {
		free(bo);
		return ret;
	}
	obj->driver_private = bo;
	bo->size = size;
	ret = virtgpu_cmd_nodata(vg, create, create_len);
	if (ret) {
		bo->resource_id = 0;
		goto out;
	}
	ret = drm_platform_pci_dma_map_shmem(vg->pdev, obj->shmem, DRM_PCI_DMA_BIDIRECTIONAL, &bo->iova);
	if (ret) {
		bo->iova = 0;
		goto out;
	}
	ret = virtgpu_attach_backing(vg, bo, size);
	if (ret)
		goto out;
	drm_list_add_tail(&bo->link, &vg->objects);
	bo->listed = true;
	ret = drm_gem_handle_create(file, obj, handle);
out:
	drm_gem_object_put(obj);  /* the handle holds it now, or virtgpu_gem_free_object() undoes it */
	return ret;
}

/**
 * virtio_gpu_resource_create_ioctl() - VIRTGPU_RESOURCE_CREATE: a GEM
 * object of @size bytes (0: one page) backing a new host resource.  With
 * VIRGL a RESOURCE_CREATE_3D of any target, format, bind flags, depth,
 * array size, mip levels and samples (the host checks them: its error
 * comes back as -EINVAL), attached to the file's context; without it a
 * RESOURCE_CREATE_2D, for which depth, samples, array size over 1, more
 * than one mip level or a target other than PIPE_TEXTURE_2D are -EINVAL.
 */
int virtio_gpu_resource_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_virtgpu_resource_create *rc = data;
	struct virtgpu_object *bo;
	uint64_t size;
	uint32_t handle = 0;
	int ret;

	if (vg->has_virgl_3d) {
		virtgpu_file_context(vg, file, &ret);
		if (ret)
			return ret;
	} else if (rc->depth > 1 || rc->nr_samples > 1 || rc->last_level > 1 || rc->target != VIRTGPU_PIPE_TEXTURE_2D ||
		   rc->array_size > 1) {
		return -EINVAL;
	}
	size = rc->size ? rc->size : VIRTGPU_PAGE_SIZE;
	size = (size + VIRTGPU_PAGE_SIZE - 1) & ~(uint64_t)(VIRTGPU_PAGE_SIZE - 1);
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	bo->resource_id = vg->next_resource_id++;
	bo->width = rc->width;
	bo->height = rc->height;
	bo->format = rc->format;
	if (vg->has_virgl_3d) {
		struct virtio_gpu_resource_create_3d c;

		virtgpu_hdr_init(&c.hdr, VIRTIO_GPU_CMD_RESOURCE_CREATE_3D, 0);
		c.resource_id = bo->resource_id;
		c.target = rc->target;
		c.format = rc->format;
		c.bind = rc->bind;
		c.width = rc->width;
		c.height = rc->height;
		c.depth = rc->depth;
		c.array_size = rc->array_size;
		c.last_level = rc->last_level;
		c.nr_samples = rc->nr_samples;
		c.flags = rc->flags;
		c.padding = 0;
		bo->is_3d = true;
		ret = virtgpu_object_create(vg, file, bo, &c, sizeof(c), size, &handle);
	} else {
		struct virtio_gpu_resource_create_2d c;

		virtgpu_hdr_init(&c.hdr, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, 0);
		c.resource_id = bo->resource_id;
		c.format = rc->format;
		c.width = rc->width;
		c.height = rc->height;
		ret = virtgpu_object_create(vg, file, bo, &c, sizeof(c), size, &handle);
	}
	if (ret)
		return ret;
	rc->res_handle = bo->resource_id;
	rc->bo_handle = handle;
	return 0;
}

/* A fenced TRANSFER_{TO,FROM}_HOST_3D of @obj; its fence joins the object's reservation as a writer. */
static int virtgpu_transfer_3d(struct virtgpu_device *vg, uint32_t type, uint32_t ctx_id, struct drm_gem_object *obj,
			       const struct drm_virtgpu_3d_box *box, uint32_t level, uint32_t offset, uint32_t stride,
			       uint32_t layer_stride)
{
	struct virtgpu_object *bo = obj->driver_private;
	struct virtio_gpu_transfer_host_3d cmd;
	struct drm_fence *fence = NULL;
	int ret;

	virtgpu_hdr_init(&cmd.hdr, type, ctx_id);
	cmd.box = (struct virtio_gpu_box){ box->x, box->y, box->z, box->w, box->h, box->d };
	cmd.offset = offset;
	cmd.resource_id = bo ? bo->resource_id : 0;
	cmd.level = level;
	cmd.stride = stride;
	cmd.layer_stride = layer_stride;
	ret = virtgpu_cmd(&vg->ctrlq, &cmd, sizeof(cmd), NULL, 0, VIRTIO_GPU_RESP_OK_NODATA, &fence);
	if (ret)
		return ret;
	ret = drm_gem_resv_add_fence(obj, fence, DRM_RESV_USAGE_WRITE);
	drm_fence_put(fence);
	return ret;
}

/**
 * virtio_gpu_transfer_from_host_ioctl() - VIRTGPU_TRANSFER_FROM_HOST: the
 * host copies @box of mip @level into the backing at byte @offset, fenced
 * (VIRTGPU_WAIT waits for it).  -ENOSYS without VIRGL, -ENOENT for a bad
 * handle, -EINVAL for a stride or layer stride (only host3d blobs take
 * them).  A box beyond the resource is the host's to refuse (logged).
 */
int virtio_gpu_transfer_from_host_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_virtgpu_3d_transfer_from_host *args = data;
	struct drm_gem_object *obj;
	struct virtgpu_fpriv *fp;
	int ret;

	if (!vg->has_virgl_3d)
		return -ENOSYS;
	fp = virtgpu_file_context(vg, file, &ret);
	if (!fp)
		return ret ? ret : -EINVAL;
	obj = drm_gem_object_lookup(file, args->bo_handle);
	if (!obj)
		return -ENOENT;
	if (args->stride || args->layer_stride)
		return -EINVAL;
	return virtgpu_transfer_3d(vg, VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D, fp->ctx_id, obj, &args->box, args->level,
				   args->offset, 0, 0);
}

/**
 * virtio_gpu_transfer_to_host_ioctl() - VIRTGPU_TRANSFER_TO_HOST: with
 * VIRGL a fenced TRANSFER_TO_HOST_3D (stride and layer stride -EINVAL, as
 * above); without it a TRANSFER_TO_HOST_2D of the box's rectangle from byte
 * @offset.  -ENOENT for a bad handle.
 */
int virtio_gpu_transfer_to_host_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_virtgpu_3d_transfer_to_host *args = data;
	struct drm_gem_object *obj = drm_gem_object_lookup(file, args->bo_handle);
	struct virtgpu_object *bo;
	struct virtgpu_fpriv *fp;
	int ret;

	if (!obj)
		return -ENOENT;
	bo = obj->driver_private;
	if (!vg->has_virgl_3d) {
		struct virtio_gpu_transfer_to_host_2d cmd;

		virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 0);
		cmd.r = (struct virtio_gpu_rect){ args->box.x, args->box.y, args->box.w, args->box.h };
		cmd.offset = args->offset;
		cmd.resource_id = bo ? bo->resource_id : 0;
		cmd.padding = 0;
		return virtgpu_cmd_nodata(vg, &cmd, sizeof(cmd));
	}
	fp = virtgpu_file_context(vg, file, &ret);
	if (!fp)
		return ret ? ret : -EINVAL;
	if (args->stride || args->layer_stride)
		return -EINVAL;
	return virtgpu_transfer_3d(vg, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D, fp->ctx_id, obj, &args->box, args->level,
				   args->offset, 0, 0);
}

/**
 * virtio_gpu_execbuffer_ioctl() - VIRTGPU_EXECBUFFER: @size bytes of
 * command stream go to the host in one fenced SUBMIT_3D for the file's
 * context; the fence joins every listed bo's reservation (VIRTGPU_WAIT).
 * The stream is copied from the client straight into the command's DMA
 * buffer (over 128 KiB it comes through the shim's stage, part 7).
 * FENCE_FD_IN: the call parks until that sync_file's fence has signalled
 * (the kernel's dma_fence_wait()); FENCE_FD_OUT returns a sync_file of the
 * command's fence in @fence_fd.
 * -ENOSYS without VIRGL; -EINVAL for unknown flags, RING_IDX without
 * CONTEXT_INIT rings or past them, a FENCE_FD_IN that is no sync_file;
 * -ENOENT for a bad bo handle; -EFAULT; -ENOMEM; -EOPNOTSUPP for fence fds
 * on a call that cannot carry fds.  A malformed stream is the host's to
 * reject: it logs the error, the fence still signals.
 */
int virtio_gpu_execbuffer_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_virtgpu_execbuffer *exbuf = data;
	const struct drm_fd_ops *fds = drm_file_fd_ops(file);
	struct drm_gem_object **objs = NULL;
	struct drm_fence *in_fence = NULL, *fence = NULL;
	struct virtgpu_dma *dma = NULL;
	struct virtio_gpu_cmd_submit *cmd;
	struct virtgpu_fpriv *fp;
	uint32_t *handles = NULL;
	int32_t out_fd = -1;
	int ret;

	if (!vg->has_virgl_3d)
		return -ENOSYS;
	if (exbuf->flags & ~VIRTGPU_EXECBUF_FLAGS)
		return -EINVAL;
	/*
	 * The stream goes into pinned DMA memory before it is read from the client, so a size no
	 * client could back (up to 4 GiB) must not reach virtgpu_dma_alloc(), where it would pin
	 * and zero that much of the daemon's memory.  The kernel's vmemdup_user() fails such sizes
	 * with ENOMEM; Mesa's streams stay far below this bound.
	 */
	if (exbuf->size > VIRTGPU_EXECBUF_SIZE_MAX ||
	    (uint64_t)exbuf->num_bo_handles * sizeof(uint32_t) > VIRTGPU_EXECBUF_SIZE_MAX)
		return -ENOMEM;
	fp = drm_file_driver_priv(file);
	if (!fp)
		return -EINVAL;
	if (exbuf->flags & VIRTGPU_EXECBUF_RING_IDX) {
		if (exbuf->ring_idx >= fp->num_rings || !fp->base_fence_ctx)
			return -EINVAL;
	}
	if (exbuf->flags & (VIRTGPU_EXECBUF_FENCE_FD_IN | VIRTGPU_EXECBUF_FENCE_FD_OUT)) {
		if (!fds || !fds->sync_file_to_fence || !fds->fence_to_sync_file)
			return -EOPNOTSUPP;
	}
	/* Read every input before anything changes: a RETRY round runs this again. */
	if (exbuf->num_bo_handles) {
		handles = calloc(exbuf->num_bo_handles, sizeof(*handles));
		objs = calloc(exbuf->num_bo_handles, sizeof(*objs));
		if (!handles || !objs) {
			ret = -ENOMEM;
			goto out;
		}
		ret = drm_copy_from_user(file, handles, exbuf->bo_handles, (size_t)exbuf->num_bo_handles * sizeof(*handles));
		if (ret)
			goto out;
		for (uint32_t i = 0; i < exbuf->num_bo_handles; i++) {
			objs[i] = drm_gem_object_lookup(file, handles[i]);
			if (!objs[i]) {
				ret = -ENOENT;
				goto out;
			}
		}
	}
	dma = virtgpu_dma_alloc(vg, sizeof(*cmd) + (uint64_t)exbuf->size);
	if (!dma) {
		ret = -ENOMEM;
		goto out;
	}
	ret = drm_copy_from_user(file, (uint8_t *)dma->vaddr + sizeof(*cmd), exbuf->command, exbuf->size);
	if (ret)
		goto out;
	if (exbuf->flags & VIRTGPU_EXECBUF_FENCE_FD_IN) {
		if (exbuf->fence_fd < 0 || fds->sync_file_to_fence(fds->ctx, exbuf->fence_fd, &in_fence)) {
			ret = -EINVAL;
			goto out;
		}
		if (!drm_fence_is_signaled(in_fence)) {
			/* dma_fence_wait(): park until it signals, then run again (-ENOENT: it just did). */
			ret = drm_wait_on_fence(file, in_fence);
			if (ret != -ENOENT) {
				if (!ret)
					ret = -DRM_EPENDING;
				goto out;
			}
		}
	}
	ret = virtgpu_create_context(vg, fp);
	if (ret)
		goto out;
	cmd = dma->vaddr;
	virtgpu_hdr_init(&cmd->hdr, VIRTIO_GPU_CMD_SUBMIT_3D, fp->ctx_id);
	if (exbuf->flags & VIRTGPU_EXECBUF_RING_IDX) {
		cmd->hdr.flags |= VIRTIO_GPU_FLAG_INFO_RING_IDX;
		cmd->hdr.ring_idx = (uint8_t)exbuf->ring_idx;
	}
	cmd->size = exbuf->size;
	cmd->padding = 0;
	ret = virtgpu_cmd_dma(&vg->ctrlq, dma, (uint32_t)dma->size, NULL, 0, VIRTIO_GPU_RESP_OK_NODATA, &fence);
	dma = NULL;
	if (ret)
		goto out;
	for (uint32_t i = 0; i < exbuf->num_bo_handles; i++)
		drm_gem_resv_add_fence(objs[i], fence, DRM_RESV_USAGE_WRITE);
	/* fence_fd is written only for FENCE_FD_OUT (an in-fence's number stays, as in 6.1). */
	if (exbuf->flags & VIRTGPU_EXECBUF_FENCE_FD_OUT) {
		exbuf->fence_fd = -1;
		/* The command went; a failure to make the fd is the caller's only loss, as fd_install's. */
		ret = fds->fence_to_sync_file(fds->ctx, fence, &out_fd);
		if (!ret)
			exbuf->fence_fd = out_fd;
	}
out:
	drm_fence_put(fence);
	drm_fence_put(in_fence);
	virtgpu_dma_free(vg, dma);
	free(handles);
	free(objs);
	return ret;
}

/** virtio_gpu_resource_create_blob_ioctl() - VIRTGPU_RESOURCE_CREATE_BLOB: -ENOSYS without RESOURCE_BLOB (and for now). */
int virtio_gpu_resource_create_blob_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	(void)dev;
	(void)data;
	(void)file;
	return -ENOSYS;
}
