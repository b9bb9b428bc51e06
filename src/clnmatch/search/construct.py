"""Greedy construction: place groups one by one where the rules suffer least.

Groups go hardest first (fewest allowed teams, then the most common label of a share
rule, the rarest label of a mix rule, the heaviest; random among equals). Each goes to the
allowed team, clear of its apart partners, where the rule table's violation measure of
the partial assignment (``clnmatch.rules.kernels``) drops most: a team below its lows or
missing labels "needs" the group, a full team or a crowded label does not. Ties go to the
largest objective gain per participant, then to the seeded generator. Whatever rule the
construction still breaks, ``clnmatch.search.repair`` repairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import kernel
from clnmatch.rules.kernels import add_group, team_violation, violation_after
from clnmatch.rules.spec import compile_rules
from clnmatch.search.grouping import Grouping, Model
from clnmatch.search.rng import random, seed_array

__all__ = ["construct", "hardest_first"]

IntArray = NDArray[np.int64]
_NONE: Any = np.int64(-1)
_PLUS: Any = np.int64(1)


def hardest_first(grouping: Grouping, rng: np.random.Generator) -> IntArray:
    """Groups in the order they are placed: the hardest to place first."""
    m = grouping.model
    r = m.rules
    n_groups = grouping.n_groups
    first_unit = r.members[r.start[:-1]]
    keys: list[Any] = [rng.random(n_groups), -m.weight]
    compiled = compile_rules(grouping.problem)
    for d in compiled.distinct:  # a rare label first: every team needs one
        labels = compiled.kinds[d.kind].labels
        keys.append(np.bincount(labels)[labels][first_unit])
    for h in compiled.shares:  # the largest label first: it needs the most teams
        labels = compiled.kinds[h.kind].labels
        keys.append(-np.bincount(labels)[labels][first_unit])
    keys.append(r.allowed.sum(axis=1))  # pinned first
    return np.lexsort(keys).astype(np.int64)


@kernel
def _place_all(
    m: Model,
    order: Any,
    team: Any,
    sums: Any,
    labels: Any,
    gain: Any,
    theme_sum: Any,
    rs: Any,
) -> None:
    """Place every group of ``order`` (``team`` holds -1 for unplaced groups)."""
    r = m.rules
    o = m.obj
    n_teams = sums.shape[1]
    n_groups = team.shape[0]
    n_themes = o.theme.shape[1]
    for g in order:
        best_t = -1
        best_v = 0
        best_s = 0.0
        for t in range(n_teams):
            if not r.allowed[g, t]:
                continue
            blocked = False
            for x in range(r.apart_start[g], r.apart_start[g + 1]):
                if team[r.apart[x]] == t:
                    blocked = True
            if blocked:
                continue
            dv = violation_after(r, sums, labels, t, _NONE, g) - team_violation(
                r, sums, labels, t, t
            )
            gain_t = float(gain[t, g])
            if n_themes:
                before = theme_sum[t, 0]
                after = theme_sum[t, 0] + o.theme[g, 0]
                for k in range(1, n_themes):
                    before = max(before, theme_sum[t, k])
                    after = max(after, theme_sum[t, k] + o.theme[g, k])
                gain_t += after - before
            score = gain_t / max(1, m.weight[g]) + 1e-6 * random(rs)
            if best_t < 0 or dv < best_v or (dv == best_v and score > best_s):
                best_t, best_v, best_s = t, dv, score
        if best_t < 0:  # locks leave no team: the least loaded, repair decides
            best_t = 0
            for t in range(1, n_teams):
                if sums[m.size, t] < sums[m.size, best_t]:
                    best_t = t
        team[g] = best_t
        add_group(r, sums, labels, g, best_t, _PLUS)
        for h in range(n_groups):
            gain[best_t, h] += o.pair[g, h]
        for k in range(n_themes):
            theme_sum[best_t, k] += o.theme[g, k]


def construct(grouping: Grouping, rng: np.random.Generator) -> IntArray:
    """A group assignment built greedily; it may still break rules (repair follows)."""
    m = grouping.model
    n_groups, n_teams = grouping.n_groups, len(m.team_min)
    team = np.full(n_groups, -1, dtype=np.int64)
    order = hardest_first(grouping, rng)
    _place_all(
        m,
        order,
        team,
        np.zeros((m.rules.amount.shape[0], n_teams), dtype=np.int64),
        np.zeros((n_teams, m.rules.n_labels), dtype=np.int64),
        np.zeros((n_teams, n_groups), dtype=np.int64),
        np.zeros((n_teams, m.obj.theme.shape[1]), dtype=np.int64),
        seed_array(rng),
    )
    return team
