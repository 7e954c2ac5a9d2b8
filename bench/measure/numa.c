// SPDX-License-Identifier: GPL-2.0
/*
 * Reading back where guest memory landed. A policy can be asked for and not honoured (a
 * backend that ignores its mapping's policy, a node that ran out of pages), so every case
 * records the node of sampled pages as the kernel reports it.
 */
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/numa.h"
#include "core/util.h"

int numa_read_back(const struct mem_region *mem, unsigned int nr, bool map_absent,
		   struct numa_readback *out)
{
	uint64_t pages, step;
	void **addrs;
	int *status;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!mem->hva) {
		snprintf(out->reason, sizeof(out->reason),
			 "no host mapping to read back through (a private guest_memfd)");
		return 0;
	}
	pages = mem->size / SZ_4K;
	if (nr > pages)
		nr = (unsigned int)pages;
	step = pages / nr;
	addrs = calloc(nr, sizeof(*addrs));
	status = calloc(nr, sizeof(*status));
	if (!addrs || !status) {
		ret = gmb_error(ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < nr; i++)
		addrs[i] = (uint8_t *)mem->hva + (i * step + step / 2) * SZ_4K;
	if (move_pages(0, nr, addrs, NULL, status, 0)) {
		if (errno == ENOSYS) {
			snprintf(out->reason, sizeof(out->reason),
				 "the kernel has no NUMA support (move_pages: ENOSYS)");
			goto out;
		}
		ret = gmb_error(errno, "move_pages (reading back %u pages of %s) failed: %s", nr,
				mem->backend->name, strerror(errno));
		goto out;
	}
	out->method = "move_pages";
	for (unsigned int i = 0; i < nr; i++) {
		int node = status[i];

		if (node == -ENOENT && map_absent && mem->is_gmem) {
			/* KVM faulted it through the file, not the mapping: map it to ask. */
			if (get_mempolicy(&node, NULL, 0, addrs[i], MPOL_F_NODE | MPOL_F_ADDR))
				node = -errno;
			out->method = "move_pages, get_mempolicy";
		}
		out->sampled++;
		if (node >= 0 && node < 64)
			out->on_node[node]++;
		else if (node == -ENOENT)
			out->not_present++;
		else
			out->unreadable++;
	}
out:
	free(addrs);
	free(status);
	return ret;
}

uint64_t numa_landed_nodes(const struct numa_readback *rb)
{
	uint64_t mask = 0;

	for (int n = 0; n < 64; n++)
		if (rb->on_node[n])
			mask |= 1ULL << n;
	return mask;
}
