// SPDX-License-Identifier: GPL-2.0
/*
 * A bare check, sharing no code with gmembench: TLB-shootdown and function-call IPIs per 2 MiB
 * hole punched in a mapped memfd and in a mapped guest_memfd (MMAP | INIT_SHARED), first with
 * the process on one CPU, then with a second thread spinning on another CPU, so that the mm is
 * live there and every flush of it must reach that CPU. No vCPU runs: what it counts is the
 * host's unmapping alone. Counts come from /proc/interrupts (rows TLB and CAL, summed over
 * CPUs) around each punch.
 *
 * Before patch 0008 of the kernel series, the guest_memfd punch with the spinner cost one
 * TLB-shootdown IPI per 4 KiB page; the memfd one, about two (shmem unmaps the whole range
 * before it truncates).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* guest_memfd's uAPI (linux/kvm.h since 6.8; bookworm's headers are older). */
struct gmem_create {
	unsigned long long size, flags, reserved[6];
};
#define CREATE_GUEST_MEMFD    _IOWR(KVMIO, 0xd4, struct gmem_create)
#define GMEM_MMAP_INIT_SHARED 3ULL

#define SIZE   (4UL << 20)
#define PUNCH  (2UL << 20)
#define ROUNDS 20

static volatile int stop;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *spin(void *arg)
{
	pin(1);
	while (!stop)
		;
	return arg;
}

/* The sum over CPUs of one row of /proc/interrupts. */
static long irqs(const char *row)
{
	char line[8192];
	long sum = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " "), *end;

		if (strncmp(p, row, strlen(row)) || p[strlen(row)] != ':')
			continue;
		for (p += strlen(row) + 1;; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

static void measure(const char *name, int fd, int spinner)
{
	char *mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	long tlb = 0, cal = 0;
	pthread_t thread;

	if (mem == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	stop = 0;
	if (spinner)
		pthread_create(&thread, NULL, spin, NULL);
	usleep(10000);
	for (int i = 0; i < ROUNDS; i++) {
		long t, c;

		memset(mem, i + 1, SIZE); /* every page mapped again */
		t = irqs("TLB");
		c = irqs("CAL");
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PUNCH)) {
			perror("fallocate(PUNCH_HOLE)");
			exit(1);
		}
		tlb += irqs("TLB") - t;
		cal += irqs("CAL") - c;
	}
	stop = 1;
	if (spinner)
		pthread_join(thread, NULL);
	printf("%-11s %-18s per 2 MiB punch: %6.1f TLB-shootdown IPIs, %6.1f call-function IPIs\n",
	       name, spinner ? "spinner on CPU 1" : "one CPU", (double)tlb / ROUNDS,
	       (double)cal / ROUNDS);
	munmap(mem, SIZE);
}

int main(void)
{
	struct gmem_create create = { .size = SIZE, .flags = GMEM_MMAP_INIT_SHARED };
	int memfd = memfd_create("punch_tlb", 0), kvm, vm, gmem;

	pin(0);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("SKIP: needs two CPUs\n");
		return 4;
	}
	kvm = open("/dev/kvm", O_RDWR);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	gmem = vm < 0 ? -1 : ioctl(vm, CREATE_GUEST_MEMFD, &create);
	if (memfd < 0 || ftruncate(memfd, SIZE)) {
		perror("memfd");
		return 1;
	}
	for (int spinner = 0; spinner < 2; spinner++) {
		measure("memfd", memfd, spinner);
		if (gmem >= 0)
			measure("guest_memfd", gmem, spinner);
		else
			printf("guest_memfd: cannot make one with MMAP | INIT_SHARED (%m)\n");
	}
	return 0;
}
