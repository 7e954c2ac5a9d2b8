// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "backends/mem.h"
#include "run/case.h"
#include "run/workload.h"

bool cli_parse_only;

void build_getopt(const struct cli_option *opts, size_t n, struct option *out, char *shortopts)
{
	char *s = shortopts;

	*s++ = ':';
	for (size_t i = 0; i < n; i++) {
		out[i] = (struct option){ opts[i].name,
					  opts[i].arg ? required_argument : no_argument, NULL,
					  opts[i].key };
		if (opts[i].key < 256) {
			*s++ = (char)opts[i].key;
			if (opts[i].arg)
				*s++ = ':';
		}
	}
	*s = '\0';
	out[n] = (struct option){ 0 };
}

void print_options(FILE *f, const struct cli_option *opts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char left[64];

		if (opts[i].key < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].key, opts[i].name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(f, "  %-28s %s\n", left, opts[i].help);
	}
}

int usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gmembench %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'gmembench %s --help'.\n", command);
	return EXIT_USAGE;
}

int parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul() would skip leading blanks and take a sign: " 3" and "-1" are typos here. */
	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *refused_option(const struct option *longopts, char *const *argv, char *buf, size_t len)
{
	const char *last = argv[optind - 1];

	/*
	 * getopt_long sets optopt to the key of a short option it refused (unknown, or without
	 * its argument) and to the key of a refused long option ("--quiet=1", "--output" at the
	 * end), which may be a character too; it leaves optind on a short option's argument
	 * while more options follow in it ("-Zq"), so argv[optind - 1] is not always the one.
	 */
	if (optopt <= 0 || optopt >= 256)
		return last;
	if (!strncmp(last, "--", 2)) {
		size_t n = strcspn(last + 2, "=");

		for (const struct option *o = longopts; o->name; o++)
			if (o->val == optopt && n && !strncmp(o->name, last + 2, n))
				return last;
	}
	snprintf(buf, len, "-%c", optopt);
	return buf;
}

int split_list(const char *command, const char *option, char *text, char **items, int max)
{
	int n = 0;
	char *tok = text;

	for (;;) {
		char *comma = strchr(tok, ',');

		if (comma)
			*comma = '\0';
		if (!tok[0])
			return -usage_error(command, "--%s: an empty item in the list", option);
		for (int i = 0; i < n; i++)
			if (!strcmp(items[i], tok))
				return -usage_error(command, "--%s: '%s' is listed twice", option,
						    tok);
		if (n == max)
			return -usage_error(command, "--%s: more than %d items", option, max);
		items[n++] = tok;
		if (!comma)
			return n;
		tok = comma + 1;
	}
}

int parse_backend_list(const char *command, char *text, const struct mem_backend **out, int *nr)
{
	char *items[MEM_NR_BACKENDS];
	int n = split_list(command, "backend", text, items, MEM_NR_BACKENDS);

	if (n < 0)
		return -n;
	*nr = 0;
	for (int i = 0; i < n; i++) {
		const struct mem_backend *b = mem_backend_find(items[i]);

		if (!b)
			return usage_error(command, "unknown backend '%s' (see gmembench list)",
					   items[i]);
		out[(*nr)++] = b;
	}
	return 0;
}

int parse_workload_list(const char *command, char *text, bool with_calibration,
			const struct workload **out, int *nr)
{
	char *items[RUN_MAX_LIST];
	int n = split_list(command, "workload", text, items, RUN_MAX_LIST);

	if (n < 0)
		return -n;
	*nr = 0;
	for (int i = 0; i < n; i++) {
		const struct workload *wl = workload_find(items[i]);

		if (!wl || (wl->calibration && !with_calibration))
			return usage_error(command, "unknown workload '%s'%s", items[i],
					   wl ? " (the calibration loop checks nothing)"
					      : " (see gmembench list)");
		out[(*nr)++] = wl;
	}
	return 0;
}
