"""Conflict-directed tabu search over swaps, after Dotu & Van Hentenryck (CPAIOR 2005).

A state is a schedule (rounds x people -> room); a move swaps two people of different
rooms in one round, so room sizes never change. Each step looks at a few *conflict
positions* (a person in a round who shares the room with someone met before, with a
colleague, or sits in a room that breaks an authority rule), scores every swap of them
with anyone in another room of that round, and makes the best swap that is not tabu
(aspiration: a tabu swap that gives a new best is allowed). The score is lexicographic:
``lam * H + P`` first (H the hard-rule measure of ``evaluate.py``, P the repeats, ``lam``
doubling while rules are broken and halving back when they hold), then the soft score
S = w_sector * same-sector pairs - w_theme * shared-interest pairs; ties are broken at
random. After ``stall`` steps without a new best the search goes back to the best schedule
and kicks a few random swaps (or, if asked, starts again from fresh greedy rounds). Tabu:
two people who swapped in a round may not swap again in it for 4-100 steps. Once no
conflict is left (or
the repeats reach the proven lower bound with every rule met) it only polishes S with
swaps that keep H and P.

Incremental state (all kept exact, checked against ``evaluate_schedule`` in the tests):
``met[i, j]`` (int8: times met, history counting once), per-room member lists, authority,
sector and theme counts, ``rep[r, i]`` (i's roommates in round r met before or colleagues)
and the set of conflict positions. A swap costs O(s + A + T) to score and O(s * R) to make.

Kernels are resumable (``max_steps`` per call) so the driver checks the clock between
calls; the trajectory depends only on the seed and the number of steps. Randomness is the
search engine's xorshift64 generator (``clnmatch.search.rng``); ``clnmatch.jit`` keys the
compiled cache on every kernel file, so kernels may call across files. ``met`` is n x n
bytes: 25 MB for 5,000 people, which bounds the size of one schedule (``MAX_PEOPLE``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import inline as _inline
from clnmatch.jit import kernel as _jit
from clnmatch.search.rng import randint as _randint
from clnmatch.search.rng import random as _random

__all__ = [
    "MAX_PEOPLE",
    "Model",
    "State",
    "build",
    "run_steps",
    "greedy_round",
    "relabel_steps",
]

MAX_PEOPLE = 12_000

# params indexes
P_MIN_AUTH, P_CAP, P_W_SECTOR, P_W_THEME, P_TENURE_MIN, P_TENURE_SPAN = 0, 1, 2, 3, 4, 5
P_BUDGET, P_STALL, P_KICK, P_LAM_MAX, P_SOFT_STALL, P_RESTORE = 6, 7, 8, 9, 10, 11
_SOFT_POSITIONS = 8
# ctl indexes
C_IT, C_LAM, C_SINCE_BEST, C_KICKS, C_CONF_N, C_SOFT = 0, 1, 2, 3, 4, 5
# totals indexes: room violations, colleague pairs, repeats, soft score
T_VIOL, T_COLL, T_REP, T_SOFT = 0, 1, 2, 3


class Model(NamedTuple):
    est: NDArray[np.int32]
    auth: NDArray[np.int32]
    sector: NDArray[np.int32]
    interest: NDArray[np.uint8]
    free: NDArray[np.bool_]
    hist_i: NDArray[np.int32]
    hist_j: NDArray[np.int32]
    params: NDArray[np.int64]


class State(NamedTuple):
    room: NDArray[np.int32]
    members: NDArray[np.int32]
    size: NDArray[np.int32]
    slot: NDArray[np.int32]
    met: NDArray[np.int8]
    auth_count: NDArray[np.int16]
    distinct: NDArray[np.int16]
    sector_count: NDArray[np.int16]
    theme_count: NDArray[np.int16]
    rep: NDArray[np.int32]
    room_viol: NDArray[np.int32]
    conf_list: NDArray[np.int32]
    conf_pos: NDArray[np.int32]
    tabu_partner: NDArray[np.int32]
    tabu_until: NDArray[np.int64]
    totals: NDArray[np.int64]
    ctl: NDArray[np.int64]
    rs: NDArray[np.uint64]
    best_room: NDArray[np.int32]
    best_totals: NDArray[np.int64]
    scratch: NDArray[np.int32]
    pool: NDArray[np.int32]
    mark: NDArray[np.int8]


# ============================================================================ state
@_inline
def _copy2(dst: Any, src: Any) -> None:
    for i in range(dst.shape[0]):
        for j in range(dst.shape[1]):
            dst[i, j] = src[i, j]


@_inline
def _coll(m: Any, x: Any, y: Any) -> Any:
    return m.est[x] >= 0 and m.est[x] == m.est[y]


@_inline
def _violation(m: Any, s: Any, r: Any, k: Any) -> Any:
    """Hard measure of room k in round r: missing authorities + people beyond the cap."""
    v = 0
    need = m.params[P_MIN_AUTH]
    if need > 1 and s.distinct[r, k] < need:
        v += need - s.distinct[r, k]
    cap = m.params[P_CAP]
    for a in range(s.auth_count.shape[2]):
        c = s.auth_count[r, k, a]
        if c > cap:
            v += c - cap
    return v


@_inline
def _conflicting(m: Any, s: Any, r: Any, x: Any) -> Any:
    k = s.room[r, x]
    return m.free[r] and k >= 0 and (s.rep[r, x] > 0 or s.room_viol[r, k] > 0)


@_inline
def _refresh(m: Any, s: Any, r: Any, x: Any) -> None:
    """Add or drop position (r, x) in the conflict set."""
    n = s.room.shape[1]
    p = r * n + x
    inside = s.conf_pos[p] >= 0
    want = _conflicting(m, s, r, x)
    if want and not inside:
        s.conf_pos[p] = s.ctl[C_CONF_N]
        s.conf_list[s.ctl[C_CONF_N]] = p
        s.ctl[C_CONF_N] += 1
    elif inside and not want:
        last = s.conf_list[s.ctl[C_CONF_N] - 1]
        s.conf_list[s.conf_pos[p]] = last
        s.conf_pos[last] = s.conf_pos[p]
        s.conf_pos[p] = -1
        s.ctl[C_CONF_N] -= 1


@_jit
def _bump_other_rounds(m: Any, s: Any, r: Any, x: Any, y: Any, step: Any) -> None:
    """x and y became (step +1) or stopped being (-1) a repeat pair: fix rep elsewhere."""
    for q in range(s.room.shape[0]):
        if q != r and m.free[q] and s.room[q, x] >= 0 and s.room[q, x] == s.room[q, y]:
            s.rep[q, x] += step
            s.rep[q, y] += step
            _refresh(m, s, q, x)
            _refresh(m, s, q, y)


@_jit
def _leave(m: Any, s: Any, r: Any, x: Any) -> None:
    k = s.room[r, x]
    for t in range(s.size[r, k]):
        y = s.members[r, k, t]
        if y == x:
            continue
        coll = _coll(m, x, y)
        old = s.met[x, y]
        if old >= 2 or coll:
            s.rep[r, x] -= 1
            s.rep[r, y] -= 1
            _refresh(m, s, r, y)
        if old >= 2:
            s.totals[T_REP] -= 1
        if coll:
            s.totals[T_COLL] -= 1
        s.met[x, y] = old - 1
        s.met[y, x] = old - 1
        if old == 2 and not coll:
            _bump_other_rounds(m, s, r, x, y, -1)
    # drop x from the member list (the last member takes its slot)
    last = s.members[r, k, s.size[r, k] - 1]
    s.members[r, k, s.slot[r, x]] = last
    s.slot[r, last] = s.slot[r, x]
    s.size[r, k] -= 1
    s.room[r, x] = -1
    a = m.auth[x]
    if a >= 0:
        s.auth_count[r, k, a] -= 1
        if s.auth_count[r, k, a] == 0:
            s.distinct[r, k] -= 1
    if m.sector[x] >= 0:
        s.sector_count[r, k, m.sector[x]] -= 1
    for t in range(m.interest.shape[1]):
        if m.interest[x, t]:
            s.theme_count[r, k, t] -= 1


@_jit
def _join(m: Any, s: Any, r: Any, x: Any, k: Any) -> None:
    for t in range(s.size[r, k]):
        y = s.members[r, k, t]
        coll = _coll(m, x, y)
        old = s.met[x, y]
        if old >= 1:
            s.totals[T_REP] += 1
        if coll:
            s.totals[T_COLL] += 1
        s.met[x, y] = old + 1
        s.met[y, x] = old + 1
        if old + 1 >= 2 or coll:
            s.rep[r, x] += 1
            s.rep[r, y] += 1
            _refresh(m, s, r, y)
        if old == 1 and not coll:
            _bump_other_rounds(m, s, r, x, y, 1)
    s.members[r, k, s.size[r, k]] = x
    s.slot[r, x] = s.size[r, k]
    s.size[r, k] += 1
    s.room[r, x] = k
    a = m.auth[x]
    if a >= 0:
        if s.auth_count[r, k, a] == 0:
            s.distinct[r, k] += 1
        s.auth_count[r, k, a] += 1
    if m.sector[x] >= 0:
        s.sector_count[r, k, m.sector[x]] += 1
    for t in range(m.interest.shape[1]):
        if m.interest[x, t]:
            s.theme_count[r, k, t] += 1


@_inline
def _soft_of_room(m: Any, s: Any, r: Any, k: Any) -> Any:
    same = np.int64(0)
    for c in range(s.sector_count.shape[2]):
        v = np.int64(s.sector_count[r, k, c])
        same += v * (v - 1) // 2
    shared = np.int64(0)
    for t in range(s.theme_count.shape[2]):
        v = np.int64(s.theme_count[r, k, t])
        shared += v * (v - 1) // 2
    return m.params[P_W_SECTOR] * same - m.params[P_W_THEME] * shared


@_jit
def _set_room_viol(m: Any, s: Any, r: Any, k: Any) -> None:
    new = _violation(m, s, r, k)
    if new != s.room_viol[r, k]:
        s.totals[T_VIOL] += new - s.room_viol[r, k]
        s.room_viol[r, k] = new
        for t in range(s.size[r, k]):
            _refresh(m, s, r, s.members[r, k, t])


@_jit
def _apply_swap(m: Any, s: Any, r: Any, a: Any, b: Any) -> None:
    ka, kb = s.room[r, a], s.room[r, b]
    s.totals[T_SOFT] -= _soft_of_room(m, s, r, ka) + _soft_of_room(m, s, r, kb)
    _leave(m, s, r, a)
    _leave(m, s, r, b)
    _join(m, s, r, a, kb)
    _join(m, s, r, b, ka)
    s.totals[T_SOFT] += _soft_of_room(m, s, r, ka) + _soft_of_room(m, s, r, kb)
    _set_room_viol(m, s, r, ka)
    _set_room_viol(m, s, r, kb)
    _refresh(m, s, r, a)
    _refresh(m, s, r, b)


@_jit
def _rebuild(m: Any, s: Any) -> None:
    """Recompute every derived array from ``s.room`` (and the history pairs)."""
    rounds, n = s.room.shape
    s.met[:, :] = 0
    for h in range(m.hist_i.shape[0]):
        s.met[m.hist_i[h], m.hist_j[h]] = 1
        s.met[m.hist_j[h], m.hist_i[h]] = 1
    s.size[:, :] = 0
    s.auth_count[:, :, :] = 0
    s.distinct[:, :] = 0
    s.sector_count[:, :, :] = 0
    s.theme_count[:, :, :] = 0
    s.rep[:, :] = 0
    s.room_viol[:, :] = 0
    s.conf_pos[:] = -1
    s.ctl[C_CONF_N] = 0
    s.totals[:] = 0
    placed = s.scratch
    for r in range(rounds):
        for x in range(n):
            placed[r, x] = s.room[r, x]
            s.room[r, x] = -1
    for r in range(rounds):
        for x in range(n):
            k = placed[r, x]
            if k >= 0:
                _join(m, s, r, x, k)
    for r in range(rounds):
        for k in range(s.size.shape[1]):
            s.totals[T_SOFT] += _soft_of_room(m, s, r, k)
            _set_room_viol(m, s, r, k)
        for x in range(n):
            _refresh(m, s, r, x)


@_jit
def build(m: Any, s: Any, start: Any) -> None:
    """Load schedule ``start`` into the state and make it the best so far."""
    _copy2(s.room, start)
    _rebuild(m, s)
    _copy2(s.best_room, s.room)
    s.best_totals[0] = s.totals[T_VIOL] + s.totals[T_COLL]
    s.best_totals[1] = s.totals[T_REP]
    s.best_totals[2] = s.totals[T_SOFT]


# ============================================================================ moves
@_inline
def _leave_delta(m: Any, s: Any, r: Any, k: Any, out: Any, inn: Any) -> Any:
    """(dH, dP) from room k of round r when ``out`` leaves it and ``inn`` takes its place:
    the collisions and repeat meetings with the room's other members."""
    dh = 0
    dp = 0
    for t in range(s.size[r, k]):
        c = s.members[r, k, t]
        if c == out:
            continue
        if s.met[out, c] >= 2:
            dp -= 1
        if s.met[inn, c] >= 1:
            dp += 1
        if _coll(m, out, c):
            dh -= 1
        if _coll(m, inn, c):
            dh += 1
    return dh, dp


@_jit
def _swap_delta(m: Any, s: Any, r: Any, a: Any, b: Any) -> Any:
    """(dH, dP, dS) of swapping a and b (different rooms) in round r."""
    ka, kb = s.room[r, a], s.room[r, b]
    dh_a, dp_a = _leave_delta(m, s, r, ka, a, b)
    dh_b, dp_b = _leave_delta(m, s, r, kb, b, a)
    dh = dh_a + dh_b
    dp = dp_a + dp_b
    aa, ab = m.auth[a], m.auth[b]
    if aa != ab:
        need = m.params[P_MIN_AUTH]
        cap = m.params[P_CAP]
        for side in range(2):
            k = ka if side == 0 else kb
            out = aa if side == 0 else ab
            inn = ab if side == 0 else aa
            distinct = s.distinct[r, k]
            before = 0
            after = 0
            new_distinct = distinct
            if out >= 0:
                c = s.auth_count[r, k, out]
                if c == 1:
                    new_distinct -= 1
                before += max(0, c - cap)
                after += max(0, c - 1 - cap)
            if inn >= 0:
                c = s.auth_count[r, k, inn]
                if c == 0:
                    new_distinct += 1
                before += max(0, c - cap)
                after += max(0, c + 1 - cap)
            if need > 1:
                before += max(0, need - distinct)
                after += max(0, need - new_distinct)
            dh += after - before
    same = 0
    sa, sb = m.sector[a], m.sector[b]
    if sa != sb:
        if sa >= 0:
            same += -(s.sector_count[r, ka, sa] - 1) + s.sector_count[r, kb, sa]
        if sb >= 0:
            same += s.sector_count[r, ka, sb] - (s.sector_count[r, kb, sb] - 1)
    shared = 0
    for t in range(m.interest.shape[1]):
        ia, ib = m.interest[a, t], m.interest[b, t]
        if ia and not ib:
            shared += -(s.theme_count[r, ka, t] - 1) + s.theme_count[r, kb, t]
        elif ib and not ia:
            shared += s.theme_count[r, ka, t] - (s.theme_count[r, kb, t] - 1)
    ds = m.params[P_W_SECTOR] * same - m.params[P_W_THEME] * shared
    return dh, dp, ds


@_inline
def _tabu(s: Any, r: Any, a: Any, b: Any, it: Any) -> Any:
    """a and b swapped in round r not long ago, so may not swap back (Dotu & Van Hentenryck)."""
    return (s.tabu_partner[r, a] == b and s.tabu_until[r, a] > it) or (
        s.tabu_partner[r, b] == a and s.tabu_until[r, b] > it
    )


@_inline
def _beats_best(s: Any, h: Any, p: Any, soft: Any) -> Any:
    """(rule breaches, repeats, soft score) lexicographically below the best so far."""
    b = s.best_totals
    return h < b[0] or (h == b[0] and (p < b[1] or (p == b[1] and soft < b[2])))


@_inline
def _pick_position(m: Any, s: Any, soft: Any) -> Any:
    rounds, n = s.room.shape
    if not soft and s.ctl[C_CONF_N] > 0:
        return s.conf_list[_randint(s.rs, s.ctl[C_CONF_N])]
    for _ in range(64):
        r = _randint(s.rs, rounds)
        x = _randint(s.rs, n)
        if m.free[r] and s.room[r, x] >= 0:
            return r * n + x
    return -1


@_jit
def _kick(m: Any, s: Any, count: Any) -> None:
    n = s.room.shape[1]
    for _ in range(count):
        p = _pick_position(m, s, False)
        if p < 0:
            return
        r, x = p // n, p % n
        for _ in range(32):
            y = _randint(s.rs, n)
            if s.room[r, y] >= 0 and s.room[r, y] != s.room[r, x]:
                _apply_swap(m, s, r, x, y)
                break


@_jit
def run_steps(m: Any, s: Any, max_steps: Any, target_repeats: Any) -> Any:
    """Run up to ``max_steps`` steps; 1 when done (no conflict and nothing soft to gain)."""
    rounds, n = s.room.shape
    has_soft = m.params[P_W_SECTOR] > 0 or m.params[P_W_THEME] > 0
    for _ in range(max_steps):
        it = s.ctl[C_IT]
        s.ctl[C_IT] = it + 1
        lam = s.ctl[C_LAM]
        h_now = s.totals[T_VIOL] + s.totals[T_COLL]
        soft = h_now == 0 and (s.ctl[C_CONF_N] == 0 or s.totals[T_REP] <= target_repeats)
        if soft and not has_soft:
            return 1
        if soft and s.ctl[C_SOFT] == 0:
            s.ctl[C_SOFT] = 1
            s.ctl[C_SINCE_BEST] = 0
        if soft and s.ctl[C_SINCE_BEST] > m.params[P_SOFT_STALL]:
            return 1
        if it % 256 == 0:  # rules broken: weigh them more; kept: less
            if h_now > 0:
                s.ctl[C_LAM] = min(lam * 2, m.params[P_LAM_MAX])
            elif lam > 1:
                s.ctl[C_LAM] = lam // 2
        budget = m.params[P_BUDGET]
        positions = max(1, budget // n)
        if soft:  # polishing: a few random people a step, many steps
            positions = min(positions, _SOFT_POSITIONS)
        else:
            positions = min(positions, max(1, s.ctl[C_CONF_N]))
        best_key = np.int64(1) << 62
        best_ds = np.int64(1) << 62
        best_r = -1
        best_a = -1
        best_b = -1
        ties = 0
        cur_h, cur_p = h_now, s.totals[T_REP]
        scan_all = not soft and s.ctl[C_CONF_N] * n <= budget
        if scan_all:
            positions = s.ctl[C_CONF_N]
        for pick in range(positions):
            p = s.conf_list[pick] if scan_all else _pick_position(m, s, soft)
            if p < 0:
                break
            r, a = p // n, p % n
            ka = s.room[r, a]
            for b in range(n):
                kb = s.room[r, b]
                if kb < 0 or kb == ka:
                    continue
                dh, dp, ds = _swap_delta(m, s, r, a, b)
                if soft and (dh > 0 or dp > 0):
                    continue
                key = lam * dh + dp
                # aspiration: a tabu swap is fine when it gives a new best
                new_best = _beats_best(s, cur_h + dh, cur_p + dp, s.totals[T_SOFT] + ds)
                if _tabu(s, r, a, b, it) and not new_best:
                    continue
                if key < best_key or (key == best_key and ds < best_ds):
                    best_key, best_ds, best_r, best_a, best_b, ties = key, ds, r, a, b, 1
                elif key == best_key and ds == best_ds:
                    ties += 1
                    if _randint(s.rs, ties) == 0:
                        best_r, best_a, best_b = r, a, b
        if best_r < 0:  # nothing admissible: wait for the tabu to expire (or kick)
            s.ctl[C_SINCE_BEST] += 1
            if not soft:
                _kick(m, s, 1)
            continue
        ka, kb = s.room[best_r, best_a], s.room[best_r, best_b]
        _apply_swap(m, s, best_r, best_a, best_b)
        span = m.params[P_TENURE_SPAN]
        tenure = m.params[P_TENURE_MIN] + (_randint(s.rs, span) if span > 0 else 0)
        s.tabu_partner[best_r, best_a] = best_b
        s.tabu_partner[best_r, best_b] = best_a
        s.tabu_until[best_r, best_a] = it + tenure
        s.tabu_until[best_r, best_b] = it + tenure
        h_new = s.totals[T_VIOL] + s.totals[T_COLL]
        if _beats_best(s, h_new, s.totals[T_REP], s.totals[T_SOFT]):
            s.best_totals[0] = h_new
            s.best_totals[1] = s.totals[T_REP]
            s.best_totals[2] = s.totals[T_SOFT]
            _copy2(s.best_room, s.room)
            s.ctl[C_SINCE_BEST] = 0
            s.ctl[C_KICKS] = 0
        else:
            s.ctl[C_SINCE_BEST] += 1
        if not soft and s.ctl[C_SINCE_BEST] > m.params[P_STALL]:
            s.ctl[C_SINCE_BEST] = 0
            if m.params[P_RESTORE] == 0:
                return 2  # the driver restarts from a fresh greedy schedule
            s.ctl[C_KICKS] += 1
            if s.ctl[C_KICKS] % m.params[P_RESTORE] == 0:  # back to the best, then kick
                _copy2(s.room, s.best_room)
                _rebuild(m, s)
            _kick(m, s, m.params[P_KICK])
    return 0


# ============================================================================ greedy start
@_jit
def _join_cost(m: Any, s: Any, r: Any, k: Any, c: Any) -> Any:
    """How much c joining room k of round r hurts: colleagues, authority rules, repeats."""
    coll = 0
    again = 0
    for t in range(s.size[r, k]):
        y = s.members[r, k, t]
        if _coll(m, c, y):
            coll += 1
        if s.met[c, y] >= 1:
            again += 1
    cost = 1000 * coll + 10 * again
    a = m.auth[c]
    if a >= 0:
        count = s.auth_count[r, k, a]
        if count >= m.params[P_CAP]:
            cost += 100
        if count == 0 and s.distinct[r, k] < m.params[P_MIN_AUTH]:
            cost -= 5
    return cost


@_jit
def _freedom(s: Any, c: Any) -> Any:
    """People still unmet by every member of the room being filled and by c (Triska &
    Musliu's freedom; ``s.mark`` holds the room's part)."""
    f = 0
    for u in range(s.mark.shape[0]):
        if s.mark[u] and u != c and s.met[u, c] == 0:
            f += 1
    return f


@_jit
def _mark_join(s: Any, x: Any, first: Any) -> None:
    for u in range(s.mark.shape[0]):
        if first:
            s.mark[u] = 1 if (u != x and s.met[u, x] == 0) else 0
        elif s.met[u, x] != 0 or u == x:
            s.mark[u] = 0


@_jit
def greedy_round(
    m: Any, s: Any, r: Any, present: Any, targets: Any, sample: Any, freedom: Any
) -> None:
    """Fill round r room by room, each starting with a random person. Each further place
    goes to the least harmful of up to ``sample`` unplaced people (all when fewer):
    colleagues, authority rules, people met before; with ``freedom``, ties go to whoever
    leaves the room the most people still unmet by all its members (after Triska & Musliu's
    freedom of a set of players, 2012)."""
    n_pool = 0
    for x in range(present.shape[0]):
        if present[x]:
            s.pool[n_pool] = x
            n_pool += 1
    for k in range(targets.shape[0]):
        for place in range(targets[k]):
            if n_pool == 0:
                return
            pick = _randint(s.rs, n_pool)
            if place > 0:
                best_cost = np.int64(1) << 62
                best_f = -1
                ties = 0
                tries = min(sample, n_pool)
                for t in range(tries):
                    i = t if tries == n_pool else _randint(s.rs, n_pool)
                    cost = _join_cost(m, s, r, k, s.pool[i])
                    f = _freedom(s, s.pool[i]) if freedom and cost < best_cost + 1 else 0
                    if cost < best_cost or (cost == best_cost and f > best_f):
                        best_cost, best_f, pick, ties = cost, f, i, 1
                    elif cost == best_cost and f == best_f:
                        ties += 1
                        if _randint(s.rs, ties) == 0:
                            pick = i
            x = s.pool[pick]
            n_pool -= 1
            s.pool[pick] = s.pool[n_pool]
            if freedom:
                _mark_join(s, x, place == 0)
            _join(m, s, r, x, k)


# ============================================================================ relabelling
@_jit
def _itinerary_delta(m: Any, s: Any, x: Any, y: Any) -> Any:
    """(dH, dS) of x and y trading places in every free round (repeats cannot change when
    there is no history: the schedule's shape is the same, only the names move)."""
    dh = 0
    ds = 0
    for r in range(s.room.shape[0]):
        if not m.free[r] or s.room[r, x] < 0 or s.room[r, y] < 0:
            continue
        if s.room[r, x] == s.room[r, y]:
            continue
        h, p, sd = _swap_delta(m, s, r, x, y)
        dh += h
        ds += sd
    return dh, ds


@_jit
def relabel_steps(m: Any, s: Any, max_steps: Any, done: Any, total: Any, anneal: Any) -> Any:
    """Whole-itinerary swaps to meet the side rules of a design's schedule without touching
    its repeats; returns 1 when no rule is broken. ``anneal`` 0: a tabu search taking each
    conflicted person's best swap (121 people, rooms of 11, 6 authorities a room: 0.02 s);
    1: simulated annealing on random swaps, its temperature falling from 1 to 0.02
    breaches over steps ``done`` .. ``done + max_steps`` of ``total`` (where the tabu
    search stalls: 31 people, rooms of 4, 3 authorities a room, 0.05 s)."""
    rounds, n = s.room.shape
    for step in range(done, done + max_steps):
        if s.totals[T_VIOL] + s.totals[T_COLL] == 0:
            return 1
        it = s.ctl[C_IT]
        s.ctl[C_IT] = it + 1
        p = _pick_position(m, s, False)
        if p < 0:
            return 0
        x = p % n
        if anneal:
            y = _randint(s.rs, n)
            if y == x:
                continue
            dh, _ = _itinerary_delta(m, s, x, y)
            temperature = 0.02 ** (step / max(total, 1))
            if dh > 0 and _random(s.rs) >= np.exp(-dh / temperature):
                continue
        else:
            best_dh = np.int64(1) << 62
            best_ds = np.int64(1) << 62
            y, ties = -1, 0
            for z in range(n):
                if z == x or s.tabu_until[0, z] > it:
                    continue
                dh, ds = _itinerary_delta(m, s, x, z)
                if dh < best_dh or (dh == best_dh and ds < best_ds):
                    best_dh, best_ds, y, ties = dh, ds, z, 1
                elif dh == best_dh and ds == best_ds:
                    ties += 1
                    if _randint(s.rs, ties) == 0:
                        y = z
            if y < 0:
                continue
            tenure = m.params[P_TENURE_MIN] + _randint(s.rs, max(1, m.params[P_TENURE_SPAN]))
            s.tabu_until[0, x] = it + tenure
            s.tabu_until[0, y] = it + tenure
        for r in range(rounds):
            kx, ky = s.room[r, x], s.room[r, y]
            if m.free[r] and kx >= 0 and ky >= 0 and kx != ky:
                _apply_swap(m, s, r, x, y)
    return 0
