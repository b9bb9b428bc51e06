"""Column generation with exact pricing (strategy ``colgen``): certified bounds for every
objective, and branch-and-price. The machinery is in ``clnmatch.colgen``."""

from __future__ import annotations

from clnmatch.colgen.pricing import warm_up as pricing_warm_up
from clnmatch.colgen.run import run
from clnmatch.colgen.search import Search
from clnmatch.errors import InvalidParameterError
from clnmatch.problem import Problem
from clnmatch.strategies.base import Budget, Proposal, register
from clnmatch.strategies.local_search import warm_up as local_search_warm_up

__all__ = ["ColumnGenerationStrategy"]


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
        pricing_warm_up()
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
        return run(Search(problem, budget, self))
