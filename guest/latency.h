/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latencies of single operations, timed by the guest with rdtsc, kept in a buffer the payload
 * provides, and reported with the sample's RESULT as percentiles. Each is net of the timer's
 * own floor (its cheapest back-to-back rdtsc pair), which the payload sends to the host with
 * its first SYNC: rdtsc can itself exit to the hypervisor, and the host reports the floor.
 */
#ifndef GMB_GUEST_LATENCY_H
#define GMB_GUEST_LATENCY_H

#include "runtime.h"

struct latencies {
	uint32_t *values;
	uint64_t capacity;
	uint64_t count;
	uint64_t floor;
};

/* buf holds bytes / 4 latencies; measures the timer floor. */
void latencies_init(struct latencies *l, void *buf, uint64_t bytes);

/* Records `cycles` measured around n operations (their average, net of the floor). */
static inline void latencies_record(struct latencies *l, uint64_t cycles, uint64_t n)
{
	if (l->count < l->capacity)
		l->values[l->count++] = (uint32_t)((cycles > l->floor ? cycles - l->floor : 0) / n);
}

/*
 * RESULT for a sample: a0 cycles around the whole sample, a1 operations done, a2 p50 | p90 << 32,
 * a3 p99 | max << 32, a4 how many operations were timed. Resets the latencies.
 */
void latencies_report(struct latencies *l, uint64_t cycles, uint64_t ops);

/*
 * A second set of latencies, sent before the RESULT of the first: GMB_UCALL_LATENCY with
 * a0 p50 | p90 << 32, a1 p99 | max << 32, a2 how many were timed. Resets them.
 */
void latencies_send(struct latencies *l);

#endif /* GMB_GUEST_LATENCY_H */
