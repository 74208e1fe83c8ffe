/* SPDX-License-Identifier: BSD-3-Clause */
/* A probe of a backing store that may never answer (a hard NFS mount
 * whose server is gone blocks open and stat in the kernel): it runs in a
 * thread of its own, and a LUN keeps the one that outlived its wait. */
#ifndef LUNMAP_PROBE_H
#define LUNMAP_PROBE_H

#include <stddef.h>

#include "model.h"

struct lm_probe_job;

/* The LUN's status and size from its backing store (missing or
 * unreadable: failed), waiting at most wait_ms for the store to answer
 * (one that does not is failed with ETIMEDOUT, and is not asked again
 * until that probe ends). */
void lm_lun_probe(struct lm_lun *l, unsigned wait_ms);
/* How long a probe waits outside a SET: between two requests, at start */
#define LM_PROBE_WAIT_MS 200
/* Why the probe failed the LUN: "cannot be opened: ..." or "is a FIFO,
 * not a file or block device". */
void lm_lun_probe_reason(const struct lm_lun *l, char *buf, size_t len);

/* The LUN lets go of a probe still outstanding (the thread frees it). */
void lm_probe_job_put(struct lm_probe_job *j);

#endif
