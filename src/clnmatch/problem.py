"""The frozen numeric view every strategy sees.

A ``Problem`` is arrays only: units (establishments, whose nominees move together) with
weights, per-team size bounds, side rules as index arrays, and the objective as integer
"milli-points" (points x 1000), so that the evaluator, CP-SAT and every heuristic score
an assignment with the very same integers and a bound proved by CP-SAT is exact.

The same class carries research instances (MDGPLIB, CCPLIB): they simply leave the
side rules empty.

Objective (in points; see docs/objectives.md):
    focus     sum over practitioners of their rating of their team's focus theme
    cohesion  sum over pairs of practitioners in one team of the centred cosine
              similarity of their interest vectors (quantised to 0.001 per unit pair)
    simd_mix  number of teams holding both a challenge (SIMD 1-2) and an affluent
              (SIMD 4-5) establishment
    travel    sum over pairs of establishments in one team of their distance in km
    objective = w_focus*focus + w_cohesion*cohesion + w_simd*simd_mix - w_travel*travel
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from clnmatch.errors import InvalidParameterError
from clnmatch.models import Cohort, Rules, Sector
from clnmatch.unionfind import union_labels

__all__ = ["Problem", "ObjectiveWeights", "ObjectiveName", "SCALE", "SECTORS", "similarity"]

SCALE = 1000  # milli-points per point
SECTORS: tuple[Sector, ...] = tuple(Sector)
ObjectiveName = Literal["focus", "cohesion", "blend"]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


MAX_WEIGHT = 10_000.0


class ObjectiveWeights(BaseModel):
    """Weights of the objective terms. ``ObjectiveWeights.named("blend")`` gives the defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # at most MAX_WEIGHT: every term is held in whole milli-points, and sums of them must
    # stay exact in the solvers' 64-bit floats (2**53) up to 10,000 people
    focus: float = Field(default=1.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    cohesion: float = Field(default=1.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    simd_mix: float = Field(
        default=2.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False,
        description="points per team mixing SIMD 1-2 and 4-5",
    )  # fmt: skip
    travel: float = Field(
        default=0.01, ge=0, le=MAX_WEIGHT, allow_inf_nan=False,
        description="points lost per km between team mates",
    )  # fmt: skip
    name: str = "custom"

    @classmethod
    def named(cls, name: str) -> ObjectiveWeights:
        if name == "focus":
            return cls(focus=1, cohesion=0, simd_mix=0, travel=0, name="focus")
        if name == "cohesion":
            return cls(focus=0, cohesion=1, simd_mix=0, travel=0, name="cohesion")
        if name == "blend":
            return cls(name="blend")
        # solve, check, explain, rematch_teams... all take it: the message names none of them
        raise InvalidParameterError(
            f"The 'objective' parameter must be one of 'focus', 'cohesion', 'blend'. Got "
            f"{name!r} instead."
        )


def similarity(interests: NDArray[np.float64]) -> NDArray[np.float64]:
    """Centred cosine similarity of interest vectors (rows), 0 for a flat vector.

    Centring subtracts the cohort's mean rating of each theme, so two people who both
    like what everybody likes score near 0 and opposite tastes score below 0.
    """
    unit = _centred_unit_vectors(interests)
    return unit @ unit.T


def _centred_unit_vectors(interests: NDArray[np.float64]) -> NDArray[np.float64]:
    if not len(interests):  # nobody left (every school withdrew): no mean to take
        return interests.astype(np.float64)
    centred = interests - interests.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 1e-12)


def _haversine_km(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle distances (km) between every pair of points, via unit vectors.

    The chord between two points on the unit sphere is sqrt(2 - 2 a.b); the arc is
    2 asin(chord / 2). One matrix product keeps 5,000 points fast.
    """
    la, lo = np.radians(lat), np.radians(lon)
    xyz = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)
    # in place: at 5,000 points each temporary is 200 MB (the copies took most of 1.4 s)
    arc = xyz @ xyz.T
    arc *= -2.0
    arc += 2.0
    np.clip(arc, 0.0, 4.0, out=arc)
    np.sqrt(arc, out=arc)
    arc *= 0.5
    np.clip(arc, 0.0, 1.0, out=arc)
    np.arcsin(arc, out=arc)
    arc *= 2 * 6371.0
    return arc


@dataclass(frozen=True, eq=False)
class Problem:
    """Arrays for U units and T teams; nothing here refers to files or names but labels."""

    unit_ids: tuple[str, ...]
    unit_weight: IntArray  # (U,) participants per unit
    team_min: IntArray  # (T,) smallest total weight of a team
    team_max: IntArray  # (T,) largest total weight of a team
    pair_milli: IntArray  # (U, U) symmetric, zero diagonal: objective gain of a pair together
    constant_milli: int = 0  # objective of pairs inside units (always together)
    # focus: theme_milli[u, k] = objective gain of unit u in a team whose focus is k
    theme_milli: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    theme_names: tuple[str, ...] = ()
    max_teams_per_theme: int | None = None
    # most units (establishments) in a team: one facilitator supports them all (None: no cap;
    # (T,) team by team when facilitators are fewer than teams: clnmatch.shared_facilitators)
    team_max_units: int | IntArray | None = None
    # side rules (empty arrays: the rule does not apply)
    unit_sector: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sector_names: tuple[str, ...] = ()
    min_sectors: int = 0
    unit_authority: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    authority_names: tuple[str, ...] = ()
    min_authorities: int = 0
    authority_share: Fraction | None = None  # no authority above this share of a team's units
    allowed: BoolArray | None = None  # (U, T) False where pins/forbids exclude a team
    unit_pin: IntArray | None = None  # (U,) the team a unit is pinned to, -1 if none
    together: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    apart: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    # SIMD mix: gain per team holding both a challenge and an affluent unit
    unit_challenge: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    unit_affluent: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    simd_milli: int = 0
    # unweighted terms kept for reporting (None where absent)
    cohesion_milli: IntArray | None = None  # (U, U) quantised cohesion of unit pairs
    cohesion_constant_milli: int = 0
    theme_points: IntArray | None = None  # (U, K) sum of nominees' ratings per theme
    travel_km: NDArray[np.float64] | None = None  # (U, U)
    objective_name: str = "custom"
    name: str = "problem"

    # --- sizes -----------------------------------------------------------------
    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @property
    def n_teams(self) -> int:
        return len(self.team_min)

    @property
    def n_themes(self) -> int:
        return int(self.theme_milli.shape[1]) if self.theme_milli.size else 0

    @property
    def has_focus(self) -> bool:
        return self.n_themes > 0 and bool(self.theme_milli.any())

    @property
    def focus_only(self) -> bool:
        """The objective is focus alone: no pair terms (cohesion, travel) and no SIMD term."""
        return self.has_focus and not bool(self.pair_milli.any()) and not self.simd_milli

    @property
    def total_weight(self) -> int:
        return int(self.unit_weight.sum())

    def team_labels(self) -> list[int]:
        """Teams as users see them: 1..T."""
        return list(range(1, self.n_teams + 1))

    # --- building ------------------------------------------------------------
    @classmethod
    def from_cohort(
        cls,
        cohort: Cohort,
        rules: Rules | None = None,
        objective: str | ObjectiveWeights = "blend",
    ) -> Problem:
        """Turn a cohort and its rules into arrays (establishments become units)."""
        rules = rules or Rules()
        weights = (
            objective
            if isinstance(objective, ObjectiveWeights)
            else ObjectiveWeights.named(objective)
        )
        units = cohort.establishments
        unit_ids = tuple(e.id for e in units)
        index = {uid: i for i, uid in enumerate(unit_ids)}
        n_units, n_teams = len(units), rules.teams

        practitioner_unit = np.array(
            [index[p.establishment_id] for p in cohort.practitioners], dtype=np.int64
        )
        unit_weight = np.bincount(practitioner_unit, minlength=n_units).astype(np.int64)
        low, high = rules.size_bounds(int(unit_weight.sum()))

        ratings = np.array([p.interests for p in cohort.practitioners], dtype=np.float64).reshape(
            len(cohort.practitioners), len(cohort.themes)
        )
        theme_sum = np.zeros((n_units, len(cohort.themes)))
        np.add.at(theme_sum, practitioner_unit, ratings)
        theme_points = np.rint(theme_sum).astype(np.int64)

        # cohesion: unit sums of unit vectors give every cross pair's sum of cosines
        unit_vecs = _centred_unit_vectors(ratings)
        unit_sum = np.zeros((n_units, len(cohort.themes)))
        np.add.at(unit_sum, practitioner_unit, unit_vecs)
        cross = unit_sum @ unit_sum.T
        cross *= SCALE  # in place, as below: (U, U) temporaries are 200 MB at 5,000
        cohesion = np.rint(cross, out=cross).astype(np.int64)
        del cross
        np.fill_diagonal(cohesion, 0)
        own_norms = np.bincount(
            practitioner_unit,
            weights=np.einsum("ij,ij->i", unit_vecs, unit_vecs),
            minlength=n_units,
        )
        own = np.einsum("ij,ij->i", unit_sum, unit_sum) - own_norms
        cohesion_constant = int(np.rint(SCALE * own / 2).sum())

        if weights.cohesion == 1:
            pair = cohesion.copy()
        else:
            pair = np.rint(weights.cohesion * cohesion).astype(np.int64)
        travel = None
        lat = [e.latitude for e in units]
        lon = [e.longitude for e in units]
        if all(v is not None for v in lat + lon) and n_units:
            travel = _haversine_km(np.array(lat, dtype=float), np.array(lon, dtype=float))
            if weights.travel:
                cost = travel * (SCALE * weights.travel)
                # whole numbers below 2**53: the cast is exact
                np.subtract(pair, np.rint(cost, out=cost), out=pair, casting="unsafe")
                del cost
                np.fill_diagonal(pair, 0)

        quintile = [e.simd_quintile for e in units]
        has_simd = all(q is not None for q in quintile) and n_units > 0
        # counted only when every establishment has a quintile (a report added a part for
        # teams mixed by the establishments that had one, missing from the score)
        known = [q if has_simd and q is not None else 3 for q in quintile]  # 3: neither
        challenge = np.array([q <= 2 for q in known], dtype=bool)
        affluent = np.array([q >= 4 for q in known], dtype=bool)

        authority_keys = list(cohort.authorities)
        authority_index = {k: i for i, k in enumerate(authority_keys)}
        sector_index = {s: i for i, s in enumerate(SECTORS)}

        named = [*rules.pins, *(e for e, _ in rules.forbidden)]
        named += [e for pair in (*rules.apart, *rules.together) for e in pair]
        unknown = sorted({e for e in named if e not in index})
        if unknown:
            raise InvalidParameterError.for_value(
                "pins/forbidden/apart/together",
                "Rules",
                "establishment ids of the survey",
                ", ".join(unknown),
            )
        allowed = np.ones((n_units, n_teams), dtype=bool)
        unit_pin = np.full(n_units, -1, dtype=np.int64)
        for est, team in rules.pins.items():
            if est in index:
                allowed[index[est], :] = False
                allowed[index[est], team - 1] = True
                unit_pin[index[est]] = team - 1
        for est, team in rules.forbidden:
            if est in index:
                allowed[index[est], team - 1] = False

        def pairs(items: tuple[tuple[str, str], ...]) -> IntArray:
            rows = [(index[a], index[b]) for a, b in items]
            return np.array(rows, dtype=np.int64).reshape(-1, 2)

        return cls(
            unit_ids=unit_ids,
            unit_weight=unit_weight,
            team_min=np.full(n_teams, low, dtype=np.int64),
            team_max=np.full(n_teams, high, dtype=np.int64),
            pair_milli=pair,
            constant_milli=int(round(weights.cohesion * cohesion_constant)),
            theme_milli=np.rint(SCALE * weights.focus * theme_points).astype(np.int64),
            theme_names=tuple(cohort.themes),
            max_teams_per_theme=rules.max_teams_per_theme,
            team_max_units=rules.schools_per_facilitator,
            unit_sector=np.array([sector_index[e.sector] for e in units], dtype=np.int64),
            sector_names=tuple(str(s) for s in SECTORS),
            min_sectors=rules.min_sectors,
            unit_authority=np.array(
                [authority_index[e.authority_key] for e in units], dtype=np.int64
            ),
            authority_names=tuple(cohort.authorities[k] for k in authority_keys),
            min_authorities=rules.min_authorities,
            authority_share=rules.authority_share,
            allowed=None if allowed.all() else allowed,
            unit_pin=unit_pin if (unit_pin >= 0).any() else None,
            together=pairs(rules.together),
            apart=pairs(rules.apart),
            unit_challenge=challenge,
            unit_affluent=affluent,
            simd_milli=int(round(SCALE * weights.simd_mix)) if has_simd else 0,
            cohesion_milli=cohesion,
            cohesion_constant_milli=cohesion_constant,
            theme_points=theme_points,
            travel_km=travel,
            objective_name=weights.name,
            name=cohort.source or "cohort",
        )

    # --- helpers strategies share ----------------------------------------------
    def max_authority_units(self, team_units: int) -> int:
        """Most units of one authority a team of ``team_units`` units may hold."""
        if self.authority_share is None:
            return team_units
        return (self.authority_share.numerator * team_units) // self.authority_share.denominator

    def together_labels(self) -> IntArray:
        """Per unit, the lowest unit of its chain of ``together`` pairs (the one union-find)."""
        return union_labels(self.n_units, self.together)

    def together_groups(self) -> list[list[int]]:
        """Units that must share a team (chains of ``together`` pairs), each unit once."""
        groups: dict[int, list[int]] = {}
        for u, label in enumerate(self.together_labels().tolist()):
            groups.setdefault(label, []).append(u)
        return list(groups.values())

    def best_focus(self, unit_team: IntArray) -> IntArray:
        """Each team's focus theme maximising the focus score (respecting max_teams_per_theme).

        Returns -1 for every team when the problem has no themes; units outside 0..T-1
        are in no team.
        """
        n_teams = self.n_teams
        if not self.n_themes:
            return np.full(n_teams, -1, dtype=np.int64)
        score = np.zeros((n_teams, self.n_themes), dtype=np.int64)
        placed = (unit_team >= 0) & (unit_team < n_teams)  # units in no team count nowhere
        np.add.at(score, unit_team[placed], self.theme_milli[placed])
        if self.max_teams_per_theme is None or self.max_teams_per_theme >= n_teams:
            return score.argmax(axis=1).astype(np.int64)
        from scipy.optimize import linear_sum_assignment

        cap = self.max_teams_per_theme
        wide = np.repeat(score, cap, axis=1)  # theme k owns columns k*cap .. k*cap+cap-1
        rows, cols = linear_sum_assignment(wide, maximize=True)
        focus = np.full(n_teams, -1, dtype=np.int64)  # teams past the themes' capacity get none
        focus[rows] = cols // cap
        return focus
