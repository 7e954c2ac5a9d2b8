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

#include "guest.h"
#include "probe.h"

struct wl_params {
	const struct workload *workload;
	const char *variant;
	const struct mem_backend *backend;
	unsigned int nr_vcpus;
	uint64_t guest_page_size;
	uint64_t data_size;
	/* The calibration twin: a bare KVM_RUN loop with no harness around the same guest. */
	bool raw;
};

/* What one vCPU measured in one sample. */
struct wl_vcpu_sample {
	uint64_t ops;	       /* operations the guest completed: exits, faults... */
	uint64_t host_ns;      /* from the sample's first KVM_RUN to the guest's RESULT */
	uint64_t guest_cycles; /* rdtsc delta the guest measured around its loop */
	/* Percentiles of single operations the guest timed (cycles), when the workload does. */
	uint64_t latency_p50, latency_p90, latency_p99;
};

struct wl_case {
	struct wl_params params;
	struct guest guest;
	/* The guest's cheapest back-to-back rdtsc pair, when the workload measures it. */
	uint64_t timer_floor_cycles;
	void *priv;
};

struct workload {
	const char *name;
	const char *description;
	const char *op_name;		     /* singular: "exit", "fault" */
	const char *const *variants;	     /* NULL-terminated */
	const char *const *default_variants; /* NULL-terminated: what a suite runs */
	bool has_raw;			     /* offers the raw calibration twin */
	bool times_each_op;		     /* fills the latency percentiles */
	int (*valid)(const struct wl_params *params, const struct host_caps *caps, char *reason,
		     size_t len);
	int (*setup)(struct wl_case *wc);
	/* Runs vCPU index's share of one sample of `iterations` operations; 0 or -errno. */
	int (*run_vcpu)(struct wl_case *wc, unsigned int index, uint64_t iterations,
			struct wl_vcpu_sample *out);
	void (*teardown)(struct wl_case *wc);
};

extern const struct workload *const workloads[];
extern const size_t nr_workloads;

const struct workload *workload_find(const char *name);
bool workload_has_variant(const struct workload *wl, const char *variant);

/* Shared by workloads: resume a vCPU stopped at SYNC with the sample's iteration count. */
int wl_start_sample(struct vcpu *vcpu, uint64_t iterations);

#endif /* GMB_WORKLOAD_H */
