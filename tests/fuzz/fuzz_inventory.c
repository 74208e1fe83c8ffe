/* SPDX-License-Identifier: BSD-3-Clause */
/* The inventory as `lunmapd --check` reads it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "inventory.h"
#include "iqn.h"
#include "valid.h"

static void check_target(const struct lm_inv_target *t)
{
	FUZZ_CHECK(t->iqn && lm_iqn_valid(t->iqn, NULL));
	FUZZ_CHECK(!t->alias || lm_valid_text(t->alias, 255, NULL));
	if (t->initiators && strcmp(t->initiators, "ALL") != 0) {
		char *copy = strdup(t->initiators), *save = NULL;
		unsigned n = 0;
		for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
			FUZZ_CHECK(lm_valid_initiator(w, NULL));
			FUZZ_CHECK(strstr(w, "..") == NULL || strncmp(w, "iqn.", 4) == 0);
			FUZZ_CHECK(!strchr(w, '/'));
			n++;
		}
		FUZZ_CHECK(n <= LM_MAX_INITIATORS);
		free(copy);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("inv.xml", data, size);
	struct lm_inventory *inv = NULL;
	struct lm_err err;

	if (lm_inventory_load(path, &inv, NULL, NULL, &err) != LM_S_OK) {
		FUZZ_CHECK(inv == NULL);
		return 0;
	}
	FUZZ_CHECK(inv->name && lm_valid_text(inv->name, 255, NULL));
	FUZZ_CHECK(inv->max_targets_per_lun >= 1);
	FUZZ_CHECK(!inv->backend.portal[0] || lm_valid_portal(inv->backend.portal, NULL));
	FUZZ_CHECK(!strchr(inv->backend.portal, '/'));
	for (size_t i = 0; i < inv->ntargets; i++) {
		check_target(&inv->targets[i]);
		for (size_t j = 0; j < i && inv->ntargets < 64; j++)
			FUZZ_CHECK(strcmp(inv->targets[i].iqn, inv->targets[j].iqn) != 0);
	}
	for (size_t i = 0; i < inv->nluns; i++) {
		const struct lm_inv_lun *l = &inv->luns[i];
		FUZZ_CHECK(l->path && lm_valid_path(l->path, NULL));
		FUZZ_CHECK(!l->name || lm_valid_text(l->name, 255, NULL));
		for (size_t j = 0; j < i && inv->nluns < 64; j++)
			FUZZ_CHECK(strcmp(l->path, inv->luns[j].path) != 0);
	}
	for (size_t i = 0; i < inv->ntargets + inv->nluns && inv->ntargets + inv->nluns < 64; i++)
		for (size_t j = 0; j < i; j++) {
			const lm_guid *a = i < inv->ntargets ? &inv->targets[i].id : &inv->luns[i - inv->ntargets].id;
			const lm_guid *b = j < inv->ntargets ? &inv->targets[j].id : &inv->luns[j - inv->ntargets].id;
			FUZZ_CHECK(lm_guid_is_nil(a) || lm_guid_cmp(a, b) != 0);
		}
	lm_inventory_free(inv);
	return 0;
}
