// SPDX-License-Identifier: GPL-2.0
/*
 * mmio-storm: exits that need KVM's instruction emulator, against the exit that does not.
 *
 * On an MMIO exit KVM fetches the instruction bytes and walks the guest's page tables in guest
 * memory, through whatever path the backend gives it (the direct map, the VMM's mapping, or
 * none): the access that direct-map removal breaks. The variants separate the parts:
 *
 *   pio              "out": an exit with no decode and no guest-memory read; the floor
 *   mmio-write/read  a store/load to a GPA with no memslot: fetch, walk, decode, emulate
 *   mmio-write-disp, mmio-read-movzx, mmio-write-stos
 *                    other encodings, since decode cost differs
 *   mmio-spread      the store on a different code page each time, reached through 4 KiB
 *                    guest page tables: a cold fetch and a four-level walk per exit
 *   mmio-fast        a store to a zero-length ioeventfd: handled in the kernel, no exit to
 *                    userspace (and, on hardware with the fast MMIO bus, no decode)
 *
 * Every case has a raw twin: the same guest driven by a bare KVM_RUN loop with nothing around
 * it. The ratio between the two is the harness's own cost, reported in every run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/util.h"
#include "run/workload.h"

/* Each variant is one access kind of the storm payload, named by it. */
static const char *const storm_variant_names[] = {
	[GMB_STORM_PIO] = "pio",
	[GMB_STORM_MMIO_WRITE] = "mmio-write",
	[GMB_STORM_MMIO_READ] = "mmio-read",
	[GMB_STORM_MMIO_WRITE_DISP] = "mmio-write-disp",
	[GMB_STORM_MMIO_READ_MOVZX] = "mmio-read-movzx",
	[GMB_STORM_MMIO_WRITE_STOS] = "mmio-write-stos",
	[GMB_STORM_MMIO_SPREAD] = "mmio-spread",
	[GMB_STORM_MMIO_FAST] = "mmio-fast",
	[GMB_STORM_NR_KINDS] = NULL,
};
_Static_assert(ARRAY_SIZE(storm_variant_names) == GMB_STORM_NR_KINDS + 1, "every access kind is a "
									  "variant");
static const char *const storm_default_variants[] = {
	"pio", "mmio-write", "mmio-read", "mmio-spread", "mmio-fast", NULL,
};

/* A read from the MMIO window returns this byte pattern. */
#define STORM_READ_PATTERN 0xa5

struct storm_case {
	uint64_t kind;
	int *eventfds; /* mmio-fast: one ioeventfd per vCPU */
};

static uint64_t storm_kind(const char *variant)
{
	for (uint64_t kind = 0; kind < GMB_STORM_NR_KINDS; kind++)
		if (!strcmp(storm_variant_names[kind], variant))
			return kind;
	return GMB_STORM_NR_KINDS;
}

static int storm_valid(const struct wl_params *params, const struct host_caps *caps, char *reason,
		       size_t len)
{
	uint64_t kind = storm_kind(params->variant);

	if (kind == GMB_STORM_MMIO_SPREAD && params->guest_page_size != SZ_4K) {
		snprintf(reason, len,
			 "mmio-spread walks 4 KiB guest page tables; it has no 2M form");
		return -EINVAL;
	}
	/*
	 * Its stores run from code it writes into the data area, which KVM must fetch to emulate
	 * them: memory that is private to the guest (a VM type that has private memory) KVM
	 * cannot read, and the guest takes a #PF instead.
	 */
	if (kind == GMB_STORM_MMIO_SPREAD && params->backend->vm_type != KVM_X86_DEFAULT_VM) {
		snprintf(reason, len,
			 "mmio-spread runs its stores from the data area, and KVM cannot fetch "
			 "instructions from %s's private memory to emulate them",
			 params->backend->name);
		return -EOPNOTSUPP;
	}
	if (kind == GMB_STORM_MMIO_FAST && !caps->cap_ioeventfd_any_length) {
		snprintf(reason, len,
			 "KVM_CAP_IOEVENTFD_ANY_LENGTH is 0: no zero-length ioeventfd");
		return -EOPNOTSUPP;
	}
	if (params->data_size / params->nr_vcpus < 2 * SZ_4K) {
		snprintf(reason, len, "each vCPU needs 8 KiB of data; --size is too small");
		return -EINVAL;
	}
	return 0;
}

static int storm_register_ioeventfds(struct wl_case *wc, struct storm_case *sc)
{
	struct vm *vm = wc->guest.vm;

	sc->eventfds = calloc(vm->nr_vcpus, sizeof(int));
	if (!sc->eventfds)
		return gmb_error(ENOMEM, "out of memory");
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_ioeventfd args = {
			.addr = vm->layout.mmio_gpa + i * GMB_STORM_VCPU_STRIDE +
				GMB_STORM_FAST_OFFSET,
			.len = 0, /* any length: the fast MMIO bus where the CPU has one */
		};

		sc->eventfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (sc->eventfds[i] < 0)
			return gmb_error(errno, "eventfd failed: %s", strerror(errno));
		args.fd = sc->eventfds[i];
		if (ioctl(vm->fd, KVM_IOEVENTFD, &args))
			return gmb_error(errno, "KVM_IOEVENTFD (GPA 0x%llx, len 0) failed: %s",
					 (unsigned long long)args.addr, strerror(errno));
	}
	return 0;
}

static void storm_teardown(struct wl_case *wc)
{
	struct storm_case *sc = wc->priv;

	guest_destroy(&wc->guest);
	if (sc && sc->eventfds) {
		for (unsigned int i = 0; i < wc->params.nr_vcpus; i++)
			if (sc->eventfds[i] > 0)
				close(sc->eventfds[i]);
		free(sc->eventfds);
	}
	free(sc);
	wc->priv = NULL;
}

static int storm_setup(struct wl_case *wc)
{
	struct storm_case *sc = calloc(1, sizeof(*sc));
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("storm"),
		.nr_vcpus = wc->params.nr_vcpus,
		.guest_page_size = wc->params.guest_page_size,
		.data_size = wc->params.data_size,
		.mem_policy = &wc->mem_policy,
	};
	int ret;

	if (!sc)
		return gmb_error(ENOMEM, "out of memory");
	wc->priv = sc;
	sc->kind = storm_kind(wc->params.variant);
	cfg.param = sc->kind;

	ret = guest_create(&wc->guest, wc->params.backend, &cfg);
	if (!ret && sc->kind == GMB_STORM_MMIO_FAST)
		ret = storm_register_ioeventfds(wc, sc);
	/* Bring every vCPU to its first SYNC, which carries its timer floor. */
	if (!ret)
		ret = wl_run_to_first_sync(wc);
	if (ret)
		storm_teardown(wc);
	return ret;
}

static bool storm_mmio_in_window(struct vcpu *vcpu, uint64_t gpa)
{
	uint64_t base = vcpu->vm->layout.mmio_gpa;

	return gpa >= base && gpa < base + GMB_MMIO_WINDOW_SIZE;
}

/* The harness loop: every exit goes through the checked path, decoded and dispatched. */
static int storm_run_harness(struct vcpu *vcpu, uint64_t *exits)
{
	struct kvm_run *run = vcpu->run;
	int ret;

	for (;;) {
		ret = vcpu_run(vcpu);
		if (ret)
			return ret;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == GMB_STORM_PORT) {
				(*exits)++;
				continue;
			}
			if (run->io.port == GMB_UCALL_PORT)
				return 0;
			return vcpu_unexpected_exit(vcpu, NULL);
		case KVM_EXIT_MMIO:
			if (!storm_mmio_in_window(vcpu, run->mmio.phys_addr))
				return vcpu_unexpected_exit(vcpu, NULL);
			if (!run->mmio.is_write)
				memset(run->mmio.data, STORM_READ_PATTERN, run->mmio.len);
			(*exits)++;
			continue;
		default:
			return vcpu_unexpected_exit(vcpu, NULL);
		}
	}
}

static int storm_run_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
			  struct wl_vcpu_sample *out)
{
	struct storm_case *sc = wc->priv;
	struct vcpu *vcpu = wc->guest.vm->vcpus[index];
	uint64_t exits = 0, start;
	struct ucall uc;
	int ret;

	ret = wl_start_sample(vcpu, iterations);
	if (ret)
		return ret;

	start = now_ns();
	ret = wc->params.raw ? wl_run_raw(vcpu, &exits) : storm_run_harness(vcpu, &exits);
	out->host_ns = now_ns() - start;
	if (ret)
		return ret;
	if (vcpu_get_ucall(vcpu, &uc) != GMB_UCALL_RESULT)
		return vcpu_unexpected_exit(vcpu, &uc);

	/* Fast MMIO never reaches userspace: the ioeventfd counted the writes instead. */
	if (sc->kind == GMB_STORM_MMIO_FAST) {
		uint64_t signalled = 0;

		if (exits)
			return gmb_error(EPROTO,
					 "vCPU %u: %" PRIu64 " fast MMIO writes exited to "
					 "userspace",
					 index, exits);
		if (read(sc->eventfds[index], &signalled, sizeof(signalled)) < 0 && errno != EAGAIN)
			return gmb_error(errno, "reading the ioeventfd failed: %s",
					 strerror(errno));
		exits = signalled;
	}
	out->ops = wl_decode_result(&uc, out);
	if (out->ops < iterations || exits != out->ops)
		return gmb_error(EPROTO,
				 "vCPU %u: asked for %" PRIu64 " accesses, guest did %" PRIu64
				 ", host saw %" PRIu64,
				 index, iterations, out->ops, exits);

	return wl_finish_sample(vcpu);
}

const struct workload wl_mmio_storm = {
	.name = "mmio-storm",
	.description = "exits that need KVM's instruction emulator, against the one that does not",
	.op_name = "exit",
	.op_plural = "exits",
	.variants = storm_variant_names,
	.default_variants = storm_default_variants,
	.default_data_size = SZ_2M,
	.has_raw = true,
	.times_each_op = true,
	.valid = storm_valid,
	.setup = storm_setup,
	.run_vcpu = storm_run_vcpu,
	.teardown = storm_teardown,
};
