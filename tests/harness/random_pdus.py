# SPDX-License-Identifier: BSD-3-Clause
"""The random-PDU trials (trials.py pdus N, tests/e2e/random_pdus.sh).

Random multi-varbind SET PDUs, valid and invalid (bad_pdu: each kind of
invalid varbind with the error status design §5 names, sometimes next to
a valid change that must not happen either), no-ops and actions; after
each one the model, the view, the state and tgtd agree, and a new
association without an asked number got the lowest free one.
"""
import os
import random
import time

from trials_common import (ASSOC_NUM, ASSOC_RS, LUN_IDS, REFRESH, TMP, Failure, Model, apply,
                           describe, first_start, inq_sample, log, observe, out_of_time,
                           snmpset, valid_pdu, wait_action)

# ------------------------------------------------------------ random PDUs
def bad_pdu(model, rng):
    """One valid part (sometimes) and one invalid varbind. Returns
    (varbinds, the error status expected or None for any refusal,
    changes when it may be accepted as a no-op: None)."""
    w = model.world
    ls = sorted(w.luns)
    l = rng.choice(ls)
    t = rng.choice(sorted(w.targets))
    ids = lambda ts: ''.join(w.targets[x][0] for x in ts)
    kind = rng.choice(['unknown', 'duplicate', 'nil', 'too_many', 'length', 'conflict',
                       'no_lun', 'no_target', 'wait', 'type', 'number_range', 'number_taken',
                       'row_too_many'])
    bad = None
    if kind == 'unknown':
        bad, want = [('%s.%d' % (LUN_IDS, l), 'x', ids([t]) + '%032X' % rng.getrandbits(128))], \
            'inconsistentValue'
    elif kind == 'duplicate':
        bad, want = [('%s.%d' % (LUN_IDS, l), 'x', ids([t, t]))], 'wrongValue'
    elif kind == 'nil':
        bad, want = [('%s.%d' % (LUN_IDS, l), 'x', '00' * 16)], 'wrongValue'
    elif kind == 'too_many':
        if len(w.targets) <= model.max_targets:
            return bad_pdu(model, rng)
        bad, want = [('%s.%d' % (LUN_IDS, l), 'x', ids(sorted(w.targets)))], 'wrongValue'
    elif kind == 'length':
        bad, want = [('%s.%d' % (LUN_IDS, l), 'x', ids([t])[:-2])], 'wrongLength'
    elif kind == 'conflict':
        bad, want = [('%s.%d' % (LUN_IDS, l), 'x', ids([t])),
                     ('%s.%d.%d' % (ASSOC_RS, l, t), 'i', '4' if t not in model.sets[l] else '6')], \
            'inconsistentValue'
    elif kind == 'no_lun':
        bad, want = [('%s.%d.%d' % (ASSOC_RS, max(ls) + 7, t), 'i', '4')], 'noCreation'
    elif kind == 'no_target':
        bad, want = [('%s.%d.%d' % (ASSOC_RS, l, max(w.targets) + 5), 'i', '4')], 'noCreation'
    elif kind == 'wait':
        bad, want = [('%s.%d.%d' % (ASSOC_RS, l, t), 'i', '5')], 'wrongValue'
    elif kind == 'type':
        bad, want = [('%s.%d' % (LUN_IDS, l), 'i', '1')], 'wrongType'
    elif kind == 'number_range':
        bad, want = [('%s.%d.%d' % (ASSOC_RS, l, t), 'i', '4'),
                     ('%s.%d.%d' % (ASSOC_NUM, l, t), 'u', '16384')], 'wrongValue'
        if t in model.sets[l]:
            bad = bad[1:]
    elif kind == 'number_taken':
        # a number another LUN already has on the target
        others = [(ll, n) for (ll, tt), n in model.nums.items() if tt == t and ll != l]
        if not others or t in model.sets[l]:
            return bad_pdu(model, rng)
        bad, want = [('%s.%d.%d' % (ASSOC_RS, l, t), 'i', '4'),
                     ('%s.%d.%d' % (ASSOC_NUM, l, t), 'u', str(others[0][1]))], None
    elif kind == 'row_too_many':
        absent = [x for x in sorted(w.targets) if x not in model.sets[l]]
        if len(model.sets[l]) < model.max_targets or not absent:
            return bad_pdu(model, rng)
        bad, want = [('%s.%d.%d' % (ASSOC_RS, l, absent[0]), 'i', '4')], 'wrongValue'
    vbs = list(bad)
    others = [x for x in ls if x != l]
    # (not with a taken number: a good change could free it)
    if others and kind != 'number_taken' and rng.random() < 0.6:
        # a good change of another LUN in the same PDU must not happen either
        sub = Model(w, model.sets, model.nums)
        sub.max_targets = model.max_targets
        good, _, _ = valid_pdu_for(sub, rng, rng.choice(others))
        vbs += good
    rng.shuffle(vbs)
    return vbs, want, kind


def valid_pdu_for(model, rng, lun):
    w = model.world
    saved = w.luns
    try:
        w.luns = {lun: saved[lun]}
        return valid_pdu(model, rng, 1)
    finally:
        w.luns = saved


def noop_pdu(model, rng):
    """Accepted or refused, it changes nothing: createAndGo of a row that
    exists, destroy of one that does not, active(1) of one that exists,
    the set a LUN already has."""
    w = model.world
    l = rng.choice(sorted(w.luns))
    t = rng.choice(sorted(w.targets))
    if rng.random() < 0.4:
        return [('%s.%d' % (LUN_IDS, l), 'x', ''.join(w.targets[x][0] for x in sorted(model.sets[l])))]
    if t in model.sets[l]:
        return [('%s.%d.%d' % (ASSOC_RS, l, t), 'i', rng.choice(['4', '1']))]
    return [('%s.%d.%d' % (ASSOC_RS, l, t), 'i', '6')]


def random_pdus(n, seed):
    rng = random.Random(seed)
    state_dir = os.path.join(TMP, 'state')
    d, world, model = first_start(state_dir)
    stats = {'pdus': 0, 'accepted': 0, 'refused': 0, 'noop': 0, 'varbinds': 0, 'inq': 0}
    by_kind = {}
    t0 = time.time()
    for i in range(1, n + 1):
        if out_of_time(t0):
            log('pdus: time budget spent after %d PDUs' % (i - 1))
            break
        r = rng.random()
        if r < 0.45:
            vbs, new, asked = valid_pdu(model, rng)
            kind, want = 'valid', 'noError'
        elif r < 0.5:
            # lunmapSubsystemRefresh idle(1), refresh(2), reenumerate(3) or
            # restore(4) of a stack that matches the state, alone or with
            # changes: the changes are made, nothing else moves
            # (refresh/reenumerate/restore with changes in one PDU is
            # refused: the result would depend on the order)
            vbs, new, asked = valid_pdu(model, rng) if rng.random() < 0.5 else ([], {}, {})
            how = rng.choice(['1', '2', '3', '4'])
            kind, want = 'refresh', 'noError'
            if vbs and how != '1':
                new, asked, want = {}, {}, 'inconsistentValue'
            vbs = vbs + [(REFRESH, 'i', how)]
            rng.shuffle(vbs)
        elif r < 0.9:
            vbs, want, kind = bad_pdu(model, rng)
            new, asked = {}, {}
        else:
            vbs, new, asked, kind, want = noop_pdu(model, rng), {}, {}, 'noop', 'any'
        status, out = snmpset(vbs)
        if kind == 'refresh' and status == 'noError':
            wait_action()
        stats['varbinds'] += len(vbs)
        by_kind[kind] = by_kind.get(kind, 0) + 1
        try:
            if not d.alive():
                raise Failure('lunmapd died')
            if want == 'noError' and status == 'genError':
                # the master's AgentX timeout ran out (a loaded host):
                # refused, so it must have changed nothing
                stats['master_timeouts'] = stats.get('master_timeouts', 0) + 1
            elif want == 'noError' and status != 'noError':
                raise Failure('valid PDU refused: %s' % out)
            if want not in ('noError', 'any') and status == 'noError':
                raise Failure('invalid PDU (%s) accepted' % kind)
            if want not in ('noError', 'any', None) and status != want:
                raise Failure('invalid PDU (%s): %s, want %s' % (kind, status, want))
            sets, nums = observe(world, state_dir)
            before_nums = dict(model.nums)
            before_sets = dict(model.sets)
            if status == 'noError':
                apply(model, new, asked)
            for l in world.luns:
                if sets[l] != model.sets[l]:
                    raise Failure('LUN %d has %s, the model %s (PDU %s)'
                                  % (l, sorted(sets[l]), sorted(model.sets[l]), status))
            for key, num in model.nums.items():
                if nums.get(key) != num:
                    raise Failure('LUN %d on target %d has number %s, the model %d'
                                  % (key[0], key[1], nums.get(key), num))
            lowest_free(before_sets, before_nums, nums)
        except Failure as e:
            raise Failure('PDU %d (%s): %s\n  %s' % (i, kind, e, describe(vbs)))
        model.nums = dict(nums)
        stats['pdus'] += 1
        stats['accepted' if status == 'noError' else 'refused'] += 1
        if kind == 'noop':
            stats['noop'] += 1
        if i % 25 == 0:
            inq_sample(world, rng, nums, stats)
        if i % 250 == 0 or i == n:
            log('pdus: %d in %.0f s: %s kinds %s' % (i, time.time() - t0, stats, by_kind))
    d.stop()
    return stats


def lowest_free(before_sets, before_nums, nums):
    """A new association without an asked number got the lowest number
    >= 1 that was free on its target before the PDU and is free after it
    (a number freed in the same PDU is not handed out again in it)."""
    for (l, t), n in nums.items():
        if (l, t) in before_nums or n >= 32:
            continue  # kept, or asked (asked numbers are >= 32 here)
        for m in range(1, n):
            used_before = any(tt == t and num == m for (ll, tt), num in before_nums.items())
            used_after = any(tt == t and num == m for (ll, tt), num in nums.items())
            if not used_before and not used_after:
                raise Failure('LUN %d on target %d got number %d, but %d was free'
                              % (l, t, n, m))
