/* SPDX-License-Identifier: GPL-2.0 */
/* The commands, one file each; main.c picks one by name. Each returns the exit status. */
#ifndef GMB_CMD_H
#define GMB_CMD_H

#include <stdbool.h>
#include <stdint.h>

struct case_result;
struct run_state;

/* The whole command line, argv[1] the command (dispatch.c). Returns the exit status. */
int cli_main(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_stress(int argc, char **argv);
/* report and dashboard: runs the script of that name, passing the arguments through. */
int cmd_script(const char *command, int argc, char **argv);

/*
 * gmembench run --dry-run: prints the matrix rs->cfg gives, what would be skipped and why,
 * and the estimated duration, with no guest run. 0; 1 when no case could run and at least
 * one because its workload refused the options; or -errno.
 */
int dry_run(struct run_state *rs);

/*
 * run --reserve-hugepages (hugepages.c): hugepages_reserve() asks the kernel for `extra` more
 * default-size huge pages (root only; fewer found is an error, with the count, and the old
 * count is back); hugepages_restore() puts the count back (0 or -errno; nothing to do is 0);
 * hugepages_restore_from_signal() does the same from a signal handler, without a message.
 */
int hugepages_reserve(uint64_t extra);
int hugepages_restore(void);
void hugepages_restore_from_signal(void);

/* Progress on stderr during a run (progress.c): show_progress is run_state.progress. */
void progress_start(void);
void show_progress(const struct run_state *rs, const struct case_result *cr, unsigned int round,
		   unsigned int rounds);
void progress_end(void);

/* What gmembench run prints at the end: a matrix per workload, or every case (verbose). */
void print_summary(const struct run_state *rs, bool verbose);

#endif /* GMB_CMD_H */
