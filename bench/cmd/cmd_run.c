// SPDX-License-Identifier: GPL-2.0
/* gmembench run: the options, the suites, huge-page reservation, signals, and the run itself. */
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"
#include "core/util.h"
#include "host/probe.h"
#include "measure/placement.h"
#include "results/results.h"
#include "run/runner.h"

enum option_key {
	OPT_HELP = 'h',
	OPT_WORKLOAD = 'w',
	OPT_BACKEND = 'b',
	OPT_SUITE = 's',
	OPT_OUTPUT = 'o',
	OPT_QUIET = 'q',
	OPT_VARIANT = 'V',
	OPT_JSON = 256,
	OPT_VCPUS,
	OPT_GUEST_PAGE,
	OPT_SIZE,
	OPT_SAMPLES,
	OPT_WARMUP,
	OPT_SAMPLE_MS,
	OPT_NO_RAW,
	OPT_ORDER,
	OPT_NO_PIN,
	OPT_CPUS,
	OPT_MEM_NODE,
	OPT_SEED,
	OPT_RESERVE_HUGEPAGES,
	OPT_COMPACT,
	OPT_DRY_RUN,
	OPT_VERBOSE,
	OPT_NORMALIZE,
	OPT_TARGET,
};

static const struct cli_option run_options[] = {
	{ "suite", OPT_SUITE, "NAME", "default, quick or full (sets the options below)" },
	{ "workload", OPT_WORKLOAD, "LIST", "workloads, comma-separated (default: the suite's)" },
	{ "variant", OPT_VARIANT, "LIST", "variants, comma-separated (default: each workload's)" },
	{ "backend", OPT_BACKEND, "LIST", "backends, comma-separated (default: all)" },
	{ "vcpus", OPT_VCPUS, "LIST", "vCPU counts, comma-separated (default: 1)" },
	{ "guest-page", OPT_GUEST_PAGE, "LIST", "guest page sizes, 4k and/or 2m (default: 4k)" },
	{ "size", OPT_SIZE, "SIZE", "guest data area, e.g. 2M, 512M (default: per workload)" },
	{ "samples", OPT_SAMPLES, "N", "kept samples per case" },
	{ "warmup", OPT_WARMUP, "N", "warm-up samples per case, not kept in statistics" },
	{ "sample-ms", OPT_SAMPLE_MS, "MS", "target duration of one sample" },
	{ "no-raw", OPT_NO_RAW, NULL, "do not run the raw (no-harness) calibration twins" },
	{ "order", OPT_ORDER, "ORDER",
	  "shuffled (default: cases take turns, in a new order each round), interleaved or "
	  "sequential" },
	{ "normalize", OPT_NORMALIZE, NULL,
	  "time a calibration loop in every round; record each rate over it too" },
	{ "no-pin", OPT_NO_PIN, NULL, "do not pin vCPU threads" },
	{ "cpus", OPT_CPUS, "WHERE",
	  "compact (default), spread or a CPU list (2-5,8): where vCPU and device threads run" },
	{ "mem-node", OPT_MEM_NODE, "NODE",
	  "local (default: the vCPUs' node), a node number or interleave: guest memory" },
	{ "seed", OPT_SEED, "N", "seed for the bootstrap (default: from the clock)" },
	{ "compact", OPT_COMPACT, NULL, "compact memory before every sample (root)" },
	{ "reserve-hugepages", OPT_RESERVE_HUGEPAGES, "N",
	  "reserve N more 2 MiB huge pages for the run (root), restored after" },
	{ "output", OPT_OUTPUT, "DIR", "where run directories go (default: results/runs)" },
	{ "target", OPT_TARGET, "PATH",
	  "virtio-zc's file or block device, overwritten (default: a new file in /dev/shm)" },
	{ "quiet", OPT_QUIET, NULL, "no progress and no summary table" },
	{ "verbose", OPT_VERBOSE, NULL,
	  "at the end, every case with its interval and vs raw, not the matrix per workload" },
	{ "dry-run", OPT_DRY_RUN, NULL,
	  "print the cases, what would be skipped and why, and the estimated duration; run "
	  "no guest" },
	{ "help", OPT_HELP, NULL, "this text" },
};

static int apply_suite(struct run_config *cfg, const char *suite)
{
	cfg->suite = suite;
	cfg->nr_workloads = 0;
	for (size_t i = 0; i < nr_workloads && cfg->nr_workloads < RUN_MAX_LIST; i++)
		if (!workloads[i]->calibration)
			cfg->workloads[cfg->nr_workloads++] = workloads[i];
	cfg->nr_vcpus = 1;
	cfg->vcpus[0] = 1;
	cfg->nr_guest_page_sizes = 1;
	cfg->guest_page_sizes[0] = SZ_4K;
	cfg->all_variants = false;
	cfg->full_sizes = false;
	if (!strcmp(suite, "default")) {
		/* About a minute on a 2-CPU host with five usable backends. */
		cfg->warmup = 2;
		cfg->samples = 10;
		cfg->sample_ms = 80;
	} else if (!strcmp(suite, "quick")) {
		cfg->warmup = 1;
		cfg->samples = 5;
		cfg->sample_ms = 20;
	} else if (!strcmp(suite, "full")) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		cfg->warmup = 3;
		cfg->samples = 20;
		cfg->sample_ms = 200;
		cfg->nr_vcpus = 0;
		for (long n = 1; n <= 2 * cpus && cfg->nr_vcpus < RUN_MAX_LIST; n *= 2)
			cfg->vcpus[cfg->nr_vcpus++] = (unsigned int)n;
		if (cfg->vcpus[cfg->nr_vcpus - 1] != 2 * cpus && cfg->nr_vcpus < RUN_MAX_LIST)
			cfg->vcpus[cfg->nr_vcpus++] = (unsigned int)(2 * cpus);
		cfg->nr_guest_page_sizes = 2;
		cfg->guest_page_sizes[1] = SZ_2M;
		cfg->all_variants = true;
		cfg->full_sizes = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Whether the directory that would hold path is missing. */
static bool output_parent_missing(const char *path)
{
	char parent[4096];
	struct stat st;

	snprintf(parent, sizeof(parent), "%s", path);
	return stat(dirname(parent), &st) || !S_ISDIR(st.st_mode);
}

static int parse_run_option(struct run_config *cfg, int key, char *arg)
{
	char *items[RUN_MAX_LIST];
	unsigned long v;
	uint64_t size;
	int n;

	switch (key) {
	case OPT_WORKLOAD:
		return parse_workload_list("run", arg, true, cfg->workloads, &cfg->nr_workloads);
	case OPT_VARIANT:
		n = split_list("run", "variant", arg, items, RUN_MAX_LIST);
		if (n < 0)
			return -n;
		cfg->nr_variants = 0;
		for (int i = 0; i < n; i++)
			cfg->variants[cfg->nr_variants++] = items[i];
		break;
	case OPT_BACKEND:
		return parse_backend_list("run", arg, cfg->backends, &cfg->nr_backends);
	case OPT_VCPUS:
		n = split_list("run", "vcpus", arg, items, RUN_MAX_LIST);
		if (n < 0)
			return -n;
		cfg->nr_vcpus = 0;
		for (int i = 0; i < n; i++) {
			if (parse_uint(items[i], 1, VM_MAX_VCPUS, &v))
				return usage_error("run", "invalid vCPU count '%s' (1..%d)",
						   items[i], VM_MAX_VCPUS);
			for (int k = 0; k < cfg->nr_vcpus; k++)
				if (cfg->vcpus[k] == v)
					return usage_error("run", "--vcpus: %lu is listed twice",
							   v);
			cfg->vcpus[cfg->nr_vcpus++] = (unsigned int)v;
		}
		break;
	case OPT_GUEST_PAGE:
		n = split_list("run", "guest-page", arg, items, 2);
		if (n < 0)
			return -n;
		cfg->nr_guest_page_sizes = 0;
		for (int i = 0; i < n; i++) {
			if (parse_size(items[i], &size) || (size != SZ_4K && size != SZ_2M))
				return usage_error("run", "invalid guest page size '%s' (4k or 2m)",
						   items[i]);
			if (i && cfg->guest_page_sizes[0] == size)
				return usage_error("run", "--guest-page: '%s' is listed twice",
						   items[i]);
			cfg->guest_page_sizes[cfg->nr_guest_page_sizes++] = size;
		}
		break;
	case OPT_SIZE:
		/* Guest memory comes in 4 KiB pages: no workload can use a partial one. */
		if (parse_size(arg, &size) || size < SZ_4K || size > 64 * SZ_1G ||
		    !IS_ALIGNED(size, SZ_4K))
			return usage_error("run",
					   "invalid size '%s' (a multiple of 4K from 4K to 64G, "
					   "e.g. "
					   "2M or 512M)",
					   arg);
		cfg->data_size = size;
		break;
	case OPT_SAMPLES:
		if (parse_uint(arg, 1, 100000, &v))
			return usage_error("run", "invalid sample count '%s' (1..100000)", arg);
		cfg->samples = (unsigned int)v;
		break;
	case OPT_WARMUP:
		if (parse_uint(arg, 0, 1000, &v))
			return usage_error("run", "invalid warm-up count '%s' (0..1000)", arg);
		cfg->warmup = (unsigned int)v;
		break;
	case OPT_SAMPLE_MS:
		if (parse_uint(arg, 1, 60000, &v))
			return usage_error("run", "invalid sample duration '%s' ms (1..60000)",
					   arg);
		cfg->sample_ms = (unsigned int)v;
		break;
	case OPT_NO_RAW:
		cfg->with_raw = false;
		break;
	case OPT_ORDER:
		if (!strcmp(arg, "sequential")) {
			cfg->sequential = true;
		} else if (!strcmp(arg, "interleaved") || !strcmp(arg, "shuffled")) {
			cfg->sequential = false;
			cfg->shuffle = !strcmp(arg, "shuffled");
		} else {
			return usage_error("run",
					   "invalid order '%s' (shuffled, interleaved or "
					   "sequential)",
					   arg);
		}
		break;
	case OPT_NO_PIN:
		cfg->pin = false;
		break;
	case OPT_NORMALIZE:
		cfg->calibration = workload_find("calibrate");
		break;
	case OPT_CPUS:
		/* Checked against the host's CPUs before anything runs. */
		if (placement_parse(arg, &cfg->cpus) || !placement_host() ||
		    placement_check(placement_host(), &cfg->cpus))
			return usage_error("run", "--cpus: %s", gmb_last_error());
		break;
	case OPT_MEM_NODE:
		if (placement_mem_parse(arg, &cfg->mem_node) || !placement_host() ||
		    placement_mem_check(placement_host(), &cfg->mem_node))
			return usage_error("run", "--mem-node: %s", gmb_last_error());
		break;
	case OPT_COMPACT:
		if (geteuid())
			return usage_error("run", "--compact needs root: it writes "
						  "/proc/sys/vm/compact_memory");
		cfg->compact = true;
		break;
	case OPT_SEED:
		if (parse_uint(arg, 0, ULONG_MAX, &v))
			return usage_error("run", "invalid seed '%s'", arg);
		cfg->seed = v;
		break;
	case OPT_OUTPUT:
		if (!arg[0])
			return usage_error("run", "--output needs a directory");
		if (output_parent_missing(arg))
			return usage_error("run",
					   "--output %s: its parent directory does not exist (only "
					   "the last component is created)",
					   arg);
		cfg->output_dir = arg;
		cfg->output_given = true;
		break;
	case OPT_TARGET:
		if (!arg[0])
			return usage_error("run", "--target needs a file or a device");
		cfg->target = arg;
		break;
	case OPT_RESERVE_HUGEPAGES:
		if (parse_uint(arg, 1, 1UL << 20, &v))
			return usage_error("run", "invalid huge page count '%s'", arg);
		cfg->reserve_hugepages = v;
		break;
	}
	return 0;
}

/*
 * Whether every case was skipped and at least one because the options do not suit its
 * workload (its valid() said -EINVAL, e.g. a --size too small for the vCPUs): then the
 * command line, not the host, is at fault.
 */
static bool refused_by_options(const struct run_state *rs, const char **reason)
{
	*reason = NULL;
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];

		if (cr->status != CASE_SKIPPED)
			return false;
		if (cr->invalid_options && !*reason)
			*reason = cr->reason;
	}
	return *reason != NULL;
}

/* SIGINT or SIGTERM: the run stops after the sample in progress and exits 128 + the signal. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	if (runner_stop_requested) {
		/*
		 * A second Ctrl-C: the last checkpoint on disk is complete and valid; the huge
		 * page count goes back before the signal ends the process.
		 */
		hugepages_restore_from_signal();
		signal(sig, SIG_DFL);
		raise(sig);
	}
	runner_stop_requested = 1;
}

/*
 * The last write failed (a full disk): what is on disk is the last checkpoint that was
 * written, or nothing when none could be.
 */
static void report_write_failure(const struct run_state *rs)
{
	char path[sizeof(rs->run_dir) + 32];

	fprintf(stderr, "gmembench run: %s\n", gmb_last_error());
	snprintf(path, sizeof(path), "%s/%s", rs->run_dir, RESULTS_JSON);
	if (!access(path, F_OK))
		fprintf(stderr, "gmembench run: %s holds the last checkpoint written before that\n",
			path);
	else
		fprintf(stderr,
			"gmembench run: no checkpoint could be written: %s does not exist\n", path);
}

int cmd_run(int argc, char **argv)
{
	struct option longopts[ARRAY_SIZE(run_options) + 1];
	struct run_state rs = { 0 };
	struct run_config *cfg = &rs.cfg;
	struct sigaction sa = { .sa_handler = on_signal };
	bool quiet = false, dry = false, verbose = false, cpus_given = false;
	const char *reason = NULL;
	char shortopts[64], refused[4];
	int c, ret, failed = 0;

	apply_suite(cfg, "default");
	cfg->with_raw = true;
	cfg->pin = true;
	cfg->shuffle = true;
	cfg->data_size = 0; /* each workload's default */
	cfg->seed = now_ns();
	cfg->output_dir = "results/runs";
	cfg->argc = argc;
	cfg->argv = argv;

	build_getopt(run_options, ARRAY_SIZE(run_options), longopts, shortopts);
	opterr = 0;
	/* The suite sets defaults that the other options then override, wherever it appears. */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_SUITE && apply_suite(cfg, optarg))
			return usage_error("run", "unknown suite '%s' (default, quick or full)",
					   optarg);
		if (c == OPT_HELP) {
			printf("usage: gmembench run [OPTIONS]\n\n");
			print_options(stdout, run_options, ARRAY_SIZE(run_options));
			return 0;
		}
		if (c == '?' || c == ':')
			return usage_error("run", "%s '%s'",
					   c == ':' ? "missing argument for" : "unknown option",
					   refused_option(longopts, argv, refused,
							  sizeof(refused)));
	}
	if (optind < argc)
		return usage_error("run", "unexpected argument '%s'", argv[optind]);
	optind = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_QUIET) {
			quiet = true;
			continue;
		}
		if (c == OPT_VERBOSE) {
			verbose = true;
			continue;
		}
		if (c == OPT_DRY_RUN) {
			dry = true;
			continue;
		}
		cpus_given |= c == OPT_CPUS;
		if (c != OPT_SUITE) {
			ret = parse_run_option(cfg, c, optarg);
			if (ret)
				return ret;
		}
	}
	if (cpus_given && !cfg->pin)
		return usage_error("run", "--cpus places pinned threads: it cannot go with "
					  "--no-pin");
	if (!cfg->nr_backends) {
		for (int i = 0; i < MEM_NR_BACKENDS; i++)
			cfg->backends[cfg->nr_backends++] = mem_backends[i];
	}
	for (int v = 0; v < cfg->nr_variants; v++) {
		bool known = false;

		for (int w = 0; w < cfg->nr_workloads; w++)
			known |= workload_has_variant(cfg->workloads[w], cfg->variants[v]);
		if (!known)
			return usage_error("run", "unknown variant '%s' for the selected workloads",
					   cfg->variants[v]);
	}
	if (cfg->calibration && cfg->sequential)
		return usage_error("run", "--normalize needs rounds: not with --order sequential");
	for (int w = 0; cfg->calibration && w < cfg->nr_workloads; w++)
		if (cfg->workloads[w] == cfg->calibration)
			return usage_error("run", "--normalize runs the calibration in every round "
						  "already: leave it out of --workload");

	if (cli_parse_only)
		return 0;
	if (dry) {
		ret = dry_run(&rs);
		if (ret < 0)
			fprintf(stderr, "gmembench run: %s\n", gmb_last_error());
		else if (ret)
			fprintf(stderr, "gmembench run: no case can run with these options\n");
		runner_free(&rs);
		return ret < 0 ? 1 : ret ? EXIT_USAGE : 0;
	}

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (cfg->reserve_hugepages && hugepages_reserve(cfg->reserve_hugepages)) {
		fprintf(stderr, "gmembench run: %s\n", gmb_last_error());
		return 1;
	}
	probe_host(&rs.caps, rs.probes);
	if (!rs.caps.kvm_usable) {
		fprintf(stderr, "gmembench run: %s\n", rs.caps.kvm_error);
		hugepages_restore();
		return 1;
	}
	counters_open(&rs.counters);
	rs.environment = probe_environment(&rs.caps);
	rs.checkpoint = results_write;
	ret = results_make_run_dir(&rs);
	if (!ret) {
		if (!quiet)
			printf("gmembench: writing %s/%s\n", rs.run_dir, RESULTS_JSON);
		fflush(stdout);
		if (!quiet) {
			progress_start();
			rs.progress = show_progress;
		}
		ret = runner_run(&rs);
		if (!quiet)
			progress_end();
	}
	/*
	 * What was measured is in memory even when the last write failed (a full disk): print
	 * it, then say that the file on disk is the previous checkpoint.
	 */
	if (ret && !rs.nr_cases) {
		fprintf(stderr, "gmembench run: %s\n", gmb_last_error());
	} else {
		if (!quiet)
			print_summary(&rs, verbose);
		for (unsigned int i = 0; i < rs.nr_cases; i++)
			failed += rs.cases[i].status == CASE_FAILED;
		if (ret)
			report_write_failure(&rs);
		else
			printf("results: %s/%s\n", rs.run_dir, RESULTS_JSON);
		if (!ret && stop_signal)
			fprintf(stderr,
				"gmembench run: stopped by %s after the sample in progress; the "
				"results hold every sample taken, marked interrupted\n",
				stop_signal == SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM");
		if (failed)
			fprintf(stderr, "gmembench run: %d case(s) failed; see the reasons above\n",
				failed);
		if (!ret && !stop_signal && refused_by_options(&rs, &reason)) {
			fprintf(stderr,
				"gmembench run: no case can run with these options; the first "
				"reason: %s\n",
				reason);
			ret = EXIT_USAGE;
		}
	}
	counters_close(&rs.counters);
	runner_free(&rs);
	json_decref(rs.environment);
	placement_fini();
	if (hugepages_restore())
		fprintf(stderr, "gmembench run: %s\n", gmb_last_error());
	if (ret)
		return ret == EXIT_USAGE ? EXIT_USAGE : 1;
	if (stop_signal)
		return 128 + stop_signal;
	return failed ? 1 : 0;
}
