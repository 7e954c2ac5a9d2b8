// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "host/probe.h"
#include "measure/placement.h"
#include "run/runner.h"

/*
 * One operation first: a conversion of 2 MiB can take a second under nested TCG, and a
 * thousand of them would outlast the watchdog. Steps grow by up to 100x, so a fast operation
 * costs only a step or two more.
 */
#define CALIBRATION_START_ITERATIONS 1
#define CALIBRATION_MAX_STEPS	     16

volatile sig_atomic_t runner_stop_requested;

struct worker {
	struct case_runtime *rt;
	unsigned int index;
	int cpu;
	struct thread_seen *seen;	 /* this worker's own slot in the case's record */
	struct thread_seen *device_seen; /* its device thread's, if the workload has one */
	pthread_t thread;
	bool started;
	bool in_sample; /* in the workload's run_vcpu: its end there fails the sample */
	int ret;
};

/* One case's live state: the workload instance and its vCPU threads. */
struct case_runtime {
	struct wl_case wc;
	struct worker *workers;
	unsigned int nr_workers;
	unsigned int watchdog_ms;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t generation;
	uint64_t iterations;
	unsigned int running;
	bool quit;
	int error;
	char error_msg[400];
	struct wl_vcpu_sample *out;
};

void thread_seen_add(struct thread_seen *seen, int cpu)
{
	if (cpu < 0)
		return;
	for (unsigned int i = 0; i < seen->nr; i++)
		if (seen->cpus[i] == cpu)
			return;
	if (seen->nr == THREAD_SEEN_MAX)
		seen->more = true;
	else
		seen->cpus[seen->nr++] = cpu;
}

static void record_error(struct case_runtime *rt, int ret)
{
	if (ret && !rt->error) {
		rt->error = ret;
		snprintf(rt->error_msg, sizeof(rt->error_msg), "%s", gmb_last_error());
	}
}

/*
 * A vCPU thread that ends in the middle of a sample (pthread_exit() in a workload or a
 * library under it): its share of the sample counts as failed, so that the main thread,
 * waiting for every vCPU, fails the case instead of waiting forever.
 */
static void worker_ended(void *arg)
{
	struct worker *w = arg;
	struct case_runtime *rt = w->rt;

	if (!w->in_sample)
		return;
	pthread_mutex_lock(&rt->lock);
	record_error(rt, gmb_error(EPIPE, "the thread of vCPU %u ended in the middle of a sample",
				   w->index));
	if (--rt->running == 0)
		pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->lock);
}

/* The workload's share of one sample on this vCPU, with worker_ended() armed. */
static int worker_run_vcpu(struct worker *w, uint64_t iterations)
{
	w->in_sample = true;
	pthread_cleanup_push(worker_ended, w);
	w->ret = w->rt->wc.params.workload->run_vcpu(&w->rt->wc, w->index, iterations,
						     &w->rt->out[w->index]);
	pthread_cleanup_pop(0);
	w->in_sample = false;
	return w->ret;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct case_runtime *rt = w->rt;
	uint64_t seen = 0;
	sigset_t set;

	/* Ctrl-C belongs to the main thread; a vCPU thread only takes its watchdog. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_mutex_lock(&rt->lock);
	/* A thread that cannot be pinned would run where the results do not say: fail. */
	if (w->cpu >= 0)
		record_error(rt, placement_pin_self(w->cpu));
	for (;;) {
		uint64_t iterations;
		int ret;

		while (!rt->quit && rt->generation == seen)
			pthread_cond_wait(&rt->cond, &rt->lock);
		if (rt->quit)
			break;
		seen = rt->generation;
		iterations = rt->iterations;
		pthread_mutex_unlock(&rt->lock);

		ret = guest_watchdog_arm(rt->watchdog_ms);
		if (!ret)
			ret = worker_run_vcpu(w, iterations);
		guest_watchdog_arm(0);
		if (ret == -EINTR && guest_watchdog_fired())
			ret = gmb_error(ETIMEDOUT, "vCPU %u did not finish a sample within %u ms",
					w->index, rt->watchdog_ms);
		thread_seen_add(w->seen, sched_getcpu());
		if (w->device_seen && !ret) /* set by a sample that completed */
			thread_seen_add(w->device_seen, rt->out[w->index].device_cpu);

		pthread_mutex_lock(&rt->lock);
		record_error(rt, ret);
		if (--rt->running == 0)
			pthread_cond_broadcast(&rt->cond);
	}
	pthread_mutex_unlock(&rt->lock);
	return NULL;
}

/*
 * Where the case's memory went, read back once from the live guest: right after a sample of a
 * workload that makes a fresh guest per sample, or before the guest is torn down. Both are
 * outside every measured window, so a guest_memfd's pages may be mapped to ask for their node.
 */
static void case_read_memory(struct case_result *cr, struct case_runtime *rt)
{
	struct mem_region *mem = &rt->wc.guest.mem;

	if (cr->memory.known || !rt->wc.guest.vm || !mem->backend)
		return;
	cr->memory.known = true;
	cr->memory.binding = mem->binding;
	snprintf(cr->memory.binding_reason, sizeof(cr->memory.binding_reason), "%s",
		 mem->binding_reason);
	if (numa_read_back(mem, NUMA_READBACK_PAGES, true, &cr->memory.readback))
		snprintf(cr->memory.readback.reason, sizeof(cr->memory.readback.reason), "%s",
			 gmb_last_error());
}

static void case_runtime_destroy(struct case_result *cr)
{
	struct case_runtime *rt = cr->rt;

	if (!rt)
		return;
	pthread_mutex_lock(&rt->lock);
	rt->quit = true;
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->lock);
	for (unsigned int i = 0; i < rt->nr_workers; i++)
		if (rt->workers[i].started)
			pthread_join(rt->workers[i].thread, NULL);
	case_read_memory(cr, rt);
	if (rt->wc.guest.vm && rt->wc.params.workload->finish &&
	    (cr->status == CASE_PENDING || cr->status == CASE_OK) &&
	    rt->wc.params.workload->finish(&rt->wc)) {
		cr->status = CASE_FAILED;
		snprintf(cr->reason, sizeof(cr->reason), "%s", gmb_last_error());
	}
	if (rt->wc.guest.vm)
		rt->wc.params.workload->teardown(&rt->wc);
	pthread_mutex_destroy(&rt->lock);
	pthread_cond_destroy(&rt->cond);
	free(rt->workers);
	free(rt->out);
	free(rt);
	cr->rt = NULL;
}

static int case_runtime_create(struct run_state *rs, struct case_result *cr)
{
	unsigned int n = cr->params.nr_vcpus;
	bool devices = cr->params.workload->device_threads;
	struct case_runtime *rt;
	int *plan = NULL;
	int ret;

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return gmb_error(ENOMEM, "out of memory");
	pthread_mutex_init(&rt->lock, NULL);
	pthread_cond_init(&rt->cond, NULL);
	rt->wc.params = cr->params;
	rt->watchdog_ms = 10000 + 20 * rs->cfg.sample_ms;
	rt->workers = calloc(n, sizeof(*rt->workers));
	rt->out = calloc(n, sizeof(*rt->out));
	cr->vcpu_cpus = calloc(n, sizeof(int));
	cr->vcpu_seen = calloc(n, sizeof(*cr->vcpu_seen));
	cr->rt = rt;
	if (devices) {
		cr->device_cpus = calloc(n, sizeof(int));
		cr->device_seen = calloc(n, sizeof(*cr->device_seen));
		plan = calloc(2 * n, sizeof(int));
	}
	if (!rt->workers || !rt->out || !cr->vcpu_cpus || !cr->vcpu_seen ||
	    (devices && (!cr->device_cpus || !cr->device_seen || !plan))) {
		free(plan);
		return gmb_error(ENOMEM, "out of memory");
	}
	if (!placement_host()) {
		free(plan);
		return -EIO;
	}

	/*
	 * Threads first: "local" memory is the node of the CPUs the vCPUs will run on. Device
	 * threads are planned after the vCPUs, by the same rule, each off its vCPU's CPU.
	 */
	for (unsigned int i = 0; i < n; i++) {
		cr->vcpu_cpus[i] = -1;
		if (devices)
			cr->device_cpus[i] = -1;
	}
	if (rs->cfg.pin) {
		ret = placement_plan(placement_host(), &rs->cfg.cpus, devices ? 2 * n : n,
				     devices ? plan : cr->vcpu_cpus);
		if (!ret && devices) {
			memcpy(cr->vcpu_cpus, plan, n * sizeof(int));
			placement_devices(plan, n, cr->device_cpus);
		}
		if (ret) {
			free(plan);
			return ret;
		}
	}
	free(plan);
	rt->wc.device_cpus = cr->device_cpus;
	cr->memory.policy =
		placement_mem_policy(placement_host(), &rs->cfg.mem_node, cr->vcpu_cpus, n);
	rt->wc.mem_policy = cr->memory.policy;
	rt->wc.caps = &rs->caps;

	ret = cr->params.workload->setup(&rt->wc);
	cr->reference = rt->wc.reference;
	if (ret)
		return ret;
	snprintf(cr->note, sizeof(cr->note), "%s", rt->wc.note);
	cr->timer_floor_cycles = rt->wc.timer_floor_cycles;
	if (!rs->tsc_khz && rt->wc.guest.vm)
		rs->tsc_khz = rt->wc.guest.vm->tsc_khz;

	for (unsigned int i = 0; i < n; i++) {
		struct worker *w = &rt->workers[i];

		w->rt = rt;
		w->index = i;
		w->cpu = cr->vcpu_cpus[i];
		w->seen = &cr->vcpu_seen[i];
		w->device_seen = cr->device_seen ? &cr->device_seen[i] : NULL;
		ret = pthread_create(&w->thread, NULL, worker_main, w);
		if (ret)
			return gmb_error(ret, "pthread_create for vCPU %u failed: %s", i,
					 strerror(ret));
		w->started = true;
		rt->nr_workers++;
	}
	return 0;
}

/* Runs one sample on every vCPU of the case at once; fills s. 0 or -errno. */
static int case_run_sample(struct run_state *rs, struct case_result *cr, uint64_t iterations,
			   struct sample *s)
{
	struct case_runtime *rt = cr->rt;
	int64_t before[CTR_NR], after[CTR_NR];
	uint64_t start;

	const struct workload *wl = cr->params.workload;
	int ret;

	memset(s, 0, sizeof(*s));
	s->iterations = iterations;
	/* Outside the window: every sample then starts with as many free huge pages as can be. */
	if (rs->cfg.compact && write_text_file("/proc/sys/vm/compact_memory", "1\n", 2))
		return gmb_error(EIO, "%s", gmb_last_error());
	if (wl->sample_begin) {
		ret = wl->sample_begin(&rt->wc);
		if (ret)
			return ret;
		cr->timer_floor_cycles = rt->wc.timer_floor_cycles;
		if (!rs->tsc_khz)
			rs->tsc_khz = rt->wc.guest.vm->tsc_khz;
	}
	thread_seen_add(&cr->main_seen, sched_getcpu());
	counters_read_begin(&rs->counters, before);
	if (wl->sample_populate) {
		ret = wl->sample_populate(&rt->wc, &s->populate_ns);
		if (ret)
			return ret;
	}

	pthread_mutex_lock(&rt->lock);
	memset(rt->out, 0, sizeof(*rt->out) * rt->nr_workers);
	rt->iterations = iterations;
	rt->running = rt->nr_workers;
	rt->generation++;
	start = now_ns();
	pthread_cond_broadcast(&rt->cond);
	while (rt->running)
		pthread_cond_wait(&rt->cond, &rt->lock);
	s->wall_ns = now_ns() - start;
	pthread_mutex_unlock(&rt->lock);

	counters_read_end(&rs->counters, after);
	for (int i = 0; i < CTR_NR; i++)
		s->counters[i] = after[i] - before[i];
	if (wl->sample_check && !rt->error) {
		ret = wl->sample_check(&rt->wc);
		if (ret)
			record_error(rt, ret);
	}
	if (wl->sample_end) {
		case_read_memory(cr, rt); /* the guest goes with the sample */
		wl->sample_end(&rt->wc);
	}

	if (rt->error)
		return gmb_error(rt->error, "%s", rt->error_msg);
	s->vcpus = malloc(sizeof(*s->vcpus) * rt->nr_workers);
	if (!s->vcpus)
		return gmb_error(ENOMEM, "out of memory");
	memcpy(s->vcpus, rt->out, sizeof(*s->vcpus) * rt->nr_workers);
	return 0;
}

static int case_keep_sample(struct case_result *cr, const struct sample *s)
{
	if (cr->nr_samples == cr->cap_samples) {
		unsigned int cap = cr->cap_samples ? cr->cap_samples * 2 : 16;
		struct sample *grown = realloc(cr->samples, cap * sizeof(*grown));

		if (!grown)
			return gmb_error(ENOMEM, "out of memory for samples");
		cr->samples = grown;
		cr->cap_samples = cap;
	}
	cr->samples[cr->nr_samples++] = *s;
	return 0;
}

static void case_fail(struct case_result *cr, enum case_status status, const char *reason)
{
	cr->status = status;
	snprintf(cr->reason, sizeof(cr->reason), "%s", reason);
	case_runtime_destroy(cr);
}

/*
 * Scales the iteration count until one sample takes about sample_ms, like kvm-unit-tests'
 * vmexit does: short samples measure the timer, long ones waste the time budget.
 */
static int case_calibrate(struct run_state *rs, struct case_result *cr)
{
	uint64_t target = (uint64_t)rs->cfg.sample_ms * 1000000ULL;
	uint64_t iterations = CALIBRATION_START_ITERATIONS, factor;

	if (cr->params.workload->fixed_ops) {
		cr->iterations = 1; /* one pass over the data area */
		return 0;
	}
	for (int step = 0; step < CALIBRATION_MAX_STEPS; step++) {
		struct sample s;
		int ret = case_run_sample(rs, cr, iterations, &s);

		free(s.vcpus);
		if (ret)
			return ret;
		if (s.wall_ns >= target / 2 || runner_stop_requested) {
			iterations = (uint64_t)((double)iterations * (double)target /
						(double)(s.wall_ns ? s.wall_ns : 1));
			break;
		}
		factor = s.wall_ns ? target / s.wall_ns : 100;
		iterations *= factor < 2 ? 2 : factor > 100 ? 100 : factor;
	}
	cr->iterations = iterations ? iterations : 1;
	return 0;
}

/*
 * After every round (and every case, in sequential order): a run killed by SIGKILL or a
 * power cut keeps every round but the one in progress. The write is outside every sample.
 */
static void checkpoint(struct run_state *rs)
{
	if (rs->checkpoint && rs->checkpoint(rs))
		fprintf(stderr, "gmembench: warning: %s\n", gmb_last_error());
}

/* Tells the command what is about to run (cr) or that round r is done (NULL). */
static void report_progress(struct run_state *rs, const struct case_result *cr, unsigned int r,
			    unsigned int rounds)
{
	if (rs->progress && (!cr || cr->status == CASE_PENDING))
		rs->progress(rs, cr, r, rounds);
}

static void run_one_sample(struct run_state *rs, struct case_result *cr, bool warmup)
{
	struct sample s;
	int ret;

	if (cr->status != CASE_PENDING)
		return;
	ret = case_run_sample(rs, cr, cr->iterations, &s);
	if (!ret) {
		s.warmup = warmup;
		ret = case_keep_sample(cr, &s);
	}
	if (ret) {
		free(s.vcpus);
		case_fail(cr, CASE_FAILED, gmb_last_error());
	}
}

int runner_run(struct run_state *rs)
{
	unsigned int rounds = rs->cfg.warmup + rs->cfg.samples;
	struct stats_rng rng = { .state = rs->cfg.seed };
	unsigned int *order;
	int ret;

	rs->status = "running";
	ret = matrix_expand(rs);
	if (ret)
		return ret;
	if (!rs->nr_cases)
		return gmb_error(EINVAL, "the selection matches no case");

	/* Skip what cannot run, with the reason, then bring up the rest. */
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		struct case_result *cr = &rs->cases[i];
		const struct backend_probe *probe = &rs->probes[cr->params.backend->id];

		if (probe->status != BACKEND_AVAILABLE) {
			cr->status = CASE_SKIPPED;
			snprintf(cr->reason, sizeof(cr->reason), "backend %s is %s: %s",
				 cr->params.backend->name, backend_status_name(probe->status),
				 probe->reason);
			continue;
		}
		ret = cr->params.workload->valid(&cr->params, &rs->caps, cr->reason,
						 sizeof(cr->reason));
		if (ret) {
			cr->status = CASE_SKIPPED;
			cr->invalid_options = ret == -EINVAL;
			continue;
		}
	}
	checkpoint(rs);

	for (unsigned int i = 0; i < rs->nr_cases && !runner_stop_requested; i++) {
		struct case_result *cr = &rs->cases[i];

		if (cr->status != CASE_PENDING)
			continue;
		ret = case_runtime_create(rs, cr);
		if (!ret)
			ret = case_calibrate(rs, cr);
		if (ret)
			case_fail(cr, cr->rt && cr->rt->wc.skip ? CASE_SKIPPED : CASE_FAILED,
				  gmb_last_error());
		else if (rs->cfg.sequential) {
			for (unsigned int r = 0; r < rounds && !runner_stop_requested; r++) {
				report_progress(rs, cr, r, rounds);
				run_one_sample(rs, cr, r < rs->cfg.warmup);
			}
			if (cr->status == CASE_PENDING && !runner_stop_requested)
				cr->status = CASE_OK;
			case_runtime_destroy(cr);
			report_progress(rs, NULL, rounds - 1, rounds);
			checkpoint(rs);
		}
	}

	/*
	 * Interleaved: round r runs sample r of every case, each case next to its raw twin so
	 * that the two see the same minute of a noisy machine. Shuffled (the default) draws a
	 * new order every round, of the pairs and within each pair: a sample can change the
	 * host's state for the next one (a fault case that frees 256 MiB of huge pages hands
	 * them to whichever case runs next), and a fixed order would always favour the same one.
	 */
	ret = 0; /* a case that failed to set up is already marked; the others go on */
	order = calloc(rs->nr_cases, sizeof(*order));
	if (!order)
		return gmb_error(ENOMEM, "out of memory");
	for (unsigned int r = 0; !rs->cfg.sequential && r < rounds && !runner_stop_requested; r++) {
		ret = matrix_round_order(rs, order, rs->cfg.shuffle ? &rng : NULL);
		if (ret)
			break;
		for (unsigned int i = 0; i < rs->nr_cases && !runner_stop_requested; i++) {
			report_progress(rs, &rs->cases[order[i]], r, rounds);
			run_one_sample(rs, &rs->cases[order[i]], r < rs->cfg.warmup);
		}
		report_progress(rs, NULL, r, rounds);
		checkpoint(rs);
	}
	free(order);
	if (ret)
		return ret;

	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		struct case_result *cr = &rs->cases[i];

		if (cr->status == CASE_PENDING)
			cr->status = runner_stop_requested ? CASE_INTERRUPTED : CASE_OK;
		if (cr->status == CASE_INTERRUPTED && !cr->reason[0])
			snprintf(cr->reason, sizeof(cr->reason),
				 "interrupted after %u of %u samples", cr->nr_samples, rounds);
		case_runtime_destroy(cr);
	}
	rs->status = runner_stop_requested ? "interrupted" : "complete";
	/* Every guest is gone: what the host's memory is left with is the run's doing. */
	rs->memory_after = probe_memory_now();
	return rs->checkpoint ? rs->checkpoint(rs) : 0;
}

void runner_free(struct run_state *rs)
{
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		struct case_result *cr = &rs->cases[i];

		case_runtime_destroy(cr);
		for (unsigned int s = 0; s < cr->nr_samples; s++)
			free(cr->samples[s].vcpus);
		free(cr->samples);
		free(cr->vcpu_cpus);
		free(cr->vcpu_seen);
		free(cr->device_cpus);
		free(cr->device_seen);
	}
	free(rs->cases);
	rs->cases = NULL;
	rs->nr_cases = 0;
	json_decref(rs->memory_after);
	rs->memory_after = NULL;
}
