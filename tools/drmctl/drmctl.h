/* SPDX-License-Identifier: MIT */
/*
 * drmctl: the cuse-drm command-line tool.
 *
 * Shared declarations: the command table entry type, node resolution and
 * origin detection (node.c), and small DRM formatting helpers (util.c).
 * Each command lives in its own cmd_*.c file and is listed in the table in
 * drmctl.c.
 */
#ifndef DRMCTL_H
#define DRMCTL_H

#include <stddef.h>
#include <stdint.h>

#include <xf86drmMode.h>

/** Exit statuses of every command: success, failure, bad usage. */
enum drmctl_exit {
	DRMCTL_EXIT_OK = 0,
	DRMCTL_EXIT_FAIL = 1,
	DRMCTL_EXIT_USAGE = 2,
};

/**
 * One drmctl command.
 *
 * @name:    the word on the command line, e.g. "list".
 * @args:    argument synopsis for the usage line, e.g. "NODE"; "" if none.
 * @summary: one line for the command overview.
 * @help:    further lines shown by `drmctl help NAME`, each ending in '\n';
 *           may be NULL.
 * @run:     runs the command. argv[0] is the command name and argv[argc] is
 *           NULL, as for main(), so getopt_long() can be used after setting
 *           optind = 1. Returns an enum drmctl_exit value.
 */
struct drmctl_cmd {
	const char *name;
	const char *args;
	const char *summary;
	const char *help;
	int (*run)(int argc, char **argv);
};

/* Commands (cmd_*.c). */
int drmctl_cmd_list(int argc, char **argv);
int drmctl_cmd_info(int argc, char **argv);
int drmctl_cmd_screenshot(int argc, char **argv);
int drmctl_cmd_stats(int argc, char **argv);
int drmctl_cmd_hotplug(int argc, char **argv);
int drmctl_cmd_crc(int argc, char **argv);
int drmctl_cmd_watch(int argc, char **argv);
int drmctl_cmd_devices(int argc, char **argv);
int drmctl_cmd_bind(int argc, char **argv);
int drmctl_cmd_unbind(int argc, char **argv);

/**
 * Print the usage of command @name (or of all commands if @name is NULL) to
 * stdout if @to_stdout, else to stderr. Returns 0 if @name is known or NULL,
 * -1 otherwise. Commands call this on bad options.
 */
int drmctl_usage(const char *name, int to_stdout);

/** Print "drmctl: " and a printf-style message and a newline to stderr. */
void drmctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- node.c: DRM node names, opening, origin ---- */

/** Directory holding the DRM nodes. */
#define DRMCTL_DRI_DIR "/dev/dri"

/** Where a DRM node is served from. */
enum drmctl_origin {
	DRMCTL_ORIGIN_UNKNOWN = 0, /* not a char device, or sysfs unreadable */
	DRMCTL_ORIGIN_KERNEL,      /* sysfs class "drm": a kernel driver */
	DRMCTL_ORIGIN_CUSE,        /* sysfs class "cuse": served by cuse-drm */
	DRMCTL_ORIGIN_OTHER,       /* a char device of some other class */
};

/**
 * Turn a node argument into a path: "card0" or "renderD128" becomes
 * "/dev/dri/card0"; anything containing a '/' is taken as a path.
 * Writes at most @size bytes including the NUL to @path.
 * Returns 0, or -ENAMETOOLONG if it does not fit.
 */
int drmctl_node_path(const char *spec, char *path, size_t size);

/**
 * Open a DRM node path read-write (read-only if write access is refused),
 * close-on-exec. Returns the fd, or -errno on failure; prints nothing.
 */
int drmctl_open_path(const char *path);

/**
 * Resolve @spec with drmctl_node_path() into @path (@size bytes) and open it
 * with drmctl_open_path(). On failure prints a message naming the node
 * ("no such DRM node", "permission denied", ...) and returns -1.
 */
int drmctl_open_node(const char *spec, char *path, size_t size);

/**
 * drmctl_cuse_render_sibling() - the render node (DRMCTL_DRI_DIR "/renderDN", into @out, at most
 * @size bytes) that the same cuse-drm daemon serves beside the card node @card_path, found in
 * the daemon's fake sysfs (cuse-drm/sysfs.c: CUSE_DRM_SYSFS_ROOT/dev/char/MAJ:MIN/device/drm/).
 * Read-only queries open it instead of the card node: the first open of a card node with no
 * master makes the opener the master (the kernel's drm_master_open()), so a query racing a
 * client's start-up would make that client's modeset fail with EACCES.
 * Returns 0, or -ENOENT when @card_path is no card node or its driver has no render node.
 */
int drmctl_cuse_render_sibling(const char *card_path, char *out, size_t size);

/**
 * Find where the char device at @path is served from, by its sysfs class:
 * /sys/dev/char/MAJ:MIN/subsystem links to .../class/drm for kernel nodes and
 * .../class/cuse for cuse-drm nodes. Uses raw statx and readlinkat system
 * calls so that a preloaded client shim, which fakes st_rdev and sysfs for
 * libdrm, cannot hide the real device. If @class_name is not NULL, the sysfs
 * class name (or "" if unknown) is written there, at most @class_size bytes.
 */
enum drmctl_origin drmctl_node_origin(const char *path, char *class_name,
				      size_t class_size);

/** "kernel", "cuse-drm", "unknown" or "other" for an enum drmctl_origin. */
const char *drmctl_origin_name(enum drmctl_origin origin);

/**
 * The kind of node from its file name: "primary" for card*, "render" for
 * renderD*, "control" for controlD*, else "unknown".
 */
const char *drmctl_node_kind(const char *path);

/**
 * Report that MODE_GETRESOURCES failed on @path with errno @err, explaining
 * the usual causes: a driver without KMS (EOPNOTSUPP, e.g. vgem) or a render
 * node (EACCES).
 */
void drmctl_err_no_kms(const char *path, int err);

/* ---- util.c: formatting and GEM helpers ---- */

/** Size of a buffer for drmctl_fourcc_str(): 4 chars, a suffix, the NUL. */
#define DRMCTL_FOURCC_LEN 16

/**
 * Write the DRM fourcc @format as text into @buf (DRMCTL_FOURCC_LEN bytes),
 * e.g. "XR24"; non-printable bytes come out as '?' and the big-endian flag
 * as a "-BE" suffix. Returns @buf.
 */
const char *drmctl_fourcc_str(uint32_t format, char *buf);

/**
 * Long name of a common DRM fourcc, e.g. "XRGB8888" for XR24; NULL if the
 * format is not in drmctl's short table.
 */
const char *drmctl_format_name(uint32_t format);

/** Vertical refresh of @mode in Hz, from its pixel clock and totals. */
double drmctl_mode_refresh(const drmModeModeInfo *mode);

/**
 * Write "WxH@R.RR" for @mode into @buf (@size bytes), adding "i" for
 * interlaced modes. Returns @buf.
 */
const char *drmctl_mode_str(const drmModeModeInfo *mode, char *buf,
			    size_t size);

/** Name of a DRM_MODE_ENCODER_* type, e.g. "TMDS"; "unknown" otherwise. */
const char *drmctl_encoder_type_name(uint32_t type);

/** Name of a drmModeConnection value: "connected", "disconnected", ... */
const char *drmctl_connection_name(drmModeConnection connection);

/**
 * Close GEM handles @handles[0..n-1] on @fd with DRM_IOCTL_GEM_CLOSE,
 * skipping zeros and repeats (GETFB2 may return one handle per plane).
 */
void drmctl_gem_close(int fd, const uint32_t *handles, size_t n);

#endif /* DRMCTL_H */
