/*
 * gen_corpus.c - write the fuzzer's seed corpus (tests/fuzz/corpus/) from
 * scripted client sessions, checked against the core as they are written.
 *
 * Each session is built call by call in fuzz_exec.c's input format.  After
 * each ioctl is appended, the whole input so far is run through the same
 * executor the fuzzer uses (fuzz_run(), same deterministic platform); the
 * call's return value and the client memory it left are read back, so
 * later calls use real handles, object and property ids, modes and magic
 * numbers, and a call that should succeed but fails stops the generator.
 * Together the sessions make every ioctl of the core's table, vgem's two,
 * virtio-gpu's, and each harness op (mmap, PRIME, CRC, hotplug, read,
 * time, reopen, the simulated virtio-gpu's faults: error, short and
 * wrong-typed responses, a timeout, DEVICE_NEEDS_RESET, late answers).
 *
 * Usage: gen_corpus DIR   (`make fuzz-corpus`).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>

#include <virtgpu_drm.h>

#include "core/drm_driver.h"
#include "core/drm_uapi_ext.h"
#include "drivers/vgem/vgem_drm.h"
#include "fuzz_exec.h"
#include "tests/virtio_model/virtio_gpu_model.h"

#define ANY_RET 1  /* expectation: do not check */

/* Client memory layout of the sessions: the struct at A, arrays at P1..P3. */
#define A 0x0000
#define P1 0x1000
#define P2 0x2000
#define P3 0x3000
#define PTR(off) (FUZZ_MEM_BASE + (off))
#define CPTR(off) ((char *)(uintptr_t)PTR(off))

struct gen {
	const char *dir;
	const char *name;
	uint8_t buf[4096];
	size_t len;
	unsigned int nioctls;
	int last_ret;
	uint8_t mem[FUZZ_MEM_SIZE];
};

static void observe(void *ctx, unsigned int index, int ret, const uint8_t *mem)
{
	struct gen *g = ctx;

	if (index + 1 == g->nioctls) {
		g->last_ret = ret;
		memcpy(g->mem, mem, FUZZ_MEM_SIZE);
	}
}

static void put(struct gen *g, const void *p, size_t n)
{
	if (g->len + n > sizeof(g->buf)) {
		fprintf(stderr, "gen_corpus: %s: input too long\n", g->name);
		exit(1);
	}
	memcpy(g->buf + g->len, p, n);
	g->len += n;
}

static void put8(struct gen *g, uint8_t v) { put(g, &v, 1); }
static void put16(struct gen *g, uint16_t v) { put8(g, (uint8_t)v); put8(g, (uint8_t)(v >> 8)); }
static void put32(struct gen *g, uint32_t v) { put16(g, (uint16_t)v); put16(g, (uint16_t)(v >> 16)); }

/* Byte 1 of the next FUZZ_CFG_VIRTIO session: the simulated device's shape (FUZZ_VIRTIO_*). */
static uint8_t virtio_shape;

static void begin(struct gen *g, const char *dir, const char *name, uint8_t cfg)
{
	memset(g, 0, sizeof(*g));
	g->dir = dir;
	g->name = name;
	put8(g, cfg);
	if (cfg & FUZZ_CFG_VIRTIO)
		put8(g, virtio_shape);
}

static void finish(struct gen *g)
{
	char path[512];
	FILE *f;

	fuzz_run(g->buf, g->len, NULL); /* the whole session, with its leak checks */
	snprintf(path, sizeof(path), "%s/%s", g->dir, g->name);
	f = fopen(path, "wb");
	if (!f || fwrite(g->buf, 1, g->len, f) != g->len || fclose(f)) {
		perror(path);
		exit(1);
	}
	printf("%-24s %4zu bytes, %u ioctls\n", g->name, g->len, g->nioctls);
}

/* Client memory at @off as the last call left it. */
static void *at(struct gen *g, uint16_t off)
{
	return g->mem + off;
}

static void poke(struct gen *g, uint16_t off, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		uint8_t chunk = n > 255 ? 255 : (uint8_t)n;

		put8(g, FUZZ_OP_POKE);
		put16(g, off);
		put8(g, chunk);
		put(g, b, chunk);
		off = (uint16_t)(off + chunk);
		b += chunk;
		n -= chunk;
	}
}

/*
 * Append ioctl @cmd on file @slot with argument struct @arg (@size bytes,
 * placed at A), run, check the result against @expect (0, -errno, or
 * ANY_RET), and copy the struct back into @arg.
 */
static int ioctl_(struct gen *g, unsigned int slot, uint32_t cmd, void *arg, size_t size, int expect,
		  const char *what)
{
	unsigned int idx;

	for (idx = 0; idx < fuzz_ioctl_ncmds && fuzz_ioctl_cmds[idx] != cmd; idx++)
		;
	if (idx < fuzz_ioctl_ncmds) {
		put8(g, (uint8_t)(FUZZ_OP_IOCTL | slot << 4));
		put8(g, (uint8_t)idx);
	} else {
		put8(g, (uint8_t)(FUZZ_OP_IOCTL_RAW | slot << 4));
		put32(g, cmd);
	}
	put16(g, A);
	put8(g, (uint8_t)size);
	put(g, arg, size);
	g->nioctls++;
	if (getenv("GEN_DEBUG"))
		fprintf(stderr, "%s: %s\n", g->name, what);
	fuzz_run(g->buf, g->len, &(struct fuzz_observer){ observe, g });
	if (g->last_ret == -4097 /* DRM_EPENDING */) {
		/* A blocking commit or wait parked: let a vblank or two pass so it finishes. */
		put8(g, FUZZ_OP_TIME);
		put8(g, 40);
		return 0;
	}
	if (expect != ANY_RET && g->last_ret != expect) {
		fprintf(stderr, "gen_corpus: %s: %s returned %d, expected %d\n", g->name, what, g->last_ret, expect);
		exit(1);
	}
	memcpy(arg, g->mem + A, size);
	return g->last_ret;
}

/* ioctl_() for a question without side effects: its answer is used, the call is not kept. */
static int probe(struct gen *g, uint32_t cmd, void *arg, size_t size, const char *what)
{
	size_t len = g->len;
	unsigned int n = g->nioctls;
	int ret = ioctl_(g, 0, cmd, arg, size, 0, what);

	g->len = len;
	g->nioctls = n;
	return ret;
}

#define IOCTL(g, slot, cmd, arg, expect) ioctl_(g, slot, cmd, arg, sizeof(*(arg)), expect, #cmd)

static void op_time(struct gen *g, uint8_t ms) { put8(g, FUZZ_OP_TIME); put8(g, ms); }
static void op_read(struct gen *g, unsigned int slot) { put8(g, (uint8_t)(FUZZ_OP_READ | slot << 4)); put16(g, 4096); }

/* --- KMS discovery ------------------------------------------------------ */

struct kms {
	uint32_t crtc, conn, enc, plane, cursor;
	struct drm_mode_modeinfo mode;
};

static void discover(struct gen *g, struct kms *k)
{
	struct drm_mode_card_res res = { 0 };
	struct drm_mode_get_connector c = { 0 };
	struct drm_mode_get_plane_res pr = { 0 };
	struct drm_set_client_cap cc = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };
	uint32_t ids[8];

	IOCTL(g, 0, DRM_IOCTL_SET_CLIENT_CAP, &cc, 0);
	IOCTL(g, 0, DRM_IOCTL_MODE_GETRESOURCES, &res, 0);
	res.crtc_id_ptr = PTR(P1);
	res.connector_id_ptr = PTR(P1 + 0x100);
	res.encoder_id_ptr = PTR(P1 + 0x200);
	res.fb_id_ptr = PTR(P1 + 0x300);
	IOCTL(g, 0, DRM_IOCTL_MODE_GETRESOURCES, &res, 0);
	memcpy(&k->crtc, at(g, P1), 4);
	memcpy(&k->conn, at(g, P1 + 0x100), 4);
	memcpy(&k->enc, at(g, P1 + 0x200), 4);

	c.connector_id = k->conn;
	IOCTL(g, 0, DRM_IOCTL_MODE_GETCONNECTOR, &c, 0);
	c.modes_ptr = PTR(P2);
	c.props_ptr = PTR(P1 + 0x400);
	c.prop_values_ptr = PTR(P1 + 0x500);
	c.encoders_ptr = PTR(P1 + 0x600);
	IOCTL(g, 0, DRM_IOCTL_MODE_GETCONNECTOR, &c, 0);
	memcpy(&k->mode, at(g, P2), sizeof(k->mode));

	IOCTL(g, 0, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr, 0);
	pr.plane_id_ptr = PTR(P1 + 0x700);
	IOCTL(g, 0, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr, 0);
	memcpy(ids, at(g, P1 + 0x700), sizeof(ids));
	k->plane = ids[0];
	k->cursor = pr.count_planes > 1 ? ids[pr.count_planes - 1] : 0;
}

/* The id of property @name of object @obj (type @type), or 0. */
static uint32_t prop_id(struct gen *g, uint32_t obj, uint32_t type, const char *name)
{
	struct drm_mode_obj_get_properties op = { .obj_id = obj, .obj_type = type };
	uint32_t ids[64];

	op.props_ptr = PTR(P3 + 0x800);
	op.prop_values_ptr = PTR(P3 + 0xa00);
	op.count_props = 64;
	probe(g, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op, sizeof(op), "OBJ_GETPROPERTIES");
	memcpy(ids, at(g, P3 + 0x800), sizeof(ids));
	for (uint32_t i = 0; i < op.count_props && i < 64; i++) {
		struct drm_mode_get_property p = { .prop_id = ids[i] };

		probe(g, DRM_IOCTL_MODE_GETPROPERTY, &p, sizeof(p), "GETPROPERTY");
		if (strcmp(p.name, name) == 0)
			return ids[i];
	}
	fprintf(stderr, "gen_corpus: %s: no property %s on object %u\n", g->name, name, obj);
	exit(1);
}

/* SETCRTC's arguments: @fb on @k's CRTC and connector in @k's mode; the connector id list is
 * poked into the client memory at P1 + 0x800. */
static void setcrtc_args(struct gen *g, const struct kms *k, uint32_t fb, struct drm_mode_crtc *crtc)
{
	const uint32_t conn_ids[1] = { k->conn };

	poke(g, P1 + 0x800, conn_ids, sizeof(conn_ids));
	crtc->crtc_id = k->crtc;
	crtc->fb_id = fb;
	crtc->set_connectors_ptr = PTR(P1 + 0x800);
	crtc->count_connectors = 1;
	crtc->mode = k->mode;
	crtc->mode_valid = 1;
}

static uint32_t make_fb(struct gen *g, unsigned int slot, uint32_t w, uint32_t h, uint32_t *handle)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_fb_cmd2 fb = { .width = w, .height = h, .pixel_format = DRM_FORMAT_XRGB8888 };

	IOCTL(g, slot, DRM_IOCTL_MODE_CREATE_DUMB, &c, 0);
	fb.handles[0] = c.handle;
	fb.pitches[0] = c.pitch;
	IOCTL(g, slot, DRM_IOCTL_MODE_ADDFB2, &fb, 0);
	if (handle)
		*handle = c.handle;
	return fb.fb_id;
}

/* --- sessions ------------------------------------------------------------ */

static void session_info(const char *dir, uint8_t cfg, const char *name)
{
	struct gen g;
	struct drm_version v = { .name_len = 32, .name = CPTR(P1), .date_len = 32, .date = CPTR(P1 + 64),
				 .desc_len = 64, .desc = CPTR(P1 + 128) };
	struct drm_unique u = { .unique_len = 64, .unique = CPTR(P2) };
	struct drm_auth auth = { 0 };
	struct drm_client cl = { 0 };
	struct drm_stats st = { 0 };
	struct drm_set_version sv = { .drm_di_major = 1, .drm_di_minor = 4, .drm_dd_major = -1, .drm_dd_minor = -1 };
	struct drm_set_client_cap cc = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };
	static const uint64_t caps[] = { DRM_CAP_DUMB_BUFFER, DRM_CAP_VBLANK_HIGH_CRTC, DRM_CAP_DUMB_PREFERRED_DEPTH,
					 DRM_CAP_DUMB_PREFER_SHADOW, DRM_CAP_PRIME, DRM_CAP_TIMESTAMP_MONOTONIC,
					 DRM_CAP_ASYNC_PAGE_FLIP, DRM_CAP_CURSOR_WIDTH, DRM_CAP_CURSOR_HEIGHT,
					 DRM_CAP_ADDFB2_MODIFIERS, DRM_CAP_PAGE_FLIP_TARGET,
					 DRM_CAP_CRTC_IN_VBLANK_EVENT, DRM_CAP_SYNCOBJ, DRM_CAP_SYNCOBJ_TIMELINE };

	begin(&g, dir, name, cfg);
	IOCTL(&g, 0, DRM_IOCTL_VERSION, &v, 0);
	IOCTL(&g, 2, DRM_IOCTL_VERSION, &v, 0);
	IOCTL(&g, 0, DRM_IOCTL_GET_UNIQUE, &u, 0);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct drm_get_cap c = { .capability = caps[i] };

		IOCTL(&g, i % 2 ? 2 : 0, DRM_IOCTL_GET_CAP, &c, ANY_RET);
	}
	IOCTL(&g, 1, DRM_IOCTL_GET_MAGIC, &auth, 0);
	IOCTL(&g, 0, DRM_IOCTL_AUTH_MAGIC, &auth, 0);
	IOCTL(&g, 1, DRM_IOCTL_AUTH_MAGIC, &auth, -EACCES);
	IOCTL(&g, 0, DRM_IOCTL_GET_CLIENT, &cl, 0);
	IOCTL(&g, 0, DRM_IOCTL_GET_STATS, &st, 0);
	IOCTL(&g, 0, DRM_IOCTL_SET_CLIENT_CAP, &cc, ANY_RET); /* EOPNOTSUPP without KMS */
	cc.capability = DRM_CLIENT_CAP_ATOMIC;
	IOCTL(&g, 0, DRM_IOCTL_SET_CLIENT_CAP, &cc, ANY_RET);
	cc.capability = DRM_CLIENT_CAP_STEREO_3D;
	IOCTL(&g, 1, DRM_IOCTL_SET_CLIENT_CAP, &cc, ANY_RET);
	IOCTL(&g, 0, DRM_IOCTL_SET_VERSION, &sv, 0);
	IOCTL(&g, 0, DRM_IOCTL_DROP_MASTER, &auth, 0);
	IOCTL(&g, 3, DRM_IOCTL_SET_MASTER, &auth, 0);
	IOCTL(&g, 3, DRM_IOCTL_DROP_MASTER, &auth, 0);
	IOCTL(&g, 0, DRM_IOCTL_SET_MASTER, &auth, 0);
	IOCTL(&g, 2, DRM_IOCTL_GET_MAGIC, &auth, ANY_RET); /* EACCES on a render node */
	put8(&g, FUZZ_OP_REOPEN | 1 << 4);
	IOCTL(&g, 1, DRM_IOCTL_GET_MAGIC, &auth, 0);
	/* Not served: the kernel's answers for ioctls without a handler. */
	IOCTL(&g, 0, DRM_IOCTL_SET_UNIQUE, &u, ANY_RET);
	{
		struct drm_mode_create_lease l = { 0 };
		struct drm_mode_list_lessees ll = { 0 };

		IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_LEASE, &l, ANY_RET);
		IOCTL(&g, 0, DRM_IOCTL_MODE_LIST_LESSEES, &ll, ANY_RET);
	}
	finish(&g);
}

static void session_kms(const char *dir, uint8_t cfg, const char *name)
{
	struct gen g;
	struct kms k;
	struct drm_mode_crtc crtc = { 0 };
	struct drm_mode_get_encoder enc = { 0 };
	struct drm_mode_get_plane pl = { 0 };
	struct drm_mode_get_blob blob = { 0 };
	struct drm_mode_obj_get_properties op = { 0 };
	uint32_t edid;

	begin(&g, dir, name, cfg);
	discover(&g, &k);
	crtc.crtc_id = k.crtc;
	IOCTL(&g, 0, DRM_IOCTL_MODE_GETCRTC, &crtc, 0);
	enc.encoder_id = k.enc;
	IOCTL(&g, 1, DRM_IOCTL_MODE_GETENCODER, &enc, 0);
	pl.plane_id = k.plane;
	pl.format_type_ptr = PTR(P2);
	pl.count_format_types = 64;
	IOCTL(&g, 0, DRM_IOCTL_MODE_GETPLANE, &pl, 0);
	edid = prop_id(&g, k.conn, DRM_MODE_OBJECT_CONNECTOR, "EDID");
	op.obj_id = k.conn;
	op.obj_type = DRM_MODE_OBJECT_CONNECTOR;
	op.props_ptr = PTR(P3);
	op.prop_values_ptr = PTR(P3 + 0x400);
	op.count_props = 64;
	IOCTL(&g, 0, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &op, 0);
	for (uint32_t i = 0; i < op.count_props && i < 64; i++) {
		uint32_t id;
		uint64_t val;

		memcpy(&id, at(&g, (uint16_t)(P3 + 4 * i)), 4);
		memcpy(&val, at(&g, (uint16_t)(P3 + 0x400 + 8 * i)), 8);
		if (id == edid && val) {
			blob.blob_id = (uint32_t)val;
			IOCTL(&g, 0, DRM_IOCTL_MODE_GETPROPBLOB, &blob, 0);
			blob.data = PTR(P2);
			IOCTL(&g, 0, DRM_IOCTL_MODE_GETPROPBLOB, &blob, 0);
		}
	}
	put8(&g, FUZZ_OP_HOTPLUG);
	put32(&g, k.conn);
	put8(&g, 0);
	put8(&g, FUZZ_OP_HOTPLUG);
	put32(&g, k.conn);
	put8(&g, 1);
	finish(&g);
}

static void session_modeset(const char *dir, uint8_t cfg, const char *name)
{
	struct gen g;
	struct kms k;
	uint32_t handle, handle2, fb, fb2;
	struct drm_mode_crtc crtc = { 0 };
	struct drm_mode_fb_cmd fb1 = { 0 };
	struct drm_mode_fb_cmd2 get2 = { 0 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_mode_crtc_page_flip flip = { 0 };
	union drm_wait_vblank vbl = { 0 };
	struct drm_crtc_get_sequence seq = { 0 };
	struct drm_crtc_queue_sequence qseq = { 0 };
	struct drm_mode_cursor2 cur = { 0 };
	struct drm_mode_set_plane sp = { 0 };
	struct drm_mode_crtc_lut lut = { 0 };
	struct drm_mode_fb_dirty_cmd dirty = { 0 };
	struct drm_mode_connector_set_property cp = { 0 };
	struct drm_mode_obj_set_property osp = { 0 };
	struct drm_mode_mode_cmd mc = { 0 };
	struct drm_mode_create_dumb cd = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_destroy_dumb dd = { 0 };
	uint32_t w, h;

	begin(&g, dir, name, cfg);
	discover(&g, &k);
	w = k.mode.hdisplay;
	h = k.mode.vdisplay;
	fb = make_fb(&g, 0, w, h, &handle);
	map.handle = handle;
	IOCTL(&g, 0, DRM_IOCTL_MODE_MAP_DUMB, &map, 0);
	poke(&g, P3 + 0x800, &map.offset, 8);
	put8(&g, FUZZ_OP_MMAP);
	put16(&g, P3 + 0x800);
	put32(&g, 4096);
	fb1.width = w;
	fb1.height = h;
	fb1.bpp = 32;
	fb1.depth = 24;
	fb1.pitch = w * 4;
	fb1.handle = handle;
	IOCTL(&g, 0, DRM_IOCTL_MODE_ADDFB, &fb1, 0);
	fb2 = fb1.fb_id;
	get2.fb_id = fb;
	IOCTL(&g, 0, DRM_IOCTL_MODE_GETFB2, &get2, 0);
	fb1.fb_id = fb;
	IOCTL(&g, 0, DRM_IOCTL_MODE_GETFB, &fb1, 0);

	setcrtc_args(&g, &k, fb, &crtc);
	IOCTL(&g, 0, DRM_IOCTL_MODE_SETCRTC, &crtc, 0);
	IOCTL(&g, 1, DRM_IOCTL_MODE_SETCRTC, &crtc, -EACCES);
	op_time(&g, 20);

	flip.crtc_id = k.crtc;
	flip.fb_id = fb2;
	flip.flags = DRM_MODE_PAGE_FLIP_EVENT;
	flip.user_data = 0x1234;
	IOCTL(&g, 0, DRM_IOCTL_MODE_PAGE_FLIP, &flip, 0);
	op_time(&g, 20);
	op_read(&g, 0);

	vbl.request.type = _DRM_VBLANK_RELATIVE;
	vbl.request.sequence = 1;
	IOCTL(&g, 0, DRM_IOCTL_WAIT_VBLANK, &vbl, ANY_RET); /* parks until the next vblank */
	op_time(&g, 20);
	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = _DRM_VBLANK_RELATIVE | _DRM_VBLANK_EVENT;
	vbl.request.sequence = 2;
	IOCTL(&g, 0, DRM_IOCTL_WAIT_VBLANK, &vbl, 0);
	seq.crtc_id = k.crtc;
	IOCTL(&g, 0, DRM_IOCTL_CRTC_GET_SEQUENCE, &seq, 0);
	qseq.crtc_id = k.crtc;
	qseq.flags = DRM_CRTC_SEQUENCE_RELATIVE;
	qseq.sequence = 1;
	qseq.user_data = 7;
	IOCTL(&g, 0, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &qseq, 0);
	op_time(&g, 50);
	op_read(&g, 0);

	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, 0);
	cur.flags = DRM_MODE_CURSOR_BO;
	cur.crtc_id = k.crtc;
	cur.width = 64;
	cur.height = 64;
	cur.handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_MODE_CURSOR2, &cur, ANY_RET);
	cur.flags = DRM_MODE_CURSOR_MOVE;
	cur.x = 10;
	cur.y = 10;
	ioctl_(&g, 0, DRM_IOCTL_MODE_CURSOR, &cur, sizeof(struct drm_mode_cursor), ANY_RET, "CURSOR");

	fb2 = make_fb(&g, 0, 128, 128, &handle2);
	sp.plane_id = k.cursor ? k.cursor : k.plane;
	sp.crtc_id = k.crtc;
	sp.fb_id = fb2;
	sp.crtc_w = 64;
	sp.crtc_h = 64;
	sp.src_w = 64 << 16;
	sp.src_h = 64 << 16;
	IOCTL(&g, 0, DRM_IOCTL_MODE_SETPLANE, &sp, ANY_RET);

	lut.crtc_id = k.crtc;
	lut.gamma_size = 256;
	lut.red = PTR(P2);
	lut.green = PTR(P2 + 512);
	lut.blue = PTR(P2 + 1024);
	IOCTL(&g, 0, DRM_IOCTL_MODE_GETGAMMA, &lut, 0);
	IOCTL(&g, 0, DRM_IOCTL_MODE_SETGAMMA, &lut, 0);

	dirty.fb_id = fb;
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, ANY_RET);
	cp.connector_id = k.conn;
	cp.prop_id = prop_id(&g, k.conn, DRM_MODE_OBJECT_CONNECTOR, "DPMS");
	cp.value = DRM_MODE_DPMS_ON;
	IOCTL(&g, 0, DRM_IOCTL_MODE_SETPROPERTY, &cp, 0);
	osp.obj_id = k.conn;
	osp.obj_type = DRM_MODE_OBJECT_CONNECTOR;
	osp.prop_id = cp.prop_id;
	osp.value = DRM_MODE_DPMS_ON;
	IOCTL(&g, 0, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &osp, 0);
	mc.connector_id = k.conn;
	mc.mode = k.mode;
	IOCTL(&g, 0, DRM_IOCTL_MODE_ATTACHMODE, &mc, 0);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DETACHMODE, &mc, 0);

	IOCTL(&g, 0, DRM_IOCTL_MODE_RMFB, &fb2, 0);
	dd.handle = handle2;
	IOCTL(&g, 0, DRM_IOCTL_MODE_DESTROY_DUMB, &dd, 0);
	/* Dropping the scanout's fb turns the CRTC off; the file's close frees the rest. */
	IOCTL(&g, 0, DRM_IOCTL_MODE_RMFB, &fb, 0);
	op_time(&g, 20);
	finish(&g);
}

static void session_atomic(const char *dir, uint8_t cfg, const char *name, bool crc)
{
	struct gen g;
	struct kms k;
	uint32_t fb, p_mode, p_active, p_crtc, p_fb, p_sw, p_sh, p_cw, p_ch, p_conn_crtc;
	struct drm_set_client_cap cc = { .capability = DRM_CLIENT_CAP_ATOMIC, .value = 1 };
	struct drm_mode_create_blob cb = { 0 };
	struct drm_mode_destroy_blob db = { 0 };
	struct drm_mode_atomic at_ = { 0 };
	uint32_t objs[3], counts[3], props[16];
	uint64_t vals[16];

	begin(&g, dir, name, cfg);
	IOCTL(&g, 0, DRM_IOCTL_SET_CLIENT_CAP, &cc, 0);
	discover(&g, &k);
	fb = make_fb(&g, 0, k.mode.hdisplay, k.mode.vdisplay, NULL);
	p_mode = prop_id(&g, k.crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	p_active = prop_id(&g, k.crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	p_conn_crtc = prop_id(&g, k.conn, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	p_crtc = prop_id(&g, k.plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	p_fb = prop_id(&g, k.plane, DRM_MODE_OBJECT_PLANE, "FB_ID");
	p_sw = prop_id(&g, k.plane, DRM_MODE_OBJECT_PLANE, "SRC_W");
	p_sh = prop_id(&g, k.plane, DRM_MODE_OBJECT_PLANE, "SRC_H");
	p_cw = prop_id(&g, k.plane, DRM_MODE_OBJECT_PLANE, "CRTC_W");
	p_ch = prop_id(&g, k.plane, DRM_MODE_OBJECT_PLANE, "CRTC_H");

	poke(&g, P2, &k.mode, sizeof(k.mode));
	cb.data = PTR(P2);
	cb.length = sizeof(k.mode);
	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATEPROPBLOB, &cb, 0);

	objs[0] = k.crtc;
	counts[0] = 2;
	props[0] = p_mode; vals[0] = cb.blob_id;
	props[1] = p_active; vals[1] = 1;
	objs[1] = k.conn;
	counts[1] = 1;
	props[2] = p_conn_crtc; vals[2] = k.crtc;
	objs[2] = k.plane;
	counts[2] = 6;
	props[3] = p_crtc; vals[3] = k.crtc;
	props[4] = p_fb; vals[4] = fb;
	props[5] = p_sw; vals[5] = (uint64_t)k.mode.hdisplay << 16;
	props[6] = p_sh; vals[6] = (uint64_t)k.mode.vdisplay << 16;
	props[7] = p_cw; vals[7] = k.mode.hdisplay;
	props[8] = p_ch; vals[8] = k.mode.vdisplay;
	poke(&g, P3, objs, sizeof(objs));
	poke(&g, P3 + 0x100, counts, sizeof(counts));
	poke(&g, P3 + 0x200, props, 9 * 4);
	poke(&g, P3 + 0x400, vals, 9 * 8);
	at_.flags = DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_ATOMIC_TEST_ONLY;
	at_.count_objs = 3;
	at_.objs_ptr = PTR(P3);
	at_.count_props_ptr = PTR(P3 + 0x100);
	at_.props_ptr = PTR(P3 + 0x200);
	at_.prop_values_ptr = PTR(P3 + 0x400);
	IOCTL(&g, 0, DRM_IOCTL_MODE_ATOMIC, &at_, 0);
	at_.flags = DRM_MODE_ATOMIC_ALLOW_MODESET;
	IOCTL(&g, 0, DRM_IOCTL_MODE_ATOMIC, &at_, 0);
	db.blob_id = cb.blob_id;
	IOCTL(&g, 0, DRM_IOCTL_MODE_DESTROYPROPBLOB, &db, 0);
	op_time(&g, 20);

	/* A nonblocking flip of the plane alone, with its event. */
	at_.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	at_.count_objs = 1;
	at_.objs_ptr = PTR(P3 + 8);
	at_.count_props_ptr = PTR(P3 + 0x100 + 8);
	at_.props_ptr = PTR(P3 + 0x200 + 12);
	at_.prop_values_ptr = PTR(P3 + 0x400 + 24);
	at_.user_data = 99;
	IOCTL(&g, 0, DRM_IOCTL_MODE_ATOMIC, &at_, 0);
	op_time(&g, 20);
	op_read(&g, 0);
	if (crc) {
		put8(&g, FUZZ_OP_CRC);
		put8(&g, 0);
		put32(&g, k.crtc);
		op_time(&g, 50);
		put8(&g, FUZZ_OP_CRC);
		put8(&g, 1);
		put32(&g, k.crtc);
		put8(&g, FUZZ_OP_CRC);
		put8(&g, 2);
		put32(&g, k.crtc);
	}
	/* The master goes away with the CRTC on: its close turns off what its fbs fed. */
	put8(&g, FUZZ_OP_REOPEN);
	op_time(&g, 20);
	finish(&g);
}

static void session_gem(const char *dir, uint8_t cfg, const char *name)
{
	struct gen g;
	struct drm_mode_create_dumb cd = { .width = 256, .height = 16, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_open go = { 0 };
	struct drm_gem_close gc = { 0 };
	struct drm_prime_handle ph = { 0 };
	struct drm_vgem_fence_attach fa = { 0 };
	struct drm_vgem_fence_signal fs = { 0 };

	begin(&g, dir, name, cfg);
	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, 0);
	map.handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_MODE_MAP_DUMB, &map, 0);
	poke(&g, P1, &map.offset, 8);
	put8(&g, FUZZ_OP_MMAP);
	put16(&g, P1);
	put32(&g, (uint32_t)cd.size);
	fl.handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_GEM_FLINK, &fl, 0);
	go.name = fl.name;
	IOCTL(&g, 3, DRM_IOCTL_GEM_OPEN, &go, 0);
	IOCTL(&g, 1, DRM_IOCTL_GEM_OPEN, &go, -EACCES);
	gc.handle = go.handle;
	IOCTL(&g, 3, DRM_IOCTL_GEM_CLOSE, &gc, 0);
	ph.handle = cd.handle;
	ph.flags = DRM_CLOEXEC | DRM_RDWR;
	IOCTL(&g, 0, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph, ANY_RET);
	IOCTL(&g, 0, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph, ANY_RET);
	put8(&g, FUZZ_OP_PRIME);
	put32(&g, cd.handle);
	put32(&g, DRM_CLOEXEC);
	put8(&g, 2);
	put8(&g, FUZZ_OP_PRIME_IMPORT | 2 << 4);
	put32(&g, 8192);
	fa.handle = cd.handle;
	fa.flags = 0; /* two readers; a writer would get EBUSY beside them */
	IOCTL(&g, 2, DRM_IOCTL_VGEM_FENCE_ATTACH, &fa, 0); /* its handle from the PRIME import above */
	IOCTL(&g, 0, DRM_IOCTL_VGEM_FENCE_ATTACH, &fa, 0);
	put8(&g, FUZZ_OP_EXPORT_SYNC_FILE);
	put32(&g, cd.handle);
	put8(&g, 1);
	fs.fence = fa.out_fence;
	IOCTL(&g, 0, DRM_IOCTL_VGEM_FENCE_SIGNAL, &fs, 0);
	put8(&g, FUZZ_OP_MUNMAP);
	put16(&g, P1);
	put8(&g, FUZZ_OP_REOPEN);
	finish(&g);
}

static void session_syncobj(const char *dir, uint8_t cfg, const char *name)
{
	struct gen g;
	struct drm_syncobj_create c1 = { 0 }, c2 = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	struct drm_syncobj_destroy d = { 0 };
	struct drm_syncobj_handle_v2 h = { 0 };
	struct drm_syncobj_handle h1 = { 0 };
	struct drm_syncobj_wait_v2 w = { 0 };
	struct drm_syncobj_wait w1 = { 0 };
	struct drm_syncobj_timeline_wait_v2 tw = { 0 };
	struct drm_syncobj_timeline_wait tw1 = { 0 };
	struct drm_syncobj_timeline_array ta = { 0 };
	struct drm_syncobj_array sa = { 0 };
	struct drm_syncobj_transfer tr = { 0 };
	struct drm_syncobj_eventfd ev = { 0 };
	uint32_t handles[2];
	uint64_t points[2] = { 1, 2 };
	struct drm_vgem_fence_attach fa = { 0 };
	struct drm_vgem_fence_signal fs = { 0 };
	struct drm_mode_create_dumb cd = { .width = 16, .height = 16, .bpp = 32 };

	begin(&g, dir, name, cfg);
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_CREATE, &c1, 0);
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_CREATE, &c2, 0);
	handles[0] = c1.handle;
	handles[1] = c2.handle;
	poke(&g, P1, handles, sizeof(handles));
	poke(&g, P1 + 0x100, points, sizeof(points));

	w.handles = PTR(P1 + 4);
	w.count_handles = 1;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_WAIT_V2, &w, 0);
	w1.handles = PTR(P1);
	w1.count_handles = 2;
	w1.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	w1.timeout_nsec = 0;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_WAIT, &w1, ANY_RET); /* -ETIME: c1 has no fence */
	/* A waiting call parks; the signal below wakes it. */
	w.handles = PTR(P1);
	w.count_handles = 1;
	w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	w.timeout_nsec = INT64_MAX;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_WAIT_V2, &w, ANY_RET);
	ev.handle = c1.handle;
	ev.fd = 100;
	ev.point = 0;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev, ANY_RET);

	sa.handles = PTR(P1);
	sa.count_handles = 1;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_SIGNAL, &sa, 0);
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_RESET, &sa, 0);

	ta.handles = PTR(P1);
	ta.points = PTR(P1 + 0x100);
	ta.count_handles = 1;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta, 0);
	ta.points = PTR(P1 + 0x200);
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_QUERY, &ta, 0);
	tw.handles = PTR(P1);
	tw.points = PTR(P1 + 0x100);
	tw.count_handles = 1;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_V2, &tw, 0);
	tw1.handles = PTR(P1);
	tw1.points = PTR(P1 + 0x108);
	tw1.count_handles = 1;
	tw1.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
	tw1.timeout_nsec = 5000000;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &tw1, ANY_RET);
	op_time(&g, 10);
	tr.src_handle = c1.handle;
	tr.dst_handle = c2.handle;
	tr.src_point = 1;
	tr.dst_point = 5;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr, 0);

	h.handle = c2.handle;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &h, ANY_RET);
	h.flags = 0;
	h.handle = 0;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2, &h, ANY_RET);
	h1.handle = c2.handle;
	h1.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h1, ANY_RET);
	h1.handle = c1.handle;
	h1.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h1, ANY_RET);
	put8(&g, FUZZ_OP_FD_CLOSE);
	put8(&g, 0);

	/* vgem's fences into a syncobj's wait. */
	IOCTL(&g, 2, DRM_IOCTL_MODE_CREATE_DUMB, &cd, ANY_RET);
	fa.handle = cd.handle;
	IOCTL(&g, 2, DRM_IOCTL_VGEM_FENCE_ATTACH, &fa, ANY_RET);
	fs.fence = fa.out_fence;
	IOCTL(&g, 2, DRM_IOCTL_VGEM_FENCE_SIGNAL, &fs, ANY_RET);

	d.handle = c1.handle;
	IOCTL(&g, 2, DRM_IOCTL_SYNCOBJ_DESTROY, &d, 0);
	put8(&g, FUZZ_OP_CANCEL | 2 << 4);
	finish(&g);
}

/* --- virtio-gpu on the simulated device ---------------------------------- */

static void dev_op(struct gen *g, enum fuzz_device_op op)
{
	put8(g, FUZZ_OP_DEVICE);
	put8(g, (uint8_t)op);
}

/*
 * The device's answer to the next command on @queue (0 controlq, 1
 * cursorq); the device runs first, so commands already queued (fenced
 * flushes) take their answers before.
 */
static void dev_answer(struct gen *g, enum vgm_answer_kind kind, unsigned int queue, uint16_t param)
{
	dev_op(g, FUZZ_DEV_RUN);
	put8(g, FUZZ_OP_DEVICE);
	put8(g, FUZZ_DEV_ANSWER);
	put8(g, (uint8_t)(kind | queue << 3));
	put16(g, param);
}

/* A monitor on scanout @s: an EDID (preferred @w x @h) and a display event. */
static void dev_monitor(struct gen *g, uint8_t s, uint16_t w, uint16_t h)
{
	uint8_t edid[128];
	struct drm_edid_params p = { .vendor = "QEM", .product = 0x1234, .serial = s, .monitor_name = "QEMU Monitor",
				     .width_mm = 300, .height_mm = 200, .preferred = drm_mode_dmt(w, h, 60) };

	if (!p.preferred || drm_edid_build(&p, edid)) {
		fprintf(stderr, "gen_corpus: %s: no EDID for %ux%u\n", g->name, w, h);
		exit(1);
	}
	put8(g, FUZZ_OP_DEVICE);
	put8(g, FUZZ_DEV_EDID);
	put8(g, s);
	put16(g, sizeof(edid));
	put8(g, sizeof(edid));
	put(g, edid, sizeof(edid));
	put8(g, FUZZ_OP_DEVICE);
	put8(g, FUZZ_DEV_DISPLAY);
	put8(g, s);
	put8(g, 1);
	put16(g, w);
	put16(g, h);
	op_time(g, 1); /* the config work item re-detects the displays */
}

/* Every virtgpu ioctl (virtgpu_drm.h), on the primary node and the render node. */
static void session_virtgpu(const char *dir, uint8_t cfg, uint8_t shape, const char *name)
{
	struct gen g;
	struct drm_mode_create_dumb cd = { .width = 64, .height = 48, .bpp = 32 };
	struct drm_mode_destroy_dumb dd = { 0 };
	struct drm_virtgpu_getparam gp = { .value = PTR(P1) };
	struct drm_virtgpu_resource_info ri = { 0 };
	struct drm_virtgpu_map map = { 0 };
	struct drm_virtgpu_3d_wait wait = { 0 };
	struct drm_virtgpu_execbuffer eb = { 0 };
	struct drm_virtgpu_3d_transfer_to_host tth = { 0 };
	struct drm_virtgpu_3d_transfer_from_host tfh = { 0 };
	struct drm_virtgpu_get_caps caps = { .cap_set_id = 1, .addr = PTR(P2), .size = 64 };
	struct drm_virtgpu_resource_create rc = { .target = 2, .format = 2, .bind = 2, .width = 64, .height = 64,
						  .depth = 1, .array_size = 1 };
	struct drm_version v = { .name_len = 32, .name = CPTR(P1), .date_len = 32, .date = CPTR(P1 + 64),
				 .desc_len = 64, .desc = CPTR(P1 + 128) };

	virtio_shape = shape;
	begin(&g, dir, name, cfg);
	IOCTL(&g, 2, DRM_IOCTL_VERSION, &v, 0);
	if (shape & FUZZ_VIRTIO_EDID)
		dev_monitor(&g, 0, 1280, 800);
	if (shape & FUZZ_VIRTIO_SCANOUTS_MASK)
		dev_monitor(&g, 1, 800, 600);
	for (uint64_t param = 1; param <= 8; param++) {
		gp.param = param;
		IOCTL(&g, param % 2 ? 2 : 0, DRM_IOCTL_VIRTGPU_GETPARAM, &gp, param <= 7 ? 0 : -EINVAL);
	}
	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, 0);
	ri.bo_handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri, 0);
	ri.bo_handle = cd.handle + 100;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri, -ENOENT);
	map.handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_MAP, &map, 0);
	poke(&g, P3 + 0x800, &map.offset, 8);
	put8(&g, FUZZ_OP_MMAP);
	put16(&g, P3 + 0x800);
	put32(&g, 64 * 48 * 4);
	put8(&g, FUZZ_OP_MUNMAP);
	put16(&g, P3 + 0x800);
	wait.handle = cd.handle;
	wait.flags = VIRTGPU_WAIT_NOWAIT;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_WAIT, &wait, 0);
	wait.flags = 0;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_WAIT, &wait, 0);
	/* The 3D ioctls: ENOSYS without VIRGL (or what a VIRGL-capable driver answers). */
	eb.command = PTR(P2);
	eb.size = 64;
	IOCTL(&g, 2, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb, ANY_RET);
	tth.bo_handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &tth, ANY_RET);
	tfh.bo_handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &tfh, ANY_RET);
	IOCTL(&g, 2, DRM_IOCTL_VIRTGPU_GET_CAPS, &caps, ANY_RET);
	IOCTL(&g, 2, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &rc, ANY_RET);
	dd.handle = cd.handle;
	IOCTL(&g, 0, DRM_IOCTL_MODE_DESTROY_DUMB, &dd, 0);
	/* A dumb buffer the device refuses: the client gets the errno, nothing stays. */
	dev_answer(&g, VGM_ERROR, 0, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY - VIRTIO_GPU_RESP_ERR_UNSPEC);
	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, -ENOMEM);
	dev_answer(&g, VGM_OK, 0, 0);
	dev_answer(&g, VGM_ERROR, 0, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER - VIRTIO_GPU_RESP_ERR_UNSPEC);
	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, -EINVAL); /* ATTACH_BACKING refused */
	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, 0);
	finish(&g);
}

/*
 * A modeset, flips, DIRTYFB, cursor and VIRTGPU_WAIT on a flush fence;
 * then the device's faults: a command it never answers (-ETIMEDOUT, reset
 * and recovery), DEVICE_NEEDS_RESET (-EIO), error, short and wrong-typed
 * responses, late answers and a used element naming no command.
 */
static void session_virtio_modeset(const char *dir, uint8_t cfg, uint8_t shape, const char *name)
{
	struct gen g;
	struct kms k;
	uint32_t handle, handle2, fb, fb2, cursor_handle;
	struct drm_mode_crtc crtc = { 0 };
	struct drm_mode_crtc_page_flip flip = { 0 };
	struct drm_mode_cursor2 cur = { 0 };
	struct drm_mode_fb_dirty_cmd dirty = { 0 };
	struct drm_mode_create_dumb cd = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_virtgpu_3d_wait wait = { 0 };
	struct drm_clip_rect clips[2] = { { 0, 0, 32, 32 }, { 100, 100, 200, 150 } };

	virtio_shape = shape;
	begin(&g, dir, name, cfg);
	if (shape & FUZZ_VIRTIO_EDID)
		dev_monitor(&g, 0, 1024, 768);
	discover(&g, &k);
	fb = make_fb(&g, 0, k.mode.hdisplay, k.mode.vdisplay, &handle);
	fb2 = make_fb(&g, 0, k.mode.hdisplay, k.mode.vdisplay, &handle2);
	setcrtc_args(&g, &k, fb, &crtc);
	IOCTL(&g, 0, DRM_IOCTL_MODE_SETCRTC, &crtc, 0);
	/* The commit's RESOURCE_FLUSH is fenced: WAIT parks until the device has run. */
	wait.handle = handle;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_WAIT, &wait, ANY_RET);
	op_time(&g, 5);

	flip.crtc_id = k.crtc;
	flip.fb_id = fb2;
	flip.flags = DRM_MODE_PAGE_FLIP_EVENT;
	flip.user_data = 0x1234;
	IOCTL(&g, 0, DRM_IOCTL_MODE_PAGE_FLIP, &flip, 0);
	op_time(&g, 5);
	op_read(&g, 0);
	flip.fb_id = fb;
	IOCTL(&g, 0, DRM_IOCTL_MODE_PAGE_FLIP, &flip, 0);
	dev_op(&g, FUZZ_DEV_RUN);
	op_time(&g, 5);
	op_read(&g, 0);

	poke(&g, P2, clips, sizeof(clips));
	dirty.fb_id = fb;
	dirty.clips_ptr = PTR(P2);
	dirty.num_clips = 2;
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, 0);
	dirty.flags = DRM_MODE_FB_DIRTY_ANNOTATE_COPY;
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, 0);

	IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, 0);
	cursor_handle = cd.handle;
	cur.flags = DRM_MODE_CURSOR_BO;
	cur.crtc_id = k.crtc;
	cur.width = 64;
	cur.height = 64;
	cur.handle = cursor_handle;
	cur.hot_x = 3;
	cur.hot_y = 4;
	IOCTL(&g, 0, DRM_IOCTL_MODE_CURSOR2, &cur, 0);
	cur.flags = DRM_MODE_CURSOR_MOVE;
	cur.x = 100;
	cur.y = 50;
	ioctl_(&g, 0, DRM_IOCTL_MODE_CURSOR, &cur, sizeof(struct drm_mode_cursor), 0, "CURSOR move");
	dev_op(&g, FUZZ_DEV_RUN);

	/* Faults.  No answer: the wait times out, the device is reset and its state restored. */
	dirty.flags = 0;
	dirty.num_clips = 0;
	dirty.clips_ptr = 0;
	dev_answer(&g, VGM_SILENT, 0, 0);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, -ETIMEDOUT);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, 0);
	/* DEVICE_NEEDS_RESET while the command waits: -EIO at once. */
	dev_answer(&g, VGM_NEEDS_RESET, 0, 0);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, -EIO);
	op_time(&g, 1);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, 0);
	/* Error, short and wrong-typed responses. */
	dev_answer(&g, VGM_ERROR, 0, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID - VIRTIO_GPU_RESP_ERR_UNSPEC);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, -EINVAL);
	dev_answer(&g, VGM_SHORT, 0, 8);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, -EIO);
	dev_answer(&g, VGM_WRONG_TYPE, 0, 1);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, -EIO);
	/* A late answer to the fenced flush, a used element naming no command, a spurious interrupt. */
	dev_answer(&g, VGM_OK, 0, 0);
	dev_answer(&g, VGM_LATE, 0, 0);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, 0);
	wait.flags = VIRTGPU_WAIT_NOWAIT;
	IOCTL(&g, 0, DRM_IOCTL_VIRTGPU_WAIT, &wait, ANY_RET);
	dev_op(&g, FUZZ_DEV_RELEASE);
	op_time(&g, 1);
	dev_answer(&g, VGM_BAD_ID, 0, 7);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, ANY_RET);
	put8(&g, FUZZ_OP_DEVICE);
	put8(&g, FUZZ_DEV_IRQ);
	put8(&g, 1);
	/* The cursorq: an UPDATE_CURSOR the device never answers. */
	dev_answer(&g, VGM_SILENT, 1, 0);
	cur.flags = DRM_MODE_CURSOR_BO;
	cur.handle = 0;
	IOCTL(&g, 0, DRM_IOCTL_MODE_CURSOR2, &cur, 0);
	/* A used length larger than the buffer. */
	dev_answer(&g, VGM_SHORT, 0, 0x8000 | 200);
	IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, 0);
	/* The device fails by itself; a hotplug on the way. */
	dev_op(&g, FUZZ_DEV_NEEDS_RESET);
	op_time(&g, 1);
	put8(&g, FUZZ_OP_DEVICE);
	put8(&g, FUZZ_DEV_DISPLAY);
	put8(&g, 0);
	put8(&g, 0);
	put16(&g, 0);
	put16(&g, 0);
	op_time(&g, 1);
	op_read(&g, 0);
	IOCTL(&g, 0, DRM_IOCTL_MODE_RMFB, &fb2, 0);
	if (shape & FUZZ_VIRTIO_SHORT_TIMEOUT) {
		/* A reset that does not bring the device back: every command fails with EIO from then on. */
		dev_op(&g, FUZZ_DEV_REFUSE_FEATURES);
		dev_answer(&g, VGM_SILENT, 0, 0);
		IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, -ETIMEDOUT);
		IOCTL(&g, 0, DRM_IOCTL_MODE_DIRTYFB, &dirty, -EIO);
		IOCTL(&g, 0, DRM_IOCTL_MODE_CREATE_DUMB, &cd, -EIO);
	}
	/* The master leaves with the CRTC on. */
	put8(&g, FUZZ_OP_REOPEN);
	op_time(&g, 20);
	finish(&g);
}

/*
 * The probe meets a faulty device: @n answers (@kinds, @params) queued
 * before the load.  A failed load must give everything back (the executor
 * checks it and ends the input); a load that copes goes on to a modeset.
 */
static void session_virtio_probe(const char *dir, uint8_t shape, unsigned int n, const enum vgm_answer_kind *kinds,
				 const uint16_t *params, const char *name)
{
	struct gen g;
	struct kms k;
	uint32_t handle;

	virtio_shape = shape | FUZZ_VIRTIO_LOAD_ANSWERS;
	begin(&g, dir, name, FUZZ_CFG_VIRTIO);
	put8(&g, (uint8_t)n);
	for (unsigned int i = 0; i < n; i++) {
		put8(&g, (uint8_t)kinds[i]);
		put16(&g, params[i]);
	}
	if (kinds[0] == VGM_OK) {
		discover(&g, &k);
		make_fb(&g, 0, k.mode.hdisplay, k.mode.vdisplay, &handle);
	} else {
		put8(&g, FUZZ_OP_TIME);  /* never run: the load failed */
		put8(&g, 1);
	}
	finish(&g);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus";
	const uint8_t fds = FUZZ_CFG_FDS | FUZZ_CFG_PRIME;

	session_info(dir, 0, "info-vkms");
	session_info(dir, 2 | fds, "info-vgem");
	session_kms(dir, 0, "kms-vkms");
	session_kms(dir, 1, "kms-vkms-2crtc-wb");
	session_kms(dir, FUZZ_CFG_ROUNDS, "kms-vkms-rounds");
	session_modeset(dir, 3, "modeset-vkms-cursor");
	session_modeset(dir, 1 | FUZZ_CFG_ROUNDS, "modeset-vkms-2crtc-rounds");
	session_atomic(dir, 0 | fds, "atomic-vkms-crc", true);
	session_atomic(dir, 1 | FUZZ_CFG_ROUNDS | fds, "atomic-vkms-2crtc-rounds", false);
	session_gem(dir, 2 | fds, "gem-vgem");
	session_gem(dir, 2 | FUZZ_CFG_ROUNDS, "gem-vgem-rounds");
	session_syncobj(dir, 2 | FUZZ_CFG_SYNCOBJ | fds, "syncobj-vgem");
	session_syncobj(dir, 0 | FUZZ_CFG_SYNCOBJ | FUZZ_CFG_ROUNDS | fds, "syncobj-vkms-rounds");
	/* virtio-gpu: device shapes (scanouts, EDID, MSI-X vectors or INTx, timeout) vary by session. */
	session_virtgpu(dir, FUZZ_CFG_VIRTIO, 0, "virtgpu-ioctls");
	session_virtgpu(dir, FUZZ_CFG_VIRTIO | FUZZ_CFG_ROUNDS | fds, 1 | FUZZ_VIRTIO_EDID | 2 << FUZZ_VIRTIO_IRQ_SHIFT,
			"virtgpu-ioctls-edid-intx-rounds");
	session_virtio_modeset(dir, FUZZ_CFG_VIRTIO, FUZZ_VIRTIO_EDID, "virtio-modeset-faults");
	session_virtio_modeset(dir, FUZZ_CFG_VIRTIO | FUZZ_CFG_ROUNDS,
			       1 | 1 << FUZZ_VIRTIO_IRQ_SHIFT | FUZZ_VIRTIO_SHORT_TIMEOUT, "virtio-modeset-faults-1vec-rounds");
	virtio_shape = 3 | FUZZ_VIRTIO_EDID | 3 << FUZZ_VIRTIO_IRQ_SHIFT;
	session_kms(dir, FUZZ_CFG_VIRTIO, "kms-virtio-4scanouts");
	virtio_shape = 0;
	session_atomic(dir, FUZZ_CFG_VIRTIO | fds, "atomic-virtio", false);
	{
		static const enum vgm_answer_kind err[] = { VGM_ERROR }, silent[] = { VGM_SILENT },
						  edid_bad[] = { VGM_OK, VGM_SHORT, VGM_WRONG_TYPE };
		static const uint16_t p_err[] = { 0 }, p_silent[] = { 0 }, p_edid[] = { 0, 30, 2 };

		/* GET_DISPLAY_INFO refused; unanswered; then GET_EDID short and wrong-typed (modes from the size). */
		session_virtio_probe(dir, 0, 1, err, p_err, "virtio-probe-error");
		session_virtio_probe(dir, FUZZ_VIRTIO_SHORT_TIMEOUT, 1, silent, p_silent, "virtio-probe-timeout");
		session_virtio_probe(dir, 1 | FUZZ_VIRTIO_EDID, 3, edid_bad, p_edid, "virtio-probe-bad-edid");
	}
	return 0;
}
