// SPDX-License-Identifier: GPL-2.0
/* VM and vCPU set-up, long mode, and every path of the guest-to-host channel. */
#include <string.h>

#include "kselftest_harness.h"

#include "vmm/guest.h"
#include "test_util.h"

enum { MODE_DONE, MODE_ASSERT, MODE_UD, MODE_PAGE_FAULT, MODE_SYNC_ECHO, MODE_MMIO, MODE_ARGS };

static struct vm_guest_config selftest_config(uint64_t mode, unsigned int nr_vcpus,
					      uint64_t page_size, uint64_t data_size)
{
	return (struct vm_guest_config){
		.payload = guest_payload_find("selftest"),
		.nr_vcpus = nr_vcpus,
		.guest_page_size = page_size,
		.data_size = data_size,
		.param = mode,
	};
}

/* Runs vCPU 0 of a fresh anon guest in the given mode to its first ucall or error. */
static int run_mode(uint64_t mode, struct ucall *uc, char *error, size_t len)
{
	struct vm_guest_config cfg = selftest_config(mode, 1, SZ_4K, SZ_4K);
	struct guest g;
	int ret;

	ret = guest_create(&g, mem_backends[MEM_ANON], &cfg);
	if (!ret)
		ret = vcpu_run_to_ucall(g.vm->vcpus[0], uc);
	snprintf(error, len, "%s", ret ? gmb_last_error() : "");
	if (g.vm)
		guest_destroy(&g);
	return ret;
}

TEST(kvm_device_opens)
{
	int fd;

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, kvm_open(&fd));
	ASSERT_LE(0, fd);
	close(fd);
}

TEST(layout_grows_with_data)
{
	struct vm_guest_config small = selftest_config(0, 1, SZ_4K, SZ_2M);
	struct vm_guest_config large = selftest_config(0, 1, SZ_4K, 4 * SZ_1G);
	struct vm_guest_config large_2m = selftest_config(0, 1, SZ_2M, 4 * SZ_1G);
	uint64_t boot_small, boot_large, boot_large_2m;

	ASSERT_EQ(0, vm_layout_boot_size(&small, &boot_small));
	ASSERT_EQ(0, vm_layout_boot_size(&large, &boot_large));
	ASSERT_EQ(0, vm_layout_boot_size(&large_2m, &boot_large_2m));
	EXPECT_TRUE(IS_ALIGNED(boot_small, SZ_2M));
	EXPECT_LT(GMB_IMAGE_GPA, boot_small);
	/* 4 GiB at 4K needs 2048 page tables (8 MiB); at 2M it needs a handful. */
	EXPECT_LE(boot_small + 8 * 1024 * 1024, boot_large);
	EXPECT_LT(boot_large_2m, boot_large);
}

TEST(layout_rejects_bad_config)
{
	struct vm_guest_config cfg = selftest_config(0, 1, 8192, SZ_2M);
	uint64_t boot;

	EXPECT_EQ(-EINVAL, vm_layout_boot_size(&cfg, &boot));
	cfg = selftest_config(0, 0, SZ_4K, SZ_2M);
	EXPECT_EQ(-EINVAL, vm_layout_boot_size(&cfg, &boot));
}

TEST(guest_returns_done)
{
	struct ucall uc;
	char error[512];

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, run_mode(MODE_DONE, &uc, error, sizeof(error))) TH_LOG("%s", error);
	EXPECT_EQ(GMB_UCALL_DONE, uc.cmd);
	EXPECT_EQ(42, uc.args[0]);
}

TEST(guest_assert_carries_file_and_line)
{
	struct ucall uc;
	char error[512];

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(-EPROTO, run_mode(MODE_ASSERT, &uc, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "guest assertion failed at selftest.c:")) TH_LOG("%s", error);
	EXPECT_NE(NULL, strstr(error, "(0x1 != 0x2)")) TH_LOG("%s", error);
}

TEST(guest_exception_is_named)
{
	struct ucall uc;
	char error[512];

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(-EFAULT, run_mode(MODE_UD, &uc, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "#UD (vector 6")) TH_LOG("%s", error);
	ASSERT_EQ(-EFAULT, run_mode(MODE_PAGE_FAULT, &uc, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "#PF (vector 14")) TH_LOG("%s", error);
}

TEST(unexpected_exit_names_the_reason)
{
	struct ucall uc;
	char error[512];

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(-EFAULT, run_mode(MODE_MMIO, &uc, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "KVM_EXIT_MMIO: guest write of 4 bytes at GPA 0x"))
	TH_LOG("%s", error);
}

TEST(sync_reply_reaches_guest)
{
	struct vm_guest_config cfg = selftest_config(MODE_SYNC_ECHO, 1, SZ_4K, SZ_4K);
	struct ucall uc;
	struct guest g;

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, guest_create(&g, mem_backends[MEM_ANON], &cfg)) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(0, vcpu_run_to_ucall(g.vm->vcpus[0], &uc)) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(GMB_UCALL_SYNC, uc.cmd);
	EXPECT_EQ(7, uc.args[0]);
	ASSERT_EQ(0, vcpu_reply(g.vm->vcpus[0], 1000));
	ASSERT_EQ(0, vcpu_run_to_ucall(g.vm->vcpus[0], &uc)) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(GMB_UCALL_RESULT, uc.cmd);
	EXPECT_EQ(1001, uc.args[0]);
	guest_destroy(&g);
}

/* Every vCPU starts with its own id, stack and share of the data area. */
TEST(vcpus_get_disjoint_shares)
{
	const unsigned int nr = 4;
	struct vm_guest_config cfg = selftest_config(MODE_ARGS, nr, SZ_2M, 8 * SZ_2M);
	uint64_t previous_end = 0;
	struct ucall uc;
	struct guest g;

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, guest_create(&g, mem_backends[MEM_ANON], &cfg)) TH_LOG("%s", gmb_last_error());
	for (unsigned int i = 0; i < nr; i++) {
		ASSERT_EQ(0, vcpu_run_to_ucall(g.vm->vcpus[i], &uc)) TH_LOG("%s", gmb_last_error());
		ASSERT_EQ(GMB_UCALL_RESULT, uc.cmd);
		EXPECT_EQ(i, uc.args[0]);
		EXPECT_EQ(nr, uc.args[1]);
		EXPECT_LE(previous_end, uc.args[2]);
		EXPECT_EQ(2 * SZ_2M, uc.args[3]);
		EXPECT_EQ(MODE_ARGS, uc.args[4]);
		previous_end = uc.args[2] + uc.args[3];
	}
	EXPECT_GE(g.vm->layout.data_gpa + g.vm->layout.data_size, previous_end);
	guest_destroy(&g);
}

/* The touch guest's pattern lands where the host expects it, at both guest page sizes. */
static void touch_and_verify(struct __test_metadata *_metadata, uint64_t page_size)
{
	struct vm_guest_config cfg = {
		.payload = guest_payload_find("touch"),
		.nr_vcpus = 1,
		.guest_page_size = page_size,
		.data_size = 3 * SZ_2M,
		.param = 0xabcdef,
	};
	struct ucall uc;
	struct guest g;
	uint64_t *data;

	ASSERT_EQ(0, guest_create(&g, mem_backends[MEM_ANON], &cfg)) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(0, vcpu_run_to_ucall(g.vm->vcpus[0], &uc)) TH_LOG("%s", gmb_last_error());
	ASSERT_EQ(GMB_UCALL_RESULT, uc.cmd);
	EXPECT_EQ(3 * SZ_2M / 8, uc.args[1]);
	data = vm_gpa_to_hva(g.vm, g.vm->layout.data_gpa);
	ASSERT_NE(NULL, data);
	for (uint64_t i = 0; i < 3 * SZ_2M / 8; i += 511) {
		ASSERT_EQ((g.vm->layout.data_gpa + i * 8) ^ 0xabcdef, data[i]);
	}
	guest_destroy(&g);
}

TEST(touch_with_4k_guest_pages)
{
	SKIP_WITHOUT_KVM();
	touch_and_verify(_metadata, SZ_4K);
}

TEST(touch_with_2m_guest_pages)
{
	SKIP_WITHOUT_KVM();
	touch_and_verify(_metadata, SZ_2M);
}

TEST(watchdog_interrupts_a_spinning_guest)
{
	/* A guest that spins without exiting must not hang the suite. */
	struct vm_guest_config cfg = selftest_config(MODE_DONE, 1, SZ_4K, SZ_4K);
	struct kvm_regs regs;
	struct guest g;
	uint8_t *spin;
	int ret;

	SKIP_WITHOUT_KVM();
	ASSERT_EQ(0, guest_create(&g, mem_backends[MEM_ANON], &cfg)) TH_LOG("%s", gmb_last_error());
	/* Plant "jmp ." in the data area and start there. */
	spin = vm_gpa_to_hva(g.vm, g.vm->layout.data_gpa);
	spin[0] = 0xeb;
	spin[1] = 0xfe;
	ASSERT_EQ(0, vcpu_get_regs(g.vm->vcpus[0], &regs));
	regs.rip = g.vm->layout.data_gpa;
	ASSERT_EQ(0, vcpu_set_regs(g.vm->vcpus[0], &regs));
	ASSERT_EQ(0, guest_watchdog_arm(200));
	ret = vcpu_run(g.vm->vcpus[0]);
	guest_watchdog_arm(0);
	EXPECT_EQ(-EINTR, ret);
	EXPECT_TRUE(guest_watchdog_fired());
	guest_destroy(&g);
}

TEST_HARNESS_MAIN
