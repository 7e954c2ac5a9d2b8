// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench run as an unprivileged user in the kvm group (nobody, with /dev/kvm made
 * group-accessible to a kvm group for the test and put back after): the run completes, and the
 * tracepoint counters, which need root, are unavailable with "needs root" in the results
 * instead of failing the run. Needs root (to switch user) and /dev/kvm; also in the QEMU
 * guest of scripts/kernel, where tests/privileges.test (shell, setpriv) cannot run.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "results/results.h"
#include "test_util.h"

#define NOBODY	  65534
#define KVM_GROUP 36 /* Debian's kvm group id; any group will do */

TEST(a_user_in_the_kvm_group_runs_and_counters_say_needs_root)
{
	char dir[] = "/tmp/gmb-privileges-XXXXXX", path[4200], out[300];
	json_t *doc = NULL, *counters, *v;
	const char *key;
	struct dirent *e;
	struct stat kvm;
	int status, needs_root = 0;
	pid_t pid;
	DIR *d;

	SKIP_WITHOUT_KVM();
	if (geteuid())
		SKIP(return, "needs root to run as another user");
	ASSERT_EQ(0, stat("/dev/kvm", &kvm));
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0777));
	snprintf(out, sizeof(out), "%s/out", dir);
	ASSERT_EQ(0, chown("/dev/kvm", kvm.st_uid, KVM_GROUP));
	ASSERT_EQ(0, chmod("/dev/kvm", 0660));
	pid = fork();
	if (!pid) {
		gid_t groups[] = { KVM_GROUP };
		const char *g = getenv("GMEMBENCH") ?: "gmembench";

		if (!freopen(out, "w", stdout) || dup2(1, 2) < 0 || setgroups(1, groups) ||
		    setgid(NOBODY) || setuid(NOBODY))
			_exit(126);
		execlp(g, g, "run", "-w", "mmio-storm", "-V", "pio", "-b", "anon", "--samples", "2",
		       "--warmup", "0", "--sample-ms", "10", "--no-raw", "--no-pin", "-q", "-o",
		       dir, (char *)NULL);
		fprintf(stderr, "cannot run %s as nobody: %s\n", g, strerror(errno));
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	chown("/dev/kvm", kvm.st_uid, kvm.st_gid);
	chmod("/dev/kvm", kvm.st_mode & 07777);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char buf[1024] = "";
		FILE *f = fopen(out, "r");

		if (f) {
			buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
			fclose(f);
		}
		TH_LOG("status 0x%x: %s", status, buf);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	d = opendir(dir);
	ASSERT_NE(NULL, d);
	while ((e = readdir(d)) && !doc) {
		snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, RESULTS_JSON);
		if (e->d_name[0] != '.' && !access(path, F_OK) && results_load(path, &doc))
			doc = NULL;
	}
	closedir(d);
	ASSERT_NE(NULL, doc) TH_LOG("no valid results: %s", gmb_last_error());
	EXPECT_STREQ("complete",
		     json_string_value(json_object_get(json_object_get(doc, "run"), "status")));
	counters = json_object_get(json_object_get(doc, "environment"), "counters");
	json_object_foreach (counters, key, v) {
		const char *reason = json_string_value(json_object_get(v, "reason"));

		if (strchr(key, '.') || !strncmp(key, "tlb_flush", 9)) {
			EXPECT_NE(NULL, reason) TH_LOG("%s is available to nobody", key);
			if (reason) {
				TH_LOG("%s: %s", key, reason);
				needs_root += !strncmp(reason, "needs root", 10);
			}
		}
	}
	EXPECT_LT(0, needs_root);
	json_decref(doc);
}

TEST_HARNESS_MAIN
