#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped Prometheus module: Debian's prometheus-snmp-generator makes
# exactly the shipped snmp.yml from the shipped generator.yml, and Debian's
# prometheus-snmp-exporter with it scrapes a live lunmapd (through a private
# snmpd with the shipped snmpd.conf lines and its read-only user): target
# counts, sizes as gauges, the status as a state set that follows drift.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
. "$top_srcdir/tests/harness/shipped.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpget curl
for p in prometheus-snmp-exporter prometheus-snmp-generator; do
	command -v $p >/dev/null || skip "$p is not installed (Debian package prometheus-snmp-exporter)"
done
IETF=/var/lib/mibs/ietf
[ -f $IETF/SNMPv2-SMI ] || skip "IETF MIBs missing: install snmp-mibs-downloader (Debian non-free)"
cd "$E2E_TMP"

note "the shipped snmp.yml is what the generator makes of the shipped generator.yml"
mkdir gen && cp "$top_srcdir/data/prometheus/generator.yml" gen/
(cd gen && MIBDIRS=$top_srcdir/mib:/usr/share/snmp/mibs:$IETF:/var/lib/mibs/iana prometheus-snmp-generator generate \
	--fail-on-parse-errors -o snmp.yml >generate.log 2>&1) || fail "generator: $(cat gen/generate.log)"
diff -u "$top_srcdir/data/prometheus/snmp.yml" gen/snmp.yml ||
	fail "data/prometheus/snmp.yml is stale: regenerate it (see generator.yml)"

note "snmpd with the shipped lines, users created in its persistent file"
start_shipped_snmpd "rocommunity public 127.0.0.1" "rwcommunity private 127.0.0.1"
start_tgtd
lun_files 8M db
lun_files 4M logs
write_inventory inv.xml prom max-targets-per-lun=4 backend check-interval=1 \
	target iqn=iqn.2026-11.org.example.prom:t1 id=$T1ID initiators=ALL \
	target iqn=iqn.2026-11.org.example.prom:t2 id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img" \
	lun name=logs path="$E2E_TMP/lun/logs.img"
start_lunmapd inv.xml
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null ||
	fail "associate db with t1 and t2"

note "Debian's exporter with the shipped module"
cp gen/snmp.yml snmp.yml
launch_exporter() {
	PROM_PORT=${PROM_PORT:-$(free_port)}
	prometheus-snmp-exporter --config.file="$E2E_TMP/snmp.yml" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >>exporter.log 2>&1 &
	DAEMON_PID=$!
	remember_pid $! exporter
}
exporter_ready() { curl -sf "http://127.0.0.1:$PROM_PORT/" >/dev/null; }
start_daemon prometheus-snmp-exporter exporter.log PROM_PORT exporter_ready launch_exporter
scrape() { curl -sf "http://127.0.0.1:$PROM_PORT/snmp?module=lunmap&target=127.0.0.1:$SNMP_PORT"; }
start_ms=$(date +%s%N)
scrape >m1.txt || fail "scrape: $(tail -5 exporter.log)"
echo "one scrape: $((($(date +%s%N) - start_ms) / 1000000)) ms, $(grep -vc '^#' m1.txt) series"
metric() { # FILE REGEX: the value of the one series matching
	local v
	v=$(grep -E "^$2 " "$1" | awk '{ print $2 }')
	[ -n "$v" ] || fail "no series $2 in: $(grep -v '^#' "$1")"
	echo "$v"
}
[ "$(metric m1.txt 'lunmapLunTargetCount\{lunmapLunIndex="1",lunmapLunName="db"\}')" = 2 ] || fail "db's target count"
[ "$(metric m1.txt 'lunmapLunTargetCount\{lunmapLunIndex="2",lunmapLunName="logs"\}')" = 0 ] || fail "logs's target count"
[ "$(metric m1.txt 'lunmapAssociationCount')" = 2 ] || fail "association count"
[ "$(metric m1.txt 'lunmapLunSize\{lunmapLunIndex="1",lunmapLunName="db"\}')" = 8.388608e+06 ] || fail "db's size"
has -x '# TYPE lunmapLunSize gauge' m1.txt || fail "lunmapLunSize is not a gauge"
[ "$(metric m1.txt 'lunmapSubsystemStatus\{lunmapSubsystemStatus="online"\}')" = 1 ] || fail "not online"
[ "$(metric m1.txt 'lunmapSubsystemStatus\{lunmapSubsystemStatus="cacheCorrupt"\}')" = 0 ] || fail "cacheCorrupt"
[ "$(metric m1.txt 'lunmapTargetLunCount\{lunmapTargetIndex="2",lunmapTargetIqn="iqn.2026-11.org.example.prom:t2"\}')" = 1 ] ||
	fail "t2's LUN count"
[ "$(metric m1.txt 'lunmapAssocLunNumber\{lunmapLunIndex="1",lunmapLunName="db",lunmapTargetIndex="1",lunmapTargetIqn="iqn.2026-11.org.example.prom:t1"\}')" = 1 ] ||
	fail "association row"
has -E '^sysUpTime [0-9]' m1.txt || fail "no sysUpTime"
# no GUID lists, no error text, no raw ids of lists as labels
! has -E '^lunmap(LunTargetIds|TargetLunIds|LastErrorText|SubsystemRefresh|AssocRowStatus)' m1.txt ||
	fail "a column that must not be a metric: $(grep -E '^lunmap(LunTargetIds|TargetLunIds|LastErrorText)' m1.txt)"

note "the IETF module (lunmap_iscsi): sessions per target, ISCSI-MIB's counters as counters"
if [ -x "$top_builddir/tests/harness/iscsi-hold" ]; then
	hold_session iqn.2026-11.org.example.prom:t1 iqn.2026-01.org.example:prom
	iscsi_scrape() { curl -sf "http://127.0.0.1:$PROM_PORT/snmp?module=lunmap_iscsi&target=127.0.0.1:$SNMP_PORT"; }
	# one scrape is several GETBULKs, and a look at the stack may come
	# between them: the instance's count (walked first) and the session
	# rows must come from the same look
	one_session() {
		iscsi_scrape >m3.txt && [ "$(grep -c '^iscsiSsnConnectionNumber{' m3.txt)" = 1 ] &&
			[ "$(metric m3.txt 'iscsiInstSessionNumber\{iscsiInstIndex="1"\}')" = 1 ]
	}
	wait_for 10 one_session || fail "no session series: $(grep -v '^#' m3.txt)"
	# the sessions of each target, as generator.yml's PromQL counts them
	per_target=$(grep '^iscsiSsnConnectionNumber{' m3.txt |
		sed 's/.*iscsiNodeName="\([^"]*\)".*/\1/' | sort | uniq -c | awk '{ print $2, $1 }')
	[ "$per_target" = "iqn.2026-11.org.example.prom:t1 1" ] || fail "sessions per target: $per_target"
	grep '^iscsiSsnConnectionNumber{' m3.txt | has 'iscsiSsnInitiatorName="iqn.2026-01.org.example:prom"' ||
		fail "no initiator label: $(grep '^iscsiSsnConnectionNumber' m3.txt)"
	has -x '# TYPE iscsiSsnTxDataOctets counter' m3.txt || fail "iscsiSsnTxDataOctets is not a counter"
	[ "$(metric m3.txt 'iscsiInstSessionNumber\{iscsiInstIndex="1"\}')" = 1 ] || fail "iscsiInstSessionNumber"
	# tgt keeps no login counters: no series (on LIO they are counters)
	! has '^iscsiTgtLoginFailures' m3.txt || fail "login failures invented on tgt"
	awk '$3 == "iscsiTgtLoginFailures" { getline; getline; print }' snmp.yml | has "type: counter" ||
		fail "iscsiTgtLoginFailures is not a counter in the module"
	exec 5>&-
fi

note "drift: an LU removed behind lunmap's back turns the state set to cacheCorrupt"
tid=$(tgtadm_ctl --op show --mode target | sed -n 's/^Target \([0-9]*\): iqn.2026-11.org.example.prom:t2$/\1/p')
tgtadm_ctl --op delete --mode logicalunit --tid "$tid" --lun 1
drifted() { scrape >m2.txt && has -x 'lunmapSubsystemStatus{lunmapSubsystemStatus="cacheCorrupt"} 1' m2.txt; }
wait_for 10 drifted || fail "no drift in the scrape: $(grep lunmapSubsystemStatus m2.txt)"
[ "$(metric m2.txt 'lunmapSubsystemStatus\{lunmapSubsystemStatus="online"\}')" = 0 ] || fail "still online"
echo "prometheus: all checks passed"
