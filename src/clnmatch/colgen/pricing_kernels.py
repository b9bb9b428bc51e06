"""The exact pricing kernel: branch and bound (the heuristic is ``heuristic_kernels``).

Both build one team of super-units (units joined by ``together`` rules) of a team class;
the rules come from the rule table's numba backend (``clnmatch.rules.kernels``): a team
is a column ``sums[:, i]`` / row ``labels[i]`` of totals, checked by ``team_violation``.

Exact pricing is a depth-first branch and bound over the super-units in a fixed order: a
node is a set C whose members are taken in increasing position, and its subtree holds the
supersets C + A with A drawn from the suffix R of positions after C's last one. For
|A| = m,

    v(C + A) - v(C) = sum_{a in A} (lin[a] + P(a, C)) + sum_{a<b in A} P[a, b]
                   <= sum_{a in A} (lin[a] + P(a, C) + 1/2 * top_{m-1}^+(P[a, R]))

where top_k^+ is the sum of the k largest positive entries. Hence the subtree's optimum
is at most v(C) + max over the sizes m a completion can have of the sum of the m largest
such terms. Each rule shape limits those sizes: a SumBound by the m lightest / heaviest
suffix amounts, a MinDistinct by the labels still missing (and the most one super-unit
adds), a MaxShare by how far the team must grow before its largest label fits the cap.
The rules also limit which m super-units a completion takes (where each holds one label of
the kind): a MinDistinct still short of labels takes holders of the missing ones, a
MaxShare at most its cap of each label. The completion's bound is the least of the plain
sum and these (measured: 3-6x fewer nodes on 6-theme cohesion cohorts, whose best free teams
are clusters of one authority that the mix rules forbid).

The search is resumable: its state lives in arrays (``Bnb``), so the caller runs it in
slices of a node budget and checks the clock in between.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import allocating, inline, kernel
from clnmatch.rules.kernels import (
    RuleKernel,
    distinct_count,
    team_violation,
)

__all__ = [
    "DONE",
    "PAUSED",
    "Bnb",
    "CutPrices",
    "Tables",
    "Work",
    "bnb",
    "suffix_top_sums",
    "suffix_amount_sums",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NEG = -1.0e300
DONE, PAUSED = 0, 1
_PLUS: Any = np.int64(1)
_MINUS: Any = np.int64(-1)


class Tables(NamedTuple):
    """What the pricing of one class reads: values, and tables built once per class."""

    pair: FloatArray  # (n, n) pair values of super-units, zero diagonal
    glabel: IntArray  # (n, L) label counts each super-unit adds
    chal: BoolArray  # (n,)
    affl: BoolArray  # (n,)
    simd: float
    forbidden: BoolArray  # (n,) super-units no team of the class may hold
    ts: FloatArray  # (n+1, n, kmax+1) suffix sums of the largest positive pair values
    light: IntArray  # (S, n+1, n+1) sum of the m lightest amounts at positions >= i
    heavy: IntArray  # (S, n+1, n+1) sum of the m heaviest amounts at positions >= i
    kmax: int  # most super-units a team can hold, minus one
    bounded: IntArray  # SumBounds with a finite upper bound
    suf_label: BoolArray  # (n+1, L) a usable super-unit at positions >= i holds the label
    suf_chal: BoolArray  # (n+1,)
    suf_affl: BoolArray  # (n+1,)
    kind_most: IntArray  # (K,) most labels of one kind a super-unit adds
    share_most: IntArray  # (H,) largest amount of a share's unit count in one super-unit
    one_label: IntArray  # (K, n) a super-unit's only label of each kind (-1: none or several)


class CutPrices(NamedTuple):
    """Prices of rank-1 cuts (S, k) in pricing: a team holding h units of S pays the cut's
    dual ``sigma`` floor(h / k) times (so only lowers values: every bound stays valid)."""

    start: IntArray  # (n+1,) CSR offsets: each super-unit's (cut, members) entries
    cut: IntArray  # (nnz,) a cut the super-unit holds members of
    mult: IntArray  # (nnz,) how many of the cut's units the super-unit holds
    sigma: FloatArray  # (Q,) the cuts' duals, >= 0
    divisor: IntArray  # (Q,) the cuts' k
    held: IntArray  # (Q,) work array: members of each cut in the team being built
    stamp: IntArray  # (Q,) work array (marks cuts already counted in one move)


class Work(NamedTuple):
    """Work arrays of the heuristic (kernels may not allocate)."""

    inside: BoolArray  # (n,) the team being improved
    gain: FloatArray  # (n,) lin[v] + P(v, team)
    sums: IntArray  # (S, 1)
    labels: IntArray  # (1, L)
    load: IntArray  # (S,)


class Bnb(NamedTuple):
    """The resumable state of one exact pricing run (depth = n + 1 rows)."""

    st: IntArray  # [depth, nodes so far, pool size, best size, enumerating, teams above]
    nxt: IntArray  # (depth,)
    chosen: IntArray  # (depth,)
    x: FloatArray  # (depth, n) lin[a] + P(a, C) per depth
    f: FloatArray  # (depth,) v(C)
    sums: IntArray  # (S, depth)
    labels: IntArray  # (depth, L)
    nchal: IntArray  # (depth,)
    naffl: IntArray  # (depth,)
    blk: IntArray  # (n,) how many chosen super-units exclude each one
    best: FloatArray  # [incumbent value]
    best_set: IntArray  # (depth,)
    pool_val: FloatArray  # (max_teams,)
    pool_mem: BoolArray  # (max_teams, n)
    hist: IntArray  # (n+2,) nodes per depth
    vals: FloatArray  # (n,) work arrays of the bound: values, largest first ...
    cand: IntArray  # (n,) ... of these super-units
    mark: IntArray  # (L,) ... labels met or counted (zero between uses)


# --------------------------------------------------------------------------- tables
@allocating
def suffix_top_sums(pair: FloatArray, kmax: int) -> FloatArray:
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


@allocating
def suffix_amount_sums(amount: IntArray) -> tuple[IntArray, IntArray]:
    """light[s, i, m] / heavy[s, i, m]: sum of the m lightest / heaviest amounts of
    SumBound s at positions >= i."""
    n_sums, n = amount.shape
    big = np.int64(1) << np.int64(40)
    light = np.full((n_sums, n + 1, n + 1), big, dtype=np.int64)
    heavy = np.full((n_sums, n + 1, n + 1), -big, dtype=np.int64)
    for s in range(n_sums):
        for i in range(n + 1):
            srt = np.sort(amount[s, i:])
            light[s, i, 0] = 0
            heavy[s, i, 0] = 0
            acc = np.int64(0)
            for m in range(1, n - i + 1):
                acc += srt[m - 1]
                light[s, i, m] = acc
            acc = np.int64(0)
            for m in range(1, n - i + 1):
                acc += srt[n - i - m]
                heavy[s, i, m] = acc
    return light, heavy


# --------------------------------------------------------------------------- exact
@inline
def _completion_sizes(r: RuleKernel, tb: Tables, b: Bnb, e: int, i: int) -> tuple[int, int]:
    """(m_lo, m_hi): how many more super-units from positions >= i a completion of the
    node at depth e can take, by every rule shape (m_lo > m_hi: none can)."""
    n = tb.pair.shape[0]
    m_hi = min(tb.kmax + 1, n - i)
    m_lo = 1
    for s in tb.bounded:  # SumBound: the lightest completions must fit under the high
        rem_hi = r.high[s, 0] - b.sums[s, e]
        mh = 0
        while mh + 1 <= n - i and tb.light[s, i, mh + 1] <= rem_hi:
            mh += 1
        m_hi = min(m_hi, mh)
    for s in range(r.amount.shape[0]):  # ... and the heaviest must reach the low
        rem_lo = r.low[s, 0] - b.sums[s, e]
        if rem_lo > 0:
            ml = 1
            while ml <= n - i and tb.heavy[s, i, ml] < rem_lo:
                ml += 1
            m_lo = max(m_lo, ml)
    for d in range(r.distinct_kind.shape[0]):  # MinDistinct: missing labels must be there
        kind = r.distinct_kind[d]
        need = r.distinct_min[d] - distinct_count(r, b.labels, e, kind)
        if need > 0:
            avail = 0
            for x in range(r.kind_start[kind], r.kind_start[kind + 1]):
                if b.labels[e, x] == 0 and tb.suf_label[i, x]:
                    avail += 1
            if avail < need:
                return 1, 0
            m_lo = max(m_lo, (need + tb.kind_most[kind] - 1) // tb.kind_most[kind])
    for h in range(r.share_kind.shape[0]):  # MaxShare: grow until the largest label fits
        kind = r.share_kind[h]
        most = 0
        for x in range(r.kind_start[kind], r.kind_start[kind + 1]):
            most = max(most, b.labels[e, x])
        num, den = r.share_num[h], r.share_den[h]
        need = (most * den + num - 1) // num - b.sums[r.share_of[h], e]
        if need > 0:
            m_lo = max(m_lo, (need + tb.share_most[h] - 1) // tb.share_most[h])
    return m_lo, m_hi


@inline
def _worth_extending(
    tb: Tables, b: Bnb, r: RuleKernel, d: int, e: int, j: int, i: int, m_lo: int, m_hi: int
) -> bool:
    """Can a superset of the node (units after j) beat the incumbent? (the bound above)"""
    n = tb.pair.shape[0]
    extra = 0.0
    if tb.simd > 0 and (b.nchal[e] > 0 or tb.suf_chal[i]) and (b.naffl[e] > 0 or tb.suf_affl[i]):
        extra = tb.simd
    room = b.best[0] - b.f[e] - extra
    vals = b.vals
    # loose bound: every unit with half its best m_hi - 1 suffix partners
    cnt = 0
    for a in range(i, n):
        if b.blk[a] == 0 and _fits(r, tb, b, e, a):
            vals[cnt] = b.x[d, a] + tb.pair[j, a] + 0.5 * tb.ts[i, a, m_hi - 1]
            cnt += 1
    if cnt < m_lo:
        return False
    if m_hi > cnt:
        m_hi = cnt
    srt = vals[:cnt]
    srt.sort()  # in place: kernels may not allocate
    acc = 0.0
    loose = False
    for m in range(1, m_hi + 1):
        acc += srt[cnt - m]
        if m >= m_lo and acc > room:
            loose = True
            break
    if not loose:
        return False
    # tight bound: half the best m - 1 partners, for each size m, where the rules allow
    for m in range(m_lo, m_hi + 1):
        cnt = 0
        for a in range(i, n):
            if b.blk[a] == 0 and _fits(r, tb, b, e, a):
                _insert(b, cnt, a, b.x[d, a] + tb.pair[j, a] + 0.5 * tb.ts[i, a, m - 1])
                cnt += 1
        acc = 0.0
        for k in range(m):
            acc += vals[k]
        if acc <= room:
            continue
        beaten = True
        for q in range(r.distinct_kind.shape[0]):
            if beaten and _with_missing_labels(r, tb, b, e, q, cnt, m) <= room:
                beaten = False
        for h in range(r.share_kind.shape[0]):
            if beaten and _within_share(r, tb, b, e, i, h, cnt, m) <= room:
                beaten = False
        if beaten:
            return True
    return False


@inline
def _insert(b: Bnb, cnt: int, a: int, value: float) -> None:
    """Insert super-unit a with its value into the first cnt entries, largest first."""
    p = cnt
    while p > 0 and b.vals[p - 1] < value:
        b.vals[p] = b.vals[p - 1]
        b.cand[p] = b.cand[p - 1]
        p -= 1
    b.vals[p] = value
    b.cand[p] = a


@inline
def _with_missing_labels(
    r: RuleKernel, tb: Tables, b: Bnb, e: int, q: int, cnt: int, m: int
) -> float:
    """The best m candidates (sorted in b.vals / b.cand) holding the labels that MinDistinct
    q still misses: each missing label's best holder among the first `need` met, the rest
    the best of the others (an exchange argument shows no completion does better). Kinds
    whose super-units hold several labels are left to the plain bound (returns +inf)."""
    kind = r.distinct_kind[q]
    need = r.distinct_min[q] - distinct_count(r, b.labels, e, kind)
    if need <= 0 or tb.kind_most[kind] > 1:
        return -NEG
    if need > m:
        return NEG
    acc = 0.0
    reps = 0
    fill = 0
    for p in range(cnt):
        x = tb.one_label[kind, b.cand[p]]
        if reps < need and x >= 0 and b.labels[e, x] == 0 and b.mark[x] == 0:
            b.mark[x] = 1
            reps += 1
            acc += b.vals[p]
        elif fill < m - need:
            fill += 1
            acc += b.vals[p]
        if reps == need and fill == m - need:
            break
    for x in range(r.kind_start[kind], r.kind_start[kind + 1]):
        b.mark[x] = 0
    if reps < need or fill < m - need:
        return NEG
    return acc


@inline
def _within_share(
    r: RuleKernel, tb: Tables, b: Bnb, e: int, i: int, h: int, cnt: int, m: int
) -> float:
    """The best m candidates with no label of MaxShare h past its cap (at the largest team
    the m can make): a super-unit with a single label takes at least one unit of it, so
    greedy by value is the exact maximum of this relaxation (a partition matroid)."""
    kind = r.share_kind[h]
    s = r.share_of[h]
    cap = (r.share_num[h] * (b.sums[s, e] + tb.heavy[s, i, m])) // r.share_den[h]
    acc = 0.0
    took = 0
    for p in range(cnt):
        x = tb.one_label[kind, b.cand[p]]
        if x >= 0:
            if b.labels[e, x] + b.mark[x] >= cap:
                continue
            b.mark[x] += 1
        acc += b.vals[p]
        took += 1
        if took == m:
            break
    for x in range(r.kind_start[kind], r.kind_start[kind + 1]):
        b.mark[x] = 0
    if took < m:
        return NEG
    return acc


@inline
def _fits(r: RuleKernel, tb: Tables, b: Bnb, e: int, a: int) -> bool:
    """Super-unit a fits under every bounded SumBound of the node at depth e."""
    for s in tb.bounded:  # noqa: SIM110 (numba: no generator expressions)
        if b.sums[s, e] + r.amount[s, a] > r.high[s, 0]:
            return False
    return True


@inline
def _keep(tb: Tables, b: Bnb, e: int, threshold: float) -> None:
    """The node at depth e is a feasible team: update the incumbent and the pool."""
    n = tb.pair.shape[0]
    value = b.f[e]
    if b.nchal[e] > 0 and b.naffl[e] > 0:
        value += tb.simd
    if value > threshold:
        b.st[5] += 1
    if b.st[4] == 0 and value > b.best[0]:  # enumerating: the incumbent stays the threshold
        b.best[0] = value
        b.st[3] = e
        for k in range(e):
            b.best_set[k] = b.chosen[k]
    max_pool = b.pool_val.shape[0]
    if value > threshold and max_pool > 0:  # keep the max_pool best teams above the threshold
        slot = -1
        if b.st[2] < max_pool:
            slot = b.st[2]
            b.st[2] += 1
        else:
            worst = 0
            for k in range(1, max_pool):
                if b.pool_val[k] < b.pool_val[worst]:
                    worst = k
            if b.pool_val[worst] < value:
                slot = worst
        if slot >= 0:
            b.pool_val[slot] = value
            for v in range(n):
                b.pool_mem[slot, v] = False
            for k in range(e):
                b.pool_mem[slot, b.chosen[k]] = True


@inline
def _block(r: RuleKernel, b: Bnb, cu: CutPrices, u: int, sign: int) -> None:
    """Super-unit u joins (+1) or leaves (-1) the team being built: the super-units kept
    apart from it become (un)available, and its cuts' member counts change."""
    for x in range(r.apart_start[u], r.apart_start[u + 1]):
        b.blk[r.apart[x]] += sign
    for x in range(cu.start[u], cu.start[u + 1]):
        cu.held[cu.cut[x]] += sign * cu.mult[x]


@inline
def _cut_penalty(cu: CutPrices, u: int) -> float:
    """What joining super-unit u costs in cut duals (each cut it brings past a multiple of k)."""
    pen = 0.0
    for x in range(cu.start[u], cu.start[u + 1]):
        q = cu.cut[x]
        k = cu.divisor[q]
        pen += cu.sigma[q] * ((cu.held[q] + cu.mult[x]) // k - cu.held[q] // k)
    return pen


@kernel
def bnb(r: RuleKernel, tb: Tables, b: Bnb, cu: CutPrices, threshold: float, node_limit: int) -> int:
    """Run the branch and bound for at most ``node_limit`` nodes; DONE or PAUSED."""
    n = tb.pair.shape[0]
    n_sums = r.amount.shape[0]
    n_labels = b.labels.shape[1]
    d = b.st[0]
    nodes = 0
    while True:
        if nodes >= node_limit:
            b.st[0] = d
            b.st[1] += nodes
            return PAUSED
        j = b.nxt[d]
        if j >= n:
            if d == 0:
                b.st[0] = 0
                b.st[1] += nodes
                return DONE
            d -= 1
            _block(r, b, cu, b.chosen[d], _MINUS)
            continue
        b.nxt[d] = j + 1
        if b.blk[j] > 0 or not _fits(r, tb, b, d, j):
            continue
        nodes += 1
        e = d + 1
        b.hist[e] += 1
        b.chosen[d] = j
        penalty = _cut_penalty(cu, j)  # (the bound below ignores cuts: they only lower values)
        _block(r, b, cu, j, _PLUS)
        b.f[e] = b.f[d] + b.x[d, j] - penalty
        for s in range(n_sums):
            b.sums[s, e] = b.sums[s, d] + r.amount[s, j]
        for x in range(n_labels):
            b.labels[e, x] = b.labels[d, x] + tb.glabel[j, x]
        b.nchal[e] = b.nchal[d] + (1 if tb.chal[j] else 0)
        b.naffl[e] = b.naffl[d] + (1 if tb.affl[j] else 0)
        if team_violation(r, b.sums, b.labels, e, 0) == 0:  # the node itself is a team
            _keep(tb, b, e, threshold)
            if b.st[4] == 1 and b.st[5] > b.pool_val.shape[0]:
                b.st[1] += nodes  # enumerating past the pool: the caller gives up
                return DONE
        extend = False
        i = j + 1
        if i < n:
            m_lo, m_hi = _completion_sizes(r, tb, b, e, i)
            extend = m_lo <= m_hi and _worth_extending(tb, b, r, d, e, j, i, m_lo, m_hi)
        if extend:
            for v in range(i, n):
                b.x[e, v] = b.x[d, v] + tb.pair[j, v]
            d = e
            b.nxt[d] = i
        else:
            _block(r, b, cu, j, _MINUS)
