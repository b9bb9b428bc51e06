"""Strategies by name: the built-in ones (imported here, so they register) and any other
registered with ``clnmatch.strategies.base.register``."""

from __future__ import annotations

from clnmatch.errors import InvalidParameterError
from clnmatch.strategies import (  # noqa: F401  (importing a strategy module registers it)
    colgen,
    cpsat,
    cpsat_lns,
    greedy,
    kmeans,
    local_search,
    portfolio,
    random_strategy,
)
from clnmatch.strategies.base import Strategy, registered

__all__ = ["available_strategies", "get_strategy"]


def available_strategies() -> list[str]:
    """The names ``get_strategy`` (and ``solve(strategy=...)``) accept."""
    return sorted(registered())


def get_strategy(name: str) -> Strategy:
    """The strategy registered as ``name``; an unknown name is an error listing the choices."""
    factories = registered()
    if name not in factories:
        choices = ", ".join(repr(n) for n in sorted(factories))
        raise InvalidParameterError.for_value("strategy", "solve", f"one of {choices}", name)
    return factories[name]()
