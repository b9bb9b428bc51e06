"""The rule table: every hard rule of a ``Problem``, declared once as one of five shapes.

Every per-team hard rule of clnmatch has one of three shapes, and the rest are locks or a
global cap:

* ``SumBound``: a team's total of a per-unit amount lies within [low, high]
  (``teams``: at least one establishment; ``team_size``: participants within bounds;
  ``team_establishments``: no more establishments than one facilitator may support);
* ``MinDistinct``: a team holds at least ``minimum`` distinct labels
  (``min_sectors``, ``min_authorities``);
* ``MaxShare``: no label holds more than ``floor(share * n)`` of a team's n units
  (``max_authority_share``);
* ``Lock``: ``pin``, ``forbidden`` (both from ``Problem.allowed``), ``together``, ``apart``;
* ``ThemeCap``: at most ``cap`` teams share one focus theme (``max_teams_per_theme``).

``RULE_TABLE`` lists them; each entry names the ``Problem`` attributes it reads and the
message of its breach. Each shape is implemented once per backend, and every backend walks
the compiled table: ``clnmatch.rules.check`` (numpy: ``evaluate``), ``clnmatch.rules.kernels``
(numba: local search, repair, pricing), ``clnmatch.rules.cpsat`` (the CP-SAT model: cpsat,
colgen, rematch, LNS) and ``clnmatch.rules.necessary`` (counting checks: ``diagnose``).
A new rule of a known shape (say "at most 3 secondaries per team", or "at least one
promoted member") is one entry here plus the Problem data it reads.

``compile_rules(problem)`` turns the table into arrays once per problem (cached).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from clnmatch.wording import share_words

if TYPE_CHECKING:
    from clnmatch.problem import Problem

__all__ = [
    "NO_LIMIT",
    "RULE_TABLE",
    "CompiledRules",
    "DistinctRule",
    "LabelKind",
    "Lock",
    "MaxShare",
    "MinDistinct",
    "ShareRule",
    "SumBound",
    "SumRule",
    "ThemeCap",
    "compile_rules",
    "rule_meanings",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NO_LIMIT = 1 << 40  # an upper bound that never binds (int64-safe when summed)
UNITS = "units"  # a SumBound amount of one per unit (establishment)


# --------------------------------------------------------------------------- the shapes
@dataclass(frozen=True)
class SumBound:
    """A team's total of ``amount`` (a Problem attribute, or ``UNITS``) within [low, high].

    ``low`` / ``high`` name Problem attributes of per-team bounds (or give a constant;
    ``high=None``: no upper bound; an attribute holding None: the rule does not apply).
    ``penalty`` weighs one unit of shortfall or excess in the violation measure the search
    minimises; ``gates_team``: when broken, the team's other rules are not reported (an
    empty team has no sectors to count).
    """

    name: str
    means: str
    amount: str
    low: str | int
    high: str | None
    message: Callable[[int, int, int, int], str]  # (team 1.., value, low, high)
    noun: str  # what the amount counts, plural ("participants")
    relax: str  # the Rules parameter that widens the bounds
    penalty: int = 1
    gates_team: bool = False
    # (total, teams, low, needed): the counting check's words when the teams cannot be filled
    shortage: Callable[[int, int, int, int], str] = lambda total, teams, low, need: (
        f"cannot fill {teams} teams of at least {low} ({need} needed)"
    )


@dataclass(frozen=True)
class MinDistinct:
    """A team holds at least ``minimum`` (a Problem attribute) distinct ``labels``."""

    name: str
    means: str
    labels: str  # Problem attribute: (U,) label index per unit
    names: str  # Problem attribute: label index -> display name
    minimum: str
    message: Callable[[int, int, str, int], str]  # (team, distinct, label names, minimum)
    noun: tuple[str, str]  # a label, one and many ("sector", "sectors")


@dataclass(frozen=True)
class MaxShare:
    """No label holds more than floor(share * n) of a team's n units (``share``: a Fraction)."""

    name: str
    means: str
    labels: str
    names: str
    share: str
    of: str  # the SumBound whose total is n (the team's units)
    noun: str  # a label ("authority")
    message: Callable[
        [int, str, int, int, int, Fraction], str
    ]  # (team, label, count, n, cap, share)


@dataclass(frozen=True)
class Lock:
    """``pin`` / ``forbidden`` (from ``Problem.allowed``), ``together`` or ``apart`` pairs."""

    name: str
    means: str


@dataclass(frozen=True)
class ThemeCap:
    """At most ``cap`` (a Problem attribute, None: no cap) teams share one focus theme."""

    name: str
    means: str
    cap: str


Shape = SumBound | MinDistinct | MaxShare | Lock | ThemeCap


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


# --------------------------------------------------------------------------- the table
RULE_TABLE: tuple[Shape, ...] = (
    SumBound(
        "teams",
        "every team 1..T is used and no other team label appears",
        amount=UNITS,
        low=1,
        high=None,
        message=lambda team, value, low, high: f"team {team} is empty",
        noun="establishments",
        relax="teams",
        penalty=10,  # an empty team costs more than any one missing member
        gates_team=True,
        shortage=lambda total, teams, low, need: (
            f"there are {teams} teams but only {total} establishments; every team needs at "
            "least one"
        ),
    ),
    SumBound(
        "team_size",
        "a team's participants are within size_tolerance of participants/teams",
        amount="unit_weight",
        low="team_min",
        high="team_max",
        message=lambda team, value, low, high: (
            f"team {team} has {value} participants; "
            + (f"allowed {low}" if low == high else f"allowed {low} to {high}")
        ),
        noun="participants",
        relax="size_tolerance",
        shortage=lambda total, teams, low, need: (
            f"the {total} participants cannot fill {teams} teams of at least {low} ({need} needed)"
        ),
    ),
    SumBound(
        "team_establishments",
        "a team holds at most schools_per_facilitator establishments (its facilitator "
        "supports them all)",
        amount=UNITS,
        low=0,
        high="team_max_units",
        message=lambda team, value, low, high: (
            f"team {team} has {value} establishments; a facilitator may support at most {high}"
        ),
        noun="establishments",
        relax="schools_per_facilitator",
    ),
    MinDistinct(
        "min_sectors",
        "a team mixes at least min_sectors sectors",
        labels="unit_sector",
        names="sector_names",
        minimum="min_sectors",
        message=lambda team, n, names, minimum: (
            f"team {team} has {n} sector(s) ({names}); needs at least {minimum}"
        ),
        noun=("sector", "sectors"),
    ),
    MinDistinct(
        "min_authorities",
        "a team mixes at least min_authorities authorities",
        labels="unit_authority",
        names="authority_names",
        minimum="min_authorities",
        message=lambda team, n, names, minimum: (
            f"team {team} has {n} {_plural(n, 'authority', 'authorities')}; "
            f"needs at least {minimum}"
        ),
        noun=("authority", "authorities"),
    ),
    MaxShare(
        "max_authority_share",
        "no authority holds more than max_authority_share of a team's establishments",
        labels="unit_authority",
        names="authority_names",
        share="authority_share",
        of="teams",
        message=lambda team, label, count, n, cap, share: (
            f"team {team}: {label} holds {count} of {n} establishments; at most {cap} "
            f"({share_words(share)} of them)"
        ),
        noun="authority",
    ),
    Lock("pin", "a pinned establishment is in its team"),
    Lock("forbidden", "an establishment is not in a team forbidden to it"),
    Lock("together", "establishments kept together share a team"),
    Lock("apart", "establishments kept apart are in different teams"),
    ThemeCap(
        "max_teams_per_theme",
        "no focus theme serves more than max_teams_per_theme teams",
        cap="max_teams_per_theme",
    ),
)


def rule_meanings() -> dict[str, str]:
    """Rule name -> what it means, for every rule of the table (in table order)."""
    return {entry.name: entry.means for entry in RULE_TABLE}


# --------------------------------------------------------------------------- compiled
@dataclass(frozen=True, eq=False)
class SumRule:
    """A SumBound of one problem: per-unit amounts and per-team bounds."""

    spec: SumBound
    amount: IntArray  # (U,)
    low: IntArray  # (T,)
    high: IntArray  # (T,) NO_LIMIT where the rule has no upper bound


@dataclass(frozen=True, eq=False)
class LabelKind:
    """Labels of the units that some MinDistinct / MaxShare rule reads (e.g. authorities)."""

    attribute: str
    labels: IntArray  # (U,) 0 .. n_labels-1
    names: tuple[str, ...]

    @property
    def n_labels(self) -> int:
        return max(len(self.names), int(self.labels.max()) + 1 if self.labels.size else 0)


@dataclass(frozen=True, eq=False)
class DistinctRule:
    spec: MinDistinct
    kind: int  # index into CompiledRules.kinds
    minimum: int


@dataclass(frozen=True, eq=False)
class ShareRule:
    spec: MaxShare
    kind: int
    share: Fraction
    of: int  # index into CompiledRules.sums: the team's unit count

    def cap(self, n: int) -> int:
        """Most units of one label a team of ``n`` units may hold."""
        return (self.share.numerator * n) // self.share.denominator


@dataclass(frozen=True, eq=False)
class CompiledRules:
    """The rules of one problem that apply, as arrays (what every backend reads)."""

    n_units: int
    n_teams: int
    sums: tuple[SumRule, ...]
    kinds: tuple[LabelKind, ...]
    distinct: tuple[DistinctRule, ...]
    shares: tuple[ShareRule, ...]
    allowed: BoolArray | None  # (U, T) False where a pin or forbid excludes the team
    unit_pin: IntArray | None  # (U,) pinned team, -1 where none
    together: IntArray  # (k, 2)
    apart: IntArray  # (k, 2)
    theme_cap: int | None  # binds only when below the number of teams
    theme_names: tuple[str, ...]
    unit_ids: tuple[str, ...]

    def sum_index(self, name: str) -> int:
        for i, rule in enumerate(self.sums):
            if rule.spec.name == name:
                return i
        raise KeyError(name)

    @property
    def units(self) -> SumRule:
        """The ``teams`` rule: one per unit, at least one per team."""
        return self.sums[self.sum_index("teams")]

    @property
    def size(self) -> SumRule:
        """The ``team_size`` rule: participants per team."""
        return self.sums[self.sum_index("team_size")]

    @property
    def has_labels(self) -> bool:
        """Some MinDistinct or MaxShare rule applies."""
        return bool(self.distinct or self.shares)


def _team_values(problem: Problem, value: str | int | None, default: int) -> IntArray:
    n_teams = problem.n_teams
    if value is None:
        return np.full(n_teams, default, dtype=np.int64)
    if isinstance(value, int):
        return np.full(n_teams, value, dtype=np.int64)
    values = np.asarray(getattr(problem, value), dtype=np.int64)
    return np.broadcast_to(values, (n_teams,)).copy()  # one value for every team, or one each


def _compile(problem: Problem) -> CompiledRules:
    n_units, n_teams = problem.n_units, problem.n_teams
    sums: list[SumRule] = []
    kinds: list[LabelKind] = []
    distinct: list[DistinctRule] = []
    shares: list[ShareRule] = []

    def kind_of(attribute: str, names: str) -> int:
        for i, kind in enumerate(kinds):
            if kind.attribute == attribute:
                return i
        labels = np.asarray(getattr(problem, attribute), dtype=np.int64)
        kinds.append(LabelKind(attribute, labels, tuple(getattr(problem, names))))
        return len(kinds) - 1

    for entry in RULE_TABLE:
        if isinstance(entry, SumBound):
            if isinstance(entry.high, str) and getattr(problem, entry.high) is None:
                continue  # the problem has no such bound (e.g. no facilitators' limit)
            amount = (
                np.ones(n_units, dtype=np.int64)
                if entry.amount == UNITS
                else np.asarray(getattr(problem, entry.amount), dtype=np.int64)
            )
            sums.append(
                SumRule(
                    entry,
                    amount,
                    _team_values(problem, entry.low, 0),
                    _team_values(problem, entry.high, NO_LIMIT),
                )
            )
        elif isinstance(entry, MinDistinct):
            minimum = int(getattr(problem, entry.minimum) or 0)
            if minimum > 0 and np.asarray(getattr(problem, entry.labels)).size:
                distinct.append(DistinctRule(entry, kind_of(entry.labels, entry.names), minimum))
        elif isinstance(entry, MaxShare):
            share = getattr(problem, entry.share)
            if share is not None and np.asarray(getattr(problem, entry.labels)).size:
                of = next(i for i, s in enumerate(sums) if s.spec.name == entry.of)
                shares.append(
                    ShareRule(entry, kind_of(entry.labels, entry.names), Fraction(share), of)
                )
    cap = problem.max_teams_per_theme if problem.n_themes else None
    return CompiledRules(
        n_units=n_units,
        n_teams=n_teams,
        sums=tuple(sums),
        kinds=tuple(kinds),
        distinct=tuple(distinct),
        shares=tuple(shares),
        allowed=problem.allowed,
        unit_pin=problem.unit_pin,
        together=np.asarray(problem.together, dtype=np.int64).reshape(-1, 2),
        apart=np.asarray(problem.apart, dtype=np.int64).reshape(-1, 2),
        theme_cap=cap,
        theme_names=problem.theme_names,
        unit_ids=problem.unit_ids,
    )


_CACHE: weakref.WeakKeyDictionary[Any, CompiledRules] = weakref.WeakKeyDictionary()


def compile_rules(problem: Problem) -> CompiledRules:
    """The table compiled for ``problem`` (once per problem object: problems are frozen)."""
    compiled = _CACHE.get(problem)
    if compiled is None:
        compiled = _compile(problem)
        _CACHE[problem] = compiled
    return compiled
