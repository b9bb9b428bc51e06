"""Breakout rooms over several rounds (contract section 11): people meet as many new
people as the rules and mathematics allow.

    >>> from clnmatch.breakouts import BreakoutRules, plan_breakouts
    >>> from clnmatch.breakouts.io import read_people
    >>> roster, warnings = read_people("roster.csv")
    >>> plan = plan_breakouts(roster, BreakoutRules(rounds=5, room_size=6, min_authorities=3))
    >>> plan.status, plan.repeats, plan.lower_bound_repeats

Modules: ``model`` (Roster, BreakoutRules, History, the numeric BreakoutProblem),
``fields`` and ``designs`` (repeat-free constructions), ``bounds`` (proven lower bounds),
``evaluate`` (THE checker), ``search`` (numba tabu kernels), ``solver`` (design, greedy,
tabu), ``repair`` (counting diagnosis, CP-SAT), ``api`` (plan, re-plan, golf).
"""

from clnmatch.breakouts.api import (
    BreakoutPlan,
    GolfResult,
    plan_breakouts,
    replan_round,
    solve_golf,
)
from clnmatch.breakouts.bounds import BoundArgument, RepeatBound, repeat_lower_bound
from clnmatch.breakouts.designs import Construction, best_construction, is_repeat_free
from clnmatch.breakouts.evaluate import Breach, ScheduleEvaluation, evaluate_schedule
from clnmatch.breakouts.model import BreakoutProblem, BreakoutRules, History, Person, Roster
from clnmatch.breakouts.repair import Diagnosis
from clnmatch.breakouts.solver import SearchSettings, warm_up

__all__ = [
    "BoundArgument",
    "Breach",
    "BreakoutPlan",
    "BreakoutProblem",
    "BreakoutRules",
    "Construction",
    "Diagnosis",
    "GolfResult",
    "History",
    "Person",
    "RepeatBound",
    "Roster",
    "ScheduleEvaluation",
    "SearchSettings",
    "best_construction",
    "evaluate_schedule",
    "is_repeat_free",
    "plan_breakouts",
    "repeat_lower_bound",
    "replan_round",
    "solve_golf",
    "warm_up",
]
