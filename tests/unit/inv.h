/* SPDX-License-Identifier: BSD-3-Clause */
/* The one inventory builder of the C tests, unit and fuzz alike: one place
 * for the root element, its namespace and the quoting of values. Whole in
 * this header because the fuzz harnesses are built (tests/fuzz/run)
 * without tests/unit's sources; util.h adds tu_inv_end, which writes the
 * file. An element a call: the root (name, and attrs as they are written,
 * each with its leading space), then any element, then the text. */
#ifndef LUNMAP_TEST_INV_H
#define LUNMAP_TEST_INV_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct tu_inv {
	char *text;
	size_t len;
	FILE *m;
};

static inline void tu_inv_begin(struct tu_inv *v, const char *name, const char *attrs)
{
	v->text = NULL;
	v->m = open_memstream(&v->text, &v->len);
	if (!v->m)
		abort();
	fprintf(v->m, "<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"%s\"%s>\n", name,
		attrs ? attrs : "");
}

/* One element, printf-style, a line of its own. */
static inline void tu_inv_add(struct tu_inv *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void tu_inv_add(struct tu_inv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(v->m, fmt, ap);
	va_end(ap);
	fputc('\n', v->m);
}

/* ` name="value"`, value with the three characters that would end or
 * misread it as references: any other byte goes as it is (a fuzzed name
 * must reach the parser unchanged), and value may be NULL (no attribute). */
static inline void tu_inv_attr(struct tu_inv *v, const char *name, const char *value)
{
	if (!value)
		return;
	fprintf(v->m, " %s=\"", name);
	for (; *value; value++)
		switch (*value) {
		case '&': fputs("&amp;", v->m); break;
		case '<': fputs("&lt;", v->m); break;
		case '"': fputs("&quot;", v->m); break;
		default: fputc(*value, v->m);
		}
	fputc('"', v->m);
}

/* id and attrs may be NULL; attrs as written */
static inline void tu_inv_target(struct tu_inv *v, const char *iqn, const char *id, const char *attrs)
{
	fputs("<target", v->m);
	tu_inv_attr(v, "iqn", iqn);
	tu_inv_attr(v, "id", id);
	fprintf(v->m, "%s/>\n", attrs ? attrs : "");
}

/* id may be NULL */
static inline void tu_inv_lun(struct tu_inv *v, const char *name, const char *path, const char *id)
{
	fputs("<lun", v->m);
	tu_inv_attr(v, "name", name);
	tu_inv_attr(v, "path", path);
	tu_inv_attr(v, "id", id);
	fputs("/>\n", v->m);
}

/* Closes the root: the text (malloc'd). */
static inline char *tu_inv_text(struct tu_inv *v)
{
	fputs("</lunmap>\n", v->m);
	fclose(v->m);
	return v->text;
}

#endif
