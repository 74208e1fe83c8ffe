#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two managers and an initiator, through snmpd against a real tgtd:
# lunmapSpinLock (RFC 2579 TestAndIncr) lets the first of two managers
# that read the same value win and refuses the other's whole PDU; the
# in-use guard refuses to take a LUN from a target a libiscsi session is
# logged in to, unless the PDU writes lunmapSubsystemForce = force(2).
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpget
need_probe
cd "$E2E_TMP"

start_tgtd_snmpd
lun_files 8M db
write_inventory inv.xml concurrency max-targets-per-lun=3 \
	target iqn=$T1 initiators=ALL id=$T1ID \
	target iqn=$T2 initiators=ALL id=$T2ID \
	target iqn=$T3 initiators=ALL id=$T3ID \
	lun name=db path="$E2E_TMP/lun/db.img"
start_lunmapd inv.xml

note "two managers read the same lunmapSpinLock; the first SET wins"
v=$(sgetv $LOCK)
[ "$(sgetv $LOCK)" = "$v" ] || fail "the lock moves by itself"
sset $LOCK i "$v" $L.7.1 x "$(hexid $T1ID)" >/dev/null || fail "manager A"
[ "$(sgetv $LOCK)" = $(( v == 2147483647 ? 0 : v + 1 )) ] || fail "the lock did not move"
before=$(tgtadm_ctl --op show --mode target)
out=$(sset $L.7.1 x "$(hexid $T2ID)" $LOCK i "$v") && fail "manager B accepted: $out"
echo "$out" | has "Reason: inconsistentValue" || fail "manager B: $out"
echo "$out" | has "Failed object: .*$LOCK" || fail "the error index is not the lock: $out"
[ "$(sgetv $ERR_CODE)" = $((0x80070021)) ] || fail "lunmapLastErrorCode $(sgetv $ERR_CODE)"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T1ID)" ] || fail "manager B's change was applied"
[ "$(tgtadm_ctl --op show --mode target)" = "$before" ] || fail "the stack changed"
note "a SET without the lock still works and leaves it alone"
v=$(sgetv $LOCK)
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "SET without the lock"
[ "$(sgetv $LOCK)" = "$v" ] || fail "a SET without the lock moved it"

note "racing: two managers with the same value at once, exactly one wins"
v=$(sgetv $LOCK)
race() { if sset "$@"; then echo 0; else echo 1; fi; }
race $LOCK i "$v" $L.7.1 x "$(hexid $T3ID)" >race.a 2>&1 &
ra=$!
race $LOCK i "$v" $L.7.1 x "$(hexid $T2ID)" >race.b 2>&1 &
rb=$!
wait $ra $rb || true
ok=$(grep -lx 0 race.a race.b | wc -l)
[ "$ok" = 1 ] || fail "$ok managers won: $(cat race.a race.b)"
loser=$(grep -Lx 0 race.a race.b)
has -e "inconsistentValue" -e "resourceUnavailable" "$loser" || fail "the loser got: $(cat "$loser")"
case $(sgetv $L.7.1 | as_hex) in
"$(hexid $T3ID)") [ "$(grep -lx 0 race.a race.b)" = race.a ] || fail "B won, A's set is there" ;;
"$(hexid $T2ID)") [ "$(grep -lx 0 race.a race.b)" = race.b ] || fail "A won, B's set is there" ;;
*) fail "neither set: $(sgetv $L.7.1)" ;;
esac
[ "$(sgetv $LOCK)" = $(( v == 2147483647 ? 0 : v + 1 )) ] || fail "the lock moved by more than one"

note "in-use guard: an initiator logged in to t1"
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "setup {t1, t2}"
n=$(sgetv $A.1.1.1)
"$PROBE" hold "iscsi://127.0.0.1:$TGT_PORT/$T1/$n" >hold.out 2>&1 &
HOLD=$!
remember_pid $HOLD iscsi-probe
wait_for 10 has -x logged-in hold.out || fail "no session: $(cat hold.out)"
before=$(tgtadm_ctl --op show --mode target | grep -v -e "I_T nexus" -e "Initiator:" -e "Connection:" -e "IP Address:")
out=$(sset $L.7.1 x "$(hexid $T2ID)") && fail "t1 dropped under a session: $out"
echo "$out" | has "Reason: inconsistentValue" || fail "wanted inconsistentValue: $out"
[ "$(sgetv $ERR_CODE)" = $((0x80042413)) ] || fail "lunmapLastErrorCode $(sgetv $ERR_CODE)"
[ "$(sgetv $L.9.1)" = $((0x80042413)) ] || fail "lunmapLunLastErrorCode $(sgetv $L.9.1)"
sgetv $ERR_TEXT | has "1 initiator session is logged in" || fail "text: $(sgetv $ERR_TEXT)"
out=$(sset $A.2.1.1 i 6) && fail "row destroyed under a session: $out"
echo "$out" | has "Reason: inconsistentValue" || fail "destroy: $out"
[ "$(tgtadm_ctl --op show --mode target | grep -v -e "I_T nexus" -e "Initiator:" -e "Connection:" -e "IP Address:")" = "$before" ] ||
	fail "the stack changed"
note "t2 has no session: it can go; adding stays allowed"
sset $L.7.1 x "$(hexid $T1ID)" >/dev/null || fail "dropping t2 was refused"
sset $A.2.1.3 i 4 >/dev/null || fail "adding t3 was refused"
note "force(2) in the same PDU removes it anyway"
sset $FORCE i 2 $A.2.1.1 i 6 >/dev/null || fail "forced destroy refused"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T3ID)" ] || fail "after force: $(sgetv $L.7.1)"
[ "$(sgetv $FORCE)" = 1 ] || fail "lunmapSubsystemForce reads $(sgetv $FORCE)"
stop_pid $HOLD

stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "concurrency: all checks passed"
