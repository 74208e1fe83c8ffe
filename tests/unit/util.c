/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (asprintf(&dir, "%s/lunmap-unit.XXXXXX", base ? base : "/tmp") < 0)
		abort();
	if (!mkdtemp(dir))
		abort();
	return dir;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_write(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

char *tu_sparse(const char *dir, const char *name, long size)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, size) != 0)
		abort();
	close(fd);
	return path;
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void tu_inv_begin(struct tu_inv *v, const char *name, const char *attrs)
{
	v->text = NULL;
	v->m = open_memstream(&v->text, &v->len);
	if (!v->m)
		abort();
	fprintf(v->m, "<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"%s\"%s>\n", name,
		attrs ? attrs : "");
}

void tu_inv_add(struct tu_inv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(v->m, fmt, ap);
	va_end(ap);
	fputc('\n', v->m);
}

/* id and attrs may be NULL */
void tu_inv_target(struct tu_inv *v, const char *iqn, const char *id, const char *attrs)
{
	tu_inv_add(v, "<target iqn=\"%s\"%s%s%s%s/>", iqn, id ? " id=\"" : "", id ? id : "",
		   id ? "\"" : "", attrs ? attrs : "");
}

void tu_inv_lun(struct tu_inv *v, const char *name, const char *path, const char *id)
{
	tu_inv_add(v, "<lun name=\"%s\" path=\"%s\"%s%s%s/>", name, path, id ? " id=\"" : "",
		   id ? id : "", id ? "\"" : "");
}

char *tu_inv_end(struct tu_inv *v, const char *dir)
{
	char *path;

	fputs("</lunmap>\n", v->m);
	fclose(v->m);
	if (!dir)
		return v->text;
	path = tu_write(dir, "inv.xml", v->text);
	free(v->text);
	return path;
}
