"""Why a cohort cannot be matched, in plain numbers.

``diagnose`` runs fast counting checks (no solver): the rule table's counting backend
(``clnmatch.rules.necessary``, one set of checks per rule shape), the participants cap,
and the facilitators. Each one is *necessary*: when it fails, no assignment can meet the
rules, and the message says by how much; when all pass, the cohort may still be
infeasible, and a solver's assumption core (``conflicting_rules``) is turned into a
conflict naming the rules that clash. Suggestions name ``Rules`` parameters
(``min_sectors``); the command line shows them as flags. A suggested setting that the
counting checks show would meet another conflict is left out of the suggestion (lowering
the teams to ease one authority's share must not leave too few schools of other sectors).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
import time
from collections.abc import Sequence
from difflib import SequenceMatcher
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from clnmatch.categories import authority_key
from clnmatch.diagnosis import Conflict, Diagnosis
from clnmatch.errors import ClnmatchError
from clnmatch.facilitators import facilitator_supply
from clnmatch.models import Cohort, Rules
from clnmatch.problem import Problem
from clnmatch.rules.necessary import (
    Counting,
    distinct_conflicts,
    lock_conflicts,
    plural,
    round_up_share,
    share_conflicts,
    sum_conflicts,
    theme_cap_conflicts,
    unit_count_bounds,
)
from clnmatch.rules.spec import compile_rules

__all__ = ["Conflict", "Diagnosis", "diagnose"]


def diagnose(
    problem: Problem,
    cohort: Cohort | None = None,
    rules: Rules | None = None,
    conflicting_rules: Sequence[str] = (),
    *,
    check_suggestions: bool = True,
    suggest: bool = True,
    deadline: float | None = None,
) -> Diagnosis:
    """Why ``problem`` (and its ``cohort`` under ``rules``) cannot be matched, in numbers.

    Counting checks run first; ``conflicting_rules`` (rule names from a solver's
    assumption core) become one more conflict when no counting check explains them.
    ``check_suggestions``: each suggested setting is taken to the nearest value the
    counting checks pass; ``suggest=False`` only says whether they fail (no suggestions).
    ``deadline`` (``time.perf_counter()``): suggestions not checked by then are given as
    they are (checking them at 600 establishments took 13 s of a 1 s call).
    """
    weight = problem.unit_weight.astype(np.int64)
    if problem.n_teams and problem.n_units:
        kmin, kmax = unit_count_bounds(weight, problem.team_min, problem.team_max)
    else:
        kmin, kmax = [1] * problem.n_teams, [problem.n_units] * problem.n_teams

    def label(u: int) -> str:
        uid = problem.unit_ids[u]
        est = cohort.establishment_by_id.get(uid) if cohort is not None else None
        return f"{uid} ({est.name})" if est is not None and est.name and est.name != uid else uid

    compiled = compile_rules(problem)
    ctx = Counting(problem, compiled, rules, label, kmin, kmax, suggest=suggest)
    _check_participants(ctx, cohort)
    if not sum_conflicts(ctx):
        # unit-count bounds are meaningless when sizes clash; fall back to trivial ones
        ctx.kmin = [1] * problem.n_teams
        ctx.kmax = [problem.n_units] * problem.n_teams
    for d in compiled.distinct:
        distinct_conflicts(ctx, d)
    for h in compiled.shares:
        share_conflicts(ctx, h)
    lock_conflicts(ctx)
    theme_cap_conflicts(ctx)
    _check_facilitators(ctx, cohort)
    if not ctx.conflicts:  # where sizes already clash, theirs is the message
        _check_odd_teams(ctx)

    arithmetic = list(ctx.conflicts)
    # each suggestion checked builds its problem again: up to region scale, where it is quick
    if check_suggestions and cohort is not None and rules is not None and problem.n_units <= 600:
        held: dict[str, bool] = {}  # one setting's verdict, shared by the conflicts
        arithmetic = [
            _with_suggestions_that_hold(c, cohort, rules, held, deadline) for c in arithmetic
        ]
    conflicts = list(arithmetic)
    core = list(dict.fromkeys(conflicting_rules))
    explained = {r for c in arithmetic for r in c.rules}
    if core and not explained.intersection(core):
        conflicts.append(_core_conflict(ctx, core))
    return Diagnosis(conflicts=conflicts, feasible_by_arithmetic=not arithmetic)


_SETTING = re.compile(r"(raise|lower) ([a-z_]+) to (\d+(?:\.\d+)?)")


class _Late(Exception):
    """The deadline for checking suggestions passed."""


def _with_suggestions_that_hold(
    conflict: Conflict,
    cohort: Cohort,
    rules: Rules,
    held: dict[str, bool],
    deadline: float | None = None,
) -> Conflict:
    """``conflict`` with each suggested setting ("raise teams to 11") taken on to the
    nearest value under which the counting checks find no conflict (one check's number
    can meet another's: "lower teams to 35", then 34, ..., where 20 was the most), and
    without those that reach none; all of them kept when none would hold."""
    alternatives = conflict.suggestion.split(" or ")
    try:
        nearest = [_nearest_that_holds(a, cohort, rules, held, deadline) for a in alternatives]
    except _Late:
        return conflict  # as suggested, unchecked: the call's time is up
    holding = list(dict.fromkeys(h for h in nearest if h))
    if not holding or holding == alternatives:
        return conflict
    return dataclasses.replace(conflict, suggestion=" or ".join(holding))


SUGGESTION_STEPS = 30  # values tried past a suggested one (each a counting diagnosis)


def _nearest_that_holds(
    alternative: str,
    cohort: Cohort,
    rules: Rules,
    held: dict[str, bool],
    deadline: float | None = None,
) -> str | None:
    """``alternative``, its value moved on in its direction until the counting checks
    pass (None when no value within ``SUGGESTION_STEPS`` does); ``held`` keeps verdicts."""

    def holds(text: str) -> bool:
        if text not in held:
            if deadline is not None and time.perf_counter() > deadline:
                raise _Late
            held[text] = _holds(text, cohort, rules)
        return held[text]

    found = _SETTING.fullmatch(alternative.strip())
    if holds(alternative):
        return alternative
    if found is None:
        return None
    verb, name, text = found[1], found[2], found[3]
    sign = 1 if verb == "raise" else -1
    if "." in text:  # a share: hundredths, up to 1
        value = float(text)
        steps = [round(value + sign * 0.05 * k, 2) for k in range(1, SUGGESTION_STEPS + 1)]
        steps = [v for v in steps if 0 < v <= 1]
    else:
        steps = [int(text) + sign * k for k in range(1, SUGGESTION_STEPS + 1)]
        steps = [v for v in steps if v >= 1]
    for value in steps:
        candidate = f"{verb} {name} to {value:g}"
        if holds(candidate):
            return candidate
    return None


def _holds(alternative: str, cohort: Cohort, rules: Rules) -> bool:
    """False when ``alternative`` sets a rule to a value the counting checks refuse."""
    found = _SETTING.fullmatch(alternative.strip())
    if found is None or found[2] not in Rules.model_fields:
        return True  # not one setting changed ("add 2 facilitators"): nothing to count
    try:
        value = float(found[3]) if "." in found[3] else int(found[3])
        changed = Rules.model_validate({**rules.model_dump(), found[2]: value})
        problem = Problem.from_cohort(cohort, changed)
    except (ValueError, ClnmatchError):
        return False  # a value the rules refuse ("raise max_authority_share to 2")
    again = diagnose(problem, cohort, changed, check_suggestions=False, suggest=False)
    return again.feasible_by_arithmetic


def _check_participants(ctx: Counting, cohort: Cohort | None) -> None:
    rules = ctx.settings
    if cohort is None or rules is None:
        return
    n, cap = cohort.n_participants, rules.max_participants
    if n > cap:
        ctx.add(
            ("max_participants",),
            f"the cohort has {n} participants; at most {cap} are allowed",
            f"raise max_participants to {n} or leave out {plural(n - cap, 'participant')}",
            actual=n,
            limit=cap,
        )


def _check_facilitators(ctx: Counting, cohort: Cohort | None) -> None:
    rules = ctx.settings
    if cohort is None or rules is None or not cohort.facilitators:
        return
    schools = {e.authority_key for e in cohort.establishments}
    strays = [f for f in cohort.facilitators if f.authority_key not in schools]
    for line in facilitator_supply(cohort, rules):
        if not line.shortfall:
            continue
        suggestion = (
            f"add {plural(line.shortfall, 'facilitator')} from {line.authority} to the "
            "facilitators table"
        )
        # a facilitator of an authority typed wrong was counted for no school's: this one's
        # (the diagnosis asked for one the user had: a library user)
        typed = [f for f in strays if _misspelt(f.authority_key, authority_key(line.authority))]
        if typed:
            named = ", ".join(f"{f.id}'s '{f.authority}'" for f in typed[:3])
            more = line.shortfall - len(typed)
            also = "" if more <= 0 else f" and add {plural(more, 'facilitator')} from it,"
            suggestion = f"correct {named} to {line.authority}{also} or {suggestion}"
        if line.supplied:
            per = math.ceil(line.establishments / line.supplied)
            suggestion += f" or raise schools_per_facilitator to {per}"
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
    if n_units > n_teams * cap:
        return  # said by the rule table's team_establishments
    if n_units > n_fac * cap:
        ctx.add(
            ("facilitator_per_team", "facilitator_load"),
            f"the teams will hold {n_units} establishments but {plural(n_fac, 'facilitator')} "
            f"of at most {cap} establishments each can support only {n_fac * cap}",
            f"add {plural(math.ceil(n_units / cap) - n_fac, 'facilitator')} or raise "
            f"schools_per_facilitator to {math.ceil(n_units / n_fac)}",
            actual=n_fac * cap,
            limit=n_units,
        )
        return
    if n_fac >= n_teams:
        return
    smallest = min(ctx.kmin) if ctx.kmin else 1

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
        _check_shared_participants(ctx, n_fac, cap, per)
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
    suggestion = f"add {plural(math.ceil(n_teams / per) - n_fac, 'facilitator')}"
    new_cap = next(
        (c for c in range(cap + 1, n_units + 1) if n_fac * most_teams(c) >= n_teams), None
    )
    if new_cap is not None:
        suggestion += f" or raise schools_per_facilitator to {new_cap}"
    ctx.add(
        ("facilitator_per_team", "facilitator_load"),
        f"{head}, {detail}",
        suggestion,
        actual=n_fac,
        limit=n_teams,
    )


_COMPASS = {"north", "south", "east", "west"}


def _misspelt(typed: str, known: str) -> bool:
    """Whether authority key ``typed`` looks like ``known`` typed wrong: alike in letters,
    with the same compass words (Renfrewshire is not East Renfrewshire typed short, nor
    West Lothian East Lothian: councils of their own, a reviewer)."""
    compass = {w for w in typed.split() if w in _COMPASS}
    if compass != {w for w in known.split() if w in _COMPASS}:
        return False
    return SequenceMatcher(None, typed, known).ratio() >= 0.8


def _largest_first(problem: Problem, left_out: Sequence[int] = ()) -> NDArray[np.int64]:
    """Participants of the k largest establishments, for k = 0..U (a prefix sum); with
    ``left_out``, but one establishment of each of its weights."""
    weights = np.sort(problem.unit_weight)[::-1].tolist()
    for w in left_out:
        weights.remove(w)
    return np.concatenate([[0], np.cumsum(weights, dtype=np.int64)]).astype(np.int64)


def _odd_pools(problem: Problem, largest: int) -> list[NDArray[np.int64]] | None:
    """With an odd largest team size and fewer establishments of an odd number of
    nominees than teams: ``_largest_first`` without the k smallest of those, for k = 0..
    (a team of an odd size holds one of them, which is then in no shared team); else None."""
    if largest % 2 == 0:
        return None
    odd = np.sort(problem.unit_weight[problem.unit_weight % 2 == 1]).tolist()
    if len(odd) >= problem.n_teams:
        return None
    return [_largest_first(problem, odd[:k]) for k in range(len(odd) + 1)]


def _odd_words(problem: Problem, largest: int) -> str:
    """Why few teams reach an odd largest size, in words ("" when it is even)."""
    if largest % 2 == 0:
        return ""
    odd = int(np.count_nonzero(problem.unit_weight % 2))
    return (
        f", an odd number only with one of the {odd} establishment(s) of an odd number of nominees"
    )


def _largest_team(problem: Problem) -> int:
    """The most participants a team can hold: the largest sum of establishments' nominees
    within the size limit (teams of pairs hold an even number: 12, not 13)."""
    limit = int(problem.team_max.max())
    reach, mask = 1, (1 << (limit + 1)) - 1  # bit k: some establishments hold k together
    weights, counts = np.unique(problem.unit_weight, return_counts=True)
    for w, c in zip(weights.tolist(), counts.tolist(), strict=True):
        for _ in range(min(c, limit // max(w, 1))):
            if (grown := reach | (reach << w) & mask) == reach:
                break
            reach = grown
    return reach.bit_length() - 1


def _participants_room(
    problem: Problem,
    sizes: NDArray[np.int64],
    n_fac: int,
    cap: int,
    per: int,
    largest: int,
    odd_pools: list[NDArray[np.int64]] | None,
) -> int:
    """The most participants the teams can hold when ``n_fac`` facilitators (fewer than
    the teams) of at most ``cap`` establishments each, at most ``per`` teams each, must
    reach every team. Count each team under one of its facilitators: ``s`` of them share
    theirs, and the teams of those ``s`` hold at most the ``s * cap`` largest
    establishments (disjoint sets); every other team at most the size limit. Any valid
    allocation can be made one in which every facilitator is used and each team has one
    (a minimum edge cover, ``clnmatch.facilitators``'s docstring) without raising a load,
    so ``s`` runs to ``min(T - F, F)``; 0 when no facilitator can take two teams.
    ``sizes``: ``_largest_first(problem)``; ``largest``: ``_largest_team(problem)``;
    ``odd_pools``: ``_odd_pools(problem, largest)``."""
    n_teams = problem.n_teams
    smallest = max(1, int(problem.team_min.min()))
    per = min(per, int(sizes[min(cap, len(sizes) - 1)]) // smallest)  # and by participants
    if per < 2:
        return 0
    # a team of an odd number holds an establishment of an odd number: with few of those
    # (schools of three among pairs), few teams reach an odd largest size (13), and each
    # one outside the shared teams is not among their establishments
    room = 0
    for s in range(-(-(n_teams - n_fac) // (per - 1)), min(n_teams - n_fac, n_fac) + 1):
        alone, most = n_fac - s, (n_teams - n_fac + s) * largest
        if odd_pools is None or len(odd_pools) - 1 >= alone:  # each may reach the largest
            shared = min(most, int(sizes[min(s * cap, len(sizes) - 1)]))
            room = max(room, alone * largest + shared)
            continue
        for k, pool in enumerate(odd_pools):  # k of them in single teams (the k smallest)
            shared = min(most, int(pool[min(s * cap, len(pool) - 1)]))
            room = max(room, alone * (largest - 1) + k + shared)
    return room


def _check_shared_participants(ctx: Counting, n_fac: int, cap: int, per: int) -> None:
    """Fewer facilitators than teams: the teams sharing one hold few establishments, so
    few participants, and the rest must fit in teams of the largest size."""
    problem = ctx.problem
    sizes = _largest_first(problem)  # once, for every count of facilitators tried below
    largest = _largest_team(problem)
    odd_pools = _odd_pools(problem, largest)  # once too
    room = _participants_room(problem, sizes, n_fac, cap, per, largest, odd_pools)
    need = problem.total_weight
    if room >= need or not 0 < n_fac < problem.n_teams:
        return

    # the fewest facilitators with room: a bisection (room grows with them, all but by a
    # step: the steps after it make sure), not 1,000 tries at stress scale
    def fits(f: int) -> bool:
        return _participants_room(problem, sizes, f, cap, per, largest, odd_pools) >= need

    more = bisect.bisect_left(range(n_fac + 1, problem.n_teams), True, key=fits) + n_fac + 1
    while more < problem.n_teams and not fits(more):
        more += 1
    suggestion = f"add {plural(more - n_fac, 'facilitator')}"
    head = f"{problem.n_teams} teams need a facilitator each but the table lists {n_fac}"
    most = int(sizes[min(cap, len(sizes) - 1)])
    smallest = int(problem.team_min.min())
    if room == 0:  # two teams' participants do not fit in one facilitator's establishments
        why = (
            f"and no facilitator can take two teams: two teams hold at least {2 * smallest} "
            f"participants, and the {cap} largest establishments hold {most}"
        )
    else:
        why = (
            f"so some facilitators must take two teams or more, and the teams one "
            f"facilitator takes hold at most {cap} establishments together: such small "
            f"teams leave room for at most {room} of the {need} participants (a team holds "
            f"at most {largest}{_odd_words(problem, largest)})"
        )
    # fewer teams need fewer facilitators: taken on to the nearest count that holds
    fewer = f" or lower teams to {problem.n_teams - 1}" if problem.n_teams > 1 else ""
    ctx.add(
        ("facilitator_per_team", "facilitator_load", "team_size"),
        f"{head}, {why}",
        f"{suggestion}{fewer} or raise schools_per_facilitator",
        actual=room,
        limit=need,
    )


def least_odd_teams(n_teams: int, low: int, high: int, participants: int) -> int | None:
    """The fewest teams of an odd number of participants that ``participants`` people in
    ``n_teams`` teams of ``low`` to ``high`` each need (None: no sizes add up)."""
    odd = [s for s in range(low, high + 1) if s % 2]
    even = [s for s in range(low, high + 1) if not s % 2]
    for k in range(participants % 2, n_teams + 1, 2):  # k odd sizes: the sum's parity is k's
        if (k and not odd) or (k < n_teams and not even):
            continue
        least = k * (odd[0] if k else 0) + (n_teams - k) * (even[0] if k < n_teams else 0)
        most = k * (odd[-1] if k else 0) + (n_teams - k) * (even[-1] if k < n_teams else 0)
        if least <= participants <= most:
            return k
    return None


def _check_odd_teams(ctx: Counting) -> None:
    """A team of an odd number of participants holds an establishment of an odd number of
    nominees; teams of 11 or 12 for 90 people need six of 11. With two nominees a school,
    few establishments have an odd number: the solver proved it impossible and blamed
    five rules, each suggestion failing (an outside tester's case)."""
    p, rules = ctx.problem, ctx.settings
    if not p.n_teams:
        return
    low, high = int(p.team_min[0]), int(p.team_max[0])
    if (p.team_min != low).any() or (p.team_max != high).any():
        return  # teams of different bounds (research problems): not counted here
    need = least_odd_teams(p.n_teams, low, high, p.total_weight)
    have = int((p.unit_weight % 2 == 1).sum())
    if need is None or need <= have:
        return
    suggestion = ""
    if rules is not None:
        for tolerance in range(rules.size_tolerance + 1, rules.size_tolerance + 4):
            lo, hi, _ = ctx.bounds_for(tolerance=tolerance)
            again = least_odd_teams(p.n_teams, int(lo[0]), int(hi[0]), p.total_weight)
            if again is not None and again <= have:
                suggestion = f"raise size_tolerance to {tolerance}"
                break
    ctx.add(
        ("team_size",),
        f"{p.total_weight} participants in {p.n_teams} teams of {low} to {high} need "
        f"{need} teams of an odd number of participants, each with an establishment of an "
        f"odd number of nominees; {have} establishment{'s' * (have != 1)} "
        f"{'has' if have == 1 else 'have'} one",
        suggestion,
        actual=have,
        limit=need,
    )


def _core_conflict(ctx: Counting, core: list[str]) -> Conflict:
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


def _rule_suggestion(ctx: Counting, rule: str) -> str:
    p, rules = ctx.problem, ctx.settings
    if rule == "team_size":
        if rules is not None:
            return f"raise size_tolerance to {rules.size_tolerance + 1}"
        return "widen the team size bounds"
    if rule == "min_sectors" and p.min_sectors > 1:
        return f"lower min_sectors to {p.min_sectors - 1}"
    if rule == "min_authorities" and p.min_authorities > 1:
        return f"lower min_authorities to {p.min_authorities - 1}"
    if rule == "max_authority_share" and p.authority_share is not None and p.authority_share < 1:
        k = max(1, round(p.n_units / max(p.n_teams, 1)))
        nxt = Fraction(p.max_authority_units(k) + 1, k)
        return f"raise max_authority_share to {float(min(round_up_share(nxt), Fraction(1))):g}"
    if rule == "max_teams_per_theme" and p.max_teams_per_theme is not None:
        return f"raise max_teams_per_theme to {p.max_teams_per_theme + 1}"
    if rule == "teams" and p.n_teams > 1:
        return f"lower teams to {p.n_teams - 1}"
    if rule == "team_establishments" and p.team_max_units is not None:
        return (
            f"raise schools_per_facilitator to {int(np.max(p.team_max_units)) + 1} or raise "
            f"teams to {p.n_teams + 1}"
        )
    if rule == "pin":
        pins = list(rules.pins.items()) if rules is not None else []
        shown = _first_five([f"{e} -> team {t}" for e, t in pins])
        return f"drop or move one of the pins ({shown})" if shown else "drop one of the pins"
    if rule in ("forbidden", "together", "apart"):
        pairs: list[tuple[str, object]] = (
            list(getattr(rules, rule, ())) if rules is not None else []
        )
        joiner = " not in team " if rule == "forbidden" else "+"
        shown = _first_five([f"{a}{joiner}{b}" for a, b in pairs])
        what = {
            "forbidden": "forbidden teams",
            "together": "together pairs",
            "apart": "apart pairs",
        }[rule]
        return f"drop one of the {what} ({shown})" if shown else f"drop one of the {what}"
    if rule in ("min_sectors", "min_authorities", "max_authority_share"):
        return ""
    return f"relax {rule}"


def _first_five(items: list[str]) -> str:
    """The first five, and how many more (a list of six said five and stopped)."""
    more = f", and {len(items) - 5} more" if len(items) > 5 else ""
    return ", ".join(items[:5]) + more
