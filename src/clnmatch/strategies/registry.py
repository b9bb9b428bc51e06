"""Strategies by name: the built-in ones (imported on first use, so they register) and any
other registered with ``clnmatch.strategies.base.register``.

The built-in modules are imported when a name is first looked up, not when this package
is: they import the solvers, and the solvers import ``clnmatch.strategies.base``, so an
import here would make ``import clnmatch.colgen.run`` (or any solver module imported
first) find its own module half-built."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import import_module

from clnmatch.errors import InvalidParameterError
from clnmatch.strategies.base import Strategy, registered

__all__ = ["PLUGINS_ENV", "available_strategies", "get_strategy"]

#: Modules (comma-separated) imported with the built-in ones, so that the strategies they
#: register run by name in another process too: ``clnmatch mdgp``, the harness's workers.
PLUGINS_ENV = "CLNMATCH_STRATEGIES"

BUILT_IN = (
    "colgen",
    "cpsat",
    "cpsat_lns",
    "greedy",
    "kmeans",
    "local_search",
    "portfolio",
    "random_strategy",
)


def _strategies() -> dict[str, Callable[[], Strategy]]:
    """Every registered strategy, the built-in ones imported (once) first."""
    for module in BUILT_IN:
        import_module(f"clnmatch.strategies.{module}")
    for module in filter(None, (m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(","))):
        try:
            import_module(module)
        except ImportError as exc:
            raise InvalidParameterError(
                f"{PLUGINS_ENV} names {module!r}, which could not be imported ({exc}): give "
                "a module importable from here (PYTHONPATH=. for a file in this folder)"
            ) from exc
        except Exception as exc:  # the module's own fault (a SyntaxError, its code raising)
            raise InvalidParameterError(
                f"{PLUGINS_ENV} names {module!r}, which failed as it was imported "
                f"({type(exc).__name__}: {exc}): correct that module, or leave it out of "
                f"{PLUGINS_ENV}"
            ) from exc
    return registered()


def available_strategies() -> list[str]:
    """The names ``get_strategy`` (and ``solve(strategy=...)``) accept."""
    return sorted(_strategies())


def get_strategy(name: str, owner: str = "get_strategy") -> Strategy:
    """The strategy registered as ``name``; an unknown name is an error listing the choices.

    ``owner``: the function or command whose parameter it is, for the message; "solve" and
    "clnmatch mdgp" also take "auto" (``clnmatch.solve.choose_strategy``), so their
    messages list it."""
    factories = _strategies()
    if name not in factories:
        names = sorted(factories)
        if owner == "get_strategy":
            hint = (
                " ('auto' is solve's choice among them, not a strategy)" if name == "auto" else ""
            )
        else:
            names, hint = ["auto", *names], ""
        choices = ", ".join(repr(n) for n in names)
        own = f" (a strategy of your own: name its module in {PLUGINS_ENV})"
        raise InvalidParameterError.for_value(
            "strategy", owner, f"one of {choices}{hint}{own}", name
        )
    return factories[name]()
