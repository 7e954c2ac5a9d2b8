// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-zc's device: the guest's driver code (guest/vring.h) drives the device model's
 * thread through a buffer standing in for guest memory, with an eventfd for the kick, on a
 * file in /dev/shm. No KVM: these run on any host. Requests of every direction and I/O mode
 * complete with their data intact; a block corrupted in the file between its write and its
 * read is caught by the reader's check and by the host's check of the file; a descriptor
 * pointing outside guest memory completes with an I/O error.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "core/util.h"
#include "devices/virtio_blk.h"
#include "host/fio.h"
#include "host/probe.h"
#include "run/workload.h"
#include "test_util.h"
#include "vmm/guest.h"

extern const struct workload wl_virtio;

#define AREA_GPA 0x40000000ULL
#define SZ_1M	 (256 * SZ_4K)

struct rig {
	uint8_t *area;
	uint64_t area_size;
	int fd, kick;
	struct vblk_dev dev;
	struct gmb_vblk_driver drv;
	char path[64];
};

/* Where rig_open() pins the device thread, -1: not pinned. */
static int rig_pin_cpu = -1;

static int rig_open(struct rig *r, uint64_t bs, uint64_t qd, uint64_t rw, uint64_t guest_mode,
		    uint64_t nr_blocks, enum vblk_io io)
{
	struct vblk_config cfg;
	int ret;

	memset(r, 0, sizeof(*r));
	r->area_size = gmb_vblk_area_bytes(bs, qd, guest_mode);
	r->area = mmap(NULL, r->area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	snprintf(r->path, sizeof(r->path), "/dev/shm/gmb-virtio-test.XXXXXX");
	r->fd = mkstemp(r->path);
	r->kick = eventfd(0, EFD_CLOEXEC);
	if (r->area == MAP_FAILED || r->fd < 0 || r->kick < 0)
		return -errno;
	ret = vblk_target_fill(r->fd, bs, nr_blocks);
	if (ret)
		return ret;
	r->drv = (struct gmb_vblk_driver){ .area = r->area,
					   .area_gpa = AREA_GPA,
					   .bs = bs,
					   .qd = qd,
					   .rw = rw,
					   .guest_mode = guest_mode,
					   .nr_blocks = nr_blocks };
	gmb_vblk_init(&r->drv, 0x1234567);
	cfg = (struct vblk_config){ .area = r->area,
				    .area_gpa = AREA_GPA,
				    .area_size = r->area_size,
				    .target_fd = r->fd,
				    .target_size = bs * nr_blocks,
				    .io = io,
				    .max_request = bs,
				    .max_inflight = qd,
				    .kick_fd = r->kick,
				    .pin = rig_pin_cpu >= 0,
				    .cpu = rig_pin_cpu };
	return vblk_start(&r->dev, &cfg);
}

static void rig_close(struct rig *r)
{
	vblk_stop(&r->dev);
	if (r->area && r->area != MAP_FAILED)
		munmap(r->area, r->area_size);
	if (r->fd > 0) {
		close(r->fd);
		unlink(r->path);
	}
	if (r->kick > 0)
		close(r->kick);
}

static void rig_kick(struct rig *r)
{
	uint64_t one = 1;

	gmb_vblk_publish(&r->drv);
	if (write(r->kick, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* The guest payload's loop: qd requests in flight until `wanted` completed. 0 or GMB_VBLK_ERR_*. */
static int rig_drive(struct rig *r, uint64_t wanted, uint64_t *kicks)
{
	struct gmb_vblk_driver *d = &r->drv;
	uint64_t posted = 0, done = 0;

	for (; posted < wanted && posted < d->qd; posted++)
		gmb_vblk_post(d, posted);
	rig_kick(r);
	(*kicks)++;
	while (done < wanted) {
		uint64_t reposted = 0;
		uint32_t len;
		int64_t slot;

		while ((slot = gmb_vblk_next_used(d, &len)) >= 0) {
			int err = gmb_vblk_complete(d, (uint64_t)slot, len);

			if (err)
				return err;
			done++;
			if (posted < wanted) {
				gmb_vblk_post(d, (uint64_t)slot);
				posted++;
				reposted++;
			}
		}
		if (reposted) {
			rig_kick(r);
			(*kicks)++;
		} else {
			__builtin_ia32_pause();
		}
	}
	return 0;
}

FIXTURE(device)
{
	struct rig rig;
};

FIXTURE_VARIANT(device)
{
	uint64_t bs, qd, rw, guest_mode;
	enum vblk_io io;
};

#define DEVICE_VARIANT(id, b, q, r, g, i)                                       \
	FIXTURE_VARIANT_ADD(device, id)                                         \
	{                                                                       \
		.bs = b, .qd = q, .rw = GMB_VBLK_##r, .guest_mode = g, .io = i, \
	}

DEVICE_VARIANT(zerocopy_4k_qd32_mixed, SZ_4K, 32, MIXED, GMB_VBLK_GUEST_DIRECT, VBLK_IO_GUEST);
DEVICE_VARIANT(zerocopy_1m_qd1_write, SZ_1M, 1, WRITE, GMB_VBLK_GUEST_DIRECT, VBLK_IO_GUEST);
DEVICE_VARIANT(fixed_64k_qd8_mixed, 16 * SZ_4K, 8, MIXED, GMB_VBLK_GUEST_DIRECT, VBLK_IO_FIXED);
DEVICE_VARIANT(bounce_vmm_16k_qd128_mixed, 4 * SZ_4K, 128, MIXED, GMB_VBLK_GUEST_DIRECT,
	       VBLK_IO_BOUNCE_VMM);
DEVICE_VARIANT(bounce_guest_4k_qd16_mixed, SZ_4K, 16, MIXED, GMB_VBLK_GUEST_BOUNCE, VBLK_IO_GUEST);

FIXTURE_SETUP(device)
{
	int ret = rig_open(&self->rig, variant->bs, variant->qd, variant->rw, variant->guest_mode,
			   variant->qd * 8, variant->io);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", gmb_last_error());
	ASSERT_EQ(0, ret) TH_LOG("%s", gmb_last_error());
}

FIXTURE_TEARDOWN(device)
{
	rig_close(&self->rig);
}

/* Every request completes OK with its data intact; the counts add up. */
TEST_F(device, requests_complete_intact)
{
	struct vblk_stats st;
	uint64_t kicks = 0, bad = ~0ULL, wanted = variant->bs > 16 * SZ_4K ? 200 : 2000;

	ASSERT_EQ(0, rig_drive(&self->rig, wanted, &kicks));
	vblk_stats(&self->rig.dev, &st);
	EXPECT_EQ(wanted, st.requests);
	EXPECT_EQ(0, st.errors);
	EXPECT_LE(st.batches, st.requests);
	EXPECT_GE(st.enters, st.batches);
	EXPECT_EQ(variant->io == VBLK_IO_BOUNCE_VMM ? wanted * variant->bs : 0, st.copied);
	EXPECT_EQ(variant->guest_mode == GMB_VBLK_GUEST_BOUNCE ? wanted * variant->bs : 0,
		  self->rig.drv.copied);
	EXPECT_EQ(0, vblk_stop(&self->rig.dev));
	EXPECT_EQ(0, vblk_target_check(self->rig.fd, variant->bs, variant->qd * 8, &bad));
	TH_LOG("%llu requests: %llu batches, %llu io_uring_enter, %llu kicks, %llu kick waits",
	       (unsigned long long)st.requests, (unsigned long long)st.batches,
	       (unsigned long long)st.enters, (unsigned long long)kicks,
	       (unsigned long long)st.kick_waits);
}

/* A block changed in the file behind the guest's back fails the read and the host's check. */
TEST(corrupted_block_is_detected)
{
	struct rig r;
	uint64_t kicks = 0, bad = ~0ULL, block = 3;
	uint8_t byte = 0x5a;

	ASSERT_EQ(0, rig_open(&r, 16 * SZ_4K, 1, GMB_VBLK_WRITE, GMB_VBLK_GUEST_DIRECT, 8,
			      VBLK_IO_GUEST))
	TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(0, rig_drive(&r, 64, &kicks));
	ASSERT_EQ(0, vblk_target_check(r.fd, r.drv.bs, 8, &bad));
	/* One byte of a tagged word, in the middle of a block. */
	ASSERT_EQ(1, pwrite(r.fd, &byte, 1, (off_t)(block * r.drv.bs + 37 * GMB_VBLK_SECTOR + 2)));
	EXPECT_EQ(-EILSEQ, vblk_target_check(r.fd, r.drv.bs, 8, &bad));
	EXPECT_EQ(block, bad);
	/* The guest reads every block back: the corrupted one must fail its check. */
	r.drv.rw = GMB_VBLK_READ;
	EXPECT_EQ(GMB_VBLK_ERR_INTEGRITY, rig_drive(&r, 256, &kicks));
	/* GMB_VBLK_NO_DATA (a target that keeps nothing) leaves reads unchecked, nothing more. */
	r.drv.no_data = GMB_VBLK_NO_DATA;
	EXPECT_EQ(0, rig_drive(&r, 256, &kicks));
	rig_close(&r);
}

/* Only null_blk without memory is a target that keeps no data: not a file, not /dev/null. */
TEST(files_keep_their_data)
{
	char path[] = "/dev/shm/gmb-virtio-test.XXXXXX", why[160] = "";
	int fd = mkstemp(path), null = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	unlink(path);
	EXPECT_EQ(0, vblk_target_discards(fd, why, sizeof(why)));
	if (null >= 0)
		EXPECT_EQ(0, vblk_target_discards(null, why, sizeof(why)));
	EXPECT_STREQ("", why);
	close(fd);
	if (null >= 0)
		close(null);
}

/*
 * /dev/nullb0 where null_blk is there (the kernel series' guest has it built in, with
 * memory_backed=0): found to keep no data, with the reason.
 */
TEST(null_blk_without_memory_keeps_no_data)
{
	char why[160] = "", backed[8] = "";
	int fd = open("/dev/nullb0", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		SKIP(return, "no /dev/nullb0 to open (%s): null_blk is not loaded",
			   strerror(errno));
	read_text_file("/sys/module/null_blk/parameters/memory_backed", backed, sizeof(backed));
	TH_LOG("null_blk.memory_backed=%.1s", backed);
	if (backed[0] == 'Y') {
		EXPECT_EQ(0, vblk_target_discards(fd, why, sizeof(why)));
	} else {
		EXPECT_EQ(1, vblk_target_discards(fd, why, sizeof(why)));
		EXPECT_NE(NULL, strstr(why, "nullb0 is null_blk with memory_backed=0"))
		TH_LOG("%s", why);
	}
	close(fd);
}

/*
 * The device thread pinned (run's placement does it, off its vCPU's CPU) runs there, and says
 * so; a CPU this process may not run on fails the start with the reason.
 */
TEST(device_thread_runs_where_pinned)
{
	struct rig r;
	uint64_t kicks = 0;
	cpu_set_t set;
	int cpu = -1;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpu = c; /* the last one: not where this thread is likely to be */
	rig_pin_cpu = cpu;
	ASSERT_EQ(0,
		  rig_open(&r, SZ_4K, 8, GMB_VBLK_MIXED, GMB_VBLK_GUEST_DIRECT, 64, VBLK_IO_GUEST))
	TH_LOG("%s", gmb_last_error());
	EXPECT_EQ(-1, vblk_last_cpu(&r.dev));
	EXPECT_EQ(0, rig_drive(&r, 500, &kicks));
	EXPECT_EQ(cpu, vblk_last_cpu(&r.dev));
	rig_close(&r);

	rig_pin_cpu = CPU_SETSIZE - 1;
	if (!CPU_ISSET(rig_pin_cpu, &set)) {
		EXPECT_NE(0, rig_open(&r, SZ_4K, 8, GMB_VBLK_MIXED, GMB_VBLK_GUEST_DIRECT, 64,
				      VBLK_IO_GUEST));
		EXPECT_NE(NULL, strstr(gmb_last_error(), "pinned to CPU"))
		TH_LOG("%s", gmb_last_error());
		rig_close(&r);
	}
	rig_pin_cpu = -1;
}

/* A data descriptor outside guest memory: the device answers IOERR and touches nothing. */
TEST(outside_guest_memory_is_an_io_error)
{
	struct rig r;
	uint64_t kicks = 0;

	ASSERT_EQ(0, rig_open(&r, SZ_4K, 1, GMB_VBLK_READ, GMB_VBLK_GUEST_DIRECT, 4, VBLK_IO_GUEST))
	TH_LOG("%s", gmb_last_error());
	((struct gmb_vring_desc *)(r.area + GMB_VBLK_DESC_OFF))[1].addr = AREA_GPA - SZ_4K;
	EXPECT_EQ(GMB_VBLK_ERR_STATUS, rig_drive(&r, 1, &kicks));
	rig_close(&r);
}

/*
 * The device's rate at 4 KiB, depth 32, random reads on tmpfs, against fio's on the same file
 * (host-side, no guest: the driver is this thread). Logged; asserted (at least half of fio's)
 * only with GMB_VIRTIO_RATE=1, since a shared machine's rate is no test.
 */
TEST(rate_against_fio)
{
	struct fio_job job = {
		.size = 32 << 20, .bs = SZ_4K, .iodepth = 32, .rw = "randread", .runtime_ms = 2000
	};
	uint64_t kicks = 0, done = 0, start, ns;
	struct fio_result fio;
	struct vblk_stats st;
	struct rig r;
	double iops;
	int ret;

	ASSERT_EQ(0, rig_open(&r, SZ_4K, 32, GMB_VBLK_READ, GMB_VBLK_GUEST_DIRECT, job.size / SZ_4K,
			      VBLK_IO_GUEST))
	TH_LOG("%s", gmb_last_error());
	start = now_ns();
	while ((ns = now_ns() - start) < 2000000000ULL) {
		ASSERT_EQ(0, rig_drive(&r, 100000, &kicks));
		done += 100000;
	}
	iops = (double)done / ((double)ns / 1e9);
	vblk_stats(&r.dev, &st);
	TH_LOG("device: %.0f IOPS (4 KiB randread, depth 32), %.2f io_uring_enter per batch, "
	       "%.1f requests per batch",
	       iops, (double)st.enters / (double)st.batches,
	       (double)st.requests / (double)st.batches);
	job.target = r.path;
	ret = fio_run(&job, &fio);
	rig_close(&r);
	if (ret)
		SKIP(return, "no fio ratio: %s", gmb_last_error());
	TH_LOG("fio %s: %.0f IOPS; device/fio = %.2f (%s)", fio.version, fio.iops, iops / fio.iops,
	       fio.command);
	if (getenv("GMB_VIRTIO_RATE"))
		EXPECT_GE(iops / fio.iops, 0.5);
}

/* fio that fails says why: its exit status and the first line it wrote on stderr. */
TEST(fio_failure_names_its_reason)
{
	struct fio_job job = { .target = "/proc/gmembench-none/x",
			       .size = 1 << 20,
			       .bs = SZ_4K,
			       .iodepth = 1,
			       .rw = "randread",
			       .runtime_ms = 100 };
	struct fio_result res;
	int ret = fio_run(&job, &res);

	if (ret == -ENOENT)
		SKIP(return, "%s", gmb_last_error());
	EXPECT_EQ(-EIO, ret);
	EXPECT_NE(NULL, strstr(gmb_last_error(), "exit status"));
	EXPECT_EQ(NULL, strstr(gmb_last_error(), ": ?")) TH_LOG("%s", gmb_last_error());
}

/* Every default variant is a variant (the matrix drops unknown names), named MODE-BS-qdN-DIR. */
TEST(default_variants_exist)
{
	int n = 0;

	for (const char *const *name = wl_virtio.default_variants; *name; name++, n++) {
		if (!workload_has_variant(&wl_virtio, *name))
			TH_LOG("default variant %s is not a variant", *name);
		EXPECT_TRUE(workload_has_variant(&wl_virtio, *name));
	}
	EXPECT_LT(0, n);
	EXPECT_TRUE(workload_has_variant(&wl_virtio, "share-per-io-1m-qd32-read"));
	EXPECT_TRUE(workload_has_variant(&wl_virtio, "zerocopy-fixed-4k-qd128-read"));
	EXPECT_TRUE(workload_has_variant(&wl_virtio, "bounce-guest-64k-qd32-mixed"));
	EXPECT_FALSE(workload_has_variant(&wl_virtio, "zerocopy-2m-qd32-read"));
}

/* The workload in a guest (needs /dev/kvm): each mode on a backend it applies to. */
FIXTURE(guest)
{
	struct host_caps caps;
	struct wl_case wc;
	char path[64];
	int fd;
};

FIXTURE_VARIANT(guest)
{
	const char *name;
	enum mem_backend_id backend;
	uint64_t bs;
	unsigned int vcpus;
};

#define GUEST_VARIANT(id, variant, b, size)                            \
	FIXTURE_VARIANT_ADD(guest, id)                                 \
	{                                                              \
		.name = variant, .backend = b, .bs = size, .vcpus = 1, \
	}

GUEST_VARIANT(zerocopy_anon, "zerocopy-4k-qd32-mixed", MEM_ANON, SZ_4K);
GUEST_VARIANT(zerocopy_secret, "zerocopy-64k-qd32-mixed", MEM_MEMFD_SECRET, 16 * SZ_4K);
GUEST_VARIANT(fixed_memfd, "zerocopy-fixed-64k-qd32-mixed", MEM_MEMFD, 16 * SZ_4K);
GUEST_VARIANT(fixed_secret, "zerocopy-fixed-4k-qd32-mixed", MEM_MEMFD_SECRET, SZ_4K);
GUEST_VARIANT(bounce_vmm_anon, "bounce-vmm-64k-qd32-mixed", MEM_ANON, 16 * SZ_4K);
GUEST_VARIANT(bounce_guest_memfd, "bounce-guest-4k-qd32-mixed", MEM_MEMFD, SZ_4K);
GUEST_VARIANT(share_anon, "share-per-io-4k-qd32-mixed", MEM_ANON, SZ_4K);
GUEST_VARIANT(share_memfd, "share-per-io-64k-qd32-mixed", MEM_MEMFD, 16 * SZ_4K);
GUEST_VARIANT(zerocopy_gmem, "zerocopy-4k-qd32-read", MEM_GMEM, SZ_4K);
/* Two vCPUs: a queue, a device thread and blocks of the target each. */
FIXTURE_VARIANT_ADD(guest, bounce_vmm_memfd_2vcpus){
	.name = "bounce-vmm-4k-qd32-mixed",
	.backend = MEM_MEMFD,
	.bs = SZ_4K,
	.vcpus = 2,
};

FIXTURE_SETUP(guest)
{
	struct backend_probe probe;
	char reason[320] = "";
	int ret;

	memset(&self->wc, 0, sizeof(self->wc));
	snprintf(self->path, sizeof(self->path), "/dev/shm/gmb-virtio-guest.XXXXXX");
	self->fd = mkstemp(self->path);
	ASSERT_LE(0, self->fd);
	self->wc.params = (struct wl_params){
		.workload = &wl_virtio,
		.variant = variant->name,
		.backend = mem_backends[variant->backend],
		.nr_vcpus = variant->vcpus,
		.guest_page_size = SZ_4K,
		.data_size = 8 * SZ_2M,
		.target = self->path,
	};
	ASSERT_TRUE(workload_has_variant(&wl_virtio, variant->name));
	SKIP_WITHOUT_KVM();
	host_caps_read(&self->caps);
	backend_probe(&self->caps, self->wc.params.backend, &probe);
	if (probe.status != BACKEND_AVAILABLE)
		SKIP(return, "%s: %s", self->wc.params.backend->name, probe.reason);
	if (wl_virtio.valid(&self->wc.params, &self->caps, reason, sizeof(reason)))
		SKIP(return, "%s", reason);
	ret = wl_virtio.setup(&self->wc);
	if (ret && self->wc.skip)
		SKIP(return, "%s", gmb_last_error());
	ASSERT_EQ(0, ret) TH_LOG("%s", gmb_last_error());
}

FIXTURE_TEARDOWN(guest)
{
	if (self->wc.priv)
		wl_virtio.teardown(&self->wc);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
}

/* Two samples as the runner drives them; the counts say what each mode did per request. */
TEST_F(guest, requests_complete_and_the_target_checks)
{
	const char *v = variant->name;
	uint64_t n = 600;

	for (unsigned int sample = 0; sample < 2 * variant->vcpus; sample++) {
		struct wl_vcpu_sample s = { 0 };

		ASSERT_EQ(0, wl_virtio.run_vcpu(&self->wc, sample % variant->vcpus, n, &s))
		TH_LOG("%s", gmb_last_error());
		EXPECT_EQ(n, s.ops);
		EXPECT_EQ(n * variant->bs, s.bytes);
		EXPECT_EQ(n, s.counts[0]); /* device_requests */
		EXPECT_EQ(strstr(v, "bounce-vmm") ? n * variant->bs : 0, s.counts[4]);
		EXPECT_EQ(strstr(v, "bounce-guest") ? n * variant->bs : 0, s.counts[5]);
		EXPECT_EQ(strstr(v, "share-per-io") ? 2 * n : 0, s.counts[6]);
		EXPECT_LT(0, s.timed);
		TH_LOG("%s on %s: %llu batches, %llu io_uring_enter for %llu requests", v,
		       self->wc.params.backend->name, (unsigned long long)s.counts[1],
		       (unsigned long long)s.counts[2], (unsigned long long)n);
	}
	EXPECT_EQ(0, wl_virtio.finish(&self->wc)) TH_LOG("%s", gmb_last_error());
}

/*
 * Every block of the target corrupted from the host after setup filled it: the guest's check
 * of its first read fails the sample, and the host's check of the target fails the case.
 */
TEST_F(guest, corrupted_target_fails_guest_and_host_checks)
{
	struct wl_vcpu_sample s = { 0 };
	uint8_t byte = 0xa5;

	for (uint64_t off = GMB_VBLK_SECTOR + 3; off < (16ULL << 20); off += variant->bs)
		ASSERT_EQ(1, pwrite(self->fd, &byte, 1, (off_t)off));
	EXPECT_EQ(-EILSEQ, wl_virtio.finish(&self->wc));
	EXPECT_NE(0, wl_virtio.run_vcpu(&self->wc, 0, 200, &s));
	EXPECT_NE(NULL, strstr(gmb_last_error(), "virtio.c")) TH_LOG("%s", gmb_last_error());
}

/*
 * On null_blk without memory (needs /dev/kvm and /dev/nullb0, as in the kernel series' guest):
 * mixed requests complete, the guest leaves reads unchecked (they bring back whatever the
 * buffer held), nothing is read back, and the case's note says so.
 */
TEST(null_blk_target_in_a_guest)
{
	struct wl_case wc = { 0 };
	struct host_caps caps;
	char reason[320] = "", why[160];
	int fd = open("/dev/nullb0", O_RDWR | O_CLOEXEC), ret;

	SKIP_WITHOUT_KVM();
	if (fd < 0)
		SKIP(return, "no /dev/nullb0 to open (%s): null_blk is not loaded",
			   strerror(errno));
	ret = vblk_target_discards(fd, why, sizeof(why));
	close(fd);
	if (!ret)
		SKIP(return, "/dev/nullb0 keeps its data (memory_backed=1): not this case");
	wc.params = (struct wl_params){
		.workload = &wl_virtio,
		.variant = "zerocopy-4k-qd32-mixed",
		.backend = mem_backends[MEM_ANON],
		.nr_vcpus = 1,
		.guest_page_size = SZ_4K,
		.data_size = 8 * SZ_2M,
		.target = "/dev/nullb0",
	};
	host_caps_read(&caps);
	ASSERT_EQ(0, wl_virtio.valid(&wc.params, &caps, reason, sizeof(reason)))
	TH_LOG("%s", reason);
	ASSERT_EQ(0, wl_virtio.setup(&wc)) TH_LOG("%s", gmb_last_error());
	for (int sample = 0; sample < 2; sample++) {
		struct wl_vcpu_sample s = { 0 };

		EXPECT_EQ(0, wl_virtio.run_vcpu(&wc, 0, 600, &s)) TH_LOG("%s", gmb_last_error());
		EXPECT_EQ(600, s.ops);
		EXPECT_EQ(600, s.counts[0]); /* device_requests */
	}
	EXPECT_EQ(0, wl_virtio.finish(&wc)) TH_LOG("%s", gmb_last_error());
	EXPECT_NE(NULL, strstr(wc.note, "memory_backed=0")) TH_LOG("note: %s", wc.note);
	EXPECT_NE(NULL, strstr(wc.note, "reads are not checked")) TH_LOG("note: %s", wc.note);
	TH_LOG("note: %s; fio: %s", wc.note,
	       wc.reference.known ? wc.reference.command : wc.reference.reason);
	wl_virtio.teardown(&wc);
}

TEST_HARNESS_MAIN
