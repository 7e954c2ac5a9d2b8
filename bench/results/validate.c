// SPDX-License-Identifier: GPL-2.0
/*
 * What a results document must be before anything reads numbers out of it. The same rules as
 * the scripts' validate() in scripts/gmembench_results.py, so that compare, report and
 * dashboard accept and refuse the same documents (tests/readers.test feeds all three):
 *
 * - nesting at most RESULTS_MAX_DEPTH levels;
 * - every number finite, at most RESULTS_LARGEST in magnitude, and 0 or at least
 *   RESULTS_SMALLEST (a denormal or 1e308 breaks ratios and plot ranges);
 * - schema_version one this gmembench reads; run.status a known status;
 * - cases an array of objects, each with an id (a non-empty string without control
 *   characters), a known status and, where present, metrics: objects whose available is a
 *   boolean and which, when available, have a string unit, better "higher" or "lower", and
 *   values, an array of numbers.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "results/results.h"

static const char *const run_statuses[] = { "running", "complete", "interrupted", "failed" };
static const char *const case_statuses[] = { "pending", "ok", "skipped", "failed", "interrupted" };

static bool one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Depth and numbers, everywhere in the tree; where names the first offender. */
static int check_tree(json_t *v, int depth, const char *name)
{
	const char *key;
	json_t *child;
	size_t i;
	double x;

	if (depth > RESULTS_MAX_DEPTH)
		return gmb_error(EINVAL, "%s: nested deeper than %d levels", name,
				 RESULTS_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach (v, key, child)
			if (check_tree(child, depth + 1, name))
				return -EINVAL;
		return 0;
	case JSON_ARRAY:
		json_array_foreach (v, i, child)
			if (check_tree(child, depth + 1, name))
				return -EINVAL;
		return 0;
	case JSON_REAL:
	case JSON_INTEGER:
		x = json_number_value(v);
		if (!isfinite(x) || fabs(x) > RESULTS_LARGEST ||
		    (x != 0 && fabs(x) < RESULTS_SMALLEST))
			return gmb_error(EINVAL,
					 "%s: the number %g is outside what gmembench records "
					 "(finite, 0 or between %g and %g in magnitude)",
					 name, x, RESULTS_SMALLEST, RESULTS_LARGEST);
		return 0;
	default:
		return 0;
	}
}

static int check_metric(json_t *m, const char *name, const char *id, const char *metric)
{
	char text[160], mname[96];
	json_t *available = json_object_get(m, "available"), *values, *x;
	const char *better;
	size_t i;

	escape_text(id, text, sizeof(text));
	escape_text(metric, mname, sizeof(mname));
	if (!json_is_object(m) || !json_is_boolean(available))
		return gmb_error(EINVAL, "%s: case %s: metrics.%s.available is not a boolean", name,
				 text, mname);
	if (!json_is_true(available))
		return 0;
	values = json_object_get(m, "values");
	better = json_string_value(json_object_get(m, "better"));
	if (!json_is_string(json_object_get(m, "unit")))
		return gmb_error(EINVAL, "%s: case %s: metrics.%s.unit is not a string", name, text,
				 mname);
	if (!better || (strcmp(better, "higher") && strcmp(better, "lower")))
		return gmb_error(EINVAL,
				 "%s: case %s: metrics.%s.better is not \"higher\" or "
				 "\"lower\"",
				 name, text, mname);
	if (!json_is_array(values))
		return gmb_error(EINVAL, "%s: case %s: metrics.%s.values is not an array", name,
				 text, mname);
	json_array_foreach (values, i, x)
		if (!json_is_number(x))
			return gmb_error(EINVAL,
					 "%s: case %s: metrics.%s.values[%zu] is not a number",
					 name, text, mname, i);
	return 0;
}

static int check_case(json_t *c, size_t index, const char *name)
{
	const char *id = json_string_value(json_object_get(c, "id")), *metric;
	json_t *metrics = json_object_get(c, "metrics"), *m;
	char text[160];

	if (!json_is_object(c))
		return gmb_error(EINVAL, "%s: cases[%zu] is not an object", name, index);
	if (!id || !id[0] || has_control(id))
		return gmb_error(EINVAL,
				 "%s: cases[%zu].id is not a non-empty string without "
				 "control characters (%s)",
				 name, index, id ? escape_text(id, text, sizeof(text)) : "missing");
	escape_text(id, text, sizeof(text));
	if (!one_of(json_string_value(json_object_get(c, "status")), case_statuses,
		    ARRAY_SIZE(case_statuses)))
		return gmb_error(EINVAL, "%s: case %s: status is not a case status", name, text);
	if (!metrics)
		return 0;
	if (!json_is_object(metrics))
		return gmb_error(EINVAL, "%s: case %s: metrics is not an object", name, text);
	json_object_foreach (metrics, metric, m)
		if (check_metric(m, name, id, metric))
			return -EINVAL;
	return 0;
}

int results_validate(json_t *doc, const char *name)
{
	json_t *version = json_object_get(doc, "schema_version"), *cases, *c;
	size_t i;

	if (check_tree(doc, 1, name))
		return -EINVAL;
	if (!json_is_integer(version))
		return gmb_error(EINVAL, "%s has no integer schema_version", name);
	if (json_integer_value(version) != RESULTS_SCHEMA_VERSION)
		return gmb_error(EINVAL,
				 "%s has schema version %lld; this gmembench reads version %d",
				 name, (long long)json_integer_value(version),
				 RESULTS_SCHEMA_VERSION);
	if (!one_of(json_string_value(json_object_get(json_object_get(doc, "run"), "status")),
		    run_statuses, ARRAY_SIZE(run_statuses)))
		return gmb_error(EINVAL, "%s: run.status is not a run status", name);
	cases = json_object_get(doc, "cases");
	if (!json_is_array(cases))
		return gmb_error(EINVAL, "%s has no cases array", name);
	json_array_foreach (cases, i, c)
		if (check_case(c, i, name))
			return -EINVAL;
	return 0;
}
