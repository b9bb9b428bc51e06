"""What ``solve`` returns: the assignment, its proof of quality, and how it was found."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from clnmatch.diagnosis import Diagnosis
from clnmatch.evaluate import Evaluation
from clnmatch.facilitators import Allocation
from clnmatch.frozen import frozen
from clnmatch.models import Cohort, Rules
from clnmatch.problem import ObjectiveWeights
from clnmatch.trace import TracePoint, proven_gap
from clnmatch.version import __version__

if TYPE_CHECKING:
    import pandas as pd


__all__ = ["Status", "Result", "Statistics", "split_establishments"]


class Status(StrEnum):
    OPTIMAL = "optimal"  # proven: no assignment scores higher
    FEASIBLE = "feasible"  # every rule holds; the bound (if any) says how far from optimal at most
    INFEASIBLE = "infeasible"  # the rules cannot all be met; see diagnosis
    # no rule-abiding assignment found in the time limit, none proven impossible
    UNKNOWN = "unknown"
    # a given assignment (e.g. edited by hand) that breaks rules; never returned by solve
    BREACHES = "breaches"


@dataclass(frozen=True)
class Statistics:
    """The anytime trace: (elapsed seconds, best objective, best bound)."""

    trace: tuple[TracePoint, ...] = ()

    def to_rows(self) -> list[dict[str, float | None]]:
        return [
            {"time_s": p.time_s, "objective": p.objective, "bound": p.bound} for p in self.trace
        ]

    def to_csv(self, path: str) -> None:
        import pandas as pd

        pd.DataFrame(self.to_rows(), columns=["time_s", "objective", "bound"]).to_csv(
            path, index=False
        )

    @classmethod
    def from_csv(cls, path: str) -> Statistics:
        import pandas as pd

        rows = pd.read_csv(path).to_dict("records")
        return cls(
            tuple(
                TracePoint(float(r["time_s"]), _none(r["objective"]), _none(r["bound"]))
                for r in rows
            )
        )


def _none(value: Any) -> float | None:
    return None if value is None or value != value else float(value)  # NaN -> None


@dataclass(frozen=True)
class Result:
    """A matching result. ``assignment`` maps practitioner id -> team (1..T)."""

    status: Status
    cohort: Cohort
    rules: Rules
    objective_name: str
    strategy: str
    seed: int
    runtime_s: float
    assignment: Mapping[str, int] = field(default_factory=dict)  # frozen: dict(...) to edit
    team_focus: Mapping[int, str] = field(default_factory=dict)
    facilitator_links: tuple[tuple[str, int], ...] = ()
    evaluation: Evaluation | None = None
    bound: float | None = None
    statistics: Statistics = field(default_factory=Statistics)
    diagnosis: Diagnosis | None = None
    allocation: Allocation | None = None
    notes: tuple[str, ...] = ()
    objective_weights: ObjectiveWeights | None = None  # the weights solved for

    def __post_init__(self) -> None:
        # frozen all through: a changed assignment would no longer match its evaluation
        object.__setattr__(self, "assignment", frozen(self.assignment))
        object.__setattr__(self, "team_focus", frozen(self.team_focus))

    @property
    def objective(self) -> float | None:
        """The teams' score; None without teams (a strategy's answer that broke rules is
        evaluated, to name the breaches, but gives no teams)."""
        return (
            self.evaluation.objective if self.evaluation is not None and self.assignment else None
        )

    @property
    def gap(self) -> float | None:
        """The proven gap; none while rules are broken (the bound is of rule-abiding teams:
        an event's board exported with breaches said "gap 10.5%", its page "-")."""
        return proven_gap(self.objective, self.bound, self.status is not Status.BREACHES)

    @property
    def feasible(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def has_teams(self) -> bool:
        """Teams to show: a feasible result's, or the teams of one that breaks rules (a
        board exported from the event, a hand-edited teams.csv) beside its failing checks."""
        return (self.feasible or self.status == Status.BREACHES) and bool(self.assignment)

    def establishment_team(self) -> dict[str, int]:
        """Establishment id -> team (1..T)."""
        out: dict[str, int] = {}
        for p in self.cohort.practitioners:
            if p.id in self.assignment:
                out.setdefault(p.establishment_id, self.assignment[p.id])
        return out

    def to_dataframe(self) -> pd.DataFrame:
        """One row per practitioner: the columns of teams.csv and a little more."""
        import pandas as pd

        rows = []
        for p in self.cohort.practitioners:
            est = self.cohort.establishment_by_id[p.establishment_id]
            team = self.assignment.get(p.id)
            rows.append(
                {
                    "practitioner_id": p.id,
                    "name": p.name,
                    "email": p.email or "",  # with the name, matches a row back to the export
                    "role": str(p.role),
                    "job_title": p.job_title or "",
                    "establishment_id": est.id,
                    "establishment_name": est.name,
                    "authority": est.authority,
                    "sector": str(est.sector),
                    "team": team,
                    "team_focus": self.team_focus.get(team, "") if team is not None else "",
                }
            )
        columns = [
            "practitioner_id",
            "name",
            "email",
            "role",
            "job_title",
            "establishment_id",
            "establishment_name",
            "authority",
            "sector",
            "team",
            "team_focus",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        # whole team numbers even when some practitioner is unplaced (an event's first
        # moves): a plain column would turn to floats and be written "3.0"
        frame["team"] = frame["team"].astype("Int64")
        return frame

    def summary(self) -> dict[str, Any]:
        """The content of summary.json (JSON-serialisable)."""
        evaluation = self.evaluation
        teams = []
        if evaluation is not None:
            for ts in evaluation.teams:
                teams.append(
                    {
                        "team": ts.team,
                        "size": ts.participants,
                        "establishments": list(ts.establishments),
                        "sectors": list(ts.sectors),
                        "authorities": ts.authorities,
                        "focus": ts.focus,
                        "focus_points": ts.focus_points,
                        "cohesion": ts.cohesion,
                        "facilitators": [f for f, t in self.facilitator_links if t == ts.team],
                    }
                )
        out: dict[str, Any] = {
            "status": str(self.status),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "objective_name": self.objective_name,
            "objective_weights": None
            if self.objective_weights is None
            else self.objective_weights.model_dump(),
            "runtime_s": round(self.runtime_s, 3),
            "seed": self.seed,
            "strategy": self.strategy,
            "version": __version__,  # of clnmatch, which made the teams
            "rules": self.rules.model_dump(mode="json"),
            "participants": self.cohort.n_participants,
            "establishments": len(self.cohort.establishments),
            "cohort_digest": self.cohort.digest(),  # another cohort's bound is not reused
            "terms": None
            if evaluation is None
            else {
                "focus_points": evaluation.focus_points,
                "cohesion": evaluation.cohesion,
                "simd_mixed_teams": evaluation.simd_mixed_teams,
                "travel_km": evaluation.travel_km,
            },
            "breaches": [] if evaluation is None else [b.to_dict() for b in evaluation.breaches],
            "teams": teams,
            "trace": self.statistics.to_rows(),
            "notes": list(self.notes),
        }
        if self.allocation is not None:
            out["facilitator_supply"] = [line.to_dict() for line in self.allocation.supply]
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis.to_dict()
        return out

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.summary(), indent=indent, ensure_ascii=False)

    def own_files(self) -> dict[str, Any]:
        """Files of its own that ``write_result`` writes beside the outputs (a re-match's
        moves.csv and changes.json): name -> a table, or a function of the pseudonyms
        (a person's id -> theirs in the outputs, None when not pseudonymised) giving text."""
        return {}


def split_establishments(
    teams: Mapping[str, int], school: Mapping[str, str]
) -> dict[str, tuple[int, ...]]:
    """Establishments whose practitioners (``teams``: practitioner -> team; ``school``:
    practitioner -> establishment) are in more than one team, with those teams."""
    of: dict[str, set[int]] = {}
    for pid, team in teams.items():
        if pid in school:
            of.setdefault(school[pid], set()).add(team)
    return {eid: tuple(sorted(t)) for eid, t in of.items() if len(t) > 1}
