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

/* Whether the blocks of session tsih are exactly its connections st
 * counts, once each, under one well-formed name; then they go into x. */
static bool blocks_match(const struct lm_tgt_conn_block *v, size_t n, uint32_t tsih,
			 const struct lm_tgt_session_stat *st, struct lm_obs_session *x)
{
	const char *name = NULL;
	size_t seen = 0;

	if (st->too_many_conns)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct lm_tgt_conn_block *b = &v[i];
		bool counted = false;
		if (b->tsih != tsih)
			continue;
		if (!b->name_ok || (name && strcmp(name, b->name) != 0))
			return false;
		name = b->name;
		for (size_t j = 0; j < st->ncids; j++)
			counted |= st->cids[j] == b->cid;
		for (size_t j = 0; j < x->nconns; j++)
			if (x->conns[j].cid == b->cid)
				return false;
		if (!counted || x->nconns == LM_OBS_MAX_CONNS)
			return false;
		x->conns[x->nconns++] = (struct lm_obs_conn){
			.cid = b->cid, .state = LM_CONN_FULL, .family = b->family,
			.protocol = b->protocol,
		};
		memcpy(x->conns[x->nconns - 1].addr, b->addr, sizeof b->addr);
		seen++;
	}
	if (!name || seen != st->ncids)
		return false;
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

lm_hr lm_tgt_verify_sessions(const char *view, uint32_t tid, lm_tgt_stat_fn stat, void *ctx,
			     bool last_try, bool *again, struct lm_obs_sessions *out,
			     struct lm_err *err)
{
	struct lm_tgt_conn_block *v = NULL;
	uint32_t *cand = malloc(LM_TGT_MAX_SESSIONS * sizeof *cand);
	size_t n = 0, k;
	bool oom = false, garbled, trusted, all;
	lm_hr hr = LM_S_OK;

	*again = false;
	memset(out, 0, sizeof *out);
	if (!cand)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for tgtd's sessions");
	garbled = lm_tgt_parse_connections(view, &v, &n, &oom) != 0;
	if (oom) {
		free(cand);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for tgtd's sessions");
	}
	k = candidates(view, v, n, garbled, cand, &all);
	trusted = !garbled && all;
	for (size_t i = 0; i < k && !lm_failed(hr) && !*again; i++) {
		struct lm_tgt_session_stat st;
		struct lm_obs_session *x;
		char *text = NULL;
		bool gone = false;
		hr = stat(ctx, cand[i], &text, &gone, err);
		if (lm_failed(hr))
			break;
		if (gone || lm_tgt_parse_session_stats(text, cand[i], tid, &st) != 0 ||
		    !st.on_target) {
			/* a session of a readable view that ended just now, or one
			 * a name made up */
			*again = gone && !garbled && !last_try;
			trusted = false;
			free(text);
			continue;
		}
		free(text);
		if (!(x = lm_obs_session_add(out, cand[i]))) {
			hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for tgtd's sessions");
			break;
		}
		x->tsih = cand[i];
		x->nconns_total = (uint32_t)st.ncids + (st.too_many_conns ? 1 : 0);
		x->counters = (struct lm_obs_counters){ .known = true, .cmd_pdus = st.cmd_pdus,
							.rsp_pdus = st.rsp_pdus,
							.tx_octets = st.tx_octets,
							.rx_octets = st.rx_octets };
		if (trusted && !blocks_match(v, n, cand[i], &st, x))
			trusted = false;
	}
	/* a block whose session tgtd did not confirm was skipped above */
	free(v);
	free(cand);
	if (lm_failed(hr) || *again) {
		lm_obs_sessions_clear(out);
		return hr;
	}
	lm_obs_sessions_sort(out);
	if (!trusted)
		lm_obs_sessions_distrust(out);
	out->trusted = trusted;
	return LM_S_OK;
}
