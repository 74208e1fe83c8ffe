/* The iSCSI stack behind one small table of operations (design §4). The
 * core never knows which stack runs. */
#ifndef LUNMAP_BACKEND_H
#define LUNMAP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hresult.h"
#include "model.h"

/* What the stack really has, as one enumeration returns it. */
struct lm_stack_lu {
	uint32_t number;
	char *path;
};

struct lm_stack_target {
	char *iqn;
	struct lm_stack_lu *lus;
	size_t nlus;
};

struct lm_stack {
	struct lm_stack_target *targets;
	size_t ntargets;
};

void lm_stack_clear(struct lm_stack *s);
/* A deep copy; on failure dst is left empty. */
lm_hr lm_stack_copy(struct lm_stack *dst, const struct lm_stack *src);
const struct lm_stack_target *lm_stack_find_target(const struct lm_stack *s, const char *iqn);
const struct lm_stack_lu *lm_stack_find_lu(const struct lm_stack_target *t, uint32_t number);
/* Sorts every target's LUs by number, after which lm_stack_lu_at finds
 * one by binary search. */
void lm_stack_sort(struct lm_stack *s);
void lm_stack_sort_target(struct lm_stack_target *t);
const struct lm_stack_lu *lm_stack_lu_at(const struct lm_stack_target *t, uint32_t number);
/* Appenders for the backends' parsers; E_OUTOFMEMORY on failure. */
lm_hr lm_stack_add_target(struct lm_stack *s, const char *iqn);
lm_hr lm_stack_add_lu(struct lm_stack_target *t, uint32_t number, const char *path);

/* Settings from the inventory's <backend> element. */
struct lm_backend_conf {
	char type[8];
	char tgtadm[256];
	char configfs[256];    /* lio: the target folder of configfs */
	bool keep_backstores;  /* lio: keep a backstore no target uses */
	char portal[64];
	unsigned control_port;
	unsigned check_interval;
	unsigned timeout_ms;
};

struct lm_backend;

struct lm_backend_ops {
	const char *name;
	/* the lowest SCSI LUN number a disk may have (tgt keeps 0 for its
	 * controller) */
	uint32_t min_lun_number;
	lm_hr (*enumerate)(struct lm_backend *b, struct lm_stack *out, struct lm_err *err);
	lm_hr (*create_target)(struct lm_backend *b, const struct lm_target *t, struct lm_err *err);
	/* adds the LU with the LUN's identity (derived from its id) set */
	lm_hr (*add_lu)(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err);
	lm_hr (*remove_lu)(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err);
	void (*destroy)(struct lm_backend *b);
};

struct lm_backend {
	const struct lm_backend_ops *ops;
	void *priv;
};

lm_hr lm_backend_create(const struct lm_backend_conf *conf, struct lm_backend **out,
			struct lm_err *err);
void lm_backend_destroy(struct lm_backend *b);

/* The in-memory backend, for unit tests: fault injection makes the Nth
 * state-changing operation from now on fail (0 turns it off). */
struct lm_backend *lm_sim_new(void);
void lm_sim_fail_nth(struct lm_backend *b, unsigned nth);
/* ... and every operation after it, so that a rollback fails too. */
void lm_sim_fail_from(struct lm_backend *b, unsigned nth);
/* Operations the sim has carried out since it was made. */
unsigned lm_sim_op_count(const struct lm_backend *b);
/* Direct access to the simulated stack, to make drift behind lunmap's back. */
struct lm_stack *lm_sim_stack(struct lm_backend *b);

struct lm_backend *lm_tgt_new(const struct lm_backend_conf *conf);
struct lm_backend *lm_lio_new(const struct lm_backend_conf *conf);

#endif
