"""Every assignment of a tiny problem, judged by evaluate once per set of assignments
equal up to renaming the teams, when no rule tells one team from another (renaming the
teams then changes neither an assignment's breaches nor its score)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from clnmatch.evaluate import evaluate
from clnmatch.problem import Problem


def teams_interchangeable(problem: Problem) -> bool:
    """No pins or forbidden teams, one size range for every team."""

    def alike(values: Any) -> bool:
        return values is None or np.ndim(values) == 0 or len(np.unique(np.asarray(values))) <= 1

    unpinned = problem.unit_pin is None or bool((np.asarray(problem.unit_pin) < 0).all())
    return (
        problem.allowed is None
        and unpinned
        and alike(problem.team_min)
        and alike(problem.team_max)
        and alike(problem.team_max_units)
    )


def every_assignment(n_units: int, n_teams: int, renamed: bool) -> Iterator[tuple[int, ...]]:
    """Every assignment using every team; with ``renamed`` false, one of each set of
    assignments equal up to renaming the teams (each team's first unit comes after the
    previous team's: 3,025 instead of 18,150 for 9 units in 3 teams)."""
    if renamed:
        for assignment in itertools.product(range(n_teams), repeat=n_units):
            if len(set(assignment)) == n_teams:
                yield assignment
        return

    def grow(prefix: tuple[int, ...], used: int) -> Iterator[tuple[int, ...]]:
        if len(prefix) == n_units:
            if used == n_teams:
                yield prefix
            return
        if n_teams - used > n_units - len(prefix):
            return  # too few units left to open every team
        for team in range(min(used + 1, n_teams)):
            yield from grow((*prefix, team), max(used, team + 1))

    yield from grow((), 0)


class Judge:
    """``judge(assignment)``: evaluate's (feasible, objective_milli) for it, evaluated once
    for all the assignments equal to it up to renaming the teams (when they are
    interchangeable; else each is evaluated)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.interchangeable = teams_interchangeable(problem)
        self._seen: dict[tuple[int, ...], tuple[bool, int]] = {}

    def __call__(self, assignment: Sequence[int] | np.ndarray) -> tuple[bool, int]:
        if self.interchangeable:
            first: dict[int, int] = {}
            key = tuple(first.setdefault(int(t), len(first)) for t in assignment)
        else:
            key = tuple(int(t) for t in assignment)
        if key not in self._seen:
            ev = evaluate(self.problem, np.array(key, dtype=np.int64))
            self._seen[key] = (ev.feasible, ev.objective_milli)
        return self._seen[key]
