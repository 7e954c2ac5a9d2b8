/* SPDX-License-Identifier: GPL-2.0 */
/* What the host offers: every backend's status (with the reason), and the environment. */
#ifndef GMB_PROBE_H
#define GMB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/mem.h"
#include "core/caps.h"

struct json_t;

enum backend_status {
	BACKEND_AVAILABLE,   /* probed, and a guest ran on it */
	BACKEND_UNSUPPORTED, /* the kernel or its settings lack what it needs */
	BACKEND_UNUSABLE,    /* the kernel offers it, but a guest cannot run on it here */
};

struct backend_probe {
	const struct mem_backend *backend;
	enum backend_status status;
	char reason[320];
};

const char *backend_status_name(enum backend_status status);

/*
 * The static requirements of a backend: its own (the kernel's capabilities and settings) and,
 * for a backend with an access strategy, the strategy (mem_access_check()). 0 when the backend
 * can be tried, or -EOPNOTSUPP with every requirement it lacks in reason[].
 */
int backend_probe_static(const struct host_caps *caps, const struct mem_backend *backend,
			 char *reason, size_t len);

/*
 * Probes one backend: the static requirements first (backend_probe_static()), then a one-page guest touch on memory
 * from the backend, verified by the guest and, when the backend has a host mapping, by the
 * host. Fills result; returns 0 (the status says the outcome).
 */
int backend_probe(const struct host_caps *caps, const struct mem_backend *backend,
		  struct backend_probe *result);

/* The capabilities, then every backend in the table, into probes[MEM_NR_BACKENDS]. */
void probe_host(struct host_caps *caps, struct backend_probe *probes);

/* The environment: host, CPU, topology, kernel, settings, capabilities, backends. */
struct json_t *probe_environment(const struct host_caps *caps);
/*
 * The memory the run leaves behind, read again at its end: DirectMap4k/2M/1G (splits of the
 * direct map are not undone) and MemAvailable, in KiB.
 */
struct json_t *probe_memory_now(void);
struct json_t *probe_backends_json(const struct backend_probe *probes, int count);

#endif /* GMB_PROBE_H */
