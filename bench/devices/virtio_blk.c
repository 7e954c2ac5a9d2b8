// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-blk device model (see virtio_blk.h). One thread per queue:
 *
 *   wait    a blocking read of the kick eventfd, only when nothing is in flight and the
 *           available ring is empty (the guest kicks after it publishes, so no kick is lost:
 *           the eventfd keeps its count)
 *   drain   every new head of the available ring: the chain header (device-readable, 16
 *           bytes), one data descriptor, the status byte (device-writable); each address
 *           checked against the data area and turned into a host address
 *   submit  one SQE per request, io_uring_submit_and_wait(): one io_uring_enter for the
 *           batch, waiting for a completion only when there was nothing new to submit
 *   complete the status byte, then the used element, then used->idx with release order
 *
 * A request the device cannot serve (an address outside guest memory, a chain of another
 * shape, an I/O error or short transfer) completes with VIRTIO_BLK_S_IOERR: the guest sees it
 * and fails the case. Nothing is retried.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/util.h"
#include "devices/virtio_blk.h"

enum { STAT_REQUESTS, STAT_BATCHES, STAT_ENTERS, STAT_KICK_WAITS, STAT_COPIED, STAT_ERRORS };

static const char *const vblk_io_names[VBLK_IO_NR] = {
	[VBLK_IO_GUEST] = "guest",
	[VBLK_IO_FIXED] = "fixed",
	[VBLK_IO_BOUNCE_VMM] = "bounce-vmm",
};

const char *vblk_io_name(enum vblk_io io)
{
	return io < VBLK_IO_NR ? vblk_io_names[io] : "unknown";
}

static void vblk_count(struct vblk_dev *dev, int stat, uint64_t n)
{
	atomic_fetch_add_explicit(&dev->counts[stat], n, memory_order_relaxed);
}

static struct gmb_vring_avail *vblk_avail(struct vblk_dev *dev)
{
	return (struct gmb_vring_avail *)(dev->cfg.area + GMB_VBLK_AVAIL_OFF);
}

static struct gmb_vring_used *vblk_used(struct vblk_dev *dev)
{
	return (struct gmb_vring_used *)(dev->cfg.area + GMB_VBLK_USED_OFF);
}

/* A guest range turned into a host address, or NULL when it is not all in the data area. */
static uint8_t *vblk_translate(struct vblk_dev *dev, uint64_t gpa, uint64_t len)
{
	if (gpa < dev->cfg.area_gpa || len > dev->cfg.area_size ||
	    gpa - dev->cfg.area_gpa > dev->cfg.area_size - len)
		return NULL;
	return dev->cfg.area + (gpa - dev->cfg.area_gpa);
}

static const struct gmb_vring_desc *vblk_desc(struct vblk_dev *dev, uint16_t i)
{
	return &((const struct gmb_vring_desc *)(dev->cfg.area + GMB_VBLK_DESC_OFF))[i];
}

/* Puts one completion in the used ring (published later, by the batch's end). */
static void vblk_used_add(struct vblk_dev *dev, struct vblk_request *req, uint8_t status)
{
	struct gmb_vring_used *used = vblk_used(dev);
	uint32_t len = 1 + (req->read && status == GMB_VIRTIO_BLK_S_OK ? req->len : 0);

	if (req->status)
		*(volatile uint8_t *)req->status = status;
	if (status != GMB_VIRTIO_BLK_S_OK)
		vblk_count(dev, STAT_ERRORS, 1);
	used->ring[dev->used_idx % GMB_VBLK_QUEUE] = (struct gmb_vring_used_elem){ req->head, len };
	dev->used_idx++;
	vblk_count(dev, STAT_REQUESTS, 1);
	if (req->bounce)
		dev->bounce_free[dev->nr_bounce_free++] = req->bounce;
	req->bounce = NULL;
	req->busy = false;
}

static void vblk_used_publish(struct vblk_dev *dev)
{
	__atomic_store_n(&vblk_used(dev)->idx, dev->used_idx, __ATOMIC_RELEASE);
}

/* Parses head's chain into req: 0, or the status to complete it with at once. */
static uint8_t vblk_parse(struct vblk_dev *dev, uint16_t head, struct vblk_request *req,
			  uint64_t *offset)
{
	const struct gmb_vring_desc *hd = vblk_desc(dev, head), *dd, *sd;
	const volatile struct gmb_vblk_req_hdr *hdr;

	*req = (struct vblk_request){ .busy = true, .head = head };
	if (!(hd->flags & GMB_VRING_DESC_F_NEXT) || hd->next >= GMB_VBLK_QUEUE)
		return GMB_VIRTIO_BLK_S_IOERR;
	dd = vblk_desc(dev, hd->next);
	if (!(dd->flags & GMB_VRING_DESC_F_NEXT) || dd->next >= GMB_VBLK_QUEUE)
		return GMB_VIRTIO_BLK_S_IOERR;
	sd = vblk_desc(dev, dd->next);
	req->status = sd->len >= 1 && (sd->flags & GMB_VRING_DESC_F_WRITE)
			      ? vblk_translate(dev, sd->addr, 1)
			      : NULL;
	hdr = (const void *)vblk_translate(dev, hd->addr, sizeof(*hdr));
	if (!req->status || !hdr || hd->len < sizeof(*hdr) || (hd->flags & GMB_VRING_DESC_F_WRITE))
		return GMB_VIRTIO_BLK_S_IOERR;
	if (hdr->type != GMB_VIRTIO_BLK_T_IN && hdr->type != GMB_VIRTIO_BLK_T_OUT)
		return GMB_VIRTIO_BLK_S_UNSUPP;
	req->read = hdr->type == GMB_VIRTIO_BLK_T_IN;
	req->len = dd->len;
	req->data = vblk_translate(dev, dd->addr, dd->len);
	*offset = hdr->sector * GMB_VBLK_SECTOR;
	if (!req->data || !dd->len || dd->len > dev->cfg.max_request ||
	    req->read != !!(dd->flags & GMB_VRING_DESC_F_WRITE) || *offset > dev->cfg.target_size ||
	    dev->cfg.target_size - *offset < dd->len)
		return GMB_VIRTIO_BLK_S_IOERR;
	return 0;
}

/* Takes every new request of the available ring into the submission queue; returns how many. */
static unsigned int vblk_drain(struct vblk_dev *dev)
{
	uint16_t avail_idx = __atomic_load_n(&vblk_avail(dev)->idx, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (dev->last_avail != avail_idx) {
		uint16_t head = vblk_avail(dev)->ring[dev->last_avail % GMB_VBLK_QUEUE];
		struct vblk_request *req = &dev->reqs[head % GMB_VBLK_QUEUE];
		struct io_uring_sqe *sqe;
		uint64_t offset = 0;
		uint8_t status;
		void *buf;

		if (req->busy)
			break; /* the guest reused a chain still in flight: wait for it */
		status = vblk_parse(dev, head % GMB_VBLK_QUEUE, req, &offset);
		dev->last_avail++;
		if (status || (dev->cfg.io == VBLK_IO_BOUNCE_VMM && !dev->nr_bounce_free)) {
			vblk_used_add(dev, req, status ?: GMB_VIRTIO_BLK_S_IOERR);
			continue;
		}
		sqe = io_uring_get_sqe(&dev->ring);
		if (!sqe) {
			vblk_used_add(dev, req, GMB_VIRTIO_BLK_S_IOERR);
			continue;
		}
		buf = req->data;
		if (dev->cfg.io == VBLK_IO_BOUNCE_VMM) {
			req->bounce = dev->bounce_free[--dev->nr_bounce_free];
			buf = req->bounce;
			if (!req->read) {
				memcpy(req->bounce, req->data, req->len);
				vblk_count(dev, STAT_COPIED, req->len);
			}
		}
		if (dev->cfg.io == VBLK_IO_FIXED && req->read)
			io_uring_prep_read_fixed(sqe, dev->cfg.target_fd, buf, req->len, offset, 0);
		else if (dev->cfg.io == VBLK_IO_FIXED)
			io_uring_prep_write_fixed(sqe, dev->cfg.target_fd, buf, req->len, offset,
						  0);
		else if (req->read)
			io_uring_prep_read(sqe, dev->cfg.target_fd, buf, req->len, offset);
		else
			io_uring_prep_write(sqe, dev->cfg.target_fd, buf, req->len, offset);
		io_uring_sqe_set_data64(sqe, head % GMB_VBLK_QUEUE);
		dev->inflight++;
		n++;
	}
	return n;
}

static void vblk_reap(struct vblk_dev *dev)
{
	struct io_uring_cqe *cqe;

	while (!io_uring_peek_cqe(&dev->ring, &cqe)) {
		struct vblk_request *req = &dev->reqs[io_uring_cqe_get_data64(cqe)];
		bool ok = cqe->res >= 0 && (uint32_t)cqe->res == req->len;

		if (ok && req->bounce && req->read) {
			memcpy(req->data, req->bounce, req->len);
			vblk_count(dev, STAT_COPIED, req->len);
		}
		io_uring_cqe_seen(&dev->ring, cqe);
		dev->inflight--;
		vblk_used_add(dev, req, ok ? GMB_VIRTIO_BLK_S_OK : GMB_VIRTIO_BLK_S_IOERR);
	}
}

static void vblk_fail(struct vblk_dev *dev, int err, const char *what)
{
	if (!dev->error) {
		snprintf(dev->reason, sizeof(dev->reason), "virtio-blk device: %s failed: %s", what,
			 strerror(err));
		__atomic_store_n(&dev->error, -err, __ATOMIC_RELEASE);
	}
}

static void *vblk_thread(void *arg)
{
	struct vblk_dev *dev = arg;

	while (!atomic_load(&dev->stop)) {
		unsigned int n = vblk_drain(dev);
		uint64_t kicks;
		int ret;

		if (n || dev->inflight) {
			if (n) {
				vblk_count(dev, STAT_BATCHES, 1);
				atomic_store_explicit(&dev->last_cpu, sched_getcpu(),
						      memory_order_relaxed);
			}
			ret = io_uring_submit_and_wait(&dev->ring, n ? 0 : 1);
			vblk_count(dev, STAT_ENTERS, 1);
			if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
				vblk_fail(dev, -ret, "io_uring_submit_and_wait");
				break;
			}
			vblk_reap(dev);
			vblk_used_publish(dev);
			continue;
		}
		vblk_used_publish(dev);
		vblk_count(dev, STAT_KICK_WAITS, 1);
		if (read(dev->cfg.kick_fd, &kicks, sizeof(kicks)) < 0 && errno != EINTR) {
			vblk_fail(dev, errno, "reading the kick eventfd");
			break;
		}
	}
	return NULL;
}

static void vblk_free(struct vblk_dev *dev)
{
	if (dev->ring_ready)
		io_uring_queue_exit(&dev->ring);
	dev->ring_ready = false;
	if (dev->bounce_mem)
		munmap(dev->bounce_mem, dev->cfg.max_request * dev->cfg.max_inflight);
	dev->bounce_mem = NULL;
	free(dev->bounce_free);
	dev->bounce_free = NULL;
}

static int vblk_register(struct vblk_dev *dev)
{
	struct iovec iov = { dev->cfg.area, dev->cfg.area_size };
	int ret = io_uring_register_buffers(&dev->ring, &iov, 1);

	if (!ret)
		return 0;
	/* The kernel pins the pages (GUP): memory it cannot pin is refused here. */
	return gmb_error(-ret == EFAULT || -ret == EOPNOTSUPP ? EOPNOTSUPP : -ret,
			 "io_uring_register_buffers over guest memory failed: %s "
			 "(the kernel cannot pin it)",
			 strerror(-ret));
}

int vblk_start(struct vblk_dev *dev, const struct vblk_config *cfg)
{
	uint64_t bounce_bytes = cfg->max_request * cfg->max_inflight;
	int ret;

	pthread_attr_t attr;
	cpu_set_t set;

	memset(dev, 0, sizeof(*dev));
	dev->cfg = *cfg;
	atomic_store(&dev->last_cpu, -1);
	if (cfg->io >= VBLK_IO_NR || !cfg->max_inflight || cfg->max_inflight > GMB_VBLK_MAX_QD ||
	    cfg->area_size < GMB_VBLK_BUFFERS_OFF)
		return gmb_error(EINVAL, "virtio-blk: bad configuration");
	ret = io_uring_queue_init(2 * GMB_VBLK_MAX_QD, &dev->ring, 0);
	if (ret)
		return gmb_error(-ret, "io_uring_queue_init failed: %s", strerror(-ret));
	dev->ring_ready = true;
	if (cfg->io == VBLK_IO_FIXED)
		ret = vblk_register(dev);
	if (!ret && cfg->io == VBLK_IO_BOUNCE_VMM) {
		dev->bounce_free = calloc(cfg->max_inflight, sizeof(*dev->bounce_free));
		dev->bounce_mem = mmap(NULL, bounce_bytes, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (dev->bounce_mem == MAP_FAILED)
			dev->bounce_mem = NULL;
		if (!dev->bounce_free || !dev->bounce_mem)
			ret = gmb_error(ENOMEM, "virtio-blk: no memory for the bounce buffers");
		for (unsigned int i = 0; !ret && i < cfg->max_inflight; i++)
			dev->bounce_free[dev->nr_bounce_free++] =
				dev->bounce_mem + i * cfg->max_request;
	}
	dev->last_avail = vblk_avail(dev)->idx;
	dev->used_idx = vblk_used(dev)->idx;
	/*
	 * Pinned from its first instruction; a thread that cannot be would run where the results
	 * do not say: fail.
	 */
	if (!ret && cfg->pin && (cfg->cpu < 0 || cfg->cpu >= CPU_SETSIZE))
		ret = gmb_error(EINVAL, "virtio-blk: no CPU %d in a cpu_set_t", cfg->cpu);
	if (!ret && cfg->pin) {
		CPU_ZERO(&set);
		CPU_SET(cfg->cpu, &set);
		pthread_attr_init(&attr);
		ret = -pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		if (!ret)
			ret = -pthread_create(&dev->thread, &attr, vblk_thread, dev);
		pthread_attr_destroy(&attr);
		if (ret)
			ret = gmb_error(-ret, "the virtio-blk device thread: pinned to CPU %d: %s",
					cfg->cpu, strerror(-ret));
	} else if (!ret) {
		ret = -pthread_create(&dev->thread, NULL, vblk_thread, dev);
		if (ret)
			ret = gmb_error(-ret, "pthread_create failed: %s", strerror(-ret));
	}
	if (ret) {
		vblk_free(dev);
		return ret;
	}
	dev->running = true;
	return 0;
}

int vblk_stop(struct vblk_dev *dev)
{
	uint64_t one = 1;

	if (dev->running) {
		atomic_store(&dev->stop, true);
		if (write(dev->cfg.kick_fd, &one, sizeof(one)) < 0)
			pthread_cancel(dev->thread);
		pthread_join(dev->thread, NULL);
		dev->running = false;
	}
	vblk_free(dev);
	if (dev->error)
		return gmb_error(-dev->error, "%s", dev->reason);
	return 0;
}

void vblk_stats(struct vblk_dev *dev, struct vblk_stats *stats)
{
	stats->requests = atomic_load(&dev->counts[STAT_REQUESTS]);
	stats->batches = atomic_load(&dev->counts[STAT_BATCHES]);
	stats->enters = atomic_load(&dev->counts[STAT_ENTERS]);
	stats->kick_waits = atomic_load(&dev->counts[STAT_KICK_WAITS]);
	stats->copied = atomic_load(&dev->counts[STAT_COPIED]);
	stats->errors = atomic_load(&dev->counts[STAT_ERRORS]);
}

int vblk_last_cpu(struct vblk_dev *dev)
{
	return atomic_load_explicit(&dev->last_cpu, memory_order_relaxed);
}

int vblk_failed(struct vblk_dev *dev)
{
	return __atomic_load_n(&dev->error, __ATOMIC_ACQUIRE);
}

/* Whole blocks through one buffer: a target opened with O_DIRECT needs it aligned. */
static int vblk_target_io(int fd, uint64_t bs, uint64_t nr_blocks, bool fill, uint64_t *bad)
{
	uint8_t *buf = mmap(NULL, bs, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret = 0;

	if (buf == MAP_FAILED)
		return gmb_error(ENOMEM, "virtio-blk: no memory for a block");
	for (uint64_t b = 0; b < nr_blocks && !ret; b++) {
		ssize_t n;

		if (fill)
			gmb_vblk_fill(buf, bs, b, 0);
		n = fill ? pwrite(fd, buf, bs, (off_t)(b * bs))
			 : pread(fd, buf, bs, (off_t)(b * bs));
		if (n != (ssize_t)bs)
			ret = gmb_error(n < 0 ? errno : EIO,
					"%s block %llu of the target failed: %s",
					fill ? "writing" : "reading", (unsigned long long)b,
					n < 0 ? strerror(errno) : "short transfer");
		else if (!fill && gmb_vblk_check(buf, bs, b)) {
			*bad = b;
			ret = gmb_error(EILSEQ,
					"integrity: block %llu of the target is not a whole write "
					"of itself (header block %llu, seed %llu)",
					(unsigned long long)b,
					(unsigned long long)((uint64_t *)buf)[1],
					(unsigned long long)((uint64_t *)buf)[2]);
		}
	}
	munmap(buf, bs);
	return ret;
}

int vblk_target_fill(int fd, uint64_t bs, uint64_t nr_blocks)
{
	return vblk_target_io(fd, bs, nr_blocks, true, NULL);
}

int vblk_target_check(int fd, uint64_t bs, uint64_t nr_blocks, uint64_t *bad)
{
	return vblk_target_io(fd, bs, nr_blocks, false, bad);
}

/* The block major /proc/devices gives name, or -1. */
static int vblk_block_major(const char *name)
{
	FILE *f = fopen("/proc/devices", "re");
	char line[128], dev[64];
	bool block = false;
	int major = -1, m;

	while (f && major < 0 && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Block devices:", 14))
			block = true;
		else if (block && sscanf(line, "%d %63s", &m, dev) == 2 && !strcmp(dev, name))
			major = m;
	}
	if (f)
		fclose(f);
	return major;
}

int vblk_target_discards(int fd, char *why, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX], value[16] = "";
	const char *disk;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISBLK(st.st_mode) ||
	    (int)major(st.st_rdev) != vblk_block_major("nullb"))
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	disk = strrchr(link, '/') ? strrchr(link, '/') + 1 : "?";
	/* A device made through configfs has its own settings; those made at load, the module's. */
	snprintf(path, sizeof(path), "/sys/kernel/config/nullb/%s/memory_backed", disk);
	if (read_text_file(path, value, sizeof(value)))
		snprintf(path, sizeof(path), "/sys/module/null_blk/parameters/memory_backed");
	if (!value[0] && read_text_file(path, value, sizeof(value)))
		return 0;
	/* The module parameter says Y or N, the configfs attribute 1 or 0. */
	if (value[0] == 'Y' || value[0] == 'y' || strtoul(value, NULL, 10))
		return 0;
	snprintf(why, len, "%s is null_blk with memory_backed=0 (%s): it keeps no data", disk,
		 path);
	return 1;
}

int vblk_target_probe(int fd, uint8_t *buf, uint64_t bs)
{
	ssize_t n = pread(fd, buf, bs, 0);

	if (n == (ssize_t)bs)
		return 0;
	if (n < 0 && errno == EFAULT)
		return gmb_error(EOPNOTSUPP,
				 "O_DIRECT I/O on the target pins the guest's buffer, and the "
				 "kernel refuses to pin this memory (%s)",
				 strerror(EFAULT));
	return gmb_error(n < 0 ? errno : EIO, "a first read of the target into guest memory: %s",
			 n < 0 ? strerror(errno) : "short read");
}
