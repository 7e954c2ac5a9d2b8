// SPDX-License-Identifier: GPL-2.0
/*
 * Exercises the guest-to-host channel for the functional tests; the host picks the behaviour
 * with the workload parameter.
 */
#include "runtime.h"

enum selftest_mode {
	SELFTEST_DONE,	     /* return 42 straight away */
	SELFTEST_ASSERT,     /* fail GUEST_ASSERT_EQ(1, 2) */
	SELFTEST_UD,	     /* execute ud2: #UD */
	SELFTEST_PAGE_FAULT, /* read an address the page tables do not map: #PF */
	SELFTEST_SYNC_ECHO,  /* SYNC, then RESULT with the host's reply plus one */
	SELFTEST_MMIO,	     /* write to the MMIO window, which has no memslot */
	SELFTEST_ARGS,	     /* RESULT with this vCPU's arguments */
};

#define SELFTEST_UNMAPPED_GVA (1ULL << 46)

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t mode, uint64_t mmio_gpa)
{
	switch (mode) {
	case SELFTEST_DONE:
		return 42;
	case SELFTEST_ASSERT:
		GUEST_ASSERT_EQ(1, 2);
		return 0;
	case SELFTEST_UD:
		__asm__ volatile("ud2");
		return 0;
	case SELFTEST_PAGE_FAULT:
		return *(volatile uint64_t *)SELFTEST_UNMAPPED_GVA;
	case SELFTEST_SYNC_ECHO:
		guest_result(guest_sync(7) + 1, 0, 0, 0, 0);
		return 0;
	case SELFTEST_MMIO:
		*(volatile uint32_t *)mmio_gpa = 0x12345678;
		return 0;
	case SELFTEST_ARGS:
		guest_result(vcpu_id, nr_vcpus, data_gpa, data_size, mode);
		return 0;
	}
	return 0;
}
