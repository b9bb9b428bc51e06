"""Pricing for column generation: the most valuable feasible team at given unit prices.

For a team class (teams sharing size bounds and allowed units) the pricing problem is

    max  v(S) = sum_{i<j in S} P[i, j] + sum_{u in S} lin[u] + simd * [S mixes challenge
                                                                      and affluent units]
    over the teams S that satisfy every per-team rule: weight within [wmin, wmax], at least
    ``min_sectors`` sectors and ``min_authorities`` authorities, no authority above the share
    cap ``(num * |S|) // den`` (as ``Problem.max_authority_units``), every "together" group
    whole or absent, no "apart" pair, S not empty.

``lin`` carries the unit prices (``-pi``) and per-unit gains (a focus theme), so one solver
serves every objective made of pairwise terms plus per-unit and per-team linear terms.

Exact pricing is a depth-first branch and bound over the units in a fixed order: a node is
a set C whose members are taken in increasing position, and its subtree holds the supersets
C + A with A drawn from the suffix R of positions after C's last one. For |A| = m,

    v(C + A) - v(C) = sum_{a in A} (lin[a] + P(a, C)) + sum_{a<b in A} P[a, b]
                   <= sum_{a in A} (lin[a] + P(a, C) + 1/2 * top_{m-1}^+(P[a, R]))

where top_k^+ is the sum of the k largest positive entries (each pair inside A is split
half to each end, and each end's share is at most its half of its best partners). Hence
the subtree's optimum is at most v(C) + max over the sizes m a completion can have of the
sum of the m largest such terms. The sizes are limited by the weight bounds (the m
lightest / heaviest suffix units) and raised by the sector, authority and share rules.
The suffix sums ``top_k^+`` are tabulated once per problem (prices never change them).

"Together" groups are contracted into super-units first (pair values summed, inner pairs
moved into the linear term, sector and authority counts added), so each tree level adds a
whole group; the size and rule arguments above then count units through the groups (a
group may add several sectors, authorities and units, which the bounds allow for).

All arithmetic is in float64 on values that are exactly representable (integers, and
prices rounded by the caller to a dyadic grid), so the maximum found is exact and a
subtree is pruned only when its bound is at most the incumbent.

The search is resumable: its state lives in arrays, so the caller runs it in slices of a
node budget and checks the clock in between. ``numba`` compiles the kernels when it is
installed; without it the very same functions run as plain Python (slowly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

try:  # numba is optional: the kernels are plain Python that numba compiles
    from numba import njit as _numba_njit

    def _njit(fn):  # type: ignore[no-untyped-def]
        return _numba_njit(cache=True, nogil=True)(fn)

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only without numba

    def _njit(fn):  # type: ignore[no-untyped-def]
        fn.py_func = fn
        return fn

    HAVE_NUMBA = False

__all__ = [
    "TeamRules",
    "PricingResult",
    "Pricer",
    "team_value",
    "team_feasible",
    "brute_force_best",
    "warm_up",
    "HAVE_NUMBA",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_NEG = -1.0e300
DONE, PAUSED = 0, 1


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True, eq=False)
class TeamRules:
    """The per-team rules of one team class, over units 0..n-1 of the pricing problem."""

    weight: IntArray
    wmin: int
    wmax: int
    sector: IntArray  # (n,) sector index; all 0 with min_sectors=0 when the rule is off
    min_sectors: int
    authority: IntArray  # (n,) authority index
    min_authorities: int
    share_num: int  # cap(size) = share_num * size // share_den; share_den = 0: no cap
    share_den: int
    together: IntArray  # (k, 2) pairs that must be both in or both out
    apart: IntArray  # (k, 2) pairs that must not both be in; (u, u) forbids unit u
    challenge: BoolArray
    affluent: BoolArray
    simd: float = 0.0
    n_sectors: int = field(init=False)
    n_authorities: int = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.weight)
        object.__setattr__(self, "n_sectors", int(self.sector.max()) + 1 if n else 1)
        object.__setattr__(self, "n_authorities", int(self.authority.max()) + 1 if n else 1)

    @property
    def n(self) -> int:
        return len(self.weight)

    def cap(self, size: int) -> int:
        if self.share_den == 0:
            return size
        return (self.share_num * size) // self.share_den


def team_feasible(rules: TeamRules, members: IntArray) -> bool:
    """Whether the team of units ``members`` satisfies every per-team rule (plain Python)."""
    members = np.asarray(members, dtype=np.int64)
    if len(members) == 0:
        return False
    inside = np.zeros(rules.n, dtype=bool)
    inside[members] = True
    weight = int(rules.weight[members].sum())
    if not rules.wmin <= weight <= rules.wmax:
        return False
    if rules.min_sectors and len(np.unique(rules.sector[members])) < rules.min_sectors:
        return False
    counts = np.bincount(rules.authority[members], minlength=rules.n_authorities)
    if int((counts > 0).sum()) < rules.min_authorities:
        return False
    if rules.share_den and int(counts.max()) > rules.cap(len(members)):
        return False
    for a, b in rules.together:
        if inside[a] != inside[b]:
            return False
    return all(not (inside[a] and inside[b]) for a, b in rules.apart)


def team_value(pair: FloatArray, lin: FloatArray, rules: TeamRules, members: IntArray) -> float:
    """v(S) of the pricing problem (plain Python)."""
    members = np.asarray(members, dtype=np.int64)
    value = float(pair[np.ix_(members, members)].sum()) / 2 + float(lin[members].sum())
    if rules.simd and rules.challenge[members].any() and rules.affluent[members].any():
        value += rules.simd
    return value


def brute_force_best(
    pair: FloatArray, lin: FloatArray, rules: TeamRules, max_units: int | None = None
) -> tuple[float, tuple[int, ...] | None]:
    """The best feasible team by enumerating every subset (for tests on tiny problems)."""
    from itertools import combinations

    best, arg = _NEG, None
    n = rules.n
    for size in range(1, (max_units or n) + 1):
        for members in combinations(range(n), size):
            idx = np.array(members, dtype=np.int64)
            if team_feasible(rules, idx):
                value = team_value(pair, lin, rules, idx)
                if value > best:
                    best, arg = value, members
    return best, arg


# --------------------------------------------------------------------------- tables
@_njit
def _suffix_top_sums(pair: FloatArray, kmax: int) -> FloatArray:
    """ts[i, a, k]: sum of the k largest positive pair[a, b] over b >= i, b != a."""
    n = pair.shape[0]
    ts = np.zeros((n + 1, n, kmax + 1))
    buf = np.empty(n)
    for i in range(n + 1):
        for a in range(n):
            cnt = 0
            for b in range(i, n):
                if b != a and pair[a, b] > 0:
                    buf[cnt] = pair[a, b]
                    cnt += 1
            s = np.sort(buf[:cnt])
            acc = 0.0
            for k in range(1, kmax + 1):
                if k <= cnt:
                    acc += s[cnt - k]
                ts[i, a, k] = acc
    return ts


@_njit
def _suffix_weight_sums(weight: IntArray) -> tuple[IntArray, IntArray]:
    """light[i, m] / heavy[i, m]: sum of the m lightest / heaviest weights at positions >= i."""
    n = weight.shape[0]
    big = np.int64(1) << np.int64(40)
    light = np.full((n + 1, n + 1), big, dtype=np.int64)
    heavy = np.full((n + 1, n + 1), -big, dtype=np.int64)
    for i in range(n + 1):
        s = np.sort(weight[i:])
        light[i, 0] = 0
        heavy[i, 0] = 0
        acc = np.int64(0)
        for m in range(1, n - i + 1):
            acc += s[m - 1]
            light[i, m] = acc
        acc = np.int64(0)
        for m in range(1, n - i + 1):
            acc += s[n - i - m]
            heavy[i, m] = acc
    return light, heavy


# --------------------------------------------------------------------------- kernels
@_njit
def _bnb(
    pair: FloatArray,
    lin: FloatArray,
    weight: IntArray,
    usize: IntArray,
    wmin: int,
    wmax: int,
    usec: IntArray,
    min_sec: int,
    uauth: IntArray,
    min_auth: int,
    share_num: int,
    share_den: int,
    apart: BoolArray,
    chal: BoolArray,
    affl: BoolArray,
    simd: float,
    ts: FloatArray,
    light: IntArray,
    heavy: IntArray,
    kmax: int,
    suf_sec: BoolArray,
    suf_auth: BoolArray,
    suf_chal: BoolArray,
    suf_affl: BoolArray,
    msec: int,
    mauth: int,
    msize: int,
    # mutable state (resumable)
    st: IntArray,
    nxt: IntArray,
    chosen: IntArray,
    x: FloatArray,
    f: FloatArray,
    wl: IntArray,
    sz: IntArray,
    seccnt: IntArray,
    authcnt: IntArray,
    dsec: IntArray,
    dauth: IntArray,
    maxauth: IntArray,
    nchal: IntArray,
    naffl: IntArray,
    blk: IntArray,
    best: FloatArray,
    best_set: IntArray,
    pool_val: FloatArray,
    pool_mem: BoolArray,
    threshold: float,
    node_limit: int,
    hist: IntArray,
) -> int:
    """Run the branch and bound for at most ``node_limit`` nodes; DONE or PAUSED.

    st = [depth, nodes so far, pool size, best size]; best = [incumbent value].
    """
    n = pair.shape[0]
    n_sec = usec.shape[1]
    n_auth = uauth.shape[1]
    d = st[0]
    nodes = 0
    vals = np.empty(n)
    max_pool = pool_val.shape[0]
    while True:
        if nodes >= node_limit:
            st[0] = d
            st[1] += nodes
            return PAUSED
        j = nxt[d]
        if j >= n:
            if d == 0:
                st[0] = 0
                st[1] += nodes
                return DONE
            d -= 1
            u = chosen[d]
            for v in range(n):
                if apart[u, v]:
                    blk[v] -= 1
            continue
        nxt[d] = j + 1
        if wl[d] + weight[j] > wmax or blk[j] > 0:
            continue
        nodes += 1
        e = d + 1
        hist[e] += 1
        chosen[d] = j
        for v in range(n):
            if apart[j, v]:
                blk[v] += 1
        f[e] = f[d] + x[d, j]
        wl[e] = wl[d] + weight[j]
        sz[e] = sz[d] + usize[j]
        ds = 0
        for s in range(n_sec):
            seccnt[e, s] = seccnt[d, s] + usec[j, s]
            if seccnt[e, s] > 0:
                ds += 1
        dsec[e] = ds
        da = 0
        mx = 0
        for a in range(n_auth):
            authcnt[e, a] = authcnt[d, a] + uauth[j, a]
            if authcnt[e, a] > 0:
                da += 1
            if authcnt[e, a] > mx:
                mx = authcnt[e, a]
        dauth[e] = da
        maxauth[e] = mx
        nchal[e] = nchal[d] + (1 if chal[j] else 0)
        naffl[e] = naffl[d] + (1 if affl[j] else 0)
        # --- the node itself as a team
        if (
            wmin <= wl[e]
            and dsec[e] >= min_sec
            and dauth[e] >= min_auth
            and (share_den == 0 or maxauth[e] <= (share_num * sz[e]) // share_den)
        ):
            value = f[e]
            if nchal[e] > 0 and naffl[e] > 0:
                value += simd
            if value > best[0]:
                best[0] = value
                st[3] = e
                for k in range(e):
                    best_set[k] = chosen[k]
            if value > threshold and max_pool > 0:
                # keep the max_pool best teams above the threshold
                slot = -1
                if st[2] < max_pool:
                    slot = st[2]
                    st[2] += 1
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
                        pool_mem[slot, v] = False
                    for k in range(e):
                        pool_mem[slot, chosen[k]] = True
        # --- can a superset (with units after j) beat the incumbent?
        extend = False
        i = j + 1
        if i < n:
            rem_hi = wmax - wl[e]
            rem_lo = wmin - wl[e]
            m_hi = 0
            while m_hi + 1 <= n - i and light[i, m_hi + 1] <= rem_hi:
                m_hi += 1
            if m_hi > kmax + 1:
                m_hi = kmax + 1
            m_lo = 1
            if rem_lo > 0:
                while m_lo <= n - i and heavy[i, m_lo] < rem_lo:
                    m_lo += 1
            ok = m_lo <= m_hi
            if ok and dsec[e] < min_sec:
                avail = 0
                for s in range(n_sec):
                    if seccnt[e, s] == 0 and suf_sec[i, s]:
                        avail += 1
                need = min_sec - dsec[e]
                ok = avail >= need
                m_lo = max(m_lo, (need + msec - 1) // msec)
            if ok and dauth[e] < min_auth:
                avail = 0
                for a in range(n_auth):
                    if authcnt[e, a] == 0 and suf_auth[i, a]:
                        avail += 1
                need = min_auth - dauth[e]
                ok = avail >= need
                m_lo = max(m_lo, (need + mauth - 1) // mauth)
            if ok and share_den > 0:
                # the team must grow until the share cap admits its largest authority
                need = (maxauth[e] * share_den + share_num - 1) // share_num - sz[e]
                if need > 0:
                    m_lo = max(m_lo, (need + msize - 1) // msize)
            ok = ok and m_lo <= m_hi
            if ok:
                extra = 0.0
                if simd > 0 and (nchal[e] > 0 or suf_chal[i]) and (naffl[e] > 0 or suf_affl[i]):
                    extra = simd
                room = best[0] - f[e] - extra
                # loose bound: every unit with half its best m_hi - 1 suffix partners
                cnt = 0
                for a in range(i, n):
                    if blk[a] == 0 and weight[a] <= rem_hi:
                        vals[cnt] = x[d, a] + pair[j, a] + 0.5 * ts[i, a, m_hi - 1]
                        cnt += 1
                if cnt >= m_lo:
                    if m_hi > cnt:
                        m_hi = cnt
                    srt = np.sort(vals[:cnt])
                    acc = 0.0
                    loose = False
                    for m in range(1, m_hi + 1):
                        acc += srt[cnt - m]
                        if m >= m_lo and acc > room:
                            loose = True
                            break
                    if loose:
                        # tight bound: half the best m - 1 partners, for each size m
                        for m in range(m_lo, m_hi + 1):
                            cnt = 0
                            for a in range(i, n):
                                if blk[a] == 0 and weight[a] <= rem_hi:
                                    vals[cnt] = x[d, a] + pair[j, a] + 0.5 * ts[i, a, m - 1]
                                    cnt += 1
                            srt = np.sort(vals[:cnt])
                            acc = 0.0
                            for k in range(1, m + 1):
                                acc += srt[cnt - k]
                            if acc > room:
                                extend = True
                                break
        if extend:
            for v in range(i, n):
                x[e, v] = x[d, v] + pair[j, v]
            d = e
            nxt[d] = i
        else:
            for v in range(n):
                if apart[j, v]:
                    blk[v] -= 1


@_njit
def _team_violation(
    inside: BoolArray,
    apart_list: IntArray,
    forbidden: BoolArray,
    weight: IntArray,
    usize: IntArray,
    wmin: int,
    wmax: int,
    usec: IntArray,
    min_sec: int,
    uauth: IntArray,
    min_auth: int,
    share_num: int,
    share_den: int,
) -> int:
    """How far a team is from satisfying the per-team rules (0: feasible)."""
    n = inside.shape[0]
    n_sec = usec.shape[1]
    n_auth = uauth.shape[1]
    wt = 0
    size = 0
    sc = np.zeros(n_sec, dtype=np.int64)
    ac = np.zeros(n_auth, dtype=np.int64)
    viol = 0
    for u in range(n):
        if inside[u]:
            if forbidden[u]:
                viol += 1
            wt += weight[u]
            size += usize[u]
            for s in range(n_sec):
                sc[s] += usec[u, s]
            for a in range(n_auth):
                ac[a] += uauth[u, a]
    if size == 0:
        return 1000
    viol += max(0, wmin - wt) + max(0, wt - wmax)
    ds = 0
    for s in range(n_sec):
        if sc[s] > 0:
            ds += 1
    da = 0
    mx = 0
    for a in range(n_auth):
        if ac[a] > 0:
            da += 1
        mx = max(mx, ac[a])
    viol += max(0, min_sec - ds) + max(0, min_auth - da)
    if share_den > 0:
        viol += max(0, mx - (share_num * size) // share_den)
    for k in range(apart_list.shape[0]):
        if inside[apart_list[k, 0]] and inside[apart_list[k, 1]]:
            viol += 1
    return viol


@_njit
def _value(
    inside: BoolArray,
    pair: FloatArray,
    lin: FloatArray,
    chal: BoolArray,
    affl: BoolArray,
    simd: float,
) -> float:
    n = inside.shape[0]
    v = 0.0
    hc = False
    ha = False
    for a in range(n):
        if inside[a]:
            v += lin[a]
            hc = hc or chal[a]
            ha = ha or affl[a]
            for b in range(a + 1, n):
                if inside[b]:
                    v += pair[a, b]
    if hc and ha:
        v += simd
    return v


@_njit
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


@_njit
def _heuristic(
    pair: FloatArray,
    lin: FloatArray,
    weight: IntArray,
    usize: IntArray,
    wmin: int,
    wmax: int,
    usec: IntArray,
    min_sec: int,
    uauth: IntArray,
    min_auth: int,
    share_num: int,
    share_den: int,
    apart_list: IntArray,
    forbidden: BoolArray,
    chal: BoolArray,
    affl: BoolArray,
    simd: float,
    starts: BoolArray,
    n_random: int,
    seed: int,
    pool_val: FloatArray,
    pool_mem: BoolArray,
    threshold: float,
    best_mem: BoolArray,
) -> tuple[int, float]:
    """Greedy or given starts + add / drop / swap local search; fills the pool.

    Starts are the rows of ``starts`` (teams to improve, e.g. the LP's columns) followed by
    ``n_random`` randomised greedy teams. Returns (teams in the pool, best value seen).
    """
    np.random.seed(seed)
    n = pair.shape[0]
    max_pool = pool_val.shape[0]
    n_pool = 0
    best_seen = -1.0e300
    inside = np.zeros(n, dtype=np.bool_)
    gain = np.empty(n)
    n_given = starts.shape[0]
    for start in range(n_given + n_random):
        if start < n_given:
            wt = 0
            for v in range(n):
                inside[v] = starts[start, v]
                if inside[v]:
                    wt += weight[v]
            for v in range(n):
                gain[v] = lin[v]
            for a in range(n):
                if inside[a]:
                    for v in range(n):
                        gain[v] += pair[a, v]
        else:
            inside[:] = False
            first = np.random.randint(n)
            while forbidden[first]:
                first = np.random.randint(n)
            inside[first] = True
            wt = weight[first]
            for v in range(n):
                gain[v] = lin[v] + pair[first, v]
            # greedy: add one of the three best (noisy) gains while it helps or is needed
            while True:
                c1 = -1
                c2 = -1
                c3 = -1
                g1 = -1.0e300
                g2 = -1.0e300
                g3 = -1.0e300
                for v in range(n):
                    if inside[v] or forbidden[v] or wt + weight[v] > wmax:
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
                r = np.random.random()
                pick = c1
                if r > 0.6 and c2 >= 0:
                    pick = c2
                if r > 0.85 and c3 >= 0:
                    pick = c3
                if wt >= wmin and gain[pick] <= 0:
                    break
                inside[pick] = True
                wt += weight[pick]
                for v in range(n):
                    gain[v] += pair[pick, v]
        # local search, lexicographic on (violation, -value)
        viol = _team_violation(
            inside,
            apart_list,
            forbidden,
            weight,
            usize,
            wmin,
            wmax,
            usec,
            min_sec,
            uauth,
            min_auth,
            share_num,
            share_den,
        )
        value = _value(inside, pair, lin, chal, affl, simd)
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
                for b in range(-1, n):
                    if (b >= 0 and (inside[b] or forbidden[b])) or (a < 0 and b < 0):
                        continue
                    # value change without simd bounds what the move can gain
                    delta = 0.0
                    if a >= 0:
                        delta -= gain[a]
                    if b >= 0:
                        delta += gain[b]
                        if a >= 0:
                            delta -= pair[a, b]
                    if bv == 0 and value + delta + simd <= bval + 1e-9:
                        continue
                    if a >= 0:
                        inside[a] = False
                    if b >= 0:
                        inside[b] = True
                    nv = _team_violation(
                        inside,
                        apart_list,
                        forbidden,
                        weight,
                        usize,
                        wmin,
                        wmax,
                        usec,
                        min_sec,
                        uauth,
                        min_auth,
                        share_num,
                        share_den,
                    )
                    if nv <= bv:
                        nval = _value(inside, pair, lin, chal, affl, simd)
                        if nv < bv or nval > bval + 1e-9:
                            bv = nv
                            bval = nval
                            ba = a
                            bb = b
                    if a >= 0:
                        inside[a] = True
                    if b >= 0:
                        inside[b] = False
            if ba >= 0 or bb >= 0:
                improved = True
                if ba >= 0:
                    inside[ba] = False
                    for v in range(n):
                        gain[v] -= pair[ba, v]
                if bb >= 0:
                    inside[bb] = True
                    for v in range(n):
                        gain[v] += pair[bb, v]
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


# --------------------------------------------------------------------------- driver
@dataclass
class PricingResult:
    """Outcome of one pricing call. ``teams`` hold unit indices of the pricing problem."""

    complete: bool  # the search finished: ``best`` is the exact maximum
    best: float  # best value found (the exact maximum when complete)
    best_team: tuple[int, ...] | None
    teams: list[tuple[tuple[int, ...], float]]  # distinct teams above the threshold
    nodes: int = 0


class Pricer:
    """Pricing over one team class; tables that do not depend on prices are built once.

    Units that must stay together become one super-unit (their pair values summed, their
    inner pairs moved into the linear term), so "together" rules shrink the search.
    """

    def __init__(self, pair: FloatArray, rules: TeamRules, *, jit: bool = True) -> None:
        self.rules = rules
        self.jit = jit and HAVE_NUMBA
        pair = np.asarray(pair, dtype=np.float64)
        groups = self._groups(rules)
        ns = len(groups)
        self.n = ns
        member = np.zeros((ns, rules.n))
        for s, g in enumerate(groups):
            member[s, g] = 1.0
        self.member = member
        joint = member @ pair @ member.T
        self.inner = np.diag(joint).copy() / 2  # pairs inside each super-unit
        np.fill_diagonal(joint, 0.0)
        weight = np.array([int(rules.weight[g].sum()) for g in groups], dtype=np.int64)
        usize = np.array([len(g) for g in groups], dtype=np.int64)
        usec = np.zeros((ns, max(1, rules.n_sectors)), dtype=np.int64)
        uauth = np.zeros((ns, max(1, rules.n_authorities)), dtype=np.int64)
        for s, g in enumerate(groups):
            for u in g:
                usec[s, rules.sector[u]] += 1
                uauth[s, rules.authority[u]] += 1
        chal = np.array([bool(rules.challenge[g].any()) for g in groups], dtype=np.bool_)
        affl = np.array([bool(rules.affluent[g].any()) for g in groups], dtype=np.bool_)
        group_of = np.empty(rules.n, dtype=np.int64)
        for s, g in enumerate(groups):
            group_of[g] = s
        forbidden = np.zeros(ns, dtype=np.bool_)
        apart = np.zeros((ns, ns), dtype=np.bool_)
        for a, b in rules.apart:
            ga, gb = group_of[a], group_of[b]
            if ga == gb:
                forbidden[ga] = True  # (u, u), or two units that must be both together and apart
            else:
                apart[ga, gb] = apart[gb, ga] = True
        # most super-units a team can hold: the lightest ones up to wmax
        self.max_units = int(np.searchsorted(np.cumsum(np.sort(weight)), rules.wmax, side="right"))
        self.kmax = max(0, self.max_units - 1)
        order = self._order(joint, self.kmax)
        self.order = order
        self.groups = [groups[s] for s in order]
        self.pair = np.ascontiguousarray(joint[np.ix_(order, order)])
        self.weight = np.ascontiguousarray(weight[order])
        self.usize = np.ascontiguousarray(usize[order])
        self.usec = np.ascontiguousarray(usec[order])
        self.uauth = np.ascontiguousarray(uauth[order])
        self.chal = np.ascontiguousarray(chal[order])
        self.affl = np.ascontiguousarray(affl[order])
        self.forbidden = np.ascontiguousarray(forbidden[order])
        self.apart = np.ascontiguousarray(apart[np.ix_(order, order)])
        ii, jj = np.nonzero(np.triu(self.apart, 1))
        self.apart_list = np.stack([ii, jj], axis=1).astype(np.int64).reshape(-1, 2)
        self.msec = max(1, int((self.usec > 0).sum(axis=1).max())) if ns else 1
        self.mauth = max(1, int((self.uauth > 0).sum(axis=1).max())) if ns else 1
        self.msize = max(1, int(self.usize.max())) if ns else 1
        fn = _suffix_top_sums if self.jit else _suffix_top_sums.py_func
        self.ts = fn(self.pair, self.kmax)
        fn2 = _suffix_weight_sums if self.jit else _suffix_weight_sums.py_func
        self.light, self.heavy = fn2(self.weight)
        self.suf_sec = np.zeros((ns + 1, self.usec.shape[1]), dtype=np.bool_)
        self.suf_auth = np.zeros((ns + 1, self.uauth.shape[1]), dtype=np.bool_)
        self.suf_chal = np.zeros(ns + 1, dtype=np.bool_)
        self.suf_affl = np.zeros(ns + 1, dtype=np.bool_)
        for i in range(ns - 1, -1, -1):
            usable = not self.forbidden[i]
            self.suf_sec[i] = self.suf_sec[i + 1] | (usable & (self.usec[i] > 0))
            self.suf_auth[i] = self.suf_auth[i + 1] | (usable & (self.uauth[i] > 0))
            self.suf_chal[i] = self.suf_chal[i + 1] or (usable and self.chal[i])
            self.suf_affl[i] = self.suf_affl[i + 1] or (usable and self.affl[i])
        self.total_nodes = 0
        self.depth_nodes = np.zeros(ns + 2, dtype=np.int64)

    @staticmethod
    def _groups(rules: TeamRules) -> list[list[int]]:
        """Units joined by "together" rules, as lists (singletons for the others)."""
        parent = list(range(rules.n))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for a, b in rules.together:
            parent[find(int(a))] = find(int(b))
        out: dict[int, list[int]] = {}
        for u in range(rules.n):
            out.setdefault(find(u), []).append(u)
        return list(out.values())

    @staticmethod
    def _order(pair: FloatArray, kmax: int) -> IntArray:
        """Super-units with the strongest positive ties first: good teams are met early."""
        pos = np.where(pair > 0, pair, 0.0)
        k = max(1, kmax)
        strength = -np.sort(-pos, axis=1)[:, :k].sum(axis=1)
        return np.argsort(-strength, kind="stable").astype(np.int64)

    def _lin(self, lin: FloatArray) -> FloatArray:
        joint = self.member @ np.asarray(lin, dtype=np.float64) + self.inner
        return np.ascontiguousarray(joint[self.order])

    def _units(self, positions: IntArray) -> tuple[int, ...]:
        return tuple(sorted(u for p in positions for u in self.groups[int(p)]))

    # -- exact ---------------------------------------------------------------
    def exact(
        self,
        lin: FloatArray,
        *,
        incumbent: float = _NEG,
        threshold: float = np.inf,
        max_teams: int = 10,
        node_slice: int = 200_000,
        should_stop: Callable[[], bool] | None = None,
    ) -> PricingResult:
        """The exact maximum of v(S) (``complete``), unless ``should_stop()`` says stop.

        Only teams worth more than ``incumbent`` are sought (pass the value of a known
        feasible team, or a target that no useful team can miss); the returned ``best`` is
        max(incumbent, best team found). Teams above ``threshold`` are collected, the best
        ``max_teams`` kept.
        """
        n = self.n
        lin_p = self._lin(lin)
        ns, na = self.usec.shape[1], self.uauth.shape[1]
        depth = n + 1
        st = np.zeros(4, dtype=np.int64)
        nxt = np.zeros(depth, dtype=np.int64)
        chosen = np.zeros(depth, dtype=np.int64)
        x = np.zeros((depth, n))
        x[0] = lin_p
        f = np.zeros(depth)
        wl = np.zeros(depth, dtype=np.int64)
        sz = np.zeros(depth, dtype=np.int64)
        seccnt = np.zeros((depth, ns), dtype=np.int64)
        authcnt = np.zeros((depth, na), dtype=np.int64)
        dsec = np.zeros(depth, dtype=np.int64)
        dauth = np.zeros(depth, dtype=np.int64)
        maxauth = np.zeros(depth, dtype=np.int64)
        nchal = np.zeros(depth, dtype=np.int64)
        naffl = np.zeros(depth, dtype=np.int64)
        blk = self.forbidden.astype(np.int64)
        best = np.array([incumbent], dtype=np.float64)
        best_set = np.zeros(depth, dtype=np.int64)
        pool_val = np.zeros(max_teams)
        pool_mem = np.zeros((max_teams, n), dtype=np.bool_)
        r = self.rules
        fn = _bnb if self.jit else _bnb.py_func
        while True:
            status = fn(
                self.pair,
                lin_p,
                self.weight,
                self.usize,
                r.wmin,
                r.wmax,
                self.usec,
                r.min_sectors,
                self.uauth,
                r.min_authorities,
                r.share_num,
                r.share_den,
                self.apart,
                self.chal,
                self.affl,
                float(r.simd),
                self.ts,
                self.light,
                self.heavy,
                self.kmax,
                self.suf_sec,
                self.suf_auth,
                self.suf_chal,
                self.suf_affl,
                self.msec,
                self.mauth,
                self.msize,
                st,
                nxt,
                chosen,
                x,
                f,
                wl,
                sz,
                seccnt,
                authcnt,
                dsec,
                dauth,
                maxauth,
                nchal,
                naffl,
                blk,
                best,
                best_set,
                pool_val,
                pool_mem,
                float(threshold),
                node_slice,
                self.depth_nodes,
            )
            if status == DONE:
                break
            if should_stop is not None and should_stop():
                break
        self.total_nodes += int(st[1])
        best_team = self._units(best_set[: st[3]]) if st[3] > 0 else None
        teams = [
            (self._units(np.flatnonzero(pool_mem[k])), float(pool_val[k]))
            for k in range(int(st[2]))
        ]
        teams.sort(key=lambda t: -t[1])
        return PricingResult(status == DONE, float(best[0]), best_team, teams, int(st[1]))

    # -- heuristic -------------------------------------------------------------
    def heuristic(
        self,
        lin: FloatArray,
        *,
        seed: int,
        n_starts: int = 60,
        max_teams: int = 10,
        threshold: float = 0.0,
        starts: list[tuple[int, ...]] | None = None,
    ) -> PricingResult:
        """Local search from ``starts`` (teams, unit indices) and ``n_starts`` greedy teams.

        Returns the distinct feasible teams found above ``threshold`` (the best
        ``max_teams``) and the best feasible team seen.
        """
        n = self.n
        lin_p = self._lin(lin)
        pos_of = {u: p for p, g in enumerate(self.groups) for u in g}
        rows = []
        for team in starts or ():
            row = np.zeros(n, dtype=np.bool_)
            row[[pos_of[u] for u in team if u in pos_of]] = True
            rows.append(row)
        given = np.array(rows, dtype=np.bool_).reshape(-1, n)
        pool_val = np.zeros(max_teams)
        pool_mem = np.zeros((max_teams, n), dtype=np.bool_)
        best_mem = np.zeros(n, dtype=np.bool_)
        r = self.rules
        fn = _heuristic if self.jit else _heuristic.py_func
        n_pool, best_seen = fn(
            self.pair,
            lin_p,
            self.weight,
            self.usize,
            r.wmin,
            r.wmax,
            self.usec,
            r.min_sectors,
            self.uauth,
            r.min_authorities,
            r.share_num,
            r.share_den,
            self.apart_list,
            self.forbidden,
            self.chal,
            self.affl,
            float(r.simd),
            given,
            0 if self.forbidden.all() else n_starts,
            seed,
            pool_val,
            pool_mem,
            float(threshold),
            best_mem,
        )
        teams = [
            (self._units(np.flatnonzero(pool_mem[k])), float(pool_val[k])) for k in range(n_pool)
        ]
        teams.sort(key=lambda t: -t[1])
        best_team = self._units(np.flatnonzero(best_mem)) if best_mem.any() else None
        return PricingResult(False, float(best_seen), best_team, teams, 0)


def warm_up() -> float:
    """Compile (or load from numba's disk cache) every kernel on a tiny problem; seconds taken.

    The first call on a machine compiles (about 20 s on 2 cores); later processes load
    the compiled code from numba's cache in well under a second.
    """
    import time

    tick = time.perf_counter()
    n = 6
    rules = TeamRules(
        weight=np.ones(n, dtype=np.int64),
        wmin=2,
        wmax=3,
        sector=np.arange(n, dtype=np.int64) % 2,
        min_sectors=2,
        authority=np.arange(n, dtype=np.int64) % 3,
        min_authorities=2,
        share_num=1,
        share_den=2,
        together=np.array([[0, 1]], dtype=np.int64),
        apart=np.array([[2, 3]], dtype=np.int64),
        challenge=np.arange(n) % 2 == 0,
        affluent=np.arange(n) % 2 == 1,
        simd=1.0,
    )
    pair = np.ones((n, n)) - np.eye(n)
    pricer = Pricer(pair, rules)
    pricer.exact(np.zeros(n), threshold=0.0)
    pricer.heuristic(np.zeros(n), seed=0, n_starts=2, starts=[(0, 1, 2)])
    return time.perf_counter() - tick
