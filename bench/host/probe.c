// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/guest.h"
#include "core/kvm_uapi.h"
#include "host/probe.h"
#include "core/util.h"

#define PROBE_SEED	 0x5eed5eed12345678ULL
#define PROBE_TIMEOUT_MS 5000

const char *backend_status_name(enum backend_status status)
{
	switch (status) {
	case BACKEND_AVAILABLE:
		return "available";
	case BACKEND_UNSUPPORTED:
		return "unsupported";
	case BACKEND_UNUSABLE:
		return "unusable";
	}
	return "unknown";
}

/* Runs the touch payload on one page of the backend; 0 or -errno with the reason. */
static int probe_touch(const struct mem_backend *backend)
{
	const struct vm_guest_config cfg = {
		.payload = guest_payload_find("touch"),
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = SZ_4K,
		.param = PROBE_SEED,
	};
	struct guest g;
	struct ucall uc;
	uint64_t *data;
	int ret;

	ret = guest_create(&g, backend, &cfg);
	if (ret)
		return ret;

	ret = guest_watchdog_arm(PROBE_TIMEOUT_MS);
	if (!ret)
		ret = vcpu_run_to_ucall(g.vm->vcpus[0], &uc);
	guest_watchdog_arm(0);
	if (ret == -EINTR && guest_watchdog_fired())
		ret = gmb_error(ETIMEDOUT, "the guest did not finish a one-page touch in %d ms",
				PROBE_TIMEOUT_MS);
	if (!ret && uc.cmd != GMB_UCALL_RESULT)
		ret = gmb_error(EPROTO, "the touch guest sent ucall %" PRIu64 " instead of RESULT",
				uc.cmd);
	if (ret)
		goto out;

	/* The guest checked its own reads; the host checks what landed in the backend. */
	data = vm_gpa_to_hva(g.vm, g.vm->layout.data_gpa);
	for (uint64_t i = 0; data && i < SZ_4K / 8; i++) {
		uint64_t expect = (g.vm->layout.data_gpa + i * 8) ^ PROBE_SEED;

		if (data[i] != expect) {
			uint64_t gpa = g.vm->layout.data_gpa + i * 8;

			ret = gmb_error(EIO,
					"the host read 0x%" PRIx64
					" where the guest wrote 0x%" PRIx64 " (GPA 0x%" PRIx64 ")",
					data[i], expect, gpa);
			goto out;
		}
	}
	ret = vcpu_run_to_ucall(g.vm->vcpus[0], &uc);
	if (!ret && uc.cmd != GMB_UCALL_DONE)
		ret = gmb_error(EPROTO, "the touch guest did not finish");
out:
	guest_destroy(&g);
	return ret;
}

int backend_probe_static(const struct host_caps *caps, const struct mem_backend *backend,
			 char *reason, size_t len)
{
	char why[256] = "";
	int ret, access_ret;

	reason[0] = '\0';
	ret = backend->probe(caps, reason, len);
	access_ret = mem_access_check(backend->access, caps->cap_gmem_no_direct_map_access,
				      caps->gmem_access_param_present, why, sizeof(why));
	if (access_ret >= 0)
		return ret ? -EOPNOTSUPP : 0;
	/* Both lacks are worth knowing: a kernel may need the flag and the series. */
	if (ret) {
		size_t used = strlen(reason);

		snprintf(reason + used, len - used, "; %s", why);
	} else {
		snprintf(reason, len, "%s", why);
	}
	return -EOPNOTSUPP;
}

int backend_probe(const struct host_caps *caps, const struct mem_backend *backend,
		  struct backend_probe *result)
{
	memset(result, 0, sizeof(*result));
	result->backend = backend;

	if (!caps->kvm_usable) {
		result->status = BACKEND_UNSUPPORTED;
		snprintf(result->reason, sizeof(result->reason), "%s", caps->kvm_error);
		return 0;
	}
	if (backend_probe_static(caps, backend, result->reason, sizeof(result->reason))) {
		result->status = BACKEND_UNSUPPORTED;
		return 0;
	}
	gmb_clear_error();
	if (probe_touch(backend)) {
		result->status = BACKEND_UNUSABLE;
		snprintf(result->reason, sizeof(result->reason),
			 "a one-page guest touch failed: %s", gmb_last_error());
		return 0;
	}
	result->status = BACKEND_AVAILABLE;
	return 0;
}

void probe_host(struct host_caps *caps, struct backend_probe *probes)
{
	host_caps_read(caps);
	for (int i = 0; i < MEM_NR_BACKENDS; i++)
		backend_probe(caps, mem_backends[i], &probes[i]);
}
