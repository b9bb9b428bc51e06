"""Small helpers for the words of messages (no heavy imports: the command line loads it
at start-up)."""

from __future__ import annotations

from fractions import Fraction

__all__ = ["plural", "share_words"]

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


def share_words(share: float | Fraction) -> str:
    """0.5 -> 'half', 1/3 -> 'a third', 0.4 -> '40%'."""
    exact = Fraction(share).limit_denominator(1000)
    return _FRACTIONS.get(exact, f"{float(share):.0%}")
