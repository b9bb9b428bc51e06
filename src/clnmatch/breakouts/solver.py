"""From a ``BreakoutProblem`` to a schedule: a design where one fits, the tabu search after.

Order of work, within one deadline:

1. **Kept rounds** (a re-plan) are loaded as they are and never change.
2. **A design** (``designs.padded_construction``; with more people than it seats,
   ``designs.clumped_construction``, two to some of its points) gives rounds when nothing
   else constrains them (no history, no kept rounds): as many of the planned rounds as it
   has. Its people are placed at random (seeded), or, when authorities or colleagues are
   kept apart, by a spare round of the design used as their home class (``_home_placement``:
   people of one authority share its rooms, so they never meet in the others); when side
   rules break, a tabu search and then, if it stalls, simulated annealing on
   whole-itinerary swaps (``search.relabel_steps``) rename people until the rules hold,
   which cannot change the repeats of a design.
3. **Greedy rounds** fill the remaining rounds room by room, each place going to the least
   harmful of up to 256 sampled people (colleagues, authority rules, people met before).
4. **Tabu search** (``search.run_steps``) until no conflict is left and nothing soft can
   be gained, the repeats reach ``target_repeats`` (the proven bound) with every rule
   met, or the deadline.

The schedule returned is the best found (fewest hard-rule breaches, then repeats, then
the soft score); it may still break a rule, which the caller checks with the evaluator.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from clnmatch.breakouts import search
from clnmatch.breakouts.designs import clumped_construction, padded_construction
from clnmatch.breakouts.evaluate import pair_codes
from clnmatch.breakouts.model import BreakoutProblem, room_sizes
from clnmatch.errors import InvalidParameterError

__all__ = [
    "SearchSettings",
    "SearchOutcome",
    "TracePoint",
    "solve_schedule",
    "warm_up",
    "ensure_compiled",
]

IntArray = NDArray[np.int32]
_CHUNK = 64  # steps per kernel call: the clock is read between calls
_RELABEL_TABU_STEPS = 20_000
_RELABEL_ANNEAL_STEPS = 200_000  # 20,000 left the CLN webinar's rules broken


@dataclass(frozen=True)
class SearchSettings:
    """Tuning of the search; the defaults were chosen on benchmarks/golf.

    ``tenure_min`` + a random 0..``tenure_span`` steps: how long two people who swapped in a
    round may not swap again in it (Dotu & Van Hentenryck's tabu, tenure 4-100). Measured
    on 8-4-8 (5 seeds, 15 s each): this pair tabu solved 5 of 5 (median 3.1 s); forbidding
    a person only the room they left, for 5-15 steps, 3 of 5.
    ``evaluations_per_step``: swaps scored per step (all conflict positions when they fit).
    ``stall``: steps without a new best before a kick of ``kick`` random swaps, every
    ``restore_every``-th kick starting again from the best (0: restart from a fresh
    greedy schedule instead). ``lam_max``: the largest weight of a rule breach against a
    repeat. ``soft_stall``: steps without a better soft score that end the polishing.
    ``freedom_up_to``: people up to which the greedy start breaks ties by freedom.
    ``greedy_sample``: candidates scored per greedy place. ``sector_weight`` and
    ``theme_weight``: the soft score's weights. ``use_designs``: start from a design where
    one fits. ``max_steps``: a step budget, which makes a run reproducible whatever the
    clock (the time limit still stops it).
    """

    tenure_min: int = 4
    tenure_span: int = 96
    evaluations_per_step: int = 3000
    stall: int = 400
    kick: int = 2
    restore_every: int = 1
    lam_max: int = 64
    soft_stall: int = 1000
    freedom_up_to: int = 400
    greedy_sample: int = 256
    sector_weight: int = 1
    theme_weight: int = 1
    use_designs: bool = True
    max_steps: int | None = None

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if name in ("use_designs", "max_steps") and (value is None or isinstance(value, bool)):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidParameterError.for_value(name, "SearchSettings", "an int >= 0", value)
        if self.lam_max < 1 or self.evaluations_per_step < 1 or self.greedy_sample < 1:
            raise InvalidParameterError(
                "The 'lam_max', 'evaluations_per_step' and 'greedy_sample' parameters of "
                "SearchSettings must be >= 1."
            )


@dataclass(frozen=True)
class TracePoint:
    """The best schedule's measures at a moment of the run."""

    seconds: float
    violation: int
    repeats: int
    soft: int


@dataclass(frozen=True)
class SearchOutcome:
    """The best schedule found and how it was made."""

    schedule: IntArray
    method: str
    steps: int
    trace: list[TracePoint] = field(default_factory=list)


def _model(problem: BreakoutProblem, settings: SearchSettings) -> search.Model:
    codes = [pair_codes(row, problem.n) for row in problem.history]
    history = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    rules = problem.rules
    sector_weight = settings.sector_weight if rules.sector_mix and problem.n_sectors > 1 else 0
    theme_weight = (
        settings.theme_weight if rules.shared_interests and problem.interested.shape[1] else 0
    )
    params = np.zeros(12, dtype=np.int64)
    params[search.P_MIN_AUTH] = rules.min_authorities
    # one per authority when the rules imply it (rooms needing all their places' authorities)
    params[search.P_CAP] = 1 if problem.authorities_apart else problem.max_per_authority
    params[search.P_W_SECTOR] = sector_weight
    params[search.P_W_THEME] = theme_weight
    params[search.P_TENURE_MIN] = settings.tenure_min
    params[search.P_TENURE_SPAN] = settings.tenure_span
    params[search.P_BUDGET] = settings.evaluations_per_step
    params[search.P_STALL] = settings.stall
    params[search.P_KICK] = settings.kick
    params[search.P_LAM_MAX] = settings.lam_max
    params[search.P_SOFT_STALL] = settings.soft_stall
    params[search.P_RESTORE] = settings.restore_every
    return search.Model(
        est=problem.colleague_codes.astype(np.int32),
        auth=problem.authority.astype(np.int32),
        sector=problem.sector.astype(np.int32),
        interest=problem.interested.astype(np.uint8),
        free=~problem.fixed,
        hist_i=(history // problem.n).astype(np.int32),
        hist_j=(history % problem.n).astype(np.int32),
        params=params,
    )


def _state(problem: BreakoutProblem, seed: int) -> search.State:
    rounds, n = problem.present.shape
    rooms = max(1, int(problem.rooms.max()) if rounds else 1)
    capacity = problem.room_capacity() + 2
    if problem.fixed.any():
        capacity = max(
            capacity, int(np.bincount(problem.fixed_rooms[problem.fixed_rooms >= 0]).max()) + 2
        )
    ctl = np.zeros(6, dtype=np.int64)
    ctl[search.C_LAM] = 2
    mixed = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)[0] | np.uint64(1)
    return search.State(
        room=np.full((rounds, n), -1, dtype=np.int32),
        members=np.full((rounds, rooms, capacity), -1, dtype=np.int32),
        size=np.zeros((rounds, rooms), dtype=np.int32),
        slot=np.zeros((rounds, n), dtype=np.int32),
        met=np.zeros((n, n), dtype=np.int8),
        auth_count=np.zeros((rounds, rooms, problem.n_authorities), dtype=np.int16),
        distinct=np.zeros((rounds, rooms), dtype=np.int16),
        sector_count=np.zeros((rounds, rooms, problem.n_sectors), dtype=np.int16),
        theme_count=np.zeros((rounds, rooms, problem.interested.shape[1]), dtype=np.int16),
        rep=np.zeros((rounds, n), dtype=np.int32),
        room_viol=np.zeros((rounds, rooms), dtype=np.int32),
        conf_list=np.zeros(rounds * n, dtype=np.int32),
        conf_pos=np.full(rounds * n, -1, dtype=np.int32),
        tabu_partner=np.full((rounds, n), -1, dtype=np.int32),
        tabu_until=np.zeros((rounds, n), dtype=np.int64),
        totals=np.zeros(4, dtype=np.int64),
        ctl=ctl,
        rs=np.array([mixed], dtype=np.uint64),
        best_room=np.full((rounds, n), -1, dtype=np.int32),
        best_totals=np.zeros(3, dtype=np.int64),
        scratch=np.zeros((rounds, n), dtype=np.int32),
        pool=np.zeros(n, dtype=np.int32),
        mark=np.zeros(n, dtype=np.int8),
    )


def _design_start(
    problem: BreakoutProblem,
    start: IntArray,
    rng: np.random.Generator,
    forced: bool,
    seconds: float,
) -> tuple[str | None, list[int]]:
    """Fill planned rounds from a design when one fits; returns its name and the rounds.
    ``forced``: the bound says some repeats cannot be avoided (only then may a design seat
    two people on a point, meeting every round); ``seconds`` what its construction may take."""
    free = [int(r) for r in np.flatnonzero(~problem.fixed)]
    if problem.fixed.any() or problem.history.shape[0] or not free:
        return None, []
    if not problem.present[free].all():
        return None, []
    n, rooms = problem.n, int(problem.rooms[free[0]])
    if rooms < 2 or n // rooms < 2:
        return None, []
    design = padded_construction(n, rooms, len(free) + 1)
    clumped = forced and (design is None or design.rounds < 2)  # none seats everyone
    if clumped:  # two on some points; its last round is a home class only, maybe uneven
        design = clumped_construction(n, rooms, len(free) + 1, len(free), seconds)
    if design is None or design.rounds < 2:
        return None, []
    schedule = design.schedule
    colleagues = problem.colleague_codes
    grouped = problem.rules.uses_authorities or (
        colleagues.size > 0 and bool((np.bincount(colleagues[colleagues >= 0]) > 1).any())
    )
    people: NDArray[np.int64]
    if (grouped or clumped) and (schedule.shape[0] > len(free) or forced):
        # One round of the design is the people's "home" class: an authority's (and an
        # establishment's) people fill its rooms together, so they never meet in the
        # other rounds (8 authorities of 8 in rooms of 8: one per authority, no repeat).
        # Taken from the rounds to plan only when repeats are forced anyway (the bound);
        # the round it leaves is filled by the search.
        people = _home_placement(problem, schedule[:-1], schedule[-1], rng)
        schedule = schedule[:-1][: len(free)]
    else:
        people = rng.permutation(n)
        schedule = schedule[: len(free)]
    used = free[: schedule.shape[0]]
    for r, row in zip(used, schedule, strict=False):
        start[r, people] = row
    return design.name, used


def _points(schedule: IntArray) -> NDArray[np.int64]:
    """Each place's point: places sharing their rooms in every round (the two seats of a
    clumped design's point) share one."""
    _, point = np.unique(schedule.T, axis=0, return_inverse=True)
    return np.asarray(point, dtype=np.int64).ravel()


def _home_placement(
    problem: BreakoutProblem, schedule: IntArray, home: IntArray, rng: np.random.Generator
) -> NDArray[np.int64]:
    """people[place]: who takes each place of the design's rounds (``schedule``), given
    its spare round ``home``. Two places of one home room never share a room in the
    other rounds unless they are one point's two seats, so an establishment's people go
    to one home room (first fit, largest establishments first) on points of their own,
    and one authority's establishments to neighbouring home rooms: they never meet, and
    every room of a round holds one point of each home room."""
    n = problem.n
    point = _points(schedule)
    colleague = problem.colleague_codes
    group = np.where(colleague >= 0, colleague, colleague.max(initial=-1) + 1 + np.arange(n))
    authority = problem.authority if problem.rules.uses_authorities else np.zeros(n, dtype=np.int64)
    shuffled = rng.permutation(int(authority.max(initial=0)) + 1)
    members: dict[int, list[int]] = {}
    for person in rng.permutation(n).tolist():
        members.setdefault(int(group[person]), []).append(person)
    groups = sorted(members.values(), key=lambda g: (shuffled[authority[g[0]]], -len(g), g[0]))
    rooms = rng.permutation(int(home.max()) + 1)
    free = {int(h): np.flatnonzero(home == h).tolist() for h in rooms}  # rooms with places
    people = np.full(n, -1, dtype=np.int64)
    for persons in groups:
        h = next((k for k in free if len(free[k]) >= len(persons)), next(iter(free)))
        taken: set[int] = set()
        for person in persons:  # a point of its own for each, while the room has one
            if h not in free:  # full: the next room with places
                h = next(iter(free))
            places = free[h]
            place = next((q for q in places if point[q] not in taken), places[0])
            places.remove(place)
            taken.add(int(point[place]))
            people[place] = person
            if not places:
                del free[h]
    return people


def _rules_broken(problem: BreakoutProblem, state: search.State, rounds: list[int]) -> bool:
    """Whether a room of these rounds breaks an authority rule or holds two colleagues
    (rounds left unfilled are not looked at: their empty rooms lack authorities)."""
    if state.room_viol[rounds].any():
        return True
    colleagues = problem.colleague_codes
    known = colleagues >= 0
    for r in rounds:
        key = state.room[r, known].astype(np.int64) * problem.n + colleagues[known]
        if np.unique(key).size < key.size:
            return True
    return False


_warm = False


def warm_up() -> None:
    """Compile every kernel on tiny problems (numba caches them on disk afterwards: the
    first call on a machine takes tens of seconds, later processes about a second).
    ``plan_breakouts`` and ``solve_golf`` call it once per process, before their clock."""
    global _warm
    from clnmatch.breakouts.model import BreakoutRules, Person, Roster

    people = tuple(
        Person(str(i), establishment_id=str(i // 3), authority=str(i // 3), sector=str(i % 2))
        for i in range(9)
    )
    kept = BreakoutRules(rounds=3, room_size=3, min_authorities=2, max_per_authority=2)
    # every round of the design, none left as a home class: people placed at random break
    # the rules, so they are renamed (relabel_steps: a first plan compiled it, 10 s)
    renamed = BreakoutRules(rounds=4, room_size=3, min_authorities=2, max_per_authority=2)
    for themes, rules in (((), kept), (("a", "b"), kept), ((), renamed)):
        roster = Roster(
            tuple(
                Person(
                    p.id, "", p.establishment_id, p.authority, p.sector, "", (1, 4)[: len(themes)]
                )
                for p in people
            ),
            themes,
        )
        problem = BreakoutProblem.build(roster, rules)
        for designs in (True, False):  # with a design: relabelling; without: the tabu search
            settings = SearchSettings(use_designs=designs, max_steps=256)
            solve_schedule(
                problem, seed=0, deadline=float("inf"), target_repeats=0, settings=settings
            )
    _warm = True


def ensure_compiled() -> None:
    """``warm_up`` unless this process already did."""
    if not _warm:
        warm_up()


def solve_schedule(
    problem: BreakoutProblem,
    *,
    seed: int,
    deadline: float,
    target_repeats: int,
    settings: SearchSettings | None = None,
    max_steps: int | None = None,
    previous: IntArray | None = None,
) -> SearchOutcome:
    """The best schedule found by the deadline (``time.perf_counter()`` seconds).

    ``previous``: the rooms a re-plan had (-1 for no room), a start for the rounds it
    plans again where it still fits (as many rooms, everyone present placed): the few
    moves a drop-out needs, where rounds planned afresh met many more."""
    settings = settings or SearchSettings()
    if max_steps is None:
        max_steps = settings.max_steps
    if problem.n > search.MAX_PEOPLE:
        raise InvalidParameterError.for_value(
            "people", "plan_breakouts", f"at most {search.MAX_PEOPLE:,} people", problem.n
        )
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    model = _model(problem, settings)
    state = _state(problem, int(rng.integers(2**62)))
    start = np.where(problem.fixed[:, None], problem.fixed_rooms, -1).astype(np.int32)
    method, designed = (
        (None, [])
        if not settings.use_designs
        else _design_start(
            problem, start, rng, target_repeats > 0, max(0.1, (deadline - started) / 5)
        )
    )
    search.build(model, state, start)
    steps = 0
    if designed and _rules_broken(problem, state, designed):
        # renaming gets a fifth of the time and of the steps: the tabu search first, quick
        # where it works, then annealing where it stalls; when neither meets the rules, the
        # search after still starts from the renamed design
        stop = started + (deadline - started) / 5
        for anneal, most in ((0, _RELABEL_TABU_STEPS), (1, _RELABEL_ANNEAL_STEPS)):
            allowed = most if max_steps is None else min(most, max_steps // 10)
            relabelled = 0
            while time.perf_counter() < stop and relabelled < allowed:
                steps += _CHUNK
                relabelled += _CHUNK
                done = relabelled - _CHUNK
                if search.relabel_steps(model, state, _CHUNK, done, allowed, anneal):
                    break
            state.tabu_until[:] = 0
            if not _rules_broken(problem, state, designed):
                break
    # Phases: from the design (when there is one), and, when the design covers only some
    # of the planned rounds, also from greedy rounds alone, with the time left split evenly
    # (a partial design can trap the search: 7-4-9 from TD(4,7) kept 27 repeats in 1 s,
    # from greedy rounds 19-23).
    phases: list[tuple[IntArray, list[int], str]] = [
        (state.room.copy(), designed, method or "greedy")
    ]
    if previous is not None and (kept := _fitting_rounds(problem, previous)):
        base = np.where(problem.fixed[:, None], problem.fixed_rooms, -1).astype(np.int32)
        base[kept] = previous[kept]
        phases.insert(0, (base, kept, "the previous rooms"))
    free = int((~problem.fixed).sum())
    # a clumped design above the bound may trap the search as a partial one may
    if designed and (len(designed) < free or state.totals[search.T_REP] > target_repeats):
        plain = np.where(problem.fixed[:, None], problem.fixed_rooms, -1).astype(np.int32)
        phases.append((plain, [], "greedy"))
    freedom = problem.n <= settings.freedom_up_to
    best_room: IntArray | None = None
    best_key: tuple[int, int, int] | None = None
    best_method = phases[0][2]
    trace: list[tuple[float, int, int, int]] = []
    for number, (base, rounds_designed, name) in enumerate(phases):
        now = time.perf_counter()
        phase_deadline = now + (deadline - now) / (len(phases) - number)
        attempts, done = 0, 0
        while True:
            attempts += 1
            _greedy_fill(problem, model, state, base, rounds_designed, settings, freedom)
            done = 0
            while True:
                key = (
                    int(state.best_totals[0]),
                    int(state.best_totals[1]),
                    int(state.best_totals[2]),
                )
                if best_key is None or key < best_key:
                    best_key, best_room = key, state.best_room.copy()
                    best_method = name + (f" ({attempts} starts)" if attempts > 1 else "")
                    trace.append((round(time.perf_counter() - started, 4), *key))
                out_of_time = time.perf_counter() >= phase_deadline
                if done or out_of_time or (max_steps is not None and steps >= max_steps):
                    break
                done = search.run_steps(model, state, _CHUNK, target_repeats)
                steps += _CHUNK
            if done != 2:
                break
        if done == 1 and best_key is not None and best_key[:2] == (0, target_repeats):
            break  # no later phase can do better on rules and repeats
        if max_steps is not None and steps >= max_steps:
            break
    assert best_room is not None
    points = [TracePoint(*p) for p in trace]
    return SearchOutcome(best_room, best_method, steps, points)


def _fitting_rounds(problem: BreakoutProblem, previous: IntArray) -> list[int]:
    """The rounds to plan whose ``previous`` rooms can start the search: as many rooms as
    the round has now, and everyone present in one (and no one absent)."""
    fitting = []
    for r in np.flatnonzero(~problem.fixed):
        row, present = previous[r], problem.present[r]
        rooms = int(row.max()) + 1 if (row >= 0).any() else 0
        if rooms == int(problem.rooms[r]) and ((row >= 0) == present).all():
            fitting.append(int(r))
    return fitting


def _greedy_fill(
    problem: BreakoutProblem,
    model: search.Model,
    state: search.State,
    base: IntArray,
    designed: list[int],
    settings: SearchSettings,
    freedom: bool,
) -> None:
    """Load ``base`` and fill the other planned rounds greedily (a fresh start)."""
    search.build(model, state, base)
    state.tabu_until[:] = 0
    state.ctl[search.C_SINCE_BEST] = 0
    for r in np.flatnonzero(~problem.fixed):
        if r in designed:
            continue
        present = problem.present[r]
        targets = np.array(room_sizes(int(present.sum()), int(problem.rooms[r])), dtype=np.int64)
        search.greedy_round(model, state, int(r), present, targets, settings.greedy_sample, freedom)
    search.build(model, state, state.room.copy())


def _point(state: search.State, started: float) -> tuple[float, int, int, int]:
    best = state.best_totals
    return (round(time.perf_counter() - started, 4), int(best[0]), int(best[1]), int(best[2]))
