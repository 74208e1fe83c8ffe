/* SPDX-License-Identifier: BSD-3-Clause */
/* The XML helpers inventory.c and state.c share. */
#ifndef LUNMAP_XML_H
#define LUNMAP_XML_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/xmlstring.h>

/* A malloc'd copy of an attribute value libxml2 returned, which it frees;
 * NULL stays NULL (a missing attribute), as does a failed copy. */
char *lm_xml_take(xmlChar *v);
/* A strict decimal in min..max (no sign, space or leading zero); 0 or -1. */
int lm_xml_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out);
/* The same for the n bytes at v (the state's text records). */
int lm_xml_u32_n(const char *v, size_t n, uint32_t min, uint32_t max, uint32_t *out);

#endif
