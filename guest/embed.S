/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest payloads, embedded in the host binary as flat images. The build puts the
 * directory holding the .bin files on the assembler's include path.
 */
	.macro	payload name, file
	.section .rodata.gmb_payloads, "a"
	.balign	4096
	.globl	gmb_payload_\name\()_start
gmb_payload_\name\()_start:
	.incbin	"\file"
	.globl	gmb_payload_\name\()_end
gmb_payload_\name\()_end:
	.endm

	payload	storm, "storm.bin"
	payload	touch, "touch.bin"
	payload	selftest, "selftest.bin"
	payload	fault, "fault.bin"
	payload	calibrate, "calibrate.bin"
	payload	churn, "churn.bin"
	payload	virtio, "virtio.bin"

	.section .note.GNU-stack, "", @progbits
