/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"

/* ---------------------------------------------------------------- errors */

static const struct lm_tgt_errinfo errtab[] = {
	{ 0, "TGTADM_SUCCESS", "success", "done" },
	{ 1, "TGTADM_UNKNOWN_ERR", "unknown error", "tgtd failed without saying why (see tgtd's log)" },
	{ 2, "TGTADM_NOMEM", "out of memory", "tgtd is out of memory" },
	{ 3, "TGTADM_NO_DRIVER", "can't find the driver", "tgtd has no iscsi driver" },
	{ 4, "TGTADM_NO_TARGET", "can't find the target",
	  "the target is not in tgtd (removed behind lunmap's back?)" },
	{ 5, "TGTADM_NO_LUN", "can't find the logical unit",
	  "the LU is not in tgtd (removed behind lunmap's back?)" },
	{ 6, "TGTADM_NO_SESSION", "can't find the session", "no such session in tgtd" },
	{ 7, "TGTADM_NO_CONNECTION", "can't find the connection", "no such connection in tgtd" },
	{ 8, "TGTADM_NO_BINDING", "can't find the binding", "no such initiator binding in tgtd" },
	{ 9, "TGTADM_TARGET_EXIST", "this target already exists",
	  "a target with that tid or name already exists" },
	{ 10, "TGTADM_LUN_EXIST", "this logical unit number already exists",
	  "that LUN number is already used on the target" },
	{ 11, "TGTADM_BINDING_EXIST", "this binding already exists",
	  "that initiator is already bound to the target" },
	{ 12, "TGTADM_ACL_EXIST", "this access control rule already exists",
	  "that access rule already exists" },
	{ 13, "TGTADM_ACL_NOEXIST", "this access control rule does not exist",
	  "no such access rule" },
	{ 14, "TGTADM_USER_EXIST", "this account already exists", "that account already exists" },
	{ 15, "TGTADM_NO_USER", "can't find the account", "no such account" },
	{ 16, "TGTADM_TOO_MANY_USER", "too many accounts", "tgtd has too many accounts" },
	{ 17, "TGTADM_INVALID_REQUEST", "invalid request",
	  "tgtd refused the request (backing store missing or unreadable? tgtd's log says)" },
	{ 18, "TGTADM_OUTACCOUNT_EXIST", "this target already has an outgoing account",
	  "the target already has an outgoing account" },
	{ 19, "TGTADM_TARGET_ACTIVE", "this target is still active",
	  "the target has sessions and cannot go" },
	{ 20, "TGTADM_LUN_ACTIVE", "this logical unit is still active",
	  "the LU is in use and cannot go" },
	{ 21, "TGTADM_DRIVER_ACTIVE", "this driver is busy", "tgtd's iscsi driver is busy" },
	{ 22, "TGTADM_UNSUPPORTED_OPERATION", "this operation isn't supported",
	  "this tgtd does not support the request" },
	{ 23, "TGTADM_UNKNOWN_PARAM", "unknown parameter",
	  "this tgtd does not know a parameter of the request" },
	{ 24, "TGTADM_PREVENT_REMOVAL", "this device has Prevent Removal set",
	  "an initiator holds the LU (Prevent Removal)" },
};

static const struct lm_tgt_errinfo unknown_err = {
	(uint32_t)-1, "unknown tgtadm_err", "(unknown tgtadm_errno)",
	"tgtd answered with an error code this lunmap does not know",
};

const struct lm_tgt_errinfo *lm_tgt_err_info(uint32_t code)
{
	return code < sizeof errtab / sizeof errtab[0] ? &errtab[code] : &unknown_err;
}

const struct lm_tgt_errinfo *lm_tgt_err_find_text(const char *text)
{
	/* from the end: "can't find the target" must not shadow a longer
	 * text, and none of the texts contains a later one */
	for (size_t i = sizeof errtab / sizeof errtab[0]; i-- > 1;)
		if (strstr(text, errtab[i].says))
			return &errtab[i];
	return NULL;
}

/* Every refusal of tgtd is the stack refusing a step: the core rolls the
 * change back and the manager sees commitFailed (design §5). tgtd's own
 * "out of memory" is not lunmap's (E_OUTOFMEMORY means lunmap could not
 * allocate), so it is no exception. */
lm_hr lm_tgt_err_hr(uint32_t code)
{
	return code == 0 ? LM_S_OK : LM_E_FAIL;
}

/* ---------------------------------------------------------------- transport */

int lm_tgt_ipc_path(unsigned control_port, char *buf, size_t size)
{
	struct sockaddr_un sa;
	const char *base = getenv("TGT_IPC_SOCKET");
	int n = snprintf(buf, size, "%s.%u", base && *base ? base : "/var/run/tgtd/socket",
			 control_port);

	return n < 0 || (size_t)n >= size || (size_t)n >= sizeof sa.sun_path ? -1 : 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct conn {
	int fd;
	long long deadline;
	unsigned timeout_ms;
	const char *path;
	struct lm_tgt_rsp *rsp;
	struct lm_err *err;
};

static lm_hr fail(struct conn *c, enum lm_tgt_ipc_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static lm_hr fail(struct conn *c, enum lm_tgt_ipc_status st, const char *fmt, ...)
{
	char msg[LM_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->rsp->status = st;
	return lm_err_set(c->err, LM_E_FAIL, "%s", msg);
}

static lm_hr timed_out(struct conn *c)
{
	c->rsp->status = LM_TGT_IPC_TIMEOUT;
	return lm_err_set(c->err, LM_E_FAIL, "tgtd did not answer within %u ms (%s; stopped or hung?)",
			  c->timeout_ms, c->path);
}

/* Waits for events on the socket until the deadline: 1 ready, 0 timed out,
 * -1 error (errno). */
static int wait_fd(struct conn *c, short events)
{
	for (;;) {
		struct pollfd p = { c->fd, events, 0 };
		long long left = c->deadline - now_ms();
		int n;
		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static lm_hr do_connect(struct conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, LM_TGT_IPC_LOCAL, "cannot make a socket: %s", strerror(errno));
	while (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENOENT || errno == ECONNREFUSED)
			return fail(c, LM_TGT_IPC_NO_TGTD,
				    "tgtd is not running on that control port (nothing listens on %s)",
				    c->path);
		if (errno != EAGAIN)
			return fail(c, LM_TGT_IPC_LOCAL, "cannot connect to tgtd: %s", strerror(errno));
		/* tgtd's accept queue is full: it is not taking requests */
		if (now_ms() >= c->deadline)
			return timed_out(c);
		poll(NULL, 0, 5);
	}
	return LM_S_OK;
}

static lm_hr send_all(struct conn *c, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return fail(c, LM_TGT_IPC_CLOSED, "tgtd closed the connection: %s",
				    strerror(errno));
		int r = wait_fd(c, POLLOUT);
		if (r == 0)
			return timed_out(c);
		if (r < 0)
			return fail(c, LM_TGT_IPC_LOCAL, "poll: %s", strerror(errno));
	}
	return LM_S_OK;
}

/* Reads exactly n bytes by the request's one deadline: bytes that keep
 * coming do not move it (design §5: absolute, never renewed by partial
 * progress), so a listing that drips forever still ends in time. */
static lm_hr recv_all(struct conn *c, char *p, size_t n)
{
	while (n) {
		ssize_t r = recv(c->fd, p, n, 0);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == 0)
			return fail(c, LM_TGT_IPC_CLOSED, "%s",
				    "tgtd closed the connection without a full answer "
				    "(not lunmapd's user and group? another tgt version?)");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return fail(c, LM_TGT_IPC_CLOSED, "reading tgtd's answer: %s", strerror(errno));
		int w = wait_fd(c, POLLIN);
		if (w == 0)
			return timed_out(c);
		if (w < 0)
			return fail(c, LM_TGT_IPC_LOCAL, "poll: %s", strerror(errno));
	}
	return LM_S_OK;
}

static void put32(unsigned char *b, size_t off, uint32_t v) { memcpy(b + off, &v, sizeof v); }
static void put64(unsigned char *b, size_t off, uint64_t v) { memcpy(b + off, &v, sizeof v); }

/* struct tgtadm_req, host byte order (tgt's usr/tgtadm.h) */
static void encode(const struct lm_tgt_req *req, size_t body_len, unsigned char *b)
{
	memset(b, 0, LM_TGT_REQ_SIZE);
	put32(b, 0, (uint32_t)req->mode);
	put32(b, 4, (uint32_t)req->op);
	memcpy(b + 8, "iscsi", 5);                 /* lld[64] */
	put32(b, 72, (uint32_t)(LM_TGT_REQ_SIZE + body_len));
	put32(b, 76, (uint32_t)req->tid);
	put64(b, 80, req->sid);
	put64(b, 88, req->lun);
	/* 96 cid, 100 host_no, 104 device_type (0: disk), 108 ac_dir, 112 pack */
	put32(b, 116, req->force);
}

/* The answer's n bytes of text to the request's sink, a piece at a time,
 * up to the first NUL (tgtd counts the text's own). */
static lm_hr to_sink(struct conn *c, const struct lm_tgt_req *req, size_t n)
{
	char buf[65536];
	bool ended = false;

	while (n) {
		size_t k = n < sizeof buf ? n : sizeof buf, text;
		lm_hr hr = recv_all(c, buf, k);
		if (lm_failed(hr))
			return hr;
		n -= k;
		if (ended)
			continue;
		text = strnlen(buf, k);
		ended = text < k;
		if (req->sink(req->sink_ctx, buf, text) != 0)
			return fail(c, LM_TGT_IPC_LOCAL, "%s", "tgtd's answer was refused by its reader");
	}
	return LM_S_OK;
}

static lm_hr exchange(struct conn *c, const struct lm_tgt_req *req)
{
	unsigned char hdr[LM_TGT_REQ_SIZE], rh[LM_TGT_RSP_SIZE];
	size_t body_len = req->body ? strlen(req->body) + 1 : 0;
	uint32_t code, len;
	lm_hr hr;

	if (body_len > LM_TGT_MAX_REQ_BODY) {
		c->rsp->status = LM_TGT_IPC_LOCAL;
		return lm_err_set(c->err, LM_E_FAIL,
				  "request of %zu bytes is over tgtd's limit of %u (not sent)",
				  body_len, LM_TGT_MAX_REQ_BODY);
	}
	encode(req, body_len, hdr);
	hr = do_connect(c);
	if (!lm_failed(hr))
		hr = send_all(c, (const char *)hdr, sizeof hdr);
	if (!lm_failed(hr) && body_len)
		hr = send_all(c, req->body, body_len);
	if (!lm_failed(hr))
		hr = recv_all(c, (char *)rh, sizeof rh);
	if (lm_failed(hr))
		return hr;
	memcpy(&code, rh, 4);
	memcpy(&len, rh + 4, 4);
	if (len < LM_TGT_RSP_SIZE || len - LM_TGT_RSP_SIZE > LM_TGT_MAX_RSP_BODY) {
		c->rsp->status = LM_TGT_IPC_GARBLED;
		return lm_err_set(c->err, LM_E_FAIL,
				  "tgtd answered a length of %u bytes: not the protocol this "
				  "lunmap speaks (another tgt version?)", len);
	}
	if (code != 0) {
		const struct lm_tgt_errinfo *e = lm_tgt_err_info(code);
		c->rsp->status = LM_TGT_IPC_REFUSED;
		c->rsp->tgt_err = code;
		return lm_err_set(c->err, lm_tgt_err_hr(code), "tgtd: %s (%s, %u): %s", e->says,
				  e->name, code, e->means);
	}
	if (len == LM_TGT_RSP_SIZE)
		return LM_S_OK;
	if (req->sink)
		return to_sink(c, req, len - LM_TGT_RSP_SIZE);
	c->rsp->len = len - LM_TGT_RSP_SIZE;
	c->rsp->body = malloc(c->rsp->len + 1);
	if (!c->rsp->body) {
		c->rsp->status = LM_TGT_IPC_LOCAL;
		return lm_err_set(c->err, LM_E_OUTOFMEMORY, "no memory for tgtd's answer of %zu bytes",
				  c->rsp->len);
	}
	hr = recv_all(c, c->rsp->body, c->rsp->len);
	if (lm_failed(hr))
		return hr;
	c->rsp->body[c->rsp->len] = '\0';
	/* tgtd counts the text's NUL */
	c->rsp->len = strlen(c->rsp->body);
	return LM_S_OK;
}

lm_hr lm_tgt_ipc_call(const char *path, const struct lm_tgt_req *req, unsigned timeout_ms,
		      struct lm_tgt_rsp *rsp, struct lm_err *err)
{
	struct conn c = { .fd = -1, .deadline = now_ms() + timeout_ms, .timeout_ms = timeout_ms,
			  .path = path, .rsp = rsp, .err = err };
	lm_hr hr;

	memset(rsp, 0, sizeof *rsp);
	hr = exchange(&c, req);
	if (c.fd >= 0)
		close(c.fd);
	if (lm_failed(hr)) {
		free(rsp->body);
		rsp->body = NULL;
		rsp->len = 0;
	} else
		rsp->status = LM_TGT_IPC_OK;
	return hr;
}

void lm_tgt_rsp_free(struct lm_tgt_rsp *rsp)
{
	free(rsp->body);
	rsp->body = NULL;
	rsp->len = 0;
}
