"""The one union-find: units joined by pairs (``together`` rules, branching rules)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

__all__ = ["union_labels"]


def union_labels(n: int, pairs: Iterable[tuple[int, int]] | NDArray[np.int64]) -> NDArray[np.int64]:
    """Per item 0..n-1, the lowest item of its chain of pairs."""
    parent = list(range(n))

    def find(u: int) -> int:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for a, b in np.asarray(pairs, dtype=np.int64).reshape(-1, 2).tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(u) for u in range(n)], dtype=np.int64)
