"""A constructive greedy with repair: the first rule-abiding strategy and a warm start.

The search engine's construction (``clnmatch.search.construct``) places groups hardest
first, each where the rule table's violation measure drops most (ties: objective gain);
whatever rule it still breaks, ``clnmatch.search.repair`` repairs. Several restarts with
different seeds; the best rule-abiding answer wins.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from clnmatch.evaluate import evaluate
from clnmatch.parameters import Constraint, Number, Optional, check
from clnmatch.problem import Problem
from clnmatch.search.construct import construct
from clnmatch.search.grouping import build_grouping
from clnmatch.search.repair import repair, restart_steps
from clnmatch.search.repair import warm_up as repair_warm_up
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register

__all__ = ["GreedyStrategy"]


@register("greedy")
class GreedyStrategy:
    """Constructive greedy placement, then rule repair; fast and rule-abiding."""

    name = "greedy"

    def warm_up(self) -> None:
        """Compile the rule-repair kernels once, outside the time limit."""
        repair_warm_up()

    def __init__(self, restarts: int = 8, repair_steps: int | None = None) -> None:
        self.restarts = restarts
        # a cap on each repair's moves, so that a start that cannot be repaired gives up
        # soon, whatever the clock (None: caps doubling each restart, the last to the limit)
        self.repair_steps = repair_steps

    PARAMETERS: ClassVar[dict[str, Constraint]] = {
        "restarts": Number(1, integer=True),
        "repair_steps": Optional(Number(1, integer=True)),
    }

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        check("GreedyStrategy", vars(self), self.PARAMETERS)
        best: tuple[int, NDArray[np.int64]] | None = None
        trace: list[TracePoint] = []
        grouping = build_grouping(problem)
        for attempt in range(max(1, self.restarts)):
            if attempt and budget.expired():
                break
            rng = budget.rng(attempt)
            unit_team = grouping.to_units(construct(grouping, rng))
            if not evaluate(problem, unit_team).feasible:
                deadline = budget.started + budget.time_limit
                steps = self.repair_steps
                if steps is None and attempt < self.restarts - 1:  # the last one: to the deadline
                    steps = restart_steps(problem, attempt)
                repaired = repair(problem, unit_team, rng, deadline, max_steps=steps)
                if repaired is None:
                    continue
                unit_team = repaired
            evaluation = evaluate(problem, unit_team)
            if evaluation.feasible and (best is None or evaluation.objective_milli > best[0]):
                best = (evaluation.objective_milli, unit_team)
                trace.append(TracePoint(budget.elapsed(), evaluation.objective, None))
                budget.report(evaluation.objective, None, f"greedy start {attempt + 1}")
        if best is None:
            return Proposal(
                unit_team=None,
                trace=tuple(trace),
                notes=("greedy found no rule-abiding assignment",),
            )
        return Proposal(
            unit_team=best[1], team_focus=problem.best_focus(best[1]), trace=tuple(trace)
        )
