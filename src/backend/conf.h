/* SPDX-License-Identifier: BSD-3-Clause */
/* A backend's settings as the inventory states them: plain data, so that
 * reading the inventory needs no backend. */
#ifndef LUNMAP_BACKEND_CONF_H
#define LUNMAP_BACKEND_CONF_H

#include <stdbool.h>

/* Settings from the inventory's <backend> element. */
struct lm_backend_conf {
	char type[8];
	char tgtadm[256];
	char configfs[256];    /* lio: the target folder of configfs */
	bool keep_backstores;  /* lio: keep a backstore no target uses */
	char portal[64];
	unsigned control_port;
	unsigned check_interval;
	unsigned timeout_ms;   /* one stack request; 0: the backend's default */
	/* tgt: "socket" (tgtd's management protocol), "tgtadm" (run tgtadm),
	 * "" (the socket if tgtd speaks it, else tgtadm) */
	char transport[8];
	/* the state folder's secret (32 hex digits), "" when there is none:
	 * tgt marks the targets lunmap manages with an anchor made from it
	 * (backend/tgt/show.h) */
	char anchor_key[33];
	/* where a backend reports what it decided (may be NULL) */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

#endif
