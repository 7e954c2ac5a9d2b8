// SPDX-License-Identifier: GPL-2.0
/* The environment a run is recorded with: everything two runs could differ in. */
#include <cpuid.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "measure/counters.h"
#include "core/kvm_uapi.h"
#include "host/probe.h"
#include "measure/placement.h"
#include "core/util.h"
#include "core/version.h"

static json_t *cpu_json(void)
{
	char line[512], model[256] = "unknown";
	unsigned int eax, ebx, ecx, edx;
	bool hypervisor = false, vmx = false, svm = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && model[0] == 'u') {
			char *p = strchr(line, ':');

			if (p) {
				snprintf(model, sizeof(model), "%s", p + 2);
				model[strcspn(model, "\n")] = '\0';
			}
		}
		if (!strncmp(line, "flags", 5)) {
			hypervisor = strstr(line, " hypervisor") != NULL;
			vmx = strstr(line, " vmx") != NULL;
			svm = strstr(line, " svm") != NULL;
			break;
		}
	}
	if (f)
		fclose(f);
	__cpuid(0, eax, ebx, ecx, edx);
	char vendor[13];
	memcpy(vendor, &ebx, 4);
	memcpy(vendor + 4, &edx, 4);
	memcpy(vendor + 8, &ecx, 4);
	vendor[12] = '\0';
	return json_pack("{s:s, s:s, s:i, s:b, s:b, s:b}", "model", model, "vendor", vendor,
			 "online_cpus", (int)sysconf(_SC_NPROCESSORS_ONLN), "hypervisor_flag",
			 hypervisor, "vmx", vmx, "svm", svm);
}

/* What runs underneath this host, and what provides /dev/kvm on it. */
static json_t *hypervisor_json(const struct host_caps *caps)
{
	unsigned int eax, ebx, ecx, edx;
	char signature[13] = "";
	char sys_type[64] = "";
	const char *kind;

	__cpuid(1, eax, ebx, ecx, edx);
	if (ecx & (1U << 31)) {
		__cpuid(0x40000000, eax, ebx, ecx, edx);
		memcpy(signature, &ebx, 4);
		memcpy(signature + 4, &ecx, 4);
		memcpy(signature + 8, &edx, 4);
		signature[12] = '\0';
	}
	read_text_file("/sys/hypervisor/type", sys_type, sizeof(sys_type));
	if (!signature[0])
		kind = "bare metal";
	else if (!strncmp(signature, "KVMKVMKVM", 9))
		kind = "KVM";
	else if (!strncmp(signature, "Microsoft Hv", 12))
		kind = "Hyper-V";
	else if (!strncmp(signature, "VMwareVMware", 12))
		kind = "VMware";
	else if (!strncmp(signature, "XenVMMXenVMM", 12))
		kind = "Xen";
	else
		kind = "other";
	return json_pack("{s:s, s:s, s:s, s:s}", "underneath", kind, "cpuid_signature", signature,
			 "sys_hypervisor_type", sys_type, "kvm_module", caps->kvm_module);
}

/*
 * The kernel series' switch of how KVM reaches no-direct-map guest_memfd memory: the strategies
 * the capability offers and the module parameter (a new VM's strategy; gmembench sets its own).
 */
static json_t *gmem_access_json(const struct host_caps *caps)
{
	long mask = caps->cap_gmem_no_direct_map_access;
	json_t *strategies = json_array(), *param = json_null();

	for (int a = MEM_ACCESS_NONE + 1; a < MEM_ACCESS_NR; a++)
		if (mask & (1L << mem_access_kvm_value(a)))
			json_array_append_new(strategies, json_string(mem_access_name(a)));
	if (caps->gmem_access_param_present && caps->gmem_access_param >= 0)
		param = json_integer(caps->gmem_access_param);
	return json_pack("{s:b, s:I, s:o, s:o, s:s?}", "series",
			 mem_access_series(mask, caps->gmem_access_param_present),
			 "capability_mask", (json_int_t)mask, "strategies", strategies,
			 "module_parameter", param, "module_parameter_strategy",
			 json_is_integer(param)
				 ? mem_access_name(mem_access_from_kvm(caps->gmem_access_param))
				 : NULL);
}

static json_t *kvm_json(const struct host_caps *caps)
{
	json_t *flags, *obj;
	static const struct {
		uint64_t bit;
		const char *name;
	} gmem_flags[] = {
		{ GUEST_MEMFD_FLAG_MMAP, "MMAP" },
		{ GUEST_MEMFD_FLAG_INIT_SHARED, "INIT_SHARED" },
		{ GUEST_MEMFD_FLAG_NO_DIRECT_MAP, "NO_DIRECT_MAP" },
	};

	if (!caps->kvm_usable)
		return json_pack("{s:b, s:s}", "usable", 0, "reason", caps->kvm_error);
	flags = json_array();
	for (size_t i = 0; i < ARRAY_SIZE(gmem_flags); i++)
		if ((uint64_t)caps->cap_guest_memfd_flags & gmem_flags[i].bit)
			json_array_append_new(flags, json_string(gmem_flags[i].name));
	obj = json_pack("{s:b, s:i, s:s}", "usable", 1, "api_version", caps->kvm_api_version,
			"module", caps->kvm_module);
	const struct {
		const char *name;
		long value;
	} cap_list[] = {
		{ "KVM_CAP_USER_MEMORY2", caps->cap_user_memory2 },
		{ "KVM_CAP_GUEST_MEMFD", caps->cap_guest_memfd },
		{ "KVM_CAP_GUEST_MEMFD_FLAGS", caps->cap_guest_memfd_flags },
		{ "KVM_CAP_MEMORY_ATTRIBUTES", caps->cap_memory_attributes },
		{ "KVM_CAP_VM_TYPES", caps->cap_vm_types },
		{ "KVM_CAP_PRE_FAULT_MEMORY", caps->cap_pre_fault_memory },
		{ "KVM_CAP_IOEVENTFD", caps->cap_ioeventfd },
		{ "KVM_CAP_IOEVENTFD_ANY_LENGTH", caps->cap_ioeventfd_any_length },
		{ "KVM_CAP_NR_VCPUS", caps->cap_nr_vcpus },
		{ "KVM_CAP_MAX_VCPUS", caps->cap_max_vcpus },
		{ "KVM_CAP_TSC_CONTROL", caps->cap_tsc_control },
		{ "KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS", caps->cap_gmem_no_direct_map_access },
		{ "KVM_CAP_GMEM_CONVERT_IN_PLACE", caps->cap_gmem_convert_in_place },
		{ "KVM_CAP_EXIT_HYPERCALL", caps->cap_exit_hypercall },
	};
	json_t *capabilities = json_object();

	for (size_t i = 0; i < ARRAY_SIZE(cap_list); i++)
		json_object_set_new(capabilities, cap_list[i].name,
				    json_integer(cap_list[i].value));
	json_object_set_new(obj, "capabilities", capabilities);
	json_object_set_new(obj, "guest_memfd_flags", flags);
	json_object_set_new(obj, "gmem_no_direct_map_access", gmem_access_json(caps));
	json_object_set_new(obj, "sw_protected_vm",
			    json_boolean(caps->cap_vm_types & (1 << KVM_X86_SW_PROTECTED_VM)));
	return obj;
}

/*
 * Free page reporting (virtio_balloon): free blocks of 2^order pages are handed back to the
 * hypervisor underneath, so reusing one costs faults there. On such a host a first touch can
 * be fast or slow depending on whether its memory was reported meanwhile.
 */
static json_t *page_reporting_json(void)
{
	char order[16], reported[32];

	if (read_text_file("/sys/module/page_reporting/parameters/page_reporting_order", order,
			   sizeof(order)))
		return json_pack("{s:b}", "active", 0);
	if (read_text_file("/sys/module/page_reporting/parameters/reported_kib", reported,
			   sizeof(reported)))
		reported[0] = '\0';
	return json_pack("{s:b, s:I, s:s?}", "active", 1, "order",
			 (json_int_t)strtoll(order, NULL, 10), "reported_kib",
			 reported[0] ? reported : NULL);
}

json_t *probe_memory_now(void)
{
	uint64_t dm4k = 0, dm2m = 0, dm1g = 0, available = 0;

	read_proc_key("/proc/meminfo", "DirectMap4k", &dm4k);
	read_proc_key("/proc/meminfo", "DirectMap2M", &dm2m);
	read_proc_key("/proc/meminfo", "DirectMap1G", &dm1g);
	read_proc_key("/proc/meminfo", "MemAvailable", &available);
	return json_pack("{s:{s:I, s:I, s:I}, s:I}", "directmap_kb", "4k", (json_int_t)dm4k, "2m",
			 (json_int_t)dm2m, "1g", (json_int_t)dm1g, "available_kb",
			 (json_int_t)available);
}

static json_t *memory_json(const struct host_caps *caps)
{
	char defrag[32] = "";
	uint64_t total = 0;
	json_t *memory;

	read_proc_key("/proc/meminfo", "MemTotal", &total);
	read_text_file("/sys/kernel/mm/transparent_hugepage/defrag", defrag, sizeof(defrag));
	memory = json_pack("{s:I, s:{s:s, s:s, s:s}, s:{s:I, s:I}, s:b, s:s?, s:o}", "total_mib",
			   (json_int_t)(total >> 10), "thp", "enabled", caps->thp_enabled,
			   "shmem_enabled", caps->thp_shmem_enabled, "defrag", defrag,
			   "hugetlb_free", "2M", (json_int_t)caps->hugepages_2m_free, "1G",
			   (json_int_t)caps->hugepages_1g_free, "secretmem", caps->secretmem,
			   "secretmem_reason", caps->secretmem ? NULL : caps->secretmem_error,
			   "free_page_reporting", page_reporting_json());
	/*
	 * The direct map's state and MemAvailable, as the run's end reads them again: splits are
	 * not undone, so earlier runs leave the direct map fragmented.
	 */
	json_object_update_new(memory, probe_memory_now());
	return memory;
}

static json_t *counters_json(void)
{
	struct counters c;
	json_t *obj = json_object();

	counters_open(&c);
	for (int id = 0; id < CTR_NR; id++) {
		const struct counter_info *info = &c.info[id];

		if (!info->name[0])
			continue;
		if (info->available)
			json_object_set_new(obj, info->name,
					    json_pack("{s:b, s:s, s:s}", "available", 1, "unit",
						      info->unit, "description",
						      info->description));
		else
			json_object_set_new(obj, info->name,
					    json_pack("{s:b, s:s}", "available", 0, "reason",
						      info->reason));
	}
	counters_close(&c);
	return obj;
}

/* Whether the tracing interfaces the flush counters use are there. */
static json_t *tracing_json(void)
{
	char paranoid[16] = "";
	bool tracefs = !access("/sys/kernel/tracing/events", F_OK);

	read_text_file("/proc/sys/kernel/perf_event_paranoid", paranoid, sizeof(paranoid));
	return json_pack("{s:b, s:s, s:b}", "tracefs", tracefs, "perf_event_paranoid", paranoid,
			 "root", geteuid() == 0);
}

json_t *probe_environment(const struct host_caps *caps)
{
	struct utsname uts;
	char cmdline[4096] = "";

	uname(&uts);
	read_text_file("/proc/cmdline", cmdline, sizeof(cmdline));
	return json_pack("{s:s, s:o, s:o, s:o, s:{s:s, s:s, s:s, s:s}, s:o, s:o, s:o, s:o, s:s}",
			 "host", uts.nodename, "cpu", cpu_json(), "topology", placement_json(),
			 "hypervisor", hypervisor_json(caps), "kernel", "release", uts.release,
			 "version", uts.version, "machine", uts.machine, "cmdline", cmdline,
			 "memory", memory_json(caps), "kvm", kvm_json(caps), "counters",
			 counters_json(), "tracing", tracing_json(), "suite_version",
			 gmb_version());
}

json_t *probe_backends_json(const struct backend_probe *probes, int count)
{
	json_t *arr = json_array();

	for (int i = 0; i < count; i++) {
		const struct mem_backend *backend = probes[i].backend;
		json_t *b = json_pack("{s:s, s:s, s:s, s:s?}", "name", backend->name, "description",
				      backend->description, "status",
				      backend_status_name(probes[i].status), "access_strategy",
				      mem_access_name(backend->access));

		if (probes[i].reason[0])
			json_object_set_new(b, "reason", json_string(probes[i].reason));
		json_array_append_new(arr, b);
	}
	return arr;
}
