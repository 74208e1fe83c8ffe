/* SPDX-License-Identifier: BSD-3-Clause */
/* `tgtadm --op show` as the tgt backend parses it, then validates it. */
#include "config.h"

#include <string.h>

#include <stdbool.h>
#include <unistd.h>

#include "../unit/inv.h"
#include "fuzz.h"
#include "fuzz_core.h"
#include "iqn.h"
#include "lunmap.h"
#include "census.h"
#include "show.h"
#include "sim.h"
#include "valid.h"

/* The inventory start-up reads: the paths and names the seeds use. */
static char *inventory(void)
{
	struct tu_inv v;

	tu_inv_begin(&v, "fuzz", " max-targets-per-lun=\"255\"");
	tu_inv_add(&v, "<backend type=\"tgt\"/>");
	tu_inv_target(&v, "iqn.2026-11.org.example:t1", NULL, NULL);
	tu_inv_target(&v, "iqn.2026-11.org.example:t3", NULL, NULL);
	tu_inv_lun(&v, "a", "/srv/a.img", NULL);
	tu_inv_lun(&v, "b", "/srv/b c.img", NULL);
	tu_inv_lun(&v, "l1", "/srv/l1.img", NULL);
	return tu_inv_text(&v);
}

/* An association as a line; it is an LU the stack really has. */
static void assoc_line(const struct lm_core *c, const struct lm_lun *l, const struct lm_assoc *a,
		       FILE *out, void *arg)
{
	const struct lm_stack *s = arg;
	const struct lm_target *t = lm_core_target(c, a->index);
	const struct lm_stack_target *st;
	bool found = false;

	FUZZ_CHECK(t && a->number >= 1 && a->number <= LM_MAX_LUN_NUMBER);
	st = lm_stack_find_target(s, lm_target_iqn(t));
	FUZZ_CHECK(st != NULL);
	for (size_t k = 0; k < st->nlus; k++)
		found |= st->lus[k].number == a->number && strcmp(st->lus[k].path, lm_lun_path(l)) == 0;
	FUZZ_CHECK(found);
	fprintf(out, "%s %s %u\n", lm_lun_path(l), lm_target_iqn(t), a->number);
}

/* Every association as lines; every target's name one lunmap keeps. */
static char *associations(const struct lm_core *c, void *arg)
{
	char *text = fuzz_associations(c, assoc_line, arg);

	for (const struct lm_target *t = lm_core_target_after(c, 0); t;
	     t = lm_core_target_after(c, lm_target_index(t)))
		FUZZ_CHECK(lm_iqn_valid(lm_target_iqn(t), NULL));
	return text;
}

/* What start-up makes of the listing: adopted, discovered, saved; and a
 * restart on the same stack gives the same associations. */
static void start_twice(const struct lm_stack *s)
{
	char path[600], *inv = inventory();

	for (const char *const *n = (const char *const[]){ "state.xml", "state.journal", NULL }; *n; n++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir(), *n);
		unlink(path);
	}
	fuzz_start_twice(inv, s, false, associations, (void *)s);
	free(inv);
}

/* The input: tgtd's list of targets, a line "=====", the listing. Every
 * target of the list has an anchor made with a key the input may know:
 * this harness looks for crashes and for a reading that breaks the
 * reader's promises, whatever the text (the differential harness,
 * fuzz_tgt_diff, checks readings against the truth). */
#define SEPARATOR "\n=====\n"
#define KEY "0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size), *listing, anchor[64][LM_TGT_ANCHOR_MAX];
	const char *anchors[64];
	struct lm_tgt_lld lld;
	struct lm_tgt_show_result r;
	struct lm_err err;

	if (memchr(data, 0, size) || !(listing = strstr(text, SEPARATOR))) {
		free(text);
		return 0;
	}
	*listing = '\0';
	listing += strlen(SEPARATOR);
	if (lm_tgt_lld_parse(text, &lld, &err) != LM_S_OK || lld.n > 64) {
		if (lld.n > 64)
			lm_tgt_lld_free(&lld);
		free(text);
		return 0;
	}
	for (size_t i = 0; i < lld.n; i++) {
		lm_tgt_anchor(KEY, lld.v[i].name, anchor[i]);
		anchors[i] = anchor[i];
	}
	FUZZ_CHECK(lm_tgt_parse_show(listing, &lld, anchors, &r, &err) == LM_S_OK);
	FUZZ_CHECK(r.stack.ntargets == lld.n);
	for (size_t i = 0; i < r.stack.ntargets; i++) {
		const struct lm_stack_target *t = &r.stack.targets[i];
		FUZZ_CHECK(strcmp(t->iqn, lld.v[i].name) == 0 && r.info[i].tid == lld.v[i].tid);
		/* a target not read shows nothing */
		FUZZ_CHECK(r.info[i].read == LM_TGT_READ || (t->unread && !t->acl) ||
			   r.info[i].read == LM_TGT_PENDING);
		FUZZ_CHECK(r.info[i].read == LM_TGT_PENDING || r.info[i].read == LM_TGT_READ ||
			   !t->nlus);
		for (size_t k = 0; k < t->nlus; k++) {
			FUZZ_CHECK(t->lus[k].number > 0);
			FUZZ_CHECK(k == 0 || t->lus[k].number > t->lus[k - 1].number);
			FUZZ_CHECK(!strchr(t->lus[k].path, '\n'));
			FUZZ_CHECK(!t->lus[k].path[0] || t->lus[k].path[0] == '/');
		}
	}
	/* a pending target left unconfirmed is not read */
	for (size_t i = 0; i < r.stack.ntargets; i++)
		lm_tgt_show_give_up(&r, i);
	for (size_t i = 0; i < r.stack.ntargets; i++)
		FUZZ_CHECK(r.info[i].read != LM_TGT_PENDING);
	/* what start-up is told: only names and numbers lunmap can keep */
	FUZZ_CHECK(lm_stack_validate(&r.stack) == LM_S_OK);
	for (size_t i = 0; i < r.stack.ntargets; i++) {
		FUZZ_CHECK(lm_iqn_valid(r.stack.targets[i].iqn, NULL));
		for (size_t k = 0; k < r.stack.targets[i].nlus; k++) {
			const struct lm_stack_lu *lu = &r.stack.targets[i].lus[k];
			FUZZ_CHECK(lu->number <= LM_MAX_LUN_NUMBER);
			FUZZ_CHECK(!lu->path[0] || lm_valid_path(lu->path, NULL));
		}
	}
	start_twice(&r.stack);
	lm_tgt_show_result_free(&r);
	lm_tgt_lld_free(&lld);
	free(text);
	return 0;
}
