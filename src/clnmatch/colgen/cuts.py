"""Rank-1 cuts of the master's partitioning rows, and their separation.

A cut (S, k): the chosen teams' floor(|team & S| / k) add up to at most floor(|S| / k)
(the rows of S summed, divided by k and rounded down: Chvatal-Gomory, so valid for every
assignment). Subset-row cuts (Jepsen et al. 2008) are |S| = 3, k = 2; the larger ones
catch a cluster of like-minded units that the LP shares out over more strong teams
than whole teams can make.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from clnmatch.colgen.cut_kernels import improve_rank1_set

__all__ = [
    "CUT_EPS",
    "Cuts",
    "cut_rows",
    "rank1_violations",
    "subset_row_violations",
    "teams_by_unit",
    "warm_up",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
CUT_EPS = 1e-3  # how far a cut must be violated to be added
RANK1_MAX_UNITS = 16  # larger sets: cuts that touch many teams, priced slowly
RANK1_STEPS = 24  # improving toggles of one candidate set


@dataclass
class Cuts:
    """The cuts so far: each a set S of units (global indices) and a divisor k."""

    sets: list[tuple[int, ...]] = field(default_factory=list)  # global units, ascending
    divisors: list[int] = field(default_factory=list)
    of_unit: dict[int, list[int]] = field(default_factory=dict)  # unit -> cut indices
    known: set[tuple[tuple[int, ...], int]] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.sets)

    def add(self, units: tuple[int, ...], divisor: int = 2) -> bool:
        """Add the cut (units, divisor) unless it is known or says nothing (|S| <= k: the
        partitioning rows imply it); whether added."""
        key = (tuple(sorted(units)), int(divisor))
        if key in self.known or divisor < 2 or len(key[0]) <= divisor:
            return False
        q = len(self.sets)
        self.known.add(key)
        self.sets.append(key[0])
        self.divisors.append(key[1])
        for u in key[0]:
            self.of_unit.setdefault(u, []).append(q)
        return True

    def rhs(self) -> FloatArray:
        return np.array([len(s) // k for s, k in zip(self.sets, self.divisors, strict=True)], float)


def cut_rows(members: tuple[int, ...], cuts: Cuts) -> list[tuple[int, int]]:
    """The cuts a team enters and its coefficient in each: (cut, floor(|team & S| / k) > 0)."""
    hits: dict[int, int] = {}
    for u in members:
        for q in cuts.of_unit.get(u, ()):
            hits[q] = hits.get(q, 0) + 1
    return sorted((q, n // cuts.divisors[q]) for q, n in hits.items() if n >= cuts.divisors[q])


def subset_row_violations(
    a: FloatArray, weights: FloatArray, cuts: Cuts
) -> list[tuple[float, tuple[int, ...], int]]:
    """Violated subset-row cuts (violation, three units, 2), by enumeration.

    For units i < j < k the cut's left side is the LP weight of teams holding two or more
    of them: P_ij + P_ik + P_jk - 2 T_ijk, with P the pairwise and T the triple
    co-membership weights (``a``: units x the LP's teams, ``weights``: their lambda)."""
    n = a.shape[0]
    pair = (a * weights) @ a.T
    found: list[tuple[float, tuple[int, ...], int]] = []
    for i in range(n - 2):
        # candidates j < k above i whose pair sums alone exceed 1
        s = pair[i, i + 1 :, None] + pair[i, None, i + 1 :] + pair[i + 1 :, i + 1 :]
        js, ks = np.nonzero(np.triu(s > 1 + CUT_EPS, k=1))
        if not len(js):
            continue
        js, ks = js + i + 1, ks + i + 1
        triple_w = (a[i] * a[js] * a[ks]) @ weights
        lhs = pair[i, js] + pair[i, ks] + pair[js, ks] - 2 * triple_w
        for x in np.flatnonzero(lhs > 1 + CUT_EPS):
            units = (i, int(js[x]), int(ks[x]))
            if (units, 2) not in cuts.known:
                found.append((float(lhs[x] - 1), units, 2))
    return found


def teams_by_unit(member: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """Each unit's LP teams, compressed by row: unit u's are
    ``teams_of[indptr[u]:indptr[u + 1]]`` (the kernel's input)."""
    rows = sparse.csr_matrix(member)
    return rows.indptr.astype(np.int64), rows.indices.astype(np.int64)


def rank1_violations(
    a: FloatArray, weights: FloatArray
) -> list[tuple[float, tuple[int, ...], int]]:
    """Violated rank-1 cuts (violation, units S, k) on larger sets, by local search.

    Units that keep re-forming strong teams together (a cluster of like-minded people)
    let the LP hold more such teams fractionally than whole teams can: at most
    floor(|S| / k) teams hold k or more of S. From each LP team's members and each k,
    units are added or dropped while that raises the violation
    sum_c lambda_c floor(|c & S| / k) - floor(|S| / k)."""
    n, n_cols = a.shape
    units = np.flatnonzero(a.any(axis=1))
    member = a > 0
    indptr, teams_of = teams_by_unit(member)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    largest = int(member.sum(axis=0).max())  # k above a team's size: every coefficient is 0
    found: dict[tuple[tuple[int, ...], int], float] = {}
    for c in range(n_cols):
        seed = np.flatnonzero(member[:, c])
        seed_hits = member[seed].sum(axis=0).astype(np.int64)
        for k in range(2, min(largest, RANK1_MAX_UNITS - 1) + 1):
            inside = np.zeros(n, dtype=np.bool_)
            inside[seed] = True
            hits = seed_hits.copy()
            value, size = improve_rank1_set(
                indptr, teams_of, weights, units, k, RANK1_MAX_UNITS, RANK1_STEPS, inside, hits
            )
            if value > CUT_EPS and size > k:
                key = (tuple(int(u) for u in np.flatnonzero(inside)), k)
                found[key] = max(found.get(key, 0.0), value)
    return [(v, units_k[0], units_k[1]) for units_k, v in found.items()]


def warm_up() -> None:
    """Compile (or load from the disk cache) the separation kernel on a tiny LP answer."""
    a = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    rank1_violations(a, np.array([0.5, 0.5]))
