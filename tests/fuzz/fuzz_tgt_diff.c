/* SPDX-License-Identifier: BSD-3-Clause */
/* The differential harness of tgt's reader (design §5, untrusted bytes):
 * the input drives a generator of a ground-truth tgtd stack (targets,
 * LUs with paths and serials, sessions whose initiator names and aliases
 * are any bytes, CHAP accounts, ACLs, lunmap's anchors on the managed
 * targets), rendered byte for byte as tgtd 1.0.85 prints it
 * (tgt_render.c: its list of targets, its listing with each session's
 * text cut at 1,023 bytes, its statistics), read as the tgt backend reads
 * it, and compared with the truth:
 *
 * - the targets are tgtd's list, never refused, never one more or less;
 * - a target whose own text is clean (no line break in its LUs' paths,
 *   SCSI IDs and serials, its account names and ACL entries) is read
 *   exactly (LUs, paths, serials, write protection, ACL), whatever the
 *   initiators sent, when it has lunmap's anchor; without one it may
 *   be not read (UNCERTAIN) only when a session or a target whose own
 *   text is not clean stands before it with no anchor in between;
 * - a target in use (a session) is never read as free;
 * - a target whose own text is not clean may be read as not read, or
 *   differently, but never changes another target's reading beyond that.
 *
 * The input is consumed a byte at a time; when it runs out, every choice
 * is the first one. */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census.h"
#include "fuzz.h"
#include "show.h"
#include "tgt_render.h"
#include "valid.h"

#define MAXT 4
#define MAXL 5
#define MAXS 3
#define KEY "5d41402abc4b2a76b9719d911017c592"

/* What an initiator or an administrator may type, as pieces: tgtd's own
 * lines (whole and cut), the lines of a whole forged LU or target, and
 * fill to reach the 1,023-byte cut. */
static const char *const frag[] = {
	"\n", "\n", "\n", "x", " ", "a", "0", "/srv/a.img", "/etc/shadow", "ALL",
	"Target 1: iqn.2026-11.org.example:t1", "Target 2: iqn.2026-11.org.example:t2",
	"Target 3: iqn.2026-11.org.example:t3", "Target 9: iqn.2026-11.org.example:t9",
	"    System information:", "        Driver: iscsi", "        State: ready",
	"    I_T nexus information:", "        I_T nexus: 2", "        I_T nexus: 7",
	"            Initiator: iqn.2026-11.org.x:i alias: none", "            Connection: 0",
	"                IP Address: 127.0.0.1", "    LUN information:", "        LUN: 0",
	"        LUN: 1", "        LUN: 2", "        LUN: 7", "        LUN: 9",
	"            Type: controller", "            Type: disk", "            SCSI ID: IET     00010000",
	"            SCSI ID: IET     00030000", "            SCSI SN: beaf10",
	"            SCSI SN: 0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02", "            Size: 0 MB, Block size: 1",
	"            Size: 4 MB, Block size: 512", "            Online: Yes",
	"            Removable media: No", "            Prevent removal: No", "            Readonly: No",
	"            Readonly: Yes", "            SWP: No", "            Thin-provisioning: No",
	"            Backing store type: null", "            Backing store type: rdwr",
	"            Backing store path: None", "            Backing store path: /srv/a.img",
	"            Backing store path: /etc/shadow", "            Backing store flags: ",
	"    Account information:", "    ACL information:", "        ALL", "        10.0.0.1",
	"        bob", "        bob (outgoing)",
};
#define NFRAG (sizeof frag / sizeof frag[0])

/* A string of up to 40 pieces (a "real target" piece: the whole text of
 * one of the truth's targets, the strongest forgery). */
static char *hostile(struct fuzz_gen *g, const char *real)
{
	size_t cap = 2048, len = 0;
	char *s = calloc(1, cap);
	unsigned n = fuzz_pick(g, 40);

	for (unsigned i = 0; i < n; i++) {
		unsigned k = fuzz_pick(g, NFRAG + 4);
		char raw[2] = { 0 };
		const char *piece;
		char fill[600];
		if (k < NFRAG) {
			piece = frag[k];
		} else if (k == NFRAG) {
			memset(fill, 'q', sizeof fill - 1);
			fill[sizeof fill - 1 - fuzz_pick(g, 200)] = '\0';
			piece = fill;
		} else if (k == NFRAG + 1 && real) {
			piece = real;
		} else {
			raw[0] = (char)(fuzz_pick(g, 255) + 1);
			piece = raw;
		}
		if (len + strlen(piece) + 1 > cap) {
			cap = 2 * (len + strlen(piece) + 1);
			s = realloc(s, cap);
		}
		memcpy(s + len, piece, strlen(piece) + 1);
		len += strlen(piece);
	}
	return s;
}

struct truth {
	struct r_target t[MAXT];
	size_t n;
	struct r_lu lus[MAXT][MAXL];
	struct r_session ses[MAXT][MAXS];
	char id[MAXT][MAXL][40], sn[MAXT][MAXL][40], anchor[MAXT][LM_TGT_ANCHOR_MAX];
	const char *addr[MAXT][3], *names[MAXT][2], *accounts[MAXT][2];
	bool managed[MAXT], odd[MAXT];
	char *owned[256]; /* strings to free */
	size_t nowned;
};

static const char *own(struct truth *tr, char *s)
{
	if (tr->nowned < sizeof tr->owned / sizeof tr->owned[0])
		tr->owned[tr->nowned++] = s;
	return s;
}

static bool has_nl(const char *s)
{
	return s && strchr(s, '\n');
}

/* An administrator's value: clean, or hostile (then the target's text is
 * not clean) */
static const char *admin(struct fuzz_gen *g, struct truth *tr, size_t i, const char *clean,
			 const char *real)
{
	const char *v;

	if (fuzz_pick(g, 4))
		return clean;
	v = own(tr, hostile(g, real));
	/* a path must stay a path for tgtd (it opened it) */
	tr->odd[i] |= has_nl(v);
	return v;
}

static const char *const names[] = {
	"iqn.2026-11.org.example:t1", "iqn.2026-11.org.example:t2", "iqn.2026-11.org.example:t3",
	"iqn.2026-11.org.example:t4", "iqn.2026-11.org.example:t9",
};
static const char *const paths[] = { "/srv/lunmap/a.img", "/srv/lunmap/b c.img", "/srv/x.img" };

static void generate(struct fuzz_gen *g, struct truth *tr)
{
	uint32_t tid = 0;
	uint64_t tsih = 0;
	char *prev_real = NULL;

	memset(tr, 0, sizeof *tr);
	tr->n = 1 + fuzz_pick(g, MAXT);
	for (size_t i = 0; i < tr->n; i++) {
		struct r_target *t = &tr->t[i];
		uint64_t number = 0;
		tid += 1 + fuzz_pick(g, 3);
		tr->managed[i] = fuzz_pick(g, 3) != 0;
		lm_tgt_anchor(KEY, names[i], tr->anchor[i]);
		*t = (struct r_target){ .tid = tid, .name = names[i],
					.driver = fuzz_pick(g, 8) ? "iscsi" : "iser", .state = "ready",
					.lus = tr->lus[i], .sessions = tr->ses[i],
					.acl_addr = tr->addr[i], .acl_name = tr->names[i],
					.accounts = tr->accounts[i] };
		if (!fuzz_pick(g, 6)) {
			t->nop_interval = 5;
			t->nop_count = 3;
		}
		tr->lus[i][t->nlus++] = r_controller(tid, tr->id[i][0], tr->sn[i][0]);
		for (unsigned k = fuzz_pick(g, MAXL); k > 0; k--) {
			struct r_lu *l = &tr->lus[i][t->nlus];
			bool foreign = fuzz_pick(g, 3) == 0;
			number += 1 + fuzz_pick(g, 4);
			*l = r_disk(tid, number, paths[fuzz_pick(g, 3)],
				    foreign ? NULL : "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02",
				    foreign ? NULL : "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02",
				    tr->id[i][t->nlus], tr->sn[i][t->nlus]);
			l->readonly = fuzz_pick(g, 4) == 0;
			if (foreign) {
				l->path = admin(g, tr, i, l->path, prev_real);
				l->scsi_sn = admin(g, tr, i, l->scsi_sn, NULL);
				l->scsi_id = admin(g, tr, i, l->scsi_id, NULL);
				if (l->path[0] != '/')
					l->path = own(tr, strdup("/srv/x.img"));
			}
			t->nlus++;
		}
		for (unsigned k = fuzz_pick(g, 3); k > 0; k--)
			t->accounts[t->naccounts++] = admin(g, tr, i, "bob", prev_real);
		if (fuzz_pick(g, 2))
			t->acl_addr[t->naddr++] = fuzz_pick(g, 2) ? "ALL" : "10.0.0.1";
		if (tr->managed[i])
			t->acl_addr[t->naddr++] = tr->anchor[i];
		if (fuzz_pick(g, 2))
			t->acl_name[t->nname++] = admin(g, tr, i, "iqn.1993-08.org.x:host", prev_real);
		/* an initiator may copy this target's own text (as it is before
		 * any session: the LU section it would forge) or the previous
		 * one's */
		{
			struct r_target self = *t;
			char *own_text;
			self.naddr -= tr->managed[i];
			own_text = r_show(&self, 1);
			for (unsigned k = fuzz_pick(g, MAXS + 1); k > 0; k--) {
				struct r_session *s = &tr->ses[i][t->nsessions++];
				const char *real = fuzz_pick(g, 2) ? own_text : prev_real;
				s->tsih = ++tsih;
				s->name = fuzz_pick(g, 2) ? "iqn.2026-11.org.x:i" : own(tr, hostile(g, real));
				s->alias = fuzz_pick(g, 3) ? own(tr, hostile(g, real)) : NULL;
				s->addr = "127.0.0.1";
			}
			free(own_text);
		}
		free(prev_real);
		/* a forgery may copy a target's text, never its anchor: nobody
		 * but lunmap and root knows it */
		{
			struct r_target copy = *t;
			copy.naddr -= tr->managed[i];
			prev_real = r_show(&copy, 1);
		}
	}
	free(prev_real);
}

/* The ACL as the reader gives it: address then name rules, lunmap's
 * anchors left out, a rule with a comma left out, "," between
 * (malloc'd). */
static char *truth_acl(const struct truth *tr, size_t i)
{
	const struct r_target *t = &tr->t[i];
	char *out = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&out, &len);

	for (size_t k = 0; k < t->naddr + t->nname; k++) {
		const char *e = k < t->naddr ? t->acl_addr[k] : t->acl_name[k - t->naddr];
		if ((tr->managed[i] && e == tr->anchor[i]) || strchr(e, ','))
			continue;
		fprintf(f, "%s%s", n++ ? "," : "", e);
	}
	fclose(f);
	return out;
}

static void check_read(const struct truth *tr, size_t i, const struct lm_stack_target *st)
{
	const struct r_target *t = &tr->t[i];
	char *acl = truth_acl(tr, i);
	size_t k = 0;

	for (size_t j = 0; j < t->nlus; j++) {
		const struct r_lu *l = &t->lus[j];
		const struct lm_stack_lu *lu;
		if (!l->number)
			continue;
		FUZZ_CHECK(k < st->nlus);
		lu = &st->lus[k++];
		FUZZ_CHECK(lu->number == l->number);
		FUZZ_CHECK(strcmp(lu->path, l->path && l->path[0] == '/' ? l->path : "") == 0);
		FUZZ_CHECK(lu->readonly == (int)l->readonly);
		FUZZ_CHECK(lu->serial && strcmp(lu->serial, lm_stack_serial_ok(l->scsi_sn) ? l->scsi_sn : "?") == 0);
	}
	FUZZ_CHECK(k == st->nlus);
	if (!st->acl || strcmp(st->acl, acl) != 0)
		fprintf(stderr, "target %zu: ACL read \"%s\", is \"%s\"\n", i, st->acl ? st->acl : "(null)",
			acl);
	FUZZ_CHECK(st->acl && strcmp(st->acl, acl) == 0);
	free(acl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_gen g = { data, size };
	struct truth tr;
	const char *anchors[MAXT];
	struct lm_tgt_lld lld;
	struct lm_tgt_show_result r;
	struct lm_err err;
	char *lld_text, *show;

	generate(&g, &tr);
	for (size_t i = 0; i < tr.n; i++)
		anchors[i] = tr.managed[i] ? tr.anchor[i] : NULL;
	lld_text = r_lld(tr.t, tr.n);
	show = r_show(tr.t, tr.n);
	FUZZ_CHECK(lm_tgt_lld_parse(lld_text, &lld, &err) == LM_S_OK && lld.n == tr.n);
	/* the listing is read in pieces, as it arrives from tgtd */
	{
		struct lm_tgt_show *sh = lm_tgt_show_new(&lld, anchors);
		size_t len = strlen(show), step = 1 + (size % 97);
		FUZZ_CHECK(sh != NULL);
		for (size_t at = 0; at < len; at += step)
			FUZZ_CHECK(lm_tgt_show_feed(sh, show + at, len - at < step ? len - at : step) == 0);
		FUZZ_CHECK(lm_tgt_show_end(sh, &r, &err) == LM_S_OK);
	}
	if (getenv("FUZZ_DUMP"))
		fprintf(stderr, "%s", show);
	FUZZ_CHECK(r.stack.ntargets == tr.n);
	/* "read again" (a target made or deleted between the requests) is
	 * also what a header forged by an administrator's name looks like */
	{
		bool odd = false;
		for (size_t i = 0; i < tr.n; i++)
			odd |= tr.odd[i];
		FUZZ_CHECK(!r.stale || odd);
	}
	/* as the backend does: tgtd's statistics settle a pending target
	 * (they show a target only while it has a session) */
	for (size_t i = 0; i < tr.n; i++) {
		uint32_t numbers[MAXL];
		size_t n = 0;
		if (r.info[i].read != LM_TGT_PENDING)
			continue;
		for (size_t k = 0; tr.t[i].nsessions && k < tr.t[i].nlus; k++)
			numbers[n++] = (uint32_t)tr.t[i].lus[k].number;
		lm_tgt_show_confirm(&r, i, numbers, n);
		lm_tgt_show_give_up(&r, i);
	}
	for (size_t i = 0; i < tr.n; i++) {
		const struct lm_stack_target *st = &r.stack.targets[i];
		bool shadowed = false;
		FUZZ_CHECK(strcmp(st->iqn, tr.t[i].name) == 0 && r.info[i].tid == tr.t[i].tid);
		/* a session, or a target whose own text is not clean, before
		 * it with no anchor in between */
		for (size_t j = i + 1; j-- > 0;) {
			/* found again at a clean target's anchor */
			if (j < i && tr.managed[j] && !tr.odd[j])
				break;
			if (tr.odd[j] || (tr.t[j].nsessions && (j == i || !tr.managed[j]))) {
				shadowed = true;
				break;
			}
		}
		if (tr.t[i].nsessions)
			FUZZ_CHECK(st->sessions >= 1);
		if (r.info[i].sessions_known)
			FUZZ_CHECK((st->sessions == 0) == (tr.t[i].nsessions == 0));
		if (tr.odd[i])
			continue;
		if (tr.managed[i] || !shadowed) {
			if (r.info[i].read != LM_TGT_READ) {
				fprintf(stderr, "target %zu (%s, %s) not read: %d\n%s", i, tr.t[i].name,
					tr.managed[i] ? "anchored" : "not anchored", r.info[i].read,
					getenv("FUZZ_DUMP") ? show : "");
				abort();
			}
		}
		if (r.info[i].read == LM_TGT_READ)
			check_read(&tr, i, st);
		else
			FUZZ_CHECK(st->unread && !st->nlus && !st->acl);
	}
	lm_tgt_show_result_free(&r);
	lm_tgt_lld_free(&lld);
	free(lld_text);
	free(show);
	for (size_t i = 0; i < tr.nowned; i++)
		free(tr.owned[i]);
	return 0;
}
