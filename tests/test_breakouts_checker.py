"""An independent checker of breakout schedules, written apart from clnmatch.breakouts.evaluate.

It works on plain Python lists and dicts (no numpy, no pair codes): the tests compare the
library's evaluator and search against it. ``check_schedule`` returns the repeats and the
set of broken rule names for a schedule given as ``{round: {person_id: room}}``.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from clnmatch.breakouts import BreakoutPlan


@dataclass
class Checked:
    repeats: int
    broken: set[str] = field(default_factory=set)
    times_met: dict[frozenset[str], int] = field(default_factory=dict)


def check_schedule(
    rounds: list[dict[str, int]],
    *,
    expected: list[set[str]],
    rooms_per_round: list[int],
    authority: dict[str, str] | None = None,
    establishment: dict[str, str] | None = None,
    min_authorities: int = 0,
    max_per_authority: int | None = None,
    history: list[dict[str, str]] | None = None,
) -> Checked:
    """Recount everything from scratch. ``expected[r]`` is who must be placed in round r."""
    authority = authority or {}
    establishment = establishment or {}
    broken: set[str] = set()
    met: Counter[frozenset[str]] = Counter()
    for old in history or []:
        groups: dict[str, list[str]] = defaultdict(list)
        for person, room in old.items():
            groups[room].append(person)
        for members in groups.values():
            for a, b in itertools.combinations(members, 2):
                met[frozenset((a, b))] = 1
    for r, placing in enumerate(rounds):
        if set(placing) != expected[r]:
            broken.add("one_room_each_round")
        rooms: dict[int, list[str]] = defaultdict(list)
        for person, room in placing.items():
            if not 0 <= room < rooms_per_round[r]:
                broken.add("one_room_each_round")
            rooms[room].append(person)
        sizes = [len(rooms.get(k, [])) for k in range(rooms_per_round[r])]
        if min(sizes) == 0 or max(sizes) - min(sizes) > 1:
            broken.add("room_sizes")
        for members in rooms.values():
            auths = Counter(authority[p] for p in members if authority.get(p))
            if min_authorities > 1 and len(auths) < min_authorities:
                broken.add("min_authorities")
            if max_per_authority is not None and any(c > max_per_authority for c in auths.values()):
                broken.add("max_per_authority")
            ests = Counter(establishment[p] for p in members if establishment.get(p))
            if any(c > 1 for c in ests.values()):
                broken.add("colleagues_apart")
            for a, b in itertools.combinations(members, 2):
                met[frozenset((a, b))] += 1
    repeats = sum(max(0, c - 1) for c in met.values())
    return Checked(repeats, broken, dict(met))


def check_plan(plan: BreakoutPlan, history: list[dict[str, str]] | None = None) -> Checked:
    """Check a plan through its rooms table (1-based, as a user reads it)."""
    frame = plan.rooms_frame()
    rounds: list[dict[str, int]] = [{} for _ in range(plan.rounds)]
    for row in frame.itertuples(index=False):
        rounds[int(row.round) - 1][str(row.person_id)] = int(row.room) - 1
    ids = [p.id for p in plan.roster.people]
    expected = [{ids[i] for i in range(len(ids)) if plan.present[r, i]} for r in range(plan.rounds)]
    rooms = [plan.rules.room_count(len(e)) for e in expected]
    return check_schedule(
        rounds,
        expected=expected,
        rooms_per_round=rooms,
        authority={p.id: p.authority.strip().casefold() for p in plan.roster.people},
        establishment={p.id: p.establishment_id for p in plan.roster.people}
        if plan.rules.colleagues_apart
        else {},
        min_authorities=plan.rules.min_authorities,
        max_per_authority=plan.rules.max_per_authority,
        history=history,
    )


def test_checker_counts_a_pair_met_three_times_as_two_repeats():
    """A pair sharing a room in three rounds is two repeats; sizes 2/2 are fine."""
    rounds = [{"a": 0, "b": 0, "c": 1, "d": 1}] * 3
    checked = check_schedule(rounds, expected=[set("abcd")] * 3, rooms_per_round=[2, 2, 2])
    assert checked.repeats == 4  # (a, b) and (c, d) twice each beyond the first
    assert checked.broken == set()


def test_checker_counts_history_as_one_meeting_and_finds_every_rule():
    """History counts once; each broken rule is named."""
    rounds = [{"a": 0, "b": 0, "c": 0, "d": 1}]
    checked = check_schedule(
        rounds,
        expected=[set("abcd")],
        rooms_per_round=[2],
        authority={"a": "x", "b": "x", "c": "y", "d": "x"},
        establishment={"a": "e1", "b": "e1"},
        min_authorities=2,
        max_per_authority=1,
        history=[{"a": "r1", "c": "r1"}, {"a": "r9", "c": "r9"}],
    )
    assert checked.repeats == 1  # (a, c): history once + this round
    assert checked.broken == {
        "room_sizes",
        "min_authorities",
        "max_per_authority",
        "colleagues_apart",
    }
