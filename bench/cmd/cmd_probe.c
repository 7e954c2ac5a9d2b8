// SPDX-License-Identifier: GPL-2.0
/* gmembench probe and gmembench list: what this host offers, and what a run can select. */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"
#include "core/util.h"
#include "host/probe.h"
#include "measure/placement.h"
#include "results/results.h"
#include "run/workload.h"

enum option_key {
	OPT_HELP = 'h',
	OPT_JSON = 256,
};

static const struct cli_option probe_options[] = {
	{ "json", OPT_JSON, NULL, "print the probe as JSON" },
	{ "help", OPT_HELP, NULL, "this text" },
};

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
		printf("conversion   KVM_CAP_GMEM_CONVERT_IN_PLACE 0x%lx: %s\n",
		       caps->cap_gmem_convert_in_place,
		       caps->cap_gmem_convert_in_place ? "in-place shared<->private conversion"
						       : "no in-place conversion");
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

int cmd_probe(int argc, char **argv)
{
	struct option longopts[ARRAY_SIZE(probe_options) + 1];
	struct backend_probe probes[MEM_NR_BACKENDS];
	struct host_caps caps;
	char shortopts[64], refused[4];
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
			return usage_error("probe", "%s '%s'",
					   c == ':' ? "missing argument for" : "unknown option",
					   refused_option(longopts, argv, refused,
							  sizeof(refused)));
		}
	}
	if (optind < argc)
		return usage_error("probe", "unexpected argument '%s'", argv[optind]);
	if (cli_parse_only)
		return 0;

	probe_host(&caps, probes);
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

int cmd_list(int argc, char **argv)
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
