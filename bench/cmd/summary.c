// SPDX-License-Identifier: GPL-2.0
/*
 * What gmembench run prints at the end, from the metrics: per workload a matrix (variants as
 * rows, the backends that ran as columns, each cell the median rate and its interval), then
 * each backend that did not run once with its reason, then other skips once per reason, then
 * failures in full. --verbose gives the old listing, one line per case; the CSV has it all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/util.h"
#include "results/metrics.h"

static void print_cases(const struct run_state *rs)
{
	printf("\n%-52s %-8s %14s %27s %9s\n", "case", "status", "median", "95% CI of median",
	       "vs raw");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		struct stats_summary s;

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
		if (!cr->params.raw && case_raw_twin(rs, cr)) {
			double *ratios = calloc(cr->nr_samples + 1, sizeof(double));
			int m = ratios ? case_paired_ratios(rs, cr, ratios) : 0;

			if (m > 0)
				printf(" %8.3fx", stats_median(ratios, m));
			free(ratios);
		}
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

static void print_matrix(const struct run_state *rs, const struct workload *wl)
{
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

		if (rs->cases[i].params.workload != wl || rs->cases[i].params.raw)
			continue;
		row_label(&rs->cases[i], label, sizeof(label));
		for (int r = 0; r < nr_rows && !seen; r++)
			seen = !strcmp(rows[r], label);
		if (!seen)
			snprintf(rows[nr_rows++], sizeof(rows[0]), "%s", label);
	}
	if (!nr_cols)
		return;
	printf("\n%s: median %s/s [95%% interval]%s\n%-18s", wl->name, wl->op_plural,
	       wl->has_raw ? "; ! where it is off its raw twin by over 10%" : "", "");
	for (int c = 0; c < nr_cols; c++)
		printf(" %-20.20s", cols[c]->name);
	printf("\n");
	for (int r = 0; r < nr_rows; r++) {
		printf("%-18.18s", rows[r]);
		for (int c = 0; c < nr_cols; c++) {
			const struct case_result *x = cell(rs, wl, rows[r], cols[c]);
			char text[48], median[16], low[16], high[16], mark = ' ';
			struct stats_summary s;

			if (!x || !ran(x) ||
			    case_metric_summary(rs, x - rs->cases, METRIC_OPS_PER_SEC, &s) <= 0) {
				printf(" %-20s", x && x->status == CASE_FAILED ? "failed" : "-");
				continue;
			}
			if (case_raw_twin(rs, x)) {
				double *ratios = calloc(x->nr_samples + 1, sizeof(double));
				int m = ratios ? case_paired_ratios(rs, x, ratios) : 0;

				if (m > 0 && fabs(stats_median(ratios, m) - 1) > 0.10)
					mark = '!';
				free(ratios);
			}
			short_rate(s.median, median, sizeof(median));
			if (s.has_ci)
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

/* Each distinct reason once, with how many cases it covers; backend reasons first. */
static void print_reasons(const struct run_state *rs, enum case_status status, const char *title)
{
	bool any = false;

	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		unsigned int count = 0;
		bool seen = false;

		if (cr->status != status)
			continue;
		for (unsigned int k = 0; k < i && !seen; k++)
			seen = rs->cases[k].status == status &&
			       !strcmp(rs->cases[k].reason, cr->reason);
		if (seen)
			continue;
		for (unsigned int k = i; k < rs->nr_cases; k++)
			count += rs->cases[k].status == status &&
				 !strcmp(rs->cases[k].reason, cr->reason);
		if (!any)
			printf("\n%s\n", title);
		any = true;
		if (status == CASE_FAILED)
			printf("  %s: %s\n", cr->id, cr->reason);
		else
			printf("  %3u case%s  %s\n", count, count == 1 ? " " : "s", cr->reason);
	}
}

void print_summary(const struct run_state *rs, bool verbose)
{
	const struct workload *shown[RUN_MAX_LIST];
	int nr_shown = 0;

	if (verbose) {
		print_cases(rs);
		return;
	}
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct workload *wl = rs->cases[i].params.workload;
		bool seen = false;

		for (int k = 0; k < nr_shown; k++)
			seen |= shown[k] == wl;
		if (seen || nr_shown == RUN_MAX_LIST)
			continue;
		shown[nr_shown++] = wl;
		print_matrix(rs, wl);
	}
	print_reasons(rs, CASE_SKIPPED, "skipped (each reason once; raw twins included):");
	print_reasons(rs, CASE_FAILED, "failed:");
	printf("\n(every case, with its interval and vs raw: --verbose, and summary.csv)\n");
}
