"""The people of a generated cohort: nominees, their survey answers, names, facilitators.

Whatever the establishments (made up, or real schools), the people are synthetic:

* Nominees: one promoted member of staff and one practitioner per establishment, with
  about 5% sending a lone nominee (secondaries twice as often: timetables, travel) and
  about 3% a third one; never more third nominees than lone ones, so a cohort has at most
  two participants per establishment on average (50 establishments -> at most 100).
* Survey answers: ratings 0-5 from a ``TasteModel``, correlated within sector,
  authority, deprivation band and establishment.
* Names from word lists; e-mails at example.org.
* Facilitators: each authority supplies ceil(its establishments / ``per_facilitator``)
  (QIOs and educational psychologists), and Education Scotland adds one specialist, plus
  as many more as needed to reach ``teams`` in total, so every team can have one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
from clnmatch.generate.counts import check_int, check_themes, quota, rng_streams
from clnmatch.generate.profiles import (
    AUTHORITIES,
    AUTHORITY_BIAS,
    EDUCATION_SCOTLAND,
    ES_ROLE,
    FACILITATOR_ROLE_WEIGHTS,
    FACILITATOR_ROLES,
    LONE_SHARE,
    MIXED_TASTES,
    PROMOTED_EFFECT,
    ROLE_EXPERTISE,
    SECTOR_AFFINITY,
    SECTORS,
    SIMD_EFFECT,
    THIRD_SHARE,
    TasteModel,
)
from clnmatch.generate.words import FIRST_NAMES, SURNAMES
from clnmatch.models import (
    RATING_MAX,
    RATING_MIN,
    Cohort,
    Establishment,
    Facilitator,
    Practitioner,
    Role,
    Sector,
)

__all__ = [
    "Places",
    "Ratings",
    "cohort_of",
    "establishment_tastes",
    "establishments_of",
    "facilitators_for",
    "generate_with",
    "interests",
    "nominee_counts",
    "nominee_rows",
    "people_names",
    "practitioners_of",
    "profile",
]


@dataclass(frozen=True)
class Places:
    """A cohort's establishments as arrays: indices into AUTHORITIES and SECTORS, SIMD 1-5."""

    ids: Sequence[str]
    names: Sequence[str]
    auth: NDArray[np.int64]
    sector: NDArray[np.int64]
    simd: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.ids)


def establishments_of(
    places: Places, *, with_simd: bool, with_coordinates: bool
) -> tuple[Establishment, ...]:
    """The Establishment models, with or without the optional SIMD and location columns."""
    return tuple(
        Establishment(
            id=places.ids[i],
            name=places.names[i],
            authority=AUTHORITIES[places.auth[i]].name,
            sector=SECTORS[places.sector[i]],
            simd_quintile=int(places.simd[i]) if with_simd else None,
            latitude=float(places.lat[i]) if with_coordinates else None,
            longitude=float(places.lon[i]) if with_coordinates else None,
        )
        for i in range(len(places))
    )


# --- nominees ---------------------------------------------------------------------------
def nominee_counts(sector: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Nominees per establishment: mostly 2, about 5% one, about 3% three."""
    n = len(sector)
    lone_n = int(quota(n, np.array([LONE_SHARE, 1 - LONE_SHARE]), rng)[0]) if n > 1 else 0
    third_n = int(quota(n, np.array([THIRD_SHARE, 1 - THIRD_SHARE]), rng)[0]) if n > 1 else 0
    third_n = min(third_n, lone_n, n - lone_n)  # never more than 2 participants per school
    # secondaries withdraw or send one person more often (timetables, travel)
    lone_weight = np.where(np.array(SECTORS)[sector] == Sector.SECONDARY, 2.0, 1.0)
    lone = rng.choice(n, size=lone_n, replace=False, p=lone_weight / lone_weight.sum())
    counts = np.full(n, 2, dtype=np.int64)
    counts[lone] = 1
    others = np.setdiff1d(np.arange(n), lone)
    counts[rng.choice(others, size=third_n, replace=False)] = 3
    return counts


def nominee_rows(
    counts: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Each nominee's establishment (in survey order) and whether they are promoted staff.

    The first of two or three is the senior leader, the second a practitioner, a third
    either (one in three promoted); a lone nominee is either, alike.
    """
    est_of = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(len(est_of)) - starts[est_of]
    flip = rng.random(len(est_of))
    own_count = counts[est_of]
    promoted = np.where(
        own_count == 1,
        flip < 0.5,
        np.where(position == 0, True, np.where(position == 2, flip < 1 / 3, False)),
    )
    order = rng.permutation(len(est_of))  # survey rows come in order of response
    return est_of[order], promoted[order]


# --- survey answers ---------------------------------------------------------------------
def profile(
    table: dict[str, float], theme_names: tuple[str, ...], fill: NDArray[np.float64]
) -> NDArray[np.float64]:
    """A theme vector from a {theme: value} table; unknown themes take ``fill``."""
    return np.array([table.get(t.casefold(), fill[k]) for k, t in enumerate(theme_names)])


def establishment_tastes(
    theme_names: tuple[str, ...],
    places: Places,
    rng: np.random.Generator,
    taste: TasteModel = MIXED_TASTES,
) -> NDArray[np.float64]:
    """Each establishment's leaning per theme (sector, authority, SIMD band, own taste)."""
    k = len(theme_names)
    unknown_fill = rng.normal(0.0, taste.unknown_theme_sd, size=(len(SECTORS), k))
    sector_aff = np.stack(
        [profile(SECTOR_AFFINITY[s], theme_names, unknown_fill[i]) for i, s in enumerate(SECTORS)]
    )
    if taste.sector_scale != 1.0:
        sector_aff = sector_aff * taste.sector_scale
    zero = np.zeros(k)
    auth_bias = np.stack([profile(AUTHORITY_BIAS[a.name], theme_names, zero) for a in AUTHORITIES])
    auth_bias += rng.normal(0.0, taste.authority_noise_sd, size=auth_bias.shape)
    simd_effect = np.zeros((5, k))
    for t, name in enumerate(theme_names):
        if name.casefold() in SIMD_EFFECT:
            simd_effect[:, t] = SIMD_EFFECT[name.casefold()]
    return (
        sector_aff[places.sector]
        + auth_bias[places.auth]
        + simd_effect[places.simd - 1]
        + rng.normal(0.0, taste.establishment_sd, size=(len(places), k))
    )


def interests(
    theme_names: tuple[str, ...],
    places: Places,
    est_of: NDArray[np.int64],
    promoted: NDArray[np.bool_],
    rng: np.random.Generator,
    taste: TasteModel = MIXED_TASTES,
) -> NDArray[np.int64]:
    """Ratings 0-5 (practitioners x themes) that correlate within sector, authority, school."""
    k = len(theme_names)
    establishment = establishment_tastes(theme_names, places, rng, taste)
    promoted_effect = profile(PROMOTED_EFFECT, theme_names, np.zeros(k))
    n_people = len(est_of)
    latent = (
        taste.base
        + establishment[est_of]
        + promoted[:, None] * promoted_effect
        + rng.normal(0.0, taste.person_offset_sd, size=(n_people, 1))
        + rng.normal(0.0, taste.person_noise_sd, size=(n_people, k))
    )
    return np.clip(np.rint(latent), RATING_MIN, RATING_MAX).astype(np.int64)


# --- names ------------------------------------------------------------------------------
def _email_part(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def people_names(count: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Fake display names and unique example.org emails."""
    first = rng.integers(len(FIRST_NAMES), size=count)
    last = rng.integers(len(SURNAMES), size=count)
    names: list[str] = []
    emails: list[str] = []
    seen: dict[str, int] = {}
    for f, s in zip(first.tolist(), last.tolist(), strict=True):
        given, family = FIRST_NAMES[f], SURNAMES[s]
        names.append(f"{given} {family}")
        local = f"{_email_part(given)}.{_email_part(family)}"
        seen[local] = seen.get(local, 0) + 1
        suffix = "" if seen[local] == 1 else str(seen[local])
        emails.append(f"{local}{suffix}@example.org")
    return names, emails


def practitioners_of(
    places: Places,
    est_of: NDArray[np.int64],
    promoted: NDArray[np.bool_],
    ratings: NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[Practitioner, ...]:
    """The Practitioner models: ids P0001.., fake names and e-mails, the given ratings."""
    names, emails = people_names(len(est_of), rng)
    width = max(4, len(str(len(est_of))))
    return tuple(
        Practitioner(
            id=f"P{j + 1:0{width}d}",
            name=names[j],
            establishment_id=places.ids[est_of[j]],
            role=Role.PROMOTED if promoted[j] else Role.PRACTITIONER,
            interests=tuple(int(r) for r in ratings[j]),
            email=emails[j],
        )
        for j in range(len(est_of))
    )


# --- facilitators -----------------------------------------------------------------------
def facilitators_for(
    auth: NDArray[np.int64],
    teams: int,
    per_facilitator: int,
    theme_names: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[Facilitator, ...]:
    """ceil(establishments / per_facilitator) per authority, plus Education Scotland.

    ``auth`` holds each establishment's authority index. Education Scotland sends one
    specialist, and more when the authorities' facilitators fall short of ``teams``
    (small cohorts), so that every team can have one.
    """
    counts = np.bincount(auth, minlength=len(AUTHORITIES))
    rows: list[tuple[str, str]] = []  # (authority, role)
    for a, count in zip(AUTHORITIES, counts.tolist(), strict=True):
        needed = math.ceil(count / per_facilitator)
        roles = rng.choice(len(FACILITATOR_ROLES), size=needed, p=FACILITATOR_ROLE_WEIGHTS)
        rows.extend((a.name, FACILITATOR_ROLES[r]) for r in roles.tolist())
    extra = max(1, teams - len(rows))
    rows.extend((EDUCATION_SCOTLAND, ES_ROLE) for _ in range(extra))

    k = len(theme_names)
    names, _ = people_names(len(rows), rng)
    base = rng.normal(2.0, 0.6, size=(len(rows), 1)) + rng.normal(0.0, 0.7, size=(len(rows), k))
    zero = np.zeros(k)
    role_profile = np.stack([profile(ROLE_EXPERTISE[role], theme_names, zero) for _, role in rows])
    # each facilitator has a couple of themes of their own they know well
    specialism = np.zeros((len(rows), k))
    for i in range(len(rows)):
        specialism[i, rng.choice(k, size=min(2, k), replace=False)] = 1.5
    expertise = np.clip(np.rint(base + role_profile + specialism), RATING_MIN, RATING_MAX)
    width = max(2, len(str(len(rows))))
    return tuple(
        Facilitator(
            id=f"F{i + 1:0{width}d}",
            name=names[i],
            authority=authority,
            role=role,
            expertise={t: int(expertise[i, j]) for j, t in enumerate(theme_names)},
        )
        for i, (authority, role) in enumerate(rows)
    )


# the rating model: (themes, places, est_of, promoted, rng) -> ratings (people x themes)
Ratings = Callable[
    [tuple[str, ...], Places, NDArray[np.int64], NDArray[np.bool_], np.random.Generator],
    NDArray[np.int64],
]


def cohort_of(
    places: Places,
    theme_names: tuple[str, ...],
    rng: dict[str, np.random.Generator],
    *,
    teams: int,
    source: str,
    per_facilitator: int = 10,
    with_simd: bool = True,
    with_coordinates: bool = True,
    with_facilitators: bool = True,
    counts: NDArray[np.int64] | None = None,
    ratings: Ratings = interests,
) -> Cohort:
    """The synthetic people of ``places`` and the Cohort they make.

    ``rng`` holds the streams "nominees", "interests", "people", "facilitators".
    ``counts`` (nominees per establishment) defaults to ``nominee_counts``; ``ratings``
    to the mixed taste model.
    """
    if counts is None:
        counts = nominee_counts(places.sector, rng["nominees"])
    est_of, promoted = nominee_rows(counts, rng["nominees"])
    answers = ratings(theme_names, places, est_of, promoted, rng["interests"])
    facilitators: tuple[Facilitator, ...] = ()
    if with_facilitators:
        facilitators = facilitators_for(
            places.auth, teams, per_facilitator, theme_names, rng["facilitators"]
        )
    return Cohort(
        themes=theme_names,
        establishments=establishments_of(
            places, with_simd=with_simd, with_coordinates=with_coordinates
        ),
        practitioners=practitioners_of(places, est_of, promoted, answers, rng["people"]),
        facilitators=facilitators,
        source=source,
    )


def generate_with(
    owner: str,
    places: Callable[[int, int, dict[str, np.random.Generator]], Places],
    streams: Sequence[str],
    source: str,
    *,
    establishments: int,
    seed: int,
    teams_hint: int,
    with_simd: bool,
    with_coordinates: bool,
    with_facilitators: bool,
    schools_per_facilitator: int,
    themes: Sequence[str] | None,
    max_establishments: int | None = None,
) -> Cohort:
    """A generator's body: check the parameters (naming ``owner``), draw the places, add
    the people. ``source`` may use ``{seed}`` and ``{n}``."""
    n = check_int("establishments", owner, establishments, 1)
    if max_establishments is not None and n > max_establishments:
        raise InvalidParameterError.for_value(
            "establishments", owner, f"an int from 1 to {max_establishments}", n
        )
    seed = check_int("seed", owner, seed, 0)
    teams = check_int("teams_hint", owner, teams_hint, 1)
    per_facilitator = check_int("schools_per_facilitator", owner, schools_per_facilitator, 1)
    theme_names = check_themes(owner, themes)
    rng = rng_streams(seed, streams)
    return cohort_of(
        places(n, teams, rng),
        theme_names,
        rng,
        teams=teams,
        source=source.format(seed=seed, n=n),
        per_facilitator=per_facilitator,
        with_simd=with_simd,
        with_coordinates=with_coordinates,
        with_facilitators=with_facilitators,
    )
