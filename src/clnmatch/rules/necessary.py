"""The counting backend of the rule table: necessary conditions, one set per shape.

Each check is *necessary*: when it fails, no assignment can meet the rules, and the
conflict says by how much and what to relax (naming the ``Rules`` parameter; the command
line shows its flag). ``diagnose`` runs them over the compiled table:

* ``SumBound``: bounds that cross, totals outside the teams' bounds, a unit heavier than
  a team may be, no group of units whose total falls in the bounds, and (against the
  unit count) units too few or too many to fill the teams;
* ``MinDistinct``: fewer labels in the cohort than a team needs; a team needs at least
  ``m - 1`` units outside any one label; a label of n units is in at most min(n, T) teams,
  so ``sum min(n_l, T) >= T * m``;
* ``MaxShare``: a team of k units holds at most ``floor(share * k)`` of one label; the
  most a label can place is the best sum of that over team sizes (a small dynamic
  programme, ``label_capacity``);
* ``Lock``: a unit with no team left, together-chains with no common team, too heavy or
  holding an apart pair or too much of one label, too much pinned into one team, and
  more units pairwise apart than teams;
* ``ThemeCap``: more teams than themes x teams per theme.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from clnmatch.diagnosis import Conflict
from clnmatch.models import Rules
from clnmatch.problem import Problem
from clnmatch.rules.spec import UNITS, CompiledRules, DistinctRule, ShareRule, SumBound
from clnmatch.wording import plural

__all__ = [
    "Counting",
    "distinct_conflicts",
    "label_capacity",
    "lock_conflicts",
    "share_conflicts",
    "sum_conflicts",
    "theme_cap_conflicts",
    "unit_count_bounds",
]

IntArray = NDArray[np.int64]
Finding = tuple[tuple[str, ...], str, float | None, float | None]  # rules, message, actual, limit


def round_up_share(value: Fraction) -> Fraction:
    """``value`` rounded up to 2 decimals, as a user would type it."""
    return Fraction(math.ceil(value * 100), 100)


def unit_count_bounds(
    weight: IntArray, team_min: IntArray, team_max: IntArray
) -> tuple[list[int], list[int]]:
    """Fewest and most units each team can hold, from its bounds on their ``weight``."""
    n_units, n_teams = len(weight), len(team_min)
    light = np.cumsum(np.sort(weight))
    heavy = np.cumsum(np.sort(weight)[::-1])
    kmin, kmax = [], []
    for t in range(n_teams):
        kmax.append(int(np.searchsorted(light, team_max[t], side="right")))
        if team_min[t] <= 0:
            kmin.append(1)
        else:
            reach = int(np.searchsorted(heavy, team_min[t], side="left")) + 1
            kmin.append(max(1, reach))  # n_units + 1 when even all cannot reach it
    # every team is non-empty and all units are placed: tighten once against the others
    lo_sum, hi_sum = sum(kmin), sum(kmax)
    tight_max = [min(kmax[t], n_units - (lo_sum - kmin[t])) for t in range(n_teams)]
    tight_min = [max(kmin[t], n_units - (hi_sum - kmax[t])) for t in range(n_teams)]
    return tight_min, tight_max


def label_capacity(
    n_units: int, kmin: Sequence[int], kmax: Sequence[int], cap: Callable[[int], int]
) -> tuple[int, list[int]] | None:
    """Most units of one label all teams can hold, and the team sizes achieving it.

    Team ``t`` holds ``kmin[t]..kmax[t]`` units, all ``n_units`` are placed, and a team
    of ``k`` units holds at most ``cap(k)`` of one label. None when no sizes fit.
    """
    n_teams = len(kmin)
    neg = -(10**15)
    caps = [cap(k) for k in range(n_units + 1)]
    best = np.full(n_units + 1, neg, dtype=np.int64)  # best[s]: most held with s units
    best[0] = 0
    choice: list[NDArray[np.int64]] = []
    for t in range(n_teams):
        nxt = np.full(n_units + 1, neg, dtype=np.int64)
        pick = np.full(n_units + 1, -1, dtype=np.int64)
        # largest k first: on a tie the team with fewer units before it keeps the pick
        for k in range(min(kmax[t], n_units), max(kmin[t], 0) - 1, -1):
            before = best[: n_units + 1 - k]
            value = np.where(before > neg, before + caps[k], neg)
            better = value > nxt[k:]
            nxt[k:][better] = value[better]
            pick[k:][better] = k
        best = nxt
        choice.append(pick)
    if best[n_units] == neg:
        return None
    sizes, s = [], n_units
    for t in reversed(range(n_teams)):
        k = int(choice[t][s])
        sizes.append(k)
        s -= k
    return int(best[n_units]), sizes[::-1]


@dataclass
class Counting:
    """What the counting checks read and the conflicts they find."""

    problem: Problem
    rules: CompiledRules
    settings: Rules | None  # the user's rules, for suggestions (None for research problems)
    label: Callable[[int], str]  # a unit as a person reads it
    kmin: list[int]
    kmax: list[int]
    conflicts: list[Conflict] = field(default_factory=list)
    suggest: bool = True  # False: only whether a conflict exists (a suggestion's check)

    def add(self, rules: tuple[str, ...], message: str, suggestion: str = "", **kw: object) -> None:
        self.conflicts.append(Conflict(rules=rules, message=message, suggestion=suggestion, **kw))  # type: ignore[arg-type]

    def bounds_for(
        self, tolerance: int | None = None, teams: int | None = None
    ) -> tuple[IntArray, IntArray, int]:
        """Participant bounds per team under changed settings (needs ``settings``)."""
        assert self.settings is not None
        update: dict[str, int] = {}
        if tolerance is not None:
            update["size_tolerance"] = tolerance
        if teams is not None:
            update["teams"] = teams
        rules = self.settings.model_copy(update=update)
        low, high = rules.size_bounds(self.problem.total_weight)
        n = rules.teams
        return np.full(n, low, dtype=np.int64), np.full(n, high, dtype=np.int64), n


# --------------------------------------------------------------------------- SumBound
def _one_sum(
    spec: SumBound, amount: IntArray, lows: list[int], highs: list[int], label: Callable[[int], str]
) -> list[Finding]:
    """The checks of one SumBound on its own."""
    n_teams, total = len(lows), int(amount.sum())
    name = spec.name
    crossed = [t for t in range(n_teams) if lows[t] > highs[t]]
    if crossed:
        t = crossed[0]
        message = (
            f"team sizes must lie in {lows[t]}..{highs[t]} {spec.noun}, an empty range "
            f"({total} {spec.noun} over {n_teams} teams is {total / n_teams:g} each)"
        )
        return [((name,), message, lows[t], highs[t])]
    out: list[Finding] = []
    if total < sum(lows):
        out.append(((name,), spec.shortage(total, n_teams, min(lows), sum(lows)), total, sum(lows)))
        if spec.amount == UNITS:
            return out
    if total > sum(highs):
        message = (
            f"the {total} {spec.noun} do not fit in {n_teams} teams of at most {max(highs)} "
            f"({sum(highs)} places)"
        )
        out.append(((name,), message, total, sum(highs)))
    heaviest = int(amount.max()) if len(amount) else 0
    if heaviest > max(highs):
        u = int(amount.argmax())
        message = (
            f"{label(u)} has {heaviest} nominees but a team may have at most {max(highs)} "
            f"{spec.noun}"
        )
        out.append(((name,), message, heaviest, max(highs)))
    if out:
        return out
    # subset sums: some group of units must have a team's total
    reach = 1
    for w in amount.tolist():
        reach |= reach << int(w)
    for low, high in sorted(set(zip(lows, highs, strict=True))):
        window = (reach >> low) & ((1 << (min(high, total) - low + 1)) - 1)
        if not window:
            counts = sorted(set(amount.tolist()))
            bounds = f"{low}" if low == high else f"{low}..{high}"
            nominees = (
                f"every establishment has {counts[0]} nominees"
                if len(counts) == 1
                else f"establishments have {', '.join(str(c) for c in counts)} nominees"
            )
            message = (
                f"no group of establishments has {bounds} {spec.noun}, as a team must ({nominees})"
            )
            return [((name,), message, None, None)]
    return out


def _against_units(
    spec: SumBound, amount: IntArray, lows: list[int], highs: list[int]
) -> list[Finding]:
    """A SumBound against the unit count: enough units to reach its lows, room for all."""
    n_units, n_teams = len(amount), len(lows)
    low_arr, high_arr = np.array(lows, dtype=np.int64), np.array(highs, dtype=np.int64)
    kmin, kmax = unit_count_bounds(amount, low_arr, high_arr)
    heavy = np.cumsum(np.sort(amount)[::-1])
    light = np.cumsum(np.sort(amount))
    raw_min = [max(1, int(np.searchsorted(heavy, lo) + 1)) if lo > 0 else 1 for lo in lows]
    raw_max = [int(np.searchsorted(light, hi, side="right")) for hi in highs]
    name = spec.name
    if sum(raw_min) > n_units:
        message = (
            f"each team needs at least {min(raw_min)} establishments to reach {min(lows)} "
            f"{spec.noun} ({sum(raw_min)} in all), but there are {n_units}"
        )
        return [((name,), message, n_units, sum(raw_min))]
    if sum(raw_max) < n_units:
        message = (
            f"a team holds at most {max(raw_max)} establishments within {max(highs)} "
            f"{spec.noun} ({sum(raw_max)} in all), but there are {n_units}"
        )
        return [((name,), message, n_units, sum(raw_max))]
    if any(lo > hi for lo, hi in zip(kmin, kmax, strict=True)):
        message = (
            f"the {n_units} establishments cannot be split into {n_teams} teams within the "
            f"{spec.noun} bounds"
        )
        return [((name,), message, None, None)]
    return []


def _sum_findings(
    rules: CompiledRules,
    label: Callable[[int], str] = str,
    override: tuple[IntArray, IntArray] | None = None,
) -> list[Finding]:
    """Every SumBound's checks (stopping at the first rule that fails); ``override``
    replaces the bounds of the rules that are not the unit count (to try a setting)."""
    for rule in rules.sums:
        lows, highs = rule.low, rule.high
        if override is not None and rule.spec.amount != UNITS:
            lows, highs = override
        found = _one_sum(rule.spec, rule.amount, lows.tolist(), highs.tolist(), label)
        if not found and rule.spec.amount != UNITS:
            found = _against_units(rule.spec, rule.amount, lows.tolist(), highs.tolist())
        if not found and rule.spec.amount != UNITS:
            found = _heaviest_with_company(rules, rule.spec, rule.amount, int(highs.max()), label)
        if found:
            return found
    return []


def _heaviest_with_company(
    rules: CompiledRules, spec: SumBound, amount: IntArray, high: int, label: Callable[[int], str]
) -> list[Finding]:
    """The heaviest unit's team with the fewest, lightest other units a team must hold (as
    many as the largest distinct-label minimum: each unit brings one label) must fit."""
    if not rules.distinct or len(amount) < 2:
        return []
    most = max(rules.distinct, key=lambda d: d.minimum)
    if most.minimum < 2 or most.minimum > len(amount):
        return []
    u = int(amount.argmax())
    others = np.sort(np.delete(amount, u))[: most.minimum - 1]
    total = int(amount[u]) + int(others.sum())
    if total <= high:
        return []
    message = (
        f"{label(u)} has {int(amount[u])} nominees and its team needs at least "
        f"{plural(most.minimum - 1, 'more establishment')} ({most.spec.name} {most.minimum}), so at "
        f"least {total} {spec.noun}, but a team may have at most {high}"
    )
    return [((spec.name, most.spec.name), message, total, high)]


def _sum_suggestion(ctx: Counting, rules: tuple[str, ...]) -> str:
    problem = ctx.problem
    if rules == ("teams",):
        return f"lower teams to {problem.n_units}" if problem.n_units else "add establishments"
    if rules == ("team_establishments",) and problem.team_max_units is not None:
        n_units, n_teams = problem.n_units, problem.n_teams
        most = max(1, int(np.max(problem.team_max_units)))
        return (
            f"raise teams to {math.ceil(n_units / most)} or raise "
            f"schools_per_facilitator to {math.ceil(n_units / n_teams)}"
        )
    if ctx.settings is None:
        return "widen the team size bounds"
    tol = ctx.settings.size_tolerance
    for new in range(tol + 1, tol + 1 + max(10, int(problem.unit_weight.max(initial=0)) * 2)):
        low, high, n = ctx.bounds_for(tolerance=new)
        if n != ctx.rules.n_teams:
            break
        if not _sum_findings(ctx.rules, override=(low, high)):
            return f"raise size_tolerance to {new}"
    return "raise size_tolerance or change teams"


def sum_conflicts(ctx: Counting) -> bool:
    """SumBound checks; True when they all pass."""
    found = _sum_findings(ctx.rules, ctx.label)
    for rules, message, actual, limit in found:
        ctx.add(rules, message, _sum_suggestion(ctx, rules), actual=actual, limit=limit)
    return not found


# --------------------------------------------------------------------------- MinDistinct
def _a(noun: str) -> str:
    """The noun with its indefinite article ("a sector", "an authority")."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _places(counts: IntArray, n_teams: int) -> int:
    """Team places the labels can fill: each label is in at most min(count, T) teams."""
    return int(np.minimum(counts, n_teams).sum())


def distinct_conflicts(ctx: Counting, rule: DistinctRule) -> None:
    """MinDistinct checks of one rule."""
    kind = ctx.rules.kinds[rule.kind]
    need, name, (what, many) = rule.minimum, rule.spec.name, rule.spec.noun
    if need <= 1:
        return
    names = list(kind.names)
    counts = np.bincount(kind.labels, minlength=len(names)).astype(np.int64)
    n_teams, n_units = ctx.problem.n_teams, ctx.problem.n_units
    present = [(names[i], int(c)) for i, c in enumerate(counts) if c > 0]
    distinct = len(present)
    # the largest m and T that pass the counting check, for the suggestion
    best_m = max(
        (m for m in range(1, need) if m <= distinct and _places(counts, n_teams) >= n_teams * m),
        default=1,
    )
    best_t = max((t for t in range(1, n_teams) if _places(counts, t) >= t * need), default=None)
    relax = f"lower {name} to {best_m}"
    if best_t is not None and distinct >= need:
        relax += f" or lower teams to {best_t}"
    if distinct < need:
        listed = ", ".join(n for n, _ in present)
        ctx.add(
            (name,),
            f"the cohort has establishments of only {plural(distinct, what, many)} "
            f"({listed}); every team must mix at least {need}",
            f"lower {name} to {distinct} or add establishments of another {what}",
            actual=distinct,
            limit=need,
        )
        return
    small = [kmax for kmax in ctx.kmax if kmax < need]
    if small:
        ctx.add(
            (name, "team_size"),
            f"a team can hold at most {plural(min(small), 'establishment')} within its "
            f"participant bounds, fewer than the {need} {many} each team must mix",
            f"lower {name} to {min(small)} or raise size_tolerance",
            actual=min(small),
            limit=need,
        )
        return
    biggest = int(counts.argmax())
    outside = n_units - int(counts[biggest])
    if outside < n_teams * (need - 1):
        ctx.add(
            (name,),
            f"only {outside} of {n_units} establishments are not {names[biggest]}, but each of "
            f"the {n_teams} teams needs at least {need - 1} outside {names[biggest]} to mix "
            f"{need} {many} ({n_teams * (need - 1)} in all)",
            relax,
            subject=names[biggest],
            actual=outside,
            limit=n_teams * (need - 1),
        )
        return
    places = _places(counts, n_teams)
    if places < n_teams * need:
        detail = ", ".join(f"{n} {min(c, n_teams)}" for n, c in present)
        ctx.add(
            (name,),
            f"{_a(what)} with n establishments can be in at most n teams, so the {distinct} "
            f"{many} fill at most {places} team places ({detail}), but {n_teams} teams "
            f"x {need} {many} need {n_teams * need}",
            relax,
            actual=places,
            limit=n_teams * need,
        )


# --------------------------------------------------------------------------- MaxShare
def share_conflicts(ctx: Counting, rule: ShareRule) -> None:
    """MaxShare checks of one rule: the labels no team sizes can place."""
    if rule.share >= 1:
        return
    kind, p = ctx.rules.kinds[rule.kind], ctx.problem
    counts = np.bincount(kind.labels, minlength=len(kind.names))
    found = label_capacity(p.n_units, ctx.kmin, ctx.kmax, rule.cap)
    if found is None:
        return
    capacity, sizes = found
    n_units, n_teams = p.n_units, p.n_teams
    per = sorted({rule.cap(k) for k in sizes})
    per_text = f"{per[0]}" if len(per) == 1 else f"{per[0]} to {per[-1]}"
    share = ctx.settings.max_authority_share if ctx.settings is not None else float(rule.share)
    about = round(n_units / n_teams) if n_teams else 0
    words = rule.spec.name.replace("_", " ")
    for a in np.argsort(-counts, kind="stable"):
        n_a = int(counts[a])
        if n_a <= capacity:
            break
        name = kind.names[a]
        ctx.add(
            (rule.spec.name,),
            f"{name} has {n_a} of {n_units} establishments; with {n_teams} teams of about "
            f"{about} establishments and {words} {float(share):g}, at most "
            f"{per_text} per team and {capacity} in all can be placed",
            _share_suggestion(ctx, rule, n_a) if ctx.suggest else "",
            subject=name,
            actual=n_a,
            limit=capacity,
        )


def _share_suggestion(ctx: Counting, rule: ShareRule, n_a: int) -> str:
    p = ctx.problem
    ks = range(max(1, min(ctx.kmin)), max(ctx.kmax) + 1)
    candidates = sorted(
        c
        for c in {Fraction(j, k) for k in ks for j in range(1, k + 1)} | {Fraction(1)}
        if c > rule.share
    )
    parts: list[str] = []

    def enough(c: Fraction) -> bool:
        """Can the share ``c``, rounded up to 2 decimals as a user types it, place n_a?"""
        value = round_up_share(c)
        found = label_capacity(
            p.n_units, ctx.kmin, ctx.kmax, lambda k: (value.numerator * k) // value.denominator
        )
        return found is not None and found[0] >= n_a

    # capacity grows with the share, so the smallest sufficient candidate is found by bisection
    low, high = 0, len(candidates)
    while low < high:
        mid = (low + high) // 2
        if enough(candidates[mid]):
            high = mid
        else:
            low = mid + 1
    if low < len(candidates):
        parts.append(f"raise {rule.spec.name} to {float(round_up_share(candidates[low])):g}")
    if ctx.settings is not None:
        for delta in range(1, 13):  # nearby team counts only
            hit = None
            for teams in (p.n_teams - delta, p.n_teams + delta):
                if not 1 <= teams <= p.n_units:
                    continue
                team_min, team_max, _ = ctx.bounds_for(teams=teams)
                kmin, kmax = unit_count_bounds(p.unit_weight, team_min, team_max)
                found = label_capacity(p.n_units, kmin, kmax, rule.cap)
                if found is not None and found[0] >= n_a:
                    hit = teams
                    break
            if hit is not None:
                parts.append(f"{'lower' if hit < p.n_teams else 'raise'} teams to {hit}")
                break
    return " or ".join(parts) if parts else "take some of its establishments out of this cohort"


# --------------------------------------------------------------------------- Lock
def _teams_text(teams: Sequence[int]) -> str:
    return ", ".join(str(t + 1) for t in teams)


def _allowed_text(row: NDArray[np.bool_]) -> str:
    allowed = np.flatnonzero(row).tolist()
    if len(allowed) == 1:
        return f"team {allowed[0] + 1} only"
    banned = np.flatnonzero(~row).tolist()
    if not allowed:
        return "no team"
    return f"not team{'s' if len(banned) > 1 else ''} {_teams_text(banned)}"


def _lock_rule(ctx: Counting, u: int) -> str:
    """'pin' when the unit is pinned, else 'forbidden'."""
    if ctx.settings is not None:
        return "pin" if ctx.problem.unit_ids[u] in ctx.settings.pins else "forbidden"
    allowed = ctx.rules.allowed
    return "pin" if allowed is not None and allowed[u].sum() == 1 else "forbidden"


def _path(graph: nx.Graph, start: int, goal: int) -> list[int]:
    """Shortest chain of together links from start to goal."""
    return [int(v) for v in nx.shortest_path(graph, start, goal)]


def _group_conflicts(ctx: Counting, members: list[int], names: str) -> None:
    """A together-chain must fit one team: under every SumBound's high and share cap."""
    for rule in ctx.rules.sums:
        total = int(rule.amount[members].sum())
        high = int(rule.high.max())
        if total > high:
            ctx.add(
                ("together", rule.spec.name),
                f"{names} must share a team but have {total} {rule.spec.noun} together; a team "
                f"may have at most {high}",
                "drop one of the together pairs among them",
                subject=names,
                actual=total,
                limit=high,
            )
    for share in ctx.rules.shares:
        kind = ctx.rules.kinds[share.kind]
        cap = max((share.cap(k) for k in ctx.kmax), default=0)
        label, n_a = Counter(int(kind.labels[u]) for u in members).most_common(1)[0]
        if n_a > cap:
            ctx.add(
                ("together", share.spec.name),
                f"{names} must share a team, and {n_a} of them are from {kind.names[label]}; a "
                f"team of at most {max(ctx.kmax)} establishments may hold at most {cap} from "
                f"one {share.spec.noun}",
                "drop one of the together pairs among them",
                subject=names,
                actual=n_a,
                limit=cap,
            )


def lock_conflicts(ctx: Counting) -> None:
    """Lock checks: pins, forbids, together chains and apart pairs."""
    c = ctx.rules
    n_units, n_teams = c.n_units, c.n_teams
    allowed = c.allowed if c.allowed is not None else np.ones((n_units, n_teams), dtype=bool)
    ids = c.unit_ids
    for u in np.flatnonzero(~allowed.any(axis=1)).tolist():
        pinned = ctx.settings is None or ids[u] in ctx.settings.pins
        ctx.add(
            ("pin", "forbidden") if pinned else ("forbidden",),
            f"{ctx.label(u)} has no team left: its pin and forbidden teams exclude all {n_teams}",
            f"drop one of the locks on {ids[u]}",
            subject=ids[u],
        )
    chain_of = ctx.problem.together_labels()
    links = nx.Graph()
    links.add_edges_from(c.together.tolist())
    groups: dict[int, list[int]] = {}
    for u in range(n_units):
        groups.setdefault(int(chain_of[u]), []).append(u)
    for a, b in c.apart.tolist():  # apart pairs inside one together-chain
        if chain_of[a] == chain_of[b]:
            chain = _path(links, a, b)
            text = ", ".join(f"{ids[x]}+{ids[y]}" for x, y in zip(chain, chain[1:], strict=False))
            ctx.add(
                ("together", "apart"),
                f"{ids[a]} and {ids[b]} must be apart, but together rules chain them into one "
                f"team ({text})",
                f"drop the apart pair {ids[a]}+{ids[b]} or one of the together pairs {text}",
                subject=f"{ids[a]}+{ids[b]}",
            )
    forced: dict[int, list[int]] = {}  # team -> chains forced into it
    for root, members in groups.items():
        if len(members) > 1:
            names = ", ".join(ids[u] for u in members)
            common = np.logical_and.reduce(allowed[members], axis=0)
            if not common.any() and allowed[members].any(axis=1).all():
                detail = "; ".join(
                    f"{ids[u]}: {_allowed_text(allowed[u])}"
                    for u in members
                    if not allowed[u].all()
                )
                lock = tuple(
                    dict.fromkeys(_lock_rule(ctx, u) for u in members if not allowed[u].all())
                )
                ctx.add(
                    ("together", *lock),
                    f"{names} must share a team, but no team is open to all of them ({detail})",
                    f"drop one of the together pairs or one of the locks on {names}",
                    subject=names,
                )
                continue
            _group_conflicts(ctx, members, names)
        else:
            common = allowed[members[0]]
        if common.sum() == 1:
            forced.setdefault(int(np.flatnonzero(common)[0]), []).append(root)
    forced_team = _forced_conflicts(ctx, forced, groups, allowed)
    _apart_conflicts(ctx, chain_of, forced_team)


def _forced_conflicts(
    ctx: Counting,
    forced: dict[int, list[int]],
    groups: dict[int, list[int]],
    allowed: NDArray[np.bool_],
) -> dict[int, int]:
    """Units pinned (or chained to a pin) into one team must fit it; chain -> forced team."""
    ids, size = ctx.rules.unit_ids, ctx.rules.size
    forced_team: dict[int, int] = {}
    for team, roots in forced.items():
        members = [u for r in roots for u in groups[r]]
        for r in roots:
            forced_team[r] = team
        weight = int(size.amount[members].sum())
        high = int(size.high[team])
        locks = [_lock_rule(ctx, u) for u in members if not allowed[u].all()]
        chained = ["together"] if any(len(groups[r]) > 1 for r in roots) else []
        involved = tuple(dict.fromkeys([*locks, *chained, size.spec.name]))
        names = ", ".join(ids[u] for u in members)
        if weight > high:
            ctx.add(
                involved,
                f"team {team + 1} must hold {names} (pinned, or kept together with a pinned "
                f"establishment): {weight} {size.spec.noun}; a team may have at most {high}",
                f"move one of the pins to team {team + 1} elsewhere",
                subject=f"team {team + 1}",
                actual=weight,
                limit=high,
            )
        elif len(members) > ctx.kmax[team]:
            ctx.add(
                involved,
                f"team {team + 1} must hold {len(members)} establishments ({names}); within its "
                f"participant bounds it can hold at most {ctx.kmax[team]}",
                f"move one of the pins to team {team + 1} elsewhere",
                subject=f"team {team + 1}",
                actual=len(members),
                limit=ctx.kmax[team],
            )
    return forced_team


def _apart_conflicts(ctx: Counting, chain_of: IntArray, forced_team: dict[int, int]) -> None:
    """Apart pairs between chains: both forced into one team, or too many pairwise apart."""
    ids, n_teams = ctx.rules.unit_ids, ctx.rules.n_teams
    graph = nx.Graph()
    for a, b in ctx.rules.apart.tolist():
        ra, rb = int(chain_of[a]), int(chain_of[b])
        if ra == rb:
            continue
        graph.add_edge(ra, rb)
        if ra in forced_team and forced_team.get(rb) == forced_team[ra]:
            ctx.add(
                ("apart", "pin"),
                f"{ids[a]} and {ids[b]} must be apart but are both locked to team "
                f"{forced_team[ra] + 1}",
                f"drop the apart pair {ids[a]}+{ids[b]} or move one of the pins",
                subject=f"{ids[a]}+{ids[b]}",
            )
    if 0 < graph.number_of_edges() <= 2000:
        clique = max(nx.find_cliques(graph), key=len)
        if len(clique) > n_teams:
            names = ", ".join(ids[r] for r in sorted(clique))
            ctx.add(
                ("apart", "teams"),
                f"{len(clique)} establishments must all be in different teams ({names}), but "
                f"there are only {n_teams} teams",
                f"drop {len(clique) - n_teams} of their apart pairs or raise teams to "
                f"{len(clique)}",
                actual=len(clique),
                limit=n_teams,
            )


# --------------------------------------------------------------------------- ThemeCap
def theme_cap_conflicts(ctx: Counting) -> None:
    """ThemeCap: every team needs a focus theme, each theme serves at most ``cap`` teams."""
    cap, n_themes, n_teams = ctx.rules.theme_cap, len(ctx.rules.theme_names), ctx.rules.n_teams
    if cap is None or not n_themes or n_teams <= n_themes * cap:
        return
    ctx.add(
        ("max_teams_per_theme",),
        f"{n_teams} teams need a focus theme each, but {plural(n_themes, 'theme')} with at "
        f"most {cap} team{'s' if cap != 1 else ''} each cover only {n_themes * cap}",
        f"raise max_teams_per_theme to {math.ceil(n_teams / n_themes)} or lower teams to "
        f"{n_themes * cap}",
        actual=n_teams,
        limit=n_themes * cap,
    )
