// SPDX-License-Identifier: GPL-2.0
#include "latency.h"

#define TIMER_FLOOR_PAIRS 16

/*
 * k-th smallest of v[0..n), reordering v: quickselect with a three-way partition, since
 * latencies measured in timer ticks repeat a lot.
 */
static uint32_t select_kth(uint32_t *v, int64_t n, int64_t k)
{
	int64_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t pivot = v[lo + (hi - lo) / 2], t;
		int64_t lt = lo, gt = hi, i = lo;

		while (i <= gt) {
			if (v[i] < pivot) {
				t = v[lt], v[lt] = v[i], v[i] = t;
				lt++, i++;
			} else if (v[i] > pivot) {
				t = v[gt], v[gt] = v[i], v[i] = t;
				gt--;
			} else {
				i++;
			}
		}
		/* Now v[lo..lt) < pivot, v[lt..gt] == pivot, v(gt..hi] > pivot. */
		if (k < lt)
			hi = lt - 1;
		else if (k > gt)
			lo = gt + 1;
		else
			return pivot;
	}
	return v[k];
}

static uint64_t percentile(struct latencies *l, uint64_t pct)
{
	if (!l->count)
		return 0;
	return select_kth(l->values, (int64_t)l->count, (int64_t)((l->count - 1) * pct / 100));
}

void latencies_init(struct latencies *l, void *buf, uint64_t bytes)
{
	l->values = buf;
	l->capacity = bytes / sizeof(uint32_t);
	l->count = 0;
	l->floor = ~0ULL;
	for (int i = 0; i < TIMER_FLOOR_PAIRS; i++) {
		uint64_t t = rdtsc_ordered();
		uint64_t d = rdtsc_ordered() - t;

		if (d < l->floor)
			l->floor = d;
	}
}

/* p50 | p90 << 32 into pct[0], p99 | max << 32 into pct[1]. */
static void percentiles(struct latencies *l, uint64_t pct[2])
{
	uint64_t p50 = percentile(l, 50), p90 = percentile(l, 90), p99 = percentile(l, 99);

	pct[0] = p50 | p90 << 32;
	pct[1] = p99 | percentile(l, 100) << 32;
}

void latencies_report(struct latencies *l, uint64_t cycles, uint64_t ops)
{
	uint64_t pct[2];

	percentiles(l, pct);
	guest_result(cycles, ops, pct[0], pct[1], l->count);
	l->count = 0;
}

void latencies_send(struct latencies *l)
{
	uint64_t pct[2];

	percentiles(l, pct);
	ucall(GMB_UCALL_LATENCY, pct[0], pct[1], l->count, 0, 0);
	l->count = 0;
}
