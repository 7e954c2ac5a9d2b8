// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench: the command line. This is the only layer that prints or exits; everything below
 * it returns -errno with a sentence in gmb_last_error().
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "probe.h"
#include "results.h"
#include "runner.h"
#include "stats.h"
#include "util.h"

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
	OPT_SEED,
	OPT_RESERVE_HUGEPAGES,
	OPT_COMPACT,
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
	{ "no-pin", OPT_NO_PIN, NULL, "do not pin vCPU threads" },
	{ "seed", OPT_SEED, "N", "seed for the bootstrap (default: from the clock)" },
	{ "compact", OPT_COMPACT, NULL, "compact memory before every sample (root)" },
	{ "reserve-hugepages", OPT_RESERVE_HUGEPAGES, "N",
	  "reserve N more 2 MiB huge pages for the run (root), restored after" },
	{ "output", OPT_OUTPUT, "DIR", "where run directories go (default: results/runs)" },
	{ "quiet", OPT_QUIET, NULL, "no summary table" },
	{ "help", OPT_HELP, NULL, "this text" },
};

static const struct cli_option probe_options[] = {
	{ "json", OPT_JSON, NULL, "print the probe as JSON" },
	{ "help", OPT_HELP, NULL, "this text" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gmembench COMMAND [OPTIONS]\n\n"
		   "Benchmarks KVM guest-memory backends.\n\n"
		   "commands:\n"
		   "  probe     what this host offers: KVM capabilities, settings, every backend\n"
		   "  run       run a matrix of workloads x variants x backends; write results\n"
		   "  list      workloads, variants, backends and suites\n"
		   "  compare   A/B: what changed between two runs (or groups), and is it noise\n"
		   "  report    one HTML page (tables, gnuplot plots) for a run\n"
		   "  dashboard history of runs from any number of hosts: trends, change points\n"
		   "  version   print the version\n"
		   "  help      this text\n\n"
		   "'gmembench COMMAND --help' describes a command's options.\n");
}

static void probe_all(struct host_caps *caps, struct backend_probe *probes)
{
	host_caps_read(caps);
	for (int i = 0; i < MEM_NR_BACKENDS; i++)
		backend_probe(caps, mem_backends[i], &probes[i]);
}

static void print_probe_text(const struct host_caps *caps, const struct backend_probe *probes,
			     json_t *env)
{
	json_t *kernel = json_object_get(env, "kernel"), *cpu = json_object_get(env, "cpu");
	json_t *hv = json_object_get(env, "hypervisor"), *counters;
	const char *key;
	json_t *value;

	printf("host         %s\n", json_string_value(json_object_get(env, "host")));
	printf("cpu          %s, %lld online CPUs\n",
	       json_string_value(json_object_get(cpu, "model")),
	       json_integer_value(json_object_get(cpu, "online_cpus")));
	printf("kernel       %s\n", json_string_value(json_object_get(kernel, "release")));
	printf("cmdline      %s\n", json_string_value(json_object_get(kernel, "cmdline")));
	printf("hypervisor   underneath: %s; /dev/kvm from %s\n",
	       json_string_value(json_object_get(hv, "underneath")), caps->kvm_module);
	if (caps->kvm_usable)
		printf("kvm          guest_memfd %ld, guest_memfd flags 0x%lx, memory attributes "
		       "0x%lx, VM types 0x%lx, pre-fault %ld\n",
		       caps->cap_guest_memfd, caps->cap_guest_memfd_flags,
		       caps->cap_memory_attributes, caps->cap_vm_types, caps->cap_pre_fault_memory);
	else
		printf("kvm          unusable: %s\n", caps->kvm_error);
	if (caps->kvm_usable) {
		const char *strategy =
			mem_access_name(mem_access_from_kvm(caps->gmem_access_param));
		char param[64];

		if (!caps->gmem_access_param_present)
			snprintf(param, sizeof(param), "absent");
		else
			snprintf(param, sizeof(param), "%ld (%s)", caps->gmem_access_param,
				 strategy ? strategy : "unknown");
		printf("gmem access  KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS 0x%lx, "
		       "kvm.gmem_no_direct_map_access %s: %s\n",
		       caps->cap_gmem_no_direct_map_access, param,
		       mem_access_series(caps->cap_gmem_no_direct_map_access,
					 caps->gmem_access_param_present)
			       ? "the kernel series is there"
			       : "no kernel series");
	}
	printf("thp          enabled=%s shmem_enabled=%s\n", caps->thp_enabled,
	       caps->thp_shmem_enabled);
	printf("hugetlb      free 2M pages: %" PRIu64 ", free 1G pages: %" PRIu64 "\n",
	       caps->hugepages_2m_free, caps->hugepages_1g_free);
	printf("counters\n");
	counters = json_object_get(env, "counters");
	json_object_foreach (counters, key, value) {
		if (json_is_true(json_object_get(value, "available")))
			printf("  %-32s available\n", key);
		else
			printf("  %-32s unavailable: %s\n", key,
			       json_string_value(json_object_get(value, "reason")));
	}
	printf("backends\n");
	for (int i = 0; i < MEM_NR_BACKENDS; i++)
		printf("  %-14s %-12s%s%s\n", probes[i].backend->name,
		       backend_status_name(probes[i].status), probes[i].reason[0] ? "" : "",
		       probes[i].reason);
}

static int cmd_probe(int argc, char **argv)
{
	struct option longopts[ARRAY_SIZE(probe_options) + 1];
	struct backend_probe probes[MEM_NR_BACKENDS];
	struct host_caps caps;
	char shortopts[64];
	bool as_json = false;
	json_t *env;
	int c;

	build_getopt(probe_options, ARRAY_SIZE(probe_options), longopts, shortopts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			as_json = true;
			break;
		case OPT_HELP:
			printf("usage: gmembench probe [--json]\n\n");
			print_options(stdout, probe_options, ARRAY_SIZE(probe_options));
			return 0;
		default:
			return usage_error("probe", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("probe", "unexpected argument '%s'", argv[optind]);

	probe_all(&caps, probes);
	env = probe_environment(&caps);
	if (as_json) {
		json_t *root = json_pack("{s:s, s:i, s:o, s:o}", "schema", "gmembench-probe",
					 "schema_version", RESULTS_SCHEMA_VERSION, "environment",
					 json_incref(env), "backends",
					 probe_backends_json(probes, MEM_NR_BACKENDS));

		json_dumpf(root, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(root);
	} else {
		print_probe_text(&caps, probes, env);
	}
	json_decref(env);
	placement_fini();
	return caps.kvm_usable ? 0 : 1;
}

static int cmd_list(int argc, char **argv)
{
	if (argc > 1)
		return usage_error("list", "unexpected argument '%s'", argv[1]);
	printf("workloads\n");
	for (size_t i = 0; i < nr_workloads; i++) {
		printf("  %-14s %s\n    variants:", workloads[i]->name, workloads[i]->description);
		for (const char *const *v = workloads[i]->variants; *v; v++)
			printf(" %s", *v);
		printf("%s\n", workloads[i]->has_raw ? " (each with a raw twin)" : "");
	}
	printf("backends\n");
	for (int i = 0; i < MEM_NR_BACKENDS; i++)
		printf("  %-14s %s\n", mem_backends[i]->name, mem_backends[i]->description);
	printf("suites\n"
	       "  default        every workload's default variants on every backend, 1 vCPU,\n"
	       "                 2 warm-up + 10 kept samples of 80 ms (make bench)\n"
	       "  quick          the same with 1 + 5 samples of 20 ms (smoke tests)\n"
	       "  full           also 1..2x CPUs vCPUs and 2M guest pages, 3 + 20 samples of 200 "
	       "ms\n");
	return 0;
}

static int apply_suite(struct run_config *cfg, const char *suite)
{
	cfg->suite = suite;
	cfg->nr_workloads = 0;
	for (size_t i = 0; i < nr_workloads && i < RUN_MAX_LIST; i++)
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

/* Splits a comma-separated list in place; returns the count or -E2BIG. */
static int split_list(char *text, char **items, int max)
{
	int n = 0;

	for (char *tok = strtok(text, ","); tok; tok = strtok(NULL, ",")) {
		if (n == max)
			return -E2BIG;
		items[n++] = tok;
	}
	return n;
}

static int parse_run_option(struct run_config *cfg, int key, char *arg)
{
	char *items[RUN_MAX_LIST];
	unsigned long v;
	uint64_t size;
	int n;

	switch (key) {
	case OPT_WORKLOAD:
		n = split_list(arg, items, RUN_MAX_LIST);
		if (n <= 0)
			return usage_error("run", "--workload needs a list of workloads");
		cfg->nr_workloads = 0;
		for (int i = 0; i < n; i++) {
			const struct workload *wl = workload_find(items[i]);

			if (!wl)
				return usage_error("run",
						   "unknown workload '%s' (see gmembench list)",
						   items[i]);
			cfg->workloads[cfg->nr_workloads++] = wl;
		}
		break;
	case OPT_VARIANT:
		n = split_list(arg, items, RUN_MAX_LIST);
		if (n <= 0)
			return usage_error("run", "--variant needs a list of variants");
		cfg->nr_variants = 0;
		for (int i = 0; i < n; i++)
			cfg->variants[cfg->nr_variants++] = items[i];
		break;
	case OPT_BACKEND:
		n = split_list(arg, items, RUN_MAX_LIST);
		if (n <= 0)
			return usage_error("run", "--backend needs a list of backends");
		cfg->nr_backends = 0;
		for (int i = 0; i < n; i++) {
			const struct mem_backend *b = mem_backend_find(items[i]);

			if (!b)
				return usage_error("run",
						   "unknown backend '%s' (see gmembench list)",
						   items[i]);
			if (cfg->nr_backends == MEM_NR_BACKENDS)
				return usage_error("run", "backend list too long");
			cfg->backends[cfg->nr_backends++] = b;
		}
		break;
	case OPT_VCPUS:
		n = split_list(arg, items, RUN_MAX_LIST);
		if (n <= 0)
			return usage_error("run", "--vcpus needs a list of counts");
		cfg->nr_vcpus = 0;
		for (int i = 0; i < n; i++) {
			if (parse_uint(items[i], 1, VM_MAX_VCPUS, &v))
				return usage_error("run", "invalid vCPU count '%s' (1..%d)",
						   items[i], VM_MAX_VCPUS);
			cfg->vcpus[cfg->nr_vcpus++] = (unsigned int)v;
		}
		break;
	case OPT_GUEST_PAGE:
		n = split_list(arg, items, 2);
		if (n <= 0)
			return usage_error("run", "--guest-page takes 4k, 2m or 4k,2m");
		cfg->nr_guest_page_sizes = 0;
		for (int i = 0; i < n; i++) {
			if (parse_size(items[i], &size) || (size != SZ_4K && size != SZ_2M))
				return usage_error("run", "invalid guest page size '%s' (4k or 2m)",
						   items[i]);
			cfg->guest_page_sizes[cfg->nr_guest_page_sizes++] = size;
		}
		break;
	case OPT_SIZE:
		if (parse_size(arg, &size) || size < SZ_4K || size > 64 * SZ_1G)
			return usage_error("run", "invalid size '%s' (4K..64G, e.g. 2M or 512M)",
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
		cfg->output_dir = arg;
		break;
	case OPT_RESERVE_HUGEPAGES:
		if (parse_uint(arg, 1, 1UL << 20, &v))
			return usage_error("run", "invalid huge page count '%s'", arg);
		cfg->reserve_hugepages = v;
		break;
	}
	return 0;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static int write_nr_hugepages(uint64_t n)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%" PRIu64 "\n", n);

	return write_text_file(NR_HUGEPAGES, text, (size_t)len);
}

/*
 * Reserves `extra` more default-size huge pages for the run; *saved keeps the count to put
 * back. The kernel may find fewer free pages than asked: that is an error, with the count.
 */
static int reserve_hugepages(uint64_t extra, uint64_t *saved)
{
	char text[32];
	uint64_t before, now;

	if (geteuid())
		return gmb_error(EPERM, "--reserve-hugepages needs root: it writes %s",
				 NR_HUGEPAGES);
	if (read_text_file(NR_HUGEPAGES, text, sizeof(text)))
		return gmb_error(errno, "cannot read %s", NR_HUGEPAGES);
	before = strtoull(text, NULL, 10);
	if (write_nr_hugepages(before + extra))
		return gmb_error(errno, "cannot write %s: %s", NR_HUGEPAGES, strerror(errno));
	*saved = before;
	read_text_file(NR_HUGEPAGES, text, sizeof(text));
	now = strtoull(text, NULL, 10);
	if (now < before + extra)
		return gmb_error(ENOMEM,
				 "asked for %" PRIu64 " more huge pages, the kernel found %" PRIu64,
				 extra, now - before);
	return 0;
}

static void on_signal(int sig)
{
	if (runner_stop_requested) {
		/* A second Ctrl-C: the last checkpoint on disk is complete and valid. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	runner_stop_requested = 1;
}

static void print_summary(const struct run_state *rs)
{
	printf("\n%-52s %-8s %14s %27s %9s\n", "case", "status", "median", "95% CI of median",
	       "vs raw");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		struct stats_summary s;

		if (cr->status == CASE_SKIPPED || cr->status == CASE_FAILED) {
			printf("%-52s %-8s %s\n", cr->id, case_status_name(cr->status), cr->reason);
			continue;
		}
		if (case_metric_summary(rs, i, METRIC_OPS_PER_SEC, &s) < 0)
			continue;
		printf("%-52s %-8s %10.0f %-3s", cr->id, case_status_name(cr->status), s.median,
		       "/s");
		if (s.has_ci)
			printf(" [%11.0f, %11.0f]", s.ci_low, s.ci_high);
		else
			printf(" %27s", "(too few samples)");
		if (!cr->params.raw && case_raw_twin(rs, cr)) {
			double *ratios = calloc(cr->nr_samples + 1, sizeof(double));
			int m = ratios ? case_paired_ratios(rs, cr, ratios) : 0;

			if (m > 0)
				printf(" %8.3fx", stats_median(ratios, m));
			free(ratios);
		}
		printf("\n");
	}
	printf("\n(median of each workload's rate: exits/s, touches/s...; 'vs raw' is the median,\n"
	       "over rounds, of the case's rate over its raw twin's, taken side by side)\n");
}

static int cmd_run(int argc, char **argv)
{
	struct option longopts[ARRAY_SIZE(run_options) + 1];
	struct run_state rs = { 0 };
	struct run_config *cfg = &rs.cfg;
	struct sigaction sa = { .sa_handler = on_signal };
	bool quiet = false;
	uint64_t saved_hugepages = UINT64_MAX;
	char shortopts[64];
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
					   argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error("run", "unexpected argument '%s'", argv[optind]);
	optind = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_QUIET) {
			quiet = true;
			continue;
		}
		if (c != OPT_SUITE) {
			ret = parse_run_option(cfg, c, optarg);
			if (ret)
				return ret;
		}
	}
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

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (cfg->reserve_hugepages && reserve_hugepages(cfg->reserve_hugepages, &saved_hugepages)) {
		fprintf(stderr, "gmembench run: %s\n", gmb_last_error());
		if (saved_hugepages != UINT64_MAX)
			write_nr_hugepages(saved_hugepages);
		return 1;
	}
	probe_all(&rs.caps, rs.probes);
	if (!rs.caps.kvm_usable) {
		fprintf(stderr, "gmembench run: %s\n", rs.caps.kvm_error);
		if (saved_hugepages != UINT64_MAX)
			write_nr_hugepages(saved_hugepages);
		return 1;
	}
	counters_open(&rs.counters);
	rs.environment = probe_environment(&rs.caps);
	ret = results_make_run_dir(&rs);
	if (!ret) {
		if (!quiet)
			printf("gmembench: writing %s/%s\n", rs.run_dir, RESULTS_JSON);
		fflush(stdout);
		ret = runner_run(&rs);
	}
	if (ret) {
		fprintf(stderr, "gmembench run: %s\n", gmb_last_error());
	} else {
		if (!quiet)
			print_summary(&rs);
		for (unsigned int i = 0; i < rs.nr_cases; i++)
			failed += rs.cases[i].status == CASE_FAILED;
		printf("results: %s/%s\n", rs.run_dir, RESULTS_JSON);
		if (failed)
			fprintf(stderr, "gmembench run: %d case(s) failed; see the reasons above\n",
				failed);
	}
	counters_close(&rs.counters);
	runner_free(&rs);
	json_decref(rs.environment);
	placement_fini();
	if (saved_hugepages != UINT64_MAX && write_nr_hugepages(saved_hugepages))
		fprintf(stderr, "gmembench run: could not restore %s to %" PRIu64 ": %s\n",
			NR_HUGEPAGES, saved_hugepages, gmb_last_error());
	if (ret)
		return 1;
	if (runner_stop_requested)
		return 130;
	return failed ? 1 : 0;
}

/*
 * report and dashboard are scripts (Python and gnuplot) that read only the results JSON;
 * the command runs the one beside this build, passing its arguments through.
 */
static int cmd_script(const char *command, int argc, char **argv)
{
	char path[4096];
	char **args = calloc((size_t)argc + 2, sizeof(*args));

	if (!args)
		return 1;
	snprintf(path, sizeof(path), "%s/gmembench-%s", GMB_SCRIPTDIR, command);
	args[0] = path;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	execv(path, args);
	fprintf(stderr, "gmembench %s: cannot run %s: %s\n", command, path, strerror(errno));
	free(args);
	return 1;
}

int main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : NULL;

	if (!command || !strcmp(command, "help") || !strcmp(command, "--help") ||
	    !strcmp(command, "-h")) {
		usage(command ? stdout : stderr);
		return command ? 0 : EXIT_USAGE;
	}
	if (!strcmp(command, "version") || !strcmp(command, "--version")) {
		printf("gmembench %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!strcmp(command, "probe"))
		return cmd_probe(argc - 1, argv + 1);
	if (!strcmp(command, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(command, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(command, "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(command, "report") || !strcmp(command, "dashboard"))
		return cmd_script(command, argc - 1, argv + 1);
	fprintf(stderr, "gmembench: unknown command '%s'\n", command);
	usage(stderr);
	return EXIT_USAGE;
}
