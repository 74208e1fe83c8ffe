#!/bin/bash
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
echo "mib: all checks passed"
