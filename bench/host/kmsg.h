/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log watched from a marker: opened at the end of /dev/kmsg (SEEK_END), then read
 * record by record as the kernel adds them. A record that reports a kernel problem (BUG,
 * WARNING, Oops, lockdep, KASAN, an RCU stall, a hung task...) is a report; every record read
 * is kept as evidence. Like liburing's test runner, which fails a test that left such a
 * report behind it.
 */
#ifndef GMB_KMSG_H
#define GMB_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the kernel log is read from: $GMEMBENCH_KMSG (for tests), else /dev/kmsg. */
const char *kmsg_default_path(void);

#define KMSG_MAX_REPORTS 32
#define KMSG_LINE_MAX	 512
/* Records kept as evidence: the first ones after the marker, up to this many bytes. */
#define KMSG_EVIDENCE_MAX (4u << 20)

struct kmsg_report {
	const char *kind; /* "lockdep", "kasan", "warning"... (kmsg_classify()) */
	char line[KMSG_LINE_MAX];
};

struct kmsg_watch {
	int fd;
	bool available; /* false: reason says why nothing is watched */
	char path[256];
	char reason[640];
	uint64_t records;  /* read since the marker */
	uint64_t lost;	   /* overwritten in the kernel's buffer before they were read */
	uint64_t reported; /* reports seen; the first KMSG_MAX_REPORTS are in reports[] */
	struct kmsg_report reports[KMSG_MAX_REPORTS];
	char *evidence; /* every record read, one line each, as dmesg prints them */
	size_t evidence_len;
	bool evidence_truncated;
	char partial[KMSG_LINE_MAX]; /* a line not yet complete (a file read in chunks) */
	size_t partial_len;
};

/*
 * Opens path and sets the marker at its end: only what the kernel logs from now on is read.
 * On failure the watch is unavailable, with the reason in w->reason, and -errno is returned.
 */
int kmsg_watch_open(struct kmsg_watch *w, const char *path);
/*
 * Reads every record added since the last call. Returns the number of new reports (0 when
 * none), or -errno when the log cannot be read any more (w->available is then false and
 * w->reason says why).
 */
int kmsg_watch_poll(struct kmsg_watch *w);
void kmsg_watch_close(struct kmsg_watch *w);

/* The kind of problem a kernel log message reports, or NULL when it reports none. */
const char *kmsg_classify(const char *message);

#endif /* GMB_KMSG_H */
