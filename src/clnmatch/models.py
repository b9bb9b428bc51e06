"""The domain of clnmatch: who is matched, and by which rules.

Every model is an immutable pydantic v2 model. Cross-field checks (unique ids, one
authority and one sector per establishment, ratings 0-5) live here, so a ``Cohort``
that exists is a valid one, whichever reader built it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
from collections import Counter
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from clnmatch.categories import Role, Sector, authority_key, word_key
from clnmatch.frozen import FrozenDict, frozen

if TYPE_CHECKING:
    import pandas as pd


__all__ = [
    "Sector",
    "Role",
    "Establishment",
    "Practitioner",
    "Facilitator",
    "Cohort",
    "Rules",
    "authority_key",
    "word_key",
    "RATING_MIN",
    "RATING_MAX",
]

RATING_MIN = 0
RATING_MAX = 5


# people's records are not repeated in a validation error (it reaches logs: a developer)
_FROZEN = ConfigDict(
    frozen=True, extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True
)


class Establishment(BaseModel):
    """A school or ELC. Its nominees always stay in one team."""

    model_config = _FROZEN

    id: str = Field(min_length=1)
    name: str
    authority: str = Field(min_length=1)
    sector: Sector
    simd_quintile: int | None = Field(default=None, ge=1, le=5)
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)

    @field_validator("sector", mode="before")
    @classmethod
    def _sector_alias(cls, value: object) -> object:
        return Sector.parse(value) or value

    @property
    def authority_key(self) -> str:
        return authority_key(self.authority)


class Practitioner(BaseModel):
    """One survey respondent; ``interests`` follows the order of ``Cohort.themes``."""

    model_config = _FROZEN

    id: str = Field(min_length=1)
    name: str
    establishment_id: str = Field(min_length=1)
    role: Role
    interests: tuple[int, ...]
    email: str | None = None
    job_title: str | None = None  # as typed in the survey ("Senior CDO"); shown beside the role

    @field_validator("role", mode="before")
    @classmethod
    def _role_alias(cls, value: object) -> object:
        return Role.parse(value) or value

    @field_validator("interests", mode="before")
    @classmethod
    def _ratings_not_bool(cls, value: object) -> object:
        if isinstance(value, list | tuple) and any(isinstance(r, bool) for r in value):
            raise ValueError(f"interest ratings are whole numbers, not True/False; got {value!r}")
        return value

    @field_validator("interests")
    @classmethod
    def _ratings_in_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for rating in value:
            if not RATING_MIN <= rating <= RATING_MAX:
                raise ValueError(
                    f"every interest rating must be an integer {RATING_MIN}-{RATING_MAX}; "
                    f"got {rating}"
                )
        return value


class Facilitator(BaseModel):
    """A key facilitator (QIO, educational psychologist, Education Scotland, ...)."""

    model_config = _FROZEN

    id: str = Field(min_length=1)
    name: str
    authority: str = Field(min_length=1)
    role: str = ""
    expertise: Mapping[str, int] = Field(default_factory=FrozenDict)  # theme -> 0..5
    email: str | None = None  # on the team's rosters, so its members can reach them

    @field_validator("expertise")
    @classmethod
    def _expertise_in_range(cls, value: Mapping[str, int]) -> Mapping[str, int]:
        for theme, rating in value.items():
            if not RATING_MIN <= rating <= RATING_MAX:
                raise ValueError(f"expertise in {theme!r} must be 0-5; got {rating}")
        return frozen(dict(value))

    @property
    def authority_key(self) -> str:
        return authority_key(self.authority)


# the survey readers, registered by clnmatch.io when it is imported, so that
# ``Cohort.from_csv`` forwards to them while this module imports no reader
_READERS: dict[str, Callable[..., Cohort]] = {}


def register_readers(**readers: Callable[..., Cohort]) -> None:
    """Make ``Cohort.from_csv`` / ``from_excel`` (``read_cohort``) and ``from_dataframe``
    (``cohort_from_dataframe``) forward to these readers."""
    _READERS.update(readers)


def _reader(name: str) -> Callable[..., Cohort]:
    """A registered reader; ``import clnmatch`` loads clnmatch.io only when first needed."""
    if name not in _READERS:
        importlib.import_module("clnmatch.io")  # registers them
    return _READERS[name]


class Cohort(BaseModel):
    """A cohort: themes, establishments, their nominees and (optionally) facilitators."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    themes: tuple[str, ...]
    establishments: tuple[Establishment, ...]
    practitioners: tuple[Practitioner, ...]
    facilitators: tuple[Facilitator, ...] = ()
    source: str | None = None  # where the survey came from, for messages
    # what reading it warned about (look-alike school names, one person answering twice):
    # the report and workbook list them among their notes
    reading_notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        if len(self.themes) < 2:
            problems.append(f"a cohort needs at least 2 themes; got {len(self.themes)}")
        # "Literacy" and "literacy" are one theme to the survey's reader: one name each
        folded = Counter(t.casefold() for t in self.themes)
        if len(folded) != len(self.themes):
            dup = [t for t in self.themes if folded[t.casefold()] > 1]
            problems.append(f"theme names must be unique, whatever their case; repeated: {dup}")
        for label, items in (
            ("establishment", self.establishments),
            ("practitioner", self.practitioners),
            ("facilitator", self.facilitators),
        ):
            repeated = [i for i, c in Counter(x.id for x in items).items() if c > 1]
            if repeated:
                problems.append(f"{label} ids must be unique; repeated: {repeated[:10]}")
        known = {e.id for e in self.establishments}
        for p in self.practitioners:
            if p.establishment_id not in known:
                problems.append(
                    f"practitioner {p.id!r} names establishment {p.establishment_id!r}, "
                    "which is not in the cohort"
                )
            if len(p.interests) != len(self.themes):
                problems.append(
                    f"practitioner {p.id!r} has {len(p.interests)} ratings for "
                    f"{len(self.themes)} themes"
                )
        with_nominees = {p.establishment_id for p in self.practitioners}
        empty = [e.id for e in self.establishments if e.id not in with_nominees]
        if empty:
            problems.append(f"establishments without any nominee: {empty[:10]}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # --- readers (forwarding to clnmatch.io, which registers them: models know no reader) ---
    # ``mapping``: a SurveyMapping, a TOML file's path or a dict (contract section 10)
    @classmethod
    def from_csv(
        cls,
        survey: str
        | os.PathLike[str]
        | bytes
        | IO[bytes]
        | IO[str],  # a path, or an upload's content
        facilitators: str | os.PathLike[str] | bytes | IO[bytes] | IO[str] | None = None,
        *,
        mapping: Any = None,  # a clnmatch.io.SurveyMapping, a TOML file's path or a dict
    ) -> Cohort:
        """Read a survey CSV (and optionally a facilitators table)."""
        return _reader("read_cohort")(survey, facilitators=facilitators, mapping=mapping)

    @classmethod
    def from_excel(
        cls,
        survey: str | os.PathLike[str] | bytes | IO[bytes],  # a path, or an upload's content
        facilitators: str | os.PathLike[str] | bytes | IO[bytes] | IO[str] | None = None,
        *,
        sheet: str | None = None,
        mapping: Any = None,  # a clnmatch.io.SurveyMapping, a TOML file's path or a dict
    ) -> Cohort:
        """Read a survey .xlsx workbook (first sheet, or ``sheet``)."""
        read = _reader("read_cohort")
        return read(survey, facilitators=facilitators, sheet=sheet, mapping=mapping)

    @classmethod
    def from_dataframe(
        cls,
        survey: pd.DataFrame,
        facilitators: pd.DataFrame | None = None,
        *,
        mapping: Any = None,  # a clnmatch.io.SurveyMapping, a TOML file's path or a dict
    ) -> Cohort:
        """Build a cohort from DataFrames shaped like the survey (and facilitators) table."""
        read = _reader("cohort_from_dataframe")
        return read(survey, facilitators=facilitators, mapping=mapping)

    def digest(self) -> str:
        """One hash of what the score and the rules read of the cohort (names and e-mails
        aside): another survey, or the same people's ratings or sectors edited, give
        another (an event reused a result's proven bound for a survey edited since)."""
        content = {
            "themes": list(self.themes),
            "establishments": sorted(
                [e.id, e.authority_key, str(e.sector), e.simd_quintile, e.latitude, e.longitude]
                for e in self.establishments
            ),
            "practitioners": sorted(
                [p.id, p.establishment_id, str(p.role), list(p.interests)]
                for p in self.practitioners
            ),
            "facilitators": sorted(
                [f.id, f.authority_key, sorted(f.expertise.items())] for f in self.facilitators
            ),
        }
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # --- views -----------------------------------------------------------------
    @cached_property
    def establishment_by_id(self) -> FrozenDict[str, Establishment]:
        return frozen((e.id, e) for e in self.establishments)

    @cached_property
    def practitioner_by_id(self) -> FrozenDict[str, Practitioner]:
        return frozen((p.id, p) for p in self.practitioners)

    @cached_property
    def nominees(self) -> FrozenDict[str, tuple[Practitioner, ...]]:
        """Practitioners of each establishment, in survey order."""
        out: dict[str, list[Practitioner]] = {e.id: [] for e in self.establishments}
        for p in self.practitioners:
            out[p.establishment_id].append(p)
        return frozen((k, tuple(v)) for k, v in out.items())

    @cached_property
    def authorities(self) -> FrozenDict[str, str]:
        """Authority key -> display name (first spelling met), in order of appearance."""
        out: dict[str, str] = {}
        for e in self.establishments:
            out.setdefault(e.authority_key, e.authority)
        return frozen(out)

    def establishments_by_authority(self) -> dict[str, int]:
        """Display authority name -> number of establishments."""
        counts = Counter(e.authority_key for e in self.establishments)
        return {self.authorities[k]: counts[k] for k in self.authorities}

    @property
    def n_participants(self) -> int:
        return len(self.practitioners)


_RULE_OWNER = "Rules"


# far above any cohort (stress scale: 5,000 establishments, 1,000 teams), below what
# makes teams x establishments arrays run for minutes or overflow
_MOST, _MANY = 10_000, 1_000_000


class Rules(BaseModel):
    """The rules of a cohort; defaults as in domain.md. Every one is configurable.

    Locks (``pins``, ``forbidden``, ``apart``, ``together``) name establishments by id
    and teams as 1..teams.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    teams: int = Field(default=8, ge=1, le=_MOST, description="teams per cohort")
    max_participants: int = Field(
        default=100, ge=1, le=_MANY, description="participants per cohort"
    )
    min_establishments: int = Field(
        default=40, ge=0, le=_MANY, description="establishments per cohort (a warning only)"
    )
    min_sectors: int = Field(default=2, ge=1, le=_MOST, description="distinct sectors per team")
    min_authorities: int = Field(
        default=3, ge=1, le=_MOST, description="distinct authorities per team"
    )
    max_authority_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        allow_inf_nan=False,  # NaN said "should be less than or equal to 1"
        description="largest share of a team's establishments one authority may hold",
    )
    size_tolerance: int = Field(
        default=2, ge=0, le=_MANY, description="a team's participants within +- this of the mean"
    )
    schools_per_facilitator: int = Field(
        default=10, ge=1, le=_MANY, description="establishments one facilitator supports at most"
    )
    max_teams_per_theme: int | None = Field(
        default=None, ge=1, le=_MOST, description="teams that may share one focus theme (None: any)"
    )
    pins: Mapping[str, int] = Field(
        default_factory=FrozenDict, description="establishment id -> team it must join"
    )
    forbidden: tuple[tuple[str, int], ...] = Field(
        default=(), description="(establishment id, team) pairs that must not happen"
    )
    apart: tuple[tuple[str, str], ...] = Field(
        default=(), description="pairs of establishments that must be in different teams"
    )
    together: tuple[tuple[str, str], ...] = Field(
        default=(), description="pairs of establishments that must share a team"
    )

    @field_validator("pins")
    @classmethod
    def _frozen_pins(cls, value: Mapping[str, int]) -> Mapping[str, int]:
        return frozen(dict(value))

    @field_validator(
        "teams", "max_participants", "min_establishments", "min_sectors", "min_authorities",
        "max_authority_share", "size_tolerance", "schools_per_facilitator",
        "max_teams_per_theme", mode="before",
    )  # fmt: skip
    @classmethod
    def _number_not_bool(cls, value: object) -> object:
        if isinstance(value, bool):  # pydantic reads True as 1: teams=True would be one team
            raise ValueError(f"expected a number, not {value}")
        return value

    @model_validator(mode="after")
    def _teams_in_range(self) -> Self:
        for est, team in [*self.pins.items(), *self.forbidden]:
            if not 1 <= team <= self.teams:
                raise ValueError(
                    f"establishment {est!r} is locked to team {team}, but teams run 1..{self.teams}"
                )
        for word, pairs in (("apart", self.apart), ("together", self.together)):
            for a, b in pairs:
                if a == b:
                    raise ValueError(
                        f"{word} pairs two different establishments; ({a!r}, {b!r}) names one twice"
                    )
        return self

    @property
    def authority_share(self) -> Fraction:
        """``max_authority_share`` as an exact fraction (so 0.5 stays 1/2)."""
        return Fraction(self.max_authority_share).limit_denominator(1000)

    def size_bounds(self, participants: int) -> tuple[int, int]:
        """Smallest and largest participant count a team may have."""
        target = participants / self.teams
        low = max(0, math.ceil(target - self.size_tolerance - 1e-9))
        high = math.floor(target + self.size_tolerance + 1e-9)
        return low, high

    def locks_within(self, keep: Callable[[str], bool]) -> Rules:
        """These rules with the locks naming an establishment ``keep`` refuses left out (a
        school that withdrew keeps no pin, and a pair with it binds nobody)."""
        both = lambda a, b: keep(a) and keep(b)  # noqa: E731
        return self.model_copy(
            update={
                "pins": frozen((e, t) for e, t in self.pins.items() if keep(e)),
                "forbidden": tuple((e, t) for e, t in self.forbidden if keep(e)),
                "apart": tuple((a, b) for a, b in self.apart if both(a, b)),
                "together": tuple((a, b) for a, b in self.together if both(a, b)),
            }
        )

    def facilitators_needed(self, establishments: int) -> int:
        """Facilitators an authority with this many establishments must supply."""
        return math.ceil(establishments / self.schools_per_facilitator)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str], **overrides: Any) -> Rules:
        """Read rules from a TOML file (snake_case names as on the CLI), then apply overrides.

        A problem in the file raises InvalidInputError naming the file and the key; a bad
        override raises pydantic's ValidationError naming the setting, as ``Rules(...)`` does.
        """
        import difflib
        import tomllib

        from pydantic import ValidationError

        from clnmatch.errors import InputProblem, InvalidInputError

        file = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInputError(
                [InputProblem(file=file, expected=f"a readable TOML rules file ({exc})")]
            ) from exc
        prefix = "rules." if isinstance(data.get("rules"), dict) else ""
        data = data.get("rules", data) if prefix else data
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls.model_validate({**data, **given})
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else ""
                if key in given:
                    raise  # a flag's value, not the file's: named as the flag
                if error["type"] == "extra_forbidden":
                    close = difflib.get_close_matches(key, list(cls.model_fields), 1, 0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    expected = (
                        f"key '{prefix}{key}' to be a rule name{hint}; rules are "
                        + ", ".join(cls.model_fields)
                    )
                    problems.append(InputProblem(file=file, expected=expected))
                    continue
                message = str(error["msg"]).removeprefix("Value error, ")
                got = error.get("input")
                where = ".".join(str(part) for part in error["loc"])
                problems.append(
                    InputProblem(
                        file=file,
                        expected=f"key '{prefix}{where}': {message}"
                        if where
                        else f"rules that fit together: {message}",
                        value=None if isinstance(got, dict) else str(got),
                    )
                )
            raise InvalidInputError(problems) from None
