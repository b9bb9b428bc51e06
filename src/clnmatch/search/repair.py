"""Rule repair: from any unit assignment to one that breaks no rule of the Problem.

``repair`` merges together-pairs into groups that move as one, then lowers the rule
table's violation measure (``clnmatch.rules.kernels``: every SumBound's excess or
shortfall times its penalty, missing labels, units above a share cap, lock breaches) to
zero with a tabu search on moves (one group to another team) and swaps (two groups trade
teams) around a randomly picked breach, with randomised tie-breaking and random kicks when
it stalls. Whatever the kernel says, ``repair`` returns an assignment only after
``clnmatch.evaluate.evaluate`` has found no breach in it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from clnmatch.evaluate import evaluate
from clnmatch.jit import kernel
from clnmatch.problem import Problem
from clnmatch.rules.kernels import lock_breach, team_violation, violation_after
from clnmatch.search.chunking import next_chunk
from clnmatch.search.construct import construct
from clnmatch.search.grouping import Grouping, Model, build_grouping
from clnmatch.search.rng import randint, seed_array
from clnmatch.search.state import NO, NONE, State, new_state, place, violation

__all__ = [
    "REPAIR_STEPS_PER_UNIT",
    "random_assignment",
    "random_group_assignment",
    "repair",
    "repair_groups",
    "restart_steps",
]

# a repair near a given assignment takes at most this many steps a unit: where the rules
# cannot be restored it gives up at once (200 establishments, 10 teams broken by a
# withdrawal: 100 steps were enough)
REPAIR_STEPS_PER_UNIT = 5

# a repair's time is heavy-tailed: 1,000 establishments in 100 teams (10 a facilitator),
# 6 of 10 starts repaired within 0.75 s and 2 not in 8 s; capped at 2 steps a unit, 20 of
# 20 within 1.3 s on average. So starts are repaired with caps that double each restart.
FIRST_RESTART_STEPS_PER_UNIT = 2

IntArray = NDArray[np.int64]
_KICKS: Any = np.int64(3)  # a stalled repair kicks 1..3 random groups
_TENURE: Any = np.int64(8)  # a repair move stays tabu for 2..9 steps


@kernel
def _repair_steps(
    m: Model, st: State, tabu: Any, info: Any, rs: Any, max_steps: int, breach: Any, targets: Any
) -> int:
    """Lower the violation by at most max_steps moves/swaps; stops early at zero.

    ``info`` = [violation, best violation, step, steps since best]. Resumable.
    ``breach`` (T,) and ``targets`` (T + G,) are work arrays.
    """
    r = m.rules
    team = st.team
    sums = st.sums
    labels = st.labels
    n_groups = team.shape[0]
    n_teams = sums.shape[1]
    steps = 0
    while steps < max_steps and info[0] > 0:
        step = info[2]
        # what is broken: teams with a breach (coded t) and groups with a lock breach (T + g)
        n_targets = 0
        for t in range(n_teams):
            breach[t] = team_violation(r, sums, labels, t, t)
            if breach[t] > 0:
                targets[n_targets] = t
                n_targets += 1
        for g in range(n_groups):
            if lock_breach(r, team, g, team[g], NONE, NONE) > 0:
                targets[n_targets] = n_teams + g
                n_targets += 1
        if n_targets == 0:  # cannot happen while info[0] > 0; resync defensively
            info[0] = violation(m, st)
            break
        target = targets[randint(rs, n_targets)]
        best_d = np.int64(2**62)
        bg = NONE
        bh = NONE
        bt = NONE
        ties = 0
        for g in range(n_groups):
            a = team[g]
            if target < n_teams:
                focus_team = target
                inside = a == focus_team
            else:
                focus_team = NONE
                inside = g == target - n_teams
            if inside:
                lock_here = lock_breach(r, team, g, a, NONE, NONE)
                for b in range(n_teams):  # moves out
                    if b == a:
                        continue
                    d = violation_after(r, sums, labels, a, g, NONE) - breach[a]
                    d += violation_after(r, sums, labels, b, NONE, g) - breach[b]
                    d += lock_breach(r, team, g, b, NONE, NONE) - lock_here
                    if tabu[g, b] > step and info[0] + d >= info[1]:
                        continue
                    if d < best_d:
                        best_d, bg, bh, bt, ties = d, g, NONE, b, 1
                    elif d == best_d:
                        ties += 1
                        if randint(rs, ties) == 0:
                            bg, bh, bt = g, NONE, b
                for h in range(n_groups):  # swaps with groups elsewhere
                    b = team[h]
                    if b == a:
                        continue
                    d = violation_after(r, sums, labels, a, g, h) - breach[a]
                    d += violation_after(r, sums, labels, b, h, g) - breach[b]
                    d += lock_breach(r, team, g, b, h, a) - lock_here
                    d += lock_breach(r, team, h, a, g, b) - lock_breach(r, team, h, b, NONE, NONE)
                    if (tabu[g, b] > step or tabu[h, a] > step) and info[0] + d >= info[1]:
                        continue
                    if d < best_d:
                        best_d, bg, bh, bt, ties = d, g, h, NONE, 1
                    elif d == best_d:
                        ties += 1
                        if randint(rs, ties) == 0:
                            bg, bh, bt = g, h, NONE
            elif focus_team >= 0:  # moves into the broken team
                b = focus_team
                d = violation_after(r, sums, labels, a, g, NONE) - breach[a]
                d += violation_after(r, sums, labels, b, NONE, g) - breach[b]
                d += lock_breach(r, team, g, b, NONE, NONE) - lock_breach(r, team, g, a, NONE, NONE)
                if tabu[g, b] > step and info[0] + d >= info[1]:
                    continue
                if d < best_d:
                    best_d, bg, bh, bt, ties = d, g, NONE, b, 1
                elif d == best_d:
                    ties += 1
                    if randint(rs, ties) == 0:
                        bg, bh, bt = g, NONE, b
        stuck = info[3] > 50 + 2 * n_teams
        if bg < 0 or stuck:  # everything tabu, or no progress for long: random kick
            kicks = 1 + randint(rs, _KICKS)
            for _ in range(kicks):
                g = randint(rs, n_groups)
                b = randint(rs, n_teams)
                if b != team[g]:
                    place(m, st, g, b, NO)
            info[0] = violation(m, st)
            info[3] = 0
        else:
            if bh >= 0:
                a = team[bg]
                b = team[bh]
                place(m, st, bg, b, NO)
                place(m, st, bh, a, NO)
                tabu[bg, a] = step + 2 + randint(rs, _TENURE)
                tabu[bh, b] = step + 2 + randint(rs, _TENURE)
            else:
                a = team[bg]
                place(m, st, bg, bt, NO)
                tabu[bg, a] = step + 2 + randint(rs, _TENURE)
            info[0] += best_d
        if info[0] < info[1]:
            info[1] = info[0]
            info[3] = 0
        else:
            info[3] += 1
        info[2] += 1
        steps += 1
    return steps


def repair_groups(
    grouping: Grouping,
    team: IntArray,
    rng: np.random.Generator,
    deadline: float,
    max_steps: int | None = None,
) -> IntArray | None:
    """Group-level repair: a rule-abiding group assignment (by the kernel's count) or None.

    ``deadline`` is a ``time.perf_counter()`` instant. Not verified here: callers verify
    with ``clnmatch.evaluate.evaluate``.
    """
    if grouping.obstacles or grouping.n_groups == 0:
        return None
    m = grouping.model
    n_teams = len(m.team_min)
    team = np.array(team, dtype=np.int64)
    bad = (team < 0) | (team >= n_teams)
    if bad.any():
        team[bad] = rng.integers(0, n_teams, size=int(bad.sum()))
    st = new_state(grouping, team, with_objective=False)
    start = violation(m, st)
    info = np.array([start, start, 0, 0], dtype=np.int64)
    tabu = np.zeros((len(team), n_teams), dtype=np.int64)
    rs = seed_array(rng)
    breach = np.zeros(n_teams, dtype=np.int64)
    targets = np.zeros(n_teams + len(team), dtype=np.int64)
    chunk = 16
    done = 0
    while info[0] > 0:
        if time.perf_counter() >= deadline:
            return None
        steps = chunk if max_steps is None else min(chunk, max_steps - done)
        if steps <= 0:
            return None
        tick = time.perf_counter()
        done += _repair_steps(m, st, tabu, info, rs, steps, breach, targets)
        chunk = next_chunk(chunk, time.perf_counter() - tick)
    return st.team.copy()


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
        allowed = m.rules.allowed[g]
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


def restart_steps(problem: Problem, attempt: int) -> int:
    """The cap on the moves of a repair's ``attempt``-th start (0-based): doubling from
    ``FIRST_RESTART_STEPS_PER_UNIT`` a unit, so that a start the repair is slow on gives way
    to another before it costs much, and a hard cohort still gets long repairs."""
    return FIRST_RESTART_STEPS_PER_UNIT * max(problem.n_units, 1) << min(attempt, 30)


def random_assignment(problem: Problem, rng: np.random.Generator) -> IntArray:
    """A random unit assignment that respects team weights as far as a random order allows.

    Together-pairs share a team; side rules may still break (``repair`` fixes them).
    """
    grouping = build_grouping(problem)
    return grouping.to_units(random_group_assignment(grouping, rng))


def warm_up() -> float:
    """Compile (or load from the disk cache) the repair and construction kernels; seconds."""
    tick = time.perf_counter()
    n = 8
    problem = Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(2, 4, dtype=np.int64),
        team_max=np.full(2, 4, dtype=np.int64),
        pair_milli=np.zeros((n, n), dtype=np.int64),
        unit_sector=np.arange(n, dtype=np.int64) % 2,
        sector_names=("a", "b"),
        min_sectors=2,
    )
    rng = np.random.default_rng(0)
    repair(problem, np.zeros(n, dtype=np.int64), rng, time.perf_counter() + 600)
    construct(build_grouping(problem), rng)
    return time.perf_counter() - tick
