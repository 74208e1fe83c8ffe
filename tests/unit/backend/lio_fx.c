/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lio_fx.h"
#include "util.h"

int lio_fx_init(struct lio_fx *f, const char *t2_initiators)
{
	struct lm_backend_conf conf = { .type = "lio", .portal = "127.0.0.1:3260" };
	char core[PATH_MAX + 8];

	memset(f, 0, sizeof *f);
	f->dir = tu_tmpdir();
	snprintf(f->root, sizeof f->root, "%s/target", f->dir);
	snprintf(core, sizeof core, "%s/core", f->root);
	mkdir(f->root, 0755);
	mkdir(core, 0755);
	if (strlen(f->root) >= sizeof conf.configfs)
		return -1;
	memcpy(conf.configfs, f->root, strlen(f->root) + 1);
	f->b = lm_lio_new(&conf);
	f->img = tu_sparse(f->dir, "db.img", 8 << 20);
	f->m = lm_model_new("lio", 4);
	f->t1 = lm_model_add_target(f->m, 0, NULL, LIO_FX_T1, NULL, "ALL");
	f->t2 = lm_model_add_target(f->m, 0, NULL, LIO_FX_T2, NULL, t2_initiators);
	f->lun = lm_model_add_lun(f->m, 0, NULL, "db", f->img);
	f->lun->size = 8 << 20;
	return 0;
}

void lio_fx_fini(struct lio_fx *f)
{
	lm_backend_destroy(f->b);
	lm_model_free(f->m);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->img);
}
