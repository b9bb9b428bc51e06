"""How many establishments of each authority and sector a cohort gets, and parameter checks.

Both generators (made-up places and real schools) draw their counts here, so that a
CLN-sized cohort is always matchable under the default rules: the weights are jittered
a little per seed (a Dirichlet around them), then turned into counts by largest-remainder
rounding with random tie-breaks; no authority gets more establishments than "at most
half of a team's establishments" allows over ``teams`` even teams, and the largest
sector leaves at least one establishment of another sector for each team.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
from clnmatch.generate.profiles import AUTHORITIES, DEFAULT_THEMES, JITTER, SECTOR_WEIGHTS

__all__ = [
    "authority_counts",
    "check_int",
    "check_themes",
    "jittered",
    "quota",
    "rng_streams",
    "sector_counts",
]


def check_int(name: str, owner: str, value: object, low: int) -> int:
    """``value`` as an int >= ``low``, or an InvalidParameterError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InvalidParameterError.for_value(name, owner, f"an int >= {low}", value)
    return int(value)


def check_themes(owner: str, themes: Sequence[str] | None) -> tuple[str, ...]:
    """At least two distinct, non-empty theme names (``DEFAULT_THEMES`` for None)."""
    if themes is None:
        return DEFAULT_THEMES
    if isinstance(themes, str):
        raise InvalidParameterError.for_value(
            "themes", owner, "a sequence of at least 2 distinct theme names", themes
        )
    names = tuple(str(t).strip() for t in themes)
    if len(names) < 2 or any(not t for t in names) or len(set(names)) != len(names):
        raise InvalidParameterError.for_value(
            "themes", owner, "a sequence of at least 2 distinct, non-empty theme names", themes
        )
    return names


def rng_streams(
    seed: int, names: Sequence[str], key: int | None = None
) -> dict[str, np.random.Generator]:
    """One independent generator per aspect, so switching a column off changes nothing else.

    ``key`` (e.g. a family's name hashed) makes other streams for the same seed.
    """
    entropy = seed if key is None else [seed, key]
    children = np.random.SeedSequence(entropy).spawn(len(names))
    return dict(zip(names, (np.random.default_rng(s) for s in children), strict=True))


def quota(total: int, weights: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Counts summing to ``total`` within 1 of total*weights (random largest remainder)."""
    expected = total * weights / weights.sum()
    counts = np.floor(expected).astype(np.int64)
    left = total - int(counts.sum())
    if left > 0:
        frac = expected - counts
        frac = np.where(frac > 1e-12, frac, 0.0)
        # fractions sum to `left`, each < 1, so at least `left` are positive
        extra = rng.choice(len(weights), size=left, replace=False, p=frac / frac.sum())
        counts[extra] += 1
    return counts


def jittered(weights: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.float64]:
    """The weights, perturbed a little per seed (a Dirichlet around them)."""
    return rng.dirichlet(weights / weights.sum() * JITTER)


def authority_counts(n: int, teams: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Establishments per authority; none above what max share 1/2 allows in `teams` teams."""
    weights = np.array([a.weight for a in AUTHORITIES])
    counts = quota(n, jittered(weights, rng), rng)
    # units per team if split evenly, and half of each (rounded down) for one authority
    sizes = np.full(teams, n // teams) + (np.arange(teams) < n % teams)
    cap = max(1, int((sizes // 2).sum()))
    while counts.max() > cap and (counts < cap).any():
        top = int(counts.argmax())
        room = np.where(counts < cap, counts, -1)
        counts[top] -= 1
        counts[int(room.argmax())] += 1  # the next largest authority with room
    return counts


def sector_counts(
    n: int,
    teams: int,
    rng: np.random.Generator,
    weights: NDArray[np.float64] = SECTOR_WEIGHTS,
) -> NDArray[np.int64]:
    """Establishments per sector: at least 2 sectors, and the largest leaves others for teams."""
    counts = quota(n, jittered(weights, rng), rng)
    if n >= 2:
        # every team needs a second sector: keep one establishment of another per team
        cap = n - min(teams, n // 2)
        order = np.argsort(-counts, kind="stable")
        top, second = int(order[0]), int(order[1])
        if counts[top] > cap:
            counts[second] += counts[top] - cap
            counts[top] = cap
    return counts
