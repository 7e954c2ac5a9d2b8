// SPDX-License-Identifier: GPL-2.0
/*
 * Where threads go, and what the machine looks like. vCPU threads are pinned with hwloc so
 * that a sample does not pay for migrations; the placement and the NUMA nodes (libnuma) are
 * recorded with the results so that two runs can be compared like for like.
 */
#include <hwloc.h>
#include <stdbool.h>
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
	if (hwloc_topology_init(&topology) || hwloc_topology_load(topology))
		return gmb_error(EIO, "hwloc could not load the CPU topology");
	topology_loaded = true;
	return 0;
}

void placement_fini(void)
{
	if (topology_loaded)
		hwloc_topology_destroy(topology);
	topology_loaded = false;
}

/*
 * vCPU i goes to processing unit (i + 1) mod N: PU 0 is left to the main thread and the
 * kernel's housekeeping while there are more PUs than vCPUs, and vCPUs beyond N share PUs
 * (oversubscription, on purpose).
 */
int placement_cpu_for_vcpu(unsigned int index)
{
	int nr_pus;
	hwloc_obj_t pu;

	if (placement_init())
		return -1;
	nr_pus = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
	if (nr_pus <= 0)
		return -1;
	pu = hwloc_get_obj_by_type(topology, HWLOC_OBJ_PU, (index + 1) % (unsigned int)nr_pus);
	return pu ? (int)pu->os_index : -1;
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
		ret = gmb_error(errno, "hwloc_set_cpubind to CPU %d failed", cpu);
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
