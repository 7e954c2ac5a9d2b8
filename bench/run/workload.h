/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A workload is a table row: a guest payload, valid() (a reason to skip), setup, one vCPU's
 * share of a sample, teardown. The runner owns threads, repetitions, warm-up, timing, flush
 * counters and output; a workload never prints.
 */
#ifndef GMB_WORKLOAD_H
#define GMB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/guest.h"
#include "core/caps.h"

/* The most counts of its own a workload reports per sample (workload.count_names). */
#define WL_MAX_COUNTS 8

struct wl_params {
	const struct workload *workload;
	const char *variant;
	const struct mem_backend *backend;
	unsigned int nr_vcpus;
	uint64_t guest_page_size;
	uint64_t data_size;
	/* The calibration twin: a bare KVM_RUN loop with no harness around the same guest. */
	bool raw;
	/* run --target: the file or device an I/O workload uses (NULL: its default). */
	const char *target;
};

/* What one vCPU measured in one sample. */
struct wl_vcpu_sample {
	uint64_t ops;	       /* operations the guest completed: exits, faults... */
	uint64_t host_ns;      /* from the sample's first KVM_RUN to the guest's RESULT */
	uint64_t guest_cycles; /* rdtsc delta the guest measured around its loop */
	/* Percentiles of single operations the guest timed (cycles), when the workload does. */
	uint64_t latency_p50, latency_p90, latency_p99, latency_max;
	uint64_t timed;
	uint64_t bytes; /* memory the operations covered, when the workload reports it */
	/* The host's own share of the operations (host_work_name), when the workload times it. */
	uint64_t host_work_ns;
	/* ...split by the two kinds of operation (host_work_kinds), and how many of each. */
	uint64_t kind_work_ns[2], kind_ops[2];
	/* ...its percentiles over the sample's operations (ns), when host_work_latencies. */
	uint64_t host_work_p50, host_work_p90, host_work_p99, host_work_max;
	/*
	 * Percentiles (cycles) of each operation's request as the guest timed it, from asking
	 * to being resumed (request_name), and how many were timed.
	 */
	uint64_t request_p50, request_p90, request_p99, request_max, request_timed;
	/* The workload's own counts over the sample, named by workload.count_names. */
	uint64_t counts[WL_MAX_COUNTS];
	/* Pages whose contents the guest verified in the sample (a mismatch fails it). */
	uint64_t guest_checks;
	/* device_threads: the CPU the vCPU's device thread last ran on in the sample, or -1. */
	int device_cpu;
	/*
	 * A bystander's (workload.bystanders, vCPUs 1..): its touches and guest cycles alone,
	 * before vCPU 0 began; ops and guest_cycles are then those while vCPU 0 worked.
	 */
	uint64_t alone_ops, alone_cycles;
};

/*
 * An independent program's rate for the same job (fio for virtio-zc), measured once by the
 * workload's setup: every sample's rate is reported over it. Unknown: reason says why.
 */
struct wl_reference {
	bool known;
	char program[16];
	char version[32];
	char command[512];
	double ops_per_sec;
	double bytes_per_sec;
	char reason[320];
};

struct wl_case {
	struct wl_params params;
	struct guest guest;
	/* Where guest memory comes from: every guest the workload makes passes it on. */
	struct mem_policy mem_policy;
	/* The guest's cheapest back-to-back rdtsc pair, when the workload measures it. */
	uint64_t timer_floor_cycles;
	/* What the kernel offers (the runner's; may be NULL outside the runner). */
	const struct host_caps *caps;
	/*
	 * device_threads: where each vCPU's device thread is to be pinned ([nr_vcpus], -1: not
	 * pinned), set by the runner before setup().
	 */
	const int *device_cpus;
	/* Set by setup(): a choice the workload made that a reader must know, or "". */
	char note[200];
	/* The workload's yardstick, when it has one (reference_name). */
	struct wl_reference reference;
	/*
	 * Set by a setup that fails because this host cannot run the case (the kernel refused
	 * what it needs, only found out by trying): the case is skipped with the error's reason.
	 */
	bool skip;
	/*
	 * Pages whose contents the host verified through its own mapping so far (sample_begin,
	 * sample_check; the main thread's count): gmembench stress reports it.
	 */
	uint64_t host_checks;
	void *priv;
};

struct workload {
	const char *name;
	const char *description;
	const char *op_name;		     /* singular: "exit", "touch" */
	const char *op_plural;		     /* "exits", "touches" */
	const char *const *variants;	     /* NULL-terminated */
	const char *const *default_variants; /* NULL-terminated: what a suite runs */
	bool has_raw;			     /* offers the raw calibration twin */
	bool times_each_op;		     /* fills the latency percentiles */
	/* A host device thread per vCPU (virtio-zc's), placed with the vCPUs: device_cpus. */
	bool device_threads;
	/* A sample is one pass of a fixed size (the data area), not a calibrated count. */
	bool fixed_ops;
	bool reports_bytes; /* fills wl_vcpu_sample.bytes: report GiB/s too */
	/*
	 * With more than one vCPU, vCPU 0 alone does the operations and the others are
	 * bystanders (run/bystander.h): the rates and counts per operation are vCPU 0's.
	 */
	bool bystanders;
	/* The host's speed for run --normalize, not a benchmark: suites leave it out. */
	bool calibration;
	uint64_t default_data_size; /* the data area when --size is not given */
	uint64_t bench_data_size;   /* ...in the default and quick suites, if smaller */
	/* Optional: a variant's own bench size, where one size does not fit all. */
	uint64_t (*variant_bench_size)(const char *variant);
	int (*valid)(const struct wl_params *params, const struct host_caps *caps, char *reason,
		     size_t len);
	int (*setup)(struct wl_case *wc);
	/* Runs vCPU index's share of one sample of `iterations` operations; 0 or -errno. */
	int (*run_vcpu)(struct wl_case *wc, unsigned int index, uint64_t iterations,
			struct wl_vcpu_sample *out);
	void (*teardown)(struct wl_case *wc);
	/*
	 * Optional: after the last sample, before teardown, a check of the whole case (e.g. the
	 * data an I/O workload left on its target). 0, or -errno and the case fails.
	 */
	int (*finish)(struct wl_case *wc);
	/*
	 * Optional, around every sample, run by the main thread. sample_begin and sample_end
	 * are outside the measured window (e.g. a fresh guest, then freeing it); sample_populate
	 * is inside it, after the counters are read, and says how long it took in *ns.
	 */
	int (*sample_begin)(struct wl_case *wc);
	int (*sample_populate)(struct wl_case *wc, uint64_t *ns);
	/*
	 * Optional, after every vCPU's share and outside the measured window, before sample_end:
	 * checks what the guest left in its memory through the host's own mapping. 0 or -errno.
	 */
	int (*sample_check)(struct wl_case *wc);
	void (*sample_end)(struct wl_case *wc);
	/* Name of what sample_populate measures, e.g. "host_populate". */
	const char *populate_name;
	/* Name of what wl_vcpu_sample.host_work_ns measures, e.g. "host_convert"; NULL: none. */
	const char *host_work_name;
	/*
	 * Optional: the two kinds of operation host_work_ns is also split into (kind_work_ns,
	 * kind_ops), e.g. "to_private" and "to_shared"; a case with none of a kind has no figure.
	 */
	const char *host_work_kinds[2];
	/* host_work_ns is also timed per operation: its percentiles are reported. */
	bool host_work_latencies;
	/*
	 * What the guest's second set of latencies (GMB_UCALL_LATENCY) times per operation,
	 * e.g. "request"; NULL: none.
	 */
	const char *request_name;
	/* Names of wl_vcpu_sample.counts[], NULL-terminated; NULL: none. Reported per operation. */
	const char *const *count_names;
	/* The program wl_case.reference comes from, e.g. "fio"; NULL: none. */
	const char *reference_name;
};

extern const struct workload *const workloads[];
extern const size_t nr_workloads;

const struct workload *workload_find(const char *name);
bool workload_has_variant(const struct workload *wl, const char *variant);

/* Shared by workloads: resume a vCPU stopped at SYNC with the sample's iteration count. */
int wl_start_sample(struct vcpu *vcpu, uint64_t iterations);
/* After a sample's RESULT: runs the vCPU back to its next SYNC, outside the timed region. */
int wl_finish_sample(struct vcpu *vcpu);
/* Decodes a RESULT sent by latencies_report(); returns the operations the guest did. */
uint64_t wl_decode_result(const struct ucall *uc, struct wl_vcpu_sample *out);
/* Decodes a GMB_UCALL_LATENCY sent by latencies_send() into the request percentiles. */
void wl_decode_latency(const struct ucall *uc, struct wl_vcpu_sample *out);
/* The host's share of each operation in a sample (ns), for its percentiles. */
struct wl_op_times {
	uint64_t *ns;
	size_t nr, cap;
};

/* Before a sample of `ops` operations: room for each; 0 or -ENOMEM. */
int wl_op_times_reset(struct wl_op_times *t, uint64_t ops);
void wl_op_times_add(struct wl_op_times *t, uint64_t ns);
/* After the sample: p50, p90, p99 and the largest into out->host_work_p50.. */
void wl_op_times_report(struct wl_op_times *t, struct wl_vcpu_sample *out);
void wl_op_times_free(struct wl_op_times *t);
/* Runs every vCPU of a fresh guest to its first SYNC; records the largest timer floor. */
int wl_run_to_first_sync(struct wl_case *wc);
/* The raw twin's loop: KVM_RUN until an exit that is not one of `storm` exits. */
int wl_run_raw(struct vcpu *vcpu, uint64_t *exits);

#endif /* GMB_WORKLOAD_H */
