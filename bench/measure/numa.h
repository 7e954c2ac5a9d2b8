/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where guest memory really landed: the node of sampled pages, read back from the kernel
 * (move_pages), never assumed from the policy that was asked for.
 */
#ifndef GMB_NUMA_H
#define GMB_NUMA_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/mem.h"

/* Pages sampled per region: evenly spaced over it. */
#define NUMA_READBACK_PAGES 64

struct numa_readback {
	unsigned int sampled;	  /* pages looked at */
	unsigned int not_present; /* not in the host's page tables (never touched through them) */
	unsigned int unreadable;  /* the kernel gave another error for them */
	unsigned int on_node[64]; /* pages found on each node */
	const char *method;	  /* "move_pages", or with get_mempolicy for guest_memfd pages */
	char reason[160];	  /* why nothing could be sampled, or empty */
};

/*
 * Reads back where nr pages of mem, evenly spaced, are. move_pages() first, which touches
 * nothing. Pages KVM faulted into a guest_memfd are not in the host's page tables; with
 * map_absent (when mapping them can no longer change a measurement) they are then read with
 * get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR), which maps them into the VMM. 0 or -errno.
 */
int numa_read_back(const struct mem_region *mem, unsigned int nr, bool map_absent,
		   struct numa_readback *out);
/* The nodes where any sampled page was, as a mask. */
uint64_t numa_landed_nodes(const struct numa_readback *rb);

#endif /* GMB_NUMA_H */
