// SPDX-License-Identifier: MIT
/*
 * drmctl: main and command dispatch.
 *
 * A command is one entry in drmctl_cmds[] and one run function in its own
 * cmd_*.c file; adding a command needs nothing else.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "drmctl.h"

static const struct drmctl_cmd drmctl_cmds[] = {
	{
		.name = "list",
		.args = "",
		.summary = "list the DRM nodes under " DRMCTL_DRI_DIR
			   ", kernel and cuse-drm",
		.help = "  Prints one line per card* and renderD* node: path, driver name,\n"
			"  driver version and origin (\"kernel\", or \"cuse-drm\" for nodes\n"
			"  in sysfs class cuse). Nodes that cannot be opened are listed\n"
			"  with the error.\n",
		.run = drmctl_cmd_list,
	},
	{
		.name = "info",
		.args = "NODE",
		.summary = "show a node's driver, caps and KMS state",
		.help = "  NODE is a path such as /dev/dri/card0 or a name such as card0.\n"
			"  Prints the driver, its caps, then connectors, encoders, CRTCs,\n"
			"  planes and the framebuffers they show, with their properties.\n"
			"  Fails (status 1) after the driver part on a node without KMS.\n",
		.run = drmctl_cmd_info,
	},
	{
		.name = "screenshot",
		.args = "NODE [--crtc N] -o FILE.png",
		.summary = "save what a CRTC scans out as a PNG",
		.help = "  -c, --crtc N     CRTC index (0-based) or CRTC object id; default:\n"
			"                   the first CRTC with a mode and a framebuffer\n"
			"  -o, --output F   PNG file to write\n"
			"  Reads the CRTC's framebuffer as a dumb buffer, crops it to the\n"
			"  CRTC's position and mode, and prints the path written. Needs\n"
			"  DRM master or root to get the framebuffer's GEM handle.\n"
			"  On a virtio_gpu with VIRGL the host's pixels are read back\n"
			"  first (VIRTGPU_TRANSFER_FROM_HOST, VIRTGPU_WAIT); a dumb\n"
			"  buffer's CPU writes not yet flushed to the host are replaced.\n"
			"  Formats (linear only): XRGB8888 ARGB8888 XBGR8888 ABGR8888\n"
			"  BGRX8888 BGRA8888 RGBX8888 RGBA8888 RGB888 BGR888 RGB565\n"
			"  XRGB2101010 ARGB2101010 XBGR2101010 ABGR2101010.\n",
		.run = drmctl_cmd_screenshot,
	},
	{
		.name = "stats",
		.args = "NODE",
		.summary = "show a cuse-drm daemon's live object counts",
		.help = "  Files, GEM objects, handles and bytes, framebuffers, property\n"
			"  blobs, pending events and whether there is a master, as the\n"
			"  daemon counts them. For leak checks: after clients exit the\n"
			"  counts return to what they were. cuse-drm nodes only.\n"
			"  Asks through the daemon's render node when it has one, so the\n"
			"  query never becomes the master of the card node (the first\n"
			"  opener of a card node with no master does) and never makes a\n"
			"  client that starts at the same time fail to set a mode.\n",
		.run = drmctl_cmd_stats,
	},
	{
		.name = "hotplug",
		.args = "NODE --connector N on|off",
		.summary = "plug a display into a cuse-drm connector, or pull it out",
		.help = "  -c, --connector N  connector index (0-based) or object id\n"
			"  The next GETCONNECTOR reports the new status; a disconnected\n"
			"  connector has no modes and no EDID. Modes already set stay.\n"
			"  No udev event follows (a CUSE device cannot send a drm one):\n"
			"  clients see the change when they ask again. Needs root.\n"
			"  cuse-drm nodes only.\n",
		.run = drmctl_cmd_hotplug,
	},
	{
		.name = "crc",
		.args = "NODE [--crtc N] [--frames K] [--source S]",
		.summary = "print the CRCs of the frames a cuse-drm CRTC shows",
		.help = "  -c, --crtc N     CRTC index (0-based) or object id; default: the\n"
			"                   first CRTC with a mode\n"
			"  -n, --frames K   frames to print (default 1)\n"
			"  -s, --source S   CRC source (vkms: \"auto\", the default)\n"
			"  Starts a CRC capture on the CRTC, prints one line per frame as the\n"
			"  kernel's debugfs crtc-N/crc/data does: the frame's vblank count\n"
			"  and its CRC (vkms: the CRC-32 of the composed ARGB16161616\n"
			"  frame), and stops the capture. The same picture gives the same\n"
			"  CRC. The CRTC must be on. Needs root. cuse-drm nodes only.\n",
		.run = drmctl_cmd_crc,
	},
	{
		.name = "watch",
		.args = "NODE [--count N] [--interval MS]",
		.summary = "show which framebuffer each plane of each CRTC scans out, live",
		.help = "  -n, --count N      stop after N refreshes (default: run until killed)\n"
			"  -i, --interval MS  time between refreshes (default 1000)\n"
			"  Per CRTC: mode, vblank count and rate (WAIT_VBLANK), and on\n"
			"  cuse-drm nodes the flip rate (commits that reached their vblank,\n"
			"  from the daemon's stats); per plane on it: type, framebuffer id,\n"
			"  size and format, position. Rates are over the last interval.\n"
			"  Works read-only on kernel nodes too (no flip rate there); never\n"
			"  keeps DRM master.\n",
		.run = drmctl_cmd_watch,
	},
	{
		.name = "devices",
		.args = "",
		.summary = "list the PCI display devices, their drivers and IOMMU groups",
		.help = "  One line per PCI function of class 0x03 (display controller):\n"
			"  BDF, vendor:device IDs, the bound driver (\"-\" for none), the\n"
			"  IOMMU group (\"-\" without an IOMMU), and the vendor and device\n"
			"  names from pci.ids. A device that cuse-drm is to drive must be\n"
			"  bound to vfio-pci (see bind).\n",
		.run = drmctl_cmd_devices,
	},
	{
		.name = "bind",
		.args = "BDF",
		.summary = "hand a PCI device to vfio-pci, for cuse-drm to drive",
		.help = "  BDF is a PCI address such as 0000:00:06.0 or 00:06.0.\n"
			"  Checks that its IOMMU group can go to VFIO (every other device\n"
			"  in the group is bound to vfio-pci or pci-stub, to nothing, or\n"
			"  is a PCI bridge), sets driver_override to vfio-pci, unbinds the\n"
			"  current driver, reprobes, and prints the /dev/vfio/GROUP node.\n"
			"  Needs root. The display goes dark if the kernel was using it.\n",
		.run = drmctl_cmd_bind,
	},
	{
		.name = "unbind",
		.args = "BDF",
		.summary = "give a PCI device back from vfio-pci to its kernel driver",
		.help = "  Clears driver_override, unbinds the device from vfio-pci and\n"
			"  reprobes, so the kernel driver that matches it takes it back;\n"
			"  prints that driver (\"none\" if no driver took it). Refused\n"
			"  while a process holds its /dev/vfio group open. Needs root.\n",
		.run = drmctl_cmd_unbind,
	},
};

#define DRMCTL_NCMDS (sizeof(drmctl_cmds) / sizeof(drmctl_cmds[0]))

void drmctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("drmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct drmctl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < DRMCTL_NCMDS; i++)
		if (strcmp(drmctl_cmds[i].name, name) == 0)
			return &drmctl_cmds[i];
	return NULL;
}

static void print_cmd_line(FILE *out, const struct drmctl_cmd *cmd)
{
	fprintf(out, "  drmctl %s%s%s\n", cmd->name, cmd->args[0] ? " " : "",
		cmd->args);
}

int drmctl_usage(const char *name, int to_stdout)
{
	FILE *out = to_stdout ? stdout : stderr;

	if (name) {
		const struct drmctl_cmd *cmd = find_cmd(name);

		if (!cmd)
			return -1;
		fputs("usage:\n", out);
		print_cmd_line(out, cmd);
		fprintf(out, "\n  %s\n", cmd->summary);
		if (cmd->help)
			fprintf(out, "\n%s", cmd->help);
		return 0;
	}

	fputs("usage: drmctl COMMAND [ARGS]\n"
	      "\n"
	      "Inspect DRM device nodes, whether served by the kernel or by\n"
	      "cuse-drm, and hand PCI display devices to VFIO.\n"
	      "\n"
	      "commands:\n", out);
	for (size_t i = 0; i < DRMCTL_NCMDS; i++) {
		print_cmd_line(out, &drmctl_cmds[i]);
		fprintf(out, "      %s\n", drmctl_cmds[i].summary);
	}
	fputs("  drmctl help [COMMAND]\n"
	      "      show this overview, or the details of one command\n"
	      "\n"
	      "NODE is a path such as /dev/dri/card0 or a name such as card0.\n"
	      "Exit status: 0 success, 1 failure, 2 bad usage.\n", out);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		drmctl_usage(NULL, 0);
		return DRMCTL_EXIT_USAGE;
	}
	if (argc == 2 && strcmp(argv[1], "help") != 0) {
		if (drmctl_usage(argv[1], 1) < 0) {
			drmctl_err("unknown command '%s'", argv[1]);
			drmctl_usage(NULL, 0);
			return DRMCTL_EXIT_USAGE;
		}
		return DRMCTL_EXIT_OK;
	}
	drmctl_usage(NULL, 1);
	return DRMCTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct drmctl_cmd *cmd;

	if (argc < 2) {
		drmctl_usage(NULL, 0);
		return DRMCTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 1, argv + 1);

	cmd = find_cmd(argv[1]);
	if (!cmd) {
		drmctl_err("unknown command '%s'", argv[1]);
		drmctl_usage(NULL, 0);
		return DRMCTL_EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
