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
#include "vec.h"

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

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n = read_raw(path, buf, sizeof buf);

	return n > 0 ? lm_obs_u64(buf, (size_t)n, v) : -1;
}

/* One line of text, trailing blanks and newline cut. */
static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n = read_raw(path, buf, len);

	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\0'))
		buf[--n] = '\0';
	return memchr(buf, '\n', (size_t)n) ? -1 : 0;
}

static lm_hr target_dir(const char *configfs, const char *iqn, char *dir, struct lm_err *err)
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

static const char *find_last(const char *s, size_t n, const char *needle)
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
	p = find_last(text, n, sid_line);
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
	conns = find_last(p, (size_t)(end - p), "[iSCSI Connections]");
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

static bool is_name(const char *s)
{
	return !strncmp(s, "iqn.", 4) || !strncmp(s, "eui.", 4) || !strncmp(s, "naa.", 4);
}

static void read_counters(const char *acldir, struct lm_obs_counters *c)
{
	static const char *const f[] = { "cmd_pdus", "rsp_pdus", "txdata_octs", "rxdata_octs",
					 "conn_digest_errors", "conn_timeout_errors" };
	uint64_t v[6];
	char path[PATH_MAX];

	for (size_t i = 0; i < 6; i++) {
		pathf(path, "%s/fabric_statistics/iscsi_sess_stats/%s", acldir, f[i]);
		/* empty when the session ended meanwhile */
		if (read_u64(path, &v[i]) != 0)
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
		if (!is_name(e->d_name) || !lm_valid_component(e->d_name))
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
	lm_hr hr = target_dir(configfs, iqn, dir, err);

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
	if (read_u64(path, &kernel_count) == 0 && kernel_count != out->n) {
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

/* ---------------------------------------------------------------- stats */

/* Reads dir/name[i] into v[i] for each name; 0 when all were read. */
static int read_all(const char *dir, const char *const *names, uint64_t *const *v, size_t n)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		pathf(path, "%s/%s", dir, names[i]);
		if (read_u64(path, v[i]) != 0)
			return -1;
	}
	return 0;
}

static void read_login(const char *stats, struct lm_obs_stats *o)
{
	static const char *const names[] = { "accepts", "other_fails", "redirects",
					      "authorize_fails", "authenticate_fails",
					      "negotiate_fails" };
	uint64_t *const v[] = { &o->accepts, &o->other_fails, &o->redirects, &o->authorize_fails,
				&o->authenticate_fails, &o->negotiate_fails };
	char dir[PATH_MAX], path[PATH_MAX], text[256];
	uint64_t type = 0, when = 0;

	pathf(dir, "%s/iscsi_login_stats", stats);
	o->login_known = read_all(dir, names, v, 6) == 0;
	pathf(dir, "%s/iscsi_tgt_attr", stats);
	pathf(path, "%s/last_fail_type", dir);
	if (!o->login_known || read_u64(path, &type) != 0 || type < 2 || type > 6)
		return;
	o->last_fail = (enum lm_login_fail)type;
	pathf(path, "%s/last_fail_time", dir);
	if (read_u64(path, &when) == 0)
		o->last_fail_cs = when;
	pathf(path, "%s/fail_intr_name", dir);
	/* "None" before any failure, "Unknown" when the login named nobody */
	if (read_line(path, text, sizeof text) == 0 && strcmp(text, "None") != 0 &&
	    strcmp(text, "Unknown") != 0)
		lm_obs_name(o->fail_name, text, strlen(text));
	pathf(path, "%s/fail_intr_addr", dir);
	if (read_line(path, text, sizeof text) == 0)
		o->fail_family = lm_obs_addr(text, strlen(text), o->fail_addr);
}

static void read_instance(const char *stats, struct lm_obs_stats *o)
{
	static const char *const names[] = { "digest_errors", "cxn_errors", "format_errors" };
	static const char *const lnames[] = { "normal_logouts", "abnormal_logouts" };
	uint64_t *const v[] = { &o->digest_errors, &o->cxn_errors, &o->format_errors };
	uint64_t *const lv[] = { &o->normal_logouts, &o->abnormal_logouts };
	char dir[PATH_MAX], path[PATH_MAX], text[256];
	uint64_t type;

	pathf(dir, "%s/iscsi_logout_stats", stats);
	o->logout_known = read_all(dir, lnames, lv, 2) == 0;
	pathf(dir, "%s/iscsi_sess_err", stats);
	o->sess_err_known = read_all(dir, names, v, 3) == 0;
	pathf(path, "%s/iscsi_instance/fail_type", stats);
	if (o->sess_err_known && read_u64(path, &type) == 0 && type >= 1 && type <= 3)
		o->last_sess_fail = (enum lm_sess_fail)type;
	pathf(path, "%s/iscsi_instance/fail_rem_name", stats);
	if (read_line(path, text, sizeof text) == 0 && strcmp(text, "None") != 0)
		lm_obs_name(o->sess_fail_name, text, strlen(text));
	pathf(path, "%s/iscsi_instance/vendor", stats);
	if (read_line(path, text, sizeof text) == 0)
		lm_obs_text(o->vendor, sizeof o->vendor - 1, text, strlen(text));
	pathf(path, "%s/iscsi_instance/version", stats);
	if (read_line(path, text, sizeof text) == 0)
		lm_obs_text(o->version, sizeof o->version - 1, text, strlen(text));
}

static void read_word(const char *path, char *dst, size_t max)
{
	char text[64];

	if (read_line(path, text, sizeof text) == 0)
		lm_obs_text(dst, max, text, strlen(text));
}

static void read_lu(const char *configfs, const char *lundir, struct lm_obs_lu *l)
{
	static const char *const pn[] = { "in_cmds", "read_mbytes", "write_mbytes" };
	static const char *const ln[] = { "num_cmds", "read_mbytes", "write_mbytes", "resets" };
	uint64_t *const pv[] = { &l->port_cmds, &l->port_read_mb, &l->port_write_mb };
	uint64_t *const lv[] = { &l->lu_cmds, &l->lu_read_mb, &l->lu_write_mb, &l->lu_resets };
	char dir[PATH_MAX], bs[PATH_MAX], path[PATH_MAX];

	pathf(dir, "%s/statistics/scsi_tgt_port", lundir);
	l->port_known = read_all(dir, pn, pv, 3) == 0;
	lm_lio_linked_backstore(&no_deadline, lundir, bs, sizeof bs);
	if (!bs[0])
		return;
	pathf(dir, "%s/core/%s/statistics/scsi_lu", configfs, bs);
	l->lu_known = read_all(dir, ln, lv, 4) == 0;
	pathf(path, "%s/vend", dir);
	read_word(path, l->vendor, sizeof l->vendor - 1);
	pathf(path, "%s/prod", dir);
	read_word(path, l->product, sizeof l->product - 1);
	pathf(path, "%s/rev", dir);
	read_word(path, l->revision, sizeof l->revision - 1);
}

static bool lun_folder(const char *name, uint32_t *number)
{
	unsigned long long v;

	if (strncmp(name, "lun_", 4) != 0 ||
	    !lm_parse_u64(name + 4, strlen(name + 4), UINT32_MAX, &v))
		return false;
	*number = (uint32_t)v;
	return true;
}

static int read_lus(const char *configfs, const char *tpg, struct lm_obs_stats *o)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	pathf(dir, "%s/lun", tpg);
	d = opendir(dir);
	while (d && rc == 0 && (e = readdir(d))) {
		char lundir[PATH_MAX];
		struct lm_obs_lu *l;
		uint32_t number;
		if (!lun_folder(e->d_name, &number))
			continue;
		if (!(l = lm_obs_lu_add(o, number))) {
			rc = -1;
			break;
		}
		pathf(lundir, "%s/%s", dir, e->d_name);
		read_lu(configfs, lundir, l);
	}
	if (d)
		closedir(d);
	return rc;
}

/* One initiator of the ACL: its mapped LUNs' counters, summed. */
static void read_initiator(const char *acl, struct lm_obs_initiator *x)
{
	static const char *const names[] = { "att_count", "num_cmds", "read_mbytes", "write_mbytes" };
	struct dirent *e;
	DIR *d = opendir(acl);

	while (d && (e = readdir(d))) {
		char dir[PATH_MAX];
		uint64_t v[4];
		uint64_t *const pv[] = { &v[0], &v[1], &v[2], &v[3] };
		uint32_t number;
		if (!lun_folder(e->d_name, &number))
			continue;
		pathf(dir, "%s/%s/statistics/scsi_auth_intr", acl, e->d_name);
		if (read_all(dir, names, pv, 4) != 0)
			continue;
		x->attached += v[0];
		x->cmds += v[1];
		x->read_mb += v[2];
		x->write_mb += v[3];
	}
	if (d)
		closedir(d);
}

static int read_initiators(const char *tpg, struct lm_obs_stats *o)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	pathf(dir, "%s/acls", tpg);
	d = opendir(dir);
	while (d && rc == 0 && (e = readdir(d))) {
		char acl[PATH_MAX];
		struct lm_obs_initiator *x;
		if (!is_name(e->d_name) || !lm_valid_component(e->d_name))
			continue;
		if (!(x = lm_obs_initiator_add(o, e->d_name)))
			continue;
		pathf(acl, "%s/%s", dir, e->d_name);
		read_initiator(acl, x);
	}
	if (d)
		closedir(d);
	return rc;
}

lm_hr lm_lio_read_stats(const char *configfs, const char *iqn, struct lm_obs_stats *out,
			struct lm_err *err)
{
	char dir[PATH_MAX], stats[PATH_MAX], tpg[PATH_MAX];
	lm_hr hr = target_dir(configfs, iqn, dir, err);

	memset(out, 0, sizeof *out);
	if (lm_failed(hr))
		return hr;
	pathf(stats, "%s/fabric_statistics", dir);
	pathf(tpg, "%s/" TPG, dir);
	read_login(stats, out);
	read_instance(stats, out);
	if (read_lus(configfs, tpg, out) != 0 || read_initiators(tpg, out) != 0) {
		lm_obs_stats_clear(out);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for LIO's statistics");
	}
	lm_obs_stats_sort(out);
	return LM_S_OK;
}

/* ---------------------------------------------------------------- refusals */

void lm_lio_refusals_open(struct lm_lio_refusals *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->fd >= 0 && lseek(r->fd, 0, SEEK_END) < 0) {
		close(r->fd);
		r->fd = -1;
	}
}

void lm_lio_refusals_close(struct lm_lio_refusals *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->names);
	free(r->seen);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

int lm_lio_parse_refusal(const char *rec, size_t n, char name[LM_OBS_NAME_MAX + 1])
{
	static const char head[] = "iSCSI Initiator Node: ",
			  tail[] = " is not authorized to access iSCSI target portal group: ";
	const char *msg = memchr(rec, ';', n), *end, *t;

	/* /dev/kmsg: "prio,seq,usec,flags;message\n" then the record's
	 * dictionary; the kernel escapes a non-printable byte as \xNN */
	if (!msg)
		return -1;
	msg++;
	end = memchr(msg, '\n', (size_t)(rec + n - msg));
	end = end ? end : rec + n;
	if ((size_t)(end - msg) < sizeof head - 1 || memcmp(msg, head, sizeof head - 1) != 0)
		return -1;
	msg += sizeof head - 1;
	/* the name is the initiator's text: the tail is searched from the
	 * end, and a name with a space in it is no name */
	t = find_last(msg, (size_t)(end - msg), tail);
	if (!t)
		return -1;
	return lm_obs_name(name, msg, (size_t)(t - msg)) ? 0 : -1;
}

static void read_records(struct lm_lio_refusals *r)
{
	char rec[8192], name[LM_OBS_NAME_MAX + 1];

	for (int i = 0; r->fd >= 0 && i < 10000; i++) {
		ssize_t n = read(r->fd, rec, sizeof rec);
		if (n < 0 && errno == EPIPE)
			continue; /* records were overwritten: the next ones follow */
		if (n <= 0)
			break;
		if (lm_lio_parse_refusal(rec, (size_t)n, name) != 0)
			continue;
		if (lm_grow((void **)&r->names, &r->cap, r->n + 1, sizeof *r->names))
			break;
		memcpy(r->names[r->n++], name, sizeof name);
	}
}

void lm_lio_refusals_match(struct lm_lio_refusals *r, const char *iqn, struct lm_obs_stats *s)
{
	struct lm_lio_refused *seen = NULL;
	uint64_t grew;
	bool same = true;

	/* the counters were read before: a refusal's record comes before its
	 * count, so the records read now hold every refusal counted */
	read_records(r);
	for (size_t i = 0; i < r->nseen && !seen; i++)
		if (strcmp(r->seen[i].iqn, iqn) == 0)
			seen = &r->seen[i];
	if (!seen) {
		if (!s->login_known || strlen(iqn) > LM_OBS_NAME_MAX ||
		    lm_grow((void **)&r->seen, &r->capseen, r->nseen + 1, sizeof *r->seen))
			return;
		seen = &r->seen[r->nseen++];
		snprintf(seen->iqn, sizeof seen->iqn, "%s", iqn);
		seen->authorize_fails = s->authorize_fails;
		return;
	}
	grew = s->login_known && s->authorize_fails > seen->authorize_fails
		       ? s->authorize_fails - seen->authorize_fails : 0;
	if (s->login_known)
		seen->authorize_fails = s->authorize_fails;
	if (!grew)
		return;
	for (size_t i = 1; i < r->n; i++)
		same &= strcmp(r->names[i], r->names[0]) == 0;
	if (r->n == grew && same && !s->fail_name[0])
		memcpy(s->fail_name, r->names[0], sizeof s->fail_name);
	/* matched or not, these records are spent: another target's
	 * refusals among them made them ambiguous */
	r->n = 0;
}
