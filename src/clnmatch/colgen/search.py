"""One column-generation run: the column pool, the incumbent, the bound, the trace.

Bound (Lagrangian relaxation of the cover and theme rows). Take any prices pi (any sign)
and any rho >= 0. A feasible assignment is T columns (S_t, k_t), n_g of class g, covering
each unit once and using theme k n_k <= cap times. Then

    sum_t c(S_t, k_t) <= sum_u pi_u + cap * sum_k rho_k + sum_g n_g * max_{(S, k) of g} [c(S, k) - pi(S) - rho_k]

so ``constant_milli + sum_u pi_u + cap * sum_k rho_k + sum_g n_g * D_g``, with D_g the
exact pricing maximum, bounds the objective of every feasible assignment, whatever pi.
A rank-1 cut q (units S, divisor k) adds sigma_q floor(|S| / k) (sigma >= 0) to the bound
and charges sigma_q floor(|S_t & S| / k) inside D_g: an assignment's teams owe at most
floor(|S| / k) together.
It is valid at every iteration, but only with D_g from EXACT pricing
(``Pricer.exact`` finishing): heuristic pricing creates columns and never certifies.
Duals are rounded to multiples of 1/GRID milli-points before pricing, so every sum is
exact in float64; the final bound is recomputed in rational arithmetic and rounded down
to a value an assignment can have (``reachable_floor``).
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.colgen.cuts import Cuts, cut_rows, rank1_violations, subset_row_violations
from clnmatch.colgen.master import HAVE_HIGHS_CORE, HighsMaster, MasterLP, ScipyMaster
from clnmatch.colgen.model import GRID, TOL, Column, ColumnModel, floor_frac
from clnmatch.colgen.pricing import PricedCuts, Pricer
from clnmatch.cpsolver import cp_solver
from clnmatch.evaluate import evaluate
from clnmatch.jit import HAVE_NUMBA
from clnmatch.problem import SCALE, Problem
from clnmatch.strategies.base import Budget
from clnmatch.trace import TracePoint

__all__ = ["Node", "NodeOutcome", "Pricing", "Search", "SearchParams", "Stats", "theme_price"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SEPARATION_MAX_UNITS = 400  # beyond this the O(n^3) separation costs more than it gains
RANK1_PER_ROUND = 10  # measured: 3 closes less of the gap, 50 slows blend's proofs by half
RANK1_MIN_GAP = 0.01  # below, the larger cuts slowed focus and blend proofs (measured)


def _worst(found: tuple[float, tuple[int, ...], int]) -> tuple[float, int, tuple[int, ...]]:
    """Order of separated cuts: most violated first, then smaller divisor, then units."""
    return (-found[0], found[2], found[1])


def theme_price(rho: FloatArray, theme: int) -> float:
    """The dual price of a theme's row; a team without a focus theme (-1) owes none."""
    return float(rho[theme]) if theme >= 0 else 0.0


class SearchParams(Protocol):
    """The parameters a run reads (``ColumnGenerationStrategy`` carries them)."""

    heuristic_starts: int
    columns_per_iteration: int
    target_gap: float
    branching: bool
    polish: bool
    local_search_iterations: int
    cut_rounds: int
    part: int
    parts: int


@dataclass(order=True)
class Node:
    """A branch-and-price node: extra together / apart pairs (global unit indices)."""

    priority: float  # -bound, for the heap
    seq: int
    together: tuple[tuple[int, int], ...] = field(compare=False, default=())
    apart: tuple[tuple[int, int], ...] = field(compare=False, default=())
    bound: float = field(compare=False, default=math.inf)  # milli-points, without constant
    # listed teams a subtree may still use (``colgen.enumeration.allowed_set``: indices or
    # one bit a team, the smaller; at 300,000 teams at most 37 KB an open node; None: all)
    allowed: NDArray[np.int32] | NDArray[np.uint8] | None = field(compare=False, default=None)
    # the parent's listed-teams LP: its teams, its columns' and rows' basis status codes
    basis: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None = field(
        compare=False, default=None
    )

    def admits(self, members: tuple[int, ...]) -> bool:
        inside = set(members)
        if any((a in inside) != (b in inside) for a, b in self.together):
            return False
        return not any(a in inside and b in inside for a, b in self.apart)


@dataclass
class Stats:
    iterations: int = 0
    lp_solves: int = 0
    exact_calls: int = 0
    exact_nodes: int = 0
    exact_seconds: float = 0.0
    heuristic_seconds: float = 0.0
    lp_seconds: float = 0.0
    bnp_nodes: int = 0
    heuristic_work: float = 0.0  # starts x units^2 of the pricing heuristic
    search_work: float = 0.0  # the local searches' own work (``Proposal.work``)
    cpsat_work: float = 0.0  # CP-SAT deterministic time
    root_bound: float | None = None
    root_lp: float | None = None
    root_seconds: float | None = None
    enumerated: int = 0  # teams listed by the root's enumeration
    listed_lp_iterations: int = 0  # simplex iterations of nodes' LPs over the listed teams
    strong_lps: int = 0  # children's LPs solved to choose a branching pair
    enumeration_seconds: float = 0.0
    cover_searches: int = 0  # nodes settled by a cover search (``colgen.cover``) ...
    cover_nodes: int = 0  # ... its nodes, the candidate teams it looked at, its seconds
    cover_scans: int = 0
    cover_seconds: float = 0.0


@dataclass
class Pricing:
    """An exact pricing round: its prices, each class's maximum D_g and the bound they make."""

    pi: FloatArray
    rho: FloatArray
    sigma: FloatArray
    best: list[float]  # D_g (a target's value when pricing stopped at one)
    bound: float  # the Lagrangian bound, without the constant (floored)


@dataclass
class NodeOutcome:
    bound: float  # valid Lagrangian bound for the node (inf if none proven); without constant
    lp: MasterLP | None
    active: list[int]
    converged: bool
    infeasible: bool = False
    pruned: bool = False  # stopped because its bound fell to the incumbent


class Search:
    """One run: the column pool, the incumbent, the bound, the trace."""

    def __init__(self, problem: Problem, budget: Budget, params: SearchParams) -> None:
        self.problem = problem
        self.model = ColumnModel(problem)
        self.budget = budget
        self.params = params
        self.rng = budget.rng(17)
        self.columns: list[Column] = []
        self.column_index: dict[tuple[tuple[int, ...], int, int], int] = {}
        self.stats = Stats()
        self.trace: list[TracePoint] = []
        self.best_obj: int | None = None  # milli-points with constant
        self.best_assign: IntArray | None = None
        self.best_bound: float = math.inf  # milli-points with constant (global)
        self.constant = int(problem.constant_milli)
        self.notes: list[str] = []
        self.infeasible = False  # proved that no assignment keeps every rule
        self.last_pricing: Pricing | None = None
        self.suspect: str | None = None  # an internal check failed: certify nothing
        self.reserve = min(2.0, 0.08 * budget.time_limit)
        # the random starts are shared out over the themes (each theme's pricing also starts
        # from the LP's teams): with 12-20 themes, 60 starts each made the heuristic 80% of
        # blend's time; a linear objective's landscape is smooth: a few starts suffice
        shared = params.heuristic_starts // len(self.model.theme_list())
        self.heuristic_starts = min(shared, 10) if self.model.linear else shared
        self.pricers: dict[tuple[object, ...], Pricer] = {}
        self.cuts = Cuts()
        self.local = [{int(u): i for i, u in enumerate(c.units)} for c in self.model.classes]
        scale = np.abs(self.model.pair).sum(axis=1).max() if self.model.n_units else 1
        theme_scale = int(np.abs(self.model.themes).max()) if self.model.themes is not None else 0
        self.big_m = float(10 * (scale + theme_scale + abs(self.model.simd)) + 1000)
        self.master: HighsMaster | ScipyMaster = (
            HighsMaster(self.model, self.big_m)
            if HAVE_HIGHS_CORE
            else ScipyMaster(self.model, self.big_m)
        )

    # -- time ------------------------------------------------------------------
    def time_left(self) -> float:
        return self.budget.remaining() - self.reserve

    def out_of_time(self) -> bool:
        return self.time_left() <= 0

    # -- columns ---------------------------------------------------------------
    def add_column(self, members: tuple[int, ...], theme: int, cls: int) -> bool:
        key = (members, theme, cls)
        if key in self.column_index:
            return False
        if not self.model.feasible(members, cls):  # never trust a column blindly
            # a pricing bug: keep going, but certify nothing from now on
            self.suspect = "pricing produced a team that breaks a rule"
            return False
        self.column_index[key] = len(self.columns)
        self.columns.append(Column(members, theme, cls, self.model.value(members, theme)))
        return True

    def add_columns(self, inside: BoolArray, theme: int, cls: int) -> IntArray | None:
        """Many teams of one class and theme (``inside``: teams x units) as columns; their
        column indices (known ones kept), or None when one breaks a rule (as above)."""
        if not self.model.feasible_many(inside, cls).all():
            self.suspect = "pricing produced a team that breaks a rule"
            return None
        values = self.model.values(inside, theme).tolist()
        units = np.nonzero(inside)[1]  # row by row, ascending within a row
        ends = np.cumsum(inside.sum(axis=1)).tolist()
        index = np.empty(len(inside), dtype=np.int64)
        start = 0
        for row, end in enumerate(ends):
            members = tuple(units[start:end].tolist())
            key, start = (members, theme, cls), end
            known = self.column_index.get(key)
            if known is None:
                known = self.column_index[key] = len(self.columns)
                self.columns.append(Column(members, theme, cls, values[row]))
            index[row] = known
        return index

    def add_assignment(self, unit_team: IntArray) -> None:
        """The teams of an assignment as columns (with the focus evaluate would give)."""
        focus = self.problem.best_focus(unit_team)
        for cls, c in enumerate(self.model.classes):
            for t in c.teams:
                members = tuple(int(u) for u in np.flatnonzero(unit_team == t))
                if members and self.model.feasible(members, cls):
                    theme = int(focus[t]) if self.model.themes is not None else -1
                    self.add_column(members, theme, cls)

    # -- incumbent -------------------------------------------------------------
    def offer(self, unit_team: IntArray, message: str) -> bool:
        ev = evaluate(self.problem, unit_team)
        if not ev.feasible:
            return False
        if self.best_obj is None or ev.objective_milli > self.best_obj:
            self.best_obj = ev.objective_milli
            self.best_assign = unit_team.copy()
            self.add_assignment(unit_team)
            self.record(message)
            return True
        return False

    def reachable_floor(self, value: float) -> int:
        """The largest objective an assignment can have that is at most ``value``.

        Every column value is a multiple of the model's step, so every objective is the
        constant plus a multiple of it: a bound of 441.47 points on a focus objective
        whose values are whole points proves 441.
        """
        step = self.model.step
        return self.constant + (math.floor(value) - self.constant) // step * step

    def work(self) -> float:
        """Deterministic work so far, in about seconds of this machine: what a portfolio
        races on (counts, never the clock)."""
        st = self.stats
        return (
            st.exact_nodes / 2e6
            + st.heuristic_work / 4e7
            + st.lp_solves * 0.002
            + st.listed_lp_iterations / 10_000
            + st.cover_scans / 1.5e8
            + st.search_work
            + st.cpsat_work
        )

    def checkpoint(self) -> None:
        """Tell the budget's work listener (a portfolio) how far this run has got."""
        if self.budget.on_work is not None:
            self.budget.on_work(self.work())

    def record(self, message: str) -> None:
        obj = None if self.best_obj is None else self.best_obj / SCALE
        bound = (
            None if math.isinf(self.best_bound) else self.reachable_floor(self.best_bound) / SCALE
        )
        self.trace.append(TracePoint(self.budget.elapsed(), obj, bound))
        self.budget.report(obj, bound, message)

    def cannot_beat(self, bound: float) -> bool:
        """Whether a node bound (milli-points, without the constant) leaves nothing that
        beats the incumbent: the node is pruned."""
        return self.best_obj is not None and (
            self.reachable_floor(self.constant + bound) <= self.best_obj
        )

    def closed(self) -> bool:
        """The bound has met the incumbent: it is optimal."""
        if self.best_obj is None or math.isinf(self.best_bound):
            return False
        return self.reachable_floor(self.best_bound) <= self.best_obj

    def gap(self) -> float:
        if self.best_obj is None or math.isinf(self.best_bound):
            return math.inf
        return max(0.0, self.reachable_floor(self.best_bound) - self.best_obj) / max(
            abs(self.best_obj), 1
        )

    # -- pricing problems ------------------------------------------------------
    def pricer(self, cls: int, node: Node) -> Pricer:
        """The pricing problem of class ``cls`` under the node's branching rules."""
        c = self.model.classes[cls]
        local = {int(u): i for i, u in enumerate(c.units)}
        tog = tuple(p for p in node.together if p[0] in local and p[1] in local)
        apart = tuple(p for p in node.apart if p[0] in local and p[1] in local)
        # a branch "together" with one unit outside this class forbids the other one here
        lone = tuple(
            sorted(
                {
                    p[0] if p[0] in local else p[1]
                    for p in node.together
                    if (p[0] in local) != (p[1] in local)
                }
            )
        )
        key = (cls, tog, apart, lone)
        if key not in self.pricers:
            if len(self.pricers) > 64:  # tables are rebuilt cheaply; keep memory bounded
                self.pricers = {k: v for k, v in self.pricers.items() if not (k[1] or k[2] or k[3])}
            extra_t = np.array([(local[a], local[b]) for a, b in tog], dtype=np.int64)
            extra_a = np.array(
                [(local[a], local[b]) for a, b in apart] + [(local[u], local[u]) for u in lone],
                dtype=np.int64,
            )
            rules = c.rules.with_pairs(extra_t.reshape(-1, 2), extra_a.reshape(-1, 2))
            pair = self.model.pair_f[np.ix_(c.units, c.units)]
            self.pricers[key] = Pricer(pair, rules)
        return self.pricers[key]

    def lin_for(self, cls: int, theme: int, pi: FloatArray) -> FloatArray:
        units = self.model.classes[cls].units
        lin = -pi[units]
        if theme >= 0 and self.model.themes is not None:
            lin = lin + self.model.themes[units, theme]
        return lin

    def class_cuts(self, sigma: FloatArray) -> list[PricedCuts | None]:
        """Each class's priced cuts: their units in its local indices, duals and divisors.

        Only cuts with a positive dual and at least k units in the class can change a
        team's reduced cost there."""
        out: list[PricedCuts | None] = []
        priced = [q for q in range(len(self.cuts)) if q < len(sigma) and sigma[q] > 0]
        for local in self.local:
            rows: list[list[int]] = []
            duals: list[float] = []
            divisors: list[int] = []
            for q in priced:
                k = self.cuts.divisors[q]
                members = [local[u] for u in self.cuts.sets[q] if u in local]
                if len(members) >= k:
                    rows.append(members)
                    duals.append(float(sigma[q]))
                    divisors.append(k)
            if not rows:
                out.append(None)
                continue
            table = np.full((len(rows), max(map(len, rows))), -1, dtype=np.int64)
            for i, row in enumerate(rows):
                table[i, : len(row)] = row
            out.append(PricedCuts(table, np.array(duals), np.array(divisors, dtype=np.int64)))
        return out

    def separate_cuts(self, lp: MasterLP, active: list[int], most: int = 50) -> int:
        """Add the rank-1 cuts the LP solution violates most (at most ``most``): subset-row
        cuts of three units, each unit in at most three of them, and, while the gap exceeds
        ``RANK1_MIN_GAP``, the ``RANK1_PER_ROUND`` most violated on larger sets found from
        the LP's own teams; how many were added."""
        n = self.model.n_units
        used = np.flatnonzero(lp.lam > 1e-9)
        if n < 3 or n > SEPARATION_MAX_UNITS or not len(used):
            return 0
        a = np.zeros((n, len(used)))
        for c, j in enumerate(used):
            a[list(self.columns[active[j]].members), c] = 1.0
        weights = lp.lam[used]
        found = subset_row_violations(a, weights, self.cuts)
        if self.gap() > RANK1_MIN_GAP:
            # the larger cuts price slowly (pricing's bounds ignore cut dues): only where the
            # gap is wide, and only the few most violated
            found += heapq.nsmallest(RANK1_PER_ROUND, rank1_violations(a, weights), key=_worst)
        found.sort(key=_worst)
        per_unit = np.zeros(n, dtype=np.int64)
        added = 0
        for _violation, units, k in found:
            if added >= most:
                break
            triple = k == 2 and len(units) == 3  # a subset-row cut: each unit in three at most
            if triple and per_unit[list(units)].max() >= 3:
                continue
            if self.cuts.add(units, k):
                per_unit[list(units)] += triple
                added += 1
        return added

    # -- master LP -------------------------------------------------------------
    def solve_master(self, active: list[int]) -> MasterLP | None:
        """The master LP over the ``active`` columns (plus penalised slacks)."""
        t0 = time.perf_counter()
        try:
            out = self.master.solve(self.columns, active, self.cuts)
        except (AttributeError, TypeError, RuntimeError, ValueError):
            if isinstance(self.master, ScipyMaster):
                raise
            # scipy's private HiGHS binding changed shape: solve from scratch from now on
            self.master = ScipyMaster(self.model, self.big_m)
            out = self.master.solve(self.columns, active, self.cuts)
        self.stats.lp_seconds += time.perf_counter() - t0
        self.stats.lp_solves += 1
        return out

    # -- column generation at one node ----------------------------------------
    def column_generation(
        self,
        node: Node,
        on_bound: Callable[[float], None] | None = None,
        prune_below: bool = False,
        exact: bool = True,
    ) -> NodeOutcome:
        """Solve the node's master LP by column generation; its best Lagrangian bound.
        Without ``exact`` it stops where the pricing heuristic finds no column (no bound:
        ``converged`` False)."""
        m = self.model
        active = [i for i, c in enumerate(self.columns) if node.admits(c.members)]
        bound = math.inf
        lp: MasterLP | None = None
        while not self.out_of_time():
            lp = self.solve_master(active)
            if lp is None:
                break
            self.stats.iterations += 1
            self.checkpoint()
            pi = np.round(lp.pi * GRID) / GRID
            mu = np.round(lp.mu * GRID) / GRID
            rho = np.round(lp.rho * GRID) / GRID
            sigma = np.round(lp.sigma * GRID) / GRID
            class_cuts = self.class_cuts(sigma)
            new: list[int] = []
            heur_best: dict[tuple[int, int], tuple[float, tuple[int, ...] | None]] = {}
            t0 = time.perf_counter()
            # the LP's own teams are good starts: improving columns are often their neighbours.
            # Where the heuristic is costly (pair terms) only those of the theme priced: every
            # LP team of the class for every theme had made blend's root 2-4x slower with
            # 12-20 themes; on a linear objective (focus) all of them, cheap there, whose
            # columns had found CLN focus optima sooner (cohorts 5 and 8: 0.4 s against 0.8-1.0)
            basic: dict[tuple[int, int], list[tuple[int, ...]]] = {}
            for j in np.flatnonzero(lp.lam > 1e-9):
                col = self.columns[active[j]]
                members = tuple(int(self.local[col.cls][u]) for u in col.members)
                for k in m.theme_list() if m.linear else [col.theme]:
                    basic.setdefault((col.cls, k), []).append(members)
            for g in range(len(m.classes)):
                if g and self.out_of_time():  # a class's tables took 0.2 s each at n=240
                    return NodeOutcome(bound, lp, active, converged=False)
                pr = self.pricer(g, node)
                units = m.classes[g].units
                for k in m.theme_list():
                    r = theme_price(rho, k)
                    self.stats.heuristic_work += self.heuristic_starts * pr.n**2
                    res = pr.heuristic(
                        self.lin_for(g, k, pi),
                        seed=int(self.rng.integers(2**31 - 1)),
                        n_starts=self.heuristic_starts,
                        max_teams=self.params.columns_per_iteration,
                        threshold=mu[g] + r + TOL,
                        starts=basic.get((g, k), []),
                        cuts=class_cuts[g],
                    )
                    best_team = (
                        None
                        if res.best_team is None
                        else tuple(int(units[i]) for i in res.best_team)
                    )
                    heur_best[(g, k)] = (res.best, best_team)
                    for members, _v in res.teams:
                        if self.add_column(tuple(int(units[i]) for i in members), k, g):
                            new.append(len(self.columns) - 1)
            self.stats.heuristic_seconds += time.perf_counter() - t0
            if new:
                active.extend(new)
                continue
            if not exact:
                return NodeOutcome(bound, lp, active, converged=False)
            # exact pricing: the Lagrangian bound, and the columns the heuristic missed
            target = None
            if prune_below and self.best_obj is not None and len(m.classes) == 1:
                # the node is pruned if every team prices at most this (see exact_pricing)
                base = float(pi.sum()) + float(sigma @ self.cuts.rhs()[: len(sigma)])
                base += m.cap * float(rho.sum()) if m.cap is not None else 0.0
                n_g = len(m.classes[0].teams)
                target = (self.best_obj + m.step - self.constant - base) / n_g - 1e-6
            priced = self.exact_pricing(node, pi, mu, rho, sigma, heur_best, target)
            if priced is None:
                break
            node_bound, found = priced
            bound = min(bound, node_bound)
            if on_bound is not None:
                on_bound(bound)
            if node_bound == -math.inf:
                return NodeOutcome(bound, lp, active, converged=True, infeasible=True)
            if not found:
                return NodeOutcome(bound, lp, active, converged=True)
            if prune_below and self.cannot_beat(bound):
                # nothing in this node beats the incumbent: no need to converge
                return NodeOutcome(bound, lp, active, converged=True, pruned=True)
            active.extend(found)
        return NodeOutcome(bound, lp, active, converged=False)

    def exact_pricing(
        self,
        node: Node,
        pi: FloatArray,
        mu: FloatArray,
        rho: FloatArray,
        sigma: FloatArray,
        heur_best: dict[tuple[int, int], tuple[float, tuple[int, ...] | None]],
        target: float | None = None,
    ) -> tuple[float, list[int]] | None:
        """(Lagrangian bound without the constant, new columns), or None when stopped.

        With a ``target`` (one class only), teams are sought only above it: when none
        exists, D <= target and the bound computed with D = target puts the node at or
        below the incumbent, which is all a pruned node needs.
        """
        m = self.model
        if m.cap is None:
            rho = np.zeros_like(rho)  # no theme rows: their prices are 0
        themes = m.theme_list()
        class_cuts = self.class_cuts(sigma)
        found: list[int] = []
        best_per_class: list[tuple[float, tuple[int, ...] | None, int]] = []
        t0 = time.perf_counter()
        for g in range(len(m.classes)):
            if g and self.out_of_time():  # as in the heuristic's round: a pricer costs time
                return None
            pr = self.pricer(g, node)
            units = m.classes[g].units
            best_rc, best_team, best_k = -math.inf, None, -1
            for k in themes:  # every theme's heuristic team first: a high incumbent prunes
                r = theme_price(rho, k)
                h_val, h_team = heur_best[(g, k)]
                if h_team is not None and h_val - r > best_rc:
                    best_rc, best_team, best_k = h_val - r, h_team, k
            for k in themes:
                r = theme_price(rho, k)
                incumbent = best_rc + r if best_team is not None else -1e300
                if target is not None:
                    incumbent = max(incumbent, target + r)
                before = pr.total_nodes
                res = pr.exact(
                    self.lin_for(g, k, pi),
                    incumbent=incumbent,
                    threshold=mu[g] + r + TOL,
                    max_teams=self.params.columns_per_iteration,
                    node_slice=50_000 if HAVE_NUMBA else 1_000,
                    should_stop=self.out_of_time,
                    cuts=class_cuts[g],
                )
                self.stats.exact_nodes += pr.total_nodes - before
                self.stats.exact_calls += 1
                if not res.complete:
                    self.stats.exact_seconds += time.perf_counter() - t0
                    return None
                if res.best_team is not None and res.best - r > best_rc:
                    best_rc = res.best - r
                    best_team = tuple(int(units[i]) for i in res.best_team)
                    best_k = k
                for members, _v in res.teams:
                    glob = tuple(int(units[i]) for i in members)
                    if node.admits(glob) and self.add_column(glob, k, g):
                        found.append(len(self.columns) - 1)
            if target is not None and (best_team is None or best_rc <= target):
                best_per_class.append((target, None, -2))  # D <= target, proved
            else:
                best_per_class.append((best_rc, best_team, best_k))
        self.stats.exact_seconds += time.perf_counter() - t0
        bound = self.lagrangian(pi, rho, sigma, best_per_class)
        self.last_pricing = Pricing(pi, rho, sigma, [v for v, _t, _k in best_per_class], bound)
        return bound, found

    def lagrangian(
        self,
        pi: FloatArray,
        rho: FloatArray,
        sigma: FloatArray,
        best_per_class: list[tuple[float, tuple[int, ...] | None, int]],
    ) -> float:
        """sum pi + cap * sum rho + sum sigma floor(|S| / k) + sum_g n_g D_g in exact rational
        arithmetic (no constant)."""
        m = self.model
        # prices in grid steps (integers): sums of them are exact and quick
        pig = np.rint(pi * GRID).astype(np.int64)
        sigg = np.rint(sigma * GRID).astype(np.int64).tolist()
        rhog = np.rint(rho * GRID).astype(np.int64).tolist()
        rhs = self.cuts.rhs()[: len(sigg)].astype(np.int64).tolist()  # the cuts the LP held
        steps = int(pig.sum()) + sum(x * r for x, r in zip(sigg, rhs, strict=True))
        if m.cap is not None:
            steps += m.cap * sum(rhog)
        total = Fraction(steps, GRID)
        for g, (value, team, k) in enumerate(best_per_class):
            if k == -2:  # an upper bound proved by pricing to a target
                total += len(m.classes[g].teams) * Fraction(value)
                continue
            if team is None:
                return -math.inf  # no feasible team in this class: nothing is feasible here
            price = int(pig[list(team)].sum())
            if k >= 0 and m.cap is not None:
                price += rhog[k]
            price += sum(sigg[q] * coef for q, coef in cut_rows(team, self.cuts))
            d = Fraction(m.value(team, k)) - Fraction(price, GRID)
            # the search maximum and its rational recomputation must agree
            if abs(float(d) - value) > 1e-6 * max(1.0, abs(value)):
                self.suspect = "pricing value and its exact recomputation disagree"
                return math.inf
            total += len(m.classes[g].teams) * d
        return floor_frac(total)

    # -- primal ----------------------------------------------------------------
    def best_combination(self, active: list[int], work: float) -> IntArray | None:
        """The best assignment made of the given columns (CP-SAT, one worker, ``work``
        seconds of deterministic time; the time left only as a safety net), or None."""
        time_limit = min(self.time_left(), 10 * work + 1)

        m = self.model
        if time_limit <= 0.05 or not active:
            return None
        model = cp_model.CpModel()
        x = [model.new_bool_var(f"c{j}") for j in range(len(active))]
        covers: list[list[int]] = [[] for _ in range(m.n_units)]
        per_class: list[list[int]] = [[] for _ in m.classes]
        per_theme: dict[int, list[int]] = {}
        for j, ci in enumerate(active):
            col = self.columns[ci]
            for u in col.members:
                covers[u].append(j)
            per_class[col.cls].append(j)
            per_theme.setdefault(col.theme, []).append(j)
        if any(not c for c in covers):
            return None
        for c in covers:
            model.add_exactly_one(x[j] for j in c)
        for g, js in enumerate(per_class):
            model.add(sum(x[j] for j in js) == len(m.classes[g].teams))
        if m.cap is not None:
            for js in per_theme.values():
                model.add(sum(x[j] for j in js) <= m.cap)
        total = sum(self.columns[ci].value * x[j] for j, ci in enumerate(active))
        model.maximize(total)
        if not math.isinf(self.best_bound) and self.suspect is None:
            # nothing beats the proven bound: reaching it ends the search at once
            model.add(total <= self.reachable_floor(self.best_bound) - self.constant)
        if self.best_obj is not None:  # only a better assignment is worth finding
            model.add(total >= self.best_obj - self.constant + self.model.step)
        if self.best_assign is not None:  # hint the incumbent's teams
            teams = {
                tuple(int(u) for u in np.flatnonzero(self.best_assign == t))
                for t in range(m.n_teams)
            }
            for j, ci in enumerate(active):
                model.add_hint(x[j], self.columns[ci].members in teams)
        solver = cp_solver()
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.max_deterministic_time = work
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = int(self.budget.seed) % (2**31)
        status = solver.solve(model)
        self.stats.cpsat_work += solver.deterministic_time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        unit_team = np.full(m.n_units, -1, dtype=np.int64)
        next_team = {g: list(c.teams) for g, c in enumerate(m.classes)}
        for j, ci in enumerate(active):
            if solver.value(x[j]):
                col = self.columns[ci]
                unit_team[list(col.members)] = next_team[col.cls].pop(0)
        return None if (unit_team < 0).any() else unit_team

    def integral_lp(self, lp: MasterLP, active: list[int]) -> IntArray | None:
        if lp.slack > 1e-9 or np.any(np.abs(lp.lam - np.round(lp.lam)) > 1e-6):
            return None
        unit_team = np.full(self.model.n_units, -1, dtype=np.int64)
        next_team = {g: list(c.teams) for g, c in enumerate(self.model.classes)}
        for j in np.flatnonzero(lp.lam > 0.5):
            col = self.columns[active[j]]
            unit_team[list(col.members)] = next_team[col.cls].pop(0)
        return None if (unit_team < 0).any() else unit_team
