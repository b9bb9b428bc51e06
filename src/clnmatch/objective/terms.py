"""The objective terms' values (numpy): what ``evaluate`` scores and reports.

Objective, in exact milli-points (points x 1000; see docs/objectives.md):

* **pair**: for every pair of units in one team, ``Problem.pair_milli`` (cohesion, the
  centred cosine similarity of members' interests, minus the travel distance between
  their establishments, both weighted), plus the pairs inside units (``constant_milli``);
* **focus**: each team's focus theme, and its members' ratings of it (``theme_milli``);
* **SIMD mix**: ``simd_milli`` for every team mixing a challenge (SIMD 1-2) and an
  affluent (SIMD 4-5) establishment.

The same terms' deltas for a move or swap are in ``clnmatch.objective.kernels`` and their
CP-SAT forms in ``clnmatch.objective.cpsat``; the unweighted parts (focus points,
cohesion, mixed teams, travel) are reported beside the objective.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from clnmatch.problem import SCALE, Problem

__all__ = [
    "cohesion",
    "focus_points",
    "focus_value",
    "mix_value",
    "objective_milli",
    "pair_value",
    "simd_mixed_teams",
    "travel_km",
]

IntArray = NDArray[np.int64]


def pair_value(problem: Problem, members: IntArray) -> int:
    """Pair term of one team (milli-points)."""
    if len(members) < 2:
        return 0
    return int(problem.pair_milli[np.ix_(members, members)].sum()) // 2


def focus_value(problem: Problem, members: IntArray, theme: int) -> int:
    """Focus term of one team whose focus is ``theme`` (-1: none)."""
    if not problem.n_themes or theme < 0:
        return 0
    return int(problem.theme_milli[members, theme].sum())


def mix_value(problem: Problem, members: IntArray) -> int:
    """SIMD mix term of one team."""
    if not problem.simd_milli:
        return 0
    mixed = problem.unit_challenge[members].any() and problem.unit_affluent[members].any()
    return int(problem.simd_milli) if mixed else 0


def objective_milli(problem: Problem, unit_team: IntArray, team_focus: IntArray) -> int:
    """The objective of a unit assignment in milli-points (exact integers)."""
    total = problem.constant_milli
    for team in range(problem.n_teams):
        members = np.flatnonzero(unit_team == team)
        total += pair_value(problem, members)
        total += focus_value(problem, members, int(team_focus[team]))
        total += mix_value(problem, members)
    return total


def focus_points(problem: Problem, unit_team: IntArray, focus: IntArray) -> int | None:
    """Sum of every practitioner's rating of their team's focus theme."""
    if problem.theme_points is None or not problem.n_themes:
        return None
    placed = (unit_team >= 0) & (unit_team < problem.n_teams)  # the rest are in no team
    chosen = np.where(placed, focus[np.where(placed, unit_team, 0)], -1)
    rows = np.arange(problem.n_units)
    return int(problem.theme_points[rows, np.maximum(chosen, 0)][chosen >= 0].sum())


def cohesion(problem: Problem, unit_team: IntArray) -> float | None:
    """Unweighted cohesion of the teams (points)."""
    if problem.cohesion_milli is None:
        return None
    total = problem.cohesion_constant_milli
    for team in range(problem.n_teams):
        members = np.flatnonzero(unit_team == team)
        total += int(problem.cohesion_milli[np.ix_(members, members)].sum()) // 2
    return total / SCALE


def simd_mixed_teams(problem: Problem, unit_team: IntArray) -> int | None:
    """Teams holding both a challenge and an affluent establishment."""
    if not problem.unit_challenge.size or not (
        problem.unit_challenge.any() or problem.unit_affluent.any()
    ):
        return None
    mixed = 0
    for team in range(problem.n_teams):
        members = unit_team == team
        mixed += bool(
            problem.unit_challenge[members].any() and problem.unit_affluent[members].any()
        )
    return mixed


def travel_km(problem: Problem, unit_team: IntArray) -> float | None:
    """Total distance between team mates' establishments (km)."""
    if problem.travel_km is None:
        return None
    total = 0.0
    for team in range(problem.n_teams):
        members = np.flatnonzero(unit_team == team)
        total += float(problem.travel_km[np.ix_(members, members)].sum()) / 2
    return round(total, 3)
