"""Built-in strategies; importing this package registers them."""

from clnmatch.strategies.base import (
    Budget,
    Progress,
    Proposal,
    Strategy,
    TracePoint,
    available_strategies,
    get_strategy,
    register,
)
from clnmatch.strategies import greedy  # noqa: F401  (registers "greedy")

__all__ = [
    "Budget",
    "Progress",
    "Proposal",
    "Strategy",
    "TracePoint",
    "available_strategies",
    "get_strategy",
    "register",
]
