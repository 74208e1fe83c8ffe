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
	".1.3.6.1.4.1.8072.9999.9999.3260.1.2.1.7" ] || fail "lunmapLunTargetIds moved"
[ "$(snmptranslate -M "$dirs" -m LUNMAP-MIB -On LUNMAP-MIB::lunmapCacheOutOfSync)" = \
	".1.3.6.1.4.1.8072.9999.9999.3260.0.3" ] || fail "lunmapCacheOutOfSync moved"
# the objects added after design §5's fixed numbers
for pair in lunmapSpinLock:1.1.10 lunmapSubsystemForce:1.1.11 lunmapStackReapplyCount:1.1.12 \
	lunmapLastErrorLun:1.1.13 lunmapLunSerial:1.2.1.10 lunmapLunNaa:1.2.1.11 \
	lunmapCacheInSync:0.4 lunmapStackReapplied:0.5 lunmapActionStepsDone:1.1.14 \
	lunmapActionSteps:1.1.15 lunmapActionResult:1.1.16 lunmapActionText:1.1.17 \
	lunmapActionCompleted:0.6; do
	[ "$(snmptranslate -M "$dirs" -m LUNMAP-MIB -On "LUNMAP-MIB::${pair%%:*}")" = \
		".1.3.6.1.4.1.8072.9999.9999.3260.${pair#*:}" ] || fail "${pair%%:*} is not at ${pair#*:}"
done
note "the display hints: HRESULTs in hex, GUID lists 32 digits an id"
snmptranslate -M "$dirs" -m LUNMAP-MIB -Td LUNMAP-MIB::lunmapLastErrorCode | has 'DISPLAY-HINT.*"x"' ||
	fail "lunmapLastErrorCode is not shown in hex"
snmptranslate -M "$dirs" -m LUNMAP-MIB -Td LUNMAP-MIB::lunmapLunTargetIds | has 'DISPLAY-HINT.*"16x "' ||
	fail "lunmapLunTargetIds has no GUID list hint"
snmptranslate -M "$dirs" -m LUNMAP-MIB -Td LUNMAP-MIB::lunmapTargetIqn | has '(0\.\.223)' ||
	fail "lunmapTargetIqn is not sized like IscsiName"
echo "mib: all checks passed"
