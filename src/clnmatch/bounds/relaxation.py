"""A quick upper bound on the objective that holds whatever the strategy.

Strategies that prove nothing (local search, large-neighbourhood search at region scale)
still leave a lead officer asking how far from the best their teams might be. This bound
answers it from a relaxation that drops every rule except a team's size:

* focus: each establishment scores its best-rated theme (the team's focus is at most that);
* pairs: an establishment's team mates weigh at most ``max(team_max) - its weight``
  participants, so its share of the team's pair score is at most a fractional knapsack
  over its positive pair weights (best weight per participant first); each pair is
  counted from both sides, hence the half;
* mix (SIMD): every team earns it.

Every term is an upper bound on the corresponding part of ``evaluate.objective_milli``,
so the sum bounds every assignment, feasible or not. It is weak beside the exact
strategies' bounds (about 15% above the best known blend answer on generated CLN and
region cohorts) but costs milliseconds.
"""

from __future__ import annotations

import math

import numpy as np

from clnmatch.problem import Problem

__all__ = ["relaxation_bound_milli"]

_ROWS = 512  # rows per block: bounds the memory of the per-row sort on large cohorts


def relaxation_bound_milli(problem: Problem) -> int:
    """An upper bound (milli-points) on the objective of every assignment of ``problem``."""
    total = float(problem.constant_milli) + _pair_bound(problem)
    if problem.n_themes and problem.n_units:
        total += float(np.maximum(problem.theme_milli.max(axis=1), 0).sum())
    total += problem.n_teams * max(0, int(problem.simd_milli))
    return math.ceil(total)  # objectives are integers; rounding up keeps the bound valid


def _pair_bound(problem: Problem) -> float:
    n = problem.n_units
    if n < 2 or not problem.pair_milli.any():
        return 0.0
    weight = problem.unit_weight.astype(np.float64)
    room_all = float(problem.team_max.max())
    total = 0.0
    for start in range(0, n, _ROWS):
        gains = np.maximum(problem.pair_milli[start : start + _ROWS], 0).astype(np.float64)
        order = np.argsort(-(gains / weight[None, :]), axis=1, kind="stable")
        gains = np.take_along_axis(gains, order, axis=1)
        weights = weight[order]
        room = room_all - weight[start : start + _ROWS]
        filled = np.cumsum(weights, axis=1)
        fits = filled <= room[:, None]
        whole = np.where(fits, gains, 0.0).sum(axis=1)
        # the first partner that does not fit whole, taken fractionally
        k = fits.sum(axis=1)
        has_next = k < n
        nxt = np.minimum(k, n - 1)[:, None]
        used = np.where(
            k > 0, np.take_along_axis(filled, np.maximum(k - 1, 0)[:, None], axis=1)[:, 0], 0.0
        )
        share = np.clip(room - used, 0.0, None) / np.take_along_axis(weights, nxt, axis=1)[:, 0]
        part = np.take_along_axis(gains, nxt, axis=1)[:, 0] * np.minimum(1.0, share)
        total += float((whole + np.where(has_next, part, 0.0)).sum())
    return total / 2
