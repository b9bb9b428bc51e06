"""The pricing heuristic: given or randomised greedy teams, improved by add / drop / swap.

A move's violation (the rule table's measure, ``clnmatch.rules.kernels``) and value come
from the team's totals: O(labels + cuts of the two super-units) per candidate, not O(n).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from clnmatch.colgen.pricing_kernels import CutPrices, Tables, Work
from clnmatch.jit import inline, kernel
from clnmatch.rules.kernels import LOCK_PENALTY, RuleKernel, add_group, team_violation

__all__ = ["heuristic"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_PLUS: Any = np.int64(1)
_MINUS: Any = np.int64(-1)


@inline
def _violation(
    r: RuleKernel, tb: Tables, inside: BoolArray, sums: IntArray, labels: IntArray
) -> int:
    """The rule table's violation measure of the team ``inside`` (0: feasible)."""
    n = inside.shape[0]
    sums[:, 0] = 0
    labels[0, :] = 0
    v = 0
    for u in range(n):
        if inside[u]:
            if tb.forbidden[u]:
                v += LOCK_PENALTY
            add_group(r, sums, labels, u, 0, _PLUS)
            for x in range(r.apart_start[u], r.apart_start[u + 1]):
                if r.apart[x] > u and inside[r.apart[x]]:
                    v += LOCK_PENALTY
    return v + team_violation(r, sums, labels, 0, 0)


@inline
def _value(tb: Tables, lin: FloatArray, inside: BoolArray) -> float:
    n = inside.shape[0]
    v = 0.0
    hc = False
    ha = False
    for a in range(n):
        if inside[a]:
            v += lin[a]
            hc = hc or tb.chal[a]
            ha = ha or tb.affl[a]
            for c in range(a + 1, n):
                if inside[c]:
                    v += tb.pair[a, c]
    if hc and ha:
        v += tb.simd
    return v


@inline
def _store(
    pool_val: FloatArray, pool_mem: BoolArray, n_pool: int, value: float, inside: BoolArray
) -> int:
    """Put a team into the pool (distinct teams, the best kept); the new pool size."""
    n = inside.shape[0]
    max_pool = pool_val.shape[0]
    for k in range(n_pool):
        if pool_val[k] == value:
            same = True
            for v in range(n):
                if pool_mem[k, v] != inside[v]:
                    same = False
                    break
            if same:
                return n_pool
    slot = -1
    if n_pool < max_pool:
        slot = n_pool
        n_pool += 1
    else:
        worst = 0
        for k in range(1, max_pool):
            if pool_val[k] < pool_val[worst]:
                worst = k
        if pool_val[worst] < value:
            slot = worst
    if slot >= 0:
        pool_val[slot] = value
        for v in range(n):
            pool_mem[slot, v] = inside[v]
    return n_pool


@inline
def _greedy_team(r: RuleKernel, tb: Tables, lin: FloatArray, w: Work) -> None:
    """A randomised greedy team: add one of the three best (noisy) gains while it helps or
    the team is below its lows."""
    inside, gain, load = w.inside, w.gain, w.load
    n = inside.shape[0]
    inside[:] = False
    first = np.random.randint(n)
    while tb.forbidden[first]:
        first = np.random.randint(n)
    inside[first] = True
    for s in range(load.shape[0]):
        load[s] = r.amount[s, first]
    for v in range(n):
        gain[v] = lin[v] + tb.pair[first, v]
    while True:
        c1 = -1
        c2 = -1
        c3 = -1
        g1 = -1.0e300
        g2 = -1.0e300
        g3 = -1.0e300
        for v in range(n):
            if inside[v] or tb.forbidden[v]:
                continue
            over = False
            for s in range(load.shape[0]):
                if load[s] + r.amount[s, v] > r.high[s, 0]:
                    over = True
            if over:
                continue
            g = gain[v] + 0.25 * abs(gain[v]) * np.random.random()
            if g > g1:
                c3, g3 = c2, g2
                c2, g2 = c1, g1
                c1, g1 = v, g
            elif g > g2:
                c3, g3 = c2, g2
                c2, g2 = v, g
            elif g > g3:
                c3, g3 = v, g
        if c1 < 0:
            break
        rnd = np.random.random()
        pick = c1
        if rnd > 0.6 and c2 >= 0:
            pick = c2
        if rnd > 0.85 and c3 >= 0:
            pick = c3
        low_met = True
        for s in range(load.shape[0]):
            if load[s] < r.low[s, 0]:
                low_met = False
        if low_met and gain[pick] <= 0:
            break
        inside[pick] = True
        for s in range(load.shape[0]):
            load[s] += r.amount[s, pick]
        for v in range(n):
            gain[v] += tb.pair[pick, v]


@inline
def _partners_inside(r: RuleKernel, inside: BoolArray, u: int, leaving: int) -> int:
    """Apart partners of super-unit u inside the team (not counting ``leaving``)."""
    count = 0
    for x in range(r.apart_start[u], r.apart_start[u + 1]):
        y = r.apart[x]
        if y != leaving and inside[y]:
            count += 1
    return count


@inline
def _cut_change(cu: CutPrices, a: int, c: int, mark: int) -> float:
    """Change of the team's value (less its cut dues) if super-unit a left (-1: none) and c
    joined (-1: none); the counts are left as they were (``mark``: a fresh stamp)."""
    before = 0.0
    after = 0.0
    for u in (a, c):
        if u < 0:
            continue
        for x in range(cu.start[u], cu.start[u + 1]):
            q = cu.cut[x]
            if cu.stamp[q] != mark:
                cu.stamp[q] = mark
                before += cu.sigma[q] * (cu.held[q] // cu.divisor[q])
    for sign, u in ((-1, a), (1, c)):
        if u >= 0:
            for x in range(cu.start[u], cu.start[u + 1]):
                cu.held[cu.cut[x]] += sign * cu.mult[x]
    for u in (a, c):
        if u < 0:
            continue
        for x in range(cu.start[u], cu.start[u + 1]):
            q = cu.cut[x]
            if cu.stamp[q] == mark:
                cu.stamp[q] = -mark
                after += cu.sigma[q] * (cu.held[q] // cu.divisor[q])
    for sign, u in ((1, a), (-1, c)):
        if u >= 0:
            for x in range(cu.start[u], cu.start[u + 1]):
                cu.held[cu.cut[x]] += sign * cu.mult[x]
    return before - after


@inline
def _cut_release(cu: CutPrices, a: int) -> float:
    """The most super-unit a's leaving can give back in cut dues: m of a cut's units
    leaving lower floor(h / k) by at most ceil(m / k)."""
    total = 0.0
    if a >= 0:
        for x in range(cu.start[a], cu.start[a + 1]):
            q = cu.cut[x]
            k = cu.divisor[q]
            total += cu.sigma[q] * ((cu.mult[x] + k - 1) // k)
    return total


@inline
def _mix(tb: Tables, n_chal: int, n_affl: int) -> float:
    return tb.simd if n_chal > 0 and n_affl > 0 else 0.0


@kernel
def heuristic(
    r: RuleKernel,
    tb: Tables,
    lin: FloatArray,
    starts: BoolArray,
    n_random: int,
    seed: int,
    pool_val: FloatArray,
    pool_mem: BoolArray,
    threshold: float,
    best_mem: BoolArray,
    w: Work,
    cu: CutPrices,
) -> tuple[int, float]:
    """Given or greedy starts + add / drop / swap local search; fills the pool.

    Starts are the rows of ``starts`` (teams to improve, e.g. the LP's columns) followed by
    ``n_random`` randomised greedy teams. The search is lexicographic on (violation,
    -value). Returns (teams in the pool, best value seen).
    """
    np.random.seed(seed)
    n = tb.pair.shape[0]
    max_pool = pool_val.shape[0]
    n_pool = 0
    best_seen = -1.0e300
    inside, gain, sums, labels = w.inside, w.gain, w.sums, w.labels
    n_given = starts.shape[0]
    mark = 0
    for start in range(n_given + n_random):
        if start < n_given:
            for v in range(n):
                inside[v] = starts[start, v]
                gain[v] = lin[v]
            for a in range(n):
                if inside[a]:
                    for v in range(n):
                        gain[v] += tb.pair[a, v]
        else:
            _greedy_team(r, tb, lin, w)
        viol = _violation(r, tb, inside, sums, labels)  # (fills sums and labels)
        value = _value(tb, lin, inside)
        cu.held[:] = 0
        for u in range(n):
            if inside[u]:
                for x in range(cu.start[u], cu.start[u + 1]):
                    cu.held[cu.cut[x]] += cu.mult[x]
        for q in range(cu.sigma.shape[0]):
            value -= cu.sigma[q] * (cu.held[q] // cu.divisor[q])
        n_forb = 0
        n_apart = 0
        n_chal = 0
        n_affl = 0
        for u in range(n):
            if inside[u]:
                n_forb += 1 if tb.forbidden[u] else 0
                n_apart += _partners_inside(r, inside, u, u)
                n_chal += 1 if tb.chal[u] else 0
                n_affl += 1 if tb.affl[u] else 0
        n_apart //= 2
        improved = True
        while improved:
            improved = False
            bv = viol
            bval = value
            ba = -1
            bb = -1
            for a in range(-1, n):
                if a >= 0 and not inside[a]:
                    continue
                for c in range(-1, n):
                    if (c >= 0 and (inside[c] or tb.forbidden[c])) or (a < 0 and c < 0):
                        continue
                    # value change without simd bounds what the move can gain
                    delta = 0.0
                    if a >= 0:
                        delta -= gain[a]
                    if c >= 0:
                        delta += gain[c]
                        if a >= 0:
                            delta -= tb.pair[a, c]
                    if bv == 0 and value + delta + tb.simd + _cut_release(cu, a) <= bval + 1e-9:
                        continue
                    # the move's violation from the team's totals (O(labels), not O(n))
                    locks = n_forb + n_apart
                    chal = n_chal
                    affl = n_affl
                    if a >= 0:
                        locks -= (1 if tb.forbidden[a] else 0) + _partners_inside(r, inside, a, a)
                        chal -= 1 if tb.chal[a] else 0
                        affl -= 1 if tb.affl[a] else 0
                        add_group(r, sums, labels, a, 0, _MINUS)
                    if c >= 0:
                        locks += (1 if tb.forbidden[c] else 0) + _partners_inside(r, inside, c, a)
                        chal += 1 if tb.chal[c] else 0
                        affl += 1 if tb.affl[c] else 0
                        add_group(r, sums, labels, c, 0, _PLUS)
                    nv = LOCK_PENALTY * locks + team_violation(r, sums, labels, 0, 0)
                    if a >= 0:
                        add_group(r, sums, labels, a, 0, _PLUS)
                    if c >= 0:
                        add_group(r, sums, labels, c, 0, _MINUS)
                    if nv <= bv:
                        nval = value + delta
                        nval += _mix(tb, chal, affl) - _mix(tb, n_chal, n_affl)
                        if cu.sigma.shape[0]:
                            mark += 1
                            nval += _cut_change(cu, a, c, mark)
                        if nv < bv or nval > bval + 1e-9:
                            bv = nv
                            bval = nval
                            ba = a
                            bb = c
            if ba >= 0 or bb >= 0:
                improved = True
                if ba >= 0:
                    n_forb -= 1 if tb.forbidden[ba] else 0
                    n_apart -= _partners_inside(r, inside, ba, ba)
                    n_chal -= 1 if tb.chal[ba] else 0
                    n_affl -= 1 if tb.affl[ba] else 0
                    inside[ba] = False
                    add_group(r, sums, labels, ba, 0, _MINUS)
                    for x in range(cu.start[ba], cu.start[ba + 1]):
                        cu.held[cu.cut[x]] -= cu.mult[x]
                    for v in range(n):
                        gain[v] -= tb.pair[ba, v]
                if bb >= 0:
                    n_forb += 1 if tb.forbidden[bb] else 0
                    n_apart += _partners_inside(r, inside, bb, bb)
                    n_chal += 1 if tb.chal[bb] else 0
                    n_affl += 1 if tb.affl[bb] else 0
                    inside[bb] = True
                    add_group(r, sums, labels, bb, 0, _PLUS)
                    for x in range(cu.start[bb], cu.start[bb + 1]):
                        cu.held[cu.cut[x]] += cu.mult[x]
                    for v in range(n):
                        gain[v] += tb.pair[bb, v]
                viol = bv
                value = bval
        if viol != 0:
            continue
        if value > best_seen:
            best_seen = value
            for v in range(n):
                best_mem[v] = inside[v]
        if value > threshold and max_pool > 0:
            n_pool = _store(pool_val, pool_mem, n_pool, value, inside)
    return n_pool, best_seen
