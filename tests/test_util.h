/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the functional tests. */
#ifndef GMB_TEST_UTIL_H
#define GMB_TEST_UTIL_H

#include <stdio.h>

#include "core/caps.h"
#include "core/util.h"
#include "vmm/vm.h"

/* NULL when /dev/kvm can be used, otherwise why not (the test then skips with it). */
static inline const char *kvm_unavailable(void)
{
	static char reason[256];
	int fd;

	if (kvm_open(&fd)) {
		snprintf(reason, sizeof(reason), "%s", gmb_last_error());
		return reason;
	}
	close(fd);
	return NULL;
}

#define SKIP_WITHOUT_KVM()                             \
	do {                                           \
		const char *__why = kvm_unavailable(); \
		if (__why)                             \
			SKIP(return, "%s", __why);     \
	} while (0)

#endif /* GMB_TEST_UTIL_H */
