"""Re-matches and re-optimises when facilitators are fewer than teams (two teams share one)."""

from __future__ import annotations

import importlib

from builders import make_cohort

from clnmatch.evaluate import check
from clnmatch.models import Cohort, Rules
from clnmatch.rematch import rematch_teams

solve = importlib.import_module("clnmatch.solve").solve

# three teams, two facilitators of at most 4 establishments: two teams share one
RULES = Rules(
    teams=3,
    schools_per_facilitator=4,
    min_establishments=0,
    min_authorities=1,
    max_authority_share=1.0,
    size_tolerance=4,
)
# team 1: E0 primary, E1 secondary; team 2: E2 primary, E3 secondary;
# team 3: E4 primary, E5 secondary, E6 special
PREVIOUS = {"E0": 1, "E1": 1, "E2": 2, "E3": 2, "E4": 3, "E5": 3, "E6": 3}


def shared_cohort() -> Cohort:
    sectors = ("primary", "secondary", "primary", "secondary", "primary", "secondary", "special")
    authorities = ("A", "B", "A", "B", "A", "B", "A")
    rows = [
        (a, s, [[(i + k) % 6, (2 * i + k) % 6] for k in range(2)])
        for i, (a, s) in enumerate(zip(authorities, sectors, strict=True))
    ]
    return make_cohort(rows, facilitators=(("F1", "A"), ("F2", "B")))


def test_a_withdrawal_from_a_shared_team_is_restored_with_one_move() -> None:
    """E1 leaves team 1 with one sector. Moving E6 (special) in restores every rule, and
    the facilitators still share the teams (2 + 2 and 2). Caps taken from the previous
    teams left team 1 room for one establishment only: stage 1 was 'infeasible' and the
    teams were left broken (seen on the day, with 7 facilitators for 8 teams)."""
    cohort = shared_cohort()
    assert check(cohort, RULES, _people(cohort, PREVIOUS)).feasible
    result = rematch_teams(cohort, PREVIOUS, ["E1"], rules=RULES, time_limit=5, prove=False)
    assert result.feasible
    assert [m.establishment_id for m in result.moves] == ["E6"]
    assert result.moves_proven_minimal
    assert check(result.cohort, RULES, result.assignment, result.facilitator_links).feasible


def test_a_re_optimise_from_a_board_that_breaks_a_rule_finds_teams() -> None:
    """A hand move left team 1 with one sector: caps from that board cannot be met, and the
    rules alone gave teams the facilitators cannot share; the even caps can."""
    cohort = shared_cohort()
    board = {**PREVIOUS, "E1": 2}
    result = solve(cohort, RULES, time_limit=5, seed=0, warm_start=board)
    assert result.feasible
    assert check(cohort, RULES, result.assignment, result.facilitator_links).feasible


def _people(cohort: Cohort, teams: dict[str, int]) -> dict[str, int]:
    return {p.id: teams[p.establishment_id] for p in cohort.practitioners}


def test_a_rematch_to_one_team_fewer_allocates_the_gone_teams_facilitators_again() -> None:
    """rematch(result, rules=Rules(teams=7)) of an 8-team result kept the facilitators of
    team 8 linked to it: status unknown, no teams, whatever the time (a library user)."""
    from clnmatch import rematch
    from clnmatch.generate import generate_cohort

    cohort = generate_cohort(44, seed=0, teams_hint=8)
    assert cohort.facilitators
    before = solve(cohort, Rules(teams=8), strategy="greedy", time_limit=5, seed=0)
    assert before.feasible and any(t == 8 for _, t in before.facilitator_links)
    after = rematch(before, rules=Rules(teams=7), time_limit=10, seed=0)
    assert after.feasible, (after.status, after.notes)
    assert {t for _, t in after.facilitator_links} == set(range(1, 8))
    assert check(cohort, Rules(teams=7), after.assignment, after.facilitator_links).feasible
