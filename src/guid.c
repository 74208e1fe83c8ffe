#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "guid.h"

int lm_guid_parse(const char *s, lm_guid *out)
{
	if (!s || strlen(s) != LM_GUID_STRLEN)
		return -1;
	return uuid_parse(s, out->b) == 0 ? 0 : -1;
}

void lm_guid_format(const lm_guid *g, char out[LM_GUID_STRLEN + 1])
{
	uuid_unparse_lower(g->b, out);
}

bool lm_guid_is_nil(const lm_guid *g)
{
	return uuid_is_null(g->b);
}

int lm_guid_cmp(const lm_guid *a, const lm_guid *b)
{
	return memcmp(a->b, b->b, sizeof a->b);
}

void lm_guid_generate(lm_guid *out)
{
	uuid_generate(out->b);
}

static void swap(uint8_t *a, uint8_t *b)
{
	uint8_t t = *a;
	*a = *b;
	*b = t;
}

void lm_guid_swap_windows(lm_guid *g)
{
	swap(&g->b[0], &g->b[3]);
	swap(&g->b[1], &g->b[2]);
	swap(&g->b[4], &g->b[5]);
	swap(&g->b[6], &g->b[7]);
}

void lm_guid_hex(const lm_guid *g, char out[33])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = digits[g->b[i] >> 4];
		out[2 * i + 1] = digits[g->b[i] & 0xf];
	}
	out[32] = '\0';
}

lm_hr lm_guids_from_bytes(const uint8_t *bytes, size_t len, lm_guid **out, size_t *n,
			  struct lm_err *err)
{
	*out = NULL;
	*n = 0;
	if (len % 16)
		return lm_err_set(err, LM_E_INVALIDARG,
				  "id list of %zu bytes is not a multiple of 16", len);
	if (len == 0)
		return LM_S_OK;
	*out = malloc(len);
	if (!*out)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for %zu ids", len / 16);
	memcpy(*out, bytes, len);
	*n = len / 16;
	return LM_S_OK;
}
