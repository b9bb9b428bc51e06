"""The CP-SAT backend of the rule table: each shape as constraints on ``x[u][t]``.

Used by the one CP-SAT model of a problem (``clnmatch.cpmodel.build_model``), which the
``cpsat`` strategy, column generation's first assignment, rematch and the LNS all solve.
Forms, and why:

* ``SumBound``: a linear range per team (a clause when it only asks for one unit);
* ``MinDistinct``: an indicator Boolean per (team, label), true only if a unit of the
  label is in the team, and at least ``minimum`` of them per team;
* ``MaxShare``: ``den * count_l(t) <= num * n(t)`` with one unit-count variable n(t) per
  team: exactly evaluate's floor ``count_l <= floor(num * n / den)``;
* ``Lock``: pins and forbids as fixed cells (or, guarded, a conjunction per unit),
  together as equal cells, apart as a clause per team;
* ``ThemeCap``: at most ``cap`` teams per focus theme.

With a guarded model every constraint hangs on its rule's assumption literal, so CP-SAT's
infeasibility core names rules. ``add_focus_aggregates`` adds, per focus theme, each team
rule summed over the teams of that focus (valid for every assignment; they make the LP
see that a theme's units must fill whole teams, the source of most of the focus gap).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.rules.spec import NO_LIMIT, CompiledRules, DistinctRule, ShareRule

__all__ = ["ModelBuilder", "add_focus_aggregates", "add_rules"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class ModelBuilder(Protocol):
    """What the rule constraints need of the model being built (``clnmatch.cpmodel``)."""

    m: cp_model.CpModel
    x: list[list[cp_model.IntVar]]  # x[u][t]
    y: list[list[cp_model.IntVar]] | None  # y[t][k]
    possible: BoolArray  # (U, T) cells not fixed to 0
    guarded: bool
    aux: Any  # clnmatch.cpmodel.Auxiliaries: what a hint must set

    def enforce(self, ct: cp_model.Constraint, rule: str) -> None: ...


def _implied(rules: CompiledRules, rule: Any) -> bool:
    """A cap on a team's units that no team can exceed while the other SumBounds hold (at
    CLN scale, a facilitator's 10 establishments under 14 participants): not posted, as
    the redundant rows slowed CP-SAT's proofs (focus median 2.2 -> 4.3 s)."""
    if (rule.low > 0).any() or not (rule.amount == 1).all():
        return False
    most = rules.n_units
    for other in rules.sums:
        if other is not rule and (other.high < NO_LIMIT).all() and (other.amount >= 0).all():
            lightest = np.cumsum(np.sort(other.amount))
            most = min(most, int(np.searchsorted(lightest, other.high.max(), side="right")))
    return bool((rule.high >= most).all())


def _sum_bounds(b: ModelBuilder, rules: CompiledRules) -> None:
    """SumBound: per team, low <= sum amount * x <= high (a clause for 'at least one')."""
    x, n_units = b.x, rules.n_units
    posted = [rule for rule in rules.sums if not _implied(rules, rule)]
    for t in range(rules.n_teams):
        col = [x[u][t] for u in range(n_units)]
        for rule in posted:
            low, high = int(rule.low[t]), int(rule.high[t])
            if high >= NO_LIMIT and low == 1 and (rule.amount == 1).all():
                b.enforce(b.m.add_bool_or(col), rule.spec.name)
                continue
            total = cp_model.LinearExpr.weighted_sum(col, [int(a) for a in rule.amount])
            b.enforce(
                b.m.add_linear_constraint(total, low, min(high, sum(rule.amount))), rule.spec.name
            )


def _min_distinct(b: ModelBuilder, rules: CompiledRules, rule: DistinctRule) -> None:
    """MinDistinct: at least ``minimum`` labels per team, via indicator Booleans."""
    labels = rules.kinds[rule.kind].labels
    name = rule.spec.name
    groups = [(lab, labels == lab) for lab in np.unique(labels)]
    for t in range(rules.n_teams):
        indicators = []
        for lab, mask in groups:
            members = [b.x[u][t] for u in np.flatnonzero(mask & b.possible[:, t])]
            if not members:
                continue
            s = b.m.new_bool_var(f"{name}[{t},{lab}]")
            b.m.add_bool_or(members).only_enforce_if(s)  # s <= sum of the label's units
            indicators.append(s)
            b.aux.indicators.append((s, t, mask))
        b.enforce(b.m.add(cp_model.LinearExpr.sum(indicators) >= rule.minimum), name)


def _max_share(b: ModelBuilder, rules: CompiledRules, rule: ShareRule) -> None:
    """MaxShare: den * count_l(t) <= num * n(t), with the team's unit count n(t) once."""
    labels = rules.kinds[rule.kind].labels
    num, den = rule.share.numerator, rule.share.denominator
    for t in range(rules.n_teams):
        units = np.flatnonzero(b.possible[:, t])
        n_t = b.m.new_int_var(0, len(units), f"units[{t}]")
        b.m.add(n_t == cp_model.LinearExpr.sum([b.x[u][t] for u in units]))
        b.aux.counts.append((n_t, t))
        for a in np.unique(labels[units]):
            mine = units[labels[units] == a]
            expr = cp_model.LinearExpr.weighted_sum(
                [b.x[u][t] for u in mine] + [n_t], [den] * len(mine) + [-num]
            )
            b.enforce(b.m.add(expr <= 0), rule.spec.name)


def _locks(b: ModelBuilder, rules: CompiledRules) -> None:
    """Lock: guarded pins / forbids (unguarded ones are fixed cells), together, apart."""
    x, n_teams = b.x, rules.n_teams
    if rules.allowed is not None and b.guarded:
        for u in range(rules.n_units):
            banned = [x[u][t].Not() for t in np.flatnonzero(~rules.allowed[u])]
            if banned:  # a single allowed team is a pin, as evaluate names it
                name = "pin" if rules.allowed[u].sum() == 1 else "forbidden"
                b.enforce(b.m.add_bool_and(banned), name)
    for a, c in rules.together.tolist():
        for t in range(n_teams):
            b.enforce(b.m.add(x[a][t] == x[c][t]), "together")
    for a, c in rules.apart.tolist():
        for t in range(n_teams):
            b.enforce(b.m.add_bool_or([x[a][t].Not(), x[c][t].Not()]), "apart")


def _theme_cap(b: ModelBuilder, rules: CompiledRules) -> None:
    """ThemeCap: each team one focus; at most ``cap`` teams per theme."""
    if b.y is None:
        return
    for t in range(rules.n_teams):
        b.m.add_exactly_one(b.y[t])
    if rules.theme_cap is not None:
        for k in range(len(b.y[0]) if b.y else 0):
            used = cp_model.LinearExpr.sum([b.y[t][k] for t in range(rules.n_teams)])
            b.enforce(b.m.add(used <= rules.theme_cap), "max_teams_per_theme")


def add_rules(b: ModelBuilder, rules: CompiledRules) -> None:
    """Every rule of the table as constraints (cells outside ``possible`` are already 0)."""
    _sum_bounds(b, rules)
    for d in rules.distinct:
        _min_distinct(b, rules, d)
    for h in rules.shares:
        _max_share(b, rules, h)
    _locks(b, rules)
    _theme_cap(b, rules)


def add_focus_aggregates(
    b: ModelBuilder, rules: CompiledRules, v: list[list[cp_model.IntVar]], k: int
) -> None:
    """Each team rule summed over the teams whose focus is theme k (``v[u][k]``: unit u's
    team has focus k; ``y[t][k]``: team t has focus k)."""
    assert b.y is not None
    n_teams, units = rules.n_teams, range(rules.n_units)
    yk = [b.y[t][k] for t in range(n_teams)]
    vk = [v[u][k] for u in units]
    n_k = cp_model.LinearExpr.sum(yk)
    for rule in reversed(rules.sums):  # (participants first: the order the model was tuned in)
        if _implied(rules, rule):
            continue
        amount = [int(a) for a in rule.amount]
        total = cp_model.LinearExpr.weighted_sum(vk, amount)
        if (rule.high < NO_LIMIT).all():
            b.m.add(total <= cp_model.LinearExpr.weighted_sum(yk, [int(c) for c in rule.high]))
        b.m.add(total >= cp_model.LinearExpr.weighted_sum(yk, [int(c) for c in rule.low]))
    for h in rules.shares:
        labels = rules.kinds[h.kind].labels
        num, den = h.share.numerator, h.share.denominator
        for a in np.unique(labels):
            mine = labels == a
            coefs = [den - num if mine[u] else -num for u in units]
            b.m.add(cp_model.LinearExpr.weighted_sum(vk, coefs) <= 0)
    for d in rules.distinct:
        # every team of focus k holds >= minimum labels; label l is in at most
        # min(its units at k, teams at k) of them
        labels = rules.kinds[d.kind].labels
        spreads = []
        for lab in np.unique(labels):
            mask = labels == lab
            r = b.m.new_int_var(0, min(int(mask.sum()), n_teams), f"spread[{lab},{k}]")
            b.m.add(r <= cp_model.LinearExpr.sum([v[u][k] for u in np.flatnonzero(mask)]))
            b.m.add(r <= n_k)
            spreads.append(r)
            b.aux.spread.append((r, mask, k))
        b.m.add(cp_model.LinearExpr.sum(spreads) >= d.minimum * n_k)
