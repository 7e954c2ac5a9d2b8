// SPDX-License-Identifier: GPL-2.0
/*
 * The results of a run without a guest: a run's data is built by hand (or by the runner where
 * no case can start), written, read back and validated. Needs no /dev/kvm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "host/probe.h"

#include "core/util.h"
#include "results/metrics.h"
#include "results/results.h"
#include "run/runner.h"

#define NR_SAMPLES 6

static int nr_checkpoints;

static int count_checkpoint(struct run_state *rs)
{
	nr_checkpoints++;
	return 0;
}

/* A run of mmio-storm/pio on anon and memfd-hugetlb: one case ok with samples, one skipped. */
static void make_run(struct run_state *rs, enum case_status first_status, const char *status)
{
	memset(rs, 0, sizeof(*rs));
	rs->cfg.seed = 1;
	rs->cfg.samples = NR_SAMPLES;
	rs->cfg.pin = true;
	rs->status = status;
	rs->tsc_khz = 2000000;
	rs->environment = json_pack("{s:s}", "host", "results-test");
	snprintf(rs->run_id, sizeof(rs->run_id), "abcdef");
	snprintf(rs->started, sizeof(rs->started), "2026-11-30T00:00:00Z");
	for (int i = 0; i < MEM_NR_BACKENDS; i++)
		rs->probes[i].backend = mem_backends[i];
	rs->nr_cases = 2;
	rs->cases = calloc(2, sizeof(*rs->cases));
	for (unsigned int i = 0; i < 2; i++) {
		struct case_result *cr = &rs->cases[i];

		cr->params = (struct wl_params){
			.workload = workload_find("mmio-storm"),
			.variant = "pio",
			.backend = mem_backend_find(i ? "memfd-hugetlb" : "anon"),
			.nr_vcpus = 1,
			.guest_page_size = SZ_4K,
			.data_size = SZ_2M,
		};
		snprintf(cr->id, sizeof(cr->id), "mmio-storm/pio/%s/vcpus=1/gpage=4K/size=2M",
			 cr->params.backend->name);
	}
	rs->cases[1].status = CASE_SKIPPED;
	snprintf(rs->cases[1].reason, sizeof(rs->cases[1].reason), "no free 2 MiB huge pages");

	rs->cases[0].status = first_status;
	rs->cases[0].iterations = 1000;
	rs->cases[0].vcpu_cpus = calloc(1, sizeof(int));
	rs->cases[0].vcpu_cpus[0] = 1;
	rs->cases[0].vcpu_seen = calloc(1, sizeof(struct thread_seen));
	thread_seen_add(&rs->cases[0].vcpu_seen[0], 1);
	thread_seen_add(&rs->cases[0].main_seen, 0);
	thread_seen_add(&rs->cases[0].main_seen, 1);
	thread_seen_add(&rs->cases[0].main_seen, 0);
	rs->cases[0].memory = (struct case_memory){
		.policy = { .mode = MEM_POLICY_BIND, .nodes = 1 },
		.known = true,
		.binding = MEM_BINDING_APPLIED,
		.readback = { .sampled = 64,
			      .not_present = 4,
			      .on_node[0] = 60,
			      .method = "move_pages" },
	};
	rs->cases[0].samples = calloc(NR_SAMPLES, sizeof(struct sample));
	rs->cases[0].nr_samples = rs->cases[0].cap_samples = NR_SAMPLES;
	for (unsigned int s = 0; s < NR_SAMPLES; s++) {
		struct sample *sm = &rs->cases[0].samples[s];

		sm->iterations = 1000;
		sm->wall_ns = 10000000 + s * 100000;
		sm->vcpus = calloc(1, sizeof(*sm->vcpus));
		sm->vcpus[0] = (struct wl_vcpu_sample){ .ops = 1000,
							.host_ns = sm->wall_ns,
							.guest_cycles = 20000000 };
	}
}

/* Where the case's threads ran and its memory landed, as recorded. */
static void check_placement(struct __test_metadata *_metadata, json_t *placement)
{
	json_t *memory = json_object_get(placement, "memory");
	json_t *readback = json_object_get(memory, "readback");
	json_t *threads = json_object_get(placement, "threads");
	char *text = json_dumps(placement, JSON_COMPACT | JSON_SORT_KEYS);

	ASSERT_NE(NULL, text);
	EXPECT_NE(NULL, strstr(text, "\"vcpu_cpus\":[1]"))
	{
		TH_LOG("%s", text);
	}
	EXPECT_NE(NULL, strstr(text, "\"cpus\":\"compact\""));
	EXPECT_EQ(2, json_array_size(threads));
	EXPECT_NE(NULL, strstr(text, "{\"cpu\":1,\"cpus_seen\":[1],\"index\":0,\"role\":"
				     "\"vcpu\"}"));
	EXPECT_NE(NULL, strstr(text, "{\"cpu\":null,\"cpus_seen\":[0,1],\"role\":\"main\"}"));
	EXPECT_STREQ("local", json_string_value(json_object_get(memory, "requested")));
	EXPECT_STREQ("bind", json_string_value(json_object_get(memory, "policy")));
	EXPECT_STREQ("applied", json_string_value(json_object_get(memory, "binding")));
	EXPECT_NE(NULL, strstr(text, "\"nodes\":[0]"));
	EXPECT_EQ(60, json_integer_value(
			      json_object_get(json_object_get(readback, "pages_by_node"), "0")));
	EXPECT_EQ(4, json_integer_value(json_object_get(readback, "pages_not_present")));
	EXPECT_NE(NULL, strstr(text, "\"landed_nodes\":[0]"));
	EXPECT_TRUE(json_is_true(json_object_get(memory, "matches")));
	free(text);
}

/* A skipped case used to leak its cpus array at every checkpoint (LeakSanitizer). */
TEST(documents_of_skipped_cases_do_not_leak)
{
	struct run_state rs;
	size_t before, after;

	make_run(&rs, CASE_OK, "running");
	json_decref(results_document(&rs)); /* the first one may fill caches */
	before = mallinfo2().uordblks;
	for (int i = 0; i < 2000; i++)
		json_decref(results_document(&rs));
	after = mallinfo2().uordblks;
	/* 2,000 leaks of even the smallest array would be over 100 KiB. */
	EXPECT_LT(after, before + 16 * 1024)
	{
		TH_LOG("the heap grew by %zu bytes over 2,000 documents", after - before);
	}
	json_decref(rs.environment);
	runner_free(&rs);
}

/* What the writer writes, the reader accepts: a finished run and a killed run's checkpoint. */
TEST(written_results_load_and_validate)
{
	static const char *const statuses[] = { "complete", "running" };
	char dir[] = "/tmp/gmb-results-test-XXXXXX", path[256];

	ASSERT_NE(NULL, mkdtemp(dir));
	for (int k = 0; k < 2; k++) {
		struct run_state rs;
		json_t *doc, *c;

		make_run(&rs, k ? CASE_PENDING : CASE_OK, statuses[k]);
		snprintf(rs.run_dir, sizeof(rs.run_dir), "%s", dir);
		/* A finished run records the memory it leaves behind; a killed one cannot. */
		rs.memory_after = k ? NULL : probe_memory_now();
		ASSERT_EQ(0, results_write(&rs));
		snprintf(path, sizeof(path), "%s/%s", dir, RESULTS_JSON);
		ASSERT_EQ(0, results_load(path, &doc))
		{
			TH_LOG("%s", gmb_last_error());
		}
		EXPECT_STREQ(statuses[k],
			     json_string_value(json_object_get(json_object_get(doc, "run"), "statu"
											    "s")));
		c = json_array_get(json_object_get(doc, "cases"), 0);
		EXPECT_STREQ(k ? "pending" : "ok", json_string_value(json_object_get(c, "status")));
		EXPECT_EQ(NR_SAMPLES, json_array_size(json_object_get(
					      json_object_get(json_object_get(c, "metrics"), "exits"
											     "_per_"
											     "sec"),
					      "values")));
		check_placement(_metadata, json_object_get(c, "placement"));
		if (k) {
			EXPECT_EQ(NULL, json_object_get(json_object_get(doc, "run"), "memory_"
										     "after"));
		} else {
			json_t *after = json_object_get(json_object_get(doc, "run"), "memory_"
										     "after");

			EXPECT_TRUE(json_is_integer(
				json_object_get(json_object_get(after, "directmap_kb"), "4k")));
			EXPECT_LT(0, json_integer_value(json_object_get(after, "available_kb")));
		}
		json_decref(doc);
		json_decref(rs.environment);
		runner_free(&rs);
	}
	for (const char *f = RESULTS_JSON; f; f = !strcmp(f, RESULTS_JSON) ? "samples.csv" : NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	unlink(path);
	EXPECT_EQ(0, rmdir(dir));
}

/*
 * Options that no workload can use (8 KiB of data per vCPU is the least mmio-storm takes):
 * every case is skipped as refused by its workload, so the command can exit 2. No guest
 * starts, so this needs no /dev/kvm.
 */
TEST(cases_refused_by_their_workload_are_marked)
{
	struct run_state rs = { 0 };

	rs.cfg.workloads[0] = workload_find("mmio-storm");
	rs.cfg.nr_workloads = 1;
	rs.cfg.variants[0] = "pio";
	rs.cfg.nr_variants = 1;
	rs.cfg.backends[0] = mem_backend_find("anon");
	rs.cfg.nr_backends = 1;
	rs.cfg.vcpus[0] = 2;
	rs.cfg.nr_vcpus = 1;
	rs.cfg.guest_page_sizes[0] = SZ_4K;
	rs.cfg.nr_guest_page_sizes = 1;
	rs.cfg.data_size = SZ_4K;
	rs.cfg.with_raw = true;
	rs.cfg.samples = 3;
	rs.cfg.shuffle = true;
	rs.probes[rs.cfg.backends[0]->id].status = BACKEND_AVAILABLE;
	rs.checkpoint = count_checkpoint;
	nr_checkpoints = 0;

	ASSERT_EQ(0, runner_run(&rs));
	ASSERT_EQ(2, rs.nr_cases); /* the case and its raw twin */
	for (unsigned int i = 0; i < rs.nr_cases; i++) {
		EXPECT_EQ(CASE_SKIPPED, rs.cases[i].status);
		EXPECT_TRUE(rs.cases[i].invalid_options);
		EXPECT_NE(NULL, strstr(rs.cases[i].reason, "8 KiB"));
	}
	/* Once before the first round, once per round, once at the end. */
	EXPECT_EQ(1 + 3 + 1, nr_checkpoints);
	runner_free(&rs);
}

/*
 * conversion-churn with two bystanders: the rate is vCPU 0's over its own time (the sample's
 * wall time holds the bystanders' phase alone too), the bystanders' ratio is their touch rate
 * during over alone, and the host's share is split by direction. With one vCPU and a punch,
 * neither the ratio nor the directions exist, and each says why.
 */
TEST(bystanders_and_directions_in_the_metrics)
{
	struct run_state rs;
	struct case_result *cr;
	double values[NR_SAMPLES];
	const char *why = NULL;

	make_run(&rs, CASE_OK, "complete");
	cr = &rs.cases[0];
	cr->params.workload = workload_find("conversion-churn");
	cr->params.variant = "in-place-2m";
	cr->params.nr_vcpus = 3;
	for (unsigned int s = 0; s < NR_SAMPLES; s++) {
		struct sample *sm = &cr->samples[s];

		free(sm->vcpus);
		sm->vcpus = calloc(3, sizeof(*sm->vcpus));
		sm->wall_ns = 30000000;
		sm->vcpus[0] = (struct wl_vcpu_sample){
			.ops = 100,
			.host_ns = 10000000,
			.host_work_ns = 6000000,
			.kind_work_ns = { 5000000, 1000000 },
			.kind_ops = { 50, 50 },
			.host_work_p50 = 40000,
			.host_work_p90 = 90000,
			.host_work_p99 = 200000,
			.request_p50 = 100000, /* cycles: 50 us at 2 GHz */
			.request_timed = 100,
		};
		for (unsigned int v = 1; v < 3; v++)
			sm->vcpus[v] = (struct wl_vcpu_sample){
				.ops = 500 * v,
				.guest_cycles = 1000000,
				.alone_ops = 1000 * v,
				.alone_cycles = 1000000,
			};
	}
	ASSERT_EQ(NR_SAMPLES, metric_values(&rs, cr, METRIC_OPS_PER_SEC, values, &why));
	EXPECT_EQ(10000, (long)values[0]);
	ASSERT_EQ(NR_SAMPLES, metric_values(&rs, cr, METRIC_BYSTANDER_TOUCH_RATIO, values, &why));
	EXPECT_EQ(500, (long)(values[0] * 1000));
	ASSERT_EQ(NR_SAMPLES,
		  metric_values(&rs, cr, METRIC_HOST_WORK_KIND0_NS_PER_OP, values, &why));
	EXPECT_EQ(100000, (long)values[0]);
	ASSERT_EQ(NR_SAMPLES,
		  metric_values(&rs, cr, METRIC_HOST_WORK_KIND1_NS_PER_OP, values, &why));
	EXPECT_EQ(20000, (long)values[0]);
	ASSERT_EQ(NR_SAMPLES, metric_values(&rs, cr, METRIC_HOST_WORK_P90, values, &why));
	EXPECT_EQ(90000, (long)values[0]);
	ASSERT_EQ(NR_SAMPLES, metric_values(&rs, cr, METRIC_REQUEST_P50, values, &why));
	EXPECT_EQ(50000, (long)values[0]);
	/* A sample with no conversion to shared (one conversion per sample, say) is left out. */
	cr->samples[1].vcpus[0].kind_ops[1] = 0;
	EXPECT_EQ(NR_SAMPLES - 1,
		  metric_values(&rs, cr, METRIC_HOST_WORK_KIND1_NS_PER_OP, values, &why));
	EXPECT_EQ(NR_SAMPLES,
		  metric_values(&rs, cr, METRIC_HOST_WORK_KIND0_NS_PER_OP, values, &why));
	{
		struct metric_def def;

		metric_def(cr, METRIC_HOST_WORK_KIND0_NS_PER_OP, &def);
		EXPECT_STREQ("host_convert_to_private_ns_per_conversion", def.name);
		metric_def(cr, METRIC_HOST_WORK_P99, &def);
		EXPECT_STREQ("host_convert_latency_p99_ns", def.name);
		metric_def(cr, METRIC_REQUEST_P50, &def);
		EXPECT_STREQ("guest_request_latency_p50_ns", def.name);
	}

	cr->params.variant = "punch-2m";
	cr->params.nr_vcpus = 1;
	for (unsigned int s = 0; s < NR_SAMPLES; s++)
		memset(cr->samples[s].vcpus[0].kind_ops, 0,
		       sizeof(cr->samples[s].vcpus[0].kind_ops));
	EXPECT_EQ(-ENODATA, metric_values(&rs, cr, METRIC_BYSTANDER_TOUCH_RATIO, values, &why));
	EXPECT_NE(NULL, strstr(why, "--vcpus 2 or more"));
	EXPECT_EQ(-ENODATA, metric_values(&rs, cr, METRIC_HOST_WORK_KIND1_NS_PER_OP, values, &why));
	EXPECT_NE(NULL, strstr(why, "has an operation of that kind"));
	cr->params.workload = workload_find("mmio-storm");
	EXPECT_EQ(-ENODATA, metric_values(&rs, cr, METRIC_BYSTANDER_TOUCH_RATIO, values, &why));
	EXPECT_NE(NULL, strstr(why, "no bystander"));
	EXPECT_EQ(-ENODATA, metric_values(&rs, cr, METRIC_REQUEST_P50, values, &why));
	EXPECT_EQ(-ENODATA, metric_values(&rs, cr, METRIC_HOST_WORK_P50, values, &why));
	runner_free(&rs);
	json_decref(rs.environment);
}

/* The bytes of path (a new string), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;

	*len = 0;
	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	if (buf)
		*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/*
 * A full disk when a checkpoint is written: results_write() fails with ENOSPC and says that
 * the previous version is kept; results.json from before is unchanged, still valid, and no
 * temporary file is left. A 1 MiB tmpfs in a mount namespace of the test's own (root only).
 */
TEST(a_full_disk_keeps_the_previous_results)
{
	char dir[] = "/tmp/gmb-full-disk-XXXXXX", path[256], filler[256];
	char *before, *after;
	size_t len_before, len_after;
	struct run_state rs;
	struct dirent *e;
	json_t *doc = NULL;
	DIR *d;
	int fd;

	if (geteuid())
		SKIP(return, "needs root to mount a small tmpfs");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "size=1m"));

	make_run(&rs, CASE_OK, "running");
	snprintf(rs.run_dir, sizeof(rs.run_dir), "%s", dir);
	ASSERT_EQ(0, results_write(&rs));
	snprintf(path, sizeof(path), "%s/%s", dir, RESULTS_JSON);
	before = slurp(path, &len_before);
	ASSERT_NE(NULL, before);

	/* Fill the disk. */
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	fd = open(filler, O_WRONLY | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	while (write(fd, before, len_before) > 0)
		;
	EXPECT_EQ(ENOSPC, errno);
	close(fd);

	rs.status = "complete";
	EXPECT_EQ(-ENOSPC, results_write(&rs));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "the previous version, if any, is kept"))
	{
		TH_LOG("%s", gmb_last_error());
	}
	after = slurp(path, &len_after);
	ASSERT_NE(NULL, after);
	EXPECT_EQ(len_before, len_after);
	EXPECT_EQ(0, memcmp(before, after, len_before));
	EXPECT_EQ(0, results_load(path, &doc))
	{
		TH_LOG("%s", gmb_last_error());
	}
	if (doc)
		json_decref(doc);
	d = opendir(dir);
	ASSERT_NE(NULL, d);
	while ((e = readdir(d)))
		EXPECT_EQ(NULL, strstr(e->d_name, ".tmp."))
		{
			TH_LOG("left behind: %s", e->d_name);
		}
	closedir(d);
	free(before);
	free(after);
	json_decref(rs.environment);
	runner_free(&rs);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

TEST_HARNESS_MAIN
