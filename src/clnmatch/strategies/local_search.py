"""Local search: tabu search on move and swap neighbourhoods, iterated, with a small population.

The design follows the state of the art for the maximally diverse grouping problem (TPSDP:
strong perturbation + tabu search + crossover in a small population) and adds clnmatch's
side rules. Everything runs on *groups*: units joined by ``together`` pairs are merged into
one super-unit that always moves as one, so the together rule can never break.

Engine (numba kernels, all in this one file on purpose: numba's on-disk cache does not notice
when a jitted function in *another* file changes, so cross-file calls could run stale code):

* ``Model``: the problem as group-level arrays (pair gains, weights, side rules, themes).
* ``State``: an assignment with everything a move needs, kept up to date incrementally:
  ``gain[t, g]`` = sum of ``pair[g, h]`` over groups h in team t (T x G), so a move of g from
  a to b changes the pair term by ``gain[b, g] - gain[a, g]`` and a swap of g (in a) with h
  (in b) by ``gain[b, g] - gain[a, g] + gain[a, h] - gain[b, h] - 2 pair[g, h]``; per-team
  theme sums (T x K) and focus; per-team challenge / affluent counts (SIMD mix); per-team
  weight, unit count, sector counts (T x S) and authority counts (T x A) for the rules.
* Focus: without ``max_teams_per_theme`` (or with a cap >= T) each team's focus is the argmax
  of its theme sums, re-derived after every move (a move's focus delta costs O(K)). With a
  binding cap the focus is *fixed* during a tabu-search run and re-optimised with
  ``Problem.best_focus`` (an assignment problem) between runs; the objective the search tracks
  is then a lower bound of the true one, which is what every solution is compared by.
* ``_repair_steps``: the rule repair (used by ``repair.repair``): minimise a violation
  measure (weight over/underflow + missing sectors + missing authorities + authority-share
  excess + an empty-team penalty + lock breaches) with a tabu search on moves and swaps around
  a randomly picked breach, randomised tie-breaking and random kicks when stuck.
* ``_tabu_steps``: best-improvement tabu search over all feasible moves and swaps (a random
  sample of first groups on large instances), aspiration by objective, random tenure.
* ``_walk_steps``: iterated descent (``_descent``: first-improvement moves and swaps, team
  pairs that cannot gain passed over on a per-team-pair bound) with small random kicks and
  a slack acceptance; the last phase on problems without side rules.

Every kernel is *resumable*: its loop state lives in arrays and it runs at most ``max_steps``
steps per call, so the Python driver can check the clock between calls while the result
depends only on the total number of steps. A run limited by ``max_iterations`` (tabu steps)
is therefore reproducible; a run stopped by its time limit is reproducible only up to where
the clock stopped it.

Randomness inside kernels comes from a xorshift64 generator whose state is an array seeded
from ``Budget.rng``; nothing uses numpy's or numba's global random state.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import evaluate
from clnmatch.problem import SCALE, Problem
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register


def _no_jit(*args: Any, **kwargs: Any) -> Any:
    """Stand-in for numba.njit: the kernels run as plain (slow) Python."""
    if args and callable(args[0]):
        return args[0]
    return lambda f: f


try:  # numba makes the inner loops ~100x faster; without it the same code runs as Python
    import numba

    _jit: Any = numba.njit  # (typed as Any: numba's stubs do not list the ``_nrt`` option)
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    _jit = _no_jit
    HAVE_NUMBA = False

# Kernels run without numba's reference counting (``_nrt=False``): with it, every access to
# an array held in the Model / State tuples inside a branchy loop paid atomic incref/decref,
# which made the move/swap scan ~100x slower. The price: kernels may not allocate arrays,
# so every work array is allocated in Python and passed in.
_kernel = _jit(cache=True, _nrt=False)
# The objective helpers called on every candidate of a scan are inlined by numba: a real call
# passes the whole Model and State structs by value (kilobytes). Inlining costs compile time,
# so rarely called helpers stay calls.
_inline = _jit(cache=True, _nrt=False, inline="always")

__all__ = [
    "LocalSearchStrategy",
    "Grouping",
    "Model",
    "State",
    "build_grouping",
    "new_state",
    "warm_up",
    "reference_move_delta",
    "reference_swap_delta",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_EMPTY = 10  # violation of an empty team, on top of its missing weight and mixes
_LOCK = 2  # violation of one pin / forbid / apart breach
_NEG = -(2**62)
# Constants passed to kernels as numpy scalars: a literal (-1, True) at a call site makes
# numba compile the callee once more for that literal value.
_NONE: Any = np.int64(-1)
_PLUS: Any = np.int64(1)
_MINUS: Any = np.int64(-1)
_YES: Any = np.bool_(True)
_NO: Any = np.bool_(False)
_KICKS: Any = np.int64(3)  # a stalled repair kicks 1..3 random groups
_REPAIR_TENURE: Any = np.int64(8)  # a repair move stays tabu for 2..9 steps
# iterated descent: kicks of 2..6 random swaps; back to the best after 3000 kicks without one
_KICK_MIN: Any = np.int64(2)
_KICK_SPAN: Any = np.int64(5)
_WALK_RESTART: Any = np.int64(3000)
_WALK_MOVE_SHARE = 0.3  # share of a kick's tries that are moves (the rest are swaps)
# which moves a perturbation or descent may make (swaps are always allowed)
_MOVES_NONE: Any = np.int64(0)
_MOVES_ALL: Any = np.int64(1)
_MOVES_KEEP_LOADS: Any = np.int64(2)  # only moves after which two teams have traded loads


# =============================================================================== model
class Model(NamedTuple):
    """Group-level arrays the kernels read (never write)."""

    pair: IntArray  # (G, G) objective gain of two groups sharing a team; zero diagonal
    weight: IntArray  # (G,) participants
    units: IntArray  # (G,) units (establishments): the authority share counts these
    start: IntArray  # (G+1,) CSR offsets into members
    members: IntArray  # (U,) unit indices, grouped
    sector: IntArray  # (U,) sector of each unit (zeros when the sector rule is off)
    authority: IntArray  # (U,) authority of each unit (zeros when off)
    allowed: BoolArray  # (G, T) False where a pin or forbid excludes the team
    apart_start: IntArray  # (G+1,) CSR offsets into apart
    apart: IntArray  # groups that must not share a team with the group
    team_min: IntArray  # (T,)
    team_max: IntArray  # (T,)
    min_sectors: int
    min_authorities: int
    n_sectors: int  # 0: sector rule off
    n_authorities: int  # 0: authority rules off
    share_num: int
    share_den: int  # 0: no authority share cap
    theme: IntArray  # (G, K) focus gain per theme; K = 0 without a focus term
    focus_fixed: bool  # focus kept fixed during a search run (max_teams_per_theme binds)
    challenge: BoolArray  # (G,)
    affluent: BoolArray  # (G,)
    simd: int  # gain of a team mixing challenge and affluent groups (0: off)
    constant: int  # objective of pairs inside groups, plus the problem's constant
    pair_min: int  # smallest pair gain: bounds the pair term of any swap (the descent's pruning)


class State(NamedTuple):
    """An assignment of groups to teams plus everything kept incrementally."""

    team: IntArray  # (G,)
    load: IntArray  # (T,) participants
    size: IntArray  # (T,) units
    sectors: IntArray  # (T, S)
    auths: IntArray  # (T, A)
    gain: IntArray  # (T, G), or (0, 0) in a repair-only state
    theme_sum: IntArray  # (T, K)
    focus: IntArray  # (T,)
    focus_value: IntArray  # (T,)
    n_challenge: IntArray  # (T,)
    n_affluent: IntArray  # (T,)
    objective: IntArray  # (1,) milli-points (lower bound of the true one when focus is fixed)


@dataclass(frozen=True)
class Grouping:
    """A ``Model`` plus the map between units and groups."""

    model: Model
    unit_group: IntArray  # (U,) group of each unit
    problem: Problem
    obstacles: tuple[str, ...]  # rules no assignment can meet, found while grouping

    @property
    def n_groups(self) -> int:
        return int(self.model.weight.shape[0])

    def to_units(self, team: IntArray) -> IntArray:
        """Group teams -> unit teams."""
        return np.asarray(team, dtype=np.int64)[self.unit_group]

    def from_units(self, unit_team: IntArray) -> IntArray:
        """Unit teams -> group teams (a split together-group takes its first unit's team)."""
        team = np.full(self.n_groups, -1, dtype=np.int64)
        first = self.model.members[self.model.start[:-1]]
        team[:] = np.asarray(unit_team, dtype=np.int64)[first]
        return team


def build_grouping(problem: Problem) -> Grouping:
    """Merge together-pairs into groups and turn the problem into kernel arrays."""
    n_units, n_teams = problem.n_units, problem.n_teams
    roots = problem.together_labels()
    _, unit_group = np.unique(roots, return_inverse=True)  # groups ordered by first unit
    unit_group = unit_group.astype(np.int64)
    n_groups = int(unit_group.max()) + 1 if n_units else 0
    order = np.argsort(unit_group, kind="stable").astype(np.int64)
    units = np.bincount(unit_group, minlength=n_groups).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(units)]).astype(np.int64)
    weight = np.bincount(unit_group, weights=problem.unit_weight, minlength=n_groups)
    weight = np.rint(weight).astype(np.int64)

    pair_units = np.asarray(problem.pair_milli, dtype=np.int64)
    constant = int(problem.constant_milli)
    if n_groups == n_units:  # no together pairs: groups are units, share the matrix (no copy)
        pair = np.ascontiguousarray(pair_units)
    else:
        rows = np.zeros((n_groups, n_units), dtype=np.int64)
        np.add.at(rows, unit_group, pair_units)
        pair = np.zeros((n_groups, n_groups), dtype=np.int64)
        np.add.at(pair.T, unit_group, rows.T)
        inside = np.diagonal(pair).copy()
        constant += int(inside.sum()) // 2  # each inner pair sits twice on the diagonal
        np.fill_diagonal(pair, 0)

    obstacles: list[str] = []
    if problem.min_sectors and problem.unit_sector.size:
        sector = problem.unit_sector.astype(np.int64)
        n_sectors = max(len(problem.sector_names), int(sector.max()) + 1)
        min_sectors = int(problem.min_sectors)
    else:
        sector, n_sectors, min_sectors = np.zeros(n_units, dtype=np.int64), 0, 0
    if problem.unit_authority.size:
        authority = problem.unit_authority.astype(np.int64)
        n_auth = max(len(problem.authority_names), int(authority.max()) + 1)
        min_auth = int(problem.min_authorities)
    else:
        authority, n_auth, min_auth = np.zeros(n_units, dtype=np.int64), 0, 0
    share = problem.authority_share if n_auth else None
    share_num, share_den = (share.numerator, share.denominator) if share is not None else (0, 0)

    allowed = np.ones((n_groups, n_teams), dtype=bool)
    if problem.allowed is not None:
        np.logical_and.at(allowed, unit_group, problem.allowed)
        if n_teams and not allowed.any(axis=1).all():
            obstacles.append("pin/forbidden: a unit (or together-group) has no allowed team")

    apart_rows = unit_group[np.asarray(problem.apart, dtype=np.int64).reshape(-1, 2)]
    if (apart_rows[:, 0] == apart_rows[:, 1]).any():
        obstacles.append("apart/together: a pair that must be apart must also share a team")
    apart_rows = apart_rows[apart_rows[:, 0] != apart_rows[:, 1]]
    both = np.unique(np.concatenate([apart_rows, apart_rows[:, ::-1]]), axis=0)
    apart = both[:, 1].astype(np.int64) if both.size else np.zeros(0, dtype=np.int64)
    apart_count = np.bincount(both[:, 0], minlength=n_groups) if both.size else np.zeros(n_groups)
    apart_start = np.concatenate([[0], np.cumsum(apart_count)]).astype(np.int64)

    if problem.has_focus:
        theme = np.zeros((n_groups, problem.n_themes), dtype=np.int64)
        np.add.at(theme, unit_group, problem.theme_milli.astype(np.int64))
    else:
        theme = np.zeros((n_groups, 0), dtype=np.int64)
    cap = problem.max_teams_per_theme
    focus_fixed = bool(theme.shape[1] and cap is not None and cap < n_teams)

    challenge = np.zeros(n_groups, dtype=bool)
    affluent = np.zeros(n_groups, dtype=bool)
    simd = 0
    if problem.simd_milli and problem.unit_challenge.size == n_units:
        np.logical_or.at(challenge, unit_group, problem.unit_challenge)
        np.logical_or.at(affluent, unit_group, problem.unit_affluent)
        simd = int(problem.simd_milli)

    model = Model(
        pair=pair,
        weight=weight,
        units=units,
        start=start,
        members=order,
        sector=np.ascontiguousarray(sector),
        authority=np.ascontiguousarray(authority),
        allowed=allowed,
        apart_start=apart_start,
        apart=np.ascontiguousarray(apart),
        team_min=np.asarray(problem.team_min, dtype=np.int64),
        team_max=np.asarray(problem.team_max, dtype=np.int64),
        min_sectors=min_sectors,
        min_authorities=min_auth,
        n_sectors=int(n_sectors),
        n_authorities=int(n_auth),
        share_num=int(share_num),
        share_den=int(share_den),
        theme=theme,
        focus_fixed=focus_fixed,
        challenge=challenge,
        affluent=affluent,
        simd=simd,
        constant=constant,
        pair_min=int(pair.min()) if n_groups else 0,
    )
    return Grouping(model=model, unit_group=unit_group, problem=problem, obstacles=tuple(obstacles))


def new_state(grouping: Grouping, team: IntArray, *, with_objective: bool = True) -> State:
    """Allocate and fill a ``State`` for group teams ``team`` (copied).

    With a fixed focus (``max_teams_per_theme`` binds) the focus is ``Problem.best_focus``.
    """
    m = grouping.model
    n_groups, n_teams, n_themes = len(m.weight), len(m.team_min), m.theme.shape[1]
    team = np.array(team, dtype=np.int64)
    if with_objective and m.focus_fixed:
        focus = grouping.problem.best_focus(grouping.to_units(team)).astype(np.int64)
        focus[(focus < 0) | (focus >= n_themes)] = -1  # a team left without a theme
    else:
        focus = np.full(n_teams, -1, dtype=np.int64)
    st = State(
        team=team,
        load=np.zeros(n_teams, dtype=np.int64),
        size=np.zeros(n_teams, dtype=np.int64),
        sectors=np.zeros((n_teams, m.n_sectors), dtype=np.int64),
        auths=np.zeros((n_teams, m.n_authorities), dtype=np.int64),
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
        _init_objective(m, st)
    return st


# =============================================================================== random
@_kernel
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


@_kernel
def _randint(rs: Any, n: int) -> Any:
    """Uniform integer in 0..n-1 (n >= 1), as int64 (a uint64 would turn mixed sums to float)."""
    return np.int64((_next(rs) >> np.uint64(11)) % np.uint64(n))


@_kernel
def _random(rs: Any) -> float:
    """Uniform float in [0, 1)."""
    return np.float64(_next(rs) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def _seed_array(rng: np.random.Generator) -> NDArray[np.uint64]:
    seed = np.uint64(rng.integers(1, 2**63 - 1))
    return np.array([seed], dtype=np.uint64)


# =============================================================================== counts
@_kernel
def _shift(m: Model, st: State, g: int, t: int, sign: int) -> None:
    """Add (+1) or remove (-1) group g's sector and authority counts in team t."""
    for i in range(m.start[g], m.start[g + 1]):
        u = m.members[i]
        if m.n_sectors:
            st.sectors[t, m.sector[u]] += sign
        if m.n_authorities:
            st.auths[t, m.authority[u]] += sign


@_kernel
def _init_counts(m: Model, st: State) -> None:
    st.load[:] = 0
    st.size[:] = 0
    st.sectors[:] = 0
    st.auths[:] = 0
    st.n_challenge[:] = 0
    st.n_affluent[:] = 0
    for g in range(st.team.shape[0]):
        t = st.team[g]
        st.load[t] += m.weight[g]
        st.size[t] += m.units[g]
        _shift(m, st, g, t, _PLUS)
        st.n_challenge[t] += m.challenge[g]
        st.n_affluent[t] += m.affluent[g]


@_kernel
def _refocus(m: Model, st: State, t: int) -> None:
    """Recompute team t's focus value (argmax of its theme sums, or its fixed theme)."""
    n_themes = m.theme.shape[1]
    if n_themes == 0:
        return
    if m.focus_fixed:
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


@_kernel
def _init_objective(m: Model, st: State) -> None:
    n_groups = st.team.shape[0]
    n_teams = st.load.shape[0]
    st.gain[:, :] = 0
    for h in range(n_groups):  # gain[t, :] += pair[h, :] for h in t: contiguous rows
        row = m.pair[h]
        out = st.gain[st.team[h]]
        for g in range(n_groups):
            out[g] += row[g]
    total = 0
    for g in range(n_groups):
        total += st.gain[st.team[g], g]
    total //= 2  # every pair counted from both ends
    st.theme_sum[:, :] = 0
    n_themes = m.theme.shape[1]
    for g in range(n_groups):
        for k in range(n_themes):
            st.theme_sum[st.team[g], k] += m.theme[g, k]
    for t in range(n_teams):
        _refocus(m, st, t)
        total += st.focus_value[t]
        if m.simd and st.n_challenge[t] > 0 and st.n_affluent[t] > 0:
            total += m.simd
    st.objective[0] = total + m.constant


# =============================================================================== rules
@_kernel
def _team_breach(m: Model, st: State, t: int, load: int, size: int) -> int:
    """Violation of team t's rules from its current counts, with the given load and size."""
    if size <= 0:
        return _EMPTY + m.team_min[t] + m.min_sectors + m.min_authorities
    v = 0
    if load > m.team_max[t]:
        v += load - m.team_max[t]
    elif load < m.team_min[t]:
        v += m.team_min[t] - load
    if m.n_sectors:
        distinct = 0
        for s in range(m.n_sectors):
            if st.sectors[t, s] > 0:
                distinct += 1
        if distinct < m.min_sectors:
            v += m.min_sectors - distinct
    if m.n_authorities:
        cap = size if m.share_den == 0 else (m.share_num * size) // m.share_den
        distinct = 0
        for a in range(m.n_authorities):
            c = st.auths[t, a]
            if c > 0:
                distinct += 1
                if c > cap:
                    v += c - cap
        if distinct < m.min_authorities:
            v += m.min_authorities - distinct
    return v


@_kernel
def _team_breach_after(m: Model, st: State, t: int, out_g: int, in_g: int) -> int:
    """Team t's violation if group out_g left it and group in_g joined it (-1: none)."""
    load = st.load[t]
    size = st.size[t]
    side = m.n_sectors > 0 or m.n_authorities > 0
    if out_g >= 0:
        load -= m.weight[out_g]
        size -= m.units[out_g]
        if side:
            _shift(m, st, out_g, t, _MINUS)
    if in_g >= 0:
        load += m.weight[in_g]
        size += m.units[in_g]
        if side:
            _shift(m, st, in_g, t, _PLUS)
    v = _team_breach(m, st, t, load, size)
    if side:  # undo the trial
        if out_g >= 0:
            _shift(m, st, out_g, t, _PLUS)
        if in_g >= 0:
            _shift(m, st, in_g, t, _MINUS)
    return v


@_kernel
def _lock_breach(m: Model, st: State, g: int, t: int, other: int, other_team: int) -> int:
    """Lock breaches of group g placed in team t (group ``other`` taken to be in other_team)."""
    v = 0 if m.allowed[g, t] else _LOCK
    for i in range(m.apart_start[g], m.apart_start[g + 1]):
        h = m.apart[i]
        th = other_team if h == other else st.team[h]
        if th == t:
            v += _LOCK
    return v


@_kernel
def _violation(m: Model, st: State) -> int:
    """Total violation: 0 exactly when the assignment breaks no rule of the model."""
    v = 0
    for t in range(st.load.shape[0]):
        v += _team_breach(m, st, t, st.load[t], st.size[t])
    for g in range(st.team.shape[0]):
        t = st.team[g]
        if not m.allowed[g, t]:
            v += _LOCK
        for i in range(m.apart_start[g], m.apart_start[g + 1]):
            h = m.apart[i]
            if h > g and st.team[h] == t:
                v += _LOCK
    return v


@_kernel
def _move_ok(m: Model, st: State, g: int, b: int) -> bool:
    """Moving group g to team b keeps a rule-abiding state rule-abiding."""
    a = st.team[g]
    if not m.allowed[g, b]:
        return False
    if st.load[a] - m.weight[g] < m.team_min[a] or st.load[b] + m.weight[g] > m.team_max[b]:
        return False
    if st.size[a] - m.units[g] < 1:
        return False
    for i in range(m.apart_start[g], m.apart_start[g + 1]):
        if st.team[m.apart[i]] == b:
            return False
    if not (m.n_sectors or m.n_authorities):
        return True
    return (
        _team_breach_after(m, st, a, g, _NONE) == 0 and _team_breach_after(m, st, b, _NONE, g) == 0
    )


@_inline
def _has_extra_terms(m: Model) -> bool:
    """Focus or SIMD terms add to a move's or swap's pair delta."""
    return m.theme.shape[1] > 0 or m.simd != 0


@_inline
def _swaps_need_no_rule_check(m: Model) -> bool:
    """No sector, authority or apart rule: a swap that fits the loads keeps every rule but
    pins and forbids (checked through ``allowed``)."""
    return m.n_sectors == 0 and m.n_authorities == 0 and m.apart.shape[0] == 0


@_inline
def _loads_fit(load: Any, team_min: Any, team_max: Any, a: int, b: int, dw: int) -> bool:
    """Team a gaining and team b losing weight ``dw`` (a swap) keeps both within bounds."""
    if dw == 0:
        return True
    la = load[a] + dw
    lb = load[b] - dw
    return team_min[a] <= la <= team_max[a] and team_min[b] <= lb <= team_max[b]


@_inline
def _copy_into(target: Any, source: Any) -> None:
    """Element-wise copy (a slice copy would allocate, which kernels may not)."""
    for x in range(source.shape[0]):
        target[x] = source[x]


@_kernel
def _swap_ok(m: Model, st: State, g: int, h: int) -> bool:
    """Swapping groups g and h (in different teams) keeps the state rule-abiding."""
    a = st.team[g]
    b = st.team[h]
    if not m.allowed[g, b] or not m.allowed[h, a]:
        return False
    if not _loads_fit(st.load, m.team_min, m.team_max, a, b, m.weight[h] - m.weight[g]):
        return False
    for i in range(m.apart_start[g], m.apart_start[g + 1]):
        x = m.apart[i]
        if x != h and st.team[x] == b:
            return False
    for i in range(m.apart_start[h], m.apart_start[h + 1]):
        x = m.apart[i]
        if x != g and st.team[x] == a:
            return False
    if not (m.n_sectors or m.n_authorities):
        return True
    return _team_breach_after(m, st, a, g, h) == 0 and _team_breach_after(m, st, b, h, g) == 0


# =============================================================================== objective
@_inline
def _best_theme(m: Model, st: State, t: int, g_out: int, g_in: int) -> int:
    """Team t's best theme sum if g_out left and g_in joined (-1: none)."""
    n_themes = m.theme.shape[1]
    best = _NEG
    for k in range(n_themes):
        v = st.theme_sum[t, k]
        if g_out >= 0:
            v -= m.theme[g_out, k]
        if g_in >= 0:
            v += m.theme[g_in, k]
        if v > best:
            best = v
    return best


@_inline
def _mixed(n_challenge: int, n_affluent: int) -> int:
    return 1 if n_challenge > 0 and n_affluent > 0 else 0


@_inline
def _move_extra(m: Model, st: State, g: int, a: int, b: int) -> int:
    """Focus and SIMD part of the objective change of moving group g from team a to b."""
    d = 0
    if m.theme.shape[1]:
        if m.focus_fixed:
            fa, fb = st.focus[a], st.focus[b]
            d += (m.theme[g, fb] if fb >= 0 else 0) - (m.theme[g, fa] if fa >= 0 else 0)
        else:
            d += _best_theme(m, st, a, g, _NONE) - st.focus_value[a]
            d += _best_theme(m, st, b, _NONE, g) - st.focus_value[b]
    if m.simd:
        c, f = m.challenge[g], m.affluent[g]
        if c or f:
            before = _mixed(st.n_challenge[a], st.n_affluent[a]) + _mixed(
                st.n_challenge[b], st.n_affluent[b]
            )
            after = _mixed(st.n_challenge[a] - c, st.n_affluent[a] - f) + _mixed(
                st.n_challenge[b] + c, st.n_affluent[b] + f
            )
            d += m.simd * (after - before)
    return d


@_inline
def _swap_extra(m: Model, st: State, g: int, h: int, a: int, b: int) -> int:
    """Focus and SIMD part of the objective change of swapping g (team a) and h (team b)."""
    d = 0
    if m.theme.shape[1]:
        if m.focus_fixed:
            fa, fb = st.focus[a], st.focus[b]
            ga = m.theme[g, fa] if fa >= 0 else 0
            gb = m.theme[g, fb] if fb >= 0 else 0
            ha = m.theme[h, fa] if fa >= 0 else 0
            hb = m.theme[h, fb] if fb >= 0 else 0
            d += gb - ga + ha - hb
        else:
            d += _best_theme(m, st, a, g, h) - st.focus_value[a]
            d += _best_theme(m, st, b, h, g) - st.focus_value[b]
    if m.simd:
        dc = np.int64(m.challenge[h]) - np.int64(m.challenge[g])
        df = np.int64(m.affluent[h]) - np.int64(m.affluent[g])
        if dc != 0 or df != 0:
            before = _mixed(st.n_challenge[a], st.n_affluent[a]) + _mixed(
                st.n_challenge[b], st.n_affluent[b]
            )
            after = _mixed(st.n_challenge[a] + dc, st.n_affluent[a] + df) + _mixed(
                st.n_challenge[b] - dc, st.n_affluent[b] - df
            )
            d += m.simd * (after - before)
    return d


@_kernel
def _move_delta(m: Model, st: State, g: int, b: int) -> int:
    """Objective change of moving group g to team b."""
    a = st.team[g]
    return st.gain[b, g] - st.gain[a, g] + _move_extra(m, st, g, a, b)


@_kernel
def _swap_delta(m: Model, st: State, g: int, h: int) -> int:
    """Objective change of swapping group g (team a) with group h (team b)."""
    a = st.team[g]
    b = st.team[h]
    d = st.gain[b, g] - st.gain[a, g] + st.gain[a, h] - st.gain[b, h] - 2 * m.pair[g, h]
    return d + _swap_extra(m, st, g, h, a, b)


@_kernel
def _place(m: Model, st: State, g: int, b: int, with_objective: bool) -> None:
    """Move group g to team b, updating every incremental structure (objective excluded)."""
    a = st.team[g]
    st.team[g] = b
    st.load[a] -= m.weight[g]
    st.load[b] += m.weight[g]
    st.size[a] -= m.units[g]
    st.size[b] += m.units[g]
    _shift(m, st, g, a, _MINUS)
    _shift(m, st, g, b, _PLUS)
    st.n_challenge[a] -= m.challenge[g]
    st.n_challenge[b] += m.challenge[g]
    st.n_affluent[a] -= m.affluent[g]
    st.n_affluent[b] += m.affluent[g]
    if not with_objective:
        return
    row = m.pair[g]
    ga = st.gain[a]
    gb = st.gain[b]
    for x in range(row.shape[0]):
        ga[x] -= row[x]
        gb[x] += row[x]
    if m.theme.shape[1]:
        for k in range(m.theme.shape[1]):
            st.theme_sum[a, k] -= m.theme[g, k]
            st.theme_sum[b, k] += m.theme[g, k]
        _refocus(m, st, a)
        _refocus(m, st, b)


@_kernel
def apply_move(m: Model, st: State, g: int, b: int) -> int:
    """Move group g to team b; returns (and books) the objective change."""
    d = _move_delta(m, st, g, b)
    _place(m, st, g, b, _YES)
    st.objective[0] += d
    return d


@_kernel
def apply_swap(m: Model, st: State, g: int, h: int) -> int:
    """Swap groups g and h; returns (and books) the objective change."""
    d = _swap_delta(m, st, g, h)
    a = st.team[g]
    b = st.team[h]
    _place(m, st, g, b, _YES)
    _place(m, st, h, a, _YES)
    st.objective[0] += d
    return d


# =============================================================================== repair
@_kernel
def _repair_steps(
    m: Model, st: State, tabu: Any, info: Any, rs: Any, max_steps: int, breach: Any, targets: Any
) -> int:
    """Lower the violation by at most max_steps moves/swaps; stops early at zero.

    ``info`` = [violation, best violation, step, steps since best]. Resumable.
    ``breach`` (T,) and ``targets`` (T + G,) are work arrays.
    """
    n_groups = st.team.shape[0]
    n_teams = st.load.shape[0]
    steps = 0
    while steps < max_steps and info[0] > 0:
        step = info[2]
        # what is broken: teams with a breach (coded t) and groups with a lock breach (T + g)
        n_targets = 0
        for t in range(n_teams):
            breach[t] = _team_breach(m, st, t, st.load[t], st.size[t])
            if breach[t] > 0:
                targets[n_targets] = t
                n_targets += 1
        for g in range(n_groups):
            if _lock_breach(m, st, g, st.team[g], _NONE, _NONE) > 0:
                targets[n_targets] = n_teams + g
                n_targets += 1
        if n_targets == 0:  # cannot happen while info[0] > 0; resync defensively
            info[0] = _violation(m, st)
            break
        target = targets[_randint(rs, n_targets)]
        best_d = np.int64(2**62)
        bg = _NONE
        bh = _NONE
        bt = _NONE
        ties = 0
        for g in range(n_groups):
            a = st.team[g]
            if target < n_teams:
                focus_team = target
                inside = a == focus_team
            else:
                focus_team = _NONE
                inside = g == target - n_teams
            if inside:
                lock_here = _lock_breach(m, st, g, a, _NONE, _NONE)
                for b in range(n_teams):  # moves out
                    if b == a:
                        continue
                    d = _team_breach_after(m, st, a, g, _NONE) - breach[a]
                    d += _team_breach_after(m, st, b, _NONE, g) - breach[b]
                    d += _lock_breach(m, st, g, b, _NONE, _NONE) - lock_here
                    if tabu[g, b] > step and info[0] + d >= info[1]:
                        continue
                    if d < best_d:
                        best_d, bg, bh, bt, ties = d, g, _NONE, b, 1
                    elif d == best_d:
                        ties += 1
                        if _randint(rs, ties) == 0:
                            bg, bh, bt = g, _NONE, b
                for h in range(n_groups):  # swaps with groups elsewhere
                    b = st.team[h]
                    if b == a:
                        continue
                    d = _team_breach_after(m, st, a, g, h) - breach[a]
                    d += _team_breach_after(m, st, b, h, g) - breach[b]
                    d += _lock_breach(m, st, g, b, h, a) - lock_here
                    d += _lock_breach(m, st, h, a, g, b) - _lock_breach(m, st, h, b, _NONE, _NONE)
                    if (tabu[g, b] > step or tabu[h, a] > step) and info[0] + d >= info[1]:
                        continue
                    if d < best_d:
                        best_d, bg, bh, bt, ties = d, g, h, _NONE, 1
                    elif d == best_d:
                        ties += 1
                        if _randint(rs, ties) == 0:
                            bg, bh, bt = g, h, _NONE
            elif focus_team >= 0:  # moves into the broken team
                b = focus_team
                d = _team_breach_after(m, st, a, g, _NONE) - breach[a]
                d += _team_breach_after(m, st, b, _NONE, g) - breach[b]
                d += _lock_breach(m, st, g, b, _NONE, _NONE) - _lock_breach(
                    m, st, g, a, _NONE, _NONE
                )
                if tabu[g, b] > step and info[0] + d >= info[1]:
                    continue
                if d < best_d:
                    best_d, bg, bh, bt, ties = d, g, _NONE, b, 1
                elif d == best_d:
                    ties += 1
                    if _randint(rs, ties) == 0:
                        bg, bh, bt = g, _NONE, b
        stuck = info[3] > 50 + 2 * n_teams
        if bg < 0 or stuck:  # everything tabu, or no progress for long: random kick
            kicks = 1 + _randint(rs, _KICKS)
            for _ in range(kicks):
                g = _randint(rs, n_groups)
                b = _randint(rs, n_teams)
                if b != st.team[g]:
                    _place(m, st, g, b, _NO)
            info[0] = _violation(m, st)
            info[3] = 0
        else:
            if bh >= 0:
                a = st.team[bg]
                b = st.team[bh]
                _place(m, st, bg, b, _NO)
                _place(m, st, bh, a, _NO)
                tabu[bg, a] = step + 2 + _randint(rs, _REPAIR_TENURE)
                tabu[bh, b] = step + 2 + _randint(rs, _REPAIR_TENURE)
            else:
                a = st.team[bg]
                _place(m, st, bg, bt, _NO)
                tabu[bg, a] = step + 2 + _randint(rs, _REPAIR_TENURE)
            info[0] += best_d
        if info[0] < info[1]:
            info[1] = info[0]
            info[3] = 0
        else:
            info[3] += 1
        info[2] += 1
        steps += 1
    return steps


def repair_groups(
    grouping: Grouping,
    team: IntArray,
    rng: np.random.Generator,
    deadline: float,
    max_steps: int | None = None,
) -> IntArray | None:
    """Group-level repair: a rule-abiding group assignment (by the kernel's count) or None.

    ``deadline`` is a ``time.perf_counter()`` instant. Not verified here: callers verify
    with ``clnmatch.evaluate.evaluate``.
    """
    if grouping.obstacles or grouping.n_groups == 0:
        return None
    m = grouping.model
    n_teams = len(m.team_min)
    team = np.array(team, dtype=np.int64)
    bad = (team < 0) | (team >= n_teams)
    if bad.any():
        team[bad] = rng.integers(0, n_teams, size=int(bad.sum()))
    st = new_state(grouping, team, with_objective=False)
    start = _violation(m, st)
    info = np.array([start, start, 0, 0], dtype=np.int64)
    tabu = np.zeros((len(team), n_teams), dtype=np.int64)
    rs = _seed_array(rng)
    breach = np.zeros(n_teams, dtype=np.int64)
    targets = np.zeros(n_teams + len(team), dtype=np.int64)
    chunk = 16
    done = 0
    while info[0] > 0:
        if time.perf_counter() >= deadline:
            return None
        steps = chunk if max_steps is None else min(chunk, max_steps - done)
        if steps <= 0:
            return None
        tick = time.perf_counter()
        done += _repair_steps(m, st, tabu, info, rs, steps, breach, targets)
        spent = time.perf_counter() - tick
        chunk = _next_chunk(chunk, spent)
    return st.team.copy()


def _next_chunk(chunk: int, spent: float, target: float = 0.03) -> int:
    """Grow or shrink a kernel chunk so one call lasts about ``target`` seconds."""
    if spent < target / 2:
        return min(chunk * 2, 1 << 30)
    if spent > target * 2:
        return max(1, chunk // 2)
    return chunk


# =============================================================================== tabu search
@_kernel
def _tabu_steps(
    m: Model,
    st: State,
    tabu: Any,
    ts: Any,
    best_team: Any,
    rs: Any,
    max_steps: int,
    depth: int,
    tenure_min: int,
    tenure_span: int,
    sample: int,
) -> int:
    """Best-improvement tabu search over feasible moves and swaps; at most max_steps steps.

    ``ts`` = [iteration, steps since the run's best, run's best objective, finished].
    The run finishes after ``depth`` steps without a new run best, or when no move is
    admissible. ``best_team`` receives the run's best assignment. Resumable.
    """
    # hot arrays as locals: the scans below touch them millions of times
    team = st.team
    gain = st.gain
    load = st.load
    size = st.size
    pair = m.pair
    weight = m.weight
    units = m.units
    team_min = m.team_min
    team_max = m.team_max
    allowed = m.allowed
    n_groups = team.shape[0]
    n_teams = load.shape[0]
    extra = _has_extra_terms(m)
    simple_swap = _swaps_need_no_rule_check(m)
    full = sample <= 0 or sample >= n_groups
    n_first = n_groups if full else sample
    steps = 0
    while steps < max_steps:
        if ts[3] != 0 or ts[1] >= depth:
            ts[3] = 1
            break
        it = ts[0]
        aspire = ts[2] - st.objective[0]  # a delta above this makes a new run best
        best_d = _NEG
        bg = _NONE
        bh = _NONE
        bt = _NONE
        ties = 0
        for i in range(n_first):
            g = i if full else _randint(rs, n_groups)
            a = team[g]
            wg = weight[g]
            base = gain[a, g]
            # --- moves
            if size[a] > units[g] and load[a] - wg >= team_min[a]:
                for b in range(n_teams):
                    if b == a or load[b] + wg > team_max[b]:
                        continue
                    d = gain[b, g] - base
                    if extra:
                        d += _move_extra(m, st, g, a, b)
                    if d < best_d or (tabu[g, b] > it and d <= aspire):
                        continue
                    if not _move_ok(m, st, g, b):
                        continue
                    if d > best_d:
                        best_d, bg, bh, bt, ties = d, g, _NONE, b, 1
                    else:
                        ties += 1
                        if _randint(rs, ties) == 0:
                            bg, bh, bt = g, _NONE, b
            # --- swaps
            h0 = g + 1 if full else 0
            for h in range(h0, n_groups):
                b = team[h]
                if b == a:
                    continue
                if not _loads_fit(load, team_min, team_max, a, b, weight[h] - wg):
                    continue
                d = gain[b, g] - base + gain[a, h] - gain[b, h] - 2 * pair[g, h]
                if extra:
                    d += _swap_extra(m, st, g, h, a, b)
                if d < best_d or ((tabu[g, b] > it or tabu[h, a] > it) and d <= aspire):
                    continue
                trusted = simple_swap and allowed[g, b] and allowed[h, a]
                if not trusted and not _swap_ok(m, st, g, h):
                    continue
                if d > best_d:
                    best_d, bg, bh, bt, ties = d, g, h, _NONE, 1
                else:
                    ties += 1
                    if _randint(rs, ties) == 0:
                        bg, bh, bt = g, h, _NONE
        if bg < 0:
            ts[3] = 1
            break
        a = st.team[bg]
        if bh >= 0:
            b = st.team[bh]
            apply_swap(m, st, bg, bh)
            tabu[bg, a] = it + tenure_min + _randint(rs, tenure_span)
            tabu[bh, b] = it + tenure_min + _randint(rs, tenure_span)
        else:
            apply_move(m, st, bg, bt)
            tabu[bg, a] = it + tenure_min + _randint(rs, tenure_span)
        ts[0] += 1
        steps += 1
        if st.objective[0] > ts[2]:
            ts[2] = st.objective[0]
            _copy_into(best_team, st.team)
            ts[1] = 0
        else:
            ts[1] += 1
    return steps


@_kernel
def _perturb(m: Model, st: State, strength: int, move_share: float, moves: int, rs: Any) -> int:
    """Apply up to ``strength`` random feasible moves (share ``move_share``, of kind ``moves``)
    or swaps; returns how many."""
    n_groups = st.team.shape[0]
    n_teams = st.load.shape[0]
    done = 0
    tries = 0
    while done < strength and tries < 50 * strength:
        tries += 1
        g = _randint(rs, n_groups)
        if moves != _MOVES_NONE and _random(rs) < move_share:
            b = _randint(rs, n_teams)
            if b != st.team[g] and _move_kind_ok(m, st, g, b, moves):
                apply_move(m, st, g, b)
                done += 1
        else:
            h = _randint(rs, n_groups)
            if st.team[h] != st.team[g] and _swap_ok(m, st, g, h):
                apply_swap(m, st, g, h)
                done += 1
    return done


# =============================================================================== iterated descent
@_inline
def _move_kind_ok(m: Model, st: State, g: int, b: int, moves: int) -> bool:
    """Move ``g`` to ``b`` keeps the rules and is of kind ``moves`` (``_MOVES_ALL``, or
    ``_MOVES_KEEP_LOADS``: the two teams trade loads, so the multiset of loads stays)."""
    if moves == _MOVES_KEEP_LOADS and st.load[b] + m.weight[g] != st.load[st.team[g]]:
        return False
    return _move_ok(m, st, g, b)


class Scratch(NamedTuple):
    """Work arrays of the descent (kernels may not allocate)."""

    top: IntArray  # (T, T) top[a, b]: the largest gain[b, g] - gain[a, g] over groups g in a
    first: IntArray  # (T+1,) offsets of each team's groups in ``members``
    members: IntArray  # (G,) groups, grouped by team
    fill: IntArray  # (T,) cursor of the counting sort


def new_scratch(n_groups: int, n_teams: int) -> Scratch:
    """Work arrays for ``_descent`` on ``n_groups`` groups and ``n_teams`` teams."""
    return Scratch(
        top=np.zeros((n_teams, n_teams), dtype=np.int64),
        first=np.zeros(n_teams + 1, dtype=np.int64),
        members=np.zeros(n_groups, dtype=np.int64),
        fill=np.zeros(n_teams, dtype=np.int64),
    )


@_inline
def _index_teams(st: State, sc: Scratch) -> None:
    """Counting sort of the groups by team into ``sc.first`` / ``sc.members``."""
    team = st.team
    first = sc.first
    n_teams = st.load.shape[0]
    for t in range(n_teams + 1):
        first[t] = 0
    for g in range(team.shape[0]):
        first[team[g] + 1] += 1
    for t in range(n_teams):
        first[t + 1] += first[t]
        sc.fill[t] = first[t]
    for g in range(team.shape[0]):
        t = team[g]
        sc.members[sc.fill[t]] = g
        sc.fill[t] += 1


@_inline
def _refresh_top(st: State, sc: Scratch, a: int, b: int) -> None:
    """Recompute the entries of ``sc.top`` in rows or columns a and b (every entry when a < 0)."""
    team = st.team
    gain = st.gain
    top = sc.top
    n_teams = top.shape[0]
    for x in range(n_teams):
        for y in range(n_teams):
            if a < 0 or x in (a, b) or y in (a, b):
                top[x, y] = _NEG
    for g in range(team.shape[0]):
        x = team[g]
        base = gain[x, g]
        if a < 0 or x in (a, b):
            for y in range(n_teams):
                d = gain[y, g] - base
                if y != x and d > top[x, y]:
                    top[x, y] = d
        else:
            d = gain[a, g] - base
            if d > top[x, a]:
                top[x, a] = d
            d = gain[b, g] - base
            if d > top[x, b]:
                top[x, b] = d


@_kernel
def _descent(m: Model, st: State, rs: Any, moves: int, sc: Scratch) -> int:
    """First-improvement descent on feasible moves (of kind ``moves``) and swaps to a local
    optimum; returns the improvements made. Problems without focus or SIMD terms only.

    Moving g from a to b gains D(g, b) = gain[b, g] - gain[a, g] and swapping it with h (in
    b) gains D(g, b) + D(h, a) - 2 pair[g, h]. With top[a, b] = the largest D(g, b) over g
    in a, no move from a to b can gain when top[a, b] <= 0 and no swap between a and b when
    top[a, b] + top[b, a] <= 2 min(pair), so most team pairs are passed over without looking
    at their members; a change to teams a and b refreshes only their rows and columns of top.
    Team pairs are visited cyclically from a random one; a full cycle without a gain ends it.
    """
    gain = st.gain
    load = st.load
    pair = m.pair
    weight = m.weight
    team_min = m.team_min
    team_max = m.team_max
    allowed = m.allowed
    top = sc.top
    first = sc.first
    members = sc.members
    n_teams = load.shape[0]
    n_pairs = n_teams * n_teams
    simple_swap = _swaps_need_no_rule_check(m)
    bar = 2 * m.pair_min
    _index_teams(st, sc)
    _refresh_top(st, sc, _NONE, _NONE)
    p = _randint(rs, n_pairs)
    last = p  # the team pair of the last improvement: a cycle back to it without one ends
    improvements = 0
    while True:
        a = p // n_teams
        b = p - a * n_teams
        found = False
        if moves != _MOVES_NONE and a != b and top[a, b] > 0:
            for i in range(first[a], first[a + 1]):
                g = members[i]
                if gain[b, g] - gain[a, g] > 0 and _move_kind_ok(m, st, g, b, moves):
                    apply_move(m, st, g, b)
                    _index_teams(st, sc)
                    found = True
                    break
        if not found and a < b and top[a, b] + top[b, a] > bar:
            for i in range(first[a], first[a + 1]):
                g = members[i]
                dg = gain[b, g] - gain[a, g]
                if dg + top[b, a] <= bar:
                    continue
                for j in range(first[b], first[b + 1]):
                    h = members[j]
                    d = dg + gain[a, h] - gain[b, h] - 2 * pair[g, h]
                    if d <= 0 or not _loads_fit(
                        load, team_min, team_max, a, b, weight[h] - weight[g]
                    ):
                        continue
                    trusted = simple_swap and allowed[g, b] and allowed[h, a]
                    if not trusted and not _swap_ok(m, st, g, h):
                        continue
                    apply_swap(m, st, g, h)
                    members[i] = h
                    members[j] = g
                    found = True
                    break
                if found:
                    break
        if found:
            _refresh_top(st, sc, a, b)
            last = p  # (the pair itself is scanned again)
            improvements += 1
        else:
            p = p + 1 if p + 1 < n_pairs else 0
            if p == last:
                break
    return improvements


@_kernel
def _restore(m: Model, st: State, target: Any, objective: int) -> None:
    """Put the state back to assignment ``target`` whose objective is known."""
    for g in range(target.shape[0]):
        if st.team[g] != target[g]:
            _place(m, st, g, target[g], _YES)
    st.objective[0] = objective


@_kernel
def _walk_steps(
    m: Model,
    st: State,
    rs: Any,
    walk_team: Any,
    best_team: Any,
    ws: Any,
    sc: Scratch,
    max_steps: int,
    kick_min: int,
    kick_span: int,
    move_share: float,
    moves: int,
    slack: int,
    restart: int,
) -> int:
    """Iterated descent: kick the walk by a few random swaps (and moves), descend, and keep
    the result when it is at most ``slack`` below the walk; back to the best after
    ``restart`` steps without a new best. ``ws`` = [walk objective, best objective, steps
    since the best, stuck]; ``st`` holds the walk (``walk_team``) between calls. Returns the
    steps taken: fewer than ``max_steps`` only when no kick could be made (stuck = 1).
    """
    for step in range(max_steps):
        if _perturb(m, st, kick_min + _randint(rs, kick_span), move_share, moves, rs) == 0:
            ws[3] = 1
            return step
        _descent(m, st, rs, moves, sc)
        objective = st.objective[0]
        if objective > ws[1]:
            ws[1] = objective
            ws[2] = 0
            _copy_into(best_team, st.team)
        else:
            ws[2] += 1
        if objective >= ws[0] - slack:
            ws[0] = objective
            _copy_into(walk_team, st.team)
        else:
            _restore(m, st, walk_team, ws[0])
        if ws[2] >= restart:
            _restore(m, st, best_team, ws[1])
            ws[0] = ws[1]
            ws[2] = 0
            _copy_into(walk_team, best_team)
    return max_steps


# =============================================================================== size profile
def concentrated_profile(m: Model) -> IntArray | None:
    """Team sizes with the largest sum of squares, for problems where concentration pays.

    When every pair gain is >= 0 and every group counts 1 (diversity instances such as
    MDGPLIB), a team's pair total grows about with the square of its size, so the best
    answers fill some teams to their maximum and leave the rest at their minimum (20 of
    the 21 published TPSDP best answers on MDGPLIB's ``ds`` files have exactly this
    profile, the other is 2 squares short). Single moves cannot carry a search from one
    such profile to another (every step on the way loses), so each tabu-search run
    starts from this one and perturbations swap only. None where the premise fails: negative pair gains, weighted
    groups, focus or SIMD terms, or no spread between team bounds.
    """
    n_groups, n_teams = len(m.weight), len(m.team_min)
    if (
        n_groups == 0
        or m.theme.shape[1] > 0
        or m.simd != 0
        or not (m.weight == 1).all()
        or not (m.units == 1).all()
        or int(m.pair.min()) < 0
        or int(m.pair.max()) == 0
        or (m.team_min == m.team_max).all()
    ):
        return None
    low = np.maximum(m.team_min, 0)
    high = np.minimum(m.team_max, n_groups)
    if low.sum() > n_groups or high.sum() < n_groups:
        return None
    # dynamic programme over teams: best[t][s] = largest sum of squares of teams < t holding s
    neg = np.iinfo(np.int64).min // 4
    best = np.full(n_groups + 1, neg, dtype=np.int64)
    best[0] = 0
    choice = np.zeros((n_teams, n_groups + 1), dtype=np.int64)
    for t in range(n_teams):
        nxt = np.full(n_groups + 1, neg, dtype=np.int64)
        for size in range(int(low[t]), int(high[t]) + 1):
            cand = np.full(n_groups + 1, neg, dtype=np.int64)
            cand[size:] = best[: n_groups + 1 - size] + size * size
            better = cand > nxt
            nxt[better] = cand[better]
            choice[t, better] = size
        best = nxt
    if best[n_groups] <= neg // 2:
        return None
    profile = np.zeros(n_teams, dtype=np.int64)
    left = n_groups
    for t in range(n_teams - 1, -1, -1):
        profile[t] = choice[t, left]
        left -= profile[t]
    return profile


def reshape(grouping: Grouping, team: IntArray, target: IntArray) -> IntArray:
    """Move groups from teams above their target size to teams below it, best gain first.

    Every move keeps the rules (``_move_ok``); stops early when none does.
    """
    m = grouping.model
    st = new_state(grouping, team)
    for _ in range(grouping.n_groups):
        above = np.flatnonzero(st.load > target)
        below = np.flatnonzero(st.load < target)
        if above.size == 0 or below.size == 0:
            break
        movers = np.flatnonzero(np.isin(st.team, above))
        delta = st.gain[np.ix_(below, movers)] - st.gain[st.team[movers], movers]
        for flat in np.argsort(-delta, axis=None, kind="stable"):
            b, g = int(below[flat // movers.size]), int(movers[flat % movers.size])
            if _move_ok(m, st, g, b):
                apply_move(m, st, g, b)
                break
        else:
            break
    return st.team.copy()


# =============================================================================== references
def reference_move_delta(
    grouping: Grouping, team: IntArray, g: int, b: int, focus: IntArray | None = None
) -> int:
    """Plain numpy: objective change of moving group g to team b.

    ``focus`` fixes each team's theme; None takes each team's best theme.
    """
    after = _moved(team, {g: b})
    return _reference_objective(grouping, after, focus) - _reference_objective(
        grouping, team, focus
    )


def reference_swap_delta(
    grouping: Grouping, team: IntArray, g: int, h: int, focus: IntArray | None = None
) -> int:
    """Plain numpy: objective change of swapping groups g and h (``focus`` as above)."""
    after = _moved(team, {g: int(team[h]), h: int(team[g])})
    return _reference_objective(grouping, after, focus) - _reference_objective(
        grouping, team, focus
    )


def _moved(team: IntArray, changes: dict[int, int]) -> IntArray:
    out = np.array(team, dtype=np.int64)
    for g, t in changes.items():
        out[g] = t
    return out


def _reference_objective(grouping: Grouping, team: IntArray, focus: IntArray | None = None) -> int:
    m = grouping.model
    total = m.constant
    for t in range(len(m.team_min)):
        mask = team == t
        total += int(m.pair[np.ix_(mask, mask)].sum()) // 2
        if m.theme.shape[1]:
            sums = m.theme[mask].sum(axis=0)
            if focus is None:
                total += int(sums.max())
            elif focus[t] >= 0:
                total += int(sums[focus[t]])
        if m.simd and m.challenge[mask].any() and m.affluent[mask].any():
            total += m.simd
    return total


# =============================================================================== driver
def warm_up() -> float:
    """Compile (or load from numba's disk cache) every kernel on a tiny problem; seconds taken.

    The first call on a machine compiles (tens of seconds); later processes load the
    compiled code from numba's cache (about a second).
    """
    from clnmatch.strategies.repair import repair

    tick = time.perf_counter()
    n = 8
    pair = np.arange(n * n, dtype=np.int64).reshape(n, n) % 7
    pair = pair + pair.T
    np.fill_diagonal(pair, 0)
    problem = Problem(
        unit_ids=tuple(f"u{i}" for i in range(n)),
        unit_weight=np.ones(n, dtype=np.int64),
        team_min=np.full(2, 4, dtype=np.int64),
        team_max=np.full(2, 4, dtype=np.int64),
        pair_milli=pair,
    )
    rng = np.random.default_rng(0)
    repair(problem, np.zeros(n, dtype=np.int64), rng, time.perf_counter() + 600)
    LocalSearchStrategy(max_iterations=50, population=2).run(
        problem, Budget(time_limit=600, seed=0)
    )
    return time.perf_counter() - tick


class _Search:
    """One run of the iterated tabu search with a small population (Python driver)."""

    def __init__(
        self,
        strategy: LocalSearchStrategy,
        grouping: Grouping,
        budget: Budget,
    ) -> None:
        self.s = strategy
        self.grouping = grouping
        self.m = grouping.model
        self.budget = budget
        self.rng = budget.rng(7)
        self.rs = _seed_array(self.rng)
        n_groups, n_teams = grouping.n_groups, len(self.m.team_min)
        self.n_groups, self.n_teams = n_groups, n_teams
        self.deadline = budget.started + budget.time_limit
        self.steps = 0  # tabu steps plus descent kicks so far (what max_iterations counts)
        self.kicks = 0  # descent kicks so far
        self.tabu = np.zeros((n_groups, n_teams), dtype=np.int64)
        self.it = 0  # tabu iteration clock, kept across runs so old entries expire
        # large instances: each step scans the moves and swaps of a random sample of groups
        work = n_groups * (n_groups + n_teams)
        self.sample = 0 if work <= 2_000_000 else max(16, 250_000 // (n_groups + n_teams))
        self.chunk = 8
        self.best_team: IntArray | None = None
        self.best_obj = int(_NEG)
        self.trace: list[TracePoint] = []
        self.profile = concentrated_profile(self.m) if strategy.reshape else None
        # with a target size profile, moves that change the loads only walk away from it
        self.moves = _MOVES_ALL if self.profile is None else _MOVES_KEEP_LOADS
        # on problems without side rules the last share of the effort goes to the iterated
        # descent, which measured better than more tabu search on MDGPLIB n >= 240; only
        # where a full scan is cheap (one descent pass scans every move and swap)
        share = strategy.walk_share if _plain(self.m) and self.sample == 0 else 0.0
        self.walk = share > 0
        self.tabu_deadline = budget.started + (1 - share) * budget.time_limit
        self.tabu_max_steps = (
            None if strategy.max_iterations is None else int((1 - share) * strategy.max_iterations)
        )

    # --- stopping ----------------------------------------------------------------
    def out_of_time(self) -> bool:
        return time.perf_counter() >= self.deadline

    def out_of_steps(self) -> bool:
        return self.s.max_iterations is not None and self.steps >= self.s.max_iterations

    def stop(self) -> bool:
        return self.out_of_time() or self.out_of_steps() or self.at_target()

    def tabu_over(self) -> bool:
        """The tabu-search phase has used its share (or everything is over)."""
        if self.stop():
            return True
        if not self.walk:
            return False
        spent = self.tabu_max_steps is not None and self.steps >= self.tabu_max_steps
        return spent or time.perf_counter() >= self.tabu_deadline

    def at_target(self) -> bool:
        """The best found meets a proven bound: nothing better exists."""
        target = self.budget.target_milli
        return target is not None and self.best_obj >= target

    # --- bookkeeping -------------------------------------------------------------
    def true_objective(self, team: IntArray) -> int:
        """Objective with the best focus (differs from the tracked one only with a fixed focus)."""
        return int(new_state(self.grouping, team).objective[0])

    def offer(self, team: IntArray, objective: int, message: str) -> None:
        if objective > self.best_obj:
            self.best_obj = objective
            self.best_team = np.array(team, dtype=np.int64)
            points = objective / SCALE
            self.trace.append(TracePoint(self.budget.elapsed(), points, None))
            self.budget.report(points, None, message)

    # --- building blocks ---------------------------------------------------------
    def tabu_search(self, team: IntArray) -> tuple[IntArray, int]:
        """Tabu search from ``team`` until its depth is spent (or time / steps run out)."""
        if self.profile is not None:
            team = reshape(self.grouping, team, self.profile)
        st = new_state(self.grouping, team)
        best_team = st.team.copy()
        ts = np.array([self.it, 0, st.objective[0], 0], dtype=np.int64)
        span = max(1, self.s.tenure_span)
        tenure_min = self.s.tenure_min
        if tenure_min is None:
            tenure_min = max(2, min(self.n_groups // 40, 10))
        depth = self.s.depth if self.s.depth is not None else max(200, 5 * self.n_groups)
        while ts[3] == 0 and not self.tabu_over():
            limit = self.chunk
            if self.tabu_max_steps is not None:
                limit = min(limit, self.tabu_max_steps - self.steps)
            tick = time.perf_counter()
            self.steps += _tabu_steps(
                self.m,
                st,
                self.tabu,
                ts,
                best_team,
                self.rs,
                limit,
                depth,
                tenure_min,
                span,
                self.sample,
            )
            self.chunk = _next_chunk(self.chunk, time.perf_counter() - tick)
            if ts[2] > self.best_obj and not self.m.focus_fixed:  # report progress as it comes
                self.offer(best_team, int(ts[2]), "tabu search")
        self.it = int(ts[0])
        objective = int(ts[2])
        if self.m.focus_fixed:  # re-optimise the focus for the run's best
            objective = self.true_objective(best_team)
        return best_team, objective

    def perturbed(self, team: IntArray, strength: int) -> IntArray:
        st = new_state(self.grouping, team)
        # with a target size profile only swaps: the next run's reshape would undo the moves
        moves = _MOVES_ALL if self.profile is None else _MOVES_NONE
        _perturb(self.m, st, strength, 0.5, moves, self.rs)
        return st.team.copy()

    def random_start(self) -> IntArray | None:
        from clnmatch.strategies.repair import random_group_assignment

        team = random_group_assignment(self.grouping, self.rng)
        steps = None if self.s.max_iterations is None else 200 * self.n_groups + 1000
        return repair_groups(self.grouping, team, self.rng, self.deadline, steps)

    def crossover(self, first: IntArray, second: IntArray) -> IntArray | None:
        child = _group_crossover(self.grouping, first, second, self.rng)
        if _violation(self.m, new_state(self.grouping, child, with_objective=False)) == 0:
            return child
        steps = None if self.s.max_iterations is None else 50 * self.n_groups + 1000
        return repair_groups(self.grouping, child, self.rng, self.deadline, steps)

    def strength(self) -> int:
        low, high = self.s.perturbation
        fraction = low + (high - low) * self.rng.random()
        return max(2, int(round(fraction * self.n_groups)))

    # --- the run -------------------------------------------------------------------
    def run(self, start: IntArray) -> None:
        self.offer(start, self.true_objective(start), "start")
        team, objective = self.tabu_search(start)
        self.offer(team, objective, "tabu search")
        population = self.s.population if self.n_groups <= self.s.population_limit else 1
        pool: list[tuple[int, IntArray]] = [(objective, team)]
        while len(pool) < population and not self.tabu_over():
            other = self.random_start()
            if other is None:
                break
            other, obj = self.tabu_search(other)
            self.offer(other, obj, "population")
            pool.append((obj, other))
        generation = idle = 0
        while not self.tabu_over() and idle < 20:  # 20 generations without a step: nothing moves
            generation += 1
            steps_before = self.steps
            child: IntArray | None = None
            if len(pool) >= 2 and self.rng.random() < self.s.crossover_rate:
                i, j = self.rng.choice(len(pool), size=2, replace=False)
                child = self.crossover(pool[i][1], pool[j][1])
            if child is not None:
                child, obj = self.tabu_search(child)
                worst = min(range(len(pool)), key=lambda k: pool[k][0])
                duplicate = any(obj == o and np.array_equal(child, t) for o, t in pool)
                if obj > pool[worst][0] and not duplicate:
                    pool[worst] = (obj, child)
            else:  # a perturbation generation (or a crossover whose child could not be repaired)
                k = int(self.rng.integers(len(pool)))
                child, obj = self.tabu_search(self.perturbed(pool[k][1], self.strength()))
                if obj >= pool[k][0]:
                    pool[k] = (obj, child)
            self.offer(child, obj, f"generation {generation}")
            idle = idle + 1 if self.steps == steps_before else 0
        if self.walk and not self.stop():
            assert self.best_team is not None
            self.iterated_descent(self.best_team)

    def iterated_descent(self, team: IntArray) -> None:
        """Iterated descent from ``team`` until the search stops (the second phase)."""
        assert _plain(self.m)  # the descent's deltas and pruning leave out focus and SIMD terms
        st = new_state(self.grouping, team)
        sc = new_scratch(self.n_groups, self.n_teams)
        _descent(self.m, st, self.rs, self.moves, sc)
        objective = int(st.objective[0])
        self.offer(st.team, objective, "descent")
        walk_team, best_team = st.team.copy(), st.team.copy()
        ws = np.array([objective, objective, 0, 0], dtype=np.int64)
        slack = int(self.s.walk_slack * abs(objective))
        chunk = 4
        while not self.stop() and ws[3] == 0:  # (stuck: no move or swap keeps the rules)
            limit = chunk
            if self.s.max_iterations is not None:
                limit = min(limit, self.s.max_iterations - self.steps)
            tick = time.perf_counter()
            kicks = _walk_steps(
                self.m,
                st,
                self.rs,
                walk_team,
                best_team,
                ws,
                sc,
                limit,
                _KICK_MIN,
                _KICK_SPAN,
                _WALK_MOVE_SHARE,
                self.moves,
                slack,
                _WALK_RESTART,
            )
            self.steps += kicks
            self.kicks += kicks
            chunk = _next_chunk(chunk, time.perf_counter() - tick)
            self.offer(best_team, int(ws[1]), "iterated descent")


def _plain(m: Model) -> bool:
    """No rule beyond team weights (no sector, authority, apart, pin or forbid rule) and no
    focus or SIMD term: the iterated descent was measured on such problems only."""
    return (
        m.n_sectors == 0
        and m.n_authorities == 0
        and m.apart.shape[0] == 0
        and bool(m.allowed.all())
        and m.theme.shape[1] == 0
        and m.simd == 0
    )


def _group_crossover(
    grouping: Grouping, first: IntArray, second: IntArray, rng: np.random.Generator
) -> IntArray:
    """Group-based crossover: take whole teams alternately from the parents, best first.

    A team's label stays (labels carry their own size bounds and locks); a team is scored
    by its pair gain per member among the still unplaced groups. Leftover groups go where
    they gain most while the weight fits.
    """
    m = grouping.model
    n_groups, n_teams = grouping.n_groups, len(m.team_min)
    child = np.full(n_groups, -1, dtype=np.int64)
    used = np.zeros(n_teams, dtype=bool)
    parents = (first, second) if rng.random() < 0.5 else (second, first)
    for step in range(n_teams):
        parent = parents[step % 2]
        best_t, best_score = -1, -np.inf
        for t in np.flatnonzero(~used):
            members = np.flatnonzero((parent == t) & (child < 0))
            if members.size == 0:
                score = -1e300
            else:
                score = float(m.pair[np.ix_(members, members)].sum()) / members.size
                if m.theme.shape[1]:
                    score += float(m.theme[members].sum(axis=0).max()) / members.size
            if score > best_score:
                best_t, best_score = int(t), score
        used[best_t] = True
        child[(parent == best_t) & (child < 0)] = best_t
    load = np.bincount(child[child >= 0], weights=m.weight[child >= 0], minlength=n_teams)
    for g in rng.permutation(np.flatnonzero(child < 0)):
        fits = m.allowed[g] & (load + m.weight[g] <= m.team_max)
        gain = np.zeros(n_teams)
        np.add.at(gain, child[child >= 0], m.pair[g, child >= 0])
        gain[~fits] = -np.inf
        chosen = int(np.argmax(gain)) if fits.any() else int(np.argmin(load))
        child[g] = chosen
        load[chosen] += m.weight[g]
    return child


@register("local_search")
class LocalSearchStrategy:
    """Iterated tabu search (moves and swaps, delta evaluation) with a small population.

    Parameters are stored as given and checked when ``run`` starts:

    * ``max_iterations``: stop after this many steps (tabu-search steps plus kicks of the
      iterated descent; None: time only). When it binds, the same seed gives the same answer.
    * ``population``: solutions kept for crossover (1: plain iterated tabu search); only
      used when there are at most ``population_limit`` groups.
    * ``depth``: steps without improvement that end one tabu-search run (None: 5 x groups,
      at least 200).
    * ``tenure_min`` / ``tenure_span``: a reversed move stays tabu for min + rand(span)
      steps (None: groups/40 clipped to 2..10).
    * ``perturbation``: (low, high) fraction of groups moved by a strong perturbation.
    * ``crossover_rate``: chance that a generation is a crossover rather than a perturbation.
    * ``reshape``: start every tabu-search run from the size profile with the largest sum of
      squares where concentration pays (``concentrated_profile``: MDGP-like problems only).
    * ``walk_share``: on problems without side rules or focus / SIMD terms (and small enough
      that a step scans every move and swap), the share of the time (or of
      ``max_iterations``) given to a final iterated descent from the best found (0: tabu
      search only). Other problems use the tabu search throughout.
    * ``walk_slack``: the iterated descent keeps a kicked-and-descended solution when it is at
      most this fraction of the objective below the walk's current one.
    """

    name = "local_search"

    def warm_up(self) -> None:
        """Compile the search kernels once, outside the time limit (cached on disk)."""
        warm_up()

    def __init__(
        self,
        max_iterations: int | None = None,
        population: int = 3,
        depth: int | None = None,
        tenure_min: int | None = None,
        tenure_span: int = 6,
        perturbation: tuple[float, float] = (0.1, 0.25),
        crossover_rate: float = 0.5,
        population_limit: int = 1500,
        reshape: bool = True,
        walk_share: float = 0.5,
        walk_slack: float = 0.003,
    ) -> None:
        self.max_iterations = max_iterations
        self.population = population
        self.depth = depth
        self.tenure_min = tenure_min
        self.tenure_span = tenure_span
        self.perturbation = perturbation
        self.crossover_rate = crossover_rate
        self.population_limit = population_limit
        self.reshape = reshape
        self.walk_share = walk_share
        self.walk_slack = walk_slack

    def _check(self) -> None:
        owner = "LocalSearchStrategy"

        def bad(name: str, expected: str, got: object) -> InvalidParameterError:
            return InvalidParameterError.for_value(name, owner, expected, got)

        if self.max_iterations is not None and (
            not isinstance(self.max_iterations, int) or self.max_iterations < 0
        ):
            raise bad("max_iterations", "an int >= 0 or None", self.max_iterations)
        if not isinstance(self.population, int) or self.population < 1:
            raise bad("population", "an int >= 1", self.population)
        if self.depth is not None and (not isinstance(self.depth, int) or self.depth < 1):
            raise bad("depth", "an int >= 1 or None", self.depth)
        if self.tenure_min is not None and (
            not isinstance(self.tenure_min, int) or self.tenure_min < 0
        ):
            raise bad("tenure_min", "an int >= 0 or None", self.tenure_min)
        if not isinstance(self.tenure_span, int) or self.tenure_span < 1:
            raise bad("tenure_span", "an int >= 1", self.tenure_span)
        low, high = self.perturbation
        if not 0 <= low <= high <= 1:
            raise bad(
                "perturbation", "a pair (low, high) with 0 <= low <= high <= 1", self.perturbation
            )
        if not 0 <= self.crossover_rate <= 1:
            raise bad("crossover_rate", "a float in [0, 1]", self.crossover_rate)
        if not isinstance(self.reshape, bool):
            raise bad("reshape", "True or False", self.reshape)
        if not 0 <= self.walk_share <= 1:
            raise bad("walk_share", "a float in [0, 1]", self.walk_share)
        if not 0 <= self.walk_slack <= 1:
            raise bad("walk_slack", "a float in [0, 1]", self.walk_slack)

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        self._check()
        grouping = build_grouping(problem)
        if grouping.obstacles:
            return Proposal(unit_team=None, notes=grouping.obstacles)
        notes: list[str] = []
        settings = self
        if self.max_iterations is None and budget.max_iterations is not None:
            settings = copy.copy(self)  # the Budget's work limit, when none was set here
            settings.max_iterations = budget.max_iterations
        start, how = _start(problem, grouping, budget, settings.max_iterations is not None)
        if start is None:
            return Proposal(unit_team=None, notes=(f"no rule-abiding start found ({how})",))
        notes.append(f"started from {how}")
        search = _Search(settings, grouping, budget)
        search.run(grouping.from_units(start))
        assert search.best_team is not None
        unit_team = grouping.to_units(search.best_team)
        focus = problem.best_focus(unit_team)
        if not evaluate(problem, unit_team, focus).feasible:  # never trust our own counting
            notes.append("the search's best breaks a rule (a bug); returning the start")
            unit_team, focus = start, problem.best_focus(start)
        notes.append(f"{search.steps - search.kicks} tabu steps")
        if search.kicks:
            notes.append(f"{search.kicks} kicks of the iterated descent")
        return Proposal(
            unit_team=unit_team, team_focus=focus, trace=tuple(search.trace), notes=tuple(notes)
        )


def _start(
    problem: Problem, grouping: Grouping, budget: Budget, deterministic: bool
) -> tuple[IntArray | None, str]:
    """A verified rule-abiding unit assignment: warm start, else greedy, else random + repair."""
    from clnmatch.strategies.repair import random_assignment, repair

    rng = budget.rng(3)
    deadline = budget.started + budget.time_limit
    if budget.warm_start is not None:
        warm = np.asarray(budget.warm_start, dtype=np.int64)
        if warm.shape == (problem.n_units,):
            if evaluate(problem, warm).feasible:
                return warm.copy(), "the warm start"
            fixed = repair(problem, warm, rng, deadline)
            if fixed is not None:
                return fixed, "the repaired warm start"
    greedy = _greedy_start(problem, budget, deterministic)
    if greedy is not None:
        return greedy, "the greedy strategy"
    team = random_assignment(problem, rng)
    fixed = repair(problem, team, rng, deadline)
    if fixed is not None:
        return fixed, "a repaired random assignment"
    return None, "greedy and random + repair both failed"


def _greedy_start(problem: Problem, budget: Budget, deterministic: bool) -> IntArray | None:
    """The greedy strategy's answer (10% of the remaining time), if it has a rule-abiding one."""
    try:
        from clnmatch.strategies.greedy import GreedyStrategy
    except ImportError:  # greedy is optional here: random + repair takes over
        return None
    sub = Budget(time_limit=max(budget.remaining() * 0.1, 1e-3), seed=budget.seed)
    # its restarts stop on the clock; one restart keeps iteration-capped runs reproducible
    greedy = GreedyStrategy(restarts=1) if deterministic else GreedyStrategy()
    proposal = greedy.run(problem, sub)
    if proposal.unit_team is None or not evaluate(problem, proposal.unit_team).feasible:
        return None
    return np.asarray(proposal.unit_team, dtype=np.int64)
