/* SPDX-License-Identifier: GPL-2.0 */
/* A stress run's record: stress.json and its evidence (see stress_write.c). */
#ifndef GMB_RESULTS_STRESS_H
#define GMB_RESULTS_STRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "run/stress.h"

#define STRESS_SCHEMA	      "gmembench-stress"
#define STRESS_SCHEMA_VERSION 1
#define STRESS_JSON	      "stress.json"

struct stress_totals {
	uint64_t jobs_run, guests, samples, ops, guest_checks, host_checks, count_checks;
	uint64_t memslot_changes;
};

void stress_totals(const struct stress_run *sr, struct stress_totals *t);
/* Makes OUTPUT_DIR/<date>-<host>-stress-<id> (OUTPUT_DIR's parent too unless given). */
int stress_make_dir(const char *output_dir, bool given, char *dir, size_t len);
/* The document (a new reference). */
struct json_t *stress_document(const struct stress_run *sr, struct json_t *environment, int argc,
			       char **argv);
/*
 * Writes dir/stress.json, and beside it kernel-log.txt (the records read since the marker)
 * and, for a failed run, failure.txt; each atomically. 0 or -errno.
 */
int stress_write(const struct stress_run *sr, const char *dir, struct json_t *environment, int argc,
		 char **argv);

#endif /* GMB_RESULTS_STRESS_H */
