/* SPDX-License-Identifier: BSD-3-Clause */
/* Sessions and statistics of an LIO target, from configfs: what the
 * kernel keeps for SCSI-MIB and ISCSI-MIB (drivers/target/target_core_stat.c
 * and iscsi/iscsi_target_stat.c) with nobody to read it. Attribute files
 * are read once each, a page at most; names and addresses an initiator
 * chose are kept only as observe.h allows. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "lio.h"
#include "valid.h"

#define TPG "tpgt_1"
/* configfs shows a page at most */
#define PAGE 4096

#define pathf lm_cfs_path

/* the looks have their own deadline (watch.c), not a SET's */
static const struct lm_cfs no_deadline = { LM_NO_DEADLINE };

/* The attribute's bytes (at most len - 1, NUL-terminated): their count,
 * or -1. */
static ssize_t read_raw(const char *path, char *buf, size_t len)
{
	return lm_cfs_read_raw(&no_deadline, path, buf, len);
}

int lm_lio_read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n = read_raw(path, buf, sizeof buf);

	return n > 0 ? lm_obs_u64(buf, (size_t)n, v) : -1;
}

int lm_lio_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n = read_raw(path, buf, len);

	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\0'))
		buf[--n] = '\0';
	return memchr(buf, '\n', (size_t)n) ? -1 : 0;
}

lm_hr lm_lio_target_dir(const char *configfs, const char *iqn, char *dir, struct lm_err *err)
{
	if (!lm_valid_component(iqn))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\"",
				  iqn);
	pathf(dir, "%s/iscsi/%s", configfs, iqn);
	if (access(dir, F_OK) != 0)
		return lm_err_set(err, lm_hr_from_errno(errno), "configfs: target %s: %s", iqn,
				  strerror(errno));
	return LM_S_OK;
}

/* ---------------------------------------------------------------- info */

const char *lm_lio_find_last(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const char *last = NULL;

	for (size_t i = 0; i + k <= n; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, k) == 0)
			last = s + i;
	return last;
}

static bool at(const char *p, const char *end, const char *word)
{
	size_t k = strlen(word);

	return (size_t)(end - p) >= k && memcmp(p, word, k) == 0;
}

static bool skip(const char **p, const char *end, const char *word)
{
	if (!at(*p, end, word))
		return false;
	*p += strlen(word);
	return true;
}

static bool number(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s && lm_obs_u64(s, (size_t)(*p - s), v) == 0 && *v <= max;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "%6ph": six bytes in hex, space-separated */
static bool isid(const char **p, const char *end, uint8_t out[6])
{
	for (int i = 0; i < 6; i++) {
		int hi, lo;
		if (i && !skip(p, end, " "))
			return false;
		if (end - *p < 2 || (hi = hexval((*p)[0])) < 0 || (lo = hexval((*p)[1])) < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
		*p += 2;
	}
	return true;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

static enum lm_obs_conn_state conn_state(const char *s, size_t n)
{
	static const struct { const char *name; enum lm_obs_conn_state st; } v[] = {
		{ "TARG_CONN_STATE_LOGGED_IN", LM_CONN_FULL },
		{ "TARG_CONN_STATE_IN_LOGIN", LM_CONN_LOGIN },
		{ "TARG_CONN_STATE_XPT_UP", LM_CONN_LOGIN },
		{ "TARG_CONN_STATE_IN_LOGOUT", LM_CONN_LOGOUT },
		{ "TARG_CONN_STATE_LOGOUT_REQUESTED", LM_CONN_LOGOUT },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (strlen(v[i].name) == n && memcmp(s, v[i].name, n) == 0)
			return v[i].st;
	return LM_CONN_UNKNOWN;
}

/* "CID: %hu  Connection State: S\n   Address A PROTO  StatSN: 0x%08x" */
static bool connection(const char **p, const char *end, struct lm_obs_session *x)
{
	const char *e = line_end(*p, end), *a, *sp;
	struct lm_obs_conn c = { 0 };
	uint64_t cid;

	if (!skip(p, e, "CID: ") || !number(p, e, 0xffff, &cid) ||
	    !skip(p, e, "  Connection State: "))
		return false;
	c.cid = (uint32_t)cid;
	c.state = conn_state(*p, (size_t)(e - *p));
	if (e == end)
		return false;
	*p = e + 1;
	e = line_end(*p, end);
	if (!skip(p, e, "   Address "))
		return false;
	a = *p;
	sp = memchr(a, ' ', (size_t)(e - a));
	if (!sp)
		return false;
	c.family = lm_obs_addr(a, (size_t)(sp - a), c.addr);
	*p = sp + 1;
	c.protocol = skip(p, e, "TCP") ? 6 : skip(p, e, "SCTP") ? 132 : 0;
	*p = e < end ? e + 1 : e;
	x->nconns_total++;
	if (x->nconns < LM_OBS_MAX_CONNS)
		x->conns[x->nconns++] = c;
	return true;
}

int lm_lio_parse_info(const char *text, size_t n, struct lm_obs_session *x)
{
	static const char sid_line[] = "\nLIO Session ID: ", alias_line[] = "\nInitiatorAlias: ";
	const char *end = text + n, *p, *a, *conns;
	uint64_t sid, tsih;

	if (n >= 31 && memcmp(text, "No active iSCSI Session", 23) == 0)
		return 0;
	if (n < 15 || memcmp(text, "InitiatorName: ", 15) != 0)
		return -1;
	/* the alias is the initiator's text, any bytes but NUL: the last
	 * session line is LIO's own, and after it no initiator's byte */
	p = lm_lio_find_last(text, n, sid_line);
	a = memchr(text, '\n', n);
	if (!p || !a || !at(a, end, alias_line) || a + sizeof alias_line - 1 > p)
		return -1;
	a += sizeof alias_line - 1;
	x->has_alias = true;
	lm_obs_text(x->alias, LM_OBS_ALIAS_MAX, a, (size_t)(p - a));
	p += sizeof sid_line - 1;
	if (!number(&p, end, UINT32_MAX, &sid) || !skip(&p, end, "   ISID: 0x") ||
	    !isid(&p, end, x->isid) || !skip(&p, end, "  TSIH: ") || !number(&p, end, 0xffff, &tsih) ||
	    !skip(&p, end, "  SessionType: "))
		return -1;
	if (skip(&p, end, "Discovery"))
		return 0;
	x->id = (uint32_t)sid;
	x->tsih = (uint32_t)tsih;
	x->has_isid = true;
	conns = lm_lio_find_last(p, (size_t)(end - p), "[iSCSI Connections]");
	if (!conns)
		return 1;
	p = line_end(conns, end);
	p = p < end ? p + 1 : p;
	while (at(p, end, "CID: "))
		if (!connection(&p, end, x))
			return -1;
	return 1;
}

/* ---------------------------------------------------------------- sessions */

static void read_counters(const char *acldir, struct lm_obs_counters *c)
{
	static const char *const f[] = { "cmd_pdus", "rsp_pdus", "txdata_octs", "rxdata_octs",
					 "conn_digest_errors", "conn_timeout_errors" };
	uint64_t v[6];
	char path[PATH_MAX];

	for (size_t i = 0; i < 6; i++) {
		pathf(path, "%s/fabric_statistics/iscsi_sess_stats/%s", acldir, f[i]);
		/* empty when the session ended meanwhile */
		if (lm_lio_read_u64(path, &v[i]) != 0)
			return;
	}
	*c = (struct lm_obs_counters){ .known = true, .cmd_pdus = v[0], .rsp_pdus = v[1],
				       .tx_octets = v[2], .rx_octets = v[3], .errors_known = true,
				       .digest_errors = v[4], .timeout_errors = v[5] };
}

/* Each node ACL with a session: 0, or -1 when an info could not be read
 * as LIO writes it. */
static int acl_sessions(const char *tpg, struct lm_obs_sessions *out, bool *oom)
{
	char dir[PATH_MAX], *text = malloc(PAGE + 1);
	struct dirent *e;
	int rc = 0;
	DIR *d;

	pathf(dir, "%s/acls", tpg);
	d = opendir(dir);
	if (!text) {
		*oom = true;
		rc = -1;
	}
	while (d && rc == 0 && (e = readdir(d))) {
		char acl[PATH_MAX], path[PATH_MAX];
		struct lm_obs_session x = { 0 }, *s;
		ssize_t n;
		int got;
		if (!lm_cfs_is_target_name(e->d_name) || !lm_valid_component(e->d_name))
			continue;
		pathf(acl, "%s/%s", dir, e->d_name);
		pathf(path, "%s/info", acl);
		if ((n = read_raw(path, text, PAGE + 1)) < 0)
			continue;
		got = lm_lio_parse_info(text, (size_t)n, &x);
		if (got <= 0) {
			rc = got;
			continue;
		}
		/* the ACL's own name: the admin's folder, the one LIO matched */
		if (!lm_obs_name(x.name, e->d_name, strlen(e->d_name)))
			continue;
		read_counters(acl, &x.counters);
		if (!(s = lm_obs_session_add(out, x.id))) {
			*oom = true;
			rc = -1;
			break;
		}
		*s = x;
	}
	if (d)
		closedir(d);
	free(text);
	return rc;
}

/* Demo mode's sessions: a name a line. false when a line is no name. */
static bool dynamic_sessions(const char *tpg, uint32_t first_id, struct lm_obs_sessions *out,
			     bool *oom)
{
	char path[PATH_MAX], text[PAGE + 1];
	ssize_t n;
	bool ok = true;
	uint32_t id = first_id;

	pathf(path, "%s/dynamic_sessions", tpg);
	if ((n = read_raw(path, text, sizeof text)) <= 0)
		return true;
	for (char *p = text, *end = text + n; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct lm_obs_session *x;
		if (len && memchr(p, '\0', len))
			len = strlen(p);
		if (len) {
			if (!(x = lm_obs_session_add(out, id++))) {
				*oom = true;
				return false;
			}
			ok &= lm_obs_name(x->name, p, len);
		}
		p = nl ? nl + 1 : end;
		while (p < end && *p == '\0')
			p++;
	}
	return ok;
}

lm_hr lm_lio_read_sessions(const char *configfs, const char *iqn, struct lm_obs_sessions *out,
			   struct lm_err *err)
{
	char dir[PATH_MAX], tpg[PATH_MAX], path[PATH_MAX];
	uint64_t kernel_count;
	uint32_t max_id = 0;
	bool oom = false, ok;
	lm_hr hr = lm_lio_target_dir(configfs, iqn, dir, err);

	memset(out, 0, sizeof *out);
	if (lm_failed(hr))
		return hr;
	pathf(tpg, "%s/" TPG, dir);
	ok = acl_sessions(tpg, out, &oom) == 0;
	for (size_t i = 0; i < out->n; i++)
		max_id = out->v[i].id > max_id ? out->v[i].id : max_id;
	if (!oom)
		ok &= dynamic_sessions(tpg, max_id + 1, out, &oom);
	if (oom) {
		lm_obs_sessions_clear(out);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for LIO's sessions");
	}
	lm_obs_sessions_sort(out);
	/* the kernel's own count: a name with a newline in it makes two
	 * lines of dynamic_sessions, never another session */
	pathf(path, "%s/fabric_statistics/iscsi_instance/sessions", dir);
	if (lm_lio_read_u64(path, &kernel_count) == 0 && kernel_count != out->n) {
		ok = false;
		lm_obs_sessions_clear(out);
		for (uint32_t i = 1; i <= kernel_count && i <= LM_OBS_MAX_CONNS * 64u; i++)
			if (!lm_obs_session_add(out, i)) {
				lm_obs_sessions_clear(out);
				return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for LIO's sessions");
			}
	}
	if (!ok)
		lm_obs_sessions_distrust(out);
	out->trusted = ok;
	return LM_S_OK;
}
