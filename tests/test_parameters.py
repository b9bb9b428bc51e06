"""Parameters are checked in one place: a bad value is an error naming it, never a fallback."""

from __future__ import annotations

import numpy as np
import pytest

from clnmatch.errors import InvalidParameterError
from clnmatch.parameters import Flag, Number, OneOf, Optional, SubsetOf
from clnmatch.problem import Problem
from clnmatch.strategies import Budget, available_strategies, get_strategy
from clnmatch.strategies.cpsat import CpSatStrategy
from clnmatch.strategies.cpsat_lns import CpSatLnsStrategy


def tiny() -> Problem:
    n = 4
    return Problem(
        unit_ids=tuple("abcd"),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(2, 2, dtype=np.int64),
        team_max=np.full(2, 2, dtype=np.int64),
        pair_milli=np.zeros((n, n), dtype=np.int64),
    )


@pytest.mark.parametrize(
    ("strategy", "name", "value", "choices"),
    [
        (CpSatStrategy, "focus_form", "zz", "'auto', 'z', 'zv', 'v', 'compact'"),
        (CpSatStrategy, "pair_terms", "al", "'auto', 'all', 'none'"),
        (CpSatLnsStrategy, "focus_form", "Z", "'auto', 'z', 'zv', 'v', 'compact'"),
        (CpSatLnsStrategy, "operators", ("random", "wrst"), "'random', 'related', 'worst'"),
    ],
)
def test_a_misspelt_choice_is_refused_listing_the_choices(strategy, name, value, choices) -> None:
    """No silent fallback: a value outside the choices fails, and the message lists them."""
    with pytest.raises(
        InvalidParameterError, match=f"'{name}' parameter of {strategy.__name__}"
    ) as info:
        strategy(**{name: value}).run(tiny(), Budget(time_limit=1, seed=0))
    assert choices in str(info.value) and repr(value) in str(info.value)


def test_every_strategy_declares_what_it_checks() -> None:
    """Every registered strategy with parameters declares their constraints, each of which
    covers one of its constructor's parameters."""
    import inspect

    for name in available_strategies():
        strategy = get_strategy(name)
        parameters = set(inspect.signature(type(strategy)).parameters)
        declared = set(getattr(strategy, "PARAMETERS", {}))
        assert declared == parameters, name


def test_constraints_say_what_they_expect() -> None:
    """The words of the one message shape."""
    assert Number(0, open_low=True).expected == "a finite number > 0"
    assert Number(1, integer=True).expected == "an int >= 1"
    assert Number(0, 1, open_high=True).expected == "a finite number in [0, 1)"
    assert Optional(Number(0, integer=True)).expected == "an int >= 0 or None"
    assert OneOf(("a", "b")).expected == "one of 'a', 'b'"
    assert Flag().accepts(True) and not Flag().accepts(1)
    assert not Number(integer=True).accepts(True)  # a bool is not a number here
    assert not Number().accepts(float("nan"))
    assert SubsetOf(("x", "y")).accepts(["x"]) and not SubsetOf(("x",)).accepts("x")


@pytest.mark.parametrize(
    ("update", "said"),
    [
        ({"teams": 0}, "teams: Input should be greater than or equal to 1 (got 0)"),
        ({"max_authority_share": 7.0}, "max_authority_share: Input should be less than"),
        ({"pins": {"E0": 99}}, "establishment 'E0' is locked to team 99, but teams run 1..2"),
    ],
)
def test_rules_changed_without_their_checks_are_refused_by_name(update, said) -> None:
    """pydantic's model_copy(update=...) checks nothing: 0 teams divided by zero inside
    solve and check, a pin to team 99 was an IndexError, a share of 7 was taken."""
    from builders import make_cohort

    from clnmatch import check, rematch_teams, solve
    from clnmatch.models import Rules

    cohort = make_cohort([("A", "primary", [[5, 1]]), ("B", "secondary", [[1, 5]])] * 2)
    rules = Rules(teams=2, min_establishments=0, min_authorities=1).model_copy(update=update)
    calls = [
        lambda: solve(cohort, rules, strategy="greedy", time_limit=2),
        lambda: check(cohort, rules, {p.id: 1 for p in cohort.practitioners}),
        lambda: rematch_teams(cohort, {"E0": 1, "E1": 2, "E2": 1, "E3": 2}, rules=rules),
    ]
    for call in calls:
        with pytest.raises(InvalidParameterError, match="must be Rules whose settings") as caught:
            call()
        assert said in str(caught.value) and "model_copy(update=...) does not" in str(caught.value)
