// SPDX-License-Identifier: GPL-2.0
/*
 * Thread placement on synthetic hwloc topologies (two packages, SMT), as if on a two-socket
 * host: no KVM and no second socket needed.
 */
#include <hwloc.h>

#include "kselftest_harness.h"

#include "measure/placement.h"
#include "core/util.h"

/* Two packages of four cores with two threads each, one NUMA node per package. */
#define TWO_SOCKETS "package:2 [numa] core:4 pu:2"
/* The same, numbered as Linux numbers such a host: every core's first thread, then the second. */
#define TWO_SOCKETS_LINUX TWO_SOCKETS "(indexes=0,8,1,9,2,10,3,11,4,12,5,13,6,14,7,15)"

static hwloc_topology_t synthetic(const char *description)
{
	hwloc_topology_t topo;

	if (hwloc_topology_init(&topo))
		return NULL;
	if (hwloc_topology_set_synthetic(topo, description) || hwloc_topology_load(topo)) {
		hwloc_topology_destroy(topo);
		return NULL;
	}
	return topo;
}

static int plan(hwloc_topology_t topo, const char *cpus_option, unsigned int n, int *cpus)
{
	static struct placement_request req;
	int ret = placement_parse(cpus_option, &req);

	return ret ? ret : placement_plan(topo, &req, n, cpus);
}

#define EXPECT_CPUS(expected, got)                                           \
	do {                                                                 \
		for (size_t slot = 0; slot < ARRAY_SIZE(expected); slot++) { \
			EXPECT_EQ((expected)[slot], (got)[slot])             \
			TH_LOG("thread %zu", slot);                          \
		}                                                            \
	} while (0)

TEST(synthetic_topology_has_two_packages_with_smt)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS);

	ASSERT_NE(NULL, topo);
	EXPECT_EQ(2, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE));
	EXPECT_EQ(8, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE));
	EXPECT_EQ(16, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
	EXPECT_EQ(0x3, placement_all_nodes(topo));
	hwloc_topology_destroy(topo);
}

/* compact: a core's two threads, then the next core; core 0 (the main thread's) last. */
TEST(compact_fills_a_core_then_the_next)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS);
	const int expected[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3 };
	int cpus[ARRAY_SIZE(expected)];

	ASSERT_NE(NULL, topo);
	ASSERT_EQ(0, plan(topo, "compact", ARRAY_SIZE(expected), cpus));
	EXPECT_CPUS(expected, cpus);
	/* Four threads stay in package 0: their memory's node is node 0 alone. */
	EXPECT_EQ(0x1, placement_nodes_of(topo, cpus, 4));
	/* The seventh reaches package 1. */
	EXPECT_EQ(0x3, placement_nodes_of(topo, cpus, 7));
	hwloc_topology_destroy(topo);
}

/* spread: one thread per core, packages in turn; second threads only when cores run out. */
TEST(spread_takes_one_thread_per_core_across_packages)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS);
	const int expected[] = { 2, 8, 4, 10, 6, 12, 14, 3, 9, 5, 11, 7, 13, 15, 0, 1 };
	int cpus[ARRAY_SIZE(expected)];

	ASSERT_NE(NULL, topo);
	ASSERT_EQ(0, plan(topo, "spread", ARRAY_SIZE(expected), cpus));
	EXPECT_CPUS(expected, cpus);
	/* Two threads already span both packages, so "local" memory is both nodes. */
	EXPECT_EQ(0x1, placement_nodes_of(topo, cpus, 1));
	EXPECT_EQ(0x3, placement_nodes_of(topo, cpus, 2));
	hwloc_topology_destroy(topo);
}

/* The rules follow the topology, not the CPU numbers, which Linux interleaves. */
TEST(rules_follow_the_topology_not_the_numbering)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS_LINUX);
	const int compact[] = { 1, 9, 2, 10, 3, 11, 4, 12 };
	const int spread[] = { 1, 4, 2, 5, 3, 6, 7, 9, 12, 10, 13, 11, 14, 15, 0, 8 };
	int cpus[ARRAY_SIZE(spread)];

	ASSERT_NE(NULL, topo);
	ASSERT_EQ(0, plan(topo, "compact", ARRAY_SIZE(compact), cpus));
	EXPECT_CPUS(compact, cpus);
	ASSERT_EQ(0, plan(topo, "spread", ARRAY_SIZE(spread), cpus));
	EXPECT_CPUS(spread, cpus);
	/* CPU 4 and CPU 12 are the two threads of package 1's first core: node 1. */
	EXPECT_EQ(0x2, placement_nodes_of(topo, (const int[]){ 4, 12 }, 2));
	hwloc_topology_destroy(topo);
}

/* A device thread after the vCPUs is placed by the same rule, as the next slot. */
TEST(other_threads_come_after_the_vcpus)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS);
	int three[3], four[4];

	ASSERT_NE(NULL, topo);
	ASSERT_EQ(0, plan(topo, "spread", 3, three));
	ASSERT_EQ(0, plan(topo, "spread", 4, four));
	EXPECT_EQ(0, memcmp(three, four, sizeof(three)));
	EXPECT_EQ(10, four[3]);
	hwloc_topology_destroy(topo);
}

/*
 * Device threads (one per vCPU, virtio-zc's) after the vCPUs, each off its own vCPU's CPU
 * where the plan has another: on this 2-CPU host's shape, on a list, and on a single CPU.
 */
TEST(device_threads_leave_their_vcpus_cpu)
{
	const struct {
		unsigned int nr;
		int plan[4], devices[2];
	} cases[] = {
		{ 1, { 1, 0 }, { 0 } },		    /* compact, 2 CPUs, 1 vCPU */
		{ 2, { 1, 0, 1, 0 }, { 0, 1 } },    /* compact, 2 CPUs, 2 vCPUs: the plan wraps */
		{ 2, { 2, 3, 2, 3 }, { 3, 2 } },    /* --cpus 2,3, 2 vCPUs: the two swap */
		{ 1, { 3, 3 }, { 3 } },		    /* --cpus 3: nowhere else */
		{ 2, { 4, 12, 6, 14 }, { 6, 14 } }, /* spread: the next slots are other CPUs */
	};

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		int got[2] = { -1, -1 };

		placement_devices(cases[c].plan, cases[c].nr, got);
		for (unsigned int i = 0; i < cases[c].nr; i++) {
			EXPECT_EQ(cases[c].devices[i], got[i]) TH_LOG("case %zu, device %u", c, i);
		}
	}
}

TEST(a_cpu_list_is_taken_in_its_order)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS);
	struct placement_request *req = calloc(1, sizeof(*req));
	const int expected[] = { 9, 3, 4, 5, 9 };
	int cpus[ARRAY_SIZE(expected)];
	char text[64];

	ASSERT_NE(NULL, topo);
	ASSERT_NE(NULL, req);
	ASSERT_EQ(0, placement_parse("9,3-5", req));
	EXPECT_EQ(PLACEMENT_LIST, req->policy);
	EXPECT_EQ(0, placement_check(topo, req));
	ASSERT_EQ(0, placement_plan(topo, req, ARRAY_SIZE(expected), cpus));
	EXPECT_CPUS(expected, cpus);
	EXPECT_STREQ("9,3-5", placement_describe(req, text, sizeof(text)));

	ASSERT_EQ(0, placement_parse("15-16", req));
	EXPECT_EQ(-EINVAL, placement_check(topo, req));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "CPU 16 is not one this process may run on"));
	free(req);
	hwloc_topology_destroy(topo);
}

TEST(bad_cpu_lists_are_refused_with_a_reason)
{
	static const char *const bad[][2] = {
		{ "", "not compact, spread or a CPU list" },
		{ "1,,2", "not compact, spread or a CPU list" },
		{ "1-", "not compact, spread or a CPU list" },
		{ "-1", "not compact, spread or a CPU list" },
		{ "packed", "not compact, spread or a CPU list" },
		{ "3-1", "runs backwards" },
		{ "1,2,1", "CPU 1 is listed twice" },
		{ "0-99999", "a CPU number above" },
		{ "0-2000", "more than" },
	};
	struct placement_request *req = calloc(1, sizeof(*req));

	ASSERT_NE(NULL, req);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, placement_parse(bad[i][0], req))
		{
			TH_LOG("'%s'", bad[i][0]);
		}
		EXPECT_NE(NULL, strstr(gmb_last_error(), bad[i][1]))
		{
			TH_LOG("'%s': %s", bad[i][0], gmb_last_error());
		}
	}
	free(req);
}

static struct mem_policy mem_policy_for(hwloc_topology_t topo, const char *mem_node,
					const int *cpus, unsigned int nr)
{
	struct placement_mem_request req;

	if (placement_mem_parse(mem_node, &req))
		return (struct mem_policy){ .mode = -1 };
	return placement_mem_policy(topo, &req, cpus, nr);
}

/* --mem-node local is the node of the vCPUs' CPUs; a node, or interleave, as asked. */
TEST(memory_goes_to_the_vcpus_node_by_default)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS_LINUX);
	struct mem_policy p;
	int cpus[4];

	ASSERT_NE(NULL, topo);
	ASSERT_EQ(0, plan(topo, "compact", 4, cpus));
	p = mem_policy_for(topo, "local", cpus, 4);
	EXPECT_EQ(MEM_POLICY_BIND, p.mode);
	EXPECT_EQ(0x1, p.nodes);
	/* vCPUs on package 1 (CPUs 4 and 12): their memory on node 1. */
	ASSERT_EQ(0, plan(topo, "4,12", 2, cpus));
	p = mem_policy_for(topo, "local", cpus, 2);
	EXPECT_EQ(MEM_POLICY_BIND, p.mode);
	EXPECT_EQ(0x2, p.nodes);
	/* spread over both packages: both nodes. */
	ASSERT_EQ(0, plan(topo, "spread", 2, cpus));
	EXPECT_EQ(0x3, mem_policy_for(topo, "local", cpus, 2).nodes);
	/* The remote node for a NUMA-remote comparison. */
	ASSERT_EQ(0, plan(topo, "compact", 2, cpus));
	p = mem_policy_for(topo, "1", cpus, 2);
	EXPECT_EQ(MEM_POLICY_BIND, p.mode);
	EXPECT_EQ(0x2, p.nodes);
	p = mem_policy_for(topo, "interleave", cpus, 2);
	EXPECT_EQ(MEM_POLICY_INTERLEAVE, p.mode);
	EXPECT_EQ(0x3, p.nodes);
	/* Unpinned vCPUs have no node: the kernel's default. */
	cpus[1] = -1;
	EXPECT_EQ(MEM_POLICY_DEFAULT, mem_policy_for(topo, "local", cpus, 2).mode);
	hwloc_topology_destroy(topo);
}

TEST(a_node_must_exist)
{
	hwloc_topology_t topo = synthetic(TWO_SOCKETS);
	struct placement_mem_request req;
	char text[16];

	ASSERT_NE(NULL, topo);
	ASSERT_EQ(0, placement_mem_parse("1", &req));
	EXPECT_EQ(0, placement_mem_check(topo, &req));
	EXPECT_STREQ("1", placement_mem_describe(&req, text, sizeof(text)));
	ASSERT_EQ(0, placement_mem_parse("2", &req));
	EXPECT_EQ(-EINVAL, placement_mem_check(topo, &req));
	EXPECT_STREQ("there is no NUMA node 2 that this process may use (nodes 0-1)",
		     gmb_last_error());
	for (int i = 0; i < 4; i++) {
		static const char *const bad[] = { "", "near", "-1", "64" };

		EXPECT_EQ(-EINVAL, placement_mem_parse(bad[i], &req));
		EXPECT_NE(NULL, strstr(gmb_last_error(), "is not local, interleave or a node"));
	}
	ASSERT_EQ(0, placement_mem_parse("interleave", &req));
	EXPECT_STREQ("interleave", placement_mem_describe(&req, text, sizeof(text)));
	hwloc_topology_destroy(topo);
}

/* On this host: the plan only names CPUs that exist, and pinning to one sticks. */
TEST(host_plan_and_pin)
{
	hwloc_topology_t topo = placement_host();
	struct placement_request req = { .policy = PLACEMENT_COMPACT };
	int cpus[4];

	ASSERT_NE(NULL, topo);
	ASSERT_EQ(0, placement_plan(topo, &req, 4, cpus));
	for (int i = 0; i < 4; i++)
		EXPECT_NE(NULL, hwloc_get_pu_obj_by_os_index(topo, (unsigned int)cpus[i]));
	EXPECT_NE(0, placement_nodes_of(topo, cpus, 1));
	ASSERT_EQ(0, placement_pin_self(cpus[0]));
	EXPECT_EQ(cpus[0], sched_getcpu());
	placement_fini();
}

TEST_HARNESS_MAIN
