"""The event's messages in the room's words: what an undo or redo changes, and why a late
school could not be placed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clnmatch.event.snapshot import Snapshot
from clnmatch.event.state import EventState
from clnmatch.models import Cohort
from clnmatch.rules.breach import Breach
from clnmatch.wording import plural

__all__ = [
    "RULE_WORDS",
    "breach_lines",
    "moves_text",
    "plain_reason",
    "unplaced_reason",
    "what_changes",
]


def what_changes(snapshot: Snapshot, now: EventState, target: EventState) -> str:
    """Going from the present to ``target`` in words: schools withdrawn or added,
    the schools that change team (a few by name), locks, links."""
    names = {e.id: e.name for e in snapshot.cohort.establishments}
    if snapshot.additions is not None:
        names |= {e.id: e.name for e in snapshot.additions.establishments}
    for state in (now, target):  # schools pasted on the day: their records hold the names
        names |= {e: r.establishment.name for e, r in state.records.items()}
    parts = [
        f"{names.get(e, e)} " + ("withdrawn" if e in target.withdrawn else "back")
        for e in sorted(target.withdrawn ^ now.withdrawn)
    ]
    parts += [
        f"{names.get(e, e)} " + ("added" if e in target.added else "no longer added")
        for e in sorted(target.added ^ now.added)
    ]
    people = {p.id: p.name for p in snapshot.cohort.practitioners}
    for state in (now, target):
        people |= {p.id: p.name for r in state.records.values() for p in r.practitioners}
    parts += [
        f"{people.get(p, p)} " + ("withdrawn" if p in target.people_out else "back")
        for p in sorted(target.people_out ^ now.people_out)
    ]
    facilitators = {f.id: f.name for f in snapshot.cohort.facilitators}
    for state in (now, target):
        facilitators |= {f.id: f.name for f in state.facilitators_added}
    parts += [
        f"facilitator {facilitators.get(f, f)} "
        + ("withdrawn" if f in target.facilitators_out else "back")
        for f in sorted(target.facilitators_out ^ now.facilitators_out)
    ]
    added = {f.id for f in target.facilitators_added} ^ {f.id for f in now.facilitators_added}
    parts += [
        f"facilitator {facilitators.get(f, f)} "
        + ("added" if f in {g.id for g in target.facilitators_added} else "removed")
        for f in sorted(added)
    ]
    placed = target.facilitators_placed
    parts += [
        f"facilitator {facilitators.get(f, f)} "
        + (f"placed with team {placed[f]}" if f in placed else "placed by the rules")
        for f in sorted({f for f, _ in set(placed.items()) ^ set(now.facilitators_placed.items())})
        if f not in target.facilitators_out and f not in now.facilitators_out and f not in added
    ]  # one added or removed is said so above ("removed; placed by the rules" contradicted)
    moved = [e for e, t in target.teams.items() if now.teams.get(e) != t and e in names]
    if len(moved) > 3:
        parts.append(f"{len(moved)} schools change team")
    else:
        parts += [
            f"{names[e]} "
            + (f"in team {target.teams[e]}" if target.teams[e] >= 1 else "not placed")
            for e in moved
        ]
    parts += [
        f"{names.get(e, e)} " + ("locked" if e in target.locked else "unlocked")
        for e in sorted(target.locked ^ now.locked)
    ]
    if not parts and target.links != now.links:
        parts.append("facilitator links change")
    return "; ".join(parts) or "no change"


# the rules as the room knows them (a solver's conflict names rules by their ids)
RULE_WORDS = {
    "pin": "the locked schools staying in their teams",
    "team_size": "even team sizes",
    "min_sectors": "the mix of sectors in each team",
    "min_authorities": "the mix of authorities in each team",
    "max_authority_share": "the share of one authority in a team",
    "min_establishments": "the number of schools in each team",
    "max_teams_per_theme": "the number of teams per theme",
    "facilitator_per_team": "a facilitator for every team",
    "facilitator_load": "each facilitator's number of schools",
    "team_establishments": "the number of schools one facilitator can support",
}


def plain_reason(result: Any) -> str:
    """Why a repair failed, in the room's words: the conflicts' plain messages, without
    rule names or command-line advice (what to change is the room's call)."""
    conflicts = [] if result.diagnosis is None else list(result.diagnosis.conflicts)
    reasons = []
    for c in conflicts:
        if c.source != "solver":
            reasons.append(c.message)
            continue
        kept = " and ".join(RULE_WORDS.get(r, r.replace("_", " ")) for r in c.rules)
        unlock = "; unlocking a school or two gives room" if "pin" in c.rules else ""
        reasons.append(f"no teams can keep {kept} at once{unlock}")
    if reasons:
        return "; ".join(reasons)
    # no proof either way: the search's own notes (stages, seconds, options) mean nothing
    # in the room; what the facilitators' allocation says does
    said = [n for n in result.notes if n.startswith("The facilitators could not be allocated")]
    found = "no teams keeping every rule were found in the seconds given"
    return "; ".join([*said, f"{found}: Re-optimise may find some, or move a school by hand"])


def moves_text(cohort: Cohort, moves: Mapping[str, int], every_other: bool = False) -> str:
    """The moves a repair made, a few by name: "1 move restores every rule: X to team 2"
    ("every other rule" where an authority is short of facilitators: no move mends that)."""
    names = {e.id: e.name for e in cohort.establishments}
    listed = ", ".join(f"{names.get(e, e)} to team {t}" for e, t in list(moves.items())[:3])
    more = f" and {len(moves) - 3} more" if len(moves) > 3 else ""
    verb = "restores" if len(moves) == 1 else "restore"
    rules = (
        "every other rule (the facilitators' supply stays short)" if every_other else "every rule"
    )
    return f"{len(moves)} move{'s' if len(moves) != 1 else ''} {verb} {rules}" + (
        f": {listed}{more}" if moves else ""
    )


def unplaced_reason(result: Any) -> str:
    """Why a late school could not be placed, and what the room can do."""
    return (
        f"{plain_reason(result)}. It waits in Not placed: drag it into a team to place it "
        "anyway (the breach stays shown), or make room (a withdrawal) and re-optimise"
    )


def breach_lines(breaches: Sequence[Breach], cohort: Cohort) -> list[str]:
    """The evaluator's messages in the room's words: the people in no team named by
    their school, once per school (not "practitioner 'P0900' (9990001)" per person)."""
    school_of = {p.id: p.establishment_id for p in cohort.practitioners}
    names = {e.id: e.name for e in cohort.establishments}
    waiting: dict[str, int] = {}  # school -> its people in no team
    lines: list[str | tuple[str]] = []  # a message, or (school,) counted at the end
    for b in breaches:
        school = school_of.get(b.subject or "") if b.rule == "unassigned" else None
        if school is None:
            lines.append(b.message)
        elif school not in waiting:
            lines.append((school,))
        if school is not None:
            waiting[school] = waiting.get(school, 0) + 1
    return [
        line
        if isinstance(line, str)
        else f"{names.get(line[0], line[0])} is in no team ({plural(waiting[line[0]], 'person', 'people')})"
        for line in lines
    ]
