/* SPDX-License-Identifier: BSD-3-Clause */
/* `tgtadm --op show --mode target` holds text tgtd did not write: an
 * initiator's name and alias (sent at login, before any authentication,
 * printed verbatim, cut with the rest of the session's text at 1,023
 * bytes, so that tgtd's next line may follow on the same line), and an
 * administrator's LU paths, serials, CHAP account names and ACL entries.
 * tgtd 1.0.85 prints (usr/target.c tgt_target_show_all, usr/iscsi/
 * session.c, iscsi_tcp.c):
 *
 *   Target TID: NAME                      NAME: letters, digits . : -
 *       System information:
 *           Driver: D
 *           State: S
 *          [Nop interval: N / Nop count: N]
 *       I_T nexus information:
 *           I_T nexus: SID               per session, then its text:
 *               Initiator: NAME alias: ALIAS     (an initiator's bytes,
 *               Connection: CID                   1,023 at most)
 *                   IP Address: A
 *       LUN information:
 *           LUN: N                        14 lines an LU, in this order
 *               Type: T / SCSI ID: X / SCSI SN: X / Size: N MB, Block
 *               size: N / Online / Removable media / Prevent removal /
 *               Readonly / SWP / Thin-provisioning: Yes|No / Backing
 *               store type: T / Backing store path: P / Backing store
 *               flags: [sync][:direct]
 *       Account information:              iscsi and iser only
 *           USER[ (outgoing)]
 *       ACL information:
 *           ADDRESS or NAME
 *
 * Nothing of an initiator's stands anywhere but after an I_T nexus line,
 * up to the target's real "LUN information:" line, which nothing marks.
 * So the listing is read in two modes. In step, every line must be the
 * one tgtd's grammar puts there, headers must be the targets of tgtd's
 * list (census.h) in its order, and a target whose nexus section is empty
 * is read whole. At a target's first I_T nexus line the reader is out of
 * step: from there, every "LUN information:" line (also at the end of a
 * line) may be the real one and starts a reading of a target's tail, each
 * held to the grammar, until an anchor line: lunmap's ACL entry of a
 * managed target, which no initiator can know. The text between the real
 * "LUN information:" line and the anchor is tgtd's and the
 * administrator's alone, and a forged tail dies at the real lines, so
 * the reading that reaches the anchor in the ACL section is the target's
 * LU section. Two readings there, or one that began by killing a reading
 * with a whole LU (an administrator's name forging a second "LUN
 * information:"), are confirmed by tgtd's statistics (LM_TGT_PENDING).
 * The targets between the first I_T nexus line and the anchor are not
 * read (LM_TGT_UNCERTAIN); a listing is never refused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show_int.h"
#include "valid.h"
#include "vec.h"

#define CANDIDATE "    LUN information:"
#define CANDIDATE_LEN (sizeof CANDIDATE - 1)

void lm_tgt_anchor(const char *key, const char *iqn, char *anchor)
{
	if (!key || !*key)
		*anchor = '\0';
	else
		snprintf(anchor, LM_TGT_ANCHOR_MAX, LM_TGT_ANCHOR_PREFIX "%s-%s", key, iqn);
}

/* --------------------------------------------------------- the reader */

enum mode {
	Y_HEADER,   /* in step: a header (or the end) is due */
	Y_SYSTEM, Y_DRIVER, Y_STATE, Y_NOP, Y_NOPCOUNT,
	Y_NEXUS,    /* after "I_T nexus information:" */
	Y_TAIL,     /* in step, in the target's tail */
	OUT_OF_STEP,
};

struct anchor_ix {
	const char *text;
	size_t i; /* the target's place in the list */
};

struct lm_tgt_show {
	const struct lm_tgt_lld *lld;
	/* the anchors by text, for the lookup of a line */
	struct anchor_ix *by_anchor;
	size_t nanchors;
	size_t last_anchored; /* the list index of the last target with an anchor, +1 */
	struct lm_tgt_show_result r;
	enum mode mode;
	size_t cur;   /* in step: the target being read; next: the next one due */
	size_t next;
	size_t lost;  /* out of step: the first target not read */
	size_t cause; /* the target whose session lost the step, or SIZE_MAX */
	unsigned nexus_lines; /* I_T nexus lines since the current target's header */
	bool read_died;       /* out of step: see out_of_step */
	/* the live tails: in step, the current target's (more than one
	 * only past a PENDING anchor); out of step, every reading */
	struct tail *tails;
	size_t ntails, captails;
	char *line;
	size_t len, cap;
	lm_hr hr;
	bool ended;
};

static const char reason_uncertain[] =
	"text an initiator chose stands before it in tgtd's listing and no anchor of lunmap's marks "
	"where its own text ends";

static int anchor_ix_cmp(const void *a, const void *b)
{
	return strcmp(((const struct anchor_ix *)a)->text, ((const struct anchor_ix *)b)->text);
}

/* the list index of the target whose anchor line this is, or -1 */
static long anchor_of(const struct lm_tgt_show *sh, const char *line)
{
	struct anchor_ix key = { line + 8, 0 };
	const struct anchor_ix *hit;

	if (!sh->nanchors || !starts(line, "        " LM_TGT_ANCHOR_PREFIX))
		return -1;
	hit = bsearch(&key, sh->by_anchor, sh->nanchors, sizeof key, anchor_ix_cmp);
	return hit ? (long)hit->i : -1;
}

static struct lm_tgt_show_target *info(struct lm_tgt_show *sh, size_t i)
{
	return &sh->r.info[i];
}

static void settle(struct lm_tgt_show *sh, size_t i, enum lm_tgt_read how)
{
	struct lm_stack_target *st = &sh->r.stack.targets[i];

	info(sh, i)->read = how;
	/* sessions not seen are taken as there (the in-use guard errs on
	 * the safe side) until tgtd's statistics tell */
	if (!info(sh, i)->sessions_known && !st->sessions)
		st->sessions = 1;
	if (how == LM_TGT_UNCERTAIN || how == LM_TGT_UNREADABLE) {
		st->nlus = 0;
		free(st->acl);
		st->acl = NULL;
		st->unread = how == LM_TGT_UNCERTAIN ? reason_uncertain : lm_tgt_reason_unreadable;
	}
}

static void drop_tails(struct lm_tgt_show *sh)
{
	for (size_t i = 0; i < sh->ntails; i++)
		lm_tgt_tail_free(&sh->tails[i]);
	sh->ntails = 0;
}

static lm_hr new_tail(struct lm_tgt_show *sh, bool doubt)
{
	struct tail *tl;

	if (lm_grow((void **)&sh->tails, &sh->captails, sh->ntails + 1, sizeof *sh->tails))
		return LM_E_OUTOFMEMORY;
	tl = &sh->tails[sh->ntails++];
	memset(tl, 0, sizeof *tl);
	tl->t.pool = sh->r.stack.pool;
	tl->t.iqn = "";
	tl->lun = -1;
	tl->st = T_LUNS;
	tl->doubt = doubt;
	return LM_S_OK;
}

/* Whether a tail fits target i: an Account section as its driver prints
 * one, LUN 0 named by its own tid when tgtd named it. */
static bool tail_fits(const struct lm_tgt_show *sh, const struct tail *tl, size_t i)
{
	char want[40];

	if (tl->st != T_ACL || tl->accounts != sh->lld->v[i].accounts)
		return false;
	if (!starts(tl->lun0_id, "IET "))
		return true;
	snprintf(want, sizeof want, "IET     %04x%04x", sh->lld->v[i].tid, 0u);
	return strcmp(tl->lun0_id, want) == 0;
}

/* The tail becomes target i's LUs and ACL. */
static void take_tail(struct lm_tgt_show *sh, size_t i, struct tail *tl)
{
	lm_tgt_take_lus(&sh->r.stack.targets[i], &tl->t);
}

static lm_hr keep_reading(struct lm_tgt_show *sh, size_t i, struct tail *tl)
{
	struct lm_tgt_show_target *in = info(sh, i);
	struct lm_tgt_reading *v = realloc(in->alt, (in->nalt + 1) * sizeof *v);

	if (!v)
		return LM_E_OUTOFMEMORY;
	in->alt = v;
	v[in->nalt].t = tl->t;
	v[in->nalt].t.iqn = sh->r.stack.targets[i].iqn;
	v[in->nalt].numbers = tl->numbers;
	v[in->nalt].nnumbers = tl->nnumbers;
	in->nalt++;
	memset(tl, 0, sizeof *tl);
	return LM_S_OK;
}

static void lose_step(struct lm_tgt_show *sh, size_t first_lost)
{
	sh->mode = OUT_OF_STEP;
	sh->lost = first_lost;
	sh->read_died = false;
}

/* The end of the current target's tail (a header or the end of the
 * text): what was read becomes the target's. */
static lm_hr close_tails(struct lm_tgt_show *sh)
{
	struct lm_tgt_show_target *in;
	lm_hr hr = LM_S_OK;
	size_t whole = 0;

	if (sh->cur >= sh->lld->n) {
		drop_tails(sh);
		return LM_S_OK;
	}
	in = info(sh, sh->cur);
	for (size_t i = 0; i < sh->ntails; i++)
		whole += sh->tails[i].st == T_ACL;
	if (in->read == LM_TGT_READ && whole == 1 && sh->ntails == 1)
		take_tail(sh, sh->cur, &sh->tails[0]);
	else if (in->read == LM_TGT_PENDING && whole == sh->ntails && whole)
		for (size_t i = 0; i < sh->ntails && !lm_failed(hr); i++)
			hr = keep_reading(sh, sh->cur, &sh->tails[i]);
	else if (in->read == LM_TGT_READ || in->read == LM_TGT_PENDING)
		settle(sh, sh->cur, LM_TGT_UNREADABLE);
	drop_tails(sh);
	return hr;
}

/* The anchor of target m: what is read between the step lost and it. */
static lm_hr at_anchor(struct lm_tgt_show *sh, size_t m)
{
	size_t live = 0;
	bool doubt = false;

	if (info(sh, m)->anchored) {
		/* a second anchor of one target (copied by hand): cannot tell */
		settle(sh, m, LM_TGT_UNREADABLE);
		return LM_S_OK;
	}
	info(sh, m)->anchored = true;
	if (m < sh->lost) {
		/* its own text went astray before it: not read, but the step
		 * is found again here */
		drop_tails(sh);
		sh->cur = m;
		sh->next = m + 1;
		sh->cause = SIZE_MAX;
		sh->mode = Y_TAIL;
		return LM_S_OK;
	}
	for (size_t i = sh->lost; i < m; i++)
		settle(sh, i, LM_TGT_UNCERTAIN);
	/* its own sessions lost the step: in use for certain; the count is
	 * its I_T nexus lines, forged ones included (the guard's message may
	 * say more than there are, never fewer than one) */
	if (m == sh->cause) {
		sh->r.stack.targets[m].sessions = sh->nexus_lines ? sh->nexus_lines : 1;
		info(sh, m)->sessions_known = true;
	}
	/* the readings that can be m's tail */
	for (size_t i = 0; i < sh->ntails; i++) {
		if (tail_fits(sh, &sh->tails[i], m)) {
			doubt |= sh->tails[i].doubt;
			sh->tails[live++] = sh->tails[i];
		} else {
			lm_tgt_tail_free(&sh->tails[i]);
		}
	}
	sh->ntails = live;
	info(sh, m)->read = !live ? LM_TGT_UNREADABLE : live == 1 && !doubt ? LM_TGT_READ
									   : LM_TGT_PENDING;
	if (!live)
		settle(sh, m, LM_TGT_UNREADABLE);
	sh->cur = m;
	sh->next = m + 1;
	sh->cause = SIZE_MAX;
	sh->mode = Y_TAIL; /* the rest of its ACL, then a header */
	return LM_S_OK;
}

/* Whether the line is the header of the next target of the list. */
static bool header_due(const struct lm_tgt_show *sh, const char *line)
{
	char want[300];
	const struct lm_tgt_lld_target *t;

	if (sh->next >= sh->lld->n)
		return false;
	t = &sh->lld->v[sh->next];
	snprintf(want, sizeof want, "Target %u: %s", t->tid, t->name);
	return strcmp(line, want) == 0;
}

/* A line that ends a tail in step: a header, checked against the list. */
static void header(struct lm_tgt_show *sh, const char *line)
{
	if (sh->next >= sh->lld->n) {
		sh->r.stale = true;
		lose_step(sh, sh->lld->n);
		return;
	}
	if (!header_due(sh, line)) {
		/* another target or none: tgtd's list changed, or an
		 * administrator's name forged a header */
		if (starts(line, "Target "))
			sh->r.stale = true;
		lose_step(sh, sh->next);
		return;
	}
	sh->cur = sh->next++;
	sh->nexus_lines = 0;
	sh->mode = Y_SYSTEM;
}

/* In step: a line that is not the one due loses the step at the current
 * target, whose text is not read. */
static void astray(struct lm_tgt_show *sh)
{
	drop_tails(sh);
	settle(sh, sh->cur, LM_TGT_UNREADABLE);
	lose_step(sh, sh->cur + 1);
}

static lm_hr in_step(struct lm_tgt_show *sh, const char *line)
{
	lm_hr hr = LM_S_OK;

	switch (sh->mode) {
	case Y_HEADER:
		header(sh, line);
		return LM_S_OK;
	case Y_SYSTEM:
		if (strcmp(line, "    System information:") != 0)
			break;
		sh->mode = Y_DRIVER;
		return LM_S_OK;
	case Y_DRIVER:
		if (!starts(line, "        Driver: "))
			break;
		sh->mode = Y_STATE;
		return LM_S_OK;
	case Y_STATE:
		if (!starts(line, "        State: "))
			break;
		sh->mode = Y_NOP;
		return LM_S_OK;
	case Y_NOP:
		if (starts(line, "        Nop interval: ")) {
			sh->mode = Y_NOPCOUNT;
			return LM_S_OK;
		}
		/* fall through */
	case Y_NOPCOUNT:
		if (sh->mode == Y_NOPCOUNT) {
			if (!starts(line, "        Nop count: "))
				break;
			sh->mode = Y_NOP;
			return LM_S_OK;
		}
		if (strcmp(line, "    I_T nexus information:") != 0)
			break;
		sh->mode = Y_NEXUS;
		return LM_S_OK;
	case Y_NEXUS:
		if (strcmp(line, CANDIDATE) == 0) {
			/* no session: nothing of an initiator's in it */
			info(sh, sh->cur)->sessions_known = true;
			sh->mode = Y_TAIL;
			return new_tail(sh, false);
		}
		if (!starts(line, "        I_T nexus: "))
			break;
		/* a real session: its text is the initiator's */
		sh->r.stack.targets[sh->cur].sessions = 1;
		sh->nexus_lines = 1;
		sh->cause = sh->cur;
		lose_step(sh, sh->cur);
		return LM_S_OK;
	case Y_TAIL: {
		bool any = false, ended = false;
		if (!sh->ntails && starts(line, "        "))
			return LM_S_OK; /* the ACL of a target not read */
		for (size_t i = 0; i < sh->ntails && !lm_failed(hr); i++) {
			if (lm_tgt_tail_line(&sh->tails[i], line, &hr))
				any = true;
			else
				ended |= sh->tails[i].st == T_ACL;
		}
		if (any || lm_failed(hr))
			return hr;
		if (ended || !sh->ntails) {
			/* the ACL ends at the next header: only there is the
			 * tail whole (a name or path of an administrator's can
			 * forge a header line) */
			if (!header_due(sh, line)) {
				if (starts(line, "Target "))
					sh->r.stale = true;
				break;
			}
			hr = close_tails(sh);
			sh->mode = Y_HEADER;
			header(sh, line);
			return hr;
		}
		break;
	}
	default:
		break;
	}
	astray(sh);
	return LM_S_OK;
}

/* Out of step. A reading that had begun reading LUs and dies, then a
 * new one: either an initiator's forged section died at the real lines
 * (harmless) or an administrator's name forged a second section after the
 * real one and killed it; the new reading is then confirmed by tgtd's
 * statistics. tgtd's "System information:" and "I_T nexus information:"
 * lines, which every reading dies at, end that doubt: what died before
 * the target's own text cannot be its LU section. */
static lm_hr out_of_step(struct lm_tgt_show *sh, const char *line)
{
	size_t n = strlen(line), live = 0;
	lm_hr hr = LM_S_OK;

	if (starts(line, "        I_T nexus: "))
		sh->nexus_lines++;
	for (size_t i = 0; i < sh->ntails && !lm_failed(hr); i++) {
		struct tail *tl = &sh->tails[i];
		if (lm_tgt_tail_line(tl, line, &hr)) {
			sh->tails[live++] = *tl;
			continue;
		}
		sh->read_died |= tl->lun >= 0;
		lm_tgt_tail_free(tl);
	}
	sh->ntails = live;
	if (lm_failed(hr))
		return hr;
	if (strcmp(line, "    System information:") == 0 ||
	    strcmp(line, "    I_T nexus information:") == 0)
		sh->read_died = false;
	/* the real line may follow an initiator's text cut at 1,023 bytes
	 * on the same line; a reading is kept only while an anchor can
	 * still end it */
	if (n >= CANDIDATE_LEN && strcmp(line + n - CANDIDATE_LEN, CANDIDATE) == 0 &&
	    sh->lost < sh->last_anchored)
		hr = new_tail(sh, sh->read_died);
	return hr;
}

static lm_hr parse_line(struct lm_tgt_show *sh, const char *line)
{
	long m = anchor_of(sh, line);

	if (m >= 0) {
		/* in step, the current target's own anchor is an ACL entry of
		 * it like another, left out of its ACL */
		if (sh->mode == Y_TAIL && (size_t)m == sh->cur && !info(sh, sh->cur)->anchored) {
			bool fits = false;
			for (size_t i = 0; i < sh->ntails; i++)
				fits |= sh->tails[i].st == T_ACL;
			if (fits) {
				info(sh, sh->cur)->anchored = true;
				return LM_S_OK;
			}
		}
		if (sh->mode != OUT_OF_STEP) {
			/* an anchor where tgtd's grammar has none of it */
			drop_tails(sh);
			if (sh->mode != Y_HEADER)
				settle(sh, sh->cur, LM_TGT_UNREADABLE);
			lose_step(sh, sh->mode == Y_HEADER ? sh->next : sh->cur + 1);
		}
		return at_anchor(sh, (size_t)m);
	}
	return sh->mode == OUT_OF_STEP ? out_of_step(sh, line) : in_step(sh, line);
}

struct lm_tgt_show *lm_tgt_show_new(const struct lm_tgt_lld *lld, const char *const *anchors)
{
	struct lm_tgt_show *sh = calloc(1, sizeof *sh);

	if (!sh)
		return NULL;
	sh->lld = lld;
	sh->cause = SIZE_MAX;
	sh->r.info = calloc(lld->n + 1, sizeof *sh->r.info);
	sh->by_anchor = calloc(lld->n + 1, sizeof *sh->by_anchor);
	if (!sh->r.info || !sh->by_anchor)
		goto oom;
	sh->r.ninfo = lld->n;
	for (size_t i = 0; i < lld->n; i++) {
		if (lm_failed(lm_stack_add_target(&sh->r.stack, lld->v[i].name)))
			goto oom;
		sh->r.info[i].tid = lld->v[i].tid;
		if (anchors && anchors[i] && anchors[i][0]) {
			sh->by_anchor[sh->nanchors++] = (struct anchor_ix){ anchors[i], i };
			sh->last_anchored = i + 1;
		}
	}
	qsort(sh->by_anchor, sh->nanchors, sizeof *sh->by_anchor, anchor_ix_cmp);
	sh->mode = Y_HEADER;
	return sh;
oom:
	lm_stack_clear(&sh->r.stack);
	free(sh->r.info);
	free(sh->by_anchor);
	free(sh);
	return NULL;
}

static lm_hr gather(struct lm_tgt_show *sh, const char *p, size_t n)
{
	if (sh->len + n + 1 > sh->cap) {
		size_t ncap = sh->cap ? sh->cap : 256;
		char *nl;
		while (ncap < sh->len + n + 1)
			ncap *= 2;
		if (!(nl = realloc(sh->line, ncap)))
			return LM_E_OUTOFMEMORY;
		sh->line = nl;
		sh->cap = ncap;
	}
	memcpy(sh->line + sh->len, p, n);
	sh->len += n;
	sh->line[sh->len] = '\0';
	return LM_S_OK;
}

static lm_hr end_line(struct lm_tgt_show *sh)
{
	lm_hr hr = sh->line ? LM_S_OK : gather(sh, "", 0);

	if (!lm_failed(hr))
		hr = parse_line(sh, sh->line);
	sh->len = 0;
	return hr;
}

int lm_tgt_show_feed(struct lm_tgt_show *sh, const char *text, size_t n)
{
	size_t upto = sh->ended ? 0 : strnlen(text, n);

	/* what follows a NUL is not text */
	if (upto < n)
		sh->ended = true;
	n = upto;
	while (n && !lm_failed(sh->hr)) {
		const char *stop = memchr(text, '\n', n);
		size_t k = stop ? (size_t)(stop - text) : n;
		sh->hr = gather(sh, text, k);
		if (!lm_failed(sh->hr) && stop)
			sh->hr = end_line(sh);
		k += stop ? 1 : 0;
		text += k;
		n -= k;
	}
	return lm_failed(sh->hr) ? -1 : 0;
}

bool lm_tgt_show_refused(const struct lm_tgt_show *sh)
{
	return lm_failed(sh->hr);
}

/* The end of the text: what is still being read ends here. */
static lm_hr finish(struct lm_tgt_show *sh)
{
	lm_hr hr = LM_S_OK;

	switch (sh->mode) {
	case OUT_OF_STEP:
		drop_tails(sh);
		for (size_t i = sh->lost; i < sh->lld->n; i++)
			settle(sh, i, LM_TGT_UNCERTAIN);
		break;
	case Y_TAIL:
		hr = close_tails(sh);
		break;
	case Y_HEADER:
		break;
	default:
		settle(sh, sh->cur, LM_TGT_UNREADABLE);
		break;
	}
	if (sh->mode != OUT_OF_STEP && sh->next < sh->lld->n) {
		/* listed by tgtd, missing from the listing */
		sh->r.stale = true;
		for (size_t i = sh->next; i < sh->lld->n; i++)
			settle(sh, i, LM_TGT_UNCERTAIN);
	}
	for (size_t i = 0; i < sh->lld->n; i++) {
		if (info(sh, i)->read == LM_TGT_PENDING)
			sh->r.stack.targets[i].unread = "its LU section awaits tgtd's statistics";
		if (!info(sh, i)->sessions_known && !sh->r.stack.targets[i].sessions)
			sh->r.stack.targets[i].sessions = 1;
	}
	return hr;
}

lm_hr lm_tgt_show_end(struct lm_tgt_show *sh, struct lm_tgt_show_result *out, struct lm_err *err)
{
	lm_hr hr = sh->hr;

	if (!lm_failed(hr) && sh->len)
		hr = end_line(sh);
	if (!lm_failed(hr))
		hr = finish(sh);
	drop_tails(sh);
	free(sh->tails);
	free(sh->line);
	free(sh->by_anchor);
	*out = sh->r;
	free(sh);
	if (lm_failed(hr)) {
		lm_tgt_show_result_free(out);
		return lm_err_set(err, hr, "no memory to read tgtd's listing");
	}
	return LM_S_OK;
}

lm_hr lm_tgt_parse_show(const char *text, const struct lm_tgt_lld *lld, const char *const *anchors,
			struct lm_tgt_show_result *out, struct lm_err *err)
{
	struct lm_tgt_show *sh = lm_tgt_show_new(lld, anchors);

	if (!sh) {
		memset(out, 0, sizeof *out);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read tgtd's listing");
	}
	lm_tgt_show_feed(sh, text, strlen(text));
	return lm_tgt_show_end(sh, out, err);
}
