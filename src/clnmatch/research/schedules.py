"""Runs of the schedule sets (issue 17): Social Golfer instances and breakout rooms at scale.

Both go through the public breakout API, as a user's call would, and are judged by its
schedule checker (``clnmatch.breakouts.evaluate_schedule``), never by the search:

* **golf** G-S-W: ``solve_golf(G, S, W)``; no side rules, so every schedule keeps its
  room sizes and the measure is the repeats (pairs meeting again), fewer being better,
  beside the proven lower bound. ``solved`` = no repeat; status ``optimal`` when the
  repeats equal the bound (so 5-3-8, past its maximum, is optimal with 15 repeats).
* **breakouts-scale**: ``plan_breakouts(roster, BreakoutRules(...))`` on a roster of
  generated practitioners (``generate_cohort(establishments, seed=0)``, the first
  ``people`` of them), the same rosters ``benchmarks/golf/run.py`` measured for
  docs/breakouts.md. ``solved`` = no repeat and every rule met; ``first_solved_s`` is when
  the search first held such a schedule (the rest of the run improves the sector mix).

``runtime_s`` is the wall time of the call; the compiled search is loaded by the warm-up
before the first run in a worker (``clnmatch.breakouts.warm_up``), not timed.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from typing import TYPE_CHECKING

from clnmatch.research.runs import RunRecord, RunSpec
from clnmatch.research.sets import SCALE_CASES

if TYPE_CHECKING:
    from clnmatch.breakouts import Roster

__all__ = ["golf_shape", "run_golf", "run_scale", "scale_roster", "warm_up_schedules"]


def golf_shape(instance: str) -> tuple[int, int, int]:
    """(groups, size, rounds) of a golf instance name ``G-S-W``."""
    groups, size, rounds = (int(part) for part in instance.split("-"))
    return groups, size, rounds


def run_golf(spec: RunSpec, record: RunRecord) -> None:
    """Solve one Social Golfer instance and fill the record."""
    from clnmatch.breakouts import solve_golf
    from clnmatch.breakouts.benchmark import LITERATURE

    groups, size, rounds = golf_shape(spec.instance)
    started = time.perf_counter()
    result = solve_golf(groups, size, rounds, time_limit=spec.time_limit, seed=spec.seed)
    record.runtime_s = round(time.perf_counter() - started, 4)
    known = LITERATURE.get((groups, size))
    record.known_max_rounds = None if known is None else known[0]
    record.repeats = int(result.repeats)
    record.repeats_lower_bound = int(result.lower_bound_repeats)
    record.solved = result.repeats == 0
    record.first_solved_s = record.runtime_s if record.solved else None
    record.breaches = 0  # golf has no side rules; solve_golf checks every room's size
    record.status = "optimal" if result.repeats == result.lower_bound_repeats else "feasible"
    source = f" ({known[1]})" if known else ""
    record.notes = f"{result.method}; literature's maximum {record.known_max_rounds}{source}"


@functools.lru_cache(maxsize=2)
def scale_roster(name: str) -> Roster:
    """The roster of a scale case: the first ``people`` practitioners of a generated cohort."""
    from clnmatch.breakouts import Roster
    from clnmatch.generate import generate_cohort

    case = SCALE_CASES[name]
    cohort = generate_cohort(case.establishments, seed=0, teams_hint=max(8, case.people // 60))
    roster = Roster.from_cohort(cohort)
    return Roster(roster.people[: case.people], roster.themes, "generated")


def run_scale(spec: RunSpec, record: RunRecord) -> None:
    """Plan one scale case's rounds and fill the record from the schedule checker."""
    from clnmatch.breakouts import BreakoutRules, plan_breakouts

    case = SCALE_CASES[spec.instance]
    roster = scale_roster(spec.instance)
    rules = BreakoutRules(
        rounds=case.rounds, room_size=case.room_size, min_authorities=case.min_authorities
    )
    started = time.perf_counter()
    plan = plan_breakouts(roster, rules, time_limit=spec.time_limit, seed=spec.seed)
    record.runtime_s = round(time.perf_counter() - started, 4)
    evaluation = plan.evaluation
    record.repeats_lower_bound = plan.lower_bound_repeats
    record.notes = f"{len(roster)} people; {plan.method}"
    if evaluation is None:  # proven infeasible: the diagnosis says why
        record.status = "infeasible" if plan.status == "infeasible" else "no_solution"
        return
    counts = Counter(b.rule for b in evaluation.breaches)
    record.breaches = len(evaluation.breaches)
    record.breach_rules = "; ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))
    record.repeats = int(evaluation.repeats)
    record.solved = evaluation.feasible and evaluation.repeats == 0
    record.first_solved_s = next(
        (round(p.seconds, 4) for p in plan.trace if p.violation == 0 and p.repeats == 0), None
    )
    record.authorities_per_team_mean = round(evaluation.mean_authorities_per_room, 3)
    record.sectors_per_team_mean = round(evaluation.mean_sectors_per_room, 3)
    if not evaluation.feasible:
        record.status = "breaches"
    else:
        record.status = "optimal" if plan.status == "optimal" else "feasible"


def warm_up_schedules() -> None:
    """Load (or compile) the breakout search and run a tiny golf instance, untimed."""
    from clnmatch.breakouts import solve_golf, warm_up

    warm_up()
    solve_golf(3, 3, 4, time_limit=1.0, seed=0)
