"""Parameters checked in one place, with one message shape (as scikit-learn does).

Each strategy declares its parameters' constraints (``PARAMETERS``); ``check`` refuses a
value it cannot take with ``InvalidParameterError``: "The 'focus_form' parameter of
CpSatStrategy must be one of 'auto', 'z', 'zv', 'v', 'compact'. Got 'zz' instead." A
value outside the choices is always an error, never a fallback to a default. ``solve``
and every command check theirs through the same constraints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError

from clnmatch.errors import InvalidParameterError
from clnmatch.models import Cohort, Rules

__all__ = [
    "Constraint",
    "Flag",
    "Number",
    "OneOf",
    "Optional",
    "SubsetOf",
    "Test",
    "check",
    "check_cohort_and_rules",
    "check_value",
]


class Constraint:
    """What one parameter may be: ``accepts(value)`` and its words for the message."""

    expected: str

    def accepts(self, value: object) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class Number(Constraint):
    """An int (``integer``) or a real number in [low, high] (``open_low``: low excluded)."""

    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    open_low: bool = False
    open_high: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        kind = "an int" if self.integer else "a finite number"
        lo, hi = _bound(self.low), _bound(self.high)
        if self.low == -math.inf and self.high == math.inf:
            return kind
        if self.high == math.inf:
            return f"{kind} {'>' if self.open_low else '>='} {lo}"
        if self.low == -math.inf:
            return f"{kind} {'<' if self.open_high else '<='} {hi}"
        left, right = "(" if self.open_low else "[", ")" if self.open_high else "]"
        return f"{kind} in {left}{lo}, {hi}{right}"

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool):
            return False
        kinds: tuple[type, ...] = (int, np.integer) if self.integer else (int, float, np.number)
        if not isinstance(value, kinds) or not math.isfinite(float(value)):  # type: ignore[arg-type]
            return False
        v = float(value)  # type: ignore[arg-type]
        above = v > self.low if self.open_low else v >= self.low
        below = v < self.high if self.open_high else v <= self.high
        return above and below


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class OneOf(Constraint):
    """One of a few values."""

    choices: tuple[object, ...]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def accepts(self, value: object) -> bool:
        return any(value == c and type(value) is type(c) for c in self.choices)


@dataclass(frozen=True)
class SubsetOf(Constraint):
    """A non-empty collection of some of the choices."""

    choices: tuple[str, ...]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "a non-empty subset of " + ", ".join(repr(c) for c in self.choices)

    def accepts(self, value: object) -> bool:
        if isinstance(value, str) or not isinstance(value, Collection) or not value:
            return False
        return all(v in self.choices for v in value)


@dataclass(frozen=True)
class Flag(Constraint):
    """True or False."""

    expected: str = "True or False"

    def accepts(self, value: object) -> bool:
        return isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class Optional(Constraint):
    """None, or what ``inner`` accepts."""

    inner: Constraint

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"{self.inner.expected} or None"

    def accepts(self, value: object) -> bool:
        return value is None or self.inner.accepts(value)


@dataclass(frozen=True)
class Test(Constraint):
    """Whatever ``test`` accepts (described by ``expected``)."""

    expected: str
    test: Callable[[object], bool]

    def accepts(self, value: object) -> bool:
        try:
            return bool(self.test(value))
        except (TypeError, ValueError):
            return False


def check_value(name: str, owner: str, constraint: Constraint, value: object) -> None:
    """Refuse ``value`` for parameter ``name`` of ``owner`` unless ``constraint`` accepts it."""
    if not constraint.accepts(value):
        raise InvalidParameterError.for_value(name, owner, constraint.expected, value)


def check(owner: str, values: Mapping[str, object], constraints: Mapping[str, Constraint]) -> None:
    """Check every parameter of ``owner`` (e.g. a strategy's ``vars(self)``) in one place."""
    for name, constraint in constraints.items():
        check_value(name, owner, constraint, values.get(name))


def check_cohort_and_rules(cohort: object, rules: object, owner: str) -> None:
    """A Cohort and a Rules (or None): a DataFrame or a dict of settings in their place
    would otherwise fail deep inside with an AttributeError."""
    if not isinstance(cohort, Cohort):
        raise InvalidParameterError.for_value(
            "cohort", owner, "a Cohort (e.g. Cohort.from_csv('survey.csv'))", cohort
        )
    if rules is not None and not isinstance(rules, Rules):
        raise InvalidParameterError.for_value(
            "rules", owner, "a Rules (e.g. Rules(teams=8)) or None", rules
        )
    if rules is not None:
        try:  # pydantic's model_copy(update=...) skips validation: 0 teams divided by zero
            type(rules).model_validate(rules.model_dump())
        except ValidationError as exc:
            first = exc.errors()[0]
            said = str(first["msg"]).removeprefix("Value error, ")
            if first["loc"] and isinstance(first.get("input"), str | int | float | None):
                said = f"{'.'.join(map(str, first['loc']))}: {said} (got {first['input']!r})"
            raise InvalidParameterError(
                f"The 'rules' parameter of {owner} must be Rules whose settings are valid: "
                f"{said}. Rules(**{{**rules.model_dump(), ...}}) checks them; "
                "model_copy(update=...) does not."
            ) from None
