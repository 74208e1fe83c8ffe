# SPDX-License-Identifier: BSD-3-Clause
"""The slow-stack and bulk trials (trials.py slow N, bulk N, slowrow N).

SlowProxy stands between lunmapd and tgtd's management socket and
delays each request; GetWatch polls a scalar meanwhile. slow_trials
(tests/e2e/slow_stack.sh): SETs of 1-200 LUN changes through the slowed
socket, every answer before the master's AgentX timeout and true, GETs
answered all along. bulk_trials (tests/e2e/bulk.sh): one PDU of many LU
additions and back, applied whole or stopped in time, and the same PDU
when tgtd slows down half way. slow_rows: bench/run's slow-stack row.
"""
import os
import random
import socket
import struct
import threading
import time

from trials_common import (ENV, ERR_TEXT, LUN_IDS, REFRESH, SNMP, STATUS, TMP, Failure,
                           Lunmapd, Model, World, apply, bigset, first_start, log, observe,
                           out_of_time, rollback_failed, run, sget, snmpset, valid_pdu,
                           wait_action, wait_rollback)

# ------------------------------------------------------------ slow stack
AGENTX_TIMEOUT = 5.0  # seconds: what lunmapd registers with the master


class SlowProxy(threading.Thread):
    """tgtd's management socket as lunmapd sees it, slowed: requests (one
    per connection) are taken one at a time in the order they came, as
    tgtd does, and each waits a random 0..max_ms before it reaches tgtd.
    A request whose client gave up still reaches tgtd, as one in tgtd's
    own socket would: the stack may carry out what lunmapd took as not
    done."""

    def __init__(self, real, path, seed):
        super().__init__(daemon=True)
        self.real, self.path = real, path
        self.rng = random.Random(seed)
        self.max_ms = 0
        # slow down half way: after `fast` more requests, each waits slow_ms
        self.fast, self.slow_ms = None, 0
        self.busy = 0  # requests accepted and not yet answered
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(256)

    @staticmethod
    def read_exact(c, n):
        b = b''
        while len(b) < n:
            k = c.recv(n - len(b))
            if not k:
                return None
            b += k
        return b

    def one(self, c):
        hdr = self.read_exact(c, 120)
        if hdr is None:
            return
        total = struct.unpack_from('=I', hdr, 72)[0]
        body = self.read_exact(c, total - 120) if total > 120 else b''
        if body is None:
            return
        ms = self.rng.randint(0, self.max_ms) if self.max_ms else 0
        if self.fast is not None:
            if self.fast > 0:
                self.fast -= 1
            else:
                ms = self.slow_ms
        time.sleep(ms / 1000.0)
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(self.real)
        up.sendall(hdr + body)
        rsp = self.read_exact(up, 8)
        if rsp is not None:
            rlen = struct.unpack_from('=I', rsp, 4)[0]
            rsp += self.read_exact(up, rlen - 8) or b''
        up.close()
        try:
            c.sendall(rsp or b'')
        except OSError:
            pass  # lunmapd gave up on it

    def run(self):
        while True:
            c, _ = self.sock.accept()
            with self.lock:
                self.busy += 1
            try:
                self.one(c)
            except OSError:
                pass
            finally:
                c.close()
                with self.lock:
                    self.busy -= 1

    def drain(self, seconds=30):
        """Fast again, and every request lunmapd sent has reached tgtd."""
        self.max_ms = 0
        deadline = time.time() + seconds
        time.sleep(0.05)
        while self.busy or self.pending():
            if time.time() > deadline:
                raise Failure('the slow socket did not drain')
            time.sleep(0.05)
        self.slow_ms = 0

    def pending(self):
        # connections in the listen backlog: poll says readable
        import select
        return bool(select.select([self.sock], [], [], 0)[0])


class GetWatch(threading.Thread):
    """A manager polling a scalar all along: the longest wait for an
    answer, and how many never came within the master's timeout."""

    def __init__(self):
        super().__init__(daemon=True)
        self.longest, self.late, self.gets, self.stop = 0.0, 0, 0, False

    def run(self):
        while not self.stop:
            t0 = time.time()
            rc, out = run(['snmpget', '-v2c', '-c', 'public', '-t', str(int(AGENTX_TIMEOUT) + 2),
                           '-r', '0', SNMP, STATUS])
            took = time.time() - t0
            self.gets += 1
            self.longest = max(self.longest, took)
            if rc != 0 or took >= AGENTX_TIMEOUT:
                self.late += 1
            time.sleep(0.2)


def slow_settle(world, state_dir, proxy):
    """After a SET: every request lunmapd sent has reached tgtd; a
    rollback that went on after the answer has ended; an offline
    subsystem (take-backs waiting) comes online by itself (its next drift
    check sends them); then the three views agree. The status, and the
    rollback's result (None: none ran)."""
    proxy.drain()
    tail = wait_rollback()
    proxy.drain()
    deadline = time.time() + 30
    while True:
        st = sget(STATUS, opts=('-t', '2', '-r', '1')).strip()
        if st != '3':
            return st, tail
        if time.time() > deadline:
            raise Failure('offline for 30 s after the stack answered again')
        time.sleep(0.2)


def slowed_lunmapd(seed, state_dir):
    """lunmapd speaking to tgtd through a SlowProxy (started): both."""
    real = '/var/run/tgtd/socket.%s' % ENV['TGT_CTL']
    os.makedirs(os.path.join(TMP, 'slow'), exist_ok=True)
    base = os.path.join(TMP, 'slow', 'sock')
    proxy = SlowProxy(real, '%s.%s' % (base, ENV['TGT_CTL']), seed)
    proxy.start()
    d = Lunmapd(ENV['INVENTORY'], state_dir)
    d.env['TGT_IPC_SOCKET'] = base  # lunmapd's tgtd is the slowed one
    if not d.start():
        raise Failure('lunmapd died at start')
    return d, proxy


def slow_trials(n, seed):
    rng = random.Random(seed)
    state_dir = os.path.join(TMP, 'state')
    d, proxy = slowed_lunmapd(seed, state_dir)
    world = World(state_dir)
    sets, nums = observe(world, state_dir)
    model = Model(world, sets, nums)
    watch = GetWatch()
    watch.start()
    stats = {'sets': 0, 'applied': 0, 'rolled_back': 0, 'refused': 0, 'undo_failed': 0,
             'offline_after': 0, 'late': 0, 'changes': 0, 'longest_answer': 0.0}
    t0 = time.time()
    for i in range(1, n + 1):
        if out_of_time(t0):
            log('slow: time budget spent after %d SETs' % (i - 1))
            break
        proxy.max_ms = rng.choice([0, 10, 50, 100, 200, 400])
        k = rng.randint(1, min(200, len(world.luns)))
        vbs, new, asked = valid_pdu(model, rng, k)
        status, out, took = bigset(vbs)
        stats['longest_answer'] = max(stats['longest_answer'], round(took, 2))
        stats['sets'] += 1
        stats['changes'] += len(new)
        try:
            if not d.alive():
                raise Failure('lunmapd died')
            if took >= AGENTX_TIMEOUT or status in ('genError', 'Timeout', 'failed'):
                raise Failure('answered after %.2f s (%s): the master gives up after %.0f s'
                              % (took, status, AGENTX_TIMEOUT))
            st, tail = slow_settle(world, state_dir, proxy)
            if tail is not None:
                stats['rollbacks_after'] = stats.get('rollbacks_after', 0) + 1
                if status != 'commitFailed':
                    raise Failure('a rollback ran after a SET answered %s' % status)
            if status == 'commitFailed' and st == '2':
                # only a rollback after the answer that failed there may
                # leave cacheCorrupt (it may have ended before it was
                # waited for): the truth, as for undoFailed
                if not rollback_failed():
                    raise Failure('commitFailed, but the subsystem is cacheCorrupt')
                stats['rollbacks_after_failed'] = stats.get('rollbacks_after_failed', 0) + 1
                status = 'undoFailed'
            if st == '3':
                stats['offline_after'] += 1
            if status == 'noError':
                apply(model, new, asked)
                stats['applied'] += 1
            elif status == 'undoFailed':
                if st != '2':
                    raise Failure('undoFailed, but the status is %s' % st)
                status2, out2 = snmpset([(REFRESH, 'i', '4')])
                if status2 != 'noError':
                    raise Failure('restore(4) refused: %s' % out2)
                result, text = wait_action()
                if result != '0':
                    raise Failure('restore(4) failed: %s %s' % (result, text))
                stats['undo_failed'] += 1
            elif status in ('commitFailed', 'resourceUnavailable'):
                stats['rolled_back' if status == 'commitFailed' else 'refused'] += 1
            else:
                raise Failure('a valid SET answered %s: %s' % (status, out))
            sets, nums = observe(world, state_dir)
            for l in world.luns:
                if sets[l] != model.sets[l]:
                    raise Failure('LUN %d has %s, the model %s (the SET answered %s)'
                                  % (l, sorted(sets[l]), sorted(model.sets[l]), status))
            model.nums = dict(nums)
        except Failure as e:
            raise Failure('SET %d (%d LUNs, delays up to %d ms, %.2f s, %s): %s\n%s'
                          % (i, len(new), proxy.max_ms, took, status, e, out.strip()[:300]))
        if i % 50 == 0 or i == n:
            log('slow: %d in %.0f s: %s; GETs %d, longest %.2f s, late %d'
                % (i, time.time() - t0, stats, watch.gets, watch.longest, watch.late))
    watch.stop = True
    watch.join()
    if watch.late:
        raise Failure('%d of %d GETs were not answered within %.0f s (longest %.2f s)'
                      % (watch.late, watch.gets, AGENTX_TIMEOUT, watch.longest))
    stats['gets'], stats['longest_get'] = watch.gets, round(watch.longest, 2)
    d.stop()
    return stats


def bulk_pdu(world, luns, targets):
    """Each of the LUNs on all of the targets: one whole set each."""
    ids = ''.join(world.targets[t][0] for t in targets)
    return [('%s.%d' % (LUN_IDS, l), 'x', ids) for l in luns], \
        {l: frozenset(targets) for l in luns}


def expect_view(world, state_dir, model, what):
    sets, nums = observe(world, state_dir)
    for l in world.luns:
        if sets[l] != model.sets[l]:
            raise Failure('%s: LUN %d has %s, the model %s'
                          % (what, l, sorted(sets[l]), sorted(model.sets[l])))
    model.nums = dict(nums)
    return sum(len(v) for v in sets.values())


def bulk_trials(n, seed):
    """Bulk changes: one PDU is one transaction whatever its size, and its
    answer comes within the master's timeout. lunmapd speaks to tgtd
    itself, then through a socket that slows down half way."""
    state_dir = os.path.join(TMP, 'state')
    d, world, model = first_start(state_dir)
    luns = sorted(world.luns)
    targets = sorted(world.targets)
    stats = {}
    proxy = None

    def undo_failed(name):
        # a host so loaded that the rollback took more than its margin over
        # what the steps measured: cacheCorrupt, and restore(4) puts the
        # recorded state back
        wait_rollback()  # one that went on after the answer ends first
        st = sget(STATUS).strip()
        if st != '2':
            raise Failure('%s: undoFailed, but the status is %s' % (name, st))
        if bigset([(REFRESH, 'i', '4')])[0] != 'noError' or wait_action()[0] != '0':
            raise Failure('%s: undoFailed, and restore(4) failed' % name)
        stats[name + ' undoFailed, restored'] = stats.get(name + ' undoFailed, restored', 0) + 1

    def one(name, vbs, new, want, tries=1):
        for attempt in range(tries):
            status, out, took = bigset(vbs)
            if proxy:
                proxy.drain()
            tail = wait_rollback() if status == 'commitFailed' else None
            if tail not in (None, '0'):
                # the rollback that went on after the answer failed:
                # the truth is cacheCorrupt, as for undoFailed
                status = 'undoFailed'
            # retried: a try stopped in time (or its rollback outran its
            # budget) on a loaded host; anything else is the answer
            if attempt == tries - 1 or status not in ('commitFailed', 'undoFailed'):
                break
            if status == 'undoFailed':
                # the rollback of a try outran its budget on a loaded
                # host: the truth (cacheCorrupt), cured before the next
                undo_failed(name)
            # a loaded host: the steps stopped in time and nothing changed
            # (checked), and the PDU is sent again
            expect_view(world, state_dir, model, '%s (%s after %.2f s)' % (name, status, took))
            stats[name + ' stopped'] = stats.get(name + ' stopped', 0) + 1
        if status == 'undoFailed' and 'undoFailed' in want.split('|'):
            undo_failed(name)
        elif status not in want.split('|'):
            raise Failure('%s: %s, wanted %s\n%s' % (name, status, want, out))
        if status == 'commitFailed':
            text = sget(ERR_TEXT)
            if 'nothing changed' not in text and 'after this answer' not in text:
                raise Failure('%s: commitFailed does not say nothing changed or that the '
                              'rollback goes on: %s' % (name, text))
            stats[name + ' why'] = text.strip()[:160]
        if took >= AGENTX_TIMEOUT:
            raise Failure('%s: answered after %.2f s' % (name, took))
        if status == 'noError':
            apply(model, new, {})
        stats['took ' + name] = took
        stats[name] = '%s in %.2f s, %d associations' % (
            status, took, expect_view(world, state_dir, model, name))
        return out

    k = n // 3
    big = min(len(luns), 250)
    # how fast this tgtd makes and takes away LUs now (a loaded two-core
    # host, an ASan build: several times slower than a quiet one): 30
    # additions and their removal, timed as the manager sees them
    probe = luns[:10]
    vbs, new = bulk_pdu(world, probe, targets[:3])
    one('30 additions (pace)', vbs, new, 'noError', 3)
    vbs, new = bulk_pdu(world, probe, [])
    one('30 removals (pace)', vbs, new, 'noError', 3)
    step_ms = 1000.0 * max(stats['took 30 additions (pace)'],
                           stats['took 30 removals (pace)']) / 30
    # 300 additions apply whole wherever 300 steps and their rollback
    # (budgeted twice over at first) fit the 4.5 s a SET has with room to
    # spare, at up to 3 ms a step: then anything but noError in five
    # tries is a failure. On a slower stack the steps stop in time and
    # nothing changes once the rollback has ended, the truth too
    # (checked). 1000 additions apply whole where the rest of the change
    # fits at the pace (half as slow again) with room to spare, at up to
    # 2 ms a step: their rollback would not fit too, and goes on after
    # the answer when the change cannot finish.
    fits, fits_1000 = step_ms < 3.0, step_ms < 2.0
    stats['pace'] = '%.1f ms a step: 300 additions %s, 1000 %s' % (
        step_ms, 'must apply' if fits else 'may stop in time (a slow stack)',
        'must apply' if fits_1000 else 'may stop in time')
    # Removals: tgtd takes an LU away by joining its I/O threads, more
    # slowly the more LUs it holds (2 to 7 ms a step at 1000 LUs on a
    # quiet host, 12 to 14 ms seen on a loaded one): 1000 removals in one
    # PDU may stop in time anywhere, 300 must apply where 300 additions do.
    any_ = 'noError|commitFailed|undoFailed'
    for luns_, targets_, want, want_back in (
            (luns[:k], targets[:3], 'noError' if fits else any_, 'noError' if fits else any_),
            (luns[:big], targets[:4], 'noError' if fits_1000 else any_, any_)):
        vbs, new = bulk_pdu(world, luns_, targets_)
        one('%d additions' % (len(luns_) * len(targets_)), vbs, new, want, 5)
        if model.sets[luns_[0]]:
            vbs, new = bulk_pdu(world, luns_, [])
            name = '%d removals' % (len(luns_) * len(targets_))
            one(name, vbs, new, want_back, 1 if want_back == any_ else 5)
            # stopped in time every try on a slow stack: taken away in
            # smaller PDUs, each one whole
            for i in range(0, len(luns_), 10):
                if model.sets[luns_[i]]:
                    vbs, new = bulk_pdu(world, luns_[i:i + 10], [])
                    one(name + ' (by ten LUNs)', vbs, new, 'noError', 5)
    d.stop()
    # tgtd slows down half way (an LU addition is three requests)
    d, proxy = slowed_lunmapd(seed, state_dir)
    # 180 additions: the first 90 at tgtd's pace, then 20 ms a request (a
    # stack that stops dead half way cannot be rolled back in time: that
    # is undoFailed, cacheCorrupt, and the truth; the slow-stack trial
    # has such stacks)
    slow = luns[:60]
    vbs, new = bulk_pdu(world, slow, targets[:3])
    # on a host so loaded that the fast half already looks too slow to
    # finish, the steps stop before tgtd slows down: still commitFailed in
    # time with nothing changed (one() checks it), but not the case this
    # row is for, so it is tried again, and said when it never got there
    for attempt in range(3):
        proxy.fast, proxy.slow_ms = 3 * 90, 20
        one('%d additions, tgtd slow half way' % (3 * len(slow)), vbs, new, 'commitFailed')
        if not proxy.fast:
            break
        stats['slow half way, stopped before the slowdown'] = attempt + 1
    d.stop()
    return stats


def slow_rows(n, seed):
    """bench/run's slow-stack row: one PDU of n LU additions (n/3 LUNs on
    3 targets) while each request to tgtd takes 0, 50 or 200 ms: how and
    when it is answered (a stack too slow to finish is rolled back inside
    the master's timeout). Prints "DELAY STATUS SECONDS" lines."""
    state_dir = os.path.join(TMP, 'state')
    d, proxy = slowed_lunmapd(seed, state_dir)
    world = World(state_dir)
    luns, targets = sorted(world.luns)[:n // 3], sorted(world.targets)[:3]
    rows = []
    for delay in (0, 50, 200):
        proxy.fast, proxy.slow_ms = 0, delay
        vbs, _ = bulk_pdu(world, luns, targets)
        status, out, took = bigset(vbs)
        proxy.drain()
        if status == 'commitFailed' and wait_rollback() not in (None, '0'):
            raise Failure('delay %d ms: the rollback after the answer failed' % delay)
        if took >= AGENTX_TIMEOUT or status not in ('noError', 'commitFailed'):
            raise Failure('delay %d ms: %s after %.2f s\n%s' % (delay, status, took, out))
        if status == 'noError':
            if bigset(bulk_pdu(world, luns, [])[0])[0] != 'noError':
                raise Failure('delay %d ms: the removal failed' % delay)
        rows.append('%d %s %.2f' % (delay, status, took))
        log('%d %s %.2f' % (delay, status, took))
    d.stop()
    return {'rows': rows}
