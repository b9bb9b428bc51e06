"""The one CP-SAT model of a Problem: assignment variables, the rules, the objective.

Variables: ``x[u, t]`` (unit u in team t), ``y[t, k]`` (team t's focus is theme k) and
auxiliaries that make the objective linear. Every rule of the rule table is a constraint
(``clnmatch.rules.cpsat``), so every solution is rule-abiding; the objective terms
(``clnmatch.objective.cpsat``) are in the same integers as ``clnmatch.evaluate``, so the
bound CP-SAT proves is a bound on the true objective. Used by the ``cpsat`` strategy,
column generation's first assignment, rematch, the LNS and explanations.
``CpSatModel`` exposes ``fix_units``, ``add_move_limit``, ``hint`` and ``decode``.

* **Symmetry.** When all teams are interchangeable (same size bounds, same allowed
  column), teams are sorted by (focus, lowest unit) when a focus scores, else by lowest
  unit (unit 0 in team 0; unit u joins team t only if team t - 1 holds a unit below u).
  Sorting by focus first makes branching on the foci leave assignment problems with a
  tight LP. A hint is relabelled to that order. ``build_model(symmetry=False)`` keeps
  team labels free (needed by ``fix_units`` and ``add_move_limit``).
* **Large models** (over ``LARGE_CELLS`` unit-team cells, e.g. 500 units / 80 teams): the
  compact focus form, only the free part of symmetry breaking (unit u in a team <= u),
  at most ``default_pair_var_limit`` pair variables.
* **Guards.** ``build_model(guards=True)`` hangs every rule on an assumption literal
  (``CpSatModel.guards``), so an infeasibility core names the rules in conflict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.objective.cpsat import FocusForm, ObjectiveTerms, PairMode
from clnmatch.problem import Problem
from clnmatch.rules.cpsat import add_rules
from clnmatch.rules.spec import RULE_TABLE, compile_rules

__all__ = [
    "RULE_GROUPS",
    "Auxiliaries",
    "CpSatModel",
    "build_model",
    "canonical_labels",
    "default_pair_var_limit",
    "teams_symmetric",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
# the rule groups an assumption literal can switch off, in reporting order
RULE_GROUPS: tuple[str, ...] = tuple(entry.name for entry in RULE_TABLE)

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
    caps = np.asarray(problem.team_max_units if problem.team_max_units is not None else 0)
    if not (
        np.all(problem.team_min == problem.team_min[0])
        and np.all(problem.team_max == problem.team_max[0])
        and np.all(caps == caps.flat[0])  # caps team by team (shared facilitators)
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


class _Builder(ObjectiveTerms):
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

    def enforce(self, ct: cp_model.Constraint, rule: str) -> None:
        """Guard a constraint by its rule group's assumption literal (guarded models only)."""
        if self.guarded:
            if rule not in self.guards:
                self.guards[rule] = self.m.new_bool_var(f"rule[{rule}]")
            ct.only_enforce_if(self.guards[rule])

    # --- hard rules ----------------------------------------------------------------
    def rules(self) -> None:
        """One team per unit, cells fixed by unguarded locks and symmetry, then the table."""
        m, x = self.m, self.x
        for u in range(self.p.n_units):
            m.add_exactly_one(x[u])
        for u, t in zip(*np.nonzero(~self.possible), strict=True):
            m.add(x[u][t] == 0)  # unguarded locks and symmetry
        add_rules(self, compile_rules(self.p))
        if self.symmetry and not self.large:
            self._break_symmetry()
        elif self.symmetry:
            m.add(x[0][0] == 1)  # the free part: unit u is in a team <= u (via `possible`)

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
