#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The OCF resource agent data/ocf/lunmapd passes Debian's ocf-tester
# (resource-agents) against a private snmpd and tgtd, and its monitor
# tells running, stopped, drift and a dead master apart.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpget
[ -x /usr/sbin/ocf-tester ] && [ -f /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs ] ||
	skip "ocf-tester is not installed (Debian package resource-agents)"
[ "$(id -u)" = 0 ] || skip "ocf-tester needs root"
cd "$E2E_TMP"

start_tgtd_snmpd
lun_files 4M a
write_inventory inv.xml ha max-targets-per-lun=2 backend check-interval=1 \
	target iqn=iqn.2026-11.org.example.ha:t1 id=$T1ID \
	lun name=a path="$E2E_TMP/lun/a.img"

# ocf-tester runs "meta-data" as nobody too: the agent must be reachable
chmod 711 "$E2E_TMP"
mkdir -m 755 ra
install -m 755 "$top_srcdir/data/ocf/lunmapd" ra/lunmapd
RA=$E2E_TMP/ra/lunmapd
mkdir -m 700 run
params=(
	-o "binary=$top_builddir/subagent/lunmapd" -o "inventory=$E2E_TMP/inv.xml"
	-o "statedir=$E2E_TMP/state" -o "agentx=$AGENTX" -o "pidfile=$E2E_TMP/run/lunmapd.pid"
	-o "snmp_agent=udp:127.0.0.1:$SNMP_PORT" -o "snmp_options=-v2c -c public"
	-o "options=-Lf $E2E_TMP/lunmapd.log"
)

note "ocf-tester"
export OCF_ROOT=/usr/lib/ocf
start_s=$(date +%s)
if ! ocf-tester -n lunmap_test "${params[@]}" "$RA" >ocf-tester.log 2>&1; then
	fail "ocf-tester: $(cat ocf-tester.log)"
fi
cat ocf-tester.log
has "$RA passed all tests" ocf-tester.log || fail "no pass line: $(cat ocf-tester.log)"
echo "ocf-tester took $(($(date +%s) - start_s)) s"

# the agent by hand, as Pacemaker calls it
export OCF_RESOURCE_INSTANCE=lunmap_test
export OCF_RESKEY_binary=$top_builddir/subagent/lunmapd OCF_RESKEY_inventory=$E2E_TMP/inv.xml \
	OCF_RESKEY_statedir=$E2E_TMP/state OCF_RESKEY_agentx=$AGENTX \
	OCF_RESKEY_pidfile=$E2E_TMP/run/lunmapd.pid OCF_RESKEY_snmp_agent=udp:127.0.0.1:$SNMP_PORT \
	OCF_RESKEY_snmp_options="-v2c -c public" OCF_RESKEY_options="-Lf $E2E_TMP/lunmapd.log"
ra() { local rc=0; "$RA" "$1" >ra.out 2>&1 || rc=$?; echo $rc; }

note "monitor: 7 when stopped; start; 0 when it answers through snmpd"
[ "$(ra monitor)" = 7 ] || fail "monitor of a stopped lunmapd: $(cat ra.out)"
[ "$(ra start)" = 0 ] || fail "start: $(cat ra.out)"
pid=$(cat run/lunmapd.pid)
remember_pid "$pid" lunmapd
[ "$(sgetv $SUBSYS_NAME)" = '"ha"' ] || fail "lunmapd started by the agent does not answer"
[ "$(ra monitor)" = 0 ] || fail "monitor: $(cat ra.out)"

note "drift: monitor passes by default, fails with cache_corrupt_fails=true"
sset $L.7.1 x "$(hexid $T1ID)" >/dev/null || fail "associate"
tid=$(tgtadm_ctl --op show --mode target | sed -n 's/^Target \([0-9]*\): iqn.2026-11.org.example.ha:t1$/\1/p')
tgtadm_ctl --op delete --mode logicalunit --tid "$tid" --lun 1
wait_for 10 bash -c "[ \"\$(snmpget -v2c -c public -Ov -Oq 127.0.0.1:$SNMP_PORT $STATUS)\" = cacheCorrupt ] ||
	[ \"\$(snmpget -v2c -c public -Ov -Oq 127.0.0.1:$SNMP_PORT $STATUS)\" = 2 ]" || fail "no drift seen"
[ "$(ra monitor)" = 0 ] || fail "monitor on drift (default): $(cat ra.out)"
[ "$(OCF_RESKEY_cache_corrupt_fails=true ra monitor)" = 1 ] || fail "monitor on drift, cache_corrupt_fails: $(cat ra.out)"

note "the master is gone: monitor fails (1), not 'stopped'"
stop_pid "$SNMPD_PID"
[ "$(ra monitor)" = 1 ] || fail "monitor without snmpd: $(cat ra.out)"

note "stop; stop again; monitor 7"
[ "$(ra stop)" = 0 ] || fail "stop: $(cat ra.out)"
gone "$pid" || fail "lunmapd still runs after stop"
[ "$(ra stop)" = 0 ] || fail "second stop: $(cat ra.out)"
[ "$(ra monitor)" = 7 ] || fail "monitor after stop: $(cat ra.out)"

note "validate-all: a bad inventory is 6 (not configured), a missing binary 5"
sed 's|name="a"|name="a" id="not-a-guid"|' inv.xml >bad.xml
[ "$(OCF_RESKEY_inventory=$E2E_TMP/bad.xml ra validate-all)" = 6 ] || fail "validate-all, bad inventory: $(cat ra.out)"
has "not-a-guid" ra.out || fail "validate-all does not say why: $(cat ra.out)"
[ "$(OCF_RESKEY_binary=/nonexistent/lunmapd ra validate-all)" = 5 ] || fail "validate-all, no binary: $(cat ra.out)"
echo "ocf: all checks passed"
