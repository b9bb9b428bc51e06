"""What a strategy returns: a unit assignment, its focus themes, and what it proved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import ClnmatchError
from clnmatch.trace import TracePoint

if TYPE_CHECKING:
    from clnmatch.problem import Problem

__all__ = ["Proposal", "StrategyAnswerError", "checked_answer"]


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


class StrategyAnswerError(ClnmatchError):
    """A strategy returned something that is not a proposal of the problem it was given."""


def _whole(values: NDArray[np.generic]) -> bool:
    """Whole numbers: integers, or floats without a fraction (3.0)."""
    if values.dtype.kind in "iu":
        return True
    if values.dtype.kind != "f":
        return False
    floats = values.astype(np.float64)
    return bool(np.isfinite(floats).all() and (floats == np.round(floats)).all())


def checked_answer(name: str, answer: object, problem: Problem) -> Proposal:
    """``answer`` if it is a Proposal of ``problem``: one whole team number per unit and
    one whole theme number (or -1) per team, or none; else an error saying what came back
    (a dict was an AttributeError deep inside, team numbers 0.4, 1.4 were cut to whole
    ones without a word, a focus theme 99 an IndexError). A team number out of range is
    the evaluator's to name, as a breach."""
    if not isinstance(answer, Proposal):
        raise StrategyAnswerError(
            f"strategy {name!r} returned a {type(answer).__name__}, not a Proposal"
        )
    _whole_each(name, "unit_team", answer.unit_team, problem.n_units, "units")
    focus = _whole_each(name, "team_focus", answer.team_focus, problem.n_teams, "teams")
    if focus is not None and focus.size and not -1 <= focus.min() <= focus.max() < problem.n_themes:
        raise StrategyAnswerError(
            f"strategy {name!r} returned team_focus outside -1..{problem.n_themes - 1} (the "
            f"themes' numbers, -1 for none): {sorted(set(focus.tolist()))[:5]}"
        )
    return answer


def _whole_each(
    name: str, field: str, values: object, count: int, what: str
) -> NDArray[np.generic] | None:
    """``values`` as an array of ``count`` whole numbers (None stays None), or an error."""
    if values is None:
        return None
    array = np.asarray(values)
    if array.shape != (count,) or not _whole(array):
        raise StrategyAnswerError(
            f"strategy {name!r} returned {field} of shape {array.shape} and type "
            f"{array.dtype}: expected one whole number for each of the {count} {what}"
        )
    return array
