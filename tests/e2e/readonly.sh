#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Read-only associations (lunmapAssocAccess), through snmpd against a
# real tgtd and a libiscsi initiator: one LUN read-only on t1 and
# read-write on t2; a WRITE through t1 fails with DATA PROTECT while the
# same LUN stays writable through t2; the access changes later, lasts
# over a lunmapd restart, and a change by hand in tgtd is drift.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpget
need_probe
cd "$E2E_TMP"

start_tgtd_snmpd
lun_files 8M db
write_inventory inv.xml readonly max-targets-per-lun=3 backend check-interval=1 \
	target iqn=$T1 initiators=ALL id=$T1ID \
	target iqn=$T2 initiators=ALL id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img"
start_lunmapd inv.xml

probe() { "$PROBE" write "iscsi://127.0.0.1:$TGT_PORT/$1/$2" 2>&1 || true; }
number() { sgetv "$A.1.1.$1" ; }
readonly_in_tgtd() { # TID: Yes/No of its LUN 1 in tgtadm's listing
	"$TGTADM" -C "$TGT_CTL" --lld iscsi --op show --mode target |
		awk -v t="Target $1:" '/^Target / { on = index($0, t) == 1; lu = 0 }
			on && /^ *LUN: 1$/ { lu = 1 } on && lu && /Readonly:/ { print $2; exit }'
}

note "a value other than readWrite(1)/readOnly(2) is wrongValue"
out=$(sset "$A.3.1.1" i 4001 "$A.2.1.1" i 4 || true)
echo "$out" | has -i wrongValue || fail "access 3 accepted: $out"

note "createAndGo: readOnly on t1, readWrite (left out) on t2, in one SET"
sset "$A.2.1.1" i 4 "$A.3.1.1" i 2 "$A.2.1.2" i 4 >/dev/null || fail "createAndGo failed"
[ "$(sgetv "$A.3.1.1")" = readOnly ] || [ "$(sgetv "$A.3.1.1")" = 2 ] ||
	fail "t1's row reads $(sgetv "$A.3.1.1")"
v=$(sgetv "$A.3.1.2"); [ "$v" = 1 ] || [ "$v" = readWrite ] || fail "t2's row reads $v"
n1=$(number 1); n2=$(number 2)
[ "$(readonly_in_tgtd 1)" = Yes ] || fail "tgtd's LU on t1 is not read-only"
[ "$(readonly_in_tgtd 2)" = No ] || fail "tgtd's LU on t2 is read-only"

note "a WRITE through t1 fails with DATA PROTECT; through t2 it succeeds"
out=$(probe "$T1" "$n1"); echo "$out" | has "DATA_PROTECTION\|DATA PROTECT" || fail "t1: $out"
out=$(probe "$T2" "$n2"); [ "$out" = ok ] || fail "t2: $out"

note "the access survives a lunmapd restart"
stop_pid "$LUNMAPD_PID"
start_lunmapd inv.xml
v=$(sgetv "$A.3.1.1"); [ "$v" = 2 ] || [ "$v" = readOnly ] || fail "after restart t1 reads $v"
v=$(sgetv "$STATUS"); [ "$v" = 1 ] || [ "$v" = online ] || fail "after restart: status $v"

note "readWrite on the existing row: the write through t1 succeeds"
sset "$A.3.1.1" i 1 >/dev/null || fail "set readWrite failed"
[ "$(readonly_in_tgtd 1)" = No ] || fail "tgtd's LU on t1 is still read-only"
out=$(probe "$T1" "$n1"); [ "$out" = ok ] || fail "t1 after readWrite: $out"

note "readonly changed by hand in tgtd is drift: cacheCorrupt, restore(4) puts it back"
"$TGTADM" -C "$TGT_CTL" --lld iscsi --op update --mode logicalunit --tid 1 --lun "$n1" \
	--params readonly=1
wait_for 10 bash -c "snmpget -v2c -c public -Ov -Oq 127.0.0.1:$SNMP_PORT $STATUS | grep -q -e 2 -e cacheCorrupt" ||
	fail "no drift after readonly=1 by hand (status $(sgetv "$STATUS"))"
run_action 4 >/dev/null || fail "restore(4) failed"
[ "$(readonly_in_tgtd 1)" = No ] || fail "restore left t1 read-only"
v=$(sgetv "$STATUS"); [ "$v" = 1 ] || [ "$v" = online ] || fail "after restore: status $v"
echo "readonly: all checks passed"
