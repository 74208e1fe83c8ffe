#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# LUNMAP-MIB lints clean and loads in net-snmp.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "${SMILINT:-smilint}" snmptranslate
IETF=/var/lib/mibs/ietf
[ -f $IETF/SNMPv2-SMI ] || skip "IETF MIBs missing: install snmp-mibs-downloader (Debian non-free)"
MIB=$top_srcdir/mib/LUNMAP-MIB.txt

note "smilint -s -l 6: no errors, no warnings"
out=$(SMIPATH=$IETF:/usr/share/snmp/mibs "${SMILINT:-smilint}" -s -l 6 "$MIB" 2>&1)
[ -z "$out" ] || fail "smilint: $out"

note "snmptranslate -Tp loads it"
dirs=$top_srcdir/mib:$IETF:/var/lib/mibs/iana:/usr/share/snmp/mibs
tree=$(snmptranslate -M "$dirs" -m LUNMAP-MIB -Tp LUNMAP-MIB::lunmapMIB 2>&1)
echo "$tree" | has "lunmapAssocRowStatus(2)" || fail "snmptranslate: $tree"
[ "$(snmptranslate -M "$dirs" -m LUNMAP-MIB -On LUNMAP-MIB::lunmapLunTargetIds)" = \
	".$L.7" ] || fail "lunmapLunTargetIds moved"
[ "$(snmptranslate -M "$dirs" -m LUNMAP-MIB -On LUNMAP-MIB::lunmapCacheOutOfSync)" = \
	".$N_OUT_OF_SYNC" ] || fail "lunmapCacheOutOfSync moved"
# the objects added after design §5's fixed numbers
for pair in lunmapSpinLock:1.1.10 lunmapSubsystemForce:1.1.11 lunmapStackReapplyCount:1.1.12 \
	lunmapLastErrorLun:1.1.13 lunmapLunSerial:1.2.1.10 lunmapLunNaa:1.2.1.11 \
	lunmapCacheInSync:0.4 lunmapStackReapplied:0.5 lunmapActionStepsDone:1.1.14 \
	lunmapActionSteps:1.1.15 lunmapActionResult:1.1.16 lunmapActionText:1.1.17 \
	lunmapActionCompleted:0.6; do
	[ "$(snmptranslate -M "$dirs" -m LUNMAP-MIB -On "LUNMAP-MIB::${pair%%:*}")" = \
		".$R.${pair#*:}" ] || fail "${pair%%:*} is not at ${pair#*:}"
done
# the names the tests use (tests/harness/lib.sh) are the MIB's
for pair in lunmapMIB:R lunmapSubsystem:SUBSYS lunmapLunTable:LUN_TABLE lunmapLunEntry:L \
	lunmapTargetEntry:T lunmapAssocTable:ASSOC_TABLE lunmapAssocEntry:A lunmapTargetLunEntry:TL \
	lunmapAssociationChanged:N_ASSOC_CHANGED lunmapOperationFailed:N_OP_FAILED \
	lunmapCacheOutOfSync:N_OUT_OF_SYNC lunmapCacheInSync:N_IN_SYNC lunmapStackReapplied:N_REAPPLIED \
	lunmapActionCompleted:N_ACTION_DONE lunmapSubsystemName.0:SUBSYS_NAME \
	lunmapSubsystemBackend.0:BACKEND lunmapSubsystemStatus.0:STATUS \
	lunmapSubsystemMaxTargetsPerLun.0:MAX_PER_LUN lunmapSubsystemLastChange.0:LAST_CHANGE \
	lunmapSubsystemRefresh.0:REFRESH lunmapLastErrorCode.0:ERR_CODE lunmapLastErrorText.0:ERR_TEXT \
	lunmapAssociationCount.0:ASSOC_TOTAL lunmapSpinLock.0:LOCK lunmapSubsystemForce.0:FORCE \
	lunmapStackReapplyCount.0:REAPPLY_COUNT lunmapLastErrorLun.0:ERR_LUN \
	lunmapActionStepsDone.0:STEPS_DONE lunmapActionSteps.0:STEPS lunmapActionResult.0:ACTION_RESULT \
	lunmapActionText.0:ACTION_TEXT; do
	var=${pair#*:}
	[ "$(snmptranslate -M "$dirs" -m LUNMAP-MIB -On "LUNMAP-MIB::${pair%%:*}")" = ".${!var}" ] ||
		fail "\$$var is not ${pair%%:*}"
done
note "the display hints: HRESULTs in hex, ids 32 digits each"
snmptranslate -M "$dirs" -m LUNMAP-MIB -Td LUNMAP-MIB::lunmapLastErrorCode | has 'DISPLAY-HINT.*"x"' ||
	fail "lunmapLastErrorCode is not shown in hex"
snmptranslate -M "$dirs" -m LUNMAP-MIB -Td LUNMAP-MIB::lunmapLunTargetIds | has 'DISPLAY-HINT.*"1x"' ||
	fail "lunmapLunTargetIds has no GUID list hint"
snmptranslate -M "$dirs" -m LUNMAP-MIB -Td LUNMAP-MIB::lunmapTargetIqn | has '(0\.\.223)' ||
	fail "lunmapTargetIqn is not sized like IscsiName"

# What a manager's tools print with the MIB loaded (issue 21: "16x " showed
# the last 8 octets of each id, "4x-2x-2x-2x-6x" dropped leading zeros): ids
# whose halves differ and that start with a zero, on lunmapd (sim backend)
# behind a private snmpd.
if [ -x "$top_builddir/tests/harness/lunmapd-sim" ] && [ -x "$SNMPD" ]; then
	note "snmpwalk and snmptable print whole ids"
	cd "$E2E_TMP"
	start_snmpd
	truncate -s 4M db.img
	T1=01111111-1111-1111-8111-111111111111 T2=02222222-2222-2222-8222-222222222222
	DB=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01
	write_inventory inv.xml mib max-targets-per-lun=4 \
		target iqn=iqn.2026-11.org.example.mib:t1 id=$T1 \
		target iqn=iqn.2026-11.org.example.mib:t2 id=$T2 \
		lun name=db path="$E2E_TMP/db.img" id=$DB
	mkdir -p lunmapd-persist
	SNMP_PERSISTENT_DIR=$E2E_TMP/lunmapd-persist "$top_builddir/tests/harness/lunmapd-sim" -f \
		-x "$AGENTX" -c inv.xml -s state -Lf lunmapd.log 2>>lunmapd.stderr &
	remember_pid $! lunmapd
	wait_for 15 lunmapd_answers ||
		fail "lunmapd does not answer: $(cat lunmapd.log)"
	sset $L.7.1 x "$(hexid $T1)$(hexid $T2)" >/dev/null || fail "associate"
	m=(-v2c -c public -M "$dirs" -m +LUNMAP-MIB 127.0.0.1:$SNMP_PORT)
	t1=${T1//-/} t2=${T2//-/} db=${DB//-/}
	out=$(snmpwalk "${m[@]}" LUNMAP-MIB::lunmapLunTargetIds)
	echo "$out" | has -x "LUNMAP-MIB::lunmapLunTargetIds.1 = STRING: $t1$t2" || fail "snmpwalk: $out"
	out=$(snmpwalk "${m[@]}" LUNMAP-MIB::lunmapTargetId)
	echo "$out" | has -x "LUNMAP-MIB::lunmapTargetId.1 = STRING: $t1" || fail "snmpwalk: $out"
	out=$(snmpwalk "${m[@]}" LUNMAP-MIB::lunmapTargetLunIds)
	echo "$out" | has -x "LUNMAP-MIB::lunmapTargetLunIds.2 = STRING: $db" || fail "snmpwalk: $out"
	out=$(snmptable "${m[@]}" -Cw 400 LUNMAP-MIB::lunmapLunTable)
	echo "$out" | has -E "^ +$db +db .* $t1$t2 +2 " || fail "snmptable: $out"
	out=$(snmptable "${m[@]}" -Cw 400 LUNMAP-MIB::lunmapTargetTable)
	echo "$out" | has -E "^ +$t2 +iqn.2026-11.org.example.mib:t2 .* $db " || fail "snmptable: $out"
fi
echo "mib: all checks passed"
