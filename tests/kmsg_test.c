// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-log watcher gmembench stress fails on: fed a log through a plain file (what
 * $GMEMBENCH_KMSG points stress at), it ignores what was there before the marker, finds each
 * kind of report in /dev/kmsg's record format and in plain lines, keeps every record as
 * evidence, and says why when the log cannot be read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "host/kmsg.h"

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

static void fake_log(char *path, size_t len, const char *initial)
{
	int fd;

	snprintf(path, len, "/tmp/gmb-kmsg-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, initial, strlen(initial)) != (ssize_t)strlen(initial))
		abort();
	close(fd);
}

TEST(classifies_the_reports_the_kernel_prints)
{
	static const struct {
		const char *line, *kind;
	} cases[] = {
		{ "WARNING: possible circular locking dependency detected", "lockdep" },
		{ "WARNING: possible recursive locking detected", "lockdep" },
		{ "WARNING: inconsistent lock state", "lockdep" },
		{ "WARNING: suspicious RCU usage", "rcu" },
		{ "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "rcu-stall" },
		{ "rcu: INFO: rcu_sched self-detected stall on CPU", "rcu-stall" },
		{ "INFO: task gmembench:123 blocked for more than 120 seconds.", "hung-task" },
		{ "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [gmembench:99]", "lockup" },
		{ "BUG: KASAN: slab-use-after-free in kvm_gmem_get_pfn+0x1c/0x80", "kasan" },
		{ "BUG: kernel NULL pointer dereference, address: 0000000000000008", "bug" },
		{ "kernel BUG at mm/filemap.c:1520!", "bug" },
		{ "BUG: sleeping function called from invalid context at mm/gup.c:1", "bug" },
		{ "Oops: general protection fault, probably for non-canonical address", "oops" },
		{ "WARNING: CPU: 1 PID: 77 at arch/x86/kvm/mmu/mmu.c:6000 kvm_mmu_zap+0x1", "warnin"
											    "g" },
		{ "list_del corruption. prev->next should be ffff8880", "list-corruption" },
		{ "BUG: Bad page state in process gmembench  pfn:1234", "bad-page" },
		{ "Kernel panic - not syncing: Fatal exception", "panic" },
		{ "UBSAN: shift-out-of-bounds in arch/x86/kvm/x86.c:10", "ubsan" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *kind = kmsg_classify(cases[i].line);

		ASSERT_NE(NULL, kind) TH_LOG("%s", cases[i].line);
		EXPECT_STREQ(cases[i].kind, kind) TH_LOG("%s", cases[i].line);
	}
	EXPECT_EQ(NULL, kmsg_classify("kvm: Nested Virtualization enabled"));
	EXPECT_EQ(NULL, kmsg_classify("SVM: kvm [123]: vcpu0, guest rIP: 0x1000 ignored rdmsr"));
	EXPECT_EQ(NULL, kmsg_classify("Freeing unused kernel image (initmem) memory: 1024K"));
}

TEST(reads_only_what_comes_after_the_marker)
{
	char path[64];
	struct kmsg_watch w;

	fake_log(path, sizeof(path), "4,1,100,-;WARNING: CPU: 0 PID: 1 at old.c:1 old+0x0\n");
	ASSERT_EQ(0, kmsg_watch_open(&w, path));
	EXPECT_TRUE(w.available);
	EXPECT_EQ(0, kmsg_watch_poll(&w));
	EXPECT_EQ(0, w.records);

	/* /dev/kmsg's format: a record, its dictionary, then a plain line. */
	append(path, "6,2,1500000,-;kvm: a message that reports nothing\n"
		     " SUBSYSTEM=virtual\n"
		     "4,3,2000001,-;WARNING: CPU: 1 PID: 42 at virt/kvm/guest_memfd.c:99 x+0x1\n"
		     "BUG: KASAN: use-after-free in kvm_gmem_error_folio+0x10/0x20\n");
	EXPECT_EQ(2, kmsg_watch_poll(&w));
	EXPECT_EQ(3, w.records);
	EXPECT_EQ(2, w.reported);
	EXPECT_STREQ("warning", w.reports[0].kind);
	EXPECT_STREQ("[    2.000001] WARNING: CPU: 1 PID: 42 at virt/kvm/guest_memfd.c:99 x+0x1",
		     w.reports[0].line);
	EXPECT_STREQ("kasan", w.reports[1].kind);
	ASSERT_NE(NULL, w.evidence);
	EXPECT_NE(NULL, strstr(w.evidence, "[    1.500000] kvm: a message that reports nothing\n"));
	EXPECT_EQ(NULL, strstr(w.evidence, "old.c"));
	EXPECT_EQ(NULL, strstr(w.evidence, "SUBSYSTEM"));

	/* Nothing new: nothing reported twice. */
	EXPECT_EQ(0, kmsg_watch_poll(&w));
	EXPECT_EQ(2, w.reported);
	kmsg_watch_close(&w);
	unlink(path);
}

TEST(a_line_written_in_two_parts_is_one_record)
{
	char path[64];
	struct kmsg_watch w;

	fake_log(path, sizeof(path), "");
	ASSERT_EQ(0, kmsg_watch_open(&w, path));
	append(path, "INFO: task kworker/0:1:12 blocked for more");
	EXPECT_EQ(0, kmsg_watch_poll(&w));
	EXPECT_EQ(0, w.records);
	append(path, " than 122 seconds.\n");
	EXPECT_EQ(1, kmsg_watch_poll(&w));
	EXPECT_STREQ("hung-task", w.reports[0].kind);
	kmsg_watch_close(&w);
	unlink(path);
}

TEST(keeps_the_first_reports_and_counts_them_all)
{
	char path[64];
	struct kmsg_watch w;

	fake_log(path, sizeof(path), "");
	ASSERT_EQ(0, kmsg_watch_open(&w, path));
	for (int i = 0; i < KMSG_MAX_REPORTS + 8; i++)
		append(path, "WARNING: CPU: 0 PID: 1 at a.c:1 f+0x0\n");
	EXPECT_EQ(KMSG_MAX_REPORTS + 8, kmsg_watch_poll(&w));
	EXPECT_EQ(KMSG_MAX_REPORTS + 8, w.reported);
	kmsg_watch_close(&w);
	unlink(path);
}

TEST(says_why_when_the_log_cannot_be_read)
{
	struct kmsg_watch w;
	int ret;

	EXPECT_EQ(-ENOENT, kmsg_watch_open(&w, "/nonexistent/kmsg"));
	EXPECT_FALSE(w.available);
	EXPECT_NE(NULL, strstr(w.reason, "cannot open /nonexistent/kmsg"));
	EXPECT_EQ(-ENODEV, kmsg_watch_poll(&w));
	kmsg_watch_close(&w);

	/*
	 * A directory opens but cannot be read: where it cannot even be sought (tmpfs), the
	 * open says so, else the first poll.
	 */
	ret = kmsg_watch_open(&w, "/");
	if (!ret)
		ret = kmsg_watch_poll(&w);
	EXPECT_GT(0, ret);
	EXPECT_FALSE(w.available);
	EXPECT_TRUE(strstr(w.reason, "cannot read /") || strstr(w.reason, "cannot seek to the end "
									  "of /"))
	TH_LOG("%s", w.reason);
	kmsg_watch_close(&w);
}

TEST(the_path_comes_from_the_environment)
{
	unsetenv("GMEMBENCH_KMSG");
	EXPECT_STREQ("/dev/kmsg", kmsg_default_path());
	setenv("GMEMBENCH_KMSG", "/tmp/fake-kmsg", 1);
	EXPECT_STREQ("/tmp/fake-kmsg", kmsg_default_path());
	unsetenv("GMEMBENCH_KMSG");
}

/* The real log, where this user may read it: the marker is set and reading works. */
TEST(the_real_kernel_log)
{
	struct kmsg_watch w;

	if (kmsg_watch_open(&w, "/dev/kmsg"))
		SKIP(return, "%s", w.reason);
	EXPECT_LE(0, kmsg_watch_poll(&w));
	kmsg_watch_close(&w);
}

TEST_HARNESS_MAIN
