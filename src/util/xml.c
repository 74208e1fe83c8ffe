/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/xmlmemory.h>

#include "valid.h"
#include "xml.h"

char *lm_xml_take(xmlChar *v)
{
	char *s;

	if (!v)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

int lm_xml_u32_n(const char *v, size_t len, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long n;

	if (!v || !lm_parse_u64(v, len, max, &n) || n < min)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

int lm_xml_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	return v ? lm_xml_u32_n(v, strlen(v), min, max, out) : -1;
}
