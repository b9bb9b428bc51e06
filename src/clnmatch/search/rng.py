"""Randomness inside kernels: a xorshift64 generator whose state is a one-element array.

Seeded from ``Budget.rng`` (``seed_array``); nothing uses numpy's or numba's global random
state, so a kernel's choices depend only on the seed and the steps taken.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import kernel

__all__ = ["randint", "random", "seed_array"]


@kernel
def _next(rs: Any) -> Any:
    """xorshift64: next 64 random bits (state in rs[0], never 0).

    (No multiplier step: a wrapping multiply would warn when numba is missing; the callers
    use the high bits, which are good enough for tie-breaks and perturbations.)
    """
    x = rs[0]
    x ^= x << np.uint64(13)
    x ^= x >> np.uint64(7)
    x ^= x << np.uint64(17)
    rs[0] = x
    return x


@kernel
def randint(rs: Any, n: int) -> Any:
    """Uniform integer in 0..n-1 (n >= 1), as int64 (a uint64 would turn mixed sums to float)."""
    return np.int64((_next(rs) >> np.uint64(11)) % np.uint64(n))


@kernel
def random(rs: Any) -> float:
    """Uniform float in [0, 1)."""
    return np.float64(_next(rs) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def seed_array(rng: np.random.Generator) -> NDArray[np.uint64]:
    """A generator state drawn from ``rng``."""
    seed = np.uint64(rng.integers(1, 2**63 - 1))
    return np.array([seed], dtype=np.uint64)
