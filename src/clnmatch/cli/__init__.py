"""The ``clnmatch`` command line (contract sections 4 and 8-11).

``app`` is the Typer application; each module below registers its commands on it.
"""

from clnmatch.cli import (  # noqa: F401  (importing a module registers its commands)
    breakouts,
    day,
    event,
    mapping,
    match,
    research,
)
from clnmatch.cli.common import (
    EXIT_BREACH,
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INVALID,
    EXIT_OK,
    app,
    sample_paths,
)

__all__ = [
    "EXIT_BREACH",
    "EXIT_ERROR",
    "EXIT_INFEASIBLE",
    "EXIT_INVALID",
    "EXIT_OK",
    "app",
    "main",
    "sample_paths",
]


def main() -> None:  # pragma: no cover - console entry
    app()
