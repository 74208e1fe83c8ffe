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

#include "show.h"
#include "valid.h"

#define CANDIDATE "    LUN information:"
#define CANDIDATE_LEN (sizeof CANDIDATE - 1)

void lm_tgt_anchor(const char *key, const char *iqn, char *anchor)
{
	if (!key || !*key)
		*anchor = '\0';
	else
		snprintf(anchor, LM_TGT_ANCHOR_MAX, LM_TGT_ANCHOR_PREFIX "%s-%s", key, iqn);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------- a tail */

/* the key lines of an LU, after "LUN: N" */
enum { K_TYPE, K_ID, K_SN, K_SIZE, K_ONLINE, K_REMOVABLE, K_PREVENT, K_RO, K_SWP, K_THIN,
       K_BSTYPE, K_PATH, K_FLAGS, K_COUNT };
static const char *const key_line[K_COUNT] = {
	"            Type: ", "            SCSI ID: ", "            SCSI SN: ",
	"            Size: ", "            Online: ", "            Removable media: ",
	"            Prevent removal: ", "            Readonly: ", "            SWP: ",
	"            Thin-provisioning: ", "            Backing store type: ",
	"            Backing store path: ", "            Backing store flags: ",
};

enum tstate { T_LUNS, T_KEYS, T_ACCOUNT, T_ACL, T_DEAD, T_ENDED };

/* One reading of a target's text from a "LUN information:" line on. */
struct tail {
	struct lm_stack_target t; /* its LUs and ACL (pool: the result's) */
	enum tstate st;
	unsigned key;        /* T_KEYS: the next key line */
	long long lun;       /* the LU being read, -1 before the first */
	uint32_t *numbers;   /* every LU's number */
	size_t nnumbers, capnumbers;
	unsigned blocks;     /* whole LUs read */
	bool accounts;       /* an Account section was met */
	bool doubt;          /* it began by killing a reading with a whole LU */
	char serial[65];     /* of the LU being read; "" none */
	int readonly;
	char lun0_id[40];    /* SCSI ID of LUN 0: tgtd's default names the tid */
};

static bool yes_no(const char *v)
{
	return strcmp(v, "Yes") == 0 || strcmp(v, "No") == 0;
}

static bool size_ok(const char *v)
{
	size_t n = strspn(v, "0123456789");

	if (!n || !starts(v + n, " MB, Block size: "))
		return false;
	v += n + 17;
	n = strspn(v, "0123456789");
	return n > 0 && v[n] == '\0';
}

static bool flags_ok(const char *v)
{
	return !*v || strcmp(v, "sync") == 0 || strcmp(v, "direct") == 0 ||
	       strcmp(v, "sync:direct") == 0;
}

static lm_hr push_number(struct tail *tl, uint32_t n)
{
	if (tl->nnumbers == tl->capnumbers) {
		size_t cap = tl->capnumbers ? 2 * tl->capnumbers : 16;
		uint32_t *v = realloc(tl->numbers, cap * sizeof *v);
		if (!v)
			return LM_E_OUTOFMEMORY;
		tl->numbers = v;
		tl->capnumbers = cap;
	}
	tl->numbers[tl->nnumbers++] = n;
	return LM_S_OK;
}

/* The LU whose path line this is (LUN 0, tgt's controller, is counted,
 * not kept; a path that is none, "None", is kept as "": an LU lunmap did
 * not make, never one of its LUNs). */
static lm_hr lu_path(struct tail *tl, const char *value)
{
	lm_hr hr;

	if (tl->lun == 0)
		return LM_S_OK;
	hr = lm_stack_add_lu(&tl->t, (uint32_t)tl->lun, value[0] == '/' ? value : "");
	if (!lm_failed(hr) && tl->serial[0])
		hr = lm_stack_set_serial(&tl->t, tl->serial);
	if (!lm_failed(hr))
		lm_stack_set_readonly(&tl->t, tl->readonly);
	return hr;
}

static bool key_value_ok(struct tail *tl, unsigned k, const char *v)
{
	switch (k) {
	case K_SIZE: return size_ok(v);
	case K_ONLINE: case K_REMOVABLE: case K_PREVENT: case K_RO: case K_SWP: case K_THIN:
		return yes_no(v);
	case K_FLAGS: return flags_ok(v);
	case K_TYPE: case K_BSTYPE: return *v != '\0';
	default: (void)tl; return true;
	}
}

/* One key line of an LU: false when it is not the one due. */
static bool key(struct tail *tl, const char *line, lm_hr *hr)
{
	const char *v;

	if (!starts(line, key_line[tl->key]))
		return false;
	v = line + strlen(key_line[tl->key]);
	if (!key_value_ok(tl, tl->key, v))
		return false;
	switch (tl->key) {
	case K_ID:
		if (tl->lun == 0)
			snprintf(tl->lun0_id, sizeof tl->lun0_id, "%s", v);
		break;
	/* a serial lunmap cannot have set is kept as "?": the wrong
	 * identity, never a forged one */
	case K_SN: snprintf(tl->serial, sizeof tl->serial, "%s", lm_stack_serial_ok(v) ? v : "?"); break;
	case K_RO: tl->readonly = strcmp(v, "Yes") == 0; break;
	case K_PATH: *hr = lu_path(tl, v); break;
	}
	if (++tl->key == K_COUNT) {
		tl->st = T_LUNS;
		tl->blocks++;
	}
	return true;
}

static bool lun_line(struct tail *tl, const char *line, lm_hr *hr)
{
	unsigned long long n;

	if (!starts(line, "        LUN: ") || !lm_parse_u64(line + 13, strlen(line + 13), UINT32_MAX, &n) ||
	    (long long)n <= tl->lun)
		return false; /* tgtd keeps its LUs sorted: a number twice is refused too */
	tl->lun = (long long)n;
	tl->st = T_KEYS;
	tl->key = 0;
	tl->serial[0] = '\0';
	tl->readonly = -1;
	*hr = push_number(tl, (uint32_t)n);
	return true;
}

/* One line for a tail. false when the line cannot be the next one (the
 * tail dies, or ends when it was in its ACL section). */
static bool tail_line(struct tail *tl, const char *line, lm_hr *hr)
{
	switch (tl->st) {
	case T_KEYS:
		return key(tl, line, hr);
	case T_LUNS:
		if (lun_line(tl, line, hr))
			return true;
		/* the sections after the LUs */
		/* fall through */
	case T_ACCOUNT:
		if (tl->st != T_ACCOUNT && strcmp(line, "    Account information:") == 0) {
			tl->st = T_ACCOUNT;
			tl->accounts = true;
			return true;
		}
		if (tl->st == T_ACCOUNT && starts(line, "        "))
			return true;
		if (strcmp(line, "    ACL information:") == 0) {
			tl->st = T_ACL;
			/* an empty ACL lets nobody in: a target made and not
			 * yet bound */
			*hr = lm_stack_acl_add(&tl->t, NULL);
			return true;
		}
		return false;
	case T_ACL:
		if (!starts(line, "        "))
			return false;
		/* an address, a name or ALL; one with a comma would read as
		 * two in lunmap's comma-separated ACL: left out */
		if (!strchr(line + 8, ','))
			*hr = lm_stack_acl_add(&tl->t, line + 8);
		return true;
	default:
		return false;
	}
}

static void tail_free(struct tail *tl)
{
	free(tl->t.lus);
	free(tl->t.acl);
	free(tl->numbers);
	memset(tl, 0, sizeof *tl);
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
static const char reason_unreadable[] =
	"its text in tgtd's listing does not follow tgtd's grammar (a path, serial, CHAP account or "
	"ACL entry of an administrator's with a line break, or another tgtd)";

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
		st->unread = how == LM_TGT_UNCERTAIN ? reason_uncertain : reason_unreadable;
	}
}

static void drop_tails(struct lm_tgt_show *sh)
{
	for (size_t i = 0; i < sh->ntails; i++)
		tail_free(&sh->tails[i]);
	sh->ntails = 0;
}

static lm_hr new_tail(struct lm_tgt_show *sh, bool doubt)
{
	struct tail *tl;

	if (sh->ntails == sh->captails) {
		size_t cap = sh->captails ? 2 * sh->captails : 4;
		struct tail *v = realloc(sh->tails, cap * sizeof *v);
		if (!v)
			return LM_E_OUTOFMEMORY;
		sh->tails = v;
		sh->captails = cap;
	}
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
	struct lm_stack_target *st = &sh->r.stack.targets[i];

	free(st->lus);
	free(st->acl);
	st->lus = tl->t.lus;
	st->nlus = tl->t.nlus;
	st->caplus = tl->t.caplus;
	st->acl = tl->t.acl;
	tl->t.lus = NULL;
	tl->t.acl = NULL;
	tl->t.nlus = tl->t.caplus = 0;
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
			tail_free(&sh->tails[i]);
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
			if (tail_line(&sh->tails[i], line, &hr))
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
		if (tail_line(tl, line, &hr)) {
			sh->tails[live++] = *tl;
			continue;
		}
		sh->read_died |= tl->lun >= 0;
		tail_free(tl);
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

void lm_tgt_show_result_free(struct lm_tgt_show_result *r)
{
	for (size_t i = 0; r->info && i < r->ninfo; i++) {
		for (size_t k = 0; k < r->info[i].nalt; k++) {
			free(r->info[i].alt[k].t.lus);
			free(r->info[i].alt[k].t.acl);
			free(r->info[i].alt[k].numbers);
		}
		free(r->info[i].alt);
	}
	free(r->info);
	lm_stack_clear(&r->stack);
	memset(r, 0, sizeof *r);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void lm_tgt_show_confirm(struct lm_tgt_show_result *r, size_t i, const uint32_t *numbers,
			 size_t n)
{
	struct lm_tgt_show_target *in = &r->info[i];
	size_t match = 0, which = 0;

	if (in->read != LM_TGT_PENDING || n == 0)
		return;
	for (size_t k = 0; k < in->nalt; k++) {
		struct lm_tgt_reading *a = &in->alt[k];
		if (a->nnumbers > 1)
			qsort(a->numbers, a->nnumbers, sizeof *a->numbers, u32_cmp);
		if (a->nnumbers == n && memcmp(a->numbers, numbers, n * sizeof *numbers) == 0) {
			match++;
			which = k;
		}
	}
	if (match != 1) {
		lm_tgt_show_give_up(r, i);
		return;
	}
	{
		struct lm_stack_target *st = &r->stack.targets[i];
		struct lm_tgt_reading *a = &in->alt[which];
		free(st->lus);
		free(st->acl);
		st->lus = a->t.lus;
		st->nlus = a->t.nlus;
		st->caplus = a->t.caplus;
		st->acl = a->t.acl;
		st->unread = NULL;
		a->t.lus = NULL;
		a->t.acl = NULL;
		in->read = LM_TGT_READ;
	}
}

void lm_tgt_show_give_up(struct lm_tgt_show_result *r, size_t i)
{
	struct lm_stack_target *st = &r->stack.targets[i];

	if (r->info[i].read != LM_TGT_PENDING)
		return;
	r->info[i].read = LM_TGT_UNREADABLE;
	st->nlus = 0;
	free(st->acl);
	st->acl = NULL;
	st->unread = reason_unreadable;
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
