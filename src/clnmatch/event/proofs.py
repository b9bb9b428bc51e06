"""The event's proven bounds: for each cohort the day makes (a withdrawal, a late school),
the best any teams of it could score, and whether counting alone shows that no teams of
it can keep every rule (then no bound is called proven: it would bound nothing)."""

from __future__ import annotations

import math

from clnmatch.bounds import certified_bound
from clnmatch.diagnose import diagnose
from clnmatch.event.state import EventState
from clnmatch.models import Cohort, Rules
from clnmatch.problem import SCALE, Problem

__all__ = ["BOUND_SECONDS", "CohortProofs", "prove_bound"]

BOUND_SECONDS = 2.0  # proving a bound after the cohort changes (1.2-1.5 s on the sample)


def prove_bound(cohort: Cohort, rules: Rules, objective: str, seed: int) -> float:
    """A bound (points) on every assignment of ``cohort`` keeping ``rules``."""
    problem = Problem.from_cohort(cohort, rules, objective)
    return certified_bound(problem, BOUND_SECONDS, seed=seed).bound_milli / SCALE


class CohortProofs:
    """Bounds proved once per cohort and kept: proved again in limited time they could
    differ, and a board's bound must not move when nothing changed."""

    def __init__(self, objective: str, seed: int):
        self.objective = objective
        self.seed = seed
        self._bounds: dict[frozenset[str], float] = {}
        self._impossible: dict[frozenset[str], str] = {}

    def bound(self, state: EventState, cohort: Cohort, rules: Rules) -> float:
        """The least of a solve's bound for this cohort (kept in ``state``) and one proved here."""
        key = _key(state, cohort)
        solved = state.bounds.get(key, math.inf)
        if key not in self._bounds and math.isinf(solved):
            # after a withdrawal or a late school: the quick relaxation alone showed gaps
            # of 18-21% on the sample; column generation's bound is within a few per cent
            self._bounds[key] = prove_bound(cohort, rules, self.objective, self.seed)
        return min(solved, self._bounds.get(key, math.inf))

    def impossible(self, state: EventState, cohort: Cohort, rules: Rules) -> str:
        """Why no teams of ``cohort`` can keep every rule ("" when counting finds no reason)."""
        key = _key(state, cohort)
        if key not in self._impossible:
            problem = Problem.from_cohort(cohort, rules, self.objective)
            found = diagnose(problem, cohort, rules).conflicts
            self._impossible[key] = "; ".join(c.message for c in found)
        return self._impossible[key]


def _key(state: EventState, cohort: Cohort) -> frozenset[str]:
    return frozenset(state.cohort_key(e.id for e in cohort.establishments))
