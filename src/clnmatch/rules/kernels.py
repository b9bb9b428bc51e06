"""The numba backend of the rule table: rule checks on team totals, one function per shape.

``RuleKernel`` is the compiled table over *groups* (units joined by ``together`` pairs
move as one) and teams. A team is described by its column of sums ``sums[s, i]`` (one row
per SumBound) and its row of label counts ``labels[i, l]`` (the labels of every label kind,
side by side); the local search keeps one column / row per team, the pricing one per depth
of its branch and bound. Every function reads a team's totals; none knows what a sector
or an authority is.

Violation measure (what repair and the pricing heuristic minimise; 0 exactly when every
rule holds): per team, each SumBound's excess or shortfall times its penalty, each
MinDistinct's missing labels, each MaxShare's units above the cap; per group, a lock
penalty per pin / forbid / apart breach.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from clnmatch.jit import inline, kernel
from clnmatch.rules.spec import CompiledRules

__all__ = [
    "LOCK_PENALTY",
    "RuleKernel",
    "add_group",
    "compile_kernel",
    "distinct_count",
    "lock_breach",
    "move_ok",
    "share_excess",
    "sums_can_join",
    "sums_can_leave",
    "sums_fit_swap",
    "swap_ok",
    "swaps_need_no_rule_check",
    "team_violation",
    "total_violation",
    "violation_after",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
LOCK_PENALTY = 2  # violation of one pin / forbid / apart breach
_NONE: Any = np.int64(-1)
_PLUS: Any = np.int64(1)
_MINUS: Any = np.int64(-1)


class RuleKernel(NamedTuple):
    """The rule table of one problem over G groups and T teams (kernels read, never write)."""

    amount: IntArray  # (S, G) each group's amount for each SumBound
    low: IntArray  # (S, T)
    high: IntArray  # (S, T)
    penalty: IntArray  # (S,)
    start: IntArray  # (G+1,) CSR offsets of each group's units in ``members``
    members: IntArray  # (U,) unit indices, grouped
    unit_label: IntArray  # (K, U) each unit's label of each kind, offset into a label row
    n_labels: int  # length of a label row (every kind's labels side by side)
    kind_start: IntArray  # (K+1,) offsets of each kind's labels in a label row
    distinct_kind: IntArray  # (D,) MinDistinct: label kind
    distinct_min: IntArray  # (D,) MinDistinct: minimum
    share_kind: IntArray  # (H,) MaxShare: label kind
    share_num: IntArray  # (H,)
    share_den: IntArray  # (H,)
    share_of: IntArray  # (H,) the SumBound whose total is the team's unit count
    allowed: BoolArray  # (G, T) False where a pin or forbid excludes the team
    apart_start: IntArray  # (G+1,) CSR offsets into ``apart``
    apart: IntArray  # groups that must not share a team with the group


def compile_kernel(
    rules: CompiledRules,
    unit_group: IntArray,
    n_groups: int,
    teams: IntArray | None = None,
    units: IntArray | None = None,
    extra_apart: IntArray | None = None,
) -> RuleKernel:
    """``rules`` over groups (``unit_group[u]``: group of unit u) and a subset of teams.

    ``units`` restricts to some units (their local indices are their positions in
    ``units``; ``unit_group`` then maps those positions), ``teams`` to some teams (the
    pricing of one team class), ``extra_apart`` adds apart pairs of local indices (branching
    rules). Allowed cells of a group are the AND over its units; apart pairs inside one
    group are left out (the caller reports them as an obstacle).
    """
    if units is None:
        units = np.arange(rules.n_units, dtype=np.int64)
    if teams is None:
        teams = np.arange(rules.n_teams, dtype=np.int64)
    local = np.full(rules.n_units, -1, dtype=np.int64)
    local[units] = np.arange(len(units))
    order = np.argsort(unit_group, kind="stable").astype(np.int64)
    count = np.bincount(unit_group, minlength=n_groups).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)

    amount = np.zeros((len(rules.sums), n_groups), dtype=np.int64)
    for s, rule in enumerate(rules.sums):
        np.add.at(amount[s], unit_group, rule.amount[units])
    low = np.array([rule.low[teams] for rule in rules.sums], dtype=np.int64)
    high = np.array([rule.high[teams] for rule in rules.sums], dtype=np.int64)
    penalty = np.array([rule.spec.penalty for rule in rules.sums], dtype=np.int64)

    sizes = [kind.n_labels for kind in rules.kinds]
    kind_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    unit_label = np.zeros((len(rules.kinds), len(units)), dtype=np.int64)
    for k, kind in enumerate(rules.kinds):
        unit_label[k] = kind.labels[units] + kind_start[k]

    allowed = np.ones((n_groups, len(teams)), dtype=bool)
    if rules.allowed is not None:
        np.logical_and.at(allowed, unit_group, rules.allowed[np.ix_(units, teams)])

    pairs = rules.apart[(local[rules.apart] >= 0).all(axis=1)] if len(rules.apart) else rules.apart
    local_pairs = local[pairs].reshape(-1, 2)
    if extra_apart is not None:
        local_pairs = np.vstack(
            [local_pairs, np.asarray(extra_apart, dtype=np.int64).reshape(-1, 2)]
        )
    apart_rows = unit_group[local_pairs].reshape(-1, 2)
    apart_rows = apart_rows[apart_rows[:, 0] != apart_rows[:, 1]]
    both = np.unique(np.concatenate([apart_rows, apart_rows[:, ::-1]]), axis=0)
    apart = both[:, 1].astype(np.int64) if both.size else np.zeros(0, dtype=np.int64)
    apart_count = (
        np.bincount(both[:, 0], minlength=n_groups) if both.size else np.zeros(n_groups, int)
    )
    apart_start = np.concatenate([[0], np.cumsum(apart_count)]).astype(np.int64)

    def ints(values: list[int]) -> IntArray:
        return np.array(values, dtype=np.int64)

    return RuleKernel(
        amount=amount,
        low=low.reshape(len(rules.sums), len(teams)),
        high=high.reshape(len(rules.sums), len(teams)),
        penalty=penalty,
        start=start,
        members=order,
        unit_label=unit_label,
        n_labels=int(kind_start[-1]),
        kind_start=kind_start,
        distinct_kind=ints([d.kind for d in rules.distinct]),
        distinct_min=ints([d.minimum for d in rules.distinct]),
        share_kind=ints([h.kind for h in rules.shares]),
        share_num=ints([h.share.numerator for h in rules.shares]),
        share_den=ints([h.share.denominator for h in rules.shares]),
        share_of=ints([h.of for h in rules.shares]),
        allowed=allowed,
        apart_start=apart_start,
        apart=np.ascontiguousarray(apart),
    )


# --------------------------------------------------------------------------- team totals
@inline
def add_group(r: RuleKernel, sums: Any, labels: Any, g: int, i: int, sign: int) -> None:
    """Add (+1) or remove (-1) group g's amounts and labels to team column / row i."""
    for s in range(r.amount.shape[0]):
        sums[s, i] += sign * r.amount[s, g]
    for x in range(r.start[g], r.start[g + 1]):
        u = r.members[x]
        for k in range(r.unit_label.shape[0]):
            labels[i, r.unit_label[k, u]] += sign


@inline
def distinct_count(r: RuleKernel, labels: Any, i: int, kind: int) -> int:
    """MinDistinct: labels of ``kind`` present in team row i."""
    n = 0
    for x in range(r.kind_start[kind], r.kind_start[kind + 1]):
        if labels[i, x] > 0:
            n += 1
    return n


@inline
def share_excess(r: RuleKernel, sums: Any, labels: Any, i: int, h: int) -> int:
    """MaxShare: units above floor(share * n) over the labels of team row i."""
    cap = (r.share_num[h] * sums[r.share_of[h], i]) // r.share_den[h]
    v = 0
    kind = r.share_kind[h]
    for x in range(r.kind_start[kind], r.kind_start[kind + 1]):
        if labels[i, x] > cap:
            v += labels[i, x] - cap
    return v


@kernel
def team_violation(r: RuleKernel, sums: Any, labels: Any, i: int, t: int) -> int:
    """Violation of team t's rules by the totals in column / row i (0: every rule holds)."""
    v = 0
    for s in range(r.amount.shape[0]):
        x = sums[s, i]
        if x > r.high[s, t]:
            v += (x - r.high[s, t]) * r.penalty[s]
        elif x < r.low[s, t]:
            v += (r.low[s, t] - x) * r.penalty[s]
    for d in range(r.distinct_kind.shape[0]):
        n = distinct_count(r, labels, i, r.distinct_kind[d])
        if n < r.distinct_min[d]:
            v += r.distinct_min[d] - n
    for h in range(r.share_kind.shape[0]):
        v += share_excess(r, sums, labels, i, h)
    return v


@kernel
def violation_after(r: RuleKernel, sums: Any, labels: Any, t: int, out_g: int, in_g: int) -> int:
    """Team t's violation if group out_g left it and group in_g joined it (-1: none)."""
    if out_g >= 0:
        add_group(r, sums, labels, out_g, t, _MINUS)
    if in_g >= 0:
        add_group(r, sums, labels, in_g, t, _PLUS)
    v = team_violation(r, sums, labels, t, t)
    if out_g >= 0:  # undo the trial
        add_group(r, sums, labels, out_g, t, _PLUS)
    if in_g >= 0:
        add_group(r, sums, labels, in_g, t, _MINUS)
    return v


@kernel
def lock_breach(r: RuleKernel, team: Any, g: int, t: int, other: int, other_team: int) -> int:
    """Lock breaches of group g placed in team t (group ``other`` taken to be in other_team)."""
    v = 0 if r.allowed[g, t] else LOCK_PENALTY
    for x in range(r.apart_start[g], r.apart_start[g + 1]):
        h = r.apart[x]
        th = other_team if h == other else team[h]
        if th == t:
            v += LOCK_PENALTY
    return v


@kernel
def total_violation(r: RuleKernel, team: Any, sums: Any, labels: Any) -> int:
    """The whole measure: 0 exactly when the assignment breaks no rule of the kernel."""
    v = 0
    for t in range(sums.shape[1]):
        v += team_violation(r, sums, labels, t, t)
    for g in range(team.shape[0]):
        t = team[g]
        if not r.allowed[g, t]:
            v += LOCK_PENALTY
        for x in range(r.apart_start[g], r.apart_start[g + 1]):
            h = r.apart[x]
            if h > g and team[h] == t:
                v += LOCK_PENALTY
    return v


# --------------------------------------------------------------------------- moves
@inline
def sums_can_leave(r: RuleKernel, sums: Any, g: int, a: int) -> bool:
    """Team a stays within every SumBound's low when group g leaves it."""
    for s in range(r.amount.shape[0]):  # noqa: SIM110 (numba: no generator expressions)
        if sums[s, a] - r.amount[s, g] < r.low[s, a]:
            return False
    return True


@inline
def sums_can_join(r: RuleKernel, sums: Any, g: int, b: int) -> bool:
    """Team b stays within every SumBound's high when group g joins it."""
    for s in range(r.amount.shape[0]):  # noqa: SIM110 (numba: no generator expressions)
        if sums[s, b] + r.amount[s, g] > r.high[s, b]:
            return False
    return True


@inline
def sums_fit_swap(r: RuleKernel, sums: Any, g: int, h: int, a: int, b: int) -> bool:
    """Swapping g (team a) and h (team b) keeps both teams within every SumBound."""
    for s in range(r.amount.shape[0]):
        d = r.amount[s, h] - r.amount[s, g]
        if d != 0:
            x = sums[s, a] + d
            y = sums[s, b] - d
            if x < r.low[s, a] or x > r.high[s, a] or y < r.low[s, b] or y > r.high[s, b]:
                return False
    return True


@inline
def swaps_need_no_rule_check(r: RuleKernel) -> bool:
    """No label rule and no apart pair: a swap that fits the sums keeps every rule but pins
    and forbids (checked through ``allowed``)."""
    return r.distinct_kind.shape[0] == 0 and r.share_kind.shape[0] == 0 and r.apart.shape[0] == 0


@kernel
def move_ok(r: RuleKernel, team: Any, sums: Any, labels: Any, g: int, b: int) -> bool:
    """Moving group g to team b keeps a rule-abiding state rule-abiding."""
    a = team[g]
    if not r.allowed[g, b]:
        return False
    if not sums_can_leave(r, sums, g, a) or not sums_can_join(r, sums, g, b):
        return False
    for x in range(r.apart_start[g], r.apart_start[g + 1]):
        if team[r.apart[x]] == b:
            return False
    if r.distinct_kind.shape[0] == 0 and r.share_kind.shape[0] == 0:
        return True
    return (
        violation_after(r, sums, labels, a, g, _NONE) == 0
        and violation_after(r, sums, labels, b, _NONE, g) == 0
    )


@kernel
def swap_ok(r: RuleKernel, team: Any, sums: Any, labels: Any, g: int, h: int) -> bool:
    """Swapping groups g and h (in different teams) keeps the state rule-abiding."""
    a = team[g]
    b = team[h]
    if not r.allowed[g, b] or not r.allowed[h, a]:
        return False
    if not sums_fit_swap(r, sums, g, h, a, b):
        return False
    for x in range(r.apart_start[g], r.apart_start[g + 1]):
        y = r.apart[x]
        if y != h and team[y] == b:
            return False
    for x in range(r.apart_start[h], r.apart_start[h + 1]):
        y = r.apart[x]
        if y != g and team[y] == a:
            return False
    if r.distinct_kind.shape[0] == 0 and r.share_kind.shape[0] == 0:
        return True
    return (
        violation_after(r, sums, labels, a, g, h) == 0
        and violation_after(r, sums, labels, b, h, g) == 0
    )
