"""Teams small enough to share the facilitators, when facilitators are fewer than teams.

A facilitator may nurture several teams whose establishments together are within their
load (``Rules.schools_per_facilitator``). That is a rule about sets of teams, which the
searches do not model; they keep one rule per team instead: a cap on each team's
establishments (``Problem.team_max_units`` team by team), chosen so that any teams within
the caps can be allocated to the facilitators.

* Without a board (a first match): the teams are dealt out to the facilitators as evenly
  as possible and each facilitator's load is split evenly between its teams (7
  facilitators of 10 for 8 teams: two teams of at most 5, six of at most 10); the teams
  most pinned into get the larger caps. Where the caps still cannot be met (pins),
  ``solve`` searches the rules themselves in the time left.
* From a board (a re-match, a re-optimise starting from the teams on the day): its teams
  are packed onto the facilitators (as the allocation may have linked them, or as a hand
  move left them), and each facilitator's spare load is shared among its teams, so the
  board itself is within the caps: its schools may stay where they are, and nothing
  better is refused for the team numbers alone.

Either way the caps restrict the search (teams of 6 and 4 could share a facilitator of
10 too), so no bound or proof found under them holds for the rules: callers drop them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from clnmatch.models import Cohort, Rules
from clnmatch.problem import Problem

__all__ = ["shared_load_caps", "caps_from_board", "shared_facilitator_problem", "capped_around"]

_PACKING_NODES = 20_000  # a packing search this long that finds none: the even caps


def shared_load_caps(n_facilitators: int, n_teams: int, load: int) -> list[int] | None:
    """Even caps: teams dealt out evenly, each facilitator's load split evenly between its
    teams (None when each team can have a facilitator of its own)."""
    if n_facilitators <= 0 or n_facilitators >= n_teams:
        return None
    share, extra = divmod(n_teams, n_facilitators)
    caps: list[int] = []
    for f in range(n_facilitators):  # the facilitators taking most teams first
        k = share + (1 if f < extra else 0)
        caps += [load // k + (1 if i < load % k else 0) for i in range(k)]
    return sorted(caps)


def _pack(sizes: Sequence[int], bins: int, load: int) -> list[list[int]] | None:
    """Teams (by index) onto ``bins`` facilitators within ``load`` each (largest teams
    first, an unused facilitator tried first, a bounded search); None when none is found."""
    order = sorted(range(len(sizes)), key=lambda t: -sizes[t])
    packed: list[list[int]] = [[] for _ in range(bins)]
    room = [load] * bins
    nodes = 0

    def place(k: int) -> bool:
        nonlocal nodes
        nodes += 1
        if k == len(order):
            return True
        if nodes > _PACKING_NODES:
            return False
        t, tried = order[k], set()
        for b in sorted(range(bins), key=lambda b: (bool(packed[b]), -room[b])):
            key = (bool(packed[b]), room[b])  # bins alike are tried once
            if sizes[t] > room[b] or key in tried:
                continue
            tried.add(key)
            packed[b].append(t)
            room[b] -= sizes[t]
            if place(k + 1):
                return True
            packed[b].pop()
            room[b] += sizes[t]
        return False

    return packed if place(0) else None


def caps_from_board(sizes: Sequence[int], n_facilitators: int, load: int) -> list[int] | None:
    """Caps within which the board's teams (their establishments: ``sizes``) stay: its
    teams packed onto the facilitators, each one's spare load shared among its teams
    (None when the board's teams cannot be packed: then the even caps)."""
    packed = _pack(sizes, n_facilitators, load)
    if packed is None:
        return None
    caps = list(sizes)
    for teams in packed:
        spare = load - sum(sizes[t] for t in teams)
        for i, t in enumerate(teams):
            caps[t] += spare // len(teams) + (1 if i < spare % len(teams) else 0)
    return caps


def shared_facilitator_problem(
    problem: Problem, cohort: Cohort, rules: Rules, board: Mapping[str, int] | None = None
) -> Problem:
    """The problem a search solves: with fewer facilitators than teams, capped teams (from
    ``board``, establishment id -> team 1..T, when given); otherwise ``problem`` itself."""
    n_facilitators, load = len(cohort.facilitators), rules.schools_per_facilitator
    caps = shared_load_caps(n_facilitators, rules.teams, load)
    if caps is None:
        return problem
    if board:
        sizes = [0] * rules.teams
        for eid, team in board.items():
            if eid in cohort.establishment_by_id and 1 <= int(team) <= rules.teams:
                sizes[int(team) - 1] += 1
        caps = caps_from_board(sizes, n_facilitators, load) or caps
    elif problem.unit_pin is not None:  # the larger caps to the teams most pinned into
        pinned = np.bincount(problem.unit_pin[problem.unit_pin >= 0], minlength=rules.teams)
        order = sorted(range(rules.teams), key=lambda t: (int(pinned[t]), -t))
        by_team = [0] * rules.teams
        for t, cap in zip(order, sorted(caps), strict=True):
            by_team[t] = cap
        caps = by_team
    return dataclasses.replace(problem, team_max_units=np.array(caps, dtype=np.int64))


def capped_around(
    problem: Problem, cohort: Cohort, rules: Rules, unit_team: NDArray[np.int64] | None
) -> Problem | None:
    """The problem capped around ``unit_team`` (0-based teams) when its teams can share the
    facilitators (None: they cannot, or there is no such assignment)."""
    if unit_team is None:
        return None
    n_facilitators, load = len(cohort.facilitators), rules.schools_per_facilitator
    if shared_load_caps(n_facilitators, rules.teams, load) is None:
        return problem  # a facilitator for every team: no caps
    sizes = np.bincount(unit_team, minlength=problem.n_teams).tolist()
    caps = caps_from_board(sizes, n_facilitators, load)  # packed once
    if caps is None:
        return None
    return dataclasses.replace(problem, team_max_units=np.array(caps, dtype=np.int64))
