/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bystander vCPU: touches its own GMB_BYSTANDER_BYTES, one write per page, checking
 * first that the page holds what it wrote last (a pattern of the page's address and the pass),
 * while another vCPU does a workload's operations. Its SYNC's answer is a tick in cycles: about
 * every tick it reports its touches and cycles so far (GMB_UCALL_TICK), and the host's answer
 * 0 ends the sample (bench/run/bystander.c times the phases from the ticks).
 */
#ifndef GMB_GUEST_BYSTANDER_H
#define GMB_GUEST_BYSTANDER_H

#include "runtime.h"

/* One pass over a bystander's memory: each page checked, then moved to the next pass. */
static inline void touch_pass(uint64_t gpa, uint64_t pass)
{
	for (uint64_t p = gpa; p < gpa + GMB_BYSTANDER_BYTES; p += 4096) {
		volatile uint64_t *word = (volatile uint64_t *)p;

		GUEST_ASSERT_EQ(*word, gmb_churn_pattern(p, pass));
		*word = gmb_churn_pattern(p, pass + 1);
	}
}

static inline uint64_t bystander(uint64_t gpa)
{
	const uint64_t pages = GMB_BYSTANDER_BYTES / 4096;
	uint64_t pass = 0;

	for (uint64_t p = gpa; p < gpa + GMB_BYSTANDER_BYTES; p += 4096)
		*(volatile uint64_t *)p = gmb_churn_pattern(p, 0);
	for (;;) {
		uint64_t tick = guest_sync(0), touches = 0, start, now, next;

		if (!tick)
			return 0;
		start = rdtsc_ordered();
		next = start + tick;
		for (;;) {
			touch_pass(gpa, pass++);
			touches += pages;
			now = rdtsc_ordered();
			if (now < next)
				continue;
			if (!ucall(GMB_UCALL_TICK, touches, now - start, 0, 0, 0))
				break;
			next = now + tick;
		}
		guest_result(rdtsc_ordered() - start, touches, 0, 0, 0);
	}
}

#endif /* GMB_GUEST_BYSTANDER_H */
