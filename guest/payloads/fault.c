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

/* Touches count pages from addr on, stride apart: four instructions a touch. */
static inline void touch_run(uint64_t addr, uint64_t count, uint64_t stride)
{
	if (!count)
		return;
	__asm__ volatile("1: movb $1, (%0)\n\tadd %2, %0\n\tdec %1\n\tjnz 1b"
			 : "+r"(addr), "+r"(count)
			 : "r"(stride)
			 : "memory");
}

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

		/*
		 * Chunks of `every` touches: the first timed on its own, the rest in the tight
		 * loop. No division or bookkeeping per touch: a hypervisor that emulates the
		 * instructions after a fault (kvm_pvm) would charge them to every touch.
		 */
		start = rdtsc_ordered();
		for (uint64_t p = 0; p < pages; p += every) {
			uint64_t addr = data_gpa + p * stride, t;

			t = rdtsc_ordered();
			*(volatile uint8_t *)addr = 1;
			latencies_record(&lat, rdtsc_ordered() - t, 1);
			touch_run(addr + stride, (pages - p < every ? pages - p : every) - 1,
				  stride);
		}
		latencies_report(&lat, rdtsc_ordered() - start, pages);
	}
}
