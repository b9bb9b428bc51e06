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
    assert "Got {'teams': 8} instead." in str(err.value)


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


def test_every_public_call_names_a_wrong_argument(cohort, tmp_path) -> None:
    """check, rematch, explain, write_result and solve's progress fail with
    InvalidParameterError naming the parameter, never an AttributeError from inside."""
    from clnmatch import check, explain, rematch
    from clnmatch.publish import write_result

    calls = {
        "rules": lambda: check(cohort, {"teams": 3}, {}),  # type: ignore[arg-type]
        "cohort": lambda: check(None, None, {}),  # type: ignore[arg-type]
        "assignment": lambda: check(cohort, None, [1, 2]),  # type: ignore[arg-type]
        "facilitator_links": lambda: check(cohort, None, {}, ["F01"]),  # type: ignore[list-item]
        "previous": lambda: rematch(None),  # type: ignore[arg-type]
        "result": lambda: explain(None),  # type: ignore[arg-type]
        "progress": lambda: solve(cohort, Rules(teams=3), progress=5),  # type: ignore[arg-type]
    }
    for name, call in calls.items():
        with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter"):
            call()
    with pytest.raises(InvalidParameterError, match="The 'result' parameter of write_result"):
        write_result(None, tmp_path / "out")  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_a_result_without_teams_is_not_written(tmp_path) -> None:
    """An infeasible result has no teams: write_result refuses it and writes nothing (its
    rosters would list everyone in no team)."""
    from clnmatch.publish import write_result

    impossible = solve(hand_cohort(), Rules(teams=40), time_limit=2)
    assert not impossible.assignment
    with pytest.raises(InvalidParameterError, match="a Result with teams"):
        write_result(impossible, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_hand_set_focus_must_be_a_theme_of_a_team() -> None:
    """check(team_focus=...) with a theme the cohort lacks is named; links may come from a
    generator (read once)."""
    from clnmatch import check

    cohort = hand_cohort()
    with pytest.raises(InvalidParameterError, match="'Basket weaving'"):
        check(cohort, Rules(teams=3), {}, team_focus={1: "Basket weaving"})
    solved = solve(cohort, Rules(teams=3), strategy="greedy", time_limit=2)
    links = solved.facilitator_links
    as_list = check(cohort, Rules(teams=3), solved.assignment, list(links))
    as_generator = check(cohort, Rules(teams=3), solved.assignment, (x for x in links))
    assert as_generator.breaches == as_list.breaches


def test_apart_names_two_establishments() -> None:
    """apart=((e, e),) is refused when the rules are made (it crashed solve)."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="names one twice"):
        Rules(apart=(("E00", "E00"),))


def test_a_table_of_people_passed_by_mistake_is_not_copied_into_the_message() -> None:
    """A DataFrame where a Cohort belongs: the message names its type, not its rows."""
    import pandas as pd

    frame = pd.DataFrame({"name": ["Ann Example"], "email": ["ann@example.org"]})
    with pytest.raises(InvalidParameterError) as err:
        solve(frame)  # type: ignore[arg-type]
    assert "a DataFrame" in str(err.value) and "example.org" not in str(err.value)
