// SPDX-License-Identifier: GPL-2.0
/* gmembench report and gmembench dashboard: scripts that read only the results JSON. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"

/*
 * The path from one absolute directory to another ("../libexec/gmembench" from /usr/bin to
 * /usr/libexec/gmembench), so that an installed gmembench finds its scripts relative to itself:
 * under any --prefix, and after make install DESTDIR=... or prefix=... moved the whole tree.
 */
static void relative_path(const char *from, const char *to, char *out, size_t len)
{
	size_t i = 0, common = 0, n = 0;

	/* The longest common prefix that ends where a component ends in both. */
	while (from[i] && from[i] == to[i]) {
		i++;
		if ((from[i] == '/' || !from[i]) && (to[i] == '/' || !to[i]))
			common = i;
	}
	out[0] = '\0';
	for (const char *p = from + common; *p; p++)
		if (*p == '/' && n + 4 < len)
			n += (size_t)snprintf(out + n, len - n, "../");
	snprintf(out + n, len - n, "%s", to + common + (to[common] == '/'));
}

/*
 * Where the scripts are: $GMEMBENCH_SCRIPTDIR; else, for an installed gmembench, its
 * pkglibexecdir found relative to the binary; else the source tree this one was built from.
 */
static const char *script_dir(char *buf, size_t len)
{
	const char *env = getenv("GMEMBENCH_SCRIPTDIR");
	char exe[PATH_MAX], rel[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;

	if (env && env[0])
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		relative_path(GMB_BINDIR, GMB_PKGLIBEXECDIR, rel, sizeof(rel));
		snprintf(buf, len, "%s/%s", dirname(exe), rel);
		snprintf(probe, sizeof(probe), "%s/gmembench-report", buf);
		if (!access(probe, X_OK))
			return buf;
	}
	return GMB_SRC_SCRIPTDIR;
}

/*
 * report and dashboard are scripts (Python and gnuplot) that read only the results JSON;
 * the command runs the installed one, or the one beside this build, passing its arguments.
 */
int cmd_script(const char *command, int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	char **args = calloc((size_t)argc + 2, sizeof(*args));

	if (!args)
		return 1;
	if (cli_parse_only) {
		free(args);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/gmembench-%s", script_dir(dir, sizeof(dir)), command);
	args[0] = path;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	execv(path, args);
	fprintf(stderr, "gmembench %s: cannot run %s: %s\n", command, path, strerror(errno));
	free(args);
	return 1;
}
