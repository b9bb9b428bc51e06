"""solve() checks what it is given: a Cohort, a Rules, and a warm start it can use.

Before these checks ``solve(cohort, {"teams": 8})`` ended in a raw AttributeError deep
inside, and a warm start naming unknown establishments was ignored silently.
"""

from __future__ import annotations

import re

import pytest
from test_report_html import hand_cohort

from clnmatch import InvalidParameterError, Rules, solve
from clnmatch.solve import check_solve_inputs


@pytest.fixture(scope="module")
def cohort():
    return hand_cohort()


def test_rules_as_a_dict_is_named(cohort) -> None:
    """A dict of settings for rules raises InvalidParameterError naming 'rules' and its type."""
    with pytest.raises(
        InvalidParameterError, match=r"The 'rules' parameter of solve must be a Rules"
    ) as err:
        solve(cohort, {"teams": 8})  # type: ignore[arg-type]
    assert "Got {'teams': 8} (a dict) instead." in str(err.value)


@pytest.mark.parametrize("bad", ["survey.csv", None, 42, [1, 2]])
def test_a_cohort_that_is_not_a_cohort_is_named(bad: object) -> None:
    """A path, None or anything else for cohort names 'cohort' and how to build one."""
    with pytest.raises(
        InvalidParameterError, match=r"'cohort' parameter of solve must be a Cohort"
    ):
        solve(bad)  # type: ignore[arg-type]


def test_warm_start_unknown_ids_and_teams_out_of_range_are_listed(cohort) -> None:
    """Every unknown establishment id and every team outside 1..T is listed, none ignored."""
    warm = {"E00": 1, "NOPE": 2, "E01": 4, "E02": 0, "ALSO-NOPE": 1}
    with pytest.raises(InvalidParameterError) as err:
        solve(cohort, Rules(teams=3), warm_start=warm, time_limit=1)
    message = str(err.value)
    assert message.startswith("The 'warm_start' parameter of solve must be")
    assert "unknown establishment ids ['ALSO-NOPE', 'NOPE']" in message
    assert re.search(r"teams out of range \{'E01': 4, 'E02': 0\}", message)
    with pytest.raises(InvalidParameterError, match="warm_start"):
        check_solve_inputs(cohort, None, [("E00", 1)])
    with pytest.raises(InvalidParameterError, match="teams out of range"):
        check_solve_inputs(cohort, Rules(teams=3), {"E00": True})


def test_a_good_warm_start_is_accepted(cohort) -> None:
    """A warm start over known establishments and teams 1..T passes the check and solves."""
    warm = {f"E{i:02d}": i % 3 + 1 for i in range(12)}
    check_solve_inputs(cohort, Rules(teams=3), warm)
    result = solve(cohort, Rules(teams=3), strategy="greedy", warm_start=warm, time_limit=2)
    assert result.status in ("optimal", "feasible")
