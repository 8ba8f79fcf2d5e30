/*
 * cmd_stats.c - drmctl stats NODE: the live object counts of a cuse-drm
 * daemon (CUSE_DRM_IOCTL_STATS, cuse-drm/cuse_drm_uapi.h).  Kernel drivers
 * keep no such counts, so kernel nodes are refused with a clear message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "drmctl.h"
#include "cuse-drm/cuse_drm_uapi.h"

/**
 * drmctl_cmd_stats() - print files, GEM objects/handles/bytes, framebuffers, blobs, events, master,
 * syncobjs, fences, parked ioctls, flips per CRTC and a PCI device's live DMA mappings.
 */
int drmctl_cmd_stats(int argc, char **argv)
{
	struct cuse_drm_stats s;
	char path[256], render[256];
	int fd;

	if (argc != 2) {
		drmctl_usage("stats", 0);
		return 2;
	}
	/*
	 * Ask through the daemon's render node when it has one, without opening the card node at
	 * all: that open would make this query the master for a moment, and a client starting
	 * meanwhile would get EACCES for its modeset (drm_master_open()).  Both nodes answer for
	 * the same device.
	 */
	fd = -1;
	if (drmctl_node_path(argv[1], path, sizeof(path)) == 0 &&
	    drmctl_node_origin(path, NULL, 0) == DRMCTL_ORIGIN_CUSE &&
	    drmctl_cuse_render_sibling(path, render, sizeof(render)) == 0)
		fd = drmctl_open_path(render);
	if (fd < 0) {
		fd = drmctl_open_node(argv[1], path, sizeof(path));
		if (fd < 0)
			return 1;
		if (drmctl_node_origin(path, NULL, 0) != DRMCTL_ORIGIN_CUSE) {
			fprintf(stderr, "drmctl: %s: not a cuse-drm node: kernel drivers keep no object counts\n", path);
			close(fd);
			return 1;
		}
	}
	memset(&s, 0, sizeof(s));
	if (ioctl(fd, CUSE_DRM_IOCTL_STATS, &s) < 0) {
		fprintf(stderr, "drmctl: %s: CUSE_DRM_IOCTL_STATS: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	/* This open is itself one file (the master only when the driver has no render node and no one else is master). */
	printf("node:            %s\n", path);
	printf("files:           %u (this query's own open included)\n", s.files);
	printf("gem objects:     %u (%llu bytes)\n", s.gem_objects, (unsigned long long)s.gem_bytes);
	printf("gem handles:     %u\n", s.gem_handles);
	printf("framebuffers:    %u\n", s.framebuffers);
	printf("property blobs:  %u\n", s.blobs);
	printf("pending events:  %u\n", s.pending_events);
	printf("has master:      %s\n", s.has_master ? "yes" : "no");
	printf("syncobjs:        %u\n", s.syncobjs);
	printf("fences:          %u\n", s.fences);
	printf("parked ioctls:   %u\n", s.parked_ioctls);
	printf("crtc flips:      %llu %llu %llu %llu\n", (unsigned long long)s.crtc_flips[0],
	       (unsigned long long)s.crtc_flips[1], (unsigned long long)s.crtc_flips[2],
	       (unsigned long long)s.crtc_flips[3]);
	printf("dma mappings:    %u (%u coherent, %llu bytes)\n", s.dma_mappings, s.dma_coherent,
	       (unsigned long long)s.dma_bytes);
	return 0;
}
