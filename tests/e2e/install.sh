#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# make install into a DESTDIR installs exactly what an administrator
# expects, and the installed lunmapd, started as its systemd unit would,
# serves the installed MIB by name through the installed snmpd.conf lines.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
. "$top_srcdir/tests/harness/shipped.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpwalk snmpset
IETF=/var/lib/mibs/ietf
[ -f $IETF/SNMPv2-SMI ] || skip "IETF MIBs missing: install snmp-mibs-downloader (Debian non-free)"
cd "$E2E_TMP"

note "configure for the system paths, build, make install DESTDIR=..."
# from a copy of the distributed tree: a source tree that was configured
# in place cannot configure a second build
make -C "$top_builddir" distdir distdir="$E2E_TMP/src" >distdir.log 2>&1 || fail "distdir: $(tail distdir.log)"
mkdir build
(cd build && "$E2E_TMP/src/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
	>configure.log 2>&1 && make -j2 >make.log 2>&1 && make install DESTDIR="$E2E_TMP/dest" >install.log 2>&1) ||
	fail "build or install failed: $(tail -20 build/*.log)"
D=$E2E_TMP/dest
got=$(cd "$D" && find . \( -type f -o -type d -empty \) | sort)
want=$(sort <<LIST
./usr/sbin/lunmapd
./usr/sbin/lunmapctl
./usr/share/snmp/mibs/LUNMAP-MIB.txt
./usr/share/lunmap/lunmap.rng
./usr/share/lunmap/demo.xml
./usr/share/lunmap/lunmap.xml.example
./usr/share/lunmap/prometheus/generator.yml
./usr/share/lunmap/prometheus/snmp.yml
./usr/share/lunmap/nagios/lunmap.cfg
./usr/share/lunmap/snmptrapd/snmptrapd.conf.lunmap
./usr/share/lunmap/snmptrapd/lunmap-traphandle
./usr/lib/ocf/resource.d/lunmap/lunmapd
./usr/lib/systemd/system/lunmapd.service
./usr/share/man/man8/lunmapd.8
./usr/share/man/man8/lunmapctl.8
./usr/share/man/man5/lunmap.xml.5
./usr/share/man/man7/lunmap.7
./usr/share/doc/lunmap/README.md
./usr/share/doc/lunmap/nms.md
./usr/share/doc/lunmap/ha.md
./usr/share/doc/lunmap/mib-compliance.md
./usr/share/doc/lunmap/snmpd.conf.lunmap
./var/lib/lunmap
LIST
)
[ "$got" = "$want" ] || fail "installed files differ: $(diff <(echo "$want") <(echo "$got"))"
cmp -s "$D/usr/share/snmp/mibs/LUNMAP-MIB.txt" "$top_srcdir/mib/LUNMAP-MIB.txt" || fail "MIB differs"

note "the unit: ordering, restart, hardening"
unit=$D/usr/lib/systemd/system/lunmapd.service
for line in "After=network.target snmpd.service tgt.service target.service rtslib-fb-targetctl.service" "Wants=snmpd.service tgt.service" \
	"Restart=on-failure" "NoNewPrivileges=yes" "ProtectSystem=strict" \
	"ReadWritePaths=/var/lib/lunmap" "ProtectHome=yes" "PrivateTmp=yes" "StateDirectory=lunmap" \
	"ExecReload=/bin/kill -HUP \$MAINPID"; do
	grep -qxF "$line" "$unit" || fail "unit lacks: $line"
done
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
exec_pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
case $exec_start in /usr/sbin/lunmapd\ *) ;; *) fail "ExecStart: $exec_start" ;; esac

note "the shipped snmpd.conf lines: no passphrase in them, agentXTimeout 5"
conf=$D/usr/share/doc/lunmap/snmpd.conf.lunmap
! has -E '^[[:space:]]*createUser' "$conf" || fail "a createUser line (a passphrase) in snmpd.conf.lunmap"
has -x 'agentXTimeout 5' "$conf" || fail "no agentXTimeout 5"
note "snmpd with them, the users created in its persistent file as the file says"
SHIPPED_CONF=$conf start_shipped_snmpd
start_tgtd

note "the installed lunmapd, started as the unit would"
mkdir -p etc lun
truncate -s 4M lun/a.img
write_inventory etc/lunmap.xml installed max-targets-per-lun=2 \
	target iqn=iqn.2026-11.org.example.inst:t1 id=$T1ID \
	lun name=a path="$E2E_TMP/lun/a.img"
as_unit() { # the unit's command line, with the DESTDIR and this test's files
	local cmd=${1//\$LUNMAPD_OPTS/$LUNMAPD_OPTS}
	cmd=${cmd//\/usr\/sbin\//$D/usr/sbin/}
	cmd=${cmd//\/etc\/lunmap\/lunmap.xml/$E2E_TMP/etc/lunmap.xml}
	cmd=${cmd//\/var\/lib\/lunmap/$E2E_TMP/state}
	echo "$cmd"
}
LUNMAPD_OPTS="-x $AGENTX -Lf $E2E_TMP/lunmapd.log"
$(as_unit "$exec_pre") >check.log || fail "ExecStartPre: $(cat check.log)"
mkdir -p lunmapd-persist
SNMP_PERSISTENT_DIR=$E2E_TMP/lunmapd-persist $(as_unit "$exec_start") 2>>lunmapd.stderr &
remember_pid $! lunmapd
v3=("${ADM[@]}")
mibs=(-M "$D/usr/share/snmp/mibs:/usr/share/snmp/mibs:$IETF:/var/lib/mibs/iana" -m +LUNMAP-MIB)
wait_for 15 bash -c "snmpget ${v3[*]} ${mibs[*]} 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapSubsystemName.0 | grep -q installed" ||
	fail "the installed lunmapd does not answer: $(cat lunmapd.log 2>/dev/null)"
[ "$(stat -c %a state)" = 700 ] && [ "$(stat -c %a state/state.xml)" = 600 ] || fail "state permissions"

note "names from the installed MIB: associate through SNMPv3"
snmpset "${v3[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapLunTargetIds.1 \
	x "$(hexid $T1ID)" >/dev/null || fail "set by name"
out=$(snmpwalk "${v3[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapAssocTable)
echo "$out" | has "LUNMAP-MIB::lunmapAssocRowStatus.1.1 = INTEGER: active(1)" || fail "walk: $out"
out=$(snmpget "${v3[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapLunId.1)
echo "$out" | has -E "lunmapLunId.1 = STRING: [0-9a-f]{32}\$" ||
	fail "LunmapGuid display hint: $out"

note "the administrator's access is limited to LUNMAP-MIB"
out=$(snmpget "${v3[@]}" 127.0.0.1:$SNMP_PORT 1.3.6.1.2.1.1.1.0 2>&1 || true)
echo "$out" | has "No Such Object" || fail "lunmapadmin reads outside its view: $out"
if snmpset "${v3[@]}" 127.0.0.1:$SNMP_PORT 1.3.6.1.2.1.1.4.0 s x >/dev/null 2>&1; then
	fail "lunmapadmin writes outside its view"
fi

note "the monitoring user reads the system group (NMS discovery) and LUNMAP-MIB, and cannot SET"
for oid in SNMPv2-MIB::sysUpTime.0 SNMPv2-MIB::sysObjectID.0 SNMPv2-MIB::sysDescr.0; do
	out=$(snmpget "${MON[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT $oid 2>&1) || fail "$oid: $out"
	echo "$out" | has -e 'Timeticks: (' -e 'OID: ' -e 'STRING: ' || fail "$oid does not answer: $out"
done
out=$(snmpget "${MON[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapLunTargetCount.1)
echo "$out" | has 'Gauge32: 1$' || fail "lunmapmon reads LUNMAP-MIB: $out"
before=$(snmpget "${MON[@]}" -Oqv 127.0.0.1:$SNMP_PORT $L.7.1)
if out=$(snmpset "${MON[@]}" 127.0.0.1:$SNMP_PORT $L.7.1 x "" 2>&1); then
	fail "lunmapmon could SET: $out"
fi
echo "$out" | has -e noAccess -e notWritable -e authorizationError || fail "lunmapmon's SET refused, but how: $out"
[ "$(snmpget "${MON[@]}" -Oqv 127.0.0.1:$SNMP_PORT $L.7.1)" = "$before" ] || fail "lunmapmon's SET changed the set"

note "SIGHUP re-reads the inventory; a bad one is refused and the running one kept"
pid=$(sed -n '$p' "$E2E_PIDS" | cut -d' ' -f1)
sed -i 's|</lunmap>|<lun name="b" path="'"$E2E_TMP"'/lun/a2.img"/></lunmap>|' etc/lunmap.xml
truncate -s 4M lun/a2.img
kill -HUP "$pid"
wait_for 10 bash -c "snmpget ${v3[*]} ${mibs[*]} 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapLunName.2 | grep -q '\"*b\"*$'" ||
	fail "LUN b not served after SIGHUP: $(cat lunmapd.log)"
echo "<lunmap" >etc/lunmap.xml
kill -HUP "$pid"
wait_for 10 grep -q "the new inventory is refused, the running one is kept: .*lunmap.xml" lunmapd.log ||
	fail "no refusal logged: $(cat lunmapd.log)"
snmpget "${v3[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapLunName.2 | has b ||
	fail "running inventory lost"
kill -0 "$pid" || fail "lunmapd died"
stop_pid "$pid"
lunmapd_left_clean
echo "install: all checks passed"
