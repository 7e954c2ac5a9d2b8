/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bystanders: vCPUs 1..n that touch their own memory while vCPU 0 does a workload's
 * operations, so that the flushes those operations send have targets, and so that what the
 * flushes cost the bystanders is measured: their touch rate while vCPU 0 works over their rate
 * alone, moments before, in the same sample.
 *
 * A sample: every bystander runs alone for alone_ns (the guest reports its touches and cycles
 * at ticks of about a millisecond, GMB_UCALL_TICK), then says it is ready; vCPU 0 waits for all
 * of them, does its operations, and says stop; each bystander ends the sample at its next tick.
 * The guest side is guest/bystander.h.
 */
#ifndef GMB_BYSTANDER_H
#define GMB_BYSTANDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "run/workload.h"

struct bystanders {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int nr;    /* bystander vCPUs: vCPUs 1..nr */
	unsigned int ready; /* bystanders past their phase alone, in this sample */
	bool stop;	    /* vCPU 0 is done with the sample, or a bystander failed */
	uint64_t alone_ns; /* how long a bystander runs alone: half vCPU 0's last share, 10 ms-1 s */
	char error[300];   /* a bystander's failure, repeated by vCPU 0 */
};

void bystanders_init(struct bystanders *b, unsigned int nr);
void bystanders_destroy(struct bystanders *b);
/* Before every sample, on the main thread. */
void bystanders_reset(struct bystanders *b);
/* vCPU 0, before its operations: waits for every bystander's phase alone; 0 or -errno. */
int bystanders_wait(struct bystanders *b);
/* vCPU 0, after its operations, however they ended; ns: how long they took. */
void bystanders_stop(struct bystanders *b, uint64_t ns);
/*
 * A bystander's share of a sample: ops and guest_cycles are its touches and cycles while vCPU 0
 * worked, alone_ops and alone_cycles those of its phase alone; every touch checked its page.
 */
int bystander_run_vcpu(struct bystanders *b, struct vcpu *vcpu, struct wl_vcpu_sample *out);

#endif /* GMB_BYSTANDER_H */
