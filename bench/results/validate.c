// SPDX-License-Identifier: GPL-2.0
/*
 * What a results document must be before anything reads from it: the rules of validate() in
 * scripts/gmembench_results.py, which states them in full, so that compare, report and
 * dashboard accept and refuse the same documents (tests/readers.test feeds all three). In
 * short: nesting at most RESULTS_MAX_DEPTH levels; every number 0 or of magnitude
 * RESULTS_SMALLEST to RESULTS_LARGEST; run, environment, backends and cases with the types the
 * readers rely on; each case's metrics, counters and summaries typed; an available metric of
 * an ok case has values and a summary; the parts of a case's placement that compare and the
 * report read typed. "Absent" is absent or null; a NAME is a string without
 * control characters. jansson itself refuses NaN, Infinity, U+0000, lone surrogates and
 * duplicate keys.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "results/results.h"

struct kind {
	const char *name;
	bool (*ok)(json_t *v);
};

static bool is_name(json_t *v)
{
	const char *s = json_string_value(v);

	if (!s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool is_one_of(json_t *v, const char *const *list)
{
	for (; v && json_is_string(v) && *list; list++)
		if (!strcmp(json_string_value(v), *list))
			return true;
	return false;
}

static bool is_object(json_t *v)
{
	return json_is_object(v);
}

static bool is_array(json_t *v)
{
	return json_is_array(v);
}

static bool is_string(json_t *v)
{
	return json_is_string(v);
}

static bool is_number(json_t *v)
{
	return json_is_number(v);
}

static bool is_bool(json_t *v)
{
	return json_is_boolean(v);
}

static bool is_count(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

static bool is_vcpus(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 1;
}

static bool is_case_id(json_t *v)
{
	return is_name(v) && json_string_value(v)[0];
}

static bool is_numbers(json_t *v)
{
	json_t *x;
	size_t i;

	if (!json_is_array(v))
		return false;
	json_array_foreach (v, i, x)
		if (!json_is_number(x))
			return false;
	return true;
}

static bool is_run_status(json_t *v)
{
	static const char *const s[] = { "running", "complete", "interrupted", "failed", NULL };

	return is_one_of(v, s);
}

static bool is_case_status(json_t *v)
{
	static const char *const s[] = { "pending", "ok", "skipped", "failed", "interrupted", NULL };

	return is_one_of(v, s);
}

static bool is_better(json_t *v)
{
	static const char *const s[] = { "higher", "lower", NULL };

	return is_one_of(v, s);
}

/* YYYY-MM-DDTHH:MM:SSZ, ASCII digits, a valid date. */
static bool is_utc_time(json_t *v)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *s = json_string_value(v);
	int y, mo, d, h, mi, sec;
	char z;

	if (!s || strlen(s) != 20)
		return false;
	for (int i = 0; i < 20; i++)
		if ((i == 4 || i == 7)	   ? s[i] != '-'
		    : i == 10		   ? s[i] != 'T'
		    : (i == 13 || i == 16) ? s[i] != ':'
		    : i == 19		   ? s[i] != 'Z'
					   : (s[i] < '0' || s[i] > '9'))
			return false;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7)
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return false;
	return mo != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

static const struct kind OBJECT = { "an object", is_object }, ARRAY = { "an array", is_array },
			 STRING = { "a string", is_string },
			 NAME = { "a string without control characters", is_name },
			 NUMBER = { "a number", is_number }, BOOL = { "true or false", is_bool },
			 COUNT = { "an integer >= 0", is_count },
			 VCPUS = { "an integer >= 1", is_vcpus },
			 CASE_ID = { "a non-empty string without control characters", is_case_id },
			 NUMBERS = { "an array of numbers", is_numbers },
			 RUN_STATUS = { "running, complete, interrupted or failed", is_run_status },
			 CASE_STATUS = { "pending, ok, skipped, failed or interrupted",
					 is_case_status },
			 BETTER = { "\"higher\" or \"lower\"", is_better },
			 UTC_TIME = { "a time as YYYY-MM-DDTHH:MM:SSZ", is_utc_time };

/* Where a problem is: the file, then the case (escaped) and the field that holds it. */
struct where {
	const char *file;
	char scope[200]; /* "" or "case ID: " or "backends[3]: " */
	char field[256]; /* "run." or "metrics.exits_per_sec." */
};

/*
 * obj[key] into *out, which must be of the kind; with optional, absent or null is fine (and
 * *out is NULL). 0 or -EINVAL with the message.
 */
static int need(const struct where *w, json_t *obj, const char *key, const struct kind *k,
		bool optional, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	if (out)
		*out = NULL;
	if ((!v || json_is_null(v)) && optional)
		return 0;
	if (!v)
		return gmb_error(EINVAL, "%s: %s%s%s is missing", w->file, w->scope, w->field, key);
	if (!k->ok(v))
		return gmb_error(EINVAL, "%s: %s%s%s must be %s%s", w->file, w->scope, w->field,
				 key, k->name, optional ? " or null" : "");
	if (out)
		*out = v;
	return 0;
}

/* Rules 1 and 3: depth and numbers, everywhere in the tree. */
static int check_tree(const char *file, json_t *v, int depth)
{
	const char *key;
	json_t *child;
	size_t i;
	double x;

	if (depth > RESULTS_MAX_DEPTH)
		return gmb_error(EINVAL, "%s: nested deeper than %d levels", file,
				 RESULTS_MAX_DEPTH);
	if (json_is_object(v)) {
		json_object_foreach (v, key, child)
			if (check_tree(file, child, depth + 1))
				return -EINVAL;
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, child)
			if (check_tree(file, child, depth + 1))
				return -EINVAL;
	} else if (json_is_number(v)) {
		x = json_number_value(v);
		if (!isfinite(x) || fabs(x) > RESULTS_LARGEST ||
		    (x != 0 && fabs(x) < RESULTS_SMALLEST))
			return gmb_error(EINVAL,
					 "%s: the number %g is outside what gmembench records "
					 "(0, or %g to %g in magnitude)",
					 file, x, RESULTS_SMALLEST, RESULTS_LARGEST);
	}
	return 0;
}

/* Rule 11: obj[key] is a summary, absent or null (or, with !absent_ok, null). */
static int check_summary(struct where *w, json_t *obj, const char *key, bool absent_ok)
{
	size_t len = strlen(w->field);
	json_t *s;
	int ret;

	if (!absent_ok && !json_object_get(obj, key))
		return gmb_error(EINVAL, "%s: %s%s%s is missing", w->file, w->scope, w->field, key);
	if (need(w, obj, key, &OBJECT, true, &s))
		return -EINVAL;
	if (!s)
		return 0;
	snprintf(w->field + len, sizeof(w->field) - len, "%s.", key);
	ret = need(w, s, "median", &NUMBER, false, NULL) ?:
	      need(w, s, "ci_low", &NUMBER, true, NULL) ?:
	      need(w, s, "ci_high", &NUMBER, true, NULL) ?:
	      need(w, s, "n", &COUNT, true, NULL) ?: need(w, s, "ci_note", &STRING, true, NULL);
	w->field[len] = '\0';
	return ret;
}

/* Rule 9: one member of a case's metrics. */
static int check_metric(struct where *w, const char *name, json_t *m, bool case_ok)
{
	json_t *available, *values, *summary;
	char text[96];

	escape_text(name, text, sizeof(text));
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return gmb_error(EINVAL,
					 "%s: %smetrics.%s: a metric name must have no control "
					 "characters",
					 w->file, w->scope, text);
	snprintf(w->field, sizeof(w->field), "metrics.%s", text);
	if (!json_is_object(m))
		return gmb_error(EINVAL, "%s: %s%s must be an object", w->file, w->scope, w->field);
	snprintf(w->field, sizeof(w->field), "metrics.%s.", text);
	if (need(w, m, "unit", &NAME, false, NULL) || need(w, m, "better", &BETTER, false, NULL) ||
	    need(w, m, "reason", &STRING, true, NULL) ||
	    need(w, m, "caveat", &STRING, true, NULL) ||
	    need(w, m, "available", &BOOL, false, &available))
		return -EINVAL;
	if (!json_is_true(available))
		return 0;
	if (need(w, m, "values", &NUMBERS, false, &values) || check_summary(w, m, "summary", false))
		return -EINVAL;
	summary = json_object_get(m, "summary");
	if (case_ok && (!json_array_size(values) || !summary || json_is_null(summary)))
		return gmb_error(EINVAL,
				 "%s: %s%svalues: an available metric of an ok case needs at least "
				 "one value and a summary",
				 w->file, w->scope, w->field);
	return 0;
}

/* Rule 12: what compare and the report read of a case's placement. */
static int check_placement(struct where *w, json_t *c)
{
	json_t *placement, *memory, *readback;

	w->field[0] = '\0';
	if (need(w, c, "placement", &OBJECT, true, &placement))
		return -EINVAL;
	snprintf(w->field, sizeof(w->field), "placement.");
	if (need(w, placement, "vcpu_cpus", &ARRAY, true, NULL) ||
	    need(w, placement, "threads", &ARRAY, true, NULL) ||
	    need(w, placement, "memory", &OBJECT, true, &memory))
		return -EINVAL;
	snprintf(w->field, sizeof(w->field), "placement.memory.");
	if (need(w, memory, "reason", &STRING, true, NULL) ||
	    need(w, memory, "readback", &OBJECT, true, &readback))
		return -EINVAL;
	snprintf(w->field, sizeof(w->field), "placement.memory.readback.");
	return need(w, readback, "landed_nodes", &ARRAY, true, NULL) ? -EINVAL : 0;
}

/* Rules 8 to 10 and 12: one case. */
static int check_case(struct where *w, size_t index, json_t *c)
{
	static const char *const names[] = { "workload", "variant", "backend", "mode" };
	const char *id = json_string_value(json_object_get(c, "id")), *name;
	json_t *status, *metrics, *counters, *vs, *m;
	char text[160];
	bool ok;

	w->field[0] = '\0';
	if (id && is_case_id(json_object_get(c, "id")))
		snprintf(w->scope, sizeof(w->scope),
			 "case %s: ", escape_text(id, text, sizeof(text)));
	else
		snprintf(w->scope, sizeof(w->scope), "cases[%zu]: ", index);
	if (!json_is_object(c))
		return gmb_error(EINVAL, "%s: %smust be an object", w->file, w->scope);
	if (need(w, c, "id", &CASE_ID, false, NULL))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (need(w, c, names[i], &NAME, false, NULL))
			return -EINVAL;
	if (need(w, c, "status", &CASE_STATUS, false, &status) ||
	    need(w, c, "vcpus", &VCPUS, false, NULL) || need(w, c, "reason", &STRING, true, NULL) ||
	    need(w, c, "note", &STRING, true, NULL))
		return -EINVAL;
	ok = !strcmp(json_string_value(status), "ok");
	if (need(w, c, "metrics", &OBJECT, !ok, &metrics))
		return -EINVAL;
	json_object_foreach (metrics, name, m)
		if (check_metric(w, name, m, ok))
			return -EINVAL;
	w->field[0] = '\0';
	if (need(w, c, "counters", &OBJECT, true, &counters))
		return -EINVAL;
	json_object_foreach (counters, name, m) {
		snprintf(w->field, sizeof(w->field), "counters.%s",
			 escape_text(name, text, sizeof(text)));
		if (!json_is_object(m))
			return gmb_error(EINVAL, "%s: %s%s must be an object", w->file, w->scope,
					 w->field);
		snprintf(w->field, sizeof(w->field), "counters.%s.", text);
		if (need(w, m, "available", &BOOL, false, NULL) ||
		    need(w, m, "reason", &STRING, true, NULL) ||
		    check_summary(w, m, "per_op_summary", true))
			return -EINVAL;
	}
	if (check_placement(w, c))
		return -EINVAL;
	w->field[0] = '\0';
	if (need(w, c, "vs_raw", &OBJECT, true, &vs))
		return -EINVAL;
	snprintf(w->field, sizeof(w->field), "vs_raw.");
	return vs ? check_summary(w, vs, "summary", true) : 0;
}

int results_validate(json_t *doc, const char *file)
{
	static const char *const env_objects[] = { "cpu",    "topology", "hypervisor", "kernel",
						   "memory", "kvm",	 "counters" };
	json_t *version = json_object_get(doc, "schema_version"), *run, *env, *sub, *list, *x;
	struct where w = { .file = file };
	size_t i;

	if (check_tree(file, doc, 1))
		return -EINVAL;
	if (!json_is_integer(version))
		return gmb_error(EINVAL, "%s has no integer schema_version", file);
	if (json_integer_value(version) != RESULTS_SCHEMA_VERSION)
		return gmb_error(EINVAL,
				 "%s has schema version %lld; this gmembench reads version %d",
				 file, (long long)json_integer_value(version),
				 RESULTS_SCHEMA_VERSION);

	/* Rules 4 to 7: the run, the suite, the environment, the backends. */
	if (need(&w, doc, "run", &OBJECT, false, &run))
		return -EINVAL;
	snprintf(w.field, sizeof(w.field), "run.");
	if (need(&w, run, "id", &NAME, false, NULL) ||
	    need(&w, run, "status", &RUN_STATUS, false, NULL) ||
	    need(&w, run, "started", &UTC_TIME, false, NULL) ||
	    need(&w, run, "options", &OBJECT, true, NULL))
		return -EINVAL;
	w.field[0] = '\0';
	if (need(&w, doc, "suite", &OBJECT, true, NULL) ||
	    need(&w, doc, "environment", &OBJECT, false, &env))
		return -EINVAL;
	snprintf(w.field, sizeof(w.field), "environment.");
	if (need(&w, env, "host", &NAME, false, NULL))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(env_objects); i++)
		if (need(&w, env, env_objects[i], &OBJECT, true, NULL))
			return -EINVAL;
	snprintf(w.field, sizeof(w.field), "environment.memory.");
	sub = json_object_get(env, "memory");
	if (need(&w, sub, "thp", &OBJECT, true, NULL) ||
	    need(&w, sub, "free_page_reporting", &OBJECT, true, NULL))
		return -EINVAL;
	snprintf(w.field, sizeof(w.field), "environment.kernel.");
	sub = json_object_get(env, "kernel");
	if (need(&w, sub, "release", &STRING, true, NULL) ||
	    need(&w, sub, "cmdline", &STRING, true, NULL))
		return -EINVAL;
	snprintf(w.field, sizeof(w.field), "environment.topology.");
	if (need(&w, json_object_get(env, "topology"), "numa_nodes", &ARRAY, true, &list))
		return -EINVAL;
	json_array_foreach (list, i, x) {
		snprintf(w.field, sizeof(w.field), "environment.topology.numa_nodes[%zu].", i);
		if (json_is_object(x) && need(&w, x, "cpus", &ARRAY, true, NULL))
			return -EINVAL;
	}
	w.field[0] = '\0';
	if (need(&w, doc, "backends", &ARRAY, false, &list))
		return -EINVAL;
	json_array_foreach (list, i, x) {
		snprintf(w.scope, sizeof(w.scope), "backends[%zu]: ", i);
		if (!json_is_object(x))
			return gmb_error(EINVAL, "%s: %smust be an object", file, w.scope);
		if (need(&w, x, "name", &NAME, false, NULL) ||
		    need(&w, x, "status", &NAME, false, NULL) ||
		    need(&w, x, "description", &STRING, true, NULL) ||
		    need(&w, x, "reason", &STRING, true, NULL))
			return -EINVAL;
	}
	w.scope[0] = '\0';
	if (need(&w, doc, "cases", &ARRAY, false, &list))
		return -EINVAL;
	json_array_foreach (list, i, x)
		if (check_case(&w, i, x))
			return -EINVAL;
	return 0;
}
