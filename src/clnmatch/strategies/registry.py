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


def get_strategy(name: str, owner: str = "get_strategy") -> Strategy:
    """The strategy registered as ``name``; an unknown name is an error listing the choices.

    ``owner``: the function or command whose parameter it is, for the message; "solve" and
    "clnmatch mdgp" also take "auto" (``clnmatch.solve.choose_strategy``), so their
    messages list it."""
    factories = registered()
    if name not in factories:
        names = sorted(factories)
        if owner == "get_strategy":
            hint = (
                " ('auto' is solve's choice among them, not a strategy)" if name == "auto" else ""
            )
        else:
            names, hint = ["auto", *names], ""
        choices = ", ".join(repr(n) for n in names)
        raise InvalidParameterError.for_value("strategy", owner, f"one of {choices}{hint}", name)
    return factories[name]()
