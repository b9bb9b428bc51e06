"""The column-generation (Lagrangian) bound, for problems small enough to price exactly.

``clnmatch.colgen`` proves, at every iteration where its exact pricing finishes,

    constant + sum_u pi_u + sum_g n_g * (largest reduced cost of a team of class g),

which bounds every assignment keeping every rule (its module docstring has the proof).
This module only runs that machinery for a bound, without branching or polishing: at
CLN scale (about 50 establishments) the root closes in seconds and the bound is the
master LP's, far below the size-only bounds. Past ``MAX_UNITS`` exact pricing does not
finish in useful time (measured at 500 establishments: not one exact pricing problem of
12 finished in 20 s each; the branch and bound's pair bound, half of each unit's best
partners, leaves about 18,000 milli-points of slack per team), so it is not tried. The first call on a machine compiles the pricing kernels (about
20 s, outside the budget; later processes load them from the disk cache).
"""

from __future__ import annotations

import time

from clnmatch.problem import Problem
from clnmatch.strategies.base import Budget
from clnmatch.strategies.colgen import ColumnGenerationStrategy

__all__ = ["MAX_UNITS", "column_bound_milli"]

MAX_UNITS = 80


def column_bound_milli(problem: Problem, time_limit: float, seed: int = 0) -> int | None:
    """The Lagrangian bound column generation proves within ``time_limit``, or None."""
    if problem.n_units == 0 or problem.n_units > MAX_UNITS or time_limit < 0.5:
        return None
    strategy = ColumnGenerationStrategy(branching=False, polish=False, local_search_iterations=0)
    strategy.warm_up()  # compiled once per machine, then loaded from the cache
    proposal = strategy.run(
        problem, Budget(time_limit=time_limit, seed=seed, started=time.perf_counter())
    )
    if proposal.proven_infeasible:
        return None  # nothing to bound; the caller keeps the other bounds
    return proposal.bound_milli
