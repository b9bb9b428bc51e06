"""Claims of proof that another run of the same instance refutes.

The harness cannot check a strategy's proof, but every rule-abiding assignment it scored
is a fact about the instance: no bound may lie below it, no "optimal" answer may score
less, and no "infeasible" claim can stand beside it. A strategy of a researcher's own (or
a bug in a built-in one) can claim any of those, so summary.md lists every claim another
run's assignment refutes, naming both runs (all sets maximise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Refutation", "refuted_claims", "without_refuted"]

#: objectives and bounds are milli-points printed as points: closer than this is equal
TOLERANCE = 0.0015


@dataclass(frozen=True)
class Refutation:
    row: int  # the refuted run's position in the frame
    set: str
    instance: str
    strategy: str  # the run whose claim is refuted
    seed: str
    claim: str  # "infeasible", "optimal at X", "bound X"
    refuted_by: str  # the strategy and seed whose rule-abiding assignment refutes it
    objective: float  # that assignment's objective


def refuted_claims(frame: pd.DataFrame) -> list[Refutation]:
    """Each claim in ``frame`` (rows of runs.csv) that a rule-abiding assignment of the
    same set and instance refutes, against the best such assignment."""
    import pandas as pd

    objective = pd.to_numeric(frame["objective"], errors="coerce").astype(float).tolist()
    bound = pd.to_numeric(frame["bound"], errors="coerce").astype(float).tolist()
    rows = frame[["set", "instance", "strategy", "seed", "status"]].astype(str).values.tolist()
    best: dict[tuple[str, str], int] = {}  # (set, instance) -> row of its best assignment
    for i, (set_name, instance, _, _, status) in enumerate(rows):
        if status in ("optimal", "feasible") and math.isfinite(objective[i]):
            held = best.get((set_name, instance))
            if held is None or objective[i] > objective[held]:
                best[(set_name, instance)] = i
    found = []
    for i, (set_name, instance, strategy, seed, status) in enumerate(rows):
        witness = best.get((set_name, instance))
        if witness is None:
            continue
        top = objective[witness]
        claim = _claim(status, objective[i], bound[i], top)
        if claim is not None:
            by = f"{rows[witness][2]} (seed {rows[witness][3]})"
            found.append(Refutation(i, set_name, instance, strategy, seed, claim, by, top))
    return found


def _claim(status: str, objective: float, bound: float, best: float) -> str | None:
    """What the run claims that an assignment worth ``best`` refutes, if anything."""
    if status == "infeasible":
        return "infeasible"
    if status == "optimal" and math.isfinite(objective) and objective < best - TOLERANCE:
        return f"optimal at {objective:.3f}"
    if math.isfinite(bound) and bound < best - TOLERANCE:
        return f"bound {bound:.3f}"
    return None


def without_refuted(frame: pd.DataFrame, refuted: list[Refutation]) -> pd.DataFrame:
    """A copy of ``frame`` in which each refuted claim is set aside: its bound and gap
    dropped, 'optimal' read as 'feasible' and 'infeasible' as 'no_solution'."""
    import numpy as np

    kept = np.ones(len(frame), dtype=bool)
    kept[[r.row for r in refuted]] = False
    frame = frame.copy()
    frame["bound"] = frame["bound"].where(kept)
    frame["gap"] = frame["gap"].where(kept)
    set_aside = frame["status"].replace({"optimal": "feasible", "infeasible": "no_solution"})
    frame["status"] = frame["status"].where(kept, set_aside)
    return frame
