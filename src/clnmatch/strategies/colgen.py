"""Column generation with exact pricing (strategy ``colgen``): certified bounds for every
objective, and branch-and-price. The machinery is in ``clnmatch.colgen``."""

from __future__ import annotations

from typing import ClassVar

from clnmatch.colgen.cover import warm_up as cover_warm_up
from clnmatch.colgen.cuts import warm_up as cuts_warm_up
from clnmatch.colgen.pricing import warm_up as pricing_warm_up
from clnmatch.colgen.run import run
from clnmatch.colgen.search import Search
from clnmatch.errors import InvalidParameterError
from clnmatch.parameters import Constraint, Flag, Number, check
from clnmatch.problem import Problem
from clnmatch.strategies.base import Budget, Proposal, register
from clnmatch.strategies.local_search import warm_up as local_search_warm_up

__all__ = ["ColumnGenerationStrategy"]


@register("colgen")
class ColumnGenerationStrategy:
    """Column generation with exact pricing: a certified bound, and branch-and-price.

    Parameters: ``heuristic_starts`` random starts of the pricing heuristic per pricing
    round of a team class, shared out over the focus themes (at most 10 for a linear
    objective); ``columns_per_iteration`` most columns one pricing problem adds; ``target_gap``
    relative gap at which the search stops; ``branching`` whether to branch (Ryan-Foster)
    when the root LP leaves a gap; ``cut_rounds`` rounds of subset-row cuts that tighten
    the root LP before branching (0: none); ``part`` of ``parts``: this run explores only
    that share of the branch-and-price tree, its bound holding for that share alone (the
    portfolio runs the shares on separate cores and combines them).
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
        cut_rounds: int = 5,
        part: int = 0,
        parts: int = 1,
    ) -> None:
        self.heuristic_starts = heuristic_starts
        self.columns_per_iteration = columns_per_iteration
        self.target_gap = target_gap
        self.branching = branching
        self.polish = polish
        self.local_search_iterations = local_search_iterations
        self.cut_rounds = cut_rounds
        self.part = part
        self.parts = parts

    def warm_up(self) -> None:
        """Compile the pricing, cut and cover kernels (and local search's, used for the primal) once."""
        pricing_warm_up()
        cuts_warm_up()
        cover_warm_up()
        if self.local_search_iterations:
            local_search_warm_up()

    PARAMETERS: ClassVar[dict[str, Constraint]] = {
        "heuristic_starts": Number(0, integer=True),
        "columns_per_iteration": Number(1, integer=True),
        "target_gap": Number(0),
        "branching": Flag(),
        "polish": Flag(),
        "local_search_iterations": Number(0, integer=True),
        "cut_rounds": Number(0, integer=True),
        "part": Number(0, integer=True),
        "parts": Number(1, integer=True),
    }

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        """Search within ``budget``; the assignment, its focus themes and a certified bound."""
        check("ColumnGenerationStrategy", vars(self), self.PARAMETERS)
        if self.part >= self.parts:
            raise InvalidParameterError.for_value(
                "part", "ColumnGenerationStrategy", f"an int < parts ({self.parts})", self.part
            )
        return run(Search(problem, budget, self))
