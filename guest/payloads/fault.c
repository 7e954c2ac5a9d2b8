// SPDX-License-Identifier: GPL-2.0
/*
 * fault: the first write to every page of this vCPU's data area, at the stride the host gives
 * (4 KiB or 2 MiB). The host hands each sample a fresh guest, so every touch is a first touch:
 * KVM maps the page, and the host kernel allocates it, unless the host populated it first.
 *
 * One touch in every `every` is timed on its own (see latency.h); the buffer for those
 * timings is on the stack, not in the memory being faulted.
 */
#include "latency.h"

#define LATENCY_SLOTS 2048

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t stride, uint64_t mmio_gpa)
{
	uint32_t slots[LATENCY_SLOTS];
	struct latencies lat;
	uint64_t pages, every;

	GUEST_ASSERT(stride == 4096 || stride == 0x200000);
	GUEST_ASSERT(data_size >= stride);
	latencies_init(&lat, slots, sizeof(slots));
	pages = data_size / stride;
	every = pages / LATENCY_SLOTS + 1;
	if (every < GMB_FAULT_TIMING_STRIDE)
		every = GMB_FAULT_TIMING_STRIDE;

	for (uint64_t stage = lat.floor;; stage = 0) {
		uint64_t start;

		if (!guest_sync(stage))
			return 0;

		start = rdtsc_ordered();
		for (uint64_t p = 0; p < pages; p++) {
			volatile uint8_t *byte = (volatile uint8_t *)(data_gpa + p * stride);

			if (p % every == 0) {
				uint64_t t = rdtsc_ordered();

				*byte = 1;
				latencies_record(&lat, rdtsc_ordered() - t, 1);
			} else {
				*byte = 1;
			}
		}
		latencies_report(&lat, rdtsc_ordered() - start, pages);
	}
}
