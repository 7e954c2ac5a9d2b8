// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench run --reserve-hugepages N: N more default-size huge pages for the run, and the
 * count put back after it: at the end of the run, on an error, and from the signal handler
 * when a second Ctrl-C or SIGTERM ends the run at once (with open, write and close only,
 * which a signal handler may call).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/util.h"

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/* The count to put back, as written to NR_HUGEPAGES; restore_len 0: nothing to put back. */
static char restore_text[32];
static volatile sig_atomic_t restore_len;

int hugepages_reserve(uint64_t extra)
{
	char text[32];
	uint64_t before, now;
	int ret, len;

	if (geteuid())
		return gmb_error(EPERM, "--reserve-hugepages needs root: it writes %s",
				 NR_HUGEPAGES);
	ret = read_text_file(NR_HUGEPAGES, text, sizeof(text));
	if (ret)
		return gmb_error(-ret, "cannot read %s: %s", NR_HUGEPAGES, strerror(-ret));
	before = strtoull(text, NULL, 10);
	/* Armed before the write: whatever the kernel made of it, the old count goes back. */
	len = snprintf(restore_text, sizeof(restore_text), "%" PRIu64 "\n", before);
	restore_len = len;
	len = snprintf(text, sizeof(text), "%" PRIu64 "\n", before + extra);
	ret = write_text_file(NR_HUGEPAGES, text, (size_t)len);
	if (!ret && !read_text_file(NR_HUGEPAGES, text, sizeof(text)) &&
	    (now = strtoull(text, NULL, 10)) < before + extra)
		ret = gmb_error(ENOMEM,
				"asked for %" PRIu64 " more huge pages, the kernel found %" PRIu64,
				extra, now > before ? now - before : 0);
	if (ret)
		hugepages_restore();
	return ret;
}

int hugepages_restore(void)
{
	int ret;

	if (!restore_len)
		return 0;
	ret = write_text_file(NR_HUGEPAGES, restore_text, (size_t)restore_len);
	if (ret)
		return gmb_error(-ret, "could not restore %s to %.*s: %s", NR_HUGEPAGES,
				 (int)restore_len - 1, restore_text, strerror(-ret));
	restore_len = 0;
	return 0;
}

void hugepages_restore_from_signal(void)
{
	int fd;

	if (!restore_len)
		return;
	fd = open(NR_HUGEPAGES, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, restore_text, (size_t)restore_len) == restore_len)
			restore_len = 0;
		close(fd);
	}
}
