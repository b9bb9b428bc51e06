"""The matching strategies: the protocol (``base``), the built-in ones, and the registry."""

from clnmatch.strategies.base import (
    Budget,
    Progress,
    Proposal,
    Strategy,
    TracePoint,
    prepare,
    register,
)
from clnmatch.strategies.registry import available_strategies, get_strategy

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
