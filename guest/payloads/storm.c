// SPDX-License-Identifier: GPL-2.0
/*
 * mmio-storm: one access that exits, in a loop. The parameter picks the access (see
 * GMB_STORM_*), so every variant runs the same payload bytes on every backend.
 *
 * Per sample: SYNC asks the host for an access count (0 ends the run); the loop runs between
 * two rdtsc reads; RESULT reports cycles, accesses done and the timed ones' percentiles.
 * One access in GMB_STORM_TIMING_STRIDE is timed on its own: rdtsc can itself exit (it does
 * under kvm_pvm), so timing every access would measure the timer (see latency.h).
 */
#include "latency.h"

/*
 * A chain of stubs, one per code page: "mov %eax,(%rbx)", "dec %rdx", then "jmp" to the next
 * page (the last one returns). Two instructions between exits, as in the tight loop
 * ("dec", "jnz"): kvm_pvm's cost per exit depends on the instructions between them, so
 * spread must differ from mmio-write only in where the store is.
 */
static uint64_t spread_entry;
static uint64_t spread_length;

static void build_spread_chain(uint64_t code, uint64_t pages)
{
	static const uint8_t store_dec[] = { 0x89, 0x03, 0x48, 0xff, 0xca };

	for (uint64_t p = 0; p < pages; p++) {
		volatile uint8_t *stub = (volatile uint8_t *)(code + p * 4096);
		int32_t rel = 4096 - (int32_t)(sizeof(store_dec) + 5); /* to the next stub */

		for (size_t i = 0; i < sizeof(store_dec); i++)
			stub[i] = store_dec[i];
		if (p + 1 == pages) {
			stub[sizeof(store_dec)] = 0xc3; /* ret */
			continue;
		}
		stub[sizeof(store_dec)] = 0xe9; /* jmp rel32 */
		for (int i = 0; i < 4; i++)
			stub[sizeof(store_dec) + 1 + i] = (uint8_t)(rel >> (8 * i));
	}
	spread_entry = code;
	spread_length = pages;
}

/*
 * count accesses of the given kind in a tight loop: the access, "dec", "jnz". Nothing else
 * runs between two exits, so that a hypervisor whose cost depends on the instructions between
 * exits (kvm_pvm emulates some of them) sees the same loop for every kind. Returns the number
 * of accesses, which for mmio-spread is count passes over the chain.
 */
#define STORM_LOOP(insn, ...)                                 \
	__asm__ volatile("1: " insn "\n\tdec %%rcx\n\tjnz 1b" \
			 : "+c"(count)                        \
			 : __VA_ARGS__                        \
			 : "memory")

static uint64_t storm_loop(uint64_t kind, uint64_t addr, uint64_t count)
{
	uint64_t n = count;
	uint32_t value = 0x5a5a5a5a;

	switch (kind) {
	case GMB_STORM_PIO:
		STORM_LOOP("outl %%eax, %%dx", "a"(value), "d"(GMB_STORM_PORT));
		return n;
	case GMB_STORM_MMIO_WRITE:
	case GMB_STORM_MMIO_FAST:
		STORM_LOOP("movl %%eax, (%%rbx)", "a"(value), "b"(addr));
		return n;
	case GMB_STORM_MMIO_READ:
		STORM_LOOP("movl (%%rbx), %%eax", "b"(addr));
		return n;
	case GMB_STORM_MMIO_WRITE_DISP:
		STORM_LOOP("movl %%eax, 0x10(%%rbx)", "a"(value), "b"(addr));
		return n;
	case GMB_STORM_MMIO_READ_MOVZX:
		STORM_LOOP("movzbl 0x8(%%rbx), %%eax", "b"(addr));
		return n;
	case GMB_STORM_MMIO_WRITE_STOS: {
		uint64_t dst;

		/* stos advances %rdi: reload it each time (one more instruction, a mov). */
		__asm__ volatile("1: movq %%rbx, %%rdi\n\tstosl\n\tdec %%rcx\n\tjnz 1b"
				 : "+c"(count), "=&D"(dst)
				 : "a"(value), "b"(addr)
				 : "memory");
		return n;
	}
	case GMB_STORM_MMIO_SPREAD: {
		uint64_t scratch = 0;

		__asm__ volatile("1: call *%%rsi\n\tdec %%rcx\n\tjnz 1b"
				 : "+c"(count), "+d"(scratch)
				 : "S"(spread_entry), "a"(value), "b"(addr)
				 : "memory");
		return n * spread_length;
	}
	}
	return 0;
}

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t kind, uint64_t mmio_gpa)
{
	uint64_t addr = mmio_gpa + vcpu_id * GMB_STORM_VCPU_STRIDE;
	struct latencies lat;

	GUEST_ASSERT(kind < GMB_STORM_NR_KINDS);
	GUEST_ASSERT(data_size >= 2 * 4096);
	if (kind == GMB_STORM_MMIO_FAST)
		addr += GMB_STORM_FAST_OFFSET;

	/* The lower half of this vCPU's data holds latencies, the upper half spread's code. */
	latencies_init(&lat, (void *)data_gpa, data_size / 2);
	if (kind == GMB_STORM_MMIO_SPREAD)
		build_spread_chain(data_gpa + data_size / 2, data_size / 2 / 4096);

	for (uint64_t stage = lat.floor;; stage = 0) {
		uint64_t wanted = guest_sync(stage);
		uint64_t done = 0, start;

		if (!wanted)
			return 0;

		/*
		 * Chunks of GMB_STORM_TIMING_STRIDE accesses (spread: passes): the first one
		 * timed on its own (a spread pass averaged over its stores), the rest in the
		 * tight loop.
		 */
		start = rdtsc_ordered();
		while (done < wanted) {
			uint64_t t = rdtsc_ordered();
			uint64_t n = storm_loop(kind, addr, 1);

			latencies_record(&lat, rdtsc_ordered() - t, n);
			done += n;
			if (kind == GMB_STORM_MMIO_SPREAD)
				done += storm_loop(kind, addr, 1);
			else if (done < wanted)
				done += storm_loop(kind, addr, GMB_STORM_TIMING_STRIDE - 1);
		}
		latencies_report(&lat, rdtsc_ordered() - start, done);
	}
}
