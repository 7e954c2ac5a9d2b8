// SPDX-License-Identifier: GPL-2.0
/*
 * What gmembench run prints at the end, from the metrics: per workload a matrix (variants as
 * rows, the backends that ran as columns, each cell the median rate and its interval), then
 * each reason for a skip once (a backend that did not run is one reason), then failures in
 * full. --verbose gives the listing of one line per case; the CSV has it all.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/util.h"
#include "results/metrics.h"

/* The median over rounds of the case's rate over its raw twin's, or NAN without one. */
static double vs_raw(const struct run_state *rs, const struct case_result *cr)
{
	double *ratios, median = NAN;
	int m;

	if (cr->params.raw || !case_raw_twin(rs, cr))
		return NAN;
	ratios = calloc(cr->nr_samples + 1, sizeof(double));
	m = ratios ? case_paired_ratios(rs, cr, ratios) : 0;
	if (m > 0)
		median = stats_median(ratios, m);
	free(ratios);
	return median;
}

static void print_cases(const struct run_state *rs)
{
	printf("\n%-52s %-8s %14s %27s %9s\n", "case", "status", "median", "95% CI of median",
	       "vs raw");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		struct stats_summary s;
		double ratio;

		if (cr->status == CASE_SKIPPED || cr->status == CASE_FAILED) {
			printf("%-52s %-8s %s\n", cr->id, case_status_name(cr->status), cr->reason);
			continue;
		}
		if (case_metric_summary(rs, i, METRIC_OPS_PER_SEC, &s) < 0)
			continue;
		printf("%-52s %-8s %10.0f %-3s", cr->id, case_status_name(cr->status), s.median,
		       "/s");
		if (s.has_ci)
			printf(" [%11.0f, %11.0f]", s.ci_low, s.ci_high);
		else
			printf(" %27s", "(too few samples)");
		ratio = vs_raw(rs, cr);
		if (!isnan(ratio))
			printf(" %8.3fx", ratio);
		printf("\n");
	}
	printf("\n(median of each workload's rate: exits/s, touches/s...; 'vs raw' is the median,\n"
	       "over rounds, of the case's rate over its raw twin's, taken side by side)\n");
}

/* A rate in 5 characters or so: 950, 13.0k, 2.41M. */
static const char *short_rate(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else
		snprintf(buf, len, "%.3g", v);
	return buf;
}

/* A row of the matrix: the case's parameters but its backend. */
static void row_label(const struct case_result *cr, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", cr->params.variant);

	if (cr->params.nr_vcpus != 1)
		n += snprintf(buf + n, len - n, " x%u", cr->params.nr_vcpus);
	if (cr->params.guest_page_size != SZ_4K)
		snprintf(buf + n, len - n, " 2M-pages");
}

static bool ran(const struct case_result *cr)
{
	return cr->status == CASE_OK || cr->status == CASE_INTERRUPTED;
}

/* The cell of (row, backend) in workload wl: the harness case, or NULL. */
static const struct case_result *cell(const struct run_state *rs, const struct workload *wl,
				      const char *row, const struct mem_backend *b)
{
	char label[96];

	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];

		if (cr->params.workload != wl || cr->params.backend != b || cr->params.raw)
			continue;
		row_label(cr, label, sizeof(label));
		if (!strcmp(label, row))
			return cr;
	}
	return NULL;
}

#define MAX_ROWS 64

/*
 * One workload's cases, a row per variant (and vCPU count), a column per backend: the median
 * of metric id with its interval. The bystanders' ratio has rows only where there were some.
 */
static void print_matrix(const struct run_state *rs, const struct workload *wl, enum metric_id id)
{
	bool ratio = id == METRIC_BYSTANDER_TOUCH_RATIO;
	const struct mem_backend *cols[MEM_NR_BACKENDS];
	static char rows[MAX_ROWS][96];
	int nr_cols = 0, nr_rows = 0;
	char label[96];

	for (int b = 0; b < MEM_NR_BACKENDS; b++)
		for (unsigned int i = 0; i < rs->nr_cases; i++)
			if (rs->cases[i].params.workload == wl &&
			    rs->cases[i].params.backend == mem_backends[b] && ran(&rs->cases[i])) {
				cols[nr_cols++] = mem_backends[b];
				break;
			}
	for (unsigned int i = 0; i < rs->nr_cases && nr_rows < MAX_ROWS; i++) {
		bool seen = false;

		if (rs->cases[i].params.workload != wl || rs->cases[i].params.raw ||
		    (ratio && rs->cases[i].params.nr_vcpus < 2))
			continue;
		row_label(&rs->cases[i], label, sizeof(label));
		for (int r = 0; r < nr_rows && !seen; r++)
			seen = !strcmp(rows[r], label);
		if (!seen)
			snprintf(rows[nr_rows++], sizeof(rows[0]), "%s", label);
	}
	if (!nr_cols || !nr_rows)
		return;
	if (ratio)
		printf("\n%s: the other vCPUs' touch rate while vCPU 0 worked over their rate "
		       "alone,\nmedian [95%% interval] (1: no slowdown)\n%-18s",
		       wl->name, "");
	else
		printf("\n%s: median %s/s [95%% interval]%s\n%-18s", wl->name, wl->op_plural,
		       wl->has_raw ? "; ! where it is off its raw twin by over 10%" : "", "");
	for (int c = 0; c < nr_cols; c++)
		printf(" %-20.20s", cols[c]->name);
	printf("\n");
	for (int r = 0; r < nr_rows; r++) {
		printf("%-18.18s", rows[r]);
		for (int c = 0; c < nr_cols; c++) {
			const struct case_result *x = cell(rs, wl, rows[r], cols[c]);
			char text[48], median[16], low[16], high[16], mark;
			struct stats_summary s;

			if (!x || !ran(x) || case_metric_summary(rs, x - rs->cases, id, &s) <= 0) {
				printf(" %-20s", x && x->status == CASE_FAILED ? "failed" : "-");
				continue;
			}
			/* NAN (no twin) compares false: no mark. */
			mark = !ratio && fabs(vs_raw(rs, x) - 1) > 0.10 ? '!' : ' ';
			short_rate(s.median, median, sizeof(median));
			if (ratio)
				snprintf(text, sizeof(text), s.has_ci ? "%.2f [%.2f-%.2f]" : "%.2f",
					 s.median, s.ci_low, s.ci_high);
			else if (s.has_ci)
				snprintf(text, sizeof(text), "%s%c[%s-%s]", median, mark,
					 short_rate(s.ci_low, low, sizeof(low)),
					 short_rate(s.ci_high, high, sizeof(high)));
			else
				snprintf(text, sizeof(text), "%s%c", median, mark);
			printf(" %-20s", text);
		}
		printf("\n");
	}
}

/*
 * The calibration (run --normalize): the host's speed over the rounds. Its spread is how much
 * the machine changed speed during the run, which the normalised rates take out.
 */
static void print_calibration(const struct run_state *rs)
{
	const struct case_result *cr = case_calibration(rs);
	char median[16], p10[16], p90[16];
	struct stats_summary s;

	if (!cr || !ran(cr) ||
	    case_metric_summary(rs, (unsigned int)(cr - rs->cases), METRIC_OPS_PER_SEC, &s) <= 0)
		return;
	printf("\ncalibration (a guest loop that never exits, every round): median %s %s/s, "
	       "p10 %s, p90 %s;\nthe normalised rates (<rate>_normalized in the results) are "
	       "over it\n",
	       short_rate(s.median, median, sizeof(median)), cr->params.workload->op_plural,
	       short_rate(s.p10, p10, sizeof(p10)), short_rate(s.p90, p90, sizeof(p90)));
}

static long long memory_kb(json_t *memory, const char *key, const char *sub)
{
	json_t *v = json_object_get(memory, key);

	return json_integer_value(sub ? json_object_get(v, sub) : v);
}

/*
 * What the run left the host's memory with, said only when it moved: the direct map split
 * further (splits are not undone, and later runs inherit them), or much less memory available.
 */
static void print_memory_left(const struct run_state *rs)
{
	json_t *before = json_object_get(rs->environment, "memory"), *after = rs->memory_after;
	long long split =
		memory_kb(after, "directmap_kb", "4k") - memory_kb(before, "directmap_kb", "4k");
	long long lost =
		memory_kb(before, "available_kb", NULL) - memory_kb(after, "available_kb", NULL);

	if (!after || !before)
		return;
	if (split)
		printf("\nthe direct map: DirectMap4k %+lld KiB over the run (splits are not "
		       "undone; run.memory_after in the results)\n",
		       split);
	if (lost > 64 * 1024)
		printf("\nMemAvailable %lld MiB lower after the run than before it\n", lost >> 10);
}

/* Each distinct reason for a skip once, with how many cases it covers. */
static void print_skips(const struct run_state *rs)
{
	bool any = false;

	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		unsigned int count = 0;
		bool seen = false;

		if (cr->status != CASE_SKIPPED)
			continue;
		for (unsigned int k = 0; k < i && !seen; k++)
			seen = rs->cases[k].status == CASE_SKIPPED &&
			       !strcmp(rs->cases[k].reason, cr->reason);
		if (seen)
			continue;
		for (unsigned int k = i; k < rs->nr_cases; k++)
			count += rs->cases[k].status == CASE_SKIPPED &&
				 !strcmp(rs->cases[k].reason, cr->reason);
		if (!any)
			printf("\nskipped (each reason once; raw twins included):\n");
		any = true;
		printf("  %3u case%s  %s\n", count, count == 1 ? " " : "s", cr->reason);
	}
}

/* Every failed case, with its reason: two failures alike are still two. */
static void print_failures(const struct run_state *rs)
{
	bool any = false;

	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		if (rs->cases[i].status != CASE_FAILED)
			continue;
		if (!any)
			printf("\nfailed:\n");
		any = true;
		printf("  %s: %s\n", rs->cases[i].id, rs->cases[i].reason);
	}
}

void print_summary(const struct run_state *rs, bool verbose)
{
	if (verbose) {
		print_cases(rs);
		return;
	}
	/* The workloads the run selected, in its order. */
	for (int w = 0; w < rs->cfg.nr_workloads; w++) {
		print_matrix(rs, rs->cfg.workloads[w], METRIC_OPS_PER_SEC);
		if (rs->cfg.workloads[w]->bystanders)
			print_matrix(rs, rs->cfg.workloads[w], METRIC_BYSTANDER_TOUCH_RATIO);
	}
	print_calibration(rs);
	print_memory_left(rs);
	print_skips(rs);
	print_failures(rs);
	printf("\n(every case, with its interval and vs raw: --verbose, and summary.csv)\n");
}
