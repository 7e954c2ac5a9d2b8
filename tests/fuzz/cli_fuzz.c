// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: gmembench's command line as main() sees it. The input is argv[1..], the
 * arguments separated by NUL bytes ("run\0--backend\0anon,memfd"). Every command parses and
 * checks its options and stops there (cli_parse_only): nothing
 * touches the host, reads results or runs a script. A crash, a sanitizer report or a leak
 * is a finding.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *text = malloc(size + 1);
	int argc = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	argv[argc++] = "gmembench";
	for (char *p = text; p <= text + size && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	cli_parse_only = true;
	optind = 0;
	cli_main(argc, argv);
	free(text);
	return 0;
}
