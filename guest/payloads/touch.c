// SPDX-License-Identifier: GPL-2.0
/*
 * Writes a pattern over this vCPU's data area, reads it back, and reports a checksum. Used by
 * the backend probe and the backend tests: the host then checks the same pattern through its
 * own mapping, when the backend has one. The pattern is each qword's guest physical address
 * xor the seed, so a page mapped at the wrong place shows up as a mismatch, not a pass.
 */
#include "runtime.h"

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t seed, uint64_t mmio_gpa)
{
	volatile uint64_t *data = (volatile uint64_t *)data_gpa;
	uint64_t words = data_size / sizeof(uint64_t);
	uint64_t sum = 0;

	for (uint64_t i = 0; i < words; i++)
		data[i] = (data_gpa + i * 8) ^ seed;

	for (uint64_t i = 0; i < words; i++) {
		uint64_t value = data[i];

		GUEST_ASSERT_EQ(value, (data_gpa + i * 8) ^ seed);
		sum += value;
	}

	guest_result(sum, words, 0, 0, 0);
	return 0;
}
