"""Who goes into breakout rooms, by which rules, and the numeric view every strategy shares.

``Roster`` (people with optional establishment, authority, sector, email and interests),
``BreakoutRules`` (rounds, room size or count, the side rules), ``History`` (rooms of
earlier rounds or events, by person id) and ``BreakoutProblem``: the arrays the
constructions, the search, the bounds and the evaluator all read. A schedule is an int
array ``(rounds, people)``: the room (0-based) of each person in each round, -1 for a
person absent from that round (only after a re-plan drops someone).

Room count: ``rooms`` when given; otherwise ceil(people / room_size), so no room holds
more than ``room_size``; never more than people // 2 (no room of one person: rooms of 2
for an odd number of people have one room of 3). Room sizes then differ by at most one:
n mod K rooms of ceil(n / K) and the rest of floor(n / K).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
from clnmatch.models import authority_key

if TYPE_CHECKING:
    from clnmatch.models import Cohort

__all__ = [
    "INTEREST_THRESHOLD",
    "Person",
    "Roster",
    "BreakoutRules",
    "History",
    "BreakoutProblem",
    "room_sizes",
    "check_time_limit",
    "check_seed",
]

#: A rating at or above this (on 0-5) counts as an interest shared in a room.
INTEREST_THRESHOLD = 4
IntArray = NDArray[np.int32]


def check_time_limit(value: object, owner: str) -> float:
    """A time limit is a finite number of seconds > 0 (the one message shape)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidParameterError.for_value("time_limit", owner, "a finite number > 0", value)
    return float(value)


def check_seed(value: object, owner: str) -> int:
    """A seed is a whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InvalidParameterError.for_value("seed", owner, "an int >= 0", value)
    return int(value)


@dataclass(frozen=True)
class Person:
    """One person to place; empty text means "not known"."""

    id: str
    name: str = ""
    establishment_id: str = ""
    authority: str = ""
    sector: str = ""
    email: str = ""
    interests: tuple[int, ...] = ()


@dataclass(frozen=True)
class Roster:
    """The people of an event, their interest themes and where they were read from."""

    people: tuple[Person, ...]
    themes: tuple[str, ...] = ()
    source: str = "roster"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        authority_of: dict[str, str] = {}  # colleagues of one establishment share one
        for person in self.people:
            if person.establishment_id:
                first = authority_of.setdefault(person.establishment_id, person.authority)
                if authority_key(first) != authority_key(person.authority):
                    raise InvalidParameterError.for_value(
                        "people",
                        "Roster",
                        f"one authority for each establishment ({person.establishment_id} "
                        f"has {first!r})",
                        f"{person.id}: {person.authority!r}",
                    )
            if not person.id:
                raise InvalidParameterError.for_value(
                    "people", "Roster", "people with a non-empty id", person
                )
            if person.id in seen:
                raise InvalidParameterError.for_value(
                    "people", "Roster", "people with unique ids", person.id
                )
            seen.add(person.id)
            if len(person.interests) not in (0, len(self.themes)):
                raise InvalidParameterError.for_value(
                    "people",
                    "Roster",
                    f"one rating per theme ({len(self.themes)})",
                    f"{person.id}: {person.interests}",
                )

    @classmethod
    def from_cohort(cls, cohort: Cohort) -> Roster:
        """A survey's practitioners as people (contract section 1)."""
        est = cohort.establishment_by_id
        people = tuple(
            Person(
                id=p.id,
                name=p.name,
                establishment_id=p.establishment_id,
                authority=est[p.establishment_id].authority,
                sector=est[p.establishment_id].sector.value,
                email=p.email or "",
                interests=p.interests,
            )
            for p in cohort.practitioners
        )
        return cls(people, tuple(cohort.themes), cohort.source or "survey")

    @cached_property
    def index(self) -> dict[str, int]:
        """Person id -> position."""
        return {p.id: i for i, p in enumerate(self.people)}

    def __len__(self) -> int:
        return len(self.people)

    @property
    def has_authorities(self) -> bool:
        return any(p.authority for p in self.people)

    @property
    def has_emails(self) -> bool:
        return any(p.email for p in self.people)


@dataclass(frozen=True)
class BreakoutRules:
    """The rules of a breakout schedule.

    ``rounds`` rounds; ``room_size`` (rooms hold at most this many) or ``rooms`` (this many
    rooms); at least ``min_authorities`` authorities per room (0: no rule); at most
    ``max_per_authority`` people of one authority per room (None: no rule); colleagues of
    one establishment never share a room (``colleagues_apart``). ``sector_mix`` and
    ``shared_interests`` switch the soft aims on or off.
    """

    rounds: int
    room_size: int | None = None
    rooms: int | None = None
    min_authorities: int = 0
    max_per_authority: int | None = None
    colleagues_apart: bool = True
    sector_mix: bool = True
    shared_interests: bool = True

    def __post_init__(self) -> None:
        owner = "BreakoutRules"
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < 1:
            raise InvalidParameterError.for_value("rounds", owner, "an int >= 1", self.rounds)
        if (self.room_size is None) == (self.rooms is None):
            raise InvalidParameterError(
                f"The 'room_size' and 'rooms' parameters of {owner}: give exactly one of them. "
                f"Got room_size={self.room_size!r} and rooms={self.rooms!r} instead."
            )
        # a room of one meets no one, one room of all is no breakout
        for name, least in (("room_size", 2), ("rooms", 2)):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < least
            ):
                raise InvalidParameterError.for_value(name, owner, f"an int >= {least}", value)
        if (
            isinstance(self.min_authorities, bool)
            or not isinstance(self.min_authorities, int)
            or self.min_authorities < 0
        ):
            raise InvalidParameterError.for_value(
                "min_authorities", owner, "an int >= 0", self.min_authorities
            )
        if self.max_per_authority is not None and (
            isinstance(self.max_per_authority, bool)
            or not isinstance(self.max_per_authority, int)
            or self.max_per_authority < 1
        ):
            raise InvalidParameterError.for_value(
                "max_per_authority", owner, "an int >= 1 or None", self.max_per_authority
            )

    def room_count(self, people: int) -> int:
        """Rooms for this many people (at least one)."""
        if people <= 0:
            return 0
        wanted = self.rooms if self.rooms is not None else -(-people // (self.room_size or 1))
        # never a room of one: a re-plan may have fewer people, and rooms of 2 for an odd
        # number of people have one room of 3 instead
        return min(wanted, max(1, people // 2))

    @property
    def uses_authorities(self) -> bool:
        return self.min_authorities > 1 or self.max_per_authority is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "rounds": self.rounds,
            "room_size": self.room_size,
            "rooms": self.rooms,
            "min_authorities": self.min_authorities,
            "max_per_authority": self.max_per_authority,
            "colleagues_apart": self.colleagues_apart,
            "sector_mix": self.sector_mix,
            "shared_interests": self.shared_interests,
        }


def room_sizes(people: int, rooms: int) -> list[int]:
    """The sizes of ``rooms`` balanced rooms: the larger ones first."""
    if rooms <= 0:
        return []
    low, extra = divmod(people, rooms)
    return [low + 1] * extra + [low] * (rooms - extra)


@dataclass(frozen=True)
class History:
    """Rooms of earlier rounds or events: each round maps person id -> room label.

    People who shared a room in any of them count as having met once already.
    """

    rounds: tuple[Mapping[str, str], ...]
    sources: tuple[str, ...] = ()

    def rooms_array(self, roster: Roster) -> tuple[IntArray, int]:
        """``(rounds, people)`` room numbers (-1 absent) and how many ids were unknown."""
        index = roster.index
        array = np.full((len(self.rounds), len(roster)), -1, dtype=np.int32)
        unknown: set[str] = set()
        for r, mapping in enumerate(self.rounds):
            labels: dict[str, int] = {}
            for person_id, label in mapping.items():
                i = index.get(person_id)
                if i is None:
                    unknown.add(person_id)
                    continue
                array[r, i] = labels.setdefault(label, len(labels))
        return array, len(unknown)


def _codes(values: Sequence[str], fold: bool = False) -> tuple[IntArray, tuple[str, ...]]:
    """Each value's code (-1 for empty) and the names in order of first appearance."""
    names: dict[str, int] = {}
    shown: list[str] = []
    codes = np.full(len(values), -1, dtype=np.int32)
    for i, value in enumerate(values):
        if not value:
            continue
        key = authority_key(value) if fold else value
        if key not in names:
            names[key] = len(names)
            shown.append(value.strip())
        codes[i] = names[key]
    return codes, tuple(shown)


@dataclass(frozen=True, eq=False)
class BreakoutProblem:
    """The numeric view of a breakout task.

    ``present[r, i]``: person i takes part in round r; ``rooms[r]``: room count of round r;
    ``fixed[r]``: round r is kept as ``fixed_rooms[r]`` (a re-plan keeps the other rounds);
    ``history``: earlier rooms ``(H, people)``.
    """

    roster: Roster
    rules: BreakoutRules
    present: NDArray[np.bool_]
    rooms: IntArray
    fixed: NDArray[np.bool_]
    fixed_rooms: IntArray
    history: IntArray
    unknown_history_ids: int = 0
    establishment: IntArray = field(init=False)
    authority: IntArray = field(init=False)
    authority_names: tuple[str, ...] = field(init=False)
    sector: IntArray = field(init=False)
    sector_names: tuple[str, ...] = field(init=False)
    interested: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        people = self.roster.people
        est, _ = _codes([p.establishment_id for p in people])
        auth, auth_names = _codes([p.authority for p in people], fold=True)
        sector, sector_names = _codes([p.sector for p in people])
        themes = len(self.roster.themes)
        interested = np.zeros((len(people), themes), dtype=np.bool_)
        for i, p in enumerate(people):
            if p.interests:
                interested[i] = np.asarray(p.interests) >= INTEREST_THRESHOLD
        object.__setattr__(self, "establishment", est)
        object.__setattr__(self, "authority", auth)
        object.__setattr__(self, "authority_names", auth_names)
        object.__setattr__(self, "sector", sector)
        object.__setattr__(self, "sector_names", sector_names)
        object.__setattr__(self, "interested", interested)

    @classmethod
    def build(
        cls,
        roster: Roster,
        rules: BreakoutRules,
        history: History | None = None,
        *,
        present: NDArray[np.bool_] | None = None,
        fixed_rooms: IntArray | None = None,
    ) -> BreakoutProblem:
        """A problem for ``rules.rounds`` rounds; ``present`` / ``fixed_rooms`` for re-plans
        (fixed_rooms rows of -1 everywhere are the rounds to plan)."""
        n, rounds = len(roster), rules.rounds
        if present is None:
            present = np.ones((rounds, n), dtype=np.bool_)
        if fixed_rooms is None:
            fixed_rooms = np.full((rounds, n), -1, dtype=np.int32)
        fixed: NDArray[np.bool_] = np.asarray((fixed_rooms >= 0).any(axis=1), dtype=np.bool_)
        counts = np.array([rules.room_count(int(p.sum())) for p in present], dtype=np.int32)
        for r in np.flatnonzero(fixed):
            counts[r] = int(fixed_rooms[r].max()) + 1
        hist, unknown = (
            history.rooms_array(roster)
            if history is not None
            else (np.zeros((0, n), dtype=np.int32), 0)
        )
        return cls(
            roster, rules, present, counts, fixed, fixed_rooms.astype(np.int32), hist, unknown
        )

    # ------------------------------------------------------------------ derived facts
    @property
    def n(self) -> int:
        return len(self.roster)

    @property
    def n_rounds(self) -> int:
        return int(self.present.shape[0])

    @property
    def n_authorities(self) -> int:
        return len(self.authority_names)

    @property
    def n_sectors(self) -> int:
        return len(self.sector_names)

    @property
    def max_per_authority(self) -> int:
        """The per-room cap (the number of people when there is no rule)."""
        cap = self.rules.max_per_authority
        return self.n if cap is None else cap

    @property
    def authorities_apart(self) -> bool:
        """Two people of one authority never share a room under the rules: at most one per
        authority, or every room needing as many authorities as it has places."""
        if self.n_authorities == 0:
            return False
        cap = self.rules.max_per_authority
        return cap == 1 or self.rules.min_authorities >= self.room_capacity()

    @property
    def colleague_codes(self) -> IntArray:
        """Establishment codes when colleagues must be apart, else all -1."""
        if self.rules.colleagues_apart:
            return self.establishment
        return np.full(self.n, -1, dtype=np.int32)

    def room_capacity(self) -> int:
        """The largest room of any round."""
        sizes = [
            -(-int(p.sum()) // max(1, int(k)))
            for p, k in zip(self.present, self.rooms, strict=True)
        ]
        return max(sizes, default=0)
