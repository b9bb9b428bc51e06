"""What a lead officer reads before matching: who is in the cohort, and what to watch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clnmatch.models import Cohort, Establishment, Role, Rules, Sector
from clnmatch.wording import first_few

__all__ = ["CohortSummary", "cohort_warnings", "parts_lacking", "summarise"]


@dataclass(frozen=True)
class CohortSummary:
    participants: int
    establishments: int
    by_authority: dict[
        str, dict[str, int]
    ]  # authority -> {"establishments", "participants", sector...}
    by_sector: dict[str, dict[str, int]]
    themes: list[dict[str, Any]]  # by popularity
    facilitators: list[dict[str, Any]]  # per authority: needed / supplied
    warnings: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # rules that cannot be met
    # each conflict's rules, message and suggestion (what solve's diagnosis holds)
    conflict_details: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "establishments": self.establishments,
            "by_authority": self.by_authority,
            "by_sector": self.by_sector,
            "themes": self.themes,
            "facilitators": self.facilitators,
            "warnings": self.warnings,
            "conflicts": self.conflicts,
            "conflict_details": self.conflict_details,
        }


def summarise(cohort: Cohort, rules: Rules | None = None) -> CohortSummary:
    """Counts, theme popularity, facilitator supply, warnings and arithmetic conflicts."""
    from clnmatch.diagnose import diagnose
    from clnmatch.facilitators import facilitator_supply
    from clnmatch.problem import Problem

    rules = rules or Rules()
    est_by_id = cohort.establishment_by_id
    by_authority: dict[str, dict[str, int]] = {}
    by_sector: dict[str, dict[str, int]] = {
        str(s): {"establishments": 0, "participants": 0} for s in Sector
    }
    for name in cohort.authorities.values():
        by_authority[name] = {"establishments": 0, "participants": 0, **{str(s): 0 for s in Sector}}
    for e in cohort.establishments:
        row = by_authority[cohort.authorities[e.authority_key]]
        row["establishments"] += 1
        row[str(e.sector)] += 1
        by_sector[str(e.sector)]["establishments"] += 1
    for p in cohort.practitioners:
        e = est_by_id[p.establishment_id]
        by_authority[cohort.authorities[e.authority_key]]["participants"] += 1
        by_sector[str(e.sector)]["participants"] += 1

    ratings = np.array([p.interests for p in cohort.practitioners], dtype=float).reshape(
        -1, len(cohort.themes)
    )
    themes: list[dict[str, Any]] = []
    for k, theme in enumerate(cohort.themes):
        column = ratings[:, k] if len(ratings) else np.zeros(0)
        themes.append(
            {
                "theme": theme,
                "mean": round(float(column.mean()), 2) if len(column) else 0.0,
                "keen": int((column >= 4).sum()),  # rated 4 or 5
            }
        )
    themes.sort(key=lambda row: (-float(row["mean"]), str(row["theme"])))

    problem = Problem.from_cohort(cohort, rules, "focus")
    diagnosis = diagnose(problem, cohort, rules)
    conflicts = [c.message for c in diagnosis.conflicts]
    return CohortSummary(
        participants=cohort.n_participants,
        establishments=len(cohort.establishments),
        by_authority=by_authority,
        by_sector=by_sector,
        themes=themes,
        facilitators=[line.to_dict() for line in facilitator_supply(cohort, rules)],
        warnings=cohort_warnings(cohort, rules),
        conflicts=conflicts,
        conflict_details=[c.to_dict() for c in diagnosis.conflicts],
    )


def parts_lacking(cohort: Cohort) -> list[tuple[str, str, list[Establishment]]]:
    """(part of the score, what it needs, the establishments without it) for the SIMD mix
    and travel, where any lack it: each is counted only when every establishment has it."""
    parts = (
        ("the SIMD mix", "SIMD quintile", lambda e: e.simd_quintile is not None),
        ("travel", "location", lambda e: e.latitude is not None and e.longitude is not None),
    )
    found = [(p, c, [e for e in cohort.establishments if not has(e)]) for p, c, has in parts]
    return [(part, needs, lacking) for part, needs, lacking in found if lacking]


COLUMNS_OF = {"SIMD quintile": "simd_quintile", "location": "latitude and longitude"}


def cohort_warnings(cohort: Cohort, rules: Rules | None = None) -> list[str]:
    """What to watch that is not an error: a small cohort, an unusual mix of nominees."""
    rules = rules or Rules()
    warnings: list[str] = []
    if len(cohort.establishments) < rules.min_establishments:
        warnings.append(
            f"{len(cohort.establishments)} establishments; a CLN cohort aims for at least "
            f"{rules.min_establishments}"
        )
    for part, column, lacking in parts_lacking(cohort):
        if len(lacking) < len(cohort.establishments):  # all without: none given
            shown = first_few([f"{e.name} ({e.id})" for e in lacking], 3)
            warnings.append(
                f"{len(lacking)} of {len(cohort.establishments)} establishments have no "
                f"{column} ({shown}): {part} is left out of the blend score until each has one"
            )
    for e in cohort.establishments:
        nominees = cohort.nominees[e.id]
        roles = Counter(p.role for p in nominees)
        school = f"{e.name} ({e.id})"  # the name a lead officer knows first
        if len(nominees) == 1:
            warnings.append(f"{school} has a lone nominee")
        elif len(nominees) > 2:
            warnings.append(f"{school} has {len(nominees)} nominees (one promoted + one expected)")
        if roles[Role.PROMOTED] == 0:
            warnings.append(
                f"{school} has no promoted nominee: teams without a senior leader stall"
            )
    return warnings
