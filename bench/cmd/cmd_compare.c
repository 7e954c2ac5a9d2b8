// SPDX-License-Identifier: GPL-2.0
/*
 * gmembench compare A B: what changed from A (the baseline) to B, per case and metric, and
 * whether it is more than noise. A and B are each a results.json, a run directory, or a
 * directory of runs (a group: the samples of a case are pooled over its runs). It reads only
 * the results JSON.
 *
 * Exit status: 0 no regression beyond the threshold, 1 at least one, 2 bad input.
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

enum { OPT_THRESHOLD = 256, OPT_ALPHA, OPT_FORMAT, OPT_ALL_METRICS, OPT_SEED, OPT_HELP = 'h' };

static const struct cli_option compare_options[] = {
	{ "threshold", OPT_THRESHOLD, "PCT",
	  "smallest relative change that counts, in percent (default: 5)" },
	{ "alpha", OPT_ALPHA, "P", "significance level of the Mann-Whitney test (default: 0.01)" },
	{ "format", OPT_FORMAT, "FMT", "text (default), markdown or json" },
	{ "all-metrics", OPT_ALL_METRICS, NULL, "every metric, not just each case's rate" },
	{ "seed", OPT_SEED, "N", "seed of the bootstrap (default: 1)" },
	{ "help", OPT_HELP, NULL, "this text" },
};

enum output_format { FORMAT_TEXT, FORMAT_MARKDOWN, FORMAT_JSON };

struct compare_options {
	double threshold, alpha;
	enum output_format format;
	bool all_metrics;
	uint64_t seed;
};

/* Fields whose difference between A and B a reader must know about. */
static const char *const environment_fields[][2] = {
	{ "kernel", "release" },	{ "kernel", "cmdline" },	{ "cpu", "model" },
	{ "hypervisor", "underneath" }, { "hypervisor", "kvm_module" }, { "memory", "thp" },
	{ "suite_version", NULL },
};

static json_t *environment_field(json_t *doc, size_t i)
{
	json_t *v = json_object_get(json_object_get(doc, "environment"), environment_fields[i][0]);

	return environment_fields[i][1] ? json_object_get(v, environment_fields[i][1]) : v;
}

/* Differences between the first runs of A and B, and within each side. */
static json_t *environment_differences(json_t **a, size_t na, json_t **b, size_t nb)
{
	json_t *diffs = json_array();

	for (size_t i = 0; i < ARRAY_SIZE(environment_fields); i++) {
		json_t *va = environment_field(a[0], i), *vb = environment_field(b[0], i);
		char name[64];

		snprintf(name, sizeof(name), "%s%s%s", environment_fields[i][0],
			 environment_fields[i][1] ? "." : "",
			 environment_fields[i][1] ? environment_fields[i][1] : "");
		if (!json_equal(va, vb))
			json_array_append_new(diffs, json_pack("{s:s, s:O?, s:O?}", "field", name,
							       "a", va, "b", vb));
		for (size_t k = 1; k < na; k++)
			if (!json_equal(va, environment_field(a[k], i)))
				json_array_append_new(diffs, json_pack("{s:s, s:s}", "field", name,
								       "within", "A"));
		for (size_t k = 1; k < nb; k++)
			if (!json_equal(vb, environment_field(b[k], i)))
				json_array_append_new(diffs, json_pack("{s:s, s:s}", "field", name,
								       "within", "B"));
	}
	return diffs;
}

/*
 * The case's rate: recorded since the results carry primary_metric; before that, the first
 * "<operations>_per_sec" metric, which the writer always put first.
 */
static const char *primary_metric(json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "primary_metric"));
	json_t *m;

	if (name)
		return name;
	json_object_foreach (json_object_get(c, "metrics"), name, m) {
		size_t len = strlen(name);

		if (len > 8 && !strcmp(name + len - 8, "_per_sec"))
			return name;
	}
	return NULL;
}

/*
 * Whether a case's samples can be compared: it finished (ok), was stopped (interrupted), or
 * is pending in a run that never finished, whose last checkpoint is all that is left of it
 * (status "running": the process was killed, or is still going).
 */
static bool case_has_samples(json_t *doc, json_t *c)
{
	const char *status = json_string_value(json_object_get(c, "status"));
	const char *run = json_string_value(json_object_get(json_object_get(doc, "run"), "status"));

	return !strcmp(status, "ok") || !strcmp(status, "interrupted") ||
	       (!strcmp(status, "pending") && !strcmp(run, "running"));
}

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

/*
 * Pools one side: case id -> { workload, mode, primary, metrics: { name -> { unit, better,
 * values: [...] } } }, from the cases that have samples (case_has_samples()).
 */
static json_t *pool_side(json_t **docs, size_t n)
{
	json_t *pool = json_object();

	for (size_t d = 0; d < n; d++) {
		json_t *cases = json_object_get(docs[d], "cases"), *c;
		size_t i;

		json_array_foreach (cases, i, c) {
			const char *id = json_string_value(json_object_get(c, "id"));
			json_t *entry, *metrics = json_object_get(c, "metrics"), *m;
			const char *name;

			if (!case_has_samples(docs[d], c))
				continue;
			entry = json_object_get(pool, id);
			if (!entry) {
				entry = json_pack("{s:O?, s:O?, s:s?, s:{}, s:o}", "workload",
						  json_object_get(c, "workload"), "mode",
						  json_object_get(c, "mode"), "primary",
						  primary_metric(c), "metrics", "placement",
						  results_case_placement(c));
				json_object_set_new(pool, id, entry);
			} else {
				json_t *placement = results_case_placement(c);

				if (!json_equal(placement, json_object_get(entry, "placement")))
					json_object_set_new(entry, "placement_varies", json_true());
				json_decref(placement);
			}
			json_object_foreach (metrics, name, m) {
				json_t *pooled =
					json_object_get(json_object_get(entry, "metrics"), name);

				if (!json_is_true(json_object_get(m, "available")))
					continue;
				if (!pooled) {
					pooled = json_pack("{s:O?, s:O?, s:[]}", "unit",
							   json_object_get(m, "unit"), "better",
							   json_object_get(m, "better"), "values");
					json_object_set_new(json_object_get(entry, "metrics"), name,
							    pooled);
				}
				json_array_extend(json_object_get(pooled, "values"),
						  json_object_get(m, "values"));
			}
		}
	}
	return pool;
}

/* NaN (no value: too few samples) is written as null, which JSON can carry. */
static void set_number(json_t *obj, const char *key, double v)
{
	json_object_set_new(obj, key, isfinite(v) ? json_real(v) : json_null());
}

static double *values_of(json_t *array, size_t *n)
{
	double *v = calloc(json_array_size(array) + 1, sizeof(double));
	json_t *x;
	size_t i;

	*n = 0;
	json_array_foreach (array, i, x) {
		if (v && json_is_number(x))
			v[(*n)++] = json_number_value(x);
	}
	return v;
}

/* Compares every metric of every case in both pools; fills rows and per-workload logs. */
static int compare_pools(json_t *pa, json_t *pb, const struct compare_options *opt, json_t *rows,
			 json_t *geomeans)
{
	const char *id;
	json_t *ea;
	int ret = 0;

	json_object_foreach (pa, id, ea) {
		json_t *eb = json_object_get(pb, id), *ma;
		const char *metric, *primary = json_string_value(json_object_get(ea, "primary"));
		const char *workload = json_string_value(json_object_get(ea, "workload"));
		const char *mode = json_string_value(json_object_get(ea, "mode"));

		if (!eb)
			continue;
		json_object_foreach (json_object_get(ea, "metrics"), metric, ma) {
			json_t *mb = json_object_get(json_object_get(eb, "metrics"), metric);
			const char *better = json_string_value(json_object_get(ma, "better"));
			bool is_primary = primary && !strcmp(metric, primary);
			struct compare_result r;
			json_t *row;
			double *a, *b;
			size_t na, nb;

			if (!mb || (!opt->all_metrics && !is_primary))
				continue;
			a = values_of(json_object_get(ma, "values"), &na);
			b = values_of(json_object_get(mb, "values"), &nb);
			ret = a && b ? compare_samples(a, na, b, nb,
						       better && !strcmp(better, "higher"),
						       opt->threshold, opt->alpha, opt->seed, &r)
				     : -ENOMEM;
			free(a);
			free(b);
			if (ret)
				return gmb_error(ret, "out of memory comparing %s", id);

			row = json_pack("{s:s, s:s, s:O?, s:s, s:I, s:I}", "case", id, "metric",
					metric, "unit", json_object_get(ma, "unit"), "verdict",
					compare_verdict_name(r.verdict), "n_a", (json_int_t)r.na,
					"n_b", (json_int_t)r.nb);
			set_number(row, "median_a", r.median_a);
			set_number(row, "median_b", r.median_b);
			set_number(row, "ratio", r.ratio);
			set_number(row, "ratio_ci_low", r.ratio_low);
			set_number(row, "ratio_ci_high", r.ratio_high);
			set_number(row, "p", r.p);
			json_array_append_new(rows, row);
			/* The geometric mean of a workload's rate ratios, harness cases only. */
			if (is_primary && workload && mode && !strcmp(mode, "harness") &&
			    r.ratio > 0) {
				json_t *g = json_object_get(geomeans, workload);

				if (!g) {
					g = json_pack("{s:f, s:i}", "log_sum", 0.0, "n", 0);
					json_object_set_new(geomeans, workload, g);
				}
				json_object_set_new(
					g, "log_sum",
					json_real(json_real_value(json_object_get(g, "log_sum")) +
						  log(r.ratio)));
				json_object_set_new(
					g, "n",
					json_integer(json_integer_value(json_object_get(g, "n")) +
						     1));
			}
		}
	}
	return 0;
}

static json_t *only_in(json_t *pa, json_t *pb)
{
	json_t *list = json_array(), *e;
	const char *id;

	json_object_foreach (pa, id, e)
		if (!json_object_get(pb, id))
			json_array_append_new(list, json_string(id));
	return list;
}

static double row_number(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void print_table(const json_t *result, enum output_format format)
{
	bool md = format == FORMAT_MARKDOWN;
	json_t *rows = json_object_get(result, "rows"), *row, *g, *d;
	const char *workload;
	char text[200];
	size_t i;

	if (md)
		printf("| case | metric | A | B | B/A | 95%% CI | p | verdict |\n"
		       "|---|---|---:|---:|---:|---|---:|---|\n");
	else
		printf("%-60s %-22s %12s %12s %7s %17s %8s  %s\n", "case", "metric", "A", "B",
		       "B/A", "95% CI of B/A", "p", "verdict");
	json_array_foreach (rows, i, row) {
		char id[200], metric[96];
		const char *verdict = json_string_value(json_object_get(row, "verdict"));

		escape_text(json_string_value(json_object_get(row, "case")), id, sizeof(id));
		escape_text(json_string_value(json_object_get(row, "metric")), metric,
			    sizeof(metric));

		if (md)
			printf("| %s | %s | %.6g | %.6g | %.3f | [%.3f, %.3f] | %.2g | %s |\n", id,
			       metric, row_number(row, "median_a"), row_number(row, "median_b"),
			       row_number(row, "ratio"), row_number(row, "ratio_ci_low"),
			       row_number(row, "ratio_ci_high"), row_number(row, "p"), verdict);
		else
			printf("%-60s %-22s %12.6g %12.6g %7.3f  [%6.3f, %6.3f] %8.2g  %s\n", id,
			       metric, row_number(row, "median_a"), row_number(row, "median_b"),
			       row_number(row, "ratio"), row_number(row, "ratio_ci_low"),
			       row_number(row, "ratio_ci_high"), row_number(row, "p"), verdict);
	}
	printf("\n");
	json_object_foreach (json_object_get(result, "geometric_mean"), workload, g)
		printf("%s%s: geometric mean of B/A over %lld cases: %.3f\n", md ? "- " : "",
		       escape_text(workload, text, sizeof(text)),
		       json_integer_value(json_object_get(g, "cases")),
		       json_real_value(json_object_get(g, "ratio")));
	json_array_foreach (json_object_get(result, "only_in_a"), i, d)
		printf("%sonly in A: %s\n", md ? "- " : "",
		       escape_text(json_string_value(d), text, sizeof(text)));
	json_array_foreach (json_object_get(result, "only_in_b"), i, d)
		printf("%sonly in B: %s\n", md ? "- " : "",
		       escape_text(json_string_value(d), text, sizeof(text)));
	printf("%s%lld regression(s), %lld improvement(s), threshold %.1f%%, alpha %g\n",
	       md ? "\n" : "", json_integer_value(json_object_get(result, "regressions")),
	       json_integer_value(json_object_get(result, "improvements")),
	       100 * json_real_value(json_object_get(result, "threshold")),
	       json_real_value(json_object_get(result, "alpha")));
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

static int parse_compare_option(struct compare_options *opt, int key, const char *arg)
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
			opt->format = FORMAT_TEXT;
		else if (!strcmp(arg, "markdown"))
			opt->format = FORMAT_MARKDOWN;
		else if (!strcmp(arg, "json"))
			opt->format = FORMAT_JSON;
		else
			return usage_error("compare",
					   "invalid format '%s' (text, markdown or json)", arg);
		break;
	case OPT_ALL_METRICS:
		opt->all_metrics = true;
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

int cmd_compare(int argc, char **argv)
{
	struct compare_options opt = {
		.threshold = COMPARE_DEFAULT_THRESHOLD,
		.alpha = COMPARE_DEFAULT_ALPHA,
		.seed = 1,
	};
	struct option longopts[ARRAY_SIZE(compare_options) + 1];
	json_t **a = NULL, **b = NULL, *pa, *pb, *result, *rows, *geomeans, *g, *row;
	size_t na = 0, nb = 0, i;
	json_int_t regressions = 0, improvements = 0;
	const char *workload;
	char shortopts[64];
	int c, ret;

	build_getopt(compare_options, ARRAY_SIZE(compare_options), longopts, shortopts);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			printf("usage: gmembench compare [OPTIONS] A B\n\n"
			       "A is the baseline. Each of A and B is a results.json, a run "
			       "directory,\n"
			       "or a directory of runs (pooled). Exit status: 0 no regression "
			       "beyond\n"
			       "the threshold, 1 a regression, 2 bad input.\n\n");
			print_options(stdout, compare_options, ARRAY_SIZE(compare_options));
			return 0;
		}
		if (c == '?' || c == ':')
			return usage_error("compare", "%s '%s'",
					   c == ':' ? "missing argument for" : "unknown option",
					   argv[optind - 1]);
		ret = parse_compare_option(&opt, c, optarg);
		if (ret)
			return ret;
	}
	if (argc - optind != 2)
		return usage_error("compare", "needs two results: A (the baseline) and B");

	if (results_collect(argv[optind], &a, &na) || results_collect(argv[optind + 1], &b, &nb)) {
		fprintf(stderr, "gmembench compare: %s\n", gmb_last_error());
		free_docs(a, na);
		return EXIT_USAGE;
	}

	pa = pool_side(a, na);
	pb = pool_side(b, nb);
	rows = json_array();
	geomeans = json_object();
	ret = compare_pools(pa, pb, &opt, rows, geomeans);
	if (!ret && !json_array_size(rows)) {
		char text_a[256], text_b[256];

		ret = gmb_error(EINVAL, "%s and %s have no case in common",
				escape_text(argv[optind], text_a, sizeof(text_a)),
				escape_text(argv[optind + 1], text_b, sizeof(text_b)));
	}
	if (ret) {
		fprintf(stderr, "gmembench compare: %s\n", gmb_last_error());
		json_decref(rows);
		json_decref(geomeans);
		json_decref(pa);
		json_decref(pb);
		free_docs(a, na);
		free_docs(b, nb);
		return EXIT_USAGE;
	}

	warn_unfinished(a, na, "A");
	warn_unfinished(b, nb, "B");
	json_array_foreach (rows, i, row) {
		const char *verdict = json_string_value(json_object_get(row, "verdict"));
		char text[200];

		if (!strcmp(verdict, compare_verdict_name(VERDICT_NOT_COMPARABLE)))
			fprintf(stderr,
				"gmembench compare: warning: %s %s: not comparable (a value that "
				"is "
				"not positive in A or B)\n",
				escape_text(json_string_value(json_object_get(row, "case")), text,
					    sizeof(text)),
				json_string_value(json_object_get(row, "metric")));
		regressions += !strcmp(verdict, compare_verdict_name(VERDICT_REGRESSION));
		improvements += !strcmp(verdict, compare_verdict_name(VERDICT_IMPROVEMENT));
	}
	json_object_foreach (geomeans, workload, g) {
		json_int_t n = json_integer_value(json_object_get(g, "n"));

		json_object_set_new(
			g, "ratio",
			json_real(exp(json_real_value(json_object_get(g, "log_sum")) / (double)n)));
		json_object_set_new(g, "cases", json_integer(n));
		json_object_del(g, "log_sum");
		json_object_del(g, "n");
	}
	result = json_pack("{s:s, s:s, s:f, s:f, s:o, s:o, s:o, s:o, s:I, s:I}", "a", argv[optind],
			   "b", argv[optind + 1], "threshold", opt.threshold, "alpha", opt.alpha,
			   "environment_differences", environment_differences(a, na, b, nb), "rows",
			   rows, "only_in_a", only_in(pa, pb), "only_in_b", only_in(pb, pa),
			   "regressions", regressions, "improvements", improvements);
	json_object_set_new(result, "geometric_mean", geomeans);

	results_placement_differences(pa, pb, json_object_get(result, "environment_differences"));
	warn_environment(json_object_get(result, "environment_differences"));
	if (opt.format == FORMAT_JSON) {
		json_dumpf(result, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(8));
		putchar('\n');
	} else {
		print_table(result, opt.format);
	}

	json_decref(result);
	json_decref(pa);
	json_decref(pb);
	free_docs(a, na);
	free_docs(b, nb);
	return regressions ? 1 : 0;
}
