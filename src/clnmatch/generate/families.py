"""Benchmark cohort families that are not one generator's: other themes, tastes, mixes, places.

Issue 16 measured that ``auto`` proved the project's own generated cohorts in a 1.4 s
median, but took 17-37 s on cohorts with 12 sector-driven themes and left 2 of 4 other
cohorts unproven in 30 s: the choice of strategy fitted one generator. Each family here
changes one thing about a CLN cohort, so a benchmark over all of them shows where speed
depends on the data:

=================  ========================================================================
family             what differs from ``generate_cohort``
=================  ========================================================================
themes6            6 themes; sector-driven tastes (many tied ratings within a sector)
themes12           12 themes; sector-driven tastes
themes20           20 themes (8 with a random sector profile); sector-driven tastes
uniform            12 themes rated uniformly at random: no structure at all
polarised          each establishment loves a few themes (4-5) and ignores the rest (0-1)
nominees1-3        each establishment sends 1, 2 or 3 people, uniformly
elc-heavy          55% nurseries (ELC), 30% primary, 8% secondary, 7% special
secondary-heavy    50% secondary, 32% primary, 10% special, 8% ELC
schools            real West Partnership schools with SIMD and coordinates (made-up
                   nurseries beside them), so blend carries real travel and SIMD terms
=================  ========================================================================

Every cohort is CLN-sized: 40-55 establishments (drawn per seed) of all eight
authorities, at most 100 practitioners (when the nominees would exceed 100, some
establishments send one fewer), facilitators for 8 teams, matchable under the default
``Rules()``. People and answers are synthetic. ``family_cohort(name, seed)`` is seeded:
the same family and seed give the same cohort, and each family draws its own streams
(seed 0 of two families are different cohorts).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
from clnmatch.generate.counts import check_int, rng_streams
from clnmatch.generate.people import (
    Places,
    Ratings,
    cohort_of,
    establishment_tastes,
    interests,
    nominee_counts,
)
from clnmatch.generate.profiles import DEFAULT_THEMES, SECTOR_WEIGHTS, TasteModel
from clnmatch.generate.schools import school_places
from clnmatch.generate.synthetic import synthetic_places
from clnmatch.models import RATING_MAX, Cohort

__all__ = ["FAMILIES", "Family", "family_cohort"]

TEAMS = 8
MAX_PARTICIPANTS = 100
ESTABLISHMENTS = (40, 55)  # inclusive range drawn per seed

Tastes = Literal["mixed", "sector", "uniform", "polarised"]

# sector drives the answers: larger sector leanings, little school or personal spread
SECTOR_TASTES = TasteModel(
    sector_scale=1.8,
    authority_noise_sd=0.1,
    establishment_sd=0.35,
    person_offset_sd=0.25,
    person_noise_sd=0.5,
    unknown_theme_sd=1.0,
)
THEMES_6 = DEFAULT_THEMES[:5] + ("Learning through play",)
THEMES_20 = DEFAULT_THEMES + (
    "Attendance",
    "Writing",
    "Reading for pleasure",
    "Additional support for learning",
    "Family learning",
    "STEM",
    "Modern languages",
    "Leadership of learning",
)
_STREAMS = (
    "size",
    "counts",
    "establishments",
    "names",
    "simd",
    "coordinates",
    "schools",
    "nurseries",
    "nominees",
    "interests",
    "people",
    "facilitators",
)


@dataclass(frozen=True)
class Family:
    """How a family's cohorts differ from ``generate_cohort``'s."""

    name: str
    description: str
    themes: tuple[str, ...] = DEFAULT_THEMES
    tastes: Tastes = "mixed"
    nominees: Literal["cln", "one-to-three"] = "cln"
    sector_weights: tuple[float, ...] = tuple(float(w) for w in SECTOR_WEIGHTS)  # ELC..special
    places: Literal["synthetic", "schools"] = "synthetic"


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("themes6", "6 themes, sector-driven tastes", THEMES_6, "sector"),
        Family("themes12", "12 themes, sector-driven tastes", DEFAULT_THEMES, "sector"),
        Family("themes20", "20 themes, sector-driven tastes", THEMES_20, "sector"),
        Family("uniform", "12 themes rated uniformly at random", tastes="uniform"),
        Family("polarised", "a few loved themes per establishment", tastes="polarised"),
        Family("nominees1-3", "1, 2 or 3 nominees per establishment", nominees="one-to-three"),
        Family("elc-heavy", "55% ELC", sector_weights=(0.55, 0.30, 0.08, 0.07)),
        Family("secondary-heavy", "50% secondary", sector_weights=(0.08, 0.32, 0.50, 0.10)),
        Family("schools", "real schools with SIMD and coordinates", places="schools"),
    )
}


def family_cohort(family: str, seed: int = 0) -> Cohort:
    """Cohort ``seed`` of benchmark family ``family`` (a key of ``FAMILIES``)."""
    owner = "family_cohort"
    if family not in FAMILIES:
        choices = ", ".join(repr(f) for f in FAMILIES)
        raise InvalidParameterError.for_value("family", owner, f"one of {choices}", family)
    seed = check_int("seed", owner, seed, 0)
    spec = FAMILIES[family]
    rng = rng_streams(seed, _STREAMS, key=zlib.crc32(family.encode()))
    low, high = ESTABLISHMENTS
    n = int(rng["size"].integers(low, high + 1))
    weights = np.array(spec.sector_weights)
    if spec.places == "schools":
        places = school_places(n, TEAMS, rng, weights)
    else:
        places = synthetic_places(n, TEAMS, rng, weights)
    return cohort_of(
        places,
        spec.themes,
        rng,
        teams=TEAMS,
        source=f"benchmark family {family} (seed {seed}, {n} establishments)",
        counts=_counts(spec, places, rng["nominees"]),
        ratings=_RATINGS[spec.tastes],
    )


def _counts(spec: Family, places: Places, rng: np.random.Generator) -> NDArray[np.int64]:
    """Nominees per establishment, then one fewer at random ones until at most 100 people."""
    if spec.nominees == "one-to-three":
        counts = rng.integers(1, 4, size=len(places)).astype(np.int64)
    else:
        counts = nominee_counts(places.sector, rng)
    while counts.sum() > MAX_PARTICIPANTS:
        most = np.flatnonzero(counts == counts.max())
        counts[int(rng.choice(most))] -= 1  # threes first, then twos become ones
    return counts


def _sector_ratings(
    themes: tuple[str, ...],
    places: Places,
    est_of: NDArray[np.int64],
    promoted: NDArray[np.bool_],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    return interests(themes, places, est_of, promoted, rng, SECTOR_TASTES)


def _uniform_ratings(
    themes: tuple[str, ...],
    places: Places,
    est_of: NDArray[np.int64],
    promoted: NDArray[np.bool_],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    return rng.integers(0, RATING_MAX + 1, size=(len(est_of), len(themes))).astype(np.int64)


def _polarised_ratings(
    themes: tuple[str, ...],
    places: Places,
    est_of: NDArray[np.int64],
    promoted: NDArray[np.bool_],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """An establishment's top quarter of themes (by the mixed model's leaning) rated 4-5 by
    its people, the rest 0-1; each person differs from their school on 15% of themes."""
    k = len(themes)
    tastes = establishment_tastes(themes, places, rng)
    top = np.argsort(-tastes, axis=1, kind="stable")[:, : max(1, round(k / 4))]
    loved = np.zeros((len(places), k), dtype=bool)
    np.put_along_axis(loved, top, True, axis=1)
    shape = (len(est_of), k)
    person_loves = loved[est_of] ^ (rng.random(shape) < 0.15)
    high = 4 + (rng.random(shape) < 0.5)
    low = (rng.random(shape) < 0.4).astype(np.int64)
    return np.where(person_loves, high, low).astype(np.int64)


_RATINGS: dict[Tastes, Ratings] = {
    "mixed": interests,
    "sector": _sector_ratings,
    "uniform": _uniform_ratings,
    "polarised": _polarised_ratings,
}
