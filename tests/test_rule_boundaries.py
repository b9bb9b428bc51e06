"""Rules at their exact edges, where a test auditor's planted mutations went unnoticed.

Each case is one a hand-made mutation survived (the whole suite passed with the code
wrong): a facilitator id not in the table, a team one past the last, a breakout room
one past the last, 101 participants under a cap of 100, SIMD quintile 2, a bound one
point above the objective, a lock on the school a repair would otherwise move, and a
facilitator cap one below a team's largest size in the CP-SAT model.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from builders import balanced_cohort, make_cohort
from test_event_engine import new_event

from clnmatch import solve
from clnmatch.breakouts import BreakoutProblem, BreakoutRules, Person, Roster, evaluate_schedule
from clnmatch.diagnose import diagnose
from clnmatch.evaluate import check, evaluate
from clnmatch.finish import status_for
from clnmatch.models import Rules
from clnmatch.problem import Problem
from clnmatch.result import Status

LOOSE = Rules(
    teams=2, min_establishments=0, min_authorities=1, max_authority_share=1.0, size_tolerance=12
)
PAIR_ASSIGNMENT = {"E0-1": 1, "E2-1": 1, "E1-1": 2, "E3-1": 2}


def _four_schools() -> object:
    rows = [("A", "primary", [[1, 2]])] * 2 + [("B", "ELC", [[2, 1]])] * 2
    return make_cohort(rows, facilitators=[("F1", "A"), ("F2", "B")])


def _rules_broken(evaluation: object) -> Counter[str]:
    return Counter(b.rule for b in evaluation.breaches)  # type: ignore[attr-defined]


def test_a_facilitator_id_not_in_the_table_is_a_breach() -> None:
    """'F9', a typo for a facilitator in facilitators.csv, passed check (exit 0) and
    counted as team 2's facilitator."""
    cohort = _four_schools()
    fine = check(cohort, LOOSE, PAIR_ASSIGNMENT, [("F1", 1), ("F2", 2)])
    assert fine.feasible, fine.breaches
    typo = check(cohort, LOOSE, PAIR_ASSIGNMENT, [("F1", 1), ("F9", 2)])
    assert "unknown_facilitator" in _rules_broken(typo) and not typo.feasible


def test_a_facilitator_linked_to_the_team_past_the_last_is_a_breach() -> None:
    """Team 3 of 2 in facilitators.csv passed check."""
    links = [("F1", 1), ("F2", 2), ("F2", 3)]
    assert "teams" in _rules_broken(check(_four_schools(), LOOSE, PAIR_ASSIGNMENT, links))


def test_a_unit_in_the_team_past_the_last_is_a_breach() -> None:
    """A strategy answering team T (0-based: team T+1 of T) passed the one evaluator."""
    problem = Problem.from_cohort(balanced_cohort(12), Rules(teams=2, min_establishments=0))
    assert evaluate(problem, np.array([0] * 6 + [1] * 6)).feasible
    past = evaluate(problem, np.array([2] + [0] * 5 + [1] * 6))
    assert "teams" in _rules_broken(past) and not past.feasible


def test_a_person_in_the_room_past_the_last_breaks_one_room_each_round() -> None:
    """Room 3 of 2 in a schedule was judged feasible; so were 8 people in one of 2 rooms
    only through the sizes rule."""
    roster = Roster(tuple(Person(f"p{i}") for i in range(8)), ())
    problem = BreakoutProblem.build(roster, BreakoutRules(rounds=1, rooms=2))

    def broken(row: list[int]) -> Counter[str]:
        return _rules_broken(evaluate_schedule(problem, np.array([row], dtype=np.int32)))

    assert not broken([0, 0, 0, 0, 1, 1, 1, 1])
    assert "one_room_each_round" in broken([0, 0, 0, 0, 1, 1, 1, 2])
    assert "room_sizes" in broken([0] * 8)


@pytest.mark.parametrize(("people", "refused"), [(101, True), (100, False)])
def test_the_participant_cap_is_diagnosed_at_its_edge(people: int, refused: bool) -> None:
    """101 participants under a cap of 100 searched, then ended 'unknown' (exit 1) instead
    of the clear refusal (exit 3); 100 are allowed."""
    authorities, sectors = "ABCDEFGH", ("primary", "secondary", "ELC")
    schools = people // 2 + people % 2
    rows = [
        (
            authorities[i % 8],
            sectors[i % 3],
            [[1, 2]] if i == 0 and people % 2 else [[1, 2], [2, 1]],
        )
        for i in range(schools)
    ]
    cohort = make_cohort(rows)
    assert cohort.n_participants == people
    rules = Rules()
    diagnosis = diagnose(Problem.from_cohort(cohort, rules), cohort, rules)
    said = [c.message for c in diagnosis.conflicts if c.rules == ("max_participants",)]
    expected = [f"the cohort has {people} participants; at most 100 are allowed"]
    assert said == (expected if refused else [])


def test_simd_quintile_two_is_a_challenge_area() -> None:
    """docs/objectives.md: challenge is SIMD 1-2. Quintile 2 with 4 and with 5: two mixed
    teams (a mutation reading challenge as 1 alone made it none, and halved the term)."""
    rows = [("A", "primary", [[1, 2]]), ("B", "ELC", [[2, 1]])]
    rows += [("C", "primary", [[1, 2]]), ("D", "ELC", [[2, 1]])]
    cohort = make_cohort(rows, simd=[2, 4, 2, 5])
    rules = Rules(teams=2, min_establishments=0, min_authorities=2)
    mixed = check(cohort, rules, {"E0-1": 1, "E1-1": 1, "E2-1": 2, "E3-1": 2})
    assert mixed.feasible and mixed.simd_mixed_teams == 2


def test_an_simd_mix_some_establishments_lack_is_left_out_and_said() -> None:
    """One establishment without a quintile: the score rightly left the SIMD mix out, but
    the report's sentence added a part for it (the parts summed to 78.3 for a score of
    76.3: a statistician), and nothing said it was left out."""
    from clnmatch.cohort_summary import cohort_warnings
    from clnmatch.problem import ObjectiveWeights
    from clnmatch.report.words import score_sentence
    from clnmatch.solve import solve

    rows = [("A", "primary", [[1, 2]]), ("B", "ELC", [[2, 1]])]
    rows += [("C", "primary", [[1, 2]]), ("D", "ELC", [[2, 1]])]
    cohort = make_cohort(rows, simd=[2, 4, None, 5])  # type: ignore[list-item]
    rules = Rules(teams=2, min_establishments=0, min_authorities=2)
    assert (
        check(cohort, rules, {"E0-1": 1, "E1-1": 1, "E2-1": 2, "E3-1": 2}).simd_mixed_teams is None
    )
    result = solve(cohort, rules, strategy="greedy", time_limit=5, seed=0)
    (note,) = [n for n in result.notes if n.startswith("the SIMD mix is not in the score")]
    assert "1 of 4 establishments have no SIMD quintile (simd_quintile): E2 (" in note
    assert "deprived" not in score_sentence(result)
    # said where a lead officer reads first too: inspect's and solve's warnings
    (warned,) = [w for w in cohort_warnings(cohort, rules) if "SIMD quintile" in w]
    assert warned.startswith("1 of 4 establishments have no SIMD quintile (School 2 (E2))")
    # a caller's own weights on a survey with no location at all: said too
    custom = solve(cohort, rules, objective=ObjectiveWeights(travel=1), strategy="greedy",
                   time_limit=5, seed=0)  # fmt: skip
    assert "travel is not in the score: no establishment has a location" in " ".join(custom.notes)
    assert not any(n.startswith("travel") for n in result.notes)  # blend's own: not said


def test_optimal_means_the_bound_is_met_not_nearly_met() -> None:
    assert status_for(True, 100_000, 100_000, False) is Status.OPTIMAL
    assert status_for(True, 99_999, 100_000, False) is Status.FEASIBLE
    assert status_for(True, 99_999, 100_000, True) is Status.OPTIMAL  # a proof stands
    assert status_for(False, 100_000, 100_000, True) is Status.BREACHES


@pytest.mark.parametrize("locked", ["E1", "E2"])
def test_a_withdrawal_repair_keeps_whichever_school_is_locked(tmp_path: Path, locked: str) -> None:
    """E4 leaves team 2 without a second sector; E1 or E2 must move. The lock was tested
    on E1 only, and E2 is the school the repair moves anyway: a repair ignoring locks
    passed. Locked E2 must stay; then E1 moves."""
    event = new_event(tmp_path)
    event.set_lock(locked, True)
    view = event.withdraw("E4", time_limit=5)
    assert view.evaluation.feasible
    assert view.state.teams[locked] == 1
    other = "E2" if locked == "E1" else "E1"
    assert view.state.teams[other] == 2
    event.close()


def test_cpsat_keeps_a_facilitator_cap_one_below_the_largest_team() -> None:
    """16 one-nominee schools in 2 teams of 6-10, at most 9 schools a facilitator: a CP-SAT
    model that dropped the cap one size too early answered an assignment breaking it, and
    solve returned no teams for a cohort that has them."""
    authorities, sectors = "ABCD", ("primary", "secondary", "ELC")
    rows = [
        (authorities[i % 4], sectors[i % 3], [[5 if i < 10 else 0, 0 if i < 10 else 5]])
        for i in range(16)
    ]
    cohort = make_cohort(rows, themes=("Literacy", "Numeracy"))
    rules = Rules(
        teams=2, min_establishments=0, min_authorities=2, max_authority_share=1.0,
        schools_per_facilitator=9,
    )  # fmt: skip
    result = solve(cohort, rules, objective="focus", strategy="cpsat", time_limit=20, seed=0)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE), result.notes
    sizes = Counter(result.establishment_team().values())
    assert max(sizes.values()) <= 9


def test_breach_messages_speak_the_reports_words() -> None:
    """ "allowed 11..14" and "(share 0.5)" reached the room's page and the terminal: a
    plain-language reviewer asked for the report's "11 to 14" and "half"."""
    from fractions import Fraction

    from clnmatch.rules.spec import RULE_TABLE

    shapes = {shape.name: shape for shape in RULE_TABLE}
    size = shapes["team_size"].message  # type: ignore[attr-defined]
    assert size(1, 10, 11, 14) == "team 1 has 10 participants; allowed 11 to 14"
    assert size(1, 10, 12, 12) == "team 1 has 10 participants; allowed 12"
    share = shapes["max_authority_share"].message  # type: ignore[attr-defined]
    said = share(1, "Glasgow City", 3, 5, 2, Fraction(1, 2))
    assert said == "team 1: Glasgow City holds 3 of 5 establishments; at most 2 (half of them)"
    assert share(1, "Inverclyde", 3, 5, 2, Fraction(2, 5)).endswith("(40% of them)")
