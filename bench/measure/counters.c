// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "measure/counters.h"
#include "core/util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define TLB_FLUSH_EVENT TRACEFS "/events/tlb/tlb_flush"

/* Counters read from procfs files, one table so that opening and reading are one loop each. */
enum proc_source {
	FROM_INTERRUPTS, /* the sum of a /proc/interrupts line over all CPUs */
	FROM_VMSTAT,
	FROM_MEMINFO,
};

static const struct proc_counter {
	enum counter_id id;
	enum proc_source source;
	const char *key;
	const char *name;
	const char *unit;
	const char *description;
} proc_counters[] = {
	{ CTR_TLB_SHOOTDOWN_IPIS, FROM_INTERRUPTS, "TLB:", "tlb_shootdown_ipis", "count",
	  "TLB shootdown interrupts received, all CPUs (/proc/interrupts TLB)" },
	{ CTR_CALL_IPIS, FROM_INTERRUPTS, "CAL:", "call_function_ipis", "count",
	  "function-call interrupts received, all CPUs (/proc/interrupts CAL)" },
	{ CTR_DIRECT_MAP_L2_SPLITS, FROM_VMSTAT, "direct_map_level2_splits",
	  "direct_map_level2_splits", "count", "direct-map 2M pages split to 4K (/proc/vmstat)" },
	{ CTR_DIRECT_MAP_L3_SPLITS, FROM_VMSTAT, "direct_map_level3_splits",
	  "direct_map_level3_splits", "count", "direct-map 1G pages split to 2M (/proc/vmstat)" },
	{ CTR_THP_FAULT_ALLOC, FROM_VMSTAT, "thp_fault_alloc", "thp_fault_alloc", "count",
	  "transparent huge pages allocated at fault (/proc/vmstat)" },
	{ CTR_THP_FAULT_FALLBACK, FROM_VMSTAT, "thp_fault_fallback", "thp_fault_fallback", "count",
	  "huge-page faults that fell back to small pages (/proc/vmstat)" },
	{ CTR_COMPACT_STALL, FROM_VMSTAT, "compact_stall", "compact_stall", "count",
	  "allocations that stalled in direct compaction (/proc/vmstat)" },
	{ CTR_DIRECTMAP_4K_KB, FROM_MEMINFO, "DirectMap4k", "directmap_4k_kb", "KiB",
	  "change of DirectMap4k (/proc/meminfo)" },
	{ CTR_DIRECTMAP_2M_KB, FROM_MEMINFO, "DirectMap2M", "directmap_2m_kb", "KiB",
	  "change of DirectMap2M (/proc/meminfo)" },
	{ CTR_DIRECTMAP_1G_KB, FROM_MEMINFO, "DirectMap1G", "directmap_1g_kb", "KiB",
	  "change of DirectMap1G (/proc/meminfo)" },
};

static const char *const proc_files[] = {
	[FROM_INTERRUPTS] = "/proc/interrupts",
	[FROM_VMSTAT] = "/proc/vmstat",
	[FROM_MEMINFO] = "/proc/meminfo",
};

static void set_info(struct counters *c, enum counter_id id, const char *name, const char *unit,
		     const char *description)
{
	snprintf(c->info[id].name, sizeof(c->info[id].name), "%s", name);
	c->info[id].unit = unit;
	c->info[id].description = description;
}

static void set_unavailable(struct counters *c, enum counter_id id, const char *reason)
{
	c->info[id].available = false;
	snprintf(c->info[id].reason, sizeof(c->info[id].reason), "%s", reason);
}

/* Sums the per-CPU columns of one /proc/interrupts line ("TLB:" or "CAL:"). */
static int read_interrupt_line(const char *label, int64_t *sum)
{
	char line[8192];
	FILE *f = fopen("/proc/interrupts", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (strncmp(p, label, strlen(label)))
			continue;
		p += strlen(label);
		*sum = 0;
		for (;;) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			*sum += v;
			p = end;
		}
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static int read_proc_counter(const struct proc_counter *pc, int64_t *value)
{
	uint64_t u;
	int ret;

	if (pc->source == FROM_INTERRUPTS)
		return read_interrupt_line(pc->key, value);
	ret = read_proc_key(proc_files[pc->source], pc->key, &u);
	if (!ret)
		*value = (int64_t)u;
	return ret;
}

/*
 * Reads the reason names from the tracepoint's print format, so that a kernel that adds or
 * renumbers reasons is reported as it is: __print_symbolic(REC->reason, { 0, "..." }, ...).
 */
static int parse_tlb_reasons(struct counters *c)
{
	char buf[4096], *p;
	int n = 0;

	if (read_text_file(TLB_FLUSH_EVENT "/format", buf, sizeof(buf)))
		return -ENOENT;
	p = strstr(buf, "__print_symbolic(REC->reason");
	while (p && n < COUNTERS_MAX_TLB_REASONS) {
		char name[32], *q;
		int value, len;

		p = strchr(p, '{');
		if (!p || sscanf(p, "{ %d , \"%31[^\"]\" }%n", &value, name, &len) < 2)
			break;
		if (value != n)
			break;
		for (q = name; *q; q++)
			*q = *q == ' ' ? '_' : (char)tolower((unsigned char)*q);
		snprintf(c->info[CTR_TLB_FLUSH_FIRST + n].name,
			 sizeof(c->info[CTR_TLB_FLUSH_FIRST + n].name), "tlb_flush.%s", name);
		n++;
		p++;
	}
	c->nr_tlb_reasons = n;
	return n ? 0 : -EINVAL;
}

static long perf_event_open(struct perf_event_attr *attr, int cpu)
{
	return syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void close_fds(struct counters *c, int id)
{
	if (!c->perf_fds[id])
		return;
	for (int cpu = 0; cpu < c->nr_cpus; cpu++)
		if (c->perf_fds[id][cpu] >= 0)
			close(c->perf_fds[id][cpu]);
	free(c->perf_fds[id]);
	c->perf_fds[id] = NULL;
}

/*
 * tracefs is where tracepoint ids live. When it is not mounted at TRACEFS, root mounts it
 * there in a mount namespace of this thread's own, with private propagation: the host's mounts
 * never change, not even when gmembench is killed. Without root, tracepoints are unavailable
 * and the reason says that they need root.
 */
static int tracefs_ready(char *why, size_t len)
{
	if (!access(TRACEFS "/events", F_OK))
		return 0;
	if (errno == EACCES) {
		snprintf(why, len, "needs root: %s is readable by root only", TRACEFS);
		return -1;
	}
	if (geteuid()) {
		snprintf(why, len, "needs root: tracefs is not mounted at %s", TRACEFS);
		return -1;
	}
	if (!unshare(CLONE_NEWNS) && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
	    !mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return 0;
	snprintf(why, len, "tracefs is not mounted at %s and mounting it privately failed: %s",
		 TRACEFS, strerror(errno));
	return -1;
}

/*
 * Counts a tracepoint system-wide into counter id: one perf counter per CPU, with an optional
 * filter. On failure the counter is unavailable with the reason (for a kernel without the
 * tracepoint, followed by what provides it when given), and nothing stays open.
 */
static void open_tracepoint(struct counters *c, int id, const char *event, const char *filter,
			    const char *provided_by)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr) };
	struct counter_info *info = &c->info[id];
	char path[256], buf[32];
	int ret;

	if (tracefs_ready(info->reason, sizeof(info->reason)))
		return;
	snprintf(path, sizeof(path), TRACEFS "/events/%s/id", event);
	ret = read_text_file(path, buf, sizeof(buf));
	if (ret == -EACCES || ret == -EPERM) {
		snprintf(info->reason, sizeof(info->reason), "needs root: cannot read the id of %s",
			 event);
		return;
	}
	if (ret) {
		snprintf(info->reason, sizeof(info->reason),
			 "no tracepoint %s in this kernel%s%s%s", event, provided_by ? " (" : "",
			 provided_by ?: "", provided_by ? ")" : "");
		return;
	}
	attr.config = strtoull(buf, NULL, 10);
	c->perf_fds[id] = malloc(sizeof(int) * c->nr_cpus);
	if (!c->perf_fds[id]) {
		snprintf(info->reason, sizeof(info->reason), "out of memory");
		return;
	}
	for (int cpu = 0; cpu < c->nr_cpus; cpu++)
		c->perf_fds[id][cpu] = -1;
	for (int cpu = 0; cpu < c->nr_cpus; cpu++) {
		int fd = (int)perf_event_open(&attr, cpu);

		if (fd < 0 && errno == ENODEV)
			continue; /* an offline CPU */
		if (fd < 0) {
			snprintf(info->reason, sizeof(info->reason),
				 "%sperf_event_open(%s, cpu %d): %s",
				 errno == EACCES || errno == EPERM ? "needs root (or CAP_PERFMON): "
								   : "",
				 event, cpu, strerror(errno));
			close_fds(c, id);
			return;
		}
		c->perf_fds[id][cpu] = fd;
		if (filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter)) {
			snprintf(info->reason, sizeof(info->reason),
				 "PERF_EVENT_IOC_SET_FILTER(%s) on %s: %s", filter, event,
				 strerror(errno));
			close_fds(c, id);
			return;
		}
	}
	info->available = true;
}

static void open_tlb_flush_counters(struct counters *c)
{
	char why[160];

	bool no_tracefs = tracefs_ready(why, sizeof(why));

	if (no_tracefs || parse_tlb_reasons(c)) {
		/* Without the format, the reasons are unknown: one entry carries why. */
		if (!no_tracefs)
			snprintf(why, sizeof(why), "no readable tlb:tlb_flush tracepoint in %s",
				 TRACEFS);
		set_info(c, CTR_TLB_FLUSH_FIRST, "tlb_flush", "count", "tlb:tlb_flush events");
		set_unavailable(c, CTR_TLB_FLUSH_FIRST, why);
		return;
	}
	for (int r = 0; r < c->nr_tlb_reasons; r++) {
		char filter[32];

		c->info[CTR_TLB_FLUSH_FIRST + r].unit = "count";
		c->info[CTR_TLB_FLUSH_FIRST + r].description = "tlb:tlb_flush events, this reason";
		snprintf(filter, sizeof(filter), "reason == %d", r);
		open_tracepoint(c, CTR_TLB_FLUSH_FIRST + r, "tlb/tlb_flush", filter, NULL);
	}
}

#define GMEM_SERIES "added by the gmembench kernel series, kernel-patches/"

/* What KVM did per operation: the evidence behind a cost. */
static const struct {
	const char *event;
	const char *description;
	const char *provided_by; /* for events not every kernel has */
} kvm_events[COUNTERS_NR_KVM_EVENTS] = {
	{ "kvm/kvm_exit", "exits from the guest to KVM (any reason)" },
	{ "kvm/kvm_userspace_exit", "KVM_RUN returning to userspace" },
	{ "kvm/kvm_emulate_insn", "instructions KVM's emulator ran" },
	{ "kvm/kvm_mmio", "MMIO accesses KVM handled or forwarded" },
	{ "kvm/kvm_fast_mmio", "fast-MMIO-bus writes (no decode)" },
	{ "kvm/kvm_page_fault", "guest page faults KVM handled" },
	{ "kvmmmu/kvm_mmu_pagetable_walk", "guest page-table walks by KVM's MMU" },
	{ "kvmmmu/handle_mmio_page_fault", "faults on MMIO SPTEs" },
	{ "kvm/kvm_pio", "port I/O KVM handled or forwarded" },
	/* How KVM reached no-direct-map guest_memfd memory, and what that cost the direct map. */
	{ "kvm/kvm_gmem_nodirect_access", "KVM's own accesses to no-direct-map guest_memfd",
	  GMEM_SERIES },
	{ "kvm/kvm_gmem_permm_map", "folios mapped into the VMM mm's private kernel area",
	  GMEM_SERIES },
	{ "kvm/kvm_gmem_permm_unmap", "per-mm area zaps, each flushing that mm's CPUs",
	  GMEM_SERIES },
	{ "kvm/kvm_gmem_direct_map_zap", "folios taken out of the direct map, global flush",
	  GMEM_SERIES },
	{ "kvm/kvm_gmem_direct_map_restore", "folios put back in the direct map", GMEM_SERIES },
	{ "kvm/kvm_gmem_convert", "in-place conversions of guest_memfd ranges", GMEM_SERIES },
};

static void open_kvm_event_counters(struct counters *c)
{
	for (int i = 0; i < COUNTERS_NR_KVM_EVENTS; i++) {
		int id = CTR_KVM_EVENT_FIRST + i;
		char name[48];

		snprintf(name, sizeof(name), "%s", kvm_events[i].event);
		*strchr(name, '/') = '.';
		set_info(c, id, name, "count", kvm_events[i].description);
		open_tracepoint(c, id, kvm_events[i].event, NULL, kvm_events[i].provided_by);
	}
}

void counters_open(struct counters *c)
{
	struct rlimit rl;
	int64_t v;

	memset(c, 0, sizeof(*c));
	c->nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);

	for (size_t i = 0; i < ARRAY_SIZE(proc_counters); i++) {
		const struct proc_counter *pc = &proc_counters[i];
		char why[96];

		set_info(c, pc->id, pc->name, pc->unit, pc->description);
		c->info[pc->id].available = !read_proc_counter(pc, &v);
		if (!c->info[pc->id].available) {
			snprintf(why, sizeof(why), "no %s in %s", pc->key, proc_files[pc->source]);
			set_unavailable(c, pc->id, why);
		}
	}

	/* One perf fd per reason and CPU: make room on many-CPU hosts. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	open_tlb_flush_counters(c);
	open_kvm_event_counters(c);
}

void counters_close(struct counters *c)
{
	for (int id = 0; id < CTR_NR; id++)
		close_fds(c, id);
}

static void read_procfs(struct counters *c, int64_t values[CTR_NR])
{
	for (size_t i = 0; i < ARRAY_SIZE(proc_counters); i++)
		if (c->info[proc_counters[i].id].available)
			read_proc_counter(&proc_counters[i], &values[proc_counters[i].id]);
}

static void read_perf(struct counters *c, int64_t values[CTR_NR])
{
	for (int id = 0; id < CTR_NR; id++) {
		for (int cpu = 0; c->perf_fds[id] && cpu < c->nr_cpus; cpu++) {
			int fd = c->perf_fds[id][cpu];
			uint64_t count;

			if (fd >= 0 && read(fd, &count, sizeof(count)) == sizeof(count))
				values[id] += (int64_t)count;
		}
	}
}

void counters_read_begin(struct counters *c, int64_t values[CTR_NR])
{
	memset(values, 0, sizeof(int64_t) * CTR_NR);
	read_perf(c, values);
	read_procfs(c, values);
}

void counters_read_end(struct counters *c, int64_t values[CTR_NR])
{
	memset(values, 0, sizeof(int64_t) * CTR_NR);
	read_procfs(c, values);
	read_perf(c, values);
}
