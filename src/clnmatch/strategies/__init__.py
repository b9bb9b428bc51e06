"""Built-in strategies; importing this package registers them."""

# importing a strategy module registers it under its name
from clnmatch.strategies import colgen, cpsat, greedy, local_search  # noqa: F401, E402
from clnmatch.strategies.base import (
    Budget,
    Progress,
    Proposal,
    Strategy,
    TracePoint,
    available_strategies,
    get_strategy,
    prepare,
    register,
)

__all__ = [
    "Budget",
    "Progress",
    "Proposal",
    "Strategy",
    "TracePoint",
    "available_strategies",
    "get_strategy",
    "prepare",
    "register",
]
