// SPDX-License-Identifier: GPL-2.0
/* What the running kernel offers, read from it: KVM capabilities and memory settings. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/caps.h"
#include "core/kvm_uapi.h"
#include "core/util.h"

int kvm_open(int *kvm_fd)
{
	int fd, version;

	fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			return gmb_error(err,
					 "%s does not exist: load kvm_intel, kvm_amd or "
					 "another KVM module",
					 KVM_DEVICE);
		return gmb_error(err, "cannot open %s: %s%s", KVM_DEVICE, strerror(err),
				 err == EACCES ? " (run as root or join the kvm group)" : "");
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		close(fd);
		return gmb_error(EINVAL, "KVM_GET_API_VERSION returned %d, expected %d", version,
				 KVM_API_VERSION);
	}
	*kvm_fd = fd;
	return 0;
}

long kvm_check_cap(int fd, long cap)
{
	long ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? 0 : ret;
}

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
	caps->cap_exit_hypercall = kvm_check_cap(kvm_fd, KVM_CAP_EXIT_HYPERCALL);
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
	caps->cap_gmem_convert_in_place = kvm_check_cap(vm_fd, KVM_CAP_GMEM_CONVERT_IN_PLACE);
	close(vm_fd);
	close(kvm_fd);
	caps->kvm_usable = true;
}
