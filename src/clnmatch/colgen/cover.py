"""Settle a branch-and-price node over the listed teams by searching its covers outright.

Deep in the tree a node admits few listed teams and little slack: branching on, each
child solving an LP, costs more than listing every assignment of the node that could
still beat the incumbent. With the node's LP prices (pi, rho, sigma) and each class's
best reduced cost D_g over the teams it admits (the Lagrangian bound z of
``Enumerated.bound``), every assignment of the node is worth

    constant + Z - sum_t (D_g(t) - d_t) - sum_k rho_k (cap - c_k) - sum_q sigma_q (rhs_q - used_q)

(d_t a team's value less its units', theme's and cuts' prices; c_k the teams focused on
theme k; used_q the cut's left-hand side), every term of each sum >= 0 and Z <= z + 1. An
assignment beating the incumbent therefore costs at most its slack, z + 1 + constant -
incumbent - step, in those terms. ``cover_kernels.search_cover`` lists exactly the
covers that cost no more (the terms of a partial cover only grow as it grows) and keeps
the best; when it ends, the node is settled: its best assignment is offered, and nothing
else in it can beat the incumbent.

Measured on ``family_cohort("themes12", 4)``, blend, column generation alone: 1,234
branch-and-price nodes and 24.1 s before; searching covers below 200,000 admitted teams,
2 nodes and 8.3 s (1.4 million cover nodes, 2.9 s).

On two cores (``parts`` > 1, before the tree splits) both parts make the same tree and
each searches its share of every node's covers: the teams of the first unit's list, every
``parts``-th from the ``part``-th. Only the first level may be shared: its unit is chosen
before anything is found, deeper units depend on each part's own finds. A part holds back
what its shares find until the tree splits (``Enumerated.release``), as an incumbent of
its own would change its tree; a part whose share does not end searches the rest of the
tree whole and never splits (``Enumerated.settle``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from clnmatch.colgen.cover_kernels import (
    BEST_LEN,
    BEST_VALUE,
    DONE,
    NODES,
    SCANS,
    SELECT,
    Cover,
    CoverState,
    search_cover,
)

__all__ = ["CoverPrices", "CoverResult", "CoverTeams", "best_cover", "warm_up"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NODE_SLICE = 20_000  # cover nodes between looks at the clock (about 40 ms)
MARGIN = 1e-6  # milli-points of float rounding in the deficits: lists more, never fewer


class CoverTeams(NamedTuple):
    """The teams a cover search may use: units (teams x units), classes, focus themes
    (-1: none), values (milli-points), each team's coefficient in each cut (teams x
    cuts) and its deficit D_g - d_t."""

    inside: BoolArray
    cls: IntArray
    theme: IntArray
    value: IntArray
    cut_coef: sparse.csr_matrix
    deficit: FloatArray


class CoverPrices(NamedTuple):
    """What else the proof prices: the cuts (unit sets, divisors, sigma >= 0), the cap of
    teams a theme may focus (None: none) and its rows' prices rho >= 0, each class's
    number of teams."""

    cut_sets: Sequence[Sequence[int]]
    divisors: Sequence[int]
    sigma: FloatArray
    cap: int | None
    rho: FloatArray
    class_teams: IntArray


class CoverResult(NamedTuple):
    """A finished cover search: the best cover's teams (rows of ``CoverTeams``) when one
    beats the incumbent, else None; and its nodes and candidate scans (its work)."""

    chosen: IntArray | None
    nodes: int
    scans: int


def best_cover(
    teams: CoverTeams,
    prices: CoverPrices,
    slack: float,
    incumbent: int,
    *,
    share: tuple[int, int] = (0, 1),
    most_nodes: int = 2**62,
    should_stop: Callable[[], bool] = lambda: False,
) -> CoverResult | None:
    """The best cover of the units by ``teams`` that costs at most ``slack`` and is
    worth more than ``incumbent`` (values summed), with ``share = (part, parts)`` only
    those whose first team is that share of the first unit's. None when stopped
    (``should_stop()``, or more than ``most_nodes`` nodes), or when a price is negative
    (the proof's terms would not all be >= 0)."""
    if (prices.rho < 0).any() or (prices.sigma < 0).any():
        return None
    if slack < 0:  # every cover costs at least 0: none beats the incumbent
        return CoverResult(None, 0, 0)
    cover = _cover(teams, prices, share)
    state = _start(int(prices.class_teams.sum()), cover, slack, incumbent)
    while search_cover(cover, state, NODE_SLICE) != DONE:
        if state.st[NODES] > most_nodes or should_stop():
            return None
    length = int(state.st[BEST_LEN])
    found = int(state.st[BEST_VALUE]) > incumbent and length > 0
    chosen = state.best_team[:length].copy() if found else None
    return CoverResult(chosen, int(state.st[NODES]), int(state.st[SCANS]))


def _cover(teams: CoverTeams, prices: CoverPrices, share: tuple[int, int]) -> Cover:
    inside = teams.inside
    n = inside.shape[1]
    bits = np.zeros((len(inside), (n + 63) // 64), dtype=np.uint64)
    for u in range(n):
        bits[inside[:, u], u >> 6] |= np.uint64(1) << np.uint64(u & 63)
    cheapest = np.argsort(teams.deficit, kind="stable")
    lists = [cheapest[inside[cheapest, u]] for u in range(n)]
    by_unit = sparse.csr_matrix(inside.astype(np.int8))
    cuts_of = sparse.csr_matrix(teams.cut_coef)
    cuts_of.sort_indices()
    divisor = np.asarray(prices.divisors, dtype=np.int64)
    unit_cuts: list[list[int]] = [[] for _ in range(n)]
    for q, members in enumerate(prices.cut_sets):
        for u in members:
            unit_cuts[u].append(q)
    cap = -1 if prices.cap is None else int(prices.cap)
    rho = np.asarray(prices.rho, dtype=np.float64) if cap >= 0 else np.zeros(0)
    return Cover(
        bits=bits,
        cls=teams.cls.astype(np.int64),
        theme=teams.theme.astype(np.int64),
        deficit=np.maximum(teams.deficit, 0.0) - MARGIN,
        value=teams.value.astype(np.int64),
        cand_start=_offsets(lists),
        cand=np.concatenate([*lists, np.zeros(0, dtype=np.int64)]).astype(np.int64),
        order=np.argsort(inside.sum(axis=0), kind="stable").astype(np.int64),
        class_n=np.asarray(prices.class_teams, dtype=np.int64),
        cap=cap,
        rho=rho,
        theme_order=np.argsort(-rho, kind="stable").astype(np.int64),
        team_units_start=by_unit.indptr.astype(np.int64),
        team_units=by_unit.indices.astype(np.int64),
        team_cuts_start=cuts_of.indptr.astype(np.int64),
        team_cuts=cuts_of.indices.astype(np.int64),
        team_coef=np.rint(cuts_of.data).astype(np.int64),
        unit_cuts_start=_offsets(unit_cuts),
        unit_cuts=np.array([q for x in unit_cuts for q in x], dtype=np.int64),
        sigma=np.asarray(prices.sigma, dtype=np.float64),
        divisor=divisor,
        rhs=np.array([len(m) for m in prices.cut_sets], dtype=np.int64) // np.maximum(divisor, 1),
        part=int(share[0]),
        parts=int(share[1]),
    )


def _offsets(lists: list[IntArray] | list[list[int]]) -> IntArray:
    """CSR offsets of consecutive lists."""
    out = np.zeros(len(lists) + 1, dtype=np.int64)
    out[1:] = np.cumsum([len(x) for x in lists])
    return out


def _start(n_teams: int, cover: Cover, slack: float, incumbent: int) -> CoverState:
    depth = n_teams + 1
    n_cuts = len(cover.sigma)
    left = np.bincount(cover.unit_cuts, minlength=n_cuts)  # each cut's units
    state = CoverState(
        st=np.zeros(6, dtype=np.int64),
        slack=np.array([slack + MARGIN]),
        unit=np.zeros(depth, dtype=np.int64),
        pos=np.zeros(depth, dtype=np.int64),
        team=np.full(depth, -1, dtype=np.int64),
        best_team=np.full(depth, -1, dtype=np.int64),
        covered=np.zeros(cover.bits.shape[1], dtype=np.uint64),
        class_count=np.zeros(len(cover.class_n), dtype=np.int64),
        theme_count=np.zeros(len(cover.rho), dtype=np.int64),
        used=np.zeros(n_cuts, dtype=np.int64),
        left=left.astype(np.int64),
        cost=np.zeros(depth),
        lost=np.zeros(depth),
        total=np.zeros(depth, dtype=np.int64),
    )
    state.st[0] = SELECT
    state.st[BEST_VALUE] = incumbent
    # cuts already short before any team (a cut whose rhs its units cannot reach)
    short = cover.rhs - left // np.maximum(cover.divisor, 1)
    state.lost[0] = float(np.sum(cover.sigma * np.maximum(short, 0)))
    return state


def warm_up() -> None:
    """Compile (or load from the disk cache) the cover search on four units in two teams."""
    inside = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=np.bool_)
    teams = CoverTeams(
        inside,
        np.zeros(4, dtype=np.int64),
        np.zeros(4, dtype=np.int64),
        np.array([3, 3, 1, 1], dtype=np.int64),
        sparse.csr_matrix(np.array([[1], [0], [0], [0]])),
        np.zeros(4),
    )
    prices = CoverPrices([(0, 1, 2)], [2], np.ones(1), 2, np.ones(1), np.array([2]))
    best_cover(teams, prices, 1.0, 0)
