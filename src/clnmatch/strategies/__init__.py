"""Built-in strategies; importing this package registers them."""

# importing a strategy module registers it under its name
from clnmatch.strategies import (  # noqa: F401, E402
    colgen,
    cpsat,
    cpsat_lns,
    greedy,
    kmeans,
    local_search,
    random_strategy,
)
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
