"""Explanations by delta evaluation give the evaluator's numbers, move by move.

``clnmatch.explain_deltas`` computes every move's objective change and new breaches from
team totals; these tests re-run ``clnmatch.evaluate.evaluate`` on every moved assignment
of random cohorts (random sizes, sectors, authorities, nominees, SIMD, rules and locks,
and assignments that already break rules, empty teams included) and compare.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from builders import make_cohort
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_explain import RULES, TEAMS, hand_result, sector_cohort

from clnmatch.evaluate import check, evaluate
from clnmatch.explain import ExplainTimeout, explain
from clnmatch.explain_deltas import (
    FacilitatorLoads,
    MoveBreaches,
    MoveDeltas,
    breach_key,
    move_deltas,
)
from clnmatch.models import Cohort, Facilitator, Rules
from clnmatch.problem import Problem

AUTHORITIES = ("Glasgow City", "Inverclyde", "East Renfrewshire", "Renfrewshire")
SECTORS = ("primary", "secondary", "ELC", "special")


@st.composite
def cases(draw: st.DrawFn) -> tuple[Problem, np.ndarray, np.ndarray]:
    """A random cohort, rules with locks, an assignment (perhaps breaking rules) and focus."""
    n = draw(st.integers(3, 11))
    teams = draw(st.integers(2, 4))
    rows = []
    for _ in range(n):
        nominees = draw(st.integers(1, 3))
        ratings = [[draw(st.integers(0, 5)) for _ in range(3)] for _ in range(nominees)]
        rows.append((draw(st.sampled_from(AUTHORITIES)), draw(st.sampled_from(SECTORS)), ratings))
    simd = draw(st.one_of(st.none(), st.lists(st.integers(1, 5), min_size=n, max_size=n)))
    cohort: Cohort = make_cohort(rows, themes=("Literacy", "Numeracy", "Play"), simd=simd)
    ids = [e.id for e in cohort.establishments]
    locked = draw(st.lists(st.sampled_from(ids), max_size=4, unique=True))
    pins = {e: draw(st.integers(1, teams)) for e in locked[:2]}
    forbidden = tuple((e, draw(st.integers(1, teams))) for e in locked[2:])
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    together = tuple(draw(st.lists(pair, max_size=2)))
    apart = tuple(p for p in draw(st.lists(pair, max_size=2)) if p not in together)
    rules = Rules(
        teams=teams,
        min_establishments=0,
        min_sectors=draw(st.integers(1, 3)),
        min_authorities=draw(st.integers(1, 3)),
        max_authority_share=draw(st.sampled_from([0.34, 0.5, 0.67, 1.0])),
        size_tolerance=draw(st.integers(0, 3)),
        max_teams_per_theme=draw(st.one_of(st.none(), st.integers(1, 2))),
        pins=pins,
        forbidden=forbidden,
        together=together,
        apart=apart,
    )
    objective = draw(st.sampled_from(["blend", "focus", "cohesion"]))
    problem = Problem.from_cohort(cohort, rules, objective)
    unit_team = np.array(draw(st.lists(st.integers(0, teams - 1), min_size=n, max_size=n)))
    focus = np.array(draw(st.lists(st.integers(0, 2), min_size=teams, max_size=teams)))
    return problem, unit_team.astype(np.int64), focus.astype(np.int64)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_move_matches_the_evaluator(case: tuple[Problem, np.ndarray, np.ndarray]) -> None:
    """For every establishment and team: objective change, new-breach count and the new
    breaches themselves (in order) are exactly what evaluate says of the moved assignment."""
    problem, unit_team, focus = case
    base = evaluate(problem, unit_team, focus)
    known = {breach_key(b) for b in base.breaches}
    moves = MoveBreaches(problem, unit_team, known)
    counts = moves.counts_all()
    delta = move_deltas(problem, unit_team)
    chosen = evaluate(problem, unit_team)  # each team's focus chosen again, as the event does
    for u in range(problem.n_units):
        for t in range(problem.n_teams):
            moved = unit_team.copy()
            moved[u] = t
            after = evaluate(problem, moved, focus)
            new = [b for b in after.breaches if breach_key(b) not in known]
            again = evaluate(problem, moved).objective_milli - chosen.objective_milli
            assert delta[u, t] == again, (u, t)
            assert counts[u, t] == len(new), (u, t, new)
            assert moves.breaches(u, t) == new
    lazy = MoveDeltas(problem, unit_team)  # bounds made exact only where a best move needs it
    for u in range(problem.n_units):
        others = np.array([t for t in range(problem.n_teams) if t != unit_team[u]])
        if others.size:
            want = others[np.lexsort((others, -delta[u, others], counts[u, others]))[0]]
            assert lazy.best(u, others, counts[u]) == want
            assert lazy.refine(u, int(want)) == delta[u, want]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_moves_facilitator_loads_match_the_evaluator(data: st.DataObject) -> None:
    """A move whose team joined has a facilitator near the limit: the load breaches it adds
    (the report said such a move "would break no rule") are exactly the evaluator's new
    ones, with the links kept; the counts agree."""
    n, teams = data.draw(st.integers(2, 9)), data.draw(st.integers(2, 4))
    rows = [(AUTHORITIES[i % 4], SECTORS[i % 4], [[1, 2, 3]]) for i in range(n)]
    schools = make_cohort(rows, themes=("Literacy", "Numeracy", "Play"))
    staff = tuple(Facilitator(id=f"F{k}", name=f"F{k}", authority=AUTHORITIES[k]) for k in range(3))
    cohort = schools.model_copy(update={"facilitators": staff})
    link = st.tuples(st.sampled_from([f.id for f in staff]), st.integers(1, teams))
    links = data.draw(st.lists(link, min_size=1, max_size=6))
    rules = Rules(
        teams=teams, min_establishments=0, schools_per_facilitator=data.draw(st.integers(1, 4))
    )
    unit_team = np.array(data.draw(st.lists(st.integers(0, teams - 1), min_size=n, max_size=n)))
    ids = [e.id for e in cohort.establishments]

    def load_breaches(team_of: np.ndarray) -> list[object]:
        assignment = {
            p.id: int(team_of[ids.index(p.establishment_id)]) + 1 for p in cohort.practitioners
        }
        found = check(cohort, rules, assignment, links).breaches
        return [b for b in found if b.rule == "facilitator_load"]

    loads = FacilitatorLoads(links, unit_team, teams, rules.schools_per_facilitator)
    counts = loads.counts_all()
    known = {breach_key(b) for b in load_breaches(unit_team)}  # type: ignore[arg-type]
    for u in range(n):
        for t in range(teams):
            moved = unit_team.copy()
            moved[u] = t
            new = [b for b in load_breaches(moved) if breach_key(b) not in known]  # type: ignore[arg-type]
            assert sorted(loads.breaches(u, t), key=str) == sorted(new, key=str), (u, t)
            assert counts[u, t] == len(new)


def test_sector_example_counts() -> None:
    """The hand-made cohort of test_explain: E4 leaving team 2 breaks min_sectors there."""
    result = hand_result(sector_cohort(), RULES, TEAMS)
    problem = Problem.from_cohort(result.cohort, RULES)
    unit_team = np.array([TEAMS[uid] - 1 for uid in problem.unit_ids], dtype=np.int64)
    moves = MoveBreaches(problem, unit_team, set())
    e4 = problem.unit_ids.index("E4")
    assert [b.rule for b in moves.home_breaches(e4)] == ["min_sectors"]
    assert moves.counts_all()[e4, 0] == 1


def test_a_passed_deadline_stops_explaining() -> None:
    """explain raises ExplainTimeout when its deadline has passed (no partial answer)."""
    result = hand_result(sector_cohort(), RULES, TEAMS)
    with pytest.raises(ExplainTimeout):
        explain(result, deadline=time.perf_counter() - 1)
    assert len(explain(result, deadline=time.perf_counter() + 600)) == len(TEAMS)
