/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend's parts shared by its steps: the backend's state and
 * the readings of configfs more than one step needs (lio.c has the ops
 * table). */
#ifndef LUNMAP_LIO_INT_H
#define LUNMAP_LIO_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"
#include "cfs.h"
#include "lio.h"

#define TPG "tpgt_1"
#define BS_PREFIX "lm-"

struct lio {
	struct lm_backend base;
	struct lm_backend_conf conf;
	struct lm_cfs cfs;
	/* the kernel log, for the initiators the ACLs refuse (observe.c) */
	struct lm_lio_refusals refusals;
	bool log_opened;
};

static inline struct lio *lio_of(struct lm_backend *b)
{
	return (struct lio *)b;
}

#define pathf lm_cfs_path
#define fail lm_cfs_fail

static inline bool demo_mode(const struct lm_target *t)
{
	return t->initiators && strcmp(t->initiators, "ALL") == 0;
}

/* what the backend decided on its own (a leftover it could not
 * remove), to lunmapd's log */
#define lm_lio_say(l, ...) lm_stack_say((l)->conf.log, (l)->conf.log_ctx, __VA_ARGS__)

/* scan.c */
/* initiators logged in to the target (the in-use guard) */
unsigned lm_lio_count_sessions(struct lio *l, const char *iqn);

/* acls.c */
/* Maps (or unmaps) the TPG's lun_N in every node ACL of the target. */
lm_hr lm_lio_map_in_acls(struct lio *l, const char *iqn, uint32_t number, bool map,
			 struct lm_err *err);
lm_hr lm_lio_map_existing(struct lio *l, const char *iqn, const char *init, struct lm_err *err);
lm_hr lm_lio_make_acls(struct lio *l, const struct lm_target *t, struct lm_err *err);
bool lm_lio_no_link(struct lio *l, const char *dir);
void lm_lio_first_unmapped(struct lio *l, const char *iqn, uint32_t number, char *out,
			   size_t len);
int lm_lio_read_access(struct lio *l, const char *iqn, uint32_t number);

/* backstore.c */
void lm_lio_serial_of(struct lio *l, const char *bs, char *out, size_t len);
lm_hr lm_lio_each_backstore(struct lio *l, lm_hr (*fn)(struct lio *l, const char *bs, void *ctx),
			    void *ctx);
bool lm_lio_leftover(struct lio *l, const char *bs);
lm_hr lm_lio_check_path(const struct lm_lun *lun, struct lm_err *err);
lm_hr lm_lio_backstore_of(struct lio *l, const struct lm_lun *lun, char *bs, size_t len,
			  struct lm_err *err);
lm_hr lm_lio_ensure_backstore(struct lio *l, const struct lm_lun *lun, const char *bs,
			      bool *made, struct lm_err *err);
void lm_lio_drop_backstore(struct lio *l, const char *bs);

/* the ops (lio.c has the table) */
lm_hr lm_lio_op_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err);
lm_hr lm_lio_op_tidy(struct lm_backend *b, struct lm_err *err);
lm_hr lm_lio_op_create_target(struct lm_backend *b, const struct lm_target *t,
			      struct lm_err *err);
lm_hr lm_lio_op_add_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
		       const struct lm_lun *lun, struct lm_err *err);
lm_hr lm_lio_op_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			  const struct lm_lun *lun, struct lm_err *err);
lm_hr lm_lio_op_check_access(struct lm_backend *b, const struct lm_target *t, bool readonly,
			     struct lm_err *err);
lm_hr lm_lio_op_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, bool readonly, struct lm_err *err);

#endif
