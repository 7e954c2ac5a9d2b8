/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gmembench stress: the workloads run at once, for a bounded time, on every backend chosen.
 * One job is one workload on one backend (times --vms): a thread that makes guests and runs
 * samples on them, variant after variant, through the workload's own ops, with a thread per
 * vCPU. While its vCPUs run, the job's thread adds and removes a spare memslot in their VM.
 * Every check a workload makes (the guest's pattern checks, the host's through its mapping,
 * the operation counts) stays on; the first failure, or a report in the kernel log, stops
 * the run.
 */
#ifndef GMB_STRESS_H
#define GMB_STRESS_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/caps.h"
#include "host/kmsg.h"
#include "host/probe.h"
#include "run/case.h"

#define STRESS_MAX_VARIANTS 16

extern volatile sig_atomic_t stress_stop_requested;

struct stress_config {
	unsigned int duration_s;
	const struct mem_backend *backends[MEM_NR_BACKENDS]; /* empty: every usable one */
	int nr_backends;
	const struct workload *workloads[RUN_MAX_LIST];
	int nr_workloads;
	unsigned int vcpus;	 /* per VM, for the workloads that take more than one */
	unsigned int vms;	 /* jobs per workload and backend */
	uint64_t data_size;	 /* each guest's data area */
	bool memslots;		 /* add and remove a spare memslot while vCPUs run */
	unsigned int watchdog_s; /* a vCPU that has not finished its sample by then fails */
	const char *kmsg_path;
};

enum stress_job_status {
	STRESS_JOB_PENDING,
	STRESS_JOB_RUNNING,
	STRESS_JOB_OK,
	STRESS_JOB_SKIPPED,
	STRESS_JOB_FAILED,
};

struct stress_variant {
	const char *name;
	uint64_t iterations; /* per vCPU and sample, grown until a sample takes ~100 ms */
	uint64_t samples;
};

/* A variant the workload refused on this backend, and why. */
struct stress_skip {
	const char *variant;
	char reason[200];
};

struct stress_job {
	struct stress_run *run;
	const struct workload *workload;
	const struct mem_backend *backend;
	char id[96]; /* workload/backend#n */
	unsigned int nr_vcpus;
	struct stress_variant variants[STRESS_MAX_VARIANTS];
	unsigned int nr_variants;
	struct stress_skip skipped[STRESS_MAX_VARIANTS];
	unsigned int nr_skipped;
	enum stress_job_status status;
	char reason[600];	    /* why it was skipped or failed */
	const char *failed_variant; /* the case that failed: variant and sample */
	uint64_t failed_sample;
	/* What it did, read by the main thread while it runs (relaxed atomics). */
	uint64_t guests, samples, ops, guest_checks, host_checks, count_checks;
	uint64_t memslot_changes;
	pthread_t thread;
	bool started, joined;
};

struct stress_run {
	struct stress_config cfg;
	struct host_caps caps;
	struct backend_probe probes[MEM_NR_BACKENDS];
	struct stress_job *jobs;
	unsigned int nr_jobs;
	struct kmsg_watch kmsg;
	uint64_t start_ns, elapsed_ns;
	char started[40], finished[40];
	/* "running", "passed", "failed", "interrupted"; failure says why it failed. */
	const char *status;
	char failure[700];
	int stop;	/* set (atomically) to end every job after its sample */
	bool abandoned; /* a job did not stop: its thread may still use sr->jobs */
	/* Optional: called about once a second while the jobs run. */
	void (*progress)(const struct stress_run *sr);
};

/*
 * Probes the host and makes the jobs: each workload on each backend chosen that is usable,
 * with the variants that workload's valid() accepts there (a job with none is skipped with
 * the first reason). Sets the kernel-log marker. 0, or -errno when no job can run.
 */
int stress_prepare(struct stress_run *sr);
/*
 * Runs every job until cfg.duration_s has passed, a job fails, the kernel log reports a
 * problem, or stress_stop_requested is set; then waits for every job to finish its sample.
 * Sets sr->status. 0, or -errno when the jobs could not be started.
 */
int stress_run(struct stress_run *sr);
void stress_free(struct stress_run *sr);

const char *stress_job_status_name(enum stress_job_status status);

#endif /* GMB_STRESS_H */
