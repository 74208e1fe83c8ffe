#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SCSI-MIB, ISCSI-MIB and IPS-AUTH-MIB served by lunmapd on a real tgtd,
# read by net-snmp's tools with Debian's IETF MIB files loaded: the names
# resolve, the LUN map is lunmapAssocTable after random changes, the LU's
# NAA is what an initiator reads in VPD 0x83, a raw login shows in the
# session tables with its initiator name, and initiators whose name or
# alias smuggle text in are rendered safely.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmptable snmpwalk iscsi-inq
IETF=/var/lib/mibs/ietf
[ -f $IETF/SCSI-MIB ] && [ -f $IETF/ISCSI-MIB ] && [ -f $IETF/IPS-AUTH-MIB ] ||
	skip "IETF MIBs missing: install snmp-mibs-downloader (Debian non-free)"
HOLD=$top_builddir/tests/harness/iscsi-hold
[ -x "$HOLD" ] || skip "no tests/harness/iscsi-hold (libiscsi-dev missing at configure)"
cd "$E2E_TMP"
MIBS=(-M "+$IETF:/var/lib/mibs/iana" -m +SCSI-MIB:ISCSI-MIB:IPS-AUTH-MIB)
mwalk() { snmpwalk -v2c -c public "${MIBS[@]}" -Oq "127.0.0.1:$SNMP_PORT" "$@" 2>&1; }
mget() { snmpget -v2c -c public "${MIBS[@]}" -Oqv "127.0.0.1:$SNMP_PORT" "$@" 2>&1; }

GOOD=iqn.2026-01.org.example:good

start_tgtd_snmpd
lun_files 8M db logs tmp
write_inventory inv.xml ietf max-targets-per-lun=3 backend tgtadm= check-interval=1 \
	mibs scsi=yes iscsi=yes \
	target iqn=$T1 alias=t1 initiators=ALL \
	target iqn=$T2 alias=t2 initiators=ALL \
	target iqn=$T3 alias=t3 initiators=$GOOD,127.0.0.1 \
	lun name=db path="$E2E_TMP/lun/db.img" \
	lun name=logs path="$E2E_TMP/lun/logs.img" \
	lun name=tmp path="$E2E_TMP/lun/tmp.img"
start_lunmapd inv.xml
AGENT=127.0.0.1:$SNMP_PORT

note "the names resolve in Debian's MIB files"
for name in SCSI-MIB::scsiLunMapLuIndex SCSI-MIB::scsiLuIdValue SCSI-MIB::scsiTgtPortName \
	SCSI-MIB::scsiAuthIntrName ISCSI-MIB::iscsiNodeName ISCSI-MIB::iscsiSsnInitiatorName \
	ISCSI-MIB::iscsiCxnRemoteAddr ISCSI-MIB::iscsiTgtAuthIdentity IPS-AUTH-MIB::ipsAuthIdentName; do
	snmptranslate "${MIBS[@]}" -On "$name" >/dev/null 2>&1 || fail "$name does not resolve"
done
[ "$(mget ISCSI-MIB::iscsiNodeName.1.3)" = "$T3" ] || fail "iscsiNodeName.1.3: $(mget ISCSI-MIB::iscsiNodeName.1.3)"
[ "$(mget SCSI-MIB::scsiTransportDevName.1.2.1)" = "\"$T2\"" ] ||
	fail "scsiTransportDevName: $(mget SCSI-MIB::scsiTransportDevName.1.2.1)"
[ "$(mget ISCSI-MIB::iscsiTgtPortalPort.1.1.0)" = "$TGT_PORT" ] || fail "iscsiTgtPortalPort"
mwalk IPS-AUTH-MIB::ipsAuthIdentName | has -x "IPS-AUTH-MIB::ipsAuthIdentName.1.2.1 $GOOD" ||
	fail "ipsAuthIdentName: $(mwalk IPS-AUTH-MIB::ipsAuthIdentName)"
mwalk SCSI-MIB::scsiAuthIntrName | has -x "SCSI-MIB::scsiAuthIntrName.1.3.0.1 \"$GOOD\"" ||
	fail "scsiAuthIntrName: $(mwalk SCSI-MIB::scsiAuthIntrName)"

note "after random changes, scsiLunMapTable is lunmapAssocTable"
# LUNMAP-MIB's rows as "target lun number", and SCSI-MIB's LUN map as the
# same, its ScsiLUN index decoded (snmptable -Ob keeps indexes numeric)
assoc_rows() {
	swalk $A.1 | sed -n "s/^\.$A\.1\.\([0-9]*\)\.\([0-9]*\) \([0-9]*\)$/\2 \1 \3/p" | sort -n
}
lunmap_rows() {
	snmptable -v2c -c public "${MIBS[@]}" -Ob -Ci -Cf , -CH "$AGENT" SCSI-MIB::scsiLunMapTable 2>&1 |
		awk -F, '{ split($1, i, "."); print i[2], $2, (i[5] >= 64 ? (i[5] - 64) * 256 : 0) + i[6] }' |
		sort -n
}
# one past 255 for sure: ScsiLUN's flat space addressing
sset $A.2.3.2 i 4 $A.1.3.2 u 300 >/dev/null || fail "tmp on t2 at LUN 300"
[ "$(lunmap_rows)" = "2 3 300" ] || fail "scsiLunMapTable: $(lunmap_rows)"
RANDOM=22
for round in 1 2 3 4 5 6; do
	for i in 1 2 3 4; do
		lun=$((RANDOM % 3 + 1)) t=$((RANDOM % 3 + 1))
		if [ "$(sgetv $A.2.$lun.$t)" = 1 ]; then
			sset $A.2.$lun.$t i 6 >/dev/null || true
		else
			# LUN numbers past 255 too: ScsiLUN's flat space addressing
			num=$(( RANDOM % 2 ? RANDOM % 40 + 1 : RANDOM % 700 + 250 ))
			sset $A.2.$lun.$t i 4 $A.1.$lun.$t u $num >/dev/null || true
		fi
	done
	want=$(assoc_rows)
	got=$(lunmap_rows)
	[ -n "$want" ] || continue
	[ "$got" = "$want" ] || fail "round $round: scsiLunMapTable
$got
is not lunmapAssocTable
$want"
done
echo "LUN maps: $(echo "$want" | wc -l) associations matched"
# the LU table has one row an association, with its LUN number
for row in $(assoc_rows | tr ' ' :); do
	IFS=: read -r t l n <<<"$row"
	mget SCSI-MIB::scsiLuStatus.1.$t.$l | has -x 'available' || fail "scsiLuStatus.1.$t.$l"
done

note "the LU's NAA is lunmapLunNaa and what VPD 0x83 has"
sset $A.2.1.1 i 6 >/dev/null 2>&1 || true
sset $A.2.1.1 i 4 $A.1.1.1 u 1 >/dev/null || fail "db on t1 at LUN 1"
naa=$(sgetv $L.11.1 | as_hex)
idv=$(snmpget -v2c -c public -Oqv "$AGENT" 1.3.6.1.2.1.139.2.4.2.1.5.1.1.1.1 | as_hex)
[ "$idv" = "$naa" ] || fail "scsiLuIdValue $idv is not lunmapLunNaa $naa"
[ "$(mget SCSI-MIB::scsiLuIdType.1.1.1.1)" = 3 ] || fail "not an NAA designator"
[ "$(mget SCSI-MIB::scsiLuWwnName.1.1.1)" = '""' ] || fail "scsiLuWwnName: $(mget SCSI-MIB::scsiLuWwnName.1.1.1)"
page=$(inq $T1 1 131)
# iscsi-inq names the NAA designator (binary, of the LU: what
# scsiLuIdCodeSet, Association and Type say) but prints no NAA bytes; it
# prints tgt's T10 designator, the id lunmap set, whose hex the NAA
# carries after its type nibble (lm_naa_tgt)
echo "$page" | tr '\n' ' ' | has "Code Set:(1) BINARY PIV:0 Association:(0) LOGICAL_UNIT Designator Type:(3) NAA" ||
	fail "VPD 0x83 of $T1/1 has no NAA designator of the LU: $page"
t10=$(echo "$page" | sed -n 's/^Designator:\[\([0-9a-f]\{32\}\)\]$/\1/p' | tr a-f A-F)
[ "6${t10:1}" = "$naa" ] || fail "VPD 0x83's id $t10 is not the NAA $naa's"
PROBE=$top_builddir/tests/harness/iscsi-probe
if [ -x "$PROBE" ]; then
	# and byte for byte, as libiscsi reads the page
	"$PROBE" vpd83 "iscsi://127.0.0.1:$TGT_PORT/$T1/1" | has -x "3 1 $idv" ||
		fail "VPD 0x83 has no designator $idv: $("$PROBE" vpd83 "iscsi://127.0.0.1:$TGT_PORT/$T1/1")"
fi

note "a raw login shows in the session tables with its initiator name"
mkfifo hold1 hold2 hold3
exec 5<>hold1 6<>hold2 7<>hold3
# an alias that forges a "Target N:" and "Session:" line: tgt's views of
# sessions print no alias, and lunmap reads it nowhere
"$HOLD" "127.0.0.1:$TGT_PORT" "$T3" "$GOOD" "nice
Session: 77
Target 9: iqn.x:forged" <hold1 >h1.out 2>&1 5>&- 6>&- 7>&- &
remember_pid $! iscsi-hold
wait_for 10 has -x "logged in" h1.out || fail "no login: $(cat h1.out)"
sessions_on() { mwalk ISCSI-MIB::iscsiSsnInitiatorName | grep "iscsiSsnInitiatorName\.1\.$1\." || true; }
wait_for 10 bash -c "snmpwalk -v2c -c public -Oqv $AGENT 1.3.6.1.2.1.142.1.10.1.1.4.1.3 | grep -q $GOOD" ||
	fail "the session is not in iscsiSsnInitiatorName: $(sessions_on 3)"
tsih=$(sessions_on 3 | sed -n "s/.*\.1\.3\.\([0-9]*\) $GOOD$/\1/p")
[ -n "$tsih" ] || fail "no TSIH: $(sessions_on 3)"
[ "$(mget ISCSI-MIB::iscsiSsnTSIH.1.3.$tsih)" = "$tsih" ] || fail "iscsiSsnTSIH"
mget ISCSI-MIB::iscsiSsnConnectionNumber.1.3.$tsih | has -x "1 connections" ||
	fail "iscsiSsnConnectionNumber: $(mget ISCSI-MIB::iscsiSsnConnectionNumber.1.3.$tsih)"
mget ISCSI-MIB::iscsiSsnAuthIdentity.1.3.$tsih | has "ipsAuthIdentDescription.1.2" ||
	fail "iscsiSsnAuthIdentity: $(mget ISCSI-MIB::iscsiSsnAuthIdentity.1.3.$tsih)"
mget ISCSI-MIB::iscsiCxnRemoteAddr.1.3.$tsih.1 | as_hex | has -x 7F000001 ||
	fail "iscsiCxnRemoteAddr: $(mget ISCSI-MIB::iscsiCxnRemoteAddr.1.3.$tsih.1)"
[ "$(mget SCSI-MIB::scsiAttIntrPortName.1.3.1.$tsih)" = "\"$GOOD\"" ] || fail "scsiAttIntrPortName"
[ "$(mget SCSI-MIB::scsiAttIntrPortAuthIntrIdx.1.3.1.$tsih)" = 1 ] || fail "scsiAttIntrPortAuthIntrIdx"
mget ISCSI-MIB::iscsiInstSessionNumber.1 | has "^1" || fail "iscsiInstSessionNumber"
# tgt keeps the session's data octets: they moved with the login
[ "$(mget ISCSI-MIB::iscsiSsnRxDataOctets.1.3.$tsih | sed 's/ .*//')" -gt 0 ] || fail "iscsiSsnRxDataOctets"
sessions_on 3 | has 77 && fail "the alias forged a session: $(sessions_on 3)"
# tgt shows no alias: the object is absent, not forged
mget ISCSI-MIB::iscsiSsnInitiatorAlias.1.3.$tsih | has "No Such Object" ||
	fail "iscsiSsnInitiatorAlias: $(mget ISCSI-MIB::iscsiSsnInitiatorAlias.1.3.$tsih)"

note "an initiator name that smuggles a session in is shown as no name"
FORGER="iqn.2026-01.x:a
        IP Address: 6.6.6.6
Session: 42
    Connection: 0
        Initiator: iqn.evil:b"
"$HOLD" "127.0.0.1:$TGT_PORT" "$T1" "$FORGER" "x" <hold2 >h2.out 2>&1 5>&- 6>&- 7>&- &
remember_pid $! iscsi-hold
"$HOLD" "127.0.0.1:$TGT_PORT" "$T1" "$GOOD" "also good" <hold3 >h3.out 2>&1 5>&- 6>&- 7>&- &
remember_pid $! iscsi-hold
wait_for 10 has -x "logged in" h2.out || fail "no login: $(cat h2.out)"
wait_for 10 has -x "logged in" h3.out || fail "no login: $(cat h3.out)"
wait_for 10 bash -c "[ \$(snmpwalk -v2c -c public -Oqv $AGENT 1.3.6.1.2.1.142.1.10.1.1.4.1.1 | wc -l) = 2 ]" ||
	fail "not two sessions on t1: $(sessions_on 1)"
out=$(sessions_on 1)
echo "$out" | has -x "ISCSI-MIB::iscsiSsnInitiatorName.1.1.[0-9]* $GOOD" || fail "the good name is lost: $out"
echo "$out" | has -x 'ISCSI-MIB::iscsiSsnInitiatorName.1.1.[0-9]* ' || fail "the forger has a name: $out"
echo "$out" | has "evil\|42\|6.6.6.6" && fail "forged: $out"
mwalk ISCSI-MIB::iscsiCxnRemoteAddr | as_hex | has 06060606 && fail "a forged address is shown"
[ "$(snmpwalk -v2c -c public -Oqv "$AGENT" 1.3.6.1.2.1.142.1.11.1.1.2.1.1 | wc -l)" = 1 ] ||
	fail "the forger's connection is shown: $(mwalk ISCSI-MIB::iscsiCxnCid)"
# (the full listing's parser, show.c, may quote the line it refuses)
! grep -v "refused the listing" "$E2E_TMP/lunmapd.log" | has "evil\|Session: 42" ||
	fail "the forged text reached the log"

note "the sessions go with the logouts"
exec 5>&- 6>&- 7>&-
wait_for 15 bash -c "! snmpwalk -v2c -c public -Oqv $AGENT 1.3.6.1.2.1.142.1.10.1.1.3 | grep -q inbound" ||
	fail "sessions stay: $(mwalk ISCSI-MIB::iscsiSsnDirection)"

note "<mibs scsi=\"no\" iscsi=\"no\"/>: LUNMAP-MIB alone"
kill "$LUNMAPD_PID"
wait_for 10 gone "$LUNMAPD_PID" || fail "lunmapd did not stop"
sed -i 's/<mibs scsi="yes" iscsi="yes"\/>/<mibs scsi="no" iscsi="no"\/>/' inv.xml
start_lunmapd inv.xml
snmpget -v2c -c public "$AGENT" 1.3.6.1.2.1.142.1.5.1.1.2.1.1 | has "No Such Object" ||
	fail "ISCSI-MIB still served"
snmpget -v2c -c public "$AGENT" 1.3.6.1.2.1.139.2.1.1.1.2.1 | has "No Such Object" ||
	fail "SCSI-MIB still served"
kill "$LUNMAPD_PID"
wait_for 10 gone "$LUNMAPD_PID" || fail "lunmapd did not stop"
lunmapd_left_clean
echo "ietf_tgt: all checks passed"
