// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "run/bystander.h"

/*
 * The shortest and the longest phase alone (a sample of one slow operation, seconds under
 * emulation, must not double: the runner's watchdog allows a sample about 10 s), and how long
 * vCPU 0 waits for the bystanders to be ready.
 */
#define BYSTANDER_MIN_ALONE_NS (10 * 1000 * 1000ULL)
#define BYSTANDER_MAX_ALONE_NS (1000 * 1000 * 1000ULL)
#define BYSTANDER_WAIT_S       60

void bystanders_init(struct bystanders *b, unsigned int nr)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->nr = nr;
	b->alone_ns = BYSTANDER_MIN_ALONE_NS;
}

void bystanders_destroy(struct bystanders *b)
{
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
}

void bystanders_reset(struct bystanders *b)
{
	pthread_mutex_lock(&b->lock);
	b->ready = 0;
	b->stop = false;
	b->error[0] = '\0';
	pthread_mutex_unlock(&b->lock);
}

int bystanders_wait(struct bystanders *b)
{
	struct timespec deadline;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += BYSTANDER_WAIT_S;
	pthread_mutex_lock(&b->lock);
	while (!ret && b->ready < b->nr && !b->stop)
		ret = pthread_cond_timedwait(&b->cond, &b->lock, &deadline);
	if (b->stop)
		ret = gmb_error(EIO, "%s", b->error[0] ? b->error : "a bystander vCPU stopped");
	else if (ret)
		ret = gmb_error(ETIMEDOUT, "%u of %u bystander vCPUs ready after %d s", b->ready,
				b->nr, BYSTANDER_WAIT_S);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

void bystanders_stop(struct bystanders *b, uint64_t ns)
{
	pthread_mutex_lock(&b->lock);
	b->stop = true;
	b->alone_ns = ns / 2 < BYSTANDER_MIN_ALONE_NS	? BYSTANDER_MIN_ALONE_NS
		      : ns / 2 > BYSTANDER_MAX_ALONE_NS ? BYSTANDER_MAX_ALONE_NS
							: ns / 2;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

/* A bystander that cannot go on: vCPU 0 must not wait for it, and says why it stopped. */
static int bystander_failed(struct bystanders *b, int ret)
{
	pthread_mutex_lock(&b->lock);
	if (!b->error[0])
		snprintf(b->error, sizeof(b->error), "%s", gmb_last_error());
	b->stop = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/* At a tick: whether the phase alone is over (then the bystander is ready), and whether to stop. */
static bool bystander_tick(struct bystanders *b, bool *alone, uint64_t elapsed_ns)
{
	bool stop;

	pthread_mutex_lock(&b->lock);
	if (*alone && elapsed_ns >= b->alone_ns) {
		*alone = false;
		if (++b->ready == b->nr)
			pthread_cond_broadcast(&b->cond);
	}
	stop = !*alone && b->stop;
	pthread_mutex_unlock(&b->lock);
	return stop;
}

static int bystander_sample(struct bystanders *b, struct vcpu *vcpu, struct wl_vcpu_sample *out)
{
	/* A tick of about a millisecond, in the guest's TSC cycles. */
	uint64_t tick = vcpu->vm->tsc_khz ? vcpu->vm->tsc_khz : 1000000, start;
	bool alone = true;
	struct ucall uc;
	int ret;

	ret = wl_start_sample(vcpu, tick);
	start = now_ns();
	while (!ret) {
		ret = vcpu_run(vcpu);
		if (ret)
			break;
		switch (vcpu_get_ucall(vcpu, &uc)) {
		case GMB_UCALL_TICK:
			if (alone) {
				out->alone_ops = uc.args[0];
				out->alone_cycles = uc.args[1];
			}
			ret = vcpu_reply(vcpu, !bystander_tick(b, &alone, now_ns() - start));
			continue;
		case GMB_UCALL_RESULT:
			break;
		case GMB_UCALL_NONE:
			ret = vcpu_unexpected_exit(vcpu, NULL);
			continue;
		default:
			ret = vcpu_unexpected_exit(vcpu, &uc);
			continue;
		}
		break;
	}
	if (ret)
		return ret;
	out->host_ns = now_ns() - start;
	out->ops = wl_decode_result(&uc, out);
	/* Every touch checked its page first. */
	out->guest_checks = out->ops;
	if (out->ops < out->alone_ops || out->guest_cycles < out->alone_cycles)
		return gmb_error(EPROTO, "bystander vCPU %u: fewer touches in all than alone",
				 vcpu->id);
	out->ops -= out->alone_ops;
	out->guest_cycles -= out->alone_cycles;
	return wl_finish_sample(vcpu);
}

int bystander_run_vcpu(struct bystanders *b, struct vcpu *vcpu, struct wl_vcpu_sample *out)
{
	int ret = bystander_sample(b, vcpu, out);

	return ret ? bystander_failed(b, ret) : 0;
}
