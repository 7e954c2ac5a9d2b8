// SPDX-License-Identifier: GPL-2.0
/*
 * Progress while gmembench run runs, on stderr: on a terminal one line that updates before
 * every sample (round, case, elapsed, time left); otherwise, for logs and CI, one plain line
 * per round. The time left is each pending case's last sample length (the target length
 * before its first) times the samples it has left.
 */
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/util.h"
#include "run/case.h"

static struct {
	bool tty;
	uint64_t start_ns;
} progress;

void progress_start(void)
{
	progress.tty = isatty(STDERR_FILENO);
	progress.start_ns = now_ns();
}

/* Seconds the pending cases still need, with round r in progress (done, when cr is NULL). */
static double seconds_left(const struct run_state *rs, const struct case_result *current,
			   unsigned int r, unsigned int rounds)
{
	double left = 0;

	for (unsigned int i = 0; i < rs->nr_cases; i++) {
		const struct case_result *cr = &rs->cases[i];
		double length = rs->cfg.sample_ms / 1000.0;
		unsigned int samples = rounds;

		if (cr->status != CASE_PENDING)
			continue;
		if (cr->nr_samples) {
			length = cr->samples[cr->nr_samples - 1].wall_ns / 1e9;
			samples = rounds > cr->nr_samples ? rounds - cr->nr_samples : 0;
		} else if (!rs->cfg.sequential) {
			samples = rounds - r;
		}
		if (cr == current && samples)
			samples--; /* the one about to run is counted as under way */
		left += length * samples;
	}
	return left;
}

void show_progress(const struct run_state *rs, const struct case_result *cr, unsigned int round,
		   unsigned int rounds)
{
	double elapsed = (now_ns() - progress.start_ns) / 1e9;
	double left = seconds_left(rs, cr, round, rounds);

	if (progress.tty) {
		fprintf(stderr, "\r\033[K[round %u/%u] %.0f s elapsed, about %.0f s left  %s",
			round + 1, rounds, elapsed, left, cr ? cr->id : "");
		fflush(stderr);
	} else if (!cr) {
		fprintf(stderr, "gmembench: round %u/%u done, %.0f s elapsed, about %.0f s left\n",
			round + 1, rounds, elapsed, left);
	}
}

void progress_end(void)
{
	if (progress.tty)
		fprintf(stderr, "\r\033[K");
}
