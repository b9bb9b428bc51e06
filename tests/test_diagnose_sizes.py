"""Counting facilitators against team sizes made of whole establishments: a team of
pairs holds an even number, and few schools of an odd number of nominees make few teams
of an odd size (lead officer and re-testers' cohorts)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from builders import make_cohort
from test_diagnose import AUTHORITIES, PAIR, SECTORS, _diagnose, _only

from clnmatch.diagnose import _largest_team
from clnmatch.models import Rules


def test_teams_of_pairs_hold_an_even_number_when_facilitators_are_counted():
    """45 schools of two and six facilitators (the supply rule's number) for eight teams
    of 9-13 (a lead officer's Google Forms cohort): a team of pairs holds 12 at most, so
    the four teams two facilitators share (10 establishments each) and four teams of 12
    hold 88 of the 90. Counting 13 let it through, and the solve failed after its search
    with exit 1 ('other teams may allow it')."""
    rows = [(AUTHORITIES[i % 3], SECTORS[i % 3], PAIR) for i in range(45)]
    facs = [(f"F{i}", AUTHORITIES[i % 3]) for i in range(6)]
    conflict = _only(_diagnose(make_cohort(rows, facilitators=facs), Rules()))
    assert conflict.rules == ("facilitator_per_team", "facilitator_load", "team_size")
    assert (conflict.actual, conflict.limit) == (88, 90)
    assert conflict.message.endswith("(a team holds at most 12)")
    assert conflict.suggestion == (
        "add 1 facilitator or lower teams to 6 or raise schools_per_facilitator"
    )


def test_few_schools_of_an_odd_number_make_few_teams_of_an_odd_size() -> None:
    """44 schools of two and one of three (91 people), six facilitators, eight teams of
    9-13 (the re-tester): one team at most holds 13, and the school of three is then not
    in the four shared teams: 49 + 40, or 48 + 41 with it shared: 89 of 91. Counting 13
    for each let it through, and so did two schools of three (90 of 92, a second
    re-tester) while the three was counted in both."""
    triple = [[1, 2], [3, 4], [5, 1]]
    rows = [(AUTHORITIES[i % 3], SECTORS[i % 3], PAIR) for i in range(44)]
    facs = [(f"F{i}", AUTHORITIES[i % 3]) for i in range(6)]
    conflict = _only(_diagnose(make_cohort([*rows, (AUTHORITIES[0], SECTORS[0], triple)],
                                           facilitators=facs), Rules()))  # fmt: skip
    assert (conflict.actual, conflict.limit) == (89, 91)
    assert "an odd number only with one of the 1 establishment(s)" in conflict.message
    two = [*rows[:43], (AUTHORITIES[0], SECTORS[0], triple), (AUTHORITIES[1], SECTORS[1], triple)]
    conflict = _only(_diagnose(make_cohort(two, facilitators=facs), Rules()))
    assert (conflict.actual, conflict.limit) == (90, 92)


@pytest.mark.parametrize(
    ("weights", "limit", "largest"),
    [([2] * 10, 13, 12), ([3] * 10, 13, 12), ([2] * 5 + [3], 13, 13), ([2, 2], 13, 4)],
)
def test_largest_team_is_a_sum_of_establishments_within_the_limit(weights, limit, largest):
    problem = SimpleNamespace(team_max=np.array([limit]), unit_weight=np.array(weights))
    assert _largest_team(problem) == largest
