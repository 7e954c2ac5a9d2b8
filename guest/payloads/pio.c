// SPDX-License-Identifier: GPL-2.0
/*
 * mmio-storm, pio variant: "out" to the storm port in a loop. A port I/O exit needs no
 * instruction decode and no guest memory access by KVM, so this is the floor every other
 * variant is measured against.
 *
 * Per sample: SYNC asks the host for an iteration count (0 ends the run), then the loop runs
 * between two rdtsc reads and RESULT reports (cycles, iterations).
 */
#include "runtime.h"

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t param, uint64_t mmio_gpa)
{
	for (;;) {
		uint64_t iterations = guest_sync(0);
		uint64_t count = iterations;
		uint64_t start, end;

		if (!iterations)
			return 0;

		start = rdtsc_ordered();
		__asm__ volatile("1: outl %%eax, %%dx\n\t"
				 "dec %%rcx\n\t"
				 "jnz 1b"
				 : "+c"(count)
				 : "a"(0), "d"(GMB_STORM_PORT)
				 : "memory");
		end = rdtsc_ordered();

		guest_result(end - start, iterations, 0, 0, 0);
	}
}
