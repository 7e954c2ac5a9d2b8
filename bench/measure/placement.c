// SPDX-License-Identifier: GPL-2.0
/*
 * Where threads go, and what the machine looks like. A case's threads are pinned with hwloc
 * so that a sample does not pay for migrations, and by a stated rule, so that the CPUs a
 * flush must reach are known: on a two-socket host a flush that crosses packages costs more
 * than one that does not. The rules read only the topology they are given, never the host's
 * CPU numbering (which interleaves packages on many machines).
 */
#include <ctype.h>
#include <hwloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <numa.h>
#include <string.h>

#include "measure/placement.h"
#include "core/util.h"

static hwloc_topology_t topology;
static bool topology_loaded;

int placement_init(void)
{
	if (topology_loaded)
		return 0;
	if (hwloc_topology_init(&topology))
		return gmb_error(EIO, "hwloc could not initialise a topology");
	if (hwloc_topology_load(topology)) {
		hwloc_topology_destroy(topology);
		return gmb_error(EIO, "hwloc could not load the CPU topology");
	}
	topology_loaded = true;
	return 0;
}

hwloc_topology_t placement_host(void)
{
	return placement_init() ? NULL : topology;
}

void placement_fini(void)
{
	if (topology_loaded)
		hwloc_topology_destroy(topology);
	topology_loaded = false;
}

static int parse_cpu(const char *text, const char **end, int *cpu)
{
	long v = 0;

	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	for (; isdigit((unsigned char)*text); text++) {
		v = v * 10 + (*text - '0');
		if (v > PLACEMENT_MAX_CPU)
			return -ERANGE;
	}
	*end = text;
	*cpu = (int)v;
	return 0;
}

static int list_add(struct placement_request *req, int cpu)
{
	for (unsigned int i = 0; i < req->nr_cpus; i++)
		if (req->cpus[i] == cpu)
			return gmb_error(EINVAL, "CPU %d is listed twice", cpu);
	if (req->nr_cpus == PLACEMENT_MAX_LIST)
		return gmb_error(EINVAL, "more than %d CPUs", PLACEMENT_MAX_LIST);
	req->cpus[req->nr_cpus++] = cpu;
	return 0;
}

int placement_parse(const char *text, struct placement_request *req)
{
	const char *p = text;

	memset(req, 0, sizeof(*req));
	if (!strcmp(text, "compact"))
		return 0;
	if (!strcmp(text, "spread")) {
		req->policy = PLACEMENT_SPREAD;
		return 0;
	}
	req->policy = PLACEMENT_LIST;
	for (;;) {
		int first, last, ret;

		ret = parse_cpu(p, &p, &first);
		last = first;
		if (!ret && *p == '-')
			ret = parse_cpu(p + 1, &p, &last);
		if (ret == -ERANGE)
			return gmb_error(EINVAL, "a CPU number above %d", PLACEMENT_MAX_CPU);
		if (ret || (*p && *p != ','))
			return gmb_error(EINVAL,
					 "'%s' is not compact, spread or a CPU list such as 0-3,8",
					 text);
		if (last < first)
			return gmb_error(EINVAL, "the range %d-%d runs backwards", first, last);
		for (int cpu = first; cpu <= last; cpu++) {
			ret = list_add(req, cpu);
			if (ret)
				return ret;
		}
		if (!*p)
			return 0;
		p++;
	}
}

const char *placement_describe(const struct placement_request *req, char *buf, size_t len)
{
	size_t used = 0;

	if (req->policy != PLACEMENT_LIST) {
		snprintf(buf, len, "%s", req->policy == PLACEMENT_SPREAD ? "spread" : "compact");
		return buf;
	}
	buf[0] = '\0';
	for (unsigned int i = 0; i < req->nr_cpus && used < len;) {
		unsigned int j = i;

		while (j + 1 < req->nr_cpus && req->cpus[j + 1] == req->cpus[j] + 1)
			j++;
		if (j > i)
			used += snprintf(buf + used, len - used, "%s%d-%d", i ? "," : "",
					 req->cpus[i], req->cpus[j]);
		else
			used += snprintf(buf + used, len - used, "%s%d", i ? "," : "",
					 req->cpus[i]);
		i = j + 1;
	}
	return buf;
}

int placement_check(hwloc_topology_t topo, const struct placement_request *req)
{
	hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(topo);
	char have[256];

	if (req->policy != PLACEMENT_LIST)
		return 0;
	hwloc_bitmap_list_snprintf(have, sizeof(have), allowed);
	for (unsigned int i = 0; i < req->nr_cpus; i++) {
		int cpu = req->cpus[i];

		if (!hwloc_get_pu_obj_by_os_index(topo, (unsigned int)cpu) ||
		    !hwloc_bitmap_isset(allowed, (unsigned int)cpu))
			return gmb_error(EINVAL,
					 "CPU %d is not one this process may run on (CPUs %s)", cpu,
					 have);
	}
	return 0;
}

/* One processing unit and where it sits: what the placement rules sort by. */
struct pu_place {
	int os_index;
	unsigned int logical;
	unsigned int package; /* logical index of its package, 0 without packages */
	unsigned int rank;    /* its place among its core's hardware threads */
	bool first_core;      /* in the core of the topology's first PU */
	uint64_t key;
};

static int compare_keys(const void *a, const void *b)
{
	const struct pu_place *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static hwloc_obj_t core_of(hwloc_topology_t topo, hwloc_obj_t pu)
{
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);

	return core ? core : pu; /* a topology without cores: each PU is its own */
}

/*
 * Sort keys for the policies. compact: the topology's order, which puts a core's threads
 * together. spread: first every core's first thread, taking one core from each package in
 * turn (package 0's first core, package 1's first core, package 0's second...), then every
 * core's second thread the same way. Either way the first core goes last.
 */
static int place_pus(hwloc_topology_t topo, enum placement_policy policy, struct pu_place *pus,
		     unsigned int n)
{
	unsigned int nr_packages = (unsigned int)hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	hwloc_obj_t first_core = core_of(topo, hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0));
	unsigned int max_rank = 1, *taken;

	if (!nr_packages)
		nr_packages = 1;
	for (unsigned int i = 0; i < n; i++) {
		hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i);
		hwloc_obj_t core = core_of(topo, pu);
		hwloc_obj_t package = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pu);
		hwloc_obj_t sibling = hwloc_get_next_obj_inside_cpuset_by_type(topo, core->cpuset,
									       HWLOC_OBJ_PU, NULL);

		pus[i] = (struct pu_place){
			.os_index = (int)pu->os_index,
			.logical = pu->logical_index,
			.package = package ? package->logical_index : 0,
			.first_core = core == first_core,
		};
		/* A core's threads are consecutive in the topology's (logical) order. */
		pus[i].rank = sibling ? pu->logical_index - sibling->logical_index : 0;
		if (pus[i].rank + 1 > max_rank)
			max_rank = pus[i].rank + 1;
	}
	taken = calloc((size_t)nr_packages * max_rank, sizeof(*taken));
	if (!taken)
		return gmb_error(ENOMEM, "out of memory");
	for (unsigned int i = 0; i < n; i++) {
		struct pu_place *p = &pus[i];

		if (policy == PLACEMENT_COMPACT || p->first_core) {
			p->key = (uint64_t)p->first_core << 62 | p->logical;
		} else {
			/* k: how many of this package's cores at this rank came before. */
			uint64_t k = taken[p->rank * nr_packages + p->package]++;

			p->key = (uint64_t)p->rank << 44 | k << 20 | p->package;
		}
	}
	free(taken);
	qsort(pus, n, sizeof(*pus), compare_keys);
	return 0;
}

int placement_plan(hwloc_topology_t topo, const struct placement_request *req, unsigned int nr,
		   int *cpus)
{
	int nr_pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	struct pu_place *pus;
	int ret;

	if (req->policy == PLACEMENT_LIST) {
		if (!req->nr_cpus)
			return gmb_error(EINVAL, "an empty CPU list");
		for (unsigned int i = 0; i < nr; i++)
			cpus[i] = req->cpus[i % req->nr_cpus];
		return 0;
	}
	if (nr_pus <= 0)
		return gmb_error(EIO, "hwloc found no processing unit");
	pus = calloc((size_t)nr_pus, sizeof(*pus));
	if (!pus)
		return gmb_error(ENOMEM, "out of memory");
	ret = place_pus(topo, req->policy, pus, (unsigned int)nr_pus);
	for (unsigned int i = 0; !ret && i < nr; i++)
		cpus[i] = pus[i % (unsigned int)nr_pus].os_index;
	free(pus);
	return ret;
}

void placement_devices(const int *plan, unsigned int nr, int *device_cpus)
{
	for (unsigned int i = 0; i < nr; i++) {
		int cpu = plan[nr + i];

		for (unsigned int j = 1; cpu == plan[i] && j < 2 * nr; j++)
			if (plan[(nr + i + j) % (2 * nr)] != plan[i])
				cpu = plan[(nr + i + j) % (2 * nr)];
		device_cpus[i] = cpu;
	}
}

static uint64_t nodeset_mask(hwloc_const_nodeset_t nodeset)
{
	uint64_t mask = 0;
	int node;

	hwloc_bitmap_foreach_begin(node, nodeset)
	{
		if (node < 64)
			mask |= 1ULL << node;
	}
	hwloc_bitmap_foreach_end();
	return mask;
}

uint64_t placement_nodes_of(hwloc_topology_t topo, const int *cpus, unsigned int nr)
{
	uint64_t mask = 0;

	for (unsigned int i = 0; i < nr; i++) {
		hwloc_obj_t pu = cpus[i] >= 0
					 ? hwloc_get_pu_obj_by_os_index(topo, (unsigned int)cpus[i])
					 : NULL;

		if (pu && pu->nodeset)
			mask |= nodeset_mask(pu->nodeset);
	}
	return mask;
}

uint64_t placement_all_nodes(hwloc_topology_t topo)
{
	return nodeset_mask(hwloc_topology_get_topology_nodeset(topo));
}

int placement_mem_parse(const char *text, struct placement_mem_request *req)
{
	const char *end;

	memset(req, 0, sizeof(*req));
	if (!strcmp(text, "local"))
		return 0;
	req->kind = PLACEMENT_MEM_INTERLEAVE;
	if (!strcmp(text, "interleave"))
		return 0;
	req->kind = PLACEMENT_MEM_NODE;
	if (parse_cpu(text, &end, &req->node) || *end || req->node > 63)
		return gmb_error(EINVAL, "'%s' is not local, interleave or a node number (0..63)",
				 text);
	return 0;
}

const char *placement_mem_describe(const struct placement_mem_request *req, char *buf, size_t len)
{
	if (req->kind == PLACEMENT_MEM_NODE)
		snprintf(buf, len, "%d", req->node);
	else
		snprintf(buf, len, "%s", req->kind == PLACEMENT_MEM_LOCAL ? "local" : "interleave");
	return buf;
}

int placement_mem_check(hwloc_topology_t topo, const struct placement_mem_request *req)
{
	uint64_t allowed = nodeset_mask(hwloc_topology_get_allowed_nodeset(topo));
	char have[64];

	if (req->kind != PLACEMENT_MEM_NODE || (allowed & (1ULL << req->node)))
		return 0;
	return gmb_error(EINVAL, "there is no NUMA node %d that this process may use (nodes %s)",
			 req->node, mem_nodes_text(allowed, have, sizeof(have)));
}

struct mem_policy placement_mem_policy(hwloc_topology_t topo,
				       const struct placement_mem_request *req, const int *cpus,
				       unsigned int nr)
{
	struct mem_policy policy = { .mode = MEM_POLICY_BIND };

	switch (req->kind) {
	case PLACEMENT_MEM_NODE:
		policy.nodes = 1ULL << req->node;
		break;
	case PLACEMENT_MEM_INTERLEAVE:
		policy.mode = MEM_POLICY_INTERLEAVE;
		policy.nodes = nodeset_mask(hwloc_topology_get_allowed_nodeset(topo));
		break;
	case PLACEMENT_MEM_LOCAL:
		for (unsigned int i = 0; i < nr; i++)
			if (cpus[i] < 0)
				nr = 0; /* not pinned: no node is theirs */
		policy.nodes = placement_nodes_of(topo, cpus, nr);
		break;
	}
	if (!policy.nodes)
		policy.mode = MEM_POLICY_DEFAULT;
	return policy;
}

int placement_pin_self(int cpu)
{
	hwloc_bitmap_t set;
	int ret = 0;

	if (placement_init())
		return -EIO;
	set = hwloc_bitmap_alloc();
	hwloc_bitmap_only(set, (unsigned int)cpu);
	if (hwloc_set_cpubind(topology, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT))
		ret = gmb_error(errno, "hwloc_set_cpubind to CPU %d failed: %s", cpu,
				strerror(errno));
	hwloc_bitmap_free(set);
	return ret;
}

json_t *placement_json(void)
{
	json_t *obj = json_object(), *nodes;

	if (!placement_init()) {
		json_object_set_new(
			obj, "packages",
			json_integer(hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PACKAGE)));
		json_object_set_new(
			obj, "cores",
			json_integer(hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE)));
		json_object_set_new(obj, "pus",
				    json_integer(hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU)));
	}
	if (numa_available() < 0) {
		json_object_set_new(obj, "numa", json_string("unavailable: numa_available() < 0"));
		return obj;
	}
	nodes = json_array();
	for (int n = 0; n <= numa_max_node(); n++) {
		long long free_bytes = 0, size = numa_node_size64(n, &free_bytes);
		struct bitmask *cpus;
		json_t *cpu_list;

		if (size < 0)
			continue;
		cpus = numa_allocate_cpumask();
		cpu_list = json_array();
		numa_node_to_cpus(n, cpus);
		for (unsigned int c = 0; c < cpus->size; c++)
			if (numa_bitmask_isbitset(cpus, c))
				json_array_append_new(cpu_list, json_integer(c));
		numa_free_cpumask(cpus);
		json_array_append_new(nodes,
				      json_pack("{s:i, s:I, s:I, s:o}", "node", n, "size_mib",
						(json_int_t)(size >> 20), "free_mib",
						(json_int_t)(free_bytes >> 20), "cpus", cpu_list));
	}
	json_object_set_new(obj, "numa_nodes", nodes);
	return obj;
}
