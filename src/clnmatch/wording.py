"""Small helpers for the words of messages (no heavy imports: the command line loads it
at start-up)."""

from __future__ import annotations

__all__ = ["plural"]


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 round', '2 rounds', '3 people'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
