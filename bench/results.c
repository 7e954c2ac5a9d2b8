// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "results.h"
#include "stats.h"
#include "util.h"

void metric_def(const struct case_result *cr, enum metric_id id, struct metric_def *def)
{
	const char *op = cr->params.workload->op_name;

	switch (id) {
	case METRIC_OPS_PER_SEC:
		snprintf(def->name, sizeof(def->name), "%s_per_sec",
			 cr->params.workload->op_plural);
		def->unit = "1/s";
		def->better = "higher";
		break;
	case METRIC_OPS_PER_SEC_PER_VCPU:
		snprintf(def->name, sizeof(def->name), "%s_per_sec_per_vcpu",
			 cr->params.workload->op_plural);
		def->unit = "1/s";
		def->better = "higher";
		break;
	case METRIC_HOST_NS_PER_OP:
		snprintf(def->name, sizeof(def->name), "ns_per_%s", op);
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_GUEST_LATENCY_P50:
	case METRIC_GUEST_LATENCY_P90:
	case METRIC_GUEST_LATENCY_P99:
		snprintf(def->name, sizeof(def->name), "guest_latency_p%d_ns",
			 id == METRIC_GUEST_LATENCY_P50	  ? 50
			 : id == METRIC_GUEST_LATENCY_P90 ? 90
							  : 99);
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_GUEST_LATENCY_MAX:
		snprintf(def->name, sizeof(def->name), "guest_latency_max_ns");
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_GIB_PER_SEC:
		snprintf(def->name, sizeof(def->name), "gib_per_sec");
		def->unit = "GiB/s";
		def->better = "higher";
		break;
	case METRIC_POPULATE_NS_PER_OP:
		snprintf(def->name, sizeof(def->name), "%s_ns_per_%s",
			 cr->params.workload->populate_name ?: "populate", op);
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_DIRECTMAP_4K_KB_PER_GIB:
		snprintf(def->name, sizeof(def->name), "directmap_4k_kb_per_gib");
		def->unit = "KiB/GiB";
		def->better = "lower";
		break;
	case METRIC_GUEST_NS_PER_OP:
		snprintf(def->name, sizeof(def->name), "guest_ns_per_%s", op);
		def->unit = "ns";
		def->better = "lower";
		break;
	default:
		snprintf(def->name, sizeof(def->name), "unknown");
		def->unit = "";
		def->better = "lower";
	}
}

static uint64_t sample_ops(const struct case_result *cr, const struct sample *s)
{
	uint64_t ops = 0;

	for (unsigned int v = 0; v < cr->params.nr_vcpus; v++)
		ops += s->vcpus[v].ops;
	return ops;
}

static uint64_t sample_bytes(const struct case_result *cr, const struct sample *s)
{
	uint64_t bytes = 0;

	for (unsigned int v = 0; v < cr->params.nr_vcpus; v++)
		bytes += s->vcpus[v].bytes;
	return bytes;
}

static double cycles_to_ns(const struct run_state *rs, double cycles)
{
	return cycles * 1e6 / (double)rs->tsc_khz;
}

static double sample_metric(const struct run_state *rs, const struct case_result *cr,
			    const struct sample *s, enum metric_id id)
{
	double sum = 0;
	unsigned int n = cr->params.nr_vcpus;

	switch (id) {
	case METRIC_OPS_PER_SEC:
		return (double)sample_ops(cr, s) * 1e9 / (double)s->wall_ns;
	case METRIC_OPS_PER_SEC_PER_VCPU:
		for (unsigned int v = 0; v < n; v++)
			sum += (double)s->vcpus[v].ops * 1e9 / (double)s->vcpus[v].host_ns;
		return sum / n;
	case METRIC_GUEST_LATENCY_P50:
		for (unsigned int v = 0; v < n; v++)
			sum += cycles_to_ns(rs, (double)s->vcpus[v].latency_p50);
		return sum / n;
	case METRIC_GUEST_LATENCY_P90:
		for (unsigned int v = 0; v < n; v++)
			sum += cycles_to_ns(rs, (double)s->vcpus[v].latency_p90);
		return sum / n;
	case METRIC_GUEST_LATENCY_P99:
		for (unsigned int v = 0; v < n; v++)
			sum += cycles_to_ns(rs, (double)s->vcpus[v].latency_p99);
		return sum / n;
	case METRIC_GUEST_LATENCY_MAX:
		for (unsigned int v = 0; v < n; v++)
			if (cycles_to_ns(rs, (double)s->vcpus[v].latency_max) > sum)
				sum = cycles_to_ns(rs, (double)s->vcpus[v].latency_max);
		return sum;
	case METRIC_GIB_PER_SEC:
		return (double)sample_bytes(cr, s) / (double)s->wall_ns * 1e9 / (double)SZ_1G;
	case METRIC_POPULATE_NS_PER_OP:
		return (double)s->populate_ns / (double)sample_ops(cr, s);
	case METRIC_DIRECTMAP_4K_KB_PER_GIB:
		return (double)s->counters[CTR_DIRECTMAP_4K_KB] /
		       ((double)sample_bytes(cr, s) / (double)SZ_1G);
	case METRIC_HOST_NS_PER_OP:
		/* Each vCPU's own time per operation, averaged: what one operation costs it. */
		for (unsigned int v = 0; v < n; v++)
			sum += (double)s->vcpus[v].host_ns / (double)s->vcpus[v].ops;
		return sum / n;
	case METRIC_GUEST_NS_PER_OP:
		for (unsigned int v = 0; v < n; v++)
			sum += cycles_to_ns(rs, (double)s->vcpus[v].guest_cycles) /
			       (double)s->vcpus[v].ops;
		return sum / n;
	default:
		return 0;
	}
}

static bool metric_in_guest_time(enum metric_id id)
{
	return id == METRIC_GUEST_NS_PER_OP || id == METRIC_GUEST_LATENCY_P50 ||
	       id == METRIC_GUEST_LATENCY_P90 || id == METRIC_GUEST_LATENCY_P99;
}

int metric_values(const struct run_state *rs, const struct case_result *cr, enum metric_id id,
		  double *values, const char **why)
{
	int n = 0;

	if (metric_in_guest_time(id) && !rs->tsc_khz) {
		*why = "KVM_GET_TSC_KHZ gave no TSC frequency to convert guest cycles";
		return -ENODATA;
	}
	if (id >= METRIC_GUEST_LATENCY_P50 && id <= METRIC_GUEST_LATENCY_MAX &&
	    !cr->params.workload->times_each_op) {
		*why = "this workload does not time single operations";
		return -ENODATA;
	}
	if ((id == METRIC_GIB_PER_SEC || id == METRIC_DIRECTMAP_4K_KB_PER_GIB) &&
	    !cr->params.workload->reports_bytes) {
		*why = "this workload's operations have no size";
		return -ENODATA;
	}
	if (id == METRIC_DIRECTMAP_4K_KB_PER_GIB &&
	    !rs->counters.info[CTR_DIRECTMAP_4K_KB].available) {
		*why = rs->counters.info[CTR_DIRECTMAP_4K_KB].reason;
		return -ENODATA;
	}
	if (id == METRIC_POPULATE_NS_PER_OP) {
		bool populated = cr->nr_samples > 0;

		for (unsigned int i = 0; i < cr->nr_samples; i++)
			populated &= cr->samples[i].populate_ns > 0;
		if (!cr->params.workload->sample_populate || !populated) {
			*why = "this case does not populate from the host";
			return -ENODATA;
		}
	}
	for (unsigned int i = 0; i < cr->nr_samples; i++) {
		if (cr->samples[i].warmup)
			continue;
		if (values)
			values[n] = sample_metric(rs, cr, &cr->samples[i], id);
		n++;
	}
	return n;
}

static uint64_t case_seed(const struct run_state *rs, unsigned int index, unsigned int metric)
{
	return rs->cfg.seed ^ ((uint64_t)index << 32) ^ metric;
}

int case_metric_summary(const struct run_state *rs, unsigned int index, enum metric_id id,
			struct stats_summary *summary)
{
	const struct case_result *cr = &rs->cases[index];
	double *values = calloc(cr->nr_samples + 1, sizeof(double));
	const char *why;
	int n;

	if (!values)
		return -ENOMEM;
	n = metric_values(rs, cr, id, values, &why);
	if (n >= 0 && stats_summarize(values, (size_t)n, case_seed(rs, index, id), summary))
		n = -ENOMEM;
	free(values);
	return n;
}

int case_paired_ratios(const struct run_state *rs, const struct case_result *cr, double *ratios)
{
	const struct case_result *twin = case_raw_twin(rs, cr);
	unsigned int n = 0, a = 0, b = 0;

	if (!twin)
		return -ENOENT;
	/* The k-th kept sample of each was taken in the same round. */
	while (a < cr->nr_samples && b < twin->nr_samples) {
		if (cr->samples[a].warmup) {
			a++;
			continue;
		}
		if (twin->samples[b].warmup) {
			b++;
			continue;
		}
		ratios[n++] = sample_metric(rs, cr, &cr->samples[a++], METRIC_OPS_PER_SEC) /
			      sample_metric(rs, twin, &twin->samples[b++], METRIC_OPS_PER_SEC);
	}
	return (int)n;
}

static json_t *summary_json(const double *values, size_t n, uint64_t seed)
{
	struct stats_summary s;
	json_t *obj;

	if (stats_summarize(values, n, seed, &s))
		return json_null();
	obj = json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "n", (json_int_t)s.n,
			"median", s.median, "mean", s.mean, "stddev", s.stddev, "min", s.min, "max",
			s.max, "p10", s.p10, "p90", s.p90, "p99", s.p99, "ci_level",
			STATS_CI_LEVEL);
	if (s.has_ci) {
		json_object_set_new(obj, "ci_low", json_real(s.ci_low));
		json_object_set_new(obj, "ci_high", json_real(s.ci_high));
	} else {
		json_object_set_new(obj, "ci_low", json_null());
		json_object_set_new(obj, "ci_high", json_null());
		json_object_set_new(obj, "ci_note",
				    json_sprintf("fewer than %d kept samples: no interval",
						 STATS_MIN_SAMPLES_FOR_CI));
	}
	return obj;
}

static json_t *values_json(const double *values, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_real(values[i]));
	return arr;
}

static json_t *case_metrics_json(const struct run_state *rs, const struct case_result *cr,
				 unsigned int index)
{
	json_t *metrics = json_object();
	double *values = calloc(cr->nr_samples + 1, sizeof(double));

	for (int id = 0; id < METRIC_NR && values; id++) {
		struct metric_def def;
		json_t *m;
		int n;

		const char *why = NULL;

		metric_def(cr, id, &def);
		n = metric_values(rs, cr, id, values, &why);
		m = json_pack("{s:s, s:s}", "unit", def.unit, "better", def.better);
		if (n < 0) {
			json_object_set_new(m, "available", json_false());
			json_object_set_new(m, "reason", json_string(why));
		} else {
			json_object_set_new(m, "available", json_true());
			if (id >= METRIC_GUEST_LATENCY_P50 && id <= METRIC_GUEST_LATENCY_MAX &&
			    cr->timer_floor_cycles > TIMER_TRAPPED_CYCLES)
				json_object_set_new(m, "caveat",
						    json_sprintf("rdtsc exits on this host (a "
								 "back-to-back pair "
								 "costs %" PRIu64 " cycles): a "
								 "timed operation "
								 "includes timer exits; prefer "
								 "ns_per_%s",
								 cr->timer_floor_cycles,
								 cr->params.workload->op_name));
			json_object_set_new(m, "values", values_json(values, n));
			json_object_set_new(m, "summary",
					    summary_json(values, n, case_seed(rs, index, id)));
		}
		json_object_set_new(metrics, def.name, m);
	}
	free(values);
	return metrics;
}

/* Flush counters: total over kept samples and per operation, or why they are unavailable. */
static json_t *case_counters_json(const struct run_state *rs, const struct case_result *cr,
				  unsigned int index)
{
	const struct counters *c = &rs->counters;
	json_t *counters = json_object();
	double *per_op = calloc(cr->nr_samples + 1, sizeof(double));

	for (int id = 0; id < CTR_NR && per_op; id++) {
		const struct counter_info *info = &c->info[id];
		int64_t total = 0;
		size_t n = 0;
		json_t *obj;

		if (!info->name[0])
			continue;
		if (!info->available) {
			json_object_set_new(counters, info->name,
					    json_pack("{s:b, s:s}", "available", 0, "reason",
						      info->reason));
			continue;
		}
		for (unsigned int i = 0; i < cr->nr_samples; i++) {
			const struct sample *s = &cr->samples[i];
			uint64_t ops = sample_ops(cr, s);

			if (s->warmup)
				continue;
			total += s->counters[id];
			per_op[n++] = ops ? (double)s->counters[id] / (double)ops : 0;
		}
		obj = json_pack("{s:b, s:s, s:I}", "available", 1, "unit", info->unit, "total",
				(json_int_t)total);
		json_object_set_new(obj, "per_op", values_json(per_op, n));
		json_object_set_new(obj, "per_op_summary",
				    summary_json(per_op, n, case_seed(rs, index, 100 + id)));
		json_object_set_new(counters, info->name, obj);
	}
	free(per_op);
	return counters;
}

static json_t *case_samples_json(const struct run_state *rs, const struct case_result *cr)
{
	const struct counters *c = &rs->counters;
	json_t *samples = json_array();

	for (unsigned int i = 0; i < cr->nr_samples; i++) {
		const struct sample *s = &cr->samples[i];
		json_t *vcpus = json_array(), *counters = json_object();

		for (unsigned int v = 0; v < cr->params.nr_vcpus; v++)
			json_array_append_new(
				vcpus,
				json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ops",
					  (json_int_t)s->vcpus[v].ops, "host_ns",
					  (json_int_t)s->vcpus[v].host_ns, "guest_cycles",
					  (json_int_t)s->vcpus[v].guest_cycles,
					  "latency_p50_cycles", (json_int_t)s->vcpus[v].latency_p50,
					  "latency_p90_cycles", (json_int_t)s->vcpus[v].latency_p90,
					  "latency_p99_cycles", (json_int_t)s->vcpus[v].latency_p99,
					  "latency_max_cycles", (json_int_t)s->vcpus[v].latency_max,
					  "timed", (json_int_t)s->vcpus[v].timed, "bytes",
					  (json_int_t)s->vcpus[v].bytes));
		for (int id = 0; id < CTR_NR; id++)
			if (c->info[id].name[0] && c->info[id].available)
				json_object_set_new(counters, c->info[id].name,
						    json_integer(s->counters[id]));
		json_array_append_new(samples,
				      json_pack("{s:b, s:I, s:I, s:I, s:o, s:o}", "warmup",
						s->warmup, "iterations", (json_int_t)s->iterations,
						"wall_ns", (json_int_t)s->wall_ns, "populate_ns",
						(json_int_t)s->populate_ns, "vcpus", vcpus,
						"counters", counters));
	}
	return samples;
}

static json_t *case_json(const struct run_state *rs, const struct case_result *cr,
			 unsigned int index)
{
	json_t *obj, *cpus = json_array();
	struct metric_def primary;

	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "id", cr->id, "workload",
			cr->params.workload->name, "variant", cr->params.variant, "backend",
			cr->params.backend->name, "mode", cr->params.raw ? "raw" : "harness",
			"vcpus", (json_int_t)cr->params.nr_vcpus, "guest_page_size",
			(json_int_t)cr->params.guest_page_size, "data_size",
			(json_int_t)cr->params.data_size, "status", case_status_name(cr->status));
	if (cr->reason[0])
		json_object_set_new(obj, "reason", json_string(cr->reason));
	if (cr->status == CASE_SKIPPED)
		return obj;

	for (unsigned int v = 0; cr->vcpu_cpus && v < cr->params.nr_vcpus; v++)
		json_array_append_new(cpus, cr->vcpu_cpus[v] >= 0 ? json_integer(cr->vcpu_cpus[v])
								  : json_null());
	json_object_set_new(obj, "iterations_per_sample", json_integer((json_int_t)cr->iterations));
	json_object_set_new(obj, "guest_timer_floor_cycles",
			    json_integer((json_int_t)cr->timer_floor_cycles));
	json_object_set_new(obj, "placement", json_pack("{s:o}", "vcpu_cpus", cpus));
	/* The case's rate: what compare and the report read first. */
	metric_def(cr, METRIC_OPS_PER_SEC, &primary);
	json_object_set_new(obj, "primary_metric", json_string(primary.name));
	json_object_set_new(obj, "metrics", case_metrics_json(rs, cr, index));
	if (case_raw_twin(rs, cr)) {
		double *ratios = calloc(cr->nr_samples + 1, sizeof(double));
		int n = ratios ? case_paired_ratios(rs, cr, ratios) : 0;

		json_object_set_new(
			obj, "vs_raw",
			json_pack("{s:s, s:s, s:o, s:o}", "twin", case_raw_twin(rs, cr)->id,
				  "metric", primary.name, "paired_ratios",
				  values_json(ratios, n > 0 ? n : 0), "summary",
				  summary_json(ratios, n > 0 ? n : 0, case_seed(rs, index, 200))));
		free(ratios);
	}
	json_object_set_new(obj, "counters", case_counters_json(rs, cr, index));
	json_object_set_new(obj, "samples", case_samples_json(rs, cr));
	return obj;
}

static json_t *options_json(const struct run_config *cfg)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:b, s:b, s:b, s:I, s:I}", "suite",
			 cfg->suite ? cfg->suite : "custom", "warmup", (json_int_t)cfg->warmup,
			 "samples", (json_int_t)cfg->samples, "sample_ms",
			 (json_int_t)cfg->sample_ms, "order",
			 cfg->sequential ? "sequential"
			 : cfg->shuffle	 ? "shuffled"
					 : "interleaved",
			 "pin", cfg->pin, "compact", cfg->compact, "raw", cfg->with_raw,
			 "data_size", (json_int_t)cfg->data_size, "seed",
			 (json_int_t)(cfg->seed & INT64_MAX));
}

static json_t *results_json(struct run_state *rs)
{
	json_t *root, *argv = json_array(), *cases = json_array();

	for (int i = 0; i < rs->cfg.argc; i++)
		json_array_append_new(argv, json_string(rs->cfg.argv[i]));
	for (unsigned int i = 0; i < rs->nr_cases; i++)
		json_array_append_new(cases, case_json(rs, &rs->cases[i], i));

	root = json_pack("{s:s, s:i, s:{s:s, s:s}}", "schema", RESULTS_SCHEMA, "schema_version",
			 RESULTS_SCHEMA_VERSION, "suite", "name", PACKAGE_NAME, "version",
			 PACKAGE_VERSION);
	json_object_set_new(root, "run",
			    json_pack("{s:s, s:s, s:s?, s:s, s:o, s:o}", "id", rs->run_id,
				      "started", rs->started, "finished",
				      rs->finished[0] ? rs->finished : NULL, "status", rs->status,
				      "command_line", argv, "options", options_json(&rs->cfg)));
	json_object_set_new(root, "environment", json_incref(rs->environment));
	json_object_set_new(root, "backends", probe_backends_json(rs->probes, MEM_NR_BACKENDS));
	json_object_set_new(root, "cases", cases);
	return root;
}

static void iso_time(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int results_make_run_dir(struct run_state *rs)
{
	struct utsname uts;
	unsigned char rnd[3] = { 0 };
	char date[32];
	time_t t = time(NULL);
	struct tm tm;
	char *p;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd[0] = (unsigned char)getpid();
	uname(&uts);
	for (p = uts.nodename; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%d-%H%M%S", &tm);
	snprintf(rs->run_id, sizeof(rs->run_id), "%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
	iso_time(rs->started, sizeof(rs->started));

	if (mkdir(rs->cfg.output_dir, 0755) && errno != EEXIST) {
		/* results/runs may need its parent too. */
		char parent[4096];

		snprintf(parent, sizeof(parent), "%s", rs->cfg.output_dir);
		if (mkdir(dirname(parent), 0755) && errno != EEXIST)
			return gmb_error(errno, "cannot create %s: %s", parent, strerror(errno));
		if (mkdir(rs->cfg.output_dir, 0755) && errno != EEXIST)
			return gmb_error(errno, "cannot create %s: %s", rs->cfg.output_dir,
					 strerror(errno));
	}
	snprintf(rs->run_dir, sizeof(rs->run_dir), "%s/%s-%s-%s", rs->cfg.output_dir, date,
		 uts.nodename, rs->run_id);
	if (mkdir(rs->run_dir, 0755))
		return gmb_error(errno, "cannot create %s: %s", rs->run_dir, strerror(errno));
	return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4200], dir[4096];
	int fd, dir_fd, err;
	size_t done = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return gmb_error(errno, "cannot create %s: %s", tmp, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path)) {
		fd = -1;
		goto fail;
	}
	/* Make the rename itself durable. */
	snprintf(dir, sizeof(dir), "%s", path);
	dir_fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0) {
		fsync(dir_fd);
		close(dir_fd);
	}
	return 0;

fail:
	err = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return gmb_error(err, "writing %s failed: %s (the previous version, if any, is kept)", path,
			 strerror(err));
}

static int write_json_atomic(const char *path, json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	int ret;

	if (!text)
		return gmb_error(ENOMEM, "cannot serialise %s", path);
	ret = write_file_atomic(path, text, strlen(text));
	free(text);
	return ret;
}

static void csv_case_columns(FILE *f, const struct case_result *cr)
{
	fprintf(f, "%s,%s,%s,%s,%s,%u,%" PRIu64, cr->id, cr->params.workload->name,
		cr->params.variant, cr->params.backend->name, cr->params.raw ? "raw" : "harness",
		cr->params.nr_vcpus, cr->params.guest_page_size);
}

/* Long format, one row per sample and metric: what a spreadsheet pivot wants. */
static int write_samples_csv(struct run_state *rs, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f)
		return gmb_error(errno, "open_memstream failed");
	fprintf(f, "case,workload,variant,backend,mode,vcpus,guest_page_size,sample,warmup,"
		   "metric,unit,value\n");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];

		for (unsigned int s = 0; s < cr->nr_samples; s++) {
			for (int id = 0; id < METRIC_NR; id++) {
				struct metric_def def;

				if (id == METRIC_GUEST_NS_PER_OP && !rs->tsc_khz)
					continue;
				metric_def(cr, id, &def);
				csv_case_columns(f, cr);
				fprintf(f, ",%u,%d,%s,%s,%.10g\n", s, cr->samples[s].warmup,
					def.name, def.unit,
					sample_metric(rs, cr, &cr->samples[s], id));
			}
		}
	}
	fclose(f);
	ret = write_file_atomic(path, buf, len);
	free(buf);
	return ret;
}

static int write_summary_csv(struct run_state *rs, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	double *values;
	int ret;

	if (!f)
		return gmb_error(errno, "open_memstream failed");
	fprintf(f, "case,workload,variant,backend,mode,vcpus,guest_page_size,status,metric,unit,"
		   "n,median,ci_low,ci_high,p10,p90,p99,mean,min,max,reason\n");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];

		values = calloc(cr->nr_samples + 1, sizeof(double));
		for (int id = 0; id < METRIC_NR && values; id++) {
			struct metric_def def;
			struct stats_summary s;
			const char *why;
			int n;

			metric_def(cr, id, &def);
			n = metric_values(rs, cr, id, values, &why);
			if (n < 0)
				continue;
			stats_summarize(values, n, case_seed(rs, i, id), &s);
			csv_case_columns(f, cr);
			fprintf(f, ",%s,%s,%s,%d", case_status_name(cr->status), def.name, def.unit,
				n);
			if (n)
				fprintf(f, ",%.10g", s.median);
			else
				fprintf(f, ",");
			if (s.has_ci)
				fprintf(f, ",%.10g,%.10g", s.ci_low, s.ci_high);
			else
				fprintf(f, ",,");
			if (n)
				fprintf(f, ",%.10g,%.10g,%.10g,%.10g,%.10g,%.10g", s.p10, s.p90,
					s.p99, s.mean, s.min, s.max);
			else
				fprintf(f, ",,,,,,");
			/* Reasons are prose: quote them, doubling any quote. */
			fputs(",\"", f);
			for (const char *p = cr->reason; *p; p++)
				fputs(*p == '"' ? "\"\"" : (char[2]){ *p, 0 }, f);
			fputs("\"\n", f);
		}
		free(values);
	}
	fclose(f);
	ret = write_file_atomic(path, buf, len);
	free(buf);
	return ret;
}

int results_write(struct run_state *rs)
{
	char path[4200];
	json_t *root;
	int ret;

	if (strcmp(rs->status, "running"))
		iso_time(rs->finished, sizeof(rs->finished));
	root = results_json(rs);
	snprintf(path, sizeof(path), "%s/%s", rs->run_dir, RESULTS_JSON);
	ret = write_json_atomic(path, root);
	json_decref(root);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/samples.csv", rs->run_dir);
	ret = write_samples_csv(rs, path);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/summary.csv", rs->run_dir);
	return write_summary_csv(rs, path);
}

int results_load(const char *path, json_t **doc)
{
	json_error_t error;
	const char *schema;
	json_t *root;
	int version;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		if (access(path, R_OK))
			return gmb_error(errno, "cannot read %s: %s", path, strerror(errno));
		return gmb_error(EINVAL, "%s is not valid JSON (line %d, column %d: %s)", path,
				 error.line, error.column, error.text);
	}
	schema = json_string_value(json_object_get(root, "schema"));
	version = (int)json_integer_value(json_object_get(root, "schema_version"));
	if (!schema || strcmp(schema, RESULTS_SCHEMA)) {
		json_decref(root);
		return gmb_error(EINVAL, "%s is not a gmembench results document (schema \"%s\")",
				 path, schema ? schema : "missing");
	}
	if (version != RESULTS_SCHEMA_VERSION) {
		json_decref(root);
		return gmb_error(EINVAL,
				 "%s has schema version %d; this gmembench reads version %d", path,
				 version, RESULTS_SCHEMA_VERSION);
	}
	if (!json_is_array(json_object_get(root, "cases"))) {
		json_decref(root);
		return gmb_error(EINVAL, "%s has no cases array", path);
	}
	*doc = root;
	return 0;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends every results.json below dir to *paths. */
static int find_results(const char *dir, char ***paths, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return gmb_error(errno, "cannot open %s: %s", dir, strerror(errno));
	while (!ret && (e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			ret = find_results(path, paths, n);
		} else if (!strcmp(e->d_name, RESULTS_JSON)) {
			char **grown = realloc(*paths, (*n + 1) * sizeof(**paths));

			if (!grown || !(grown[*n] = strdup(path))) {
				*paths = grown ? grown : *paths;
				ret = gmb_error(ENOMEM, "out of memory");
				break;
			}
			*paths = grown;
			(*n)++;
		}
	}
	closedir(d);
	return ret;
}

int results_collect(const char *path, json_t ***docs, size_t *count)
{
	char **paths = NULL;
	size_t n = 0;
	struct stat st;
	int ret = 0;

	*docs = NULL;
	*count = 0;
	if (stat(path, &st))
		return gmb_error(errno, "cannot read %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		ret = find_results(path, &paths, &n);
		if (!ret && !n)
			ret = gmb_error(ENOENT, "no %s under %s", RESULTS_JSON, path);
		qsort(paths, n, sizeof(*paths), path_cmp);
	} else {
		paths = malloc(sizeof(*paths));
		if (!paths || !(paths[0] = strdup(path)))
			ret = gmb_error(ENOMEM, "out of memory");
		else
			n = 1;
	}
	if (!ret) {
		*docs = calloc(n, sizeof(**docs));
		if (!*docs)
			ret = gmb_error(ENOMEM, "out of memory");
	}
	for (size_t i = 0; !ret && i < n; i++) {
		ret = results_load(paths[i], &(*docs)[i]);
		if (!ret)
			(*count)++;
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	if (ret) {
		for (size_t i = 0; i < *count; i++)
			json_decref((*docs)[i]);
		free(*docs);
		*docs = NULL;
		*count = 0;
	}
	return ret;
}
