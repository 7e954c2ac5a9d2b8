/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flush counters, read around every sample: TLB shootdown and function-call IPIs, direct-map
 * splits, DirectMap* sizes and tlb:tlb_flush events by reason. A counter the host cannot give
 * is unavailable with a reason; it is never reported as zero.
 */
#ifndef GMB_COUNTERS_H
#define GMB_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#define COUNTERS_MAX_TLB_REASONS 8
#define COUNTERS_NR_KVM_EVENTS	 15

enum counter_id {
	CTR_TLB_SHOOTDOWN_IPIS, /* /proc/interrupts TLB, all CPUs */
	CTR_CALL_IPIS,		/* /proc/interrupts CAL, all CPUs */
	CTR_DIRECT_MAP_L2_SPLITS,
	CTR_DIRECT_MAP_L3_SPLITS,
	CTR_THP_FAULT_ALLOC, /* /proc/vmstat: huge pages the fault path allocated */
	CTR_THP_FAULT_FALLBACK,
	CTR_COMPACT_STALL,   /* allocations that stalled in direct compaction */
	CTR_DIRECTMAP_4K_KB, /* change of /proc/meminfo DirectMap4k */
	CTR_DIRECTMAP_2M_KB,
	CTR_DIRECTMAP_1G_KB,
	CTR_TLB_FLUSH_FIRST, /* tlb:tlb_flush, one per reason */
	/*
	 * KVM's own events (kvm:kvm_exit, kvm:kvm_emulate_insn...): what an operation made it do,
	 * including the kernel series' no-direct-map guest_memfd events (kvm:kvm_gmem_*).
	 */
	CTR_KVM_EVENT_FIRST = CTR_TLB_FLUSH_FIRST + COUNTERS_MAX_TLB_REASONS,
	CTR_NR = CTR_KVM_EVENT_FIRST + COUNTERS_NR_KVM_EVENTS,
};

struct counter_info {
	char name[48];
	const char *unit;
	const char *description;
	bool available;
	char reason[160];
};

struct counters {
	struct counter_info info[CTR_NR];
	int nr_cpus;
	int nr_tlb_reasons;
	int *perf_fds[CTR_NR]; /* tracepoint counters: one perf fd per CPU, else NULL */
};

/* Finds out which counters this host gives; never fails, unavailable ones carry a reason. */
void counters_open(struct counters *c);
void counters_close(struct counters *c);
/*
 * Snapshots every available counter at the beginning and at the end of a sample (its counts
 * are end minus begin); unavailable ones are left as 0 and must be ignored. Reading a CPU's
 * tracepoint counter from another CPU interrupts that CPU (perf_event_read() is a function
 * call there: one CAL IPI per counter and other CPU, 21 on two CPUs): begin reads them before
 * /proc/interrupts, end after it, so that the sample does not count gmembench's own reads.
 */
void counters_read_begin(struct counters *c, int64_t values[CTR_NR]);
void counters_read_end(struct counters *c, int64_t values[CTR_NR]);

#endif /* GMB_COUNTERS_H */
