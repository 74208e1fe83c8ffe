/* SPDX-License-Identifier: BSD-3-Clause */
/* The state snapshot and its journal as lunmapd reads them at start. The
 * input is the snapshot, then optionally "\n=====journal\n" and the
 * journal. A snapshot without a valid check line is refused at once, so
 * half of the inputs get theirs fixed up here, to reach the checks behind. */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "../unit/inv.h"
#include "fuzz.h"
#include "fuzz_core.h"
#include "lunmap.h"
#include "sim.h"
#include "record.h"
#include "state.h"

static const char sep[] = "\n=====journal\n";

static void write_snapshot(const uint8_t *data, size_t n, int seal)
{
	char check[40], *buf = malloc(n + sizeof check);

	memcpy(buf, data, n);
	if (seal) {
		snprintf(check, sizeof check, "<!-- check %016" PRIx64 " -->\n", lm_record_check((const char *)data, n));
		memcpy(buf + n, check, strlen(check));
		n += strlen(check);
	}
	fuzz_file(LM_STATE_FILE, (const uint8_t *)buf, n);
	free(buf);
}

/* An inventory that declares what the state has, so that a start keeps it. */
static char *inventory(const struct lm_state *st)
{
	char id[LM_GUID_STRLEN + 1], name[16];
	struct tu_inv v;

	tu_inv_begin(&v, "fuzz", " max-targets-per-lun=\"255\"");
	tu_inv_add(&v, "<backend type=\"tgt\"/>");
	for (size_t i = 0; i < st->ntargets; i++) {
		lm_guid_format(&st->targets[i].id, id);
		tu_inv_target(&v, st->targets[i].iqn, id, NULL);
	}
	for (size_t i = 0; i < st->nluns; i++) {
		lm_guid_format(&st->luns[i].id, id);
		snprintf(name, sizeof name, "l%u", st->luns[i].index);
		tu_inv_lun(&v, name, st->luns[i].path, id);
	}
	return tu_inv_text(&v);
}

/* An association as "lun target number". */
static void assoc_line(const struct lm_core *c, const struct lm_lun *l, const struct lm_assoc *a,
		       FILE *out, void *arg)
{
	(void)arg;
	FUZZ_CHECK(a->number >= 1 && a->number <= LM_MAX_LUN_NUMBER);
	FUZZ_CHECK(lm_core_target(c, a->index) != NULL);
	fprintf(out, "%u %u %u\n", lm_lun_index(l), a->index, a->number);
}

static char *associations(const struct lm_core *c, void *arg)
{
	return fuzz_associations(c, assoc_line, arg);
}

/* A start on an accepted state, then a restart: the same associations. */
static void start_twice(const struct lm_state *st)
{
	char *inv = inventory(st);

	fuzz_start_twice(inv, NULL, true, associations, NULL);
	free(inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *j = size ? memmem(data, size, sep, sizeof sep - 1) : NULL;
	size_t n = j ? (size_t)(j - data) : size;
	struct lm_state *st = NULL;
	struct lm_err err;

	if (size == 0 || n == 0)
		return 0;
	write_snapshot(data + 1, n - 1, data[0] & 1);
	if (j)
		fuzz_file(LM_JOURNAL_FILE, j + sizeof sep - 1, size - n - (sizeof sep - 1));
	else
		fuzz_file(LM_JOURNAL_FILE, (const uint8_t *)"", 0);
	if (lm_state_load(fuzz_dir(), &st, &err) != LM_S_OK) {
		FUZZ_CHECK(st == NULL);
		return 0;
	}
	/* independent of state_check.c: what a start may rely on */
	for (size_t i = 0; i < st->ntargets; i++) {
		FUZZ_CHECK(st->targets[i].index > 0 && st->targets[i].index < st->next_target_index);
		FUZZ_CHECK(!lm_guid_is_nil(&st->targets[i].id));
		for (size_t k = 0; k < i && st->ntargets < 64; k++) {
			FUZZ_CHECK(st->targets[i].index != st->targets[k].index);
			FUZZ_CHECK(lm_guid_cmp(&st->targets[i].id, &st->targets[k].id) != 0);
		}
	}
	for (size_t i = 0; i < st->nluns; i++) {
		FUZZ_CHECK(st->luns[i].index > 0 && st->luns[i].index < st->next_lun_index);
		FUZZ_CHECK(st->luns[i].path && st->luns[i].path[0] == '/');
		for (size_t k = 0; k < st->ntargets && st->nluns < 64; k++)
			FUZZ_CHECK(lm_guid_cmp(&st->luns[i].id, &st->targets[k].id) != 0);
	}
	for (size_t i = 0; i < st->ntombs; i++)
		for (size_t k = 0; k < st->nluns && st->ntombs < 64; k++)
			FUZZ_CHECK(lm_guid_cmp(&st->tombs[i].id, &st->luns[k].id) != 0);
	for (size_t i = 0; i < st->nassocs; i++) {
		FUZZ_CHECK(st->assocs[i].number >= 1 && st->assocs[i].number <= LM_MAX_LUN_NUMBER);
		for (size_t k = 0; k < i && st->nassocs < 64; k++) {
			FUZZ_CHECK(st->assocs[i].lun != st->assocs[k].lun ||
				   st->assocs[i].target != st->assocs[k].target);
			FUZZ_CHECK(st->assocs[i].target != st->assocs[k].target ||
				   st->assocs[i].number != st->assocs[k].number);
		}
	}
	start_twice(st);
	lm_state_free(st);
	return 0;
}
