/* SPDX-License-Identifier: GPL-2.0 */
/* The freestanding runtime every payload links against: ucalls, rdtsc, asserts. */
#ifndef GMB_GUEST_RUNTIME_H
#define GMB_GUEST_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t param, uint64_t mmio_gpa);

static inline uint64_t ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			     uint64_t a4)
{
	register uint64_t r8 __asm__("r8") = a3;
	register uint64_t r9 __asm__("r9") = a4;
	uint64_t rax = cmd;

	__asm__ volatile("outl %%eax, %%dx"
			 : "+a"(rax)
			 : "d"(GMB_UCALL_PORT), "D"(a0), "S"(a1), "c"(a2), "r"(r8), "r"(r9)
			 : "memory");
	return rax;
}

/* Stop at a synchronisation point; the host's answer (e.g. an iteration count) is returned. */
static inline uint64_t guest_sync(uint64_t stage)
{
	return ucall(GMB_UCALL_SYNC, stage, 0, 0, 0, 0);
}

static inline void guest_result(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	ucall(GMB_UCALL_RESULT, a0, a1, a2, a3, a4);
}

/*
 * rdtsc ordered against the surrounding loads and stores, so that a delta covers exactly the
 * code between two reads.
 */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

__attribute__((noreturn)) void __guest_assert_fail(const char *file, uint64_t line, uint64_t a,
						   uint64_t b);

#define GUEST_ASSERT(cond)                                                  \
	do {                                                                \
		if (!(cond))                                                \
			__guest_assert_fail(__FILE_NAME__, __LINE__, 0, 0); \
	} while (0)

#define GUEST_ASSERT_EQ(a, b)                                                   \
	do {                                                                    \
		uint64_t __a = (a), __b = (b);                                  \
		if (__a != __b)                                                 \
			__guest_assert_fail(__FILE_NAME__, __LINE__, __a, __b); \
	} while (0)

#endif /* GMB_GUEST_RUNTIME_H */
