"""The event's messages in the room's words: what an undo or redo changes, and why a late
school could not be placed."""

from __future__ import annotations

from typing import Any

from clnmatch.event.snapshot import Snapshot
from clnmatch.event.state import EventState

__all__ = ["plain_reason", "unplaced_reason", "what_changes"]


def what_changes(snapshot: Snapshot, now: EventState, target: EventState) -> str:
    """Going from the present to ``target`` in words: schools withdrawn or added,
    the schools that change team (a few by name), locks, links."""
    names = {e.id: e.name for e in snapshot.cohort.establishments}
    if snapshot.additions is not None:
        names |= {e.id: e.name for e in snapshot.additions.establishments}
    parts = [
        f"{names.get(e, e)} " + ("withdrawn" if e in target.withdrawn else "back")
        for e in sorted(target.withdrawn ^ now.withdrawn)
    ]
    parts += [
        f"{names.get(e, e)} " + ("added" if e in target.added else "no longer added")
        for e in sorted(target.added ^ now.added)
    ]
    moved = [e for e, t in target.teams.items() if now.teams.get(e) != t and e in names]
    if len(moved) > 3:
        parts.append(f"{len(moved)} schools change team")
    else:
        parts += [
            f"{names[e]} "
            + (f"in team {target.teams[e]}" if target.teams[e] >= 1 else "not placed")
            for e in moved
        ]
    if target.locked != now.locked:
        parts.append("lock " + ("removed" if len(target.locked) < len(now.locked) else "set"))
    if not parts and target.links != now.links:
        parts.append("facilitator links change")
    return "; ".join(parts) or "no change"


def plain_reason(result: Any) -> str:
    """Why a repair failed, in the room's words: the conflicts' plain messages, without
    rule names or command-line advice (what to change is the room's call)."""
    conflicts = [] if result.diagnosis is None else list(result.diagnosis.conflicts)
    reason = "; ".join(c.message for c in conflicts) or " ".join(result.notes)
    return reason or str(result.status)


def unplaced_reason(result: Any) -> str:
    """Why a late school could not be placed, and what the room can do."""
    return (
        f"{plain_reason(result)}. It waits in Not placed: drag it into a team to place it "
        "anyway (the breach stays shown), or make room (a withdrawal) and re-optimise"
    )
