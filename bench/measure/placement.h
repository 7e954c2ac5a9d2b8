/* SPDX-License-Identifier: GPL-2.0 */
/* Placement: the topology (hwloc), the NUMA nodes (libnuma), and pinning threads to CPUs. */
#ifndef GMB_PLACEMENT_H
#define GMB_PLACEMENT_H

struct json_t;

int placement_init(void);
int placement_cpu_for_vcpu(unsigned int index);
int placement_pin_self(int cpu);
struct json_t *placement_json(void);
void placement_fini(void);

#endif /* GMB_PLACEMENT_H */
