"""The evaluator and the lower bounds, against the independent checker and hand counts."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_breakouts_checker import check_schedule

from clnmatch.breakouts import (
    BreakoutProblem,
    BreakoutRules,
    History,
    Person,
    Roster,
    evaluate_schedule,
    plan_breakouts,
    repeat_lower_bound,
)
from clnmatch.breakouts.bounds import repeat_free_rounds, spread
from clnmatch.breakouts.model import room_sizes
from clnmatch.errors import InvalidParameterError


def _roster(n: int, *, authorities: int = 0, per_establishment: int = 1) -> Roster:
    return Roster(
        tuple(
            Person(
                f"p{i}",
                establishment_id=f"e{i // per_establishment}" if per_establishment > 1 else "",
                authority=f"A{(i // per_establishment) % authorities}" if authorities else "",
                sector=("ELC", "primary", "secondary")[i % 3],
                interests=(i % 6, (i * 5) % 6),
            )
            for i in range(n)
        ),
        ("one", "two"),
    )


def _checker(problem: BreakoutProblem, schedule: np.ndarray, history=None):
    ids = [p.id for p in problem.roster.people]
    rounds = [{ids[i]: int(v) for i, v in enumerate(row) if v >= 0} for row in schedule]
    expected = [{ids[i] for i in np.flatnonzero(p)} for p in problem.present]
    return check_schedule(
        rounds,
        expected=expected,
        rooms_per_round=[int(k) for k in problem.rooms],
        authority={p.id: p.authority.casefold() for p in problem.roster.people},
        establishment={p.id: p.establishment_id for p in problem.roster.people},
        min_authorities=problem.rules.min_authorities,
        max_per_authority=problem.rules.max_per_authority,
        history=history,
    )


def _random_schedule(rng: np.random.Generator, problem: BreakoutProblem) -> np.ndarray:
    rows = []
    for r in range(problem.n_rounds):
        sizes = room_sizes(problem.n, int(problem.rooms[r]))
        row = np.repeat(np.arange(len(sizes)), sizes)
        rows.append(rng.permutation(row))
    return np.array(rows, dtype=np.int32)


def test_rules_reject_bad_values_by_name():
    """BreakoutRules names the parameter it rejects, in the one message shape."""
    with pytest.raises(InvalidParameterError, match="'rounds' parameter of BreakoutRules"):
        BreakoutRules(rounds=0, room_size=4)
    with pytest.raises(InvalidParameterError, match="give exactly one"):
        BreakoutRules(rounds=2, room_size=4, rooms=3)
    with pytest.raises(InvalidParameterError, match="'max_per_authority'"):
        BreakoutRules(rounds=2, rooms=3, max_per_authority=0)
    assert BreakoutRules(rounds=1, room_size=6).room_count(100) == 17
    assert BreakoutRules(rounds=1, rooms=8).room_count(100) == 8
    assert room_sizes(100, 8) == [13, 13, 13, 13, 12, 12, 12, 12]


def test_evaluator_names_each_broken_rule_with_round_and_room():
    """Hand-made breaches: each comes with its rule, round and room (1-based)."""
    roster = Roster(
        (
            Person("a", establishment_id="e1", authority="North"),
            Person("b", establishment_id="e1", authority="north "),
            Person("c", authority="South"),
            Person("d", authority="South"),
        )
    )
    rules = BreakoutRules(rounds=2, rooms=2, min_authorities=2, max_per_authority=1)
    problem = BreakoutProblem.build(roster, rules)
    schedule = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=np.int32)
    ev = evaluate_schedule(problem, schedule)
    rules_broken = {(b.rule, b.round, b.room) for b in ev.breaches}
    assert ("colleagues_apart", 1, 1) in rules_broken
    assert ("max_per_authority", 1, 1) in rules_broken  # "North" and "north " are one authority
    assert ("min_authorities", 1, 2) in rules_broken
    assert not any(b.round == 2 for b in ev.breaches)
    assert ev.rule_checks()["room_sizes"]["ok"]
    assert ev.repeats == 0


def test_repeats_count_history_once_and_split_by_round():
    """A pair seen in two history rounds and twice here is two repeats, one per round."""
    roster = _roster(4)
    history = History(({"p0": "x", "p1": "x"}, {"p0": "y", "p1": "y", "stranger": "y"}))
    problem = BreakoutProblem.build(roster, BreakoutRules(rounds=2, rooms=2), history)
    assert problem.unknown_history_ids == 1
    schedule = np.array([[0, 0, 1, 1], [0, 0, 1, 1]], dtype=np.int32)
    ev = evaluate_schedule(problem, schedule)
    assert ev.repeats == 3  # (p0, p1): history + 2 rounds = 2; (p2, p3): 2 rounds = 1
    assert ev.repeats_by_round == (1, 2)
    assert ev.times_met == {2: 1, 3: 1}
    assert ev.new_contacts.tolist() == [0, 0, 1, 1]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(4, 40),
    rooms=st.integers(2, 8),
    rounds=st.integers(1, 5),
    authorities=st.integers(0, 4),
    per_est=st.integers(1, 3),
    min_auth=st.integers(0, 3),
    cap=st.one_of(st.none(), st.integers(1, 4)),
    seed=st.integers(0, 10_000),
)
def test_evaluator_agrees_with_the_independent_checker(
    n, rooms, rounds, authorities, per_est, min_auth, cap, seed
):
    """Random schedules: repeats and broken rules equal the checker's recount, and the
    lower bound (a bound over schedules that keep the rules) never exceeds the repeats of
    one that does."""
    rooms = min(rooms, n // 2)
    roster = _roster(n, authorities=authorities, per_establishment=per_est)
    rules = BreakoutRules(
        rounds=rounds,
        rooms=rooms,
        min_authorities=min_auth if authorities else 0,
        max_per_authority=cap if authorities else None,
    )
    rng = np.random.default_rng(seed)
    history = [{f"p{i}": str(rng.integers(3)) for i in range(0, n, 2)}] if seed % 2 else []
    problem = BreakoutProblem.build(roster, rules, History(tuple(history)) if history else None)
    schedule = _random_schedule(rng, problem)
    ev = evaluate_schedule(problem, schedule)
    checked = _checker(problem, schedule, history)
    assert ev.repeats == checked.repeats == sum(ev.repeats_by_round)
    assert {b.rule for b in ev.breaches} == checked.broken
    bound = repeat_lower_bound(problem)
    values = {a.name: a.value for a in bound.arguments}
    assert values["pair count"] <= values["degree"]  # the degree bound refines the count
    if ev.feasible:
        assert bound.value <= ev.repeats


def test_pigeonhole_bound_for_100_people_in_8_rooms():
    """100 people in 8 rooms of 12-13 cannot have two repeat-free rounds: each round-2 room
    of 12 spread over 8 earlier rooms puts 4 pairs together again (spread(12, 8) = 4,
    spread(13, 8) = 5): 4 * 5 + 4 * 4 = 36."""
    problem = BreakoutProblem.build(_roster(100), BreakoutRules(rounds=2, rooms=8))
    bound = repeat_lower_bound(problem)
    assert spread(12, 8) == 4 and spread(13, 8) == 5
    assert bound.value == 36
    assert {a.name: a.value for a in bound.arguments}["pigeonhole between rounds"] == 36
    assert repeat_free_rounds(100, 8) == 1


def test_degree_bound_for_golf_beyond_its_limit():
    """8-4-11: each golfer meets 33 others but only 31 exist: 2 repeats each, 32 in all;
    8-4-10 and Kirkman's 5-3-7 are not bounded away from 0."""

    def golf(g, s, w):
        roster = Roster(tuple(Person(str(i)) for i in range(g * s)))
        return repeat_lower_bound(BreakoutProblem.build(roster, BreakoutRules(rounds=w, rooms=g)))

    assert golf(8, 4, 11).value == 32
    assert golf(8, 4, 10).value == 0
    assert golf(5, 3, 7).value == 0
    assert golf(5, 3, 8).value == 15
    assert repeat_free_rounds(32, 8) == 10


def test_authority_bound_binds_for_one_large_authority():
    """12 people of one authority (and 4 others) in 4 rooms over 3 rounds: the 12 share
    rooms at least 4 * C(3, 2) = 12 times a round, 36 in all, but only C(12, 2) = 66 of
    their pairs exist; with history covering 40 of them, at least 36 - 26 = 10 repeats."""
    people = [Person(f"a{i}", authority="Big") for i in range(12)]
    people += [Person(f"b{i}", authority=f"small{i}") for i in range(4)]
    roster = Roster(tuple(people))
    pairs = [(i, j) for i in range(12) for j in range(i + 1, 12)][:40]
    history = History(tuple({f"a{i}": "r", f"a{j}": "r"} for i, j in pairs))
    problem = BreakoutProblem.build(roster, BreakoutRules(rounds=3, rooms=4), history)
    values = {a.name: a.value for a in repeat_lower_bound(problem).arguments}
    assert values["authority pigeonhole"] == 10


def _balanced_rounds(n: int, rooms: int) -> list[tuple[int, ...]]:
    """Every split of n people into ``rooms`` rooms of balanced sizes (room numbers by
    first appearance, so each split once)."""
    sizes = sorted(room_sizes(n, rooms))
    found = []
    for row in itertools.product(range(rooms), repeat=n):
        firsts = [row.index(r) for r in range(rooms) if r in row]
        if firsts == sorted(firsts) and sorted(np.bincount(row, minlength=rooms)) == sizes:
            found.append(row)
    return found


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(4, 7),
    rounds=st.integers(1, 3),
    authorities=st.integers(2, 4),
    per_est=st.integers(1, 2),
    one_per_room=st.booleans(),
)
def test_bound_never_exceeds_the_fewest_repeats_of_all_schedules(
    n, rounds, authorities, per_est, one_per_room
):
    """Exhaustive: the lower bound is at most the fewest repeats over every schedule keeping
    the rules (people of one authority apart, as one per authority or as every room needing
    all its places' authorities)."""
    roster = _roster(n, authorities=authorities, per_establishment=per_est)
    rules = BreakoutRules(
        rounds=rounds,
        rooms=2,
        max_per_authority=1 if one_per_room else None,
        min_authorities=0 if one_per_room else -(-n // 2),
    )
    problem = BreakoutProblem.build(roster, rules)
    assert problem.authorities_apart
    keeping = [
        row
        for row in _balanced_rounds(n, 2)
        if evaluate_schedule(
            BreakoutProblem.build(roster, dataclasses.replace(rules, rounds=1)),
            np.array([row], dtype=np.int32),
        ).feasible
    ]
    fewest = None
    for schedule in itertools.product(keeping, repeat=rounds):
        ev = evaluate_schedule(problem, np.array(schedule, dtype=np.int32))
        fewest = ev.repeats if fewest is None else min(fewest, ev.repeats)
    if fewest is not None:
        assert repeat_lower_bound(problem).value <= fewest


def test_authorities_kept_apart_bound_and_design():
    """8 authorities of 8 in rooms of 8, one per authority: the affine plane AG(2, 8) with one
    of its 9 parallel classes as the authorities gives 8 rounds without a repeat; a ninth
    round puts each person with 7 people of 56 already met: 64 * 7 / 2 = 224 repeats, which
    the bound proves and the plan reaches."""
    people = tuple(
        Person(f"p{a}_{i}", establishment_id=f"E{a}_{i}", authority=f"A{a}")
        for a in range(8)
        for i in range(8)
    )
    for rounds, repeats in ((8, 0), (9, 224)):
        rules = BreakoutRules(rounds=rounds, room_size=8, max_per_authority=1)
        plan = plan_breakouts(Roster(people), rules, time_limit=20, seed=3)
        assert (plan.repeats, plan.lower_bound_repeats, plan.status) == (
            repeats,
            repeats,
            "optimal",
        )
    # seven schools of seven colleagues, seven rounds of seven rooms: the plane AG(2, 7)
    colleagues = tuple(
        Person(f"s{e}_{i}", establishment_id=f"S{e}") for e in range(7) for i in range(7)
    )
    plan = plan_breakouts(Roster(colleagues), BreakoutRules(rounds=7, room_size=7), seed=1)
    assert plan.repeats == 0


def test_a_roster_with_one_establishment_in_two_authorities_is_refused():
    """As the roster file's reader refuses it: colleagues of one establishment share one."""
    with pytest.raises(InvalidParameterError, match="one authority for each establishment"):
        Roster(
            (
                Person("a", establishment_id="E1", authority="Glasgow City"),
                Person("b", establishment_id="E1", authority="East Renfrewshire"),
            )
        )
    # the same authority spelled another way is one authority
    Roster(
        (
            Person("a", establishment_id="E1", authority="Glasgow City"),
            Person("b", establishment_id="E1", authority="glasgow city "),
        )
    )
