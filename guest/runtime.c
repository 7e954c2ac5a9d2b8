// SPDX-License-Identifier: GPL-2.0
#include "runtime.h"

/*
 * The file name travels in six registers: the host cannot read guest memory on a private
 * backend, so a pointer to the string would be useless to it.
 */
void __guest_assert_fail(const char *file, uint64_t line, uint64_t a, uint64_t b)
{
	uint64_t packed[GMB_ASSERT_FILE_BYTES / 8] = { 0 };
	char *bytes = (char *)packed;

	for (size_t i = 0; i < GMB_ASSERT_FILE_BYTES - 1 && file[i]; i++)
		bytes[i] = file[i];

	register uint64_t r10 __asm__("r10") = packed[0];
	register uint64_t r11 __asm__("r11") = packed[1];
	register uint64_t r12 __asm__("r12") = packed[2];
	register uint64_t r13 __asm__("r13") = packed[3];
	register uint64_t r14 __asm__("r14") = packed[4];
	register uint64_t r15 __asm__("r15") = packed[5];

	for (;;)
		__asm__ volatile("outl %%eax, %%dx"
				 :
				 : "a"(GMB_UCALL_ASSERT), "d"(GMB_UCALL_PORT), "D"(line), "S"(a),
				   "c"(b), "r"(r10), "r"(r11), "r"(r12), "r"(r13), "r"(r14),
				   "r"(r15)
				 : "memory");
}
