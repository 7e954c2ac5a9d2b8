/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results: one JSON document per run (schema in results/SCHEMA.md) plus CSV beside it, each
 * written atomically: a reader sees the previous complete file or the new one, never half.
 */
#ifndef GMB_RESULTS_H
#define GMB_RESULTS_H

#include <stddef.h>

#include "run/case.h"

#define RESULTS_SCHEMA	       "gmembench-results"
#define RESULTS_SCHEMA_VERSION 1
#define RESULTS_JSON	       "results.json"

/* The run as a results document (a new reference). */
struct json_t *results_document(struct run_state *rs);

/* Creates results/runs/<date>-<host>-<id>/ under rs->cfg.output_dir. 0 or -errno. */
int results_make_run_dir(struct run_state *rs);
/* Writes results.json, samples.csv and summary.csv atomically. 0 or -errno. */
int results_write(struct run_state *rs);

/*
 * Reads a results document, checking that it is one (schema) of a version this gmembench
 * reads. 0, or -errno with the reason (file, line and column for malformed JSON).
 */
int results_load(const char *path, struct json_t **doc);
/*
 * Every results document under path: the file itself, a run directory, or a directory of run
 * directories (searched recursively), in path order. 0 or -errno (-ENOENT: none found).
 */
int results_collect(const char *path, struct json_t ***docs, size_t *count);

/*
 * A case's placement as compare tells runs apart (a new object): vcpu_cpus, memory_policy,
 * memory_nodes and landed_nodes (where its sampled pages were read back), each null where the
 * document does not say, as in runs from before gmembench recorded them.
 */
struct json_t *results_case_placement(struct json_t *c);
/*
 * Appends to diffs, like environment differences, how the placement of the cases in both
 * pools differs: one {field: "placement", a, b, cases, example} per distinct pair, and
 * {field, within: "A" or "B", cases} for a side whose runs placed a case apart. A pool maps
 * case ids to objects with "placement" (from results_case_placement()) and, when its runs
 * disagreed, "placement_varies": true.
 */
void results_placement_differences(struct json_t *pa, struct json_t *pb, struct json_t *diffs);

/* What results_validate() accepts (see validate.c): the same bounds as the scripts. */
#define RESULTS_MAX_DEPTH 64
#define RESULTS_LARGEST	  1e300
#define RESULTS_SMALLEST  1e-300

/*
 * Checks a parsed document before anything reads numbers from it; name (the file, escaped)
 * starts the message. 0 or -EINVAL with the case and field that are wrong.
 */
int results_validate(struct json_t *doc, const char *name);

/* Writes text to path through a temporary file and rename(2). 0 or -errno. */
int write_file_atomic(const char *path, const char *data, size_t len);

#endif /* GMB_RESULTS_H */
