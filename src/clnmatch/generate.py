"""Seeded sample cohorts shaped like the West Partnership's Collaborative Learning Networks.

``generate_cohort`` builds a fictional but realistic cohort: the eight West Partnership
authorities weighted by size, sectors in CLN proportions, one promoted member of staff
and one practitioner per establishment (with the odd lone or third nominee), survey
interests that correlate within sector, authority and establishment, SIMD quintiles
and coordinates that follow the authority, and the facilitators each authority owes.

Everything is drawn from ``numpy.random.default_rng`` streams derived from ``seed``
(no global random state), one stream per aspect, so the same seed always gives the same
cohort and switching an optional column off (``with_simd=False``, ...) changes nothing
else. All people are fake: names come from word lists and emails use example.org.
Nothing here writes files; see ``clnmatch.io.survey.write_survey`` for that.

How the counts are drawn (so that a CLN-sized sample is always matchable):

* Authorities and sectors follow their weights closely: the weights are jittered a
  little per seed, then turned into counts by largest-remainder rounding with random
  tie-breaks, so at 50 establishments Glasgow City holds 15-17 (about a third). No
  authority is given more establishments than "at most half of a team's establishments"
  allows over ``teams_hint`` even teams, and the largest sector leaves at least one
  establishment of another sector for each of ``teams_hint`` teams.
* About 5% of establishments send a lone nominee and about 3% a third one; there are
  never more third nominees than lone ones, so a cohort has at most two participants
  per establishment on average (50 establishments -> at most 100 participants).
* Facilitators: each authority supplies ceil(its establishments /
  ``schools_per_facilitator``) (QIOs and educational psychologists), and Education
  Scotland adds one specialist, plus as many more as needed to reach ``teams_hint`` in
  total, so every team can have a facilitator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
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
    "generate_cohort",
    "generate_region",
    "DEFAULT_THEMES",
    "AUTHORITIES",
    "AuthorityProfile",
    "EDUCATION_SCOTLAND",
]

DEFAULT_THEMES: tuple[str, ...] = (
    "Literacy",
    "Numeracy",
    "Health and wellbeing",
    "Parental engagement",
    "Transitions",
    "Resilience",
    "Learning through play",
    "Outdoor learning",
    "Racial equality",
    "Pupil voice",
    "Digital learning",
    "Closing the poverty-related attainment gap",
)

EDUCATION_SCOTLAND = "Education Scotland"


@dataclass(frozen=True)
class AuthorityProfile:
    """An authority's share of establishments, SIMD profile, centre and towns."""

    name: str
    code: str  # for ids such as "GC-PS-014"
    weight: float  # share of a cohort's establishments
    simd: tuple[float, float, float, float, float]  # P(quintile 1..5)
    lat: float
    lon: float
    scatter_km: float  # standard deviation of establishments around the centre
    towns: tuple[str, ...]


def _authority(
    name: str,
    code: str,
    weight: float,
    simd: tuple[float, float, float, float, float],
    centre: tuple[float, float],
    scatter_km: float,
    towns: str,
) -> AuthorityProfile:
    return AuthorityProfile(
        name, code, weight, simd, centre[0], centre[1], scatter_km, tuple(towns.split(", "))
    )


# Weights follow the authorities' size (pupil numbers): Glasgow about a third, then the
# Lanarkshires, Renfrewshire, and four small authorities. SIMD profiles: East
# Dunbartonshire / East Renfrewshire affluent; the Challenge Authorities skewed to 1-2.
AUTHORITIES: tuple[AuthorityProfile, ...] = (
    _authority(
        "Glasgow City",
        "GC",
        0.32,
        (0.44, 0.22, 0.13, 0.11, 0.10),
        (55.8609, -4.2514),
        4.5,
        "Partick, Govan, Shettleston, Springburn, Pollokshields, Drumchapel, "
        "Easterhouse, Castlemilk, Maryhill, Dennistoun, Knightswood, Cathcart",
    ),
    _authority(
        "North Lanarkshire",
        "NL",
        0.18,
        (0.33, 0.25, 0.18, 0.14, 0.10),
        (55.8580, -3.9800),
        6.0,
        "Airdrie, Coatbridge, Cumbernauld, Motherwell, Wishaw, Bellshill, Kilsyth, Shotts",
    ),
    _authority(
        "South Lanarkshire",
        "SL",
        0.17,
        (0.18, 0.20, 0.22, 0.21, 0.19),
        (55.7400, -4.0500),
        6.5,
        "Hamilton, East Kilbride, Rutherglen, Cambuslang, Lanark, Carluke, Larkhall, "
        "Blantyre, Strathaven",
    ),
    _authority(
        "Renfrewshire",
        "RC",
        0.10,
        (0.26, 0.18, 0.19, 0.18, 0.19),
        (55.8450, -4.4800),
        4.5,
        "Paisley, Renfrew, Johnstone, Erskine, Linwood, Bishopton, Lochwinnoch",
    ),
    _authority(
        "East Dunbartonshire",
        "ED",
        0.06,
        (0.03, 0.06, 0.13, 0.28, 0.50),
        (55.9350, -4.2000),
        3.5,
        "Bearsden, Milngavie, Kirkintilloch, Bishopbriggs, Lenzie, Twechar",
    ),
    _authority(
        "East Renfrewshire",
        "ER",
        0.06,
        (0.03, 0.05, 0.10, 0.27, 0.55),
        (55.7850, -4.3400),
        3.5,
        "Giffnock, Newton Mearns, Barrhead, Clarkston, Busby, Eaglesham, Neilston",
    ),
    _authority(
        "West Dunbartonshire",
        "WD",
        0.055,
        (0.38, 0.24, 0.16, 0.12, 0.10),
        (55.9300, -4.4900),
        3.5,
        "Clydebank, Dumbarton, Alexandria, Bonhill, Renton, Old Kilpatrick",
    ),
    _authority(
        "Inverclyde",
        "IC",
        0.055,
        (0.40, 0.20, 0.15, 0.13, 0.12),
        (55.9400, -4.7300),
        3.0,
        "Greenock, Port Glasgow, Gourock, Kilmacolm, Wemyss Bay, Inverkip",
    ),
)


_SECTORS: tuple[Sector, ...] = (Sector.ELC, Sector.PRIMARY, Sector.SECONDARY, Sector.SPECIAL)
_SECTOR_WEIGHTS = np.array([0.23, 0.53, 0.17, 0.07])
_SECTOR_CODES = {
    Sector.ELC: "EY",
    Sector.PRIMARY: "PS",
    Sector.SECONDARY: "SS",
    Sector.SPECIAL: "SP",
}
# concentration of the per-seed jitter of the weights (higher: closer to the weights)
_JITTER = 400.0

# Interest model (on the 0-5 rating scale): base + sector affinity + authority bias +
# deprivation effect + establishment taste + person generosity + noise, rounded, clipped.
_BASE_RATING = 2.3
_AUTHORITY_NOISE_SD = 0.25
_ESTABLISHMENT_TASTE_SD = 0.9
_PERSON_OFFSET_SD = 0.4
_PERSON_NOISE_SD = 0.9
_UNKNOWN_THEME_SD = 0.7  # sector affinity of a theme the profiles below do not know

_SECTOR_AFFINITY: dict[Sector, dict[str, float]] = {
    Sector.ELC: {
        "literacy": 0.0,
        "numeracy": -0.3,
        "health and wellbeing": 0.6,
        "parental engagement": 1.0,
        "transitions": 1.0,
        "resilience": 0.0,
        "learning through play": 1.8,
        "outdoor learning": 1.5,
        "racial equality": -0.3,
        "pupil voice": -0.5,
        "digital learning": -1.2,
        "closing the poverty-related attainment gap": 0.2,
    },
    Sector.PRIMARY: {
        "literacy": 1.2,
        "numeracy": 1.1,
        "health and wellbeing": 0.6,
        "parental engagement": 0.4,
        "transitions": 0.2,
        "resilience": 0.2,
        "learning through play": 0.6,
        "outdoor learning": 0.4,
        "racial equality": 0.0,
        "pupil voice": 0.4,
        "digital learning": 0.0,
        "closing the poverty-related attainment gap": 0.9,
    },
    Sector.SECONDARY: {
        "literacy": 0.3,
        "numeracy": 0.9,
        "health and wellbeing": 0.5,
        "parental engagement": -0.6,
        "transitions": 0.5,
        "resilience": 1.0,
        "learning through play": -1.6,
        "outdoor learning": -0.8,
        "racial equality": 0.4,
        "pupil voice": 0.8,
        "digital learning": 1.2,
        "closing the poverty-related attainment gap": 0.7,
    },
    Sector.SPECIAL: {
        "literacy": 0.2,
        "numeracy": -0.2,
        "health and wellbeing": 1.4,
        "parental engagement": 0.9,
        "transitions": 1.2,
        "resilience": 0.8,
        "learning through play": 0.5,
        "outdoor learning": 0.6,
        "racial equality": -0.2,
        "pupil voice": 0.6,
        "digital learning": 0.2,
        "closing the poverty-related attainment gap": -0.2,
    },
}
_AUTHORITY_BIAS: dict[str, dict[str, float]] = {
    "Glasgow City": {"racial equality": 0.5, "closing the poverty-related attainment gap": 0.3},
    "North Lanarkshire": {"numeracy": 0.3, "outdoor learning": 0.2},
    "South Lanarkshire": {"outdoor learning": 0.3, "literacy": 0.2},
    "Renfrewshire": {"parental engagement": 0.3},
    "East Dunbartonshire": {
        "digital learning": 0.2,
        "pupil voice": 0.2,
        "closing the poverty-related attainment gap": -0.4,
    },
    "East Renfrewshire": {
        "racial equality": 0.2,
        "digital learning": 0.3,
        "closing the poverty-related attainment gap": -0.4,
    },
    "West Dunbartonshire": {"closing the poverty-related attainment gap": 0.3},
    "Inverclyde": {"closing the poverty-related attainment gap": 0.3, "transitions": 0.2},
}
# deprivation: schools in SIMD 1-2 care more about the poverty-related gap, 4-5 less
_SIMD_EFFECT: dict[str, tuple[float, float, float, float, float]] = {
    "closing the poverty-related attainment gap": (0.6, 0.4, 0.0, -0.4, -0.6),
    "health and wellbeing": (0.2, 0.1, 0.0, 0.0, 0.0),
}
_PROMOTED_EFFECT: dict[str, float] = {
    "closing the poverty-related attainment gap": 0.3,
    "parental engagement": 0.2,
}

_LONE_SHARE = 0.05  # establishments sending a single nominee
_THIRD_SHARE = 0.03  # establishments sending a third nominee

# --- word lists (fictional names) ---------------------------------------------
_STEM_HEADS = (
    "Hill",
    "River",
    "Oak",
    "Birch",
    "Glen",
    "Brae",
    "Burn",
    "Thorn",
    "Wood",
    "Ash",
    "Elm",
    "Kirk",
    "Craig",
    "Bank",
    "Loch",
    "Muir",
    "Rowan",
    "Heather",
    "Holly",
    "Broom",
    "Castle",
    "Cross",
    "Green",
    "Lang",
    "Bell",
    "Black",
    "Blair",
    "Carn",
    "Dal",
    "Moss",
    "Pine",
    "Rose",
    "Sand",
    "Spring",
    "Stone",
    "Sun",
    "West",
    "East",
    "North",
    "Fair",
    "Bal",
    "Auchen",
    "Kil",
    "Drum",
    "Gart",
    "Bar",
    "Lin",
    "Mill",
    "Park",
    "Maple",
)
_STEM_TAILS = (
    "view",
    "side",
    "wood",
    "field",
    "hill",
    "bank",
    "brae",
    "park",
    "lea",
    "mount",
    "burn",
    "haugh",
    "mill",
    "vale",
    "croft",
    "ton",
    "dale",
    "gate",
    "muir",
    "glen",
    "knowe",
    "law",
    "head",
    "ford",
    "holm",
    "lands",
    "brook",
    "grove",
    "shaw",
    "crest",
)
_SAINTS = (
    "Mungo",
    "Mary",
    "Andrew",
    "Margaret",
    "Bride",
    "Columba",
    "Patrick",
    "Joseph",
    "Ninian",
    "Thomas",
    "Paul",
    "Peter",
    "Aloysius",
    "Bernadette",
    "Brendan",
    "Charles",
    "Francis",
    "Kentigern",
    "Mirin",
    "Fillan",
    "Monica",
    "Teresa",
    "Anne",
    "Michael",
    "Stephen",
    "Cadoc",
    "Ambrose",
    "Maurice",
    "Roch",
    "Blane",
    "Kevin",
    "Benedict",
    "Catherine",
    "Clare",
    "Dominic",
    "Edward",
    "Gerard",
    "Helen",
    "Hilary",
    "Ignatius",
    "John",
    "Jude",
    "Lucy",
    "Mark",
    "Matthew",
    "Martha",
    "Oswald",
    "Rose",
    "Vincent",
    "Timothy",
    "Albert",
    "Agnes",
    "Augustine",
    "James",
)
# (pattern, weight); "{stem}" a composed place name, "{saint}" a saint's possessive
_NAME_PATTERNS: dict[Sector, tuple[tuple[str, float], ...]] = {
    Sector.ELC: (
        ("{stem} Early Learning Centre", 0.40),
        ("{stem} Nursery School", 0.20),
        ("{stem} Family Learning Centre", 0.15),
        ("{stem} Early Years Centre", 0.15),
        ("{stem} Nursery Class", 0.10),
    ),
    Sector.PRIMARY: (("{stem} Primary School", 0.70), ("St {saint} Primary School", 0.30)),
    Sector.SECONDARY: (
        ("{stem} High School", 0.32),
        ("{stem} Academy", 0.30),
        ("{stem} Secondary School", 0.08),
        ("St {saint} High School", 0.18),
        ("St {saint} Academy", 0.12),
    ),
    Sector.SPECIAL: (
        ("{stem} School", 0.65),
        ("{stem} Academy", 0.20),
        ("{stem} Additional Support Needs School", 0.15),
    ),
}
_FIRST_NAMES = (
    "Aileen",
    "Alan",
    "Alison",
    "Andrew",
    "Angela",
    "Callum",
    "Catriona",
    "Claire",
    "Craig",
    "David",
    "Donna",
    "Elaine",
    "Eilidh",
    "Emma",
    "Euan",
    "Fiona",
    "Fraser",
    "Gillian",
    "Graham",
    "Hamish",
    "Heather",
    "Iain",
    "Isla",
    "Jacqueline",
    "Jamie",
    "Jennifer",
    "Karen",
    "Kirsty",
    "Laura",
    "Lesley",
    "Lorna",
    "Lorraine",
    "Mairi",
    "Margaret",
    "Mark",
    "Martin",
    "Morag",
    "Neil",
    "Nicola",
    "Paul",
    "Rachel",
    "Rhona",
    "Ross",
    "Ruth",
    "Sandra",
    "Scott",
    "Shona",
    "Stephen",
    "Stuart",
    "Susan",
    "Tracey",
    "Yvonne",
    "Ailsa",
    "Kenneth",
    "Moira",
    "Sinead",
    "Gary",
    "Lynsey",
    "Ewan",
    "Siobhan",
)
_SURNAMES = (
    "Smith",
    "Brown",
    "Wilson",
    "Campbell",
    "Stewart",
    "Thomson",
    "Robertson",
    "Anderson",
    "MacDonald",
    "Scott",
    "Reid",
    "Murray",
    "Taylor",
    "Clark",
    "Ross",
    "Watson",
    "Morrison",
    "Paterson",
    "Young",
    "Mitchell",
    "Walker",
    "Fraser",
    "Miller",
    "McDonald",
    "Gray",
    "Henderson",
    "Hamilton",
    "Johnston",
    "Duncan",
    "Graham",
    "Ferguson",
    "Kerr",
    "Davidson",
    "Bell",
    "Cameron",
    "Kelly",
    "Martin",
    "Hunter",
    "Allan",
    "Mackenzie",
    "Grant",
    "Simpson",
    "MacLeod",
    "Black",
    "Russell",
    "Wallace",
    "Gibson",
    "Marshall",
    "McLean",
    "Kennedy",
    "Gordon",
    "Burns",
    "Sutherland",
    "Craig",
    "Wright",
    "McKenzie",
    "Muir",
    "Murphy",
    "Crawford",
    "Docherty",
    "McGregor",
    "O'Neill",
    "Boyle",
    "McLaughlin",
    "Quinn",
    "Gallacher",
    "Donnelly",
    "McMillan",
    "Sinclair",
    "Ritchie",
    "Wood",
    "Hughes",
    "McIntyre",
    "Lindsay",
    "Munro",
    "Dickson",
    "Shaw",
    "Brady",
    "Hay",
    "Lynch",
)
_FACILITATOR_ROLES = ("QIO", "Educational psychologist")
_FACILITATOR_ROLE_WEIGHTS = np.array([0.65, 0.35])
_ES_ROLE = "Education Scotland specialist"
# expertise profiles by role (added to a base around 2)
_ROLE_EXPERTISE: dict[str, dict[str, float]] = {
    "QIO": {
        "literacy": 1.2,
        "numeracy": 1.2,
        "closing the poverty-related attainment gap": 1.2,
        "digital learning": 0.3,
        "transitions": 0.3,
    },
    "Educational psychologist": {
        "health and wellbeing": 1.6,
        "resilience": 1.6,
        "transitions": 0.8,
        "pupil voice": 0.5,
        "parental engagement": 0.6,
    },
    _ES_ROLE: {
        "racial equality": 0.8,
        "learning through play": 0.6,
        "outdoor learning": 0.6,
        "pupil voice": 0.6,
        "digital learning": 0.5,
    },
}

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
    owner = "generate_cohort"
    n = _check_int("establishments", owner, establishments, 1)
    seed = _check_int("seed", owner, seed, 0)
    teams = _check_int("teams_hint", owner, teams_hint, 1)
    per_facilitator = _check_int("schools_per_facilitator", owner, schools_per_facilitator, 1)
    theme_names = _check_themes(owner, themes)

    rng = dict(
        zip(
            _STREAMS,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS))),
            strict=True,
        )
    )

    # --- establishments ---------------------------------------------------------
    auth_counts = _authority_counts(n, teams, rng["counts"])
    sector_counts = _sector_counts(n, teams, rng["counts"])
    est_rng = rng["establishments"]
    auth = est_rng.permutation(np.repeat(np.arange(len(AUTHORITIES)), auth_counts))
    sector = est_rng.permutation(np.repeat(np.arange(len(_SECTORS)), sector_counts))

    simd = _simd_quintiles(auth, rng["simd"])
    lat, lon = _coordinates(auth, rng["coordinates"])
    est_ids = _establishment_ids(auth, sector, rng["names"])
    est_names = _establishment_names(auth, sector, rng["names"])
    establishment_models = tuple(
        Establishment(
            id=est_ids[i],
            name=est_names[i],
            authority=AUTHORITIES[auth[i]].name,
            sector=_SECTORS[sector[i]],
            simd_quintile=int(simd[i]) if with_simd else None,
            latitude=float(lat[i]) if with_coordinates else None,
            longitude=float(lon[i]) if with_coordinates else None,
        )
        for i in range(n)
    )

    # --- nominees ---------------------------------------------------------------
    est_of, promoted = _nominees(sector, rng["nominees"])
    ratings = _interests(theme_names, auth, sector, simd, est_of, promoted, rng["interests"])
    names, emails = _people(len(est_of), rng["people"])
    width = max(4, len(str(len(est_of))))
    practitioner_models = tuple(
        Practitioner(
            id=f"P{j + 1:0{width}d}",
            name=names[j],
            establishment_id=est_ids[est_of[j]],
            role=Role.PROMOTED if promoted[j] else Role.PRACTITIONER,
            interests=tuple(int(r) for r in ratings[j]),
            email=emails[j],
        )
        for j in range(len(est_of))
    )

    facilitator_models: tuple[Facilitator, ...] = ()
    if with_facilitators:
        facilitator_models = _facilitators(
            auth_counts, teams, per_facilitator, theme_names, rng["facilitators"]
        )

    return Cohort(
        themes=theme_names,
        establishments=establishment_models,
        practitioners=practitioner_models,
        facilitators=facilitator_models,
        source=f"generated cohort (seed {seed}, {n} establishments)",
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


# --- parameter checks ---------------------------------------------------------------
def _check_int(name: str, owner: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InvalidParameterError.for_value(name, owner, f"an int >= {low}", value)
    return int(value)


def _check_themes(owner: str, themes: Sequence[str] | None) -> tuple[str, ...]:
    if themes is None:
        return DEFAULT_THEMES
    if isinstance(themes, str):
        raise InvalidParameterError.for_value(
            "themes", owner, "a sequence of at least 2 distinct theme names", themes
        )
    names = tuple(str(t).strip() for t in themes)
    if len(names) < 2 or any(not t for t in names) or len(set(names)) != len(names):
        raise InvalidParameterError.for_value(
            "themes", owner, "a sequence of at least 2 distinct, non-empty theme names", themes
        )
    return names


# --- counts -----------------------------------------------------------------------
def _quota(total: int, weights: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Counts summing to ``total`` within 1 of total*weights (random largest remainder)."""
    expected = total * weights / weights.sum()
    counts = np.floor(expected).astype(np.int64)
    left = total - int(counts.sum())
    if left > 0:
        frac = expected - counts
        frac = np.where(frac > 1e-12, frac, 0.0)
        # fractions sum to `left`, each < 1, so at least `left` are positive
        extra = rng.choice(len(weights), size=left, replace=False, p=frac / frac.sum())
        counts[extra] += 1
    return counts


def _jittered(weights: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.float64]:
    """The weights, perturbed a little per seed (a Dirichlet around them)."""
    return rng.dirichlet(weights / weights.sum() * _JITTER)


def _authority_counts(n: int, teams: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Establishments per authority; none above what max share 1/2 allows in `teams` teams."""
    weights = np.array([a.weight for a in AUTHORITIES])
    counts = _quota(n, _jittered(weights, rng), rng)
    # units per team if split evenly, and half of each (rounded down) for one authority
    sizes = np.full(teams, n // teams) + (np.arange(teams) < n % teams)
    cap = max(1, int((sizes // 2).sum()))
    while counts.max() > cap and (counts < cap).any():
        top = int(counts.argmax())
        room = np.where(counts < cap, counts, -1)
        counts[top] -= 1
        counts[int(room.argmax())] += 1  # the next largest authority with room
    return counts


def _sector_counts(n: int, teams: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Establishments per sector: at least 2 sectors, and the largest leaves others for teams."""
    counts = _quota(n, _jittered(_SECTOR_WEIGHTS, rng), rng)
    if n >= 2:
        # every team needs a second sector: keep one establishment of another per team
        cap = n - min(teams, n // 2)
        order = np.argsort(-counts, kind="stable")
        top, second = int(order[0]), int(order[1])
        if counts[top] > cap:
            counts[second] += counts[top] - cap
            counts[top] = cap
    return counts


# --- establishments ------------------------------------------------------------------
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
            ids.append(f"{AUTHORITIES[a].code}-{_SECTOR_CODES[_SECTORS[s]]}-{serial[a, s]:03d}")
        else:
            ids.append(f"{next(numbers):04d}")
    # numeric ids should not follow the establishment order (survey order is arbitrary)
    numeric_at = [i for i, a in enumerate(auth.tolist()) if not coded[a]]
    shuffled = rng.permutation(len(numeric_at))
    reordered = [ids[numeric_at[k]] for k in shuffled]
    for i, new in zip(numeric_at, reordered, strict=True):
        ids[i] = new
    return ids


def _possessive(saint: str) -> str:
    return f"{saint}'" if saint.endswith("s") else f"{saint}'s"


def _establishment_names(
    auth: NDArray[np.int64], sector: NDArray[np.int64], rng: np.random.Generator
) -> list[str]:
    """Names from word lists, unique within the cohort (a town is added on a clash)."""
    n = len(auth)
    heads = rng.integers(len(_STEM_HEADS), size=n)
    tails = rng.integers(len(_STEM_TAILS), size=n)
    saints = rng.integers(len(_SAINTS), size=n)
    pattern_draw = rng.random(n)
    town_draw = rng.integers(1 << 30, size=n)
    cumulative = {
        s: np.cumsum([w for _, w in pats]) / sum(w for _, w in pats)
        for s, pats in _NAME_PATTERNS.items()
    }
    used: set[str] = set()
    names: list[str] = []
    for i in range(n):
        sec = _SECTORS[sector[i]]
        patterns = _NAME_PATTERNS[sec]
        k = min(
            int(np.searchsorted(cumulative[sec], pattern_draw[i], side="right")), len(patterns) - 1
        )
        head, tail = _STEM_HEADS[heads[i]], _STEM_TAILS[tails[i]]
        if head.casefold().endswith(tail) or tail.startswith(head.casefold()[-2:]):
            tail = "field" if tail != "field" else "view"  # avoid "Hillhill", "Burnburn"
        name = patterns[k][0].format(stem=head + tail, saint=_possessive(_SAINTS[saints[i]]))
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


# --- nominees and their survey answers --------------------------------------------------
def _nominees(
    sector: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Each nominee's establishment (in survey order) and whether they are promoted staff."""
    n = len(sector)
    lone_n = int(_quota(n, np.array([_LONE_SHARE, 1 - _LONE_SHARE]), rng)[0]) if n > 1 else 0
    third_n = int(_quota(n, np.array([_THIRD_SHARE, 1 - _THIRD_SHARE]), rng)[0]) if n > 1 else 0
    third_n = min(third_n, lone_n, n - lone_n)  # never more than 2 participants per school
    # secondaries withdraw or send one person more often (timetables, travel)
    lone_weight = np.where(np.array(_SECTORS)[sector] == Sector.SECONDARY, 2.0, 1.0)
    lone = rng.choice(n, size=lone_n, replace=False, p=lone_weight / lone_weight.sum())
    counts = np.full(n, 2, dtype=np.int64)
    counts[lone] = 1
    others = np.setdiff1d(np.arange(n), lone)
    counts[rng.choice(others, size=third_n, replace=False)] = 3

    est_of = np.repeat(np.arange(n), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(len(est_of)) - starts[est_of]
    flip = rng.random(len(est_of))
    own_count = counts[est_of]
    promoted = np.where(
        own_count == 1,
        flip < 0.5,  # a lone nominee is the senior leader or a practitioner alike
        np.where(position == 0, True, np.where(position == 2, flip < 1 / 3, False)),
    )
    order = rng.permutation(len(est_of))  # survey rows come in order of response
    return est_of[order], promoted[order]


def _profile(
    table: dict[str, float], theme_names: tuple[str, ...], fill: NDArray[np.float64]
) -> NDArray[np.float64]:
    """A theme vector from a {theme: value} table; unknown themes take ``fill``."""
    return np.array([table.get(t.casefold(), fill[k]) for k, t in enumerate(theme_names)])


def _interests(
    theme_names: tuple[str, ...],
    auth: NDArray[np.int64],
    sector: NDArray[np.int64],
    simd: NDArray[np.int64],
    est_of: NDArray[np.int64],
    promoted: NDArray[np.bool_],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Ratings 0-5 (practitioners x themes) that correlate within sector, authority, school."""
    k = len(theme_names)
    unknown_fill = rng.normal(0.0, _UNKNOWN_THEME_SD, size=(len(_SECTORS), k))
    sector_aff = np.stack(
        [
            _profile(_SECTOR_AFFINITY[s], theme_names, unknown_fill[i])
            for i, s in enumerate(_SECTORS)
        ]
    )
    zero = np.zeros(k)
    auth_bias = np.stack(
        [_profile(_AUTHORITY_BIAS[a.name], theme_names, zero) for a in AUTHORITIES]
    )
    auth_bias += rng.normal(0.0, _AUTHORITY_NOISE_SD, size=auth_bias.shape)
    simd_effect = np.zeros((5, k))
    for t, name in enumerate(theme_names):
        if name.casefold() in _SIMD_EFFECT:
            simd_effect[:, t] = _SIMD_EFFECT[name.casefold()]
    promoted_effect = _profile(_PROMOTED_EFFECT, theme_names, zero)

    n_est, n_people = len(auth), len(est_of)
    establishment = (
        sector_aff[sector]
        + auth_bias[auth]
        + simd_effect[simd - 1]
        + rng.normal(0.0, _ESTABLISHMENT_TASTE_SD, size=(n_est, k))
    )
    latent = (
        _BASE_RATING
        + establishment[est_of]
        + promoted[:, None] * promoted_effect
        + rng.normal(0.0, _PERSON_OFFSET_SD, size=(n_people, 1))
        + rng.normal(0.0, _PERSON_NOISE_SD, size=(n_people, k))
    )
    return np.clip(np.rint(latent), RATING_MIN, RATING_MAX).astype(np.int64)


def _email_part(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def _people(count: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Fake display names and unique example.org emails."""
    first = rng.integers(len(_FIRST_NAMES), size=count)
    last = rng.integers(len(_SURNAMES), size=count)
    names: list[str] = []
    emails: list[str] = []
    seen: dict[str, int] = {}
    for f, s in zip(first.tolist(), last.tolist(), strict=True):
        given, family = _FIRST_NAMES[f], _SURNAMES[s]
        names.append(f"{given} {family}")
        local = f"{_email_part(given)}.{_email_part(family)}"
        seen[local] = seen.get(local, 0) + 1
        suffix = "" if seen[local] == 1 else str(seen[local])
        emails.append(f"{local}{suffix}@example.org")
    return names, emails


# --- facilitators -----------------------------------------------------------------
def _facilitators(
    auth_counts: NDArray[np.int64],
    teams: int,
    per_facilitator: int,
    theme_names: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[Facilitator, ...]:
    """ceil(establishments / per_facilitator) per authority, plus Education Scotland.

    Education Scotland sends one specialist, and more when the authorities' facilitators
    fall short of ``teams`` (small cohorts), so that every team can have one.
    """
    rows: list[tuple[str, str]] = []  # (authority, role)
    for a, count in zip(AUTHORITIES, auth_counts.tolist(), strict=True):
        needed = math.ceil(count / per_facilitator)
        roles = rng.choice(len(_FACILITATOR_ROLES), size=needed, p=_FACILITATOR_ROLE_WEIGHTS)
        rows.extend((a.name, _FACILITATOR_ROLES[r]) for r in roles.tolist())
    extra = max(1, teams - len(rows))
    rows.extend((EDUCATION_SCOTLAND, _ES_ROLE) for _ in range(extra))

    k = len(theme_names)
    names, _ = _people(len(rows), rng)
    base = rng.normal(2.0, 0.6, size=(len(rows), 1)) + rng.normal(0.0, 0.7, size=(len(rows), k))
    zero = np.zeros(k)
    role_profile = np.stack(
        [_profile(_ROLE_EXPERTISE[role], theme_names, zero) for _, role in rows]
    )
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
