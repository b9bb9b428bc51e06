"""The two exact stages of a rematch, on the CP-SAT model of ``strategies.cpsat``.

1. fewest moves: maximise the previously placed units that keep their team, hinted
   with a quick answer (the search's rule repair from the previous teams, then units
   moved back where the rules allow), which stands when CP-SAT finds nothing in time
   (a few hundred establishments and more);
2. best objective among assignments with that few moves: by enumeration when the
   candidates are few (a proof outright), else by re-dealing a few teams at a time
   (``rematch.lns``), then CP-SAT on the whole with the moves capped, hinted with the
   re-deals' answer, when there is time to build its model (its bound; perhaps a proof).

Both use one worker and the given seed. Team labels are the previous teams' labels,
so the model is built without symmetry breaking.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.cpsolver import cp_solver
from clnmatch.evaluate import evaluate
from clnmatch.problem import SCALE, Problem
from clnmatch.rematch.lns import count_moved, within_moves
from clnmatch.rematch.restore import move_back
from clnmatch.search.repair import REPAIR_STEPS_PER_UNIT, repair
from clnmatch.strategies.base import TracePoint
from clnmatch.time_budget import Pace

if TYPE_CHECKING:
    from clnmatch.strategies.cpsat import CpSatModel

IntArray = NDArray[np.int64]
# stage 2 tries every assignment when there are at most this many (else CP-SAT)
_ENUMERATION_LIMIT = 200_000
# share of stage 1's time the quick repair may take (at CLN scale it takes milliseconds)
_REPAIR_SHARE = 0.4
# the objective's model builds in 3-11x the time of stage 1's (measured at 50-400
# establishments): stage 2 is skipped when the time left would not cover it
_OBJECTIVE_BUILD_RATIO = 12.0
# stage 1's model builds in about this many seconds per unit x team (1.27 s for 1,000
# establishments in 120 teams, measured); skipped, keeping the quick repair's answer, when
# the time left would not cover 1.5x it (a 2 s rematch at that scale took 2.4 s, 6.2 s on
# a busy machine)
_BUILD_S_PER_CELL = 1.1e-5
# share of the time limit kept back after stage 2 for facilitators and the final check
_WRAP_UP = 0.03
# share of stage 2's time for CP-SAT on the whole model after the re-deals (its bound)
_WHOLE_SHARE = 0.35


@dataclass
class Stage:
    status: Any  # cp_model status
    unit_team: IntArray | None = None
    moves: int = 0
    optimal: bool = False
    bound_milli: int | None = None
    trace: list[TracePoint] = field(default_factory=list)
    note: str = ""
    build_s: float = 0.0  # seconds its CP-SAT model took to build


def _solver(time_limit: float, seed: int) -> cp_model.CpSolver:
    solver = cp_solver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31 - 1)
    return solver


def _build(problem: Problem, *, objective: bool, guards: bool = False) -> CpSatModel:
    from clnmatch.strategies.cpsat import build_model

    # team labels are the previous teams' labels: no symmetry breaking
    return build_model(problem, guards=guards, objective=objective, symmetry=False)


def _stay_literals(cpm: CpSatModel, prev: IntArray) -> list[cp_model.IntVar]:
    return [cpm.x[u][int(prev[u])] for u in np.flatnonzero(prev >= 0)]


def _hint_start(problem: Problem, prev: IntArray) -> IntArray:
    """Previous teams where known; newcomers in the team with most room (a hint only)."""
    start = np.where(prev >= 0, prev, 0).astype(np.int64)
    load = np.bincount(
        start[prev >= 0], weights=problem.unit_weight[prev >= 0], minlength=problem.n_teams
    )
    for u in np.flatnonzero(prev < 0):
        t = int(np.argmax(problem.team_max - load))
        start[u] = t
        load[t] += problem.unit_weight[u]
    return start


def min_moves(
    problem: Problem,
    prev: IntArray,
    placed_before: NDArray[np.bool_],
    deadline: float,
    seed: int,
    notes: list[str],
) -> Stage:
    """Stage 1: a rule-abiding assignment with fewest previously placed units moved."""
    now = time.perf_counter()
    pace = Pace()
    start = _hint_start(problem, prev)
    # a quick answer for the model's hint: the search's rule repair from the previous
    # teams, then back to their teams whatever need not have moved
    until = now + _REPAIR_SHARE * (deadline - now)
    repaired = repair(
        problem,
        start,
        np.random.default_rng(seed),
        until,
        max_steps=REPAIR_STEPS_PER_UNIT * problem.n_units,
    )
    if repaired is not None:
        repaired = move_back(problem, prev, repaired, until)
    # units whose previous team no longer exists move whatever happens
    forced = int((placed_before & (prev < 0)).sum())
    building = _BUILD_S_PER_CELL * problem.n_units * problem.n_teams * pace.slowdown()
    if time.perf_counter() + 1.5 * building > deadline:
        kept = "the quick repair's answer is kept" if repaired is not None else "nothing found"
        notes.append(
            f"stage 1 (fewest moves) skipped: its model takes about {building:.1f} s to build, "
            f"more than the time left; {kept}"
        )
        if repaired is None:  # building it anyway ran seconds past the limit
            return Stage(cp_model.UNKNOWN)
        moved = count_moved(prev, repaired) + forced
        # the estimate stands for the build: stage 2 scales its own by it
        return Stage(cp_model.FEASIBLE, repaired, moved, build_s=building)
    built = time.perf_counter()
    cpm = _build(problem, objective=False)
    built = time.perf_counter() - built
    stay = _stay_literals(cpm, prev)
    if stay:
        cpm.model.maximize(cp_model.LinearExpr.sum(stay))
    cpm.hint(repaired if repaired is not None else start)
    budget = max(0.05, deadline - time.perf_counter())
    solver = _solver(budget, seed)
    status = solver.solve(cpm.model)
    notes.append(
        f"stage 1 (fewest moves): {solver.status_name(status)} in {solver.wall_time:.2f} s"
    )
    if status == cp_model.UNKNOWN and repaired is not None:
        notes.append("stage 1 keeps the quick repair's answer (fewest moves not proven)")
        moved = count_moved(prev, repaired) + forced
        return Stage(cp_model.FEASIBLE, repaired, moved, build_s=built)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Stage(status)
    unit_team, _ = cpm.decode(solver.response_proto.solution)
    moved = count_moved(prev, unit_team) + forced
    return Stage(status, unit_team, moved, optimal=status == cp_model.OPTIMAL, build_s=built)


class _Trace(cp_model.CpSolverSolutionCallback):
    """(time, objective, bound) at every improving solution of stage 2."""

    def __init__(self, started: float, offset: int) -> None:
        super().__init__()
        self.started = started
        self.offset = offset
        self.points: list[TracePoint] = []

    def on_solution_callback(self) -> None:
        self.points.append(
            TracePoint(
                time.perf_counter() - self.started,
                self.objective_value / SCALE,
                (self.best_objective_bound + self.offset) / SCALE,
            )
        )


def max_objective(
    problem: Problem,
    prev: IntArray,
    stage1: Stage,
    started: float,
    deadline: float,
    seed: int,
    notes: list[str],
) -> Stage:
    """Stage 2: the best objective among assignments with no more moves than stage 1 found."""
    assert stage1.unit_team is not None
    fallback = Stage(stage1.status, stage1.unit_team, stage1.moves, optimal=False)
    remaining = deadline - time.perf_counter()
    if remaining <= 0.05:
        notes.append("stage 2 (objective) skipped: no time left")
        return fallback
    if stage1.optimal:
        exact = _enumerate(problem, prev, stage1, started, deadline)
        if exact is not None:
            notes.append(f"stage 2 (objective): {exact.note}")
            return exact
    # leave a moment for the facilitators and the final check
    end = deadline - _WRAP_UP * (deadline - started)
    moves = _moves_in_range(prev, stage1)
    redealt, points, note = within_moves(
        problem, prev, stage1.unit_team, moves, started, end - _WHOLE_SHARE * remaining, seed
    )
    notes.append(f"stage 2 (objective), teams re-dealt: {note}")
    found = Stage(cp_model.FEASIBLE, redealt, stage1.moves, trace=points)
    remaining = end - time.perf_counter()
    if remaining < _OBJECTIVE_BUILD_RATIO * stage1.build_s:
        notes.append("stage 2 (objective) on the whole: no time to build its model")
        return found
    # the whole model, from the re-deal: a bound among these assignments, perhaps a proof
    cpm = _build(problem, objective=True)
    stay = _stay_literals(cpm, prev)
    if stay:
        cpm.model.add(cp_model.LinearExpr.sum(stay) >= len(stay) - moves)
    cpm.hint(redealt)
    trace = _Trace(started, cpm.excluded_positive_milli)
    solver = _solver(remaining, seed)
    status = solver.solve(cpm.model, trace)
    notes.append(
        f"stage 2 (objective) on the whole: {solver.status_name(status)} in "
        f"{solver.wall_time:.2f} s"
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return found
    unit_team, _ = cpm.decode(solver.response_proto.solution)
    if evaluate(problem, unit_team).objective_milli < evaluate(problem, redealt).objective_milli:
        unit_team = redealt  # CP-SAT's pair terms may be approximate: the evaluator decides
    bound = _int_bound(solver.best_objective_bound) + cpm.excluded_positive_milli
    optimal = status == cp_model.OPTIMAL and cpm.excluded_positive_milli == 0
    return Stage(
        status,
        unit_team,
        stage1.moves,
        optimal=optimal,
        bound_milli=bound,
        trace=points + trace.points,
    )


def _enumerate(
    problem: Problem, prev: IntArray, stage1: Stage, started: float, deadline: float
) -> Stage | None:
    """Stage 2 by trying every assignment with stage 1's number of moves (None: too many).

    After a proven stage 1 only assignments with exactly that many moves among units
    with a previous team remain (fewer break a rule), and newcomers go anywhere. When
    they are few (one withdrawal usually needs one or two moves: about 50 x 7, or
    1,200 x 49, assignments) the team sizes are checked in plain integers and each
    assignment that passes is checked and scored by ``evaluate``: this proves the optimum
    outright, where the CP-SAT model's weak pairwise bound leaves a wide gap. When the
    deadline strikes first, the best assignment found (at least stage 1's) is returned
    unproven.
    """
    assert stage1.unit_team is not None
    moves = _moves_in_range(prev, stage1)
    T = problem.n_teams
    allowed = (
        problem.allowed if problem.allowed is not None else np.ones((problem.n_units, T), bool)
    )
    placed, free = np.flatnonzero(prev >= 0).tolist(), np.flatnonzero(prev < 0).tolist()
    count = math.comb(len(placed), moves) * (T - 1) ** moves * T ** len(free)
    if count > _ENUMERATION_LIMIT:
        return None
    weight = [int(w) for w in problem.unit_weight]
    low, high = problem.team_min.tolist(), problem.team_max.tolist()
    stay_load = [0] * T
    for u in placed:
        stay_load[prev[u]] += weight[u]
    base = np.where(prev >= 0, prev, 0).astype(np.int64)
    free_options = [np.flatnonzero(allowed[u]).tolist() for u in free]
    first = evaluate(problem, stage1.unit_team)
    best: tuple[int, IntArray] = (first.objective_milli, stage1.unit_team)
    trace = [TracePoint(time.perf_counter() - started, first.objective, None)]
    checked = 0
    for movers in itertools.combinations(placed, moves):
        choices = [[t for t in np.flatnonzero(allowed[u]).tolist() if t != prev[u]] for u in movers]
        for dests in itertools.product(*choices):
            moved_load = stay_load.copy()
            for u, t in zip(movers, dests, strict=True):
                moved_load[prev[u]] -= weight[u]
                moved_load[t] += weight[u]
            for frees in itertools.product(*free_options):
                load = moved_load.copy()
                for u, t in zip(free, frees, strict=True):
                    load[t] += weight[u]
                if any(x < lo or x > hi for x, lo, hi in zip(load, low, high, strict=True)):
                    continue  # the evaluator would reject it for team_size
                if time.perf_counter() > deadline:
                    note = f"best of {checked} assignments checked before the time limit"
                    return Stage(cp_model.FEASIBLE, best[1], stage1.moves, trace=trace, note=note)
                unit_team = base.copy()
                unit_team[list(movers)] = dests
                unit_team[free] = frees
                checked += 1
                ev = evaluate(problem, unit_team)
                if ev.feasible and ev.objective_milli > best[0]:
                    best = (ev.objective_milli, unit_team)
                    trace.append(TracePoint(time.perf_counter() - started, ev.objective, None))
    note = (
        f"OPTIMAL: all {count:,} assignments with {moves} move(s) tried "
        f"({checked:,} had team sizes in range and were checked)"
    )
    trace.append(TracePoint(time.perf_counter() - started, best[0] / SCALE, best[0] / SCALE))
    return Stage(cp_model.OPTIMAL, best[1], stage1.moves, optimal=True, bound_milli=best[0],
                  trace=trace, note=note)  # fmt: skip


def _moves_in_range(prev: IntArray, stage1: Stage) -> int:
    """Moves stage 1 made among units whose previous team still exists."""
    assert stage1.unit_team is not None
    return count_moved(prev, stage1.unit_team)


def _int_bound(value: float) -> int:
    near = round(value)
    return int(near) if abs(value - near) < 1e-6 else math.floor(value)


def conflicting_rules(
    problem: Problem, deadline: float, seed: int, notes: list[str]
) -> tuple[str, ...]:
    """Rule groups in conflict, from an assumption core of the guarded model."""
    cpm = _build(problem, objective=False, guards=True)
    if not cpm.guards:
        return ()
    names = {var.index: rule for rule, var in cpm.guards.items()}
    cpm.model.add_assumptions(list(cpm.guards.values()))
    solver = _solver(max(0.2, deadline - time.perf_counter()), seed)
    status = solver.solve(cpm.model)
    if status != cp_model.INFEASIBLE:
        notes.append(
            "the rules could not be restored, but no conflicting rules were isolated in time"
        )
        return ()
    core = tuple(
        sorted(names[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in names)
    )
    notes.append(f"conflicting rules: {', '.join(core) or 'unknown'}")
    return core
