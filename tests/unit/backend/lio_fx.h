/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend's fixture (test_lio, test_lio_faults): a plain folder
 * that imitates configfs, the backend on it, and a model of two targets
 * and one LUN on an 8 MiB image. */
#ifndef LUNMAP_TEST_LIO_FX_H
#define LUNMAP_TEST_LIO_FX_H

#include <limits.h>

#include "backend.h"
#include "model.h"

struct lio_fx {
	char *dir, root[PATH_MAX], *img;
	struct lm_backend *b;
	struct lm_model *m;
	struct lm_target *t1, *t2; /* t1 lets ALL in, t2 the initiators given */
	struct lm_lun *lun;
};

#define LIO_FX_T1 "iqn.2026-11.org.example:t1"
#define LIO_FX_T2 "iqn.2026-11.org.example:t2"

/* 0, or -1 when the folder's path does not fit the backend's configfs. */
int lio_fx_init(struct lio_fx *f, const char *t2_initiators);
void lio_fx_fini(struct lio_fx *f);

#endif
