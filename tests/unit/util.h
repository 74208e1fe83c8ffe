/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the unit tests that need files. */
#ifndef LUNMAP_TEST_UTIL_H
#define LUNMAP_TEST_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* A fresh temporary folder (removed by tu_rmtree). */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* Writes text to dir/name and returns the malloc'd path. */
char *tu_write(const char *dir, const char *name, const char *text);
/* A sparse file of the given size; returns the malloc'd path. */
char *tu_sparse(const char *dir, const char *name, long size);
/* The whole file, or NULL. */
char *tu_read(const char *path, size_t *len);

/* An inventory, one element a call: the root (name, and attrs as they
 * are written, each with its leading space), then any element, then the
 * text. Every C test's inventory is built here: one place for the
 * namespace and the file. */
struct tu_inv {
	char *text;
	size_t len;
	FILE *m;
};
void tu_inv_begin(struct tu_inv *v, const char *name, const char *attrs);
/* One element, printf-style, a line of its own. */
void tu_inv_add(struct tu_inv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tu_inv_target(struct tu_inv *v, const char *iqn, const char *id, const char *attrs);
void tu_inv_lun(struct tu_inv *v, const char *name, const char *path, const char *id);
/* Closes the root: the text (malloc'd), or, with dir, written to
 * dir/inv.xml and its path. */
char *tu_inv_end(struct tu_inv *v, const char *dir);

#endif
