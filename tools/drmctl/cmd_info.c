// SPDX-License-Identifier: MIT
/*
 * drmctl info: a node's driver, caps and KMS state (connectors, encoders,
 * CRTCs, planes, the framebuffers they scan out, and all their properties).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drmctl.h"

/* ---- driver part ---- */

struct cap_desc {
	const char *name;
	uint64_t cap;
};

static const struct cap_desc caps[] = {
	{ "DUMB_BUFFER", DRM_CAP_DUMB_BUFFER },
	{ "DUMB_PREFERRED_DEPTH", DRM_CAP_DUMB_PREFERRED_DEPTH },
	{ "DUMB_PREFER_SHADOW", DRM_CAP_DUMB_PREFER_SHADOW },
	{ "PRIME", DRM_CAP_PRIME },
	{ "VBLANK_HIGH_CRTC", DRM_CAP_VBLANK_HIGH_CRTC },
	{ "TIMESTAMP_MONOTONIC", DRM_CAP_TIMESTAMP_MONOTONIC },
	{ "ASYNC_PAGE_FLIP", DRM_CAP_ASYNC_PAGE_FLIP },
	{ "CURSOR_WIDTH", DRM_CAP_CURSOR_WIDTH },
	{ "CURSOR_HEIGHT", DRM_CAP_CURSOR_HEIGHT },
	{ "ADDFB2_MODIFIERS", DRM_CAP_ADDFB2_MODIFIERS },
	{ "PAGE_FLIP_TARGET", DRM_CAP_PAGE_FLIP_TARGET },
	{ "CRTC_IN_VBLANK_EVENT", DRM_CAP_CRTC_IN_VBLANK_EVENT },
	{ "SYNCOBJ", DRM_CAP_SYNCOBJ },
	{ "SYNCOBJ_TIMELINE", DRM_CAP_SYNCOBJ_TIMELINE },
#ifdef DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP
	{ "ATOMIC_ASYNC_PAGE_FLIP", DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP },
#endif
};

/* Returns -1 if the node does not answer DRM_IOCTL_VERSION. */
static int print_driver(int fd, const char *path)
{
	char cls[32];
	enum drmctl_origin o = drmctl_node_origin(path, cls, sizeof(cls));
	drmVersionPtr ver;
	char *busid;

	printf("node:    %s (%s, %s", path, drmctl_node_kind(path),
	       drmctl_origin_name(o));
	if (o == DRMCTL_ORIGIN_OTHER)
		printf(", sysfs class %s", cls);
	printf(")\n");

	ver = drmGetVersion(fd);
	if (!ver) {
		int err = errno;

		fflush(stdout);
		drmctl_err("%s: not a DRM node: DRM_IOCTL_VERSION: %s", path,
			   strerror(err));
		return -1;
	} else {
		printf("driver:  %s %d.%d.%d (%s)\n",
		       ver->name_len ? ver->name : "?", ver->version_major,
		       ver->version_minor, ver->version_patchlevel,
		       ver->date_len ? ver->date : "no date");
		printf("desc:    %s\n", ver->desc_len ? ver->desc : "");
		drmFreeVersion(ver);
	}
	busid = drmGetBusid(fd);
	if (busid) {
		if (busid[0])
			printf("unique:  %s\n", busid);
		drmFreeBusid(busid);
	}
	if (strcmp(drmctl_node_kind(path), "primary") == 0)
		printf("master:  %s\n", drmIsMaster(fd) ? "yes" : "no");
	return 0;
}

static void print_caps(int fd)
{
	printf("caps:\n");
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		uint64_t v = 0;

		printf("  %-24s ", caps[i].name);
		if (drmGetCap(fd, caps[i].cap, &v) != 0) {
			printf("unsupported (%m)\n");
			continue;
		}
		printf("%" PRIu64, v);
		if (caps[i].cap == DRM_CAP_PRIME && v)
			printf(" (%s%s%s)",
			       (v & DRM_PRIME_CAP_IMPORT) ? "import" : "",
			       (v & DRM_PRIME_CAP_IMPORT) &&
					       (v & DRM_PRIME_CAP_EXPORT) ?
				       ", " :
				       "",
			       (v & DRM_PRIME_CAP_EXPORT) ? "export" : "");
		printf("\n");
	}
}

static void set_client_caps(int fd)
{
	static const struct cap_desc client_caps[] = {
		{ "UNIVERSAL_PLANES", DRM_CLIENT_CAP_UNIVERSAL_PLANES },
		{ "ATOMIC", DRM_CLIENT_CAP_ATOMIC },
	};

	printf("client caps:");
	for (size_t i = 0; i < 2; i++) {
		if (drmSetClientCap(fd, client_caps[i].cap, 1) == 0)
			printf(" %s=1", client_caps[i].name);
		else
			printf(" %s refused (%m)", client_caps[i].name);
	}
	printf("\n");
}

/* ---- properties ---- */

static void print_prop_value(int fd, const drmModePropertyRes *prop,
			     uint64_t value)
{
	drmModePropertyPtr p = (drmModePropertyPtr)prop;

	if (drm_property_type_is(p, DRM_MODE_PROP_RANGE)) {
		printf("%" PRIu64, value);
		if (prop->count_values == 2)
			printf(" (range %" PRIu64 "..%" PRIu64 ")",
			       prop->values[0], prop->values[1]);
	} else if (drm_property_type_is(p, DRM_MODE_PROP_SIGNED_RANGE)) {
		printf("%" PRId64, (int64_t)value);
		if (prop->count_values == 2)
			printf(" (range %" PRId64 "..%" PRId64 ")",
			       (int64_t)prop->values[0],
			       (int64_t)prop->values[1]);
	} else if (drm_property_type_is(p, DRM_MODE_PROP_ENUM)) {
		const char *name = NULL;

		for (int i = 0; i < prop->count_enums; i++)
			if (prop->enums[i].value == value)
				name = prop->enums[i].name;
		if (name)
			printf("%s", name);
		else
			printf("%" PRIu64 " (not an enum value)", value);
		printf(" (enum:");
		for (int i = 0; i < prop->count_enums; i++)
			printf(" %s", prop->enums[i].name);
		printf(")");
	} else if (drm_property_type_is(p, DRM_MODE_PROP_BITMASK)) {
		uint64_t named = 0;
		int first = 1;

		for (int i = 0; i < prop->count_enums; i++) {
			uint64_t bit;

			if (prop->enums[i].value >= 64)
				continue;
			bit = UINT64_C(1) << prop->enums[i].value;
			named |= bit;
			if (value & bit) {
				printf("%s%s", first ? "" : "|",
				       prop->enums[i].name);
				first = 0;
			}
		}
		if (value & ~named)
			printf("%s0x%" PRIx64, first ? "" : "|",
			       value & ~named);
		else if (first)
			printf("0");
		printf(" (bitmask:");
		for (int i = 0; i < prop->count_enums; i++)
			printf(" %s", prop->enums[i].name);
		printf(")");
	} else if (drm_property_type_is(p, DRM_MODE_PROP_BLOB)) {
		drmModePropertyBlobPtr blob;

		if (!value) {
			printf("blob 0 (none)");
		} else if (value > UINT32_MAX) {
			printf("blob %" PRIu64 " (bad id)", value);
		} else if ((blob = drmModeGetPropertyBlob(fd, (uint32_t)value))) {
			printf("blob %" PRIu64 " (%u bytes)", value,
			       blob->length);
			drmModeFreePropertyBlob(blob);
		} else {
			printf("blob %" PRIu64 " (GETPROPBLOB: %m)", value);
		}
	} else if (drm_property_type_is(p, DRM_MODE_PROP_OBJECT)) {
		printf("object %" PRIu64, value);
	} else {
		printf("%" PRIu64 " (type flags 0x%x)", value, prop->flags);
	}
}

static void print_props(int fd, uint32_t obj_id, uint32_t obj_type)
{
	drmModeObjectPropertiesPtr props;

	props = drmModeObjectGetProperties(fd, obj_id, obj_type);
	if (!props) {
		printf("    properties: error: %m\n");
		return;
	}
	printf("    properties:%s\n", props->count_props ? "" : " none");
	for (uint32_t i = 0; i < props->count_props; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[i]);

		if (!prop) {
			printf("      %u: error: GETPROPERTY: %m\n",
			       props->props[i]);
			continue;
		}
		printf("      %u %s = ", prop->prop_id, prop->name);
		print_prop_value(fd, prop, props->prop_values[i]);
		if (prop->flags & DRM_MODE_PROP_IMMUTABLE)
			printf(" [immutable]");
		if (prop->flags & DRM_MODE_PROP_ATOMIC)
			printf(" [atomic]");
		printf("\n");
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
}

/* ---- KMS objects ---- */

/* Print a possible_crtcs bitmask as the CRTC ids it names. */
static void print_crtc_mask(const drmModeRes *res, uint32_t mask)
{
	int first = 1;

	printf("{");
	for (int i = 0; i < res->count_crtcs && i < 32; i++) {
		if (mask & (1u << i)) {
			printf("%s%u", first ? "" : " ", res->crtcs[i]);
			first = 0;
		}
	}
	printf("}");
}

static void print_ids(const uint32_t *ids, int n)
{
	printf("{");
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? " " : "", ids[i]);
	printf("}");
}

static void print_mode_line(const char *indent, int index,
			    const drmModeModeInfo *m)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} types[] = {
		{ DRM_MODE_TYPE_PREFERRED, "preferred" },
		{ DRM_MODE_TYPE_DRIVER, "driver" },
		{ DRM_MODE_TYPE_USERDEF, "userdef" },
	}, flags[] = {
		{ DRM_MODE_FLAG_PHSYNC, "phsync" },
		{ DRM_MODE_FLAG_NHSYNC, "nhsync" },
		{ DRM_MODE_FLAG_PVSYNC, "pvsync" },
		{ DRM_MODE_FLAG_NVSYNC, "nvsync" },
		{ DRM_MODE_FLAG_INTERLACE, "interlace" },
		{ DRM_MODE_FLAG_DBLSCAN, "dblscan" },
		{ DRM_MODE_FLAG_CSYNC, "csync" },
		{ DRM_MODE_FLAG_DBLCLK, "dblclk" },
	};
	char ms[64];

	printf("%s", indent);
	if (index >= 0)
		printf("#%d ", index);
	printf("\"%.*s\" %s, clock %u kHz", DRM_DISPLAY_MODE_LEN, m->name,
	       drmctl_mode_str(m, ms, sizeof(ms)), m->clock);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (m->type & types[i].bit)
			printf(" %s", types[i].name);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (m->flags & flags[i].bit)
			printf(" %s", flags[i].name);
	printf("\n");
}

static void print_connectors(int fd, const drmModeRes *res)
{
	printf("\nconnectors: %d\n", res->count_connectors);
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd, res->connectors[i]);
		const char *type;

		if (!c) {
			printf("  connector %u: error: GETCONNECTOR: %m\n",
			       res->connectors[i]);
			continue;
		}
		type = drmModeGetConnectorTypeName(c->connector_type);
		printf("  connector %u (index %d): %s-%u, %s, %ux%u mm, "
		       "encoder %u, possible encoders ",
		       c->connector_id, i, type ? type : "Unknown",
		       c->connector_type_id, drmctl_connection_name(c->connection),
		       c->mmWidth, c->mmHeight, c->encoder_id);
		print_ids(c->encoders, c->count_encoders);
		printf("\n    modes: %d\n", c->count_modes);
		for (int m = 0; m < c->count_modes; m++)
			print_mode_line("      ", m, &c->modes[m]);
		print_props(fd, c->connector_id, DRM_MODE_OBJECT_CONNECTOR);
		drmModeFreeConnector(c);
	}
}

static void print_encoders(int fd, const drmModeRes *res)
{
	printf("\nencoders: %d\n", res->count_encoders);
	for (int i = 0; i < res->count_encoders; i++) {
		drmModeEncoderPtr e = drmModeGetEncoder(fd, res->encoders[i]);

		if (!e) {
			printf("  encoder %u: error: GETENCODER: %m\n",
			       res->encoders[i]);
			continue;
		}
		printf("  encoder %u (index %d): %s, crtc %u, possible crtcs ",
		       e->encoder_id, i, drmctl_encoder_type_name(e->encoder_type),
		       e->crtc_id);
		print_crtc_mask(res, e->possible_crtcs);
		printf(", possible clones 0x%x\n", e->possible_clones);
		drmModeFreeEncoder(e);
	}
}

/* A small set of framebuffer ids, to show each referenced fb once. */
struct fb_set {
	uint32_t ids[64];
	int n;
};

static void fb_set_add(struct fb_set *s, uint32_t id)
{
	if (!id)
		return;
	for (int i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return;
	if (s->n < (int)(sizeof(s->ids) / sizeof(s->ids[0])))
		s->ids[s->n++] = id;
}

static void print_crtcs(int fd, const drmModeRes *res, struct fb_set *fbs)
{
	printf("\ncrtcs: %d\n", res->count_crtcs);
	for (int i = 0; i < res->count_crtcs; i++) {
		drmModeCrtcPtr c = drmModeGetCrtc(fd, res->crtcs[i]);

		if (!c) {
			printf("  crtc %u: error: GETCRTC: %m\n", res->crtcs[i]);
			continue;
		}
		printf("  crtc %u (index %d): fb %u, pos %u,%u, gamma size %d, ",
		       c->crtc_id, i, c->buffer_id, c->x, c->y, c->gamma_size);
		if (c->mode_valid)
			print_mode_line("mode ", -1, &c->mode);
		else
			printf("no mode\n");
		fb_set_add(fbs, c->buffer_id);
		print_props(fd, c->crtc_id, DRM_MODE_OBJECT_CRTC);
		drmModeFreeCrtc(c);
	}
}

static void print_planes(int fd, const drmModeRes *res, struct fb_set *fbs)
{
	drmModePlaneResPtr pres = drmModeGetPlaneResources(fd);

	if (!pres) {
		printf("\nplanes: error: GETPLANERESOURCES: %m\n");
		return;
	}
	printf("\nplanes: %u\n", pres->count_planes);
	for (uint32_t i = 0; i < pres->count_planes; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, pres->planes[i]);
		char fcc[DRMCTL_FOURCC_LEN];

		if (!p) {
			printf("  plane %u: error: GETPLANE: %m\n",
			       pres->planes[i]);
			continue;
		}
		printf("  plane %u (index %u): crtc %u, fb %u, crtc pos %u,%u, "
		       "src pos %u,%u, gamma size %u, possible crtcs ",
		       p->plane_id, i, p->crtc_id, p->fb_id, p->crtc_x,
		       p->crtc_y, p->x, p->y, p->gamma_size);
		print_crtc_mask(res, p->possible_crtcs);
		printf("\n    formats: %u:", p->count_formats);
		for (uint32_t f = 0; f < p->count_formats; f++)
			printf(" %s", drmctl_fourcc_str(p->formats[f], fcc));
		printf("\n");
		fb_set_add(fbs, p->fb_id);
		print_props(fd, p->plane_id, DRM_MODE_OBJECT_PLANE);
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pres);
}

static void print_fb(int fd, uint32_t id)
{
	drmModeFB2Ptr fb2 = drmModeGetFB2(fd, id);
	drmModeFBPtr fb;
	int fb2_err;

	if (fb2) {
		char fcc[DRMCTL_FOURCC_LEN];
		const char *fname = drmctl_format_name(fb2->pixel_format);

		printf("  framebuffer %u: %ux%u, format %s", fb2->fb_id,
		       fb2->width, fb2->height,
		       drmctl_fourcc_str(fb2->pixel_format, fcc));
		if (fname)
			printf(" (%s)", fname);
		if (fb2->flags & DRM_MODE_FB_MODIFIERS) {
			char *mname = drmGetFormatModifierName(fb2->modifier);

			printf(", modifier 0x%" PRIx64 " (%s)", fb2->modifier,
			       mname ? mname : "unknown");
			free(mname);
		}
		if (fb2->flags & DRM_MODE_FB_INTERLACED)
			printf(", interlaced");
		for (int i = 0; i < 4; i++) {
			if (!fb2->pitches[i] && i)
				continue;
			printf(", plane %d pitch %u offset %u", i,
			       fb2->pitches[i], fb2->offsets[i]);
		}
		printf(", GEM handle %s\n",
		       fb2->handles[0] ? "given" :
					 "withheld (needs master or root)");
		drmctl_gem_close(fd, fb2->handles, 4);
		drmModeFreeFB2(fb2);
		return;
	}

	fb2_err = errno;
	fb = drmModeGetFB(fd, id);
	if (!fb) {
		printf("  framebuffer %u: error: GETFB2: %s, GETFB: %m\n", id,
		       strerror(fb2_err));
		return;
	}
	printf("  framebuffer %u: %ux%u, pitch %u, bpp %u, depth %u "
	       "(from GETFB; GETFB2: %s)\n", fb->fb_id, fb->width, fb->height,
	       fb->pitch, fb->bpp, fb->depth, strerror(fb2_err));
	drmctl_gem_close(fd, &fb->handle, 1);
	drmModeFreeFB(fb);
}

/* ---- command ---- */

int drmctl_cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX];
	struct fb_set fbs = { .n = 0 };
	drmModeResPtr res;
	int fd, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			drmctl_usage("info", 1);
			return DRMCTL_EXIT_OK;
		}
		drmctl_usage("info", 0);
		return DRMCTL_EXIT_USAGE;
	}
	if (argc - optind != 1) {
		drmctl_err("info: %s", argc - optind ? "expected one NODE" :
						       "missing NODE");
		drmctl_usage("info", 0);
		return DRMCTL_EXIT_USAGE;
	}

	fd = drmctl_open_node(argv[optind], path, sizeof(path));
	if (fd < 0)
		return DRMCTL_EXIT_FAIL;

	if (print_driver(fd, path) < 0) {
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}
	print_caps(fd);
	set_client_caps(fd);

	res = drmModeGetResources(fd);
	if (!res) {
		int err = errno;

		fflush(stdout);
		close(fd);
		drmctl_err_no_kms(path, err);
		return DRMCTL_EXIT_FAIL;
	}
	printf("\nresources: %d connectors, %d encoders, %d crtcs, "
	       "%d framebuffers; size %ux%u..%ux%u\n",
	       res->count_connectors, res->count_encoders, res->count_crtcs,
	       res->count_fbs, res->min_width, res->min_height,
	       res->max_width, res->max_height);

	print_connectors(fd, res);
	print_encoders(fd, res);
	print_crtcs(fd, res, &fbs);
	print_planes(fd, res, &fbs);

	printf("\nframebuffers in use: %d\n", fbs.n);
	for (int i = 0; i < fbs.n; i++)
		print_fb(fd, fbs.ids[i]);

	drmModeFreeResources(res);
	close(fd);
	return DRMCTL_EXIT_OK;
}
