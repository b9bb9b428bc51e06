"""What a strategy returns: a unit assignment, its focus themes, and what it proved."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import ClnmatchError
from clnmatch.trace import TracePoint

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


def checked_answer(name: str, answer: object, n_units: int) -> Proposal:
    """``answer`` if it is a Proposal with one whole team number per unit (or none), else
    an error saying what came back (a dict was an AttributeError deep inside, and team
    numbers 0.4, 1.4 were cut to whole ones without a word)."""
    if not isinstance(answer, Proposal):
        raise StrategyAnswerError(
            f"strategy {name!r} returned a {type(answer).__name__}, not a Proposal"
        )
    if answer.unit_team is None:
        return answer
    team = np.asarray(answer.unit_team)
    whole = team.dtype.kind in "iu" or (
        team.dtype.kind == "f" and bool(np.isfinite(team).all() and (team == np.round(team)).all())
    )
    if team.shape != (n_units,) or not whole:
        raise StrategyAnswerError(
            f"strategy {name!r} returned unit_team of shape {team.shape} and type "
            f"{team.dtype}: expected one whole team number for each of the {n_units} units"
        )
    return answer
