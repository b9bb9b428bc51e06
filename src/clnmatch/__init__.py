"""clnmatch: form collaborative learning teams of school practitioners.

Read a survey, enforce every rule, optimise shared focus and cohesion, and prove how
good the answer is.

    >>> import clnmatch
    >>> cohort = clnmatch.Cohort.from_csv("survey.csv", facilitators="facilitators.csv")
    >>> result = clnmatch.solve(cohort, clnmatch.Rules(teams=8), time_limit=30, seed=1)
    >>> result.status, result.objective, result.bound, result.gap
"""

from clnmatch.breakouts import (
    BreakoutPlan,
    BreakoutRules,
    GolfResult,
    plan_breakouts,
    replan_round,
    solve_golf,
)
from clnmatch.errors import (
    ClnmatchError,
    InfeasibleError,
    InputProblem,
    InvalidInputError,
    InvalidParameterError,
)
from clnmatch.evaluate import Breach, Evaluation, check, evaluate
from clnmatch.explain import Explanation, explain
from clnmatch.io import SurveyMapping, read_cohort
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner, Role, Rules, Sector
from clnmatch.problem import ObjectiveWeights, Problem
from clnmatch.publish import write_result
from clnmatch.rematch import Move, RematchResult, load_previous, rematch, rematch_teams
from clnmatch.result import Result, Statistics, Status
from clnmatch.solve import solve
from clnmatch.strategies.registry import available_strategies, get_strategy
from clnmatch.version import __version__

__all__ = [
    "BreakoutPlan",
    "BreakoutRules",
    "GolfResult",
    "Breach",
    "ClnmatchError",
    "Cohort",
    "Establishment",
    "Evaluation",
    "Explanation",
    "Facilitator",
    "InfeasibleError",
    "InputProblem",
    "InvalidInputError",
    "InvalidParameterError",
    "Move",
    "ObjectiveWeights",
    "Practitioner",
    "Problem",
    "RematchResult",
    "Result",
    "Role",
    "Rules",
    "Sector",
    "Statistics",
    "Status",
    "SurveyMapping",
    "__version__",
    "available_strategies",
    "check",
    "evaluate",
    "explain",
    "get_strategy",
    "load_previous",
    "plan_breakouts",
    "read_cohort",
    "rematch",
    "rematch_teams",
    "replan_round",
    "solve",
    "solve_golf",
    "write_result",
]
