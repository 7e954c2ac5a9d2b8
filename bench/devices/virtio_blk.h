/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-blk device on a split virtqueue in guest memory (guest/vring.h), as a VMM models
 * it: a device thread waits for the guest's kick on an eventfd (KVM_IOEVENTFD in a VM),
 * drains the available ring, turns each request's guest addresses into host addresses
 * through the VMM's mapping of guest memory, submits the batch to the target with io_uring
 * (liburing; plain IORING_OP_READ/WRITE on the host address, as Firecracker, Cloud
 * Hypervisor and QEMU do), and completes it in the used ring. The guest polls the used ring:
 * there is no interrupt.
 */
#ifndef GMB_VIRTIO_BLK_H
#define GMB_VIRTIO_BLK_H

#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vring.h"

enum vblk_io {
	VBLK_IO_GUEST,	    /* read/write straight into the guest's buffer */
	VBLK_IO_FIXED,	    /* the same, guest memory registered as io_uring fixed buffers */
	VBLK_IO_BOUNCE_VMM, /* through a bounce buffer of the VMM's: a copy each way */
	VBLK_IO_NR,
};

struct vblk_config {
	uint8_t *area;	   /* the data area through the VMM's mapping */
	uint64_t area_gpa; /* its guest-physical address */
	uint64_t area_size;
	int target_fd;
	uint64_t target_size;
	enum vblk_io io;
	uint64_t max_request; /* the largest data descriptor (bounce buffer size) */
	unsigned int max_inflight;
	int kick_fd; /* the eventfd the guest's kick signals */
	bool pin;    /* pin the device thread to cpu (false: the kernel places it) */
	int cpu;
};

/* What the device did, counted by its thread; read them with vblk_stats(). */
struct vblk_stats {
	uint64_t requests;
	uint64_t batches;    /* drains of the available ring that found requests */
	uint64_t enters;     /* io_uring_enter calls (liburing submit and wait) */
	uint64_t kick_waits; /* blocking reads of the kick eventfd */
	uint64_t copied;     /* bytes copied between guest memory and the bounce buffers */
	uint64_t errors;     /* requests completed with a status other than OK */
};

struct vblk_request {
	bool busy;
	uint16_t head;
	uint8_t *status;
	uint8_t *data; /* in guest memory */
	uint8_t *bounce;
	uint32_t len;
	bool read;
};

struct vblk_dev {
	struct vblk_config cfg;
	struct io_uring ring;
	bool ring_ready;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	uint16_t last_avail, used_idx;
	unsigned int inflight;
	struct vblk_request reqs[GMB_VBLK_QUEUE];
	uint8_t **bounce_free;
	unsigned int nr_bounce_free;
	uint8_t *bounce_mem;
	_Atomic uint64_t counts[6]; /* struct vblk_stats, in order */
	_Atomic int last_cpu;	    /* where the thread ran last (at each batch), or -1 */
	int error;		    /* the thread's failure, -errno */
	char reason[256];
};

const char *vblk_io_name(enum vblk_io io);

/*
 * Sets up the io_uring (and the fixed buffers or bounce buffers the mode needs) and starts the
 * device thread. 0 or -errno with the reason (gmb_error()): -EOPNOTSUPP when the kernel refuses
 * to register this memory as fixed buffers.
 */
int vblk_start(struct vblk_dev *dev, const struct vblk_config *cfg);
/* Stops the thread and frees the device; returns the thread's error, 0 if none. */
int vblk_stop(struct vblk_dev *dev);
void vblk_stats(struct vblk_dev *dev, struct vblk_stats *stats);
/* The CPU the device thread ran on last (sched_getcpu() at each batch), or -1. */
int vblk_last_cpu(struct vblk_dev *dev);
/* The thread's failure so far (-errno, reason in dev->reason), 0 if none. */
int vblk_failed(struct vblk_dev *dev);

/*
 * The target's contents, in blocks of bs (see guest/vring.h): vblk_target_fill() writes
 * every block whole (seed 0) so that any block reads back valid; vblk_target_check() reads
 * the target back after a run and says which block is not a whole write of itself. 0 or -errno
 * (-EILSEQ for a bad block, its number in *bad).
 */
int vblk_target_fill(int fd, uint64_t bs, uint64_t nr_blocks);
/*
 * Whether the target discards what is written to it: 1 for null_blk with memory_backed=0
 * (the device of the major /proc/devices names "nullb"; memory_backed from its configfs
 * directory, else from the module parameter), with a sentence saying so in why; 0 for any
 * other target, whose data is checked.
 */
int vblk_target_discards(int fd, char *why, size_t len);
/*
 * One read of the target's first block into buf (guest memory): an O_DIRECT target that is
 * not tmpfs (a block device, a disk filesystem) pins the buffer for its I/O, which the kernel
 * refuses for memory out of its reach (no direct map, memfd_secret). 0, -EOPNOTSUPP with the
 * reason when it refuses (EFAULT), or another -errno.
 */
int vblk_target_probe(int fd, uint8_t *buf, uint64_t bs);
int vblk_target_check(int fd, uint64_t bs, uint64_t nr_blocks, uint64_t *bad);

#endif /* GMB_VIRTIO_BLK_H */
