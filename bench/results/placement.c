// SPDX-License-Identifier: GPL-2.0
/*
 * A case's placement as compare reads it: where its vCPUs (and device threads, if it has any)
 * ran and where its memory was meant
 * to go and went. Two runs placed differently measure different machines, as two kernels do:
 * compare names the difference like an environment difference.
 */
#include <jansson.h>
#include <stdbool.h>

#include "results/results.h"

json_t *results_case_placement(json_t *c)
{
	json_t *placement = json_object_get(c, "placement");
	json_t *memory = json_object_get(placement, "memory");

	return json_pack("{s:O?, s:O*, s:O?, s:O?, s:O?}", "vcpu_cpus",
			 json_object_get(placement, "vcpu_cpus"), "device_cpus",
			 json_object_get(placement, "device_cpus"), "memory_policy",
			 json_object_get(memory, "policy"), "memory_nodes",
			 json_object_get(memory, "nodes"), "landed_nodes",
			 json_object_get(json_object_get(memory, "readback"), "landed_nodes"));
}

/*
 * Placement, like the environment: per distinct (A, B) pair over the cases in common, one
 * entry with how many cases and one of them; and each side whose runs placed a case apart.
 */
void results_placement_differences(json_t *pa, json_t *pb, json_t *diffs)
{
	json_t *pairs = json_array(), *ea, *eb, *d;
	size_t within[2] = { 0, 0 }, i;
	const char *id;

	json_object_foreach (pa, id, ea) {
		json_t *a = json_object_get(ea, "placement"), *b;
		bool known = false;

		eb = json_object_get(pb, id);
		if (!eb)
			continue;
		within[0] += json_is_true(json_object_get(ea, "placement_varies"));
		within[1] += json_is_true(json_object_get(eb, "placement_varies"));
		b = json_object_get(eb, "placement");
		if (json_equal(a, b))
			continue;
		json_array_foreach (pairs, i, d) {
			if (json_equal(a, json_object_get(d, "a")) &&
			    json_equal(b, json_object_get(d, "b"))) {
				json_object_set_new(
					d, "cases",
					json_integer(json_integer_value(json_object_get(d, "case"
											   "s")) +
						     1));
				known = true;
				break;
			}
		}
		if (!known)
			json_array_append_new(pairs, json_pack("{s:s, s:O, s:O, s:i, s:s}", "field",
							       "placement", "a", a, "b", b, "cases",
							       1, "example", id));
	}
	json_array_extend(diffs, pairs);
	json_decref(pairs);
	for (int side = 0; side < 2; side++)
		if (within[side])
			json_array_append_new(diffs,
					      json_pack("{s:s, s:s, s:I}", "field", "placement",
							"within", side ? "B" : "A", "cases",
							(json_int_t)within[side]));
}
