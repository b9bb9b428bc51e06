"""Team size profiles: where concentrating members pays, start from the best profile.

On diversity problems (every pair gain >= 0, every group one member: MDGPLIB ``ds``) a
team's pair total grows about with the square of its size, so the best answers fill some
teams to their maximum and leave the rest at their minimum; ``concentrated_profile`` finds
that profile and ``reshape`` moves an assignment onto it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from clnmatch.search.grouping import Grouping, Model
from clnmatch.search.state import apply_move, move_ok, new_state

__all__ = ["concentrated_profile", "reshape"]

IntArray = NDArray[np.int64]


def _one_unit_each(m: Model) -> bool:
    """Every group is one unit (no together pairs merged anything)."""
    return bool((np.diff(m.rules.start) == 1).all())


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
        or m.obj.theme.shape[1] > 0
        or m.obj.simd != 0
        or not (m.weight == 1).all()
        or not _one_unit_each(m)
        or int(m.obj.pair.min()) < 0
        or int(m.obj.pair.max()) == 0
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
            if move_ok(m, st, g, b):
                apply_move(m, st, g, b)
                break
        else:
            break
    return st.team.copy()
