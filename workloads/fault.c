// SPDX-License-Identifier: GPL-2.0
/*
 * fault: how fast guest memory is faulted in, and what each backend pays for it.
 *
 * Every sample runs on a fresh guest (created before the measured window and destroyed after
 * it), whose vCPUs write once to every page of their share of the data area:
 *
 *   guest-touch-4k   at 4 KiB stride: KVM faults and the host kernel allocates each page (or
 *                    each huge page, where the backend has them: one fault, 512 touches)
 *   guest-touch-2m   at 2 MiB stride: one touch per 2 MiB, a huge-page fault where possible
 *   host-populate    the host populates the data area first (MADV_POPULATE_WRITE, fallocate
 *                    or writing through the mapping, whatever the backend takes), timed on its
 *                    own; then the guest touches at 4 KiB and pays only KVM's mapping
 *   prefault         KVM_PRE_FAULT_MEMORY maps the data area before the guest runs
 *
 * The operation is a touch, not a fault: kvm.kvm_page_fault per touch says how many faults
 * there were. memfd-secret removes each page from the direct map as it faults it in, which the
 * flush counters and directmap_4k_kb_per_gib show per touch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/util.h"
#include "run/workload.h"

enum fault_variant {
	FAULT_TOUCH_4K,
	FAULT_TOUCH_2M,
	FAULT_HOST_POPULATE,
	FAULT_PREFAULT,
};

static const char *const fault_variant_names[] = {
	[FAULT_TOUCH_4K] = "guest-touch-4k",
	[FAULT_TOUCH_2M] = "guest-touch-2m",
	[FAULT_HOST_POPULATE] = "host-populate",
	[FAULT_PREFAULT] = "prefault",
	NULL,
};

static const char *const fault_default_variants[] = {
	"guest-touch-4k", "guest-touch-2m", "host-populate", "prefault", NULL,
};

static enum fault_variant fault_variant(const char *name)
{
	for (int i = 0; fault_variant_names[i]; i++)
		if (!strcmp(fault_variant_names[i], name))
			return (enum fault_variant)i;
	return FAULT_TOUCH_4K;
}

static uint64_t fault_stride(const struct wl_params *params)
{
	return fault_variant(params->variant) == FAULT_TOUCH_2M ? SZ_2M : SZ_4K;
}

/*
 * At 2 MiB stride the bench size would give only a handful of touches per sample: give that
 * variant 128 of them. Its touches are cheap where there are no huge pages.
 */
static uint64_t fault_variant_bench_size(const char *variant)
{
	return fault_variant(variant) == FAULT_TOUCH_2M ? 128 * SZ_2M : 0;
}

static int fault_valid(const struct wl_params *params, const struct host_caps *caps, char *reason,
		       size_t len)
{
	enum fault_variant v = fault_variant(params->variant);
	uint64_t share = params->data_size / params->nr_vcpus;

	if (v == FAULT_PREFAULT && !caps->cap_pre_fault_memory) {
		snprintf(reason, len,
			 "KVM_CAP_PRE_FAULT_MEMORY is 0 (KVM_PRE_FAULT_MEMORY: Linux "
			 "6.10+, and a VM type that supports it)");
		return -EOPNOTSUPP;
	}
	if (v == FAULT_HOST_POPULATE && !params->backend->populate) {
		snprintf(reason, len, "%s cannot be populated from the host",
			 params->backend->name);
		return -EOPNOTSUPP;
	}
	if (share < fault_stride(params) || share % fault_stride(params)) {
		snprintf(reason, len,
			 "each vCPU's share of --size must be a multiple of the stride");
		return -EINVAL;
	}
	return 0;
}

static int fault_new_guest(struct wl_case *wc)
{
	const struct vm_guest_config cfg = {
		.payload = guest_payload_find("fault"),
		.nr_vcpus = wc->params.nr_vcpus,
		.guest_page_size = wc->params.guest_page_size,
		.data_size = wc->params.data_size,
		.param = fault_stride(&wc->params),
		.mem_policy = &wc->mem_policy,
	};
	int ret;

	ret = guest_create(&wc->guest, wc->params.backend, &cfg);
	if (ret)
		return ret;
	ret = wl_run_to_first_sync(wc);
	if (ret)
		guest_destroy(&wc->guest);
	return ret;
}

/*
 * Guests exist only within their sample (sample_begin to sample_end), so that interleaved
 * cases never hold their data areas at the same time.
 */
static int fault_setup(struct wl_case *wc)
{
	return 0;
}

static void fault_teardown(struct wl_case *wc)
{
	if (wc->guest.vm)
		guest_destroy(&wc->guest);
}

static int fault_sample_begin(struct wl_case *wc)
{
	return fault_new_guest(wc);
}

/*
 * After the vCPUs: every page the guest touched holds its write (the byte 1 at the start of
 * each stride), read through the host's own mapping. A fault that mapped the guest another
 * page than the host's, or a page that lost its contents, fails the sample here. Memory the
 * host cannot map is left to the guest.
 */
static int fault_sample_check(struct wl_case *wc)
{
	struct guest *g = &wc->guest;
	uint64_t stride = fault_stride(&wc->params), size = g->vm->layout.data_size;
	const uint8_t *data;

	if (!g->mem.hva)
		return 0;
	data = (const uint8_t *)g->mem.hva + (g->split ? 0 : g->vm->layout.data_gpa);
	for (uint64_t off = 0; off < size; off += stride) {
		uint8_t got = *(const volatile uint8_t *)(data + off);

		wc->host_checks++;
		if (got != 1)
			return gmb_error(EIO,
					 "integrity: GPA 0x%" PRIx64 " holds 0x%02x through the "
					 "host's mapping after the guest wrote 0x01 there",
					 g->vm->layout.data_gpa + off, got);
	}
	return 0;
}

static void fault_sample_end(struct wl_case *wc)
{
	guest_destroy(&wc->guest);
}

static int prefault(struct wl_case *wc)
{
	struct vm_layout *l = &wc->guest.vm->layout;
	struct kvm_pre_fault_memory range = { .gpa = l->data_gpa, .size = l->data_size };

	/* It returns early with the range advanced when interrupted or asked to retry. */
	while (range.size) {
		if (!ioctl(wc->guest.vm->vcpus[0]->fd, KVM_PRE_FAULT_MEMORY, &range))
			continue;
		if (errno != EINTR && errno != EAGAIN)
			return gmb_error(errno,
					 "KVM_PRE_FAULT_MEMORY (GPA 0x%llx, %llu bytes) failed: %s",
					 (unsigned long long)range.gpa,
					 (unsigned long long)range.size, strerror(errno));
	}
	return 0;
}

static int fault_sample_populate(struct wl_case *wc, uint64_t *ns)
{
	struct guest *g = &wc->guest;
	uint64_t start = now_ns();
	int ret = 0;

	switch (fault_variant(wc->params.variant)) {
	case FAULT_HOST_POPULATE:
		/* The data area's offset in its region: after the boot memory, or all of it. */
		ret = mem_populate(&g->mem, g->split ? 0 : g->vm->layout.data_gpa,
				   g->vm->layout.data_size);
		break;
	case FAULT_PREFAULT:
		ret = prefault(wc);
		break;
	default:
		return 0;
	}
	*ns = now_ns() - start;
	return ret;
}

static int fault_run_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
			  struct wl_vcpu_sample *out)
{
	struct vcpu *vcpu = wc->guest.vm->vcpus[index];
	uint64_t stride = fault_stride(&wc->params), exits = 0, start, pages;
	uint64_t backend_page = wc->params.backend->page_size ?: SZ_4K;
	struct ucall uc;
	int ret;

	ret = wl_start_sample(vcpu, 1);
	if (ret)
		return ret;
	start = now_ns();
	/* No exit to userspace is expected before RESULT: faults are the kernel's business. */
	ret = wc->params.raw ? wl_run_raw(vcpu, &exits) : vcpu_run(vcpu);
	out->host_ns = now_ns() - start;
	if (ret)
		return ret;
	if (vcpu_get_ucall(vcpu, &uc) != GMB_UCALL_RESULT || exits)
		return vcpu_unexpected_exit(vcpu, &uc);

	pages = (wc->guest.vm->layout.data_size / wc->params.nr_vcpus) / stride;
	out->ops = wl_decode_result(&uc, out);
	if (out->ops != pages)
		return gmb_error(EPROTO, "vCPU %u touched %" PRIu64 " pages, expected %" PRIu64,
				 index, out->ops, pages);
	/* At 2 MiB stride a touch faults in a huge page where the backend has them. */
	out->bytes = out->ops * (stride < backend_page ? stride : backend_page);
	return 0;
}

const struct workload wl_fault = {
	.name = "fault",
	.description = "first touch of guest memory: KVM and host faults, populate, prefault",
	.op_name = "touch",
	.op_plural = "touches",
	.variants = fault_variant_names,
	.default_variants = fault_default_variants,
	.default_data_size = 512 * 1024 * 1024,
	.bench_data_size = 32 * 1024 * 1024, /* about a minute for make bench on 2 CPUs */
	.variant_bench_size = fault_variant_bench_size,
	.has_raw = true,
	.times_each_op = true,
	.fixed_ops = true,
	.reports_bytes = true,
	.valid = fault_valid,
	.setup = fault_setup,
	.run_vcpu = fault_run_vcpu,
	.teardown = fault_teardown,
	.sample_begin = fault_sample_begin,
	.sample_populate = fault_sample_populate,
	.sample_check = fault_sample_check,
	.sample_end = fault_sample_end,
	.populate_name = "host_populate",
};
