"""What the page and ``GET /api/state`` show: the present state of an event, evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clnmatch.evaluate import Evaluation
from clnmatch.event.state import EventState
from clnmatch.models import Cohort
from clnmatch.trace import proven_gap

__all__ = ["EventView"]


@dataclass(frozen=True)
class EventView:
    """The present state, evaluated: what the page and ``GET /api/state`` show."""

    version: int
    state: EventState
    cohort: Cohort
    evaluation: Evaluation
    bound: float | None  # none when no teams of the cohort can keep every rule
    team_focus: dict[int, str]
    impossible: str = ""  # why no teams of the cohort can keep every rule, by counting

    @property
    def objective(self) -> float:
        return self.evaluation.objective

    @property
    def gap(self) -> float | None:
        """The proven gap; none while rules are broken (a broken board may pass the bound)."""
        return proven_gap(self.objective, self.bound, self.evaluation.feasible)

    @property
    def nothing_placed(self) -> bool:
        """No establishment is in a team yet (then there is no score to show)."""
        return len(self.unplaced) == len(self.cohort.establishments) > 0

    @property
    def unplaced(self) -> list[str]:
        return [e.id for e in self.cohort.establishments if self.state.teams.get(e.id, 0) < 1]

    def team_members(self, n_teams: int) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {t: [] for t in range(1, n_teams + 1)}
        for e in self.cohort.establishments:
            team = self.state.teams.get(e.id, 0)
            if team >= 1:
                out.setdefault(team, []).append(e.id)
        return out

    def to_api(self, n_teams: int) -> dict[str, Any]:
        """The JSON of ``GET /api/state`` (contract section 9, plus a few fields)."""
        return {
            "version": self.version,
            "teams": {str(t): ids for t, ids in self.team_members(n_teams).items()},
            "unplaced": self.unplaced,
            "locked": sorted(self.state.locked),
            "withdrawn": sorted(self.state.withdrawn),
            "withdrawn_people": sorted(self.state.people_out),
            "withdrawn_facilitators": sorted(self.state.facilitators_out),
            "breaches": [
                {"rule": b.rule, "team": b.team, "message": b.message, "subject": b.subject}
                for b in self.evaluation.breaches
            ],
            # nothing placed: no score (the evaluator's would be the schools' own pairs)
            "objective": None if self.nothing_placed else self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "impossible": self.impossible or None,
            "focus": {str(t): f for t, f in self.team_focus.items()},
            "facilitators": [[f, t] for f, t in self.state.links],
            "facilitators_placed": dict(sorted(self.state.facilitators_placed.items())),
        }
