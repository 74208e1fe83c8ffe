/* VDS object ids: 16 bytes in RFC 4122 order everywhere inside lunmap. */
#ifndef LUNMAP_GUID_H
#define LUNMAP_GUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hresult.h"

typedef struct {
	uint8_t b[16];
} lm_guid;

#define LM_GUID_STRLEN 36

int lm_guid_parse(const char *s, lm_guid *out);
void lm_guid_format(const lm_guid *g, char out[LM_GUID_STRLEN + 1]);
bool lm_guid_is_nil(const lm_guid *g);
int lm_guid_cmp(const lm_guid *a, const lm_guid *b);
void lm_guid_generate(lm_guid *out);
/* Windows keeps the first three fields little-endian; the swap is its own
 * inverse, so one function serves both directions. */
void lm_guid_swap_windows(lm_guid *g);
/* 32 lower-case hex digits, the SCSI identity derived from the id. */
void lm_guid_hex(const lm_guid *g, char out[33]);

/* Splits an octet string of concatenated GUIDs; E_INVALIDARG when its
 * length is not a multiple of 16. *out is malloc'd (NULL when n is 0). */
lm_hr lm_guids_from_bytes(const uint8_t *bytes, size_t len, lm_guid **out, size_t *n,
			  struct lm_err *err);

#endif
