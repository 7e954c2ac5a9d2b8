// SPDX-License-Identifier: GPL-2.0
/*
 * calibrate: the host's speed, with no exit. A loop of dependent ALU instructions that never
 * leaves the guest; run --normalize times it in every round beside the other cases, so that
 * a case's rate can be read over the speed the host had in that round.
 *
 * Per sample: SYNC asks the host for an iteration count (0 ends the run); the loop runs
 * between two rdtsc reads; RESULT reports cycles and iterations. Nothing is timed inside the
 * loop: no rdtsc (which may exit), no memory access (which may fault).
 */
#include "runtime.h"

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t param, uint64_t mmio_gpa)
{
	for (;;) {
		uint64_t wanted = guest_sync(0), count = wanted, x = vcpu_id + 1, start;

		if (!wanted)
			return 0;
		start = rdtsc_ordered();
		/* Four instructions an iteration, each depending on the one before. */
		__asm__ volatile("1: add %0, %0\n\txor $1, %0\n\tdec %1\n\tjnz 1b"
				 : "+r"(x), "+r"(count));
		guest_result(rdtsc_ordered() - start, wanted, 0, 0, 0);
	}
}
