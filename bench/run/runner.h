/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runner: runs the cases of a run's matrix, warm-up and kept samples with flush counters
 * around each, and keeps every raw sample in the run's data (run/case.h).
 */
#ifndef GMB_RUNNER_H
#define GMB_RUNNER_H

#include <signal.h>

#include "run/case.h"

extern volatile sig_atomic_t runner_stop_requested;

/*
 * Probes, expands the matrix and runs it, calling rs->checkpoint (when set) after rounds and at
 * the end so that what was measured is kept as it goes. 0 or -errno.
 */
int runner_run(struct run_state *rs);
void runner_free(struct run_state *rs);

#endif /* GMB_RUNNER_H */
