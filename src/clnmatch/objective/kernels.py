"""The numba backend of the objective terms: each term's change for a move or a swap.

``ObjectiveKernel`` holds the terms over groups (see ``clnmatch.objective.terms`` for
their values):

* pair (cohesion and travel, summed into one matrix): a search state keeps
  ``gain[t, g]`` = sum of ``pair[g, h]`` over groups h in team t, so moving g from a to b
  changes the term by ``gain[b, g] - gain[a, g]`` and swapping g (in a) with h (in b) by
  ``gain[b, g] - gain[a, g] + gain[a, h] - gain[b, h] - 2 pair[g, h]``;
* focus: per-team theme sums; a team's focus is the argmax of its sums (re-derived after
  every move, O(K)), or fixed during a search run when ``max_teams_per_theme`` binds;
* SIMD mix: per-team counts of challenge and affluent groups.

Functions read and write the objective fields of a search state (``gain``, ``theme_sum``,
``focus``, ``focus_value``, ``n_challenge``, ``n_affluent``, ``objective``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import inline, kernel

__all__ = [
    "ObjectiveKernel",
    "has_extra_terms",
    "init_objective",
    "move_delta",
    "shift_terms",
    "swap_delta",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NEG = -(2**62)
_NONE: Any = np.int64(-1)


class ObjectiveKernel(NamedTuple):
    """The objective terms over groups (kernels read, never write)."""

    pair: IntArray  # (G, G) gain of two groups sharing a team; zero diagonal
    theme: IntArray  # (G, K) focus gain per theme; K = 0 without a focus term
    focus_fixed: bool  # focus kept fixed during a search run (max_teams_per_theme binds)
    challenge: BoolArray  # (G,)
    affluent: BoolArray  # (G,)
    simd: int  # gain of a team mixing challenge and affluent groups (0: off)
    constant: int  # pairs inside groups, plus the problem's constant
    pair_min: int  # smallest pair gain: bounds the pair term of any swap


@inline
def has_extra_terms(o: ObjectiveKernel) -> bool:
    """Focus or SIMD terms add to a move's or swap's pair delta."""
    return o.theme.shape[1] > 0 or o.simd != 0


@kernel
def _refocus(o: ObjectiveKernel, st: Any, t: int) -> None:
    """Recompute team t's focus value (argmax of its theme sums, or its fixed theme)."""
    n_themes = o.theme.shape[1]
    if n_themes == 0:
        return
    if o.focus_fixed:
        k = st.focus[t]
        st.focus_value[t] = st.theme_sum[t, k] if k >= 0 else 0
        return
    best = st.theme_sum[t, 0]
    arg = 0
    for k in range(1, n_themes):
        if st.theme_sum[t, k] > best:
            best = st.theme_sum[t, k]
            arg = k
    st.focus[t] = arg
    st.focus_value[t] = best


@kernel
def init_objective(o: ObjectiveKernel, st: Any) -> None:
    """Fill gain, theme sums, focus and the objective of ``st.team`` from scratch."""
    n_groups = st.team.shape[0]
    n_teams = st.focus.shape[0]
    st.gain[:, :] = 0
    for h in range(n_groups):  # gain[t, :] += pair[h, :] for h in t: contiguous rows
        row = o.pair[h]
        out = st.gain[st.team[h]]
        for g in range(n_groups):
            out[g] += row[g]
    total = 0
    for g in range(n_groups):
        total += st.gain[st.team[g], g]
    total //= 2  # every pair counted from both ends
    st.theme_sum[:, :] = 0
    n_themes = o.theme.shape[1]
    for g in range(n_groups):
        for k in range(n_themes):
            st.theme_sum[st.team[g], k] += o.theme[g, k]
    for t in range(n_teams):
        _refocus(o, st, t)
        total += st.focus_value[t]
        if o.simd and st.n_challenge[t] > 0 and st.n_affluent[t] > 0:
            total += o.simd
    st.objective[0] = total + o.constant


@inline
def _best_theme(o: ObjectiveKernel, st: Any, t: int, g_out: int, g_in: int) -> int:
    """Team t's best theme sum if g_out left and g_in joined (-1: none)."""
    best = NEG
    for k in range(o.theme.shape[1]):
        v = st.theme_sum[t, k]
        if g_out >= 0:
            v -= o.theme[g_out, k]
        if g_in >= 0:
            v += o.theme[g_in, k]
        if v > best:
            best = v
    return best


@inline
def _mixed(n_challenge: int, n_affluent: int) -> int:
    return 1 if n_challenge > 0 and n_affluent > 0 else 0


@inline
def move_extra(o: ObjectiveKernel, st: Any, g: int, a: int, b: int) -> int:
    """Focus and SIMD part of the objective change of moving group g from team a to b."""
    d = 0
    if o.theme.shape[1]:
        if o.focus_fixed:
            fa, fb = st.focus[a], st.focus[b]
            d += (o.theme[g, fb] if fb >= 0 else 0) - (o.theme[g, fa] if fa >= 0 else 0)
        else:
            d += _best_theme(o, st, a, g, _NONE) - st.focus_value[a]
            d += _best_theme(o, st, b, _NONE, g) - st.focus_value[b]
    if o.simd:
        c, f = o.challenge[g], o.affluent[g]
        if c or f:
            before = _mixed(st.n_challenge[a], st.n_affluent[a]) + _mixed(
                st.n_challenge[b], st.n_affluent[b]
            )
            after = _mixed(st.n_challenge[a] - c, st.n_affluent[a] - f) + _mixed(
                st.n_challenge[b] + c, st.n_affluent[b] + f
            )
            d += o.simd * (after - before)
    return d


@inline
def swap_extra(o: ObjectiveKernel, st: Any, g: int, h: int, a: int, b: int) -> int:
    """Focus and SIMD part of the objective change of swapping g (team a) and h (team b)."""
    d = 0
    if o.theme.shape[1]:
        if o.focus_fixed:
            fa, fb = st.focus[a], st.focus[b]
            ga = o.theme[g, fa] if fa >= 0 else 0
            gb = o.theme[g, fb] if fb >= 0 else 0
            ha = o.theme[h, fa] if fa >= 0 else 0
            hb = o.theme[h, fb] if fb >= 0 else 0
            d += gb - ga + ha - hb
        else:
            d += _best_theme(o, st, a, g, h) - st.focus_value[a]
            d += _best_theme(o, st, b, h, g) - st.focus_value[b]
    if o.simd:
        dc = np.int64(o.challenge[h]) - np.int64(o.challenge[g])
        df = np.int64(o.affluent[h]) - np.int64(o.affluent[g])
        if dc != 0 or df != 0:
            before = _mixed(st.n_challenge[a], st.n_affluent[a]) + _mixed(
                st.n_challenge[b], st.n_affluent[b]
            )
            after = _mixed(st.n_challenge[a] + dc, st.n_affluent[a] + df) + _mixed(
                st.n_challenge[b] - dc, st.n_affluent[b] - df
            )
            d += o.simd * (after - before)
    return d


@kernel
def move_delta(o: ObjectiveKernel, st: Any, g: int, b: int) -> int:
    """Objective change of moving group g to team b."""
    a = st.team[g]
    return st.gain[b, g] - st.gain[a, g] + move_extra(o, st, g, a, b)


@kernel
def swap_delta(o: ObjectiveKernel, st: Any, g: int, h: int) -> int:
    """Objective change of swapping group g (team a) with group h (team b)."""
    a = st.team[g]
    b = st.team[h]
    d = st.gain[b, g] - st.gain[a, g] + st.gain[a, h] - st.gain[b, h] - 2 * o.pair[g, h]
    return d + swap_extra(o, st, g, h, a, b)


@inline
def shift_terms(o: ObjectiveKernel, st: Any, g: int, a: int, b: int, with_objective: bool) -> None:
    """Move group g's contribution to every term from team a to team b (not the total)."""
    st.n_challenge[a] -= o.challenge[g]
    st.n_challenge[b] += o.challenge[g]
    st.n_affluent[a] -= o.affluent[g]
    st.n_affluent[b] += o.affluent[g]
    if not with_objective:
        return
    row = o.pair[g]
    ga = st.gain[a]
    gb = st.gain[b]
    for x in range(row.shape[0]):
        ga[x] -= row[x]
        gb[x] += row[x]
    if o.theme.shape[1]:
        for k in range(o.theme.shape[1]):
            st.theme_sum[a, k] -= o.theme[g, k]
            st.theme_sum[b, k] += o.theme[g, k]
        _refocus(o, st, a)
        _refocus(o, st, b)
