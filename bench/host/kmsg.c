// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel log from a marker. /dev/kmsg gives one record per read(2), "PRI,SEQ,USEC,FLAGS;
 * message" with continuation lines (" KEY=value") after it, and EPIPE when records were
 * overwritten before they were read; a plain file (tests put one in $GMEMBENCH_KMSG) gives
 * lines in chunks. Both go through the same line splitter.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "host/kmsg.h"

/*
 * What the kernel prints when something is wrong, first match wins: lockdep's and KASAN's
 * headers before the WARNING:/BUG: lines that carry them.
 */
static const struct {
	const char *kind;
	const char *text;
} kmsg_patterns[] = {
	{ "lockdep", "possible circular locking dependency" },
	{ "lockdep", "possible recursive locking" },
	{ "lockdep", "inconsistent lock state" },
	{ "lockdep", "possible irq lock inversion" },
	{ "lockdep", "bad unlock balance" },
	{ "lockdep", "held lock freed" },
	{ "lockdep", "lock held when returning to user space" },
	{ "rcu", "suspicious RCU usage" },
	{ "rcu-stall", "detected stall" },
	{ "hung-task", "blocked for more than" },
	{ "lockup", "soft lockup" },
	{ "lockup", "hard LOCKUP" },
	{ "kasan", "KASAN:" },
	{ "ubsan", "UBSAN:" },
	{ "kfence", "KFENCE:" },
	{ "bad-page", "Bad page state" },
	{ "bad-page", "Bad page map" },
	{ "list-corruption", "list_add corruption" },
	{ "list-corruption", "list_del corruption" },
	{ "oops", "Oops:" },
	{ "oops", "general protection fault" },
	{ "panic", "Kernel panic" },
	{ "bug", "BUG:" },
	{ "bug", "kernel BUG at" },
	{ "warning", "WARNING:" },
};

const char *kmsg_default_path(void)
{
	const char *path = getenv("GMEMBENCH_KMSG");

	return path && path[0] ? path : "/dev/kmsg";
}

const char *kmsg_classify(const char *message)
{
	for (size_t i = 0; i < ARRAY_SIZE(kmsg_patterns); i++)
		if (strstr(message, kmsg_patterns[i].text))
			return kmsg_patterns[i].kind;
	return NULL;
}

static void watch_unavailable(struct kmsg_watch *w, const char *what, int err)
{
	const char *hint = "";

	if (err == EACCES || err == EPERM)
		hint = " (reading the kernel log needs CAP_SYSLOG, or kernel.dmesg_restrict=0)";
	snprintf(w->reason, sizeof(w->reason), "%s %s: %s%s", what, w->path, strerror(err), hint);
	w->available = false;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

int kmsg_watch_open(struct kmsg_watch *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w->fd < 0) {
		int err = errno;

		watch_unavailable(w, "cannot open", err);
		return -err;
	}
	/* The marker: what was logged before now is not this run's. A FIFO has no past. */
	if (lseek(w->fd, 0, SEEK_END) < 0 && errno != ESPIPE) {
		int err = errno;

		watch_unavailable(w, "cannot seek to the end of", err);
		return -err;
	}
	w->available = true;
	return 0;
}

static void evidence_add(struct kmsg_watch *w, const char *line)
{
	size_t len = strlen(line);

	if (w->evidence_truncated)
		return;
	if (w->evidence_len + len + 2 > KMSG_EVIDENCE_MAX) {
		w->evidence_truncated = true;
		return;
	}
	if (!w->evidence) {
		w->evidence = malloc(KMSG_EVIDENCE_MAX);
		if (!w->evidence) {
			w->evidence_truncated = true;
			return;
		}
	}
	memcpy(w->evidence + w->evidence_len, line, len);
	w->evidence_len += len;
	w->evidence[w->evidence_len++] = '\n';
	w->evidence[w->evidence_len] = '\0';
}

/* One line: a /dev/kmsg record's first line, or a plain line. Returns 1 for a report. */
static int kmsg_line(struct kmsg_watch *w, char *line)
{
	char text[KMSG_LINE_MAX + 32];
	unsigned long long seq, usec;
	const char *message = line, *kind;
	int consumed = 0;

	/* " KEY=value": a record's dictionary, not a message. */
	if (line[0] == ' ' || !line[0])
		return 0;
	if (sscanf(line, "%*u,%llu,%llu,%*[^;];%n", &seq, &usec, &consumed) == 2 && consumed) {
		message = line + consumed;
		snprintf(text, sizeof(text), "[%5llu.%06llu] %s", usec / 1000000, usec % 1000000,
			 message);
	} else {
		snprintf(text, sizeof(text), "%s", line);
	}
	w->records++;
	evidence_add(w, text);
	kind = kmsg_classify(message);
	if (!kind)
		return 0;
	if (w->reported < KMSG_MAX_REPORTS) {
		struct kmsg_report *r = &w->reports[w->reported];

		r->kind = kind;
		snprintf(r->line, sizeof(r->line), "%s", text);
	}
	w->reported++;
	return 1;
}

static int kmsg_feed(struct kmsg_watch *w, const char *buf, size_t len)
{
	int reports = 0;

	for (size_t i = 0; i < len; i++) {
		/* A line longer than the buffer is cut: its start is what classifies it. */
		if (buf[i] != '\n' && w->partial_len < sizeof(w->partial) - 1) {
			w->partial[w->partial_len++] = buf[i];
			continue;
		}
		if (buf[i] != '\n')
			continue;
		w->partial[w->partial_len] = '\0';
		reports += kmsg_line(w, w->partial);
		w->partial_len = 0;
	}
	return reports;
}

int kmsg_watch_poll(struct kmsg_watch *w)
{
	char buf[8192];
	int reports = 0;

	if (!w->available)
		return -ENODEV;
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n > 0) {
			reports += kmsg_feed(w, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			break; /* the end of a plain file, for now */
		if (errno == EAGAIN)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE) {
			/* The kernel's buffer wrapped: the next read starts at the oldest record. */
			w->lost++;
			continue;
		}
		{
			int err = errno;

			watch_unavailable(w, "cannot read", err);
			return -err;
		}
	}
	return reports;
}

void kmsg_watch_close(struct kmsg_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->evidence);
	w->evidence = NULL;
	w->evidence_len = 0;
}
