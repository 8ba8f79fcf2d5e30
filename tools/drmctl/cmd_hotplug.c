/*
 * cmd_hotplug.c - drmctl hotplug NODE --connector N on|off: plug a display
 * into a cuse-drm connector or pull it out (CUSE_DRM_IOCTL_HOTPLUG,
 * cuse-drm/cuse_drm_uapi.h).  The next GETCONNECTOR shows the new status.
 * A kernel driver's connectors follow real cables, so kernel nodes are
 * refused with a clear message.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drmctl.h"
#include "cuse-drm/cuse_drm_uapi.h"

/* The connector by index (0-based) or object id, as `drmctl info` lists them; 0 when none. */
static uint32_t find_connector(int fd, const char *arg)
{
	drmModeResPtr res = drmModeGetResources(fd);
	uint32_t id = 0;
	unsigned long n;
	char *end;

	if (!res)
		return 0;
	errno = 0;
	n = strtoul(arg, &end, 0);
	if (!errno && end != arg && !*end && arg[0] != '-') {
		if (n < (unsigned long)res->count_connectors)
			id = res->connectors[n];
		for (int i = 0; i < res->count_connectors && !id; i++)
			if (res->connectors[i] == n)
				id = (uint32_t)n;
	}
	drmModeFreeResources(res);
	return id;
}

/** drmctl_cmd_hotplug() - change a cuse-drm connector's status; 0, 1 (failed) or 2 (usage). */
int drmctl_cmd_hotplug(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connector", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conn_arg = NULL, *state;
	struct cuse_drm_hotplug hp = { 0 };
	char path[256];
	int fd, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conn_arg = optarg;
			break;
		case 'h':
			drmctl_usage("hotplug", 1);
			return DRMCTL_EXIT_OK;
		default:
			drmctl_usage("hotplug", 0);
			return DRMCTL_EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || !conn_arg ||
	    (strcmp(argv[optind + 1], "on") && strcmp(argv[optind + 1], "off"))) {
		drmctl_usage("hotplug", 0);
		return DRMCTL_EXIT_USAGE;
	}
	state = argv[optind + 1];
	fd = drmctl_open_node(argv[optind], path, sizeof(path));
	if (fd < 0)
		return DRMCTL_EXIT_FAIL;
	if (drmctl_node_origin(path, NULL, 0) != DRMCTL_ORIGIN_CUSE) {
		fprintf(stderr, "drmctl: %s: not a cuse-drm node: a kernel driver's connectors follow real cables\n",
			path);
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}
	hp.connector_id = find_connector(fd, conn_arg);
	if (!hp.connector_id) {
		drmctl_err("%s: no connector with index or id %s (see 'drmctl info')", path, conn_arg);
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}
	hp.connected = strcmp(state, "on") == 0;
	if (ioctl(fd, CUSE_DRM_IOCTL_HOTPLUG, &hp) < 0) {
		drmctl_err("%s: connector %u: CUSE_DRM_IOCTL_HOTPLUG: %m%s", path, hp.connector_id,
			   errno == EACCES ? " (needs root)" : "");
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}
	close(fd);
	printf("%s: connector %u %s\n", path, hp.connector_id, hp.connected ? "connected" : "disconnected");
	return DRMCTL_EXIT_OK;
}
