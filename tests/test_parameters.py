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
