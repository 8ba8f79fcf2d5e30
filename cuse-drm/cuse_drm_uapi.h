/*
 * cuse_drm_uapi.h - the private protocol between cuse-drm and its clients.
 *
 * Plain C (C99 and later, C++), no libfuse: the client shim
 * (libcuse-drm-shim.so), drmctl and tests include it.  Everything here is
 * specific to cuse-drm; the DRM uAPI itself (drm.h, drm_mode.h) is the
 * contract for everything else (DESIGN.md decision 1).
 *
 * 1. Private ioctls on a cuse-drm node (type 0xCD, which DRM never uses;
 *    DRM's type is 'd').  Like every ioctl on the node they travel through
 *    CUSE's unrestricted-ioctl RETRY protocol, so they work with plain
 *    ioctl(2) and need no shim.  A kernel DRM node answers them with ENOTTY,
 *    which is how a client tells the two apart.
 *
 * 2. The mmap side channel.  CUSE has no mmap (FACTS.md), so the shim asks
 *    the daemon for the GEM object's backing memfd over a unix socket:
 *
 *      client                                   cuse-drm
 *      ioctl(fd, CUSE_DRM_IOCTL_GET_TOKEN) ---> token of this open file,
 *                                               socket path
 *      socket(AF_UNIX, SOCK_SEQPACKET), connect(socket_path)
 *      send(struct cuse_drm_mmap_req)      ---> SO_PEERCRED uid == opener's
 *                                               uid or 0; file found by
 *                                               token; drm_gem_mmap_lookup()
 *      recvmsg()                           <--- struct cuse_drm_mmap_reply,
 *                                               + the memfd (SCM_RIGHTS) when
 *                                               error == 0
 *      mmap(addr, length, prot, flags, memfd, 0); close(memfd)
 *
 *    The mapping holds the GEM object as a kernel VMA does: the shim reports
 *    munmap(2) of the whole range with a struct cuse_drm_munmap_req, and the
 *    daemon drops the reference then (or when the DRM file is released).
 *
 *    One request gets one reply; a connection may carry several requests in
 *    turn.  The token proves that the peer holds the DRM file (it could only
 *    get it by an ioctl on that file), just as mmap(2) of the node would.
 *
 * 3. PRIME over the same socket.  A CUSE ioctl reply cannot carry an fd, so
 *    the shim turns DRM_IOCTL_PRIME_HANDLE_TO_FD and _FD_TO_HANDLE on a
 *    cuse-drm node into a struct cuse_drm_prime_req (told from an mmap
 *    request by its size), with the same token and uid checks:
 *
 *      send(prime_req{EXPORT, handle, flags})  ---> drm_prime_handle_to_shmem()
 *      recvmsg()                               <--- prime_reply{error}, + the
 *                                                   buffer's memfd (SCM_RIGHTS)
 *                                                   when error == 0: the
 *                                                   client's dma-buf fd
 *      sendmsg(prime_req{IMPORT}, + dma-buf fd) ---> the fd -> its shmem ->
 *                                                   drm_prime_shmem_to_handle()
 *      recv()                                  <--- prime_reply{error, handle}
 *
 *    The daemon closes every fd it receives, whatever the request.
 *
 * 4. Fd-carrying DRM ioctls over the same socket: DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
 *    DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE and DRM_IOCTL_SYNCOBJ_EVENTFD.  The shim
 *    sends a struct cuse_drm_ioctl_req (the ioctl number and its argument
 *    struct) with the fd the ioctl names attached, if it is open; the daemon
 *    runs the ioctl in the token's file through the core's normal dispatch
 *    and answers a struct cuse_drm_ioctl_reply (result and argument struct),
 *    with the new fd attached when the ioctl made one (a syncobj fd or a
 *    sync_file, always close-on-exec); the shim stores its number in the
 *    struct's fd field.
 *
 * 5. DMA_BUF_IOCTL_EXPORT_SYNC_FILE on a dma-buf fd that one of our daemons
 *    exported (a memfd named "cuse-drm-gem"): the shim sends a struct
 *    cuse_drm_dmabuf_req with the dma-buf attached, to each daemon's socket
 *    in CUSE_DRM_RUN_DIR until one knows the buffer; holding the dma-buf is
 *    the credential, as in the kernel.  The answer is a struct
 *    cuse_drm_ioctl_reply with the sync_file attached; ENODEV means "not
 *    my buffer".
 *
 * 6. Fence fds of DRM_IOCTL_MODE_ATOMIC (IN_FENCE_FD, OUT_FENCE_PTR), and
 *    of DRM_IOCTL_VIRTGPU_EXECBUFFER (fence_fd with VIRTGPU_EXECBUF_FENCE_FD_IN
 *    and _OUT: the in-fence is ARMed under its number, and after a
 *    successful FENCE_FD_OUT fence_fd holds the out-fence's index).  The
 *    ioctl itself goes through CUSE as usual (its nested arrays, waits and
 *    errnos stay the kernel's); only the fds travel here, in a struct
 *    cuse_drm_fence_req before and after it:
 *
 *      sendmsg(fence_req{ARM, numbers}, + the sync_files)  ---> kept in the
 *                                                   token's file: its next
 *                                                   MODE_ATOMICs resolve
 *                                                   IN_FENCE_FD values
 *                                                   by these numbers
 *      recv()                                      <--- prime_reply{error}
 *      ioctl(MODE_ATOMIC) through CUSE: every OUT_FENCE_PTR receives an
 *                                   index into the file's out-fence list
 *                                   (0, 1, ...) instead of an fd number
 *      send(fence_req{COLLECT, indices})           ---> those sync_files
 *      recvmsg()                                   <--- prime_reply{error},
 *                                                   + the fds, in order
 *
 *    The shim replaces each index with the received fd's number.  COLLECT
 *    disarms the file and closes the daemon's copies; so does the next ARM.
 *
 * 7. Payloads over one CUSE copy round (DESIGN.md decision 3).  A CUSE
 *    ioctl moves at most 128 KiB each way per RETRY round (FACTS.md), so
 *    a range larger than that can never be placed.  For the ioctls whose
 *    argument names such a buffer (MODE_CREATEPROPBLOB's data, MODE_GETPROPBLOB's
 *    data), the shim stages the buffer in a sealed memfd first; the ioctl
 *    still goes through CUSE, and the daemon serves that range from the
 *    memfd instead of asking CUSE for it:
 *
 *      memfd_create, pwrite(the client's bytes of IN ranges), seal SHRINK|GROW
 *      sendmsg(stage_req{STAGE, cmd, ranges}, + memfd) ---> kept in the
 *                                                   token's file for its
 *                                                   ioctls numbered cmd
 *      recv()                                      <--- prime_reply{error}
 *      ioctl(cmd) through CUSE: reads inside an IN range come from the
 *                               memfd, writes inside an OUT range go to it
 *      send(stage_req{UNSTAGE})                    ---> the stage is dropped
 *      recv()                                      <--- stage_reply{error,
 *                                                   the written part of
 *                                                   each range}
 *      pread(the written part of each OUT range into the client's buffer)
 *
 *    Releasing the file drops its stage too.
 */
#ifndef CUSE_DRM_UAPI_H
#define CUSE_DRM_UAPI_H

#include <stdint.h>
#include <sys/ioctl.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Ioctl type of the private ioctls. */
#define CUSE_DRM_IOCTL_BASE 0xCD

/** Bytes in a per-open-file token. */
#define CUSE_DRM_TOKEN_LEN 32

/** Bytes in a socket path, as in struct sockaddr_un's sun_path (NUL-terminated). */
#define CUSE_DRM_SOCKET_PATH_LEN 108

/** Directory of the side-channel sockets, one per device: <dir>/<primary node>.sock. */
#define CUSE_DRM_RUN_DIR "/run/cuse-drm"

/**
 * Root of the fake sysfs identity.  For each node served, the daemon creates
 * CUSE_DRM_SYSFS_ROOT "/dev/char/MAJ:MIN" (MAJ:MIN being the node's real,
 * dynamic device number), laid out like the kernel's /sys/dev/char/MAJ:MIN of
 * a DRM minor; the shim redirects /sys/dev/char/MAJ:MIN... there.  The
 * existence of that path is also how the shim recognises a cuse-drm node.
 */
#define CUSE_DRM_SYSFS_ROOT CUSE_DRM_RUN_DIR "/sysfs"

/**
 * struct cuse_drm_token - CUSE_DRM_IOCTL_GET_TOKEN's result.
 * @token: random bytes identifying this open file (struct file) to the side
 *     channel; the same for every fd that shares the open file (dup, fork,
 *     SCM_RIGHTS), different for every open(2).
 * @socket_path: NUL-terminated path of the side-channel socket.
 */
struct cuse_drm_token {
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	char socket_path[CUSE_DRM_SOCKET_PATH_LEN];
};

/**
 * struct cuse_drm_stats - CUSE_DRM_IOCTL_STATS's result: the device's live
 * object counts (leak checks, DESIGN.md decision 7; `drmctl stats`).
 *
 * Laid out exactly like struct drm_device_stats in core/drm_core.h (the
 * daemon checks this at compile time); field meanings are documented there.
 */
struct cuse_drm_stats {
	uint32_t files;          /* open DRM files */
	uint32_t gem_objects;    /* live GEM objects */
	uint32_t gem_handles;    /* handles over all files */
	uint32_t framebuffers;   /* live framebuffers */
	uint32_t blobs;          /* property blobs */
	uint32_t pending_events; /* events queued or reserved over all files */
	uint32_t has_master;     /* 1 while the device has a current master */
	uint32_t syncobjs;       /* live syncobjs */
	uint64_t gem_bytes;      /* bytes of GEM backing store */
	uint32_t fences;         /* live fences (dma_fence-like), process-wide */
	uint32_t parked_ioctls;  /* blocking ioctls waiting without a thread */
	uint64_t crtc_flips[4];  /* per CRTC index: commits and page flips that reached their vblank
	                            (flip_done), for flip rates (`drmctl watch`) */
	uint32_t dma_mappings;   /* a PCI device's live DMA (IOMMU) mappings, coherent ones included; 0 without one */
	uint32_t dma_coherent;   /* how many of them are coherent allocations (virtqueues) */
	uint64_t dma_bytes;      /* bytes they cover, page-rounded */
};

/**
 * CUSE_DRM_IOCTL_GET_TOKEN - read the open file's side-channel token and the
 * socket path.  Any open file may ask; errors: none besides the transport's
 * (EFAULT for a bad pointer).
 */
#define CUSE_DRM_IOCTL_GET_TOKEN _IOR(CUSE_DRM_IOCTL_BASE, 1, struct cuse_drm_token)

/** CUSE_DRM_IOCTL_STATS - read the device's object counts.  Any open file may ask. */
#define CUSE_DRM_IOCTL_STATS _IOR(CUSE_DRM_IOCTL_BASE, 2, struct cuse_drm_stats)

/**
 * struct cuse_drm_hotplug - CUSE_DRM_IOCTL_HOTPLUG's argument.
 * @connector_id: the connector's KMS object id.
 * @connected: 1 to plug a display in, 0 to pull it out.
 */
struct cuse_drm_hotplug {
	uint32_t connector_id;
	uint32_t connected;
};

/**
 * CUSE_DRM_IOCTL_HOTPLUG - change a connector's status, as a cable would
 * (`drmctl hotplug`).  Needs CAP_SYS_ADMIN (EACCES otherwise); ENOENT for
 * no such connector, EINVAL for @connected other than 0 or 1, EOPNOTSUPP
 * on a driver without KMS.  No udev event follows: see the README.
 */
#define CUSE_DRM_IOCTL_HOTPLUG _IOW(CUSE_DRM_IOCTL_BASE, 3, struct cuse_drm_hotplug)

/** CRC values per entry at most (the kernel's DRM_MAX_CRC_NR). */
#define CUSE_DRM_CRC_MAX_VALUES 10

/** Entries one CUSE_DRM_IOCTL_CRC read returns at most. */
#define CUSE_DRM_CRC_MAX_ENTRIES 32

/** cuse_drm_crc.op values. */
#define CUSE_DRM_CRC_OPEN 1   /* start capturing (set the source, open crtc-N/crc/data) */
#define CUSE_DRM_CRC_READ 2   /* take queued entries (read crtc-N/crc/data, O_NONBLOCK) */
#define CUSE_DRM_CRC_CLOSE 3  /* stop capturing (close crtc-N/crc/data) */

/**
 * struct cuse_drm_crc_entry - one frame's CRCs, a line of the kernel's
 * debugfs crtc-N/crc/data ("0x%08x" frame, then values_cnt " 0x%08x" CRCs).
 * @frame: the frame's vblank count (low 32 bits), as WAIT_VBLANK counts.
 * @has_frame: 1 when @frame is meaningful (the kernel prints XXXXXXXXXX otherwise).
 * @crcs: the CRC values, @values_cnt of them (vkms: 1, the CRC-32 of the
 *     composed frame in ARGB16161616).
 * Laid out as struct drm_crc_line in core/drm_core.h (checked at compile time).
 */
struct cuse_drm_crc_entry {
	uint32_t frame;
	uint32_t has_frame;
	uint32_t crcs[CUSE_DRM_CRC_MAX_VALUES];
};

/**
 * struct cuse_drm_crc - CUSE_DRM_IOCTL_CRC's argument (1584 bytes).
 * @crtc_id: the CRTC's KMS object id.
 * @op: CUSE_DRM_CRC_OPEN, _READ or _CLOSE.
 * @source: OPEN: the CRC source to select first, NUL-terminated ("auto"
 *     for vkms); "" keeps the CRTC's current one ("auto" initially).
 * @values_cnt: out (OPEN, READ): CRC values per entry.
 * @count: READ: in, entries wanted (1..CUSE_DRM_CRC_MAX_ENTRIES); out,
 *     entries returned, oldest first, in @entries.
 * @entries: READ: out.
 */
struct cuse_drm_crc {
	uint32_t crtc_id;
	uint32_t op;
	char source[32];
	uint32_t values_cnt;
	uint32_t count;
	struct cuse_drm_crc_entry entries[CUSE_DRM_CRC_MAX_ENTRIES];
};

/**
 * CUSE_DRM_IOCTL_CRC - frame CRCs of a CRTC, what the kernel exposes in
 * debugfs as crtc-N/crc/{control,data} (drm_debugfs_crc.c; `drmctl crc`).
 * While a capture is open the driver computes a CRC of every frame it
 * composes (vkms: at each vblank, as its composer worker; nothing is
 * composed otherwise) and queues it, at most 127 entries (later ones are
 * dropped until read).  The capture belongs to the open file that opened
 * it and ends with CLOSE or when that file is closed.  Root only
 * (CAP_SYS_ADMIN), as debugfs: EACCES otherwise.  Errors: EINVAL (bad @op,
 * @count, or no capture of this file on the CRTC; a source the driver does
 * not know), ENOENT (no such CRTC), EBUSY (a capture is open already), EIO
 * (OPEN on a CRTC that is off), EAGAIN (READ: nothing queued yet),
 * EOPNOTSUPP (the driver computes no CRCs, or no KMS).
 */
#define CUSE_DRM_IOCTL_CRC _IOWR(CUSE_DRM_IOCTL_BASE, 4, struct cuse_drm_crc)

/**
 * struct cuse_drm_mmap_req - one side-channel request: map @length bytes at
 * the fake mmap offset @offset (DRM_IOCTL_MODE_MAP_DUMB's offset, as passed
 * to mmap(2)) of the file holding @token.  Sent as one SOCK_SEQPACKET
 * message of exactly sizeof(struct cuse_drm_mmap_req) bytes.
 */
struct cuse_drm_mmap_req {
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	uint64_t offset;
	uint64_t length;
};

/**
 * struct cuse_drm_mmap_reply - the answer to one struct cuse_drm_mmap_req.
 * @error: 0 on success, with the GEM object's memfd attached (SCM_RIGHTS;
 *     map it at file offset 0: the memfd holds exactly the object), or a
 *     positive errno value and no fd:
 *     EINVAL - bad request size, or no object at @offset covering @length
 *              (what drm_gem_mmap() answers);
 *     EACCES - the file holds no handle to the object, or the peer's uid is
 *              neither the opener's nor 0;
 *     ENODEV - no open file has this token (it was closed).
 * @pad: 0.
 */
struct cuse_drm_mmap_reply {
	int32_t error;
	uint32_t pad;
};

/**
 * struct cuse_drm_munmap_req - the client unmapped all of what it mapped at
 * @offset through the file holding @token (64 bytes).  @op is
 * CUSE_DRM_MUNMAP; @pad and @reserved are 0.  Answered with a struct
 * cuse_drm_mmap_reply: 0, ENOENT (no such mapping), EACCES/ENODEV as for mmap.
 */
struct cuse_drm_munmap_req {
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	uint64_t offset;
	uint64_t length;
	uint32_t op;
	uint32_t pad;
	uint64_t reserved;
};
#define CUSE_DRM_MUNMAP 1

/** cuse_drm_prime_req.op values. */
#define CUSE_DRM_PRIME_EXPORT 1 /* PRIME_HANDLE_TO_FD */
#define CUSE_DRM_PRIME_IMPORT 2 /* PRIME_FD_TO_HANDLE */

/**
 * struct cuse_drm_prime_req - a PRIME request on the side channel.  Sent as
 * one SOCK_SEQPACKET message of exactly sizeof(struct cuse_drm_prime_req)
 * (56) bytes, which tells it from a struct cuse_drm_mmap_req (48).
 * @token: the DRM file's token (CUSE_DRM_IOCTL_GET_TOKEN).
 * @op: CUSE_DRM_PRIME_EXPORT or CUSE_DRM_PRIME_IMPORT.
 * @handle: EXPORT: the GEM handle to export; IMPORT: 0.
 * @flags: EXPORT: struct drm_prime_handle's flags, as passed to the ioctl
 *     (DRM_CLOEXEC, DRM_RDWR; the daemon checks them as the kernel does,
 *     DRM_CLOEXEC itself is the receiver's business: MSG_CMSG_CLOEXEC);
 *     IMPORT: 0.
 * @pad, @reserved: 0.
 * IMPORT carries exactly one fd (SCM_RIGHTS): the client's dma-buf fd.
 */
struct cuse_drm_prime_req {
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	uint32_t op;
	uint32_t handle;
	uint32_t flags;
	uint32_t pad;
	uint64_t reserved;
};

/**
 * struct cuse_drm_prime_reply - the answer to one struct cuse_drm_prime_req.
 * @error: 0 or a positive errno value, the ioctl's:
 *     EXPORT: EINVAL (bad flags), ENOENT (no such handle); on success the
 *             buffer's memfd is attached (SCM_RIGHTS): the dma-buf fd;
 *     IMPORT: EBADF (no fd attached), EINVAL (the fd is not a dma-buf of
 *             ours: not a memfd sealed against shrinking and growing; or
 *             its size is not a page multiple), ENOMEM;
 *     both:   EINVAL (bad request), EACCES/ENODEV as for mmap.
 * @handle: IMPORT: the GEM handle in the token's file; else 0.
 */
struct cuse_drm_prime_reply {
	int32_t error;
	uint32_t handle;
};

/** Most fds one struct cuse_drm_fence_req names, and one reply to it attaches. */
#define CUSE_DRM_FENCE_FDS_MAX 16
/** struct cuse_drm_fence_req ops. */
#define CUSE_DRM_FENCE_ARM 1
#define CUSE_DRM_FENCE_COLLECT 2

/**
 * struct cuse_drm_fence_req - the fence fds of a MODE_ATOMIC or VIRTGPU_EXECBUFFER (part 6; 136 bytes).
 * @token: the DRM file's token.
 * @op: CUSE_DRM_FENCE_ARM or CUSE_DRM_FENCE_COLLECT.
 * @count: entries of @fds used, at most CUSE_DRM_FENCE_FDS_MAX.
 * @fds: ARM: the client's fd number of each attached fd, in attachment
 *     order (an IN_FENCE_FD value naming another number finds no fd:
 *     EINVAL, as for a closed fd); COLLECT: indices into the out-fence list.
 * @reserved: 0.
 * Answered with a struct cuse_drm_prime_reply: @error 0, EINVAL (bad op,
 * count, index, or a count that differs from the fds attached), EACCES or
 * ENODEV as for mmap; COLLECT attaches the fds on success.
 */
struct cuse_drm_fence_req {
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	uint32_t op;
	uint32_t count;
	int32_t fds[CUSE_DRM_FENCE_FDS_MAX];
	uint8_t reserved[32];
};

/** Largest argument struct a struct cuse_drm_ioctl_req carries, in bytes. */
#define CUSE_DRM_IOCTL_ARG_MAX 64

/**
 * struct cuse_drm_ioctl_req - a DRM ioctl on the side channel (104 bytes).
 * @token: the DRM file's token.
 * @cmd: the ioctl number as the client passed it (its size is the struct's).
 * @flags: 0.
 * @arg: the argument struct, _IOC_SIZE(@cmd) bytes (at most
 *     CUSE_DRM_IOCTL_ARG_MAX), the rest 0.
 * At most one fd attached: the one the ioctl's struct names, if open.
 */
struct cuse_drm_ioctl_req {
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	uint32_t cmd;
	uint32_t flags;
	uint8_t arg[CUSE_DRM_IOCTL_ARG_MAX];
};

/**
 * struct cuse_drm_ioctl_reply - the answer to a struct cuse_drm_ioctl_req
 * (72 bytes).
 * @error: 0 or the ioctl's positive errno; EINVAL also for a malformed
 *     request or an ioctl the side channel does not carry; EACCES/ENODEV as
 *     for mmap.
 * @size: bytes of @arg that are the argument struct as the ioctl left it
 *     (copied back to the client on success and failure alike, as the
 *     kernel's drm_ioctl() does); 0 when the ioctl never ran.
 * The new fd, when the ioctl made one, is attached (SCM_RIGHTS).
 */
struct cuse_drm_ioctl_reply {
	int32_t error;
	uint32_t size;
	uint8_t arg[CUSE_DRM_IOCTL_ARG_MAX];
};

/**
 * struct cuse_drm_dmabuf_req - a dma-buf ioctl on the side channel (40
 * bytes), with the dma-buf fd attached.
 * @cmd: DMA_BUF_IOCTL_EXPORT_SYNC_FILE.
 * @flags: 0.
 * @arg: the argument struct (struct dma_buf_export_sync_file), the rest 0.
 */
struct cuse_drm_dmabuf_req {
	uint32_t cmd;
	uint32_t flags;
	uint8_t arg[32];
};

/** Most ranges one struct cuse_drm_stage_req names. */
#define CUSE_DRM_STAGE_RANGES_MAX 4
/** Most bytes one stage may map (the memfd's size), 1 GiB. */
#define CUSE_DRM_STAGE_BYTES_MAX (1ull << 30)
/** struct cuse_drm_stage_req ops. */
#define CUSE_DRM_STAGE 1
#define CUSE_DRM_UNSTAGE 2
/** struct cuse_drm_stage_range flags: the ioctl may read (IN) and/or write (OUT) the range. */
#define CUSE_DRM_STAGE_IN 1u
#define CUSE_DRM_STAGE_OUT 2u

/**
 * struct cuse_drm_stage_range - one client buffer held in the stage memfd.
 * @uaddr: the buffer's address in the client, as the ioctl's struct names it.
 * @len: its length in bytes, > 0.
 * @offset: where its bytes start in the memfd, in bytes.
 * @flags: CUSE_DRM_STAGE_IN and/or CUSE_DRM_STAGE_OUT.
 * @pad: 0.
 */
struct cuse_drm_stage_range {
	uint64_t uaddr;
	uint64_t len;
	uint64_t offset;
	uint32_t flags;
	uint32_t pad;
};

/**
 * struct cuse_drm_stage_req - stage large buffers of one ioctl (part 7;
 * 192 bytes).
 * @token: the DRM file's token.
 * @op: CUSE_DRM_STAGE (with the memfd attached) or CUSE_DRM_UNSTAGE (none).
 * @cmd: STAGE: the ioctl number whose runs may use the stage; UNSTAGE: 0.
 * @count: STAGE: ranges used, 1..CUSE_DRM_STAGE_RANGES_MAX; UNSTAGE: 0.
 * @flags, @reserved: 0.
 * @ranges: STAGE: the ranges; each must lie inside the memfd.
 * STAGE answers a struct cuse_drm_prime_reply: @error 0; EINVAL (bad op,
 * count, flags, a range that wraps or lies outside the memfd, a memfd over
 * CUSE_DRM_STAGE_BYTES_MAX or not sealed against shrinking and growing, or
 * not exactly one fd attached); ENOMEM; EACCES/ENODEV as for mmap.  A new
 * STAGE replaces the file's stage.  UNSTAGE answers a struct
 * cuse_drm_stage_reply.
 */
struct cuse_drm_stage_req {
	uint8_t token[CUSE_DRM_TOKEN_LEN];
	uint32_t op;
	uint32_t cmd;
	uint32_t count;
	uint32_t flags;
	struct cuse_drm_stage_range ranges[CUSE_DRM_STAGE_RANGES_MAX];
	uint8_t reserved[16];
};

/**
 * struct cuse_drm_stage_reply - the answer to UNSTAGE (72 bytes).
 * @error: 0, ENOENT (the file has no stage), EINVAL (bad request),
 *     EACCES/ENODEV as for mmap.
 * @count: the stage's range count.
 * @written: per range, the bytes [lo, hi) (offsets from the range's start)
 *     that ioctls wrote while it was staged; lo == hi when none.  The shim
 *     copies exactly those bytes back, so client memory the ioctl did not
 *     write stays as it was, as with copy_to_user().
 */
struct cuse_drm_stage_reply {
	int32_t error;
	uint32_t count;
	struct {
		uint64_t lo, hi;
	} written[CUSE_DRM_STAGE_RANGES_MAX];
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct cuse_drm_stage_req) == 192, "cuse_drm_stage_req layout");
_Static_assert(sizeof(struct cuse_drm_stage_reply) == 72, "cuse_drm_stage_reply layout");
_Static_assert(sizeof(struct cuse_drm_dmabuf_req) == 40, "cuse_drm_dmabuf_req layout");
_Static_assert(sizeof(struct cuse_drm_munmap_req) == 64, "cuse_drm_munmap_req layout");
_Static_assert(sizeof(struct cuse_drm_ioctl_req) == 104, "cuse_drm_ioctl_req layout");
_Static_assert(sizeof(struct cuse_drm_ioctl_reply) == 72, "cuse_drm_ioctl_reply layout");
_Static_assert(sizeof(struct cuse_drm_token) == 140, "cuse_drm_token layout");
_Static_assert(sizeof(struct cuse_drm_stats) == 96, "cuse_drm_stats layout");
_Static_assert(sizeof(struct cuse_drm_hotplug) == 8, "cuse_drm_hotplug layout");
_Static_assert(sizeof(struct cuse_drm_crc_entry) == 48, "cuse_drm_crc_entry layout");
_Static_assert(sizeof(struct cuse_drm_crc) == 1584, "cuse_drm_crc layout");
_Static_assert(sizeof(struct cuse_drm_mmap_req) == 48, "cuse_drm_mmap_req layout");
_Static_assert(sizeof(struct cuse_drm_mmap_reply) == 8, "cuse_drm_mmap_reply layout");
_Static_assert(sizeof(struct cuse_drm_prime_req) == 56, "cuse_drm_prime_req layout");
_Static_assert(sizeof(struct cuse_drm_prime_reply) == 8, "cuse_drm_prime_reply layout");
_Static_assert(sizeof(struct cuse_drm_fence_req) == 136, "cuse_drm_fence_req layout");
#endif

#ifdef __cplusplus
}
#endif

#endif
