"""The compiled step of rank-1 cut separation: grow or shrink one candidate set.

Written with numpy, each toggle scored every unit against every LP team (a units x teams
matrix per step): 0.6 s per separation round at 50 units, 40% of a cohesion root's time
(themes20 cohort 0, profiled), which held the root to five cut rounds. Here a toggle's
change is summed over the teams holding that unit only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import kernel

__all__ = ["improve_rank1_set"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@kernel
def improve_rank1_set(
    indptr: IntArray,
    teams_of: IntArray,
    weights: FloatArray,
    units: IntArray,
    k: int,
    most_units: int,
    steps: int,
    inside: BoolArray,
    hits: IntArray,
) -> tuple[float, int]:
    """Toggle units of ``units`` in or out of the set ``inside`` while that raises the
    violation sum_c weights[c] floor(hits[c] / k) - floor(|S| / k); (violation, |S|).

    Unit u is in the LP teams ``teams_of[indptr[u]:indptr[u + 1]]``; ``hits[c]`` is how
    many of the set team c holds (updated in place, like ``inside``). Sets stay within
    k + 1 and ``most_units`` units; ties (up to rounding) go to the first unit of
    ``units``, so the sums' order does not pick the set."""
    n_cols = hits.shape[0]
    size = 0
    for u in range(inside.shape[0]):
        if inside[u]:
            size += 1
    value = 0.0
    for c in range(n_cols):
        value += weights[c] * (hits[c] // k)
    value -= size // k
    for _ in range(steps):
        best_value = -np.inf
        best_unit = -1
        for i in range(units.shape[0]):
            u = units[i]
            sign = -1 if inside[u] else 1
            new_size = size + sign
            if new_size < k + 1 or new_size > most_units:
                continue
            change = 0.0
            for p in range(indptr[u], indptr[u + 1]):
                c = teams_of[p]
                change += weights[c] * ((hits[c] + sign) // k - hits[c] // k)
            candidate = value + change - (new_size // k - size // k)
            if candidate > best_value + 1e-12:  # a tie up to rounding: the first unit
                best_value, best_unit = candidate, u
        if best_unit < 0 or best_value <= value + 1e-9:
            break
        sign = -1 if inside[best_unit] else 1
        inside[best_unit] = not inside[best_unit]
        for p in range(indptr[best_unit], indptr[best_unit + 1]):
            hits[teams_of[p]] += sign
        size += sign
        value = best_value
    return value, size
