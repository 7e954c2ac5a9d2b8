// SPDX-License-Identifier: GPL-2.0
/*
 * conversion-churn: the guest asks for a range of its memory to be converted, then uses it
 * again, range after range, as a confidential guest does when it shares and unshares memory.
 *
 * One conversion: check that the range still holds its last pattern (nothing else touched
 * it), ask the host to convert it (KVM_HC_MAP_GPA_RANGE where the host has KVM exit on it,
 * else GMB_UCALL_CONVERT: the host punches, remaps or converts it and resumes), then refault it: read each page (zero when the conversion discards, else the
 * old pattern) and write the next generation's pattern. The refault is timed per conversion
 * and recorded per page; the whole loop is the conversion rate. With GMB_CHURN_KVM_READ, KVM
 * reads the range's first page right after the conversion: a movsq from it to MMIO, which KVM
 * emulates, reading the source through its own way into that memory (the host checks the
 * bytes it is given).
 *
 * Per sample: SYNC asks the host for a conversion count (0 ends the run); LATENCY reports the
 * percentiles of each request's round trip (from asking to being resumed, the guest's view of
 * a conversion), then RESULT the cycles, the conversions and the refault percentiles.
 *
 * The other vCPUs, if any, are bystanders (bystander.h), each in its own memory at the end of
 * the data area, touching it meanwhile.
 */
#include "bystander.h"
#include "latency.h"

static void refault(uint64_t gpa, uint64_t range, uint64_t generation, int expect_zero)
{
	for (uint64_t p = gpa; p < gpa + range; p += 4096) {
		volatile uint64_t *word = (volatile uint64_t *)p;
		uint64_t old = *word;

		GUEST_ASSERT_EQ(old, expect_zero ? 0 : gmb_churn_pattern(p, generation));
		*word = gmb_churn_pattern(p, generation + 1);
	}
}

static void check_range(uint64_t gpa, uint64_t range, uint64_t generation)
{
	for (uint64_t p = gpa; p < gpa + range; p += 4096)
		GUEST_ASSERT_EQ(*(volatile uint64_t *)p, gmb_churn_pattern(p, generation));
}

static int cpu_is_amd(void)
{
	uint32_t eax = 0, ebx, ecx = 0, edx;

	asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return ebx == 0x68747541 /* "Auth"enticAMD */ || ebx == 0x6f677948 /* "Hygo"nGenuine */;
}

/*
 * KVM_HC_MAP_GPA_RANGE, as a confidential guest asks: the page-size hint only, the host
 * decides the direction by its own count of the range's conversions.
 */
static uint64_t map_gpa_range(int amd, uint64_t gpa, uint64_t range)
{
	uint64_t ret, attrs = range % (2ULL << 20) ? 0 : GMB_MAP_GPA_RANGE_PAGE_SZ_2M;

	if (amd)
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(GMB_HC_MAP_GPA_RANGE), "b"(gpa), "c"(range / 4096), "d"(attrs)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(GMB_HC_MAP_GPA_RANGE), "b"(gpa), "c"(range / 4096), "d"(attrs)
			     : "memory");
	return ret;
}

static void kvm_reads(uint64_t gpa, uint64_t mmio_gpa)
{
	uint64_t src = gpa, dst = mmio_gpa;

	asm volatile("movsq" : "+S"(src), "+D"(dst) : : "memory");
}

uint64_t guest_main(uint64_t vcpu_id, uint64_t nr_vcpus, uint64_t data_gpa, uint64_t data_size,
		    uint64_t param, uint64_t mmio_gpa)
{
	uint64_t range = param & ~GMB_CHURN_FLAGS;
	uint64_t own = gmb_churn_own_bytes(data_size, nr_vcpus);
	int expect_zero = (param & GMB_CHURN_EXPECT_ZERO) != 0;
	int kvm_read = (param & GMB_CHURN_KVM_READ) != 0;
	int hypercall = (param & GMB_CHURN_HYPERCALL) != 0, amd = hypercall && cpu_is_amd();
	uint64_t nr_ranges = gmb_churn_ranges(own, range), next = 0;
	uint64_t *generations = (uint64_t *)(data_gpa + nr_ranges * range);
	struct latencies lat, req;

	if (vcpu_id)
		return bystander(data_gpa + data_size - vcpu_id * GMB_BYSTANDER_BYTES);
	GUEST_ASSERT(range && range % 4096 == 0 && nr_ranges);
	latencies_init(&lat, generations + nr_ranges, GMB_CHURN_LATENCY_BYTES);
	latencies_init(&req, (uint8_t *)(generations + nr_ranges) + GMB_CHURN_LATENCY_BYTES,
		       GMB_CHURN_LATENCY_BYTES);
	for (uint64_t r = 0; r < nr_ranges; r++) {
		generations[r] = 0;
		for (uint64_t p = data_gpa + r * range; p < data_gpa + (r + 1) * range; p += 4096)
			*(volatile uint64_t *)p = gmb_churn_pattern(p, 0);
	}

	for (uint64_t stage = lat.floor;; stage = 0) {
		uint64_t wanted = guest_sync(stage), start, end;

		if (!wanted)
			return 0;
		start = rdtsc_ordered();
		for (uint64_t i = 0; i < wanted; i++) {
			/*
			 * Each range twice in a row: where a conversion flips the range (attributes,
			 * in place) that is a round trip, half the conversions each way.
			 */
			uint64_t r = next / 2, gpa = data_gpa + r * range, t;

			next = next + 1 == 2 * nr_ranges ? 0 : next + 1;
			check_range(gpa, range, generations[r]);
			t = rdtsc_ordered();
			if (hypercall)
				GUEST_ASSERT_EQ(map_gpa_range(amd, gpa, range), 0);
			else
				ucall(GMB_UCALL_CONVERT, gpa, range, 0, 0, 0);
			latencies_record(&req, rdtsc_ordered() - t, 1);
			if (kvm_read)
				kvm_reads(gpa, mmio_gpa);
			t = rdtsc_ordered();
			refault(gpa, range, generations[r], expect_zero);
			latencies_record(&lat, rdtsc_ordered() - t, range / 4096);
			generations[r]++;
		}
		end = rdtsc_ordered();
		latencies_send(&req);
		latencies_report(&lat, end - start, wanted);
	}
}
