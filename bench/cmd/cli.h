/* SPDX-License-Identifier: GPL-2.0 */
/* The command-line layer's shared pieces: option tables, usage errors, number parsing. */
#ifndef GMB_CLI_H
#define GMB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct mem_backend;
struct workload;

/* Bad command-line input: the message says what was wrong. */
#define EXIT_USAGE 2

/* One table gives getopt its options and --help its text. */
struct cli_option {
	const char *name;
	int key;
	const char *arg;
	const char *help;
};

/*
 * Set only by the command-line fuzz target (tests/fuzz/cli_fuzz.c): each command parses and
 * checks its options, then returns before it touches the host, reads a results file, writes
 * anything or runs a script.
 */
extern bool cli_parse_only;

/* Fills getopt_long's table and short-option string (shortopts: room for 3 per option). */
void build_getopt(const struct cli_option *opts, size_t n, struct option *out, char *shortopts);
void print_options(FILE *f, const struct cli_option *opts, size_t n);
/* Prints "gmembench COMMAND: message" and a hint; returns EXIT_USAGE. */
int usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The option getopt_long() just refused ('?' or ':'), as written: "--bogus", "--quiet=1" or,
 * from "-qZ", "-Z". buf: room for a short option.
 */
const char *refused_option(const struct option *longopts, char *const *argv, char *buf, size_t len);
int parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out);
/*
 * Splits a comma-separated list in place into items[]. Returns the count, or a usage error of
 * command (EXIT_USAGE, with the message printed) for an empty item ("1,,2"), a repeated one
 * ("anon,anon": the case would run twice under one id) or more than max.
 */
int split_list(const char *command, const char *option, char *text, char **items, int max);
/*
 * --backend LIST and --workload LIST of run and stress: the names split as split_list() does
 * and looked up, into out[] (room for MEM_NR_BACKENDS backends, RUN_MAX_LIST workloads) and
 * *nr. with_calibration: whether the calibration loop is a workload here (stress refuses it:
 * it checks nothing). Returns 0, or a usage error of command (EXIT_USAGE, message printed).
 */
int parse_backend_list(const char *command, char *text, const struct mem_backend **out, int *nr);
int parse_workload_list(const char *command, char *text, bool with_calibration,
			const struct workload **out, int *nr);

#endif /* GMB_CLI_H */
