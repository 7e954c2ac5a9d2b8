/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM with a payload loaded into memory from one backend: what the probe, the tests and
 * every workload start from.
 */
#ifndef GMB_GUEST_H
#define GMB_GUEST_H

#include "backends/mem.h"
#include "vmm/vm.h"

struct guest {
	struct vm *vm;
	struct mem_region mem;	/* the backend under test */
	struct mem_region boot; /* anonymous boot memory, only when the backend has no host map */
	bool split;
};

/*
 * Creates the VM, memory from backend for code, page tables, stacks and data (or, for a
 * backend the host cannot map, data only) bound by cfg->mem_policy before the first touch,
 * loads cfg->payload and creates the vCPUs.
 */
int guest_create(struct guest *g, const struct mem_backend *backend,
		 const struct vm_guest_config *cfg);
void guest_destroy(struct guest *g);

/*
 * A watchdog for the calling thread: after ms milliseconds a signal interrupts KVM_RUN, which
 * then fails with EINTR and guest_watchdog_fired() says why. 0 disarms it.
 */
int guest_watchdog_arm(unsigned int ms);
bool guest_watchdog_fired(void);

#endif /* GMB_GUEST_H */
