/* SPDX-License-Identifier: BSD-3-Clause */
/* The state snapshot and its journal as lunmapd reads them at start. The
 * input is the snapshot, then optionally "\n=====journal\n" and the
 * journal. A snapshot without a valid check line is refused at once, so
 * half of the inputs get theirs fixed up here, to reach the checks behind. */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
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

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

/* An inventory that declares what the state has, so that a start keeps it. */
static void write_inventory(const struct lm_state *st, const char *path)
{
	FILE *f = fopen(path, "w");
	char id[LM_GUID_STRLEN + 1];

	fputs("<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"fuzz\" max-targets-per-lun=\"255\">\n"
	      "<backend type=\"tgt\"/>\n", f);
	for (size_t i = 0; i < st->ntargets; i++) {
		lm_guid_format(&st->targets[i].id, id);
		fprintf(f, "<target id=\"%s\" iqn=\"", id);
		put_escaped(f, st->targets[i].iqn);
		fputs("\"/>\n", f);
	}
	for (size_t i = 0; i < st->nluns; i++) {
		lm_guid_format(&st->luns[i].id, id);
		fprintf(f, "<lun id=\"%s\" name=\"l%u\" path=\"", id, st->luns[i].index);
		put_escaped(f, st->luns[i].path);
		fputs("\"/>\n", f);
	}
	fputs("</lunmap>\n", f);
	fclose(f);
}

/* Every association as "lun target number" lines. */
static char *associations(const struct lm_core *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (const struct lm_lun *l = lm_core_lun_after(c, 0); l;
	     l = lm_core_lun_after(c, lm_lun_index(l))) {
		size_t n;
		const struct lm_assoc *a = lm_lun_assocs(l, &n);
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(a[i].number >= 1 && a[i].number <= LM_MAX_LUN_NUMBER);
			FUZZ_CHECK(lm_core_target(c, a[i].index) != NULL);
			fprintf(f, "%u %u %u\n", lm_lun_index(l), a[i].index, a[i].number);
		}
	}
	fclose(f);
	return text;
}

/* A start on an accepted state, then a restart: the same associations. */
static void start_twice(const struct lm_state *st)
{
	char inv[512], *first = NULL, *second;
	struct lm_core_opts o = { .inventory = inv, .state_dir = fuzz_dir() };
	struct lm_core *c;
	struct lm_err err;

	snprintf(inv, sizeof inv, "%s/../lunmap-fuzz-inv-%d.xml", fuzz_dir(), (int)getpid());
	write_inventory(st, inv);
	o.backend = lm_sim_new();
	if (lm_core_open(&o, &c, &err) != LM_S_OK) {
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "start refused: %s\n", err.msg);
		goto out;
	}
	first = associations(c);
	lm_core_close(c);
	o.backend = lm_sim_new();
	FUZZ_CHECK(lm_core_open(&o, &c, &err) == LM_S_OK);
	second = associations(c);
	lm_core_close(c);
	if (strcmp(first, second) != 0) {
		fprintf(stderr, "a restart changed the associations:\n%s---\n%s", first, second);
		abort();
	}
	free(second);
out:
	free(first);
	unlink(inv);
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
