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

#include "guest.h"
#include "kvm_uapi.h"
#include "probe.h"
#include "util.h"

#define PROBE_SEED	 0x5eed5eed12345678ULL
#define PROBE_TIMEOUT_MS 5000

/* Picks the bracketed choice out of a sysfs "a [b] c" line. */
static void read_sysfs_choice(const char *path, char *out, size_t len)
{
	char buf[256], *open, *close;

	out[0] = '\0';
	if (read_text_file(path, buf, sizeof(buf)))
		return;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!open || !close)
		return;
	*close = '\0';
	snprintf(out, len, "%s", open + 1);
}

static uint64_t read_hugepages(const char *size_dir, const char *file)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/%s", size_dir, file);
	if (read_text_file(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

/* Whether /proc/cpuinfo's first "flags" line lists @flag. */
static bool cpu_has_flag(const char *flag)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (char *tok = strtok(strchr(line, ':') ?: line, " :\n"); tok;
		     tok = strtok(NULL, " \n"))
			if (!strcmp(tok, flag))
				found = true;
		break;
	}
	fclose(f);
	return found;
}

/*
 * Which module provides /dev/kvm. A built-in kvm_intel and kvm_amd both have a
 * /sys/module directory (for their parameters), so the vendor ones must also
 * match the CPU's virtualization flag.
 */
static void read_kvm_module(struct host_caps *caps)
{
	static const struct {
		const char *name, *cpu_flag;
	} modules[] = { { "kvm_pvm", NULL }, { "kvm_intel", "vmx" }, { "kvm_amd", "svm" } };
	char path[64];

	snprintf(caps->kvm_module, sizeof(caps->kvm_module), "unknown");
	for (size_t i = 0; i < ARRAY_SIZE(modules); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", modules[i].name);
		if (access(path, F_OK))
			continue;
		if (modules[i].cpu_flag && !cpu_has_flag(modules[i].cpu_flag))
			continue;
		snprintf(caps->kvm_module, sizeof(caps->kvm_module), "%s", modules[i].name);
		return;
	}
}

static void read_secretmem(struct host_caps *caps)
{
	int fd = syscall(__NR_memfd_secret, O_CLOEXEC);

	if (fd >= 0) {
		caps->secretmem = true;
		close(fd);
		return;
	}
	snprintf(caps->secretmem_error, sizeof(caps->secretmem_error), "memfd_secret failed: %s%s",
		 strerror(errno),
		 errno == ENOSYS ? " (CONFIG_SECRETMEM off, or secretmem.enable=0)" : "");
}

static void read_gmem_access_param(struct host_caps *caps)
{
	char buf[32], *end;

	caps->gmem_access_param = -1;
	caps->gmem_access_param_present = !access(GMB_GMEM_NO_DIRECT_MAP_ACCESS_PARAM, F_OK);
	if (!caps->gmem_access_param_present ||
	    read_text_file(GMB_GMEM_NO_DIRECT_MAP_ACCESS_PARAM, buf, sizeof(buf)))
		return;
	caps->gmem_access_param = strtol(buf, &end, 10);
	if (end == buf || caps->gmem_access_param < 0)
		caps->gmem_access_param = -1;
}

void host_caps_read(struct host_caps *caps)
{
	int kvm_fd, vm_fd, ret;

	memset(caps, 0, sizeof(*caps));
	read_sysfs_choice("/sys/kernel/mm/transparent_hugepage/enabled", caps->thp_enabled,
			  sizeof(caps->thp_enabled));
	read_sysfs_choice("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
			  caps->thp_shmem_enabled, sizeof(caps->thp_shmem_enabled));
	caps->hugepages_2m_free = read_hugepages("hugepages-2048kB", "free_hugepages");
	caps->hugepages_1g_free = read_hugepages("hugepages-1048576kB", "free_hugepages");
	read_secretmem(caps);
	read_kvm_module(caps);
	read_gmem_access_param(caps);

	ret = kvm_open(&kvm_fd);
	if (ret) {
		snprintf(caps->kvm_error, sizeof(caps->kvm_error), "%s", gmb_last_error());
		return;
	}
	caps->kvm_api_version = KVM_API_VERSION;
	caps->cap_user_memory2 = kvm_check_cap(kvm_fd, KVM_CAP_USER_MEMORY2);
	caps->cap_memory_attributes = kvm_check_cap(kvm_fd, KVM_CAP_MEMORY_ATTRIBUTES);
	caps->cap_vm_types = kvm_check_cap(kvm_fd, KVM_CAP_VM_TYPES);
	caps->cap_nr_vcpus = kvm_check_cap(kvm_fd, KVM_CAP_NR_VCPUS);
	caps->cap_max_vcpus = kvm_check_cap(kvm_fd, KVM_CAP_MAX_VCPUS);
	caps->cap_ioeventfd = kvm_check_cap(kvm_fd, KVM_CAP_IOEVENTFD);
	caps->cap_ioeventfd_any_length = kvm_check_cap(kvm_fd, KVM_CAP_IOEVENTFD_ANY_LENGTH);
	caps->cap_tsc_control = kvm_check_cap(kvm_fd, KVM_CAP_TSC_CONTROL);

	/* Some capabilities depend on the VM type: ask a default VM, as the backends use one. */
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	if (vm_fd < 0) {
		snprintf(caps->kvm_error, sizeof(caps->kvm_error), "KVM_CREATE_VM failed: %s",
			 strerror(errno));
		close(kvm_fd);
		return;
	}
	caps->cap_guest_memfd = kvm_check_cap(vm_fd, KVM_CAP_GUEST_MEMFD);
	caps->cap_guest_memfd_flags = kvm_check_cap(vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS);
	caps->cap_pre_fault_memory = kvm_check_cap(vm_fd, KVM_CAP_PRE_FAULT_MEMORY);
	caps->cap_memory_attributes = kvm_check_cap(vm_fd, KVM_CAP_MEMORY_ATTRIBUTES);
	caps->cap_gmem_no_direct_map_access =
		kvm_check_cap(vm_fd, KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS);
	close(vm_fd);
	close(kvm_fd);
	caps->kvm_usable = true;
}

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
