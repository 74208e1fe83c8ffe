/* SPDX-License-Identifier: BSD-3-Clause */
/* A snapshot of what the iSCSI stack really has, as one enumeration
 * returns it: targets by IQN, each with its LUs by number. Backends fill
 * it; start-up and the drift check compare it with the model. */
#ifndef LUNMAP_STACK_H
#define LUNMAP_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hresult.h"

/* What the stack really has, as one enumeration returns it. */
struct lm_stack_lu {
	uint32_t number;
	/* whether initiators may not write the LU: 1, 0, or -1 when the
	 * backend cannot tell (the drift check then does not compare it);
	 * beside number, so that an LU is 32 bytes */
	int readonly;
	char *path;
	/* the unit serial the stack shows (VPD 0x80; tgt's "SCSI SN"), or
	 * NULL when the backend cannot tell */
	char *serial;
	/* an initiator the stack admits by name that cannot see the LU (LIO:
	 * its node ACL lacks the mapped LUN), or NULL when every one can */
	char *unmapped;
};

/* The strings of a stack (names, paths, serials) live in its pool: a few
 * large blocks instead of two allocations an LU, freed together by
 * lm_stack_clear, each distinct string once (so never write one: LUs
 * share them). A string is never freed alone (an LU removed from a
 * long-lived stack leaves its text in the pool until the clear). */
struct lm_stack_pool;

struct lm_stack_target {
	char *iqn;
	struct lm_stack_lu *lus;
	size_t nlus, caplus;
	struct lm_stack_pool *pool; /* the stack's */
	/* the initiators the target lets in, comma-separated ("ALL",
	 * addresses, names; "" for nobody), or NULL when the backend does not
	 * tell: a crash between making a target and binding its initiators
	 * leaves some out (malloc'd, the target's own, not the pool's) */
	char *acl;
	/* initiator sessions logged in to the target (the in-use guard) */
	unsigned sessions;
	/* what a crash between the syscalls of one step left half made on
	 * the target (LIO: a TPG not enabled or without its portal, a lun_N
	 * that holds no device, a mapped LUN without its link), the first
	 * found, or NULL (malloc'd, the target's own): start-up and
	 * restore(4) have create_target finish the target (design notes:
	 * docs/reliability.md, "Half-made steps") */
	char *half;
	/* NULL when lus and acl are what the stack has; else why the backend
	 * could not read them (no LUs, NULL acl): nothing about the
	 * target's LUs may be concluded from this enumeration (design §5,
	 * untrusted bytes). A static string. */
	const char *unread;
};

struct lm_stack {
	struct lm_stack_target *targets;
	size_t ntargets, captargets;
	/* what lm_stack_validate refused: how many, and the first reason */
	size_t nrejected;
	char *rejected;
	/* the same outside any target (LIO: a backstore of lunmap's that no
	 * LU uses, or half made), or NULL (malloc'd): start-up and restore(4)
	 * have the backend's tidy remove it */
	char *half;
	struct lm_stack_pool *pool;
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
/* Every backend's enumeration ends here (design §4: the stack is
 * untrusted): a target whose name is not a valid iSCSI name, or that
 * repeats one, is dropped; so is an LU numbered past LM_MAX_LUN_NUMBER (tgt's parser leaves out LUN 0)
 * or repeating a number; an LU whose path is not valid text keeps its
 * number (reserved, never reused) but its path becomes "" so that it never
 * matches a LUN. What is refused is counted in nrejected, the first
 * reason in rejected. E_OUTOFMEMORY only. */
lm_hr lm_stack_validate(struct lm_stack *s);
/* Appenders for the backends' parsers; E_OUTOFMEMORY on failure. */
lm_hr lm_stack_add_target(struct lm_stack *s, const char *iqn);
lm_hr lm_stack_add_lu(struct lm_stack_target *t, uint32_t number, const char *path);
/* The same with a path the caller keeps alive for as long as the stack
 * (start-up's restored LUs name the model's LUN path): nothing copied. */
lm_hr lm_stack_add_lu_ref(struct lm_stack_target *t, uint32_t number, const char *path);
/* Room for n LUs in all, made exactly (not by doubling). */
lm_hr lm_stack_reserve(struct lm_stack_target *t, size_t n);
/* Removes the j-th LU (the order of the others is kept). */
void lm_stack_remove_lu(struct lm_stack_target *t, size_t j);
/* Sets the write protection of the LU last added to t (1, 0, -1). */
void lm_stack_set_readonly(struct lm_stack_target *t, int readonly);
/* Sets the serial of one LU of t (NULL: none; also when memory runs out,
 * with E_OUTOFMEMORY): the text goes to the stack's pool. */
lm_hr lm_stack_lu_set_serial(struct lm_stack_target *t, struct lm_stack_lu *lu,
			     const char *serial);
/* Names an initiator that cannot see the LU last added to t (copied;
 * E_OUTOFMEMORY). */
lm_hr lm_stack_set_unmapped(struct lm_stack_target *t, const char *initiator);
/* Sets the serial of the LU last added to t (serial may be NULL). */
lm_hr lm_stack_set_serial(struct lm_stack_target *t, const char *serial);
/* Whether a serial from the stack is one lunmap could have set: 1 to 64
 * letters and digits (anything else is shown as the wrong identity). */
int lm_stack_serial_ok(const char *serial);
/* Keeps the first reason of a half state (*half NULL: none yet), e.g.
 * &target->half or &stack->half, control bytes shown as '?' (it names
 * what the stack holds, and it is logged); E_OUTOFMEMORY. */
lm_hr lm_stack_note_half(char **half, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends one entry to t's ACL (NULL: makes an empty one); whether an ACL
 * holds an entry. */
lm_hr lm_stack_acl_add(struct lm_stack_target *t, const char *entry);
bool lm_stack_acl_has(const char *acl, const char *entry);

/* What a backend decided on its own (a leftover it could not remove, the
 * transport it chose), formatted, to lunmapd's log; nothing when log is
 * NULL. Cut at 511 bytes. */
void lm_stack_say(void (*log)(void *ctx, const char *msg), void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
