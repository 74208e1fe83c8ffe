#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Crash trials (design §3 "Intent", §5 "one SET PDU is one transaction"):
# a private tgtd + snmpd + lunmapd (tgt backend, 4 LUNs x 4 targets),
# random SET PDUs (whole sets and rows, several LUNs per PDU), and
# lunmapd killed with SIGKILL exactly between two stack steps or at a
# random moment; restarted on the same state folder, then every
# acknowledged change is there, the interrupted PDU is there whole or not
# at all, and the SNMP view, the state files and tgtd's own listing agree
# with an independent model, one serial per LUN on every target. Now and
# then tgtd restarts empty: with lunmapd down (start-up restores the state)
# or under a running lunmapd (its drift check re-applies everything).
#
# No hook in lunmapd: the inventory's tgtadm is a wrapper that counts the
# calls that change tgtd and kills lunmapd (its parent) before or after
# the k-th one. tests/harness/trials.py drives the trials.
#
# CRASH_TRIALS=N (default 30) for a long run; TRIALS_SEED=S repeats one.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpbulkwalk iscsi-inq python3
cd "$E2E_TMP"

start_tgtd_snmpd
mkdir -p lun wrap
for i in 1 2 3 4; do truncate -s "${i}M" "lun/l$i.img"; done

cat >wrap/tgtadm <<SH
#!/bin/bash
# tgtadm for the crash trials: passes everything to $TGTADM; when armed
# ("K before|after [F]" in wrap/arm), kills its parent lunmapd with SIGKILL
# before or after the K-th call that changes tgtd, and fails the F-th one
# as tgtd would (so that the kill comes during the rollback); F may be a
# list "F,G": G is then a step of the rollback, which fails too.
case " \$* " in
*" --op new "* | *" --op delete "* | *" --op update "* | *" --op bind "*)
	if [ -s "$E2E_TMP/wrap/arm" ]; then
		read -r k when f <"$E2E_TMP/wrap/arm"
		n=\$(( \$(cat "$E2E_TMP/wrap/count") + 1 ))
		echo \$n >"$E2E_TMP/wrap/count"
		case ",\$f," in *",\$n,"*)
			echo "tgtadm: out of memory" >&2
			exit 22 ;;
		esac
		if [ "\$n" = "\$k" ]; then
			: >"$E2E_TMP/wrap/arm"
			echo "\$PPID \$when \$*" >>"$E2E_TMP/wrap/kills"
			[ "\$when" = after ] || { kill -9 \$PPID; exit 1; }
			"$TGTADM" "\$@"; rc=\$?
			kill -9 \$PPID
			exit \$rc
		fi
	fi ;;
esac
exec "$TGTADM" "\$@"
SH
chmod +x wrap/tgtadm
: >wrap/arm
echo 0 >wrap/count

# transport="tgtadm": every stack step is a tgtadm process the wrapper
# sees. CRASH_TRANSPORT=socket runs the trials on tgtd's socket (the
# default transport) with the kills that need no wrapper: random, saved.
# timeout-ms: a step is a bash wrapper and a tgtadm on a shared host, and
# 12 steps x 400 ms stay inside the 5 s lunmapd allows a SET.
transport=
if grep -q 'transport' "$top_srcdir/data/lunmap.rng"; then
	transport=${CRASH_TRANSPORT:-tgtadm}
	[ "${CRASH_TRANSPORT:-tgtadm}" = tgtadm ] || export TRIALS_MODES=${TRIALS_MODES:-random saved}
fi
write_inventory inv.xml crash max-targets-per-lun=4 \
	backend tgtadm="$E2E_TMP/wrap/tgtadm" check-interval=2 timeout-ms=400 transport=$transport \
	targets 4 iqn=iqn.2026-11.org.example.crash:t% alias=t% initiators=ALL \
	luns 4 name=l% path="$E2E_TMP/lun/l%.img"

run_trials crash "${CRASH_TRIALS:-30}" 4 "crash trials"
