// SPDX-License-Identifier: GPL-2.0
/*
 * Comparing two sides of runs: each side pooled by case (the samples of a case over a side's
 * runs), every case's metrics compared (compare_samples()), every workload's rates judged as
 * a whole (compare_groups()), and the environment fields that differ. The result is a JSON
 * object; the command prints it.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "results/compare.h"
#include "results/results.h"

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

/* Whether a field is the same in two documents: absent from both counts as the same. */
static bool same_field(json_t *x, json_t *y)
{
	return (!x && !y) || json_equal(x, y);
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
		if (!same_field(va, vb))
			json_array_append_new(diffs, json_pack("{s:s, s:O?, s:O?}", "field", name,
							       "a", va, "b", vb));
		for (size_t k = 1; k < na; k++)
			if (!same_field(va, environment_field(a[k], i)))
				json_array_append_new(diffs, json_pack("{s:s, s:s}", "field", name,
								       "within", "A"));
		for (size_t k = 1; k < nb; k++)
			if (!same_field(vb, environment_field(b[k], i)))
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

/*
 * The metric a case is judged by: its rate, or with normalize its rate over the calibration
 * of its round (see --normalize in cmd_run.c); NULL if it has none.
 */
static const char *judged_metric(json_t *entry, bool normalize, char *buf, size_t len)
{
	const char *primary = json_string_value(json_object_get(entry, "primary"));

	if (!primary || !normalize)
		return primary;
	snprintf(buf, len, "%s" COMPARE_NORMALIZED_SUFFIX, primary);
	return buf;
}

/* Keeps a harness case's judged values for its workload's verdict: { workload -> {a, b} }. */
static void add_to_workload(json_t *groups, const char *workload, const char *better, json_t *ma,
			    json_t *mb)
{
	json_t *g = json_object_get(groups, workload);

	if (!g) {
		g = json_pack("{s:[], s:[], s:s?}", "a", "b", "better", better);
		json_object_set_new(groups, workload, g);
	}
	json_array_append(json_object_get(g, "a"), json_object_get(ma, "values"));
	json_array_append(json_object_get(g, "b"), json_object_get(mb, "values"));
}

static json_t *case_row(const char *id, const char *metric, json_t *unit,
			const struct compare_result *r)
{
	json_t *row = json_pack("{s:s, s:s, s:O?, s:s, s:I, s:I}", "case", id, "metric", metric,
				"unit", unit, "verdict", compare_verdict_name(r->verdict), "n_a",
				(json_int_t)r->na, "n_b", (json_int_t)r->nb);

	set_number(row, "median_a", r->median_a);
	set_number(row, "median_b", r->median_b);
	set_number(row, "ratio", r->ratio);
	set_number(row, "ratio_ci_low", r->ratio_low);
	set_number(row, "ratio_ci_high", r->ratio_high);
	set_number(row, "p", r->p);
	return row;
}

/* Compares every metric of every case in both pools into rows; collects workload groups. */
static int compare_pools(json_t *pa, json_t *pb, const struct compare_options *opt, json_t *rows,
			 json_t *groups)
{
	const char *id;
	json_t *ea;

	json_object_foreach (pa, id, ea) {
		json_t *eb = json_object_get(pb, id), *ma;
		const char *workload = json_string_value(json_object_get(ea, "workload"));
		const char *mode = json_string_value(json_object_get(ea, "mode"));
		const char *metric, *judged;
		char buf[128];

		if (!eb)
			continue;
		judged = judged_metric(ea, opt->normalize, buf, sizeof(buf));
		if (judged && opt->normalize && mode && !strcmp(mode, "harness") &&
		    (!json_object_get(json_object_get(ea, "metrics"), judged) ||
		     !json_object_get(json_object_get(eb, "metrics"), judged)))
			return gmb_error(EINVAL,
					 "--normalize: case %s has no %s in %s: run both with "
					 "--normalize",
					 id, judged,
					 json_object_get(json_object_get(ea, "metrics"), judged)
						 ? "B"
						 : "A");
		json_object_foreach (json_object_get(ea, "metrics"), metric, ma) {
			json_t *mb = json_object_get(json_object_get(eb, "metrics"), metric);
			const char *better = json_string_value(json_object_get(ma, "better"));
			bool is_judged = judged && !strcmp(metric, judged);
			struct compare_result r;
			double *a, *b;
			size_t na, nb;
			int ret;

			if (!mb || (!opt->all_metrics && !is_judged))
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
			json_array_append_new(rows, case_row(id, metric,
							     json_object_get(ma, "unit"), &r));
			if (is_judged && workload && mode && !strcmp(mode, "harness"))
				add_to_workload(groups, workload, better, ma, mb);
		}
	}
	return 0;
}

static void free_values(struct stats_values *v, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free((double *)v[i].v);
	free(v);
}

/* One workload's verdict over its harness cases (compare_groups()), as a row. */
static int judge_workload(const char *workload, json_t *g, const struct compare_options *opt,
			  json_t *out)
{
	size_t k = json_array_size(json_object_get(g, "a"));
	struct stats_values *va = calloc(k, sizeof(*va)), *vb = calloc(k, sizeof(*vb));
	const char *better = json_string_value(json_object_get(g, "better"));
	struct compare_group_result r;
	bool joint = true;
	json_t *row;
	int ret = 0;

	for (size_t i = 0; va && vb && i < k; i++) {
		va[i].v = values_of(json_array_get(json_object_get(g, "a"), i), &va[i].n);
		vb[i].v = values_of(json_array_get(json_object_get(g, "b"), i), &vb[i].n);
		if (!va[i].v || !vb[i].v)
			ret = -ENOMEM;
		/* The k-th value of every case lines up with a round only if the counts agree. */
		else if (va[i].n != va[0].n || vb[i].n != vb[0].n)
			joint = false;
	}
	if (!va || !vb)
		ret = -ENOMEM;
	if (!ret)
		ret = compare_groups(va, vb, k, joint, better && !strcmp(better, "higher"),
				     opt->threshold, opt->alpha, opt->seed, &r);
	free_values(va, va ? k : 0);
	free_values(vb, vb ? k : 0);
	if (ret)
		return gmb_error(ret, "comparing workload %s", workload);

	row = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s}", "workload", workload, "cases",
			(json_int_t)r.cases, "cases_up", (json_int_t)r.up, "cases_down",
			(json_int_t)r.down, "rounds", r.joint ? "joint" : "independent", "verdict",
			compare_verdict_name(r.verdict));
	set_number(row, "ratio", r.ratio);
	set_number(row, "ratio_ci_low", r.ratio_low);
	set_number(row, "ratio_ci_high", r.ratio_high);
	set_number(row, "p", r.p);
	json_array_append_new(out, row);
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

static json_int_t count_verdict(json_t *rows, enum compare_verdict verdict)
{
	json_int_t n = 0;
	json_t *row;
	size_t i;

	json_array_foreach (rows, i, row)
		n += !strcmp(json_string_value(json_object_get(row, "verdict")),
			     compare_verdict_name(verdict));
	return n;
}

json_t *compare_runs(json_t **a, size_t na, json_t **b, size_t nb, const char *name_a,
		     const char *name_b, const struct compare_options *opt)
{
	json_t *pa = pool_side(a, na), *pb = pool_side(b, nb);
	json_t *rows = json_array(), *groups = json_object(), *judged = json_array();
	json_t *result = NULL, *env = NULL, *g;
	const char *workload;
	char text_a[4096], text_b[4096];
	int ret;

	/* The paths as the JSON carries them: a path need not be UTF-8, JSON text must be. */
	escape_text(name_a, text_a, sizeof(text_a));
	escape_text(name_b, text_b, sizeof(text_b));

	ret = compare_pools(pa, pb, opt, rows, groups);
	if (!ret && !json_array_size(rows))
		ret = gmb_error(EINVAL, "%s and %s have no case in common", text_a, text_b);
	json_object_foreach (groups, workload, g) {
		if (!ret)
			ret = judge_workload(workload, g, opt, judged);
	}
	if (!ret) {
		env = environment_differences(a, na, b, nb);
		/* Where each case ran is part of its environment (results/placement.c). */
		results_placement_differences(pa, pb, env);
	}
	if (!ret)
		result = json_pack(
			"{s:s, s:s, s:f, s:f, s:b, s:o, s:O, s:O, s:o, s:o, s:I, s:I, s:I, s:I}",
			"a", text_a, "b", text_b, "threshold", opt->threshold, "alpha", opt->alpha,
			"normalized", opt->normalize, "environment_differences", env, "rows", rows,
			"workloads", judged, "only_in_a", only_in(pa, pb), "only_in_b",
			only_in(pb, pa), "regressions", count_verdict(rows, VERDICT_REGRESSION),
			"improvements", count_verdict(rows, VERDICT_IMPROVEMENT),
			"workload_regressions", count_verdict(judged, VERDICT_REGRESSION),
			"workload_improvements", count_verdict(judged, VERDICT_IMPROVEMENT));
	if (!ret && !result)
		gmb_error(ENOMEM, "out of memory comparing %s and %s", text_a, text_b);
	json_decref(rows);
	json_decref(judged);
	json_decref(groups);
	json_decref(pa);
	json_decref(pb);
	return result;
}
