"""The numpy backend of the rule table: every breach of a unit assignment, with its numbers.

``rule_breaches`` walks the compiled table (``clnmatch.rules.spec``) shape by shape; it
is what ``clnmatch.evaluate.evaluate`` reports. Each shape is checked by one function
here: ``sum_breaches``, ``distinct_breaches``, ``share_breaches``, ``lock_breaches``,
``theme_cap_breaches``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from numpy.typing import NDArray

from clnmatch.rules.breach import Breach
from clnmatch.rules.spec import CompiledRules, DistinctRule, LabelKind, ShareRule, SumBound

__all__ = [
    "distinct_breaches",
    "lock_breaches",
    "rule_breaches",
    "share_breaches",
    "sum_breaches",
    "team_breaches",
    "theme_cap_breaches",
]

IntArray = NDArray[np.int64]


def sum_breaches(
    spec: SumBound, totals: IntArray, low: IntArray, high: IntArray, teams: IntArray
) -> list[Breach]:
    """SumBound: teams (0-based, among ``teams``) whose total lies outside [low, high]."""
    out = []
    for t in teams.tolist():
        value, lo, hi = int(totals[t]), int(low[t]), int(high[t])
        if not lo <= value <= hi:
            out.append(
                Breach(
                    spec.name,
                    spec.message(t + 1, value, lo, hi),
                    team=t + 1,
                    actual=value,
                    limit=lo if value < lo else hi,
                )
            )
    return out


def distinct_breaches(
    rule: DistinctRule, kind: LabelKind, members: IntArray, team: int
) -> list[Breach]:
    """MinDistinct: team ``team`` (0-based) of units ``members`` holds too few labels."""
    present = np.unique(kind.labels[members])
    if len(present) >= rule.minimum:
        return []
    names = ", ".join(kind.names[s] for s in present)
    return [
        Breach(
            rule.spec.name,
            rule.spec.message(team + 1, len(present), names, rule.minimum),
            team=team + 1,
            actual=len(present),
            limit=rule.minimum,
        )
    ]


def share_breaches(rule: ShareRule, kind: LabelKind, members: IntArray, team: int) -> list[Breach]:
    """MaxShare: labels holding more than floor(share * n) of the team's n units."""
    n = len(members)
    cap = rule.cap(n)
    counts = np.bincount(kind.labels[members], minlength=kind.n_labels)
    out = []
    for a in np.flatnonzero(counts > cap):
        out.append(
            Breach(
                rule.spec.name,
                rule.spec.message(team + 1, kind.names[a], int(counts[a]), n, cap, rule.share),
                team=team + 1,
                actual=int(counts[a]),
                limit=cap,
                subject=kind.names[a],
            )
        )
    return out


def lock_breaches(rules: CompiledRules, unit_team: IntArray) -> list[Breach]:
    """Locks: pins and forbids (units outside their allowed teams), together, apart."""
    out: list[Breach] = []
    ids, n_teams = rules.unit_ids, rules.n_teams
    if rules.allowed is not None:
        pins = rules.unit_pin if rules.unit_pin is not None else np.full(rules.n_units, -1)
        for u in range(rules.n_units):
            t = int(unit_team[u])
            if not 0 <= t < n_teams or rules.allowed[u, t]:
                continue
            if pins[u] >= 0 and pins[u] != t:
                pin = int(pins[u]) + 1
                message = f"{ids[u]} is pinned to team {pin} but is in team {t + 1}"
                out.append(
                    Breach("pin", message, team=t + 1, subject=ids[u], actual=t + 1, limit=pin)
                )
            else:
                message = f"{ids[u]} may not join team {t + 1}"
                out.append(Breach("forbidden", message, team=t + 1, subject=ids[u]))
    for a, b in rules.together.tolist():
        if unit_team[a] != unit_team[b]:
            message = (
                f"{ids[a]} (team {unit_team[a] + 1}) and {ids[b]} (team {unit_team[b] + 1}) "
                "must share a team"
            )
            out.append(Breach("together", message, subject=f"{ids[a]}+{ids[b]}"))
    for a, b in rules.apart.tolist():
        if unit_team[a] == unit_team[b]:
            team = int(unit_team[a]) + 1
            message = f"{ids[a]} and {ids[b]} must be apart but share team {team}"
            out.append(Breach("apart", message, team=team, subject=f"{ids[a]}+{ids[b]}"))
    return out


def theme_cap_breaches(rules: CompiledRules, focus: IntArray) -> list[Breach]:
    """ThemeCap: a focus theme chosen by more than ``cap`` teams."""
    cap = rules.theme_cap
    if cap is None:
        return []
    out = []
    for k, n in Counter(int(k) for k in focus if k >= 0).items():
        if n > cap:
            message = f"theme {rules.theme_names[k]!r} is the focus of {n} teams; at most {cap}"
            out.append(
                Breach(
                    "max_teams_per_theme",
                    message,
                    actual=n,
                    limit=cap,
                    subject=rules.theme_names[k],
                )
            )
    return out


def team_breaches(
    rules: CompiledRules, team: int, members: IntArray, totals: list[IntArray]
) -> list[Breach]:
    """The breaches of one team (0-based) of units ``members``; ``totals[s][team]`` is its
    total of SumBound ``s``. In table order; a broken gating rule hides the team's others.
    (``clnmatch.explain`` asks this of the two teams a move changes.)"""
    out: list[Breach] = []
    for s, rule in enumerate(rules.sums):
        broken = sum_breaches(rule.spec, totals[s], rule.low, rule.high, np.array([team]))
        out.extend(broken)
        if broken and rule.spec.gates_team:
            return out
    for d in rules.distinct:
        out.extend(distinct_breaches(d, rules.kinds[d.kind], members, team))
    for h in rules.shares:
        out.extend(share_breaches(h, rules.kinds[h.kind], members, team))
    return out


def rule_breaches(rules: CompiledRules, unit_team: IntArray, focus: IntArray) -> list[Breach]:
    """Every breach of the table by ``unit_team`` (0-based teams, all in range) and ``focus``.

    Per team in table order (a broken gating rule, e.g. an empty team, hides the team's
    other rules), then the locks, then the theme cap.
    """
    out: list[Breach] = []
    n_teams = rules.n_teams
    placed = (unit_team >= 0) & (unit_team < n_teams)  # units outside 1..T count nowhere
    totals = [
        np.rint(np.bincount(unit_team[placed], weights=s.amount[placed], minlength=n_teams)).astype(
            np.int64
        )
        for s in rules.sums
    ]
    for t in range(n_teams):
        out.extend(team_breaches(rules, t, np.flatnonzero(unit_team == t), totals))
    out.extend(lock_breaches(rules, unit_team))
    out.extend(theme_cap_breaches(rules, focus))
    return out
