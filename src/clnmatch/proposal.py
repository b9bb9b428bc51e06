"""What a strategy returns: a unit assignment, its focus themes, and what it proved."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.trace import TracePoint

__all__ = ["Proposal"]


@dataclass(frozen=True)
class Proposal:
    """What a strategy found. ``unit_team`` is None when it found no assignment."""

    unit_team: NDArray[np.int64] | None
    team_focus: NDArray[np.int64] | None = None
    bound_milli: int | None = None  # proven upper bound on the objective, milli-points
    proven_optimal: bool = False
    proven_infeasible: bool = False
    trace: tuple[TracePoint, ...] = ()
    conflicting_rules: tuple[str, ...] = ()  # from an assumption core, when infeasible
    notes: tuple[str, ...] = ()
    # deterministic work spent (about seconds of this machine), by strategies that count it
    work: float | None = None
