/*
 * drm_edid.c - building an EDID base block and reading modes out of one.
 *
 * Sources: VESA Enhanced EDID (E-EDID) standard, release A rev. 2 (EDID 1.4),
 * section 3 (the 128-byte base block); VESA Display Monitor Timing (DMT)
 * standard 1.0 rev. 13 for the timings; and the kernel's drm_edid.c
 * (drm_add_edid_modes: detailed, established and standard timings, the first
 * detailed timing preferred).  Checked against edid-decode in the tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/drm_driver.h"

#define NHSYNC DRM_MODE_FLAG_NHSYNC
#define PHSYNC DRM_MODE_FLAG_PHSYNC
#define NVSYNC DRM_MODE_FLAG_NVSYNC
#define PVSYNC DRM_MODE_FLAG_PVSYNC

#define DMT(c, hd, hss, hse, ht, vd, vss, vse, vt, r, f)                                    \
	{ .clock = c, .hdisplay = hd, .hsync_start = hss, .hsync_end = hse, .htotal = ht,  \
	  .vdisplay = vd, .vsync_start = vss, .vsync_end = vse, .vtotal = vt, .vrefresh = r, \
	  .flags = f, .type = DRM_MODE_TYPE_DRIVER }

/* VESA DMT timings (clock in kHz), the subset our EDIDs and common monitors list. */
static const struct drm_mode_modeinfo dmt_modes[] = {
	DMT(25175, 640, 656, 752, 800, 480, 490, 492, 525, 60, NHSYNC | NVSYNC),
	DMT(28322, 720, 738, 846, 900, 400, 412, 414, 449, 70, NHSYNC | PVSYNC),
	DMT(36000, 800, 824, 896, 1024, 600, 601, 603, 625, 56, PHSYNC | PVSYNC),
	DMT(40000, 800, 840, 968, 1056, 600, 601, 605, 628, 60, PHSYNC | PVSYNC),
	DMT(65000, 1024, 1048, 1184, 1344, 768, 771, 777, 806, 60, NHSYNC | NVSYNC),
	DMT(108000, 1152, 1216, 1344, 1600, 864, 865, 868, 900, 75, PHSYNC | PVSYNC),
	DMT(74250, 1280, 1390, 1430, 1650, 720, 725, 730, 750, 60, PHSYNC | PVSYNC),
	DMT(83500, 1280, 1352, 1480, 1680, 800, 803, 809, 831, 60, NHSYNC | PVSYNC),
	DMT(108000, 1280, 1376, 1488, 1800, 960, 961, 964, 1000, 60, PHSYNC | PVSYNC),
	DMT(108000, 1280, 1328, 1440, 1688, 1024, 1025, 1028, 1066, 60, PHSYNC | PVSYNC),
	DMT(85500, 1366, 1436, 1579, 1792, 768, 771, 774, 798, 60, PHSYNC | PVSYNC),
	DMT(106500, 1440, 1520, 1672, 1904, 900, 903, 909, 934, 60, NHSYNC | PVSYNC),
	DMT(162000, 1600, 1664, 1856, 2160, 1200, 1201, 1204, 1250, 60, PHSYNC | PVSYNC),
	DMT(146250, 1680, 1784, 1960, 2240, 1050, 1053, 1059, 1089, 60, NHSYNC | PVSYNC),
	DMT(148500, 1920, 2008, 2052, 2200, 1080, 1084, 1089, 1125, 60, PHSYNC | PVSYNC),
};

#define N_DMT (sizeof(dmt_modes) / sizeof(dmt_modes[0]))

const struct drm_mode_modeinfo *drm_mode_dmt(uint32_t w, uint32_t h, uint32_t refresh)
{
	size_t i;

	for (i = 0; i < N_DMT; i++)
		if (dmt_modes[i].hdisplay == w && dmt_modes[i].vdisplay == h &&
		    dmt_modes[i].vrefresh == refresh)
			return &dmt_modes[i];
	return NULL;
}

/* Established timings I and II (EDID 1.4 table 3.18): byte 35 bit 7 first. */
static const struct { uint16_t w, h, r; } established[17] = {
	{ 720, 400, 70 }, { 720, 400, 88 }, { 640, 480, 60 }, { 640, 480, 67 },
	{ 640, 480, 72 }, { 640, 480, 75 }, { 800, 600, 56 }, { 800, 600, 60 },
	{ 800, 600, 72 }, { 800, 600, 75 }, { 832, 624, 75 }, { 1024, 768, 87 },
	{ 1024, 768, 60 }, { 1024, 768, 70 }, { 1024, 768, 75 }, { 1280, 1024, 75 },
	{ 1152, 870, 75 },
};

/* Standard timings written into our EDIDs: width and aspect code (00 16:10, 01 4:3, 10 5:4, 11 16:9). */
static const struct { uint16_t w; uint8_t aspect; } our_standard[8] = {
	{ 1280, 3 }, { 1280, 0 }, { 1280, 2 }, { 1440, 0 },
	{ 1600, 1 }, { 1680, 0 }, { 1920, 3 }, { 1280, 1 },
};

static void mode_set_name(struct drm_mode_modeinfo *m)
{
	snprintf(m->name, DRM_DISPLAY_MODE_LEN, "%ux%u%s", m->hdisplay, m->vdisplay,
		 (m->flags & DRM_MODE_FLAG_INTERLACE) ? "i" : "");
}

static void put_descriptor_text(uint8_t *d, uint8_t tag, const char *text)
{
	size_t n = strlen(text), i;

	memset(d, 0, 18);
	d[3] = tag;
	if (n > 13)
		n = 13;
	for (i = 0; i < 13; i++)
		d[5 + i] = i < n ? (uint8_t)text[i] : (i == n ? 0x0a : 0x20);
}

static void put_detailed_timing(uint8_t *d, const struct drm_mode_modeinfo *m, uint32_t wmm,
				uint32_t hmm)
{
	uint32_t hblank = m->htotal - m->hdisplay, vblank = m->vtotal - m->vdisplay;
	uint32_t hso = m->hsync_start - m->hdisplay, hspw = m->hsync_end - m->hsync_start;
	uint32_t vso = m->vsync_start - m->vdisplay, vspw = m->vsync_end - m->vsync_start;
	uint32_t clk = m->clock / 10;

	d[0] = clk & 0xff;
	d[1] = clk >> 8;
	d[2] = m->hdisplay & 0xff;
	d[3] = hblank & 0xff;
	d[4] = (uint8_t)(((m->hdisplay >> 8) << 4) | (hblank >> 8));
	d[5] = m->vdisplay & 0xff;
	d[6] = vblank & 0xff;
	d[7] = (uint8_t)(((m->vdisplay >> 8) << 4) | (vblank >> 8));
	d[8] = hso & 0xff;
	d[9] = hspw & 0xff;
	d[10] = (uint8_t)(((vso & 0xf) << 4) | (vspw & 0xf));
	d[11] = (uint8_t)(((hso >> 8) << 6) | ((hspw >> 8) << 4) | ((vso >> 4) << 2) | (vspw >> 4));
	d[12] = wmm & 0xff;
	d[13] = hmm & 0xff;
	d[14] = (uint8_t)(((wmm >> 8) << 4) | ((hmm >> 8) & 0xf));
	d[15] = 0;
	d[16] = 0;
	/* digital separate sync, polarities from the mode */
	d[17] = 0x18 | ((m->flags & DRM_MODE_FLAG_PVSYNC) ? 0x04 : 0) |
		((m->flags & DRM_MODE_FLAG_PHSYNC) ? 0x02 : 0);
}

int drm_edid_build(const struct drm_edid_params *p, uint8_t edid[128])
{
	static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	/* sRGB primaries and D65 white, 10-bit CIE xy (EDID 1.4 section 3.7). */
	static const uint16_t chroma[8] = { 655, 338, 307, 614, 154, 61, 320, 337 };
	const struct drm_mode_modeinfo *m = p->preferred;
	uint16_t mfg;
	unsigned int i;
	uint8_t sum = 0;

	if (!p->vendor || strlen(p->vendor) != 3 || !m || !m->clock)
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (p->vendor[i] < 'A' || p->vendor[i] > 'Z')
			return -EINVAL;
	if (m->clock / 10 > 0xffff || m->hdisplay > 4095 || m->vdisplay > 4095)
		return -EINVAL;

	memset(edid, 0, 128);
	memcpy(edid, header, 8);
	mfg = (uint16_t)(((p->vendor[0] - 'A' + 1) << 10) | ((p->vendor[1] - 'A' + 1) << 5) |
			 (p->vendor[2] - 'A' + 1));
	edid[8] = mfg >> 8;
	edid[9] = mfg & 0xff;
	edid[10] = p->product & 0xff;
	edid[11] = p->product >> 8;
	for (i = 0; i < 4; i++)
		edid[12 + i] = (p->serial >> (8 * i)) & 0xff;
	edid[16] = 1;            /* week of manufacture */
	edid[17] = 2026 - 1990;  /* year of manufacture */
	edid[18] = 1;            /* EDID 1.4 */
	edid[19] = 4;
	edid[20] = 0xa0;         /* digital input, 8 bits per colour, interface not defined */
	edid[21] = (uint8_t)((p->width_mm + 5) / 10);
	edid[22] = (uint8_t)((p->height_mm + 5) / 10);
	edid[23] = 120;          /* gamma 2.20 */
	edid[24] = 0x06;         /* RGB 4:4:4, sRGB default, preferred timing is native */
	edid[25] = (uint8_t)(((chroma[0] & 3) << 6) | ((chroma[1] & 3) << 4) | ((chroma[2] & 3) << 2) |
			     (chroma[3] & 3));
	edid[26] = (uint8_t)(((chroma[4] & 3) << 6) | ((chroma[5] & 3) << 4) | ((chroma[6] & 3) << 2) |
			     (chroma[7] & 3));
	for (i = 0; i < 8; i++)
		edid[27 + i] = (uint8_t)(chroma[i] >> 2);
	/* established: 640x480@60 (35.5), 800x600@60 (35.0), 1024x768@60 (36.3) */
	edid[35] = 0x21;
	edid[36] = 0x08;
	edid[37] = 0x00;
	for (i = 0; i < 8; i++) {
		edid[38 + 2 * i] = (uint8_t)(our_standard[i].w / 8 - 31);
		edid[39 + 2 * i] = (uint8_t)(our_standard[i].aspect << 6); /* 60 Hz */
	}
	put_detailed_timing(&edid[54], m, p->width_mm, p->height_mm);
	/* display range limits: 56-76 Hz, 30-83 kHz, 170 MHz, no timing formula */
	memset(&edid[72], 0, 18);
	edid[72 + 3] = 0xfd;
	edid[72 + 5] = 56;
	edid[72 + 6] = 76;
	edid[72 + 7] = 30;
	edid[72 + 8] = 83;
	edid[72 + 9] = 17;
	edid[72 + 10] = 0x01;
	edid[72 + 11] = 0x0a;
	for (i = 12; i < 18; i++)
		edid[72 + i] = 0x20;
	put_descriptor_text(&edid[90], 0xfc, p->monitor_name ? p->monitor_name : "cuse-drm");
	{
		char serial[14];

		snprintf(serial, sizeof(serial), "%u", (unsigned int)p->serial);
		put_descriptor_text(&edid[108], 0xff, serial);
	}
	edid[126] = 0; /* no extensions */
	for (i = 0; i < 127; i++)
		sum = (uint8_t)(sum + edid[i]);
	edid[127] = (uint8_t)(0x100 - sum);
	return 0;
}

/* Mode from an 18-byte detailed timing descriptor; false for a display descriptor. */
static bool parse_detailed_timing(const uint8_t *d, struct drm_mode_modeinfo *m)
{
	uint32_t clk = d[0] | (uint32_t)d[1] << 8;
	uint32_t ha, hb, va, vb, hso, hspw, vso, vspw;

	if (!clk)
		return false;
	ha = d[2] | (uint32_t)(d[4] >> 4) << 8;
	hb = d[3] | (uint32_t)(d[4] & 0xf) << 8;
	va = d[5] | (uint32_t)(d[7] >> 4) << 8;
	vb = d[6] | (uint32_t)(d[7] & 0xf) << 8;
	hso = d[8] | (uint32_t)(d[11] >> 6) << 8;
	hspw = d[9] | (uint32_t)((d[11] >> 4) & 3) << 8;
	vso = (d[10] >> 4) | (uint32_t)((d[11] >> 2) & 3) << 4;
	vspw = (d[10] & 0xf) | (uint32_t)(d[11] & 3) << 4;
	if (!ha || !va || !hb || !vb)
		return false;
	memset(m, 0, sizeof(*m));
	m->clock = clk * 10;
	m->hdisplay = (uint16_t)ha;
	m->hsync_start = (uint16_t)(ha + hso);
	m->hsync_end = (uint16_t)(ha + hso + hspw);
	m->htotal = (uint16_t)(ha + hb);
	m->vdisplay = (uint16_t)va;
	m->vsync_start = (uint16_t)(va + vso);
	m->vsync_end = (uint16_t)(va + vso + vspw);
	m->vtotal = (uint16_t)(va + vb);
	if (m->hsync_end > m->htotal || m->vsync_end > m->vtotal)
		return false;
	if ((d[17] & 0x18) == 0x18) {
		m->flags |= (d[17] & 0x04) ? PVSYNC : NVSYNC;
		m->flags |= (d[17] & 0x02) ? PHSYNC : NHSYNC;
	}
	if (d[17] & 0x80)
		m->flags |= DRM_MODE_FLAG_INTERLACE;
	m->vrefresh = (uint32_t)(((uint64_t)m->clock * 1000 + (uint64_t)m->htotal * m->vtotal / 2) /
				 ((uint64_t)m->htotal * m->vtotal));
	m->type = DRM_MODE_TYPE_DRIVER;
	return true;
}

static bool same_timing(const struct drm_mode_modeinfo *a, const struct drm_mode_modeinfo *b)
{
	return a->clock == b->clock && a->hdisplay == b->hdisplay && a->hsync_start == b->hsync_start &&
	       a->hsync_end == b->hsync_end && a->htotal == b->htotal && a->vdisplay == b->vdisplay &&
	       a->vsync_start == b->vsync_start && a->vsync_end == b->vsync_end &&
	       a->vtotal == b->vtotal && (a->flags & ~DRM_MODE_FLAG_PIC_AR_MASK) ==
	       (b->flags & ~DRM_MODE_FLAG_PIC_AR_MASK);
}

static void add_mode(struct drm_mode_modeinfo *modes, unsigned int max, unsigned int *n,
		     const struct drm_mode_modeinfo *m)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (same_timing(&modes[i], m))
			return;
	if (*n < max) {
		modes[*n] = *m;
		mode_set_name(&modes[*n]);
		(*n)++;
	}
}

/* drm_mode_sort() order: preferred first, then bigger, then faster refresh, then clock. */
static int mode_cmp(const struct drm_mode_modeinfo *a, const struct drm_mode_modeinfo *b)
{
	int ap = !!(a->type & DRM_MODE_TYPE_PREFERRED), bp = !!(b->type & DRM_MODE_TYPE_PREFERRED);
	long aa = (long)a->hdisplay * a->vdisplay, ba = (long)b->hdisplay * b->vdisplay;

	if (ap != bp)
		return bp - ap;
	if (aa != ba)
		return ba > aa ? 1 : -1;
	if (a->vrefresh != b->vrefresh)
		return b->vrefresh > a->vrefresh ? 1 : -1;
	if (a->clock != b->clock)
		return b->clock > a->clock ? 1 : -1;
	return 0;
}

int drm_edid_parse_modes(const uint8_t *edid, size_t len, struct drm_mode_modeinfo *modes,
			 unsigned int max, uint32_t *width_mm, uint32_t *height_mm)
{
	static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	unsigned int n = 0, i, j;
	uint8_t sum = 0;

	if (!edid || len < 128 || len % 128 || memcmp(edid, header, 8) != 0)
		return -EINVAL;
	for (i = 0; i < 128; i++)
		sum = (uint8_t)(sum + edid[i]);
	if (sum)
		return -EINVAL;
	*width_mm = edid[21] * 10u;
	*height_mm = edid[22] * 10u;

	for (i = 0; i < 4; i++) {
		struct drm_mode_modeinfo m;

		if (!parse_detailed_timing(&edid[54 + 18 * i], &m))
			continue;
		if (i == 0) {
			m.type |= DRM_MODE_TYPE_PREFERRED;
			*width_mm = edid[54 + 12] | (uint32_t)(edid[54 + 14] >> 4) << 8;
			*height_mm = edid[54 + 13] | (uint32_t)(edid[54 + 14] & 0xf) << 8;
		}
		add_mode(modes, max, &n, &m);
	}
	for (i = 0; i < 17; i++) {
		unsigned int byte = 35 + i / 8, bit = 7 - i % 8;
		const struct drm_mode_modeinfo *m;

		if (!(edid[byte] & (1u << bit)))
			continue;
		m = drm_mode_dmt(established[i].w, established[i].h, established[i].r);
		if (m)
			add_mode(modes, max, &n, m);
	}
	for (i = 0; i < 8; i++) {
		uint8_t b1 = edid[38 + 2 * i], b2 = edid[39 + 2 * i];
		uint32_t w, h, r;
		const struct drm_mode_modeinfo *m;

		if ((b1 == 0x01 && b2 == 0x01) || b1 == 0x00)
			continue;
		w = (b1 + 31u) * 8;
		switch (b2 >> 6) {
		case 0:
			h = edid[18] == 1 && edid[19] < 3 ? w : w * 10 / 16;
			break;
		case 1:
			h = w * 3 / 4;
			break;
		case 2:
			h = w * 4 / 5;
			break;
		default:
			h = w * 9 / 16;
			break;
		}
		r = (b2 & 0x3f) + 60u;
		m = drm_mode_dmt(w, h, r);
		if (!m && w == 1360 && h == 765)
			m = drm_mode_dmt(1366, 768, r);
		if (m)
			add_mode(modes, max, &n, m);
	}
	/* insertion sort: few modes */
	for (i = 1; i < n; i++) {
		struct drm_mode_modeinfo t = modes[i];

		for (j = i; j > 0 && mode_cmp(&modes[j - 1], &t) > 0; j--)
			modes[j] = modes[j - 1];
		modes[j] = t;
	}
	return (int)n;
}
