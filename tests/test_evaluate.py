"""The one evaluator: every planted breach found, none in a valid assignment, exact scores."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from builders import balanced_cohort, make_cohort
from hypothesis import given, settings
from hypothesis import strategies as st

from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import check, evaluate, objective_milli
from clnmatch.generate import generate_cohort
from clnmatch.models import Rules
from clnmatch.problem import Problem

RULES2 = Rules(teams=2, min_establishments=0)


def _assignment(cohort, unit_team):
    """Practitioner -> team (1-based) from an establishment index -> team (0-based) list."""
    index = {e.id: i for i, e in enumerate(cohort.establishments)}
    return {p.id: int(unit_team[index[p.establishment_id]]) + 1 for p in cohort.practitioners}


def test_valid_assignment_has_no_breach():
    """The first six establishments against the last six mix sectors and authorities."""
    cohort = balanced_cohort(12)
    evaluation = check(cohort, RULES2, _assignment(cohort, [0] * 6 + [1] * 6))
    assert evaluation.feasible, evaluation.breaches


def _oracle(cohort, rules, unit_team):
    """Breaches (rule, team) counted by hand, independently of clnmatch.evaluate."""
    expected = set()
    total = cohort.n_participants
    low = math.ceil(total / rules.teams - rules.size_tolerance)
    high = math.floor(total / rules.teams + rules.size_tolerance)
    for t in range(rules.teams):
        members = [e for i, e in enumerate(cohort.establishments) if unit_team[i] == t]
        if not members:
            expected.add(("teams", t + 1))
            continue
        size = sum(len(cohort.nominees[e.id]) for e in members)
        if not low <= size <= high:
            expected.add(("team_size", t + 1))
        if len(members) > rules.schools_per_facilitator:  # one facilitator supports them all
            expected.add(("team_establishments", t + 1))
        if len({e.sector for e in members}) < rules.min_sectors:
            expected.add(("min_sectors", t + 1))
        authorities = Counter(e.authority for e in members)
        if len(authorities) < rules.min_authorities:
            expected.add(("min_authorities", t + 1))
        if max(authorities.values()) > rules.max_authority_share * len(members):
            expected.add(("max_authority_share", t + 1))
    return expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=12, max_size=12))
def test_check_finds_exactly_the_breaches_an_independent_count_finds(unit_team):
    """Any split of twelve establishments into two teams: evaluator == hand count."""
    cohort = balanced_cohort(12)
    evaluation = check(cohort, RULES2, _assignment(cohort, unit_team))
    found = {(b.rule, b.team) for b in evaluation.breaches}
    assert found == _oracle(cohort, RULES2, unit_team)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1, 1), min_size=12, max_size=12))
def test_schools_not_yet_placed_count_in_no_team(unit_team):
    """A partial assignment (-1: the school is in no team yet, as on the matching event's
    board): each team is judged and scored on its placed schools alone."""
    cohort = balanced_cohort(12)
    index = {e.id: i for i, e in enumerate(cohort.establishments)}
    assignment = {
        p.id: unit_team[index[p.establishment_id]] + 1
        for p in cohort.practitioners
        if unit_team[index[p.establishment_id]] >= 0
    }
    evaluation = check(cohort, RULES2, assignment)
    found = {(b.rule, b.team) for b in evaluation.breaches if b.rule != "unassigned"}
    assert found == _oracle(cohort, RULES2, unit_team)
    unplaced = [p for p in cohort.practitioners if p.id not in assignment]
    assert sum(b.rule == "unassigned" for b in evaluation.breaches) == len(unplaced)
    problem = Problem.from_cohort(cohort, RULES2, "blend")
    placed = [i for i, t in enumerate(unit_team) if t >= 0]
    by_team = [[i for i in placed if unit_team[i] == t] for t in range(2)]
    for stats, members in zip(evaluation.teams, by_team, strict=True):
        assert stats.establishments == tuple(problem.unit_ids[i] for i in members)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["split", "missing", "bad_team", "unknown", "facilitator"]), st.integers(0, 11)
)
def test_check_finds_every_planted_breach(kind, which):
    """A breach planted into a valid assignment is reported under its rule."""
    cohort = balanced_cohort(12)
    valid = _assignment(cohort, [0] * 6 + [1] * 6)
    planted = dict(valid)
    links = None
    pid = f"E{which}-2"
    if kind == "split":
        planted[pid] = 3 - planted[pid]
        expected = "nominees_together"
    elif kind == "missing":
        del planted[pid]
        expected = "unassigned"
    elif kind == "bad_team":
        planted[pid] = 9
        expected = "teams"
    elif kind == "unknown":
        planted["nobody"] = 1
        expected = "unknown_practitioner"
    else:
        links = [("F1", 1)]
        expected = "facilitator_per_team"
    assert check(cohort, RULES2, valid).feasible
    rules_found = {b.rule for b in check(cohort, RULES2, planted, links).breaches}
    assert expected in rules_found


def test_authority_share_counts_establishments_not_people():
    """Two of four establishments from one authority is exactly half: allowed at share 0.5."""
    rows = [
        ("A", "primary", [[1, 2]]),
        ("A", "ELC", [[1, 2]]),
        ("B", "primary", [[3, 3]]),
        ("C", "ELC", [[2, 2]]),
    ]
    cohort = make_cohort(rows)
    rules = Rules(teams=1, min_establishments=0, size_tolerance=0)
    assert check(cohort, rules, _assignment(cohort, [0, 0, 0, 0])).feasible
    rows.append(("A", "primary", [[0, 0]]))
    cohort = make_cohort(rows)
    breaches = check(cohort, rules, _assignment(cohort, [0] * 5)).breaches_of("max_authority_share")
    assert len(breaches) == 1 and breaches[0].actual == 3 and breaches[0].limit == 2


def test_facilitator_supply_load_and_cover():
    """Supply per authority, a facilitator for every team, and the load cap are all checked."""
    cohort = make_cohort(
        [("A", "primary", [[1, 2]])] * 11 + [("B", "ELC", [[2, 1]])],
        facilitators=[("F1", "A"), ("F2", "B")],
    )
    rules = Rules(
        teams=2, min_establishments=0, min_authorities=1, max_authority_share=1.0, size_tolerance=12
    )
    evaluation = check(cohort, rules, _assignment(cohort, [0] * 11 + [1]), [("F1", 1)])
    rules_found = Counter(b.rule for b in evaluation.breaches)
    assert rules_found["facilitator_supply"] == 1  # A has 11 establishments: needs 2, has 1
    assert rules_found["facilitator_per_team"] == 1  # team 2 has nobody
    assert rules_found["facilitator_load"] == 1  # F1 supports 11 > 10


def test_participants_cap():
    """More participants than max_participants is a breach naming both numbers."""
    cohort = balanced_cohort(12)
    rules = Rules(teams=2, min_establishments=0, max_participants=20)
    breach = check(cohort, rules, _assignment(cohort, [0] * 6 + [1] * 6)).breaches_of(
        "max_participants"
    )
    assert breach and breach[0].actual == 24 and breach[0].limit == 20


def test_focus_objective_known_by_hand():
    """Two teams, two themes: the focus score is the members' ratings of the chosen theme."""
    rows = [
        ("A", "primary", [[5, 0]]),
        ("B", "ELC", [[4, 1]]),
        ("C", "primary", [[0, 5]]),
        ("D", "ELC", [[1, 3]]),
    ]
    cohort = make_cohort(rows)
    rules = Rules(teams=2, min_establishments=0, min_authorities=2, size_tolerance=0)
    problem = Problem.from_cohort(cohort, rules, "focus")
    evaluation = evaluate(problem, np.array([0, 0, 1, 1]))
    assert evaluation.feasible
    assert evaluation.team_focus == (0, 1)
    assert evaluation.objective == 5 + 4 + 5 + 3
    assert evaluation.focus_points == 17


def test_cohesion_is_sum_of_pair_similarities():
    """The unit-level cohesion equals the practitioner-level sum of centred cosines (to 0.001/pair)."""
    from clnmatch.problem import similarity

    cohort = balanced_cohort(12)
    problem = Problem.from_cohort(cohort, RULES2, "cohesion")
    unit_team = np.array([0] * 6 + [1] * 6)
    evaluation = evaluate(problem, unit_team)
    ratings = np.array([p.interests for p in cohort.practitioners], dtype=float)
    sim = similarity(ratings)
    team_of = np.array([unit_team[int(p.establishment_id[1:])] for p in cohort.practitioners])
    same = np.triu(team_of[:, None] == team_of[None, :], k=1)
    exact = float(sim[same].sum())
    assert evaluation.cohesion == pytest.approx(exact, abs=0.001 * same.sum())
    assert evaluation.objective == evaluation.cohesion


def test_objective_milli_matches_evaluation():
    """objective_milli (used by strategies) and evaluate agree exactly."""
    cohort = balanced_cohort(12)
    problem = Problem.from_cohort(cohort, RULES2, "blend")
    unit_team = np.array([0, 1] * 6)
    focus = problem.best_focus(unit_team)
    assert (
        objective_milli(problem, unit_team, focus) == evaluate(problem, unit_team).objective_milli
    )


def test_locks_are_checked():
    """Pins, forbidden teams, together and apart pairs are rules with their own names."""
    cohort = balanced_cohort(12)
    rules = Rules(
        teams=2,
        min_establishments=0,
        pins={"E0": 2},
        forbidden=(("E1", 1),),
        together=(("E2", "E8"),),
        apart=(("E3", "E4"),),
    )
    evaluation = check(cohort, rules, _assignment(cohort, [0] * 6 + [1] * 6))
    assert {b.rule for b in evaluation.breaches} == {"pin", "forbidden", "together", "apart"}


def test_theme_cap():
    """With max_teams_per_theme=1 the best focus gives each team a different theme."""
    rows = [
        ("A", "primary", [[5, 1]]),
        ("B", "ELC", [[5, 0]]),
        ("C", "primary", [[5, 2]]),
        ("D", "ELC", [[5, 3]]),
    ]
    cohort = make_cohort(rows)
    rules = Rules(
        teams=2, min_establishments=0, min_authorities=2, size_tolerance=0, max_teams_per_theme=1
    )
    problem = Problem.from_cohort(cohort, rules, "focus")
    evaluation = evaluate(problem, np.array([0, 0, 1, 1]))
    assert sorted(evaluation.team_focus) == [0, 1]
    assert evaluation.objective == 10 + 5  # team 1 keeps theme 0; team 2 gets theme 1 (2+3)
    forced = evaluate(problem, np.array([0, 0, 1, 1]), [0, 0])
    assert forced.breaches_of("max_teams_per_theme")


def test_check_refuses_team_numbers_given_as_text():
    """Teams as text (read from a CSV without int()) are a caller's slip named as such, not
    a breach per practitioner; a team out of range stays a breach."""
    cohort = generate_cohort(12, seed=0)
    rules = Rules(teams=2, min_establishments=0)
    with pytest.raises(InvalidParameterError, match="team numbers as ints.*Got '1'"):
        check(cohort, rules, {p.id: "1" for p in cohort.practitioners})
    ev = check(cohort, rules, {p.id: 3 for p in cohort.practitioners})
    assert {b.rule for b in ev.breaches} >= {"teams"}


def test_a_split_school_is_counted_in_each_team_by_its_people() -> None:
    """Two of a school's three nominees moved by hand: summary.json said team 1 had 15
    people and team 4 7, beside breaches saying 14 and 8 (a first-time lead officer)."""
    from clnmatch.generate import generate_cohort

    cohort = generate_cohort(12, seed=1, teams_hint=3)
    rules = Rules(teams=3, min_establishments=0)
    school = next(e for e in cohort.establishments if len(cohort.nominees[e.id]) > 1)
    order = [e.id for e in cohort.establishments]
    team_of = {e: 1 + k % 3 for k, e in enumerate(order)}
    assignment = {p.id: team_of[p.establishment_id] for p in cohort.practitioners}
    moved = cohort.nominees[school.id][0]
    other = team_of[school.id] % 3 + 1
    assignment[moved.id] = other
    evaluation = check(cohort, rules, assignment)
    people = Counter(assignment.values())
    for ts in evaluation.teams:
        assert ts.participants == people[ts.team]
        assert (school.id in ts.establishments) == (ts.team in (team_of[school.id], other))
    assert any(b.rule == "nominees_together" for b in evaluation.breaches)
