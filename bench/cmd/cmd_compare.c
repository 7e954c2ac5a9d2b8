// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench compare A B: what changed from A (the baseline) to B, per workload, case and
 * metric, and whether it is more than noise. A and B are each a results.json, a run
 * directory, or a directory of runs (a group: the samples of a case are pooled over its
 * runs). It reads only the results JSON; compare_runs() does the comparing, this prints it:
 * the workloads' verdicts first, then the cases that changed, then the rest in a line.
 *
 * The JSON output: a, b, threshold, alpha, normalized, environment_differences, workloads
 * (workload, cases, cases_up, cases_down, rounds, ratio, ratio_ci_low, ratio_ci_high, p,
 * verdict), rows (case, metric, unit, n_a, n_b, median_a, median_b, ratio, ratio_ci_low,
 * ratio_ci_high, p, verdict), only_in_a, only_in_b, regressions, improvements,
 * workload_regressions, workload_improvements.
 *
 * Exit status: 0 no regression beyond the threshold, 1 at least one (a case's or a
 * workload's), 2 bad input.
 */
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "results/compare.h"
#include "results/results.h"
#include "core/util.h"

enum {
	OPT_THRESHOLD = 256,
	OPT_ALPHA,
	OPT_FORMAT,
	OPT_ALL_METRICS,
	OPT_NORMALIZE,
	OPT_VERBOSE,
	OPT_SEED,
	OPT_HELP = 'h',
};

static const struct cli_option compare_options[] = {
	{ "threshold", OPT_THRESHOLD, "PCT",
	  "smallest relative change that counts, in percent (default: 5)" },
	{ "alpha", OPT_ALPHA, "P", "significance level of the Mann-Whitney test (default: 0.01)" },
	{ "format", OPT_FORMAT, "FMT", "text (default), markdown or json" },
	{ "all-metrics", OPT_ALL_METRICS, NULL, "every metric, not just each case's rate" },
	{ "normalize", OPT_NORMALIZE, NULL,
	  "judge by rates over their round's calibration (runs made with run --normalize)" },
	{ "verbose", OPT_VERBOSE, NULL, "list every case, not only those that changed" },
	{ "seed", OPT_SEED, "N", "seed of the bootstrap (default: 1)" },
	{ "help", OPT_HELP, NULL, "this text" },
};

enum output_format { FORMAT_TEXT, FORMAT_MARKDOWN, FORMAT_JSON };

struct print_options {
	enum output_format format;
	bool verbose;
};

/* Names the runs of one side that never finished: their cases count as far as they got. */
static void warn_unfinished(json_t **docs, size_t n, const char *side)
{
	char text[160];

	for (size_t d = 0; d < n; d++) {
		json_t *run = json_object_get(docs[d], "run");

		if (strcmp(json_string_value(json_object_get(run, "status")), "running"))
			continue;
		fprintf(stderr,
			"gmembench compare: warning: %s: run %s did not finish (status running: "
			"killed, or still going); its cases are compared as far as they got\n",
			side,
			escape_text(json_string_value(json_object_get(run, "id")), text,
				    sizeof(text)));
	}
}

static double row_number(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static bool row_is(json_t *row, enum compare_verdict verdict)
{
	return !strcmp(json_string_value(json_object_get(row, "verdict")),
		       compare_verdict_name(verdict));
}

static void print_workloads(json_t *verdicts, bool md)
{
	char name[100];
	json_t *w;
	size_t i;

	if (!json_array_size(verdicts))
		return;
	if (md)
		printf("| workload | cases | down/up | B/A | 95%% CI | p | verdict |\n"
		       "|---|---:|---:|---:|---|---:|---|\n");
	else
		printf("%-24s %5s %7s %7s %17s %8s  %s\n", "workload", "cases", "down/up", "B/A",
		       "95% CI of B/A", "p", "verdict");
	json_array_foreach (verdicts, i, w) {
		char updown[32];

		escape_text(json_string_value(json_object_get(w, "workload")), name, sizeof(name));
		snprintf(updown, sizeof(updown), "%lld/%lld",
			 json_integer_value(json_object_get(w, "cases_down")),
			 json_integer_value(json_object_get(w, "cases_up")));
		printf(md ? "| %s | %lld | %s | %.3f | [%.3f, %.3f] | %.2g | %s%s |\n"
			  : "%-24s %5lld %7s %7.3f  [%6.3f, %6.3f] %8.2g  %s%s\n",
		       name, json_integer_value(json_object_get(w, "cases")), updown,
		       row_number(w, "ratio"), row_number(w, "ratio_ci_low"),
		       row_number(w, "ratio_ci_high"), row_number(w, "p"),
		       json_string_value(json_object_get(w, "verdict")),
		       strcmp(json_string_value(json_object_get(w, "rounds")), "joint")
			       ? " (rounds not aligned: cases resampled independently)"
			       : "");
	}
	printf("\n");
}

static void print_case_header(bool md)
{
	if (md)
		printf("| case | metric | A | B | B/A | 95%% CI | p | verdict |\n"
		       "|---|---|---:|---:|---:|---|---:|---|\n");
	else
		printf("%-60s %-22s %12s %12s %7s %17s %8s  %s\n", "case", "metric", "A", "B",
		       "B/A", "95% CI of B/A", "p", "verdict");
}

static void print_case(json_t *row, bool md)
{
	char id[200], metric[96];

	escape_text(json_string_value(json_object_get(row, "case")), id, sizeof(id));
	escape_text(json_string_value(json_object_get(row, "metric")), metric, sizeof(metric));
	printf(md ? "| %s | %s | %.6g | %.6g | %.3f | [%.3f, %.3f] | %.2g | %s |\n"
		  : "%-60s %-22s %12.6g %12.6g %7.3f  [%6.3f, %6.3f] %8.2g  %s\n",
	       id, metric, row_number(row, "median_a"), row_number(row, "median_b"),
	       row_number(row, "ratio"), row_number(row, "ratio_ci_low"),
	       row_number(row, "ratio_ci_high"), row_number(row, "p"),
	       json_string_value(json_object_get(row, "verdict")));
}

/* The cases whose verdict is one of verdicts[n], under a title; nothing if there are none. */
static void print_cases(json_t *rows, const char *title, const enum compare_verdict *verdicts,
			size_t n, bool md)
{
	bool any = false;
	json_t *row;
	size_t i;

	json_array_foreach (rows, i, row) {
		bool match = !n;

		for (size_t v = 0; v < n; v++)
			match |= row_is(row, verdicts[v]);
		if (!match)
			continue;
		if (!any) {
			printf(md ? "**%s**\n\n" : "%s:\n", title);
			print_case_header(md);
		}
		any = true;
		print_case(row, md);
	}
	if (any)
		printf("\n");
}

/*
 * Workloads first, then the cases that changed, then those that could not be judged; the
 * unchanged cases are counted in a line (all of them listed with verbose).
 */
static void print_comparison(json_t *result, const struct print_options *popt)
{
	static const enum compare_verdict regression[] = { VERDICT_REGRESSION },
					  improvement[] = { VERDICT_IMPROVEMENT },
					  unjudged[] = { VERDICT_TOO_FEW, VERDICT_NOT_COMPARABLE };
	json_t *rows = json_object_get(result, "rows"), *d, *row;
	bool md = popt->format == FORMAT_MARKDOWN;
	json_int_t quiet = 0, below = 0;
	char text[200];
	size_t i;

	print_workloads(json_object_get(result, "workloads"), md);
	if (popt->verbose) {
		print_cases(rows, "every case", NULL, 0, md);
	} else {
		print_cases(rows, "regressions", regression, 1, md);
		print_cases(rows, "improvements", improvement, 1, md);
		print_cases(rows, "not judged", unjudged, 2, md);
		json_array_foreach (rows, i, row) {
			quiet += row_is(row, VERDICT_NO_CHANGE);
			below += row_is(row, VERDICT_BELOW_THRESHOLD);
		}
		if (quiet + below)
			printf("%s%lld other case(s): %lld no significant change, %lld change "
			       "below "
			       "threshold (--verbose lists them)\n",
			       md ? "- " : "", (long long)(quiet + below), (long long)quiet,
			       (long long)below);
	}
	json_array_foreach (json_object_get(result, "only_in_a"), i, d)
		printf("%sonly in A: %s\n", md ? "- " : "",
		       escape_text(json_string_value(d), text, sizeof(text)));
	json_array_foreach (json_object_get(result, "only_in_b"), i, d)
		printf("%sonly in B: %s\n", md ? "- " : "",
		       escape_text(json_string_value(d), text, sizeof(text)));
	printf("%s%lld regression(s), %lld improvement(s) in %zu case(s); %lld workload "
	       "regression(s), %lld workload improvement(s); threshold %.1f%%, alpha %g%s\n",
	       md ? "\n" : "", json_integer_value(json_object_get(result, "regressions")),
	       json_integer_value(json_object_get(result, "improvements")), json_array_size(rows),
	       json_integer_value(json_object_get(result, "workload_regressions")),
	       json_integer_value(json_object_get(result, "workload_improvements")),
	       100 * json_real_value(json_object_get(result, "threshold")),
	       json_real_value(json_object_get(result, "alpha")),
	       json_is_true(json_object_get(result, "normalized")) ? ", normalised rates" : "");
}

static void warn_environment(json_t *diffs)
{
	json_t *d;
	size_t i;

	json_array_foreach (diffs, i, d) {
		const char *within = json_string_value(json_object_get(d, "within"));
		char *a, *b, text_a[256], text_b[256], text[200];

		if (within) {
			fprintf(stderr,
				"gmembench compare: warning: %s differs between the runs of %s\n",
				json_string_value(json_object_get(d, "field")), within);
			continue;
		}
		a = json_dumps(json_object_get(d, "a"), JSON_ENCODE_ANY | JSON_COMPACT);
		b = json_dumps(json_object_get(d, "b"), JSON_ENCODE_ANY | JSON_COMPACT);
		if (json_object_get(d, "example"))
			fprintf(stderr,
				"gmembench compare: warning: placement differs in %lld case(s), "
				"e.g. %s: A %s, B %s\n",
				json_integer_value(json_object_get(d, "cases")),
				escape_text(json_string_value(json_object_get(d, "example")), text,
					    sizeof(text)),
				escape_text(a ? a : "null", text_a, sizeof(text_a)),
				escape_text(b ? b : "null", text_b, sizeof(text_b)));
		else
			fprintf(stderr, "gmembench compare: warning: %s differs: A %s, B %s\n",
				json_string_value(json_object_get(d, "field")),
				escape_text(a ? a : "null", text_a, sizeof(text_a)),
				escape_text(b ? b : "null", text_b, sizeof(text_b)));
		free(a);
		free(b);
	}
}

static int parse_compare_option(struct compare_options *opt, struct print_options *popt, int key,
				const char *arg)
{
	char *end;
	unsigned long seed;

	switch (key) {
	case OPT_THRESHOLD:
		opt->threshold = strtod(arg, &end) / 100.0;
		if (end == arg || (*end && strcmp(end, "%")) || !(opt->threshold >= 0) ||
		    opt->threshold >= 10)
			return usage_error("compare",
					   "invalid threshold '%s' (a percentage, e.g. 5)", arg);
		break;
	case OPT_ALPHA:
		opt->alpha = strtod(arg, &end);
		if (end == arg || *end || !(opt->alpha > 0 && opt->alpha < 1))
			return usage_error("compare", "invalid alpha '%s' (between 0 and 1)", arg);
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "text"))
			popt->format = FORMAT_TEXT;
		else if (!strcmp(arg, "markdown"))
			popt->format = FORMAT_MARKDOWN;
		else if (!strcmp(arg, "json"))
			popt->format = FORMAT_JSON;
		else
			return usage_error("compare",
					   "invalid format '%s' (text, markdown or json)", arg);
		break;
	case OPT_ALL_METRICS:
		opt->all_metrics = true;
		break;
	case OPT_NORMALIZE:
		opt->normalize = true;
		break;
	case OPT_VERBOSE:
		popt->verbose = true;
		break;
	case OPT_SEED:
		if (parse_uint(arg, 0, ULONG_MAX, &seed))
			return usage_error("compare", "invalid seed '%s'", arg);
		opt->seed = seed;
		break;
	}
	return 0;
}

static void free_docs(json_t **docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
}

/* A value that is not positive makes a ratio meaningless: say which, on stderr. */
static void warn_not_comparable(json_t *rows)
{
	json_t *row;
	size_t i;

	json_array_foreach (rows, i, row) {
		char text[200], metric[96];

		if (!row_is(row, VERDICT_NOT_COMPARABLE))
			continue;
		fprintf(stderr,
			"gmembench compare: warning: %s %s: not comparable (a value that is not "
			"positive in A or B)\n",
			escape_text(json_string_value(json_object_get(row, "case")), text,
				    sizeof(text)),
			escape_text(json_string_value(json_object_get(row, "metric")), metric,
				    sizeof(metric)));
	}
}

int cmd_compare(int argc, char **argv)
{
	struct compare_options opt = {
		.threshold = COMPARE_DEFAULT_THRESHOLD,
		.alpha = COMPARE_DEFAULT_ALPHA,
		.seed = 1,
	};
	struct print_options popt = { .format = FORMAT_TEXT };
	struct option longopts[ARRAY_SIZE(compare_options) + 1];
	json_t **a = NULL, **b = NULL, *result = NULL;
	size_t na = 0, nb = 0;
	char shortopts[64], refused[4];
	int c, ret;

	build_getopt(compare_options, ARRAY_SIZE(compare_options), longopts, shortopts);
	opterr = 0;
	optind = 0; /* 0, not 1: glibc's getopt then starts afresh */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			printf("usage: gmembench compare [OPTIONS] A B\n\n"
			       "A is the baseline. Each of A and B is a results.json, a run "
			       "directory,\n"
			       "or a directory of runs (pooled). Exit status: 0 no regression "
			       "beyond\n"
			       "the threshold, 1 a regression (a case's or a workload's), 2 bad "
			       "input.\n\n");
			print_options(stdout, compare_options, ARRAY_SIZE(compare_options));
			return 0;
		}
		if (c == '?' || c == ':')
			return usage_error("compare", "%s '%s'",
					   c == ':' ? "missing argument for" : "unknown option",
					   refused_option(longopts, argv, refused,
							  sizeof(refused)));
		ret = parse_compare_option(&opt, &popt, c, optarg);
		if (ret)
			return ret;
	}
	if (argc - optind != 2)
		return usage_error("compare", "needs two results: A (the baseline) and B");
	if (cli_parse_only)
		return 0;

	if (!results_collect(argv[optind], &a, &na) && !results_collect(argv[optind + 1], &b, &nb))
		result = compare_runs(a, na, b, nb, argv[optind], argv[optind + 1], &opt);
	if (!result) {
		fprintf(stderr, "gmembench compare: %s\n", gmb_last_error());
		free_docs(a, na);
		free_docs(b, nb);
		return EXIT_USAGE;
	}

	warn_unfinished(a, na, "A");
	warn_unfinished(b, nb, "B");
	warn_not_comparable(json_object_get(result, "rows"));
	warn_environment(json_object_get(result, "environment_differences"));
	if (popt.format == FORMAT_JSON) {
		json_dumpf(result, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(8));
		putchar('\n');
	} else {
		print_comparison(result, &popt);
	}
	ret = json_integer_value(json_object_get(result, "regressions")) ||
	      json_integer_value(json_object_get(result, "workload_regressions"));
	json_decref(result);
	free_docs(a, na);
	free_docs(b, nb);
	return ret;
}
