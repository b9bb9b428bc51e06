"""Tiny hand-made cohorts for tests whose answers are known by hand."""

from __future__ import annotations

from collections.abc import Sequence

from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner


def make_cohort(
    rows: Sequence[tuple[str, str, Sequence[Sequence[int]]]],
    themes: Sequence[str] = ("Literacy", "Numeracy"),
    facilitators: Sequence[tuple[str, str]] = (),
    simd: Sequence[int] | None = None,
) -> Cohort:
    """Build a cohort from (authority, sector, [ratings of each nominee]) per establishment.

    Establishment i gets id "E{i}"; its nominees "E{i}-1", "E{i}-2", ... (the first promoted).
    """
    establishments, practitioners = [], []
    for i, (authority, sector, nominees) in enumerate(rows):
        establishments.append(
            Establishment(
                id=f"E{i}",
                name=f"School {i}",
                authority=authority,
                sector=sector,
                simd_quintile=None if simd is None else simd[i],
            )
        )
        for j, ratings in enumerate(nominees):
            practitioners.append(
                Practitioner(
                    id=f"E{i}-{j + 1}",
                    name=f"Person {i}.{j + 1}",
                    establishment_id=f"E{i}",
                    role="promoted" if j == 0 else "practitioner",
                    interests=tuple(ratings),
                )
            )
    return Cohort(
        themes=tuple(themes),
        establishments=tuple(establishments),
        practitioners=tuple(practitioners),
        facilitators=tuple(
            Facilitator(id=fid, name=f"Facilitator {fid}", authority=auth)
            for fid, auth in facilitators
        ),
    )


def balanced_cohort(n_establishments: int = 12, teams: int = 2) -> Cohort:
    """A cohort that meets the default mixing rules for ``teams`` teams (two nominees each)."""
    authorities = ["Glasgow City", "Inverclyde", "East Renfrewshire", "Renfrewshire"]
    sectors = ["primary", "ELC", "secondary"]
    rows = []
    for i in range(n_establishments):
        a = [(i + k) % 6 for k in range(3)]
        rows.append((authorities[i % 4], sectors[i % 3], [a, [5 - x for x in a]]))
    return make_cohort(rows, themes=("Literacy", "Numeracy", "Play"))
