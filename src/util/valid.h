/* SPDX-License-Identifier: BSD-3-Clause */
/* The one place where names, paths and addresses are judged, whether they
 * come from the admin's inventory, lunmapd's own files or the iSCSI stack
 * (design §4: everything the stack says is untrusted). Each returns false
 * and a reason in *why (may be NULL). */
#ifndef LUNMAP_VALID_H
#define LUNMAP_VALID_H

#include <stdbool.h>
#include <stddef.h>

/* Valid UTF-8 (shortest forms, no surrogates), no control characters (C0,
 * DEL, C1), at most max bytes: what a name or alias may be, so that it
 * survives XML and lunmapctl's one-line-per-object output. */
bool lm_valid_text(const char *s, size_t max, const char **why);
/* An absolute path of valid text, shorter than PATH_MAX, that is a file
 * name and nothing else in every stack request it is formatted into
 * (lm_valid_request_value). */
bool lm_valid_path(const char *s, const char **why);
/* A value lunmap formats into a request to the stack (a path, an iSCSI
 * name, a folder name): no ',' or '=' and no control byte (C0, DEL, C1).
 * tgtd splits the parameter text of a request at ',' and its keys from
 * their values at '='; LIO splits the text written to a backstore's
 * `control` at ',' and at a newline, and a newline ends a line of tgtd's
 * listing. Neither has an escape, so such a value is refused: a file name
 * is never read as an option. *why names the byte refused, *at its offset
 * (may be NULL). */
bool lm_valid_request_value(const char *s, const char **why, size_t *at);
/* host:port: a dotted IPv4 address, [IPv6] or a DNS name, and 1..65535. */
bool lm_valid_portal(const char *s, const char **why);
/* An initiator a target admits: an iqn./eui./naa. name, or an IPv4
 * address (tgt binds by address). */
bool lm_valid_initiator(const char *s, const char **why);
/* A path component: not empty, no '/', not "." or "..". */
bool lm_valid_component(const char *s);
/* A number in strict decimal: digits only, no sign, no leading zero (but
 * "0"), no overflow past max. */
bool lm_parse_u64(const char *s, size_t n, unsigned long long max, unsigned long long *out);

/* The length of the valid UTF-8 character at s (at most avail bytes
 * there; a NUL stops a sequence too) and its code point in *cp; 0 when
 * invalid (overlong, a surrogate, past U+10FFFF, cut short). */
size_t lm_utf8_char(const unsigned char *s, size_t avail, unsigned long *cp);
/* C0 and C1 controls and DEL */
bool lm_is_control(unsigned long cp);

#endif
