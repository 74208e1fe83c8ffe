#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What an NMS is told, through snmpd and snmptrapd against a real tgtd:
# a refresh that adopts a changed stack sends lunmapAssociationChanged for
# the LUN it changed and lunmapCacheInSync (.0.4) after lunmapCacheOutOfSync;
# a tgtd restarted empty is re-applied and told with lunmapStackReapplied
# (.0.5); lunmapSubsystemLastChange never exceeds a restarted master's
# sysUpTime; RFC 3416 notWritable for read-only objects of rows that do
# not exist, and a refresh with a change in one PDU is inconsistentValue.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$SNMPTRAPD" "$TGTD" "$TGTADM" snmpset snmpget
cd "$E2E_TMP"

SYSUPTIME=1.3.6.1.2.1.1.3.0

start_tgtd_snmpd --traps
lun_files 8M db logs
write_inventory inv.xml notify max-targets-per-lun=2 backend check-interval=1 \
	target iqn=$T1 initiators=ALL id=$T1ID \
	target iqn=$T2 initiators=ALL id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img" id=$DBID \
	lun name=logs path="$E2E_TMP/lun/logs.img" id=$LOGSID
start_lunmapd inv.xml
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" $L.7.2 x "$(hexid $T2ID)" >/dev/null || fail "setup"

note "RFC 3416: notWritable for what can never be written, existing or not"
for o in "$L.3.99 s x" "$L.10.1 s x" "$REAPPLY_COUNT u 1" "$SUBSYS.99.0 i 1"; do
	out=$(sset $o) && fail "accepted: $o"
	echo "$out" | has "Reason: notWritable" || fail "$o: $out"
done
out=$(sset $L.7.99 x "") && fail "accepted a LUN that does not exist"
echo "$out" | has "Reason: noCreation" || fail "noCreation: $out"
note "refresh and a change in one PDU: inconsistentValue, in either order"
for pdu in "$REFRESH i 2 $L.7.2 x $(hexid $T1ID)" "$L.7.2 x $(hexid $T1ID) $REFRESH i 2"; do
	out=$(sset $pdu) && fail "accepted: $pdu"
	echo "$out" | has "Reason: inconsistentValue" || fail "$pdu: $out"
done
[ "$(sgetv $L.7.2 | as_hex)" = "$(hexid $T2ID)" ] || fail "the change was applied"

note "drift: db's LU removed from t1 by hand, then refresh"
tid1=$(tgtadm_ctl --op show --mode target | sed -n "s/^Target \([0-9]*\): $T1\$/\1/p")
tgtadm_ctl --op delete --mode logicalunit --tid "$tid1" --lun "$(sgetv $A.1.1.1)"
wait_for 10 grep -q "$N_OUT_OF_SYNC" traps.log || fail "no lunmapCacheOutOfSync"
cp traps.log traps.before
run_action 2 >/dev/null || fail "refresh"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T2ID)" ] || fail "refresh did not adopt the stack"
wait_for 10 grep -q "$N_IN_SYNC" traps.log || fail "no lunmapCacheInSync"
new=$(tail -n +$(($(wc -l <traps.before) + 1)) traps.log)
echo "$new" | has "$N_ASSOC_CHANGED" || fail "no lunmapAssociationChanged after the refresh: $new"
echo "$new" | has "$L.2.1 " || fail "the change notification is not about db: $new"
echo "$new" | has "$L.2.2 " && fail "logs did not change but was told: $new"

note "tgtd restarted empty: re-applied, told with lunmapStackReapplied"
cp traps.log traps.before
stop_tgtd
launch_tgtd # on the same ports
wait_for 10 tgtd_ready >/dev/null 2>&1 || fail "tgtd did not come back"
wait_for 15 grep -q "$N_REAPPLIED" traps.log || fail "no lunmapStackReapplied: $(cat lunmapd.log | tail -5)"
[ "$(sgetv $REAPPLY_COUNT)" = 1 ] || fail "lunmapStackReapplyCount $(sgetv $REAPPLY_COUNT)"
tgtadm_ctl --op show --mode target | has "Backing store path: $E2E_TMP/lun/logs.img" ||
	fail "not re-applied"

note "lunmapSubsystemLastChange against a restarted master's sysUpTime"
sleep 3 # let the master's sysUpTime grow past what a new one will have
sset $L.7.2 x "$(hexid $T1ID)" >/dev/null || fail "a change before the restart"
before=$(snmpget -v2c -c public -Ov -Ot 127.0.0.1:$SNMP_PORT $LAST_CHANGE)
stop_pid "$SNMPD_PID"
start_snmpd
wait_for 15 lunmapd_answers ||
	fail "lunmapd did not reconnect"
last=$(snmpget -v2c -c public -Ov -Ot 127.0.0.1:$SNMP_PORT $LAST_CHANGE)
up=$(snmpget -v2c -c public -Ov -Ot 127.0.0.1:$SNMP_PORT $SYSUPTIME)
note "LastChange $before before, $last after; sysUpTime $up"
[ "$last" -le "$up" ] || fail "lunmapSubsystemLastChange $last exceeds sysUpTime $up"

stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "notify: all checks passed"
