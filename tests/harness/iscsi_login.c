/* SPDX-License-Identifier: BSD-3-Clause */
/* iscsi-login PORTAL TARGET INITIATOR ALIAS: a minimal iSCSI initiator
 * (RFC 7143 login, no authentication, no library) that sends whatever
 * bytes it is given as its InitiatorName and InitiatorAlias (ALIAS "-":
 * none), prints "logged in" once the session is in full feature phase and
 * holds it until stdin closes. libiscsi (iscsi-hold) keeps a name and an
 * alias of 255 bytes at most; a peer may send kilobytes, and tgtd cuts a
 * session's text at 1,023 (issue #20). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BHS 48

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int dial(const char *portal)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	int fd;

	snprintf(host, sizeof host, "%s", portal);
	colon = strrchr(host, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static size_t key(char *buf, size_t at, size_t size, const char *k, const char *v)
{
	size_t n = strlen(k) + 1 + strlen(v) + 1;

	if (at + n > size) {
		fprintf(stderr, "iscsi-login: keys too long\n");
		exit(2);
	}
	memcpy(buf + at, k, strlen(k));
	buf[at + strlen(k)] = '=';
	memcpy(buf + at + strlen(k) + 1, v, strlen(v) + 1);
	return at + n;
}

/* One login request: operational stage to full feature phase. */
static int login_pdu(int fd, const uint8_t isid[6], uint32_t cmdsn, uint32_t expstatsn,
		     const char *data, size_t len)
{
	uint8_t h[BHS] = { 0 }, pad[4] = { 0 };

	h[0] = 0x40 | 0x03;            /* immediate, Login Request */
	h[1] = 0x80 | (1 << 2) | 3;    /* Transit, CSG operational, NSG full feature */
	h[5] = (uint8_t)(len >> 16);
	h[6] = (uint8_t)(len >> 8);
	h[7] = (uint8_t)len;
	memcpy(h + 8, isid, 6);
	h[19] = 1;                     /* initiator task tag */
	h[24] = (uint8_t)(cmdsn >> 24), h[25] = (uint8_t)(cmdsn >> 16);
	h[26] = (uint8_t)(cmdsn >> 8), h[27] = (uint8_t)cmdsn;
	h[28] = (uint8_t)(expstatsn >> 24), h[29] = (uint8_t)(expstatsn >> 16);
	h[30] = (uint8_t)(expstatsn >> 8), h[31] = (uint8_t)expstatsn;
	if (write_all(fd, h, BHS) || write_all(fd, data, len) ||
	    write_all(fd, pad, (4 - len % 4) % 4))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static char data[65536], rsp[65536];
	uint8_t isid[6] = { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00 }, h[BHS];
	uint32_t statsn = 0, pid = (uint32_t)getpid();
	size_t n = 0;
	char line[64];
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: iscsi-login PORTAL TARGET INITIATOR ALIAS\n");
		return 2;
	}
	/* a session of its own: an ISID the same name uses again would
	 * reinstate (close) the other session */
	isid[3] = (uint8_t)(pid >> 16), isid[4] = (uint8_t)(pid >> 8), isid[5] = (uint8_t)pid;
	fd = dial(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "iscsi-login: cannot connect to %s\n", argv[1]);
		return 1;
	}
	n = key(data, n, sizeof data, "InitiatorName", argv[3]);
	if (strcmp(argv[4], "-") != 0)
		n = key(data, n, sizeof data, "InitiatorAlias", argv[4]);
	n = key(data, n, sizeof data, "TargetName", argv[2]);
	n = key(data, n, sizeof data, "SessionType", "Normal");
	n = key(data, n, sizeof data, "HeaderDigest", "None");
	n = key(data, n, sizeof data, "DataDigest", "None");
	for (uint32_t round = 0; round < 4; round++) {
		size_t dlen;
		if (login_pdu(fd, isid, 0, statsn, data, n) || read_all(fd, h, BHS)) {
			fprintf(stderr, "iscsi-login: the target closed the connection\n");
			return 1;
		}
		dlen = (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		dlen += (4 - dlen % 4) % 4;
		if ((h[0] & 0x3f) != 0x23 || dlen > sizeof rsp || read_all(fd, rsp, dlen)) {
			fprintf(stderr, "iscsi-login: not a login response\n");
			return 1;
		}
		if (h[36] != 0) {
			fprintf(stderr, "iscsi-login: login refused: class %u detail %u\n", h[36], h[37]);
			return 1;
		}
		statsn = ((uint32_t)h[24] << 24 | (uint32_t)h[25] << 16 | (uint32_t)h[26] << 8 | h[27]) + 1;
		if ((h[1] & 0x80) && (h[1] & 3) == 3) {
			printf("logged in\n");
			fflush(stdout);
			while (fgets(line, sizeof line, stdin))
				;
			close(fd);
			return 0;
		}
		n = 0; /* the target wants another round: nothing more to say */
	}
	fprintf(stderr, "iscsi-login: no full feature phase after 4 rounds\n");
	return 1;
}
