/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placement: where a case's threads run, from the CPU topology (hwloc), and the NUMA nodes
 * local to them. The rules are pure functions of a topology, so that they can be tested on a
 * synthetic one ("package:2 [numa] core:4 pu:2") as if on a two-socket host.
 */
#ifndef GMB_PLACEMENT_H
#define GMB_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "backends/mem.h"

struct json_t;
struct hwloc_topology;

/* The most CPUs a --cpus list names, and the highest CPU number it may name. */
#define PLACEMENT_MAX_LIST 1024
#define PLACEMENT_MAX_CPU  65535

/* How a case's threads are placed (--cpus). */
enum placement_policy {
	PLACEMENT_COMPACT, /* fill a core's hardware threads, then the next core */
	PLACEMENT_SPREAD,  /* one thread per core, alternating packages; SMT siblings last */
	PLACEMENT_LIST,	   /* thread i on the list's CPU i (mod its length) */
};

struct placement_request {
	enum placement_policy policy;
	unsigned int nr_cpus; /* PLACEMENT_LIST */
	int cpus[PLACEMENT_MAX_LIST];
};

/*
 * Parses --cpus: "compact", "spread", or a CPU list ("0-3,8", in the order given). 0 or
 * -EINVAL with the reason (gmb_error()).
 */
int placement_parse(const char *text, struct placement_request *req);
/* The request as --cpus would take it: "compact", "spread" or "0-3,8". */
const char *placement_describe(const struct placement_request *req, char *buf, size_t len);

/*
 * Every CPU of a list exists in topology and this process may run there. 0 or -EINVAL with
 * the reason.
 */
int placement_check(struct hwloc_topology *topology, const struct placement_request *req);

/*
 * The CPU (OS number) of each of nr threads: a case's vCPUs first, then its other threads (a
 * device thread), so that every thread is placed by the same rule. With compact and spread the
 * first core (the one holding the first CPU, where the main thread and much of the kernel's
 * housekeeping run) comes last; threads beyond the CPUs wrap around. 0 or -errno.
 */
int placement_plan(struct hwloc_topology *topology, const struct placement_request *req,
		   unsigned int nr, int *cpus);
/*
 * The CPUs of a case's device threads, one per vCPU, from a plan of 2 * nr threads (the nr
 * vCPUs first, then the devices): device thread i takes plan[nr + i], or, when that is its
 * own vCPU's CPU, the plan's next CPU (round the plan) that is not; on a plan of a single CPU
 * it shares its vCPU's.
 */
void placement_devices(const int *plan, unsigned int nr, int *device_cpus);

/* Where guest memory goes (--mem-node). */
enum placement_mem {
	PLACEMENT_MEM_LOCAL,	  /* the nodes of the CPUs the vCPUs are pinned to */
	PLACEMENT_MEM_NODE,	  /* one node, named */
	PLACEMENT_MEM_INTERLEAVE, /* page by page over every node */
};

struct placement_mem_request {
	enum placement_mem kind;
	int node; /* PLACEMENT_MEM_NODE */
};

/* Parses --mem-node: "local", "interleave" or a node number. 0 or -EINVAL with the reason. */
int placement_mem_parse(const char *text, struct placement_mem_request *req);
const char *placement_mem_describe(const struct placement_mem_request *req, char *buf, size_t len);
/* A named node exists in topology and this process may allocate there. 0 or -EINVAL. */
int placement_mem_check(struct hwloc_topology *topology, const struct placement_mem_request *req);
/*
 * The policy for a case whose vCPUs run on cpus[0..nr): local binds to their nodes (none when
 * they are not pinned: a cpu is -1), a node binds to it, interleave spreads over all nodes.
 */
struct mem_policy placement_mem_policy(struct hwloc_topology *topology,
				       const struct placement_mem_request *req, const int *cpus,
				       unsigned int nr);

/* The NUMA nodes local to the given CPUs, as a mask of node numbers (nodes 0..63). */
uint64_t placement_nodes_of(struct hwloc_topology *topology, const int *cpus, unsigned int nr);
/* Every NUMA node of the topology, as a mask (nodes 0..63). */
uint64_t placement_all_nodes(struct hwloc_topology *topology);

/* The host's topology, loaded once; NULL with the reason when hwloc cannot load it. */
struct hwloc_topology *placement_host(void);
int placement_init(void);
int placement_pin_self(int cpu);
/* The host's topology as the environment records it: packages, cores, PUs, NUMA nodes. */
struct json_t *placement_json(void);
void placement_fini(void);

#endif /* GMB_PLACEMENT_H */
