// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-zc: the guest's virtio-blk driver (guest/vring.h) keeping qd requests in flight on
 * its own queue, one queue per vCPU.
 *
 * Per sample: SYNC asks the host for a request count (0 ends the run); the first qd requests
 * are posted and one kick ("outl" to the queue's port, an ioeventfd: the exit stays in the
 * kernel) tells the device; then the driver polls the used ring (no interrupt), checks each
 * completion (its status, and for a read the block's address and sum, unless the target keeps
 * no data: GMB_VBLK_NO_DATA), posts the slot's next request, and kicks once per batch of
 * reposts. RESULT reports cycles, requests and the latency percentiles; the next SYNC
 * carries the bytes the guest copied (bounce-guest).
 *
 * A request's latency is guest-timed from the batch that posted it to the batch that saw it
 * complete: one rdtsc per batch, none per request. A failed check is an ASSERT whose values
 * are the GMB_VBLK_ERR_* code and the block's number.
 *
 * share-per-io: before posting a request the guest asks the host to share its buffer, and
 * after completing it to take it back (GMB_UCALL_CONVERT, a2 = 1 or 0): two exits to the VMM
 * per request. The buffer is filled after it is shared, since sharing may not keep contents.
 */
#include "latency.h"
#include "vring.h"

/* Each vCPU's own, on its stack: every vCPU runs the same image, whose statics they share. */
struct queue {
	struct gmb_vblk_driver drv;
	uint64_t stamp[GMB_VBLK_MAX_QD];
	uint16_t port;
};

static inline void kick(struct queue *q)
{
	gmb_vblk_publish(&q->drv);
	__asm__ volatile("outl %%eax, %%dx" : : "a"(0), "d"(q->port) : "memory");
}

static inline void post(struct queue *q, uint64_t slot, uint64_t now)
{
	struct gmb_vblk_driver *d = &q->drv;

	if (d->guest_mode == GMB_VBLK_GUEST_SHARE)
		ucall(GMB_UCALL_CONVERT, d->area_gpa + gmb_vblk_buf_off(d, slot), d->bs, 1, 0, 0);
	gmb_vblk_post(d, slot);
	q->stamp[slot] = now;
}

static inline void complete(struct queue *q, uint64_t slot, uint32_t len)
{
	struct gmb_vblk_driver *d = &q->drv;
	int err = gmb_vblk_complete(d, slot, len);

	if (err)
		__guest_assert_fail(__FILE_NAME__, __LINE__, (uint64_t)err, d->block[slot]);
	if (d->guest_mode == GMB_VBLK_GUEST_SHARE)
		ucall(GMB_UCALL_CONVERT, d->area_gpa + gmb_vblk_buf_off(d, slot), d->bs, 0, 0, 0);
}

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t param, uint64_t mmio_gpa)
{
	struct queue q = { .port = (uint16_t)(GMB_VBLK_KICK_PORT + 4 * vcpu_id) };
	struct gmb_vblk_driver *d = &q.drv;
	struct latencies lat;

	d->area = (uint8_t *)data_gpa;
	d->area_gpa = data_gpa;
	d->bs = 1ULL << (param & 0xff);
	d->qd = (param >> 8) & 0xff;
	d->rw = (param >> 16) & 3;
	d->guest_mode = (param >> 18) & 3;
	d->no_data = param & GMB_VBLK_NO_DATA;
	d->nr_blocks = param >> 32;
	d->block_base = vcpu_id * d->nr_blocks;
	GUEST_ASSERT(d->qd && d->qd <= GMB_VBLK_MAX_QD && d->nr_blocks >= d->qd);
	GUEST_ASSERT(data_size >= gmb_vblk_area_bytes(d->bs, d->qd, d->guest_mode));
	gmb_vblk_init(d, 0x2545f4914f6cdd1dULL * (vcpu_id + 1));
	latencies_init(&lat, d->area + GMB_VBLK_LATENCY_OFF, GMB_VBLK_LATENCY_BYTES);

	for (uint64_t stage = lat.floor;;) {
		uint64_t wanted = guest_sync(stage), posted = 0, done = 0, copied = d->copied;
		uint64_t start;

		if (!wanted)
			return 0;
		start = rdtsc_ordered();
		for (; posted < wanted && posted < d->qd; posted++)
			post(&q, posted, start);
		kick(&q);
		while (done < wanted) {
			uint64_t reposted = 0, now = 0;
			uint32_t len;
			int64_t slot;

			while ((slot = gmb_vblk_next_used(d, &len)) >= 0) {
				if (!now)
					now = rdtsc_ordered();
				complete(&q, (uint64_t)slot, len);
				latencies_record(&lat, now - q.stamp[slot], 1);
				done++;
				if (posted < wanted) {
					post(&q, (uint64_t)slot, now);
					posted++;
					reposted++;
				}
			}
			if (reposted)
				kick(&q);
			else
				__asm__ volatile("pause" ::: "memory");
		}
		latencies_report(&lat, rdtsc_ordered() - start, done);
		stage = d->copied - copied;
	}
}
