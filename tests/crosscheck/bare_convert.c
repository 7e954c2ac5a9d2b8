// SPDX-License-Identifier: GPL-2.0
/*
 * bare_convert: conversion-churn's in-place and punch figures, again, without gmembench.
 *
 * Raw KVM ioctls and nothing of gmembench's: a VM, a guest_memfd (MMAP | INIT_SHARED, with or
 * without NO_DIRECT_MAP, for each access strategy of the kernel series), a guest of 19 bytes
 * (32-bit protected mode, no paging) that adds 1 to the first word of every page of a range
 * and exits with an OUT, and the VMM converting that range (KVM_SET_MEMORY_ATTRIBUTES2 on the
 * guest_memfd, to private and back) or punching it (fallocate PUNCH_HOLE) N times, the guest
 * touching the range after each. Per operation it prints the function-call and TLB-shootdown
 * IPIs (/proc/interrupts CAL and TLB, summed over the CPUs), apart for the VMM's ioctl and for
 * the guest's pass, and the events of a tracefs instance of its own: kvm_gmem_convert (and its
 * flush_cpus), kvm_exit, direct-map zaps and restores, per-mm maps and unmaps, KVM's accesses.
 * At the end the host reads every page: in place keeps the guest's count, a punch leaves 1.
 *
 * usage: bare_convert [-n CONVERSIONS] [-c CPU] [-r] [-t]
 *   -n  operations per case (default 10, made even: a range converted in place ends shared)
 *   -c  the CPU this program runs on (default 1, where gmembench pins its vCPU)
 *   -r  the VMM reads the range through its mapping before every operation on a shared range,
 *       as gmembench's host check does before every sample (the VMM's page tables map it)
 *   -t  a second thread of the VMM, asleep on another CPU, as gmembench's main thread is; and
 *       first, what 100 wakeups of it and back cost (gmembench does one per sample)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The kernel series' uAPI (kernel-patches/7.3.4: 0001, 0003, 0006), under names of our own. */
#define CAP_GUEST_MEMFD_FLAGS 244
#define CAP_GMEM_ACCESS	      1000 /* KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS: mask of 1 << strategy */
#define CAP_CONVERT_IN_PLACE  1001 /* KVM_CAP_GMEM_CONVERT_IN_PLACE */
#define GMEM_MMAP	      (1ULL << 0)
#define GMEM_INIT_SHARED      (1ULL << 1)
#define GMEM_NO_DIRECT_MAP    (1ULL << 2)
#define MEM_GUEST_MEMFD	      (1U << 2) /* KVM_MEM_GUEST_MEMFD */
#define ATTRIBUTE_PRIVATE     (1ULL << 3)
#define ACCESS_NONE	      (-1) /* leave the VM's default (gmem-mmap) */

struct create_gmem {
	uint64_t size, flags, reserved[6];
};
struct region2 {
	uint32_t slot, flags;
	uint64_t gpa, size, hva, gmem_offset;
	uint32_t gmem_fd, pad1;
	uint64_t pad2[14];
};
struct attributes2 {
	uint64_t offset, size, attributes, flags, error_offset, reserved[11];
};
#define CREATE_GUEST_MEMFD	_IOWR(KVMIO, 0xd4, struct create_gmem)
#define SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct region2)
#define SET_MEMORY_ATTRIBUTES2	_IOWR(KVMIO, 0xd2, struct attributes2)

#define DATA_GPA  0x40000000ULL
#define DATA_SIZE (4ULL << 20) /* the 2 MiB range at 0, the 4 KiB range at 2 MiB */
#define OUT_PORT  0x10
#define TRACEFS	  "/sys/kernel/tracing"
#define INSTANCE  TRACEFS "/instances/bare_convert"

/* The guest, at GPA 0: one pass over the range at ebx, edx pages long, then an OUT. */
static const char guest_code[] = "\x89\xde"		    /* 0: mov esi, ebx */
				 "\x89\xd1"		    /* 2: mov ecx, edx */
				 "\x83\x06\x01"		    /* 4: add dword [esi], 1 */
				 "\x81\xc6\x00\x10\x00\x00" /* 7: add esi, 4096 */
				 "\xe2\xf5"		    /* 13: loop 4 */
				 "\xe6\x10"		    /* 15: out 0x10, al */
				 "\xeb\xed";		    /* 17: jmp 0 */

static const struct backend {
	const char *name;
	uint64_t flags;
	int access;
} backends[] = {
	{ "gmem-mmap", GMEM_MMAP | GMEM_INIT_SHARED, ACCESS_NONE },
	{ "gmem-nodirect", GMEM_MMAP | GMEM_INIT_SHARED | GMEM_NO_DIRECT_MAP, 0 },
	{ "gmem-dmap", GMEM_MMAP | GMEM_INIT_SHARED | GMEM_NO_DIRECT_MAP, 1 },
	{ "gmem-permm", GMEM_MMAP | GMEM_INIT_SHARED | GMEM_NO_DIRECT_MAP, 2 },
};

/* What one phase cost: IPIs from /proc/interrupts, events from the tracefs instance. */
enum { CAL, TLB, CONVERT, FLUSH_CPUS, EXITS, ZAP, RESTORE, PMAP, PUNMAP, KACC, NR_COUNTS };
static const char *const count_names[NR_COUNTS] = { "cal",	  "tlb",       "convert",
						    "flush_cpus", "exits",     "zap",
						    "restore",	  "permm_map", "permm_unmap",
						    "kvm_access" };
static const char *const events[] = { "kvm_gmem_convert",	 "kvm_exit",
				      "kvm_gmem_direct_map_zap", "kvm_gmem_direct_map_restore",
				      "kvm_gmem_permm_map",	 "kvm_gmem_permm_unmap",
				      "kvm_gmem_nodirect_access" };
static int tracing; /* the instance is there with every event enabled */
static int failed, host_reads;

static void die(const char *what)
{
	fprintf(stderr, "bare_convert: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *read_all(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf)
		die(path);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096 && !(buf = realloc(buf, cap *= 2)))
			die("realloc");
	}
	if (n < 0)
		die(path);
	close(fd);
	buf[len] = 0;
	return buf;
}

/* The CAL and TLB rows of /proc/interrupts, each summed over the CPUs. */
static void read_ipis(uint64_t c[NR_COUNTS])
{
	char *buf = read_all("/proc/interrupts"), *line, *save;

	c[CAL] = c[TLB] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " "), *end;
		int row = !strncmp(p, "CAL:", 4) ? CAL : !strncmp(p, "TLB:", 4) ? TLB : -1;

		if (row < 0)
			continue;
		for (p += 4;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			c[row] += v;
		}
	}
	free(buf);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static void tracing_setup(void)
{
	char path[256];

	if (access(TRACEFS "/events/kvm/kvm_gmem_convert", F_OK)) {
		printf("tracepoints: none (no " TRACEFS "/events/kvm/kvm_gmem_convert): "
		       "the trace columns are '-'\n");
		return;
	}
	if (mkdir(INSTANCE, 0755) && errno != EEXIST)
		die("mkdir " INSTANCE);
	if (write_file(INSTANCE "/buffer_size_kb", "8192"))
		die(INSTANCE "/buffer_size_kb");
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), INSTANCE "/events/kvm/%s/enable", events[i]);
		if (write_file(path, "1"))
			die(path);
	}
	tracing = 1;
}

/* The events since the last call, counted, and the buffer emptied. */
static void take_events(uint64_t c[NR_COUNTS])
{
	char *buf, *line, *save, *p;

	for (int i = CONVERT; i < NR_COUNTS; i++)
		c[i] = 0;
	if (!tracing)
		return;
	buf = read_all(INSTANCE "/trace");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			char name[64];

			snprintf(name, sizeof(name), " %s: ", events[i]);
			if (strstr(line, name))
				c[CONVERT + (i ? i + 1 : 0)]++;
		}
		p = strstr(line, " flush_cpus ");
		if (strstr(line, " kvm_gmem_convert: ") && p)
			c[FLUSH_CPUS] += strtoull(p + 12, NULL, 10);
		if (strstr(line, " kvm_gmem_convert: ") && (p = strstr(line, " ret ")) &&
		    atoi(p + 5))
			printf("  kvm_gmem_convert says %s\n", p + 1);
	}
	free(buf);
	if (write_file(INSTANCE "/trace", ""))
		die(INSTANCE "/trace");
}

static void tracing_teardown(void)
{
	char path[256];

	if (!tracing)
		return;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), INSTANCE "/events/kvm/%s/enable", events[i]);
		write_file(path, "0");
	}
	rmdir(INSTANCE);
}

static void print_counts(const char *phase, const uint64_t c[NR_COUNTS], double ms)
{
	printf(" %s:", phase);
	for (int i = 0; i < NR_COUNTS; i++)
		if (i < CONVERT || tracing)
			printf(" %s=%llu", count_names[i], (unsigned long long)c[i]);
	printf(" ms=%.1f", ms);
}

struct vm {
	int fd, vcpu, gmem;
	struct kvm_run *run;
	uint8_t *data; /* the guest_memfd through the VMM's mapping */
};

/* One guest pass over its range: KVM_RUN until the OUT at the end of it. */
static void guest_pass(struct vm *vm)
{
	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0) && errno != EINTR)
			die("KVM_RUN");
		if (vm->run->exit_reason == KVM_EXIT_IO && vm->run->io.port == OUT_PORT)
			return;
		if (vm->run->exit_reason != KVM_EXIT_INTR) {
			fprintf(stderr, "bare_convert: unexpected exit %u\n", vm->run->exit_reason);
			exit(1);
		}
	}
}

static const char *vm_create(int kvm, struct vm *vm, const struct backend *b, uint64_t off,
			     uint64_t len, int in_place)
{
	static char why[160];
	struct kvm_enable_cap cap = { .cap = CAP_GMEM_ACCESS, .args[0] = b->access };
	struct create_gmem cg = { .size = DATA_SIZE, .flags = b->flags };
	struct kvm_sregs sregs;
	struct kvm_segment seg = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1, .db = 1, .s = 1, .g = 1
	};
	struct kvm_regs regs = { .rip = 0, .rflags = 2, .rbx = DATA_GPA + off, .rdx = len / 4096 };
	long mask;
	void *code;

	vm->fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("KVM_CREATE_VM");
	mask = ioctl(vm->fd, KVM_CHECK_EXTENSION, CAP_GUEST_MEMFD_FLAGS);
	if (mask < 0 || (mask & b->flags) != b->flags)
		snprintf(why, sizeof(why), "KVM_CAP_GUEST_MEMFD_FLAGS is %#lx, lacks %#llx", mask,
			 (unsigned long long)b->flags);
	else if (b->access != ACCESS_NONE &&
		 !((mask = ioctl(vm->fd, KVM_CHECK_EXTENSION, CAP_GMEM_ACCESS)) &
		   (1L << b->access)))
		snprintf(why, sizeof(why), "KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS is %#lx, no bit %d",
			 mask, b->access);
	else if (in_place &&
		 !(ioctl(vm->fd, KVM_CHECK_EXTENSION, CAP_CONVERT_IN_PLACE) & ATTRIBUTE_PRIVATE))
		snprintf(why, sizeof(why), "KVM_CAP_GMEM_CONVERT_IN_PLACE is 0");
	else
		why[0] = 0;
	if (why[0]) {
		close(vm->fd);
		return why;
	}
	if (b->access != ACCESS_NONE && ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		die("KVM_ENABLE_CAP(KVM_CAP_GMEM_NO_DIRECT_MAP_ACCESS)");

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm->gmem = ioctl(vm->fd, CREATE_GUEST_MEMFD, &cg);
	if (code == MAP_FAILED || vm->gmem < 0)
		die("code page or KVM_CREATE_GUEST_MEMFD");
	memcpy(code, guest_code, sizeof(guest_code) - 1);
	vm->data = mmap(NULL, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vm->gmem, 0);
	if (vm->data == MAP_FAILED)
		die("mmap of the guest_memfd");
	struct region2 slot0 = { .slot = 0, .size = 4096, .hva = (uintptr_t)code };
	struct region2 slot1 = { .slot = 1,
				 .flags = MEM_GUEST_MEMFD,
				 .gpa = DATA_GPA,
				 .size = DATA_SIZE,
				 .hva = (uintptr_t)vm->data,
				 .gmem_fd = vm->gmem };
	if (ioctl(vm->fd, SET_USER_MEMORY_REGION2, &slot0) ||
	    ioctl(vm->fd, SET_USER_MEMORY_REGION2, &slot1))
		die("KVM_SET_USER_MEMORY_REGION2");

	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		die("KVM_CREATE_VCPU");
	vm->run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		       MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED || ioctl(vm->vcpu, KVM_GET_SREGS, &sregs))
		die("kvm_run or KVM_GET_SREGS");
	sregs.cs = seg; /* flat 32-bit code and data, protected mode without paging */
	seg.type = 3;
	seg.selector = 16;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg;
	sregs.cr0 = (sregs.cr0 | 1) & ~(1UL << 31);
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs) || ioctl(vm->vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_SREGS or KVM_SET_REGS");
	return NULL;
}

static void vm_destroy(struct vm *vm)
{
	munmap(vm->data, DATA_SIZE);
	close(vm->vcpu);
	close(vm->gmem);
	close(vm->fd);
}

/* Every page of the range through the VMM's mapping: the first word is what the guest left. */
static void host_check(struct vm *vm, uint64_t off, uint64_t len, uint32_t want, const char *when)
{
	for (uint64_t p = off; p < off + len; p += 4096) {
		uint32_t got = *(volatile uint32_t *)(vm->data + p);

		if (got != want) {
			printf("  FAIL %s: page at offset %#llx holds %u, expected %u\n", when,
			       (unsigned long long)p, got, want);
			failed = 1;
			return;
		}
	}
}

static void run_case(int kvm, const struct backend *b, const char *range, uint64_t len,
		     int in_place, int n)
{
	uint64_t off = len == 4096 ? 2ULL << 20 : 0, a[NR_COUNTS], z[NR_COUNTS], op[NR_COUNTS],
		 run[NR_COUNTS], sum[2][NR_COUNTS] = { { 0 } };
	const char *mech = in_place ? "in-place" : "punch", *why;
	double t, op_ms = 0, run_ms = 0;
	struct vm vm;

	why = vm_create(kvm, &vm, b, off, len, in_place);
	if (why) {
		printf("skip %s %s-%s: %s\n", b->name, mech, range, why);
		return;
	}
	guest_pass(&vm); /* first touch: the range faulted in, each page's word 1 */
	host_check(&vm, off, len, 1, "after the first guest pass");
	take_events(z);
	for (int i = 0; i < n; i++) {
		struct attributes2 attrs = { .offset = off, .size = len };
		const char *what = "punch";
		int r;

		attrs.attributes = i % 2 ? 0 : ATTRIBUTE_PRIVATE;
		if (in_place)
			what = attrs.attributes ? "to-private" : "to-shared";
		if (host_reads && (!in_place || attrs.attributes))
			host_check(&vm, off, len, in_place ? i + 1 : 1, "before the operation");
		read_ipis(a);
		t = now_ms();
		if (in_place)
			r = ioctl(vm.gmem, SET_MEMORY_ATTRIBUTES2, &attrs);
		else
			r = fallocate(vm.gmem, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
				      len);
		op_ms = now_ms() - t;
		read_ipis(z);
		if (r) {
			printf("  %s failed: %s (error_offset %#llx)\n", what, strerror(errno),
			       (unsigned long long)attrs.error_offset);
			failed = 1;
			break;
		}
		take_events(op);
		op[CAL] = z[CAL] - a[CAL];
		op[TLB] = z[TLB] - a[TLB];
		read_ipis(a);
		t = now_ms();
		guest_pass(&vm);
		run_ms = now_ms() - t;
		read_ipis(z);
		take_events(run);
		run[CAL] = z[CAL] - a[CAL];
		run[TLB] = z[TLB] - a[TLB];
		printf("conv %s %s-%s %d %s", b->name, mech, range, i, what);
		print_counts("op", op, op_ms);
		print_counts("run", run, run_ms);
		printf("\n");
		for (int c = 0; c < NR_COUNTS; c++) {
			sum[0][c] += op[c];
			sum[1][c] += run[c];
		}
	}
	printf("mean %s %s-%s n=%d", b->name, mech, range, n);
	for (int c = 0; c < NR_COUNTS; c++)
		if (c < CONVERT || tracing)
			printf(" %s=%.2f (%.2f+%.2f)", count_names[c],
			       (double)(sum[0][c] + sum[1][c]) / n, (double)sum[0][c] / n,
			       (double)sum[1][c] / n);
	printf("\n");
	/* n is even: in place, the range is shared again and counts every pass */
	host_check(&vm, off, len, in_place ? n + 1 : 1, "at the end");
	vm_destroy(&vm);
}

static int ping[2], pong[2];

/* The -t thread: pinned to its CPU, asleep but when pinged, when it wakes its waker. */
static void *sleeper(void *arg)
{
	cpu_set_t set;
	char c;

	CPU_ZERO(&set);
	CPU_SET((int)(intptr_t)arg, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		printf("the second thread is not pinned: %s\n", strerror(errno));
	while (read(ping[0], &c, 1) == 1 && write(pong[1], &c, 1) == 1)
		;
	return NULL;
}

/* 100 round trips to the -t thread: what a wakeup on another CPU costs in IPIs. */
static void wakeups(void)
{
	uint64_t a[NR_COUNTS], z[NR_COUNTS];
	char c = 0;

	usleep(100000); /* the thread pinned and asleep */
	read_ipis(a);
	for (int i = 0; i < 100; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			die("the second thread's pipes");
	read_ipis(z);
	printf("wakeups: 100 round trips with the second thread: cal=%llu tlb=%llu\n",
	       (unsigned long long)(z[CAL] - a[CAL]), (unsigned long long)(z[TLB] - a[TLB]));
}

int main(int argc, char **argv)
{
	int n = 10, cpu = 1, opt, kvm, thread = 0;
	uint64_t a[NR_COUNTS], z[NR_COUNTS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t tid;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "n:c:rt")) != -1) {
		if (opt == 'n' && atoi(optarg) > 0)
			n = (atoi(optarg) + 1) & ~1; /* even: each range ends shared */
		else if (opt == 'c')
			cpu = atoi(optarg);
		else if (opt == 'r')
			host_reads = 1;
		else if (opt == 't')
			thread = 1;
		else {
			fprintf(stderr, "usage: bare_convert [-n CONVERSIONS] [-c CPU] [-r] "
					"[-t]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	kvm = open("/dev/kvm", O_RDWR);
	if (kvm < 0) {
		printf("skip: /dev/kvm: %s\n", strerror(errno));
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		printf("not pinned to CPU %d: %s\n", cpu, strerror(errno));
	if (thread && (pipe(ping) || pipe(pong) ||
		       pthread_create(&tid, NULL, sleeper, (void *)(intptr_t)((cpu + 1) % cpus))))
		die("the second thread");
	printf("bare_convert: %d operations per case, on CPU %d of %ld online%s%s\n", n, cpu, cpus,
	       host_reads ? ", the VMM reading each shared range before it" : "",
	       thread ? ", a second thread asleep on another CPU" : "");
	read_ipis(a);
	sleep(1);
	read_ipis(z);
	printf("background: cal=%llu tlb=%llu in 1 s asleep\n",
	       (unsigned long long)(z[CAL] - a[CAL]), (unsigned long long)(z[TLB] - a[TLB]));
	if (thread)
		wakeups();
	tracing_setup();
	for (size_t b = 0; b < sizeof(backends) / sizeof(backends[0]); b++) {
		run_case(kvm, &backends[b], "4k", 4096, 1, n);
		run_case(kvm, &backends[b], "2m", 2 << 20, 1, n);
		run_case(kvm, &backends[b], "4k", 4096, 0, n);
		run_case(kvm, &backends[b], "2m", 2 << 20, 0, n);
	}
	tracing_teardown();
	printf("bare_convert: %s\n", failed ? "FAILED" : "done");
	return failed;
}
