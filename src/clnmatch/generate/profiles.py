"""What the generators know about the West Partnership: authorities, sectors, themes, tastes.

Numbers only, no randomness: the authorities' shares, SIMD profiles and centres, the
sector mix of a CLN cohort, the survey's default themes and the interest model's
coefficients (how much each sector, authority, deprivation band and role leans towards
each theme), and the facilitators' expertise by role. ``synthetic``, ``schools`` and
``families`` draw from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clnmatch.models import Sector

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


SECTORS: tuple[Sector, ...] = (Sector.ELC, Sector.PRIMARY, Sector.SECONDARY, Sector.SPECIAL)
SECTOR_WEIGHTS = np.array([0.23, 0.53, 0.17, 0.07])
SECTOR_CODES = {
    Sector.ELC: "EY",
    Sector.PRIMARY: "PS",
    Sector.SECONDARY: "SS",
    Sector.SPECIAL: "SP",
}
# concentration of the per-seed jitter of the weights (higher: closer to the weights)
JITTER = 400.0


@dataclass(frozen=True)
class TasteModel:
    """The interest model's spreads, on the 0-5 rating scale.

    A rating is base + sector affinity (times ``sector_scale``) + authority bias +
    deprivation effect + establishment taste + person generosity + noise, rounded and
    clipped to 0-5. ``unknown_theme_sd`` is the spread of the sector affinity drawn for a
    theme the tables below do not know.
    """

    base: float = 2.3
    sector_scale: float = 1.0
    authority_noise_sd: float = 0.25
    establishment_sd: float = 0.9
    person_offset_sd: float = 0.4
    person_noise_sd: float = 0.9
    unknown_theme_sd: float = 0.7


# what ``generate_cohort`` uses: a survey where sector, school and person all show
MIXED_TASTES = TasteModel()

SECTOR_AFFINITY: dict[Sector, dict[str, float]] = {
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
AUTHORITY_BIAS: dict[str, dict[str, float]] = {
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
SIMD_EFFECT: dict[str, tuple[float, float, float, float, float]] = {
    "closing the poverty-related attainment gap": (0.6, 0.4, 0.0, -0.4, -0.6),
    "health and wellbeing": (0.2, 0.1, 0.0, 0.0, 0.0),
}
PROMOTED_EFFECT: dict[str, float] = {
    "closing the poverty-related attainment gap": 0.3,
    "parental engagement": 0.2,
}

FACILITATOR_ROLES = ("QIO", "Educational psychologist")
FACILITATOR_ROLE_WEIGHTS = np.array([0.65, 0.35])
ES_ROLE = "Education Scotland specialist"
# expertise profiles by role (added to a base around 2)
ROLE_EXPERTISE: dict[str, dict[str, float]] = {
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
    ES_ROLE: {
        "racial equality": 0.8,
        "learning through play": 0.6,
        "outdoor learning": 0.6,
        "pupil voice": 0.6,
        "digital learning": 0.5,
    },
}

LONE_SHARE = 0.05  # establishments sending a single nominee
THIRD_SHARE = 0.03  # establishments sending a third nominee
