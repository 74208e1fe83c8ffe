/* SPDX-License-Identifier: BSD-3-Clause */
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

void lm_naa_tgt(const lm_guid *g, uint8_t out[16])
{
	memcpy(out, g->b, 16);
	out[0] = (uint8_t)(0x60 | (out[0] & 0x0f));
}

void lm_naa_lio(const lm_guid *g, uint8_t out[16])
{
	char hex[33];
	size_t off = 3;

	lm_guid_hex(g, hex);
	out[0] = 0x60;
	out[1] = 0x01;
	out[2] = 0x40;
	out[3] = 0x50;
	/* 25 digits: the low nibble of byte 3, then bytes 4..15 */
	for (size_t k = 0; k < 25; k++) {
		unsigned v = (unsigned)(hex[k] <= '9' ? hex[k] - '0' : hex[k] - 'a' + 10);
		if (k % 2 == 0)
			out[off++] |= (uint8_t)v;
		else
			out[off] = (uint8_t)(v << 4);
	}
}
