// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench stress: jobs (a workload on a backend) run at once until the time is up. Each job
 * drives its workload through the same ops the runner uses (setup, sample_begin, populate, a
 * thread per vCPU in run_vcpu, sample_check, sample_end, teardown), so every check the
 * workload makes runs here too; nothing is timed for a result, so the only numbers kept are
 * counts: guests made, samples, operations, pages checked, memslot changes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "run/stress.h"

/* The spare memslot: a slot number and a GPA the guests never use, 2 MiB of the backend. */
#define STRESS_SLOT	  7
#define STRESS_SPARE_SIZE SZ_2M
/* A guest runs this many samples, then the job makes the next variant's guest. */
#define STRESS_SAMPLES_PER_GUEST 8
/* Samples are sized to take about this long, so that a stop is never far away. */
#define STRESS_SAMPLE_NS      (100 * 1000000ULL)
#define STRESS_MAX_ITERATIONS (1ULL << 20)

volatile sig_atomic_t stress_stop_requested;

/* A job's vCPU threads, which live as long as the job and run one sample when woken. */
struct stress_crew {
	struct stress_job *job;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t generation;
	unsigned int running, nr_threads;
	bool quit;
	struct wl_case *wc;
	uint64_t iterations;
	struct wl_vcpu_sample *out;
	int error;
	char error_msg[512];
	pthread_t *threads;
};

struct stress_vcpu {
	struct stress_crew *crew;
	unsigned int index;
};

const char *stress_job_status_name(enum stress_job_status status)
{
	static const char *const names[] = {
		[STRESS_JOB_PENDING] = "pending", [STRESS_JOB_RUNNING] = "running",
		[STRESS_JOB_OK] = "ok",		  [STRESS_JOB_SKIPPED] = "skipped",
		[STRESS_JOB_FAILED] = "failed",
	};

	return names[status];
}

static bool stopping(const struct stress_run *sr)
{
	return __atomic_load_n(&sr->stop, __ATOMIC_RELAXED);
}

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static void block_stop_signals(void)
{
	sigset_t set;

	/* SIGINT and SIGTERM belong to the main thread; a vCPU thread takes only its watchdog. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *stress_vcpu_main(void *arg)
{
	struct stress_vcpu *v = arg;
	struct stress_crew *crew = v->crew;
	unsigned int watchdog_ms = crew->job->run->cfg.watchdog_s * 1000;
	uint64_t seen = 0;

	block_stop_signals();
	pthread_mutex_lock(&crew->lock);
	for (;;) {
		struct wl_case *wc;
		uint64_t iterations;
		int ret;

		while (!crew->quit && crew->generation == seen)
			pthread_cond_wait(&crew->cond, &crew->lock);
		if (crew->quit)
			break;
		seen = crew->generation;
		wc = crew->wc;
		iterations = crew->iterations;
		pthread_mutex_unlock(&crew->lock);

		ret = guest_watchdog_arm(watchdog_ms);
		if (!ret)
			ret = wc->params.workload->run_vcpu(wc, v->index, iterations,
							    &crew->out[v->index]);
		guest_watchdog_arm(0);
		if (ret == -EINTR && guest_watchdog_fired())
			ret = gmb_error(ETIMEDOUT, "vCPU %u did not finish its sample within %u s",
					v->index, watchdog_ms / 1000);

		pthread_mutex_lock(&crew->lock);
		if (ret && !crew->error) {
			crew->error = ret;
			snprintf(crew->error_msg, sizeof(crew->error_msg), "%s", gmb_last_error());
		}
		/* Atomic: the job's thread reads it without the lock while it churns memslots. */
		if (__atomic_sub_fetch(&crew->running, 1, __ATOMIC_RELEASE) == 0)
			pthread_cond_broadcast(&crew->cond);
	}
	pthread_mutex_unlock(&crew->lock);
	free(v);
	return NULL;
}

static void crew_stop(struct stress_crew *crew)
{
	pthread_mutex_lock(&crew->lock);
	crew->quit = true;
	pthread_cond_broadcast(&crew->cond);
	pthread_mutex_unlock(&crew->lock);
	for (unsigned int i = 0; i < crew->nr_threads; i++)
		pthread_join(crew->threads[i], NULL);
	pthread_mutex_destroy(&crew->lock);
	pthread_cond_destroy(&crew->cond);
	free(crew->threads);
	free(crew->out);
}

static int crew_start(struct stress_crew *crew, struct stress_job *job)
{
	memset(crew, 0, sizeof(*crew));
	crew->job = job;
	pthread_mutex_init(&crew->lock, NULL);
	pthread_cond_init(&crew->cond, NULL);
	crew->threads = calloc(job->nr_vcpus, sizeof(*crew->threads));
	crew->out = calloc(job->nr_vcpus, sizeof(*crew->out));
	if (!crew->threads || !crew->out)
		return gmb_error(ENOMEM, "out of memory");
	for (unsigned int i = 0; i < job->nr_vcpus; i++) {
		struct stress_vcpu *v = malloc(sizeof(*v));
		int ret;

		if (!v)
			return gmb_error(ENOMEM, "out of memory");
		*v = (struct stress_vcpu){ .crew = crew, .index = i };
		ret = pthread_create(&crew->threads[i], NULL, stress_vcpu_main, v);
		if (ret) {
			free(v);
			return gmb_error(ret, "pthread_create for vCPU %u failed: %s", i,
					 strerror(ret));
		}
		crew->nr_threads++;
	}
	return 0;
}

/*
 * While the vCPUs run: the spare memslot added and removed, again and again, in their VM.
 * KVM must then update its memslots under running vCPUs (SRCU, zaps, kicks) while they fault,
 * convert and exit. Its memory is the job's backend's; the guests never touch its GPA.
 */
static int memslot_churn(struct stress_job *job, struct wl_case *wc, struct stress_crew *crew)
{
	struct vm *vm = wc->guest.vm;
	struct mem_region spare;
	uint64_t gpa = vm->layout.mmio_gpa + SZ_1G;
	int ret;

	ret = mem_create(&spare, job->backend, vm->fd, STRESS_SPARE_SIZE, NULL);
	if (ret)
		return gmb_error(ret, "the spare memslot's memory: %s", gmb_last_error());
	while (!ret && __atomic_load_n(&crew->running, __ATOMIC_ACQUIRE)) {
		/* A pause, so that the vCPUs refault between the zaps each deletion makes. */
		const struct timespec pause = { .tv_nsec = 10 * 1000000L };

		ret = vm_bind_region(vm, STRESS_SLOT, gpa, &spare);
		if (!ret) {
			add(&job->memslot_changes, 1);
			ret = vm_unbind_region(vm, STRESS_SLOT);
		}
		if (!ret)
			add(&job->memslot_changes, 1);
		nanosleep(&pause, NULL);
	}
	mem_destroy(&spare);
	return ret;
}

/* One sample on every vCPU of the job's guest at once, with the memslot churn beside it. */
static int crew_run(struct stress_crew *crew, struct wl_case *wc, uint64_t iterations)
{
	struct stress_job *job = crew->job;
	int ret = 0;

	pthread_mutex_lock(&crew->lock);
	memset(crew->out, 0, sizeof(*crew->out) * crew->nr_threads);
	crew->wc = wc;
	crew->iterations = iterations;
	crew->error = 0;
	__atomic_store_n(&crew->running, crew->nr_threads, __ATOMIC_RELEASE);
	crew->generation++;
	pthread_cond_broadcast(&crew->cond);
	pthread_mutex_unlock(&crew->lock);

	if (job->run->cfg.memslots && wc->guest.vm)
		ret = memslot_churn(job, wc, crew);

	pthread_mutex_lock(&crew->lock);
	while (__atomic_load_n(&crew->running, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&crew->cond, &crew->lock);
	pthread_mutex_unlock(&crew->lock);
	if (crew->error)
		return gmb_error(crew->error, "%s", crew->error_msg);
	return ret;
}

static int stress_sample(struct stress_job *job, struct stress_crew *crew, struct wl_case *wc,
			 struct stress_variant *var)
{
	const struct workload *wl = job->workload;
	uint64_t host_checks = wc->host_checks, start = now_ns(), ns;
	int ret = 0;

	if (wl->sample_begin) {
		ret = wl->sample_begin(wc);
		if (ret)
			return ret;
		/* A workload that ends its guest with the sample made a new one for it. */
		if (wl->sample_end)
			add(&job->guests, 1);
	}
	if (wl->sample_populate)
		ret = wl->sample_populate(wc, &ns);
	if (!ret)
		ret = crew_run(crew, wc, var->iterations);
	if (!ret && wl->sample_check)
		ret = wl->sample_check(wc);
	if (wl->sample_end)
		wl->sample_end(wc);
	if (ret)
		return ret;

	for (unsigned int i = 0; i < job->nr_vcpus; i++) {
		/* A bystander's touches are not the workload's operations; its checks count. */
		if (!i || !wl->bystanders)
			add(&job->ops, crew->out[i].ops);
		add(&job->guest_checks, crew->out[i].guest_checks);
	}
	/* Each vCPU's count of operations was compared with the host's by run_vcpu. */
	add(&job->count_checks, job->nr_vcpus);
	add(&job->host_checks, wc->host_checks - host_checks);
	add(&job->samples, 1);
	var->samples++;

	ns = now_ns() - start;
	if (!wl->fixed_ops && ns < STRESS_SAMPLE_NS / 2 && var->iterations < STRESS_MAX_ITERATIONS)
		var->iterations *= 2;
	else if (ns > 4 * STRESS_SAMPLE_NS && var->iterations > 1)
		var->iterations /= 2;
	return 0;
}

static void job_params(const struct stress_job *job, const char *variant, struct wl_params *p)
{
	*p = (struct wl_params){
		.workload = job->workload,
		.variant = variant,
		.backend = job->backend,
		.nr_vcpus = job->nr_vcpus,
		.guest_page_size = SZ_4K,
		.data_size = job->run->cfg.data_size,
	};
}

/* One guest of one variant: made, STRESS_SAMPLES_PER_GUEST samples, torn down. */
static int stress_guest(struct stress_job *job, struct stress_crew *crew,
			struct stress_variant *var)
{
	struct wl_case wc = { 0 };
	int ret;

	job_params(job, var->name, &wc.params);
	ret = job->workload->setup(&wc);
	if (ret)
		return ret;
	if (wc.guest.vm)
		add(&job->guests, 1);
	for (unsigned int s = 0; !ret && s < STRESS_SAMPLES_PER_GUEST && !stopping(job->run); s++)
		ret = stress_sample(job, crew, &wc, var);
	job->workload->teardown(&wc);
	return ret;
}

static void *stress_job_main(void *arg)
{
	struct stress_job *job = arg;
	struct stress_run *sr = job->run;
	struct stress_crew crew;
	int ret;

	block_stop_signals();
	ret = crew_start(&crew, job);
	for (unsigned int v = 0; !ret && !stopping(sr); v = (v + 1) % job->nr_variants) {
		ret = stress_guest(job, &crew, &job->variants[v]);
		if (ret) {
			job->failed_variant = job->variants[v].name;
			job->failed_sample = job->variants[v].samples;
		}
	}
	if (ret) {
		snprintf(job->reason, sizeof(job->reason), "%s", gmb_last_error());
		__atomic_store_n(&job->status, STRESS_JOB_FAILED, __ATOMIC_RELEASE);
		__atomic_store_n(&sr->stop, 1, __ATOMIC_RELAXED);
	}
	crew_stop(&crew);
	if (!ret)
		__atomic_store_n(&job->status, STRESS_JOB_OK, __ATOMIC_RELEASE);
	return NULL;
}

/* The variants the workload takes on the job's backend with nr_vcpus; the others skipped. */
static unsigned int job_variants(struct stress_job *job, unsigned int nr_vcpus, bool *by_options)
{
	const struct workload *wl = job->workload;

	job->nr_vcpus = nr_vcpus;
	job->nr_variants = job->nr_skipped = 0;
	*by_options = false;
	for (const char *const *v = wl->variants; *v && job->nr_variants < STRESS_MAX_VARIANTS;
	     v++) {
		struct stress_skip *skip = &job->skipped[job->nr_skipped];
		struct wl_params params;
		int ret;

		job_params(job, *v, &params);
		ret = wl->valid(&params, &job->run->caps, skip->reason, sizeof(skip->reason));
		if (!ret) {
			job->variants[job->nr_variants++] = (struct stress_variant){
				.name = *v,
				.iterations = 1,
			};
			continue;
		}
		*by_options |= ret == -EINVAL;
		skip->variant = *v;
		job->nr_skipped++;
	}
	return job->nr_variants;
}

static void job_init(struct stress_run *sr, struct stress_job *job, const struct workload *wl,
		     const struct mem_backend *b, unsigned int index)
{
	const struct backend_probe *probe = &sr->probes[b->id];
	bool by_options;

	job->run = sr;
	job->workload = wl;
	job->backend = b;
	snprintf(job->id, sizeof(job->id), "%s/%s#%u", wl->name, b->name, index);
	if (probe->status != BACKEND_AVAILABLE) {
		job->status = STRESS_JOB_SKIPPED;
		snprintf(job->reason, sizeof(job->reason), "backend %s is %s: %s", b->name,
			 backend_status_name(probe->status), probe->reason);
		job->nr_vcpus = 1;
		return;
	}
	/* A workload that takes one vCPU only (conversion-churn) runs with one. */
	if (!job_variants(job, sr->cfg.vcpus, &by_options) && by_options && sr->cfg.vcpus > 1)
		job_variants(job, 1, &by_options);
	if (!job->nr_variants) {
		job->status = STRESS_JOB_SKIPPED;
		snprintf(job->reason, sizeof(job->reason), "no variant runs here; %s: %s",
			 job->skipped[0].variant, job->skipped[0].reason);
	}
}

int stress_prepare(struct stress_run *sr)
{
	struct stress_config *cfg = &sr->cfg;
	unsigned int runnable = 0;

	sr->status = "running";
	probe_host(&sr->caps, sr->probes);
	if (!sr->caps.kvm_usable)
		return gmb_error(ENODEV, "%s", sr->caps.kvm_error);
	if (!cfg->nr_backends)
		for (int i = 0; i < MEM_NR_BACKENDS; i++)
			cfg->backends[cfg->nr_backends++] = mem_backends[i];
	sr->jobs =
		calloc((size_t)cfg->nr_backends * cfg->nr_workloads * cfg->vms, sizeof(*sr->jobs));
	if (!sr->jobs)
		return gmb_error(ENOMEM, "out of memory");
	for (int w = 0; w < cfg->nr_workloads; w++)
		for (int b = 0; b < cfg->nr_backends; b++)
			for (unsigned int n = 0; n < cfg->vms; n++) {
				struct stress_job *job = &sr->jobs[sr->nr_jobs++];

				job_init(sr, job, cfg->workloads[w], cfg->backends[b], n);
				runnable += job->status == STRESS_JOB_PENDING;
			}
	if (!runnable)
		return gmb_error(EOPNOTSUPP, "no job can run: no backend chosen is usable here, or "
					     "no workload runs on it");
	/* The marker: from here on, what the kernel logs is this run's. */
	kmsg_watch_open(&sr->kmsg, cfg->kmsg_path ? cfg->kmsg_path : kmsg_default_path());
	return 0;
}

static void __attribute__((format(printf, 2, 3)))
stress_fail(struct stress_run *sr, const char *fmt, ...)
{
	va_list ap;

	if (!sr->failure[0]) {
		va_start(ap, fmt);
		vsnprintf(sr->failure, sizeof(sr->failure), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&sr->stop, 1, __ATOMIC_RELAXED);
}

/* The first job that failed, named with its reason. */
static void stress_check_jobs(struct stress_run *sr)
{
	for (unsigned int i = 0; i < sr->nr_jobs; i++) {
		struct stress_job *job = &sr->jobs[i];

		if (__atomic_load_n(&job->status, __ATOMIC_ACQUIRE) == STRESS_JOB_FAILED) {
			stress_fail(sr, "%s: %s", job->id, job->reason);
			return;
		}
	}
}

/* A new report in the kernel log fails the run; a log that cannot be read any more is said. */
static void stress_watch(struct stress_run *sr)
{
	int n;

	if (!sr->kmsg.available)
		return;
	n = kmsg_watch_poll(&sr->kmsg);
	if (n > 0 || (n < 0 && sr->kmsg.reported))
		stress_fail(sr, "the kernel log reported: %s", sr->kmsg.reports[0].line);
}

/*
 * Every job ends after its sample in progress, a vCPU that does not after its watchdog. One
 * stuck in the kernel, where no signal reaches it, is given up on 30 s after that: the run
 * fails, saying so, and still ends (the kernel log is read meanwhile: a hung task shows there).
 */
static void stress_join(struct stress_run *sr)
{
	uint64_t give_up = now_ns() + ((uint64_t)sr->cfg.watchdog_s + 30) * 1000000000ULL;
	bool waiting = true;

	while (waiting) {
		struct timespec until;

		waiting = false;
		stress_watch(sr);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		for (unsigned int i = 0; i < sr->nr_jobs; i++) {
			struct stress_job *job = &sr->jobs[i];

			if (!job->started || job->joined)
				continue;
			if (!pthread_timedjoin_np(job->thread, NULL, &until)) {
				job->joined = true;
				continue;
			}
			waiting = true;
			if (now_ns() < give_up)
				continue;
			job->joined = true; /* given up on: left behind, with its memory */
			sr->abandoned = true;
			stress_fail(sr,
				    "%s did not stop within %u s of the end (a vCPU stuck in the "
				    "kernel?)",
				    job->id, sr->cfg.watchdog_s + 30);
		}
	}
}

int stress_run(struct stress_run *sr)
{
	uint64_t deadline, last_progress = 0;
	const struct timespec tick = { .tv_nsec = 200 * 1000000L };
	int ret = 0;

	utc_now_iso(sr->started, sizeof(sr->started));
	sr->start_ns = now_ns();
	deadline = sr->start_ns + (uint64_t)sr->cfg.duration_s * 1000000000ULL;
	for (unsigned int i = 0; i < sr->nr_jobs && !ret; i++) {
		struct stress_job *job = &sr->jobs[i];

		if (job->status != STRESS_JOB_PENDING)
			continue;
		job->status = STRESS_JOB_RUNNING;
		ret = pthread_create(&job->thread, NULL, stress_job_main, job);
		if (ret) {
			job->status = STRESS_JOB_FAILED;
			snprintf(job->reason, sizeof(job->reason), "pthread_create failed: %s",
				 strerror(ret));
			stress_fail(sr, "%s", job->reason);
			break;
		}
		job->started = true;
	}
	while (!stopping(sr)) {
		uint64_t now;

		nanosleep(&tick, NULL);
		now = now_ns();
		stress_watch(sr);
		stress_check_jobs(sr);
		if (stress_stop_requested || now >= deadline)
			__atomic_store_n(&sr->stop, 1, __ATOMIC_RELAXED);
		if (sr->progress && now - last_progress >= 1000000000ULL) {
			sr->elapsed_ns = now - sr->start_ns;
			sr->progress(sr);
			last_progress = now;
		}
	}
	stress_join(sr);
	sr->elapsed_ns = now_ns() - sr->start_ns;
	utc_now_iso(sr->finished, sizeof(sr->finished));
	/* What the kernel logged while the last samples ended. */
	stress_watch(sr);
	stress_check_jobs(sr);
	if (sr->failure[0])
		sr->status = "failed";
	else if (stress_stop_requested)
		sr->status = "interrupted";
	else
		sr->status = "passed";
	return 0;
}

void stress_free(struct stress_run *sr)
{
	kmsg_watch_close(&sr->kmsg);
	if (!sr->abandoned)
		free(sr->jobs);
	sr->jobs = NULL;
	sr->nr_jobs = 0;
}
