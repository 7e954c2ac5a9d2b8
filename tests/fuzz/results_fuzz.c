// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the results reader behind gmembench compare. The input is a results.json
 * (in a memfd, read through /proc/self/fd like any file); gmembench compare reads it, checks
 * it and, when it is valid, compares it with itself or with tests/fuzz/partner.json (three cases of tests/fixtures/results-small.json)
 * and prints the comparison (stdout is closed by -close_fd_mask). The input's length picks
 * the format (text, markdown or JSON), the flags and which side it is on. A crash, a sanitizer
 * report or a leak is a finding. (report and dashboard read results in Python:
 * tests/bad-input.test replays this target's corpus through that reader.)
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int input_fd = -1;
static char input_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	input_fd = memfd_create("results.json", MFD_CLOEXEC);
	if (input_fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(input_path, sizeof(input_path), "/proc/self/fd/%d", input_fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char fixture[] = GMB_FUZZ_FIXTURE;
	static const char *const formats[] = { "--format=text", "--format=markdown",
					       "--format=json" };
	char *argv[10];
	int argc = 0;
	size_t mode = size / 3;

	if (ftruncate(input_fd, 0) || pwrite(input_fd, data, size, 0) != (ssize_t)size)
		return 0;
	argv[argc++] = "gmembench";
	argv[argc++] = "compare";
	argv[argc++] = (char *)formats[size % 3];
	if (mode & 1)
		argv[argc++] = "--verbose";
	if (mode & 2)
		argv[argc++] = "--all-metrics";
	if (mode & 4)
		argv[argc++] = "--normalize";
	/* A, B: the input against itself, as the baseline, or as the new run. */
	argv[argc++] = (mode >> 3) % 3 == 1 ? fixture : input_path;
	argv[argc++] = (mode >> 3) % 3 == 2 ? fixture : input_path;
	argv[argc] = NULL;
	cli_parse_only = false;
	optind = 0;
	cli_main(argc, argv);
	return 0;
}
