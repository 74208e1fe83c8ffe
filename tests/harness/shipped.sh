# SPDX-License-Identifier: BSD-3-Clause
# Helpers of the tests of the shipped snmpd.conf lines (sourced after
# lib.sh): a private snmpd that reads data/snmpd.conf.lunmap (or CONF) and
# has the two SNMPv3 users created the way the file says, in snmpd's
# persistent file. Not lib.sh's start_snmpd: its -C keeps snmpd from reading
# the persistent file.

SHIPPED_CONF=${SHIPPED_CONF:-$top_srcdir/data/snmpd.conf.lunmap}
MON_AUTH=change-this-monitor-auth-pass MON_PRIV=change-this-monitor-priv-pass
ADM_AUTH=admin-auth-pass ADM_PRIV=admin-priv-pass
MON=(-v3 -l authPriv -u lunmapmon -a SHA -A "$MON_AUTH" -x AES -X "$MON_PRIV" -t 3 -r 1)
ADM=(-v3 -l authPriv -u lunmapadmin -a SHA -A "$ADM_AUTH" -x AES -X "$ADM_PRIV" -t 5 -r 0)

launch_shipped_snmpd() { # EXTRA-LINES-FILE
	SNMP_PORT=${SNMP_PORT:-$(free_port)}
	{ snmpd_conf "$SHIPPED_CONF"; cat "$1"; } >"$E2E_TMP/snmpd.conf"
	rm -f "$AGENTX"
	SNMPCONFPATH=$E2E_TMP/snmp-persist SNMP_PERSISTENT_DIR=$E2E_TMP/snmp-persist \
		"$SNMPD" -f -Lo -c "$E2E_TMP/snmpd.conf" -p "$E2E_TMP/snmpd.pid" \
		"udp:127.0.0.1:$SNMP_PORT" >>"$E2E_TMP/snmpd.log" 2>&1 &
	SNMPD_PID=$! DAEMON_PID=$!
	remember_pid "$SNMPD_PID" snmpd
	export SNMP_PORT AGENTX SNMPD_PID
}
# start_shipped_snmpd [LINE...]: the shipped lines, then LINEs (the
# harness's helpers need "rocommunity public 127.0.0.1" and
# "rwcommunity private 127.0.0.1")
start_shipped_snmpd() {
	AGENTX=$E2E_TMP/agentx.sock
	mkdir -p "$E2E_TMP/snmp-persist"
	chmod 700 "$E2E_TMP/snmp-persist"
	cat >"$E2E_TMP/snmp-persist/snmpd.conf" <<USERS
createUser lunmapmon SHA "$MON_AUTH" AES "$MON_PRIV"
createUser lunmapadmin SHA "$ADM_AUTH" AES "$ADM_PRIV"
USERS
	printf '%s\n' "$@" >"$E2E_TMP/snmpd.extra"
	start_daemon snmpd "$E2E_TMP/snmpd.log" SNMP_PORT snmpd_ready launch_shipped_snmpd "$E2E_TMP/snmpd.extra"
}
