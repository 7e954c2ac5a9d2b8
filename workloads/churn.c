// SPDX-License-Identifier: GPL-2.0
/*
 * conversion-churn: what it costs to take a range of guest memory away from the guest and give
 * it back, by each mechanism a VMM has, with the guest asking for every conversion as a
 * confidential guest does.
 *
 *   none-4k, none-2m     the host answers without converting: the cost of asking and of the
 *                        guest's pass over a range that stayed mapped, the floor under every
 *                        mechanism; with other vCPUs, their slowdown from vCPU 0's work alone,
 *                        without a conversion's flushes (what the mechanisms' ratios are read
 *                        against).
 *   punch-4k, punch-2m   the range is discarded from its backing (fallocate(PUNCH_HOLE) on
 *                        memfd, hugetlb and guest_memfd; MADV_DONTNEED on anonymous memory),
 *                        KVM's mapping goes with it (the MMU notifier, or guest_memfd's own
 *                        invalidation), and the guest refaults zeroes. Every VMM can do this
 *                        on every kernel.
 *   remap-4k, remap-2m   the range is taken out of the VMM's mapping and mapped again over
 *                        itself (mmap MAP_FIXED): what a VMM pays to keep a converted range from
 *                        its own reach without a kernel feature. KVM's mapping of the range is
 *                        zapped through the MMU notifier; file-backed memory keeps its bytes,
 *                        anonymous memory comes back zeroed.
 *   attributes-4k, -2m   KVM_SET_MEMORY_ATTRIBUTES on a VM type with private memory (the gmem
 *                        backend: a guest_memfd for the private side, anonymous memory at the
 *                        memslot's address for the shared side), as the kernel's
 *                        private_mem_conversions_test does: each conversion flips the range,
 *                        private to shared or back (half the conversions each way), and the
 *                        VMM discards the side it converted away from (a punch of the
 *                        guest_memfd, MADV_DONTNEED of the shared side). The guest refaults
 *                        zeroes.
 *   in-place-4k, -2m     KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd itself (the kernel
 *                        series; a default VM, guest_memfd with MMAP | INIT_SHARED): each
 *                        conversion flips the range, shared to private or back (half the
 *                        conversions each way). Private takes it out of the host's mappings
 *                        and the direct map; the pages stay, with their contents (the
 *                        unmap from the VMM zaps the guest's mapping through the MMU
 *                        notifier, so the guest refaults a range made private).
 *   in-place-kvm-4k, -2m in place, and after each conversion KVM itself reads the range's
 *                        first page (the guest's movsq from it to MMIO, emulated): through
 *                        the backend's access strategy, the cost and the flushes of seed
 *                        000's per-mm mapping against restoring the direct map.
 *
 * Who asks: the guest, as a confidential guest does, with KVM_HC_MAP_GPA_RANGE where KVM can
 * exit to userspace on it (KVM_CAP_EXIT_HYPERCALL), else through the ucall channel
 * (GMB_UCALL_CONVERT, a port I/O exit every KVM has); the case's note says which. The host
 * converts and resumes it. One operation is one conversion of one
 * range, the guest's refault of it included (the guest payload says what it checks); the
 * host's own share (the punch or the remap syscall) is timed apart as host_convert_ns.
 *
 * Integrity: the guest checks every page of a range before converting it (its last pattern:
 * nothing else touched it) and after (zeroes, or the pattern kept), and any mismatch fails the
 * case; before every sample the host checks through its own mapping that every page of the data
 * area holds the generation it counted, and that a range converted to private in place faults
 * when the host reads it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "core/kvm_uapi.h"
#include "core/util.h"
#include "run/bystander.h"
#include "run/workload.h"

enum churn_mechanism { CHURN_NONE, CHURN_PUNCH, CHURN_REMAP, CHURN_ATTRIBUTES, CHURN_IN_PLACE };

static const struct churn_variant {
	const char *name;
	enum churn_mechanism mechanism;
	uint64_t range;
	bool kvm_read; /* KVM reads the range after each conversion */
} churn_variants[] = {
	{ "none-4k", CHURN_NONE, SZ_4K, false },
	{ "none-2m", CHURN_NONE, SZ_2M, false },
	{ "punch-4k", CHURN_PUNCH, SZ_4K, false },
	{ "punch-2m", CHURN_PUNCH, SZ_2M, false },
	{ "punch-64m", CHURN_PUNCH, 32 * SZ_2M, false },
	{ "punch-1g", CHURN_PUNCH, SZ_1G, false },
	{ "remap-4k", CHURN_REMAP, SZ_4K, false },
	{ "remap-2m", CHURN_REMAP, SZ_2M, false },
	{ "remap-64m", CHURN_REMAP, 32 * SZ_2M, false },
	{ "remap-1g", CHURN_REMAP, SZ_1G, false },
	{ "attributes-4k", CHURN_ATTRIBUTES, SZ_4K, false },
	{ "attributes-2m", CHURN_ATTRIBUTES, SZ_2M, false },
	{ "attributes-64m", CHURN_ATTRIBUTES, 32 * SZ_2M, false },
	{ "attributes-1g", CHURN_ATTRIBUTES, SZ_1G, false },
	{ "in-place-4k", CHURN_IN_PLACE, SZ_4K, false },
	{ "in-place-2m", CHURN_IN_PLACE, SZ_2M, false },
	{ "in-place-64m", CHURN_IN_PLACE, 32 * SZ_2M, false },
	{ "in-place-1g", CHURN_IN_PLACE, SZ_1G, false },
	{ "in-place-kvm-4k", CHURN_IN_PLACE, SZ_4K, true },
	{ "in-place-kvm-2m", CHURN_IN_PLACE, SZ_2M, true },
	{ "in-place-kvm-64m", CHURN_IN_PLACE, 32 * SZ_2M, true },
	{ "in-place-kvm-1g", CHURN_IN_PLACE, SZ_1G, true },
};

#define CHURN_NAMES(prefix) prefix "-4k", prefix "-2m", prefix "-64m", prefix "-1g"
static const char *const churn_variant_names[] = {
	"none-4k",
	"none-2m",
	CHURN_NAMES("punch"),
	CHURN_NAMES("remap"),
	CHURN_NAMES("attributes"),
	CHURN_NAMES("in-place"),
	CHURN_NAMES("in-place-kvm"),
	NULL,
};

/* A suite leaves out the 1 GiB ranges: they need --size 3G or more. */
#define CHURN_DEFAULT_NAMES(prefix) prefix "-4k", prefix "-2m", prefix "-64m"
static const char *const churn_default_variants[] = {
	"none-4k",
	"none-2m",
	CHURN_DEFAULT_NAMES("punch"),
	CHURN_DEFAULT_NAMES("remap"),
	CHURN_DEFAULT_NAMES("attributes"),
	CHURN_DEFAULT_NAMES("in-place"),
	CHURN_DEFAULT_NAMES("in-place-kvm"),
	NULL,
};

struct churn_case {
	const struct churn_variant *variant;
	uint64_t nr_ranges;
	uint64_t data_offset;  /* of the data area in the backend's region */
	uint64_t *generations; /* the host's count of each range's conversions */
	uint64_t last_range;   /* the range converted last */
	/* vCPUs 1.. touching their own memory meanwhile (--vcpus 2 or more). */
	struct bystanders bystanders;
	struct wl_op_times times; /* each conversion's host share in the sample */
};

/*
 * attributes: a range starts private, an odd generation is shared; in-place: a range starts
 * shared, an odd generation is private.
 */
static bool churn_range_shared(const struct churn_case *cc, uint64_t r)
{
	bool odd = cc->generations[r] & 1;

	return cc->variant->mechanism == CHURN_IN_PLACE ? !odd : odd;
}

static const struct churn_variant *churn_variant(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(churn_variants); i++)
		if (!strcmp(churn_variants[i].name, name))
			return &churn_variants[i];
	return &churn_variants[0];
}

/*
 * Two ranges and the metadata (a whole range) for the 64 MiB variants, and room for two
 * bystanders; the rest share one size.
 */
static uint64_t churn_variant_bench_size(const char *variant)
{
	uint64_t range = churn_variant(variant)->range;

	return range > SZ_2M && range < SZ_1G ? 3 * range + 2 * GMB_BYSTANDER_BYTES : 0;
}

static int churn_valid(const struct wl_params *params, const struct host_caps *caps, char *reason,
		       size_t len)
{
	const struct churn_variant *v = churn_variant(params->variant);
	const struct mem_backend *b = params->backend;

	if (v->mechanism == CHURN_PUNCH && !b->punch_hole) {
		snprintf(reason, len, "%s cannot discard a range of its memory", b->name);
		return -EOPNOTSUPP;
	}
	if (v->mechanism == CHURN_ATTRIBUTES && b->vm_type != KVM_X86_SW_PROTECTED_VM) {
		snprintf(reason, len,
			 "KVM_SET_MEMORY_ATTRIBUTES needs a VM type with private memory: the gmem "
			 "backend's");
		return -EOPNOTSUPP;
	}
	if (v->mechanism == CHURN_IN_PLACE && !b->convert) {
		snprintf(reason, len, "%s is not a guest_memfd with MMAP | INIT_SHARED", b->name);
		return -EOPNOTSUPP;
	}
	if (v->mechanism == CHURN_IN_PLACE && !caps->cap_gmem_convert_in_place) {
		snprintf(reason, len,
			 "KVM_CAP_GMEM_CONVERT_IN_PLACE is 0: no in-place conversion "
			 "(the kernel series in kernel-patches/ has it)");
		return -EOPNOTSUPP;
	}
	if (v->kvm_read && b->access != MEM_ACCESS_DIRECT_MAP && b->access != MEM_ACCESS_PER_MM) {
		snprintf(reason, len,
			 "KVM reaches a private range only through the DIRECT_MAP or PER_MM "
			 "strategy (gmem-dmap, gmem-permm): through the VMM's mapping it gets "
			 "SIGBUS");
		return -EOPNOTSUPP;
	}
	if (v->mechanism == CHURN_REMAP && b->no_host_map) {
		snprintf(reason, len, "%s has no host mapping to remap", b->name);
		return -EOPNOTSUPP;
	}
	if (b->id == MEM_MEMFD_HUGETLB && v->range < SZ_2M && v->mechanism != CHURN_NONE) {
		snprintf(reason, len, "%s frees and maps whole 2 MiB pages: not a 4 KiB range",
			 b->name);
		return -EOPNOTSUPP;
	}
	if (gmb_churn_ranges(gmb_churn_own_bytes(params->data_size, params->nr_vcpus), v->range) <
	    2) {
		snprintf(reason, len,
			 "--size holds fewer than two ranges, the metadata and 2 MiB per other "
			 "vCPU");
		return -EINVAL;
	}
	return 0;
}

static void churn_teardown(struct wl_case *wc)
{
	struct churn_case *cc = wc->priv;

	guest_destroy(&wc->guest);
	if (cc) {
		free(cc->generations);
		wl_op_times_free(&cc->times);
		bystanders_destroy(&cc->bystanders);
	}
	free(cc);
	wc->priv = NULL;
}

/*
 * Whether the mechanism leaves the guest zeroes: a punch and a change of attributes always
 * (the side converted to was discarded), a remap of anonymous memory; in place never.
 */
static bool churn_expect_zero(const struct churn_variant *v, const struct mem_backend *b)
{
	if (v->mechanism == CHURN_IN_PLACE || v->mechanism == CHURN_NONE)
		return false;
	return v->mechanism != CHURN_REMAP || b->id == MEM_ANON || b->id == MEM_ANON_THP;
}

/*
 * The guest asks by KVM_HC_MAP_GPA_RANGE when KVM can exit to userspace on it: the
 * hypercall's exit is enabled here, before the guest runs. Says which in wc->note.
 */
static bool churn_use_hypercall(struct wl_case *wc)
{
	long mask = wc->caps ? wc->caps->cap_exit_hypercall : 0;
	bool yes = mask & (1L << KVM_HC_MAP_GPA_RANGE);

	if (yes)
		snprintf(wc->note, sizeof(wc->note),
			 "conversions asked with KVM_HC_MAP_GPA_RANGE (KVM_CAP_EXIT_HYPERCALL)");
	else
		snprintf(wc->note, sizeof(wc->note),
			 "conversions asked through the ucall channel: KVM_CAP_EXIT_HYPERCALL is "
			 "0x%lx, no KVM_HC_MAP_GPA_RANGE",
			 mask);
	return yes;
}

static int churn_setup(struct wl_case *wc)
{
	bool hypercall = churn_use_hypercall(wc);
	struct churn_case *cc = calloc(1, sizeof(*cc));
	const struct churn_variant *v = churn_variant(wc->params.variant);
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("churn"),
		.nr_vcpus = wc->params.nr_vcpus,
		.guest_page_size = wc->params.guest_page_size,
		.data_size = wc->params.data_size,
		.whole_data = true,
		.param = v->range |
			 (churn_expect_zero(v, wc->params.backend) ? GMB_CHURN_EXPECT_ZERO : 0) |
			 (v->kvm_read ? GMB_CHURN_KVM_READ : 0) |
			 (hypercall ? GMB_CHURN_HYPERCALL : 0),
	};
	int ret;

	if (!cc)
		return gmb_error(ENOMEM, "out of memory");
	wc->priv = cc;
	cc->variant = v;
	bystanders_init(&cc->bystanders, wc->params.nr_vcpus - 1);
	cc->nr_ranges = gmb_churn_ranges(
		gmb_churn_own_bytes(wc->params.data_size, wc->params.nr_vcpus), v->range);
	cc->generations = calloc(cc->nr_ranges, sizeof(*cc->generations));
	if (!cc->generations) {
		churn_teardown(wc);
		return gmb_error(ENOMEM, "out of memory");
	}
	ret = guest_create(&wc->guest, wc->params.backend, &cfg);
	if (ret) {
		churn_teardown(wc);
		return ret;
	}
	/* The data area's offset in its region: after the boot memory, or all of it. */
	cc->data_offset = wc->guest.split ? 0 : wc->guest.vm->layout.data_gpa;
	if (v->mechanism == CHURN_REMAP &&
	    mem_remap_keeps_contents(&wc->guest.mem) == churn_expect_zero(v, wc->params.backend))
		ret = gmb_error(EPROTO,
				"%s: the guest would expect the wrong contents after a remap",
				wc->params.backend->name);
	if (!ret && hypercall)
		ret = vm_enable_hypercall_exit(wc->guest.vm, 1ULL << KVM_HC_MAP_GPA_RANGE);
	/* The guest writes generation 0 to every range, then stops at its first SYNC. */
	if (!ret)
		ret = wl_run_to_first_sync(wc);
	if (ret)
		churn_teardown(wc);
	return ret;
}

/*
 * attributes (the gmem backend): the host sees only the shared side, at the memslot's address.
 * A shared range holds the guest's pattern there; a private range is never visible in it: its
 * shared side was discarded when it went private, and reads zeroes.
 */
static int churn_check_shared_side(const struct churn_case *cc, const uint8_t *shared,
				   uint64_t data_gpa)
{
	uint64_t range = cc->variant->range;

	for (uint64_t r = 0; r < cc->nr_ranges; r++) {
		bool is_shared = churn_range_shared(cc, r);

		for (uint64_t off = r * range; off < (r + 1) * range; off += SZ_4K) {
			uint64_t got = *(const volatile uint64_t *)(shared + cc->data_offset + off);
			uint64_t want =
				is_shared ? gmb_churn_pattern(data_gpa + off, cc->generations[r])
					  : 0;

			if (got != want)
				return gmb_error(EIO,
						 "integrity: GPA 0x%" PRIx64 " holds 0x%" PRIx64
						 " in the shared side, expected 0x%" PRIx64
						 " (range %" PRIu64 " is %s)",
						 data_gpa + off, got, want, r,
						 is_shared ? "shared" : "private");
		}
	}
	return 0;
}

/* Before a sample, through the host's mapping: every page holds the generation counted. */
static int churn_sample_begin(struct wl_case *wc)
{
	struct churn_case *cc = wc->priv;
	uint64_t range = cc->variant->range, data_gpa = wc->guest.vm->layout.data_gpa;
	const uint8_t *base = wc->guest.mem.hva;

	bystanders_reset(&cc->bystanders);
	if (!base && cc->variant->mechanism == CHURN_ATTRIBUTES && wc->guest.mem.shared_hva)
		return churn_check_shared_side(cc, wc->guest.mem.shared_hva, data_gpa);
	if (!base)
		return 0; /* private memory: only the guest can check it, and does */
	for (uint64_t r = 0; r < cc->nr_ranges; r++) {
		if (cc->variant->mechanism == CHURN_IN_PLACE && !churn_range_shared(cc, r)) {
			const uint8_t *p = base + cc->data_offset + r * range;
			int sig = read_faults(p);

			if (sig != SIGBUS)
				return gmb_error(EIO,
						 "integrity: range %" PRIu64 " is private, %s%s", r,
						 "yet the host's read of it ",
						 sig ? strsignal(sig) : "succeeded");
			continue;
		}
		for (uint64_t off = r * range; off < (r + 1) * range; off += SZ_4K) {
			uint64_t got = *(const volatile uint64_t *)(base + cc->data_offset + off);
			uint64_t want = gmb_churn_pattern(data_gpa + off, cc->generations[r]);

			wc->host_checks++;
			if (got != want)
				return gmb_error(EIO,
						 "integrity: GPA 0x%" PRIx64 " holds 0x%" PRIx64
						 " through the host's mapping, expected 0x%" PRIx64
						 " (range %" PRIu64 ", generation %" PRIu64 ")",
						 data_gpa + off, got, want, r, cc->generations[r]);
		}
	}
	return 0;
}

/*
 * attributes: private to shared or back, then the side converted away from is discarded, as
 * private_mem_conversions_test's VMM does: the private side with a punch of the guest_memfd,
 * the shared side with MADV_DONTNEED.
 */
static int churn_flip_attributes(struct wl_case *wc, uint64_t r, uint64_t offset, bool to_shared)
{
	struct churn_case *cc = wc->priv;
	struct mem_region *mem = &wc->guest.mem;
	uint64_t range = cc->variant->range;
	uint64_t gpa = wc->guest.vm->layout.data_gpa + r * range;
	int ret;

	ret = vm_set_memory_attributes(wc->guest.vm, gpa, range,
				       to_shared ? 0 : KVM_MEMORY_ATTRIBUTE_PRIVATE);
	if (ret)
		return ret;
	if (to_shared)
		return mem_punch_hole(mem, offset, range);
	if (madvise((uint8_t *)mem->shared_hva + offset, range, MADV_DONTNEED))
		return gmb_error(errno, "madvise(MADV_DONTNEED) of the shared side failed: %s",
				 strerror(errno));
	return 0;
}

/* One conversion the guest asked for: the range is checked, converted and counted. */
static int churn_convert(struct wl_case *wc, const struct ucall *uc, struct wl_vcpu_sample *out)
{
	struct churn_case *cc = wc->priv;
	uint64_t range = cc->variant->range, data_gpa = wc->guest.vm->layout.data_gpa;
	uint64_t r = (uc->args[0] - data_gpa) / range, offset, start;
	unsigned int to_shared;
	int ret;

	if (uc->args[0] < data_gpa || uc->args[1] != range || r >= cc->nr_ranges ||
	    uc->args[0] != data_gpa + r * range)
		return gmb_error(EPROTO,
				 "a conversion of GPA 0x%" PRIx64 ", %" PRIu64 " bytes: no range",
				 uc->args[0], uc->args[1]);
	offset = cc->data_offset + r * range;
	to_shared = !churn_range_shared(cc, r);
	start = now_ns();
	if (cc->variant->mechanism == CHURN_NONE)
		ret = 0;
	else if (cc->variant->mechanism == CHURN_PUNCH)
		ret = mem_punch_hole(&wc->guest.mem, offset, range);
	else if (cc->variant->mechanism == CHURN_REMAP)
		ret = mem_remap(&wc->guest.mem, offset, range);
	else if (cc->variant->mechanism == CHURN_IN_PLACE)
		ret = mem_convert(&wc->guest.mem, offset, range, !to_shared);
	else
		ret = churn_flip_attributes(wc, r, offset, to_shared);
	start = now_ns() - start;
	out->host_work_ns += start;
	wl_op_times_add(&cc->times, start);
	/* Where a conversion flips the range: kind 0 is to private, 1 to shared. */
	if (cc->variant->mechanism == CHURN_IN_PLACE ||
	    cc->variant->mechanism == CHURN_ATTRIBUTES) {
		out->kind_work_ns[to_shared] += start;
		out->kind_ops[to_shared]++;
	}
	cc->generations[r]++;
	cc->last_range = r;
	return ret;
}

/*
 * in-place-kvm: the MMIO write of the movsq KVM emulated after a conversion. Its data is what
 * KVM read from the range's first page through its access strategy: the pattern the guest
 * wrote before the conversion.
 */
static int churn_kvm_read(struct wl_case *wc, struct vcpu *vcpu)
{
	struct churn_case *cc = wc->priv;
	const struct kvm_run *run = vcpu->run;
	uint64_t gpa = wc->guest.vm->layout.data_gpa + cc->last_range * cc->variant->range;
	uint64_t want = gmb_churn_pattern(gpa, cc->generations[cc->last_range] - 1), got = 0;

	if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write || run->mmio.len != 8 ||
	    run->mmio.phys_addr != wc->guest.vm->layout.mmio_gpa)
		return vcpu_unexpected_exit(vcpu, NULL);
	memcpy(&got, run->mmio.data, sizeof(got));
	if (got != want)
		return gmb_error(EIO,
				 "integrity: KVM read 0x%" PRIx64 " at GPA 0x%" PRIx64 ", expected "
				 "0x%" PRIx64,
				 got, gpa, want);
	return 0;
}

/* A KVM_HC_MAP_GPA_RANGE exit: the same conversion as a ucall's; the guest sees 0 or -EIO. */
static int churn_hypercall(struct wl_case *wc, struct vcpu *vcpu, struct wl_vcpu_sample *out)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc = { .cmd = GMB_UCALL_CONVERT };
	int ret;

	if (run->hypercall.nr != KVM_HC_MAP_GPA_RANGE)
		return vcpu_unexpected_exit(vcpu, NULL);
	uc.args[0] = run->hypercall.args[0];
	uc.args[1] = run->hypercall.args[1] * SZ_4K;
	ret = churn_convert(wc, &uc, out);
	run->hypercall.ret = ret ? (uint64_t)-EIO : 0;
	return ret;
}

static int churn_converter(struct wl_case *wc, struct vcpu *vcpu, uint64_t iterations,
			   struct wl_vcpu_sample *out)
{
	struct churn_case *cc = wc->priv;
	uint64_t conversions = 0, start;
	struct ucall uc;
	int ret;

	ret = wl_op_times_reset(&cc->times, iterations);
	if (!ret)
		ret = wl_start_sample(vcpu, iterations);
	if (ret)
		return ret;
	start = now_ns();
	for (;;) {
		ret = vcpu_run(vcpu);
		if (ret)
			return ret;
		switch (vcpu_get_ucall(vcpu, &uc)) {
		case GMB_UCALL_CONVERT:
			ret = churn_convert(wc, &uc, out);
			if (ret)
				return ret;
			conversions++;
			continue;
		case GMB_UCALL_LATENCY:
			wl_decode_latency(&uc, out);
			continue;
		case GMB_UCALL_RESULT:
			break;
		case GMB_UCALL_NONE:
			if (vcpu->run->exit_reason == KVM_EXIT_HYPERCALL)
				ret = churn_hypercall(wc, vcpu, out);
			else if (cc->variant->kvm_read)
				ret = churn_kvm_read(wc, vcpu);
			else
				return vcpu_unexpected_exit(vcpu, NULL);
			if (ret)
				return ret;
			conversions += vcpu->run->exit_reason == KVM_EXIT_HYPERCALL;
			continue;
		default:
			return vcpu_unexpected_exit(vcpu, &uc);
		}
		break;
	}
	out->host_ns = now_ns() - start;
	out->ops = wl_decode_result(&uc, out);
	if (conversions != iterations)
		return gmb_error(EPROTO, "the host saw %" PRIu64 " conversions of %" PRIu64,
				 conversions, iterations);
	if (out->ops != iterations)
		return gmb_error(EPROTO, "the guest reported %" PRIu64 " conversions of %" PRIu64,
				 out->ops, iterations);
	out->bytes = conversions * cc->variant->range;
	wl_op_times_report(&cc->times, out);
	/* The guest checked every page of each range before its conversion and after it. */
	out->guest_checks = 2 * conversions * (cc->variant->range / SZ_4K);
	return wl_finish_sample(vcpu);
}

/* vCPU 0 converts, once the others, if any, have run alone; they touch their memory. */
static int churn_run_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
			  struct wl_vcpu_sample *out)
{
	struct churn_case *cc = wc->priv;
	struct vcpu *vcpu = wc->guest.vm->vcpus[index];
	int ret;

	if (index)
		return bystander_run_vcpu(&cc->bystanders, vcpu, out);
	if (!cc->bystanders.nr)
		return churn_converter(wc, vcpu, iterations, out);
	ret = bystanders_wait(&cc->bystanders);
	if (!ret)
		ret = churn_converter(wc, vcpu, iterations, out);
	bystanders_stop(&cc->bystanders, out->host_ns);
	return ret;
}

const struct workload wl_churn = {
	.name = "conversion-churn",
	.description = "a range taken from the guest and given back: punch, remap, attributes, in "
		       "place",
	.op_name = "conversion",
	.op_plural = "conversions",
	.variants = churn_variant_names,
	.default_variants = churn_default_variants,
	.variant_bench_size = churn_variant_bench_size,
	.default_data_size = 64 * 1024 * 1024,
	.bench_data_size = 16 * 1024 * 1024,
	.times_each_op = true,
	.reports_bytes = true,
	.bystanders = true,
	.valid = churn_valid,
	.setup = churn_setup,
	.run_vcpu = churn_run_vcpu,
	.teardown = churn_teardown,
	.sample_begin = churn_sample_begin,
	.host_work_name = "host_convert",
	.host_work_kinds = { "to_private", "to_shared" },
	.host_work_latencies = true,
	.request_name = "request",
};
