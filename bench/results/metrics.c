// SPDX-License-Identifier: GPL-2.0
/*
 * Metrics: each case's named values (unit, direction) derived from its raw samples. The
 * writers and the summary read them from here; nothing here writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "results/metrics.h"

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
	case METRIC_OPS_PER_SEC_NORMALIZED:
		snprintf(def->name, sizeof(def->name), "%s_per_sec_normalized",
			 cr->params.workload->op_plural);
		def->unit = "ratio";
		def->better = "higher";
		break;
	case METRIC_HOST_WORK_NS_PER_OP:
		snprintf(def->name, sizeof(def->name), "%s_ns_per_%s",
			 cr->params.workload->host_work_name ?: "host_work", op);
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_HOST_WORK_KIND0_NS_PER_OP:
	case METRIC_HOST_WORK_KIND1_NS_PER_OP:
		snprintf(def->name, sizeof(def->name), "%s_%s_ns_per_%s",
			 cr->params.workload->host_work_name ?: "host_work",
			 cr->params.workload->host_work_kinds[id - METRIC_HOST_WORK_KIND0_NS_PER_OP]
				 ?: "kind",
			 op);
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_HOST_WORK_P50:
	case METRIC_HOST_WORK_P90:
	case METRIC_HOST_WORK_P99:
		snprintf(def->name, sizeof(def->name), "%s_latency_p%d_ns",
			 cr->params.workload->host_work_name ?: "host_work",
			 id == METRIC_HOST_WORK_P50   ? 50
			 : id == METRIC_HOST_WORK_P90 ? 90
						      : 99);
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_REQUEST_P50:
	case METRIC_REQUEST_P90:
	case METRIC_REQUEST_P99:
		snprintf(def->name, sizeof(def->name), "guest_%s_latency_p%d_ns",
			 cr->params.workload->request_name ?: "request",
			 id == METRIC_REQUEST_P50   ? 50
			 : id == METRIC_REQUEST_P90 ? 90
						    : 99);
		def->unit = "ns";
		def->better = "lower";
		break;
	case METRIC_BYSTANDER_TOUCH_RATIO:
		snprintf(def->name, sizeof(def->name), "bystander_touch_ratio");
		def->unit = "ratio";
		def->better = "higher";
		break;
	default:
		snprintf(def->name, sizeof(def->name), "unknown");
		def->unit = "";
		def->better = "lower";
	}
}

unsigned int case_op_vcpus(const struct case_result *cr)
{
	return cr->params.workload->bystanders ? 1 : cr->params.nr_vcpus;
}

uint64_t sample_ops(const struct case_result *cr, const struct sample *s)
{
	uint64_t ops = 0;

	for (unsigned int v = 0; v < case_op_vcpus(cr); v++)
		ops += s->vcpus[v].ops;
	return ops;
}

static uint64_t sample_bytes(const struct case_result *cr, const struct sample *s)
{
	uint64_t bytes = 0;

	for (unsigned int v = 0; v < case_op_vcpus(cr); v++)
		bytes += s->vcpus[v].bytes;
	return bytes;
}

static double cycles_to_ns(const struct run_state *rs, double cycles)
{
	return cycles * 1e6 / (double)rs->tsc_khz;
}

/*
 * The sample's time for its operations: its wall time, or vCPU 0's own time where the others
 * are bystanders (the sample also holds their phase alone).
 */
static double sample_ops_ns(const struct case_result *cr, const struct sample *s)
{
	return (double)(cr->params.workload->bystanders ? s->vcpus[0].host_ns : s->wall_ns);
}

/* The bystanders' touch rates while vCPU 0 worked over their rates alone, averaged. */
static double bystander_ratio(const struct case_result *cr, const struct sample *s)
{
	double sum = 0;

	for (unsigned int v = 1; v < cr->params.nr_vcpus; v++) {
		const struct wl_vcpu_sample *b = &s->vcpus[v];

		sum += ((double)b->ops / (double)b->guest_cycles) /
		       ((double)b->alone_ops / (double)b->alone_cycles);
	}
	return sum / (cr->params.nr_vcpus - 1);
}

double sample_metric(const struct run_state *rs, const struct case_result *cr,
		     const struct sample *s, enum metric_id id)
{
	double sum = 0;
	unsigned int n = case_op_vcpus(cr);

	switch (id) {
	case METRIC_OPS_PER_SEC:
		return (double)sample_ops(cr, s) * 1e9 / sample_ops_ns(cr, s);
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
		return (double)sample_bytes(cr, s) / sample_ops_ns(cr, s) * 1e9 / (double)SZ_1G;
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
	case METRIC_HOST_WORK_NS_PER_OP:
		for (unsigned int v = 0; v < n; v++)
			sum += (double)s->vcpus[v].host_work_ns / (double)s->vcpus[v].ops;
		return sum / n;
	case METRIC_BYSTANDER_TOUCH_RATIO:
		return bystander_ratio(cr, s);
	case METRIC_HOST_WORK_P50:
	case METRIC_HOST_WORK_P90:
	case METRIC_HOST_WORK_P99:
		for (unsigned int v = 0; v < n; v++)
			sum += (double)(id == METRIC_HOST_WORK_P50   ? s->vcpus[v].host_work_p50
					: id == METRIC_HOST_WORK_P90 ? s->vcpus[v].host_work_p90
								     : s->vcpus[v].host_work_p99);
		return sum / n;
	case METRIC_REQUEST_P50:
	case METRIC_REQUEST_P90:
	case METRIC_REQUEST_P99:
		for (unsigned int v = 0; v < n; v++)
			sum += cycles_to_ns(
				rs, (double)(id == METRIC_REQUEST_P50	? s->vcpus[v].request_p50
					     : id == METRIC_REQUEST_P90 ? s->vcpus[v].request_p90
									: s->vcpus[v].request_p99));
		return sum / n;
	case METRIC_HOST_WORK_KIND0_NS_PER_OP:
	case METRIC_HOST_WORK_KIND1_NS_PER_OP: {
		unsigned int k = id - METRIC_HOST_WORK_KIND0_NS_PER_OP;
		uint64_t ops = 0;

		for (unsigned int v = 0; v < n; v++) {
			sum += (double)s->vcpus[v].kind_work_ns[k];
			ops += s->vcpus[v].kind_ops[k];
		}
		return sum / (double)ops;
	}
	default:
		return 0;
	}
}

/* Operations of kind k in sample s (workload.host_work_kinds). */
static uint64_t sample_kind_ops(const struct case_result *cr, const struct sample *s,
				unsigned int k)
{
	uint64_t ops = 0;

	for (unsigned int v = 0; v < case_op_vcpus(cr); v++)
		ops += s->vcpus[v].kind_ops[k];
	return ops;
}

static bool metric_in_guest_time(enum metric_id id)
{
	return id == METRIC_GUEST_NS_PER_OP || id == METRIC_GUEST_LATENCY_P50 ||
	       id == METRIC_GUEST_LATENCY_P90 || id == METRIC_GUEST_LATENCY_P99 ||
	       (id >= METRIC_REQUEST_P50 && id <= METRIC_REQUEST_P99);
}

/*
 * Case cr's rate over case other's, round by round: the k-th kept sample of each was taken in
 * the same round. Into ratios[] (room for cr->nr_samples) unless it is NULL; returns the count.
 */
static unsigned int paired_rate_ratios(const struct run_state *rs, const struct case_result *cr,
				       const struct case_result *other, double *ratios)
{
	unsigned int n = 0, a = 0, b = 0;

	while (a < cr->nr_samples && b < other->nr_samples) {
		if (cr->samples[a].warmup) {
			a++;
			continue;
		}
		if (other->samples[b].warmup) {
			b++;
			continue;
		}
		if (ratios)
			ratios[n] =
				sample_metric(rs, cr, &cr->samples[a], METRIC_OPS_PER_SEC) /
				sample_metric(rs, other, &other->samples[b], METRIC_OPS_PER_SEC);
		n++;
		a++;
		b++;
	}
	return n;
}

/* The case's rate over the calibration's, round by round; -ENODATA with the reason. */
static int normalized_values(const struct run_state *rs, const struct case_result *cr,
			     double *values, const char **why)
{
	const struct case_result *cal = case_calibration(rs);
	unsigned int n;

	if (!cal) {
		*why = "no calibration in this run (run --normalize)";
		return -ENODATA;
	}
	if (cal == cr) {
		*why = "this is the calibration";
		return -ENODATA;
	}
	n = paired_rate_ratios(rs, cr, cal, values);
	if (!n) {
		*why = "the calibration has no kept sample in this case's rounds";
		return -ENODATA;
	}
	return (int)n;
}

int metric_values(const struct run_state *rs, const struct case_result *cr, enum metric_id id,
		  double *values, const char **why)
{
	int n = 0;

	if (id == METRIC_OPS_PER_SEC_NORMALIZED)
		return normalized_values(rs, cr, values, why);
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
	if (id == METRIC_BYSTANDER_TOUCH_RATIO &&
	    (!cr->params.workload->bystanders || cr->params.nr_vcpus < 2)) {
		*why = cr->params.workload->bystanders ? "no other vCPU ran meanwhile (--vcpus 2 "
							 "or more)"
						       : "this workload has no bystander vCPUs";
		return -ENODATA;
	}
	if (id == METRIC_HOST_WORK_KIND0_NS_PER_OP || id == METRIC_HOST_WORK_KIND1_NS_PER_OP) {
		unsigned int k = id - METRIC_HOST_WORK_KIND0_NS_PER_OP;

		if (!cr->params.workload->host_work_kinds[k]) {
			*why = "this workload does not split its host-side work by kind";
			return -ENODATA;
		}
		/* Over the kept samples that had operations of that kind only. */
		for (unsigned int i = 0; i < cr->nr_samples; i++) {
			if (cr->samples[i].warmup || !sample_kind_ops(cr, &cr->samples[i], k))
				continue;
			if (values)
				values[n] = sample_metric(rs, cr, &cr->samples[i], id);
			n++;
		}
		if (!n) {
			*why = "no kept sample of this case has an operation of that kind";
			return -ENODATA;
		}
		return n;
	}
	if (id >= METRIC_HOST_WORK_P50 && id <= METRIC_HOST_WORK_P99 &&
	    !cr->params.workload->host_work_latencies) {
		*why = "this workload does not time its host-side work per operation";
		return -ENODATA;
	}
	if (id >= METRIC_REQUEST_P50 && id <= METRIC_REQUEST_P99 &&
	    !cr->params.workload->request_name) {
		*why = "the guest does not time this workload's requests";
		return -ENODATA;
	}
	if (id == METRIC_HOST_WORK_NS_PER_OP && !cr->params.workload->host_work_name) {
		*why = "this workload does no host-side work of its own per operation";
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

uint64_t case_seed(const struct run_state *rs, unsigned int index, unsigned int metric)
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

	if (!twin)
		return -ENOENT;
	return (int)paired_rate_ratios(rs, cr, twin, ratios);
}
