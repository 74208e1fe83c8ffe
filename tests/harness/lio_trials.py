#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crash trials of the LIO backend, in the qemu guest of tests/e2e/lio_qemu.sh.

The kernel target's steps are syscalls inside lunmapd (mkdir, write,
symlink, rmdir on configfs), so where tgt's trials wrap tgtadm, lunmapd
runs here under tests/harness/killpoint, which kills it with SIGKILL
before or after its k-th change to configfs or to its state folder, or
fails chosen changes with EIO (the kill then comes during the rollback).
Random kills (a timer in the guest) and kills during recovery, a stack
that lost everything (configfs wiped, as a reboot does) with lunmapd down
or running, and an LU removed by hand and restore(4) complete the trials.

After every restart the truth is read from three places that must agree
with each other and with a model that follows the PDUs' answers alone
(tests/harness/trials_common.py: acknowledged never lost, the interrupted
PDU whole or not at all): the SNMP view (from the host, over TCP), the state
folder (copied out of the guest) and configfs itself, which must show no
half-made part of a step: every lun_N of an inventory target links one of
lunmap's backstores, each backstore is enabled with its LUN's path and
serial and used, every ACL maps every LU. An initiator (libiscsi, from
the host) reads VPD 0x80 and 0x83 of a LUN through each of its targets:
the same serial and LU designators on every target.

The script talks to the guest over the serial command channel that
lio_qemu.sh holds open as fds 7 (to the guest) and 8 (from it).

  lio_trials.py crash N    (TRIALS_SEED repeats a run, TRIALS_SECONDS
                           bounds a long one)
"""
import base64
import os
import random
import select
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_trials as crash  # noqa: E402
import trials_common as common  # noqa: E402
from crash_trials import judge  # noqa: E402
from trials_common import Failure, Model, describe, log, wait_status  # noqa: E402

ENV = os.environ
common.SNMP = 'tcp:127.0.0.1:' + ENV['SNMP_PORT']
C = '/sys/kernel/config/target'
GSTATE = '/tmp/cstate'      # the state folder in the guest
MIRROR = os.path.join(ENV['E2E_TMP'], 'cstate')
INVENTORY = os.path.join(ENV['E2E_TMP'], 'crash.xml')  # as the guest has it
PORTAL = '127.0.0.1:' + ENV['TGT_PORT']
PROBE = os.path.join(ENV.get('top_builddir', ''), 'tests', 'harness', 'iscsi-probe')
INQ_NAME = 'iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-inq'


# ------------------------------------------------------------ the guest
class Guest:
    """One shell command at a time over the serial channel; its output."""

    def __init__(self):
        self.buf, self.n = b'', 0

    def run(self, cmd, timeout=120):
        self.n += 1
        mark = '__lio_trials_%d__' % self.n
        os.write(7, ('%s\necho %s\n' % (cmd, mark)).encode())
        out, deadline = [], time.time() + timeout
        while True:
            while b'\n' in self.buf:
                line, self.buf = self.buf.split(b'\n', 1)
                line = line.decode(errors='replace').rstrip('\r')
                if line == mark:
                    return '\n'.join(out)
                out.append(line)
            left = deadline - time.time()
            if left <= 0:
                raise Failure('the guest did not answer: %s' % cmd)
            if select.select([8], [], [], left)[0]:
                self.buf += os.read(8, 65536)


G = Guest()
# TRIALS_VERBOSE=1: killpoint logs every change to /tmp/kills too
# (a sanitizer build's lunmapd reports to /tmp/crash.stderr; no leak
# check: LeakSanitizer cannot stop the world of a process killpoint
# traces, and says so as a fatal error at every exit. The leaks are
# checked where nothing traces lunmapd: make check's ASan run)
KILLPOINT = ('env ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 '
             'LSAN_OPTIONS=suppressions=/etc/lsan.supp:print_suppressions=0 '
             'UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 '
             '/sbin/killpoint -a /tmp/arm -l /tmp/kills -p /tmp/lunmapd.pid -w %s -w %s%s -- '
             '/sbin/lunmapd -f -Lf /tmp/crash.log -c /etc/crash.xml -s %s'
             % (C, GSTATE, ' -v' if ENV.get('TRIALS_VERBOSE') else '', GSTATE))


def gone_in_guest(pidfile):
    return G.run('p=$(cat %s 2>/dev/null); [ -n "$p" ] && kill -0 $p 2>/dev/null && '
                 '! grep -q "^State:.*Z" /proc/$p/status 2>/dev/null && echo alive || echo gone'
                 % pidfile).strip() == 'gone'


class GuestLunmapd:
    """lunmapd in the guest, under killpoint (detached: init reaps it)."""

    def start(self):
        """True when it answers, False when it died first (killed while it
        settled an interrupted change)."""
        G.run('cat /tmp/crash.log >>/tmp/crash.all.log 2>/dev/null; rm -f /tmp/lunmapd.pid; '
              '(%s </dev/null >>/tmp/crash.stderr 2>&1 & echo $! >/tmp/killpoint.pid)' % KILLPOINT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if gone_in_guest('/tmp/killpoint.pid'):
                return False
            if common.answers():
                return True
            time.sleep(0.1)
        raise Failure('lunmapd does not answer in the guest: %s'
                      % G.run('tail -5 /tmp/crash.log; tail -5 /tmp/crash.stderr'))

    def alive(self):
        return not gone_in_guest('/tmp/lunmapd.pid')

    def kill9(self):
        G.run('kill -9 $(cat /tmp/lunmapd.pid) 2>/dev/null; i=0; while [ $i -lt 200 ]; do '
              'p=$(cat /tmp/killpoint.pid); kill -0 $p 2>/dev/null && '
              '! grep -q "^State:.*Z" /proc/$p/status 2>/dev/null || break; '
              'sleep 0.05; i=$((i + 1)); done')

    def wait_dead(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if not self.alive():
                return True
            time.sleep(0.1)
        return not self.alive()

    def stop(self):
        G.run('kill $(cat /tmp/lunmapd.pid) 2>/dev/null; sleep 1')
        self.kill9()


GEN = [0]


def arm(k, when, fails='', names=''):
    """killpoint kills lunmapd before or after its k-th change (0: never);
    the changes in fails ("3" or "3,5") fail with EIO; with names, only
    the changes of files so named count."""
    GEN[0] += 1
    G.run('echo "%d %d %s %s %s" >/tmp/arm' % (GEN[0], k, when or 'never', fails or '-', names))


def kills_so_far():
    out = G.run('grep -c -v " change " /tmp/kills 2>/dev/null || true').strip()
    return int(out or 0)


# ------------------------------------------------------------ observing
def mirror_state():
    """The guest's state folder, copied to MIRROR."""
    out = G.run('cd %s 2>/dev/null && for f in state.xml state.journal; do '
                '[ -f $f ] && { echo "== $f"; base64 $f; }; done' % GSTATE)
    os.makedirs(MIRROR, exist_ok=True)
    for f in ('state.xml', 'state.journal'):
        p = os.path.join(MIRROR, f)
        if os.path.exists(p):
            os.unlink(p)
    name, chunks = None, {}
    for line in out.splitlines():
        if line.startswith('== '):
            name = line[3:].strip()
            chunks[name] = []
        elif name:
            chunks[name].append(line.strip())
    for name, lines in chunks.items():
        with open(os.path.join(MIRROR, name), 'wb') as f:
            f.write(base64.b64decode(''.join(lines)))


class Inventory:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        ns = '{urn:lunmap:inventory:1}'
        self.inits = {t.get('iqn'): t.get('initiators') for t in root.findall(ns + 'target')}


def tail(path):
    return path.rstrip('/').split('/')[-2:]


def observe_lio(world, inv, lenient=False):
    """configfs, checked for half-made parts; the sets and numbers.
    lenient: a running lunmapd whose step failed may have left what no
    initiator sees (an empty lun_N or mapped LUN, an unused backstore),
    logged, for the next start or restore(4) (docs/reliability.md,
    "Half-made steps")."""
    text = G.run('/bin/lio-guest show')
    tg, lus, acls, maps, bss = {}, {}, {}, {}, {}
    for line in text.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == 'T':
            tg[w[1]] = dict(x.split('=', 1) for x in w[2:])
        elif w[0] == 'L':
            lus[(w[1], int(w[2]))] = w[3]
        elif w[0] == 'A':
            acls.setdefault(w[1], set()).add(w[2])
        elif w[0] == 'M':
            maps[(w[1], w[2], int(w[3]))] = (w[4], w[5])
        elif w[0] == 'B':
            bss[w[1]] = dict(x.split('=', 1) for x in w[2:])
        else:
            raise Failure('configfs listing: %r' % line)
    where = '\n' + text
    lun_of_hex = {v[0].lower(): k for k, v in world.luns.items()}
    sets = {l: set() for l in world.luns}
    nums, users = {}, {}
    for iqn in tg:
        if iqn not in world.tindex_of_iqn:
            raise Failure('configfs has a target lunmap does not know: %s%s' % (iqn, where))
    for t, (_, iqn) in world.targets.items():
        a = tg.get(iqn)
        if a is None:
            raise Failure('configfs: target %s is missing%s' % (iqn, where))
        named = inv.inits[iqn] != 'ALL'
        want = {'enable': '1', 'auth': '0', 'gen': '0' if named else '1'}
        if not named:
            want['dwp'] = '0'
        for k, v in want.items():
            if a.get(k) != v:
                raise Failure('configfs: target %s has %s=%s, not %s (half made?)%s'
                              % (iqn, k, a.get(k), v, where))
        if PORTAL not in a.get('np', '').split(','):
            raise Failure('configfs: target %s has no portal %s%s' % (iqn, PORTAL, where))
        if named:
            for i in inv.inits[iqn].split(','):
                if i not in acls.get(iqn, set()):
                    raise Failure('configfs: target %s has no ACL for %s%s' % (iqn, i, where))
    for (iqn, n), link in lus.items():
        t = world.tindex_of_iqn[iqn]
        if link == '-':
            if lenient:
                LEFT[0] += 1
                continue
            raise Failure('configfs: %s lun_%d links no backstore (half made)%s' % (iqn, n, where))
        hba, name = tail(link)
        if not name.startswith('lm-') or name[3:] not in lun_of_hex:
            raise Failure('configfs: %s lun_%d links %s, not one of lunmap\'s%s'
                          % (iqn, n, link, where))
        l = lun_of_hex[name[3:]]
        if t in sets[l]:
            raise Failure('configfs: LUN %d twice on %s%s' % (l, iqn, where))
        sets[l].add(t)
        nums[(l, t)] = n
        users.setdefault(hba + '/' + name, []).append((iqn, n))
        if inv.inits[iqn] != 'ALL':
            for i in inv.inits[iqn].split(','):
                m = maps.get((iqn, i, n))
                if not m or tail(m[0])[1] != 'lun_%d' % n:
                    raise Failure('configfs: %s lun_%d is not mapped for %s (%s)%s'
                                  % (iqn, n, i, m, where))
    for (iqn, i, n), (link, _) in maps.items():
        if (iqn, n) not in lus or link == '-' or lus[(iqn, n)] == '-':
            if lenient and link == '-':
                LEFT[0] += 1
                continue
            raise Failure('configfs: ACL %s of %s maps lun_%d, %s (half made)%s'
                          % (i, iqn, n, link, where))
    for bs, a in bss.items():
        name = bs.split('/')[1]
        if not name.startswith('lm-'):
            raise Failure('configfs: a backstore lunmap did not make: %s%s' % (bs, where))
        if bs not in users:
            if lenient and a.get('ports') == '0':
                LEFT[0] += 1
                continue
            raise Failure('configfs: backstore %s is left with no LU (keep-backstores is '
                          'false)%s' % (bs, where))
        l = lun_of_hex.get(name[3:])
        if l is None:
            raise Failure('configfs: backstore %s is no inventory LUN\'s%s' % (bs, where))
        if a.get('enable') != '1' or a.get('udev') != world.luns[l][1] or \
                a.get('serial', '').lower() != name[3:]:
            raise Failure('configfs: backstore %s is half made: %s%s' % (bs, a, where))
        if a.get('ports') and a['ports'] != str(len(users[bs])):
            raise Failure('configfs: backstore %s exported %s times, %d LUs link it%s'
                          % (bs, a['ports'], len(users[bs]), where))
    for bs in users:
        if bs not in bss:
            raise Failure('configfs: LUs link %s, which is not there%s' % (bs, where))
    return {l: frozenset(s) for l, s in sets.items()}, nums, text


LEFT = [0]  # leftovers nobody sees, tolerated while lunmapd runs
SLOW_WALKS = [0]


def observe_view(world):
    """The SNMP view; a walk that got no answer in time (the guest runs
    under TCG on a shared host) is said in the log with what the guest
    was doing, and tried once more."""
    try:
        return common.observe_view(world)
    except Failure as e:
        if 'walk failed' not in str(e) or not GuestLunmapd().alive():
            raise
        SLOW_WALKS[0] += 1
        log('a walk got no answer in time (%s); the guest:\n%s' % (str(e).strip(), G.run(
            'uptime; ps | grep -e lunmapd -e snmpd -e killpoint | grep -v grep; '
            'tail -5 /tmp/snmpd.log; tail -5 /tmp/crash.log')))
        time.sleep(5)
        return common.observe_view(world)


def observe(world, inv, lenient=False):
    """The three views, checked against each other: one truth."""
    view = observe_view(world)
    mirror_state()
    return common.one_truth(world, view, common.observe_state(world, MIRROR),
                            observe_lio(world, inv, lenient),
                            'configfs', lambda: ': ' + common.sget(common.ERR_TEXT))


def settle_sessions():
    """LIO ends a session a while after the initiator's logout (slowly
    under TCG); a session left makes the in-use guard refuse a removal."""
    deadline = time.time() + 60
    while G.run('/bin/lio-guest sessions').strip():
        if time.time() > deadline:
            raise Failure('sessions stay: %s' % G.run('/bin/lio-guest sessions'))
        time.sleep(0.3)


def identity_sample(world, rng, sets, nums, stats):
    """One LUN through each of its targets: VPD 0x80 is its id in hex,
    and 0x83's LU designators (T10 vendor id, NAA) are the same on every
    target, the NAA the one lunmapLunNaa shows (design §2)."""
    luns = [l for l in sorted(sets) if sets[l] and all(nums[(l, t)] < 256 for t in sets[l])]
    if not luns:
        return
    l = rng.choice(luns)
    seen = None
    for t in sorted(sets[l]):
        sn = common.inq_serial(world, l, t, nums[(l, t)])
        if sn != world.luns[l][0]:
            raise Failure('iscsi-inq: LUN %d on target %d has serial %s, want %s'
                          % (l, t, sn, world.luns[l][0]))
        if os.access(PROBE, os.X_OK):
            url = 'iscsi://%s/%s/%d' % (PORTAL, world.targets[t][1], nums[(l, t)])
            out = ''
            for _ in range(2):
                rc, out = common.run([PROBE, 'vpd83', url])
                if rc == 0:
                    break
            lu = sorted(x for x in out.split('\n') if x.split(' ')[:1] in (['1'], ['3']))
            if not lu:
                raise Failure('VPD 0x83 of LUN %d on target %d: %s' % (l, t, out))
            if seen is not None and lu != seen:
                raise Failure('VPD 0x83 of LUN %d differs between targets: %s / %s'
                              % (l, seen, lu))
            seen = lu
    if seen is not None:
        naa = common.hexval(common.sget('%s.%d' % (common.LUN_NAA, l), opts=('-Ox',)).strip())
        if not any(x.startswith('3 1 ') and x.split()[2].upper() == naa for x in seen):
            raise Failure('LUN %d: no NAA designator %s in VPD 0x83 %s' % (l, naa, seen))
    stats['inq'] += 1
    settle_sessions()


# ------------------------------------------------------------ trials
def refused_alive(world, inv, model, status, out, vbs, mode, stats, two_failures):
    """A valid PDU refused while lunmapd runs: when a change was made to
    fail (undo mode), the master gave up waiting (genError), or the steps
    stopped in time on a slow guest (commitFailed, ERROR_TIMEOUT); it must
    have changed nothing. undoFailed: cacheCorrupt with the reason, cured
    by restore(4), as is a rollback that went on after the answer and
    failed there."""
    tail = common.wait_rollback()
    if status == 'undoFailed' or tail not in (None, '0'):
        crash.observe = lambda w, s: observe(w, inv)
        crash.arm = lambda k, when, fail=0: arm(k, when, str(fail or ''))
        return crash.undo_failed(world, MIRROR, model, out, vbs, stats, two_failures)
    if mode != 'undo' and status != 'genError' and not crash.stopped_in_time(status):
        raise Failure('valid PDU refused while lunmapd runs: %s\n%s' % (describe(vbs), out))
    crash.changed_nothing(observe(world, inv, lenient=True)[0], model, status, vbs)
    key = 'master_timeouts' if status == 'genError' else 'rolled_back'
    stats[key] = stats.get(key, 0) + 1


def restore(stats, key):
    for _ in range(5):
        status, out = common.snmpset([(common.REFRESH, 'i', '4')])
        if status == 'noError':
            stats[key] = stats.get(key, 0) + 1
            return
        time.sleep(0.5)
    raise Failure('restore(4) refused: %s' % out)


def hand_removal(world, inv, model, d, rng, stats, trial):
    """An LU removed by hand (targetcli's way: its mappings, the link, the
    folder) is drift at the next check; restore(4) puts it back, and when
    lunmapd is killed in the middle of that, the next start does."""
    (l, t), n = rng.choice(sorted(model.nums.items()))
    G.run('/bin/lio-guest unlu %s %d' % (world.targets[t][1], n))
    if not wait_status('2', 20):
        raise Failure('trial %d: an LU removed by hand is not drift' % trial)
    k = rng.randint(1, 4) if rng.random() < 0.5 else 0
    arm(k, rng.choice(['before', 'after']))
    crash.removed_by_hand(lambda: observe(world, inv), model, d, arm, k, stats, trial,
                          (n, world.targets[t][1]), wait=False)


def live_wipe(world, inv, model, d, rng, stats):
    """configfs emptied under a running lunmapd (the target modules
    reloaded): the drift check re-applies everything (design §4). A check
    that saw the wipe half done finds drift instead: restore(4) cures it.
    False when killpoint killed lunmapd during the re-apply."""
    k = rng.randint(1, 12) if rng.random() < 0.5 else 0
    arm(k, rng.choice(['before', 'after']))
    G.run('/bin/lio-guest wipe')

    def failed(e):
        # whichever check failed first (configfs is read before the
        # status): a check that saw the wipe half done says cacheCorrupt
        if wait_status('2', 0.1):
            arm(0, '')
            restore(stats, 'live_partial_restores')
    if not crash.reapplied(d, lambda: observe(world, inv), model, 40, 0.5,
                           'configfs emptied under lunmapd', failed):
        return False
    stats['live_reapplies'] += 1
    return True


MODES = (ENV.get('TRIALS_MODES') or 'before after before after random undo saved').split()


def crash_trials(n, seed):
    rng = random.Random(seed)
    inv = Inventory(INVENTORY)
    d = GuestLunmapd()
    arm(0, '')
    if not d.start():
        raise Failure('lunmapd died at its first start')
    mirror_state()
    world = common.World(MIRROR)
    sets, nums = observe(world, inv)
    model = Model(world, sets, nums)
    stats = {'trials': 0, 'acked': 0, 'interrupted': 0, 'interrupted_applied': 0,
             'step_kills': 0, 'undo_kills': 0, 'save_kills': 0, 'random_kills': 0, 'idle_kills': 0,
             'recovery_kills': 0, 'inq': 0, 'wipes': 0, 'live_reapplies': 0,
             'reapply_kills': 0, 'restores': 0, 'restore_kills': 0}
    kmax = int(ENV.get('TRIALS_KMAX') or 40)

    def sample(sets, nums):
        if rng.random() < float(ENV.get('TRIALS_INQ') or 0.5):
            identity_sample(world, rng, sets, nums, stats)
    t0 = time.time()
    for trial in range(1, n + 1):
        if common.out_of_time(t0):
            log('crash: time budget spent after %d trials' % (trial - 1))
            break
        if rng.random() < float(ENV.get('TRIALS_LIVE') or 0.03):
            if not live_wipe(world, inv, model, d, rng, stats):
                stats['reapply_kills'] += 1
                crash.start_disarmed(d, arm, trial)
                judge(lambda: observe(world, inv), model, None, stats,
                      lambda e: 'trial %d: killed in a live re-apply, restarted: %s' % (trial, e))
            arm(0, '')
        if model.nums and rng.random() < float(ENV.get('TRIALS_RESTORE') or 0.04):
            hand_removal(world, inv, model, d, rng, stats, trial)
        mode = rng.choice(MODES)
        k = rng.randint(1, kmax) if mode != 'random' else 0
        two_failures = mode == 'undo' and rng.random() < 0.25
        if two_failures:
            # the f-th change fails and so does the g-th (often the step's
            # own clean-up, or a step of the rollback): undoFailed
            f = rng.randint(1, kmax // 2)
            k = 0
            arm(0, 'never', '%d,%d' % (f, f + rng.randint(1, 6)))
            stats['two_failures'] = stats.get('two_failures', 0) + 1
        elif mode == 'undo':
            f = rng.randint(1, kmax // 2)
            k = f + rng.randint(1, 8)
            arm(k, rng.choice(['before', 'after']), str(f))
        elif mode == 'saved':
            # killed right after a save (a journal record or a new
            # snapshot), before snmpd has the answer
            k = 1
            arm(1, 'after', '', 'state.journal,state.xml')
        else:
            arm(k, mode)
        kills0 = kills_so_far()
        if mode == 'random':
            G.run('((sleep %.2f; kill -9 $(cat /tmp/lunmapd.pid)) </dev/null >/dev/null 2>&1 & '
                  'echo $! >/tmp/timer.pid)' % rng.uniform(0, 1.5))
        pending, history = crash.send_pdus(d, model, rng, stats, lambda status, out, vbs: refused_alive(
            world, inv, model, status, out, vbs, mode, stats, two_failures))
        if mode == 'random':
            G.run('kill $(cat /tmp/timer.pid) 2>/dev/null; true')
        crash.count_kill(d, mode, stats, lambda: {'undo': 'undo_kills', 'saved': 'save_kills'}.get(
            mode, 'step_kills') if kills_so_far() > kills0 else None)
        # sometimes the host rebooted too: LIO forgets everything, start-up
        # restores the state
        if rng.random() < float(ENV.get('TRIALS_WIPE') or 0.08):
            G.run('/bin/lio-guest wipe')
            stats['wipes'] += 1
        crash.restart(d, arm, kills_so_far, rng, pending, stats, trial, 6, 'killpoint')
        sets, nums = judge(lambda: observe(world, inv), model, pending, stats,
                           lambda e: 'trial %d (%s, k=%d): %s\nPDUs: %s\n(guest: /tmp/crash.all.log, '
                           '/tmp/kills)' % (trial, mode, k, e, history), sample)
        model.sets, model.nums = dict(sets), dict(nums)
        stats['trials'] += 1
        if trial % 25 == 0 or trial == n:
            log('crash: %d trials in %.0f s: %s' % (trial, time.time() - t0, stats))
    d.stop()
    stats['leftovers_seen_running'] = LEFT[0]
    stats['walks_retried'] = SLOW_WALKS[0]
    return stats


def main():
    what, n = sys.argv[1], int(sys.argv[2])
    seed = int(ENV.get('TRIALS_SEED') or time.time())
    log('lio %s: %d, seed %d (TRIALS_SEED=%d repeats it)' % (what, n, seed, seed))
    try:
        stats = crash_trials(n, seed)
    except Failure as e:
        log('FAIL: %s (seed %d)' % (e, seed))
        try:
            log('--- guest: lunmapd log, kills\n' + G.run(
                'tail -30 /tmp/crash.all.log; tail -30 /tmp/crash.log; tail -5 /tmp/kills'))
        except Failure:
            pass
        return 1
    if ENV.get('TRIALS_VERBOSE'):
        log('--- guest: every change\n' + G.run('cat /tmp/kills'))
    log('lio %s: passed: %s' % (what, stats))
    return 0


if __name__ == '__main__':
    sys.exit(main())
