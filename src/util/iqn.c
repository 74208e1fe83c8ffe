/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>

#include "iqn.h"

/* RFC 3722 stringprep folds names to lower case before they are compared,
 * so lunmap keeps them in that normal form and refuses upper case rather
 * than let two spellings of one name become two targets. */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == ':';
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool valid_eui(const char *s, const char **why)
{
	if (strlen(s) != 20) {
		*why = "an eui. name has exactly 16 hex digits";
		return false;
	}
	for (int i = 4; i < 20; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			*why = "an eui. name has exactly 16 hex digits, in lower case";
			return false;
		}
	}
	return true;
}

static bool valid_iqn(const char *s, const char **why)
{
	const char *p = s + 4;
	const char *domain_end;

	if (strlen(p) < 8 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '.') {
		*why = "an iqn. name goes on with the date as YYYY-MM and a dot";
		return false;
	}
	if ((p[5] - '0') * 10 + (p[6] - '0') < 1 || (p[5] - '0') * 10 + (p[6] - '0') > 12) {
		*why = "the month of an iqn. name is 01 to 12";
		return false;
	}
	p += 8;
	domain_end = strchr(p, ':');
	if (!domain_end)
		domain_end = p + strlen(p);
	if (domain_end == p || *p == '.' || domain_end[-1] == '.') {
		*why = "an iqn. name needs a reversed domain name after the date";
		return false;
	}
	for (const char *q = p; q < domain_end; q++) {
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-' ||
		      *q == '.')) {
			*why = "the reversed domain of an iqn. name has only a-z, 0-9, '-' and '.'";
			return false;
		}
		/* RFC 3721 §1: DNS labels, none empty, none starting or ending in '-' */
		if ((*q == '.' && q[1] == '.') || (*q == '-' && (q == p || q[-1] == '.')) ||
		    (*q == '-' && (q + 1 == domain_end || q[1] == '.'))) {
			*why = "the reversed domain of an iqn. name is DNS labels: none empty, none "
			       "starting or ending with '-'";
			return false;
		}
	}
	if (*domain_end == ':' && domain_end[1] == '\0') {
		*why = "an iqn. name has a string after its ':'";
		return false;
	}
	for (const char *q = domain_end; *q; q++)
		if (!name_char(*q)) {
			*why = "an iSCSI name has only lower-case letters, digits, '-', '.' and ':'";
			return false;
		}
	return true;
}

bool lm_iqn_valid(const char *s, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!s || !*s) {
		*why = "empty iSCSI name";
		return false;
	}
	if (strlen(s) > 223) {
		*why = "an iSCSI name is at most 223 bytes";
		return false;
	}
	if (strncmp(s, "iqn.", 4) == 0)
		return valid_iqn(s, why);
	if (strncmp(s, "eui.", 4) == 0)
		return valid_eui(s, why);
	*why = "an iSCSI name starts with iqn. or eui.";
	return false;
}
