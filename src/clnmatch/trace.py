"""The anytime trace and progress reports: what a search says while it runs.

A leaf module: strategies write ``TracePoint``s and ``Progress``, results keep them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Progress", "TracePoint", "relative_gap"]


@dataclass(frozen=True)
class TracePoint:
    """One point of the anytime trace, in points (not milli-points)."""

    time_s: float
    objective: float | None
    bound: float | None


@dataclass(frozen=True)
class Progress:
    """What a strategy reports while it runs (for a progress bar or a log)."""

    elapsed_s: float
    objective: float | None
    bound: float | None
    message: str = ""

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return relative_gap(self.objective, self.bound)


def relative_gap(objective: float, bound: float) -> float:
    """(bound - objective) / max(|objective|, 1e-9), never below 0."""
    return max(0.0, bound - objective) / max(abs(objective), 1e-9)


def proven_gap(objective: float | None, bound: float | None, rules_kept: bool) -> float | None:
    """The gap a result, board or proposal states: none without a bound, and none while
    rules are broken (the bound is of rule-abiding teams; broken ones may pass it)."""
    if objective is None or bound is None or not rules_kept:
        return None
    return relative_gap(objective, bound)
