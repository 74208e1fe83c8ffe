/* SPDX-License-Identifier: BSD-3-Clause */
/* `tgtadm --op show` as the tgt backend parses it, then validates it. */
#include "config.h"

#include <string.h>

#include <stdbool.h>
#include <unistd.h>

#include "fuzz.h"
#include "iqn.h"
#include "lunmap.h"
#include "census.h"
#include "show.h"
#include "sim.h"
#include "valid.h"

/* The inventory start-up reads: the paths and names the seeds use. */
static const char inventory[] =
	"<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"fuzz\" max-targets-per-lun=\"255\">\n"
	"<backend type=\"tgt\"/>\n"
	"<target iqn=\"iqn.2026-11.org.example:t1\"/>\n"
	"<target iqn=\"iqn.2026-11.org.example:t3\"/>\n"
	"<lun name=\"a\" path=\"/srv/a.img\"/>\n"
	"<lun name=\"b\" path=\"/srv/b c.img\"/>\n"
	"<lun name=\"l1\" path=\"/srv/l1.img\"/>\n"
	"</lunmap>\n";

/* Every association as lines; each one is an LU the stack really has. */
static char *associations(const struct lm_core *c, const struct lm_stack *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (const struct lm_lun *l = lm_core_lun_after(c, 0); l;
	     l = lm_core_lun_after(c, lm_lun_index(l))) {
		size_t n;
		const struct lm_assoc *a = lm_lun_assocs(l, &n);
		for (size_t i = 0; i < n; i++) {
			const struct lm_target *t = lm_core_target(c, a[i].index);
			const struct lm_stack_target *st;
			bool found = false;
			FUZZ_CHECK(t && a[i].number >= 1 && a[i].number <= LM_MAX_LUN_NUMBER);
			st = lm_stack_find_target(s, lm_target_iqn(t));
			FUZZ_CHECK(st != NULL);
			for (size_t k = 0; k < st->nlus; k++)
				found |= st->lus[k].number == a[i].number &&
					 strcmp(st->lus[k].path, lm_lun_path(l)) == 0;
			FUZZ_CHECK(found);
			fprintf(f, "%s %s %u\n", lm_lun_path(l), lm_target_iqn(t), a[i].number);
		}
	}
	for (const struct lm_target *t = lm_core_target_after(c, 0); t;
	     t = lm_core_target_after(c, lm_target_index(t)))
		FUZZ_CHECK(lm_iqn_valid(lm_target_iqn(t), NULL));
	fclose(f);
	return text;
}

static struct lm_core *start(const char *inv, const struct lm_stack *s)
{
	struct lm_core_opts o = { .inventory = inv, .state_dir = fuzz_dir() };
	struct lm_core *c = NULL;
	struct lm_err err;

	o.backend = lm_sim_new();
	FUZZ_CHECK(lm_stack_copy(lm_sim_stack(o.backend), s) == LM_S_OK);
	FUZZ_CHECK(lm_core_open(&o, &c, &err) == LM_S_OK);
	return c;
}

/* What start-up makes of the listing: adopted, discovered, saved; and a
 * restart on the same stack gives the same associations. */
static void start_twice(const struct lm_stack *s)
{
	char inv[512], path[600], *first, *second;
	struct lm_core *c;

	snprintf(inv, sizeof inv, "%s/../lunmap-fuzz-tgt-%d.xml", fuzz_dir(), (int)getpid());
	{
		FILE *f = fopen(inv, "w");
		fputs(inventory, f);
		fclose(f);
	}
	for (const char *const *n = (const char *const[]){ "state.xml", "state.journal", NULL }; *n; n++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir(), *n);
		unlink(path);
	}
	c = start(inv, s);
	first = associations(c, s);
	lm_core_close(c);
	c = start(inv, s);
	second = associations(c, s);
	lm_core_close(c);
	if (strcmp(first, second) != 0) {
		fprintf(stderr, "a restart changed the associations:\n%s---\n%s", first, second);
		abort();
	}
	free(first);
	free(second);
	unlink(inv);
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
