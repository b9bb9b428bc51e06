"""Small helpers for the words of messages (no heavy imports: the command line loads it
at start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

__all__ = ["first_few", "plural", "share_words"]

_FRACTIONS = {
    Fraction(1, 1): "all",
    Fraction(1, 2): "half",
    Fraction(1, 3): "a third",
    Fraction(2, 3): "two thirds",
    Fraction(1, 4): "a quarter",
    Fraction(3, 4): "three quarters",
    Fraction(1, 5): "a fifth",
}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 round', '2 rounds', '3 people'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def first_few(items: Sequence[str], most: int) -> str:
    """'a, b, c', or 'a, b, c and 4 more': a list cut short says so."""
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def share_words(share: float | Fraction) -> str:
    """0.5 -> 'half', 1/3 -> 'a third', 0.4 -> '40%'."""
    exact = Fraction(share).limit_denominator(1000)
    return _FRACTIONS.get(exact, f"{float(share):.0%}")
