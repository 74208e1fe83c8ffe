/* SPDX-License-Identifier: BSD-3-Clause */
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

/* The NAA designator (VPD page 0x83, 16 bytes, NAA 6 "IEEE Registered
 * Extended") an initiator reads for a LUN with this id, as each stack
 * builds it from what lunmap sets:
 * tgt, from scsi_id = lm_guid_hex: the 16 bytes of the id with the first
 *   nibble replaced by 6 (tgt's spc.c packs scsi_id's hex digits so);
 * LIO, from vpd_unit_serial = lm_guid_hex: 6, LIO's company id 00-14-05,
 *   then the serial's first 25 hex digits (spc_gen_naa_6h_vendor_specific
 *   of target_core_spc.c). */
void lm_naa_tgt(const lm_guid *g, uint8_t out[16]);
void lm_naa_lio(const lm_guid *g, uint8_t out[16]);

/* Splits an octet string of concatenated GUIDs; E_INVALIDARG when its
 * length is not a multiple of 16. *out is malloc'd (NULL when n is 0). */
lm_hr lm_guids_from_bytes(const uint8_t *bytes, size_t len, lm_guid **out, size_t *n,
			  struct lm_err *err);

#endif
