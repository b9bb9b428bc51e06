"""Stable team numbers and facilitator link changes when teams are recomputed.

A solver numbers its teams as it likes: re-solved after two pins and a keep-apart, a
45-school cohort whose answer moved only 5 schools came back with every team renumbered,
and a lead officer who had announced "team 3" could no longer find it. ``stable_labels``
renumbers recomputed teams so that each keeps the number of the previous team it
overlaps most: a linear assignment (``scipy.optimize.linear_sum_assignment``) maximising
the participants who keep their team number. Teams holding a pinned or locked
establishment keep their own number, since the pin names it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["FacilitatorChange", "facilitator_changes", "relabel", "stable_labels"]


def stable_labels(
    new: Mapping[str, int],
    previous: Mapping[str, int],
    n_teams: int,
    *,
    fixed: Collection[int] = (),
    weight: Mapping[str, int] | None = None,
) -> dict[int, int]:
    """New team label -> stable label (teams 1..T), keeping the most members in place.

    ``new`` and ``previous`` map establishment ids to teams; ``weight`` (participants per
    establishment, default 1) is what overlap counts; labels in ``fixed`` map to
    themselves (teams named by a pin or a lock).
    """
    fixed_set = {t for t in fixed if 1 <= t <= n_teams}
    overlap = np.zeros((n_teams, n_teams), dtype=np.float64)
    for est, team in new.items():
        old = previous.get(est)
        if old is not None and 1 <= team <= n_teams and 1 <= old <= n_teams:
            overlap[team - 1, old - 1] += 1 if weight is None else weight.get(est, 1)
    big = float(overlap.sum() + 1) * 4
    for t in fixed_set:
        overlap[t - 1, :] = -big
        overlap[:, t - 1] = -big
        overlap[t - 1, t - 1] = big
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {int(r) + 1: int(c) + 1 for r, c in zip(rows, cols, strict=True)}


def relabel(teams: Mapping[str, int], labels: Mapping[int, int]) -> dict[str, int]:
    """``teams`` (id -> team) with every team renamed by ``labels``."""
    return {key: labels.get(team, team) for key, team in teams.items()}


@dataclass(frozen=True)
class FacilitatorChange:
    """One facilitator whose teams changed (teams 1..T; empty: no team)."""

    facilitator_id: str
    before: tuple[int, ...]
    after: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "facilitator_id": self.facilitator_id,
            "before": list(self.before),
            "after": list(self.after),
        }

    def text(self) -> str:
        def teams(items: tuple[int, ...]) -> str:
            return ", ".join(str(t) for t in items) or "none"

        return (
            f"facilitator {self.facilitator_id}: team {teams(self.before)} -> {teams(self.after)}"
        )


def facilitator_changes(
    before: Iterable[tuple[str, int]], after: Iterable[tuple[str, int]]
) -> tuple[FacilitatorChange, ...]:
    """Every facilitator whose set of linked teams differs between two link lists."""
    old: dict[str, set[int]] = {}
    new: dict[str, set[int]] = {}
    for fid, team in before:
        old.setdefault(fid, set()).add(int(team))
    for fid, team in after:
        new.setdefault(fid, set()).add(int(team))
    out = []
    for fid in dict.fromkeys([*old, *new]):
        a, b = old.get(fid, set()), new.get(fid, set())
        if a != b:
            out.append(FacilitatorChange(fid, tuple(sorted(a)), tuple(sorted(b))))
    return tuple(out)
