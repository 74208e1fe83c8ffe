#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped check_snmp commands (data/nagios/lunmap.cfg), run as Nagios
# would run them with monitoring-plugins' check_snmp, against a live
# lunmapd behind a private snmpd with the shipped snmpd.conf lines: OK, then
# CRITICAL for a failed call, too few associations and drift.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
. "$top_srcdir/tests/harness/shipped.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpget snmpset
CHECK_SNMP=/usr/lib/nagios/plugins/check_snmp
[ -x $CHECK_SNMP ] || skip "check_snmp is not installed (Debian package monitoring-plugins-standard)"
cd "$E2E_TMP"

start_shipped_snmpd "rocommunity public 127.0.0.1" "rwcommunity private 127.0.0.1"
start_tgtd
lun_files 4M db logs
write_inventory inv.xml nagios max-targets-per-lun=4 backend check-interval=1 \
	target iqn=iqn.2026-11.org.example.nagios:t1 id=$T1ID initiators=ALL \
	target iqn=iqn.2026-11.org.example.nagios:t2 id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img" \
	lun name=logs path="$E2E_TMP/lun/logs.img"
start_lunmapd inv.xml
T1=$(hexid $T1ID) T2=$(hexid $T2ID)
snmpset "${ADM[@]}" 127.0.0.1:$SNMP_PORT $L.7.1 x $T1$T2 $L.7.2 x $T1 >/dev/null ||
	fail "associate as lunmapadmin"

# check NAME [ARG...]: the command's line from the shipped file with the
# macros Nagios would fill in; prints the plugin's output, sets CHECK_RC
check() {
	local name=$1 line i
	shift
	line=$(awk -v n="$name" '$1 == "command_name" { c = $2 }
		$1 == "command_line" && c == n { sub(/^[ \t]*command_line[ \t]*/, ""); print }' \
		"$top_srcdir/data/nagios/lunmap.cfg")
	[ -n "$line" ] || fail "no command $name in lunmap.cfg"
	line=${line//\$USER1\$//usr/lib/nagios/plugins}
	line=${line//\$USER11\$/$MON_AUTH}
	line=${line//\$USER12\$/$MON_PRIV}
	line=${line//\$HOSTADDRESS\$/127.0.0.1 -p $SNMP_PORT}
	i=1
	for a in "$@"; do line=${line//\$ARG$i\$/$a}; i=$((i + 1)); done
	CHECK_RC=0
	CHECK_OUT=$(eval "$line" 2>&1) || CHECK_RC=$?
	echo "$name $*: $CHECK_RC $CHECK_OUT"
}
expect() { # RC NAME [ARG...]
	local rc=$1
	shift
	check "$@"
	[ "$CHECK_RC" = "$rc" ] || fail "$* exited $CHECK_RC, wanted $rc: $CHECK_OUT"
}

note "all well: OK"
expect 0 check_lunmap_status
echo "$CHECK_OUT" | has "^SNMP OK - lunmap subsystem status 1 " || fail "status output: $CHECK_OUT"
expect 0 check_lunmap_last_error
expect 0 check_lunmap_associations 3: 2:
echo "$CHECK_OUT" | has " 3 " || fail "association count output: $CHECK_OUT"

note "a refused call (nil GUID): last error CRITICAL with E_INVALIDARG"
if snmpset "${ADM[@]}" 127.0.0.1:$SNMP_PORT $L.7.2 x 00000000000000000000000000000000 >set.out 2>&1; then
	fail "nil GUID accepted"
fi
expect 2 check_lunmap_last_error
echo "$CHECK_OUT" | has "2147942487" || fail "not E_INVALIDARG: $CHECK_OUT"

note "too few associations: WARNING, then CRITICAL"
snmpset "${ADM[@]}" 127.0.0.1:$SNMP_PORT $L.7.1 x $T1 >/dev/null || fail "db to t1 only"
expect 1 check_lunmap_associations 3: 2:
snmpset "${ADM[@]}" 127.0.0.1:$SNMP_PORT $L.7.1 x "" >/dev/null || fail "db to no target"
expect 2 check_lunmap_associations 3: 2:

note "drift (an LU removed with tgtadm): status CRITICAL"
tid=$(tgtadm_ctl --op show --mode target | sed -n 's/^Target \([0-9]*\): iqn.2026-11.org.example.nagios:t1$/\1/p')
lun=$(sgetv $A.1.2.1) # logs on t1
tgtadm_ctl --op delete --mode logicalunit --tid "$tid" --lun "$lun"
status_critical() { check check_lunmap_status >/dev/null; [ "$CHECK_RC" = 2 ]; }
wait_for 10 status_critical || fail "status not CRITICAL after drift: $CHECK_OUT"
check check_lunmap_status
echo "$CHECK_OUT" | has "^SNMP CRITICAL - lunmap subsystem status \\*2\\* " || fail "drift output: $CHECK_OUT"

note "ISCSI-MIB: the sessions, and no login failure count on tgt (LIO keeps it)"
expect 0 check_lunmap_iscsi_sessions 0:0 0:0
if [ -x "$top_builddir/tests/harness/iscsi-hold" ]; then
	hold_session iqn.2026-11.org.example.nagios:t1 iqn.2026-01.org.example:nagios
	one() { check check_lunmap_iscsi_sessions 0:0 0:0 >/dev/null; [ "$CHECK_RC" = 2 ]; }
	wait_for 10 one || fail "the session is not counted: $CHECK_OUT"
	echo "$CHECK_OUT" | has "iSCSI sessions \*1\*" || fail "sessions output: $CHECK_OUT"
	expect 0 check_lunmap_iscsi_sessions 1: 1:
	exec 5>&-
fi
expect 3 check_lunmap_login_failures 1 0 5

note "refresh(2) by the administrator: OK again"
snmpset "${ADM[@]}" 127.0.0.1:$SNMP_PORT $REFRESH i 2 >/dev/null || fail "refresh"
wait_for 30 reads $REFRESH 1 ||
	fail "refresh did not end"
expect 0 check_lunmap_status
echo "check_snmp: all checks passed"
