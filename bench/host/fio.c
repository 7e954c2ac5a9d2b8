// SPDX-License-Identifier: GPL-2.0
/*
 * fio as a child process: its arguments built from the job, its stdout (--output-format=json)
 * read through a pipe and parsed with jansson. fio's own messages on stderr go to a memfd: a
 * failure is reported with its exit status and the first line fio wrote there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "host/fio.h"

extern char **environ;

#define FIO_ARGS 20

static char *fio_read_all(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf && (n = read(fd, buf + len, cap - len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		len += (size_t)n;
		if (cap - len < 4096) {
			char *more = realloc(buf, cap *= 2);

			if (!more)
				free(buf);
			buf = more;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int fio_parse(const char *out, const char *rw, struct fio_result *res)
{
	json_t *root = json_loads(out, 0, NULL), *job;
	const char *dirs[] = { "read", "write" };

	job = json_array_get(json_object_get(root, "jobs"), 0);
	if (!job) {
		json_decref(root);
		return gmb_error(EIO, "fio's JSON output has no job");
	}
	snprintf(res->version, sizeof(res->version), "%s",
		 json_string_value(json_object_get(root, "fio version")) ?: "?");
	res->iops = res->bytes_per_sec = 0;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		json_t *d = json_object_get(job, dirs[i]);

		res->iops += json_number_value(json_object_get(d, "iops"));
		res->bytes_per_sec += json_number_value(json_object_get(d, "bw_bytes"));
	}
	json_decref(root);
	if (res->iops <= 0)
		return gmb_error(EIO, "fio ran %s but reported no I/O", rw);
	return 0;
}

int fio_run(const struct fio_job *job, struct fio_result *res)
{
	char bs[32], depth[32], size[32], runtime[32], filename[300], jobs[32];
	char *argv[FIO_ARGS] = { "fio",	 "--name=gmembench", filename, "--ioengine=io_uring",
				 "--rw", (char *)job->rw,    bs,       depth,
				 size,	 "--time_based",     runtime,  "--output-format=json" };
	int argc = 12, pipefd[2], errfd, status, ret;
	char why[160] = "";
	posix_spawn_file_actions_t actions;
	char *out;
	pid_t pid;

	snprintf(filename, sizeof(filename), "--filename=%s", job->target);
	snprintf(bs, sizeof(bs), "--bs=%" PRIu64, job->bs);
	snprintf(depth, sizeof(depth), "--iodepth=%u", job->iodepth);
	snprintf(size, sizeof(size), "--size=%" PRIu64, job->size);
	snprintf(runtime, sizeof(runtime), "--runtime=%ums", job->runtime_ms);
	if (job->numjobs > 1) {
		snprintf(jobs, sizeof(jobs), "--numjobs=%u", job->numjobs);
		argv[argc++] = jobs;
		argv[argc++] = "--group_reporting";
	}
	if (job->direct)
		argv[argc++] = "--direct=1";
	if (job->fixedbufs)
		argv[argc++] = "--fixedbufs";
	res->command[0] = '\0';
	for (int i = 0; i < argc; i++)
		snprintf(res->command + strlen(res->command),
			 sizeof(res->command) - strlen(res->command), "%s%s", i ? " " : "",
			 argv[i]);
	errfd = memfd_create("fio-stderr", MFD_CLOEXEC);
	if (errfd < 0)
		return gmb_error(errno, "memfd_create failed: %s", strerror(errno));
	if (pipe2(pipefd, O_CLOEXEC)) {
		close(errfd);
		return gmb_error(errno, "pipe2 failed: %s", strerror(errno));
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&actions, errfd, 2);
	ret = posix_spawnp(&pid, "fio", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	if (ret) {
		close(pipefd[0]);
		close(errfd);
		return gmb_error(ret == ENOENT ? ENOENT : ret, "cannot run fio: %s%s",
				 strerror(ret),
				 ret == ENOENT ? " (not installed: apt-get install fio)" : "");
	}
	out = fio_read_all(pipefd[0]);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pread(errfd, why, sizeof(why) - 1, 0) > 0)
		why[strcspn(why, "\n")] = '\0';
	close(errfd);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		free(out);
		return gmb_error(EIO, "%s failed (exit status %d): %s", res->command,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1, why[0] ? why : "?");
	}
	if (!out)
		return gmb_error(EIO, "cannot read fio's output");
	ret = fio_parse(out, job->rw, res);
	free(out);
	return ret;
}
