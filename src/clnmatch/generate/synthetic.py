"""Fully synthetic seeded cohorts shaped like the West Partnership's CLN cohorts.

``generate_cohort`` builds a fictional but realistic cohort: the eight West Partnership
authorities weighted by size, sectors in CLN proportions, made-up establishment names and
ids, SIMD quintiles and coordinates that follow the authority (drawn around its centre),
and the synthetic people of ``clnmatch.generate.people``. Nothing in it is a real place;
``clnmatch.generate.schools`` draws real schools instead.

Everything is drawn from ``numpy.random.default_rng`` streams derived from ``seed`` (no
global random state), one stream per aspect, so the same seed always gives the same
cohort and switching an optional column off (``with_simd=False``, ...) changes nothing
else. At 50 establishments Glasgow City holds 15-17 (about a third); see
``clnmatch.generate.counts`` for why a CLN-sized sample is always matchable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from clnmatch.generate.counts import (
    authority_counts,
    sector_counts,
)
from clnmatch.generate.people import Places, generate_with
from clnmatch.generate.profiles import AUTHORITIES, SECTOR_CODES, SECTOR_WEIGHTS, SECTORS
from clnmatch.generate.words import (
    NAME_PATTERNS,
    SAINTS,
    STEM_HEADS,
    STEM_TAILS,
    possessive,
)
from clnmatch.models import Cohort

__all__ = ["generate_cohort", "generate_region", "synthetic_places"]

# one independent stream per aspect, so switching a column off changes nothing else
_STREAMS = (
    "counts",
    "establishments",
    "names",
    "simd",
    "coordinates",
    "nominees",
    "interests",
    "people",
    "facilitators",
)


def generate_cohort(
    establishments: int = 50,
    *,
    seed: int = 0,
    teams_hint: int = 8,
    with_simd: bool = True,
    with_coordinates: bool = True,
    with_facilitators: bool = True,
    schools_per_facilitator: int = 10,
    themes: Sequence[str] | None = None,
) -> Cohort:
    """A fictional, seeded cohort shaped like a West Partnership CLN cohort.

    ``teams_hint`` is the number of teams the cohort is meant for: no authority gets more
    establishments than half of each of that many even teams can hold, the largest sector
    leaves one other establishment per team, and Education Scotland tops the facilitators
    up to that many. ``themes`` defaults to ``DEFAULT_THEMES``; themes the built-in
    profiles do not know get a random sector profile. Same arguments, same cohort.
    """
    return generate_with(
        "generate_cohort",
        synthetic_places,
        _STREAMS,
        "generated cohort (seed {seed}, {n} establishments)",
        establishments=establishments,
        seed=seed,
        teams_hint=teams_hint,
        with_simd=with_simd,
        with_coordinates=with_coordinates,
        with_facilitators=with_facilitators,
        schools_per_facilitator=schools_per_facilitator,
        themes=themes,
    )


def generate_region(
    establishments: int = 500,
    *,
    seed: int = 0,
    teams_hint: int = 8,
    with_simd: bool = True,
    with_coordinates: bool = True,
    with_facilitators: bool = True,
    schools_per_facilitator: int = 10,
    themes: Sequence[str] | None = None,
) -> Cohort:
    """A region-sized sample (hundreds to thousands of establishments); see ``generate_cohort``."""
    return generate_cohort(
        establishments,
        seed=seed,
        teams_hint=teams_hint,
        with_simd=with_simd,
        with_coordinates=with_coordinates,
        with_facilitators=with_facilitators,
        schools_per_facilitator=schools_per_facilitator,
        themes=themes,
    )


# --- made-up establishments ----------------------------------------------------------
def synthetic_places(
    n: int,
    teams: int,
    rng: dict[str, np.random.Generator],
    sector_weights: NDArray[np.float64] = SECTOR_WEIGHTS,
) -> Places:
    """``n`` made-up establishments: counts, then ids, names, SIMD and locations.

    ``rng`` holds the streams "counts", "establishments", "names", "simd", "coordinates".
    """
    auth_counts = authority_counts(n, teams, rng["counts"])
    sec_counts = sector_counts(n, teams, rng["counts"], sector_weights)
    est_rng = rng["establishments"]
    auth = est_rng.permutation(np.repeat(np.arange(len(AUTHORITIES)), auth_counts))
    sector = est_rng.permutation(np.repeat(np.arange(len(SECTORS)), sec_counts))
    lat, lon = _coordinates(auth, rng["coordinates"])
    return Places(
        ids=_establishment_ids(auth, sector, rng["names"]),
        names=_establishment_names(auth, sector, rng["names"]),
        auth=auth,
        sector=sector,
        simd=_simd_quintiles(auth, rng["simd"]),
        lat=lat,
        lon=lon,
    )


def _simd_quintiles(auth: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.int64]:
    cumulative = np.cumsum([a.simd for a in AUTHORITIES], axis=1)
    cumulative[:, -1] = 1.0
    draw = rng.random(len(auth))
    return (draw[:, None] >= cumulative[auth]).sum(axis=1).astype(np.int64) + 1


def _coordinates(
    auth: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    centre_lat = np.array([a.lat for a in AUTHORITIES])[auth]
    centre_lon = np.array([a.lon for a in AUTHORITIES])[auth]
    scatter = np.array([a.scatter_km for a in AUTHORITIES])[auth]
    offset = rng.normal(0.0, 1.0, size=(len(auth), 2)) * scatter[:, None]
    # keep establishments near their authority: no offset beyond two standard deviations
    length = np.linalg.norm(offset, axis=1, keepdims=True)
    limit = 2.0 * scatter[:, None]
    offset = np.where(length > limit, offset * limit / np.maximum(length, 1e-9), offset)
    km_per_degree = 111.2
    lat = centre_lat + offset[:, 0] / km_per_degree
    lon = centre_lon + offset[:, 1] / (km_per_degree * np.cos(np.radians(centre_lat)))
    return np.round(lat, 5), np.round(lon, 5)


def _establishment_ids(
    auth: NDArray[np.int64], sector: NDArray[np.int64], rng: np.random.Generator
) -> list[str]:
    """Ids as authorities export them: "GC-PS-014" for some, zero-padded "0041" for others."""
    coded = rng.random(len(AUTHORITIES)) < 0.6
    numeric_needed = int((~coded[auth]).sum())
    # small numbers, as local codes are: many need a leading zero ("0041")
    pool = max(1500, 3 * numeric_needed)
    numbers = iter(np.sort(rng.choice(pool, size=numeric_needed, replace=False) + 1))
    serial: dict[tuple[int, int], int] = {}
    ids: list[str] = []
    for a, s in zip(auth.tolist(), sector.tolist(), strict=True):
        if coded[a]:
            serial[a, s] = serial.get((a, s), 0) + 1
            ids.append(f"{AUTHORITIES[a].code}-{SECTOR_CODES[SECTORS[s]]}-{serial[a, s]:03d}")
        else:
            ids.append(f"{next(numbers):04d}")
    # numeric ids should not follow the establishment order (survey order is arbitrary)
    numeric_at = [i for i, a in enumerate(auth.tolist()) if not coded[a]]
    shuffled = rng.permutation(len(numeric_at))
    reordered = [ids[numeric_at[k]] for k in shuffled]
    for i, new in zip(numeric_at, reordered, strict=True):
        ids[i] = new
    return ids


def _establishment_names(
    auth: NDArray[np.int64], sector: NDArray[np.int64], rng: np.random.Generator
) -> list[str]:
    """Names from word lists, unique within the cohort (a town is added on a clash)."""
    n = len(auth)
    heads = rng.integers(len(STEM_HEADS), size=n)
    tails = rng.integers(len(STEM_TAILS), size=n)
    saints = rng.integers(len(SAINTS), size=n)
    pattern_draw = rng.random(n)
    town_draw = rng.integers(1 << 30, size=n)
    cumulative = {
        s: np.cumsum([w for _, w in pats]) / sum(w for _, w in pats)
        for s, pats in NAME_PATTERNS.items()
    }
    used: set[str] = set()
    names: list[str] = []
    for i in range(n):
        sec = SECTORS[sector[i]]
        patterns = NAME_PATTERNS[sec]
        k = min(
            int(np.searchsorted(cumulative[sec], pattern_draw[i], side="right")), len(patterns) - 1
        )
        head, tail = STEM_HEADS[heads[i]], STEM_TAILS[tails[i]]
        if head.casefold().endswith(tail) or tail.startswith(head.casefold()[-2:]):
            tail = "field" if tail != "field" else "view"  # avoid "Hillhill", "Burnburn"
        name = patterns[k][0].format(stem=head + tail, saint=possessive(SAINTS[saints[i]]))
        if name in used:
            towns = AUTHORITIES[auth[i]].towns
            start = int(town_draw[i]) % len(towns)
            for step in range(len(towns)):
                candidate = f"{name}, {towns[(start + step) % len(towns)]}"
                if candidate not in used:
                    name = candidate
                    break
            else:
                number = 2
                while f"{name} ({number})" in used:
                    number += 1
                name = f"{name} ({number})"
        used.add(name)
        names.append(name)
    return names
