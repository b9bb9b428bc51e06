"""Moving back what a whole re-match moved without need.

A rule repair from the previous teams (stage 1's quick answer) or a whole re-match (the
last resort, when even the repair finds nothing) moves more establishments than the change
needs. ``move_back`` returns them, one at a time or two that swapped places, to their
previous teams wherever every rule still holds afterwards. Each try checks only what it
changes: the two teams
(``clnmatch.rules.check.team_breaches``, the evaluator's own per-team check) and the
locks; the caller checks the whole answer with the evaluator as always.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from clnmatch.problem import Problem
from clnmatch.rules.check import lock_breaches, team_breaches
from clnmatch.rules.spec import compile_rules

__all__ = ["move_back"]

IntArray = NDArray[np.int64]


def move_back(problem: Problem, prev: IntArray, unit_team: IntArray, deadline: float) -> IntArray:
    """``unit_team`` with as many units as rules allow back in their ``prev`` team (-1: none),
    until ``deadline`` (``time.perf_counter``)."""
    rules = compile_rules(problem)
    team = np.asarray(unit_team, dtype=np.int64).copy()
    T = problem.n_teams
    totals = [np.bincount(team, weights=s.amount, minlength=T).astype(np.int64) for s in rules.sums]
    members = [set(np.flatnonzero(team == t).tolist()) for t in range(T)]
    check_locks = not lock_breaches(rules, team)  # else the locks were broken already

    def put(u: int, t: int) -> int:
        old = int(team[u])
        for s, rule in enumerate(rules.sums):
            totals[s][old] -= rule.amount[u]
            totals[s][t] += rule.amount[u]
        members[old].discard(u)
        members[t].add(u)
        team[u] = t
        return old

    def try_back(units: list[int]) -> bool:
        """Put ``units`` back in their previous teams if every rule then holds."""
        undo = [(u, put(u, int(prev[u]))) for u in units]
        touched = {t for _, t in undo} | {int(prev[u]) for u in units}
        kept = all(
            not team_breaches(rules, t, np.array(sorted(members[t]), dtype=np.int64), totals)
            for t in touched
        ) and not (check_locks and lock_breaches(rules, team))
        if not kept:
            for u, old in reversed(undo):
                put(u, old)
        return kept

    moved = [u for u in range(problem.n_units) if 0 <= prev[u] != team[u]]
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for u in moved:
            if team[u] == prev[u] or time.perf_counter() >= deadline:
                continue
            if try_back([u]):
                changed = True
                continue
            # a swap back: u's previous team holds v, whose previous team holds u
            partner = [v for v in moved if team[v] == prev[u] and prev[v] == team[u]]
            if partner and try_back([u, partner[0]]):
                changed = True
    return team
