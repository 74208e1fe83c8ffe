#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crash trials and random SET PDUs against a real snmpd + tgtd + lunmapd.

Run by tests/e2e/crash.sh and tests/e2e/random_pdus.sh, which start tgtd
and snmpd with tests/harness/lib.sh and write the inventory; this file
starts (and kill -9s) lunmapd itself and records every lunmapd it starts
in $E2E_PIDS, so that the harness stops what a failure leaves behind.

The model here is independent of lunmapd: the sets each LUN must have
follow from the PDUs sent and their answers alone (design §1, §5), and
the truth is read from three places that must agree with it and with
each other: the SNMP view (a bulk walk through snmpd), the state folder
(state.xml and the records of state.journal, read by this file), and
tgtd's own listing (tgtadm --op show --mode target).

  trials.py crash N   kill -9 lunmapd between stack steps (through the
                      tgtadm wrapper named in the inventory) or at a random
                      moment, restart it on the same state folder, check
  trials.py pdus N    random multi-varbind PDUs, valid and invalid; after
                      each one the model, the view, the state and tgtd agree
  trials.py bulk N    one PDU of N LU additions (N/3 LUNs on 3 targets) and
                      back, on a real tgtd: applied whole inside the
                      master's timeout; 1000 additions in one PDU; the same
                      PDU when tgtd slows down half way: rolled back,
                      commitFailed inside the timeout, nothing changed
  trials.py slow N    N SETs of 1-200 LUN changes through a slowed tgtd
                      socket (random delays per request, 0-400 ms): every
                      answer comes before the master's timeout and tells
                      the truth; GETs are answered meanwhile

TRIALS_SEED repeats a run; TRIALS_SECONDS bounds a long one.

The trials are in the modules next to this one: trials_common.py (the
OIDs, snmpd and lunmapd, the three views, the model and its verdict),
crash_trials.py, random_pdus.py and slow_stack.py (slow, bulk, slowrow).
"""
import sys
import time

from crash_trials import crash_trials
from random_pdus import random_pdus
from slow_stack import bulk_trials, slow_rows, slow_trials
from trials_common import ENV, Failure, log


def main():
    what, n = sys.argv[1], int(sys.argv[2])
    seed = int(ENV.get('TRIALS_SEED') or time.time())
    log('%s: %d, seed %d (TRIALS_SEED=%d repeats it)' % (what, n, seed, seed))
    try:
        stats = crash_trials(n, seed) if what == 'crash' else \
            slow_trials(n, seed) if what == 'slow' else \
            bulk_trials(n, seed) if what == 'bulk' else \
            slow_rows(n, seed) if what == 'slowrow' else random_pdus(n, seed)
    except Failure as e:
        log('FAIL: %s (seed %d)' % (e, seed))
        return 1
    log('%s: passed: %s' % (what, stats))
    return 0


if __name__ == '__main__':
    sys.exit(main())
