/* SPDX-License-Identifier: BSD-3-Clause */
/* lunmapd's life: options, the core, registration with the master, the
 * drift alarm, signals and the event loop. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "deadline.h"
#include "ietf.h"

#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/agent/agent_sysORTable.h>

#define EXIT_USAGE 1
#define EXIT_CONFIG 2
#define EXIT_NO_MASTER 3

static volatile sig_atomic_t keep_running = 1, reload_asked;

static void on_stop(int sig)
{
	(void)sig;
	keep_running = 0;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_asked = 1;
}

static void print_problem(void *ctx, const char *problem)
{
	(void)ctx;
	fprintf(stderr, "%s\n", problem);
}

/* --check: every problem of the inventory, with file and line. */
static int check_inventory(const char *file)
{
	struct lm_inventory_summary sum;
	struct lm_err err;

	if (lm_inventory_check(file, print_problem, NULL, &sum, &err) != LM_S_OK)
		return EXIT_CONFIG;
	printf("%s: ok (%zu targets, %zu LUNs, %s backend)\n", file, sum.ntargets, sum.nluns,
	       sum.backend);
	return 0;
}

/* Start-up, a reload and every drift check hold a listing of the whole
 * stack for a moment (with 100,000 LUs more than the model itself);
 * without this the allocator keeps that peak resident for good. */
static void give_back_memory(void)
{
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

/* SIGHUP, between requests: the running inventory stays if the new one
 * is bad. */
static void reload(struct lunmapd *d)
{
	struct lm_err err;

	reload_asked = 0;
	snmp_log(LOG_INFO, "lunmapd: SIGHUP: re-reading the inventory\n");
	if (lm_core_reload(d->core, &err) != LM_S_OK) {
		snmp_log(LOG_ERR, "lunmapd: the new inventory is refused, the running one is kept: %s\n",
			 err.msg);
		give_back_memory();
		return;
	}
	give_back_memory();
	snmp_log(LOG_INFO, "lunmapd: inventory re-read: %zu targets, %zu LUNs\n",
		 lm_core_target_count(d->core), lm_core_lun_count(d->core));
	d->last_change = netsnmp_get_agent_uptime();
	lunmapd_notify_status(d);
}

static void usage(FILE *f)
{
	fputs("usage: lunmapd [-f] [-x ADDRESS] [-w SECONDS] [-T SECONDS] -c INVENTORY [-s STATEDIR] [-L...]\n"
	      "       lunmapd --check INVENTORY\n"
	      "  -f            stay in the foreground (log to stderr unless -L says otherwise)\n"
	      "  -x ADDRESS    the master's AgentX socket (default: net-snmp's, /var/agentx/master)\n"
	      "  -w SECONDS    exit with 3 if the master is not there within SECONDS\n"
	      "  -T SECONDS    the master's agentXTimeout (default 5): every answer, a SET's\n"
	      "                work included, comes within it\n"
	      "  -c INVENTORY  the inventory (lunmap.xml(5))\n"
	      "  -s STATEDIR   the state folder (default /var/lib/lunmap)\n"
	      "  -L...         net-snmp's logging options: -Le, -Lo, -Lf FILE, -Ls FACILITY\n"
	      "  -DTOKENS      net-snmp debug output for TOKENS: lunmap (all of lunmap:get, :set,\n"
	      "                :drift, :stack, :notify, :ietf), agentx/subagent, ...\n"
	      "  --check FILE  validate an inventory, print every problem, exit 0 or 2\n"
	      "  -h            this help\n"
	      "signals: TERM and INT stop, HUP re-reads the inventory\n"
	      "exit codes: 0 stopped, 1 usage, 2 bad inventory or state, 3 no master\n",
	      f);
}

static void log_core(void *ctx, const char *msg)
{
	(void)ctx;
	snmp_log(LOG_INFO, "lunmapd: %s\n", msg);
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
		   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct lunmapd *d = reg->my_reg_void;

	(void)h;
	switch (reqinfo->mode) {
	case MODE_GET:
	case MODE_GETNEXT:
		return lunmapd_get_all(d, reqinfo, requests);
	default:
		return lunmapd_set(d, reqinfo, requests);
	}
}

/* The drift check: one listing, bounded by the listing deadline (see
 * lm_core_set_listing_deadline), between requests. A stack that lost
 * everything is re-applied as an action, in slices. */
static void run_check(struct lunmapd *d)
{
	struct lm_err err;
	lm_hr hr;
	long long t0 = lm_now_ms(), ms;

	hr = lm_core_check_async(d->core, &err);
	give_back_memory();
	d->held_from = t0;
	d->held_to = lm_now_ms();
	ms = d->held_to - t0;
	DEBUGMSGTL(("lunmap:drift", "check: %s in %lld ms, subsystem status %d\n", lm_hr_name(hr),
		    ms, lm_core_status(d->core)));
	if (ms >= d->agentx_timeout * 1000 / 5)
		snmp_log(LOG_WARNING, "lunmapd: the drift check held requests up for %lld ms\n", ms);
	if (lm_failed(hr) && d->last_status != LM_SUBSYS_CACHE_CORRUPT)
		lunmapd_record_error(d, hr, 0, err.msg);
	lunmapd_notify_status(d);
	lunmapd_ietf_refresh(d);
	d->held_to = lm_now_ms();
}

static void check_drift(unsigned int reg, void *arg)
{
	struct lunmapd *d = arg;

	(void)reg;
	/* not in the middle of a SET, nor of an action (which ends with a
	 * check of its own) */
	if (d->set || lm_core_action_running(d->core) != LM_ACTION_IDLE)
		return;
	run_check(d);
}

/* The end of an action: the LUNs it changed, its outcome. */
static void action_ended(struct lunmapd *d)
{
	const uint32_t *changed;
	size_t n;

	changed = lm_core_action_changed(d->core, &n);
	for (size_t i = 0; i < n; i++)
		lunmapd_notify_changed(d, changed[i]);
	if (n)
		d->last_change = netsnmp_get_agent_uptime();
	give_back_memory();
	lunmapd_notify_action(d);
}

/* One slice of the running action: the stack's work between requests. */
static bool run_slice(struct lunmapd *d)
{
	long long t0 = lm_now_ms();
	int what = lm_core_action_running(d->core);
	bool done = lm_core_action_run(d->core, LUNMAPD_SLICE_MS);
	size_t steps, total;

	lm_core_action_progress(d->core, &steps, &total);
	DEBUGMSGTL(("lunmap:stack", "action %d: a slice of %lld ms, step %zu of %zu%s\n", what,
		    lm_now_ms() - t0, steps, total, done ? ", ended" : ""));
	return done;
}

/* Work between requests: the drift check a failed SET asked for (after
 * its answer, never inside it), then a slice of the running action.
 * Nothing of it while a SET is pending: its phases come in later
 * requests. True while there is more to do. */
bool lunmapd_between_requests(struct lunmapd *d)
{
	if (d->set)
		return false;
	if (lm_core_check_due(d->core) && lm_core_action_running(d->core) == LM_ACTION_IDLE)
		run_check(d);
	if (lm_core_action_running(d->core) == LM_ACTION_IDLE)
		return false;
	if (run_slice(d)) {
		action_ended(d);
		return false;
	}
	return true;
}

/* The session with the master ended (it restarted, or gave up on us) or
 * a new one began: nobody will send the rest of a SET the old session
 * started, which would otherwise refuse every other SET as "in progress"
 * until it is stale. At a new session too, because a TestSet already in
 * our socket when the master went away is read after the disconnect. */
static struct lunmapd *session_owner;

static int on_session_change(int major, int minor, void *server, void *client)
{
	(void)major;
	(void)server;
	(void)client;
	lunmapd_set_abandon(session_owner);
	/* lunmapSubsystemLastChange is a TimeStamp of the master's sysUpTime
	 * (net-snmp synchronises our uptime with the master's on each of its
	 * answers): a new session may be with a restarted master, whose
	 * sysUpTime began again, and for it the tables appeared now */
	if (minor == SNMPD_CALLBACK_INDEX_START)
		session_owner->last_change = netsnmp_get_agent_uptime();
	return 0;
}

static int register_lunmap_mib(struct lunmapd *d)
{
	static const oid objects[] = { LUNMAP_MIB_OID, 1 };
	static oid mib[] = { LUNMAP_MIB_OID };
	netsnmp_handler_registration *reg;

	reg = netsnmp_create_handler_registration("lunmapObjects", handler, objects,
						  OID_LENGTH(objects), HANDLER_CAN_RWRITE);
	if (!reg)
		return -1;
	reg->my_reg_void = d;
	/* sent in the Register PDU: the master waits this long for our
	 * answers instead of its default 1 s, which a SET of several stack
	 * steps can exceed (a master that times out repeats its phases) */
	reg->timeout = (int)d->agentx_timeout;
	if (netsnmp_register_handler(reg) != MIB_REGISTERED_OK)
		return -1;
	/* no client argument: snmp_shutdown frees every callback's client
	 * argument, and d is not the heap's */
	session_owner = d;
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP, on_session_change,
			       NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
			       on_session_change, NULL);
	register_sysORTable(mib, OID_LENGTH(mib),
			    "LUNMAP-MIB: iSCSI LUN-target associations (VDS AssociateTargets)");
	return 0;
}

/* Whether something accepts connections at the AgentX address. */
static int master_there(const char *addr)
{
	int fd = -1, ok = 0;

	if (strncmp(addr, "tcp:", 4) == 0) {
		char host[256], *port;
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
		snprintf(host, sizeof host, "%s", addr + 4);
		port = strrchr(host, ':');
		if (!port)
			return 0;
		*port++ = '\0';
		if (getaddrinfo(host, port, &hints, &res) != 0)
			return 0;
		fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0;
		freeaddrinfo(res);
	} else {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		const char *path = strncmp(addr, "unix:", 5) == 0 ? addr + 5 : addr;
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static int wait_for_master(const char *addr, int seconds)
{
	time_t end = time(NULL) + seconds;

	while (!master_there(addr)) {
		if (time(NULL) >= end)
			return -1;
		usleep(100000);
	}
	return 0;
}

struct options {
	struct lm_core_opts core;
	const char *agentx;
	int foreground, wait_seconds, logged;
	unsigned agentx_timeout;
};

/* -1 to go on, else the exit code (--check, -h, a usage error). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "check", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "fx:w:c:s:L:D:T:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': return check_inventory(optarg);
		case 'T':
			o->agentx_timeout = (unsigned)atoi(optarg);
			if (o->agentx_timeout < 1 || o->agentx_timeout > 255) {
				fprintf(stderr, "lunmapd: -T wants the master's agentXTimeout, 1 to 255 s\n");
				return EXIT_USAGE;
			}
			break;
		case 'f': o->foreground = 1; break;
		case 'x': o->agentx = optarg; break;
		case 'w': o->wait_seconds = atoi(optarg); break;
		case 'c': o->core.inventory = optarg; break;
		case 's': o->core.state_dir = optarg; break;
		case 'L':
			if (snmp_log_options(optarg, argc, argv) < 0) {
				usage(stderr);
				return EXIT_USAGE;
			}
			o->logged = 1;
			break;
		case 'D':
			/* net-snmp's debug tokens, matched by prefix: -Dlunmap
			 * is every lunmap:AREA (lunmapd.8 lists them),
			 * -Dagentx/subagent the session with the master */
			debug_register_tokens(optarg);
			snmp_set_do_debugging(1);
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!o->core.inventory || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* net-snmp's settings for a subagent, before anything of it starts. */
static void configure_netsnmp(const struct options *o)
{
	if (!o->logged) {
		if (o->foreground)
			snmp_enable_stderrlog();
		else
			snmp_enable_syslog_ident("lunmapd", LOG_DAEMON);
	}
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	if (o->agentx)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, o->agentx);
	/* no snmp.conf MIB loading: lunmapd needs no MIB files */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	/* nor net-snmp's persistent file (/var/lib/snmp/lunmapd.conf): a
	 * subagent has no engine of its own to remember, its state folder is
	 * all it keeps, and the unit leaves /var/lib/snmp read-only */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
}

/* Registered with the master: serve until TERM or INT. */
static int serve(struct lunmapd *d)
{
	bool busy = false;

	init_agent("lunmapd");
	/* after init_agent, whose agentx_config_init sets the ping interval
	 * to its default of 15 s: set before, ours was overwritten and
	 * lunmapd came back only 15 s after every snmpd restart. Read when
	 * init_snmp connects, it paces both the pings and the reconnects. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   LUNMAPD_PING_SECONDS);
	/* the Open PDU's default timeout for the session (microseconds) */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_TIMEOUT,
			   (int)d->agentx_timeout * ONE_SEC);
	if (register_lunmap_mib(d) != 0 || lunmapd_ietf_register(d) != 0) {
		snmp_log(LOG_ERR, "lunmapd: cannot register LUNMAP-MIB or the IETF MIBs\n");
		return EXIT_CONFIG;
	}
	init_snmp("lunmapd");
	if (lm_core_check_interval(d->core))
		snmp_alarm_register(lm_core_check_interval(d->core), SA_REPEAT, check_drift, d);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGHUP, on_hup);
	/* a write to a master that dropped the session (restarted, or gave
	 * up on a stalled answer) must fail with EPIPE, which net-snmp
	 * handles by reconnecting, not kill lunmapd silently: systemd's
	 * Restart=on-failure takes a SIGPIPE death for a clean exit */
	signal(SIGPIPE, SIG_IGN);
	snmp_log(LOG_INFO, "lunmapd: serving subsystem %s (%s backend)\n", lm_core_name(d->core),
		 lm_core_backend_name(d->core));
	if (d->last_status == LM_SUBSYS_CACHE_CORRUPT) {
		d->last_status = LM_SUBSYS_ONLINE;
		lunmapd_notify_status(d);
	}
	while (keep_running) {
		/* with an action running, requests are only looked for and
		 * answered between its slices */
		agent_check_and_process(busy ? 0 : 1);
		busy = lunmapd_between_requests(d);
		if (reload_asked && !d->set && !busy)
			reload(d);
	}
	snmp_log(LOG_INFO, "lunmapd: stopping\n");
	return 0;
}

int lunmapd_main(int argc, char **argv, struct lm_backend *(*make_backend)(void))
{
	struct lunmapd d = { .last_status = LM_SUBSYS_ONLINE };
	struct options o = { .core = { .state_dir = "/var/lib/lunmap", .log = log_core },
			     .wait_seconds = -1, .agentx_timeout = LUNMAPD_AGENTX_TIMEOUT };
	const char *agentx;
	struct lm_err err;
	int rc = parse_options(argc, argv, &o);

	if (rc >= 0)
		return rc;
	d.agentx_timeout = o.agentx_timeout;
	configure_netsnmp(&o);
	if (make_backend)
		o.core.backend = make_backend();
	if (lm_core_open(&o.core, &d.core, &err) != LM_S_OK) {
		snmp_log(LOG_ERR, "lunmapd: %s (0x%08X): %s\n", lm_hr_name(err.hr), err.hr, err.msg);
		fprintf(stderr, "lunmapd: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	/* the periodic drift check holds requests up while tgtd composes its
	 * listing: four fifths of the master's wait, so that a GET that
	 * came meanwhile is still answered in time */
	lm_core_set_listing_deadline(d.core, d.agentx_timeout * 1000 * 4 / 5);
	give_back_memory();
	d.last_status = lm_core_status(d.core);
	d.reapplied_seen = lm_core_reapplied(d.core);
	/* RFC 2579: a TestAndIncr may start anywhere; a value a manager read
	 * before a restart is then most likely stale */
	d.spinlock = (long)(((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16)) & 0x7fffffff);
	agentx = o.agentx ? o.agentx : "/var/agentx/master";
	if (o.wait_seconds >= 0 && wait_for_master(agentx, o.wait_seconds) != 0) {
		snmp_log(LOG_ERR, "lunmapd: no AgentX master at %s after %d s\n", agentx,
			 o.wait_seconds);
		lm_core_close(d.core);
		return EXIT_NO_MASTER;
	}
	if (!o.foreground && netsnmp_daemonize(1, 0) != 0) {
		lm_core_close(d.core);
		return EXIT_CONFIG;
	}
	rc = serve(&d);
	lunmapd_ietf_free(&d);
	snmp_shutdown("lunmapd");
	lm_core_close(d.core);
	return rc;
}
