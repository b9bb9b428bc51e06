"""A rematch's moves: each establishment that changed team, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.evaluate import Breach
from clnmatch.models import Cohort
from clnmatch.problem import Problem

__all__ = ["Move", "describe_moves"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Move:
    """One establishment's change of team; teams are 1..T, None where it has none."""

    establishment_id: str
    establishment_name: str
    from_team: int | None  # None: a late addition
    to_team: int | None  # None: withdrawn
    reason: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)  # every field is plain: names as summary.json has them

    def said(self) -> str:
        """Its id, and its name where that says more (a terminal's words)."""
        name = self.establishment_name
        return (
            f"{self.establishment_id} ({name})"
            if name and name != self.establishment_id
            else self.establishment_id
        )


def describe_moves(
    problem: Problem,
    cohort: Cohort,
    prev: IntArray,
    placed_before: NDArray[np.bool_],
    unit_team: IntArray,
    broken: Sequence[Breach],
    before: Mapping[str, int],
) -> tuple[tuple[Move, ...], tuple[Move, ...]]:
    """Moves of previously placed units (with the breaches they repair); newcomers' placements."""
    moves: list[Move] = []
    placed: list[Move] = []
    for u, uid in enumerate(problem.unit_ids):
        name = cohort.establishment_by_id[uid].name
        to_team = int(unit_team[u]) + 1
        if not placed_before[u]:
            placed.append(Move(uid, name, None, to_team, "late addition"))
            continue
        if prev[u] == unit_team[u]:
            continue
        from_team = before.get(uid)
        if prev[u] < 0:
            moves.append(Move(uid, name, from_team, to_team, f"team {from_team} no longer exists"))
            continue
        related = [
            b for b in broken if b.team in (from_team, to_team) or (b.subject and uid in b.subject)
        ]
        if related:
            reason = "restores: " + "; ".join(b.message for b in related)
        elif broken:
            reason = "with the other moves, restores: " + "; ".join(b.message for b in broken)
        else:
            reason = "moved while restoring the rules"
        moves.append(Move(uid, name, from_team, to_team, reason))
    return tuple(moves), tuple(placed)
