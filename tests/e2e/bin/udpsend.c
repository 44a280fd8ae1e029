// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend: send UDP datagrams back to back, for the shadow tests
 * (tests/e2e/shadow-dummy.sh). Runs in the guest.
 *
 *   udpsend ADDR PORT
 *
 * Sends 64-byte datagrams to ADDR:PORT as fast as it can (a short sleep
 * every 256 sends leaves the recovery work its CPU) until SIGTERM or
 * SIGINT, then prints one line:
 *
 *   udpsend: sent N errors N first_error STRING
 *
 * and exits 1 if any send failed. A device that drops what it cannot
 * send (a lossy link) fails no send: UDP hides a full queue (ENOBUFS)
 * from a socket without IP_RECVERR. Where a ping stream sends 5 packets
 * a second, this one finds a window of microseconds in which the stack
 * sees the device in a state it would refuse a packet in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* set by the signal handler; atomic accesses: the loop reads it again */
static int stop;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
	unsigned long sent = 0, errors = 0;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_signal };
	char buf[64] = "udpsend";
	int first = 0, fd;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpsend ADDR PORT\n");
		return 2;
	}
	to.sin_port = htons(atoi(argv[2]));
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 2;
	}
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&to,
			   sizeof(to)) == sizeof(buf)) {
			sent++;
		} else if (errno != EINTR) {
			if (!errors++)
				first = errno;
		}
		if (!((sent + errors) % 256))
			usleep(1000);
	}
	printf("udpsend: sent %lu errors %lu first_error %s\n", sent, errors,
	       first ? strerror(first) : "none");
	return errors ? 1 : 0;
}
