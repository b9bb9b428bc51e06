"""clnmatch: form collaborative learning teams of school practitioners.

Read a survey, enforce every rule, optimise shared focus and cohesion, and prove how
good the answer is.

    >>> import clnmatch
    >>> cohort = clnmatch.Cohort.from_csv("survey.csv", facilitators="facilitators.csv")
    >>> result = clnmatch.solve(cohort, clnmatch.Rules(teams=8), time_limit=30, seed=1)
    >>> result.status, result.objective, result.bound, result.gap
"""

from clnmatch.errors import (
    ClnmatchError,
    InfeasibleError,
    InputProblem,
    InvalidInputError,
    InvalidParameterError,
)
from clnmatch.evaluate import Breach, Evaluation, check, evaluate
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner, Role, Rules, Sector
from clnmatch.problem import ObjectiveWeights, Problem
from clnmatch.result import Result, Statistics, Status
from clnmatch.solve import solve
from clnmatch.strategies.base import available_strategies, get_strategy

__version__ = "0.1.0"

__all__ = [
    "Breach",
    "ClnmatchError",
    "Cohort",
    "Establishment",
    "Evaluation",
    "Facilitator",
    "InfeasibleError",
    "InputProblem",
    "InvalidInputError",
    "InvalidParameterError",
    "ObjectiveWeights",
    "Practitioner",
    "Problem",
    "Result",
    "Role",
    "Rules",
    "Sector",
    "Statistics",
    "Status",
    "__version__",
    "available_strategies",
    "check",
    "evaluate",
    "get_strategy",
    "solve",
]
