#include "agent/frame.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IP_OFF MP_ETH_HLEN
#define UDP_OFF (MP_ETH_HLEN + 20)

static uint32_t sum16(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t mp_frame_csum(const void *buf, size_t len, uint32_t sum)
{
	return fold(sum16(buf, len, sum));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int mp_frame_build(struct mp_frame_tmpl *f, const struct mp_traffic *t,
		   const uint8_t src_mac[MP_MAC_LEN])
{
	size_t len = t->frame_size, udp_len;
	uint8_t *b, pseudo[12];
	uint16_t c;

	memset(f, 0, sizeof(*f));
	if (len < MP_FRAME_MIN || len > MP_FRAME_MAX)
		return -EINVAL;
	b = calloc(1, len);
	if (!b)
		return -ENOMEM;
	memcpy(b, t->dst_mac, MP_MAC_LEN);
	memcpy(b + MP_MAC_LEN, src_mac, MP_MAC_LEN);
	put16(b + 12, 0x0800);
	/* IPv4: no options, DF, TTL 64, UDP */
	b[IP_OFF] = 0x45;
	put16(b + IP_OFF + 2, (uint16_t)(len - MP_ETH_HLEN));
	put16(b + IP_OFF + 6, 0x4000);
	b[IP_OFF + 8] = 64;
	b[IP_OFF + 9] = 17;
	memcpy(b + IP_OFF + 12, &t->src_ip, 4);
	memcpy(b + IP_OFF + 16, &t->dst_ip, 4);
	put16(b + IP_OFF + 10, mp_frame_csum(b + IP_OFF, 20, 0));
	udp_len = len - UDP_OFF;
	put16(b + UDP_OFF, t->src_port);
	put16(b + UDP_OFF + 2, t->dst_port);
	put16(b + UDP_OFF + 4, (uint16_t)udp_len);
	{
		uint32_t magic = htonl(MP_FRAME_MAGIC);

		memcpy(b + MP_FRAME_HDRS, &magic, 4);
		put16(b + MP_FRAME_TAG_OFF, t->tag);
	}
	memcpy(pseudo, &t->src_ip, 4);
	memcpy(pseudo + 4, &t->dst_ip, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	put16(pseudo + 10, (uint16_t)udp_len);
	c = mp_frame_csum(b + UDP_OFF, udp_len, sum16(pseudo, sizeof(pseudo), 0));
	f->udp_csum = c ? c : 0xffff;      /* 0 means "no checksum" in UDP */
	put16(b + MP_FRAME_UDP_CSUM_OFF, f->udp_csum);
	f->buf = b;
	f->len = len;
	return 0;
}

void mp_frame_free(struct mp_frame_tmpl *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

void mp_frame_stamp(const struct mp_frame_tmpl *f, uint8_t *dst, uint64_t seq, uint64_t ts_ns)
{
	uint8_t v[12];
	uint32_t sum;

	memcpy(dst, f->buf, f->len);
	for (int i = 0; i < 4; i++)
		v[i] = (uint8_t)(seq >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		v[4 + i] = (uint8_t)(ts_ns >> (56 - 8 * i));
	memcpy(dst + MP_FRAME_SEQ_OFF, v, sizeof(v));
	/* RFC 1624: HC' = ~(~HC + m') where the template's words were zero
	 * (the sequence starts on an even offset: whole 16-bit words). */
	sum = (uint16_t)~f->udp_csum;
	sum = sum16(v, sizeof(v), sum);
	{
		uint16_t c = fold(sum);

		put16(dst + MP_FRAME_UDP_CSUM_OFF, c ? c : 0xffff);
	}
}
