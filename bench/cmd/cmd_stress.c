// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench stress: the workloads at once, on every usable backend, for a bounded time, with
 * every check on and the kernel log watched; a summary of what ran, what was checked and what
 * failed; stress.json and the evidence beside it.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"
#include "core/util.h"
#include "host/probe.h"
#include "measure/placement.h"
#include "results/stress.h"

enum stress_option_key {
	OPT_HELP = 'h',
	OPT_WORKLOAD = 'w',
	OPT_BACKEND = 'b',
	OPT_OUTPUT = 'o',
	OPT_QUIET = 'q',
	OPT_DURATION = 256,
	OPT_BACKENDS,
	OPT_VCPUS,
	OPT_VMS,
	OPT_SIZE,
	OPT_NO_MEMSLOTS,
	OPT_WATCHDOG,
};

static const struct cli_option stress_options[] = {
	{ "duration", OPT_DURATION, "S", "seconds to run (default: 180); it always stops then" },
	{ "backend", OPT_BACKEND, "LIST",
	  "backends, comma-separated (default: every usable one; others are skipped)" },
	{ "backends", OPT_BACKENDS, "LIST", "the same as --backend" },
	{ "workload", OPT_WORKLOAD, "LIST",
	  "workloads, comma-separated (default: mmio-storm, fault, conversion-churn)" },
	{ "vcpus", OPT_VCPUS, "N", "vCPUs per VM, where the workload takes more than one (2)" },
	{ "vms", OPT_VMS, "N", "VMs per workload and backend, each its own job (default: 1)" },
	{ "size", OPT_SIZE, "SIZE", "each guest's data area (default: 8M)" },
	{ "no-memslots", OPT_NO_MEMSLOTS, NULL,
	  "do not add and remove a spare memslot while the vCPUs run" },
	{ "watchdog", OPT_WATCHDOG, "S",
	  "a vCPU that has not finished its sample within S seconds fails (default: 120)" },
	{ "output", OPT_OUTPUT, "DIR", "where the stress run's directory goes (results/stress)" },
	{ "quiet", OPT_QUIET, NULL, "no progress lines" },
	{ "help", OPT_HELP, NULL, "this text" },
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	if (stress_stop_requested) {
		/* A second one: no waiting for the samples in progress. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	stress_stop_requested = 1;
}

static int parse_stress_option(struct stress_config *cfg, int key, char *arg)
{
	unsigned long v;

	switch (key) {
	case OPT_DURATION:
		if (parse_uint(arg, 1, 7 * 24 * 3600, &v))
			return usage_error("stress", "invalid duration '%s' s (1..604800)", arg);
		cfg->duration_s = (unsigned int)v;
		break;
	case OPT_BACKEND:
	case OPT_BACKENDS:
		return parse_backend_list("stress", arg, cfg->backends, &cfg->nr_backends);
	case OPT_WORKLOAD:
		return parse_workload_list("stress", arg, false, cfg->workloads,
					   &cfg->nr_workloads);
	case OPT_VCPUS:
		if (parse_uint(arg, 1, 64, &v))
			return usage_error("stress", "invalid vCPU count '%s' (1..64)", arg);
		cfg->vcpus = (unsigned int)v;
		break;
	case OPT_VMS:
		if (parse_uint(arg, 1, 16, &v))
			return usage_error("stress", "invalid VM count '%s' (1..16)", arg);
		cfg->vms = (unsigned int)v;
		break;
	case OPT_SIZE:
		if (parse_size(arg, &cfg->data_size) || cfg->data_size < 64 * 1024 ||
		    cfg->data_size > SZ_1G || !IS_ALIGNED(cfg->data_size, SZ_4K))
			return usage_error("stress",
					   "invalid size '%s' (a multiple of 4K from 64K to 1G)",
					   arg);
		break;
	case OPT_NO_MEMSLOTS:
		cfg->memslots = false;
		break;
	case OPT_WATCHDOG:
		if (parse_uint(arg, 1, 3600, &v))
			return usage_error("stress", "invalid watchdog '%s' s (1..3600)", arg);
		cfg->watchdog_s = (unsigned int)v;
		break;
	}
	return 0;
}

static bool quiet_progress;

static void stress_progress(const struct stress_run *sr)
{
	static uint64_t last_s;
	uint64_t s = sr->elapsed_ns / 1000000000ULL, samples = 0, ops = 0;

	if (quiet_progress || (s < last_s + 10 && s != 1))
		return;
	last_s = s;
	for (unsigned int i = 0; i < sr->nr_jobs; i++) {
		samples += __atomic_load_n(&sr->jobs[i].samples, __ATOMIC_RELAXED);
		ops += __atomic_load_n(&sr->jobs[i].ops, __ATOMIC_RELAXED);
	}
	fprintf(stderr,
		"gmembench stress: %" PRIu64 "/%u s, %" PRIu64 " samples, %" PRIu64 " operations\n",
		s, sr->cfg.duration_s, samples, ops);
}

static void print_jobs(const struct stress_run *sr)
{
	printf("%-34s %5s %7s %8s %12s %-12s %10s %10s %8s %8s  %s\n", "job", "vCPUs", "guests",
	       "samples", "operations", "", "guest-chk", "host-chk", "counts", "memslot", "status");
	for (unsigned int i = 0; i < sr->nr_jobs; i++) {
		const struct stress_job *j = &sr->jobs[i];

		if (j->status == STRESS_JOB_SKIPPED)
			continue;
		printf("%-34s %5u %7" PRIu64 " %8" PRIu64 " %12" PRIu64 " %-12s %10" PRIu64
		       " %10" PRIu64 " %8" PRIu64 " %8" PRIu64 "  %s\n",
		       j->id, j->nr_vcpus, j->guests, j->samples, j->ops, j->workload->op_plural,
		       j->guest_checks, j->host_checks, j->count_checks, j->memslot_changes,
		       stress_job_status_name(j->status));
	}
	for (unsigned int i = 0; i < sr->nr_jobs; i++)
		if (sr->jobs[i].status == STRESS_JOB_SKIPPED)
			printf("skipped %s: %s\n", sr->jobs[i].id, sr->jobs[i].reason);
}

static void print_summary_stress(const struct stress_run *sr)
{
	const struct kmsg_watch *w = &sr->kmsg;
	struct stress_totals t;

	stress_totals(sr, &t);
	print_jobs(sr);
	printf("totals: %" PRIu64 " jobs, %" PRIu64 " guests, %" PRIu64 " samples, %" PRIu64
	       " operations, %" PRIu64 " memslot changes\n",
	       t.jobs_run, t.guests, t.samples, t.ops, t.memslot_changes);
	printf("checks: %" PRIu64 " pages by the guest, %" PRIu64 " through the host's mapping, "
	       "%" PRIu64 " operation counts\n",
	       t.guest_checks, t.host_checks, t.count_checks);
	if (w->available)
		printf("kernel log: %s from a marker at the start: %" PRIu64 " records, %" PRIu64
		       " reports%s\n",
		       w->path, w->records, w->reported,
		       w->lost ? " (some records were lost)" : "");
	else
		printf("kernel-log watch unavailable: %s\n", w->reason);
	for (uint64_t i = 0; i < w->reported && i < KMSG_MAX_REPORTS; i++)
		printf("  kernel log, %s: %s\n", w->reports[i].kind, w->reports[i].line);
	for (unsigned int i = 0; i < sr->nr_jobs; i++) {
		const struct stress_job *j = &sr->jobs[i];

		if (j->status != STRESS_JOB_FAILED)
			continue;
		printf("FAILED %s", j->id);
		if (j->failed_variant)
			printf(" (variant %s, sample %" PRIu64 ")", j->failed_variant,
			       j->failed_sample);
		printf(": %s\n", j->reason);
	}
	printf("gmembench stress: %s after %.1f s of %u s%s%s\n", sr->status,
	       (double)sr->elapsed_ns / 1e9, sr->cfg.duration_s, sr->failure[0] ? ": " : "",
	       sr->failure);
}

static int stress_usage(void)
{
	printf("usage: gmembench stress [OPTIONS]\n\n"
	       "Runs the workloads at once on every usable backend for a bounded time, with\n"
	       "every integrity check on and the kernel log watched; any failure, or a kernel\n"
	       "report (BUG, WARNING, lockdep, KASAN...), fails the run.\n\n");
	print_options(stdout, stress_options, ARRAY_SIZE(stress_options));
	return 0;
}

int cmd_stress(int argc, char **argv)
{
	struct option longopts[ARRAY_SIZE(stress_options) + 1];
	struct stress_run sr = { 0 };
	struct stress_config *cfg = &sr.cfg;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *output = "results/stress";
	bool output_given = false;
	char shortopts[64], dir[4096], parent[4096], refused[8];
	json_t *environment;
	struct stat st;
	int c, ret;

	*cfg = (struct stress_config){
		.duration_s = 180,
		.vcpus = 2,
		.vms = 1,
		.data_size = 8 * 1024 * 1024,
		.memslots = true,
		.watchdog_s = 120,
	};
	for (size_t i = 0; i < nr_workloads && cfg->nr_workloads < RUN_MAX_LIST; i++)
		if (!workloads[i]->calibration)
			cfg->workloads[cfg->nr_workloads++] = workloads[i];
	quiet_progress = false;
	build_getopt(stress_options, ARRAY_SIZE(stress_options), longopts, shortopts);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			return stress_usage();
		case '?':
		case ':':
			return usage_error("stress", "%s '%s'",
					   c == ':' ? "missing argument for" : "unknown option",
					   refused_option(longopts, argv, refused,
							  sizeof(refused)));
		case OPT_QUIET:
			quiet_progress = true;
			break;
		case OPT_OUTPUT:
			snprintf(parent, sizeof(parent), "%s", optarg);
			if (!optarg[0] || stat(dirname(parent), &st) || !S_ISDIR(st.st_mode))
				return usage_error("stress",
						   "--output '%s': its parent directory does not "
						   "exist (only the last component is created)",
						   optarg);
			output = optarg;
			output_given = true;
			break;
		default:
			ret = parse_stress_option(cfg, c, optarg);
			if (ret)
				return ret;
		}
	}
	if (optind < argc)
		return usage_error("stress", "unexpected argument '%s'", argv[optind]);
	if (cli_parse_only)
		return 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stress_stop_requested = 0;

	ret = stress_prepare(&sr);
	if (ret) {
		if (!sr.caps.kvm_usable)
			fprintf(stderr, "gmembench stress: cannot run: %s\n", gmb_last_error());
		else {
			print_jobs(&sr);
			fprintf(stderr, "gmembench stress: %s\n", gmb_last_error());
		}
		stress_free(&sr);
		return 1;
	}
	if (!sr.kmsg.available)
		fprintf(stderr, "gmembench stress: kernel-log watch unavailable: %s\n",
			sr.kmsg.reason);
	environment = probe_environment(&sr.caps);
	ret = stress_make_dir(output, output_given, dir, sizeof(dir));
	if (ret) {
		fprintf(stderr, "gmembench stress: %s\n", gmb_last_error());
		json_decref(environment);
		stress_free(&sr);
		return 1;
	}
	printf("gmembench stress: %u jobs for %u s; writing %s/%s\n", sr.nr_jobs, cfg->duration_s,
	       dir, STRESS_JSON);
	fflush(stdout);
	/* A first record, "running": what a run killed outright leaves. */
	ret = stress_write(&sr, dir, environment, argc, argv);
	if (!ret) {
		sr.progress = stress_progress;
		stress_run(&sr);
		print_summary_stress(&sr);
		ret = stress_write(&sr, dir, environment, argc, argv);
	}
	if (ret)
		fprintf(stderr, "gmembench stress: %s\n", gmb_last_error());
	else
		printf("results: %s/%s%s\n", dir, STRESS_JSON,
		       strcmp(sr.status, "failed") ? ""
						   : " (evidence: failure.txt, kernel-log.txt)");
	json_decref(environment);
	placement_fini();
	if (!ret && !strcmp(sr.status, "passed"))
		ret = 0;
	else if (!ret && !strcmp(sr.status, "interrupted"))
		ret = 128 + stop_signal;
	else
		ret = 1;
	stress_free(&sr);
	return ret;
}
