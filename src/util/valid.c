/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "iqn.h"
#include "valid.h"

static bool say(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return false;
}

size_t lm_utf8_char(const unsigned char *s, size_t avail, unsigned long *cp)
{
	static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;

	if (s[0] < 0x80)
		n = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	*cp = n == 1 ? s[0] : s[0] & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

bool lm_is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool lm_valid_text(const char *s, size_t max, const char **why)
{
	const unsigned char *p = (const unsigned char *)s;

	if (strlen(s) > max)
		return say(why, "too long");
	while (*p) {
		unsigned long cp;
		/* a NUL ends the string and is no continuation byte: the
		 * sequence cannot run past it */
		size_t n = lm_utf8_char(p, 4, &cp);
		if (!n)
			return say(why, "not valid UTF-8");
		if (lm_is_control(cp))
			return say(why, "has control characters");
		p += n;
	}
	return true;
}

bool lm_valid_request_value(const char *s, const char **why, size_t *at)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *bad = *p == ',' ? "',', where tgtd and LIO end a parameter"
				: *p == '=' ? "'=', where tgtd ends a parameter's name"
				: *p < 0x20 || *p == 0x7f ? "a control byte (LIO ends a parameter at a "
							    "newline, tgtd a line of its listing)"
				/* C1 controls: U+0080..U+009F, 0xc2 0x80..0x9f */
				: *p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f ? "a control character (C1)"
				: NULL;
		if (bad) {
			if (at)
				*at = (size_t)(p - (const unsigned char *)s);
			return say(why, bad);
		}
	}
	return true;
}

bool lm_valid_path(const char *s, const char **why)
{
	if (s[0] != '/')
		return say(why, "not an absolute path");
	return lm_valid_request_value(s, why, NULL) && lm_valid_text(s, PATH_MAX - 1, why);
}

static bool all_of(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]) || !s[i])
			return false;
	return n > 0;
}

static bool ipv4(const char *s, size_t n)
{
	int parts = 0;
	size_t i = 0;

	while (i <= n && parts < 4) {
		size_t j = i;
		unsigned long long v;
		while (j < n && s[j] != '.')
			j++;
		if (!lm_parse_u64(s + i, j - i, 255, &v))
			return false;
		parts++;
		if (j == n)
			return parts == 4;
		i = j + 1;
	}
	return false;
}

static bool dns_name(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
				return false;
			label = 0;
		} else if (all_of(s + i, 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

bool lm_valid_portal(const char *s, const char **why)
{
	const char *colon = strrchr(s, ':');
	unsigned long long port;
	size_t hn;

	if (!colon)
		return say(why, "a portal is host:port");
	hn = (size_t)(colon - s);
	if (!lm_parse_u64(colon + 1, strlen(colon + 1), 65535, &port) || port == 0)
		return say(why, "the port of a portal is 1 to 65535");
	if (hn > 2 && s[0] == '[' && s[hn - 1] == ']' &&
	    all_of(s + 1, hn - 2, "0123456789abcdefABCDEF:."))
		return true;
	if (ipv4(s, hn) || (dns_name(s, hn) && !all_of(s, hn, "0123456789.")))
		return true;
	return say(why, "the host of a portal is an IPv4 address, [IPv6] or a DNS name");
}

bool lm_valid_initiator(const char *s, const char **why)
{
	size_t n = strlen(s);

	if (strncmp(s, "naa.", 4) == 0) {
		if ((n == 20 || n == 36) && all_of(s + 4, n - 4, "0123456789abcdef"))
			return true;
		return say(why, "a naa. name has 16 or 32 lower-case hex digits");
	}
	if (strncmp(s, "iqn.", 4) == 0 || strncmp(s, "eui.", 4) == 0)
		return lm_iqn_valid(s, why);
	if (ipv4(s, n))
		return true;
	return say(why, "an initiator is an iqn., eui. or naa. name or an IPv4 address");
}

bool lm_valid_component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

bool lm_parse_u64(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}
