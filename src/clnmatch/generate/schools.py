"""Sample cohorts at real places: the West Partnership's schools, with synthetic nurseries.

``generate_school_cohort`` draws a cohort's primary, secondary and special schools from
the 712 real schools of the eight authorities bundled in ``clnmatch/data`` (SEED code,
name, SIMD 2020 percentile, coordinates; see ``data/README.md``), so the demo shows real
places, real travel distances and a real affluent / challenge mix (Glasgow's schools
have a median SIMD percentile of 17, East Dunbartonshire's 78). The source has no
nurseries: each ELC establishment is made up, placed 200-900 m from a real primary
school of its authority, named after it ("Baljaffray Early Learning Centre") and given
that school's SIMD percentile. People, roles, survey answers and facilitators are
synthetic, as in ``generate_cohort``.

How many of each: authority and sector counts as in ``generate_cohort`` (so a CLN-sized
cohort stays matchable), paired at random; where an authority has fewer real schools of
a sector than drawn (East Renfrewshire has one special school), sectors are swapped with
another authority's establishment until every authority's draw fits. Within a cohort no
two schools share a SEED code or a name (the file has 61 names found in two authorities,
e.g. "Bankhead Primary School" in Glasgow and South Lanarkshire).

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
from clnmatch.generate.counts import (
    authority_counts,
    sector_counts,
)
from clnmatch.generate.people import Places, generate_with
from clnmatch.generate.profiles import AUTHORITIES, SECTOR_WEIGHTS, SECTORS
from clnmatch.generate.words import NAME_PATTERNS
from clnmatch.models import Cohort, Establishment, Sector
from clnmatch.schools_file import SCHOOLS_FILE, school_rows

__all__ = [
    "MAX_SCHOOL_ESTABLISHMENTS",
    "SCHOOLS_ATTRIBUTION",
    "schools_data_source",
    "SCHOOLS_FILE",
    "School",
    "generate_school_cohort",
    "load_schools",
    "school_places",
]

SCHOOLS_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
# the most establishments a draw is known to fit: measured over 300 seeds (teams_hint 8,
# 40, 80), 400 always fit, 450 failed once, 500 once in 60, 550 ten times in 60
MAX_SCHOOL_ESTABLISHMENTS = 400

_STREAMS = (
    "counts",
    "establishments",
    "schools",
    "nurseries",
    "nominees",
    "interests",
    "people",
    "facilitators",
)
_ELC = SECTORS.index(Sector.ELC)
_AUTHORITY_INDEX = {a.name: i for i, a in enumerate(AUTHORITIES)}
# a primary school whose name gives a nursery's: "Baljaffray Primary School",
# "St Mary's Primary School (Cleland)", "Carmyle Primary School & Nursery Class"
_PRIMARY_NAME = re.compile(
    r"^(?P<stem>[A-Z][\w' .-]*?) Primary(?: School)?(?: (?:&|and) Nursery Class)?"
    r"(?P<place> \([A-Z][\w .'-]*\))?$"
)
_NURSERY_KM = (0.2, 0.9)  # a nursery's distance from the school it is named after


@dataclass(frozen=True)
class School:
    """One row of the bundled schools file."""

    seed_code: str
    name: str
    sector: Sector
    authority: str
    denomination: str
    pupil_roll: int
    simd_percentile: int  # SIMD 2020, 1 = most deprived
    urban_rural: str
    postcode: str
    latitude: float
    longitude: float

    @property
    def simd_quintile(self) -> int:
        """ceil(percentile / 20): 1 (most deprived) .. 5."""
        return max(1, min(5, math.ceil(self.simd_percentile / 20)))


def schools_data_source(cohort: Cohort) -> str | None:
    """The licence line a cohort's outputs must carry when some of its establishments are
    rows of the bundled schools file (a survey ``clnmatch generate`` wrote: the seed code,
    name and place of a school of the file), else None. A school's name and seed code
    alone, as a survey of its own gives them, are not the file's details."""
    known = {s.seed_code: s for s in load_schools()}

    def row_of_file(e: Establishment) -> bool:
        school = known.get(e.id)
        return (
            school is not None
            and school.name.casefold() == e.name.casefold()
            and e.latitude is not None
            and e.longitude is not None
            and abs(school.latitude - e.latitude) < 1e-4  # the file's place (about 10 m)
            and abs(school.longitude - e.longitude) < 1e-4
        )

    if any(row_of_file(e) for e in cohort.establishments):
        return f"Some schools' details are from the West Partnership schools data. {SCHOOLS_ATTRIBUTION}"
    return None


@functools.cache
def load_schools() -> tuple[School, ...]:
    """The 712 real schools bundled with clnmatch, in file order."""
    schools = []
    for row in school_rows():
        sector = Sector.parse(row["sector"])
        if sector is None or row["authority"] not in _AUTHORITY_INDEX:  # pragma: no cover
            raise ValueError(f"{SCHOOLS_FILE}: unexpected row {row['seed_code']}")
        schools.append(
            School(
                seed_code=row["seed_code"],
                name=row["name"],
                sector=sector,
                authority=row["authority"],
                denomination=row["denomination"],
                pupil_roll=int(row["pupil_roll"]),
                simd_percentile=int(row["simd_percentile"]),
                urban_rural=row["urban_rural"],
                postcode=row["postcode"],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
            )
        )
    return tuple(schools)


def generate_school_cohort(
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
    """A seeded cohort of real West Partnership schools and synthetic nurseries and people.

    Parameters as ``generate_cohort``; ``establishments`` is at most
    ``MAX_SCHOOL_ESTABLISHMENTS`` (400). Real schools keep their SEED code as
    ``establishment_id``; nurseries get ids such as ``GC-EY-003``. Same arguments, same
    cohort.
    """
    return generate_with(
        "generate_school_cohort",
        school_places,
        _STREAMS,
        "cohort of real West Partnership schools (seed {seed}, {n} establishments)",
        establishments=establishments,
        seed=seed,
        teams_hint=teams_hint,
        with_simd=with_simd,
        with_coordinates=with_coordinates,
        with_facilitators=with_facilitators,
        schools_per_facilitator=schools_per_facilitator,
        themes=themes,
        max_establishments=MAX_SCHOOL_ESTABLISHMENTS,
    )


def school_places(
    n: int,
    teams: int,
    rng: dict[str, np.random.Generator],
    sector_weights: NDArray[np.float64] = SECTOR_WEIGHTS,
) -> Places:
    """``n`` establishments: real schools, and a synthetic nursery for each ELC drawn.

    ``rng`` holds the streams "counts", "establishments", "schools", "nurseries".
    Raises InvalidParameterError when the real schools cannot fill the draw.
    """
    auth_counts = authority_counts(n, teams, rng["counts"])
    sec_counts = sector_counts(n, teams, rng["counts"], sector_weights)
    est_rng = rng["establishments"]
    auth = est_rng.permutation(np.repeat(np.arange(len(AUTHORITIES)), auth_counts))
    sector = est_rng.permutation(np.repeat(np.arange(len(SECTORS)), sec_counts))
    cells = _school_cells(rng["schools"])
    _fit_to_schools(auth, sector, cells, est_rng)

    chosen: list[School | None] = [None] * n
    taken = {key: 0 for key in cells}
    for i in range(n):
        key = (int(auth[i]), int(sector[i]))
        if key[1] != _ELC:
            chosen[i] = cells[key][taken[key]]
            taken[key] += 1
    schools = [s for s in chosen if s is not None]
    nurseries = _nurseries(auth, sector, schools, rng["nurseries"])
    ids: list[str] = []
    names: list[str] = []
    simd = np.zeros(n, dtype=np.int64)
    lat, lon = np.zeros(n), np.zeros(n)
    for i, school in enumerate(chosen):
        if school is not None:
            ids.append(school.seed_code)
            names.append(school.name)
            simd[i] = school.simd_quintile
            lat[i], lon[i] = school.latitude, school.longitude
        else:
            nursery = nurseries[i]
            ids.append(nursery.id)
            names.append(nursery.name)
            simd[i] = nursery.simd_quintile
            lat[i], lon[i] = nursery.latitude, nursery.longitude
    return Places(
        ids=ids,
        names=names,
        auth=auth,
        sector=sector,
        simd=simd,
        lat=np.round(lat, 5),
        lon=np.round(lon, 5),
    )


def _school_cells(rng: np.random.Generator) -> dict[tuple[int, int], list[School]]:
    """The schools by (authority, sector), in a random order, no SEED code or name twice."""
    schools = load_schools()
    seen: set[str] = set()
    cells: dict[tuple[int, int], list[School]] = {
        (a, s): [] for a in range(len(AUTHORITIES)) for s in range(len(SECTORS)) if s != _ELC
    }
    for k in rng.permutation(len(schools)).tolist():
        school = schools[k]
        if school.seed_code in seen or school.name.casefold() in seen:
            continue  # one department of a two-department school; a name used elsewhere
        seen.update((school.seed_code, school.name.casefold()))
        cells[_AUTHORITY_INDEX[school.authority], SECTORS.index(school.sector)].append(school)
    return cells


def _fit_to_schools(
    auth: NDArray[np.int64],
    sector: NDArray[np.int64],
    cells: dict[tuple[int, int], list[School]],
    rng: np.random.Generator,
) -> None:
    """Swap sectors between authorities until no (authority, sector) asks for more schools
    than it has; ELC (made-up nurseries) takes any number. Changes ``sector`` in place."""

    def room(a: int, s: int) -> float:
        return (
            math.inf if s == _ELC else len(cells[a, s]) - int(((auth == a) & (sector == s)).sum())
        )

    while True:
        over = [(a, s) for (a, s) in cells if room(a, s) < 0]
        if not over:
            return
        a, s = over[0]
        i = int(rng.choice(np.flatnonzero((auth == a) & (sector == s))))
        # j of another authority a2 and another sector s2: i takes s2, j takes s
        candidates = [
            j
            for j in range(len(auth))
            if auth[j] != a
            and sector[j] != s
            and room(a, int(sector[j])) >= 1
            and room(int(auth[j]), s) >= 1
        ]
        if not candidates:
            raise InvalidParameterError.for_value(
                "establishments",
                "generate_school_cohort",
                "a number the real schools can fill (fewer establishments)",
                len(auth),
            )
        j = int(rng.choice(candidates))
        sector[i], sector[j] = sector[j], sector[i]


@dataclass(frozen=True)
class _Nursery:
    id: str
    name: str
    simd_quintile: int
    latitude: float
    longitude: float


def _nurseries(
    auth: NDArray[np.int64],
    sector: NDArray[np.int64],
    schools_in_cohort: Sequence[School],
    rng: np.random.Generator,
) -> dict[int, _Nursery]:
    """A made-up nursery for each ELC establishment, beside a real primary of its authority.

    The primary is not itself in the cohort where the authority has enough others (then
    the nursery is its nursery class); the nursery is named after it, takes its SIMD
    percentile and sits 200-900 m from it in a random direction.
    """
    in_cohort = {s.seed_code for s in schools_in_cohort}
    used_names = {s.name.casefold() for s in schools_in_cohort}
    patterns = NAME_PATTERNS[Sector.ELC]
    weights = np.array([w for _, w in patterns])
    hosts: dict[int, list[tuple[School, re.Match[str]]]] = {}
    for school in load_schools():
        match = _PRIMARY_NAME.match(school.name)
        if school.sector is Sector.PRIMARY and match:
            hosts.setdefault(_AUTHORITY_INDEX[school.authority], []).append((school, match))
    order: dict[int, Iterator[int]] = {}
    for a, h in hosts.items():
        shuffled: list[int] = rng.permutation(len(h)).tolist()
        # primaries outside the cohort first, then those in it
        inside = [h[k][0].seed_code in in_cohort for k in range(len(h))]
        order[a] = iter(sorted(shuffled, key=inside.__getitem__))
    serial = dict.fromkeys(range(len(AUTHORITIES)), 0)
    out: dict[int, _Nursery] = {}
    for i in np.flatnonzero(sector == _ELC).tolist():
        a = int(auth[i])
        for k in order[a]:
            host, match = hosts[a][k]
            pattern = patterns[int(rng.choice(len(patterns), p=weights / weights.sum()))][0]
            name = pattern.format(stem=match["stem"]) + (match["place"] or "")
            if name.casefold() not in used_names:
                break
        else:  # pragma: no cover - every authority has far more primaries than nurseries drawn
            raise InvalidParameterError.for_value(
                "establishments", "generate_school_cohort", "fewer nurseries", len(auth)
            )
        used_names.add(name.casefold())
        serial[a] += 1
        distance = rng.uniform(*_NURSERY_KM)
        bearing = rng.uniform(0.0, 2 * math.pi)
        km_per_degree = 111.2
        out[i] = _Nursery(
            id=f"{AUTHORITIES[a].code}-EY-{serial[a]:03d}",
            name=name,
            simd_quintile=host.simd_quintile,
            latitude=host.latitude + distance * math.cos(bearing) / km_per_degree,
            longitude=host.longitude
            + distance
            * math.sin(bearing)
            / (km_per_degree * math.cos(math.radians(host.latitude))),
        )
    return out
