"""Rule repair: from any unit assignment to one that breaks no rule of the Problem.

``repair`` merges together-pairs into groups that move as one, then lowers a violation
measure to zero with a tabu search on moves (one group to another team) and swaps (two
groups trade teams) around a randomly picked breach, with randomised tie-breaking and
random kicks when it stalls. The measure adds up, per team, the weight above ``team_max``
or below ``team_min``, the sectors missing to ``min_sectors``, the authorities missing to
``min_authorities``, the units above the authority share cap
(``Problem.max_authority_units(len(team))``, exactly as ``evaluate`` computes it) and a
penalty for an empty team, plus a penalty per pin / forbid / apart breach.

The kernel lives in ``clnmatch.strategies.local_search`` next to the other numba kernels
(numba's disk cache does not see changes in callees defined in another file). Whatever the
kernel says, ``repair`` returns an assignment only after ``clnmatch.evaluate.evaluate`` has
found no breach in it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from clnmatch.evaluate import evaluate
from clnmatch.problem import Problem
from clnmatch.strategies.local_search import Grouping, build_grouping, repair_groups

__all__ = ["repair", "random_assignment", "random_group_assignment"]

IntArray = NDArray[np.int64]


def repair(
    problem: Problem,
    unit_team: IntArray,
    rng: np.random.Generator,
    deadline: float,
    *,
    max_steps: int | None = None,
) -> IntArray | None:
    """A rule-abiding unit assignment near ``unit_team``, or None if none was found in time.

    ``deadline`` is an instant of ``time.perf_counter()`` (e.g. ``budget.started +
    budget.time_limit``); ``max_steps`` caps the repair's moves so that a result does not
    depend on the clock. Units outside 0..T-1 are placed at random first; a together-group
    split over teams starts in its first unit's team. The input is not modified.
    """
    unit_team = np.asarray(unit_team, dtype=np.int64)
    if unit_team.shape != (problem.n_units,):
        raise ValueError(f"expected {problem.n_units} unit teams, got shape {unit_team.shape}")
    if problem.n_teams == 0 or problem.n_units == 0:
        return None
    if evaluate(problem, unit_team).feasible:
        return unit_team.copy()
    grouping = build_grouping(problem)
    team = repair_groups(grouping, grouping.from_units(unit_team), rng, deadline, max_steps)
    if team is None:
        return None
    out = grouping.to_units(team)
    return out if evaluate(problem, out).feasible else None


def random_group_assignment(grouping: Grouping, rng: np.random.Generator) -> IntArray:
    """Groups (heaviest first, random among equals) each to a random allowed team that fits.

    A group goes to a team below its ``team_min`` if one fits, else to any team it fits
    in, else to the lightest allowed team: the weights are met whenever this greedy order
    allows; the side rules are left to ``repair``.
    """
    m = grouping.model
    n_teams = len(m.team_min)
    load = np.zeros(n_teams, dtype=np.int64)
    team = np.zeros(grouping.n_groups, dtype=np.int64)
    # heavy groups first (random among equals): light ones fill the gaps they leave
    order = np.lexsort((rng.random(grouping.n_groups), -m.weight))
    for g in order:
        allowed = m.allowed[g]
        fits = allowed & (load + m.weight[g] <= m.team_max)
        needy = fits & (load < m.team_min)
        choice = needy if needy.any() else fits
        if choice.any():
            t = int(rng.choice(np.flatnonzero(choice)))
        else:
            pool = np.flatnonzero(allowed) if allowed.any() else np.arange(n_teams)
            t = int(pool[np.argmin(load[pool])])
        team[g] = t
        load[t] += m.weight[g]
    return team


def random_assignment(problem: Problem, rng: np.random.Generator) -> IntArray:
    """A random unit assignment that respects team weights as far as a random order allows.

    Together-pairs share a team; side rules may still break (``repair`` fixes them).
    """
    grouping = build_grouping(problem)
    return grouping.to_units(random_group_assignment(grouping, rng))


def warm_up() -> float:
    """Compile the repair kernels once (they live in local_search.py; cached on disk)."""
    from clnmatch.strategies import local_search

    return local_search.warm_up()
