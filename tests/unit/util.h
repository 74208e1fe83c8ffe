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

#include "inv.h"

/* tu_inv_text, or, with dir, that text written to dir/inv.xml and its
 * path. */
char *tu_inv_end(struct tu_inv *v, const char *dir);

#endif
