"""The exact assignment model, solved by OR-Tools CP-SAT (strategy ``"cpsat"``).

Variables: ``x[u, t]`` (unit u in team t), ``y[t, k]`` (team t's focus is theme k) and
auxiliaries that make the objective linear; every hard rule of ``clnmatch.evaluate`` is
a constraint, so every solution is rule-abiding and the bound CP-SAT proves is a bound
on the true objective (``clnmatch.evaluate.objective_milli``, in the same integers).
``build_model`` exposes the model (``CpSatModel``: ``fix_units``, ``add_move_limit``,
``hint``, ``decode``) for rematch, explain and LNS.

Choices, and why (numbers: 50 units / 100 participants / 8 teams / 12 themes, 2 busy cores):

* **Rules.** Sizes and non-empty teams per team; sectors and authorities through
  indicator Booleans; the authority share as ``den * count_a(t) <= num * units(t)`` with
  one ``units(t)`` variable per team (exactly evaluate's floor: ``count_a <= floor(num *
  units / den)``); locks as fixed cells; keep together/apart per team.
* **Infeasibility.** The main solve has no assumption literals (assumptions need a
  single worker and no objective). Only when it proves INFEASIBLE is a second,
  objective-free model built whose rule groups (``teams``, ``team_size``, ``min_sectors``,
  ``min_authorities``, ``max_authority_share``, ``pin``, ``forbidden``, ``together``,
  ``apart``, ``max_teams_per_theme``) each hang on one assumption literal. CP-SAT returns a
  sufficient set, which is shrunk by deletion (drop a rule; if the rest is still
  infeasible it was not needed) into ``Proposal.conflicting_rules``.
* **Focus.** ``y[t, k]``, one theme per team. Default form ``"v"``: ``v[u, k]`` = "unit u's
  team has focus k", exact by clauses ``x[u, t] & y[t, k] -> v[u, k]`` (one k per unit),
  gain ``theme_milli[u, k] * v[u, k]``, plus every team rule summed over the teams of one
  focus (a theme's units fill between ``sum team_min`` and ``sum team_max`` of its teams,
  the authority share, the distinct sectors/authorities). That aggregate is almost the
  whole optimum (it was tight on 3 of 5 cohorts, 1 point off on 2), and it proves
  optimality 3-10x faster than the classic ``"z"`` form (``z[u, t, k] <= x, <= y``,
  ``sum_k z <= x``, deterministic time 7-15 to proof versus 1-4.4). ``"zv"`` has both;
  ``"compact"`` (large models) is one integer gain per team bounded by
  ``sum_u theme_milli[u, k] x[u, t]`` when ``y[t, k]``.
* **Pairs** (cohesion and travel): ``w[u, v, t]`` with ``w -> x[u, t] & x[v, t]`` for a
  positive weight and ``x[u, t] & x[v, t] -> w`` for a negative one, plus star cuts
  ``sum_v w[u, v, t] <= (most units per team - 1) x[u, t]`` (the LP otherwise counts every
  positive pair; on blend they cut the gap after 10 s from ~700% to ~45%). Pairs kept
  together by the rules are a constant; pairs kept apart or with no common team are
  dropped. Beyond ``pair_var_limit`` variables only each unit's strongest partners are
  modelled and the bound adds the positive weight of every left-out pair that could share
  a team, so it stays valid; solutions are then ranked by their true objective. The
  pairwise bound stays weak: column generation is the strategy for cohesion bounds.
* **Symmetry.** When all teams are interchangeable (same size bounds, same allowed
  column), teams are sorted by (focus, lowest unit) when a focus scores, else by lowest
  unit (unit 0 in team 0; unit u joins team t only if team t - 1 holds a unit below u).
  Sorting by focus first makes branching on the foci leave assignment problems with a
  tight LP. A hint is relabelled to that order. ``build_model(symmetry=False)`` keeps
  team labels free (needed by ``fix_units`` and ``add_move_limit``).
* **Large models** (over ``LARGE_CELLS`` unit-team cells, e.g. 500 units / 80 teams): the
  compact focus form, only the free part of symmetry breaking (unit u in a team <= u),
  at most ``default_pair_var_limit`` pair variables, no probing in presolve (probing
  alone took the whole minute), and the greedy strategy's answer as a hint (single-worker
  CP-SAT found no rule-abiding assignment of a 500-unit cohort in 50 s on its own).
* **Determinism.** ``workers=1`` (default) runs one sequential search whose path is fixed
  by the model and ``random_seed``: a run that ends with a proof is reproducible (the
  deterministic times above repeat exactly). A run stopped by the wall clock is not;
  ``deterministic_time`` (or ``Budget.max_iterations``, one iteration = 0.01 s of
  deterministic time) stops on CP-SAT's deterministic clock instead (the wall clock
  still applies as a safety net). ``workers > 1`` with ``deterministic=True`` sets
  CP-SAT's ``interleave_search`` (its documented deterministic parallel mode); measured,
  it found no solution of the 50-unit blend cohort in 10 s, so it is not the default.
  ``workers=2, deterministic=False`` gave 10-15% better blend objectives after 10 s than
  one worker, but is not reproducible.
* **Warm start.** ``budget.warm_start`` (else the greedy answer, at every size) becomes a
  complete hint: every auxiliary variable is set to match, so CP-SAT accepts it as is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.evaluate import objective_milli
from clnmatch.problem import SCALE, Problem
from clnmatch.search.repair import warm_up as repair_warm_up
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register
from clnmatch.strategies.greedy import GreedyStrategy

__all__ = ["CpSatModel", "CpSatStrategy", "build_model", "canonical_labels", "RULE_GROUPS"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
PairMode = Literal["auto", "all", "none"]
FocusForm = Literal["auto", "z", "zv", "v", "compact"]

# the rule groups an assumption literal can switch off, in reporting order
RULE_GROUPS: tuple[str, ...] = (
    "teams",
    "team_size",
    "min_sectors",
    "min_authorities",
    "max_authority_share",
    "pin",
    "forbidden",
    "together",
    "apart",
    "max_teams_per_theme",
)

# above this many (unit, team) cells a model is "large": symmetry breaking keeps only the
# free part (unit u in a team <= u) and the pair and focus terms take their compact forms
LARGE_CELLS = 20_000
DEFAULT_FOCUS_VAR_LIMIT = 150_000


def default_pair_var_limit(n_units: int, n_teams: int) -> int:
    """Pair variables ``w[u, v, t]`` allowed by default: every pair of a 100-unit cohort."""
    return max(40_000, min(80_000, n_units * n_teams))


# --------------------------------------------------------------------------- helpers
def teams_symmetric(problem: Problem) -> bool:
    """True when relabelling teams maps every feasible assignment to a feasible one."""
    if problem.n_teams <= 1:
        return False
    if not (
        np.all(problem.team_min == problem.team_min[0])
        and np.all(problem.team_max == problem.team_max[0])
    ):
        return False
    allowed = problem.allowed
    return allowed is None or bool(np.all(allowed == allowed[:, :1]))


def canonical_labels(
    unit_team: IntArray, n_teams: int, team_focus: IntArray | None = None
) -> tuple[IntArray, IntArray]:
    """Relabel teams in the order symmetry breaking expects; returns (unit_team, old -> new).

    Teams are sorted by focus theme (when ``team_focus`` is given), then by lowest unit;
    empty teams go last.
    """
    n_units = len(unit_team)
    first = np.full(n_teams, n_units, dtype=np.int64)
    np.minimum.at(first, unit_team, np.arange(n_units))
    focus = np.zeros(n_teams, dtype=np.int64) if team_focus is None else np.asarray(team_focus)
    order = np.lexsort((np.arange(n_teams), first, focus))  # new label -> old label
    mapping = np.empty(n_teams, dtype=np.int64)
    mapping[order] = np.arange(n_teams)
    return mapping[unit_team], mapping


def _int_bound(value: float) -> int:
    """An objective bound from CP-SAT (a float holding an integer) as a safe integer."""
    near = round(value)
    return int(near) if abs(value - near) < 1e-6 else math.floor(value)


# --------------------------------------------------------------------------- model
@dataclass
class Auxiliaries:
    """Auxiliary variables with what they mean, so a hint can set them consistently."""

    indicators: list[tuple[cp_model.IntVar, int, BoolArray]] = field(
        default_factory=list
    )  # (s, t, units)
    z: list[tuple[cp_model.IntVar, int, int, int]] = field(default_factory=list)  # (z, u, t, k)
    g: list[tuple[cp_model.IntVar, int]] = field(default_factory=list)  # (team focus gain, t)
    w: list[tuple[cp_model.IntVar, int, int, int]] = field(default_factory=list)  # (w, u, v, t)
    simd: list[tuple[cp_model.IntVar, int]] = field(default_factory=list)  # (b, t)
    opened: list[tuple[cp_model.IntVar, int, int]] = field(default_factory=list)  # (o, u, t)
    v: list[tuple[cp_model.IntVar, int, int]] = field(default_factory=list)  # (v, u, k)
    counts: list[tuple[cp_model.IntVar, int]] = field(default_factory=list)  # (units in t, t)
    spread: list[tuple[cp_model.IntVar, BoolArray, int]] = field(
        default_factory=list
    )  # (r, units, k)

    def values(
        self, problem: Problem, member: BoolArray, focus: IntArray
    ) -> list[tuple[cp_model.IntVar, int]]:
        """Each auxiliary's value for the assignment ``member[u, t]`` with ``focus``."""
        out: list[tuple[cp_model.IntVar, int]] = []
        out += [(s, int(member[units, t].any())) for s, t, units in self.indicators]
        out += [(z, int(member[u, t] and focus[t] == k)) for z, u, t, k in self.z]
        for g, t in self.g:
            k = int(focus[t])
            out.append((g, int(problem.theme_milli[member[:, t], k].sum()) if k >= 0 else 0))
        out += [(w, int(member[u, t] and member[v, t])) for w, u, v, t in self.w]
        for b, t in self.simd:
            col = member[:, t]
            out.append(
                (b, int(problem.unit_challenge[col].any() and problem.unit_affluent[col].any()))
            )
        out += [(o, int(member[: u + 1, t].any())) for o, u, t in self.opened]
        out += [(n, int(member[:, t].sum())) for n, t in self.counts]
        unit_focus = focus[member.argmax(axis=1)] if member.size else np.zeros(0, dtype=np.int64)
        out += [(v, int(unit_focus[u] == k)) for v, u, k in self.v]
        for r, units, k in self.spread:
            teams_k = int((focus == k).sum())
            out.append((r, min(int((unit_focus[units] == k).sum()), teams_k)))
        return out


@dataclass
class CpSatModel:
    """A built CP-SAT model of a Problem, with the handles other strategies need."""

    problem: Problem
    model: cp_model.CpModel
    x: list[list[cp_model.IntVar]]  # x[u][t]
    y: list[list[cp_model.IntVar]] | None  # y[t][k]; None when focus does not matter
    guards: dict[str, cp_model.IntVar]  # rule group -> assumption literal (guarded models)
    x_index: IntArray  # (U, T) proto indices of x
    y_index: IntArray | None  # (T, K)
    possible: BoolArray  # (U, T) cells not fixed to 0 by unguarded locks or symmetry
    symmetry_broken: bool
    large: bool  # above LARGE_CELLS (unit, team) cells
    focus_ordered: bool  # symmetry breaking sorts teams by focus first
    aux: Auxiliaries
    focus_form: str = "none"
    pairs_total: int = 0  # unit pairs with a non-zero weight that can share a team
    pairs_modelled: int = 0
    excluded_positive_milli: int = 0  # added to the model bound for pairs left out

    # --- decoding ------------------------------------------------------------
    def decode(self, solution: Sequence[int] | IntArray) -> tuple[IntArray, IntArray]:
        """(unit_team, team_focus) from a solution vector (``response_proto.solution``)."""
        values = np.asarray(solution, dtype=np.int64)
        unit_team = values[self.x_index].argmax(axis=1).astype(np.int64)
        if self.y_index is not None:
            focus = values[self.y_index].argmax(axis=1).astype(np.int64)
        else:
            focus = self.problem.best_focus(unit_team)
        return unit_team, focus

    # --- what LNS / rematch add ------------------------------------------------
    def _require_free_labels(self, what: str) -> None:
        if self.symmetry_broken:
            raise ValueError(f"{what} needs team labels as given: build_model(..., symmetry=False)")

    def fix_units(self, units: Iterable[int], unit_team: Sequence[int] | IntArray) -> None:
        """Keep each unit in ``units`` in its team of ``unit_team`` (0-based)."""
        self._require_free_labels("fix_units")
        for u in units:
            self.model.add(self.x[int(u)][int(unit_team[int(u)])] == 1)

    def add_move_limit(self, reference: Sequence[int] | IntArray, max_moves: int) -> None:
        """At most ``max_moves`` units leave their team of ``reference`` (0-based)."""
        self._require_free_labels("add_move_limit")
        stay = [self.x[u][int(reference[u])] for u in range(self.problem.n_units)]
        self.model.add(cp_model.LinearExpr.sum(stay) >= self.problem.n_units - max_moves)

    def hint(
        self, unit_team: Sequence[int] | IntArray, team_focus: Sequence[int] | None = None
    ) -> None:
        """Hint a complete assignment, auxiliaries included (relabelled if teams are ordered)."""
        problem = self.problem
        ut = np.asarray(unit_team, dtype=np.int64)
        focus = None if team_focus is None else np.asarray(team_focus, dtype=np.int64)
        if focus is None or np.any(focus < 0):
            focus = problem.best_focus(ut)
        if self.symmetry_broken:
            ut, mapping = canonical_labels(
                ut, problem.n_teams, focus if self.focus_ordered else None
            )
            relabelled = np.empty_like(focus)
            relabelled[mapping] = focus
            focus = relabelled
        member = np.zeros((problem.n_units, problem.n_teams), dtype=bool)
        member[np.arange(problem.n_units), ut] = True
        self.model.clear_hints()
        for u in range(problem.n_units):
            for t in range(problem.n_teams):
                self.model.add_hint(self.x[u][t], bool(member[u, t]))
        if self.y is not None:
            for t, row in enumerate(self.y):
                for k, var in enumerate(row):
                    self.model.add_hint(var, int(focus[t] == k))
        for var, value in self.aux.values(problem, member, focus):
            self.model.add_hint(var, value)


def build_model(
    problem: Problem,
    *,
    guards: bool = False,
    objective: bool = True,
    symmetry: bool = True,
    pair_terms: PairMode = "auto",
    pair_var_limit: int | None = None,
    focus_form: FocusForm = "auto",
    focus_var_limit: int = DEFAULT_FOCUS_VAR_LIMIT,
) -> CpSatModel:
    """Build the CP-SAT model of ``problem`` (never modified).

    ``guards=True`` hangs every rule group on an assumption literal (``CpSatModel.guards``);
    ``objective=False`` leaves the objective out (a pure feasibility model);
    ``symmetry=False`` keeps team labels free (needed by ``fix_units``/``add_move_limit``).
    """
    builder = _Builder(problem, guards=guards, symmetry=symmetry, objective=objective)
    builder.rules()
    if objective:
        if pair_var_limit is None:
            pair_var_limit = default_pair_var_limit(problem.n_units, problem.n_teams)
        builder.objective(pair_terms, pair_var_limit, focus_form, focus_var_limit)
    return builder.result()


class _Builder:
    """Adds variables and constraints; keeps what hints and decoding need."""

    def __init__(self, problem: Problem, *, guards: bool, symmetry: bool, objective: bool) -> None:
        self.p = problem
        self.m = cp_model.CpModel()
        self.guarded = guards
        self.guards: dict[str, cp_model.IntVar] = {}
        n_units, n_teams = problem.n_units, problem.n_teams
        self.x = [
            [self.m.new_bool_var(f"x[{u},{t}]") for t in range(n_teams)] for u in range(n_units)
        ]
        self.x_index = np.array([[v.index for v in row] for row in self.x], dtype=np.int64)
        self.x_index = self.x_index.reshape(n_units, n_teams)
        # y only where a focus matters: it scores, or its cap is a rule to keep
        need_y = problem.n_themes > 0 and (
            problem.max_teams_per_theme is not None or (objective and problem.has_focus)
        )
        self.y = None
        if need_y:
            self.y = [
                [self.m.new_bool_var(f"y[{t},{k}]") for k in range(problem.n_themes)]
                for t in range(n_teams)
            ]
        self.symmetry = symmetry and n_units > 0 and teams_symmetric(problem)
        # with a scoring focus, teams are sorted by focus first: branching on the foci then
        # leaves an assignment problem whose LP is tight
        self.large = n_units * n_teams > LARGE_CELLS
        self.focus_ordered = (
            self.symmetry
            and not self.large
            and self.y is not None
            and objective
            and problem.has_focus
        )
        self.possible = np.ones((n_units, n_teams), dtype=bool)
        if problem.allowed is not None and not guards:
            self.possible &= problem.allowed
        if self.symmetry and not self.focus_ordered:
            self.possible &= np.arange(n_teams)[None, :] <= np.arange(n_units)[:, None]
        self.aux = Auxiliaries()
        self.terms: list[tuple[cp_model.IntVar, int]] = []
        self.constant = problem.constant_milli
        self.focus_form = "none"
        self.v: list[list[cp_model.IntVar]] | None = None
        self.pairs_total = 0
        self.pairs_modelled = 0
        self.excluded_positive = 0

    def _enforce(self, ct: cp_model.Constraint, rule: str) -> None:
        """Guard a constraint by its rule group's assumption literal (guarded models only)."""
        if self.guarded:
            if rule not in self.guards:
                self.guards[rule] = self.m.new_bool_var(f"rule[{rule}]")
            ct.only_enforce_if(self.guards[rule])

    # --- hard rules ----------------------------------------------------------------
    def rules(self) -> None:
        p, m, x = self.p, self.m, self.x
        n_units, n_teams = p.n_units, p.n_teams
        for u in range(n_units):
            m.add_exactly_one(x[u])
        for u, t in zip(*np.nonzero(~self.possible), strict=True):
            m.add(x[u][t] == 0)  # unguarded locks and symmetry
        weight = [int(w) for w in p.unit_weight]
        for t in range(n_teams):
            col = [x[u][t] for u in range(n_units)]
            self._enforce(m.add_bool_or(col), "teams")
            size = cp_model.LinearExpr.weighted_sum(col, weight)
            self._enforce(
                m.add_linear_constraint(size, int(p.team_min[t]), int(p.team_max[t])), "team_size"
            )
        if p.min_sectors and p.unit_sector.size:
            self._distinct(p.unit_sector, p.min_sectors, "min_sectors")
        if p.min_authorities and p.unit_authority.size:
            self._distinct(p.unit_authority, p.min_authorities, "min_authorities")
        if p.authority_share is not None and p.unit_authority.size:
            self._authority_share()
        if p.allowed is not None and self.guarded:
            for u in range(n_units):
                banned = [x[u][t].Not() for t in np.flatnonzero(~p.allowed[u])]
                if banned:  # a single allowed team is a pin, as evaluate names it
                    self._enforce(
                        m.add_bool_and(banned), "pin" if p.allowed[u].sum() == 1 else "forbidden"
                    )
        for a, b in p.together:
            for t in range(n_teams):
                self._enforce(m.add(x[int(a)][t] == x[int(b)][t]), "together")
        for a, b in p.apart:
            for t in range(n_teams):
                self._enforce(m.add_bool_or([x[int(a)][t].Not(), x[int(b)][t].Not()]), "apart")
        if self.y is not None:
            for t in range(n_teams):
                m.add_exactly_one(self.y[t])
            if p.max_teams_per_theme is not None:
                for k in range(p.n_themes):
                    used = cp_model.LinearExpr.sum([self.y[t][k] for t in range(n_teams)])
                    self._enforce(m.add(used <= p.max_teams_per_theme), "max_teams_per_theme")
        if self.symmetry and not self.large:
            self._break_symmetry()
        elif self.symmetry:
            m.add(x[0][0] == 1)  # the free part: unit u is in a team <= u (via `possible`)

    def _distinct(self, labels: IntArray, minimum: int, rule: str) -> None:
        """At least ``minimum`` distinct labels per team, via indicator Booleans."""
        p, m, x = self.p, self.m, self.x
        groups = [(lab, labels == lab) for lab in np.unique(labels)]
        for t in range(p.n_teams):
            indicators = []
            for lab, mask in groups:
                members = [x[u][t] for u in np.flatnonzero(mask & self.possible[:, t])]
                if not members:
                    continue
                s = m.new_bool_var(f"{rule}[{t},{lab}]")
                m.add_bool_or(members).only_enforce_if(s)  # s <= sum of the label's units
                indicators.append(s)
                self.aux.indicators.append((s, t, mask))
            self._enforce(m.add(cp_model.LinearExpr.sum(indicators) >= minimum), rule)

    def _authority_share(self) -> None:
        """den * count_a(t) <= num * units(t): count_a <= floor(num * units / den), as evaluate."""
        p, m, x = self.p, self.m, self.x
        share = p.authority_share
        assert share is not None
        num, den = share.numerator, share.denominator
        # the team's unit count once per team keeps each (authority, team) row short
        for t in range(p.n_teams):
            units = np.flatnonzero(self.possible[:, t])
            n_t = m.new_int_var(0, len(units), f"units[{t}]")
            m.add(n_t == cp_model.LinearExpr.sum([x[u][t] for u in units]))
            self.aux.counts.append((n_t, t))
            for a in np.unique(p.unit_authority[units]):
                mine = units[p.unit_authority[units] == a]
                expr = cp_model.LinearExpr.weighted_sum(
                    [x[u][t] for u in mine] + [n_t], [den] * len(mine) + [-num]
                )
                self._enforce(m.add(expr <= 0), "max_authority_share")

    def _break_symmetry(self) -> None:
        """Teams sorted by (focus, lowest unit), or by lowest unit alone without a focus.

        ``open[u][t]``: team t holds a unit <= u. A unit u may join team t >= 1 only if
        team t - 1 holds a unit below u, unless (focus ordering) team t's focus comes later.
        """
        p, m, x = self.p, self.m, self.x
        n_units, n_teams = p.n_units, p.n_teams
        same: list[cp_model.IntVar | None] = [None] * n_teams  # same[t]: focus(t-1) == focus(t)
        if self.focus_ordered:
            y = self.y
            assert y is not None
            ks = range(p.n_themes)
            for t in range(1, n_teams):
                prev_f = cp_model.LinearExpr.weighted_sum(y[t - 1], list(ks))
                cur_f = cp_model.LinearExpr.weighted_sum(y[t], list(ks))
                m.add(prev_f <= cur_f)
                link = m.new_bool_var(f"same_focus[{t}]")
                for k in ks:
                    m.add_bool_or([y[t - 1][k].Not(), y[t][k].Not(), link])
                    m.add_implication(y[t - 1][k], y[t][k]).only_enforce_if(link)
                same[t] = link
        else:
            m.add(x[0][0] == 1)
        prev: list[cp_model.IntVar] = []  # open[u - 1][t]
        for u in range(n_units):
            for t in range(1, n_teams):
                if not self.possible[u, t]:
                    continue
                eq = same[t]
                if t - 1 < len(prev):
                    clause = [x[u][t].Not(), prev[t - 1]]
                else:  # team t - 1 holds no unit below u
                    clause = [x[u][t].Not()]
                if eq is not None:
                    m.add_bool_or(clause).only_enforce_if(eq)
                else:
                    m.add_bool_or(clause)
            if u == n_units - 1:
                break
            cur = []
            for t in range(n_teams - 1):  # open[.][T-1] is never needed
                if t >= len(prev) and not self.possible[: u + 1, t].any():
                    break
                o = m.new_bool_var(f"open[{u},{t}]")
                m.add_implication(x[u][t], o)
                if t < len(prev):
                    m.add_implication(prev[t], o)
                    m.add_bool_or([prev[t], x[u][t]]).only_enforce_if(o)
                else:
                    m.add_implication(o, x[u][t])
                cur.append(o)
                self.aux.opened.append((o, u, t))
            prev = cur

    # --- objective -------------------------------------------------------------
    def objective(
        self, pair_terms: PairMode, pair_var_limit: int, focus_form: FocusForm, focus_var_limit: int
    ) -> None:
        if self.p.has_focus and self.y is not None:
            self._focus(focus_form, focus_var_limit)
        self._pairs(pair_terms, pair_var_limit)
        self._simd()
        # written straight into the proto (CP-SAT minimises: maximise f = minimise -f, reported
        # back through scaling_factor -1); the Python expression path is slow for 10^5 terms
        merged: dict[int, int] = {}
        for var, coef in self.terms:
            merged[var.index] = merged.get(var.index, 0) + coef
        obj = self.m.proto.objective
        obj.vars.extend(list(merged))
        obj.coeffs.extend([-c for c in merged.values()])
        obj.offset = -float(self.constant)
        obj.scaling_factor = -1.0

    def _focus(self, form: FocusForm, limit: int) -> None:
        p, m, x, y = self.p, self.m, self.x, self.y
        assert y is not None
        theme = p.theme_milli
        positive = theme > 0
        n_z = int((positive.sum(axis=1) * self.possible.sum(axis=1)).sum())
        if form == "auto":
            form = "v" if n_z <= limit and not self.large else "compact"
        self.focus_form = form
        if form in ("v", "zv"):
            self._theme_aggregate(objective=form == "v")
        if form in ("z", "zv"):
            for u in range(p.n_units):
                ks = np.flatnonzero(positive[u]).tolist()
                for t in np.flatnonzero(self.possible[u]).tolist():
                    zs = []
                    for k in ks:
                        z = m.new_bool_var(f"z[{u},{t},{k}]")
                        m.add_implication(z, x[u][t])
                        m.add_implication(z, y[t][k])
                        zs.append(z)
                        self.aux.z.append((z, u, int(t), int(k)))
                        self.terms.append((z, int(theme[u, k])))
                    if len(zs) > 1:
                        m.add(cp_model.LinearExpr.sum(zs) <= x[u][t])
            if self.v is not None:  # a unit's gain from theme k, over all teams, is at most v[u, k]
                by_uk: dict[tuple[int, int], list[cp_model.IntVar]] = {}
                for z, u, _, k in self.aux.z:
                    by_uk.setdefault((u, k), []).append(z)
                for (u, k), zs in by_uk.items():
                    m.add(cp_model.LinearExpr.sum(zs) <= self.v[u][k])
            return
        if form == "v":
            return
        best = theme.max(axis=1)
        for t in range(p.n_teams):
            units = np.flatnonzero(self.possible[:, t])
            col = [x[u][t] for u in units]
            g = m.new_int_var(0, int(best[units].sum()), f"g[{t}]")
            m.add(g <= cp_model.LinearExpr.weighted_sum(col, [int(best[u]) for u in units]))
            for k in range(p.n_themes):
                gain = cp_model.LinearExpr.weighted_sum(col, [int(theme[u, k]) for u in units])
                m.add(g <= gain).only_enforce_if(y[t][k])
            self.aux.g.append((g, t))
            self.terms.append((g, 1))

    def _theme_aggregate(self, objective: bool) -> None:
        """Units grouped by their team's focus: an exact map plus the rules summed per theme.

        ``v[u, k]``: unit u's team has focus k (exact: ``x[u, t] & y[t, k] -> v[u, k]``, one k
        per unit). Summing each team rule over the teams of one focus gives constraints that
        hold for every assignment and make the LP see that a theme's units must fill whole
        teams (the source of most of the focus gap).
        """
        p, m, x, y = self.p, self.m, self.x, self.y
        assert y is not None
        n_units, n_teams, n_themes = p.n_units, p.n_teams, p.n_themes
        v = [[m.new_bool_var(f"v[{u},{k}]") for k in range(n_themes)] for u in range(n_units)]
        self.v = v
        for u in range(n_units):
            m.add_exactly_one(v[u])
            for k in range(n_themes):
                self.aux.v.append((v[u][k], u, k))
                for t in np.flatnonzero(self.possible[u]).tolist():
                    m.add_bool_or([x[u][t].Not(), y[t][k].Not(), v[u][k]])
                    m.add_implication(v[u][k], y[t][k]).only_enforce_if(x[u][t])
        weight = [int(w) for w in p.unit_weight]
        units_all = list(range(n_units))
        for k in range(n_themes):
            yk = [y[t][k] for t in range(n_teams)]
            vk = [v[u][k] for u in units_all]
            load = cp_model.LinearExpr.weighted_sum(vk, weight)
            m.add(load <= cp_model.LinearExpr.weighted_sum(yk, [int(c) for c in p.team_max]))
            m.add(load >= cp_model.LinearExpr.weighted_sum(yk, [int(c) for c in p.team_min]))
            n_k = cp_model.LinearExpr.sum(yk)
            m.add(cp_model.LinearExpr.sum(vk) >= n_k)
            if p.authority_share is not None and p.unit_authority.size:
                num, den = p.authority_share.numerator, p.authority_share.denominator
                for a in np.unique(p.unit_authority):
                    mine = p.unit_authority == a
                    coefs = [den - num if mine[u] else -num for u in units_all]
                    m.add(cp_model.LinearExpr.weighted_sum(vk, coefs) <= 0)
            for labels, minimum in (
                (p.unit_sector, p.min_sectors if p.unit_sector.size else 0),
                (p.unit_authority, p.min_authorities if p.unit_authority.size else 0),
            ):
                if not minimum:
                    continue
                # every team of focus k holds >= minimum labels; label l is in at most
                # min(its units at k, teams at k) of them
                spreads = []
                for lab in np.unique(labels):
                    mask = labels == lab
                    r = m.new_int_var(0, min(int(mask.sum()), n_teams), f"spread[{lab},{k}]")
                    m.add(r <= cp_model.LinearExpr.sum([v[u][k] for u in np.flatnonzero(mask)]))
                    m.add(r <= n_k)
                    spreads.append(r)
                    self.aux.spread.append((r, mask, k))
                m.add(cp_model.LinearExpr.sum(spreads) >= minimum * n_k)
        if objective:
            for u in range(n_units):
                for k in np.flatnonzero(p.theme_milli[u] > 0).tolist():
                    self.terms.append((v[u][k], int(p.theme_milli[u, k])))

    def _pairs(self, mode: PairMode, limit: int) -> None:
        p, m, x = self.p, self.m, self.x
        n_units = p.n_units
        if n_units < 2 or not p.pair_milli.any():
            return
        iu, iv = np.triu_indices(n_units, 1)
        wt = p.pair_milli[iu, iv].astype(np.int64)
        keep = wt != 0
        comp = p.together_labels()
        same = comp[iu] == comp[iv]
        self.constant += int(wt[keep & same].sum())  # kept together by the rules: a constant
        keep &= ~same
        if len(p.apart):
            apart = np.zeros((n_units, n_units), dtype=bool)
            apart[p.apart[:, 0], p.apart[:, 1]] = True
            apart[p.apart[:, 1], p.apart[:, 0]] = True
            keep &= ~apart[iu, iv]
        common = (self.possible[iu] & self.possible[iv]).sum(axis=1)
        keep &= common > 0
        iu, iv, wt, common = iu[keep], iv[keep], wt[keep], common[keep]
        self.pairs_total = len(wt)
        if mode == "none":
            chosen = np.zeros(len(wt), dtype=bool)
        elif mode == "all" or int(common.sum()) <= limit:
            chosen = np.ones(len(wt), dtype=bool)
        else:
            chosen = self._strongest(iu, iv, wt, common, limit)
        self.pairs_modelled = int(chosen.sum())
        self.excluded_positive = int(np.clip(wt[~chosen], 0, None).sum())
        star: dict[tuple[int, int], list[cp_model.IntVar]] = {}  # (unit, team) -> its positive w
        for u, v, c in zip(iu[chosen], iv[chosen], wt[chosen], strict=True):
            for t in np.flatnonzero(self.possible[u] & self.possible[v]).tolist():
                w = m.new_bool_var(f"w[{u},{v},{t}]")
                if c > 0:  # maximising pushes w up: cap it by both memberships
                    m.add_bool_and([x[u][t], x[v][t]]).only_enforce_if(w)
                else:  # maximising pushes w down: force it when both are in t
                    m.add_bool_or([x[u][t].Not(), x[v][t].Not(), w])
                self.aux.w.append((w, int(u), int(v), int(t)))
                self.terms.append((w, int(c)))
                if c > 0:
                    star.setdefault((int(u), int(t)), []).append(w)
                    star.setdefault((int(v), int(t)), []).append(w)
        # star cuts: a unit has at most (most units a team can hold - 1) team mates, which the
        # LP otherwise ignores (it would let every positive pair count)
        most = [self._most_units(t) for t in range(p.n_teams)]
        for (u, t), ws in star.items():
            if len(ws) > most[t] - 1:
                m.add(cp_model.LinearExpr.sum(ws) <= (most[t] - 1) * x[u][t])

    def _most_units(self, t: int) -> int:
        """Most units team t can hold within its largest total weight."""
        weights = np.sort(self.p.unit_weight[self.possible[:, t]])
        return int(np.searchsorted(np.cumsum(weights), int(self.p.team_max[t]), side="right"))

    def _strongest(
        self, iu: IntArray, iv: IntArray, wt: IntArray, common: IntArray, limit: int
    ) -> BoolArray:
        """Each unit's k strongest pairs (by |weight|), k as large as the variable limit allows."""
        n_units = self.p.n_units
        strength = np.zeros((n_units, n_units))
        strength[iu, iv] = strength[iv, iu] = np.abs(wt)
        order = np.argsort(-strength, axis=1, kind="stable")
        pair_id = np.full((n_units, n_units), -1, dtype=np.int64)
        pair_id[iu, iv] = pair_id[iv, iu] = np.arange(len(wt))
        start = max(1, 2 * limit // max(1, int(common.mean()) * n_units))
        for k in range(min(start, n_units - 1), 0, -1):
            ids = pair_id[np.arange(n_units)[:, None], order[:, :k]]
            chosen = np.zeros(len(wt), dtype=bool)
            chosen[ids[ids >= 0]] = True
            if int(common[chosen].sum()) <= limit:
                return chosen
        return np.zeros(len(wt), dtype=bool)

    def _simd(self) -> None:
        p, m, x = self.p, self.m, self.x
        if not p.simd_milli or not p.unit_challenge.any() or not p.unit_affluent.any():
            return
        for t in range(p.n_teams):
            challenge = [x[u][t] for u in np.flatnonzero(p.unit_challenge & self.possible[:, t])]
            affluent = [x[u][t] for u in np.flatnonzero(p.unit_affluent & self.possible[:, t])]
            if not challenge or not affluent:
                continue
            b = m.new_bool_var(f"simd[{t}]")
            m.add_bool_or(challenge).only_enforce_if(b)
            m.add_bool_or(affluent).only_enforce_if(b)
            self.aux.simd.append((b, t))
            self.terms.append((b, int(p.simd_milli)))

    def result(self) -> CpSatModel:
        y_index = None
        if self.y is not None:
            y_index = np.array([[v.index for v in row] for row in self.y], dtype=np.int64)
        return CpSatModel(
            problem=self.p,
            model=self.m,
            x=self.x,
            y=self.y,
            guards=self.guards,
            x_index=self.x_index,
            y_index=y_index,
            possible=self.possible,
            symmetry_broken=self.symmetry,
            large=self.large,
            focus_ordered=self.focus_ordered,
            aux=self.aux,
            focus_form=self.focus_form,
            pairs_total=self.pairs_total,
            pairs_modelled=self.pairs_modelled,
            excluded_positive_milli=self.excluded_positive,
        )


# --------------------------------------------------------------------------- strategy
class _Recorder(cp_model.CpSolverSolutionCallback):
    """Keeps the best assignment by its TRUE objective and an anytime trace."""

    def __init__(self, cpm: CpSatModel, budget: Budget, slack: int, offset_s: float) -> None:
        super().__init__()
        self.cpm = cpm
        self.budget = budget
        self.slack = slack
        self.offset_s = offset_s
        self.trace: list[TracePoint] = []
        self.best: tuple[int, IntArray, IntArray] | None = None

    def take(self, solution: Sequence[int]) -> None:
        """Keep this solution if its true objective beats the best so far."""
        unit_team, focus = self.cpm.decode(solution)
        unit_team, focus, value = _best_focus(self.cpm.problem, unit_team, focus)
        if self.best is None or value > self.best[0]:
            self.best = (value, unit_team, focus)

    def on_solution_callback(self) -> None:
        self.take(self.response_proto.solution)
        assert self.best is not None
        bound = _int_bound(self.best_objective_bound) + self.slack
        t = self.offset_s + self.wall_time
        self.trace.append(TracePoint(t, self.best[0] / SCALE, bound / SCALE))
        self.budget.report(self.best[0] / SCALE, bound / SCALE, "cpsat: solution")


def _best_focus(
    problem: Problem, unit_team: IntArray, focus: IntArray
) -> tuple[IntArray, IntArray, int]:
    """The model's focus, or the best focus for these teams when that scores higher."""
    value = objective_milli(problem, unit_team, focus)
    if problem.has_focus:
        best = problem.best_focus(unit_team)
        best_value = objective_milli(problem, unit_team, best)
        if best_value > value:
            return unit_team, best, best_value
    return unit_team, focus, value


@register("cpsat")
class CpSatStrategy:
    """Exact CP-SAT model: enforces every rule, proves a bound, names conflicting rules."""

    name = "cpsat"

    def __init__(
        self,
        workers: int = 1,
        pair_terms: PairMode = "auto",
        focus_form: FocusForm = "auto",
        symmetry: bool = True,
        deterministic: bool = True,
        deterministic_time: float | None = None,
        pair_var_limit: int | None = None,
        warm_start: bool | None = None,
        log: bool = False,
        parameters: Mapping[str, object] | None = None,
    ) -> None:
        self.workers = workers
        self.pair_terms = pair_terms
        self.focus_form = focus_form
        self.symmetry = symmetry
        self.deterministic = deterministic
        self.deterministic_time = deterministic_time
        self.pair_var_limit = pair_var_limit
        self.warm_start = warm_start
        self.log = log
        self.parameters = dict(parameters or {})

    # --- parameters --------------------------------------------------------------
    def _solver(
        self, budget: Budget, time_limit: float, workers: int | None = None, large: bool = False
    ) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.max_time_in_seconds = max(0.01, time_limit)
        prm.random_seed = int(budget.seed) % (2**31 - 1)
        n = self.workers if workers is None else workers
        prm.num_workers = max(1, n)
        if n > 1 and self.deterministic:
            prm.interleave_search = True
        if self.deterministic_time is not None:
            prm.max_deterministic_time = self.deterministic_time
        elif budget.max_iterations is not None:
            # the Budget's work limit: one iteration is 0.01 s of CP-SAT's deterministic clock
            prm.max_deterministic_time = budget.max_iterations / 100
        prm.log_search_progress = self.log
        if large:
            # probing a 10^5-variable model costs more than the whole budget; keep presolve light
            prm.cp_model_probing_level = 0
            prm.max_presolve_iterations = 1
        for key, value in self.parameters.items():  # expert overrides, by SatParameters name
            setattr(prm, key, value)
        return solver

    # --- run ----------------------------------------------------------------------
    def run(self, problem: Problem, budget: Budget) -> Proposal:
        notes: list[str] = []
        t0 = budget.elapsed()
        cpm = build_model(
            problem,
            symmetry=self.symmetry,
            pair_terms=self.pair_terms,
            pair_var_limit=self.pair_var_limit,
            focus_form=self.focus_form,
        )
        notes.append(
            f"model: {len(cpm.model.proto.variables)} variables, "
            f"{len(cpm.model.proto.constraints)} constraints, built in {budget.elapsed() - t0:.2f} s; "
            f"focus form {cpm.focus_form}; pairs {cpm.pairs_modelled}/{cpm.pairs_total}; "
            f"symmetry breaking {'on' if cpm.symmetry_broken else 'off'}"
        )
        start = budget.warm_start
        if start is not None:
            notes.append("warm start: given")
        elif self.warm_start is not False:  # default: greedy's answer (measured: without
            # it one-worker CP-SAT found no blend answer for some 50-unit cohorts in 20 s)
            start = self._greedy_start(problem, budget, notes)
        if start is not None and len(start) == problem.n_units:
            cpm.hint(np.asarray(start, dtype=np.int64))

        # a little time is kept back: CP-SAT stops a moment late on a busy machine
        solver = self._solver(budget, 0.98 * budget.remaining() - 0.05, large=cpm.large)
        recorder = _Recorder(cpm, budget, cpm.excluded_positive_milli, budget.elapsed())
        status = solver.solve(cpm.model, recorder)
        notes.append(
            f"cp-sat status {solver.status_name(status)} after {solver.wall_time:.2f} s "
            f"(deterministic time {solver.deterministic_time:.2f})"
        )

        if status == cp_model.INFEASIBLE:
            rules = self.conflicting_rules(problem, budget, notes)
            return Proposal(
                None,
                proven_infeasible=True,
                conflicting_rules=rules,
                trace=tuple(recorder.trace),
                notes=tuple(notes),
            )
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(f"CP-SAT rejected the model: {cpm.model.validate()}")
        if recorder.best is None and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            recorder.take(solver.response_proto.solution)  # found without a callback
        if recorder.best is None:
            notes.append("no assignment found within the time limit")
            return Proposal(None, trace=tuple(recorder.trace), notes=tuple(notes))

        value, unit_team, focus = recorder.best
        # valid for the TRUE objective: the model's bound plus every left-out positive pair
        bound = _int_bound(solver.best_objective_bound) + cpm.excluded_positive_milli
        proven = value >= bound
        trace = list(recorder.trace)
        trace.append(TracePoint(budget.elapsed(), value / SCALE, bound / SCALE))
        budget.report(value / SCALE, bound / SCALE, "cpsat: done")
        if cpm.pairs_modelled < cpm.pairs_total:
            notes.append(
                f"{cpm.pairs_total - cpm.pairs_modelled} unit pairs left out of the model; "
                f"bound includes their positive weight ({cpm.excluded_positive_milli / SCALE:g})"
            )
        return Proposal(
            unit_team=unit_team,
            team_focus=focus,
            bound_milli=bound,
            proven_optimal=proven,
            trace=tuple(trace),
            notes=tuple(notes),
        )

    def warm_up(self) -> None:
        """Compile the greedy warm start's repair kernels once, outside the time limit."""
        repair_warm_up()

    def _greedy_start(self, problem: Problem, budget: Budget, notes: list[str]) -> IntArray | None:
        sub = Budget(time_limit=min(2.0, 0.1 * budget.remaining()), seed=budget.seed)
        try:
            proposal = GreedyStrategy().run(problem, sub)
        except Exception as exc:  # a failing heuristic must not stop the exact model
            notes.append(f"warm start: greedy failed ({type(exc).__name__})")
            return None
        notes.append("warm start: greedy" if proposal.unit_team is not None else "warm start: none")
        return proposal.unit_team

    # --- infeasibility ---------------------------------------------------------------
    def conflicting_rules(
        self, problem: Problem, budget: Budget, notes: list[str]
    ) -> tuple[str, ...]:
        """Rule groups that conflict: an assumption core, shrunk by deletion (other
        strategies that prove infeasibility name the rules with it too)."""
        cpm = build_model(problem, guards=True, objective=False, symmetry=self.symmetry)
        if not cpm.guards:
            return ()
        lits = {cpm.guards[r].index: r for r in cpm.guards}

        def infeasible(rules: list[str]) -> tuple[bool, list[str]]:
            cpm.model.clear_assumptions()
            cpm.model.add_assumptions([cpm.guards[r] for r in rules])
            # assumptions need one worker; a slice of the time left (at least a moment)
            solver = self._solver(budget, max(0.2, budget.remaining() / 4), workers=1)
            solver.parameters.num_workers = 1
            solver.parameters.interleave_search = False
            status = solver.solve(cpm.model)
            if status != cp_model.INFEASIBLE:
                return False, rules
            core = [lits[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in lits]
            return True, core or rules

        ordered = [r for r in RULE_GROUPS if r in cpm.guards]
        start = time.perf_counter()
        ok, core = infeasible(ordered)
        if not ok:
            notes.append("the assumption model did not confirm infeasibility in time")
            return tuple(ordered)
        core = [r for r in RULE_GROUPS if r in core]
        for rule in list(core):
            if len(core) <= 1 or budget.expired():
                break
            if rule not in core:
                continue
            trial = [r for r in core if r != rule]
            ok, smaller = infeasible(trial)
            if ok:
                core = [r for r in RULE_GROUPS if r in smaller]
        notes.append(
            f"conflicting rules {', '.join(core)} (core in {time.perf_counter() - start:.2f} s)"
        )
        return tuple(core)
