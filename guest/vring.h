/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-zc: a virtio-blk split virtqueue (virtio 1.2, 2.7) in guest memory and the driver
 * side of it, shared by the guest payload and the host's unit test (which drives the same
 * driver code against a buffer standing in for guest memory). Header only, freestanding.
 *
 * The data area, from its first byte:
 *   0       the descriptor table, GMB_VBLK_QUEUE entries of 16 bytes
 *   8 KiB   the available ring (flags, idx, ring[GMB_VBLK_QUEUE], used_event)
 *   16 KiB  the used ring (flags, idx, ring[GMB_VBLK_QUEUE] of {id, len}, avail_event)
 *   24 KiB  the request headers (type, reserved, sector), one per request slot
 *   28 KiB  the status bytes, one per slot
 *   32 KiB  the guest's latencies (GMB_VBLK_LATENCY_BYTES)
 *   1 MiB   the data buffers, qd of bs bytes, then (bounce-guest) the bounce pool, as many
 *
 * Slot i always uses descriptors 3i (header), 3i+1 (data) and 3i+2 (status), chained with
 * NEXT; the available ring carries 3i. A request of slot i only reads or writes blocks
 * b with b % qd == i, so two requests in flight never touch the same block.
 *
 * Integrity: block b written with seed s holds in its first 32 bytes {magic, b, s, sum} and
 * in the first 8 bytes of each further 512-byte sector k the word gmb_vblk_word(b, s, k); sum
 * folds b, s and every one of those words as they are in the block. A read checks the magic,
 * the address and the sum of what it got. Bytes between the tagged words are not covered.
 */
#ifndef GMB_GUEST_VRING_H
#define GMB_GUEST_VRING_H

#include <stdint.h>

#define GMB_VBLK_QUEUE	       512 /* a power of two; 3 descriptors for each of 128 slots */
#define GMB_VBLK_MAX_QD	       128
#define GMB_VBLK_DESC_OFF      0x0000ULL
#define GMB_VBLK_AVAIL_OFF     0x2000ULL
#define GMB_VBLK_USED_OFF      0x4000ULL
#define GMB_VBLK_HDR_OFF       0x6000ULL
#define GMB_VBLK_STATUS_OFF    0x7000ULL
#define GMB_VBLK_LATENCY_OFF   0x8000ULL
#define GMB_VBLK_LATENCY_BYTES 0x40000ULL
#define GMB_VBLK_BUFFERS_OFF   0x100000ULL
#define GMB_VBLK_MAGIC	       0x4b4c42565a424d47ULL /* "GMBZVBLK" */
#define GMB_VBLK_SECTOR	       512
#define GMB_VBLK_ERR_STATUS    1 /* the device answered a status other than OK */
#define GMB_VBLK_ERR_INTEGRITY 2 /* a block read back is not what was written */
#define GMB_VBLK_ERR_LENGTH    3 /* the used length is not the data plus the status */

/* virtio 1.2, 2.7.5 and 5.2.6 */
#define GMB_VRING_DESC_F_NEXT	1
#define GMB_VRING_DESC_F_WRITE	2
#define GMB_VIRTIO_BLK_T_IN	0
#define GMB_VIRTIO_BLK_T_OUT	1
#define GMB_VIRTIO_BLK_S_OK	0
#define GMB_VIRTIO_BLK_S_IOERR	1
#define GMB_VIRTIO_BLK_S_UNSUPP 2

struct gmb_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct gmb_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[GMB_VBLK_QUEUE];
	uint16_t used_event;
};

struct gmb_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct gmb_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct gmb_vring_used_elem ring[GMB_VBLK_QUEUE];
	uint16_t avail_event;
};

struct gmb_vblk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/*
 * The payload's parameter: log2 of the block size (bits 0-7), queue depth (8-15), direction
 * (16-17), how the guest handles buffers (18-19), GMB_VBLK_NO_DATA (20), blocks in the target
 * (32-63).
 */
#define GMB_VBLK_READ	      0
#define GMB_VBLK_WRITE	      1
#define GMB_VBLK_MIXED	      2
#define GMB_VBLK_GUEST_DIRECT 0 /* the device reaches the buffer where it is */
#define GMB_VBLK_GUEST_BOUNCE 1 /* the guest copies through its bounce pool */
#define GMB_VBLK_GUEST_SHARE  2 /* the guest shares each buffer around its I/O */
/*
 * The target keeps no data (null_blk with memory_backed=0): a read brings back whatever the
 * buffer held, so reads are not checked (their status and length still are).
 */
#define GMB_VBLK_NO_DATA (1ULL << 20)

static inline uint64_t gmb_vblk_param(uint64_t bs_shift, uint64_t qd, uint64_t rw,
				      uint64_t guest_mode, uint64_t nr_blocks)
{
	return bs_shift | qd << 8 | rw << 16 | guest_mode << 18 | nr_blocks << 32;
}

/* Bytes of data area a configuration needs. */
static inline uint64_t gmb_vblk_area_bytes(uint64_t bs, uint64_t qd, uint64_t guest_mode)
{
	return GMB_VBLK_BUFFERS_OFF + bs * qd * (guest_mode == GMB_VBLK_GUEST_BOUNCE ? 2 : 1);
}

static inline uint64_t gmb_vblk_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static inline uint64_t gmb_vblk_word(uint64_t block, uint64_t seed, uint64_t sector)
{
	return gmb_vblk_mix(block * 0x9e3779b97f4a7c15ULL ^ seed << 20 ^ sector);
}

/* The sum over a block as it is: its address, its seed and every tagged word. */
static inline uint64_t gmb_vblk_sum(const uint8_t *data, uint64_t bs, uint64_t block, uint64_t seed)
{
	uint64_t sum = gmb_vblk_mix(block ^ seed << 1);

	for (uint64_t k = 1; k < bs / GMB_VBLK_SECTOR; k++)
		sum = gmb_vblk_mix(sum ^ *(const volatile uint64_t *)(data + k * GMB_VBLK_SECTOR));
	return sum;
}

static inline void gmb_vblk_fill(uint8_t *data, uint64_t bs, uint64_t block, uint64_t seed)
{
	volatile uint64_t *head = (volatile uint64_t *)data;

	for (uint64_t k = 1; k < bs / GMB_VBLK_SECTOR; k++)
		*(volatile uint64_t *)(data + k * GMB_VBLK_SECTOR) = gmb_vblk_word(block, seed, k);
	head[0] = GMB_VBLK_MAGIC;
	head[1] = block;
	head[2] = seed;
	head[3] = gmb_vblk_sum(data, bs, block, seed);
}

/* 0 when the block holds a whole write of block `block`. */
static inline int gmb_vblk_check(const uint8_t *data, uint64_t bs, uint64_t block)
{
	const volatile uint64_t *head = (const volatile uint64_t *)data;

	if (head[0] != GMB_VBLK_MAGIC || head[1] != block)
		return -1;
	return head[3] == gmb_vblk_sum(data, bs, block, head[2]) ? 0 : -1;
}

/* The driver: one queue, qd request slots, each with its own buffer. */
struct gmb_vblk_driver {
	uint8_t *area;	   /* the data area as the driver reaches it */
	uint64_t area_gpa; /* ...and as the device is told (descriptor addresses) */
	uint64_t bs, qd, rw, guest_mode, nr_blocks;
	uint64_t no_data;    /* GMB_VBLK_NO_DATA: reads are not checked */
	uint64_t block_base; /* the queue's first block: each queue has its own blocks */
	uint16_t avail_idx, used_seen;
	uint64_t rng, seed;
	uint64_t copied; /* bytes the guest copied through its bounce pool */
	uint64_t block[GMB_VBLK_MAX_QD];
	uint8_t write[GMB_VBLK_MAX_QD];
};

static inline struct gmb_vring_desc *gmb_vblk_desc(struct gmb_vblk_driver *d)
{
	return (struct gmb_vring_desc *)(d->area + GMB_VBLK_DESC_OFF);
}

static inline struct gmb_vring_avail *gmb_vblk_avail(struct gmb_vblk_driver *d)
{
	return (struct gmb_vring_avail *)(d->area + GMB_VBLK_AVAIL_OFF);
}

static inline struct gmb_vring_used *gmb_vblk_used(struct gmb_vblk_driver *d)
{
	return (struct gmb_vring_used *)(d->area + GMB_VBLK_USED_OFF);
}

/* The slot's buffer, and where the device moves its data (the pool slot when bouncing). */
static inline uint64_t gmb_vblk_buf_off(const struct gmb_vblk_driver *d, uint64_t slot)
{
	return GMB_VBLK_BUFFERS_OFF + slot * d->bs;
}

static inline uint64_t gmb_vblk_io_off(const struct gmb_vblk_driver *d, uint64_t slot)
{
	return gmb_vblk_buf_off(d, slot) +
	       (d->guest_mode == GMB_VBLK_GUEST_BOUNCE ? d->qd * d->bs : 0);
}

static inline void gmb_vblk_copy(uint8_t *dst, const uint8_t *src, uint64_t bytes)
{
	for (uint64_t i = 0; i < bytes; i += 8)
		*(uint64_t *)(dst + i) = *(const uint64_t *)(src + i);
}

/* Sets up the rings and each slot's chain; the device must not run yet. */
static inline void gmb_vblk_init(struct gmb_vblk_driver *d, uint64_t rng)
{
	struct gmb_vring_desc *desc = gmb_vblk_desc(d);

	d->avail_idx = d->used_seen = 0;
	d->rng = rng | 1;
	for (uint64_t i = GMB_VBLK_AVAIL_OFF; i < GMB_VBLK_USED_OFF + sizeof(struct gmb_vring_used);
	     i++)
		d->area[i] = 0;
	for (uint64_t s = 0; s < d->qd; s++) {
		desc[3 * s] = (struct gmb_vring_desc){ d->area_gpa + GMB_VBLK_HDR_OFF + s * 16, 16,
						       GMB_VRING_DESC_F_NEXT, 3 * s + 1 };
		desc[3 * s + 1] = (struct gmb_vring_desc){ d->area_gpa + gmb_vblk_io_off(d, s),
							   d->bs, GMB_VRING_DESC_F_NEXT,
							   3 * s + 2 };
		desc[3 * s + 2] = (struct gmb_vring_desc){ d->area_gpa + GMB_VBLK_STATUS_OFF + s, 1,
							   GMB_VRING_DESC_F_WRITE, 0 };
	}
}

static inline uint64_t gmb_vblk_random(struct gmb_vblk_driver *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return d->rng;
}

/*
 * Prepares slot's next request (a random block of the slot's own, read or write) and puts
 * it in the available ring; gmb_vblk_publish() makes it visible. The caller shares the
 * buffer first when it must.
 */
static inline void gmb_vblk_post(struct gmb_vblk_driver *d, uint64_t slot)
{
	struct gmb_vblk_req_hdr *hdr =
		(struct gmb_vblk_req_hdr *)(d->area + GMB_VBLK_HDR_OFF + slot * 16);
	struct gmb_vring_desc *data = &gmb_vblk_desc(d)[3 * slot + 1];
	uint64_t r = gmb_vblk_random(d), block;
	int write = d->rw == GMB_VBLK_WRITE || (d->rw == GMB_VBLK_MIXED && (r >> 63));

	block = d->block_base + slot + d->qd * ((r >> 8) % (d->nr_blocks / d->qd));
	d->block[slot] = block;
	d->write[slot] = (uint8_t)write;
	if (write) {
		gmb_vblk_fill(d->area + gmb_vblk_buf_off(d, slot), d->bs, block, ++d->seed);
		if (d->guest_mode == GMB_VBLK_GUEST_BOUNCE) {
			gmb_vblk_copy(d->area + gmb_vblk_io_off(d, slot),
				      d->area + gmb_vblk_buf_off(d, slot), d->bs);
			d->copied += d->bs;
		}
	}
	hdr->type = write ? GMB_VIRTIO_BLK_T_OUT : GMB_VIRTIO_BLK_T_IN;
	hdr->sector = block * (d->bs / GMB_VBLK_SECTOR);
	data->flags = GMB_VRING_DESC_F_NEXT | (write ? 0 : GMB_VRING_DESC_F_WRITE);
	d->area[GMB_VBLK_STATUS_OFF + slot] = 0xff;
	gmb_vblk_avail(d)->ring[d->avail_idx++ % GMB_VBLK_QUEUE] = (uint16_t)(3 * slot);
}

static inline void gmb_vblk_publish(struct gmb_vblk_driver *d)
{
	__atomic_store_n(&gmb_vblk_avail(d)->idx, d->avail_idx, __ATOMIC_RELEASE);
}

/* The next completed request's slot, or -1 when the used ring has nothing new. */
static inline int64_t gmb_vblk_next_used(struct gmb_vblk_driver *d, uint32_t *len)
{
	struct gmb_vring_used *used = gmb_vblk_used(d);
	struct gmb_vring_used_elem e;

	if (__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == d->used_seen)
		return -1;
	e = used->ring[d->used_seen++ % GMB_VBLK_QUEUE];
	*len = e.len;
	return e.id / 3;
}

/* Checks slot's completed request: its status, and what a read brought. 0 or GMB_VBLK_ERR_*. */
static inline int gmb_vblk_complete(struct gmb_vblk_driver *d, uint64_t slot, uint32_t len)
{
	uint8_t *buf = d->area + gmb_vblk_buf_off(d, slot);

	if (d->area[GMB_VBLK_STATUS_OFF + slot] != GMB_VIRTIO_BLK_S_OK)
		return GMB_VBLK_ERR_STATUS;
	if (d->write[slot])
		return len == 1 ? 0 : GMB_VBLK_ERR_LENGTH;
	if (len != d->bs + 1)
		return GMB_VBLK_ERR_LENGTH;
	if (d->guest_mode == GMB_VBLK_GUEST_BOUNCE) {
		gmb_vblk_copy(buf, d->area + gmb_vblk_io_off(d, slot), d->bs);
		d->copied += d->bs;
	}
	if (d->no_data)
		return 0;
	return gmb_vblk_check(buf, d->bs, d->block[slot]) ? GMB_VBLK_ERR_INTEGRITY : 0;
}

#endif /* GMB_GUEST_VRING_H */
