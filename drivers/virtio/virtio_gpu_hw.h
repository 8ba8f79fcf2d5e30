/*
 * virtio_gpu_hw.h - the wire formats the virtio-gpu driver core speaks:
 * the virtio 1.x PCI transport (virtio spec v1.2, 4.1.4 "Virtio Structure
 * PCI Capabilities"), split virtqueues (2.7) and the GPU device's control
 * and cursor commands (5.7.6 "Device Operation").
 *
 * Our own header: linux/virtio_pci.h, linux/virtio_ring.h and
 * linux/virtio_gpu.h are not allowed in drivers/ (DESIGN.md dependency
 * rule).  Field names follow the spec, so the kernel's
 * drivers/gpu/drm/virtio/virtgpu_vq.c and QEMU's hw/display/virtio-gpu.c
 * read the same.  Every multi-byte field is little-endian on the wire; the
 * driver core is built for little-endian hosts only (checked below).
 */
#ifndef CUSE_DRM_VIRTIO_GPU_HW_H
#define CUSE_DRM_VIRTIO_GPU_HW_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "drivers/virtio assumes a little-endian host (virtio 1.x is little-endian)"
#endif

/* ---- virtio PCI vendor capabilities (4.1.4) ---- */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
/* struct virtio_pci_cap field offsets in config space */
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_BAR 4
#define VIRTIO_PCI_CAP_OFFSET 8
#define VIRTIO_PCI_CAP_LENGTH 12
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16 /* struct virtio_pci_notify_cap.notify_off_multiplier */

/* struct virtio_pci_common_cfg register offsets (4.1.4.3) */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00
#define VIRTIO_PCI_COMMON_DF 0x04
#define VIRTIO_PCI_COMMON_GFSELECT 0x08
#define VIRTIO_PCI_COMMON_GF 0x0c
#define VIRTIO_PCI_COMMON_MSIX 0x10
#define VIRTIO_PCI_COMMON_NUMQ 0x12
#define VIRTIO_PCI_COMMON_STATUS 0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO 0x20
#define VIRTIO_PCI_COMMON_Q_AVAILLO 0x28
#define VIRTIO_PCI_COMMON_Q_USEDLO 0x30
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* Device status bits (2.1) */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER 2
#define VIRTIO_CONFIG_S_DRIVER_OK 4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED 0x80

/* Feature bits (6, 5.7.3) */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_GPU_F_VIRGL 0          /* 3D commands: contexts, 3D resources, SUBMIT_3D, capsets */
#define VIRTIO_GPU_F_EDID 1
#define VIRTIO_GPU_F_RESOURCE_UUID 2
#define VIRTIO_GPU_F_RESOURCE_BLOB 3
#define VIRTIO_GPU_F_CONTEXT_INIT 4   /* CTX_CREATE's context_init, ring_idx in the header */

/* ISR status bits (4.1.4.5) */
#define VIRTIO_PCI_ISR_QUEUE 0x1
#define VIRTIO_PCI_ISR_CONFIG 0x2

/* ---- split virtqueue (2.7) ---- */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2

/** struct vring_desc - one descriptor: buffer IOVA, length in bytes, flags, next index (2.7.5). */
struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/** struct vring_used_elem - a used ring entry: head descriptor id, bytes the device wrote (2.7.8). */
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/* ---- virtio-gpu device configuration (5.7.4) ---- */
#define VIRTIO_GPU_EVENT_DISPLAY (1u << 0)
/* struct virtio_gpu_config field offsets */
#define VIRTIO_GPU_CFG_EVENTS_READ 0
#define VIRTIO_GPU_CFG_EVENTS_CLEAR 4
#define VIRTIO_GPU_CFG_NUM_SCANOUTS 8
#define VIRTIO_GPU_CFG_NUM_CAPSETS 12

/* ---- virtio-gpu commands (5.7.6.7) ---- */
enum virtio_gpu_ctrl_type {
	VIRTIO_GPU_CMD_GET_DISPLAY_INFO = 0x0100,
	VIRTIO_GPU_CMD_RESOURCE_CREATE_2D,
	VIRTIO_GPU_CMD_RESOURCE_UNREF,
	VIRTIO_GPU_CMD_SET_SCANOUT,
	VIRTIO_GPU_CMD_RESOURCE_FLUSH,
	VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D,
	VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING,
	VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING,
	VIRTIO_GPU_CMD_GET_CAPSET_INFO,
	VIRTIO_GPU_CMD_GET_CAPSET,
	VIRTIO_GPU_CMD_GET_EDID,
	VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID,
	VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB,
	VIRTIO_GPU_CMD_SET_SCANOUT_BLOB,

	/* 3D commands (VIRTIO_GPU_F_VIRGL) */
	VIRTIO_GPU_CMD_CTX_CREATE = 0x0200,
	VIRTIO_GPU_CMD_CTX_DESTROY,
	VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE,
	VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE,
	VIRTIO_GPU_CMD_RESOURCE_CREATE_3D,
	VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D,
	VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D,
	VIRTIO_GPU_CMD_SUBMIT_3D,
	VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB,
	VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB,

	VIRTIO_GPU_CMD_UPDATE_CURSOR = 0x0300,
	VIRTIO_GPU_CMD_MOVE_CURSOR,

	VIRTIO_GPU_RESP_OK_NODATA = 0x1100,
	VIRTIO_GPU_RESP_OK_DISPLAY_INFO,
	VIRTIO_GPU_RESP_OK_CAPSET_INFO,
	VIRTIO_GPU_RESP_OK_CAPSET,
	VIRTIO_GPU_RESP_OK_EDID,

	VIRTIO_GPU_RESP_ERR_UNSPEC = 0x1200,
	VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
	VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID,
	VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
	VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
	VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
};

#define VIRTIO_GPU_FLAG_FENCE (1u << 0)
/* ctrl_hdr.ring_idx is valid (VIRTIO_GPU_F_CONTEXT_INIT): the fence is on that ring of the context. */
#define VIRTIO_GPU_FLAG_INFO_RING_IDX (1u << 1)
#define VIRTIO_GPU_MAX_SCANOUTS 16

/** struct virtio_gpu_ctrl_hdr - every command and response starts with it (5.7.6.7); 24 bytes. */
struct virtio_gpu_ctrl_hdr {
	uint32_t type;
	uint32_t flags;
	uint64_t fence_id;
	uint32_t ctx_id;
	uint8_t ring_idx;
	uint8_t padding[3];
};

/** struct virtio_gpu_rect - a rectangle in pixels. */
struct virtio_gpu_rect {
	uint32_t x, y, width, height;
};

/** struct virtio_gpu_resp_display_info - VIRTIO_GPU_RESP_OK_DISPLAY_INFO; 408 bytes. */
struct virtio_gpu_resp_display_info {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_display_one {
		struct virtio_gpu_rect r;
		uint32_t enabled;
		uint32_t flags;
	} pmodes[VIRTIO_GPU_MAX_SCANOUTS];
};

/** struct virtio_gpu_get_edid - VIRTIO_GPU_CMD_GET_EDID of @scanout. */
struct virtio_gpu_get_edid {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t scanout;
	uint32_t padding;
};

/** struct virtio_gpu_resp_edid - VIRTIO_GPU_RESP_OK_EDID: @size bytes of EDID (at most 1024). */
struct virtio_gpu_resp_edid {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t size;
	uint32_t padding;
	uint8_t edid[1024];
};

/* enum virtio_gpu_formats (5.7.6.8) */
#define VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM 1
#define VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM 2
#define VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM 3
#define VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM 4

/** struct virtio_gpu_resource_create_2d - a host resource of @width x @height pixels. */
struct virtio_gpu_resource_create_2d {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t format;
	uint32_t width;
	uint32_t height;
};

/** struct virtio_gpu_resource_unref - RESOURCE_UNREF (also RESOURCE_DETACH_BACKING's layout). */
struct virtio_gpu_resource_unref {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t padding;
};

/** struct virtio_gpu_mem_entry - one guest memory range (IOVA, bytes) of a backing. */
struct virtio_gpu_mem_entry {
	uint64_t addr;
	uint32_t length;
	uint32_t padding;
};

/** struct virtio_gpu_resource_attach_backing - followed by @nr_entries mem entries. */
struct virtio_gpu_resource_attach_backing {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t nr_entries;
};

/** struct virtio_gpu_set_scanout - show @r of @resource_id on @scanout_id (0: off). */
struct virtio_gpu_set_scanout {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_rect r;
	uint32_t scanout_id;
	uint32_t resource_id;
};

/** struct virtio_gpu_resource_flush - the host updates its display from @r of the resource. */
struct virtio_gpu_resource_flush {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_rect r;
	uint32_t resource_id;
	uint32_t padding;
};

/** struct virtio_gpu_transfer_to_host_2d - copy @r from the backing (starting at byte @offset). */
struct virtio_gpu_transfer_to_host_2d {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_rect r;
	uint64_t offset;
	uint32_t resource_id;
	uint32_t padding;
};

/** struct virtio_gpu_cursor_pos - where the cursor is on which scanout. */
struct virtio_gpu_cursor_pos {
	uint32_t scanout_id;
	uint32_t x;
	uint32_t y;
	uint32_t padding;
};

/** struct virtio_gpu_update_cursor - UPDATE_CURSOR and MOVE_CURSOR on the cursorq (5.7.6.10). */
struct virtio_gpu_update_cursor {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_cursor_pos pos;
	uint32_t resource_id;
	uint32_t hot_x;
	uint32_t hot_y;
	uint32_t padding;
};

/* ---- capsets (5.7.6.7: GET_CAPSET_INFO, GET_CAPSET) ---- */

/** struct virtio_gpu_get_capset_info - which capset (0 .. num_capsets - 1) to describe. */
struct virtio_gpu_get_capset_info {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t capset_index;
	uint32_t padding;
};

/** struct virtio_gpu_resp_capset_info - OK_CAPSET_INFO: the capset's id, newest version, size in bytes. */
struct virtio_gpu_resp_capset_info {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t capset_id;
	uint32_t capset_max_version;
	uint32_t capset_max_size;
	uint32_t padding;
};

/** struct virtio_gpu_get_capset - GET_CAPSET of capset @capset_id at @capset_version. */
struct virtio_gpu_get_capset {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t capset_id;
	uint32_t capset_version;
};

/** struct virtio_gpu_resp_capset - OK_CAPSET: the header, then capset_max_size bytes of capset data. */
struct virtio_gpu_resp_capset {
	struct virtio_gpu_ctrl_hdr hdr;
	/* uint8_t capset_data[]; */
};

/* ---- 3D (5.7.6.10 "Device Operation: controlq (3d)"; ids as include/uapi/linux/virtio_gpu.h) ---- */

/** Most bytes of debug name CTX_CREATE carries. */
#define VIRTIO_GPU_CTX_NAME_MAX 64
/** ctx_create.context_init: the capset id in bits 0-7 (VIRTIO_GPU_F_CONTEXT_INIT). */
#define VIRTIO_GPU_CONTEXT_INIT_CAPSET_ID_MASK 0x000000ffu

/** struct virtio_gpu_ctx_create - CTX_CREATE of hdr.ctx_id: @nlen bytes of @debug_name. */
struct virtio_gpu_ctx_create {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t nlen;
	uint32_t context_init;
	char debug_name[VIRTIO_GPU_CTX_NAME_MAX];
};

/** struct virtio_gpu_ctx_destroy - CTX_DESTROY of hdr.ctx_id. */
struct virtio_gpu_ctx_destroy {
	struct virtio_gpu_ctrl_hdr hdr;
};

/** struct virtio_gpu_ctx_resource - CTX_ATTACH_RESOURCE / CTX_DETACH_RESOURCE of @resource_id to hdr.ctx_id. */
struct virtio_gpu_ctx_resource {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t padding;
};

/**
 * struct virtio_gpu_resource_create_3d - a host resource with Gallium's
 * description: pipe_texture_target @target, virgl format, VIRGL_BIND_*
 * @bind, size in pixels (@depth for 3D textures), @array_size layers,
 * @last_level mip levels after the first, @nr_samples, @flags
 * (VIRGL_RESOURCE_Y_0_TOP ...).
 */
struct virtio_gpu_resource_create_3d {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t target;
	uint32_t format;
	uint32_t bind;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
	uint32_t array_size;
	uint32_t last_level;
	uint32_t nr_samples;
	uint32_t flags;
	uint32_t padding;
};

/** struct virtio_gpu_box - a 3D box in pixels (x, y, z origin; w, h, d extent). */
struct virtio_gpu_box {
	uint32_t x, y, z;
	uint32_t w, h, d;
};

/**
 * struct virtio_gpu_transfer_host_3d - TRANSFER_TO_HOST_3D / TRANSFER_FROM_HOST_3D:
 * @box of mip @level between the resource and its backing, starting at byte
 * @offset of the backing, rows @stride and layers @layer_stride bytes apart
 * (0: the host's packed layout).
 */
struct virtio_gpu_transfer_host_3d {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_box box;
	uint64_t offset;
	uint32_t resource_id;
	uint32_t level;
	uint32_t stride;
	uint32_t layer_stride;
};

/** struct virtio_gpu_cmd_submit - SUBMIT_3D: @size bytes of command stream follow, for hdr.ctx_id. */
struct virtio_gpu_cmd_submit {
	struct virtio_gpu_ctrl_hdr hdr;
	uint32_t size;
	uint32_t padding;
};

_Static_assert(sizeof(struct virtio_gpu_ctx_create) == 96, "ctx_create");
_Static_assert(sizeof(struct virtio_gpu_resource_create_3d) == 72, "resource_create_3d");
_Static_assert(sizeof(struct virtio_gpu_transfer_host_3d) == 72, "transfer_host_3d");
_Static_assert(sizeof(struct virtio_gpu_resp_capset_info) == 40, "resp_capset_info");
_Static_assert(sizeof(struct virtio_gpu_cmd_submit) == 32, "cmd_submit");
_Static_assert(sizeof(struct virtio_gpu_ctrl_hdr) == 24, "ctrl_hdr");
_Static_assert(sizeof(struct virtio_gpu_resp_display_info) == 408, "display_info");
_Static_assert(sizeof(struct virtio_gpu_resp_edid) == 1056, "resp_edid");
_Static_assert(sizeof(struct virtio_gpu_update_cursor) == 56, "update_cursor");
_Static_assert(sizeof(struct virtio_gpu_transfer_to_host_2d) == 56, "transfer");
_Static_assert(sizeof(struct vring_desc) == 16, "vring_desc");

#endif
