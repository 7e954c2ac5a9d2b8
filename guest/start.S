/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry code of every guest payload. The host enters at _start in 64-bit mode with paging on,
 * %rsp at the top of this vCPU's stack and the arguments of guest_main() in the SysV argument
 * registers (see struct gmb_guest_args).
 */
#include "abi.h"

	.section .head, "a"
	.quad	GMB_IMAGE_MAGIC
	.quad	_start
	.quad	__image_end
	.quad	gmb_exception_stubs

	.text
	.globl	_start
_start:
	andq	$-16, %rsp
	call	guest_main
	movq	%rax, %rdi
	movl	$GMB_UCALL_DONE, %eax
	movw	$GMB_UCALL_PORT, %dx
	outl	%eax, %dx
1:	hlt
	jmp	1b

/*
 * One stub per exception vector. The CPU pushes an error code for some vectors only; the
 * others push a zero so that the common path sees one frame layout. Any exception is fatal:
 * it is reported to the host, which fails the case and names the vector and %rip.
 */
	.balign	GMB_EXCEPTION_STUB_SIZE
	.globl	gmb_exception_stubs
gmb_exception_stubs:
	.irp	vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign	GMB_EXCEPTION_STUB_SIZE
	.if	(\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vector
	jmp	exception_common
	.endr

exception_common:
	popq	%rdi		/* vector */
	popq	%rsi		/* error code */
	movq	(%rsp), %rcx	/* faulting %rip */
	movl	$GMB_UCALL_EXCEPTION, %eax
	movw	$GMB_UCALL_PORT, %dx
	outl	%eax, %dx
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
