"""A search state and the two operators every search step is made of: move and swap.

``State`` is an assignment of groups to teams plus everything a move needs, kept up to
date incrementally: the team totals the rules read (``sums``, ``labels``; see
``clnmatch.rules.kernels``) and the objective terms' aggregates (``gain``, theme sums,
focus, SIMD counts; see ``clnmatch.objective.kernels``). Each operator has its rule check
(``move_ok`` / ``swap_ok``), its delta (``move_delta`` / ``swap_delta``) and ``apply``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import inline, kernel
from clnmatch.objective import kernels as terms
from clnmatch.rules import kernels as rules
from clnmatch.search.grouping import Grouping, Model

__all__ = [
    "MOVES_ALL",
    "MOVES_KEEP_LOADS",
    "MOVES_NONE",
    "State",
    "apply_move",
    "apply_swap",
    "copy_into",
    "move_delta",
    "move_kind_ok",
    "move_ok",
    "new_state",
    "place",
    "restore",
    "swap_delta",
    "swap_ok",
    "violation",
]

IntArray = NDArray[np.int64]
NONE: Any = np.int64(-1)
PLUS: Any = np.int64(1)
MINUS: Any = np.int64(-1)
YES: Any = np.bool_(True)
NO: Any = np.bool_(False)
# which moves a perturbation or descent may make (swaps are always allowed)
MOVES_NONE: Any = np.int64(0)
MOVES_ALL: Any = np.int64(1)
MOVES_KEEP_LOADS: Any = np.int64(2)  # only moves after which two teams have traded loads


class State(NamedTuple):
    """An assignment of groups to teams plus everything kept incrementally."""

    team: IntArray  # (G,)
    sums: IntArray  # (S, T) each SumBound's total per team
    labels: IntArray  # (T, L) label counts per team
    load: IntArray  # (T,) participants: a view of sums[Model.size]
    gain: IntArray  # (T, G), or (0, 0) in a repair-only state
    theme_sum: IntArray  # (T, K)
    focus: IntArray  # (T,)
    focus_value: IntArray  # (T,)
    n_challenge: IntArray  # (T,)
    n_affluent: IntArray  # (T,)
    objective: IntArray  # (1,) milli-points (lower bound of the true one when focus is fixed)


@kernel
def _init_counts(m: Model, st: State) -> None:
    st.sums[:, :] = 0
    st.labels[:, :] = 0
    st.n_challenge[:] = 0
    st.n_affluent[:] = 0
    for g in range(st.team.shape[0]):
        t = st.team[g]
        rules.add_group(m.rules, st.sums, st.labels, g, t, PLUS)
        st.n_challenge[t] += m.obj.challenge[g]
        st.n_affluent[t] += m.obj.affluent[g]


def new_state(grouping: Grouping, team: IntArray, *, with_objective: bool = True) -> State:
    """Allocate and fill a ``State`` for group teams ``team`` (copied).

    With a fixed focus (``max_teams_per_theme`` binds) the focus is ``Problem.best_focus``.
    """
    m = grouping.model
    n_groups, n_teams, n_themes = len(m.weight), len(m.team_min), m.obj.theme.shape[1]
    team = np.array(team, dtype=np.int64)
    if with_objective and m.obj.focus_fixed:
        focus = grouping.problem.best_focus(grouping.to_units(team)).astype(np.int64)
        focus[(focus < 0) | (focus >= n_themes)] = -1  # a team left without a theme
    else:
        focus = np.full(n_teams, -1, dtype=np.int64)
    sums = np.zeros((m.rules.amount.shape[0], n_teams), dtype=np.int64)
    st = State(
        team=team,
        sums=sums,
        labels=np.zeros((n_teams, m.rules.n_labels), dtype=np.int64),
        load=sums[m.size],
        gain=np.zeros((n_teams, n_groups) if with_objective else (0, 0), dtype=np.int64),
        theme_sum=np.zeros((n_teams, n_themes), dtype=np.int64),
        focus=focus,
        focus_value=np.zeros(n_teams, dtype=np.int64),
        n_challenge=np.zeros(n_teams, dtype=np.int64),
        n_affluent=np.zeros(n_teams, dtype=np.int64),
        objective=np.zeros(1, dtype=np.int64),
    )
    _init_counts(m, st)
    if with_objective:
        terms.init_objective(m.obj, st)
    return st


# --------------------------------------------------------------------------- rule checks
@inline
def move_ok(m: Model, st: State, g: int, b: int) -> bool:
    """Moving group g to team b keeps a rule-abiding state rule-abiding."""
    return rules.move_ok(m.rules, st.team, st.sums, st.labels, g, b)


@inline
def swap_ok(m: Model, st: State, g: int, h: int) -> bool:
    """Swapping groups g and h (in different teams) keeps the state rule-abiding."""
    return rules.swap_ok(m.rules, st.team, st.sums, st.labels, g, h)


@inline
def violation(m: Model, st: State) -> int:
    """Total violation: 0 exactly when the assignment breaks no rule of the model."""
    return rules.total_violation(m.rules, st.team, st.sums, st.labels)


@inline
def move_kind_ok(m: Model, st: State, g: int, b: int, moves: int) -> bool:
    """Move ``g`` to ``b`` keeps the rules and is of kind ``moves`` (``MOVES_ALL``, or
    ``MOVES_KEEP_LOADS``: the two teams trade loads, so the multiset of loads stays)."""
    if moves == MOVES_KEEP_LOADS and st.load[b] + m.weight[g] != st.load[st.team[g]]:
        return False
    return move_ok(m, st, g, b)


# --------------------------------------------------------------------------- deltas and apply
@inline
def move_delta(m: Model, st: State, g: int, b: int) -> int:
    """Objective change of moving group g to team b."""
    return terms.move_delta(m.obj, st, g, b)


@inline
def swap_delta(m: Model, st: State, g: int, h: int) -> int:
    """Objective change of swapping group g (team a) with group h (team b)."""
    return terms.swap_delta(m.obj, st, g, h)


@kernel
def place(m: Model, st: State, g: int, b: int, with_objective: bool) -> None:
    """Move group g to team b, updating every incremental structure (objective excluded)."""
    a = st.team[g]
    st.team[g] = b
    rules.add_group(m.rules, st.sums, st.labels, g, a, MINUS)
    rules.add_group(m.rules, st.sums, st.labels, g, b, PLUS)
    terms.shift_terms(m.obj, st, g, a, b, with_objective)


@kernel
def apply_move(m: Model, st: State, g: int, b: int) -> int:
    """Move group g to team b; returns (and books) the objective change."""
    d = terms.move_delta(m.obj, st, g, b)
    place(m, st, g, b, YES)
    st.objective[0] += d
    return d


@kernel
def apply_swap(m: Model, st: State, g: int, h: int) -> int:
    """Swap groups g and h; returns (and books) the objective change."""
    d = terms.swap_delta(m.obj, st, g, h)
    a = st.team[g]
    b = st.team[h]
    place(m, st, g, b, YES)
    place(m, st, h, a, YES)
    st.objective[0] += d
    return d


@kernel
def restore(m: Model, st: State, target: Any, objective: int) -> None:
    """Put the state back to assignment ``target`` whose objective is known."""
    for g in range(target.shape[0]):
        if st.team[g] != target[g]:
            place(m, st, g, target[g], YES)
    st.objective[0] = objective


@inline
def copy_into(target: Any, source: Any) -> None:
    """Element-wise copy (a slice copy would allocate, which kernels may not)."""
    for x in range(source.shape[0]):
        target[x] = source[x]
