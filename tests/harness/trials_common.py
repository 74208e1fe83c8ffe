# SPDX-License-Identifier: BSD-3-Clause
"""What every trial of tests/harness/trials.py (and lio_trials.py) shares.

The names of the MIB's objects (those of tests/harness/lib.sh); snmpd,
snmpget, snmpset and tests/harness/bigset as a manager uses them;
lunmapd as a process (started, kill -9ed, stopped, every start recorded
in $E2E_PIDS); the world (LUNs and targets by index) and the three views
of the truth: the SNMP view (a bulk walk through snmpd), the state
folder (state.xml and the records of state.journal, read here) and
tgtd's own listing (tgtadm --op show --mode target), which one_truth()
checks against each other.

The model is independent of lunmapd: the sets each LUN must have follow
from the PDUs sent and their answers alone (design §1, §5); apply()
moves it by an acknowledged PDU and verdict() judges the truth against
it. valid_pdu() draws the valid PDUs every kind of trial sends.

Needs E2E_TMP and SNMP_PORT in the environment (the rest when used).
"""
import os
import re
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

# the names of tests/harness/lib.sh
R = '1.3.6.1.4.1.8072.9999.9999.3260'
SUBSYS_NAME = R + '.1.1.1.0'  # lunmapSubsystemName
LUN_IDS = R + '.1.2.1.7'      # lunmapLunTargetIds
LUN_COUNT = R + '.1.2.1.8'    # lunmapLunTargetCount
TGT_LUNS = R + '.1.3.1.6'     # lunmapTargetLunIds
ASSOC_NUM = R + '.1.4.1.1'    # lunmapAssocLunNumber
ASSOC_RS = R + '.1.4.1.2'     # lunmapAssocRowStatus
REV_NUM = R + '.1.5.1.1'      # lunmapTargetLunNumber
LUN_NAA = R + '.1.2.1.11'     # lunmapLunNaa
STATUS = R + '.1.1.3.0'
ERR_CODE = R + '.1.1.7.0'  # lunmapLastErrorCode
ERR_TEXT = R + '.1.1.8.0'  # lunmapLastErrorText
REFRESH = R + '.1.1.6.0'   # lunmapSubsystemRefresh
ACTION_RESULT = R + '.1.1.16.0'  # lunmapActionResult
ACTION_TEXT = R + '.1.1.17.0'    # lunmapActionText
ASSOC_TOTAL = R + '.1.1.9.0'

ENV = os.environ
TMP = ENV['E2E_TMP']
SNMP = '127.0.0.1:' + ENV['SNMP_PORT']


class Failure(Exception):
    pass



def proc_start(pid):
    """The kernel's start time of a process: with its PID it names one
    process (the harness stops nothing whose PID was handed out again)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(') ', 1)[1].split()[19]
    except (OSError, IndexError):
        return ''

def log(msg):
    print(msg, flush=True)


def run(argv, timeout=30):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, universal_newlines=True)
    return p.returncode, p.stdout


def sget(*oids, opts=()):
    """The objects' values, one a line (snmpget -Oqv); opts: snmpget's
    other options (-t, -r, -Ox)."""
    return run(['snmpget', '-v2c', '-c', 'public', '-Oqv'] + list(opts) + [SNMP] + list(oids))[1]


def answers():
    """Whether a lunmapd answers through the master."""
    rc, out = run(['snmpget', '-v2c', '-c', 'public', '-t', '1', '-r', '0', SNMP, SUBSYS_NAME])
    return rc == 0 and 'STRING' in out


def wait_status(want, seconds):
    """Whether lunmapSubsystemStatus reads want within seconds."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if sget(STATUS, opts=('-t', '1', '-r', '0')).strip() == want:
            return True
        time.sleep(0.2)
    return False


# ------------------------------------------------------------ the world
class World:
    """LUNs and targets by index (from the state file lunmapd made at its
    first start, cross-checked with the inventory the script wrote)."""

    def __init__(self, state_dir):
        root = ET.parse(os.path.join(state_dir, 'state.xml')).getroot()
        ns = '{urn:lunmap:state:1}'
        self.luns = {}     # index -> (hex id, path)
        self.targets = {}  # index -> (hex id, iqn)
        for t in root.findall(ns + 'target'):
            self.targets[int(t.get('index'))] = (hexid(t.get('id')), t.get('iqn'))
        for l in root.findall(ns + 'lun'):
            self.luns[int(l.get('index'))] = (hexid(l.get('id')), l.get('path'))
        self.tindex_of_id = {v[0]: k for k, v in self.targets.items()}
        self.tindex_of_iqn = {v[1]: k for k, v in self.targets.items()}
        self.lindex_of_path = {v[1]: k for k, v in self.luns.items()}


def hexid(guid):
    return guid.replace('-', '').upper()


# ------------------------------------------------------------ observing
def parse_walk(text):
    """snmpbulkwalk -On -Oq -Ox output: {oid: value}, continuation lines
    of long hex strings joined."""
    vals, last = {}, None
    for line in text.splitlines():
        if line.startswith('.'):
            oid, _, val = line.partition(' ')
            last = oid[1:]
            vals[last] = val
        elif last is not None:
            vals[last] += ' ' + line
    return vals


def hexval(v):
    return v.replace('"', '').replace(' ', '').upper()


def observe_view(world):
    rc, out = run(['snmpbulkwalk', '-Cr50', '-v2c', '-c', 'public', '-t', '3', '-r', '1',
                   '-On', '-Oq', '-Ox', SNMP, R + '.1'])
    if rc != 0:
        raise Failure('walk failed: ' + out)
    v = parse_walk(out)
    sets, nums = {}, {}
    for l in world.luns:
        raw = hexval(v.get('%s.%d' % (LUN_IDS, l), 'missing'))
        if raw == 'MISSING' or len(raw) % 32:
            raise Failure('view: lunmapLunTargetIds.%d is %r' % (l, raw))
        ids = [raw[i:i + 32] for i in range(0, len(raw), 32)]
        tix = [world.tindex_of_id.get(i) for i in ids]
        if None in tix:
            raise Failure('view: LUN %d lists an unknown target id: %s' % (l, raw))
        if tix != sorted(tix) or len(set(tix)) != len(tix):
            raise Failure('view: LUN %d targets not ascending/unique: %s' % (l, tix))
        sets[l] = frozenset(tix)
        if v.get('%s.%d' % (LUN_COUNT, l)) != str(len(tix)):
            raise Failure('view: lunmapLunTargetCount.%d = %s, ids say %d'
                          % (l, v.get('%s.%d' % (LUN_COUNT, l)), len(tix)))
    total = 0
    for l in world.luns:
        for t in world.targets:
            n = v.get('%s.%d.%d' % (ASSOC_NUM, l, t))
            rs = v.get('%s.%d.%d' % (ASSOC_RS, l, t))
            rev = v.get('%s.%d.%d' % (REV_NUM, t, l))
            if (t in sets[l]) != (n is not None) or (n is None) != (rs is None) \
                    or (n is None) != (rev is None):
                raise Failure('view: LUN %d target %d: ids %s, assoc number %s, rowstatus %s, '
                              'reverse %s' % (l, t, sorted(sets[l]), n, rs, rev))
            if n is not None:
                if rs != '1' or rev != n:
                    raise Failure('view: assoc %d.%d rowstatus %s reverse %s number %s'
                                  % (l, t, rs, rev, n))
                nums[(l, t)] = int(n)
                total += 1
    for t in world.targets:
        raw = hexval(v.get('%s.%d' % (TGT_LUNS, t), ''))
        want = ''.join(world.luns[l][0] for l in sorted(world.luns) if t in sets[l])
        if raw != want:
            raise Failure('view: lunmapTargetLunIds.%d = %s, LUN rows say %s' % (t, raw, want))
    if v.get(ASSOC_TOTAL) != str(total):
        raise Failure('view: lunmapAssociationCount %s, rows %d' % (v.get(ASSOC_TOTAL), total))
    return v.get(STATUS), sets, nums


def observe_state(world, state_dir):
    """state.xml, then every whole journal record of its generation or
    newer (design §3; src/store/journal.c's format: GEN L=T:N,... #CHECK)."""
    root = ET.parse(os.path.join(state_dir, 'state.xml')).getroot()
    gen = int(root.get('generation'))
    links = {l: {} for l in world.luns}
    for a in root.findall('{urn:lunmap:state:1}assoc'):
        links[int(a.get('lun'))][int(a.get('target'))] = int(a.get('number'))
    jpath = os.path.join(state_dir, 'state.journal')
    if os.path.exists(jpath):
        with open(jpath, 'rb') as f:
            data = f.read().decode()
        for rec in data.split('\n')[:-1]:
            body, _, check = rec.partition(' #')
            if fnv1a(body) != int(check, 16):
                raise Failure('state: damaged journal record %r' % rec)
            words = body.split()
            if int(words[0]) < gen:
                continue
            for w in words[1:]:
                l, _, lst = w.partition('=')
                links[int(l)] = {int(a.split(':')[0]): int(a.split(':')[1])
                                 for a in lst.split(',') if a}
    sets = {l: frozenset(v) for l, v in links.items()}
    nums = {(l, t): n for l, v in links.items() for t, n in v.items()}
    return sets, nums


def fnv1a(s):
    h = 14695981039346656037
    for b in s.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def observe_tgt(world):
    rc, out = run([ENV['TGTADM'], '-C', ENV['TGT_CTL'], '--lld', 'iscsi', '--op', 'show',
                   '--mode', 'target'])
    if rc != 0:
        raise Failure('tgtadm show failed: ' + out)
    sets = {l: set() for l in world.luns}
    nums, tgt, lu, in_acl = {}, None, None, False
    lus, acls = [], {}
    for line in out.splitlines():
        m = re.match(r'^Target (\d+): (.*)$', line)
        if m:
            tgt = world.tindex_of_iqn.get(m.group(2))
            if tgt is None:
                raise Failure('tgtd has a target lunmap does not know: ' + line)
            acls[tgt], in_acl = [], False
            continue
        if line == '    ACL information:':
            in_acl = True
            continue
        if in_acl:
            acls[tgt].append(line.strip())
            continue
        m = re.match(r'^\s+LUN: (\d+)$', line)
        if m:
            lu = {'target': tgt, 'number': int(m.group(1))}
            lus.append(lu)
            continue
        m = re.match(r'^\s+(SCSI ID|SCSI SN|Backing store path): (.*)$', line)
        if m and lu is not None:
            lu[m.group(1)] = m.group(2).strip()
    for lu in lus:
        if lu['number'] == 0:
            continue  # tgt's controller LU
        l = world.lindex_of_path.get(lu.get('Backing store path'))
        if l is None:
            raise Failure('tgtd: LU %s of target %d is not one of lunmap\'s' % (lu, lu['target']))
        if (l, lu['target']) in nums:
            raise Failure('tgtd: LUN %d twice on target %d' % (l, lu['target']))
        want = world.luns[l][0]
        # one SCSI identity per LUN, on every target (design §2)
        if lu.get('SCSI SN', '').upper() != want or lu.get('SCSI ID', '').upper() != want:
            raise Failure('tgtd: LUN %d on target %d as %d has serial %s, id %s (want %s)'
                          % (l, lu['target'], lu['number'], lu.get('SCSI SN'), lu.get('SCSI ID'),
                             want))
        sets[l].add(lu['target'])
        nums[(l, lu['target'])] = lu['number']
    # every target of the inventory is there and lets its initiators in
    # (initiators="ALL" in these inventories)
    for t, (_, iqn) in world.targets.items():
        if t not in acls:
            raise Failure('tgtd: target %s is missing\n%s' % (iqn, out))
        if 'ALL' not in acls[t]:
            raise Failure('tgtd: target %s lets nobody in (ACL %s)' % (iqn, acls[t]))
    return {l: frozenset(s) for l, s in sets.items()}, nums, out


def inq_serial(world, l, t, number):
    """The unit serial page (0x80) through the portal, as an initiator
    sees it; tried twice (the first login after a change may get a UNIT
    ATTENTION)."""
    url = 'iscsi://127.0.0.1:%s/%s/%d' % (ENV['TGT_PORT'], world.targets[t][1], number)
    out = ''
    for _ in range(2):
        rc, out = run(['iscsi-inq', '-e', '1', '-c', '128', url])
        m = re.search(r'Unit Serial Number:\[\s*([^\]\s]*)\s*\]', out)
        if rc == 0 and m:
            return m.group(1).upper()
    raise Failure('iscsi-inq %s: %s' % (url, out))


def check_numbers(nums, where):
    seen = {}
    for (l, t), n in nums.items():
        if n < 1 or n > 16383:
            raise Failure('%s: LUN %d on target %d has number %d' % (where, l, t, n))
        if (t, n) in seen:
            raise Failure('%s: number %d used twice on target %d' % (where, n, t))
        seen[(t, n)] = l


def one_truth(world, view, state, stack, name, why=lambda: ''):
    """The three views (view: status, sets, numbers; state: sets,
    numbers; stack, called name: sets, numbers, its listing) agree, the
    subsystem online (why(): what it says when not). The sets and
    numbers."""
    (status, vsets, vnums), (ssets, snums), (xsets, xnums, listing) = view, state, stack
    if status != '1':
        raise Failure('subsystem status %s, not online(1)%s' % (status, why()))
    for l in world.luns:
        if not (vsets[l] == ssets[l] == xsets[l]):
            raise Failure('LUN %d: view %s, state %s, %s %s\n%s' % (
                l, sorted(vsets[l]), sorted(ssets[l]), name, sorted(xsets[l]), listing))
    if not (vnums == snums == xnums):
        raise Failure('numbers: view %s, state %s, %s %s' % (vnums, snums, name, xnums))
    check_numbers(vnums, 'view')
    return vsets, vnums


def observe(world, state_dir):
    """The three views, checked against each other: one truth."""
    return one_truth(world, observe_view(world), observe_state(world, state_dir),
                     observe_tgt(world), 'tgtd')


# ------------------------------------------------------------ lunmapd
class Lunmapd:
    def __init__(self, inventory, state_dir):
        self.inventory, self.state_dir = inventory, state_dir
        self.proc = None
        self.env = {}  # more of lunmapd's environment
        self.stderr = open(os.path.join(TMP, 'lunmapd.stderr'), 'a')
        os.makedirs(os.path.join(TMP, 'lunmapd-persist'), exist_ok=True)

    def start(self):
        """True when it answers, False when it died first (killed by the
        wrapper while it settled an interrupted change)."""
        # net-snmp's -Lf starts the file afresh: keep every start's log
        cur, keep = os.path.join(TMP, 'lunmapd.log'), os.path.join(TMP, 'lunmapd.all.log')
        if os.path.exists(cur):
            with open(cur) as src, open(keep, 'a') as dst:
                dst.write(src.read())
        env = dict(ENV, SNMP_PERSISTENT_DIR=os.path.join(TMP, 'lunmapd-persist'), **self.env)
        self.proc = subprocess.Popen(
            [os.path.join(ENV['top_builddir'], 'subagent', 'lunmapd'), '-f', '-x', ENV['AGENTX'],
             '-c', self.inventory, '-s', self.state_dir, '-Lf', os.path.join(TMP, 'lunmapd.log')]
            + (['-D' + ENV['LUNMAPD_DEBUG']] if ENV.get('LUNMAPD_DEBUG') else []),
            stdout=subprocess.DEVNULL, stderr=self.stderr, env=env)
        with open(ENV['E2E_PIDS'], 'a') as f:
            f.write('%d lunmapd start=%s\n' % (self.proc.pid, proc_start(self.proc.pid)))
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            if answers():
                return True
            time.sleep(0.05)
        raise Failure('lunmapd does not answer (see %s/lunmapd.log)' % TMP)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def wait_dead(self, seconds):
        try:
            self.proc.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()


# ------------------------------------------------------------ PDUs
def snmpset(varbinds):
    argv = ['snmpset', '-v2c', '-c', 'private', '-On', '-t', '10', '-r', '0', SNMP]
    for oid, typ, val in varbinds:
        argv += [oid, typ, val]
    rc, out = run(argv, timeout=60)
    # net-snmp prints "Reason: (genError) A general failure occured" for
    # genError, "Reason: commitFailed" for the others
    m = re.search(r'Reason: \(?(\w+)', out)
    if rc == 0 and not m and 'Timeout' not in out and 'Error' not in out:
        return 'noError', out
    return (m.group(1) if m else 'failed'), out


def bigset(varbinds, timeout=10):
    """One SET PDU of any size (tests/harness/bigset: snmpset takes 128
    varbinds): its status as snmpset() gives it, the output, and the
    answer's time in seconds as the manager saw it."""
    tool = os.path.join(ENV['top_builddir'], 'tests', 'harness', 'bigset')
    text = ''.join('%s %s %s\n' % (o, t, v) for o, t, v in varbinds)
    p = subprocess.run([tool, SNMP, 'private', str(timeout)], input=text,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=timeout + 30)
    m = re.search(r'Reason: (\w+)', p.stdout)
    took = re.search(r'Took: ([0-9.]+)', p.stdout)
    return (m.group(1) if m else 'failed'), p.stdout, float(took.group(1)) / 1000 if took else 0.0


def wait_action(seconds=60):
    """An action (refresh, reenumerate, restore) is answered when it
    starts and runs between requests: wait until lunmapSubsystemRefresh
    reads idle(1) again; its outcome (lunmapActionResult, lunmapActionText)
    is returned."""
    deadline = time.time() + seconds
    while True:
        got = sget(REFRESH, ACTION_RESULT, ACTION_TEXT, opts=('-t', '2', '-r', '1')).split('\n')
        if got[0].strip() == '1':
            return got[1].strip(), '\n'.join(got[2:]).strip()
        if time.time() > deadline:
            raise Failure('an action still runs after %d s: %r' % (seconds, got))
        time.sleep(0.1)


def rollback_failed():
    """Whether the last action was a rollback after an answer, and failed."""
    got = sget(ACTION_RESULT, ACTION_TEXT, opts=('-t', '2', '-r', '1')).split('\n', 1)
    return (len(got) == 2 and got[0].strip() not in ('0', '') and
            'the rollback' in got[1])


def wait_rollback(seconds=600):
    """A rollback that did not fit in its SET goes on after the answer as
    an action (design §5; offline meanwhile, lunmapSubsystemRefresh reads
    restore(4)): wait until it has ended. Its result ('0': everything
    taken back), or None when none ran."""
    got = sget(REFRESH, opts=('-t', '2', '-r', '1')).strip()
    if got == '1':
        return None
    return wait_action(seconds)[0]


class Model:
    """Each LUN's set of target indexes and the numbers known for its
    associations: what the acknowledged PDUs say, nothing lunmapd told."""

    def __init__(self, world, sets, nums):
        self.world = world
        self.sets = dict(sets)
        self.nums = dict(nums)
        self.max_targets = int(ENV.get('MAX_TARGETS', '4'))

    def free_number(self, t, rng):
        used = {n for (l, tt), n in self.nums.items() if tt == t}
        while True:
            n = rng.randint(32, 16383)
            if n not in used:
                return n


def valid_pdu(model, rng, nluns=None):
    """Changes for 1-3 LUNs, each a whole set or rows (add/destroy, an
    add sometimes with its number). Returns (varbinds, {L: new set},
    {(L, T): number asked})."""
    w = model.world
    luns = rng.sample(sorted(w.luns), nluns or rng.randint(1, min(3, len(w.luns))))
    vbs, new, asked = [], {}, {}
    taken = set()  # (target, number) asked in this PDU
    for l in luns:
        cur = model.sets[l]
        if rng.random() < 0.5:
            k = rng.randint(0, model.max_targets)
            targets = rng.sample(sorted(w.targets), k)
            new[l] = frozenset(targets)
            vbs.append(('%s.%d' % (LUN_IDS, l), 'x', ''.join(w.targets[t][0] for t in targets)))
            continue
        s = set(cur)
        absent = [t for t in sorted(w.targets) if t not in cur]
        ops = 0
        for t in rng.sample(sorted(w.targets), rng.randint(1, 2)):
            if t in cur:
                vbs.append(('%s.%d.%d' % (ASSOC_RS, l, t), 'i', '6'))
                s.discard(t)
                ops += 1
            elif t in absent and len(s) < model.max_targets:
                vbs.append(('%s.%d.%d' % (ASSOC_RS, l, t), 'i', '4'))
                s.add(t)
                ops += 1
                if rng.random() < 0.3:
                    n = model.free_number(t, rng)
                    while (t, n) in taken:
                        n = model.free_number(t, rng)
                    taken.add((t, n))
                    vbs.append(('%s.%d.%d' % (ASSOC_NUM, l, t), 'u', str(n)))
                    asked[(l, t)] = n
        if ops:
            new[l] = frozenset(s)
    if not vbs:
        return valid_pdu(model, rng, nluns)
    rng.shuffle(vbs)
    return vbs, new, asked


def describe(vbs):
    return ' '.join('%s=%s:%s' % (o[len(R) + 1:], t, v[:12] + ('…' if len(v) > 12 else ''))
                    for o, t, v in vbs)


def first_start(state_dir, arm=None):
    """lunmapd's first start on the inventory; it, the world it made and
    the model of what the three views show."""
    d = Lunmapd(ENV['INVENTORY'], state_dir)
    if arm:
        arm(0, '')
    if not d.start():
        raise Failure('lunmapd died at its first start')
    world = World(state_dir)
    sets, nums = observe(world, state_dir)
    return d, world, Model(world, sets, nums)


def apply(model, new, asked):
    for l, s in new.items():
        for t in model.sets[l] - s:
            model.nums.pop((l, t), None)
        model.sets[l] = s
    for key, n in asked.items():
        model.nums[key] = n


def verdict(model, sets, nums, pending, stats):
    """Every acknowledged change is there; the interrupted PDU is there
    whole or not at all (one PDU is one transaction); numbers of the
    associations that lasted did not move; asked numbers were given."""
    changed = {l for l in (pending[0] if pending else {}) if pending[0][l] != model.sets[l]}
    for l in model.sets:
        if l not in changed and sets[l] != model.sets[l]:
            raise Failure('LUN %d has %s, the acknowledged changes say %s'
                          % (l, sorted(sets[l]), sorted(model.sets[l])))
    if changed:
        done = {l for l in changed if sets[l] == pending[0][l]}
        old = {l for l in changed if sets[l] == model.sets[l]}
        for l in changed - done - old:
            raise Failure('LUN %d is on a partial set %s (old %s, asked %s)'
                          % (l, sorted(sets[l]), sorted(model.sets[l]), sorted(pending[0][l])))
        if done and old:
            raise Failure('half a PDU: LUNs %s have the asked sets, %s the old ones'
                          % (sorted(done), sorted(old)))
        stats['interrupted'] += 1
        if done:
            stats['interrupted_applied'] += 1
            apply(model, pending[0], pending[1])
    for key, n in model.nums.items():
        if key in nums and nums[key] != n:
            raise Failure('LUN %d on target %d has number %d, %d before (or asked)'
                          % (key[0], key[1], nums[key], n))


def inq_sample(world, rng, nums, stats):
    # libiscsi addresses LUNs above 255 in a way tgtd does not take
    # (LOGICAL_UNIT_NOT_SUPPORTED at login): those are checked through
    # tgtd's listing only
    small = sorted((k, n) for k, n in nums.items() if n < 256)
    if not small:
        return
    (l, t), n = rng.choice(small)
    sn = inq_serial(world, l, t, n)
    if sn != world.luns[l][0]:
        raise Failure('iscsi-inq: LUN %d on target %d as %d has serial %s, want %s'
                      % (l, t, n, sn, world.luns[l][0]))
    stats['inq'] += 1


def out_of_time(t0):
    """TRIALS_SECONDS bounds a long run by hand (it then ends early,
    passed, with the count it reached)."""
    budget = float(ENV.get('TRIALS_SECONDS') or 0)
    return budget > 0 and time.time() - t0 > budget
