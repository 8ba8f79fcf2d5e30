/*
 * uevent.c - the DRM hotplug uevent, sent to libudev monitors.
 *
 * The kernel announces a hotplug with a "change" uevent on the card's
 * minor carrying HOTPLUG=1 (drm_sysfs_hotplug_event()), plus CONNECTOR=<id>
 * when one connector changed (drm_sysfs_connector_hotplug_event()); udevd
 * runs its rules and relays the event to libudev monitors on netlink group
 * 2 (the "udev" source), which is where compositors (mutter through GUdev,
 * wlroots, weston) listen.  A CUSE device sits in class "cuse", so the
 * kernel sends nothing of the kind for our nodes.  The daemon, which is
 * root, sends that relayed message itself, in udevd's wire format:
 * systemd's monitor_netlink_header (src/libsystemd/sd-device/
 * device-monitor.c: "libudev" prefix, magic 0xfeedcafe big-endian, the
 * subsystem and devtype MurmurHash2 values the monitors' socket filters
 * compare, a bloom filter of the tags), then the properties as NUL-
 * separated KEY=VALUE strings.  libudev accepts it from any sender with
 * uid 0 on that group.
 *
 * Properties, as udevd relays a card's change event: ACTION=change,
 * DEVPATH (the CUSE class device, /devices/virtual/cuse/dri!cardN, which
 * really exists), SUBSYSTEM=drm, DEVNAME=/dev/dri/cardN, DEVTYPE=drm_minor,
 * MAJOR, MINOR, SEQNUM (the daemon's own count, from 1), HOTPLUG=1,
 * CONNECTOR, and the tags Debian's udev rules give a card (71-seat.rules:
 * seat, master-of-seat; 70-uaccess.rules: uaccess).
 */
#include "cuse_drm.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "platform.h"

/** The udev monitor group on NETLINK_KOBJECT_UEVENT (systemd's MONITOR_GROUP_UDEV). */
#define CD_UDEV_MONITOR_GROUP 2u
/** systemd's UDEV_MONITOR_MAGIC, sent big-endian. */
#define CD_UDEV_MONITOR_MAGIC 0xfeedcafeu

/** systemd's monitor_netlink_header (device-monitor.c), the wire header of a relayed uevent. */
struct cd_udev_netlink_header {
	char prefix[8];                 /* "libudev" */
	uint32_t magic;                 /* big-endian CD_UDEV_MONITOR_MAGIC */
	uint32_t header_size;           /* sizeof(struct cd_udev_netlink_header) */
	uint32_t properties_off;        /* bytes from the message start */
	uint32_t properties_len;
	uint32_t filter_subsystem_hash; /* big-endian MurmurHash2(SUBSYSTEM, seed 0) */
	uint32_t filter_devtype_hash;   /* big-endian MurmurHash2(DEVTYPE, seed 0) */
	uint32_t filter_tag_bloom_hi;   /* big-endian halves of the tags' 64-bit bloom filter */
	uint32_t filter_tag_bloom_lo;
};

/*
 * MurmurHash2 (Austin Appleby's 32-bit version, seed 0), which udev uses for
 * its filter fields: each 4-byte block read little-endian, as systemd reads
 * it on x86.
 */
static uint32_t murmur_hash2(const char *key)
{
	const uint32_t m = 0x5bd1e995u;
	const unsigned char *p = (const unsigned char *)key;
	size_t len = strlen(key);
	uint32_t h = (uint32_t)len;

	for (; len >= 4; p += 4, len -= 4) {
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t)p[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)p[1] << 8;
		/* fall through */
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

/* udev's string_bloom64(): four 6-bit slices of the hash select four bits. */
static uint64_t tag_bloom(const char *tag)
{
	uint32_t h = murmur_hash2(tag);

	return 1ull << (h & 63) | 1ull << ((h >> 6) & 63) | 1ull << ((h >> 12) & 63) | 1ull << ((h >> 18) & 63);
}

/* Append "KEY=VALUE\0" to @buf at *@len; false when it does not fit. */
static bool prop_add(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool prop_add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += (size_t)n + 1;
	return true;
}

void cd_uevent_hotplug(void *ctx, uint32_t connector_id)
{
	static atomic_ulong seqnum;
	static const char *const tags[] = { "seat", "master-of-seat", "uaccess" };
	struct cd_daemon *d = ctx;
	const struct cd_node *card = &d->nodes[0];
	struct cd_udev_netlink_header h = { .prefix = "libudev" };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_groups = CD_UDEV_MONITOR_GROUP };
	char props[1024];
	size_t len = 0;
	uint64_t bloom = 0;
	bool ok;
	int s;

	ok = prop_add(props, sizeof(props), &len, "ACTION=change") &&
	     prop_add(props, sizeof(props), &len, "DEVPATH=/devices/virtual/cuse/dri!%s", card->name) &&
	     prop_add(props, sizeof(props), &len, "SUBSYSTEM=drm") &&
	     prop_add(props, sizeof(props), &len, "HOTPLUG=1") &&
	     (connector_id == 0 || prop_add(props, sizeof(props), &len, "CONNECTOR=%u", connector_id)) &&
	     prop_add(props, sizeof(props), &len, "DEVNAME=/dev/dri/%s", card->name) &&
	     prop_add(props, sizeof(props), &len, "DEVTYPE=drm_minor") &&
	     prop_add(props, sizeof(props), &len, "SEQNUM=%lu", atomic_fetch_add(&seqnum, 1) + 1) &&
	     prop_add(props, sizeof(props), &len, "MAJOR=%u", major(card->rdev)) &&
	     prop_add(props, sizeof(props), &len, "MINOR=%u", minor(card->rdev)) &&
	     prop_add(props, sizeof(props), &len, "TAGS=:seat:master-of-seat:uaccess:") &&
	     prop_add(props, sizeof(props), &len, "CURRENT_TAGS=:seat:master-of-seat:uaccess:");
	if (!ok)
		return;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		bloom |= tag_bloom(tags[i]);
	h.magic = htobe32(CD_UDEV_MONITOR_MAGIC);
	h.header_size = sizeof(h);
	h.properties_off = sizeof(h);
	h.properties_len = (uint32_t)len;
	h.filter_subsystem_hash = htobe32(murmur_hash2("drm"));
	h.filter_devtype_hash = htobe32(murmur_hash2("drm_minor"));
	h.filter_tag_bloom_hi = htobe32((uint32_t)(bloom >> 32));
	h.filter_tag_bloom_lo = htobe32((uint32_t)bloom);

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (s < 0) {
		drm_warn("hotplug uevent: no netlink socket: %s", strerror(errno));
		return;
	}
	struct iovec iov[2] = { { &h, sizeof(h) }, { props, len } };
	struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = iov, .msg_iovlen = 2 };

	/* ECONNREFUSED: nobody listens, as udevd's own send may find. */
	if (sendmsg(s, &msg, 0) < 0 && errno != ECONNREFUSED)
		drm_warn("hotplug uevent for %s not sent: %s", card->name, strerror(errno));
	else
		drm_info("hotplug uevent for %s (connector %u) sent to udev monitors", card->name, connector_id);
	close(s);
}
