"""clnmatch: form collaborative learning teams of school practitioners.

Read a survey, enforce every rule, optimise shared focus and cohesion, and prove how
good the answer is.

    >>> import clnmatch
    >>> cohort = clnmatch.Cohort.from_csv("survey.csv", facilitators="facilitators.csv")
    >>> result = clnmatch.solve(cohort, clnmatch.Rules(teams=8), time_limit=30, seed=1)
    >>> result.status, result.objective, result.bound, result.gap
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from clnmatch.lazy import lazy_names
from clnmatch.version import __version__

if TYPE_CHECKING:
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
    from clnmatch.models import (
        Cohort,
        Establishment,
        Facilitator,
        Practitioner,
        Role,
        Rules,
        Sector,
    )
    from clnmatch.problem import ObjectiveWeights, Problem
    from clnmatch.publish import write_result
    from clnmatch.rematch import Move, RematchResult, load_previous, rematch, rematch_teams
    from clnmatch.result import Result, Statistics, Status
    from clnmatch.solve import solve
    from clnmatch.strategies.registry import available_strategies, get_strategy

# Loaded on first use, so that `import clnmatch` (and every command's start-up) stays quick.
_LAZY = {
    "BreakoutPlan": "clnmatch.breakouts",
    "BreakoutRules": "clnmatch.breakouts",
    "GolfResult": "clnmatch.breakouts",
    "plan_breakouts": "clnmatch.breakouts",
    "replan_round": "clnmatch.breakouts",
    "solve_golf": "clnmatch.breakouts",
    "ClnmatchError": "clnmatch.errors",
    "InfeasibleError": "clnmatch.errors",
    "InputProblem": "clnmatch.errors",
    "InvalidInputError": "clnmatch.errors",
    "InvalidParameterError": "clnmatch.errors",
    "Breach": "clnmatch.evaluate",
    "Evaluation": "clnmatch.evaluate",
    "check": "clnmatch.evaluate",
    "evaluate": "clnmatch.evaluate",
    "Explanation": "clnmatch.explain",
    "explain": "clnmatch.explain",
    "SurveyMapping": "clnmatch.io",
    "read_cohort": "clnmatch.io",
    "Cohort": "clnmatch.models",
    "Establishment": "clnmatch.models",
    "Facilitator": "clnmatch.models",
    "Practitioner": "clnmatch.models",
    "Role": "clnmatch.models",
    "Rules": "clnmatch.models",
    "Sector": "clnmatch.models",
    "ObjectiveWeights": "clnmatch.problem",
    "Problem": "clnmatch.problem",
    "write_result": "clnmatch.publish",
    "Move": "clnmatch.rematch",
    "RematchResult": "clnmatch.rematch",
    "load_previous": "clnmatch.rematch",
    "rematch": "clnmatch.rematch",
    "rematch_teams": "clnmatch.rematch",
    "Result": "clnmatch.result",
    "Statistics": "clnmatch.result",
    "Status": "clnmatch.result",
    "solve": "clnmatch.solve",
    "available_strategies": "clnmatch.strategies.registry",
    "get_strategy": "clnmatch.strategies.registry",
}


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


class _Package(types.ModuleType):
    """Keeps a public function when its own submodule is imported later: ``solve``,
    ``explain``, ``evaluate`` and ``rematch`` name both, and the function is the API (the
    import system would otherwise set the attribute to the submodule)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__getattr__ = lazy_names(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
