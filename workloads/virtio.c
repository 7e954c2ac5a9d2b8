// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-zc: block I/O from guest memory through a virtio-blk device (bench/devices/), the way
 * a VMM does it, and what it costs when the VMM may not touch the guest's buffers.
 *
 *   zerocopy        the device thread reads/writes the target straight into the guest's
 *                   buffer through the VMM's mapping (io_uring READ/WRITE on the host address)
 *   zerocopy-fixed  the same with guest memory registered as io_uring fixed buffers (the
 *                   kernel pins it: memory it cannot pin is a skip with its reason)
 *   bounce-vmm      the VMM copies between the guest's buffer and a bounce buffer of its own
 *                   and does the I/O on that (Firecracker's way for secret-hidden guests; one
 *                   bounce buffer of the request's size per request in flight)
 *   bounce-guest    swiotlb's way: the guest copies between its buffer and a bounce pool in
 *                   its memory, and the device does I/O on the pool
 *   share-per-io    the guest asks the VMM to share each buffer before its I/O and to take it
 *                   back after (GMB_UCALL_CONVERT), by conversion-churn's remap mechanism
 *                   (mem_remap(): the range mapped afresh over itself); a kernel mechanism
 *                   that converts in place would go in vz_convert()
 *
 * Variant names: MODE-BS-qdN-DIR, e.g. zerocopy-4k-qd32-read. One queue per vCPU, each with
 * its own blocks of the target and its own device thread; the kick is an ioeventfd on a port,
 * completion a polled used ring. The target is a new file in /dev/shm unless run --target
 * names one (its contents are overwritten), opened with O_DIRECT where it allows; one that
 * keeps no data (null_blk, memory_backed=0) is not filled, read back or checked: the note
 * says so. Device threads are pinned where the runner placed them (wl_case.device_cpus).
 *
 * Every case's rate is reported over fio's (io_uring engine, same target, block size, depth
 * and direction, --fixedbufs for zerocopy-fixed), run once per job in setup.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "devices/virtio_blk.h"
#include "host/fio.h"
#include "run/workload.h"

enum vz_mode { VZ_ZEROCOPY, VZ_FIXED, VZ_BOUNCE_VMM, VZ_BOUNCE_GUEST, VZ_SHARE, VZ_NR_MODES };

static const struct vz_mode_def {
	const char *name;
	enum vblk_io io;
	uint64_t guest_mode;
} vz_modes[VZ_NR_MODES] = {
	[VZ_ZEROCOPY] = { "zerocopy", VBLK_IO_GUEST, GMB_VBLK_GUEST_DIRECT },
	[VZ_FIXED] = { "zerocopy-fixed", VBLK_IO_FIXED, GMB_VBLK_GUEST_DIRECT },
	[VZ_BOUNCE_VMM] = { "bounce-vmm", VBLK_IO_BOUNCE_VMM, GMB_VBLK_GUEST_DIRECT },
	[VZ_BOUNCE_GUEST] = { "bounce-guest", VBLK_IO_GUEST, GMB_VBLK_GUEST_BOUNCE },
	[VZ_SHARE] = { "share-per-io", VBLK_IO_GUEST, GMB_VBLK_GUEST_SHARE },
};

static const char *const vz_dirs[] = { "read", "write", "mixed" };
static const char *const vz_fio_rw[] = { "randread", "randwrite", "randrw" };

/* Per mode: five block sizes at depth 32 reading, depth 1 and 128 at 4 KiB, the other
 * directions at 4 KiB and 64 KiB. */
static const struct {
	unsigned int bs_shift, qd, rw;
} vz_grid[] = {
	{ 12, 32, 0 },	{ 14, 32, 0 }, { 16, 32, 0 }, { 18, 32, 0 }, { 20, 32, 0 }, { 12, 1, 0 },
	{ 12, 128, 0 }, { 12, 32, 1 }, { 12, 32, 2 }, { 16, 32, 1 }, { 16, 32, 2 },
};

#define VZ_NR_VARIANTS (VZ_NR_MODES * ARRAY_SIZE(vz_grid))
static char vz_names[VZ_NR_VARIANTS][40];
static const char *vz_variant_names[VZ_NR_VARIANTS + 1];
/* Three block sizes per mode: every guest of a run is alive at once, so 256k, not 1m. */
static const char *const vz_default_variants[] = {
	"zerocopy-4k-qd32-read",       "zerocopy-64k-qd32-read",
	"zerocopy-256k-qd32-read",     "zerocopy-fixed-4k-qd32-read",
	"bounce-vmm-4k-qd32-read",     "bounce-vmm-64k-qd32-read",
	"bounce-vmm-256k-qd32-read",   "bounce-guest-4k-qd32-read",
	"bounce-guest-64k-qd32-read",  "bounce-guest-256k-qd32-read",
	"share-per-io-4k-qd32-read",   "share-per-io-64k-qd32-read",
	"share-per-io-256k-qd32-read", NULL,
};

static const char *vz_size_name(unsigned int shift)
{
	static const char *const names[] = { "4k",   "8k",   "16k",  "32k", "64k",
					     "128k", "256k", "512k", "1m" };

	return names[shift - 12];
}

__attribute__((constructor)) static void vz_make_names(void)
{
	size_t n = 0;

	for (size_t m = 0; m < VZ_NR_MODES; m++)
		for (size_t g = 0; g < ARRAY_SIZE(vz_grid); g++, n++) {
			snprintf(vz_names[n], sizeof(vz_names[n]), "%s-%s-qd%u-%s",
				 vz_modes[m].name, vz_size_name(vz_grid[g].bs_shift), vz_grid[g].qd,
				 vz_dirs[vz_grid[g].rw]);
			vz_variant_names[n] = vz_names[n];
		}
}

struct vz_variant {
	enum vz_mode mode;
	unsigned int bs_shift, qd, rw;
};

static struct vz_variant vz_variant(const char *name)
{
	for (size_t n = 0; n < VZ_NR_VARIANTS; n++)
		if (!strcmp(vz_names[n], name))
			return (struct vz_variant){ n / ARRAY_SIZE(vz_grid),
						    vz_grid[n % ARRAY_SIZE(vz_grid)].bs_shift,
						    vz_grid[n % ARRAY_SIZE(vz_grid)].qd,
						    vz_grid[n % ARRAY_SIZE(vz_grid)].rw };
	return (struct vz_variant){ VZ_ZEROCOPY, 12, 32, 0 };
}

/* Blocks of the target per queue: 16 MiB, and at least two per slot. */
static uint64_t vz_blocks(const struct vz_variant *v)
{
	uint64_t blocks = (16ULL << 20) >> v->bs_shift;

	return blocks > 2ULL * v->qd ? blocks : 2ULL * v->qd;
}

/* Each vCPU's share of the data area, as the VM layout hands it out (vmm/x86.c). */
static uint64_t vz_share(uint64_t data_size, unsigned int nr_vcpus)
{
	uint64_t share = ALIGN_UP(data_size / nr_vcpus, SZ_4K);

	return share * nr_vcpus > data_size ? (data_size / nr_vcpus) & ~(SZ_4K - 1) : share;
}

static uint64_t vz_variant_bench_size(const char *variant)
{
	struct vz_variant v = vz_variant(variant);

	return ALIGN_UP(gmb_vblk_area_bytes(1ULL << v.bs_shift, v.qd, vz_modes[v.mode].guest_mode),
			SZ_2M);
}

static int vz_valid(const struct wl_params *params, const struct host_caps *caps, char *reason,
		    size_t len)
{
	struct vz_variant v = vz_variant(params->variant);
	const struct mem_backend *b = params->backend;
	uint64_t need = gmb_vblk_area_bytes(1ULL << v.bs_shift, v.qd, vz_modes[v.mode].guest_mode);

	if (b->no_host_map) {
		snprintf(reason, len,
			 "the rings and the buffers the device reaches must be in memory the VMM "
			 "maps; %s has none (its shared side is not wired to the device yet)",
			 b->name);
		return -EOPNOTSUPP;
	}
	if (v.mode == VZ_SHARE && b->id == MEM_MEMFD_HUGETLB && v.bs_shift < 21) {
		snprintf(reason, len, "%s remaps whole 2 MiB pages: not a %s buffer", b->name,
			 vz_size_name(v.bs_shift));
		return -EOPNOTSUPP;
	}
	if (!caps->cap_ioeventfd) {
		snprintf(reason, len, "KVM_CAP_IOEVENTFD is 0: no kick without an exit to the VMM");
		return -EOPNOTSUPP;
	}
	if (vz_share(params->data_size, params->nr_vcpus) < need) {
		snprintf(reason, len,
			 "each vCPU's queue needs %" PRIu64 " MiB; --size is too small",
			 (need + SZ_4K * 256 - 1) >> 20);
		return -EINVAL;
	}
	return 0;
}

/*
 * The default targets: files in /dev/shm, one per block size and size, shared by the cases of
 * a run that have that shape. The runner keeps every case's guest alive at once, and a file
 * per case would fill a small host's tmpfs. The checks stay whole: a block is valid when it
 * holds a whole write of itself, whichever case wrote it, and one case runs at a time.
 */
static struct vz_shared {
	uint64_t bs, bytes;
	char path[64];
	unsigned int users;
} vz_shared[16];

struct vz_case {
	struct vz_variant v;
	uint64_t bs, nr_blocks; /* per queue */
	int target_fd;
	bool direct;
	bool no_data; /* the target discards its data: nothing to check */
	char path[256];
	struct vz_shared *shared; /* the default target it uses, or NULL (run --target) */
	int *kick_fds;
	struct vblk_dev *devs;
	unsigned int nr_devs;
	uint64_t data_offset; /* of the data area in the backend's region */
	uint64_t share;	      /* each vCPU's part of it */
};

static void vz_teardown(struct wl_case *wc)
{
	struct vz_case *vc = wc->priv;

	if (vc) {
		for (unsigned int i = 0; i < vc->nr_devs; i++)
			vblk_stop(&vc->devs[i]);
	}
	guest_destroy(&wc->guest);
	if (!vc)
		return;
	for (unsigned int i = 0; vc->kick_fds && i < wc->params.nr_vcpus; i++)
		if (vc->kick_fds[i] > 0)
			close(vc->kick_fds[i]);
	if (vc->target_fd > 0)
		close(vc->target_fd);
	if (vc->shared && !--vc->shared->users)
		unlink(vc->shared->path);
	free(vc->kick_fds);
	free(vc->devs);
	free(vc);
	wc->priv = NULL;
}

/* A default target of this shape: the one in use, or a new file (*fresh: to be filled). */
static int vz_shared_target(struct vz_case *vc, uint64_t bytes, bool *fresh)
{
	struct vz_shared *free_slot = NULL;
	int fd;

	for (size_t i = 0; i < ARRAY_SIZE(vz_shared); i++) {
		struct vz_shared *t = &vz_shared[i];

		if (t->users && t->bs == vc->bs && t->bytes == bytes) {
			vc->shared = t;
			break;
		}
		if (!t->users && !free_slot)
			free_slot = t;
	}
	if (!vc->shared) {
		if (!free_slot)
			return gmb_error(ENOSPC, "more than %zu virtio-zc target shapes at once",
					 ARRAY_SIZE(vz_shared));
		*free_slot = (struct vz_shared){ .bs = vc->bs, .bytes = bytes };
		snprintf(free_slot->path, sizeof(free_slot->path),
			 "/dev/shm/gmembench-virtio.XXXXXX");
		fd = mkstemp(free_slot->path);
		if (fd < 0)
			return gmb_error(errno, "cannot create %s: %s", free_slot->path,
					 strerror(errno));
		close(fd);
		vc->shared = free_slot;
		*fresh = true;
	}
	vc->shared->users++;
	snprintf(vc->path, sizeof(vc->path), "%s", vc->shared->path);
	return 0;
}

/*
 * The target: the named file or device, or a default one on tmpfs; O_DIRECT where it allows.
 * *fresh says whether it must be filled (a new default target, or a named one, every time).
 */
static int vz_open_target(struct wl_case *wc, struct vz_case *vc, uint64_t bytes, bool *fresh)
{
	struct stat st;
	uint64_t size = 0;
	char why[128];
	int ret;

	*fresh = true;
	if (wc->params.target) {
		snprintf(vc->path, sizeof(vc->path), "%s", wc->params.target);
	} else {
		*fresh = false;
		ret = vz_shared_target(vc, bytes, fresh);
		if (ret)
			return ret;
	}
	vc->direct = true;
	vc->target_fd = open(vc->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (vc->target_fd < 0 && errno == EINVAL) {
		vc->direct = false;
		vc->target_fd = open(vc->path, O_RDWR | O_CLOEXEC);
	}
	if (vc->target_fd < 0 || fstat(vc->target_fd, &st))
		return gmb_error(errno, "cannot open the target %s: %s", vc->path, strerror(errno));
	if (S_ISBLK(st.st_mode) && ioctl(vc->target_fd, BLKGETSIZE64, &size))
		return gmb_error(errno, "BLKGETSIZE64 on %s failed: %s", vc->path, strerror(errno));
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < bytes &&
	    ftruncate(vc->target_fd, (off_t)bytes))
		return gmb_error(errno, "cannot size %s to %" PRIu64 " bytes: %s", vc->path, bytes,
				 strerror(errno));
	if (S_ISBLK(st.st_mode) && size < bytes)
		return gmb_error(ENOSPC, "%s holds %" PRIu64 " bytes; the case needs %" PRIu64,
				 vc->path, size, bytes);
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return gmb_error(EINVAL, "the target %s is not a file or a block device", vc->path);
	vc->no_data = vblk_target_discards(vc->target_fd, why, sizeof(why));
	if (vc->no_data)
		snprintf(wc->note, sizeof(wc->note),
			 "%s; reads are not checked, nor the target after the run", why);
	return 0;
}

/*
 * fio on the same job, once per job in a process: its rate is every sample's yardstick.
 * Returns whether fio ran (it may have written over the target, which must be filled again).
 */
static bool vz_reference(struct wl_case *wc, struct vz_case *vc)
{
	static struct {
		struct fio_job job;
		char target[256];
		struct wl_reference ref;
	} cache[32];
	static unsigned int nr_cached;
	struct fio_job job = {
		.target = vc->path,
		.size = vc->nr_blocks * vc->bs * wc->params.nr_vcpus,
		.bs = vc->bs,
		.iodepth = vc->v.qd,
		.numjobs = wc->params.nr_vcpus,
		.rw = vz_fio_rw[vc->v.rw],
		.direct = vc->direct,
		.fixedbufs = vc->v.mode == VZ_FIXED,
		.runtime_ms = 1000,
	};
	struct wl_reference *ref = &wc->reference;
	struct fio_result res;

	for (unsigned int i = 0; i < nr_cached; i++) {
		struct fio_job *c = &cache[i].job;

		if (!strcmp(cache[i].target, wc->params.target ?: "") && c->size == job.size &&
		    c->bs == job.bs && c->iodepth == job.iodepth && c->numjobs == job.numjobs &&
		    !strcmp(c->rw, job.rw) && c->direct == job.direct &&
		    c->fixedbufs == job.fixedbufs) {
			*ref = cache[i].ref;
			return false;
		}
	}
	memset(ref, 0, sizeof(*ref));
	snprintf(ref->program, sizeof(ref->program), "fio");
	if (fio_run(&job, &res)) {
		snprintf(ref->reason, sizeof(ref->reason), "%s", gmb_last_error());
	} else {
		ref->known = true;
		ref->ops_per_sec = res.iops;
		ref->bytes_per_sec = res.bytes_per_sec;
		snprintf(ref->version, sizeof(ref->version), "%s", res.version);
		snprintf(ref->command, sizeof(ref->command), "%s", res.command);
	}
	if (nr_cached < ARRAY_SIZE(cache)) {
		cache[nr_cached].job = job;
		snprintf(cache[nr_cached].target, sizeof(cache[nr_cached].target), "%s",
			 wc->params.target ?: "");
		cache[nr_cached++].ref = *ref;
	}
	return true;
}

/* One queue per vCPU: its kick (a port ioeventfd) and its device thread over its data. */
static int vz_start_queue(struct wl_case *wc, struct vz_case *vc, unsigned int i)
{
	struct vm *vm = wc->guest.vm;
	uint64_t gpa = vm->layout.data_gpa + i * vc->share;
	struct kvm_ioeventfd args = {
		.addr = GMB_VBLK_KICK_PORT + 4 * i,
		.len = 4,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};
	struct vblk_config cfg = {
		.area = (uint8_t *)wc->guest.mem.hva + vc->data_offset + i * vc->share,
		.area_gpa = gpa,
		.area_size = vc->share,
		.target_fd = vc->target_fd,
		.target_size = vc->nr_blocks * vc->bs * wc->params.nr_vcpus,
		.io = vz_modes[vc->v.mode].io,
		.max_request = vc->bs,
		.max_inflight = vc->v.qd,
		.pin = wc->device_cpus && wc->device_cpus[i] >= 0,
		.cpu = wc->device_cpus ? wc->device_cpus[i] : -1,
	};
	int ret;

	vc->kick_fds[i] = eventfd(0, EFD_CLOEXEC);
	if (vc->kick_fds[i] < 0)
		return gmb_error(errno, "eventfd failed: %s", strerror(errno));
	args.fd = vc->kick_fds[i];
	if (ioctl(vm->fd, KVM_IOEVENTFD, &args))
		return gmb_error(errno, "KVM_IOEVENTFD (port 0x%llx) failed: %s",
				 (unsigned long long)args.addr, strerror(errno));
	cfg.kick_fd = vc->kick_fds[i];
	ret = vblk_start(&vc->devs[i], &cfg);
	if (ret == -EOPNOTSUPP)
		wc->skip = true;
	if (!ret)
		vc->nr_devs++;
	return ret;
}

static int vz_setup(struct wl_case *wc)
{
	struct vz_case *vc = calloc(1, sizeof(*vc));
	unsigned int n = wc->params.nr_vcpus;
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("virtio"),
		.nr_vcpus = n,
		.guest_page_size = wc->params.guest_page_size,
		.data_size = wc->params.data_size,
		.mem_policy = &wc->mem_policy,
	};
	bool fresh = false;
	int ret;

	if (!vc)
		return gmb_error(ENOMEM, "out of memory");
	wc->priv = vc;
	vc->v = vz_variant(wc->params.variant);
	vc->bs = 1ULL << vc->v.bs_shift;
	vc->nr_blocks = vz_blocks(&vc->v);
	vc->kick_fds = calloc(n, sizeof(int));
	vc->devs = calloc(n, sizeof(*vc->devs));
	if (!vc->kick_fds || !vc->devs) {
		vz_teardown(wc);
		return gmb_error(ENOMEM, "out of memory");
	}
	cfg.param = gmb_vblk_param(vc->v.bs_shift, vc->v.qd, vc->v.rw,
				   vz_modes[vc->v.mode].guest_mode, vc->nr_blocks);
	/*
	 * fio before the fill, since it writes over the target; every case set up so far has its
	 * samples later, on the target filled again.
	 */
	ret = vz_open_target(wc, vc, vc->nr_blocks * vc->bs * n, &fresh);
	if (!ret && (vz_reference(wc, vc) || fresh) && !vc->no_data)
		ret = vblk_target_fill(vc->target_fd, vc->bs, vc->nr_blocks * n);
	cfg.param |= vc->no_data ? GMB_VBLK_NO_DATA : 0;
	if (!ret)
		ret = guest_create(&wc->guest, wc->params.backend, &cfg);
	if (!ret) {
		vc->data_offset = wc->guest.split ? 0 : wc->guest.vm->layout.data_gpa;
		vc->share = vz_share(wc->guest.vm->layout.data_size, n);
	}
	/* I/O on guest memory through O_DIRECT: can the kernel pin it? (fixed: registering) */
	if (!ret && vc->direct && vz_modes[vc->v.mode].io == VBLK_IO_GUEST) {
		uint8_t *buf = wc->guest.mem.hva;

		ret = vblk_target_probe(vc->target_fd, buf + vc->data_offset + GMB_VBLK_BUFFERS_OFF,
					vc->bs);
		wc->skip = ret == -EOPNOTSUPP;
	}
	for (unsigned int i = 0; !ret && i < n; i++)
		ret = vz_start_queue(wc, vc, i);
	if (!ret)
		ret = wl_run_to_first_sync(wc);
	if (ret)
		vz_teardown(wc);
	return ret;
}

/*
 * share-per-io: the guest shares a buffer (a2 = 1) or takes it back (a2 = 0). With remap the
 * VMM maps the range afresh either way (mem_remap(), conversion-churn's path); a mechanism
 * that converts in place would act on a2 here.
 */
static int vz_convert(struct wl_case *wc, unsigned int index, const struct ucall *uc,
		      uint64_t *work_ns)
{
	struct vz_case *vc = wc->priv;
	uint64_t base = wc->guest.vm->layout.data_gpa + index * vc->share, start;
	int ret;

	if (vc->v.mode != VZ_SHARE || uc->args[1] != vc->bs || uc->args[0] < base ||
	    uc->args[0] - base + vc->bs > vc->share)
		return gmb_error(EPROTO,
				 "vCPU %u: no buffer at GPA 0x%" PRIx64 " (%" PRIu64 " bytes)",
				 index, uc->args[0], uc->args[1]);
	start = now_ns();
	ret = mem_remap(&wc->guest.mem,
			vc->data_offset + (uc->args[0] - wc->guest.vm->layout.data_gpa), vc->bs);
	*work_ns += now_ns() - start;
	return ret;
}

enum {
	VZ_REQUESTS,
	VZ_BATCHES,
	VZ_ENTERS,
	VZ_KICK_WAITS,
	VZ_VMM_COPIED,
	VZ_GUEST_COPIED,
	VZ_CONVERSIONS
};

static const char *const vz_count_names[] = {
	"device_requests",  "device_batches",	  "io_uring_enter", "kick_waits",
	"vmm_copied_bytes", "guest_copied_bytes", "conversions",    NULL,
};

static int vz_run_vcpu(struct wl_case *wc, unsigned int index, uint64_t iterations,
		       struct wl_vcpu_sample *out)
{
	struct vz_case *vc = wc->priv;
	struct vcpu *vcpu = wc->guest.vm->vcpus[index];
	struct vblk_dev *dev = &vc->devs[index];
	struct vblk_stats before, after;
	uint64_t start;
	struct ucall uc;
	int ret;

	vblk_stats(dev, &before);
	ret = wl_start_sample(vcpu, iterations);
	if (ret)
		return ret;
	start = now_ns();
	for (;;) {
		ret = vcpu_run(vcpu);
		if (ret)
			return vblk_failed(dev) ? gmb_error(EIO, "%s", dev->reason) : ret;
		switch (vcpu_get_ucall(vcpu, &uc)) {
		case GMB_UCALL_CONVERT:
			ret = vz_convert(wc, index, &uc, &out->host_work_ns);
			if (ret)
				return ret;
			out->counts[VZ_CONVERSIONS]++;
			continue;
		case GMB_UCALL_RESULT:
			break;
		case GMB_UCALL_NONE:
			return vcpu_unexpected_exit(vcpu, NULL);
		default:
			return vcpu_unexpected_exit(vcpu, &uc);
		}
		break;
	}
	out->host_ns = now_ns() - start;
	out->ops = wl_decode_result(&uc, out);
	out->bytes = out->ops * vc->bs;
	vblk_stats(dev, &after);
	out->counts[VZ_REQUESTS] = after.requests - before.requests;
	out->counts[VZ_BATCHES] = after.batches - before.batches;
	out->counts[VZ_ENTERS] = after.enters - before.enters;
	out->counts[VZ_KICK_WAITS] = after.kick_waits - before.kick_waits;
	out->counts[VZ_VMM_COPIED] = after.copied - before.copied;
	out->device_cpu = vblk_last_cpu(dev);
	if (out->ops != iterations || after.errors != before.errors)
		return gmb_error(EPROTO,
				 "vCPU %u: asked for %" PRIu64 " requests, the guest did %" PRIu64
				 ", %" PRIu64 " failed",
				 index, iterations, out->ops, after.errors - before.errors);
	/* The guest's next SYNC carries the bytes it copied during the sample. */
	ret = vcpu_run_to_ucall(vcpu, &uc);
	if (!ret && uc.cmd != GMB_UCALL_SYNC)
		ret = gmb_error(EPROTO, "vCPU %u did not return to SYNC after a sample", index);
	out->counts[VZ_GUEST_COPIED] = uc.args[0];
	return ret;
}

/* After the last sample: each block of a target that keeps data is a whole write of itself. */
static int vz_finish(struct wl_case *wc)
{
	struct vz_case *vc = wc->priv;
	uint64_t bad;

	for (unsigned int i = 0; i < vc->nr_devs; i++)
		if (vblk_failed(&vc->devs[i]))
			return gmb_error(EIO, "%s", vc->devs[i].reason);
	if (vc->no_data)
		return 0; /* nothing kept to check: the case's note says so */
	return vblk_target_check(vc->target_fd, vc->bs, vc->nr_blocks * wc->params.nr_vcpus, &bad);
}

const struct workload wl_virtio = {
	.name = "virtio-zc",
	.description = "virtio-blk I/O from guest memory: zero-copy, bounce, share per I/O; vs fio",
	.op_name = "request",
	.op_plural = "requests",
	.variants = vz_variant_names,
	.default_variants = vz_default_variants,
	.default_data_size = 136ULL << 20,
	.variant_bench_size = vz_variant_bench_size,
	.times_each_op = true,
	.device_threads = true,
	.reports_bytes = true,
	.valid = vz_valid,
	.setup = vz_setup,
	.run_vcpu = vz_run_vcpu,
	.teardown = vz_teardown,
	.finish = vz_finish,
	.host_work_name = "host_convert",
	.count_names = vz_count_names,
	.reference_name = "fio",
};
