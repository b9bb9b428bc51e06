"""Pricing for column generation: the most valuable feasible team at given unit prices.

For a team class (teams sharing bounds and allowed units) the pricing problem is

    max  v(S) = sum_{i<j in S} P[i, j] + sum_{u in S} lin[u] + simd * [S mixes challenge
                                                                      and affluent units]
    over the teams S that satisfy every per-team rule of the rule table for the class's
    team, every "together" group whole or absent, no "apart" pair, S not empty.

``lin`` carries the unit prices (``-pi``) and per-unit gains (a focus theme), so one solver
serves every objective made of pairwise terms plus per-unit and per-team linear terms.
"Together" groups are contracted into super-units first (pair values summed, inner pairs
moved into the linear term), so each branch-and-bound level adds a whole group; the rules
come from the rule table's numba backend over those super-units
(``clnmatch.rules.kernels.compile_kernel``). The kernels are in ``pricing_kernels``.

All arithmetic is in float64 on values that are exactly representable (integers, and
prices rounded by the caller to a dyadic grid), so the maximum found is exact and a
subtree is pruned only when its bound is at most the incumbent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import combinations
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.colgen.heuristic_kernels import heuristic
from clnmatch.colgen.pricing_kernels import (
    DONE,
    NEG,
    Bnb,
    CutPrices,
    Tables,
    Work,
    bnb,
    suffix_amount_sums,
    suffix_top_sums,
)
from clnmatch.problem import Problem
from clnmatch.rules.check import distinct_breaches, share_breaches
from clnmatch.rules.kernels import RuleKernel, compile_kernel
from clnmatch.rules.spec import NO_LIMIT, CompiledRules, compile_rules
from clnmatch.unionfind import union_labels

__all__ = [
    "ClassRules",
    "Listing",
    "PricedCuts",
    "Pricer",
    "PricingResult",
    "brute_force_best",
    "class_rules",
    "team_feasible",
    "team_value",
    "teams_feasible",
    "warm_up",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class PricedCuts(NamedTuple):
    """The rank-1 cuts (S, k) a class's pricing pays for: a team holding h units of S pays
    ``dual`` floor(h / k) times (``clnmatch.colgen.master.Cuts``)."""

    members: IntArray  # (Q, W) each cut's units in the class's local indices, -1 pads
    dual: FloatArray  # (Q,) >= 0
    divisor: IntArray  # (Q,) k >= 2


class Listing(NamedTuple):
    """Teams a pricing problem lists: which of the class's units each holds, and values."""

    inside: BoolArray  # (teams, n) local units
    value: FloatArray  # (teams,) v(S), cuts' duals taken off


def _pairs(items: list[tuple[int, int]]) -> IntArray:
    return np.array(items, dtype=np.int64).reshape(-1, 2)


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True, eq=False)
class ClassRules:
    """The per-team rules of one team class over its units (local indices 0..n-1)."""

    compiled: CompiledRules  # the whole problem's rule table
    units: IntArray  # (n,) global indices of the units the class's teams may hold, sorted
    team: int  # a team of the class (whose bounds every team of the class shares)
    together: IntArray  # (k, 2) local pairs that must be both in or both out
    apart: IntArray  # (k, 2) local pairs that must not both be in; (u, u) forbids unit u
    challenge: BoolArray  # (n,)
    affluent: BoolArray  # (n,)
    simd: float = 0.0

    @property
    def n(self) -> int:
        return len(self.units)

    def with_pairs(self, together: IntArray, apart: IntArray) -> ClassRules:
        """These rules plus branching pairs (local indices)."""
        return replace(
            self,
            together=np.vstack([self.together, together]),
            apart=np.vstack([self.apart, apart]),
        )


def class_rules(problem: Problem, team: int, units: IntArray | None = None) -> ClassRules:
    """The rules of ``team`` over ``units`` (default: every unit), as evaluate checks them."""
    if units is None:
        units = np.arange(problem.n_units, dtype=np.int64)
    local = {int(u): i for i, u in enumerate(units)}
    together = [
        (local[a], local[b]) for a, b in problem.together.tolist() if a in local and b in local
    ]
    # a unit whose "together" partner may not join these teams may not join either
    lone = {
        local[a] if a in local else local[b]
        for a, b in problem.together.tolist()
        if (a in local) != (b in local)
    }
    apart = [(local[a], local[b]) for a, b in problem.apart.tolist() if a in local and b in local]
    n = len(units)
    return ClassRules(
        compiled=compile_rules(problem),
        units=np.asarray(units, dtype=np.int64),
        team=int(team),
        together=_pairs(together),
        apart=_pairs(apart + [(u, u) for u in sorted(lone)]),
        challenge=problem.unit_challenge[units]
        if problem.unit_challenge.size
        else np.zeros(n, bool),
        affluent=problem.unit_affluent[units] if problem.unit_affluent.size else np.zeros(n, bool),
        simd=float(problem.simd_milli),
    )


def team_feasible(rules: ClassRules, members: IntArray) -> bool:
    """Whether the team of local units ``members`` keeps every per-team rule (the numpy
    backend of the rule table, plus the class's together / apart pairs)."""
    members = np.asarray(members, dtype=np.int64)
    if len(members) == 0:
        return False
    inside = np.zeros(rules.n, dtype=bool)
    inside[members] = True
    if any(inside[a] != inside[b] for a, b in rules.together.tolist()):
        return False
    if any(inside[a] and inside[b] for a, b in rules.apart.tolist()):
        return False
    c, t, glob = rules.compiled, rules.team, rules.units[members]
    if c.allowed is not None and not c.allowed[glob, t].all():
        return False
    for s in c.sums:
        total = int(s.amount[glob].sum())
        if not s.low[t] <= total <= s.high[t]:
            return False
    if any(distinct_breaches(d, c.kinds[d.kind], glob, t) for d in c.distinct):
        return False
    return not any(share_breaches(h, c.kinds[h.kind], glob, t) for h in c.shares)


def teams_feasible(rules: ClassRules, inside: BoolArray) -> BoolArray:
    """``team_feasible`` for many teams at once: ``inside`` is (teams, local units)."""
    c, t, glob = rules.compiled, rules.team, rules.units
    ok = np.asarray(inside.any(axis=1), dtype=np.bool_)
    for a, b in rules.together.tolist():
        ok &= inside[:, a] == inside[:, b]
    for a, b in rules.apart.tolist():
        ok &= ~(inside[:, a] & inside[:, b])
    if c.allowed is not None:
        ok &= ~inside[:, ~c.allowed[glob, t]].any(axis=1)
    x = inside.astype(np.float64)  # integer sums far below 2**53: exact
    for s in c.sums:
        total = np.rint(x @ s.amount[glob].astype(np.float64)).astype(np.int64)
        ok &= (s.low[t] <= total) & (total <= s.high[t])
    counts: dict[int, IntArray] = {}

    def label_counts(kind: int) -> IntArray:
        if kind not in counts:
            labels = c.kinds[kind].labels[glob]
            one_hot = np.zeros((len(glob), c.kinds[kind].n_labels))
            one_hot[np.arange(len(glob)), labels] = 1.0
            counts[kind] = np.rint(x @ one_hot).astype(np.int64)
        return counts[kind]

    for d in c.distinct:
        ok &= (label_counts(d.kind) > 0).sum(axis=1) >= d.minimum
    n = inside.sum(axis=1).astype(np.int64)
    for h in c.shares:
        cap = (h.share.numerator * n) // h.share.denominator
        ok &= (label_counts(h.kind) <= cap[:, None]).all(axis=1)
    return ok


def team_value(
    pair: FloatArray,
    lin: FloatArray,
    rules: ClassRules,
    members: IntArray,
    cuts: PricedCuts | None = None,
) -> float:
    """v(S) of the pricing problem (plain Python), less the duals of the cuts S enters."""
    members = np.asarray(members, dtype=np.int64)
    value = float(pair[np.ix_(members, members)].sum()) / 2 + float(lin[members].sum())
    if rules.simd and rules.challenge[members].any() and rules.affluent[members].any():
        value += rules.simd
    if cuts is not None:
        inside = set(members.tolist())
        for row, dual, k in zip(*cuts, strict=True):
            value -= float(dual) * (sum(int(u) in inside for u in row if u >= 0) // int(k))
    return value


def brute_force_best(
    pair: FloatArray,
    lin: FloatArray,
    rules: ClassRules,
    max_units: int | None = None,
    cuts: PricedCuts | None = None,
) -> tuple[float, tuple[int, ...] | None]:
    """The best feasible team by enumerating every subset (for tests on tiny problems)."""
    best, arg = NEG, None
    for size in range(1, (max_units or rules.n) + 1):
        for members in combinations(range(rules.n), size):
            idx = np.array(members, dtype=np.int64)
            if team_feasible(rules, idx):
                value = team_value(pair, lin, rules, idx, cuts)
                if value > best:
                    best, arg = value, members
    return best, arg


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
    """Pricing over one team class; tables that do not depend on prices are built once."""

    def __init__(self, pair: FloatArray, rules: ClassRules) -> None:
        self.rules = rules
        n = rules.n
        _, unit_group = np.unique(union_labels(n, rules.together), return_inverse=True)
        unit_group = unit_group.astype(np.int64).reshape(n)
        ns = int(unit_group.max()) + 1 if n else 0
        member = np.zeros((ns, n))
        member[unit_group, np.arange(n)] = 1.0
        joint = member @ np.asarray(pair, dtype=np.float64) @ member.T
        inner = np.diag(joint).copy() / 2  # pairs inside each super-unit
        np.fill_diagonal(joint, 0.0)
        team = np.array([rules.team], dtype=np.int64)
        first = compile_kernel(rules.compiled, unit_group, ns, team, rules.units, rules.apart)
        self.kmax = max(0, self._most_units(first) - 1)
        order = self._order(joint, self.kmax)
        rank = np.empty(ns, dtype=np.int64)
        rank[order] = np.arange(ns)
        self.unit_group = rank[unit_group]  # super-units in search order
        self.r = compile_kernel(rules.compiled, self.unit_group, ns, team, rules.units, rules.apart)
        self.n = ns
        self.member = member[order]
        self.inner = inner[order]
        self.groups = [np.flatnonzero(self.unit_group == s).tolist() for s in range(ns)]
        self.tables = self._tables(np.ascontiguousarray(joint[np.ix_(order, order)]))
        self.total_nodes = 0
        self.depth_nodes = np.zeros(ns + 2, dtype=np.int64)

    @staticmethod
    def _most_units(r: RuleKernel) -> int:
        """Most super-units a team can hold: the lightest ones under every bounded high."""
        amount, high = r.amount, r.high
        most = amount.shape[1]
        for s in range(amount.shape[0]):
            if high[s, 0] < NO_LIMIT:
                fit = np.searchsorted(np.cumsum(np.sort(amount[s])), high[s, 0], side="right")
                most = min(most, int(fit))
        return most

    @staticmethod
    def _order(pair: FloatArray, kmax: int) -> IntArray:
        """Super-units with the strongest positive ties first: good teams are met early."""
        pos = np.where(pair > 0, pair, 0.0)
        k = max(1, kmax)
        strength = -np.sort(-pos, axis=1)[:, :k].sum(axis=1)
        return np.argsort(-strength, kind="stable").astype(np.int64)

    def _tables(self, pair: FloatArray) -> Tables:
        r, rules, ns = self.r, self.rules, self.n
        glabel = np.zeros((ns, r.n_labels), dtype=np.int64)
        for k in range(r.unit_label.shape[0]):
            np.add.at(glabel, (self.unit_group, r.unit_label[k]), 1)
        chal = np.zeros(ns, dtype=bool)
        affl = np.zeros(ns, dtype=bool)
        np.logical_or.at(chal, self.unit_group, rules.challenge)
        np.logical_or.at(affl, self.unit_group, rules.affluent)
        forbidden = np.zeros(ns, dtype=bool)  # a (u, u) pair, or an apart pair inside a group
        for a, b in rules.apart.tolist():
            if self.unit_group[a] == self.unit_group[b]:
                forbidden[self.unit_group[a]] = True
        usable = ~forbidden
        suf_label = np.zeros((ns + 1, r.n_labels), dtype=bool)
        suf_chal = np.zeros(ns + 1, dtype=bool)
        suf_affl = np.zeros(ns + 1, dtype=bool)
        for i in range(ns - 1, -1, -1):
            suf_label[i] = suf_label[i + 1] | (usable[i] & (glabel[i] > 0))
            suf_chal[i] = suf_chal[i + 1] or (usable[i] and chal[i])
            suf_affl[i] = suf_affl[i + 1] or (usable[i] and affl[i])
        kinds = r.kind_start
        kind_most = np.array(
            [
                max(1, int((glabel[:, kinds[k] : kinds[k + 1]] > 0).sum(axis=1).max(initial=0)))
                for k in range(len(kinds) - 1)
            ],
            dtype=np.int64,
        )
        share_most = np.array(
            [max(1, int(r.amount[of].max(initial=0))) for of in r.share_of], dtype=np.int64
        )
        one_label = np.full((len(kinds) - 1, ns), -1, dtype=np.int64)
        for k in range(len(kinds) - 1):
            held = glabel[:, kinds[k] : kinds[k + 1]] > 0
            single = held.sum(axis=1) == 1
            one_label[k, single] = kinds[k] + held[single].argmax(axis=1)
        light, heavy = suffix_amount_sums(np.ascontiguousarray(r.amount))
        return Tables(
            pair=pair,
            glabel=glabel,
            chal=chal,
            affl=affl,
            simd=float(rules.simd),
            forbidden=forbidden,
            ts=suffix_top_sums(pair, self.kmax),
            light=light,
            heavy=heavy,
            kmax=self.kmax,
            bounded=np.flatnonzero(r.high[:, 0] < NO_LIMIT).astype(np.int64),
            suf_label=suf_label,
            suf_chal=suf_chal,
            suf_affl=suf_affl,
            kind_most=kind_most,
            share_most=share_most,
            one_label=one_label,
        )

    def _lin(self, lin: FloatArray) -> FloatArray:
        joint = self.member @ np.asarray(lin, dtype=np.float64) + self.inner
        return np.ascontiguousarray(joint)

    def _units(self, positions: IntArray) -> tuple[int, ...]:
        return tuple(sorted(u for p in positions for u in self.groups[int(p)]))

    def _cut_prices(self, cuts: PricedCuts | None) -> CutPrices:
        """Cut duals over super-units: each super-unit's (cut, how many of its units) pairs."""
        if cuts is None:
            cuts = PricedCuts(np.zeros((0, 1), np.int64), np.zeros(0), np.zeros(0, np.int64))
        rows = np.asarray(cuts.members, dtype=np.int64)
        q_count = len(cuts.dual)
        cut_of = np.broadcast_to(np.arange(len(rows))[:, None], rows.shape)[rows >= 0]
        # (super-unit, cut) keys, counted: by super-unit, then by cut
        keys, mult = np.unique(
            self.unit_group[rows[rows >= 0]] * max(1, q_count) + cut_of, return_counts=True
        )
        group = keys // max(1, q_count)
        start = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=self.n))])
        return CutPrices(
            start=start.astype(np.int64),
            cut=(keys % max(1, q_count)).astype(np.int64),
            mult=mult.astype(np.int64),
            sigma=np.ascontiguousarray(cuts.dual, dtype=np.float64),
            divisor=np.ascontiguousarray(cuts.divisor, dtype=np.int64),
            held=np.zeros(q_count, dtype=np.int64),
            stamp=np.zeros(q_count, dtype=np.int64),
        )

    # -- exact ---------------------------------------------------------------
    def exact(
        self,
        lin: FloatArray,
        *,
        incumbent: float = NEG,
        threshold: float = np.inf,
        max_teams: int = 10,
        node_slice: int = 200_000,
        should_stop: Callable[[], bool] | None = None,
        cuts: PricedCuts | None = None,
    ) -> PricingResult:
        """The exact maximum of v(S) (``complete``), unless ``should_stop()`` says stop.

        Only teams worth more than ``incumbent`` are sought (pass the value of a known
        feasible team, or a target that no useful team can miss); the returned ``best`` is
        max(incumbent, best team found). Teams above ``threshold`` are collected, the best
        ``max_teams`` kept. ``cuts``: a team pays each rank-1 cut's dual floor(h / k) times.
        """
        done, b = self._search(lin, incumbent, threshold, max_teams, node_slice, should_stop, cuts)
        best_team = self._units(b.best_set[: b.st[3]]) if b.st[3] > 0 else None
        return PricingResult(done, float(b.best[0]), best_team, self._pool(b), int(b.st[1]))

    def enumerate(
        self,
        lin: FloatArray,
        threshold: float,
        *,
        max_teams: int,
        max_nodes: int,
        node_slice: int = 200_000,
        should_stop: Callable[[], bool] | None = None,
        cuts: PricedCuts | None = None,
    ) -> Listing | None:
        """Every feasible team worth more than ``threshold``, or None when there are more
        than ``max_teams`` of them, the search needs more than about ``max_nodes`` nodes,
        or ``should_stop()`` stopped it."""
        done, b = self._search(
            lin, threshold, threshold, max_teams, node_slice, should_stop, cuts, max_nodes
        )
        if not done or int(b.st[5]) > max_teams:
            return None
        k = int(b.st[2])  # super-units' membership, spread to their units
        return Listing(b.pool_mem[:k][:, self.unit_group], b.pool_val[:k].copy())

    def _search(
        self,
        lin: FloatArray,
        incumbent: float,
        threshold: float,
        max_teams: int,
        node_slice: int,
        should_stop: Callable[[], bool] | None,
        cuts: PricedCuts | None,
        max_nodes: int | None = None,
    ) -> tuple[bool, Bnb]:
        """Run the branch and bound to its end (True) or until ``should_stop()`` (False).
        With ``max_nodes`` it enumerates: the incumbent stays at its start, and the search
        stops (False) once past about that many nodes."""
        enumerating = max_nodes is not None
        n, depth = self.n, self.n + 1
        cut_prices = self._cut_prices(cuts)
        x = np.zeros((depth, n))
        x[0] = self._lin(lin)
        b = Bnb(
            st=np.array([0, 0, 0, 0, int(enumerating), 0], dtype=np.int64),
            nxt=np.zeros(depth, dtype=np.int64),
            chosen=np.zeros(depth, dtype=np.int64),
            x=x,
            f=np.zeros(depth),
            sums=np.zeros((self.r.amount.shape[0], depth), dtype=np.int64),
            labels=np.zeros((depth, self.r.n_labels), dtype=np.int64),
            nchal=np.zeros(depth, dtype=np.int64),
            naffl=np.zeros(depth, dtype=np.int64),
            blk=self.tables.forbidden.astype(np.int64),
            best=np.array([incumbent], dtype=np.float64),
            best_set=np.zeros(depth, dtype=np.int64),
            pool_val=np.zeros(max_teams),
            pool_mem=np.zeros((max_teams, n), dtype=np.bool_),
            hist=self.depth_nodes,
            vals=np.zeros(max(1, n)),
            cand=np.zeros(max(1, n), dtype=np.int64),
            mark=np.zeros(max(1, self.r.n_labels), dtype=np.int64),
        )
        while True:
            status = bnb(self.r, self.tables, b, cut_prices, float(threshold), node_slice)
            if status == DONE or (should_stop is not None and should_stop()):
                break
            if max_nodes is not None and b.st[1] >= max_nodes:
                break
        self.total_nodes += int(b.st[1])
        return status == DONE, b

    def _pool(self, b: Bnb) -> list[tuple[tuple[int, ...], float]]:
        """The teams kept above the threshold, best first."""
        teams = [
            (self._units(np.flatnonzero(b.pool_mem[k])), float(b.pool_val[k]))
            for k in range(int(b.st[2]))
        ]
        teams.sort(key=lambda t: -t[1])
        return teams

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
        cuts: PricedCuts | None = None,
    ) -> PricingResult:
        """Local search from ``starts`` (teams, unit indices) and ``n_starts`` greedy teams.

        Returns the distinct feasible teams found above ``threshold`` (the best
        ``max_teams``) and the best feasible team seen.
        """
        n = self.n
        rows = []
        for team in starts or ():
            row = np.zeros(n, dtype=np.bool_)
            row[self.unit_group[list(team)]] = True
            rows.append(row)
        given = np.array(rows, dtype=np.bool_).reshape(-1, n)
        pool_val = np.zeros(max_teams)
        pool_mem = np.zeros((max_teams, n), dtype=np.bool_)
        best_mem = np.zeros(n, dtype=np.bool_)
        n_sums = self.r.amount.shape[0]
        work = Work(
            inside=np.zeros(n, dtype=np.bool_),
            gain=np.zeros(n),
            sums=np.zeros((n_sums, 1), dtype=np.int64),
            labels=np.zeros((1, self.r.n_labels), dtype=np.int64),
            load=np.zeros(n_sums, dtype=np.int64),
        )
        n_pool, best_seen = heuristic(
            self.r,
            self.tables,
            self._lin(lin),
            given,
            0 if self.tables.forbidden.all() else n_starts,
            seed,
            pool_val,
            pool_mem,
            float(threshold),
            best_mem,
            work,
            self._cut_prices(cuts),
        )
        teams = [
            (self._units(np.flatnonzero(pool_mem[k])), float(pool_val[k])) for k in range(n_pool)
        ]
        teams.sort(key=lambda t: -t[1])
        best_team = self._units(np.flatnonzero(best_mem)) if best_mem.any() else None
        return PricingResult(False, float(best_seen), best_team, teams, 0)


def warm_up() -> float:
    """Compile (or load from the disk cache) every pricing kernel on a tiny problem; seconds.

    The first call on a machine compiles (about 20 s on 2 cores); later processes load
    the compiled code from the cache in well under a second.
    """
    tick = time.perf_counter()
    n = 6
    problem = Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(2, 2, dtype=np.int64),
        team_max=np.full(2, 4, dtype=np.int64),
        pair_milli=np.ones((n, n), dtype=np.int64) - np.eye(n, dtype=np.int64),
        unit_sector=np.arange(n, dtype=np.int64) % 2,
        sector_names=("a", "b"),
        min_sectors=2,
        unit_authority=np.arange(n, dtype=np.int64) % 3,
        authority_names=("x", "y", "z"),
        min_authorities=2,
        authority_share=Fraction(1, 2),
        together=np.array([[0, 1]], dtype=np.int64),
        apart=np.array([[2, 3]], dtype=np.int64),
        unit_challenge=np.arange(n) % 2 == 0,
        unit_affluent=np.arange(n) % 2 == 1,
        simd_milli=1,
    )
    pricer = Pricer(problem.pair_milli.astype(np.float64), class_rules(problem, 0))
    pricer.exact(np.zeros(n), threshold=0.0)
    pricer.heuristic(np.zeros(n), seed=0, n_starts=2, starts=[(0, 1, 2)])
    return time.perf_counter() - tick
