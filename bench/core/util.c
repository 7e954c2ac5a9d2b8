// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

static __thread char last_error[512];

int gmb_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err > 0 ? -err : (err ? err : -EIO);
}

const char *gmb_last_error(void)
{
	return last_error[0] ? last_error : "unknown error";
}

void gmb_clear_error(void)
{
	last_error[0] = '\0';
}

int parse_size(const char *text, uint64_t *out)
{
	unsigned long long value;
	unsigned int shift = 0;
	char *end;

	if (!text || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	value = strtoull(text, &end, 0);
	if (errno)
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		if ((*end == 'i' || *end == 'I') && (end[1] == 'b' || end[1] == 'B'))
			end += 2;
		else if (*end == 'b' || *end == 'B')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (!value || value > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)value << shift;
	return 0;
}

const char *format_size(uint64_t size, char *buf, size_t len)
{
	static const char units[] = { 'G', 'M', 'K' };
	static const unsigned int shifts[] = { 30, 20, 10 };

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (size && size % (1ULL << shifts[i]) == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", size >> shifts[i], units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64, size);
	return buf;
}

int read_text_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int read_proc_key(const char *path, const char *key, uint64_t *value)
{
	size_t key_len = strlen(key);
	char line[256];
	FILE *f;
	int ret = -ENOENT;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + key_len;

		if (strncmp(line, key, key_len) || (*p != ' ' && *p != ':' && *p != '\t'))
			continue;
		while (*p == ':' || *p == ' ' || *p == '\t')
			p++;
		*value = strtoull(p, NULL, 10);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

int write_text_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return gmb_error(errno, "cannot open %s: %s", path, strerror(errno));
	n = write(fd, text, len);
	if (n != (ssize_t)len) {
		int err = n < 0 ? errno : EIO;

		close(fd);
		return gmb_error(err, "writing %s failed: %s", path, strerror(err));
	}
	close(fd);
	return 0;
}

const char *escape_text(const char *text, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	for (; text && *text && n + 1 < len; text++) {
		unsigned char c = (unsigned char)*text;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[n++] = (char)c;
			continue;
		}
		if (n + 5 > len)
			break;
		snprintf(buf + n, len - n, "\\x%02x", c);
		n += 4;
	}
	buf[n] = '\0';
	return buf;
}

static __thread sigjmp_buf fault_env;
static __thread volatile int fault_armed;

static void fault_jump(int sig)
{
	if (!fault_armed) {
		/* Not ours: the default action, as if no handler had been there. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(fault_env, sig);
}

int read_faults(const volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = fault_jump }, old_bus, old_segv;
	volatile int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(fault_env, 1);
	if (!sig) {
		fault_armed = 1;
		(void)*p;
	}
	fault_armed = 0;
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

void utc_now_iso(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
