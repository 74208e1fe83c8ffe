# SPDX-License-Identifier: BSD-3-Clause
"""The kill -9 crash trials (trials.py crash N, tests/e2e/crash.sh).

lunmapd is killed between stack steps (through the tgtadm wrapper named
in the inventory, which can also fail chosen steps), at a random moment,
or right after a save, and restarted on the same state folder;
sometimes tgtd restarts empty too, under lunmapd or while it is down,
and an LU is removed by hand and restore(4) puts it back. After every
restart the three views agree with the model: nothing acknowledged is
lost, the interrupted PDU is there whole or not at all.

The steps that do not depend on the stack (send_pdus, count_kill,
start_disarmed, restart, judge, removed_by_hand, reapplied, undo_failed,
stopped_in_time, changed_nothing) are shared with
tests/harness/lio_trials.py.
"""
import os
import random
import re
import signal
import subprocess
import threading
import time

from trials_common import (ENV, ERR_CODE, ERR_TEXT, REFRESH, STATUS, TMP, Failure, apply,
                           describe, first_start, inq_sample, log, observe, out_of_time,
                           proc_start, run, sget, snmpset, valid_pdu, verdict, wait_action,
                           wait_rollback, wait_status)

# ------------------------------------------------------------ crash trials
WRAP_DIR = os.path.join(TMP, 'wrap')
# TRIALS_MODES: the kinds of kill (the wrapper's only work on the tgtadm
# transport; on tgtd's socket, random and saved remain)
MODES = (ENV.get('TRIALS_MODES') or 'before after before after random undo saved').split()


def arm(k, when, fail=0):
    """The wrapper kills lunmapd before or after the k-th call that
    changes tgtd (0: never); with fail, the fail-th such call fails as
    tgtd would (exit 22) without reaching tgtd ("f,g": both fail)."""
    with open(os.path.join(WRAP_DIR, 'count'), 'w') as f:
        f.write('0\n')
    with open(os.path.join(WRAP_DIR, 'arm'), 'w') as f:
        f.write('%d %s %s\n' % (k, when or 'never', fail or '') if k or fail else '')


def undo_failed(world, state_dir, model, out, vbs, stats, two_failures):
    """A step failed and so did a step of its rollback: the wrapper failed
    two (two_failures), or on an overloaded host a tgtd request missed its
    deadline (the reason says so). The answer is undoFailed and the truth
    is cacheCorrupt with the reason in lunmapLastErrorText. Nothing was
    acknowledged, so restore(4) must put the stack back to the recorded
    state and the subsystem online."""
    wait_rollback()  # one that went on after the answer ends first
    got = sget(STATUS, ERR_TEXT, opts=('-t', '2', '-r', '1')).split('\n', 1)
    if got[0].strip() != '2' or len(got) < 2 or not got[1].strip().strip('"'):
        raise Failure('undoFailed, but the subsystem says %r\n%s\n%s' % (got, describe(vbs), out))
    if not two_failures and 'did not answer' not in got[1]:
        raise Failure('undoFailed with one step made to fail and no timeout: %s\n%s'
                      % (got[1], describe(vbs)))
    arm(0, '')  # the trial's kill must not hit the restore
    for _ in range(5):
        status, rout = snmpset([(REFRESH, 'i', '4')])
        if status == 'noError':
            result, text = wait_action()
            if result == '0':
                break
            rout = 'restore(4) ended with %s: %s' % (result, text)
        time.sleep(0.5)
    else:
        raise Failure('undoFailed, then restore(4) refused: %s' % rout)
    sets, nums = observe(world, state_dir)
    verdict(model, sets, nums, None, stats)
    stats['undo_failed'] = stats.get('undo_failed', 0) + 1


def stopped_in_time(status):
    """commitFailed with ERROR_TIMEOUT: the steps stopped while their
    rollback still fitted the master's timeout (design §5), a slow or
    loaded host's truth, never a fault of its own."""
    if status != 'commitFailed':
        return False
    code = sget(ERR_CODE, opts=('-t', '2'))
    return code.strip().strip('"').lower() in ('800705b4', '2147943860')


def changed_nothing(sets, model, status, vbs):
    """The sets seen after a PDU refused with status are the model's."""
    for l in model.sets:
        if sets[l] != model.sets[l]:
            raise Failure('refused PDU (%s) changed LUN %d: %s, was %s\n%s'
                          % (status, l, sorted(sets[l]), sorted(model.sets[l]), describe(vbs)))


def refused_alive(world, state_dir, model, status, out, vbs, mode, stats, two_failures=False):
    """A valid PDU refused while lunmapd runs: allowed when a step was
    made to fail (undo mode: commitFailed, rolled back) or the master's
    AgentX timeout ran out (genError); it must have changed nothing.
    undoFailed (the rollback failed too) must tell the truth instead, and
    so must a rollback that went on after the answer and failed there."""
    tail = wait_rollback()
    if status == 'undoFailed' or tail not in (None, '0'):
        return undo_failed(world, state_dir, model, out, vbs, stats, two_failures)
    if not ((mode == 'undo' and status == 'commitFailed') or status == 'genError' or
            stopped_in_time(status)):
        raise Failure('valid PDU refused while lunmapd runs (mode %s%s): %s\n%s'
                      % (mode, ', two failures' if two_failures else '', describe(vbs), out))
    changed_nothing(observe(world, state_dir)[0], model, status, vbs)
    key = 'rolled_back' if status == 'commitFailed' else 'master_timeouts'
    stats[key] = stats.get(key, 0) + 1


def kills_so_far():
    try:
        with open(os.path.join(WRAP_DIR, 'kills')) as f:
            return len(f.readlines())
    except FileNotFoundError:
        return 0


# The steps of a crash trial that do not depend on the stack, shared with
# tests/harness/lio_trials.py: d is a lunmapd (start, alive, kill9,
# wait_dead), arm and kills_so_far the killer's (the tgtadm wrapper here,
# killpoint in the LIO guest).
def send_pdus(d, model, rng, stats, refused):
    """One to four valid PDUs while lunmapd lives; refused(status, out,
    vbs) judges one refused while it runs. The change lunmapd died under
    (None: none), and what was sent."""
    pending, history = None, []
    for _ in range(rng.randint(1, 4)):
        if not d.alive():
            break
        vbs, new, asked = valid_pdu(model, rng)
        status, out = snmpset(vbs)
        history.append((describe(vbs), status))
        if status == 'noError':
            stats['acked'] += 1
            apply(model, new, asked)
            continue
        if d.wait_dead(1):
            pending = (new, asked)  # lunmapd died under it
            break
        refused(status, out, vbs)
    return pending, history


def count_kill(d, mode, stats, kind):
    """The trial ends with lunmapd killed: now, when it still runs, or
    else by kind() (None: the random timer)."""
    alive = d.alive()
    d.kill9()
    if alive:
        stats['random_kills' if mode == 'random' else 'idle_kills'] += 1
    else:
        stats[kind() or 'random_kills'] += 1


def start_disarmed(d, arm, trial):
    """lunmapd (killed, or killed now) starts again with no kill armed:
    it must answer."""
    d.kill9()
    arm(0, '')
    if not d.start():
        raise Failure('trial %d: lunmapd died at a disarmed start' % trial)


def restart(d, arm, kills_so_far, rng, pending, stats, trial, kmax, killer):
    """lunmapd starts again after a trial's kill. Sometimes the start
    itself is killed (at one of its first kmax changes) while it settles
    the interrupted change: the next start must still get it right."""
    again = pending is not None and rng.random() < 0.3
    arm(rng.randint(1, kmax) if again else 0, rng.choice(['before', 'after']))
    before = kills_so_far()
    if not d.start():
        stats['recovery_kills'] += 1
        start_disarmed(d, arm, trial)
    elif again and kills_so_far() > before:
        raise Failure('trial %d: %s killed lunmapd but it answered' % (trial, killer))
    arm(0, '')


def judge(look, model, pending, stats, failed, sample=None):
    """The truth (look(): sets and numbers) against the model; then
    sample(sets, nums) reads it as an initiator does. failed(error) is
    the text of a failure. The sets and numbers."""
    try:
        sets, nums = look()
        verdict(model, sets, nums, pending, stats)
        if sample:
            sample(sets, nums)
    except Failure as e:
        raise Failure(failed(e))
    return sets, nums


def removed_by_hand(look, model, d, arm, k, stats, trial, lu, wait=True):
    """An LU (lu: its number and target IQN) was removed by hand and is
    drift: restore(4), with the k-th change killed (0: none), puts it
    back, or the next start does. wait: the restore's result must be 0."""
    status, out = snmpset([(REFRESH, 'i', '4')])
    arm(0, '')
    if k and d.wait_dead(1):
        stats['restore_kills'] += 1
        start_disarmed(d, arm, trial)
    elif status != 'noError':
        raise Failure('trial %d: restore(4) refused: %s' % (trial, out))
    else:
        if wait:
            result, text = wait_action()
            if result != '0':
                raise Failure('trial %d: restore(4) failed: %s %s' % (trial, result, text))
        stats['restores'] += 1
    judge(look, model, None, stats,
          lambda e: 'trial %d: LU %d of %s removed by hand, restore(4)%s: %s'
          % (trial, lu[0], lu[1], ' killed (k=%d)' % k if k else '', e))


def crash_trials(n, seed):
    rng = random.Random(seed)
    state_dir = os.path.join(TMP, 'state')
    d, world, model = first_start(state_dir, arm)
    stats = {'trials': 0, 'acked': 0, 'interrupted': 0, 'interrupted_applied': 0,
             'step_kills': 0, 'undo_kills': 0, 'random_kills': 0, 'save_kills': 0, 'idle_kills': 0, 'recovery_kills': 0,
             'inq': 0, 'tgtd_restarts': 0, 'live_reapplies': 0, 'reapply_kills': 0,
             'restores': 0, 'restore_kills': 0}
    t0 = time.time()
    for trial in range(1, n + 1):
        if out_of_time(t0):
            log('crash: time budget spent after %d trials' % (trial - 1))
            break
        if rng.random() < float(ENV.get('TRIALS_LIVE') or 0.04):
            # half the time killed in the middle of that re-apply: the
            # next start restores the rest
            k = rng.randint(1, 6) if rng.random() < 0.5 else 0
            arm(k, rng.choice(['before', 'after']))
            if live_reapply(world, state_dir, model, d):
                stats['live_reapplies'] += 1
            else:
                stats['reapply_kills'] += 1
                start_disarmed(d, arm, trial)
                judge(lambda: observe(world, state_dir), model, None, stats,
                      lambda e: 'trial %d: killed in a live re-apply (k=%d), restarted: %s\n'
                      '(logs: lunmapd.all.log, wrap/kills)' % (trial, k, e))
            arm(0, '')
        if model.nums and rng.random() < float(ENV.get('TRIALS_RESTORE') or 0.04):
            hand_removal_and_restore(world, state_dir, model, d, rng, stats, trial)
        mode = rng.choice(MODES)
        k = rng.randint(1, 8) if mode not in ('random', 'saved') else 0
        two_failures = mode == 'undo' and rng.random() < 0.2
        if two_failures:
            # the f-th step fails and so does the g-th, a step of its
            # rollback: no kill, the answer is undoFailed (see undo_failed)
            f = rng.randint(2, 5)
            k = 0
            arm(0, 'never', '%d,%d' % (f, f + rng.randint(1, f - 1)))
            stats['two_failures'] = stats.get('two_failures', 0) + 1
        elif mode == 'undo':
            # the f-th step fails, the kill comes during its rollback (or
            # in a later PDU when the rollback is shorter)
            f = rng.randint(1, 4)
            k = f + rng.randint(1, 4)
            arm(k, rng.choice(['before', 'after']), f)
        else:
            arm(k, mode)
        kills0 = kills_so_far()
        timer = None
        if mode == 'saved':
            # killed the moment the state files change: after the save,
            # before snmpd has the answer
            timer = SaveWatch(state_dir, d.proc)
            timer.start()
        elif mode == 'random':
            delay = rng.uniform(0, 0.4)
            timer = threading.Timer(delay, lambda p=d.proc: p.poll() is None and p.send_signal(signal.SIGKILL))
            timer.start()
        # refused while lunmapd runs: the step failed on purpose (undo
        # mode: commitFailed) or the master gave up waiting (genError, see
        # refused_alive); either way nothing changed
        pending, history = send_pdus(d, model, rng, stats, lambda status, out, vbs: refused_alive(
            world, state_dir, model, status, out, vbs, mode, stats, two_failures))
        if timer:
            timer.cancel()
        count_kill(d, mode, stats, lambda: 'save_kills' if mode == 'saved' else
                   ('undo_kills' if mode == 'undo' else 'step_kills') if kills_so_far() > kills0
                   else None)
        # sometimes tgtd restarted empty too (a host reboot): the interrupted
        # change and everything recorded must come back from the state
        if rng.random() < 0.08:
            restart_tgtd()
            stats['tgtd_restarts'] += 1
        restart(d, arm, kills_so_far, rng, pending, stats, trial, 2, 'wrapper')
        sets, nums = judge(lambda: observe(world, state_dir), model, pending, stats,
                           lambda e: 'trial %d (%s, k=%d): %s\nPDUs: %s\n(logs: lunmapd.all.log, '
                           'wrap/kills)' % (trial, mode, k, e, history),
                           lambda sets, nums: inq_sample(world, rng, nums, stats))
        model.sets, model.nums = dict(sets), dict(nums)
        stats['trials'] += 1
        if trial % 50 == 0 or trial == n:
            log('crash: %d trials in %.0f s: %s' % (trial, time.time() - t0, stats))
    d.stop()
    return stats


def restart_tgtd():
    """Stops the private tgtd (it ignores SIGTERM: targets removed, then
    the system deleted) and starts an empty one on the same control port
    and portal, as tests/harness/lib.sh does."""
    adm = [ENV['TGTADM'], '-C', ENV['TGT_CTL']]
    rc, out = run(adm + ['--lld', 'iscsi', '--op', 'show', '--mode', 'target'])
    for tid in re.findall(r'^Target (\d+):', out, re.M):
        run(adm + ['--lld', 'iscsi', '--op', 'delete', '--force', '--mode', 'target', '--tid', tid])
    run(adm + ['--op', 'delete', '--mode', 'system'])
    old = int(ENV['TGTD_PID'])
    deadline = time.time() + 10
    while time.time() < deadline and not gone(old):
        time.sleep(0.05)
    if not gone(old):
        raise Failure('tgtd %d does not stop' % old)
    with open(os.path.join(TMP, 'tgtd.log'), 'a') as log_file:
        p = subprocess.Popen([ENV['TGTD'], '-f', '-C', ENV['TGT_CTL'], '--iscsi',
                              'portal=127.0.0.1:' + ENV['TGT_PORT']],
                             stdout=log_file, stderr=subprocess.STDOUT)
    with open(ENV['E2E_PIDS'], 'a') as f:
        f.write('%d tgtd %s start=%s\n' % (p.pid, ENV['TGT_CTL'], proc_start(p.pid)))
    ENV['TGTD_PID'] = str(p.pid)
    deadline = time.time() + 10
    while time.time() < deadline:
        if p.poll() is not None:
            raise Failure('tgtd did not restart (see %s/tgtd.log)' % TMP)
        if run(adm + ['--op', 'show', '--mode', 'sys'])[0] == 0 and portal_up():
            return
        time.sleep(0.05)
    raise Failure('tgtd does not answer after its restart')


def hand_removal_and_restore(world, state_dir, model, d, rng, stats, trial):
    """An LU removed by hand is drift (cacheCorrupt at the next check);
    restore(4) puts it back, and when lunmapd is killed in the middle of
    that, the next start does."""
    (l, t), n = rng.choice(sorted(model.nums.items()))
    adm = [ENV['TGTADM'], '-C', ENV['TGT_CTL'], '--lld', 'iscsi']
    out = run(adm + ['--op', 'show', '--mode', 'target'])[1]
    tid = re.search(r'^Target (\d+): %s$' % re.escape(world.targets[t][1]), out, re.M).group(1)
    rc, out = run(adm + ['--op', 'delete', '--mode', 'logicalunit', '--tid', tid, '--lun', str(n)])
    if rc != 0:
        raise Failure('cannot remove LU %d of %s by hand: %s' % (n, world.targets[t][1], out))
    if not wait_status('2', 15):
        raise Failure('trial %d: an LU removed by hand is not drift' % trial)
    k = rng.randint(1, 2) if rng.random() < 0.5 else 0
    arm(k, rng.choice(['before', 'after']))
    removed_by_hand(lambda: observe(world, state_dir), model, d, arm, k, stats, trial,
                    (n, world.targets[t][1]))


def live_reapply(world, state_dir, model, d):
    """tgtd restarts empty under a running lunmapd: its drift check (every
    check-interval seconds) re-applies everything without an operator
    (design §4), and the subsystem stays online. False when the wrapper
    killed lunmapd during the re-apply."""
    restart_tgtd()
    return reapplied(d, lambda: observe(world, state_dir), model, 20, 0.25,
                     'tgtd restarted empty under lunmapd')


def reapplied(d, look, model, seconds, step, what, failed=None):
    """The stack lost everything (what) under a running lunmapd: within
    seconds the three views (look()) show the model again. False when
    lunmapd was killed meanwhile. failed(error) hears of a look that
    failed, before the next."""
    deadline, last = time.time() + seconds, None
    while time.time() < deadline:
        if not d.alive():
            return False
        try:
            sets, nums = look()
            if sets == model.sets and all(nums.get(k) == n for k, n in model.nums.items()):
                return True
            last = 'sets %s, model %s' % (sets, model.sets)
        except Failure as e:
            last = str(e)
            if failed:
                failed(e)
        time.sleep(step)
    raise Failure('%s: not re-applied: %s' % (what, last))


def portal_up():
    import socket
    try:
        socket.create_connection(('127.0.0.1', int(ENV['TGT_PORT'])), 1).close()
        return True
    except OSError:
        return False


def gone(pid):
    """Exited, or a zombie its parent (the test script) has not reaped."""
    try:
        with open('/proc/%d/status' % pid) as f:
            return re.search(r'^State:\s*Z', f.read(), re.M) is not None
    except FileNotFoundError:
        return True


class SaveWatch(threading.Thread):
    """Kills lunmapd with SIGKILL as soon as state.journal or state.xml
    changes (polled every 0.2 ms: the save is followed by at least two
    AgentX round trips before snmpd answers)."""

    def __init__(self, state_dir, proc):
        super().__init__(daemon=True)
        self.paths = [os.path.join(state_dir, f) for f in ('state.journal', 'state.xml')]
        self.proc = proc
        self.stop = threading.Event()
        self.first = self.look()

    def look(self):
        out = []
        for p in self.paths:
            try:
                st = os.stat(p)
                out.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except FileNotFoundError:
                out.append(None)
        return out

    def run(self):
        while not self.stop.is_set() and self.proc.poll() is None:
            if self.look() != self.first:
                self.proc.send_signal(signal.SIGKILL)
                return
            time.sleep(0.0002)

    def cancel(self):
        self.stop.set()
