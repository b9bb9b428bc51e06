"""Stage 2 of a rematch by large-neighbourhood search: re-deal two or three teams at a time.

Stage 2 looks for the best assignment with no more moves than stage 1 needed. Too many
for enumeration, the whole CP-SAT model at CLN scale (50 establishments, 8 teams) often
did not improve on stage 1's answer in its seconds (a late school on a cohort of three
authorities: 509.7 kept, where 531.2 was found in other runs). Here each round frees
every unit of a few teams (``strategies.cpsat_lns.sub_problem``), keeps the others where
they are, and asks CP-SAT for the best re-deal of the freed units over those teams with
the moves still allowed: the units of the round that may leave their previous team are
the limit less the moves outside it. A sub-model of two teams is proven in a fraction of
a second, so a round is exact for its teams; a set of teams proven without improvement is
not tried again until one of its teams changes. When every pair is proven, triples.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.cpsolver import cp_solver
from clnmatch.evaluate import evaluate
from clnmatch.problem import SCALE, Problem
from clnmatch.strategies.base import TracePoint
from clnmatch.strategies.cpsat import build_model
from clnmatch.strategies.cpsat_lns import SUB_PARAMETERS, sub_problem

IntArray = NDArray[np.int64]
# wall seconds a round's CP-SAT may take (two teams are proven in 0.05-0.5 s)
_ROUND_SECONDS = 1.0
_WIDEST = 3  # teams re-dealt at once, at most (three are proven in about a second)
_NEAR_SHARE = 0.7  # share of rounds that re-deal a team a move or a newcomer changed
_ENUMERATE_SETS = 5_000  # team sets listed when no more, else drawn at random
_SAMPLES = 50  # draws before the sets of k teams count as all proven


def count_moved(prev: IntArray, unit_team: IntArray) -> int:
    """Units off their ``prev`` team (units without one, -1, are newcomers: no move)."""
    return int(((prev >= 0) & (unit_team != prev)).sum())


def within_moves(
    problem: Problem,
    prev: IntArray,
    start: IntArray,
    max_moves: int,
    started: float,
    deadline: float,
    seed: int,
) -> tuple[IntArray, list[TracePoint], str]:
    """The best assignment found with at most ``max_moves`` units off their ``prev`` team.

    ``start`` keeps every rule within the limit; the answer is never worse than it.
    Returns (unit_team, improving points, a note).
    """
    best = np.asarray(start, dtype=np.int64).copy()
    best_value = evaluate(problem, best).objective_milli
    trace = [TracePoint(time.perf_counter() - started, best_value / SCALE, None)]
    rng = np.random.default_rng(seed)
    proven: set[tuple[int, ...]] = set()
    rounds = improved = 0
    k, widest = 2, min(_WIDEST, problem.n_teams)
    while k <= widest and deadline - time.perf_counter() >= 0.05:
        teams = _pick(rng, problem.n_teams, k, proven, _touched(prev, best))
        if teams is None:  # every set of k teams is proven: look wider
            k += 1
            continue
        rounds += 1
        left = deadline - time.perf_counter()
        team, solved = _round(
            problem, prev, best, max_moves, teams, min(_ROUND_SECONDS, left), seed + rounds
        )
        if team is not None:
            ev = evaluate(problem, team)
            if ev.feasible and ev.objective_milli > best_value:
                # a set was proven for the moves then left to it: fewer moves used here
                # leave every other set more, so none stays proven
                fewer = count_moved(prev, team) < count_moved(prev, best)
                best, best_value = team, ev.objective_milli
                improved += 1
                trace.append(TracePoint(time.perf_counter() - started, ev.objective, None))
                proven = set() if fewer else {s for s in proven if not set(s) & set(teams)}
                k = 2
        if solved:
            proven.add(teams)
    note = f"{rounds} rounds re-dealing {min(k, widest)} teams at a time, {improved} improving"
    if k > widest:
        note += f"; every set of {widest} teams proven"
    return best, trace, note


def _touched(prev: IntArray, unit_team: IntArray) -> IntArray:
    """Teams a move or a newcomer changed: where the gains of a re-deal lie."""
    changed = (prev < 0) | (unit_team != prev)
    return np.unique(np.concatenate([unit_team[changed], prev[changed & (prev >= 0)]]))


def _pick(
    rng: np.random.Generator,
    n_teams: int,
    k: int,
    proven: set[tuple[int, ...]],
    touched: IntArray,
) -> tuple[int, ...] | None:
    """A set of ``k`` teams not yet proven, most often one with a touched team (None: none)."""
    near = bool(len(touched)) and rng.random() < _NEAR_SHARE
    if math.comb(n_teams, k) <= _ENUMERATE_SETS:
        sets = [s for s in itertools.combinations(range(n_teams), k) if s not in proven]
        if near:
            near_teams = set(touched.tolist())
            sets = [s for s in sets if near_teams.intersection(s)] or sets
        return sets[int(rng.integers(len(sets)))] if sets else None
    for _ in range(_SAMPLES):  # too many sets to list: draw them
        first = int(rng.choice(touched)) if near else int(rng.integers(n_teams))
        others = rng.choice(np.delete(np.arange(n_teams), first), size=k - 1, replace=False)
        teams = tuple(sorted([first, *others.tolist()]))
        if teams not in proven:
            return teams
    return None


def _round(
    problem: Problem,
    prev: IntArray,
    current: IntArray,
    max_moves: int,
    teams: tuple[int, ...],
    seconds: float,
    seed: int,
) -> tuple[IntArray | None, bool]:
    """(the round's re-deal or None, whether it is proven best for these teams)."""
    sub = sub_problem(problem, current, None, teams)
    cpm = build_model(sub.problem, symmetry=False)
    position = {t: i for i, t in enumerate(teams)}
    outside = np.delete(np.arange(len(prev)), sub.units)
    allowed = max_moves - count_moved(prev[outside], current[outside])
    stay = [
        cpm.x[i][position[int(prev[u])]]
        for i, u in enumerate(sub.units.tolist())
        if int(prev[u]) in position
    ]
    had_team = int((prev[sub.units] >= 0).sum())  # those whose team is elsewhere move anyway
    cpm.model.add(cp_model.LinearExpr.sum(stay) >= had_team - allowed)
    cpm.hint(sub.start)
    solver = cp_solver()
    for key, value in SUB_PARAMETERS.items():
        setattr(solver.parameters, key, value)
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31 - 1)
    status = solver.solve(cpm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    sub_team, _ = cpm.decode(solver.response_proto.solution)
    team, _ = sub.merge(current, sub_team, None)
    proven = status == cp_model.OPTIMAL and cpm.pairs_modelled == cpm.pairs_total
    return team, proven
