/* SPDX-License-Identifier: BSD-3-Clause */
/* IQN and GUID text. lm_iqn_valid is held to an oracle written here,
 * separately, from RFC 3720 §3.2.6 and RFC 3721 §1 (in the lower-case form
 * lunmap keeps names in): both must agree on every input. A GUID that
 * parses must be exactly the text its formatting gives back. */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "guid.h"
#include "iqn.h"

static bool in(char c, const char *set)
{
	return c && strchr(set, c) != NULL;
}

#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"

/* a reversed DNS name: labels of [a-z0-9-], none empty, no '-' at either end */
static bool oracle_domain(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!in(s[i], LOWER_DIGITS "-"))
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

static bool oracle(const char *s)
{
	size_t n = strlen(s);
	const char *colon;

	if (n == 0 || n > 223)
		return false;
	if (!strncmp(s, "eui.", 4)) {
		if (n != 20)
			return false;
		for (size_t i = 4; i < n; i++)
			if (!in(s[i], "0123456789abcdef"))
				return false;
		return true;
	}
	if (strncmp(s, "iqn.", 4) || n < 13)
		return false;
	for (int i = 4; i < 8; i++)
		if (!in(s[i], "0123456789"))
			return false;
	if (s[8] != '-' || !in(s[9], "01") || !in(s[10], "0123456789") || s[11] != '.')
		return false;
	if ((s[9] == '0' && s[10] == '0') || (s[9] == '1' && s[10] > '2'))
		return false;
	colon = strchr(s + 12, ':');
	if (!oracle_domain(s + 12, colon ? (size_t)(colon - s - 12) : n - 12))
		return false;
	if (!colon)
		return true;
	if (colon[1] == '\0')
		return false;
	for (const char *p = colon + 1; *p; p++)
		if (!in(*p, LOWER_DIGITS "-.:"))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), out[LM_GUID_STRLEN + 1];
	const char *why = NULL;
	lm_guid g, h;
	bool got;

	if (memchr(data, 0, size)) {
		free(s);
		return 0;
	}
	got = lm_iqn_valid(s, &why);
	if (got != oracle(s)) {
		fprintf(stderr, "lm_iqn_valid(\"%s\") = %d, the RFC says %d\n", s, got, !got);
		abort();
	}
	FUZZ_CHECK(got || why);
	if (lm_guid_parse(s, &g) == 0) {
		lm_guid_format(&g, out);
		FUZZ_CHECK(strcasecmp(out, s) == 0);
		FUZZ_CHECK(lm_guid_parse(out, &h) == 0 && lm_guid_cmp(&g, &h) == 0);
	}
	free(s);
	return 0;
}
