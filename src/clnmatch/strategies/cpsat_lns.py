"""Large-neighbourhood search with CP-SAT on top of the best known assignment (``"cpsat_lns"``).

Each round frees every unit of ``k`` teams, keeps every other unit where it is, and asks
CP-SAT for the best way to re-deal the freed units over those ``k`` teams. A round is
accepted when ``clnmatch.evaluate.objective_milli`` of the whole assignment improves.

The sub-model is small: ``sub_problem`` cuts a ``Problem`` down to the freed units and the
``k`` teams (their rows and columns of every array, the teams' size bounds and allowed
columns, the locks among the freed units) and ``cpsat.build_model`` models only that, so a
round costs the same on 50 units / 8 teams as on 500 units / 80 teams. Why that is exact:

* **Objective.** Every term is a sum over teams (pairs inside a team, the team's focus, its
  SIMD mix). All units of the ``k`` teams are freed and stay in those teams, so the other
  teams keep their members; the sub-problem's objective differs from the full one by a
  constant (``tests/test_cpsat_lns.py`` checks the deltas agree on random neighbourhoods).
* **Rules.** Sizes, sectors, authorities and the authority share are rules per team, so the
  sub-problem has the same ones. A keep-apart partner of a freed unit that stays fixed is
  in another team, which no freed unit can join, so the pair cannot break; a keep-together
  partner of a freed unit shares its team and is therefore freed too. (``sub_problem``
  still removes, from the allowed mask, any team a fixed apart partner sits in and forces
  the team a fixed together partner sits in, so a non-abiding start cannot get worse.)
* **Focus cap** (``max_teams_per_theme``). The other teams keep their focus; theme k may
  serve at most ``r_k = cap - (other teams of focus k)`` of the ``k`` freed teams. A
  ``Problem`` has one cap for all themes, so when some ``r_k < k`` the sub-problem gets
  ``min(r_k, k)`` copies of theme k's column with cap 1 (each copy serves one team), plus
  zero-gain "no focus" columns when the copies are fewer than the teams. Exact, at the
  price of a few more focus variables. After a round the whole assignment's focus is
  re-optimised with ``Problem.best_focus`` when that scores higher.

Choices, and why (measured on 50-establishment blend cohorts, 8 teams, seeds 0-4, two busy
cores, and on 500 establishments / 80 teams):

* **Neighbourhood size.** ``free_teams=2`` by default. CP-SAT proves the best re-deal of
  two teams (12-14 units) in 0.05-0.5 s of deterministic time, but not of three teams
  (18-19 units) within 10 s. A set of teams whose sub-problem was solved to proven
  optimality (with no improvement, or with the improvement taken) is not picked again
  until one of its teams changes. When every set of k teams is proven (small T), k grows
  by one; after an improvement it drops back. At k = T the round is the whole problem:
  it gets the rest of the time and its CP-SAT bound is the Proposal's ``bound_milli`` (the
  only bound this strategy proves; with T <= 2 it is the only round).
* **Sub-solves.** ``linearization_level=0`` (``SUB_PARAMETERS``): proofs on two teams
  took 5x less time than with CP-SAT's LP (0.52 s vs 2.69 s for four sub-problems); the
  ``"compact"`` focus form proved them 1.4-4x faster than ``"v"``; symmetry breaking on
  the sub-teams (interchangeable when ``teams_symmetric``: labels matter only through size
  bounds and allowed columns). ``num_workers=workers``, ``random_seed`` from
  ``budget.seed`` and the round, and a complete hint of the incumbent (feasible in the
  sub-model, so a round never loses ground).
* **Neighbourhoods.** Three operators, picked at random each round: ``random`` (k random
  teams), ``related`` (a random team, then teams with the most positive pair weight and the
  most similar theme demand towards those chosen, sampled by rank) and ``worst`` (a team
  among the quarter with the lowest objective per unit, then related teams).
* **Start.** ``budget.warm_start`` (repaired if it breaks a rule), else the greedy strategy
  with one restart (reproducible). Then, by default, the ``local_search`` strategy gets
  ``local_search_share`` (half) of the time: from greedy alone the LNS reached 565 on
  average after 10 s where local search reached 574, and no LNS round (two teams, proven;
  three teams, 3 s each) ever improved a local-search answer, so the LNS then serves as a
  certificate that no two teams can be re-dealt better. ``local_search_share=0`` gives
  the pure LNS. With ``budget.max_iterations`` the local search runs
  ``local_search_steps`` tabu steps instead, so the start stays reproducible. No
  rule-abiding start at all: the exact ``cpsat`` strategy takes the whole budget (it also
  names conflicting rules).
* **Determinism.** With ``budget.max_iterations`` (= LNS rounds) each sub-solve stops by
  proof or by CP-SAT's deterministic time (``sub_deterministic_time``, 1.0), never by the
  wall clock unless the overall time limit ends the run, so the same seed gives the same
  answer. Without it, each sub-solve also stops after ``sub_time`` seconds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.cpsolver import cp_solver
from clnmatch.evaluate import evaluate, objective_milli
from clnmatch.objective.cpsat import FOCUS_FORMS
from clnmatch.parameters import Constraint, Flag, Number, OneOf, Optional, SubsetOf, check
from clnmatch.problem import SCALE, Problem
from clnmatch.search.repair import repair
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register
from clnmatch.strategies.cpsat import SAT_FIELDS, CpSatStrategy, FocusForm, build_model
from clnmatch.strategies.greedy import GreedyStrategy

__all__ = ["CpSatLnsStrategy", "SubProblem", "sub_problem", "OPERATORS", "SUB_PARAMETERS"]

IntArray = NDArray[np.int64]
_T = TypeVar("_T", bound=np.generic)

OPERATORS: tuple[str, ...] = ("random", "related", "worst")
# CP-SAT parameters of the sub-solves: without the LP relaxation, proofs on two freed teams
# (12-14 units) took 5x less time (measured: 4 sub-problems, 0.52 s instead of 2.69 s)
SUB_PARAMETERS: dict[str, object] = {"linearization_level": 0}
_NULL_THEME = -1  # a sub-problem focus column meaning "no focus"


def _int_bound(value: float) -> int:
    """A CP-SAT objective bound (a float holding an integer) as a safe integer."""
    near = round(value)
    return int(near) if abs(value - near) < 1e-6 else math.floor(value)


# --------------------------------------------------------------------------- sub-problem
@dataclass(frozen=True)
class SubProblem:
    """A Problem cut down to the units of some teams, with the maps back to the full one."""

    problem: Problem
    units: IntArray  # sub unit i -> full unit
    teams: IntArray  # sub team j -> full team
    theme_of: IntArray  # sub theme column -> full theme (-1: "no focus")
    start: IntArray  # the incumbent's sub team of each freed unit
    other_focus: IntArray  # the full focus vector (the freed teams' entries are replaced)

    def merge(
        self, unit_team: IntArray, sub_team: IntArray, sub_focus: IntArray | None
    ) -> tuple[IntArray, IntArray]:
        """The full (unit_team, team_focus) with the freed units and teams set from the sub ones."""
        full = np.array(unit_team, dtype=np.int64, copy=True)
        full[self.units] = self.teams[np.asarray(sub_team, dtype=np.int64)]
        focus = self.other_focus.copy()
        if sub_focus is not None and len(self.theme_of):
            sub_focus = np.asarray(sub_focus, dtype=np.int64)
            focus[self.teams] = np.where(sub_focus >= 0, self.theme_of[sub_focus], -1)
        return full, focus


def _rows(values: NDArray[_T], units: IntArray) -> NDArray[_T]:
    """The freed units' entries of a per-unit array (an empty array: the rule is off)."""
    return values[units].copy() if values.size else values


def _pairs_within(pairs: IntArray, index: IntArray) -> IntArray:
    """Rows (a, b) of ``pairs`` with both ends freed, in sub-unit indices."""
    if not len(pairs):
        return np.zeros((0, 2), dtype=np.int64)
    a, b = index[pairs[:, 0]], index[pairs[:, 1]]
    keep = (a >= 0) & (b >= 0)
    return np.stack([a[keep], b[keep]], axis=1).astype(np.int64).reshape(-1, 2)


def sub_problem(
    problem: Problem,
    unit_team: Sequence[int] | IntArray,
    team_focus: Sequence[int] | IntArray | None,
    teams: Sequence[int] | IntArray,
) -> SubProblem:
    """The problem of re-dealing every unit of ``teams`` over those teams, the rest fixed.

    ``team_focus`` is the full assignment's focus (None: its best focus); the other teams
    keep theirs. The sub-problem's objective equals the full objective minus a constant.
    """
    unit_team = np.asarray(unit_team, dtype=np.int64)
    teams = np.array(sorted({int(t) for t in teams}), dtype=np.int64)
    n_sub = len(teams)
    focus = (
        problem.best_focus(unit_team)
        if team_focus is None
        else np.asarray(team_focus, dtype=np.int64).copy()
    )
    sub_of_team = np.full(problem.n_teams, -1, dtype=np.int64)
    sub_of_team[teams] = np.arange(n_sub)
    units = np.flatnonzero(sub_of_team[unit_team] >= 0).astype(np.int64)
    index = np.full(problem.n_units, -1, dtype=np.int64)
    index[units] = np.arange(len(units))

    # locks: the teams' allowed columns, and partners that stay outside (see module docstring)
    allowed = (
        np.ones((len(units), n_sub), dtype=bool)
        if problem.allowed is None
        else problem.allowed[np.ix_(units, teams)].copy()
    )
    for pairs, together in ((problem.apart, False), (problem.together, True)):
        for a, b in pairs:
            for inside, outside in ((int(a), int(b)), (int(b), int(a))):
                if index[inside] < 0 or index[outside] >= 0:
                    continue
                there = sub_of_team[unit_team[outside]]  # -1: a team outside the sub-problem
                if together:
                    allowed[index[inside]] = False
                    if there >= 0:
                        allowed[index[inside], there] = True
                elif there >= 0:
                    allowed[index[inside], there] = False
    unit_pin = None
    if problem.unit_pin is not None:
        pins = problem.unit_pin[units]
        # the allowed mask already holds the pins; this is the label evaluate reports
        unit_pin = np.where(pins >= 0, sub_of_team[np.maximum(pins, 0)], -1).astype(np.int64)
        unit_pin = unit_pin if (unit_pin >= 0).any() else None

    theme_of, cap = _sub_themes(problem, focus, teams)
    theme_milli = np.zeros((len(units), len(theme_of)), dtype=np.int64)
    real = theme_of >= 0
    theme_milli[:, real] = problem.theme_milli[np.ix_(units, theme_of[real])]
    sub = replace(
        problem,
        unit_ids=tuple(problem.unit_ids[u] for u in units),
        unit_weight=problem.unit_weight[units].copy(),
        team_min=problem.team_min[teams].copy(),
        team_max=problem.team_max[teams].copy(),
        team_max_units=(
            problem.team_max_units[teams].copy()  # one cap per team (shared facilitators)
            if isinstance(problem.team_max_units, np.ndarray)
            else problem.team_max_units
        ),
        pair_milli=problem.pair_milli[np.ix_(units, units)].copy(),
        constant_milli=0,
        theme_milli=theme_milli,
        theme_names=tuple(
            problem.theme_names[k] if k >= 0 and problem.theme_names else f"none{c}"
            for c, k in enumerate(theme_of.tolist())
        ),
        max_teams_per_theme=cap,
        unit_sector=_rows(problem.unit_sector, units),
        unit_authority=_rows(problem.unit_authority, units),
        allowed=None if allowed.all() else allowed,
        unit_pin=unit_pin,
        together=_pairs_within(problem.together, index),
        apart=_pairs_within(problem.apart, index),
        unit_challenge=_rows(problem.unit_challenge, units),
        unit_affluent=_rows(problem.unit_affluent, units),
        cohesion_milli=None,
        cohesion_constant_milli=0,
        theme_points=None,
        travel_km=None,
        name=f"{problem.name}[teams {','.join(str(t + 1) for t in teams.tolist())}]",
    )
    start = sub_of_team[unit_team[units]]
    return SubProblem(sub, units, teams, theme_of, start, focus)


def _sub_themes(problem: Problem, focus: IntArray, teams: IntArray) -> tuple[IntArray, int | None]:
    """(sub theme column -> full theme, cap) of a sub-problem; see the module docstring."""
    n_sub = len(teams)
    if not problem.has_focus:  # focus scores nothing: best_focus picks it afterwards
        return np.zeros(0, dtype=np.int64), None
    cap = problem.max_teams_per_theme
    columns = np.arange(problem.n_themes, dtype=np.int64)
    if cap is None:
        return columns, None
    others = np.ones(problem.n_teams, dtype=bool)
    others[teams] = False
    used = np.bincount(focus[others & (focus >= 0)], minlength=problem.n_themes)
    room = np.clip(cap - used, 0, n_sub)
    if (room >= n_sub).all():
        return columns, None
    # theme k may serve room[k] more teams: room[k] copies of its column, one team each
    columns = np.repeat(columns, room)
    if len(columns) < n_sub:  # too few themes left: some teams go without a focus
        columns = np.concatenate([columns, np.full(n_sub, _NULL_THEME, dtype=np.int64)])
    return columns, 1


# --------------------------------------------------------------------------- strategy
@register("cpsat_lns")
class CpSatLnsStrategy:
    """Large-neighbourhood search: free the units of a few teams, re-deal them with CP-SAT.

    Parameters are stored as given and checked when ``run`` starts:

    * ``free_teams``: teams freed per round at first; the search widens by one team when
      every set of that many teams is proven locally optimal, and narrows back after an
      improvement.
    * ``sub_time``: wall-clock seconds per sub-solve (when ``budget.max_iterations`` is None).
    * ``sub_deterministic_time``: CP-SAT deterministic time per sub-solve; always applies,
      and is what ends a sub-solve when ``budget.max_iterations`` (LNS rounds) is set.
    * ``workers``: CP-SAT workers per sub-solve (1 keeps rounds reproducible).
    * ``operators``: neighbourhood operators to pick from (``OPERATORS``).
    * ``local_search_share``: share of the time a local-search run may improve the start
      before the LNS (0: none).
    * ``symmetry``, ``focus_form``: passed to ``cpsat.build_model`` for the sub-models.
    * ``parameters``: CP-SAT parameters of the sub-solves by ``SatParameters`` name
      (default ``SUB_PARAMETERS``).
    """

    name = "cpsat_lns"

    def __init__(
        self,
        free_teams: int = 2,
        sub_time: float = 2.0,
        sub_deterministic_time: float = 1.0,
        workers: int = 1,
        operators: Sequence[str] = OPERATORS,
        local_search_share: float = 0.5,
        local_search_steps: int = 2000,
        symmetry: bool = True,
        focus_form: FocusForm = "compact",
        parameters: Mapping[str, object] | None = None,
    ) -> None:
        self.free_teams = free_teams
        self.sub_time = sub_time
        self.sub_deterministic_time = sub_deterministic_time
        self.workers = workers
        self.operators = tuple(operators)
        self.local_search_share = local_search_share
        self.local_search_steps = local_search_steps
        self.symmetry = symmetry
        self.focus_form = focus_form
        self.parameters = None if parameters is None else dict(parameters)

    PARAMETERS: ClassVar[dict[str, Constraint]] = {
        "free_teams": Number(2, integer=True),
        "sub_time": Number(0, open_low=True),
        "sub_deterministic_time": Number(0, open_low=True),
        "workers": Number(1, integer=True),
        "operators": SubsetOf(OPERATORS),
        "local_search_share": Number(0, 1, open_high=True),
        "local_search_steps": Number(0, integer=True),
        "symmetry": Flag(),
        "focus_form": OneOf(FOCUS_FORMS),
        "parameters": Optional(SAT_FIELDS),
    }

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        check("CpSatLnsStrategy", vars(self), self.PARAMETERS)
        notes: list[str] = []
        trace: list[TracePoint] = []
        start = _start(problem, budget, notes)
        if start is not None and self.local_search_share > 0:
            steps = self.local_search_steps if budget.max_iterations is not None else None
            share = self.local_search_share
            start = _polish(problem, budget, start, notes, share, steps, trace)
        if start is None:
            return self._fallback(problem, budget, notes)
        search = _Lns(self, problem, budget, start, notes, trace)
        search.run()
        unit_team, focus = search.best_team, search.best_focus
        evaluation = evaluate(problem, unit_team, focus)
        if not evaluation.feasible:  # never trust our own bookkeeping
            notes.append("the search's best breaks a rule (a bug); returning the start")
            unit_team, focus = start, problem.best_focus(start)
        bound = search.bound
        if bound is not None and bound < evaluation.objective_milli:  # cannot happen; be safe
            bound = None
        return Proposal(
            unit_team=unit_team,
            team_focus=focus,
            bound_milli=bound,
            proven_optimal=bound is not None and evaluation.objective_milli >= bound,
            trace=tuple(trace),
            notes=tuple(notes),
        )

    def _fallback(self, problem: Problem, budget: Budget, notes: list[str]) -> Proposal:
        """No rule-abiding start: the exact model takes the budget (and names conflicts)."""
        notes.append("no rule-abiding start; the cpsat strategy took the budget")
        proposal = CpSatStrategy(workers=self.workers).run(problem, budget)
        return replace(proposal, notes=(*notes, *proposal.notes))


# --------------------------------------------------------------------------- start
def _start(problem: Problem, budget: Budget, notes: list[str]) -> IntArray | None:
    """A verified rule-abiding start: the warm start (repaired if need be), else greedy."""
    start: IntArray | None = None
    if budget.warm_start is not None:
        warm = np.asarray(budget.warm_start, dtype=np.int64)
        if warm.shape == (problem.n_units,):
            if evaluate(problem, warm).feasible:
                start, how = warm.copy(), "the warm start"
            else:
                try:
                    deadline = budget.started + budget.time_limit
                    fixed = repair(problem, warm, budget.rng(3), deadline)
                except ImportError:
                    fixed = None
                if fixed is not None:
                    start, how = fixed, "the repaired warm start"
    if start is None:
        sub = Budget(time_limit=max(0.1 * budget.remaining(), 1e-3), seed=budget.seed)
        proposal = GreedyStrategy(restarts=1).run(problem, sub)
        if proposal.unit_team is not None and evaluate(problem, proposal.unit_team).feasible:
            start, how = np.asarray(proposal.unit_team, dtype=np.int64), "the greedy strategy"
    if start is None:
        return None
    notes.append(f"started from {how}")
    budget.report(objective_milli(problem, start, problem.best_focus(start)) / SCALE, None, how)
    return start


def _polish(
    problem: Problem,
    budget: Budget,
    start: IntArray,
    notes: list[str],
    share: float,
    steps: int | None,
    trace: list[TracePoint],
) -> IntArray:
    """A local-search run from ``start`` for ``share`` of the time left, or ``steps`` tabu
    steps (then reproducible); kept only if it abides by the rules and gains."""
    try:
        from clnmatch.strategies.local_search import LocalSearchStrategy
    except ImportError:
        notes.append("local search not available; no polish")
        return start
    # the same clock as the run's, so its progress reports and trace fit in
    sub = Budget(
        time_limit=budget.elapsed() + max(share * budget.remaining(), 1e-3),
        seed=budget.seed,
        progress=budget.progress,
        warm_start=start,
        started=budget.started,
    )
    proposal = LocalSearchStrategy(max_iterations=steps).run(problem, sub)
    trace.extend(proposal.trace)
    if proposal.unit_team is None:
        return start
    polished = np.asarray(proposal.unit_team, dtype=np.int64)
    before = objective_milli(problem, start, problem.best_focus(start))
    after = evaluate(problem, polished)
    if after.feasible and after.objective_milli > before:
        notes.append(f"local search polished the start ({before / SCALE:g} -> {after.objective:g})")
        return polished
    return start


# --------------------------------------------------------------------------- search
class _Lns:
    """The LNS loop's state: incumbent, neighbourhood size, proven team sets, trace."""

    def __init__(
        self,
        strategy: CpSatLnsStrategy,
        problem: Problem,
        budget: Budget,
        start: IntArray,
        notes: list[str],
        trace: list[TracePoint],
    ) -> None:
        self.s = strategy
        self.p = problem
        self.budget = budget
        self.notes = notes
        self.trace = trace
        self.rng = budget.rng(11)
        self.best_team = start.copy()
        self.best_focus = problem.best_focus(start)
        self.best_value = objective_milli(problem, self.best_team, self.best_focus)
        self.bound: int | None = None
        self.deterministic = budget.max_iterations is not None
        # T teams is the whole problem: one final round (see run), or the only one when T <= 2
        n_teams = problem.n_teams
        self.k_base = min(strategy.free_teams, n_teams - 1) if n_teams > 2 else n_teams
        self.k = self.k_base
        self.proven: set[tuple[int, ...]] = set()
        self.positive = np.clip(problem.pair_milli, 0, None)
        self.rounds = 0
        self.improved = 0
        self.done = False
        self.solve_s = 0.0
        self._refresh()
        trace.append(TracePoint(budget.elapsed(), self.best_value / SCALE, None))

    # --- per-team views of the incumbent ----------------------------------------------
    def _refresh(self) -> None:
        """Team affinities and scores of the incumbent, for the neighbourhood operators."""
        p, team = self.p, self.best_team
        member = np.zeros((p.n_units, p.n_teams))
        member[np.arange(p.n_units), team] = 1.0
        size = np.maximum(member.sum(axis=0), 1.0)
        affinity = member.T @ self.positive @ member / np.outer(size, size)
        if p.has_focus:  # teams wanting the same themes gain from trading units
            demand = member.T @ np.maximum(p.theme_milli, 0).astype(float)
            norm = np.linalg.norm(demand, axis=1, keepdims=True)
            demand = np.divide(demand, norm, out=np.zeros_like(demand), where=norm > 0)
            cosine = demand @ demand.T
            scale = float(np.abs(affinity).max()) or 1.0
            affinity = affinity + scale * cosine
        np.fill_diagonal(affinity, -np.inf)
        self.affinity = affinity
        value = np.zeros(p.n_teams)
        for t in range(p.n_teams):
            members = np.flatnonzero(team == t)
            value[t] = p.pair_milli[np.ix_(members, members)].sum() / 2
            if p.n_themes and self.best_focus[t] >= 0:
                value[t] += p.theme_milli[members, self.best_focus[t]].sum()
        self.team_value = value / size

    # --- neighbourhoods -----------------------------------------------------------------
    def _grow(self, chosen: list[int], k: int) -> list[int]:
        """Add teams related to ``chosen`` (sampled by rank of affinity) until there are k."""
        while len(chosen) < k:
            score = self.affinity[chosen].sum(axis=0)
            score[chosen] = -np.inf
            order = np.argsort(-score, kind="stable")[: self.p.n_teams - len(chosen)]
            # rank r is picked with probability ~ 0.5^r: mostly the best, sometimes others
            pick = min(int(self.rng.geometric(0.5)) - 1, len(order) - 1)
            chosen.append(int(order[pick]))
        return chosen

    def _choose(self, k: int) -> tuple[str, tuple[int, ...]]:
        n_teams = self.p.n_teams
        if k >= n_teams:
            return "all", tuple(range(n_teams))
        operator = self.s.operators[int(self.rng.integers(len(self.s.operators)))]
        if operator == "random":
            teams = self.rng.choice(n_teams, size=k, replace=False).tolist()
        elif operator == "related":
            teams = self._grow([int(self.rng.integers(n_teams))], k)
        else:
            low = np.argsort(self.team_value, kind="stable")[: max(2, n_teams // 4)]
            teams = self._grow([int(self.rng.choice(low))], k)
        return operator, tuple(sorted(int(t) for t in teams))

    def _fresh(self, k: int) -> tuple[str, tuple[int, ...]] | None:
        """A team set not yet proven locally optimal (None when all of size k are)."""
        for _ in range(20):
            operator, teams = self._choose(k)
            if teams not in self.proven:
                return operator, teams
        if math.comb(self.p.n_teams, k) > 5000:
            return operator, teams  # too many sets to list; the sample was unlucky
        left = [c for c in itertools.combinations(range(self.p.n_teams), k) if c not in self.proven]
        if not left:
            return None
        return "random", left[int(self.rng.integers(len(left)))]

    # --- the loop -------------------------------------------------------------------------
    def stop(self) -> bool:
        limit = self.budget.max_iterations
        return (
            self.done
            or (limit is not None and self.rounds >= limit)
            or self.budget.remaining() < 0.05
        )

    def run(self) -> None:
        while not self.stop():
            chosen = self._fresh(self.k)
            if chosen is None:  # every set of k teams is locally optimal: look wider
                if self.k >= self.p.n_teams:
                    break
                self.k += 1
                self.notes.append(f"round {self.rounds}: all sets of {self.k - 1} teams proven")
                continue
            operator, teams = chosen
            self._round(operator, teams)
            self.rounds += 1
        self.notes.append(
            f"{self.rounds} LNS rounds ({self.solve_s:.1f} s in CP-SAT), {self.improved} "
            f"improving; {len(self.proven)} team sets proven locally optimal; last k={self.k}"
        )

    def _solver(self, whole: bool, left: float) -> cp_model.CpSolver:
        solver = cp_solver()
        prm = solver.parameters
        # the defaults are for small sub-models; a whole-problem round keeps CP-SAT's own
        given = self.s.parameters
        for key, value in (given if given is not None else {} if whole else SUB_PARAMETERS).items():
            setattr(prm, key, value)
        prm.num_workers = self.s.workers
        prm.random_seed = int(
            np.random.default_rng([self.budget.seed, self.rounds]).integers(2**31 - 1)
        )
        dtime = self.s.sub_deterministic_time
        if whole:  # the whole problem: the rest of the run, on the deterministic clock if asked
            prm.max_time_in_seconds = left
            if self.deterministic:  # one slice, as any round: proofs of T >= 3 take far longer
                prm.max_deterministic_time = dtime
        else:
            # with max_iterations the deterministic clock must end the slice, not the wall clock
            prm.max_time_in_seconds = left if self.deterministic else min(self.s.sub_time, left)
            prm.max_deterministic_time = dtime
        return solver

    def _round(self, operator: str, teams: tuple[int, ...]) -> None:
        budget, p = self.budget, self.p
        sub = sub_problem(p, self.best_team, self.best_focus, teams)
        whole = len(teams) == p.n_teams
        cpm = build_model(sub.problem, symmetry=self.s.symmetry, focus_form=self.s.focus_form)
        cpm.hint(sub.start)
        # a little time is kept back: CP-SAT stops a moment late on a busy machine
        left = 0.95 * budget.remaining() - 0.02
        if left <= 0.01:
            self.done = True
            return
        solver = self._solver(whole, left)
        status = solver.solve(cpm.model)
        self.solve_s += solver.wall_time
        # OPTIMAL is a proof for the true objective only when every pair is in the model
        proved = status == cp_model.OPTIMAL and cpm.pairs_modelled == cpm.pairs_total
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            sub_team, sub_focus = cpm.decode(solver.response_proto.solution)
            team, focus = sub.merge(
                self.best_team, sub_team, sub_focus if cpm.y is not None else None
            )
            value = objective_milli(p, team, focus)
            best = p.best_focus(team)
            best_value = objective_milli(p, team, best)
            if best_value > value:
                focus, value = best, best_value
            if value > self.best_value and evaluate(p, team, focus).feasible:
                self._accept(team, focus, value, operator, teams)
                others = np.ones(p.n_teams, dtype=bool)
                others[list(teams)] = False
                # the round's optimum stays proven unless the focus elsewhere moved
                proved = proved and bool(np.all(focus[others] == sub.other_focus[others]))
        if whole:
            self.done = True  # nothing wider to try
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                model_bound = _int_bound(solver.best_objective_bound)
                # the sub-model leaves out the constant_milli of pairs inside units
                self.bound = model_bound + cpm.excluded_positive_milli + p.constant_milli
        if proved:
            self.proven.add(teams)

    def _accept(
        self, team: IntArray, focus: IntArray, value: int, operator: str, teams: tuple[int, ...]
    ) -> None:
        if self.p.max_teams_per_theme is not None and np.any(focus != self.best_focus):
            self.proven.clear()  # a focus count changed: every sub-problem's theme room may too
        else:
            changed = set(teams)
            self.proven = {s for s in self.proven if not changed.intersection(s)}
        self.best_team, self.best_focus, self.best_value = team, focus, value
        self.k = self.k_base  # sets of k_base teams touching the change are open again
        self.improved += 1
        self._refresh()
        points = value / SCALE
        self.trace.append(TracePoint(self.budget.elapsed(), points, None))
        self.budget.report(points, None, f"cpsat_lns: round {self.rounds} ({operator})")
