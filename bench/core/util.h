/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every part of the host driver uses: the error policy, time, sizes. */
#ifndef GMB_UTIL_H
#define GMB_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define ALIGN_UP(x, a)	 (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

#define SZ_4K (4096UL)
#define SZ_2M (2UL << 20)
#define SZ_1G (1UL << 30)

/*
 * The error policy: library code returns 0 or -errno and leaves a sentence saying what failed
 * in a per-thread buffer; only the command-line layer prints it. gmb_error() records the
 * sentence and returns -err, so a failure path reads "return gmb_error(errno, ...)".
 */
int gmb_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *gmb_last_error(void);
void gmb_clear_error(void);

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The wall-clock time now, UTC, as "2026-11-30T12:00:00Z", into buf. */
void utc_now_iso(char *buf, size_t len);

/* Parses "4096", "4k", "2M", "1G" (binary units). Returns 0 or -EINVAL. */
int parse_size(const char *text, uint64_t *out);
/* Formats a size as "4K", "2M", "512M"... into buf. */
const char *format_size(uint64_t size, char *buf, size_t len);

/*
 * Copies text into buf (len bytes) for a message, with control bytes, backslashes and bytes
 * that are not printable ASCII as \xNN: text from a file or the command line must not write
 * escape sequences to a terminal. Returns buf.
 */
const char *escape_text(const char *text, char *buf, size_t len);

/* Writes text to an existing file (sysfs, procfs) in one write(2). 0 or -errno. */
int write_text_file(const char *path, const char *text, size_t len);
/* Reads a small file into buf (NUL-terminated, trailing newline removed). 0 or -errno. */
int read_text_file(const char *path, char *buf, size_t len);
/* Reads one "key value" or "key: value" number from a /proc file. 0, -ENOENT or -errno. */
int read_proc_key(const char *path, const char *key, uint64_t *value);

/*
 * Reads the byte at p and says which signal that raised: 0 (none), SIGBUS or SIGSEGV. For
 * checking that memory taken from the host is really out of its reach. Handlers are installed
 * only for the read, on the calling thread's behalf.
 */
int read_faults(const volatile uint8_t *p);

#endif /* GMB_UTIL_H */
