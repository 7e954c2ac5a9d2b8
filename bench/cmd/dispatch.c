// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench's command dispatch: argv as main() sees it, to the command that argv[1] names.
 * Apart from main.c so that the fuzz target (tests/fuzz/cli_fuzz.c) can call it too.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"
#include "config.h"
#include "core/version.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: gmembench COMMAND [OPTIONS]\n\n"
		   "Benchmarks KVM guest-memory backends.\n\n"
		   "commands:\n"
		   "  probe     what this host offers: KVM capabilities, settings, every backend\n"
		   "  run       run a matrix of workloads x variants x backends; write results\n"
		   "  stress    the workloads at once, checked, for a bounded time; kernel log "
		   "watched\n"
		   "  list      workloads, variants, backends and suites\n"
		   "  compare   A/B: what changed between two runs (or groups), and is it noise\n"
		   "  report    one HTML page (tables, gnuplot plots) for a run\n"
		   "  dashboard history of runs from any number of hosts: trends, change points\n"
		   "  version   print the version\n"
		   "  help      this text\n\n"
		   "'gmembench COMMAND --help' describes a command's options.\n");
}

int cli_main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : NULL;

	bool help = command && (!strcmp(command, "help") || !strcmp(command, "--help") ||
				!strcmp(command, "-h"));
	bool version = command && (!strcmp(command, "version") || !strcmp(command, "--version"));

	if ((help || version) && argc > 2) {
		fprintf(stderr, "gmembench %s: unexpected argument '%s'\nTry 'gmembench help'.\n",
			command, argv[2]);
		return EXIT_USAGE;
	}
	if (!command || help) {
		usage(command ? stdout : stderr);
		return command ? 0 : EXIT_USAGE;
	}
	if (version) {
		printf("gmembench %s\n", gmb_version());
		return 0;
	}
	if (!strcmp(command, "probe"))
		return cmd_probe(argc - 1, argv + 1);
	if (!strcmp(command, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(command, "stress"))
		return cmd_stress(argc - 1, argv + 1);
	if (!strcmp(command, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(command, "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(command, "report") || !strcmp(command, "dashboard"))
		return cmd_script(command, argc - 1, argv + 1);
	fprintf(stderr, "gmembench: unknown command '%s'\n", command);
	usage(stderr);
	return EXIT_USAGE;
}
