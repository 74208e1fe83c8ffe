/* SPDX-License-Identifier: BSD-3-Clause */
/* The backstore a LUN of LIO's configfs links to: used both by lio.c (the
 * enumeration) and observe.c (the LU statistics), neither of which calls
 * the other's way back. */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lio.h"
#include "valid.h"

void lm_lio_linked_backstore(const char *lundir, char *out, size_t len)
{
	DIR *d = opendir(lundir);
	struct dirent *e;

	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d))) {
		char link[PATH_MAX], to[PATH_MAX];
		ssize_t n;
		char *name, *hba;
		snprintf(link, sizeof link, "%s/%s", lundir, e->d_name);
		n = readlink(link, to, sizeof to - 1);
		if (n <= 0)
			continue;
		to[n] = '\0';
		name = strrchr(to, '/');
		if (!name)
			continue;
		*name++ = '\0';
		hba = strrchr(to, '/');
		hba = hba ? hba + 1 : to;
		/* a link's text is untrusted: never let it lead out of core/ */
		if (!lm_valid_component(hba) || !lm_valid_component(name))
			continue;
		if (strlen(hba) + strlen(name) + 2 <= len) {
			strcpy(out, hba);
			strcat(out, "/");
			strcat(out, name);
		}
		break;
	}
	closedir(d);
}
