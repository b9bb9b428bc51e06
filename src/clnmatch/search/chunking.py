"""How many steps a resumable kernel runs per call, so that the clock is read often."""

from __future__ import annotations

__all__ = ["next_chunk"]


def next_chunk(chunk: int, spent: float, target: float = 0.03) -> int:
    """Grow or shrink a kernel chunk so one call lasts about ``target`` seconds."""
    if spent < target / 2:
        return min(chunk * 2, 1 << 30)
    if spent > target * 2:
        return max(1, chunk // 2)
    return chunk
