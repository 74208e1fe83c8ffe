/* `tgtadm --op show` as the tgt backend parses it, then validates it. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "iqn.h"
#include "show.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct lm_stack s;
	uint32_t *tids = NULL;
	struct lm_err err;

	if (memchr(data, 0, size) || lm_tgt_parse_show(text, &s, &tids, &err) != LM_S_OK) {
		free(text);
		free(tids);
		return 0;
	}
	for (size_t i = 0; i < s.ntargets; i++) {
		const struct lm_stack_target *t = &s.targets[i];
		/* tids strictly increase, names are unique: no target twice */
		FUZZ_CHECK(tids[i] > 0 && (i == 0 || tids[i] > tids[i - 1]));
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(t->iqn, s.targets[j].iqn) != 0);
		FUZZ_CHECK(!strchr(t->iqn, '\n'));
		for (size_t k = 0; k < t->nlus; k++) {
			FUZZ_CHECK(t->lus[k].number > 0);
			FUZZ_CHECK(k == 0 || t->lus[k].number > t->lus[k - 1].number);
			FUZZ_CHECK(t->lus[k].path[0] == '/' && !strchr(t->lus[k].path, '\n'));
		}
	}
	/* what start-up is told: only names and numbers lunmap can keep */
	FUZZ_CHECK(lm_stack_validate(&s) == LM_S_OK);
	for (size_t i = 0; i < s.ntargets; i++) {
		FUZZ_CHECK(lm_iqn_valid(s.targets[i].iqn, NULL));
		for (size_t k = 0; k < s.targets[i].nlus; k++) {
			const struct lm_stack_lu *lu = &s.targets[i].lus[k];
			FUZZ_CHECK(lu->number <= LM_MAX_LUN_NUMBER);
			FUZZ_CHECK(!lu->path[0] || lm_valid_path(lu->path, NULL));
		}
	}
	lm_stack_clear(&s);
	free(tids);
	free(text);
	return 0;
}
