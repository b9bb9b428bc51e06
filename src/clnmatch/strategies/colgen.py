"""Column generation over candidate teams: good assignments with a certified upper bound.

Model (set partitioning). A *column* is a pair (S, k): a team S of units that satisfies
every per-team rule of a team class g (weight bounds, sectors, authorities, authority
share, together, apart, allowed units) and a focus theme k (k = -1 when the objective has
no focus term). Its value is

    c(S, k) = sum_{i<j in S} pair_milli[i, j] + sum_{u in S} theme_milli[u, k]
              + simd_milli * [S mixes a challenge and an affluent unit].

Teams with equal size bounds and equal allowed units form a class g of n_g interchangeable
teams (without pins or forbids all T teams are one class, so columns are team-agnostic);
pins and forbids split the teams into classes and a column belongs to one class. The
objective of an assignment is ``constant_milli + sum over its T teams of c``, which is
exactly ``clnmatch.evaluate.objective_milli`` with each team's chosen focus.

    max  sum_c c_c lambda_c
    s.t. sum_{c covers u} lambda_c = 1                 for every unit u        (dual pi_u)
         sum_{c in class g} lambda_c = n_g              for every class g       (dual mu_g)
         sum_{c has theme k} lambda_c <= cap            for every theme k, when
                                                        max_teams_per_theme < T (dual rho_k >= 0)
         lambda >= 0

Bound (Lagrangian relaxation of the cover and theme rows). Take any prices pi (any sign)
and any rho >= 0. A feasible assignment is T columns (S_t, k_t), n_g of class g, covering
each unit once and using theme k n_k <= cap times. Then

    sum_t c(S_t, k_t) = sum_u pi_u + sum_k rho_k n_k + sum_t [c(S_t, k_t) - pi(S_t) - rho_{k_t}]
                     <= sum_u pi_u + cap * sum_k rho_k + sum_g n_g * max_{(S, k) of g} [c(S, k) - pi(S) - rho_k]

because sum_t pi(S_t) = sum_u pi_u (each unit is covered once), n_k <= cap with
rho_k >= 0, and each of the n_g teams of class g is one of the columns the max runs over.
So ``constant_milli + sum_u pi_u + cap * sum_k rho_k + sum_g n_g * D_g``, with D_g the
exact pricing maximum, bounds the objective of every feasible assignment, whatever pi.
With the master LP's duals, D_g = mu_g + (largest reduced cost of class g) and the bound
equals z_LP + sum_g n_g * (largest reduced cost), so it meets z_LP when no column prices
out. It is valid at every iteration, also when the time limit stops the loop early, but
only with D_g from EXACT pricing (``Pricer.exact`` finishing): heuristic pricing creates
columns and never certifies. The theme cap is relaxed entirely when it does not bind
(cap >= T), and dropping the master's theme rows for it changes nothing.

Exactness: the LP's duals are rounded to multiples of 1/1024 milli-points before pricing
(the bound holds for any prices), so every sum the pricing and the bound form is exact in
float64; the final bound is recomputed in rational arithmetic from the maximising teams
and rounded down to a value an assignment can have: every objective is the constant plus
a multiple of the gcd of all pair, theme and mix terms (1,000 milli-points for ``focus``
with whole-point ratings), so a bound of 441.6 points there proves 441. Pruning, the
gap and pricing to a target use the same rounding.

Loop. Master LP (scipy's HiGHS binding kept warm: new columns are appended, columns a
node excludes get upper bound 0; ``linprog`` from scratch when that binding is missing),
then heuristic pricing (local search from the LP's own teams and from randomised greedy
teams); only when it finds no improving column does exact pricing run, which yields the
bound and the columns the heuristic missed. Uncovered units and missing teams have slack
columns at a large penalty, so every LP is feasible (the bound does not depend on them).

Branch and price. When the root gap stays above ``target_gap``, Ryan-Foster branching on
the unit pair whose LP together-ness is most fractional: "together" in one child, "apart"
in the other, which split the node's assignments. Children are solved best bound first;
the global bound is the largest bound among open nodes (a child starts with its parent's).
Branch rules enter pricing as together / apart rules: together units become one
super-unit there. A node whose Lagrangian bound falls to the incumbent is pruned at once;
with one team class its exact pricing only looks for teams above the value that would
keep the node open ("pricing to a target"), which is much faster. A node whose LP is
fractional but has no fractional pair (the same team with two focus themes, or in two
classes) is kept unresolved: its bound stays in the global bound, so optimality is never
claimed past it.

Primal. A CP-SAT feasibility model of the rules for a first assignment (or the warm start),
a short run of the project's tabu search (``local_search``, iteration-capped so one seed
gives one answer; a small move / swap descent here when it is unavailable) before the
root, then after it the best combination of generated columns (CP-SAT set partitioning,
one worker, asked only for a better assignment than the incumbent and none above the
bound) and the full tabu search, stopping as soon as it meets the bound; integral node
LPs during branch-and-price, and a last tabu-search polish. For a linear objective (no
pair or mix terms) the pricing heuristic uses few starts: its landscape is smooth. Every assignment is checked by
``clnmatch.evaluate.evaluate`` before it is kept.

Time. Every step checks ``budget.remaining()``; exact pricing runs in slices of a node
budget between clock checks. A first run on a machine compiles the numba kernels
(``clnmatch.strategies.pricing.warm_up``; about 20 s, cached on disk afterwards).
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import linprog

from clnmatch.cpmodel import build_model
from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import evaluate, objective_milli
from clnmatch.problem import SCALE, Problem
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register
from clnmatch.strategies.local_search import LocalSearchStrategy
from clnmatch.strategies.local_search import warm_up as local_search_warm_up
from clnmatch.strategies.pricing import HAVE_NUMBA, Pricer, TeamRules

try:  # scipy's own HiGHS binding: a persistent, warm-started master LP
    # (not the highspy package: it clashes with the HiGHS inside ortools at import)
    from scipy.optimize._highspy import _core as _highs_core

    _HAVE_HIGHS_CORE = hasattr(_highs_core, "_Highs")
except ImportError:  # pragma: no cover - older scipy: linprog from scratch instead
    _highs_core = None
    _HAVE_HIGHS_CORE = False

__all__ = ["ColumnGenerationStrategy", "team_rules_for"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

GRID = 1024  # prices are rounded to multiples of 1/GRID milli-points (exact float sums)
TOL = 1e-2  # a column improves when its reduced cost exceeds this (milli-points)


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class _Class:
    """Interchangeable teams: same size bounds, same allowed units."""

    teams: tuple[int, ...]
    units: IntArray  # global indices of the units that may join these teams
    rules: TeamRules  # over local indices 0..len(units)-1 (without branching rules)


@dataclass(frozen=True)
class _Column:
    members: tuple[int, ...]  # global unit indices, sorted
    theme: int  # -1 when the objective has no focus term
    cls: int
    value: int  # c(S, k) in milli-points


def team_rules_for(problem: Problem, team: int, units: IntArray | None = None) -> TeamRules:
    """The per-team rules of ``team`` over ``units`` (default: every unit), as evaluate checks them."""
    if units is None:
        units = np.arange(problem.n_units, dtype=np.int64)
    local = {int(u): i for i, u in enumerate(units)}
    n = len(units)
    use_sectors = bool(problem.min_sectors and problem.unit_sector.size)
    use_authority = bool(problem.unit_authority.size)
    sector = problem.unit_sector[units] if use_sectors else np.zeros(n, dtype=np.int64)
    authority = problem.unit_authority[units] if use_authority else np.zeros(n, dtype=np.int64)
    share = problem.authority_share if use_authority else None

    inner_together = [
        (local[int(a)], local[int(b)])
        for a, b in problem.together
        if int(a) in local and int(b) in local
    ]
    # a unit whose "together" partner may not join these teams may not join either
    lone = sorted(
        {
            local[int(a)] if int(a) in local else local[int(b)]
            for a, b in problem.together
            if (int(a) in local) != (int(b) in local)
        }
    )
    inner_apart = [
        (local[int(a)], local[int(b)])
        for a, b in problem.apart
        if int(a) in local and int(b) in local
    ]
    together = np.array(inner_together, dtype=np.int64).reshape(-1, 2)
    apart = np.array(inner_apart + [(u, u) for u in lone], dtype=np.int64).reshape(-1, 2)
    challenge = problem.unit_challenge[units] if problem.unit_challenge.size else np.zeros(n, bool)
    affluent = problem.unit_affluent[units] if problem.unit_affluent.size else np.zeros(n, bool)
    return TeamRules(
        weight=problem.unit_weight[units].astype(np.int64),
        wmin=int(problem.team_min[team]),
        wmax=int(problem.team_max[team]),
        sector=sector.astype(np.int64),
        min_sectors=int(problem.min_sectors) if use_sectors else 0,
        authority=authority.astype(np.int64),
        min_authorities=int(problem.min_authorities) if use_authority else 0,
        share_num=share.numerator if share is not None else 1,
        share_den=share.denominator if share is not None else 0,
        together=together,
        apart=apart,
        challenge=np.asarray(challenge, dtype=bool),
        affluent=np.asarray(affluent, dtype=bool),
        simd=float(problem.simd_milli),
    )


class _Model:
    """The problem seen as columns: classes, themes, exact column values."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.n_units = problem.n_units
        self.n_teams = problem.n_teams
        self.pair = problem.pair_milli.astype(np.int64)
        self.pair_f = self.pair.astype(np.float64)
        self.themes: IntArray | None = None
        if problem.has_focus:
            self.themes = problem.theme_milli.astype(np.int64)
        self.n_themes = self.themes.shape[1] if self.themes is not None else 0
        cap = problem.max_teams_per_theme
        self.cap = (
            cap if (self.themes is not None and cap is not None and cap < self.n_teams) else None
        )
        allowed = (
            problem.allowed
            if problem.allowed is not None
            else np.ones((self.n_units, self.n_teams), dtype=bool)
        )
        self.allowed = allowed
        groups: dict[tuple[int, int, bytes], list[int]] = {}
        for t in range(self.n_teams):
            key = (int(problem.team_min[t]), int(problem.team_max[t]), allowed[:, t].tobytes())
            groups.setdefault(key, []).append(t)
        self.classes: list[_Class] = []
        for teams in groups.values():
            units = np.flatnonzero(allowed[:, teams[0]]).astype(np.int64)
            self.classes.append(
                _Class(tuple(teams), units, team_rules_for(problem, teams[0], units))
            )
        self.simd = int(problem.simd_milli)
        self.challenge = (
            problem.unit_challenge if problem.unit_challenge.size else np.zeros(self.n_units, bool)
        )
        self.affluent = (
            problem.unit_affluent if problem.unit_affluent.size else np.zeros(self.n_units, bool)
        )
        self.step = _objective_step(self.pair, self.themes, self.simd)
        # no pair or mix terms: a column's value is a sum over its members
        self.linear = not self.pair.any() and not self.simd

    def theme_list(self) -> list[int]:
        return list(range(self.n_themes)) if self.themes is not None else [-1]

    def value(self, members: tuple[int, ...], theme: int) -> int:
        idx = np.array(members, dtype=np.int64)
        total = int(self.pair[np.ix_(idx, idx)].sum()) // 2
        if theme >= 0 and self.themes is not None:
            total += int(self.themes[idx, theme].sum())
        if self.simd and self.challenge[idx].any() and self.affluent[idx].any():
            total += self.simd
        return total

    def best_theme(self, members: tuple[int, ...]) -> int:
        if self.themes is None:
            return -1
        return int(self.themes[np.array(members, dtype=np.int64)].sum(axis=0).argmax())

    def feasible(self, members: tuple[int, ...], cls: int) -> bool:
        """Per-team rules for a team of class ``cls``, as evaluate checks them."""
        p = self.problem
        c = self.classes[cls]
        if not members:
            return False
        idx = np.array(members, dtype=np.int64)
        if not self.allowed[idx, c.teams[0]].all():
            return False
        weight = int(p.unit_weight[idx].sum())
        if not int(p.team_min[c.teams[0]]) <= weight <= int(p.team_max[c.teams[0]]):
            return False
        if (
            p.min_sectors
            and p.unit_sector.size
            and len(np.unique(p.unit_sector[idx])) < p.min_sectors
        ):
            return False
        if p.unit_authority.size:
            counts = np.bincount(p.unit_authority[idx], minlength=len(p.authority_names))
            if int((counts > 0).sum()) < p.min_authorities:
                return False
            if p.authority_share is not None and int(counts.max()) > p.max_authority_units(
                len(idx)
            ):
                return False
        inside = set(members)
        if any((int(a) in inside) != (int(b) in inside) for a, b in p.together):
            return False
        return not any(int(a) in inside and int(b) in inside for a, b in p.apart)


# --------------------------------------------------------------------------- nodes
@dataclass(order=True)
class _Node:
    """A branch-and-price node: extra together / apart pairs (global unit indices)."""

    priority: float  # -bound, for the heap
    seq: int
    together: tuple[tuple[int, int], ...] = field(compare=False, default=())
    apart: tuple[tuple[int, int], ...] = field(compare=False, default=())
    bound: float = field(compare=False, default=math.inf)  # milli-points, without constant

    def admits(self, members: tuple[int, ...]) -> bool:
        inside = set(members)
        if any((a in inside) != (b in inside) for a, b in self.together):
            return False
        return not any(a in inside and b in inside for a, b in self.apart)


@dataclass
class _LP:
    value: float
    lam: FloatArray  # over the active columns
    pi: FloatArray
    mu: FloatArray
    rho: FloatArray
    slack: float  # total uncovered units and missing teams (0 for a true LP solution)


@dataclass
class _Stats:
    iterations: int = 0
    lp_solves: int = 0
    exact_calls: int = 0
    exact_nodes: int = 0
    exact_seconds: float = 0.0
    heuristic_seconds: float = 0.0
    lp_seconds: float = 0.0
    bnp_nodes: int = 0
    root_bound: float | None = None
    root_lp: float | None = None
    root_seconds: float | None = None


@dataclass
class _NodeOutcome:
    bound: float  # valid Lagrangian bound for the node (inf if none proven); without constant
    lp: _LP | None
    active: list[int]
    converged: bool
    infeasible: bool = False
    pruned: bool = False  # stopped because its bound fell to the incumbent


def _rows_of(model: _Model, col: _Column) -> list[int]:
    """Master rows a column has a 1 in: its units, its class, its theme's cap row."""
    rows = [*col.members, model.n_units + col.cls]
    if model.cap is not None:
        rows.append(model.n_units + len(model.classes) + col.theme)
    return rows


class _ScipyMaster:
    """The master LP solved from scratch by scipy's HiGHS each time (no warm start)."""

    def __init__(self, model: _Model, big_m: float) -> None:
        self.model = model
        self.big_m = big_m

    def solve(self, columns: list[_Column], active: list[int]) -> _LP | None:
        m = self.model
        n_u, n_g = m.n_units, len(m.classes)
        rows: list[int] = []
        cols: list[int] = []
        for j, ci in enumerate(active):
            r = _rows_of(m, columns[ci])
            rows.extend(r)
            cols.extend([j] * len(r))
        n_a = len(active)
        # slacks: an uncovered unit or a missing team costs big_m (keeps every LP feasible)
        rows.extend(range(n_u + n_g))
        cols.extend(range(n_a, n_a + n_u + n_g))
        n_rows = n_u + n_g + (m.n_themes if m.cap is not None else 0)
        a = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n_a + n_u + n_g))
        b_eq = np.concatenate([np.ones(n_u), [len(c.teams) for c in m.classes]])
        cost = np.concatenate(
            [[-columns[ci].value for ci in active], np.full(n_u + n_g, self.big_m)]
        )
        kwargs: dict[str, object] = {}
        if m.cap is not None:
            kwargs["A_ub"] = a[n_u + n_g :]
            kwargs["b_ub"] = np.full(m.n_themes, m.cap, dtype=float)
        res = linprog(
            cost, A_eq=a[: n_u + n_g], b_eq=b_eq, bounds=(0, None), method="highs", **kwargs
        )
        if res.status != 0:
            return None
        y = -np.asarray(res.eqlin.marginals)
        rho = np.zeros(max(1, m.n_themes))
        if m.cap is not None:
            rho = np.maximum(0.0, -np.asarray(res.ineqlin.marginals))
        x = np.asarray(res.x)
        return _LP(-float(res.fun), x[:n_a], y[:n_u], y[n_u:], rho, float(x[n_a:].sum()))


class _HighsMaster:
    """The master LP kept in one HiGHS model: new columns are appended and columns a node
    excludes get upper bound 0, so every solve starts from the previous basis."""

    def __init__(self, model: _Model, big_m: float) -> None:
        assert _highs_core is not None
        self.model = model
        self.inf = float(_highs_core.kHighsInf)
        h = _highs_core._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        n_u, n_g = model.n_units, len(model.classes)
        lower = np.concatenate([np.ones(n_u), [len(c.teams) for c in model.classes]])
        upper = lower.copy()
        if model.cap is not None:
            lower = np.concatenate([lower, np.full(model.n_themes, -self.inf)])
            upper = np.concatenate([upper, np.full(model.n_themes, float(model.cap))])
        n_rows = len(lower)
        h.addRows(
            n_rows,
            lower,
            upper,
            0,
            np.zeros(n_rows + 1, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        n_slack = n_u + n_g
        # minimise -value; slacks for an uncovered unit or a missing team cost big_m
        h.addCols(
            n_slack,
            np.full(n_slack, big_m),
            np.zeros(n_slack),
            np.full(n_slack, self.inf),
            n_slack,
            np.arange(n_slack, dtype=np.int32),
            np.arange(n_slack, dtype=np.int32),
            np.ones(n_slack),
        )
        self.h = h
        self.n_slack = n_slack
        self.n_rows = n_rows
        self.n_cols = 0  # columns of the pool already in the model
        self.upper = np.zeros(0)  # current upper bound of each pool column

    def solve(self, columns: list[_Column], active: list[int]) -> _LP | None:
        m, h = self.model, self.h
        if len(columns) > self.n_cols:
            new = columns[self.n_cols :]
            starts: list[int] = []
            index: list[int] = []
            for col in new:
                starts.append(len(index))
                index.extend(_rows_of(m, col))
            k = len(new)
            h.addCols(
                k,
                -np.array([c.value for c in new], dtype=float),
                np.zeros(k),
                np.zeros(k),
                len(index),
                np.array(starts, dtype=np.int32),
                np.array(index, dtype=np.int32),
                np.ones(len(index)),
            )
            self.upper = np.concatenate([self.upper, np.zeros(k)])
            self.n_cols = len(columns)
        want = np.zeros(self.n_cols)
        want[np.asarray(active, dtype=np.int64)] = self.inf
        changed = np.flatnonzero(want != self.upper)
        if len(changed):
            h.changeColsBounds(
                len(changed),
                (changed + self.n_slack).astype(np.int32),
                np.zeros(len(changed)),
                want[changed],
            )
            self.upper = want
        h.run()
        if h.getModelStatus() != _highs_core.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        y = -np.asarray(sol.row_dual)
        n_u, n_g = m.n_units, len(m.classes)
        rho = np.zeros(max(1, m.n_themes))
        if m.cap is not None:
            rho = np.maximum(0.0, y[n_u + n_g :])
        lam = x[self.n_slack + np.asarray(active, dtype=np.int64)] if active else np.zeros(0)
        value = -float(h.getInfo().objective_function_value)
        return _LP(value, lam, y[:n_u], y[n_u : n_u + n_g], rho, float(x[: self.n_slack].sum()))


class _Search:
    """One run: the column pool, the incumbent, the bound, the trace."""

    def __init__(self, problem: Problem, budget: Budget, params: ColumnGenerationStrategy) -> None:
        self.problem = problem
        self.model = _Model(problem)
        self.budget = budget
        self.params = params
        self.rng = budget.rng(17)
        self.columns: list[_Column] = []
        self.keys: set[tuple[tuple[int, ...], int, int]] = set()
        self.stats = _Stats()
        self.trace: list[TracePoint] = []
        self.best_obj: int | None = None  # milli-points with constant
        self.best_assign: IntArray | None = None
        self.best_bound: float = math.inf  # milli-points with constant (global)
        self.constant = int(problem.constant_milli)
        self.notes: list[str] = []
        self.infeasible = False  # proved that no assignment keeps every rule
        self.suspect: str | None = None  # an internal check failed: certify nothing
        self.reserve = min(2.0, 0.08 * budget.time_limit)
        # a linear objective's pricing landscape is smooth: a few starts find its best teams
        self.heuristic_starts = (
            min(params.heuristic_starts, 10) if self.model.linear else params.heuristic_starts
        )
        self.pricers: dict[tuple[object, ...], Pricer] = {}
        self.local = [{int(u): i for i, u in enumerate(c.units)} for c in self.model.classes]
        scale = np.abs(self.model.pair).sum(axis=1).max() if self.model.n_units else 1
        theme_scale = int(np.abs(self.model.themes).max()) if self.model.themes is not None else 0
        self.big_m = float(10 * (scale + theme_scale + abs(self.model.simd)) + 1000)
        self.master: _HighsMaster | _ScipyMaster = (
            _HighsMaster(self.model, self.big_m)
            if _HAVE_HIGHS_CORE
            else _ScipyMaster(self.model, self.big_m)
        )

    # -- time ------------------------------------------------------------------
    def time_left(self) -> float:
        return self.budget.remaining() - self.reserve

    def out_of_time(self) -> bool:
        return self.time_left() <= 0

    # -- columns ---------------------------------------------------------------
    def add_column(self, members: tuple[int, ...], theme: int, cls: int) -> bool:
        key = (members, theme, cls)
        if key in self.keys:
            return False
        if not self.model.feasible(members, cls):  # never trust a column blindly
            # a pricing bug: keep going, but certify nothing from now on
            self.suspect = "pricing produced a team that breaks a rule"
            return False
        self.keys.add(key)
        self.columns.append(_Column(members, theme, cls, self.model.value(members, theme)))
        return True

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

    def record(self, message: str) -> None:
        obj = None if self.best_obj is None else self.best_obj / SCALE
        bound = (
            None if math.isinf(self.best_bound) else self.reachable_floor(self.best_bound) / SCALE
        )
        self.trace.append(TracePoint(self.budget.elapsed(), obj, bound))
        self.budget.report(obj, bound, message)

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
    def pricer(self, cls: int, node: _Node) -> Pricer:
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
            r = c.rules
            extra_t = np.array([(local[a], local[b]) for a, b in tog], dtype=np.int64).reshape(
                -1, 2
            )
            extra_a = np.array(
                [(local[a], local[b]) for a, b in apart] + [(local[u], local[u]) for u in lone],
                dtype=np.int64,
            ).reshape(-1, 2)
            rules = TeamRules(
                weight=r.weight,
                wmin=r.wmin,
                wmax=r.wmax,
                sector=r.sector,
                min_sectors=r.min_sectors,
                authority=r.authority,
                min_authorities=r.min_authorities,
                share_num=r.share_num,
                share_den=r.share_den,
                together=np.vstack([r.together, extra_t]),
                apart=np.vstack([r.apart, extra_a]),
                challenge=r.challenge,
                affluent=r.affluent,
                simd=r.simd,
            )
            pair = self.model.pair_f[np.ix_(c.units, c.units)]
            self.pricers[key] = Pricer(pair, rules)
        return self.pricers[key]

    def lin_for(self, cls: int, theme: int, pi: FloatArray) -> FloatArray:
        units = self.model.classes[cls].units
        lin = -pi[units]
        if theme >= 0 and self.model.themes is not None:
            lin = lin + self.model.themes[units, theme]
        return lin

    # -- master LP -------------------------------------------------------------
    def solve_master(self, active: list[int]) -> _LP | None:
        """The master LP over the ``active`` columns (plus penalised slacks)."""
        t0 = time.perf_counter()
        try:
            out = self.master.solve(self.columns, active)
        except (AttributeError, TypeError, RuntimeError, ValueError):
            if isinstance(self.master, _ScipyMaster):
                raise
            # scipy's private HiGHS binding changed shape: solve from scratch from now on
            self.master = _ScipyMaster(self.model, self.big_m)
            out = self.master.solve(self.columns, active)
        self.stats.lp_seconds += time.perf_counter() - t0
        self.stats.lp_solves += 1
        return out

    # -- column generation at one node ----------------------------------------
    def column_generation(
        self,
        node: _Node,
        on_bound: Callable[[float], None] | None = None,
        prune_below: bool = False,
    ) -> _NodeOutcome:
        """Solve the node's master LP by column generation; its best Lagrangian bound."""
        m = self.model
        active = [i for i, c in enumerate(self.columns) if node.admits(c.members)]
        bound = math.inf
        lp: _LP | None = None
        while not self.out_of_time():
            lp = self.solve_master(active)
            if lp is None:
                break
            self.stats.iterations += 1
            pi = np.round(lp.pi * GRID) / GRID
            mu = np.round(lp.mu * GRID) / GRID
            rho = np.round(lp.rho * GRID) / GRID
            new: list[int] = []
            heur_best: dict[tuple[int, int], tuple[float, tuple[int, ...] | None]] = {}
            t0 = time.perf_counter()
            # the LP's own teams are good starts: improving columns are often their neighbours
            basic: dict[int, list[tuple[int, ...]]] = {g: [] for g in range(len(m.classes))}
            for j in np.flatnonzero(lp.lam > 1e-9):
                col = self.columns[active[j]]
                basic[col.cls].append(tuple(int(self.local[col.cls][u]) for u in col.members))
            for g in range(len(m.classes)):
                pr = self.pricer(g, node)
                units = m.classes[g].units
                for k in m.theme_list():
                    r = rho[k] if k >= 0 else 0.0
                    res = pr.heuristic(
                        self.lin_for(g, k, pi),
                        seed=int(self.rng.integers(2**31 - 1)),
                        n_starts=self.heuristic_starts,
                        max_teams=self.params.columns_per_iteration,
                        threshold=mu[g] + r + TOL,
                        starts=basic[g],
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
            # exact pricing: the Lagrangian bound, and the columns the heuristic missed
            target = None
            if prune_below and self.best_obj is not None and len(m.classes) == 1:
                # the node is pruned if every team prices at most this (see exact_pricing)
                base = float(pi.sum()) + (m.cap * float(rho.sum()) if m.cap is not None else 0.0)
                n_g = len(m.classes[0].teams)
                target = (self.best_obj + m.step - self.constant - base) / n_g - 1e-6
            exact = self.exact_pricing(node, pi, mu, rho, heur_best, target)
            if exact is None:
                break
            node_bound, found = exact
            bound = min(bound, node_bound)
            if on_bound is not None:
                on_bound(bound)
            if node_bound == -math.inf:
                return _NodeOutcome(bound, lp, active, converged=True, infeasible=True)
            if not found:
                return _NodeOutcome(bound, lp, active, converged=True)
            if (
                prune_below
                and self.best_obj is not None
                and self.reachable_floor(self.constant + bound) <= self.best_obj
            ):
                # nothing in this node beats the incumbent: no need to converge
                return _NodeOutcome(bound, lp, active, converged=True, pruned=True)
            active.extend(found)
        return _NodeOutcome(bound, lp, active, converged=False)

    def exact_pricing(
        self,
        node: _Node,
        pi: FloatArray,
        mu: FloatArray,
        rho: FloatArray,
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
        found: list[int] = []
        best_per_class: list[tuple[float, tuple[int, ...] | None, int]] = []
        t0 = time.perf_counter()
        for g in range(len(m.classes)):
            pr = self.pricer(g, node)
            units = m.classes[g].units
            best_rc, best_team, best_k = -math.inf, None, -1
            for k in themes:
                r = rho[k] if k >= 0 else 0.0
                h_val, h_team = heur_best[(g, k)]
                if h_team is not None and h_val - r > best_rc:
                    best_rc, best_team, best_k = h_val - r, h_team, k
                incumbent = best_rc + r if best_team is not None else -1e300
                if target is not None:
                    incumbent = max(incumbent, target + r)
                before = pr.total_nodes
                res = pr.exact(
                    self.lin_for(g, k, pi),
                    incumbent=incumbent,
                    threshold=mu[g] + r + TOL,
                    max_teams=self.params.columns_per_iteration,
                    node_slice=50_000 if pr.jit else 1_000,
                    should_stop=self.out_of_time,
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
        return self.lagrangian(pi, rho, best_per_class), found

    def lagrangian(
        self,
        pi: FloatArray,
        rho: FloatArray,
        best_per_class: list[tuple[float, tuple[int, ...] | None, int]],
    ) -> float:
        """sum pi + cap * sum rho + sum_g n_g D_g in exact rational arithmetic (no constant)."""
        m = self.model
        pif = [Fraction(int(round(p * GRID)), GRID) for p in pi]
        total = sum(pif, Fraction(0))
        if m.cap is not None:
            total += m.cap * sum((Fraction(int(round(r * GRID)), GRID) for r in rho), Fraction(0))
        for g, (value, team, k) in enumerate(best_per_class):
            if k == -2:  # an upper bound proved by pricing to a target
                total += len(m.classes[g].teams) * Fraction(value)
                continue
            if team is None:
                return -math.inf  # no feasible team in this class: nothing is feasible here
            d = Fraction(m.value(team, k)) - sum((pif[u] for u in team), Fraction(0))
            if k >= 0 and m.cap is not None:
                d -= Fraction(int(round(rho[k] * GRID)), GRID)
            # the search maximum and its rational recomputation must agree
            if abs(float(d) - value) > 1e-6 * max(1.0, abs(value)):
                self.suspect = "pricing value and its exact recomputation disagree"
                return math.inf
            total += len(m.classes[g].teams) * d
        return _floor_frac(total)

    # -- primal ----------------------------------------------------------------
    def best_combination(self, active: list[int], time_limit: float) -> IntArray | None:
        """The best assignment made of the given columns (CP-SAT, one worker), or None."""

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
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = int(self.budget.seed) % (2**31)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        unit_team = np.full(m.n_units, -1, dtype=np.int64)
        next_team = {g: list(c.teams) for g, c in enumerate(m.classes)}
        for j, ci in enumerate(active):
            if solver.value(x[j]):
                col = self.columns[ci]
                unit_team[list(col.members)] = next_team[col.cls].pop(0)
        return None if (unit_team < 0).any() else unit_team

    def integral_lp(self, lp: _LP, active: list[int]) -> IntArray | None:
        if lp.slack > 1e-9 or np.any(np.abs(lp.lam - np.round(lp.lam)) > 1e-6):
            return None
        unit_team = np.full(self.model.n_units, -1, dtype=np.int64)
        next_team = {g: list(c.teams) for g, c in enumerate(self.model.classes)}
        for j in np.flatnonzero(lp.lam > 0.5):
            col = self.columns[active[j]]
            unit_team[list(col.members)] = next_team[col.cls].pop(0)
        return None if (unit_team < 0).any() else unit_team


def _objective_step(pair: IntArray, themes: IntArray | None, simd: int) -> int:
    """The greatest common divisor of every column value's terms (1 when there are none)."""
    parts = [np.unique(np.abs(pair[np.triu_indices_from(pair, 1)]))]
    if themes is not None:
        parts.append(np.unique(np.abs(themes)))
    parts.append(np.array([abs(simd)], dtype=np.int64))
    values = np.concatenate(parts).astype(np.int64)
    values = values[values > 0]
    return int(np.gcd.reduce(values)) if values.size else 1


def _floor_frac(value: Fraction) -> float:
    """A float never above ``value`` (so a bound stays valid after conversion)."""
    f = float(value)
    while Fraction(f) > value:
        f = math.nextafter(f, -math.inf)
    return f


# --------------------------------------------------------------------------- local search
def _polish(problem: Problem, model: _Model, unit_team: IntArray, deadline: float) -> IntArray:
    """First-improvement moves and swaps between teams that keep every rule."""
    team_of = unit_team.copy()
    class_of = {t: g for g, c in enumerate(model.classes) for t in c.teams}
    members = [sorted(int(u) for u in np.flatnonzero(team_of == t)) for t in range(model.n_teams)]
    pure_pairs = model.themes is None and not model.simd
    pair = model.pair

    def value(ms: list[int]) -> int:
        tup = tuple(ms)
        return model.value(tup, model.best_theme(tup))

    def accept(changes: dict[int, list[int]], moved: dict[int, int]) -> bool:
        for t, ms in changes.items():
            if not model.feasible(tuple(ms), class_of[t]):
                return False
        old = sum(values[t] for t in changes)
        new_values = {t: value(ms) for t, ms in changes.items()}
        if sum(new_values.values()) <= old:
            return False
        if model.cap is not None:  # the theme cap couples teams: compare whole objectives
            trial = team_of.copy()
            for u, t in moved.items():
                trial[u] = t
            if _objective(problem, trial) <= _objective(problem, team_of):
                return False
        for t, ms in changes.items():
            members[t] = ms
            values[t] = new_values[t]
        for u, t in moved.items():
            team_of[u] = t
        return True

    values = [value(ms) for ms in members]
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for u in range(model.n_units):
            if time.perf_counter() >= deadline:
                break
            a = int(team_of[u])
            gain_a = int(pair[u, members[a]].sum())
            for b in range(model.n_teams):
                if b == a:
                    continue
                gain_b = int(pair[u, members[b]].sum())
                if (not pure_pairs or gain_b > gain_a) and len(members[a]) > 1:
                    na = [w for w in members[a] if w != u]
                    nb = sorted(members[b] + [u])
                    if accept({a: na, b: nb}, {u: b}):
                        improved = True
                        break
                for v in members[b]:
                    delta = (
                        gain_b
                        - int(pair[u, v])
                        - gain_a
                        + int(pair[v, members[a]].sum())
                        - int(pair[v, members[b]].sum())
                    )
                    if pure_pairs and delta <= 0:
                        continue
                    na = sorted([w for w in members[a] if w != u] + [v])
                    nb = sorted([w for w in members[b] if w != v] + [u])
                    if accept({a: na, b: nb}, {u: b, v: a}):
                        improved = True
                        break
                if improved:
                    break
    return team_of


def _objective(problem: Problem, unit_team: IntArray) -> int:
    return objective_milli(problem, unit_team, problem.best_focus(unit_team))


# --------------------------------------------------------------------------- strategy
@register("colgen")
class ColumnGenerationStrategy:
    """Column generation with exact pricing: a certified bound, and branch-and-price.

    Parameters: ``heuristic_starts`` random starts of the pricing heuristic per pricing
    problem; ``columns_per_iteration`` most columns one pricing problem adds; ``target_gap``
    relative gap at which the search stops; ``branching`` whether to branch (Ryan-Foster)
    when the root LP leaves a gap.
    """

    name = "colgen"

    def __init__(
        self,
        heuristic_starts: int = 60,
        columns_per_iteration: int = 10,
        target_gap: float = 0.0,
        branching: bool = True,
        polish: bool = True,
        local_search_iterations: int = 20_000,
    ) -> None:
        self.heuristic_starts = heuristic_starts
        self.columns_per_iteration = columns_per_iteration
        self.target_gap = target_gap
        self.branching = branching
        self.polish = polish
        self.local_search_iterations = local_search_iterations

    def warm_up(self) -> None:
        """Compile the pricing kernels (and local search's, used for the primal) once."""
        from clnmatch.strategies import pricing

        pricing.warm_up()
        if self.local_search_iterations:
            local_search_warm_up()

    def _check(self) -> None:
        owner = "ColumnGenerationStrategy"
        checks: list[tuple[str, object, bool, str]] = [
            (
                "heuristic_starts",
                self.heuristic_starts,
                isinstance(self.heuristic_starts, int) and self.heuristic_starts >= 0,
                "an int >= 0",
            ),
            (
                "columns_per_iteration",
                self.columns_per_iteration,
                isinstance(self.columns_per_iteration, int) and self.columns_per_iteration >= 1,
                "an int >= 1",
            ),
            (
                "target_gap",
                self.target_gap,
                isinstance(self.target_gap, (int, float)) and self.target_gap >= 0,
                "a float >= 0",
            ),
            (
                "local_search_iterations",
                self.local_search_iterations,
                isinstance(self.local_search_iterations, int) and self.local_search_iterations >= 0,
                "an int >= 0",
            ),
        ]
        for name, value, ok, expected in checks:
            if not ok:
                raise InvalidParameterError.for_value(name, owner, expected, value)

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        """Search within ``budget``; the assignment, its focus themes and a certified bound."""
        self._check()
        return _run(_Search(problem, budget, self))


def _local_search(search: _Search, time_limit: float, iterations: int) -> None:
    """Improve the incumbent with the project's tabu search (iteration-capped, so that a
    seed gives one answer), or with the small descent here when that is unavailable."""
    if search.best_assign is None or time_limit <= 0.05:
        return
    budget = search.budget
    found = None
    if iterations > 0:
        try:
            strategy = LocalSearchStrategy(max_iterations=iterations)
            target = (
                None
                if math.isinf(search.best_bound) or search.suspect is not None
                else search.reachable_floor(search.best_bound)
            )
            sub = Budget(
                time_limit=time_limit,
                seed=budget.seed,
                warm_start=search.best_assign.copy(),
                target_milli=target,
            )
            found = strategy.run(search.problem, sub).unit_team
        except Exception:  # noqa: BLE001 - any failure there leaves the descent below
            found = None
    if found is not None:
        search.offer(np.asarray(found, dtype=np.int64), "local search")
    else:
        deadline = time.perf_counter() + time_limit
        search.offer(_polish(search.problem, search.model, search.best_assign, deadline), "descent")


def _initial(search: _Search) -> None:
    """A first feasible assignment: the warm start, else a quick CP-SAT feasibility model."""
    problem, budget = search.problem, search.budget
    if budget.warm_start is not None:
        search.offer(np.asarray(budget.warm_start, dtype=np.int64), "warm start")
    if search.best_obj is not None:
        return
    limit = min(5.0, max(0.0, search.time_left() * 0.2))
    if limit <= 0.05:
        return
    found, infeasible = _cpsat_feasible(problem, limit, budget.seed)
    if found is not None:
        search.offer(found, "first feasible assignment")
    search.infeasible = infeasible


def _cpsat_feasible(problem: Problem, time_limit: float, seed: int) -> tuple[IntArray | None, bool]:
    """A rule-abiding assignment from the CP-SAT model of the rules (no objective), and
    whether CP-SAT proved that none exists."""
    cpm = build_model(problem, objective=False)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed) % (2**31)
    status = solver.solve(cpm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status == cp_model.INFEASIBLE
    unit_team, _ = cpm.decode(solver.response_proto.solution)
    return unit_team, False


def _run(search: _Search) -> Proposal:
    problem, budget = search.problem, search.budget
    if problem.n_units == 0 or problem.n_teams == 0:
        return Proposal(None, notes=("nothing to assign",))
    _initial(search)
    if search.infeasible:
        return _infeasible(search, "colgen: CP-SAT proved that no assignment keeps every rule")
    # a short search first: the root often closes the gap with it (a bound rounded to the
    # objective's step); the full one runs before branch-and-price, which prunes by target
    _local_search(
        search,
        min(3.0, 0.1 * budget.time_limit, search.time_left()),
        search.params.local_search_iterations // 10,
    )

    def improve_primal(
        lp_and_active: tuple[_LP, list[int]] | None, share: float, cap: float
    ) -> None:
        if lp_and_active is not None:
            cand = search.integral_lp(*lp_and_active)
            if cand is not None:
                search.offer(cand, "integral LP")
        if search.closed():
            return
        limit = min(share * max(0.0, search.time_left()), cap)
        if limit <= 0:
            return
        cand = search.best_combination(list(range(len(search.columns))), limit)
        if cand is not None:
            search.offer(cand, "best combination of columns")

    def lower_bound(b: float) -> None:
        if search.constant + b < search.best_bound:
            search.best_bound = search.constant + b
            search.record("bound")

    # --- root
    root = _Node(priority=0.0, seq=0)
    out = search.column_generation(root, on_bound=lower_bound)
    st = search.stats
    st.root_seconds = budget.elapsed()
    if out.bound < math.inf:
        st.root_bound = search.constant + out.bound
    if out.lp is not None and out.converged:
        st.root_lp = search.constant + out.lp.value
    if out.infeasible:
        return _infeasible(search, "colgen: no team satisfies the per-team rules of a team class")
    # the LP's columns first (briefly when branch-and-price follows: its nodes often
    # settle what a long search here would seek), then the full local search
    improve_primal(
        (out.lp, out.active) if out.lp is not None else None,
        0.3,
        0.5 if search.params.branching else 5.0,
    )
    if not search.closed():
        _local_search(
            search,
            min(3.0, 0.1 * budget.time_limit, search.time_left()),
            search.params.local_search_iterations,
        )
    search.record("root done")

    # --- branch and price (best bound first); a node's bound bounds its whole subtree
    if (
        search.params.branching
        and out.converged
        and out.lp is not None
        and not search.closed()
        and search.gap() > search.params.target_gap
    ):
        heap: list[_Node] = []
        unresolved: list[float] = []  # bounds of nodes we could not split further
        seq = 0

        def push(children: list[_Node], bound: float) -> None:
            nonlocal seq
            for child in children:
                seq += 1
                child.bound, child.priority, child.seq = bound, -bound, seq
                heapq.heappush(heap, child)

        def open_bound() -> float:
            return max([n.bound for n in heap] + unresolved, default=-math.inf)

        def settle(node: _Node, out: _NodeOutcome, bound: float) -> None:
            whole = search.integral_lp(out.lp, out.active) if out.lp is not None else None
            if whole is not None:
                search.offer(whole, "integral LP at a node")
                return  # the node's optimum is its (converged, slack-free) LP optimum
            if (
                search.best_obj is not None
                and search.reachable_floor(search.constant + bound) <= search.best_obj
            ):
                return
            children = _branch(search, out, node)
            if children:
                push(children, bound)
            else:
                unresolved.append(bound)

        settle(root, out, out.bound)
        last_primal, last_columns = budget.elapsed(), len(search.columns)
        interrupted = False
        while heap:
            if search.out_of_time():
                interrupted = True
                break
            node = heapq.heappop(heap)
            if (
                search.best_obj is not None
                and search.reachable_floor(search.constant + node.bound) <= search.best_obj
            ):
                continue
            st.bnp_nodes += 1
            res = search.column_generation(node, prune_below=True)
            bound = min(node.bound, res.bound)
            if not res.converged:
                node.bound = bound  # stopped by time: still a valid bound of the subtree
                heapq.heappush(heap, node)
                interrupted = True
                break
            if not res.infeasible and not res.pruned and bound > -math.inf:
                settle(node, res, bound)
            if (
                budget.elapsed() - last_primal > max(5.0, 0.15 * budget.time_limit)
                and len(search.columns) > last_columns
            ):
                improve_primal(None, 0.05, 1.0)
                last_primal, last_columns = budget.elapsed(), len(search.columns)
            if heap or unresolved:
                lower_bound(open_bound())
            elif search.best_obj is not None:
                # every node is closed: nothing beats the incumbent
                search.best_bound = min(search.best_bound, float(search.best_obj))
            if search.closed() or search.gap() <= search.params.target_gap:
                break
        if not heap and not unresolved and not interrupted and search.best_obj is not None:
            # every node is closed: nothing beats the incumbent
            search.best_bound = min(search.best_bound, float(search.best_obj))
        elif heap or unresolved:
            lower_bound(open_bound())
        improve_primal(None, 0.5, 5.0)
    # --- polish
    if search.params.polish and search.best_assign is not None and not search.closed():
        _local_search(
            search,
            budget.remaining() - 0.5 * search.reserve,
            4 * search.params.local_search_iterations,
        )
    return _proposal(search)


def _infeasible(search: _Search, why: str) -> Proposal:
    """No assignment keeps every rule: name the rules that clash (CP-SAT's assumption core)."""
    from clnmatch.strategies.cpsat import CpSatStrategy

    notes = [why]
    rules = CpSatStrategy().conflicting_rules(search.problem, search.budget, notes)
    return Proposal(
        None,
        proven_infeasible=True,
        conflicting_rules=rules,
        trace=tuple(search.trace),
        notes=tuple(notes),
    )


def _branch(search: _Search, out: _NodeOutcome, node: _Node) -> list[_Node]:
    """Ryan-Foster: the unit pair whose together-ness in the LP is most fractional."""
    if out.lp is None:
        return []
    n_u = search.model.n_units
    together = np.zeros((n_u, n_u))
    for j, ci in enumerate(out.active):
        lam = out.lp.lam[j] if j < len(out.lp.lam) else 0.0
        if lam <= 1e-9:
            continue
        idx = np.array(search.columns[ci].members, dtype=np.int64)
        together[np.ix_(idx, idx)] += lam
    np.fill_diagonal(together, 0)
    frac = np.minimum(together, 1 - together)
    i, j = (int(v) for v in np.unravel_index(int(frac.argmax()), frac.shape))
    if frac[i, j] <= 1e-6:
        return []
    a, b = min(i, j), max(i, j)
    return [
        _Node(0.0, 0, node.together + ((a, b),), node.apart),
        _Node(0.0, 0, node.together, node.apart + ((a, b),)),
    ]


def _proposal(search: _Search) -> Proposal:
    problem = search.problem
    s = search.stats
    search.record("done")
    bound = None if math.isinf(search.best_bound) else search.reachable_floor(search.best_bound)
    if search.suspect is not None:
        bound = None
    notes = [
        f"colgen: {s.iterations} iterations, {len(search.columns)} columns, "
        f"{s.exact_calls} exact pricing calls, {s.exact_nodes} pricing nodes, "
        f"{s.bnp_nodes} branch-and-price nodes",
        f"times: LP {s.lp_seconds:.1f}s, heuristic pricing {s.heuristic_seconds:.1f}s, "
        f"exact pricing {s.exact_seconds:.1f}s",
    ]
    if search.suspect is not None:
        notes.append(f"no bound reported: {search.suspect} (a bug; please report it)")
    if not HAVE_NUMBA:
        notes.append("numba is not installed: exact pricing ran as plain Python (slow)")
    if s.root_bound is not None:
        notes.append(f"root: bound {s.root_bound / SCALE:,.3f} after {s.root_seconds:.1f}s")
    if search.best_assign is None:
        return Proposal(
            None,
            bound_milli=bound,
            trace=tuple(search.trace),
            notes=tuple(notes + ["no feasible assignment found"]),
        )
    unit_team = search.best_assign
    focus = problem.best_focus(unit_team)
    proven = bound is not None and search.best_obj is not None and bound <= search.best_obj
    if proven:
        bound = search.best_obj
    return Proposal(
        unit_team=unit_team.copy(),
        team_focus=focus,
        bound_milli=bound,
        proven_optimal=proven,
        trace=tuple(search.trace),
        notes=tuple(notes),
    )
