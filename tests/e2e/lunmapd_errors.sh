#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every error row of design §5's SET table, provoked through snmpset:
# the SNMP error-status, the exact HRESULT, and nothing changed.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$SNMPTRAPD" "$TGTD" "$TGTADM" snmpset snmpwalk
cd "$E2E_TMP"

NIL=00000000-0000-0000-0000-000000000000

start_tgtd
start_snmptrapd
start_snmpd
mkdir -p lun
truncate -s 8M lun/db.img lun/logs.img
# a tgtadm that fails LU changes on demand: "off", "new" (every new LU)
# or "from N" (every LU change from the Nth on, so the rollback fails too)
echo off >mode
cat >tgtadm-wrap <<SH
#!/bin/bash
case " \$* " in *" --mode logicalunit "*)
	set -- "\$@"; read -r how n <"$E2E_TMP/mode"
	c=\$(( \$(cat "$E2E_TMP/count" 2>/dev/null || echo 0) + 1 )); echo \$c >"$E2E_TMP/count"
	case \$how in
	new) case " \$* " in *" --op new "*) echo "tgtadm: out of memory" >&2; exit 22 ;; esac ;;
	from) [ "\$c" -ge "\$n" ] && { echo "tgtadm: out of memory" >&2; exit 22; } ;;
	esac ;;
esac
exec "$TGTADM" "\$@"
SH
chmod +x tgtadm-wrap
write_inventory inv.xml errors max-targets-per-lun=2 \
	backend portal= tgtadm="$E2E_TMP/tgtadm-wrap" transport=tgtadm check-interval=1 \
	target iqn=$T1 initiators=ALL id=$T1ID \
	target iqn=$T2 initiators=ALL id=$T2ID \
	target iqn=$T3 initiators=ALL id=$T3ID \
	lun name=db path="$E2E_TMP/lun/db.img" \
	lun name=logs path="$E2E_TMP/lun/logs.img" \
	lun name=broken path="$E2E_TMP/lun/missing.img"
start_lunmapd inv.xml
sset $L.7.2 x "$(hexid $T1ID)" >/dev/null || fail "setup"

snapshot() { rows_of $A; tgtadm_ctl --op show --mode target; }

# expect STATUS HRESULT|- VARBIND...: the set fails with STATUS, leaves
# HRESULT in lunmapLastErrorCode, and changes nothing
expect() {
	local status=$1 hr=$2 before out
	shift 2
	before=$(snapshot)
	if out=$(sset "$@"); then fail "accepted: $*"; fi
	echo "$out" | has "Reason: $status" || fail "wanted $status for $*, got: $out"
	if [ "$hr" != - ]; then
		[ "$(sgetv $ERR_CODE)" = $((hr)) ] ||
			fail "$*: lunmapLastErrorCode $(sgetv $ERR_CODE), wanted $hr ($(sgetv $ERR_TEXT))"
	fi
	[ "$(snapshot)" = "$before" ] || fail "$*: something changed"
}

note "wrongType"
expect wrongType - $L.7.1 i 5
expect wrongType - $A.2.1.1 u 4
note "wrongLength: not a multiple of 16, or over 4080 bytes"
expect wrongLength 0x80070057 $L.7.1 x "$(hexid $T1ID)00"
[ "$(sgetv $L.9.1)" = $((0x80070057)) ] || fail "lunmapLunLastErrorCode"
expect wrongLength 0x80070057 $L.7.1 x "$(printf '%08200d' 0)"
note "wrongValue: duplicate, nil, too many, bad RowStatus, bad numbers"
expect wrongValue 0x80070057 $L.7.1 x "$(hexid $T1ID)$(hexid $T1ID)"
expect wrongValue 0x80070057 $L.7.1 x "$(hexid $NIL)"
expect wrongValue 0x80042400 $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)$(hexid $T3ID)"
expect wrongValue - $A.2.1.1 i 5
expect wrongValue - $A.2.1.1 i 2
expect wrongValue - $REFRESH i 7
expect wrongValue - $A.2.1.1 i 4 $A.1.1.1 u 20000
expect wrongValue 0x80070057 $A.2.1.1 i 4 $A.1.1.1 u 1   # LUN 1 of t1 is logs'
expect wrongValue 0x80070057 $A.1.2.1 u 9                # a kept number stays
note "inconsistentValue: unknown, deleted, failed, conflicting"
expect inconsistentValue 0x80042405 $L.7.1 x "$(hexid 0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6aff)"
expect inconsistentValue 0x80042431 $L.7.3 x "$(hexid $T1ID)"
expect inconsistentValue - $L.7.1 x "$(hexid $T1ID)" $A.2.1.2 i 4
expect inconsistentValue - $A.2.2.1 i 4
expect inconsistentValue - $A.1.1.1 u 3
# the error index names the lonely number, not the harmless varbind before it
out=$(sset $REFRESH i 1 $A.1.1.1 u 3) && fail "accepted: $out"
echo "$out" | has "Failed object: .*$A.1.1.1\$" || fail "error on the wrong varbind: $out"
note "noCreation and notWritable"
expect noCreation - $A.2.99.1 i 4
expect noCreation - $A.2.1.99 i 4
expect noCreation - $L.7.99 x ""
expect notWritable - $L.3.1 s name

note "resourceUnavailable: drift found by the periodic check, until refresh"
tid3=$(tgtadm_ctl --op show --mode target | sed -n "s/^Target \([0-9]*\): $T3\$/\1/p")
tgtadm_ctl --op delete --force --mode target --tid "$tid3"
wait_for 10 reads $STATUS 2 ||
	fail "not cacheCorrupt"
wait_for 10 grep -q "$N_OUT_OF_SYNC" traps.log || fail "no lunmapCacheOutOfSync"
expect resourceUnavailable 0x8004241F $L.7.1 x "$(hexid $T1ID)"
note "reenumerate: the vanished target is deleted"
run_action 3 >/dev/null || fail "reenumerate"
[ "$(sgetv $STATUS)" = 1 ] || fail "not online after reenumerate"
expect inconsistentValue 0x8004240B $L.7.1 x "$(hexid $T3ID)"

note "commitFailed: the stack refuses, the change is rolled back"
echo new >mode
expect commitFailed 0x80004005 $L.7.1 x "$(hexid $T1ID)"
sgetv $ERR_TEXT | has 'step 1 of 1 (add LUN \\"db\\"' || fail "text: $(sgetv $ERR_TEXT)"
wait_for 10 grep -q "$N_OP_FAILED" traps.log || fail "no lunmapOperationFailed"
[ "$(sgetv $STATUS)" = 1 ] || fail "a clean rollback is not drift"
# the error index names the varbind whose change failed: logs', after
# db's that changes nothing (its set as it is)
out=$(sset $L.7.1 x "$(sgetv $L.7.1 | as_hex)" $L.7.2 x "$(sgetv $L.7.2 | as_hex)$(hexid $T2ID)") && fail "accepted: $out"
echo "$out" | has "Reason: commitFailed" || fail "wanted commitFailed: $out"
echo "$out" | has "Failed object: .*$L.7.2\$" || fail "commitFailed names the wrong varbind: $out"
[ "$(sgetv $ERR_LUN)" = 2 ] || fail "lunmapLastErrorLun $(sgetv $ERR_LUN)"

note "undoFailed: the rollback fails too: cacheCorrupt"
# step 1 (new and the two identity updates on t1) passes; step 2 (new on t2)
# and the undo of step 1 fail
echo "from $(( $(cat count) + 4 ))" >mode
before=$(rows_of $A)
if out=$(sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)"); then fail "accepted"; fi
echo "$out" | has "Reason: undoFailed" || fail "wanted undoFailed: $out"
# RFC 3416 4.2.5 wants error-index 0 here, but net-snmp's AgentX master
# turns a subagent's 0 into genErr: lunmapd names the change's varbind
echo "$out" | has "Failed object: .*$L.7.1\$" || fail "undoFailed names no varbind: $out"
[ "$(sgetv $ERR_CODE)" = $((0x8004241F)) ] || fail "HRESULT $(sgetv $ERR_CODE)"
[ "$(sgetv $STATUS)" = 2 ] || fail "not cacheCorrupt after a failed rollback"
[ "$(rows_of $A)" = "$before" ] || fail "state recorded a half-applied change"
echo off >mode
run_action 2 >/dev/null || fail "refresh"
[ "$(sgetv $STATUS)" = 1 ] || fail "not online after refresh"
sset $L.7.1 x "$(hexid $T2ID)" >/dev/null || fail "a change after refresh"

stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "lunmapd errors: all checks passed"
