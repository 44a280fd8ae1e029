// SPDX-License-Identifier: GPL-2.0
/*
 * blkcheck: a block device writer/reader with checksums, for the shadow
 * tests (tests/e2e/shadow-null_blk.sh). Runs in the guest.
 *
 *   blkcheck DEVICE THREADS FAULTS_FILE
 *
 * Each thread keeps DEVICE open (O_DIRECT) for the whole run and, in its
 * own 256 KiB region, writes a 4 KiB block of fresh random data carrying
 * a header (thread, sequence, CRC), reads it back and compares, block
 * after block, until SIGTERM or SIGINT. Any I/O error or short transfer
 * is an error; any read that differs from what was written is bad,
 * except one that comes back all zeros while FAULTS_FILE (the domain's
 * fault counter in sysfs) changed between the write and the read: the
 * driver faulted after the write was done and restarted with an empty
 * store (a memory-backed null_blk keeps its data in driver memory, which
 * no shadow keeps). Those are counted as lost, and the test says how
 * many. At the end it prints one line:
 *
 *   blkcheck: ops N ok N errors N bad N lost N max_ms N
 *
 * where max_ms is the longest a single write or read took (the pause an
 * application saw), and exits 1 if there was an error or a bad read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLK		4096
#define REGION		(64 * BLK)
#define MAX_THREADS	64

struct worker {
	pthread_t tid;
	int id;
	int fd;
	unsigned long ops, ok, errors, bad, lost;
	long long max_ns;
};

static const char *dev, *faults_file;
/* set by main when SIGTERM or SIGINT comes (the threads block them) */
static int stop;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long faults(void)
{
	char buf[32] = "";
	long n = -1;
	FILE *f;

	f = fopen(faults_file, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		n = strtol(buf, NULL, 10);
	fclose(f);
	return n;
}

static unsigned int crc32(const unsigned char *p, size_t n)
{
	unsigned int c = 0xffffffff;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320 & -(c & 1));
	}
	return ~c;
}

/* xorshift: the data of each block, from the thread and sequence */
static void fill(unsigned char *p, int id, unsigned long seq)
{
	unsigned long long x = ((unsigned long long)id << 40) ^ seq ^
			       0x9e3779b97f4a7c15ULL;
	unsigned int crc;
	size_t i;

	for (i = 16; i < BLK; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	memcpy(p, &id, 4);
	memcpy(p + 4, &seq, 8);
	crc = crc32(p + 16, BLK - 16);
	memcpy(p + 12, &crc, 4);
}

static int all_zero(const unsigned char *p)
{
	size_t i;

	for (i = 0; i < BLK; i++)
		if (p[i])
			return 0;
	return 1;
}

/* One timed pread or pwrite; 0 when it moved the whole block. */
static int io(struct worker *w, int write, unsigned char *buf, off_t off)
{
	long long t0 = now_ns(), dt;
	ssize_t n;

	n = write ? pwrite(w->fd, buf, BLK, off) : pread(w->fd, buf, BLK, off);
	dt = now_ns() - t0;
	if (dt > w->max_ns)
		w->max_ns = dt;
	if (n == BLK)
		return 0;
	w->errors++;
	fprintf(stderr, "blkcheck: thread %d: %s at %lld: %s\n", w->id,
		write ? "write" : "read", (long long)off,
		n < 0 ? strerror(errno) : "short transfer");
	return -1;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned char *out, *in;
	unsigned long seq;
	long f0, f1;
	off_t off;

	if (posix_memalign((void **)&out, BLK, BLK) ||
	    posix_memalign((void **)&in, BLK, BLK)) {
		w->errors++;
		return NULL;
	}
	for (seq = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); seq++) {
		off = (off_t)w->id * REGION + (seq % (REGION / BLK)) * BLK;
		fill(out, w->id, seq);
		f0 = faults();
		w->ops++;
		if (io(w, 1, out, off))
			continue;
		memset(in, 0xa5, BLK);
		w->ops++;
		if (io(w, 0, in, off))
			continue;
		f1 = faults();
		if (!memcmp(in, out, BLK)) {
			w->ok++;
		} else if (all_zero(in) && f1 != f0) {
			w->lost++;
		} else {
			w->bad++;
			fprintf(stderr,
				"blkcheck: thread %d: block at %lld differs",
				w->id, (long long)off);
			fprintf(stderr, " (seq %lu, faults %ld -> %ld)\n",
				seq, f0, f1);
		}
	}
	free(out);
	free(in);
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker ws[MAX_THREADS] = { 0 };
	struct worker sum = { 0 };
	sigset_t sigs;
	int i, n, sig;

	if (argc != 4) {
		fprintf(stderr, "usage: blkcheck DEVICE THREADS FAULTS_FILE\n");
		return 2;
	}
	dev = argv[1];
	n = atoi(argv[2]);
	faults_file = argv[3];
	if (n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "blkcheck: THREADS must be 1..%d\n", MAX_THREADS);
		return 2;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);	/* the threads' too */
	for (i = 0; i < n; i++) {
		ws[i].id = i;
		ws[i].fd = open(dev, O_RDWR | O_DIRECT);
		if (ws[i].fd < 0) {
			fprintf(stderr, "blkcheck: %s: %s\n", dev, strerror(errno));
			return 2;
		}
	}
	for (i = 0; i < n; i++)
		pthread_create(&ws[i].tid, NULL, work, &ws[i]);
	sigwait(&sigs, &sig);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		pthread_join(ws[i].tid, NULL);
		close(ws[i].fd);
		sum.ops += ws[i].ops;
		sum.ok += ws[i].ok;
		sum.errors += ws[i].errors;
		sum.bad += ws[i].bad;
		sum.lost += ws[i].lost;
		if (ws[i].max_ns > sum.max_ns)
			sum.max_ns = ws[i].max_ns;
	}
	printf("blkcheck: ops %lu ok %lu errors %lu bad %lu lost %lu max_ms %lld\n",
	       sum.ops, sum.ok, sum.errors, sum.bad, sum.lost,
	       sum.max_ns / 1000000);
	return sum.errors || sum.bad ? 1 : 0;
}
