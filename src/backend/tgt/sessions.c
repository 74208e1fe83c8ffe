/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sessions.h"
#include "vec.h"

#define TAB1 "    "
#define TAB2 TAB1 TAB1

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

/* A TSIH or CID: a 16-bit number in strict decimal. */
static bool u16_at(const char *s, size_t n, uint32_t *out)
{
	uint64_t v;

	if (lm_obs_u64(s, n, &v) != 0 || v > 0xffff || (n > 1 && s[0] == '0'))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* ep_show's text: "IP Address: A" (TCP), "RDMA IP Address: A" (iSER),
 * or nothing when tgtd could not name the peer. */
static bool address_line(const char *s, size_t n, struct lm_tgt_conn_block *b)
{
	static const char ip[] = "IP Address: ", rdma[] = "RDMA IP Address: ";

	if (n == 0)
		return true;
	if (starts(s, n, ip)) {
		b->family = lm_obs_addr(s + sizeof ip - 1, n - (sizeof ip - 1), b->addr);
		b->protocol = 6;
	} else if (starts(s, n, rdma)) {
		b->family = lm_obs_addr(s + sizeof rdma - 1, n - (sizeof rdma - 1), b->addr);
	} else {
		return false;
	}
	return b->family != 0;
}

enum expect { E_SESSION, E_CONNECTION, E_INITIATOR, E_ADDRESS };

int lm_tgt_parse_connections(const char *text, struct lm_tgt_conn_block **out, size_t *n,
			     bool *oom)
{
	struct lm_tgt_conn_block *v = NULL, *b = NULL;
	size_t cap = 0, count = 0;
	enum expect want = E_SESSION;
	const char *p = text;

	*out = NULL;
	*n = 0;
	*oom = false;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool ok = false;
		switch (want) {
		case E_SESSION:
			if (lm_grow((void **)&v, &cap, count + 1, sizeof *v)) {
				*oom = true;
				goto refuse;
			}
			b = &v[count++];
			memset(b, 0, sizeof *b);
			ok = starts(p, len, "Session: ") && u16_at(p + 9, len - 9, &b->tsih);
			break;
		case E_CONNECTION:
			ok = starts(p, len, TAB1 "Connection: ") &&
			     u16_at(p + 16, len - 16, &b->cid);
			break;
		case E_INITIATOR:
			ok = starts(p, len, TAB2 "Initiator: ");
			if (ok)
				b->name_ok = lm_obs_name(b->name, p + 19, len - 19);
			break;
		case E_ADDRESS:
			ok = starts(p, len, TAB2) && address_line(p + 8, len - 8, b);
			break;
		}
		if (!ok || !nl)
			goto refuse;
		want = want == E_ADDRESS ? E_SESSION : want + 1;
		p = nl + 1;
	}
	if (want != E_SESSION)
		goto refuse;
	*out = v;
	*n = count;
	return 0;
refuse:
	free(v);
	return -1;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

bool lm_tgt_session_candidates(const char *text, uint32_t *out, size_t max, size_t *n)
{
	const char *p = text;
	size_t k = 0, m = 0;
	bool all = true;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		uint32_t tsih;
		if (starts(p, len, "Session: ") && u16_at(p + 9, len - 9, &tsih)) {
			if (k < max)
				out[k++] = tsih;
			else
				all = false;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	qsort(out, k, sizeof *out, u32_cmp);
	for (size_t i = 0; i < k; i++)
		if (!m || out[m - 1] != out[i])
			out[m++] = out[i];
	*n = m;
	return all;
}

/* Splits a line into at most max decimal fields; the count, or -1 when a
 * field is not a number (a header line). */
static int numbers(const char *s, size_t n, uint64_t *f, int max)
{
	int k = 0;
	size_t i = 0;

	for (;;) {
		size_t start;
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			return k;
		start = i;
		while (i < n && s[i] != ' ')
			i++;
		if (k == max || lm_obs_u64(s + start, i - start, &f[k]) != 0)
			return -1;
		k++;
	}
}

int lm_tgt_parse_session_stats(const char *text, uint32_t tsih, uint32_t tid,
			       struct lm_tgt_session_stat *out)
{
	const char *p = text;
	size_t lus = 0;
	bool wrong_tid = false;

	memset(out, 0, sizeof *out);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		uint64_t f[12];
		int k = numbers(p, len, f, 12);
		if (k == 12) {
			/* tid lun sid, rd_subm/done, wr_subm/done, errs */
			if (f[2] != tsih)
				return -1;
			lus++;
			wrong_tid |= f[0] != tid;
		} else if (k == 8) {
			/* sid cid rxdata txdata dataout datain cmd rsp */
			if (f[0] != tsih || f[1] > 0xffff)
				return -1;
			for (size_t i = 0; i < out->ncids; i++)
				if (out->cids[i] == f[1])
					return -1;
			if (out->ncids < LM_OBS_MAX_CONNS)
				out->cids[out->ncids++] = (uint32_t)f[1];
			else
				out->too_many_conns = true;
			out->rx_octets += f[2];
			out->tx_octets += f[3];
			out->cmd_pdus += f[6];
			out->rsp_pdus += f[7];
		} else if (k != -1 && k != 0) {
			return -1;
		} else if (k == -1 && !(starts(p, len, "tgt lun sid ") || starts(p, len, "sid cid "))) {
			return -1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	out->on_target = lus > 0 && !wrong_tid;
	return 0;
}

/* Which blocks of the view can be believed. A block is bad when tgtd
 * does not confirm its session on this target or its connection, when
 * its name is no single word, or when another block claims the same
 * connection. A name that smuggles blocks in is read as its own block
 * (its real header, the name's first line, a made-up address) and then
 * the made-up blocks, which are bad by the above (every real connection
 * has its one real block): the block just before each run of bad blocks
 * is that name's owner, bad too. */
static void judge(const struct lm_tgt_conn_block *v, size_t n, const uint32_t *tsih,
		  const struct lm_tgt_session_stat *st, size_t k, bool *good)
{
	bool *bad = calloc(n ? n : 1, sizeof *bad);

	for (size_t i = 0; i < n; i++) {
		const struct lm_tgt_session_stat *s = NULL;
		bool counted = false;
		for (size_t j = 0; j < k && !s; j++)
			if (tsih[j] == v[i].tsih && st[j].on_target)
				s = &st[j];
		for (size_t j = 0; s && j < s->ncids; j++)
			counted |= s->cids[j] == v[i].cid;
		good[i] = counted && v[i].name_ok && !s->too_many_conns;
		for (size_t j = 0; j < i; j++)
			if (v[j].tsih == v[i].tsih && v[j].cid == v[i].cid)
				good[i] = good[j] = false;
	}
	if (!bad) {
		/* no memory to look closer: believe nothing */
		memset(good, 0, n * sizeof *good);
		return;
	}
	for (size_t i = 0; i < n; i++)
		bad[i] = !good[i];
	for (size_t i = 1; i < n; i++)
		if (bad[i] && !bad[i - 1])
			good[i - 1] = false;
	free(bad);
}

/* The session's blocks, when all of them are good, are its connections
 * tgtd counts, once each, under one name: then they go into x. */
static bool take_blocks(const struct lm_tgt_conn_block *v, const bool *good, size_t n,
			const struct lm_tgt_session_stat *st, struct lm_obs_session *x)
{
	const char *name = NULL;
	size_t seen = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].tsih != x->tsih)
			continue;
		if (!good[i] || (name && strcmp(name, v[i].name) != 0))
			return false;
		name = v[i].name;
		seen++;
	}
	if (!name || seen != st->ncids)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct lm_obs_conn *c;
		if (v[i].tsih != x->tsih)
			continue;
		c = &x->conns[x->nconns++];
		*c = (struct lm_obs_conn){ .cid = v[i].cid, .state = LM_CONN_FULL,
					   .family = v[i].family, .protocol = v[i].protocol };
		memcpy(c->addr, v[i].addr, sizeof c->addr);
	}
	memcpy(x->name, name, strlen(name) + 1);
	return true;
}

/* The sessions to ask about: those of the blocks, or, when the view
 * cannot be read, every "Session:" line's. */
static size_t candidates(const char *view, const struct lm_tgt_conn_block *v, size_t n,
			 bool garbled, uint32_t *out, bool *all)
{
	size_t k = 0;

	*all = true;
	if (garbled) {
		*all = lm_tgt_session_candidates(view, out, LM_TGT_MAX_SESSIONS, &k);
		return k;
	}
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = out[j] == v[i].tsih;
		if (dup)
			continue;
		if (k == LM_TGT_MAX_SESSIONS) {
			*all = false;
			break;
		}
		out[k++] = v[i].tsih;
	}
	return k;
}

/* Asks tgtd about each candidate: st[i].on_target false for one it does
 * not confirm here. *gone: one of a readable view was gone. */
static lm_hr confirm(const uint32_t *cand, size_t k, uint32_t tid, lm_tgt_stat_fn stat, void *ctx,
		     struct lm_tgt_session_stat *st, bool *gone_any, struct lm_err *err)
{
	*gone_any = false;
	for (size_t i = 0; i < k; i++) {
		char *text = NULL;
		bool gone = false;
		lm_hr hr = stat(ctx, cand[i], &text, &gone, err);
		if (lm_failed(hr))
			return hr;
		if (gone || lm_tgt_parse_session_stats(text, cand[i], tid, &st[i]) != 0)
			memset(&st[i], 0, sizeof st[i]);
		*gone_any |= gone;
		free(text);
	}
	return LM_S_OK;
}

lm_hr lm_tgt_verify_sessions(const char *view, uint32_t tid, lm_tgt_stat_fn stat, void *ctx,
			     bool last_try, bool *again, struct lm_obs_sessions *out,
			     struct lm_err *err)
{
	struct lm_tgt_conn_block *v = NULL;
	uint32_t *cand = malloc(LM_TGT_MAX_SESSIONS * sizeof *cand);
	struct lm_tgt_session_stat *st = calloc(LM_TGT_MAX_SESSIONS, sizeof *st);
	bool *good = NULL, oom = false, garbled, all, gone;
	size_t n = 0, k = 0;
	lm_hr hr = LM_S_OK;

	*again = false;
	memset(out, 0, sizeof *out);
	out->trusted = true;
	if (!cand || !st)
		goto oom;
	garbled = lm_tgt_parse_connections(view, &v, &n, &oom) != 0;
	if (oom || !(good = calloc(n ? n : 1, sizeof *good)))
		goto oom;
	k = candidates(view, v, n, garbled, cand, &all);
	hr = confirm(cand, k, tid, stat, ctx, st, &gone, err);
	if (lm_failed(hr))
		goto out;
	if (gone && !garbled && !last_try) {
		/* a session may have just ended: the caller reads the view again */
		*again = true;
		goto out;
	}
	if (!garbled)
		judge(v, n, cand, st, k, good);
	for (size_t i = 0; i < k; i++) {
		struct lm_obs_session *x;
		if (!st[i].on_target)
			continue;
		if (!(x = lm_obs_session_add(out, cand[i])))
			goto oom;
		x->tsih = cand[i];
		x->nconns_total = (uint32_t)st[i].ncids + (st[i].too_many_conns ? 1 : 0);
		x->counters = (struct lm_obs_counters){ .known = true, .cmd_pdus = st[i].cmd_pdus,
							.rsp_pdus = st[i].rsp_pdus,
							.tx_octets = st[i].tx_octets,
							.rx_octets = st[i].rx_octets };
		if (garbled || !take_blocks(v, good, n, &st[i], x))
			out->trusted = false;
	}
	/* a block of a session tgtd did not confirm is someone's invention */
	for (size_t i = 0; i < n && out->trusted; i++)
		out->trusted = good[i];
	out->trusted &= all && !garbled;
	lm_obs_sessions_sort(out);
	goto out;
oom:
	hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for tgtd's sessions");
out:
	if (lm_failed(hr) || *again)
		lm_obs_sessions_clear(out);
	free(v);
	free(cand);
	free(st);
	free(good);
	return hr;
}
