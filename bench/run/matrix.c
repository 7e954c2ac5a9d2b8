// SPDX-License-Identifier: GPL-2.0
/*
 * The matrix: the cases a run configuration expands to, their ids, which case is which one's
 * raw twin, and the order of a round. Data only: the runner and the metrics read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "run/case.h"

const char *case_status_name(enum case_status status)
{
	static const char *const names[] = {
		[CASE_PENDING] = "pending",	    [CASE_OK] = "ok",
		[CASE_SKIPPED] = "skipped",	    [CASE_FAILED] = "failed",
		[CASE_INTERRUPTED] = "interrupted",
	};

	return names[status];
}

static void case_build_id(struct case_result *cr)
{
	char page[16], size[16];

	format_size(cr->params.guest_page_size, page, sizeof(page));
	format_size(cr->params.data_size, size, sizeof(size));
	snprintf(cr->id, sizeof(cr->id), "%s/%s/%s/vcpus=%u/gpage=%s/size=%s%s",
		 cr->params.workload->name, cr->params.variant, cr->params.backend->name,
		 cr->params.nr_vcpus, page, size, cr->params.raw ? "/raw" : "");
}

static int add_case(struct run_state *rs, const struct wl_params *params)
{
	struct case_result *grown = realloc(rs->cases, (rs->nr_cases + 1) * sizeof(*grown));
	struct case_result *cr;

	if (!grown)
		return gmb_error(ENOMEM, "out of memory for cases");
	rs->cases = grown;
	cr = &rs->cases[rs->nr_cases++];
	memset(cr, 0, sizeof(*cr));
	cr->params = *params;
	case_build_id(cr);
	return 0;
}

static uint64_t case_data_size(const struct run_config *cfg, const struct workload *wl,
			       const char *variant)
{
	if (cfg->data_size)
		return cfg->data_size;
	if (!cfg->full_sizes && wl->variant_bench_size && wl->variant_bench_size(variant))
		return wl->variant_bench_size(variant);
	if (!cfg->full_sizes && wl->bench_data_size)
		return wl->bench_data_size;
	return wl->default_data_size;
}

int matrix_expand(struct run_state *rs)
{
	const struct run_config *cfg = &rs->cfg;
	int ret;

	for (int w = 0; w < cfg->nr_workloads; w++) {
		const struct workload *wl = cfg->workloads[w];
		const char *const *variants = cfg->variants;
		int nr_variants = cfg->nr_variants;

		if (!cfg->nr_variants) {
			variants = cfg->all_variants ? wl->variants : wl->default_variants;
			while (variants[nr_variants])
				nr_variants++;
		}
		for (int v = 0; v < nr_variants; v++) {
			if (!workload_has_variant(wl, variants[v]))
				continue;
			for (int b = 0; b < cfg->nr_backends; b++) {
				for (int n = 0; n < cfg->nr_vcpus; n++) {
					for (int p = 0; p < cfg->nr_guest_page_sizes; p++) {
						for (int raw = 0;
						     raw <= (cfg->with_raw && wl->has_raw); raw++) {
							struct wl_params params = {
								.workload = wl,
								.variant = variants[v],
								.backend = cfg->backends[b],
								.nr_vcpus = cfg->vcpus[n],
								.guest_page_size =
									cfg->guest_page_sizes[p],
								.data_size = case_data_size(
									cfg, wl, variants[v]),
								.raw = raw,
								.target = cfg->target,
							};

							ret = add_case(rs, &params);
							if (ret)
								return ret;
						}
					}
				}
			}
		}
	}
	if (cfg->calibration) {
		const struct wl_params params = {
			.workload = cfg->calibration,
			.variant = cfg->calibration->default_variants[0],
			.backend = mem_backend_find("anon"),
			.nr_vcpus = 1,
			.guest_page_size = SZ_4K,
			.data_size = cfg->calibration->default_data_size,
		};

		return add_case(rs, &params);
	}
	return 0;
}

const struct case_result *case_calibration(const struct run_state *rs)
{
	for (unsigned int i = 0; rs->cfg.calibration && i < rs->nr_cases; i++)
		if (rs->cases[i].params.workload == rs->cfg.calibration)
			return &rs->cases[i];
	return NULL;
}

/* A case and its raw twin, which expand_matrix() puts next to each other. */
static bool raw_twins(const struct case_result *a, const struct case_result *b)
{
	return !a->params.raw && b->params.raw && a->params.workload == b->params.workload &&
	       a->params.variant == b->params.variant && a->params.backend == b->params.backend &&
	       a->params.nr_vcpus == b->params.nr_vcpus &&
	       a->params.guest_page_size == b->params.guest_page_size &&
	       a->params.data_size == b->params.data_size;
}

const struct case_result *case_raw_twin(const struct run_state *rs, const struct case_result *cr)
{
	const struct case_result *next = cr + 1;

	if (next < rs->cases + rs->nr_cases && raw_twins(cr, next))
		return next;
	return NULL;
}

/*
 * The order of one round: twins stay adjacent. With rng, the pairs are shuffled
 * (Fisher-Yates, from the run's seed, so the order can be replayed) and each pair's own
 * order is a coin toss; without, the matrix order.
 */
int matrix_round_order(const struct run_state *rs, unsigned int *order, struct stats_rng *rng)
{
	unsigned int *starts = malloc(rs->nr_cases * sizeof(*starts));
	unsigned int nr_groups = 0, n = 0;

	if (!starts)
		return gmb_error(ENOMEM, "out of memory");
	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		starts[nr_groups++] = i;
		if (i + 1 < rs->nr_cases && raw_twins(&rs->cases[i], &rs->cases[i + 1]))
			i++;
	}
	for (unsigned int g = nr_groups; rng && g > 1; g--) {
		unsigned int j = (unsigned int)(stats_rng_next(rng) % g), t = starts[g - 1];

		starts[g - 1] = starts[j];
		starts[j] = t;
	}
	for (unsigned int g = 0; g < nr_groups; g++) {
		unsigned int i = starts[g];
		bool pair = i + 1 < rs->nr_cases && raw_twins(&rs->cases[i], &rs->cases[i + 1]);
		bool swap = pair && rng && (stats_rng_next(rng) & 1);

		order[n++] = swap ? i + 1 : i;
		if (pair)
			order[n++] = swap ? i : i + 1;
	}
	free(starts);
	return 0;
}
