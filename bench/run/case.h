/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run's data: its configuration, the cases of the matrix, and every raw sample of each.
 * The runner fills it; the metrics and the writers read it.
 */
#ifndef GMB_CASE_H
#define GMB_CASE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/caps.h"
#include "host/probe.h"
#include "measure/counters.h"
#include "measure/numa.h"
#include "measure/placement.h"
#include "measure/stats.h"
#include "run/workload.h"

#define RUN_MAX_LIST 32

enum case_status {
	CASE_PENDING,
	CASE_OK,
	CASE_SKIPPED,
	CASE_FAILED,
	CASE_INTERRUPTED,
};

struct run_config {
	const char *suite;
	const struct workload *workloads[RUN_MAX_LIST];
	int nr_workloads;
	const char *variants[RUN_MAX_LIST]; /* empty: each workload's default set */
	int nr_variants;
	bool all_variants; /* with no --variant: every variant, not the default set */
	const struct mem_backend *backends[MEM_NR_BACKENDS]; /* empty: all */
	int nr_backends;
	unsigned int vcpus[RUN_MAX_LIST];
	int nr_vcpus;
	uint64_t guest_page_sizes[2];
	int nr_guest_page_sizes;
	uint64_t data_size; /* 0: each workload's default */
	bool full_sizes;    /* with data_size 0: the workload's full default, not its bench size */
	bool with_raw;
	/* run --normalize: this workload's one case runs in every round (see calibrate.c). */
	const struct workload *calibration;
	unsigned int warmup;
	unsigned int samples;
	unsigned int sample_ms;
	bool sequential;
	bool shuffle; /* interleaved rounds in a new (seeded) order each round */
	bool pin;
	struct placement_request cpus;	       /* where threads go when pinned (--cpus) */
	struct placement_mem_request mem_node; /* where guest memory goes (--mem-node) */
	bool compact;			       /* compact memory before every sample */
	uint64_t seed;
	uint64_t reserve_hugepages; /* more 2 MiB huge pages for the run, restored after */
	const char *output_dir;
	bool output_given;  /* --output: create only its last component, never its parents */
	const char *target; /* --target: the I/O workloads' file or device */
	int argc;
	char **argv;
};

struct sample {
	bool warmup;
	uint64_t iterations;
	uint64_t wall_ns;
	uint64_t populate_ns;	      /* the workload's sample_populate, when it has one */
	struct wl_vcpu_sample *vcpus; /* [nr_vcpus] */
	int64_t counters[CTR_NR];     /* deltas over the sample */
};

/* The CPUs a thread was seen on (sched_getcpu() around every sample), the first few. */
#define THREAD_SEEN_MAX 8
struct thread_seen {
	int cpus[THREAD_SEEN_MAX];
	unsigned int nr;
	bool more; /* on more CPUs than recorded */
};

void thread_seen_add(struct thread_seen *seen, int cpu);

/* Where a case's memory was meant to go and where it went. */
struct case_memory {
	struct mem_policy policy; /* asked for, from --mem-node and the vCPUs' CPUs */
	bool known;		  /* the guest existed: binding and readback are filled */
	enum mem_binding binding;
	char binding_reason[200];
	struct numa_readback readback;
};

struct case_result {
	struct wl_params params;
	char id[160];
	enum case_status status;
	char reason[400];
	bool invalid_options; /* skipped because the workload refused its parameters */
	uint64_t iterations;
	uint64_t timer_floor_cycles;
	int *vcpu_cpus;			 /* where each vCPU thread was pinned, -1 if not */
	struct thread_seen *vcpu_seen;	 /* [nr_vcpus]: where each really ran */
	struct thread_seen main_seen;	 /* the main thread (set-up, populate), not pinned */
	int *device_cpus;		 /* workload.device_threads: where each was pinned, -1 */
	struct thread_seen *device_seen; /* [nr_vcpus]: where each really ran */
	struct case_memory memory;
	char note[200];		       /* the workload's (wl_case.note) */
	struct wl_reference reference; /* the workload's yardstick, from its setup */
	struct sample *samples;
	unsigned int nr_samples, cap_samples;
	struct case_runtime *rt; /* threads and the live guest, while running */
};

struct run_state {
	struct run_config cfg;
	struct host_caps caps;
	struct backend_probe probes[MEM_NR_BACKENDS];
	struct counters counters;
	struct case_result *cases;
	unsigned int nr_cases;
	char run_id[64];
	char run_dir[4096];
	char started[40], finished[40];
	const char *status; /* "running", "complete", "interrupted", "failed" */
	uint32_t tsc_khz;
	struct json_t *environment;
	struct json_t *memory_after; /* probe_memory_now() once every guest is gone */
	/*
	 * Called after rounds to write what has been measured so far (the command sets it to
	 * the results writer): the runner produces samples and does not know how they are kept.
	 */
	int (*checkpoint)(struct run_state *rs);
	/*
	 * Optional: called before each sample with its case, and after each round (each case,
	 * in sequential order) with NULL; the command shows progress from it.
	 */
	void (*progress)(const struct run_state *rs, const struct case_result *cr,
			 unsigned int round, unsigned int rounds);
};

const char *case_status_name(enum case_status status);
/* The raw twin of a harness case, or NULL. */
const struct case_result *case_raw_twin(const struct run_state *rs, const struct case_result *cr);

/* The run's calibration case (run --normalize), or NULL. */
const struct case_result *case_calibration(const struct run_state *rs);

/*
 * Expands rs->cfg into rs->cases, each harness case followed by its raw twin, and the
 * calibration case last. 0 or -errno.
 */
int matrix_expand(struct run_state *rs);
/*
 * The order of one round into order[] (room for rs->nr_cases): twins stay adjacent; with rng
 * the pairs are shuffled and each pair's order drawn, without it the matrix order. 0 or -errno.
 */
int matrix_round_order(const struct run_state *rs, unsigned int *order, struct stats_rng *rng);

#endif /* GMB_CASE_H */
