"""The Python entry points: plan rounds, re-plan one round after drop-outs, solve golf.

``plan_breakouts(roster, rules)`` runs read -> validate -> ``BreakoutProblem`` ->
counting diagnosis -> lower bound -> ``solver.solve_schedule`` (design, greedy, tabu) ->
CP-SAT repair of any round still breaking a rule -> ``evaluate_schedule`` ->
``BreakoutPlan``. The time limit covers the whole call (the search stops at 85% of it to
leave room for the repair and the final check), except loading the compiled search once per
process (``solver.ensure_compiled``). ``status`` is ``optimal`` when the repeats
equal the proven lower bound with every rule met, ``feasible`` when every rule is met,
``infeasible`` when the rules are proven impossible (``diagnosis`` says why), and
``unsolved`` when no rule-abiding schedule was found in time (the breaches are listed).

``replan_round(plan, round_number, drop)``: people who drop out before round K leave it and
every later round; rounds before K stay as they were (they happened), round K is planned
again for the people left, and each later round is kept when, without the people who left,
it still meets every rule (room sizes within one, authorities, colleagues), otherwise it
is planned again too. Repeats are counted over the whole schedule, the kept rounds
included, so the new rounds avoid whoever met in them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from clnmatch.breakouts.bounds import RepeatBound, repeat_free_rounds, repeat_lower_bound
from clnmatch.breakouts.evaluate import ScheduleEvaluation, evaluate_schedule
from clnmatch.breakouts.model import (
    BreakoutProblem,
    BreakoutRules,
    History,
    Roster,
    check_seed,
    check_time_limit,
)
from clnmatch.breakouts.repair import Diagnosis, counting_diagnosis, repair_round
from clnmatch.breakouts.solver import SearchSettings, TracePoint, ensure_compiled, solve_schedule
from clnmatch.errors import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

    from clnmatch.models import Cohort

__all__ = ["BreakoutPlan", "GolfResult", "plan_breakouts", "replan_round", "solve_golf"]

IntArray = NDArray[np.int32]
_SEARCH_SHARE = 0.85
#: what rooms.csv keeps of each person beside their id and name (when the roster has it)
ROOMS_PERSON_COLUMNS = ("establishment_id", "authority", "sector")


@dataclass(frozen=True)
class BreakoutPlan:
    """A schedule of breakout rooms with its checks, proven bound and provenance.

    ``schedule[r, i]`` is person i's room in round r (0-based; -1 when i does not take part
    in that round); ``rooms_frame`` and ``itinerary_frame`` give it with 1-based numbers.
    """

    roster: Roster
    rules: BreakoutRules
    status: str
    schedule: IntArray | None
    present: NDArray[np.bool_]
    evaluation: ScheduleEvaluation | None
    bound: RepeatBound | None
    diagnosis: Diagnosis | None
    runtime_s: float
    seed: int
    method: str
    history_rounds: int = 0
    unknown_history_ids: int = 0
    replanned_rounds: tuple[int, ...] = ()
    dropped: tuple[str, ...] = ()
    joined: tuple[str, ...] = ()  # on the roster but in no round of the plan re-planned
    trace: tuple[TracePoint, ...] = field(default=())
    history: History | None = None  # the earlier rounds it was planned after (a re-plan's too)

    @property
    def feasible(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def repeats(self) -> int | None:
        return None if self.evaluation is None else self.evaluation.repeats

    @property
    def lower_bound_repeats(self) -> int | None:
        return None if self.bound is None else self.bound.value

    @property
    def rounds(self) -> int:
        return int(self.present.shape[0])

    def dropped_from(self) -> dict[str, int | None]:
        """Each dropped person's first round out (1-based): the round after their last in
        a room (a late joiner was out of the rounds before joining too); None for one in no
        room at all (added to the roster after the plan, and dropped before joining)."""
        index = self.roster.index
        columns = {pid: self.present[:, index[pid]] for pid in self.dropped}
        return {p: int(np.flatnonzero(c)[-1]) + 2 if c.any() else None for p, c in columns.items()}

    def rooms_frame(self) -> pd.DataFrame:
        """One row per person and round they take part in: round, room (1-based), person,
        and the establishment, authority and sector the roster gives (a re-plan reads them
        for people who left and are on no later roster)."""
        import pandas as pd

        people = self.roster.people
        kept = [c for c in ROOMS_PERSON_COLUMNS if any(getattr(p, c) for p in people)]
        rows = []
        if self.schedule is not None:
            for r, row in enumerate(self.schedule):
                order = np.lexsort((np.arange(row.size), row))
                for i in order:
                    if row[i] >= 0:
                        p = people[i]
                        extra = [getattr(p, c) for c in kept]
                        rows.append((r + 1, int(row[i]) + 1, p.id, p.name, *extra))
        return pd.DataFrame(rows, columns=["round", "room", "person_id", "name", *kept])

    def itinerary_frame(self) -> pd.DataFrame:
        """One row per person: their room in each round (blank when not taking part)."""
        import pandas as pd

        people = self.roster.people
        data: dict[str, object] = {
            "person_id": [p.id for p in people],
            "name": [p.name for p in people],
        }
        if any(p.establishment_id for p in people):
            data["establishment_id"] = [p.establishment_id for p in people]
        if any(p.authority for p in people):
            data["authority"] = [p.authority for p in people]
        if self.schedule is not None:
            for r, row in enumerate(self.schedule):
                data[f"round_{r + 1}"] = pd.array(
                    [int(v) + 1 if v >= 0 else None for v in row], dtype="Int64"
                )
        if self.evaluation is not None:
            data["new_people_met"] = self.evaluation.new_contacts
        return pd.DataFrame(data)

    def summary(self) -> dict[str, object]:
        """What summary.json holds (contract section 11 and more)."""
        ev, bound = self.evaluation, self.bound
        n = len(self.roster)
        # one count per round, as room_sizes_by_round (rooms differ when people left)
        rooms = [int(row.max()) + 1 for row in self.schedule] if self.schedule is not None else []
        sizes = (
            [sorted(set(np.bincount(row[row >= 0]).tolist())) for row in self.schedule]
            if self.schedule is not None
            else []
        )
        out: dict[str, object] = {
            "status": self.status,
            "repeats": self.repeats,
            "lower_bound_repeats": self.lower_bound_repeats,
            "rounds": self.rounds,
            "runtime_s": round(self.runtime_s, 3),
            "seed": self.seed,
            "method": self.method,
            "people": n,
            "rooms_per_round": rooms,
            "room_sizes_by_round": sizes,
            "rules": self.rules.as_dict(),
            "checks": None if ev is None else ev.rule_checks(),
            "breaches": [] if ev is None else [b.as_dict() for b in ev.breaches],
            "repeats_by_round": None if ev is None else list(ev.repeats_by_round),
            "pairs_by_times_met": None
            if ev is None
            else {str(k): v for k, v in ev.times_met.items()},
            "sector_same_pairs": None if ev is None else ev.sector_same_pairs,
            "shared_interest_pairs": None if ev is None else ev.shared_interest_pairs,
            "mean_authorities_per_room": None
            if ev is None
            else round(ev.mean_authorities_per_room, 3),
            "mean_sectors_per_room": None if ev is None else round(ev.mean_sectors_per_room, 3),
            "lower_bound": None if bound is None else bound.as_dict(),
            "history_rounds": self.history_rounds,
            "history_ids_not_in_roster": self.unknown_history_ids,
            "replanned_rounds": list(self.replanned_rounds),
            "dropped": list(self.dropped),
            "joined": list(self.joined),
            "diagnosis": None if self.diagnosis is None else self.diagnosis.as_dict(),
        }
        if self.schedule is not None and self.present.all():
            k = int(self.schedule[0].max()) + 1
            out["repeat_free_rounds_at_most"] = repeat_free_rounds(n, k)
        return out


def _roster(people: Roster | Cohort) -> Roster:
    if isinstance(people, Roster):
        return people
    from clnmatch.models import Cohort

    if isinstance(people, Cohort):
        return Roster.from_cohort(people)
    raise InvalidParameterError.for_value(
        "people", "plan_breakouts", "a Roster or a Cohort", people
    )


def _check_authorities(roster: Roster, rules: BreakoutRules, owner: str) -> None:
    if rules.uses_authorities:
        missing = [p.id for p in roster.people if not p.authority]
        if missing:
            raise InvalidParameterError(
                f"The 'rules' parameter of {owner} ask for authorities in every room, but "
                f"{len(missing)} people have no authority (e.g. {', '.join(missing[:3])}). "
                "Give every person an authority or drop min_authorities / max_per_authority."
            )


def _solve(
    problem: BreakoutProblem,
    *,
    started: float,
    time_limit: float,
    seed: int,
    settings: SearchSettings | None,
    history: History | None,
    replanned: tuple[int, ...] = (),
    dropped: tuple[str, ...] = (),
    joined: tuple[str, ...] = (),
    previous: IntArray | None = None,
) -> BreakoutPlan:
    def finish(
        status: str,
        method: str,
        *,
        schedule: IntArray | None = None,
        evaluation: ScheduleEvaluation | None = None,
        bound: RepeatBound | None = None,
        diagnosis: Diagnosis | None = None,
        trace: tuple[TracePoint, ...] = (),
    ) -> BreakoutPlan:
        return BreakoutPlan(
            roster=problem.roster,
            rules=problem.rules,
            status=status,
            schedule=schedule,
            present=problem.present,
            evaluation=evaluation,
            bound=bound,
            diagnosis=diagnosis,
            runtime_s=time.perf_counter() - started,
            seed=seed,
            method=method,
            history_rounds=len(history.rounds) if history else 0,
            unknown_history_ids=problem.unknown_history_ids,
            replanned_rounds=replanned,
            dropped=dropped,
            joined=joined,
            trace=trace,
            history=history,
        )

    diagnosis = counting_diagnosis(problem)
    if diagnosis is not None:
        return finish("infeasible", "counting", diagnosis=diagnosis)
    bound = repeat_lower_bound(problem)
    deadline = started + time_limit
    outcome = solve_schedule(
        problem,
        seed=seed,
        deadline=started + _SEARCH_SHARE * time_limit,
        target_repeats=bound.value,
        settings=settings,
        previous=previous,
    )
    schedule = outcome.schedule
    evaluation = evaluate_schedule(problem, schedule)
    method = outcome.method
    # a kept round is never changed (a re-plan refuses one that breaks a rule)
    broken = sorted({b.round - 1 for b in evaluation.breaches if not problem.fixed[b.round - 1]})
    for number, r in enumerate(broken):
        # the time left shared by the rounds left: CP-SAT minimises its changes to a round
        # until its limit, so the first round would otherwise take it all
        share = (deadline - time.perf_counter() - 0.05) / (len(broken) - number)
        row, proof = repair_round(problem, schedule, r, time_limit=share, seed=seed)
        if proof is not None:
            return finish("infeasible", method, bound=bound, diagnosis=proof)
        if row is not None:
            schedule = schedule.copy()
            schedule[r] = row
            method += f", CP-SAT repair of round {r + 1}"
    if broken:
        evaluation = evaluate_schedule(problem, schedule)
    if not evaluation.feasible:
        status = "unsolved"
    elif evaluation.repeats == bound.value:
        status = "optimal"
    else:
        status = "feasible"
    return finish(
        status,
        method,
        schedule=schedule,
        evaluation=evaluation,
        bound=bound,
        trace=tuple(outcome.trace),
    )


def plan_breakouts(
    people: Roster | Cohort,
    rules: BreakoutRules,
    *,
    history: History | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    settings: SearchSettings | None = None,
) -> BreakoutPlan:
    """Plan ``rules.rounds`` rounds of breakout rooms for ``people`` (a Roster or a survey
    Cohort), continuing from ``history`` (pairs who met there count as met). The first
    call in a process loads the compiled search (or compiles it, on a new machine) before
    its clock starts."""
    ensure_compiled()
    started = time.perf_counter()
    owner = "plan_breakouts"
    check_time_limit(time_limit, owner)
    check_seed(seed, owner)
    if not isinstance(rules, BreakoutRules):
        raise InvalidParameterError.for_value("rules", owner, "a BreakoutRules", rules)
    roster = _roster(people)
    if len(roster) < 2:
        raise InvalidParameterError.for_value("people", owner, "at least 2 people", len(roster))
    if rules.rooms is not None and rules.rooms > len(roster) // 2:
        expected = f"at most {len(roster) // 2} rooms for {len(roster)} people (two or more a room)"
        raise InvalidParameterError.for_value("rules.rooms", owner, expected, rules.rooms)
    if rules.room_size is not None and rules.room_size >= len(roster):  # one room of everyone
        expected = f"below {len(roster)} for {len(roster)} people (two rooms or more)"
        raise InvalidParameterError.for_value("rules.room_size", owner, expected, rules.room_size)
    _check_authorities(roster, rules, owner)
    named = {pid for mapping in history.rounds for pid in mapping} if history else set()
    if named and not named & {p.id for p in roster.people}:  # as the command refuses it
        expected = (
            "rounds naming people of the roster (these name none of them: a file written "
            "pseudonymised, or another cohort's?)"
        )
        raise InvalidParameterError.for_value("history", owner, expected, f"{len(named)} people")
    problem = BreakoutProblem.build(roster, rules, history)
    return _solve(
        problem,
        started=started,
        time_limit=time_limit,
        seed=seed,
        settings=settings,
        history=history,
    )


def replan_round(
    plan: BreakoutPlan,
    round_number: int,
    drop: Sequence[str],
    *,
    history: History | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    settings: SearchSettings | None = None,
) -> BreakoutPlan:
    """Plan round ``round_number`` (1-based) again without the people in ``drop`` (ids), keep
    the earlier rounds and every later round that still meets the rules without them.

    People of ``plan.roster`` in no round of ``plan`` (added to the roster since, and not
    dropped before) join from ``round_number`` on; ``joined`` lists them. ``history``
    defaults to the one the plan was made after (``plan.history``)."""
    ensure_compiled()
    started = time.perf_counter()
    owner = "replan_round"
    check_time_limit(time_limit, owner)
    check_seed(seed, owner)
    if not isinstance(plan, BreakoutPlan):
        raise InvalidParameterError.for_value("plan", owner, "a BreakoutPlan", plan)
    if plan.schedule is None:
        raise InvalidParameterError.for_value("plan", owner, "a plan with a schedule", plan.status)
    rounds = plan.rounds
    if (
        isinstance(round_number, bool)
        or not isinstance(round_number, int)
        or not 1 <= round_number <= rounds
    ):
        raise InvalidParameterError.for_value(
            "round_number", owner, f"an int 1..{rounds}", round_number
        )
    index = plan.roster.index
    if isinstance(drop, str):  # one id, as rematch's ``withdrawn`` takes it (not its letters)
        drop = [drop]
    if not isinstance(drop, Sequence | set) or not all(isinstance(d, str) for d in drop):
        raise InvalidParameterError.for_value("drop", owner, "people's ids (text)", drop)
    unknown = [d for d in drop if d not in index]
    if unknown:
        raise InvalidParameterError.for_value(
            "drop", owner, "ids of people in the plan", ", ".join(unknown[:5])
        )
    if history is None:
        history = plan.history
    r0 = round_number - 1
    present = plan.present.copy()
    leaving = np.zeros(len(plan.roster), dtype=np.bool_)
    leaving[[index[d] for d in drop]] = True
    present[r0:] &= ~leaving
    # on the roster but in no round of the plan, and not dropped from it: joins from here on
    joining = ~plan.present.any(axis=0) & ~leaving
    joining[[index[d] for d in plan.dropped if d in index]] = False
    present[r0:] |= joining
    rules = replace(plan.rules, rounds=rounds)
    fixed_rooms = np.where(present, plan.schedule, -1).astype(np.int32)
    fixed_rooms[r0] = -1
    probe = BreakoutProblem.build(
        plan.roster, rules, history, present=present, fixed_rooms=fixed_rooms
    )
    held = [b for b in evaluate_schedule(probe, plan.schedule).breaches if b.round <= r0]
    if held:  # the rounds before happened: they are kept as they are, never mended
        raise InvalidParameterError(
            f"Round {held[0].round} of the plan breaks a rule ({held[0].rule}: "
            f"{held[0].message}); rounds before the one re-planned are kept exactly as they "
            "are, so correct its rooms, or re-plan from that round."
        )
    for r in range(r0 + 1, rounds):
        if not _round_still_holds(probe, fixed_rooms, r):
            fixed_rooms[r] = -1
    # a later round whose room emptied fails room_sizes above and is planned again
    problem = BreakoutProblem.build(
        plan.roster, rules, history, present=present, fixed_rooms=fixed_rooms
    )
    replanned = tuple(int(r) + 1 for r in np.flatnonzero(~problem.fixed))
    dropped = tuple(dict.fromkeys([*plan.dropped, *drop]))
    return _solve(
        problem,
        started=started,
        time_limit=time_limit,
        seed=seed,
        settings=settings,
        history=history,
        replanned=replanned,
        dropped=dropped,
        joined=tuple(plan.roster.people[i].id for i in np.flatnonzero(joining)),
        previous=_previous_rooms(plan.schedule, present),
    )


def _previous_rooms(schedule: IntArray, present: NDArray[np.bool_]) -> IntArray:
    """The plan's rooms as a re-plan's start (its search swaps people, so sizes must be
    right from the start): who left out, each joiner in a smallest room, and the last
    of a largest room into a smallest one until sizes are within one."""
    rooms = np.where(present, schedule, -1).astype(np.int32)
    for r, row in enumerate(rooms):
        count = int(row.max()) + 1 if (row >= 0).any() else 0
        if count == 0:
            continue
        sizes = np.bincount(row[row >= 0], minlength=count)
        for i in np.flatnonzero(present[r] & (row < 0)):
            row[i] = int(sizes.argmin())
            sizes[row[i]] += 1
        while sizes.max() - sizes.min() > 1:
            large, small = int(sizes.argmax()), int(sizes.argmin())
            row[np.flatnonzero(row == large)[-1]] = small
            sizes[large] -= 1
            sizes[small] += 1
    return rooms


def _round_still_holds(problem: BreakoutProblem, rooms: IntArray, r: int) -> bool:
    """Whether round r, as kept, meets every rule (checked alone with the evaluator)."""
    row = rooms[r]
    k = int(row.max()) + 1 if (row >= 0).any() else 0
    if k != problem.rules.room_count(int(problem.present[r].sum())):
        return False
    single = BreakoutProblem.build(
        problem.roster,
        replace(problem.rules, rounds=1),
        present=problem.present[r : r + 1],
        fixed_rooms=row[None, :],
    )
    return evaluate_schedule(single, row[None, :]).feasible


@dataclass(frozen=True)
class GolfResult:
    """A Social Golfer schedule: ``schedule[w, p]`` = group of player p in round w (0-based)."""

    groups: int
    size: int
    rounds: int
    schedule: IntArray
    repeats: int
    lower_bound_repeats: int
    runtime_s: float
    seed: int
    method: str

    def as_dict(self) -> dict[str, object]:
        return {
            "instance": f"{self.groups}-{self.size}-{self.rounds}",
            "groups": self.groups,
            "size": self.size,
            "rounds": self.rounds,
            "repeats": self.repeats,
            "lower_bound_repeats": self.lower_bound_repeats,
            "runtime_s": round(self.runtime_s, 3),
            "seed": self.seed,
            "method": self.method,
        }

    def lines(self) -> str:
        """``round group player`` lines, 0-based, sorted."""
        out = []
        for w, row in enumerate(self.schedule):
            for p in np.lexsort((np.arange(row.size), row)):
                out.append(f"{w} {int(row[p])} {int(p)}")
        return "\n".join(out) + "\n"


def solve_golf(
    groups: int,
    size: int,
    rounds: int,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    settings: SearchSettings | None = None,
) -> GolfResult:
    """The Social Golfer instance G-S-W: fewest repeats found, with the proven bound."""
    ensure_compiled()
    started = time.perf_counter()
    owner = "solve_golf"
    check_time_limit(time_limit, owner)
    check_seed(seed, owner)
    # one group a week has everyone meet everyone at once; a group of one meets nobody
    for name, value, least in (("groups", groups, 2), ("size", size, 2), ("rounds", rounds, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InvalidParameterError.for_value(name, owner, f"an int >= {least}", value)
    from clnmatch.breakouts.model import Person

    roster = Roster(tuple(Person(str(p)) for p in range(groups * size)))
    problem = BreakoutProblem.build(roster, BreakoutRules(rounds=rounds, rooms=groups))
    bound = repeat_lower_bound(problem)
    outcome = solve_schedule(
        problem,
        seed=seed,
        deadline=started + time_limit,
        target_repeats=bound.value,
        settings=settings,
    )
    evaluation = evaluate_schedule(problem, outcome.schedule)
    if not evaluation.feasible:  # pragma: no cover - swaps keep every room at its size
        raise AssertionError(f"golf schedule breaks: {evaluation.breaches[:3]}")
    return GolfResult(
        groups,
        size,
        rounds,
        outcome.schedule,
        evaluation.repeats,
        bound.value,
        time.perf_counter() - started,
        seed,
        outcome.method,
    )
