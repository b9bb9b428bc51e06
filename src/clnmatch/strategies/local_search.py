"""Local search (strategy ``local_search``): a thin driver of the search engine.

The engine (``clnmatch.search``) runs an iterated tabu search on move and swap
neighbourhoods with a small population, then an iterated descent on problems without side
rules; this module checks the parameters, finds a rule-abiding start (warm start, greedy,
or constructions repaired with growing caps) and turns the engine's best into a
``Proposal``.
"""

from __future__ import annotations

import copy
import time
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from clnmatch.evaluate import evaluate
from clnmatch.parameters import Constraint, Flag, Number, Optional, Test, check
from clnmatch.problem import Problem
from clnmatch.search.construct import construct
from clnmatch.search.grouping import Grouping, build_grouping
from clnmatch.search.loop import IteratedSearch
from clnmatch.search.repair import repair, restart_steps
from clnmatch.strategies.base import Budget, Proposal, register
from clnmatch.strategies.greedy import GreedyStrategy

__all__ = ["LocalSearchStrategy", "warm_up"]

IntArray = NDArray[np.int64]


def warm_up() -> float:
    """Compile (or load from numba's disk cache) every kernel on a tiny problem; seconds taken.

    The first call on a machine compiles (tens of seconds); later processes load the
    compiled code from numba's cache (about a second).
    """
    tick = time.perf_counter()
    n = 8
    pair = np.arange(n * n, dtype=np.int64).reshape(n, n) % 7
    pair = pair + pair.T
    np.fill_diagonal(pair, 0)
    problem = Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(2, 4, dtype=np.int64),
        team_max=np.full(2, 4, dtype=np.int64),
        pair_milli=pair,
    )
    rng = np.random.default_rng(0)
    repair(problem, np.zeros(n, dtype=np.int64), rng, time.perf_counter() + 600)
    LocalSearchStrategy(max_iterations=50, population=2).run(
        problem, Budget(time_limit=600, seed=0)
    )
    return time.perf_counter() - tick


@register("local_search")
class LocalSearchStrategy:
    """Iterated tabu search (moves and swaps, delta evaluation) with a small population.

    Parameters are stored as given and checked when ``run`` starts:

    * ``max_iterations``: stop after this many steps (tabu-search steps plus kicks of the
      iterated descent; None: time only). When it binds, the same seed gives the same answer.
    * ``population``: solutions kept for crossover (1: plain iterated tabu search); only
      used when there are at most ``population_limit`` groups.
    * ``depth``: steps without improvement that end one tabu-search run (None: 5 x groups,
      at least 200).
    * ``tenure_min`` / ``tenure_span``: a reversed move stays tabu for min + rand(span)
      steps (None: groups/40 clipped to 2..10).
    * ``perturbation``: (low, high) fraction of groups moved by a strong perturbation.
    * ``crossover_rate``: chance that a generation is a crossover rather than a perturbation.
    * ``reshape``: start every tabu-search run from the size profile with the largest sum of
      squares where concentration pays (``concentrated_profile``: MDGP-like problems only).
    * ``walk_share``: on problems without side rules or focus / SIMD terms (and small enough
      that a step scans every move and swap), the share of the time (or of
      ``max_iterations``) given to a final iterated descent from the best found (0: tabu
      search only). Other problems use the tabu search throughout.
    * ``walk_slack``: the iterated descent keeps a kicked-and-descended solution when it is at
      most this fraction of the objective below the walk's current one.
    """

    name = "local_search"

    def warm_up(self) -> None:
        """Compile the search kernels once, outside the time limit (cached on disk)."""
        warm_up()

    def __init__(
        self,
        max_iterations: int | None = None,
        population: int = 3,
        depth: int | None = None,
        tenure_min: int | None = None,
        tenure_span: int = 6,
        perturbation: tuple[float, float] = (0.1, 0.25),
        crossover_rate: float = 0.5,
        population_limit: int = 1500,
        reshape: bool = True,
        walk_share: float = 0.5,
        walk_slack: float = 0.003,
    ) -> None:
        self.max_iterations = max_iterations
        self.population = population
        self.depth = depth
        self.tenure_min = tenure_min
        self.tenure_span = tenure_span
        self.perturbation = perturbation
        self.crossover_rate = crossover_rate
        self.population_limit = population_limit
        self.reshape = reshape
        self.walk_share = walk_share
        self.walk_slack = walk_slack

    PARAMETERS: ClassVar[dict[str, Constraint]] = {
        "max_iterations": Optional(Number(0, integer=True)),
        "population": Number(1, integer=True),
        "depth": Optional(Number(1, integer=True)),
        "tenure_min": Optional(Number(0, integer=True)),
        "tenure_span": Number(1, integer=True),
        "perturbation": Test(
            "a pair (low, high) with 0 <= low <= high <= 1",
            lambda v: len(v) == 2 and 0 <= v[0] <= v[1] <= 1,  # type: ignore[arg-type, index]
        ),
        "crossover_rate": Number(0, 1),
        "population_limit": Number(1, integer=True),
        "reshape": Flag(),
        "walk_share": Number(0, 1),
        "walk_slack": Number(0, 1),
    }

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        check("LocalSearchStrategy", vars(self), self.PARAMETERS)
        grouping = build_grouping(problem)
        if grouping.obstacles:
            return Proposal(unit_team=None, notes=grouping.obstacles)
        notes: list[str] = []
        settings = self
        if self.max_iterations is None and budget.max_iterations is not None:
            settings = copy.copy(self)  # the Budget's work limit, when none was set here
            settings.max_iterations = budget.max_iterations
        start, how = _start(problem, grouping, budget, settings.max_iterations is not None)
        if start is None:
            return Proposal(unit_team=None, notes=(f"no rule-abiding start found ({how})",))
        notes.append(f"started from {how}")
        search = IteratedSearch(settings, grouping, budget)
        search.run(grouping.from_units(start))
        assert search.best_team is not None
        unit_team = grouping.to_units(search.best_team)
        focus = problem.best_focus(unit_team)
        if not evaluate(problem, unit_team, focus).feasible:  # never trust our own counting
            notes.append("the search's best breaks a rule (a bug); returning the start")
            unit_team, focus = start, problem.best_focus(start)
        notes.append(f"{search.steps - search.kicks} tabu steps")
        if search.kicks:
            notes.append(f"{search.kicks} kicks of the iterated descent")
        return Proposal(
            unit_team=unit_team,
            team_focus=focus,
            trace=tuple(search.trace),
            notes=tuple(notes),
            work=search.work(),
        )


def _start(
    problem: Problem, grouping: Grouping, budget: Budget, deterministic: bool
) -> tuple[IntArray | None, str]:
    """A verified rule-abiding unit assignment: warm start, else greedy, else constructions
    repaired with caps that double each restart (``restart_steps``)."""
    rng = budget.rng(3)
    deadline = budget.started + budget.time_limit
    if budget.warm_start is not None:
        warm = np.asarray(budget.warm_start, dtype=np.int64)
        if warm.shape == (problem.n_units,):
            if evaluate(problem, warm).feasible:
                return warm.copy(), "the warm start"
            fixed = repair(problem, warm, rng, deadline)
            if fixed is not None:
                return fixed, "the repaired warm start"
    greedy = _greedy_start(problem, budget, deterministic)
    if greedy is not None:
        return greedy, "the greedy strategy"
    attempt = 0
    while time.perf_counter() < deadline:  # constructed starts, each repaired a while longer
        team = grouping.to_units(construct(grouping, rng))
        fixed = repair(problem, team, rng, deadline, max_steps=restart_steps(problem, attempt))
        if fixed is not None:
            return fixed, "a repaired construction"
        attempt += 1
    return None, "greedy and constructions + repair all failed"


def _greedy_start(problem: Problem, budget: Budget, deterministic: bool) -> IntArray | None:
    """The greedy strategy's answer (10% of the remaining time), if it has a rule-abiding one."""
    sub = Budget(time_limit=max(budget.remaining() * 0.1, 1e-3), seed=budget.seed)
    # its restarts stop on the clock; one restart keeps iteration-capped runs reproducible
    greedy = GreedyStrategy(restarts=1) if deterministic else GreedyStrategy()
    proposal = greedy.run(problem, sub)
    if proposal.unit_team is None or not evaluate(problem, proposal.unit_team).feasible:
        return None
    return np.asarray(proposal.unit_team, dtype=np.int64)
