/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fio, the independent yardstick: one job with the io_uring engine on a target, its JSON
 * output read back for the rate. Nothing is measured here but by fio itself.
 */
#ifndef GMB_FIO_H
#define GMB_FIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fio_job {
	const char *target;
	uint64_t size; /* bytes of the target the job spans */
	uint64_t bs;
	unsigned int iodepth;
	unsigned int numjobs; /* 0 or 1: one job; more: --numjobs, reported as a group */
	const char *rw;	      /* "randread", "randwrite", "randrw" */
	bool direct;	      /* --direct=1 */
	bool fixedbufs;	      /* --fixedbufs (registered buffers) */
	unsigned int runtime_ms;
};

struct fio_result {
	double iops;
	double bytes_per_sec;
	char version[32];
	char command[512]; /* the command line, as run */
};

/*
 * Runs fio on the job: 0 and the result, or -errno with the reason (gmb_error()): -ENOENT
 * when fio is not installed, -EIO when it fails or its output cannot be read.
 */
int fio_run(const struct fio_job *job, struct fio_result *res);

#endif /* GMB_FIO_H */
