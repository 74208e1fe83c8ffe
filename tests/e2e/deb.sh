#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package: dpkg-buildpackage builds lunmap_*.deb from a copy of
# the source tree (a git checkout or make distcheck's read-only tree),
# lintian finds no error, apt-get installs it on this machine (CI machines
# are throwaway), the installed lunmapd checks the shipped inventory and
# serves LUNMAP-MIB by name through a private snmpd and tgtd, and a purge
# leaves nothing behind.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
. "$top_srcdir/tests/harness/shipped.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpget snmpwalk dpkg-buildpackage apt-get
[ -x /usr/bin/dh ] || skip "debhelper is not installed"
command -v lintian >/dev/null || skip "lintian is not installed"
[ "$(id -u)" = 0 ] || skip "installing a package needs root"
IETF=/var/lib/mibs/ietf
[ -f $IETF/SNMPv2-SMI ] || skip "IETF MIBs missing: install snmp-mibs-downloader (Debian non-free)"
# one package test at a time on a machine (the plain build's and distcheck's)
exec 9>/run/lock/lunmap-deb-test.lock
flock -w 120 9 || fail "another package test holds /run/lock/lunmap-deb-test.lock"
if dpkg-query -W -f='${Status}' lunmap 2>/dev/null | has "ok installed"; then
	skip "the lunmap package is installed on this machine: not replacing and purging it"
fi
cd "$E2E_TMP"

note "copy the source tree, build the package (nocheck: the build's own unit tests are skipped here)"
mkdir src
if top=$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null) && [ "$top" -ef "$top_srcdir" ]; then
	# tracked and new files, not build folders or what .gitignore names
	(cd "$top_srcdir" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xf - -C src
else
	# make distcheck's tree: the dist files, read-only
	cp -a "$top_srcdir/." src/
	chmod -R u+w src
fi
start_s=$(date +%s)
(cd src && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b >../build.log 2>&1) ||
	fail "dpkg-buildpackage: $(tail -30 build.log)"
echo "dpkg-buildpackage took $(($(date +%s) - start_s)) s"
deb=$(ls lunmap_*_*.deb)
[ -n "$deb" ] || fail "no lunmap_*.deb in $(ls)"

note "lintian: no errors"
lintian --fail-on error -I "$deb" >lintian.log 2>&1 || fail "lintian: $(cat lintian.log)"
cat lintian.log

note "install with apt-get"
apt-get install -y -q --no-install-recommends "./$deb" >apt-install.log 2>&1 || fail "apt-get install: $(tail -20 apt-install.log)"
# from here on, a failing check must not leave the package behind
purge() { apt-get purge -y -q lunmap >apt-purge.log 2>&1; }
trap 'purge || true' EXIT
dpkg -L lunmap >files.list
for f in /usr/sbin/lunmapd /usr/sbin/lunmapctl /usr/share/snmp/mibs/LUNMAP-MIB.txt /lib/systemd/system/lunmapd.service \
	/etc/lunmap/lunmap.xml /usr/share/lunmap/prometheus/generator.yml /usr/share/lunmap/prometheus/snmp.yml \
	/usr/share/lunmap/nagios/lunmap.cfg /usr/share/lunmap/snmptrapd/lunmap-traphandle \
	/usr/share/lunmap/snmptrapd/snmptrapd.conf.lunmap /usr/lib/ocf/resource.d/lunmap/lunmapd \
	/usr/share/doc/lunmap/snmpd.conf.lunmap; do
	has -x "$f" files.list && [ -e "$f" ] || fail "not installed: $f"
done
has -x -e /usr/share/doc/lunmap/ha.md -e /usr/share/doc/lunmap/ha.md.gz files.list || fail "no ha.md"
dpkg-query -W -f='${Conffiles}\n' lunmap | has "^ /etc/lunmap/lunmap.xml " || fail "/etc/lunmap/lunmap.xml is not a conffile"
[ "$(stat -c %a /var/lib/lunmap)" = 700 ] || fail "/var/lib/lunmap is $(stat -c %a /var/lib/lunmap)"
[ -x /usr/share/lunmap/snmptrapd/lunmap-traphandle ] && [ -x /usr/lib/ocf/resource.d/lunmap/lunmapd ] || fail "scripts not executable"

note "the unit is enabled, not started"
[ -L /etc/systemd/system/multi-user.target.wants/lunmapd.service ] || fail "lunmapd.service is not enabled"
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/exe" 2>/dev/null)" != /usr/sbin/lunmapd ] || fail "lunmapd runs after install: ${p#/proc/}"
done

note "lunmapd --check on the shipped inventory"
/usr/sbin/lunmapd --check /etc/lunmap/lunmap.xml >check.log 2>&1 || fail "lunmapd --check: $(cat check.log)"
has "/etc/lunmap/lunmap.xml: ok" check.log || fail "check: $(cat check.log)"

note "the installed lunmapd through a private snmpd (installed snmpd.conf lines) and tgtd, by name"
SHIPPED_CONF=/usr/share/doc/lunmap/snmpd.conf.lunmap start_shipped_snmpd
start_tgtd
lun_files 4M a
write_inventory inv.xml packaged max-targets-per-lun=2 \
	target iqn=iqn.2026-11.org.example.deb:t1 id=$T1ID \
	lun name=a path="$E2E_TMP/lun/a.img"
# the state in the package's /var/lib/lunmap: the purge must remove it
mkdir -p lunmapd-persist
SNMP_PERSISTENT_DIR=$E2E_TMP/lunmapd-persist /usr/sbin/lunmapd -f -x "$AGENTX" -c "$E2E_TMP/inv.xml" \
	-s /var/lib/lunmap -Lf "$E2E_TMP/lunmapd.log" 2>>lunmapd.stderr &
pid=$!
remember_pid $pid lunmapd
mibs=(-M /usr/share/snmp/mibs:$IETF:/var/lib/mibs/iana -m +LUNMAP-MIB)
wait_for 15 bash -c "snmpget ${MON[*]} ${mibs[*]} 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapSubsystemName.0 | grep -q packaged" ||
	fail "the installed lunmapd does not answer: $(cat lunmapd.log 2>/dev/null)"
snmpset "${ADM[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapLunTargetIds.1 \
	x "$(hexid $T1ID)" >/dev/null || fail "set by name as lunmapadmin"
out=$(snmpwalk "${MON[@]}" "${mibs[@]}" 127.0.0.1:$SNMP_PORT LUNMAP-MIB::lunmapObjects)
echo "$out" | has 'LUNMAP-MIB::lunmapSubsystemStatus.0 = INTEGER: online(1)' || fail "walk: $out"
echo "$out" | has 'LUNMAP-MIB::lunmapLunName.1 = STRING: a' || fail "walk: $out"
echo "$out" | has 'LUNMAP-MIB::lunmapAssocRowStatus.1.1 = INTEGER: active(1)' || fail "walk: $out"
[ -f /var/lib/lunmap/state.xml ] || fail "no state in /var/lib/lunmap"
/usr/lib/ocf/resource.d/lunmap/lunmapd meta-data | has '<resource-agent name="lunmapd"' || fail "OCF agent meta-data"
stop_pid $pid

note "purge: nothing left behind"
purge || fail "apt-get purge: $(tail -20 apt-purge.log)"
trap - EXIT
! dpkg-query -W -f='${Status}' lunmap 2>/dev/null | has installed || fail "still installed"
left=
while read -r f; do
	[ -d "$f" ] && continue # shared folders (/usr/sbin, the /lib link ...) stay
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <files.list
for d in /etc/lunmap /var/lib/lunmap /usr/share/lunmap /usr/lib/ocf/resource.d/lunmap /usr/share/doc/lunmap \
	/etc/systemd/system/multi-user.target.wants/lunmapd.service; do
	[ -e "$d" ] || [ -L "$d" ] && left="$left $d"
done
[ -z "$left" ] || fail "left after purge:$left"
echo "deb: all checks passed"
