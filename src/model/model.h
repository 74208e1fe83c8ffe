/* SPDX-License-Identifier: BSD-3-Clause */
/* The object model of design §2: subsystem, LUNs, targets and the
 * associations between them. Every lookup is a binary search: indexes are
 * handed out in increasing order, so the arrays stay sorted by index. */
#ifndef LUNMAP_MODEL_H
#define LUNMAP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "hresult.h"
#include "lunmap.h"

enum lm_kind { LM_KIND_NONE = 0, LM_KIND_LUN, LM_KIND_TARGET };

/* An object's associations (struct lm_assoc, kept on both sides: on a LUN
 * it names the target, on a target the LUN), sorted by the other side's
 * index. */
struct lm_links {
	struct lm_assoc *v;
	size_t n, cap;
};

struct lm_lun {
	uint32_t index;
	lm_guid id;
	char *name;
	char *path;
	uint64_t size;
	enum lm_status status;
	uint32_t last_error;
	int probe_errno; /* why the backing store is failed, 0 if it is not */
	unsigned probe_mode; /* its st_mode as the probe saw it, 0: not opened */
	/* a probe that did not answer in time and may never (probe.h) */
	struct lm_probe_job *probe_job;
	struct lm_links links;
};

struct lm_target {
	uint32_t index;
	lm_guid id;
	char *iqn;
	char *alias;
	char *initiators;
	enum lm_status status;
	bool discovered; /* found in the stack, not declared in the inventory */
	bool fresh;      /* not in the saved state: start-up adopts its LUs */
	struct lm_links links;
	/* LUN numbers the stack uses for LUs that are not lunmap's: never
	 * handed out, never touched */
	uint32_t *foreign;
	size_t nforeign;
};

struct lm_tomb {
	lm_guid id;
	enum lm_kind kind;
	char *key; /* the LUN's path or the target's IQN, for reconcile */
};

struct lm_idref {
	lm_guid id;
	enum lm_kind kind;
	uint32_t index;
};

/* A sorted set of indexes. */
struct lm_idxset {
	uint32_t *v;
	size_t n, cap;
};

struct lm_model {
	char *name;
	uint32_t max_targets_per_lun;
	enum lm_subsys_status status;
	struct lm_lun **luns;
	size_t nluns, capluns;
	struct lm_target **targets;
	size_t ntargets, captargets;
	struct lm_idref *ids; /* sorted by id: LUNs and targets */
	size_t nids, capids;
	struct lm_tomb *tombs; /* sorted by id */
	size_t ntombs, captombs;
	uint32_t next_lun_index, next_target_index;
	size_t nassoc;
	/* the LUNs and targets that have at least one association, so that a
	 * walk of the association tables skips the others in O(log n) */
	struct lm_idxset linked_luns, linked_targets;
	/* LUNs by path and targets by IQN, sorted when first searched after
	 * an addition (objects are added in bulk, at start) */
	struct lm_lun **by_path;
	struct lm_target **by_iqn;
	size_t cap_by_path, cap_by_iqn;
	bool by_path_sorted, by_iqn_sorted;
	/* counts the additions, links, unlinks and tombstones: start-up
	 * tells from it whether reconcile changed what would be saved */
	unsigned long edits;
};

struct lm_model *lm_model_new(const char *name, uint32_t max_targets_per_lun);
void lm_model_free(struct lm_model *m);

/* index 0 means "the next free one". Return NULL on no memory or when the
 * index is taken or not above every existing one. */
struct lm_lun *lm_model_add_lun(struct lm_model *m, uint32_t index, const lm_guid *id,
				const char *name, const char *path);
struct lm_target *lm_model_add_target(struct lm_model *m, uint32_t index, const lm_guid *id,
				      const char *iqn, const char *alias, const char *initiators);
/* Drops the object (and its associations) and keeps a tombstone. */
lm_hr lm_model_delete_target(struct lm_model *m, uint32_t index);
lm_hr lm_model_add_tomb(struct lm_model *m, const lm_guid *id, enum lm_kind kind,
			const char *key);

struct lm_lun *lm_model_lun(const struct lm_model *m, uint32_t index);
struct lm_target *lm_model_target(const struct lm_model *m, uint32_t index);
/* The first object with an index greater than `after`, or NULL. */
struct lm_lun *lm_model_lun_after(const struct lm_model *m, uint32_t after);
struct lm_target *lm_model_target_after(const struct lm_model *m, uint32_t after);
struct lm_lun *lm_model_lun_by_path(struct lm_model *m, const char *path);
struct lm_target *lm_model_target_by_iqn(struct lm_model *m, const char *iqn);

/* NOT_FOUND, DELETED (a tombstone) or S_OK with *kind and *index set. */
lm_hr lm_model_find_id(const struct lm_model *m, const lm_guid *id, enum lm_kind *kind,
		       uint32_t *index);
const struct lm_tomb *lm_model_tomb(const struct lm_model *m, const lm_guid *id);

/* The first LUN (target) with an index above `after` that has an
 * association, or 0. */
uint32_t lm_model_linked_lun_after(const struct lm_model *m, uint32_t after);
uint32_t lm_model_linked_target_after(const struct lm_model *m, uint32_t after);

/* Links: binary search within one object's sorted link array. */
struct lm_assoc *lm_links_find(const struct lm_links *l, uint32_t index);
const struct lm_assoc *lm_links_after(const struct lm_links *l, uint32_t after);
lm_hr lm_links_reserve(struct lm_links *l, size_t extra);

/* Adds or removes one association on both sides. Space must have been
 * reserved (lm_links_reserve) so that applying a prepared change cannot
 * fail half-way. */
void lm_model_link(struct lm_model *m, struct lm_lun *lun, struct lm_target *t, uint32_t number);
void lm_model_unlink(struct lm_model *m, struct lm_lun *lun, struct lm_target *t);
/* A new link is read-write; this sets its access on both sides (nothing
 * when there is no such link). */
void lm_model_set_access(struct lm_lun *lun, struct lm_target *t, bool readonly);

#define LM_NO_NUMBER UINT32_MAX
/* The lowest SCSI LUN number >= min that no LUN uses on the target, or
 * LM_NO_NUMBER when every one up to LM_MAX_LUN_NUMBER is taken. */
uint32_t lm_target_free_number(const struct lm_target *t, uint32_t min);
/* Whether a LUN other than `except` uses the number on the target. */
int lm_target_number_used(const struct lm_target *t, uint32_t number, uint32_t except_lun);

#endif
