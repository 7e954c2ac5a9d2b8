// SPDX-License-Identifier: GPL-2.0
/*
 * Faults a run survives: a guest that triple-faults and a vCPU thread that ends in the middle
 * of a sample (in-process: the case fails with the reason, the run goes on, the results are
 * valid); SIGINT, SIGTERM and SIGKILL in the middle of gmembench run, a full disk, a memory
 * cgroup limit and a huge page pool too small (gmembench run as a child: $GMEMBENCH, else
 * gmembench on PATH, as in the guest of scripts/kernel). Each ends with a non-zero exit and a
 * valid results file holding what finished (after SIGKILL, the last checkpoint). Two Ctrl-C
 * with --reserve-hugepages put the pool back. Needs /dev/kvm; the full disk, the cgroup and
 * the pools also need root.
 */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "host/probe.h"
#include "measure/counters.h"
#include "results/results.h"
#include "run/runner.h"
#include "test_util.h"

/* The first results.json under dir (a run directory's), loaded and validated, or NULL. */
static json_t *load_run(const char *dir, char *path, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	json_t *doc = NULL;

	while (d && (e = readdir(d)) && !doc) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, len, "%s/%s/%s", dir, e->d_name, RESULTS_JSON);
		if (!access(path, F_OK) && results_load(path, &doc))
			doc = NULL;
	}
	if (d)
		closedir(d);
	return doc;
}

/* Cases that kept samples. */
static size_t cases_with_samples(json_t *doc)
{
	size_t i, n = 0;
	json_t *c;

	json_array_foreach (json_object_get(doc, "cases"), i, c)
		n += json_array_size(json_object_get(c, "samples")) > 0;
	return n;
}

static const char *run_status(json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(doc, "run"), "status"));
}

/* gmembench run ARGS... -o dir, stdout and stderr to out; the child's pid. */
static pid_t spawn_run(const char *dir, const char *out, const char *const *args)
{
	const char *argv[32] = { getenv("GMEMBENCH") ?: "gmembench", "run" };
	int n = 2;
	pid_t pid;

	while (*args && n < 28)
		argv[n++] = *args++;
	argv[n++] = "-o";
	argv[n++] = dir;
	argv[n] = NULL;
	pid = fork();
	if (!pid) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

static void print_file(struct __test_metadata *_metadata, const char *path)
{
	char buf[2048];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	TH_LOG("%s: %s", path, buf);
}

/* Whether the file at path holds text. */
static bool file_has(const char *path, const char *text)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return strstr(buf, text);
}

static const char *const long_run[] = { "-w",	       "mmio-storm", "-V",	 "pio",	     "-b",
					"anon",	       "--samples",  "1000",	 "--warmup", "0",
					"--sample-ms", "50",	     "--no-raw", "--no-pin", NULL };

/* A signal once the first checkpoint holds samples: the exit, and what is left on disk. */
static void signal_mid_run(struct __test_metadata *_metadata, int sig)
{
	char dir[] = "/tmp/gmb-faults-XXXXXX", out[300], path[4200];
	json_t *doc = NULL;
	int status;
	pid_t pid;

	SKIP_WITHOUT_KVM();
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(out, sizeof(out), "%s.out", dir);
	pid = spawn_run(dir, out, long_run);
	ASSERT_LT(0, pid);
	for (int i = 0; i < 600 && !doc; i++) {
		usleep(200000);
		doc = load_run(dir, path, sizeof(path));
		if (doc && !cases_with_samples(doc)) {
			json_decref(doc);
			doc = NULL;
		}
	}
	json_decref(doc);
	kill(pid, sig);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	print_file(_metadata, out);
	if (sig == SIGKILL) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	} else {
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(128 + sig, WEXITSTATUS(status));
		EXPECT_TRUE(file_has(out, sig == SIGINT ? "stopped by SIGINT (Ctrl-C)"
							: "stopped by SIGTERM"));
	}
	doc = load_run(dir, path, sizeof(path));
	ASSERT_NE(NULL, doc) TH_LOG("no valid results under %s: %s", dir, gmb_last_error());
	EXPECT_STREQ(sig == SIGKILL ? "running" : "interrupted", run_status(doc));
	EXPECT_LT(0, cases_with_samples(doc));
	json_decref(doc);
}

TEST(sigint_mid_run)
{
	signal_mid_run(_metadata, SIGINT);
}

TEST(sigterm_mid_run)
{
	signal_mid_run(_metadata, SIGTERM);
}

TEST(sigkill_mid_run_leaves_the_last_checkpoint)
{
	signal_mid_run(_metadata, SIGKILL);
}

static const char *const short_run[] = { "-w",	     "mmio-storm", "-V",	  "pio",
					 "-b",	     "anon",	   "--samples",	  "3",
					 "--warmup", "0",	   "--sample-ms", "10",
					 "--no-raw", "--no-pin",   "-q",	  NULL };

/* The exit status of a finished child: the code, or 128 + the signal. */
static int finish(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * A full disk (a 256 KiB tmpfs, filled, in the test's own mount namespace): a clear error,
 * exit 1, no temporary file, and an earlier run's results in the same directory unchanged.
 */
TEST(full_disk_keeps_earlier_runs)
{
	char dir[] = "/tmp/gmb-faults-XXXXXX", path[4200], out[300], buf[64] = "";
	int fd, rc;
	FILE *f;

	SKIP_WITHOUT_KVM();
	if (geteuid())
		SKIP(return, "needs root to mount a small tmpfs");
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(out, sizeof(out), "%s.out", dir);
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "size=256k"));
	snprintf(path, sizeof(path), "%s/earlier", dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/earlier/%s", dir, RESULTS_JSON);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("an earlier run\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	while (write(fd, out, sizeof(out)) > 0)
		;
	close(fd);

	rc = finish(spawn_run(dir, out, short_run));
	print_file(_metadata, out);
	EXPECT_EQ(1, rc);
	EXPECT_TRUE(file_has(out, "No space left on device"));
	EXPECT_TRUE(file_has(out, "no checkpoint could be written") || file_has(out, "holds the "
										     "last "
										     "checkpoint "
										     "written "
										     "before "
										     "that"));
	snprintf(path, sizeof(path), "%s/earlier/%s", dir, RESULTS_JSON);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	EXPECT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_STREQ("an earlier run\n", buf);
	umount2(dir, MNT_DETACH);
}

/* Writes text to dir/file; 0 or -1. */
static int put(const char *dir, const char *file, const char *text)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * A memory cgroup limit below what the guest touches (ENOMEM from the kernel, or its OOM
 * killer): a non-zero exit, and whatever results are on disk valid.
 */
TEST(memory_cgroup_limit)
{
	static const char *const args[] = { "-w",	 "fault",    "-V",	 "guest-touch-4k",
					    "-b",	 "anon",     "--size",	 "256M",
					    "--samples", "2",	     "--warmup", "0",
					    "--no-raw",	 "--no-pin", NULL };
	char dir[] = "/tmp/gmb-faults-XXXXXX", cg[] = "/tmp/gmb-cgroup-XXXXXX", out[300];
	char group[600], pid_text[32], path[4200];
	json_t *doc;
	pid_t pid;
	int rc;

	SKIP_WITHOUT_KVM();
	if (geteuid())
		SKIP(return, "needs root to make a memory cgroup");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_NE(NULL, mkdtemp(cg));
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	if (mount("cgroup2", cg, "cgroup2", 0, NULL))
		SKIP(return, "cannot mount cgroup2: %s", strerror(errno));
	if (put(cg, "cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller in cgroup2");
	snprintf(group, sizeof(group), "%s/gmb-faults-%d", cg, (int)getpid());
	ASSERT_EQ(0, mkdir(group, 0755));
	ASSERT_EQ(0, put(group, "memory.max", "64M"));
	put(group, "memory.swap.max", "0");
	snprintf(out, sizeof(out), "%s.out", dir);
	pid = fork();
	if (!pid) {
		snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
		if (put(group, "cgroup.procs", pid_text))
			_exit(126);
		_exit(finish(spawn_run(dir, out, args)));
	}
	rc = finish(pid);
	print_file(_metadata, out);
	TH_LOG("exit %d", rc);
	EXPECT_NE(0, rc);
	EXPECT_NE(126, rc);
	doc = load_run(dir, path, sizeof(path));
	if (doc) {
		TH_LOG("results: run %s", run_status(doc));
		json_decref(doc);
	} else {
		snprintf(path, sizeof(path), "%s", dir);
		TH_LOG("no results.json under %s (%s)", dir, gmb_last_error());
	}
	rmdir(group);
	umount2(cg, MNT_DETACH);
	rmdir(cg);
}

/*
 * ENOMEM from the kernel without root or cgroups: an address-space limit (RLIMIT_AS, 512 MiB)
 * below the guest's 1 GiB. The case fails with the reason, the exit is 1, the results valid.
 */
TEST(enomem_from_an_address_space_limit)
{
	static const char *const args[] = { "-w",	 "fault",    "-V",	 "guest-touch-4k",
					    "-b",	 "anon",     "--size",	 "1G",
					    "--samples", "2",	     "--warmup", "0",
					    "--no-raw",	 "--no-pin", NULL };
	char dir[] = "/tmp/gmb-faults-XXXXXX", out[300], path[4200];
	struct rlimit rl = { 512UL << 20, 512UL << 20 };
	json_t *doc, *c;
	pid_t pid;
	int rc;

	SKIP_WITHOUT_KVM();
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(out, sizeof(out), "%s.out", dir);
	pid = fork();
	if (!pid) {
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(126);
		_exit(finish(spawn_run(dir, out, args)));
	}
	rc = finish(pid);
	print_file(_metadata, out);
	EXPECT_EQ(1, rc);
	doc = load_run(dir, path, sizeof(path));
	ASSERT_NE(NULL, doc) TH_LOG("%s", gmb_last_error());
	c = json_array_get(json_object_get(doc, "cases"), 0);
	EXPECT_STREQ("failed", json_string_value(json_object_get(c, "status")));
	EXPECT_NE(NULL, json_string_value(json_object_get(c, "reason")));
	json_decref(doc);
}

/*
 * A huge page pool smaller than the guest: the case ends with a reason naming the pages, the
 * exit is non-zero, and the results are valid. The pool is put back.
 */
TEST(hugetlb_pool_too_small)
{
	static const char *const args[] = {
		"-w",  "fault",	    "-V", "guest-touch-4k", "-b", "memfd-hugetlb", "--size",
		"16M", "--samples", "2",  "--warmup",	    "0",  "--no-raw",	   "--no-pin",
		NULL
	};
	char dir[] = "/tmp/gmb-faults-XXXXXX", out[300], path[4200], saved[32] = "";
	json_t *doc, *c;
	size_t i;
	int rc;

	SKIP_WITHOUT_KVM();
	if (geteuid())
		SKIP(return, "needs root to size the huge page pool");
	ASSERT_EQ(0, read_text_file("/proc/sys/vm/nr_hugepages", saved, sizeof(saved)));
	ASSERT_EQ(0, write_text_file("/proc/sys/vm/nr_hugepages", "3\n", 2));
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(out, sizeof(out), "%s.out", dir);
	rc = finish(spawn_run(dir, out, args));
	write_text_file("/proc/sys/vm/nr_hugepages", saved, strlen(saved));
	print_file(_metadata, out);
	EXPECT_NE(0, rc);
	doc = load_run(dir, path, sizeof(path));
	ASSERT_NE(NULL, doc) TH_LOG("%s", gmb_last_error());
	json_array_foreach (json_object_get(doc, "cases"), i, c) {
		const char *status = json_string_value(json_object_get(c, "status"));
		const char *reason = json_string_value(json_object_get(c, "reason"));

		TH_LOG("%s: %s", status, reason ?: "");
		EXPECT_TRUE(!strcmp(status, "failed") || !strcmp(status, "skipped"));
		EXPECT_NE(NULL, reason);
	}
	json_decref(doc);
}

/*
 * Two Ctrl-C mid-run with --reserve-hugepages 8 (16 MiB: a small guest on memfd-hugetlb
 * takes a few): the second ends the run at once, from the
 * signal handler, which puts the huge page pool back first. Samples of 2 s keep the run in a
 * sample between the two signals, so that the second one is the one that ends it: the
 * process dies of SIGINT (a run that stopped after the first would exit 130 instead). The
 * pool is back where it was, and the last checkpoint on disk is valid and holds samples.
 */
TEST(two_ctrl_c_put_the_hugepage_pool_back)
{
	static const char *const args[] = { "--reserve-hugepages",
					    "8",
					    "-w",
					    "mmio-storm",
					    "-V",
					    "pio",
					    "-b",
					    "memfd-hugetlb",
					    "--samples",
					    "1000",
					    "--warmup",
					    "0",
					    "--sample-ms",
					    "2000",
					    "--no-raw",
					    "--no-pin",
					    NULL };
	char dir[] = "/tmp/gmb-faults-XXXXXX", out[300], path[4200], saved[32] = "",
	     during[32] = "", after[32] = "";
	json_t *doc = NULL;
	int status;
	pid_t pid;

	SKIP_WITHOUT_KVM();
	if (geteuid())
		SKIP(return, "needs root: --reserve-hugepages writes nr_hugepages");
	ASSERT_EQ(0, read_text_file("/proc/sys/vm/nr_hugepages", saved, sizeof(saved)));
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(out, sizeof(out), "%s.out", dir);
	pid = spawn_run(dir, out, args);
	ASSERT_LT(0, pid);
	/* Within the harness's 30 s, and not past the child's end (a pool it could not get). */
	for (int i = 0; i < 120 && !doc && !waitpid(pid, &status, WNOHANG); i++) {
		usleep(200000);
		doc = load_run(dir, path, sizeof(path));
		if (doc && !cases_with_samples(doc)) {
			json_decref(doc);
			doc = NULL;
		}
	}
	if (!doc) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		print_file(_metadata, out);
	}
	ASSERT_NE(NULL, doc) TH_LOG("no checkpoint with samples under %s", dir);
	json_decref(doc);
	read_text_file("/proc/sys/vm/nr_hugepages", during, sizeof(during));
	kill(pid, SIGINT);
	usleep(300000);
	kill(pid, SIGINT);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	read_text_file("/proc/sys/vm/nr_hugepages", after, sizeof(after));
	print_file(_metadata, out);
	TH_LOG("nr_hugepages: %.*s before, %.*s during the run, %.*s after",
	       (int)strcspn(saved, "\n"), saved, (int)strcspn(during, "\n"), during,
	       (int)strcspn(after, "\n"), after);
	if (strcmp(saved, after)) /* put it back for the tests after this one */
		write_text_file("/proc/sys/vm/nr_hugepages", saved, strlen(saved));
	EXPECT_EQ(strtoul(saved, NULL, 10) + 8, strtoul(during, NULL, 10));
	EXPECT_STREQ(saved, after);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
	TH_LOG("status 0x%x: the second SIGINT did not end the run", status);
	doc = load_run(dir, path, sizeof(path));
	ASSERT_NE(NULL, doc) TH_LOG("no valid results under %s: %s", dir, gmb_last_error());
	TH_LOG("results: run %s, %zu case(s) with samples", run_status(doc),
	       cases_with_samples(doc));
	EXPECT_LT(0, cases_with_samples(doc));
	json_decref(doc);
}

/* Every exception a triple fault (an empty IDT), then a jump to nowhere: KVM_EXIT_SHUTDOWN. */
static int triple_fault_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
			     struct wl_vcpu_sample *out)
{
	struct vcpu *vcpu = wc->guest.vm->vcpus[index];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct ucall uc;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) || vcpu_get_regs(vcpu, &regs))
		return gmb_error(errno, "KVM_GET_SREGS: %s", strerror(errno));
	sregs.idt.limit = 0;
	regs.rip = 0x7fff0000000;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) || vcpu_set_regs(vcpu, &regs))
		return gmb_error(errno, "KVM_SET_SREGS: %s", strerror(errno));
	return vcpu_run_to_ucall(vcpu, &uc);
}

static int thread_ends_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
			    struct wl_vcpu_sample *out)
{
	pthread_exit(NULL);
}

/*
 * A run of two cases, in this process: mmio-storm/pio on anon, whose vCPU runs `broken`
 * instead of the workload (named "broken"), and the real one. The broken case fails with a
 * reason holding want, the other is ok, and results.json is valid and complete.
 */
static void run_broken(struct __test_metadata *_metadata,
		       int (*broken)(struct wl_case *, unsigned int, uint64_t,
				     struct wl_vcpu_sample *),
		       const char *want)
{
	static char *argv[] = { "run", NULL };
	char dir[] = "/tmp/gmb-faults-XXXXXX", path[4200];
	struct workload bad = *workload_find("mmio-storm");
	struct run_state rs = { 0 };
	struct run_config *cfg = &rs.cfg;
	json_t *doc;

	SKIP_WITHOUT_KVM();
	ASSERT_NE(NULL, mkdtemp(dir));
	bad.name = "broken";
	bad.run_vcpu = broken;
	cfg->workloads[cfg->nr_workloads++] = &bad;
	cfg->workloads[cfg->nr_workloads++] = workload_find("mmio-storm");
	cfg->variants[cfg->nr_variants++] = "pio";
	cfg->backends[cfg->nr_backends++] = mem_backend_find("anon");
	cfg->vcpus[cfg->nr_vcpus++] = 1;
	cfg->guest_page_sizes[cfg->nr_guest_page_sizes++] = SZ_4K;
	cfg->suite = "faults_test";
	cfg->samples = 2;
	cfg->sample_ms = 10;
	cfg->sequential = true;
	cfg->seed = 1;
	cfg->output_dir = dir;
	cfg->argc = 1;
	cfg->argv = argv;
	probe_host(&rs.caps, rs.probes);
	counters_open(&rs.counters);
	rs.environment = probe_environment(&rs.caps);
	rs.checkpoint = results_write;
	ASSERT_EQ(0, results_make_run_dir(&rs)) TH_LOG("%s", gmb_last_error());
	EXPECT_EQ(0, runner_run(&rs)) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(2, rs.nr_cases);
	for (unsigned int i = 0; i < rs.nr_cases; i++) {
		struct case_result *cr = &rs.cases[i];

		TH_LOG("%s: %s %s", cr->id, case_status_name(cr->status), cr->reason);
		if (cr->params.workload == &bad) {
			EXPECT_EQ(CASE_FAILED, cr->status);
			EXPECT_NE(NULL, strstr(cr->reason, want));
		} else {
			EXPECT_EQ(CASE_OK, cr->status);
		}
	}
	doc = load_run(dir, path, sizeof(path));
	ASSERT_NE(NULL, doc) TH_LOG("%s", gmb_last_error());
	EXPECT_STREQ("complete", run_status(doc));
	json_decref(doc);
	counters_close(&rs.counters);
	runner_free(&rs);
	json_decref(rs.environment);
}

TEST(a_guest_that_triple_faults_fails_its_case_only)
{
	run_broken(_metadata, triple_fault_vcpu, "triple fault");
}

TEST(a_vcpu_thread_that_ends_fails_its_case_only)
{
	run_broken(_metadata, thread_ends_vcpu, "ended in the middle of a sample");
}

TEST_HARNESS_MAIN
