"""Facilitator links at the event: kept while every facilitator rule holds, else allocated
afresh, moving only the facilitators the rules need moved; a facilitator placed with a
team by hand stays there (``placed``), breaking a rule if nothing else can."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from clnmatch.evaluate import Evaluation
from clnmatch.facilitators import FACILITATOR_RULES
from clnmatch.models import Cohort, Rules

__all__ = ["keep_placed", "links_if_broken"]


def links_if_broken(
    cohort: Cohort,
    rules: Rules,
    teams: Mapping[str, int],
    links: Iterable[tuple[str, int]],
    evaluation: Evaluation,
    *,
    always: bool = False,
    placed: Mapping[str, int] | None = None,
) -> list[list[Any]] | None:
    """New links for ``teams`` (every establishment placed) when ``links`` break a
    facilitator rule in ``evaluation``, there are none, a facilitator has none, one is
    not on the team ``placed`` them on, or ``always`` (a facilitator came: every
    facilitator is linked); None when they hold, or when no allocation keeps the rules and
    the placements and every facilitator has a team (the evaluator then shows the
    facilitator breaches)."""
    links = tuple(links)
    present = {f.id for f in cohort.facilitators}
    placed = {f: t for f, t in (placed or {}).items() if f in present}
    # a facilitator without a team (one who came while a school waited unplaced) is linked
    unlinked = present - {f for f, _ in links}
    missing = set(placed.items()) - set(links)
    broken = any(b.rule in FACILITATOR_RULES for b in evaluation.breaches)
    if links and not (always or broken or unlinked or missing):
        return None
    from clnmatch.facilitators import allocate_facilitators  # its solver: loaded when needed

    unit_team = [teams[e.id] - 1 for e in cohort.establishments]
    focus = {t + 1: cohort.themes[k] for t, k in enumerate(evaluation.team_focus) if k >= 0}
    try:
        allocation = allocate_facilitators(
            cohort,
            rules,
            unit_team,
            [focus.get(t + 1) for t in range(rules.teams)],
            time_limit=5.0,
            keep=links,  # move only the facilitators the rules need moved
            fixed=tuple(placed.items()),
        )
        new = [(f, int(t)) for f, t in allocation.links]
    except Exception:
        if not (missing or unlinked):
            return None
        # no allocation keeps every rule: the placements still stand, and one who came
        # still nurtures a team (the evaluator shows what breaks)
        new = _linked_anyway(cohort, rules, teams, keep_placed(links, placed), unlinked)
    return [[f, t] for f, t in keep_placed(new, placed)]


def _linked_anyway(
    cohort: Cohort,
    rules: Rules,
    teams: Mapping[str, int],
    links: Iterable[tuple[str, int]],
    unlinked: Iterable[str],
) -> list[tuple[str, int]]:
    """``links`` and each ``unlinked`` facilitator (in table order) on a team with the
    fewest facilitators: the one with most schools of their authority, then the lowest."""
    new = list(links)
    count = Counter(t for _, t in new)
    schools = Counter((e.authority_key, teams[e.id]) for e in cohort.establishments)
    waiting = set(unlinked) - {f for f, _ in new}
    for f in (f for f in cohort.facilitators if f.id in waiting):
        team = min(
            range(1, rules.teams + 1),
            key=lambda t: (count[t], -schools[f.authority_key, t], t),
        )
        new.append((f.id, team))
        count[team] += 1
    return new


def keep_placed(
    links: Iterable[tuple[str, int]], placed: Mapping[str, int]
) -> list[tuple[str, int]]:
    """``links`` with every facilitator ``placed`` by hand on that team (a person's decision
    is never undone by the rules, even where it then breaks one)."""
    links = list(links)
    if not set(placed.items()) - set(links):
        return links
    return [(f, t) for f, t in links if f not in placed] + sorted(placed.items())
