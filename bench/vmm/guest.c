// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "vmm/guest.h"
#include "core/util.h"

#define WATCHDOG_SIGNAL SIGUSR2

int guest_create(struct guest *g, const struct mem_backend *backend,
		 const struct vm_guest_config *cfg)
{
	uint64_t boot_size;
	int ret;

	memset(g, 0, sizeof(*g));
	g->mem.fd = g->boot.fd = -1;
	g->split = backend->no_host_map;
	if (!cfg->payload)
		return gmb_error(ENOENT, "the workload's guest payload is not embedded in this "
					 "gmembench (guest/embed.S, and the table in vm.c)");

	ret = vm_layout_boot_size(cfg, &boot_size);
	if (ret)
		return ret;
	ret = vm_create(&g->vm, backend->vm_type);
	if (ret)
		return ret;

	if (g->split) {
		ret = mem_create(&g->boot, mem_backends[MEM_ANON], g->vm->fd, boot_size,
				 cfg->mem_policy);
		if (!ret)
			ret = mem_create(&g->mem, backend, g->vm->fd, cfg->data_size,
					 cfg->mem_policy);
	} else {
		ret = mem_create(&g->mem, backend, g->vm->fd,
				 boot_size + ALIGN_UP(cfg->data_size, cfg->guest_page_size),
				 cfg->mem_policy);
	}
	if (!ret)
		ret = vm_load_guest(g->vm, cfg, g->split ? &g->boot : &g->mem,
				    g->split ? &g->mem : NULL);
	if (!ret)
		ret = vm_add_vcpus(g->vm, cfg);
	if (ret)
		guest_destroy(g);
	return ret;
}

void guest_destroy(struct guest *g)
{
	/* The VM goes first: a guest_memfd must not outlive the memslots that use it. */
	vm_destroy(g->vm);
	g->vm = NULL;
	mem_destroy(&g->mem);
	mem_destroy(&g->boot);
}

static __thread timer_t watchdog_timer;
static __thread bool watchdog_created;
static __thread volatile sig_atomic_t watchdog_hit;

static void watchdog_handler(int sig)
{
	watchdog_hit = 1;
}

int guest_watchdog_arm(unsigned int ms)
{
	struct itimerspec spec = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L },
	};

	if (!watchdog_created) {
		struct sigaction sa = { .sa_handler = watchdog_handler };
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = WATCHDOG_SIGNAL,
		};

		/* No SA_RESTART: KVM_RUN must return EINTR, not be restarted. */
		sigemptyset(&sa.sa_mask);
		if (sigaction(WATCHDOG_SIGNAL, &sa, NULL))
			return gmb_error(errno, "sigaction for the vCPU watchdog failed");
		sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
		if (timer_create(CLOCK_MONOTONIC, &sev, &watchdog_timer))
			return gmb_error(errno, "timer_create for the vCPU watchdog failed: %s",
					 strerror(errno));
		watchdog_created = true;
	}
	/* Disarming keeps the verdict, so that a caller can still ask why KVM_RUN stopped. */
	if (ms)
		watchdog_hit = 0;
	if (timer_settime(watchdog_timer, 0, &spec, NULL))
		return gmb_error(errno, "timer_settime failed: %s", strerror(errno));
	return 0;
}

bool guest_watchdog_fired(void)
{
	return watchdog_hit;
}
