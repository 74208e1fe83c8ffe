/* SPDX-License-Identifier: BSD-3-Clause */
/* Who is logged in, as the stacks print it with initiator-chosen text in
 * it. The first byte picks the parser:
 *   0..127   tgt: the rest describes real sessions (TSIH, CIDs, a name of
 *            any bytes, an address); the connection view is printed from
 *            them as tgtd prints it (names verbatim) and read back with
 *            their statistics. Whatever the names hold, a session shown
 *            with a name is a real one with that very name, and its
 *            connections are its real ones with their real addresses.
 *   128..191 tgt: the rest is a connection view as it is, against two
 *            real sessions: only those two can be shown.
 *   192..223 LIO: a node ACL's info text.
 *   224..255 LIO: a kernel log record. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lio.h"
#include "sessions.h"

#define TID 1
#define MAX_REAL 4

struct real {
	uint32_t tsih;
	uint32_t cids[2];
	size_t ncids;
	char name[300];
	uint8_t addr[2];
};

struct truth {
	struct real v[MAX_REAL];
	size_t n;
};

static lm_hr stat_of(void *ctx, uint32_t tsih, char **text, bool *gone, struct lm_err *err)
{
	const struct truth *t = ctx;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)err;
	*gone = true;
	*text = NULL;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].tsih != tsih)
			continue;
		f = open_memstream(&out, &len);
		fprintf(f, "tgt lun sid rd_subm(bytes,cmds) rd_done(bytes,cmds) wr_subm(bytes,cmds) "
			   "wr_done(bytes,cmds) errs\n");
		fprintf(f, "%3d %3d %3u 0 0 0 0 0 0 0 0 0\n", TID, 0, tsih);
		fprintf(f, "\nsid cid rxdata_octets txdata_octets dataout_pdus datain_pdus cmd_pdus "
			   "rsp_pdus\n");
		for (size_t k = 0; k < t->v[i].ncids; k++)
			fprintf(f, "%3u %3u 1 2 0 0 3 4\n", tsih, t->v[i].cids[k]);
		fclose(f);
		*gone = false;
		*text = out;
		return LM_S_OK;
	}
	return LM_S_OK;
}

static void address(const struct real *r, char *buf, size_t len)
{
	snprintf(buf, len, "10.0.%u.%u", r->addr[0], r->addr[1]);
}

/* The real sessions the input describes; duplicates of a TSIH or CID are
 * dropped (tgtd has none). */
static void describe(const uint8_t *d, size_t n, struct truth *t)
{
	size_t p = 0;

	memset(t, 0, sizeof *t);
	while (t->n < MAX_REAL && p + 6 <= n) {
		struct real *r = &t->v[t->n];
		size_t nl = d[p + 5] % 64;
		bool dup = false;
		r->tsih = (uint32_t)(d[p] | d[p + 1] << 8);
		r->ncids = d[p + 2] % 2 + 1;
		r->cids[0] = d[p + 3] % 4;
		r->cids[1] = r->cids[0] + 1 + d[p + 3] / 64;
		r->addr[0] = d[p + 4];
		r->addr[1] = (uint8_t)t->n;
		p += 6;
		if (p + nl > n)
			nl = n - p;
		memcpy(r->name, d + p, nl);
		r->name[nl] = '\0'; /* tgtd's text ends at a NUL */
		p += nl;
		for (size_t i = 0; i < t->n; i++)
			dup |= t->v[i].tsih == r->tsih;
		if (!dup && r->tsih)
			t->n++;
	}
}

static char *render(const struct truth *t)
{
	char *out = NULL, addr[32];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->v[i].ncids; k++) {
			address(&t->v[i], addr, sizeof addr);
			fprintf(f, "Session: %u\n    Connection: %u\n        Initiator: %s\n"
				   "        IP Address: %s\n", t->v[i].tsih, t->v[i].cids[k], t->v[i].name,
				addr);
		}
	fclose(f);
	return out;
}

static const struct real *real_of(const struct truth *t, uint32_t tsih)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].tsih == tsih)
			return &t->v[i];
	return NULL;
}

/* A session shown is a real one; shown with a name, it has its own name
 * and (exact: the view printed from the truth) its own connections and
 * addresses. */
static void check(const struct truth *t, const struct lm_obs_sessions *out, bool exact)
{
	for (size_t i = 0; i < out->n; i++) {
		const struct lm_obs_session *s = &out->v[i];
		const struct real *r = real_of(t, s->id);
		char name[LM_OBS_NAME_MAX + 1];
		FUZZ_CHECK(r != NULL);
		FUZZ_CHECK(s->nconns_total == r->ncids);
		if (!s->name[0]) {
			FUZZ_CHECK(s->nconns == 0);
			continue;
		}
		FUZZ_CHECK(lm_obs_name(name, s->name, strlen(s->name)));
		if (!exact)
			continue;
		FUZZ_CHECK(strcmp(s->name, r->name) == 0);
		FUZZ_CHECK(s->nconns == r->ncids);
		for (size_t k = 0; k < s->nconns; k++) {
			bool ok = false;
			for (size_t j = 0; j < r->ncids; j++)
				ok |= s->conns[k].cid == r->cids[j];
			FUZZ_CHECK(ok);
			FUZZ_CHECK(s->conns[k].family == 4);
			FUZZ_CHECK(s->conns[k].addr[2] == r->addr[0] && s->conns[k].addr[3] == r->addr[1]);
		}
	}
}

static void verify(const char *view, struct truth *t, bool exact)
{
	struct lm_obs_sessions out;
	struct lm_err err;
	bool again = false;

	for (int attempt = 0; attempt < 2; attempt++) {
		FUZZ_CHECK(lm_tgt_verify_sessions(view, TID, stat_of, t, attempt == 1, &again, &out,
						  &err) == LM_S_OK);
		if (!again)
			break;
	}
	FUZZ_CHECK(!again);
	check(t, &out, exact);
	lm_obs_sessions_clear(&out);
}

static void lio_info(const uint8_t *d, size_t n)
{
	struct lm_obs_session x = { 0 };
	int rc = lm_lio_parse_info((const char *)d, n, &x);
	char copy[LM_OBS_ALIAS_MAX + 1];

	if (rc != 1)
		return;
	FUZZ_CHECK(x.tsih <= 0xffff && x.nconns <= LM_OBS_MAX_CONNS && x.nconns <= x.nconns_total);
	/* the alias as kept is what lm_obs_text keeps of itself */
	lm_obs_text(copy, LM_OBS_ALIAS_MAX, x.alias, strlen(x.alias));
	FUZZ_CHECK(strcmp(copy, x.alias) == 0);
	for (size_t k = 0; k < x.nconns; k++)
		FUZZ_CHECK(x.conns[k].cid <= 0xffff);
}

static void kmsg(const uint8_t *d, size_t n)
{
	char name[LM_OBS_NAME_MAX + 1], again[LM_OBS_NAME_MAX + 1];

	if (lm_lio_parse_refusal((const char *)d, n, name) == 0)
		FUZZ_CHECK(lm_obs_name(again, name, strlen(name)) && strcmp(again, name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct truth t;
	char *view;

	if (size < 1)
		return 0;
	if (data[0] < 128) {
		describe(data + 1, size - 1, &t);
		view = render(&t);
		verify(view, &t, true);
		free(view);
	} else if (data[0] < 192) {
		static const uint8_t two[] = { 1, 0, 1, 0, 9, 5, 'i', 'q', 'n', '.', 'a',
					       2, 0, 0, 1, 8, 5, 'i', 'q', 'n', '.', 'b' };
		describe(two, sizeof two, &t);
		view = fuzz_str(data + 1, size - 1);
		verify(view, &t, false);
		free(view);
	} else if (data[0] < 224) {
		lio_info(data + 1, size - 1);
	} else {
		kmsg(data + 1, size - 1);
	}
	return 0;
}
