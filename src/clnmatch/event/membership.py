"""Who takes part in the matching event: schools and single nominees withdrawing, late
schools joining, and either coming back; facilitators withdrawing, coming back, or
replaced by one added on the day.

Each change is repaired with the fewest moves (``rematch_teams``; locked schools stay
where they are) and recorded with its outcome: the moves, the facilitator links when they
change, and the proven bound of the cohort it leaves (see ``EventCore.record``).
A nominee who withdraws leaves their school in the event; the last nominee of a school
cannot withdraw alone (the school withdraws). A facilitator's change keeps the other
links while every facilitator rule holds, and allocates afresh (moving as few as it can)
when one breaks; the teams do not move for a facilitator.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from clnmatch.event.core import EventCore
from clnmatch.event.state import AddedRecord, EventError, EventState, record_repair
from clnmatch.event.view import EventView
from clnmatch.event.words import moves_text, plain_reason, unplaced_reason
from clnmatch.io.identity import WEST_PARTNERSHIP, closest_authority
from clnmatch.models import Cohort, Facilitator, Practitioner, Role, authority_key
from clnmatch.rematch import apply_changes, rematch_teams
from clnmatch.wording import plural

__all__ = [
    "add",
    "add_facilitator",
    "add_from_list",
    "return_facilitator",
    "return_person",
    "withdraw",
    "withdraw_facilitator",
    "withdraw_person",
]


def withdraw(event: EventCore, eid: str, time_limit: float = 10.0) -> EventView:
    """Withdraw an establishment and restore every rule with the fewest moves (locks stay)."""
    with event.lock:
        event.require_active(eid)
        entry: dict[str, Any] = {"op": "withdraw", "establishment_id": eid, "moves": {}}
        message = f"{event.cohort_for(event.state).establishment_by_id[eid].name} withdrew"
        if event.state.teams[eid] >= 1:
            message += _repair(event, entry, [f"establishment:{eid}"], None, time_limit, unpin=eid)
            entry["note"] = message
        return event.record(entry, message)


def withdraw_person(event: EventCore, pid: str, time_limit: float = 10.0) -> EventView:
    """Withdraw one nominee (their school stays) and restore every rule with the fewest moves."""
    with event.lock:
        state = event.state
        cohort = event.cohort_for(state)
        person = cohort.practitioner_by_id.get(pid)
        if person is None:
            gone = pid in state.people_out
            what = "has withdrawn" if gone else "is not a nominee of a school in the event"
            raise EventError(f"practitioner {str(pid)[:80]!r} {what}", 409 if gone else 404)
        eid = person.establishment_id
        if len(cohort.nominees[eid]) == 1:
            raise EventError(
                f"{person.name} is the last nominee of {event.called(eid)} in the event: "
                "withdraw the school instead",
                409,
            )
        entry: dict[str, Any] = {"op": "withdraw_person", "practitioner_id": pid, "moves": {}}
        message = f"{person.name} of {event.called(eid)} withdrew"
        staying = [p for p in cohort.nominees[eid] if p.id != pid]
        if person.role is Role.PROMOTED and all(p.role is not Role.PROMOTED for p in staying):
            message += " (its senior leader: teams without one stall)"
        if state.teams[eid] >= 1:
            message += _repair(event, entry, [f"practitioner:{pid}"], None, time_limit)
            entry["note"] = message
        return event.record(entry, message)


def return_person(event: EventCore, pid: str, time_limit: float = 10.0) -> EventView:
    """Bring back a nominee who withdrew, into their school's team (fewest moves)."""
    with event.lock:
        state = event.state
        person = _withdrawn_person(event, state, pid)
        eid = person.establishment_id
        cohort = event.cohort_for(state)
        if eid not in cohort.establishment_by_id:
            raise EventError(
                f"{person.name}'s school {event.called(eid)} has withdrawn: bring it back first",
                409,
            )
        entry: dict[str, Any] = {"op": "return_person", "practitioner_id": pid, "moves": {}}
        message = f"{person.name} of {event.called(eid)} is back"
        if state.teams[eid] >= 1:
            one = Cohort(themes=cohort.themes, establishments=(cohort.establishment_by_id[eid],),
                         practitioners=(person,))  # fmt: skip
            message += _repair(event, entry, [], one, time_limit)
            entry["note"] = message
        return event.record(entry, message)


def _withdrawn_person(event: EventCore, state: EventState, pid: str) -> Practitioner:
    """A nominee who withdrew alone, with the row their school now has for them."""
    for eid in [*event.snapshot.cohort.establishment_by_id, *state.records]:
        for p in event.withdrawn_nominees(state, eid):
            if p.id == pid:
                return p
    present = pid in event.cohort_for(state).practitioner_by_id
    what = "has not withdrawn" if present else "is not a nominee who withdrew alone"
    raise EventError(f"practitioner {str(pid)[:80]!r} {what}", 409 if present else 404)


def _repair(
    event: EventCore,
    entry: dict[str, Any],
    withdrawn: list[str],
    added: Cohort | None,
    time_limit: float,
    unpin: str | None = None,
) -> str:
    """Restore every rule after ``withdrawn`` leave or ``added`` joins, with the fewest
    moves (locked schools stay, but ``unpin``, which leaves); the moves go into ``entry``,
    and what happened into the words returned."""
    state = event.state
    cohort = event.cohort_for(state)
    teams = {e: t for e, t in state.teams.items() if t >= 1}
    # the schools not placed stay so: the repair is of the teams as they stand
    unplaced = [f"establishment:{e}" for e in state.teams if e not in teams]
    cohort = apply_changes(cohort, unplaced).cohort if unplaced else cohort
    pins = event.locked_pins(state, cohort)
    pins.pop(unpin or "", None)
    # short of facilitators or not once the change is made (a school leaving can end it)
    searched = event.search_cohort(cohort, apply_changes(cohort, withdrawn, added).cohort)
    result = rematch_teams(
        searched, teams, withdrawn, added,
        rules=event.rules_for(cohort, pins), objective=event.snapshot.objective,
        time_limit=time_limit, seed=event.snapshot.seed,
        previous_links=state.links, placed_facilitators=state.facilitators_placed, prove=False,
    )  # fmt: skip
    if result.feasible:
        record_repair(entry, result.establishment_team(), result.facilitator_links, teams,
                      state.links)  # fmt: skip
        if searched is not cohort:
            event.link_after_search(entry)
        words = "; " + moves_text(cohort, entry["moves"], every_other=searched is not cohort)
    else:
        words = "; the rules could not all be restored: " + plain_reason(result)
    return words


def add(event: EventCore, extra: Cohort, time_limit: float = 10.0) -> EventView:
    """Add late establishments (survey rows), each placed with the fewest moves."""
    with event.lock:
        if not extra.establishments:
            raise EventError("the rows name no establishment", 400)
        state = event.state
        cohort = event.cohort_for(state)
        for est in extra.establishments:  # all checked first: a refused paste adds none
            _joined(event, _alone(extra, est.id), state, cohort)
        view = before = event.view()
        said = []
        for est in extra.establishments:
            # rows pasted for a school bring back the nominees they name
            view = _add_one(event, _alone(extra, est.id), time_limit, pasted=True)
            said.append(event.last_change["message"])
        if len(said) > 1:  # the page shows one line: every school's, and the paste's points
            words = f"{len(said)} schools pasted, each undone on its own: " + "; ".join(said)
            event.describe_change("add", words, before, view)
        return view


def add_from_list(event: EventCore, eid: str, time_limit: float = 10.0) -> EventView:
    """Add a school from the late additions given at the start, or bring back one that
    withdrew (with the survey rows it had)."""
    with event.lock:  # the state read here is the one added to
        state = event.state
        if eid in event.cohort_for(state).establishment_by_id:
            raise EventError(f"{event.called(eid)} is already in the event", 409)
        record = state.records.get(eid) if eid in state.withdrawn else None
        if record is not None:  # a late school that withdrew: the rows it came with
            themes = event.snapshot.cohort.themes
            one = Cohort(themes=themes, establishments=(record.establishment,),
                         practitioners=record.practitioners)  # fmt: skip
            return _add_one(event, one, time_limit)
        source = event.snapshot.cohort if eid in state.withdrawn else event.snapshot.additions
        if source is None or eid not in source.establishment_by_id:
            if eid in event.snapshot.base_record.withdrawn_of("establishment"):
                raise EventError(  # the event began without its rows: pasting brings them
                    f"{eid!r} withdrew before the event (in the result it was started from): "
                    "paste its survey rows under 'Add a school' to bring it back",
                    404,
                )
            raise EventError(f"{eid!r} is neither in the list of late additions nor withdrawn", 404)
        return _add_one(event, _alone(source, eid), time_limit)


def _joined(event: EventCore, one: Cohort, state: EventState, cohort: Cohort) -> Cohort:
    """The cohort with ``one`` (a single establishment) added, or why it cannot be."""
    eid = one.establishments[0].id
    if eid in cohort.establishment_by_id:
        raise EventError(f"{one.establishments[0].name} ({eid}) is already in the event", 409)
    owner = state.owner_elsewhere(one, event.snapshot.cohort)
    if owner is not None:  # an id is one person's, withdrawn or not (changes.json)
        pid, school = owner
        gone = ", which withdrew" if school in state.withdrawn else ""
        raise EventError(
            f"practitioner id {pid} is a nominee of {event.called(school)}{gone}: give "
            "the new nominee an id of their own",
            409,
        )
    try:
        return apply_changes(cohort, (), one).cohort  # checks clashes, orders themes
    except Exception as exc:
        raise EventError(str(exc), 400) from exc


def _add_one(event: EventCore, one: Cohort, time_limit: float, pasted: bool = False) -> EventView:
    """Place ``one`` (a single establishment). Its nominees who withdrew alone stay out
    (the record keeps their rows, to bring them back later), unless ``pasted``: pasted rows
    are the school's rows now, and whoever withdrew alone is in them or gone with the old."""
    state = event.state
    cohort = event.cohort_for(state)
    eid = one.establishments[0].id
    joined = _joined(event, one, state, cohort)
    record = AddedRecord(
        joined.establishment_by_id[eid],
        tuple(p for p in joined.practitioners if p.establishment_id == eid),
    )
    entry: dict[str, Any] = {"op": "add", "record": record.to_dict(), "moves": {eid: 0}}
    out = [p for p in record.practitioners if p.id in state.people_out]
    dropped: list[Practitioner] = []
    if pasted:
        old = event.withdrawn_nominees(state, eid)
        if back := sorted({p.id for p in [*out, *old]}):
            entry["people_back"] = back
        out = []
        rows = {p.id for p in record.practitioners}  # the earlier rows these ones replace
        earlier = state.rows_of(eid, event.snapshot.cohort) if eid in state.withdrawn else ()
        dropped = [p for p in earlier if p.id not in rows and p.id not in state.people_out]
    out_ids = {p.id for p in out}
    staying = tuple(p for p in one.practitioners if p.id not in out_ids)
    one = Cohort(themes=one.themes, establishments=one.establishments, practitioners=staying)
    teams = {e: t for e, t in state.teams.items() if t >= 1}
    again = eid in state.withdrawn
    message = f"{'brought back' if again else 'added'} {record.establishment.name}"
    if out:
        names = ", ".join(p.name for p in out)
        message += f" without {names} (withdrew alone: Bring back is in its panel)"
    if dropped:
        names = ", ".join(p.name for p in dropped)
        message += f"; {names}, of its earlier rows, not in these rows, left the event"
    # schools already waiting in Not placed are left out of this placement (as if
    # withdrawn), so one that cannot be placed never blocks the schools after it
    waiting = [f"establishment:{e}" for e, t in state.teams.items() if t < 1]
    searched = event.search_cohort(cohort, joined)
    result = rematch_teams(
        searched, teams, waiting, one,
        rules=event.rules_for(cohort, event.locked_pins(state, cohort)),
        objective=event.snapshot.objective, time_limit=time_limit,
        seed=event.snapshot.seed, previous_links=state.links, prove=False,
    )  # fmt: skip
    if result.feasible:
        after = record_repair(
            entry, result.establishment_team(), result.facilitator_links, teams, state.links
        )
        if searched is not cohort:
            event.link_after_search(entry)
        moved = len(entry["moves"]) - 1
        message += f" to team {after[eid]} ({plural(moved, 'other move')})"
    else:
        message += " but cannot place it keeping every rule: " + unplaced_reason(result)
    message += _school_authority_note(event, eid, record.establishment.authority, pasted)
    entry["note"] = message
    return event.record(entry, message)


def _alone(cohort: Cohort, eid: str) -> Cohort:
    """The establishment ``eid`` of ``cohort`` with its nominees, as a cohort of its own."""
    one = (cohort.establishment_by_id[eid],)
    return Cohort(themes=cohort.themes, establishments=one, practitioners=cohort.nominees[eid])


def facilitator_id(
    event: EventCore, fid: str, known: Mapping[str, Facilitator] | None = None
) -> str:
    """``fid`` as the event knows it: "f08" is "F08" to the room, withdrawn or not
    (``known``: the event's facilitators, when the caller has them)."""
    known = event.all_facilitators(event.state) if known is None else known
    return next((k for k in known if k.casefold() == str(fid).casefold()), fid)


def withdraw_facilitator(event: EventCore, fid: str) -> EventView:
    """Withdraw a facilitator: their teams get another where the rules allow."""
    with event.lock:
        state = event.state
        fid = facilitator_id(event, fid)
        facilitator = present_facilitator(event, fid)
        links = tuple(link for link in state.links if link[0] != fid)
        after = replace(state, facilitators_out=state.facilitators_out | {fid}, links=links)
        entry = {"op": "withdraw_facilitator", "facilitator_id": fid}
        message = f"facilitator {facilitator.name} withdrew"
        return event.record(entry, message + relink(event, entry, state, after))


def return_facilitator(event: EventCore, fid: str) -> EventView:
    """Bring back a facilitator who withdrew (linked where the rules need them)."""
    with event.lock:
        state = event.state
        known = event.all_facilitators(state)
        fid = facilitator_id(event, fid, known)
        if fid not in state.facilitators_out:
            present = fid in _facilitators(event.cohort_for(state))
            what = "has not withdrawn" if present else "is not a facilitator who withdrew"
            raise EventError(f"facilitator {str(fid)[:80]!r} {what}", 409 if present else 404)
        after = replace(state, facilitators_out=state.facilitators_out - {fid})
        entry = {"op": "return_facilitator", "facilitator_id": fid}
        message = f"facilitator {known[fid].name} is back"
        return event.record(entry, message + relink(event, entry, state, after))


def add_facilitator(event: EventCore, facilitator: Facilitator) -> EventView:
    """Add a facilitator on the day (a replacement, say): linked where the rules need them."""
    with event.lock:
        state = event.state
        taken = event.all_facilitators(state)
        fid, shown = facilitator_id(event, facilitator.id, taken), repr(facilitator.id[:80])
        if fid in taken and fid in state.facilitators_out:
            raise EventError(
                f"facilitator id {shown} is {taken[fid].name}'s, who withdrew: Bring back is "
                "in the Facilitators panel; a new facilitator needs an id of their own",
                409,
            )
        if fid in taken:
            raise EventError(
                f"facilitator id {shown} is {taken[fid].name}'s: give the new facilitator an "
                "id of their own",
                409,
            )
        before = {w.casefold() for w in event.snapshot.base_record.withdrawn_of("facilitator")}
        if fid.casefold() in before:  # an id is one person's
            raise EventError(
                f"facilitator id {shown} withdrew before the event (changes.json): give the "
                "new facilitator an id of their own",
                409,
            )
        after = replace(state, facilitators_added=(*state.facilitators_added, facilitator))
        entry = {"op": "add_facilitator", "facilitator": facilitator.model_dump(mode="json")}
        message = f"added facilitator {facilitator.name} ({facilitator.authority})"
        message += relink(event, entry, state, after) + _authority_note(event, facilitator)
        if not taken:
            message += (
                ". The event began without facilitators: from now every team needs one and "
                f"each authority supplies one for every {event.rules.schools_per_facilitator} "
                "schools (Undo takes this back)"
            )
        return event.record(entry, message)


def _authority_note(event: EventCore, facilitator: Facilitator) -> str:
    """A word when a new facilitator's authority is none of the schools' (a typing slip
    makes them count for no authority's supply), naming the nearest spelling."""
    hint = _nearest_authority(event, facilitator.authority, except_school=None)
    if hint is None:
        return ""
    hint = f" Did you mean {hint}? Undo, and add them so." if hint else ""
    return (
        f". Note: {facilitator.authority!r} is the authority of no school here, so they count "
        f"for no authority's facilitators (fine for a body such as Education Scotland).{hint}"
    )


def _school_authority_note(event: EventCore, eid: str, authority: str, pasted: bool) -> str:
    """A word when a late school's authority is no other school's: it must supply a
    facilitator of its own (the page's Add a facilitator, when it has none here), and a
    typing slip would make it so (the nearest spelling named)."""
    hint = _nearest_authority(event, authority, except_school=eid)
    if hint is None:
        return ""
    facilitators = event.cohort_for(event.state).facilitators
    key = authority_key(authority)
    short = bool(facilitators) and all(authority_key(f.authority) != key for f in facilitators)
    if not hint and not short:  # a school from elsewhere, its facilitator here (or no rule)
        return ""
    note = f". Note: {authority!r} is the authority of no other school here"
    need = " a facilitator of its own" + (": add one with Add a facilitator." if short else ".")
    if not hint:
        return note + ", so it must supply" + need
    again = "paste them so" if pasted else "paste its rows so under Add a school"
    note += f". Did you mean {hint}? Undo, and {again}."
    return note + (f" If not, it must supply{need}" if facilitators else "")  # else: no rule


def _nearest_authority(event: EventCore, authority: str, except_school: str | None) -> str | None:
    """None when some school (but ``except_school``) has ``authority``; else the nearest
    spelling among theirs ("" when none is near, or when the name is a West Partnership
    authority or a facilitator's: spelt as meant)."""
    cohort = event.cohort_for(event.state)
    known = {
        authority_key(e.authority): e.authority
        for e in cohort.establishments
        if e.id != except_school
    }
    key = authority_key(authority)
    if key in known:
        return None
    meant = {authority_key(a) for a in WEST_PARTNERSHIP}
    meant |= {authority_key(f.authority) for f in cohort.facilitators}
    if key in meant:
        return ""
    # the eight first, as the survey's reader says it ('East Renfrewshre' is not
    # Renfrewshire, though no East Renfrewshire school is here yet: a re-tester)
    near = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    return closest_authority(authority) or (known[near[0]] if near else "")


def _facilitators(cohort: Cohort) -> dict[str, Facilitator]:
    return {f.id: f for f in cohort.facilitators}


def present_facilitator(event: EventCore, fid: str) -> Facilitator:
    """A facilitator of the event now, or a 409 (withdrew) or 404 (unknown)."""
    facilitator = _facilitators(event.cohort_for(event.state)).get(fid)
    if facilitator is None:
        gone = fid in event.state.facilitators_out
        what = "has withdrawn" if gone else "is not a facilitator of the event"
        raise EventError(f"facilitator {str(fid)[:80]!r} {what}", 409 if gone else 404)
    return facilitator


def relink(
    event: EventCore, entry: dict[str, Any], before: EventState, after: EventState, quiet: str = ""
) -> str:
    """The links after a facilitator's change into ``entry`` (one who comes is linked to a
    team, the others kept where the rules allow); the facilitators who move (but
    ``quiet``, whose move the message says already), in words."""
    coming = len(after.facilitators_added) > len(before.facilitators_added)
    coming |= len(after.facilitators_out) < len(before.facilitators_out)
    if any(t < 1 for t in after.teams.values()):  # links are allocated over every school
        entry["links"] = [[f, t] for f, t in after.links]
        return "; facilitators are linked to teams again once every school is placed"
    links = event.links_after(after.teams, after, always=coming)
    new = list(after.links) if links is None else [(str(f), int(t)) for f, t in links]
    entry["links"] = [[f, t] for f, t in new]
    names = _facilitators(event.cohort_for(after)) | _facilitators(event.cohort_for(before))
    teams_of = {f: sorted(t for g, t in new if g == f) for f, _ in new}
    moved = sorted(
        f
        for f in teams_of
        if f != quiet and teams_of[f] != sorted(t for g, t in before.links if g == f)
    )
    words = [
        f"{names[f].name if f in names else f} to team{'s' if len(teams_of[f]) > 1 else ''} "
        + ", ".join(map(str, teams_of[f]))
        for f in moved
    ]
    return "; " + ("; ".join(words) if words else "no other facilitator moves")
