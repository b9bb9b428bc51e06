"""The random baseline: a random assignment that respects team weights, then rule repair."""

from __future__ import annotations

import numpy as np

from clnmatch.evaluate import evaluate
from clnmatch.problem import Problem
from clnmatch.search.repair import random_assignment, repair
from clnmatch.search.repair import warm_up as repair_warm_up
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register

__all__ = ["RandomStrategy"]


@register("random")
class RandomStrategy:
    """Units (together-groups as one) in random order to random teams with room, then repair.

    A baseline for benchmarks: it ignores the objective entirely.
    """

    name = "random"

    def warm_up(self) -> None:
        """Compile the rule-repair kernels once, outside the time limit."""
        repair_warm_up()

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        rng = budget.rng(0)
        unit_team = random_assignment(problem, rng)
        if not evaluate(problem, unit_team).feasible:
            fixed = repair(problem, unit_team, rng, budget.started + budget.time_limit)
            if fixed is None:
                return Proposal(
                    unit_team=None,
                    notes=("repair found no rule-abiding assignment within the time limit",),
                )
            unit_team = fixed
        focus = problem.best_focus(unit_team)
        score = evaluate(problem, unit_team, focus).objective
        budget.report(score, None, "random + repair")
        return Proposal(
            unit_team=np.asarray(unit_team, dtype=np.int64),
            team_focus=focus,
            trace=(TracePoint(budget.elapsed(), score, None),),
        )
