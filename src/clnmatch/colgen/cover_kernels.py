"""The compiled cover search: every assignment of a node made of its listed teams that
can beat the incumbent (``colgen.cover`` builds its arrays and says why it is exact).

A depth-first search over exact covers of the units by listed teams: each level covers
the uncovered unit with the fewest teams that still fit (disjoint from the teams chosen,
room in their class and focus theme, and within what is left of the slack), trying
them cheapest first. A partial cover's cost is its teams' deficits plus the prices its
cuts and themes can no longer earn (a cut whose units are placed without filling it, a
theme's places the teams left cannot take): the Lagrangian proof, term by term.

The search is resumable: its state lives in arrays (``CoverState``), so the caller runs
it in slices of a node budget and checks the clock in between.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import inline, kernel

__all__ = ["DONE", "NEXT", "PAUSED", "SELECT", "Cover", "CoverState", "search_cover"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
WordArray = NDArray[np.uint64]
DONE, PAUSED = 0, 1
SELECT, NEXT = 0, 1  # phases: choose the next unit to cover / try the next team for it
# st fields
PHASE, DEPTH, NODES, SCANS, BEST_LEN, BEST_VALUE = 0, 1, 2, 3, 4, 5
_ONE: Any = np.uint64(1)


class Cover(NamedTuple):
    """The node's listed teams and prices, as the search reads them."""

    bits: WordArray  # (teams, words) each team's units, 64 a word
    cls: IntArray  # (teams,)
    theme: IntArray  # (teams,) focus theme, -1 without
    deficit: FloatArray  # (teams,) D_g - d_t >= 0: what the team costs the bound
    value: IntArray  # (teams,) milli-points
    cand_start: IntArray  # (units + 1,) CSR: the teams holding each unit, cheapest first
    cand: IntArray
    order: IntArray  # (units,) units in the order their candidates are counted
    class_n: IntArray  # (classes,) teams each class has
    cap: int  # teams a theme may focus at most (-1: no cap)
    rho: FloatArray  # (themes,) the cap rows' prices (>= 0)
    theme_order: IntArray  # themes, highest price first
    team_units_start: IntArray  # (teams + 1,) CSR: each team's units
    team_units: IntArray
    team_cuts_start: IntArray  # (teams + 1,) CSR: the cuts a team enters, its coefficient
    team_cuts: IntArray
    team_coef: IntArray
    unit_cuts_start: IntArray  # (units + 1,) CSR: the cuts holding each unit
    unit_cuts: IntArray
    sigma: FloatArray  # (cuts,) the cuts' prices (>= 0)
    divisor: IntArray  # (cuts,)
    rhs: IntArray  # (cuts,) floor(|S| / k)
    part: int  # the first level takes every parts-th team from the part-th (a share)
    parts: int


class CoverState(NamedTuple):
    """The resumable state (depth = teams + 1 rows)."""

    st: IntArray  # [phase, depth, nodes, candidate scans, best length, best value]
    slack: FloatArray  # [what a cover may cost and still beat the best found]
    unit: IntArray  # (depth,) the unit each level covers
    pos: IntArray  # (depth,) the next candidate each level tries
    team: IntArray  # (depth,) the team each level chose (-1: none)
    best_team: IntArray  # (depth,) the best cover found
    covered: WordArray  # (words,)
    class_count: IntArray  # (classes,) teams chosen of each class
    theme_count: IntArray  # (themes,)
    used: IntArray  # (cuts,) sum of the chosen teams' coefficients
    left: IntArray  # (cuts,) the cut's units not yet covered
    cost: FloatArray  # (depth,) deficits of the chosen teams
    lost: FloatArray  # (depth,) cut prices they can no longer earn
    total: IntArray  # (depth,) their values


@inline
def _cut_lost(c: Cover, s: CoverState, q: int) -> float:
    """What cut q can no longer earn: its rhs less what it has and can still get."""
    short = c.rhs[q] - s.used[q] - s.left[q] // c.divisor[q]
    return c.sigma[q] * short if short > 0 else 0.0


@inline
def _theme_lost(c: Cover, s: CoverState, teams_left: int) -> float:
    """What the cap rows can no longer earn: their empty places less those the teams left
    can fill, the dearest first."""
    if c.cap < 0:
        return 0.0
    lost = 0.0
    for i in range(c.theme_order.shape[0]):
        k = c.theme_order[i]
        room = c.cap - s.theme_count[k]
        if room <= 0:
            continue
        take = min(room, teams_left)
        teams_left -= take
        lost += c.rho[k] * (room - take)
    return lost


@inline
def _fits(c: Cover, s: CoverState, t: int) -> bool:
    for w in range(c.bits.shape[1]):
        if s.covered[w] & c.bits[t, w]:
            return False
    if s.class_count[c.cls[t]] >= c.class_n[c.cls[t]]:
        return False
    return not (c.cap >= 0 and c.theme[t] >= 0 and s.theme_count[c.theme[t]] >= c.cap)


@inline
def _toggle(c: Cover, s: CoverState, t: int, sign: int) -> float:
    """Add (sign 1) or remove (-1) team t; the change of the cut prices lost."""
    for w in range(c.bits.shape[1]):
        s.covered[w] ^= c.bits[t, w]
    s.class_count[c.cls[t]] += sign
    if c.theme[t] >= 0 and s.theme_count.shape[0] > 0:
        s.theme_count[c.theme[t]] += sign
    delta = 0.0
    for p in range(c.team_units_start[t], c.team_units_start[t + 1]):
        u = c.team_units[p]
        for r in range(c.unit_cuts_start[u], c.unit_cuts_start[u + 1]):
            q = c.unit_cuts[r]
            delta -= _cut_lost(c, s, q)
            s.left[q] -= sign
            delta += _cut_lost(c, s, q)
    for p in range(c.team_cuts_start[t], c.team_cuts_start[t + 1]):
        q = c.team_cuts[p]
        delta -= _cut_lost(c, s, q)
        s.used[q] += sign * c.team_coef[p]
        delta += _cut_lost(c, s, q)
    return delta


@inline
def _is_covered(s: CoverState, v: int) -> bool:
    return bool((s.covered[v >> 6] >> np.uint64(v & 63)) & _ONE)


@kernel
def search_cover(c: Cover, s: CoverState, node_limit: int) -> int:
    """Run the search for at most ``node_limit`` more nodes; DONE or PAUSED."""
    n = c.order.shape[0]
    n_teams = 0
    for g in range(c.class_n.shape[0]):
        n_teams += c.class_n[g]
    nodes = 0
    while True:
        d = s.st[DEPTH]
        if s.st[PHASE] == SELECT:  # d teams chosen: the next unit to cover, or a leaf
            s.st[PHASE] = NEXT
            room = s.slack[0] - s.cost[d] - s.lost[d] - _theme_lost(c, s, n_teams - d)
            if room < 0:
                s.st[DEPTH] = d - 1
                continue
            nxt, fewest, least_any, dead = -1, 1 << 62, 0.0, False
            for i in range(n):
                v = c.order[i]
                if _is_covered(s, v):
                    continue
                cnt, least = 0, -1.0
                for p in range(c.cand_start[v], c.cand_start[v + 1]):
                    t = c.cand[p]
                    if c.deficit[t] > room:
                        break
                    s.st[SCANS] += 1
                    if not _fits(c, s, t):
                        continue
                    if least < 0:
                        least = c.deficit[t]
                    cnt += 1
                    if cnt >= fewest:
                        break
                if cnt == 0:
                    dead = True
                    break
                least_any = max(least_any, least)  # the unit's cheapest team is a must
                if cnt < fewest:
                    fewest, nxt = cnt, v
            if dead or least_any > room:
                s.st[DEPTH] = d - 1
            elif nxt < 0:  # every unit covered
                full = True
                for g in range(c.class_n.shape[0]):
                    full = full and s.class_count[g] == c.class_n[g]
                if full and s.total[d] > s.st[BEST_VALUE]:
                    s.slack[0] -= s.total[d] - s.st[BEST_VALUE]  # the next must beat this
                    s.st[BEST_VALUE] = s.total[d]
                    s.st[BEST_LEN] = d
                    for i in range(d):
                        s.best_team[i] = s.team[i]
                s.st[DEPTH] = d - 1
            else:
                s.unit[d] = nxt
                s.pos[d] = c.cand_start[nxt]
                s.team[d] = -1
            continue
        if d < 0:
            return DONE
        if s.team[d] >= 0:
            _toggle(c, s, s.team[d], -1)
            s.team[d] = -1
        if nodes >= node_limit:
            return PAUSED
        u = s.unit[d]
        limit = s.slack[0] - s.cost[d] - s.lost[d]
        chosen = -1
        while s.pos[d] < c.cand_start[u + 1]:
            p = s.pos[d]
            s.pos[d] = p + 1
            t = c.cand[p]
            if c.deficit[t] > limit:
                s.pos[d] = c.cand_start[u + 1]
                break
            # a share of the first level only: its unit is chosen before any cover is
            # found, so every part has the same list (deeper, each part's own best changes
            # which unit comes next)
            if d == 0 and (p - c.cand_start[u]) % c.parts != c.part:
                continue
            if _fits(c, s, t):
                chosen = t
                break
        if chosen < 0:
            s.st[DEPTH] = d - 1
            continue
        lost = _toggle(c, s, chosen, 1)
        s.team[d] = chosen
        s.cost[d + 1] = s.cost[d] + c.deficit[chosen]
        s.lost[d + 1] = s.lost[d] + lost
        s.total[d + 1] = s.total[d] + c.value[chosen]
        nodes += 1
        s.st[NODES] += 1
        s.st[DEPTH] = d + 1
        s.st[PHASE] = SELECT
