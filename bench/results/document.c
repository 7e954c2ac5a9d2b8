// SPDX-License-Identifier: GPL-2.0
/* The results document: a run's data and metrics as one JSON tree (results/SCHEMA.md). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/util.h"
#include "core/version.h"
#include "results/metrics.h"
#include "results/results.h"

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

		if (!metric_applies(cr, id))
			continue;
		metric_def(cr, id, &def);
		n = metric_values(rs, cr, id, values, &why);
		m = json_pack("{s:s, s:s}", "unit", def.unit, "better", def.better);
		if (n < 0) {
			json_object_set_new(m, "available", json_false());
			json_object_set_new(m, "reason", json_string(why));
		} else {
			json_object_set_new(m, "available", json_true());
			if (((id >= METRIC_GUEST_LATENCY_P50 && id <= METRIC_GUEST_LATENCY_MAX) ||
			     (id >= METRIC_REQUEST_P50 && id <= METRIC_REQUEST_P99)) &&
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

/* The workload's own counts (workload.count_names): total over kept samples, per operation. */
static json_t *case_workload_counts_json(const struct run_state *rs, const struct case_result *cr,
					 unsigned int index)
{
	const char *const *names = cr->params.workload->count_names;
	double *per_op = calloc(cr->nr_samples + 1, sizeof(double));
	json_t *counts = json_object();

	for (int c = 0; per_op && names[c] && c < WL_MAX_COUNTS; c++) {
		uint64_t total = 0;
		size_t n = 0;
		json_t *obj;

		for (unsigned int i = 0; i < cr->nr_samples; i++) {
			const struct sample *s = &cr->samples[i];
			uint64_t ops = sample_ops(cr, s), sum = 0;

			if (s->warmup)
				continue;
			for (unsigned int v = 0; v < cr->params.nr_vcpus; v++)
				sum += s->vcpus[v].counts[c];
			total += sum;
			per_op[n++] = ops ? (double)sum / (double)ops : 0;
		}
		obj = json_pack("{s:I}", "total", (json_int_t)total);
		json_object_set_new(obj, "per_op", values_json(per_op, n));
		json_object_set_new(obj, "per_op_summary",
				    summary_json(per_op, n, case_seed(rs, index, 300 + c)));
		json_object_set_new(counts, names[c], obj);
	}
	free(per_op);
	return counts;
}

/* The yardstick (fio): its rate, and each kept sample's rate over it. */
static json_t *case_reference_json(const struct run_state *rs, const struct case_result *cr,
				   unsigned int index)
{
	const struct wl_reference *ref = &cr->reference;
	double *ratios;
	json_t *obj;
	size_t n = 0;

	if (!ref->known)
		return json_pack("{s:s, s:b, s:s}", "program", cr->params.workload->reference_name,
				 "available", 0, "reason",
				 ref->reason[0] ? ref->reason : "not measured");
	ratios = calloc(cr->nr_samples + 1, sizeof(double));
	obj = json_pack("{s:s, s:b, s:s, s:s, s:f, s:f}", "program", ref->program, "available", 1,
			"version", ref->version, "command", ref->command, "ops_per_sec",
			ref->ops_per_sec, "bytes_per_sec", ref->bytes_per_sec);
	for (unsigned int i = 0; ratios && i < cr->nr_samples; i++)
		if (!cr->samples[i].warmup)
			ratios[n++] = sample_metric(rs, cr, &cr->samples[i], METRIC_OPS_PER_SEC) /
				      ref->ops_per_sec;
	json_object_set_new(obj, "ratios", values_json(ratios, n));
	json_object_set_new(obj, "ratio_summary",
			    summary_json(ratios, n, case_seed(rs, index, 400)));
	free(ratios);
	return obj;
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

/* One vCPU's share of a sample, every field as measured (results/SCHEMA.md). */
static json_t *vcpu_sample_json(const struct wl_vcpu_sample *v)
{
	json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ops",
			      (json_int_t)v->ops, "host_ns", (json_int_t)v->host_ns, "guest_cycles",
			      (json_int_t)v->guest_cycles, "latency_p50_cycles",
			      (json_int_t)v->latency_p50, "latency_p90_cycles",
			      (json_int_t)v->latency_p90, "latency_p99_cycles",
			      (json_int_t)v->latency_p99, "latency_max_cycles",
			      (json_int_t)v->latency_max, "timed", (json_int_t)v->timed, "bytes",
			      (json_int_t)v->bytes, "host_work_ns", (json_int_t)v->host_work_ns);
	const struct {
		const char *name;
		uint64_t value;
	} more[] = {
		{ "alone_ops", v->alone_ops },	       { "alone_cycles", v->alone_cycles },
		{ "host_work_p50", v->host_work_p50 }, { "host_work_p90", v->host_work_p90 },
		{ "host_work_p99", v->host_work_p99 }, { "host_work_max", v->host_work_max },
		{ "request_p50", v->request_p50 },     { "request_p90", v->request_p90 },
		{ "request_p99", v->request_p99 },     { "request_max", v->request_max },
		{ "request_timed", v->request_timed },
	};

	for (size_t i = 0; i < ARRAY_SIZE(more); i++)
		json_object_set_new(j, more[i].name, json_integer((json_int_t)more[i].value));
	json_object_set_new(j, "kind_work_ns",
			    json_pack("[I,I]", (json_int_t)v->kind_work_ns[0],
				      (json_int_t)v->kind_work_ns[1]));
	json_object_set_new(j, "kind_ops",
			    json_pack("[I,I]", (json_int_t)v->kind_ops[0],
				      (json_int_t)v->kind_ops[1]));
	return j;
}

static json_t *case_samples_json(const struct run_state *rs, const struct case_result *cr)
{
	const struct counters *c = &rs->counters;
	json_t *samples = json_array();

	for (unsigned int i = 0; i < cr->nr_samples; i++) {
		const struct sample *s = &cr->samples[i];
		json_t *vcpus = json_array(), *counters = json_object();

		for (unsigned int v = 0; v < cr->params.nr_vcpus; v++)
			json_array_append_new(vcpus, vcpu_sample_json(&s->vcpus[v]));
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

static json_t *nodes_json(uint64_t mask)
{
	json_t *nodes = json_array();

	for (int n = 0; n < 64; n++)
		if (mask & (1ULL << n))
			json_array_append_new(nodes, json_integer(n));
	return nodes;
}

static json_t *thread_json(const char *role, int index, int cpu, const struct thread_seen *seen)
{
	json_t *obj = json_pack("{s:s}", "role", role), *cpus = json_array();

	if (index >= 0)
		json_object_set_new(obj, "index", json_integer(index));
	json_object_set_new(obj, "cpu", cpu >= 0 ? json_integer(cpu) : json_null());
	for (unsigned int i = 0; i < seen->nr; i++)
		json_array_append_new(cpus, json_integer(seen->cpus[i]));
	json_object_set_new(obj, "cpus_seen", cpus);
	if (seen->more)
		json_object_set_new(obj, "cpus_seen_more", json_true());
	return obj;
}

/* Where the pages sampled from the case's memory were, and whether that is where asked. */
static json_t *readback_json(const struct case_memory *m)
{
	const struct numa_readback *rb = &m->readback;
	json_t *obj, *by_node = json_object();
	uint64_t landed = numa_landed_nodes(rb);
	char node[8];

	if (rb->reason[0])
		return json_pack("{s:s}", "reason", rb->reason);
	for (int n = 0; n < 64; n++) {
		snprintf(node, sizeof(node), "%d", n);
		if (rb->on_node[n])
			json_object_set_new(by_node, node, json_integer(rb->on_node[n]));
	}
	obj = json_pack("{s:s, s:i, s:o, s:i, s:i, s:o}", "method", rb->method, "pages_sampled",
			rb->sampled, "pages_by_node", by_node, "pages_not_present", rb->not_present,
			"pages_unreadable", rb->unreadable, "landed_nodes", nodes_json(landed));
	return obj;
}

static json_t *case_placement_json(const struct run_state *rs, const struct case_result *cr)
{
	static const char *const bindings[] = {
		[MEM_BINDING_NONE] = "none",
		[MEM_BINDING_APPLIED] = "applied",
		[MEM_BINDING_UNSUPPORTED] = "unsupported",
	};
	static const struct thread_seen nowhere;
	const struct case_memory *m = &cr->memory;
	json_t *cpus = json_array(), *threads = json_array(), *memory, *obj;
	json_t *devices = cr->device_cpus ? json_array() : NULL;
	char text[256];
	uint64_t landed = numa_landed_nodes(&m->readback);

	for (unsigned int v = 0; cr->vcpu_cpus && v < cr->params.nr_vcpus; v++) {
		json_array_append_new(cpus, cr->vcpu_cpus[v] >= 0 ? json_integer(cr->vcpu_cpus[v])
								  : json_null());
		json_array_append_new(threads,
				      thread_json("vcpu", (int)v, cr->vcpu_cpus[v],
						  cr->vcpu_seen ? &cr->vcpu_seen[v] : &nowhere));
	}
	for (unsigned int v = 0; cr->device_cpus && v < cr->params.nr_vcpus; v++)
		json_array_append_new(devices, cr->device_cpus[v] >= 0
						       ? json_integer(cr->device_cpus[v])
						       : json_null());
	for (unsigned int v = 0; cr->device_cpus && v < cr->params.nr_vcpus; v++)
		json_array_append_new(threads, thread_json("device", (int)v, cr->device_cpus[v],
							   cr->device_seen ? &cr->device_seen[v]
									   : &nowhere));
	json_array_append_new(threads, thread_json("main", -1, -1, &cr->main_seen));
	memory = json_pack("{s:s, s:s, s:o}", "requested",
			   placement_mem_describe(&rs->cfg.mem_node, text, sizeof(text)), "policy",
			   mem_policy_mode_name(m->policy.mode), "nodes",
			   nodes_json(m->policy.nodes));
	if (m->known) {
		json_object_set_new(memory, "binding", json_string(bindings[m->binding]));
		if (m->binding_reason[0])
			json_object_set_new(memory, "reason", json_string(m->binding_reason));
		json_object_set_new(memory, "readback", readback_json(m));
		/* Pages outside the policy's nodes: not honoured, whatever mbind() said. */
		json_object_set_new(memory, "matches",
				    m->policy.mode == MEM_POLICY_DEFAULT || !landed
					    ? json_null()
					    : json_boolean(!(landed & ~m->policy.nodes)));
	}
	obj = json_pack("{s:o, s:s, s:o, s:o}", "vcpu_cpus", cpus, "cpus",
			rs->cfg.pin ? placement_describe(&rs->cfg.cpus, text, sizeof(text))
				    : "not pinned",
			"threads", threads, "memory", memory);
	/* The workload's device threads (one per vCPU), where they were pinned. */
	if (devices)
		json_object_set_new(obj, "device_cpus", devices);
	return obj;
}

static json_t *case_json(const struct run_state *rs, const struct case_result *cr,
			 unsigned int index)
{
	json_t *obj;
	struct metric_def primary;

	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "id", cr->id, "workload",
			cr->params.workload->name, "variant", cr->params.variant, "backend",
			cr->params.backend->name, "mode",
			cr->params.workload->calibration ? "calibration"
			: cr->params.raw		 ? "raw"
							 : "harness",
			"vcpus", (json_int_t)cr->params.nr_vcpus, "guest_page_size",
			(json_int_t)cr->params.guest_page_size, "data_size",
			(json_int_t)cr->params.data_size, "status", case_status_name(cr->status));
	if (cr->reason[0])
		json_object_set_new(obj, "reason", json_string(cr->reason));
	if (cr->note[0])
		json_object_set_new(obj, "note", json_string(cr->note));
	if (cr->status == CASE_SKIPPED)
		return obj;

	json_object_set_new(obj, "iterations_per_sample", json_integer((json_int_t)cr->iterations));
	json_object_set_new(obj, "guest_timer_floor_cycles",
			    json_integer((json_int_t)cr->timer_floor_cycles));
	json_object_set_new(obj, "placement", case_placement_json(rs, cr));
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
	if (cr->params.workload->count_names)
		json_object_set_new(obj, "workload_counts",
				    case_workload_counts_json(rs, cr, index));
	if (cr->params.workload->reference_name)
		json_object_set_new(obj, "reference", case_reference_json(rs, cr, index));
	json_object_set_new(obj, "samples", case_samples_json(rs, cr));
	return obj;
}

static json_t *options_json(const struct run_config *cfg)
{
	char cpus[256], mem_node[16];
	json_t *options = json_pack("{s:s, s:I, s:I, s:I, s:s, s:b, s:b, s:b, s:I, s:I}", "suite",
				    cfg->suite ? cfg->suite : "custom", "warmup",
				    (json_int_t)cfg->warmup, "samples", (json_int_t)cfg->samples,
				    "sample_ms", (json_int_t)cfg->sample_ms, "order",
				    cfg->sequential ? "sequential"
				    : cfg->shuffle  ? "shuffled"
						    : "interleaved",
				    "pin", cfg->pin, "compact", cfg->compact, "raw", cfg->with_raw,
				    "data_size", (json_int_t)cfg->data_size, "seed",
				    (json_int_t)(cfg->seed & INT64_MAX));

	json_object_set_new(options, "cpus",
			    json_string(placement_describe(&cfg->cpus, cpus, sizeof(cpus))));
	json_object_set_new(
		options, "mem_node",
		json_string(placement_mem_describe(&cfg->mem_node, mem_node, sizeof(mem_node))));
	return options;
}

json_t *results_document(struct run_state *rs)
{
	json_t *root, *argv = json_array(), *cases = json_array();

	for (int i = 0; i < rs->cfg.argc; i++)
		json_array_append_new(argv, json_string(rs->cfg.argv[i]));
	for (unsigned int i = 0; i < rs->nr_cases; i++)
		json_array_append_new(cases, case_json(rs, &rs->cases[i], i));

	root = json_pack("{s:s, s:i, s:{s:s, s:s}}", "schema", RESULTS_SCHEMA, "schema_version",
			 RESULTS_SCHEMA_VERSION, "suite", "name", PACKAGE_NAME, "version",
			 gmb_version());
	json_object_set_new(root, "run",
			    json_pack("{s:s, s:s, s:s?, s:s, s:o, s:o}", "id", rs->run_id,
				      "started", rs->started, "finished",
				      rs->finished[0] ? rs->finished : NULL, "status", rs->status,
				      "command_line", argv, "options", options_json(&rs->cfg)));
	json_object_set_new(root, "environment", json_incref(rs->environment));
	if (rs->memory_after)
		json_object_set_new(json_object_get(root, "run"), "memory_after",
				    json_incref(rs->memory_after));
	json_object_set_new(root, "backends", probe_backends_json(rs->probes, MEM_NR_BACKENDS));
	json_object_set_new(root, "cases", cases);
	return root;
}
