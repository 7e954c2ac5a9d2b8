// SPDX-License-Identifier: GPL-2.0
/* gmembench report and gmembench dashboard: scripts that read only the results JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

/*
 * report and dashboard are scripts (Python and gnuplot) that read only the results JSON;
 * the command runs the one beside this build, passing its arguments through.
 */
int cmd_script(const char *command, int argc, char **argv)
{
	char path[4096];
	char **args = calloc((size_t)argc + 2, sizeof(*args));

	if (!args)
		return 1;
	snprintf(path, sizeof(path), "%s/gmembench-%s", GMB_SCRIPTDIR, command);
	args[0] = path;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	execv(path, args);
	fprintf(stderr, "gmembench %s: cannot run %s: %s\n", command, path, strerror(errno));
	free(args);
	return 1;
}
