"""Why a cohort cannot be matched, in plain numbers.

``diagnose`` runs fast counting checks (no solver). Each one is a *necessary*
condition: when it fails, no assignment can meet the rules, and the message says by
how much; when all pass, the cohort may still be infeasible, and a solver's assumption
core (``conflicting_rules``) is turned into a conflict naming the rules that clash.

The checks, by rule (names as in ``clnmatch.evaluate.RULES``):

* ``max_participants``: more participants than allowed.
* ``teams``: fewer establishments than teams.
* ``team_size``: size bounds that cross, total participants outside the teams' bounds,
  an establishment heavier than a team may be, no group of establishments whose
  participants fall in the bounds, and establishments too few or too many to fill the
  teams (each team holds between ``kmin`` and ``kmax`` establishments, derived from the
  participant bounds and the lightest / heaviest establishments).
* ``min_sectors`` / ``min_authorities``: fewer distinct values in the cohort than a team
  needs; a team needs at least ``m - 1`` establishments outside any one value; and since
  a value can appear in at most ``min(count, T)`` teams, ``sum min(count, T) >= T * m``.
* ``max_authority_share``: a team of ``k`` establishments holds at most
  ``floor(share * k)`` of one authority; the most any authority can place is the best
  sum of that over team sizes ``kmin..kmax`` adding up to all establishments (a small
  dynamic programme).
* locks (``pin``, ``forbidden``, ``together``, ``apart``): an establishment with no
  team left, together-chains with no common team, too heavy, or containing an apart
  pair, too much forced into one team, and more establishments pairwise apart than
  teams.
* ``max_teams_per_theme``: more teams than themes x teams per theme.
* facilitators (with a facilitators table): an authority's supply shortfall
  (``facilitator_supply``), and too few facilitators or too little capacity to give
  every team one (``facilitator_per_team``, ``facilitator_load``).
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from clnmatch.models import Cohort, Rules
    from clnmatch.problem import Problem

__all__ = ["Conflict", "Diagnosis", "diagnose", "authority_capacity"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Conflict:
    """Rules that cannot all be met, the numbers, and what to relax."""

    rules: tuple[str, ...]
    message: str
    suggestion: str = ""
    subject: str | None = None  # the authority, sector, establishment or team concerned
    actual: float | None = None
    limit: float | None = None
    source: str = "arithmetic"  # "arithmetic" (counting) or "solver" (assumption core)

    @property
    def rule(self) -> str:
        """The main rule involved."""
        return self.rules[0] if self.rules else ""

    def to_dict(self) -> dict[str, object]:
        return {
            "rules": list(self.rules),
            "message": self.message,
            "suggestion": self.suggestion,
            "subject": self.subject,
            "actual": self.actual,
            "limit": self.limit,
            "source": self.source,
        }

    def __str__(self) -> str:
        text = f"[{', '.join(self.rules)}] {self.message}"
        return f"{text}. Try: {self.suggestion}." if self.suggestion else f"{text}."


@dataclass(frozen=True)
class Diagnosis:
    """Every conflict found. ``feasible_by_arithmetic`` is True when no counting check failed.

    True does not prove the rules can be met; False proves they cannot.
    """

    conflicts: list[Conflict] = field(default_factory=list)
    feasible_by_arithmetic: bool = True

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule named by a conflict, in order of first mention."""
        return tuple(dict.fromkeys(r for c in self.conflicts for r in c.rules))

    @property
    def infeasible(self) -> bool:
        return bool(self.conflicts)

    def with_message(self, rule: str, message: str, suggestion: str = "") -> Diagnosis:
        """A copy with one more conflict (e.g. from the facilitator allocation)."""
        extra = Conflict(rules=(rule,), message=message, suggestion=suggestion)
        return replace(self, conflicts=[*self.conflicts, extra])

    def merged(self, other: Diagnosis) -> Diagnosis:
        """A copy with the conflicts of ``other`` added (e.g. ``InfeasibleError.diagnosis``)."""
        return Diagnosis(
            conflicts=[*self.conflicts, *other.conflicts],
            feasible_by_arithmetic=self.feasible_by_arithmetic and other.feasible_by_arithmetic,
        )

    def message(self) -> str:
        """Multi-line plain English for the CLI (exit 3)."""
        if not self.conflicts:
            return "No conflict found: the counting checks pass."
        n = len(self.conflicts)
        lines = [f"The rules cannot all be met ({n} conflict{'s' if n > 1 else ''}):"]
        for i, c in enumerate(self.conflicts, 1):
            lines.append(f"  {i}. [{', '.join(c.rules)}] {c.message}.")
            if c.suggestion:
                lines.append(f"     Try: {c.suggestion}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "feasible_by_arithmetic": self.feasible_by_arithmetic,
            "rules": list(self.rules),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "message": self.message(),
        }

    def __str__(self) -> str:
        return self.message()


# --------------------------------------------------------------------------- helpers
def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _share_text(share: Fraction | float) -> str:
    return f"{float(share):g}"


def _round_up_share(value: Fraction) -> Fraction:
    """``value`` rounded up to 2 decimals, as a user would type it."""
    return Fraction(math.ceil(value * 100), 100)


def _unit_count_bounds(
    weight: IntArray, team_min: IntArray, team_max: IntArray
) -> tuple[list[int], list[int]]:
    """Fewest and most establishments each team can hold, from its participant bounds."""
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


def authority_capacity(
    n_units: int, kmin: Sequence[int], kmax: Sequence[int], cap: Callable[[int], int]
) -> tuple[int, list[int]] | None:
    """Most units of one authority all teams can hold, and the team sizes achieving it.

    Team ``t`` holds ``kmin[t]..kmax[t]`` units, all ``n_units`` are placed, and a team
    of ``k`` units holds at most ``cap(k)`` of one authority. None when no sizes fit.
    """
    n_teams = len(kmin)
    neg = -(10**9)
    best = [neg] * (n_units + 1)  # best[s]: most held by the teams so far with s units
    best[0] = 0
    choice: list[list[int]] = []
    for t in range(n_teams):
        nxt = [neg] * (n_units + 1)
        pick = [-1] * (n_units + 1)
        for s in range(n_units + 1):
            if best[s] == neg:
                continue
            for k in range(max(kmin[t], 0), min(kmax[t], n_units - s) + 1):
                value = best[s] + cap(k)
                if value > nxt[s + k]:
                    nxt[s + k], pick[s + k] = value, k
        best = nxt
        choice.append(pick)
    if best[n_units] == neg:
        return None
    sizes, s = [], n_units
    for t in reversed(range(n_teams)):
        k = choice[t][s]
        sizes.append(k)
        s -= k
    return best[n_units], sizes[::-1]


def _teams_text(teams: Sequence[int]) -> str:
    return ", ".join(str(t + 1) for t in teams)


# --------------------------------------------------------------------------- diagnose
@dataclass
class _Context:
    problem: Problem
    cohort: Cohort | None
    rules: Rules | None
    kmin: list[int]
    kmax: list[int]
    conflicts: list[Conflict] = field(default_factory=list)

    def label(self, u: int) -> str:
        uid = self.problem.unit_ids[u]
        if self.cohort is not None:
            est = self.cohort.establishment_by_id.get(uid)
            if est is not None and est.name and est.name != uid:
                return f"{uid} ({est.name})"
        return uid

    def add(self, rules: tuple[str, ...], message: str, suggestion: str = "", **kw: object) -> None:
        self.conflicts.append(Conflict(rules=rules, message=message, suggestion=suggestion, **kw))  # type: ignore[arg-type]


def diagnose(
    problem: Problem,
    cohort: Cohort | None = None,
    rules: Rules | None = None,
    conflicting_rules: Sequence[str] = (),
) -> Diagnosis:
    """Why ``problem`` (and its ``cohort`` under ``rules``) cannot be matched, in numbers.

    Counting checks run first; ``conflicting_rules`` (rule names from a solver's
    assumption core) become one more conflict when no counting check explains them.
    """
    weight = problem.unit_weight.astype(np.int64)
    if problem.n_teams and problem.n_units:
        kmin, kmax = _unit_count_bounds(weight, problem.team_min, problem.team_max)
    else:
        kmin, kmax = [1] * problem.n_teams, [problem.n_units] * problem.n_teams
    ctx = _Context(problem, cohort, rules, kmin, kmax)

    _check_participants(ctx)
    sizes_ok = _check_team_size(ctx)
    if not sizes_ok:
        # unit-count bounds are meaningless when sizes clash; fall back to trivial ones
        ctx.kmin = [1] * problem.n_teams
        ctx.kmax = [problem.n_units] * problem.n_teams
    for kind in ("sector", "authority"):
        _check_mixing(ctx, kind)
    _check_authority_share(ctx)
    _check_locks(ctx)
    _check_themes(ctx)
    _check_facilitators(ctx)

    arithmetic = list(ctx.conflicts)
    conflicts = list(arithmetic)
    core = list(dict.fromkeys(conflicting_rules))
    explained = {r for c in arithmetic for r in c.rules}
    if core and not explained.intersection(core):
        conflicts.append(_core_conflict(ctx, core))
    return Diagnosis(conflicts=conflicts, feasible_by_arithmetic=not arithmetic)


def _check_participants(ctx: _Context) -> None:
    cohort, rules = ctx.cohort, ctx.rules
    if cohort is None or rules is None:
        return
    n, cap = cohort.n_participants, rules.max_participants
    if n > cap:
        ctx.add(
            ("max_participants",),
            f"the cohort has {n} participants; at most {cap} are allowed",
            f"raise --max-participants to {n} or leave out {n - cap} participants",
            actual=n,
            limit=cap,
        )


def _size_conflicts(
    weight: IntArray,
    team_min: IntArray,
    team_max: IntArray,
    n_teams: int,
    label: Callable[[int], str] = str,
) -> list[tuple[tuple[str, ...], str, float | None, float | None]]:
    """Team-size checks as (rules, message, actual, limit); used again to find a tolerance."""
    out: list[tuple[tuple[str, ...], str, float | None, float | None]] = []
    n_units, total = len(weight), int(weight.sum())
    if n_teams > n_units:
        out.append(
            (
                ("teams",),
                f"there are {n_teams} teams but only {_plural(n_units, 'establishment')}; "
                "every team needs at least one",
                n_units,
                n_teams,
            )
        )
        return out
    lows, highs = team_min.tolist(), team_max.tolist()
    crossed = [t for t in range(n_teams) if lows[t] > highs[t]]
    if crossed:
        t = crossed[0]
        out.append(
            (
                ("team_size",),
                f"team sizes must lie in {lows[t]}..{highs[t]} participants, an empty range "
                f"({total} participants over {n_teams} teams is {total / n_teams:g} each)",
                lows[t],
                highs[t],
            )
        )
        return out
    if total < sum(lows):
        out.append(
            (
                ("team_size",),
                f"the {total} participants cannot fill {n_teams} teams of at least "
                f"{min(lows)} ({sum(lows)} needed)",
                total,
                sum(lows),
            )
        )
    if total > sum(highs):
        out.append(
            (
                ("team_size",),
                f"the {total} participants do not fit in {n_teams} teams of at most "
                f"{max(highs)} ({sum(highs)} places)",
                total,
                sum(highs),
            )
        )
    heaviest = int(weight.max()) if n_units else 0
    if heaviest > max(highs):
        u = int(weight.argmax())
        out.append(
            (
                ("team_size",),
                f"{label(u)} has {heaviest} nominees but a team may have at most "
                f"{max(highs)} participants",
                heaviest,
                max(highs),
            )
        )
    if out:
        return out
    # subset sums: some group of establishments must have a team's number of participants
    reach = 1
    for w in weight.tolist():
        reach |= reach << int(w)
    for low, high in sorted(set(zip(lows, highs, strict=True))):
        window = (reach >> low) & ((1 << (high - low + 1)) - 1)
        if not window:
            counts = sorted(set(weight.tolist()))
            bounds = f"{low}" if low == high else f"{low}..{high}"
            nominees = (
                f"every establishment has {counts[0]} nominees"
                if len(counts) == 1
                else f"establishments have {', '.join(str(c) for c in counts)} nominees"
            )
            out.append(
                (
                    ("team_size",),
                    f"no group of establishments has {bounds} participants, as a team "
                    f"must ({nominees})",
                    None,
                    None,
                )
            )
            return out
    kmin, kmax = _unit_count_bounds(weight, team_min, team_max)
    raw_min = [
        max(1, int(np.searchsorted(np.cumsum(np.sort(weight)[::-1]), lo) + 1)) if lo > 0 else 1
        for lo in lows
    ]
    raw_max = [int(np.searchsorted(np.cumsum(np.sort(weight)), hi, side="right")) for hi in highs]
    if sum(raw_min) > n_units:
        out.append(
            (
                ("team_size",),
                f"each team needs at least {min(raw_min)} establishments to reach "
                f"{min(lows)} participants ({sum(raw_min)} in all), but there are {n_units}",
                n_units,
                sum(raw_min),
            )
        )
    elif sum(raw_max) < n_units:
        out.append(
            (
                ("team_size",),
                f"a team holds at most {max(raw_max)} establishments within {max(highs)} "
                f"participants ({sum(raw_max)} in all), but there are {n_units}",
                n_units,
                sum(raw_max),
            )
        )
    elif any(lo > hi for lo, hi in zip(kmin, kmax, strict=True)):
        out.append(
            (
                ("team_size",),
                f"the {n_units} establishments cannot be split into {n_teams} teams within "
                "the participant bounds",
                None,
                None,
            )
        )
    return out


def _check_team_size(ctx: _Context) -> bool:
    """Team-size checks; True when they all pass."""
    problem = ctx.problem
    found = _size_conflicts(
        problem.unit_weight, problem.team_min, problem.team_max, problem.n_teams, ctx.label
    )
    for rules, message, actual, limit in found:
        ctx.add(rules, message, _size_suggestion(ctx, rules), actual=actual, limit=limit)
    return not found


def _bounds_for(
    ctx: _Context, tolerance: int | None = None, teams: int | None = None
) -> tuple[IntArray, IntArray, int]:
    """Participant bounds per team under changed rules (needs ``ctx.rules``)."""
    assert ctx.rules is not None
    update: dict[str, int] = {}
    if tolerance is not None:
        update["size_tolerance"] = tolerance
    if teams is not None:
        update["teams"] = teams
    rules = ctx.rules.model_copy(update=update)
    low, high = rules.size_bounds(ctx.problem.total_weight)
    n = rules.teams
    return np.full(n, low, dtype=np.int64), np.full(n, high, dtype=np.int64), n


def _size_suggestion(ctx: _Context, rules: tuple[str, ...]) -> str:
    problem = ctx.problem
    if rules == ("teams",):
        return f"lower --teams to {problem.n_units}"
    if ctx.rules is None:
        return "widen the team size bounds"
    tol = ctx.rules.size_tolerance
    for new in range(tol + 1, tol + 1 + max(10, int(problem.unit_weight.max(initial=0)) * 2)):
        low, high, n = _bounds_for(ctx, tolerance=new)
        if not _size_conflicts(problem.unit_weight, low, high, n):
            return f"raise --size-tolerance to {new}"
    return "raise --size-tolerance or change --teams"


# --------------------------------------------------------------------------- mixing
def _mixing_data(ctx: _Context, kind: str) -> tuple[str, int, list[str], IntArray] | None:
    p = ctx.problem
    if kind == "sector":
        values, names, need, rule = p.unit_sector, p.sector_names, p.min_sectors, "min_sectors"
    else:
        values, names, need, rule = (
            p.unit_authority,
            p.authority_names,
            p.min_authorities,
            "min_authorities",
        )
    if need <= 1 or not values.size:
        return None
    counts = np.bincount(values, minlength=len(names)).astype(np.int64)
    return rule, need, list(names), counts


def _places(counts: IntArray, n_teams: int) -> int:
    """Team places the values can fill: each value appears in at most min(count, T) teams."""
    return int(np.minimum(counts, n_teams).sum())


def _check_mixing(ctx: _Context, kind: str) -> None:
    data = _mixing_data(ctx, kind)
    if data is None:
        return
    rule, need, names, counts = data
    n_teams, n_units = ctx.problem.n_teams, ctx.problem.n_units
    what, plural = ("sector", "sectors") if kind == "sector" else ("authority", "authorities")
    flag = f"--{rule.replace('_', '-')}"
    present = [(names[i], int(c)) for i, c in enumerate(counts) if c > 0]
    distinct = len(present)
    # the largest m and T that pass the counting check, for the suggestion
    best_m = max(
        (m for m in range(1, need) if m <= distinct and _places(counts, n_teams) >= n_teams * m),
        default=1,
    )
    best_t = max((t for t in range(1, n_teams) if _places(counts, t) >= t * need), default=None)
    relax = f"lower {flag} to {best_m}"
    if best_t is not None and distinct >= need:
        relax += f" or lower --teams to {best_t}"
    if distinct < need:
        listed = ", ".join(n for n, _ in present)
        ctx.add(
            (rule,),
            f"the cohort has establishments of only {_plural(distinct, what, plural)} "
            f"({listed}); every team must mix at least {need}",
            f"lower {flag} to {distinct} or add establishments of another {what}",
            actual=distinct,
            limit=need,
        )
        return
    small = [kmax for kmax in ctx.kmax if kmax < need]
    if small:
        ctx.add(
            (rule, "team_size"),
            f"a team can hold at most {_plural(min(small), 'establishment')} within its "
            f"participant bounds, fewer than the {need} {plural} each team must mix",
            f"lower {flag} to {min(small)} or raise --size-tolerance",
            actual=min(small),
            limit=need,
        )
        return
    biggest = int(counts.argmax())
    outside = n_units - int(counts[biggest])
    if outside < n_teams * (need - 1):
        ctx.add(
            (rule,),
            f"only {outside} of {n_units} establishments are not {names[biggest]}, but each of "
            f"the {n_teams} teams needs at least {need - 1} outside {names[biggest]} to mix "
            f"{need} {plural} ({n_teams * (need - 1)} in all)",
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
            (rule,),
            f"a {what} with n establishments can be in at most n teams, so the {distinct} "
            f"{plural} fill at most {places} team places ({detail}), but {n_teams} teams "
            f"x {need} {plural} need {n_teams * need}",
            relax,
            actual=places,
            limit=n_teams * need,
        )


# --------------------------------------------------------------------------- share
def _check_authority_share(ctx: _Context) -> None:
    p = ctx.problem
    if p.authority_share is None or p.authority_share >= 1 or not p.unit_authority.size:
        return
    counts = np.bincount(p.unit_authority, minlength=len(p.authority_names))
    found = authority_capacity(p.n_units, ctx.kmin, ctx.kmax, p.max_authority_units)
    if found is None:
        return
    capacity, sizes = found
    n_units, n_teams = p.n_units, p.n_teams
    per = sorted({p.max_authority_units(k) for k in sizes})
    per_text = f"{per[0]}" if len(per) == 1 else f"{per[0]} to {per[-1]}"
    share = ctx.rules.max_authority_share if ctx.rules is not None else float(p.authority_share)
    about = round(n_units / n_teams) if n_teams else 0
    for a in np.argsort(-counts, kind="stable"):
        n_a = int(counts[a])
        if n_a <= capacity:
            break
        name = p.authority_names[a]
        ctx.add(
            ("max_authority_share",),
            f"{name} has {n_a} of {n_units} establishments; with {n_teams} teams of about "
            f"{about} establishments and max authority share {_share_text(share)}, at most "
            f"{per_text} per team and {capacity} in all can be placed",
            _share_suggestion(ctx, n_a),
            subject=name,
            actual=n_a,
            limit=capacity,
        )


def _share_suggestion(ctx: _Context, n_a: int) -> str:
    p = ctx.problem
    ks = range(max(1, min(ctx.kmin)), max(ctx.kmax) + 1)
    current = p.authority_share or Fraction(1)
    candidates = sorted(
        c
        for c in {Fraction(j, k) for k in ks for j in range(1, k + 1)} | {Fraction(1)}
        if c > current
    )
    parts: list[str] = []

    def enough(c: Fraction) -> bool:
        """Can the share ``c``, rounded up to 2 decimals as a user types it, place n_a?"""
        value = _round_up_share(c)
        found = authority_capacity(
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
        parts.append(f"raise --max-authority-share to {float(_round_up_share(candidates[low])):g}")
    if ctx.rules is not None:
        for delta in range(1, 13):  # nearby team counts only
            hit = None
            for teams in (p.n_teams - delta, p.n_teams + delta):
                if not 1 <= teams <= p.n_units:
                    continue
                team_min, team_max, _ = _bounds_for(ctx, teams=teams)
                kmin, kmax = _unit_count_bounds(p.unit_weight, team_min, team_max)
                found = authority_capacity(p.n_units, kmin, kmax, p.max_authority_units)
                if found is not None and found[0] >= n_a:
                    hit = teams
                    break
            if hit is not None:
                parts.append(f"{'lower' if hit < p.n_teams else 'raise'} --teams to {hit}")
                break
    return " or ".join(parts) if parts else "take some of its establishments out of this cohort"


# --------------------------------------------------------------------------- locks
def _allowed_text(row: NDArray[np.bool_]) -> str:
    allowed = np.flatnonzero(row).tolist()
    if len(allowed) == 1:
        return f"team {allowed[0] + 1} only"
    banned = np.flatnonzero(~row).tolist()
    if not allowed:
        return "no team"
    return f"not team{'s' if len(banned) > 1 else ''} {_teams_text(banned)}"


def _lock_rule(ctx: _Context, u: int) -> str:
    """'pin' when the establishment is pinned in the rules, else 'forbidden'."""
    if ctx.rules is not None:
        return "pin" if ctx.problem.unit_ids[u] in ctx.rules.pins else "forbidden"
    return (
        "pin"
        if ctx.problem.allowed is not None and ctx.problem.allowed[u].sum() == 1
        else "forbidden"
    )


def _path(adjacent: dict[int, list[int]], start: int, goal: int) -> list[int]:
    """Shortest chain of together links from start to goal (breadth first)."""
    previous = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for nxt in adjacent.get(node, []):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    chain = [goal]
    while chain[-1] != start:
        chain.append(previous[chain[-1]])
    return chain[::-1]


def _check_locks(ctx: _Context) -> None:
    p = ctx.problem
    n_units, n_teams = p.n_units, p.n_teams
    allowed = p.allowed if p.allowed is not None else np.ones((n_units, n_teams), dtype=bool)
    ids = p.unit_ids

    for u in np.flatnonzero(~allowed.any(axis=1)).tolist():
        rules = (
            ("pin", "forbidden")
            if ctx.rules is None or ids[u] in ctx.rules.pins
            else ("forbidden",)
        )
        ctx.add(
            rules,
            f"{ctx.label(u)} has no team left: its pin and forbidden teams exclude all {n_teams}",
            f"drop one of the locks on {ids[u]}",
            subject=ids[u],
        )

    chain_of = p.together_labels()
    adjacent: dict[int, list[int]] = {}
    for a, b in p.together.tolist():
        adjacent.setdefault(a, []).append(b)
        adjacent.setdefault(b, []).append(a)
    groups: dict[int, list[int]] = {}
    for u in range(n_units):
        groups.setdefault(int(chain_of[u]), []).append(u)

    # apart pairs inside one together-chain
    for a, b in p.apart.tolist():
        if chain_of[a] == chain_of[b]:
            chain = _path(adjacent, a, b)
            links = ", ".join(f"{ids[x]}+{ids[y]}" for x, y in zip(chain, chain[1:], strict=False))
            ctx.add(
                ("together", "apart"),
                f"{ids[a]} and {ids[b]} must be apart, but together rules chain them into one "
                f"team ({links})",
                f"drop the apart pair {ids[a]}+{ids[b]} or one of the together pairs {links}",
                subject=f"{ids[a]}+{ids[b]}",
            )

    share_cap = max((p.max_authority_units(k) for k in ctx.kmax), default=0)
    forced: dict[int, list[int]] = {}  # team -> groups forced into it
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
            weight = int(p.unit_weight[members].sum())
            high = int(p.team_max.max())
            if weight > high:
                ctx.add(
                    ("together", "team_size"),
                    f"{names} must share a team but have {weight} participants together; a team "
                    f"may have at most {high}",
                    "drop one of the together pairs among them",
                    subject=names,
                    actual=weight,
                    limit=high,
                )
            if p.authority_share is not None and p.unit_authority.size:
                by_auth = Counter(int(p.unit_authority[u]) for u in members)
                a, n_a = by_auth.most_common(1)[0]
                if n_a > share_cap:
                    ctx.add(
                        ("together", "max_authority_share"),
                        f"{names} must share a team, and {n_a} of them are from "
                        f"{p.authority_names[a]}; a team of at most {max(ctx.kmax)} "
                        f"establishments may hold at most {share_cap} from one authority",
                        "drop one of the together pairs among them",
                        subject=names,
                        actual=n_a,
                        limit=share_cap,
                    )
        else:
            common = allowed[members[0]]
        if common.sum() == 1:
            forced.setdefault(int(np.flatnonzero(common)[0]), []).append(root)

    forced_team: dict[int, int] = {}
    for team, roots in forced.items():
        members = [u for r in roots for u in groups[r]]
        for r in roots:
            forced_team[r] = team
        weight = int(p.unit_weight[members].sum())
        high = int(p.team_max[team])
        locks = [_lock_rule(ctx, u) for u in members if not allowed[u].all()]
        chained = ["together"] if any(len(groups[r]) > 1 for r in roots) else []
        involved = tuple(dict.fromkeys([*locks, *chained, "team_size"]))
        names = ", ".join(ids[u] for u in members)
        if weight > high:
            ctx.add(
                involved,
                f"team {team + 1} must hold {names} (pinned, or kept together with a pinned "
                f"establishment): {weight} participants; a team may have at most {high}",
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

    # apart pairs between groups: both forced into one team, or too many pairwise apart
    import networkx as nx

    graph = nx.Graph()
    for a, b in p.apart.tolist():
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
                f"drop {len(clique) - n_teams} of their apart pairs or raise --teams to "
                f"{len(clique)}",
                actual=len(clique),
                limit=n_teams,
            )


# --------------------------------------------------------------------------- themes
def _check_themes(ctx: _Context) -> None:
    p = ctx.problem
    cap, n_themes, n_teams = p.max_teams_per_theme, p.n_themes, p.n_teams
    if cap is None or not n_themes or n_teams <= n_themes * cap:
        return
    ctx.add(
        ("max_teams_per_theme",),
        f"{n_teams} teams need a focus theme each, but {_plural(n_themes, 'theme')} with at "
        f"most {cap} team{'s' if cap != 1 else ''} each cover only {n_themes * cap}",
        f"raise --max-teams-per-theme to {math.ceil(n_teams / n_themes)} or lower --teams to "
        f"{n_themes * cap}",
        actual=n_teams,
        limit=n_themes * cap,
    )


# --------------------------------------------------------------------------- facilitators
def _check_facilitators(ctx: _Context) -> None:
    cohort, rules = ctx.cohort, ctx.rules
    if cohort is None or rules is None or not cohort.facilitators:
        return
    from clnmatch.facilitators import facilitator_supply

    for line in facilitator_supply(cohort, rules):
        if not line.shortfall:
            continue
        suggestion = (
            f"add {_plural(line.shortfall, 'facilitator')} from {line.authority} to the "
            "facilitators table"
        )
        if line.supplied:
            per = math.ceil(line.establishments / line.supplied)
            suggestion += f" or raise --schools-per-facilitator to {per}"
        ctx.add(
            ("facilitator_supply",),
            line.message(),
            suggestion,
            subject=line.authority,
            actual=line.supplied,
            limit=line.needed,
        )
    n_fac, n_teams, n_units = len(cohort.facilitators), ctx.problem.n_teams, ctx.problem.n_units
    cap = rules.schools_per_facilitator
    smallest = min(ctx.kmin) if ctx.kmin else 1
    if smallest > cap:
        ctx.add(
            ("facilitator_load", "team_size"),
            f"every team will have at least {smallest} establishments but no facilitator may "
            f"support more than {cap}",
            f"raise --schools-per-facilitator to {smallest} or raise --teams",
            actual=smallest,
            limit=cap,
        )
        return
    if n_units > n_fac * cap:
        ctx.add(
            ("facilitator_per_team", "facilitator_load"),
            f"the teams will hold {n_units} establishments but {_plural(n_fac, 'facilitator')} "
            f"of at most {cap} establishments each can support only {n_fac * cap}",
            f"add {_plural(math.ceil(n_units / cap) - n_fac, 'facilitator')} or raise "
            f"--schools-per-facilitator to {math.ceil(n_units / n_fac)}",
            actual=n_fac * cap,
            limit=n_units,
        )
        return
    if n_fac >= n_teams:
        return

    def most_teams(limit: int) -> int:
        """Most teams one facilitator can take: the smallest possible teams, within the limit."""
        total, count = 0, 0
        for k in sorted(ctx.kmin):
            if total + k > limit:
                break
            total, count = total + k, count + 1
        return count

    per = most_teams(cap)
    if n_fac * per >= n_teams:
        return
    head = f"{n_teams} teams need a facilitator each but the table lists {n_fac}"
    if per <= 1:
        detail = (
            f"and no facilitator can take two teams of at least {smallest} establishments "
            f"(at most {cap} each)"
        )
    else:
        detail = (
            f"and one facilitator can take at most {per} teams of at least {smallest} "
            f"establishments (at most {cap} each)"
        )
    suggestion = f"add {_plural(math.ceil(n_teams / per) - n_fac, 'facilitator')}"
    new_cap = next(
        (c for c in range(cap + 1, n_units + 1) if n_fac * most_teams(c) >= n_teams), None
    )
    if new_cap is not None:
        suggestion += f" or raise --schools-per-facilitator to {new_cap}"
    ctx.add(
        ("facilitator_per_team", "facilitator_load"),
        f"{head}, {detail}",
        suggestion,
        actual=n_fac,
        limit=n_teams,
    )


# --------------------------------------------------------------------------- solver core
def _core_conflict(ctx: _Context, core: list[str]) -> Conflict:
    listed = ", ".join(core)
    return Conflict(
        rules=tuple(core),
        message=(
            f"no assignment meets these rules together: {listed} (proved by the solver; "
            "each rule alone passes the counting checks)"
        ),
        suggestion=" or ".join(s for s in (_rule_suggestion(ctx, r) for r in core) if s),
        source="solver",
    )


def _rule_suggestion(ctx: _Context, rule: str) -> str:
    p, rules = ctx.problem, ctx.rules
    if rule == "team_size":
        if rules is not None:
            return f"raise --size-tolerance to {rules.size_tolerance + 1}"
        return "widen the team size bounds"
    if rule == "min_sectors" and p.min_sectors > 1:
        return f"lower --min-sectors to {p.min_sectors - 1}"
    if rule == "min_authorities" and p.min_authorities > 1:
        return f"lower --min-authorities to {p.min_authorities - 1}"
    if rule == "max_authority_share" and p.authority_share is not None and p.authority_share < 1:
        k = max(1, round(p.n_units / max(p.n_teams, 1)))
        nxt = Fraction(p.max_authority_units(k) + 1, k)
        return f"raise --max-authority-share to {float(min(_round_up_share(nxt), Fraction(1))):g}"
    if rule == "max_teams_per_theme" and p.max_teams_per_theme is not None:
        return f"raise --max-teams-per-theme to {p.max_teams_per_theme + 1}"
    if rule == "teams" and p.n_teams > 1:
        return f"lower --teams to {p.n_teams - 1}"
    if rule == "pin":
        pins = list(rules.pins.items()) if rules is not None else []
        shown = ", ".join(f"{e} -> team {t}" for e, t in pins[:5])
        return f"drop or move one of the pins ({shown})" if shown else "drop one of the pins"
    if rule in ("forbidden", "together", "apart"):
        pairs: list[tuple[str, object]] = (
            list(getattr(rules, rule, ())) if rules is not None else []
        )
        joiner = " not in team " if rule == "forbidden" else "+"
        shown = ", ".join(f"{a}{joiner}{b}" for a, b in pairs[:5])
        what = {
            "forbidden": "forbidden teams",
            "together": "together pairs",
            "apart": "apart pairs",
        }[rule]
        return f"drop one of the {what} ({shown})" if shown else f"drop one of the {what}"
    if rule in ("min_sectors", "min_authorities", "max_authority_share"):
        return ""
    return f"relax {rule}"
