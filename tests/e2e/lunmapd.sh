#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lunmapd end to end: real snmpd (AgentX master), tgtd and snmptrapd,
# driven only with net-snmp's command-line tools and checked with libiscsi.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$SNMPTRAPD" "$TGTD" "$TGTADM" snmpset snmpwalk iscsi-ls
cd "$E2E_TMP"

start_tgtd_snmpd --traps
lun_files 8M db
lun_files 4M logs
write_inventory inv.xml e2e max-targets-per-lun=2 \
	target iqn=$T1 alias=t1 initiators=ALL id=$T1ID \
	target iqn=$T2 alias=t2 initiators=ALL id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img" id=$DBID \
	lun name=logs path="$E2E_TMP/lun/logs.img" id=$LOGSID
start_lunmapd inv.xml

note "GETNEXT and GETBULK walks return the inventory"
walk=$(swalk $R)
[ "$walk" = "$(sbulk $R)" ] || fail "GETNEXT and GETBULK walks differ"
echo "$walk" | has -x ".$SUBSYS_NAME \"e2e\"" || fail "no subsystem name in: $walk"
echo "$walk" | has -x ".$BACKEND \"tgt\"" || fail "no backend"
echo "$walk" | has -x ".$STATUS 1" || fail "not online"
echo "$walk" | has -x ".$L.3.2 \"logs\"" || fail "no LUN 2"
echo "$walk" | has -x ".$L.5.1 8388608" || fail "no LUN size"
echo "$walk" | has -x ".$T.3.2 \"$T2\"" || fail "no target 2"
[ "$(sgetv $T.2.1 | as_hex)" = "$(hexid $T1ID)" ] || fail "target 1 id"
[ "$(sgetv $L.2.1 | as_hex)" = "$(hexid $DBID)" ] || fail "LUN 1 id"
sget $SUBSYS_NAME | has . || fail "GET"
sget $L.3.9 | has "No Such Instance" || fail "GET of a LUN that does not exist"
snmpwalk -v2c -c public -On 127.0.0.1:$SNMP_PORT 1.3.6.1.2.1.1.9.1.3 | has "LUNMAP-MIB" ||
	fail "not in sysORTable"

note "lunmapLunTargetIds := {t1, t2}"
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "set of two targets"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T1ID)$(hexid $T2ID)" ] || fail "read back"
[ "$(sgetv $L.8.1)" = 2 ] || fail "target count"
[ "$(sgetv $T.6.1 | as_hex)" = "$(hexid $DBID)" ] || fail "lunmapTargetLunIds of t1"
[ "$(sgetv $TL.1.2.1)" = 1 ] || fail "reverse table"
[ "$(sgetv $A.1.1.2)" = 1 ] || fail "assoc LUN number"
[ "$(sgetv $ASSOC_TOTAL)" = 2 ] || fail "association count"
[ "$(disks_of $T1)" = "1 7M" ] && [ "$(disks_of $T2)" = "1 7M" ] || fail "iscsi-ls: $(iscsi_list)"
wait_for 10 grep -q "$N_ASSOC_CHANGED" traps.log || fail "no lunmapAssociationChanged"
grep -A3 "$N_ASSOC_CHANGED" traps.log | tr -d ' \n' | has -i "$(hexid $DBID)" || fail "trap without the LUN id"
grep -A3 "$N_ASSOC_CHANGED" traps.log | tr -d ' \n' | has -i "$(hexid $T1ID)$(hexid $T2ID)" ||
	fail "trap without the new set: $(cat traps.log)"

note "lunmapLunTargetIds := {t2}, then {}"
sset $L.7.1 x "$(hexid $T2ID)" >/dev/null || fail "set of one"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T2ID)" ] || fail "read back one"
sget $TL.1.1.1 | has "No Such Instance" || fail "reverse row still there"
[ -z "$(disks_of $T1)" ] && [ "$(disks_of $T2)" = "1 7M" ] || fail "iscsi-ls after {t2}"
sset $L.7.1 x "" >/dev/null || fail "set of none"
[ "$(sgetv $L.8.1)" = 0 ] || fail "count after {}"
[ -z "$(disks_of $T1)$(disks_of $T2)" ] || fail "still exposed"
[ -z "$(rows_of $A)" ] || fail "assoc table not empty"

note "rows: createAndGo with and without a LUN number, destroy"
sset $A.2.1.1 i 4 >/dev/null || fail "createAndGo"
[ "$(sgetv $A.1.1.1)" = 1 ] || fail "lowest free number"
sset $A.2.2.1 i 4 $A.1.2.1 u 5 >/dev/null || fail "createAndGo with a number"
[ "$(sgetv $A.1.2.1)" = 5 ] || fail "given number"
[ "$(sgetv $A.2.2.1)" = 1 ] || fail "row not active"
[ "$(disks_of $T1)" = "$(printf '1 7M\n5 3M')" ] || fail "iscsi-ls: $(disks_of $T1)"
sset $A.2.2.1 i 6 >/dev/null || fail "destroy"
sget $A.2.2.1 | has "No Such Instance" || fail "row still there"
[ "$(disks_of $T1)" = "1 7M" ] || fail "iscsi-ls after destroy"

note "one PDU: a good change for LUN 1 and a bad one for LUN 2 changes nothing"
before=$(rows_of $A; tgtadm_ctl --op show --mode target)
if out=$(sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" $L.7.2 x "$(hexid 6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9cff)"); then
	fail "accepted: $out"
fi
echo "$out" | has "inconsistentValue" || fail "$out"
echo "$out" | has "Failed object: .*$L.7.2" || fail "error on the wrong varbind: $out"
[ "$(rows_of $A; tgtadm_ctl --op show --mode target)" = "$before" ] || fail "something changed"
[ "$(sgetv $ERR_CODE)" = $((0x80042405)) ] || fail "lunmapLastErrorCode not NOT_FOUND"
[ "$(sgetv $L.9.2)" = $((0x80042405)) ] || fail "lunmapLunLastErrorCode not NOT_FOUND"

note "one PDU with good changes for two LUNs applies both"
sset $L.7.1 x "$(hexid $T2ID)" $L.7.2 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "two LUNs"
# a number freed in the same PDU is not handed out again in it
[ "$(disks_of $T1)" = "2 3M" ] || fail "t1: $(disks_of $T1)"
[ "$(disks_of $T2)" = "$(printf '1 7M\n2 3M')" ] || fail "t2: $(disks_of $T2)"

note "SNMPv3 authPriv set works; a read-only community's set is refused"
snmpset -v3 -l authPriv -u admin -a SHA -A "$V3AUTH" -x AES -X "$V3PRIV" -t 5 -r 0 \
	127.0.0.1:$SNMP_PORT $L.7.2 x "$(hexid $T1ID)" >/dev/null || fail "SNMPv3 set"
[ "$(sgetv $L.7.2 | as_hex)" = "$(hexid $T1ID)" ] || fail "SNMPv3 set not applied"
before=$(rows_of $A)
if snmpset -v2c -c public -t 3 -r 0 127.0.0.1:$SNMP_PORT $L.7.2 x "" >/dev/null 2>&1; then
	fail "read-only community could set"
fi
[ "$(rows_of $A)" = "$before" ] || fail "read-only set changed something"

note "snmpd restarts: lunmapd reconnects by itself"
stop_pid "$SNMPD_PID"
start_snmpd
wait_for 20 lunmapd_answers ||
	fail "lunmapd did not come back"
kill -0 "$LUNMAPD_PID" || fail "lunmapd died"

note "state survives a lunmapd restart: same indexes, ids and LUN numbers"
# last change and last errors are since lunmapd started
# (the last change, the last error and lunmapSpinLock, whose value after a
# start is arbitrary (RFC 2579), do not last)
lasting() { swalk $R | grep -v -E -e "^.$SUBSYS.(5|7|8|10|13).0 " -e "^.$L.9."; }
before=$(lasting)
stop_pid "$LUNMAPD_PID"
start_lunmapd inv.xml
after=$(lasting)
[ "$after" = "$before" ] || fail "walk differs after restart: $(diff <(echo "$before") <(echo "$after"))"

stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "lunmapd: all checks passed"
