"""The state of a matching event, and how one journal entry changes it.

The state is never stored: it is the replay of the journal. ``Timeline.apply`` is the one
function that turns an entry into the next state, whether the entry was just decided or
read back after a restart, so the two cannot drift apart. Entries record outcomes, not
requests: a withdrawal's repair moves, an addition's placement and a re-optimised
proposal are solver answers that a time limit may cut differently on another run, so the
entry carries them and replay never solves anything.

Undo and redo move along a stack of earlier states; saving a version, proposing and
rejecting are not undone (they change nothing on the board); restoring a version is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from clnmatch.errors import ClnmatchError
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner

__all__ = [
    "FACILITATOR_ADDED",
    "FACILITATOR_OUT",
    "PERSON_OUT",
    "UNDOABLE",
    "EventError",
    "EventState",
    "Timeline",
    "AddedRecord",
    "record_repair",
]

# mark a nominee who withdrew alone, and a facilitator withdrawn or added on the day, in a
# cohort's key (a school's id written so would be taken for one: no export names a school so)
PERSON_OUT = "person out:"
FACILITATOR_OUT = "facilitator out:"
FACILITATOR_ADDED = "facilitator added:"
MARKS = (PERSON_OUT, FACILITATOR_OUT, FACILITATOR_ADDED)

# decisions that change the board and can be undone
UNDOABLE = (
    "move", "swap", "lock", "lock_team", "withdraw", "withdraw_person", "return_person", "add",
    "withdraw_facilitator", "return_facilitator", "add_facilitator", "place_facilitator",
    "reoptimise_accepted", "version_restored",
)  # fmt: skip
OPS = (*UNDOABLE, "reoptimise_proposed", "reoptimise_rejected", "version_saved", "undo", "redo")


class EventError(ClnmatchError):
    """A decision that cannot be made in the current state (nothing is recorded)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.status))


@dataclass(frozen=True)
class AddedRecord:
    """A late establishment and its nominees, as the entry that added it carries them."""

    establishment: Establishment
    practitioners: tuple[Practitioner, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "establishment": self.establishment.model_dump(mode="json"),
            "practitioners": [p.model_dump(mode="json") for p in self.practitioners],
        }

    def digest(self) -> str:
        """A short fingerprint of the rows (the same school added with other rows differs)."""
        return _digest(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AddedRecord:
        return cls(
            Establishment.model_validate(data["establishment"]),
            tuple(Practitioner.model_validate(p) for p in data["practitioners"]),
        )


@dataclass(frozen=True)
class EventState:
    """The board: each establishment's team (0: not placed), locks, withdrawals, links.

    ``people_out`` are nominees withdrawn one by one (their school stays in the event);
    ``facilitators_out`` facilitators withdrawn, ``facilitators_added`` those added on the
    day (their rows, as the entry that added them carries them), ``facilitators_placed``
    those placed with a team by hand (kept there by every later allocation).

    ``bounds`` maps a set of establishments (the cohort at the time) to a proven upper
    bound on the objective of every rule-abiding assignment of that cohort.
    """

    teams: Mapping[str, int]
    locked: frozenset[str] = frozenset()
    withdrawn: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()
    people_out: frozenset[str] = frozenset()
    facilitators_out: frozenset[str] = frozenset()
    facilitators_added: tuple[Facilitator, ...] = ()
    links: tuple[tuple[str, int], ...] = ()
    facilitators_placed: Mapping[str, int] = field(default_factory=dict)
    bounds: Mapping[frozenset[str], float] = field(default_factory=dict)
    # the survey rows of each late establishment as this state knows them (added again
    # with other rows, it is the later rows; undone, the earlier ones again)
    records: Mapping[str, AddedRecord] = field(default_factory=dict)
    # the digest of the rows each school started with (the survey's, or the late additions
    # list's): one back with those rows makes the same cohort as before
    reference: Mapping[str, str] = field(default_factory=dict)

    def key(self) -> tuple[object, ...]:
        """What two states must share to be the same board (for tests and comparisons)."""
        return (
            tuple(sorted(self.teams.items())),
            tuple(sorted(self.locked)),
            tuple(sorted(self.withdrawn)),
            tuple(sorted(self.added)),
            tuple(sorted(self.links)),
            tuple(sorted(self.people_out)),
            tuple(sorted(self.facilitators_out)),
            tuple(f.id for f in self.facilitators_added),
            tuple(sorted(self.facilitators_placed.items())),
        )

    def cohort_key(self, establishments: Iterable[str]) -> list[str]:
        """A cohort of these establishments as its bounds are keyed: a late school by its id
        and its rows' digest (added again with other rows, the cohort is another), and
        each nominee withdrawn one by one (a bound with them is not one without)."""
        out = sorted(PERSON_OUT + p for p in self.people_out)
        out += sorted(FACILITATOR_OUT + f for f in self.facilitators_out)
        # by content: one added again with another authority is another cohort
        out += sorted(FACILITATOR_ADDED + _digest(f.model_dump(mode="json"))
                      for f in self.facilitators_added)  # fmt: skip
        return sorted(self.establishment_key(e) for e in establishments) + out

    def establishment_key(self, e: str) -> str:
        if e not in self.added or e not in self.records:
            return e
        digest = self.records[e].digest()
        return e if digest == self.reference.get(e) else f"{e}@{digest}"

    def rows_of(self, eid: str, survey: Cohort) -> tuple[Practitioner, ...]:
        """An establishment's nominees as this state knows them: the rows it was last
        added with, else the survey's (those who withdrew alone included)."""
        if eid in self.added and eid in self.records:
            return self.records[eid].practitioners
        return survey.nominees.get(eid, ())

    def owner_elsewhere(self, one: Cohort, survey: Cohort) -> tuple[str, str] | None:
        """(practitioner id, establishment) of a nominee of ``one`` (a one-school Cohort)
        whose id belongs to another establishment of the ``survey`` or a late addition."""
        owners = {p.id: p.establishment_id for p in survey.practitioners}
        owners |= {p.id: r.establishment.id for r in self.records.values() for p in r.practitioners}
        eid = one.establishments[0].id
        return next(
            ((p.id, owners[p.id]) for p in one.practitioners if owners.get(p.id, eid) != eid),
            None,
        )

    def with_teams(self, changes: Mapping[str, int]) -> dict[str, int]:
        teams = dict(self.teams)
        teams.update({k: int(v) for k, v in changes.items()})
        return teams


def _digest(data: Mapping[str, Any]) -> str:
    """A short fingerprint of a record's fields."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _links(
    entry: Mapping[str, Any], default: tuple[tuple[str, int], ...]
) -> tuple[tuple[str, int], ...]:
    links = entry.get("links")
    if links is None:
        return default
    return tuple((str(f), int(t)) for f, t in links)


def _bounds(state: EventState, bound: Mapping[str, Any] | None) -> Mapping[frozenset[str], float]:
    """The state's bounds plus ``bound`` ({"for": a ``cohort_key``, "value": points})."""
    if not bound:
        return state.bounds
    out = dict(state.bounds)
    # an id without its digest: the rows the school had then (journals before digests)
    key = frozenset(
        e if "@" in e or e.startswith(MARKS) else state.establishment_key(e) for e in bound["for"]
    )
    out[key] = min(float(bound["value"]), out.get(key, float("inf")))
    return out


@dataclass
class Timeline:
    """The present state, the undo and redo stacks, saved versions, a pending proposal."""

    present: EventState
    past: list[EventState] = field(default_factory=list)
    future: list[EventState] = field(default_factory=list)
    versions: dict[str, EventState] = field(default_factory=dict)
    proposal: dict[str, Any] | None = None
    applied: int = 0  # entries applied
    # the redo stack's size when the last proposal came: the changes undone before it are
    # not redone after it (the engine records no such redo; an old journal's replays)
    redo_floor: int = 0

    @property
    def can_redo(self) -> bool:
        return len(self.future) > self.redo_floor

    def after(self, entry: Mapping[str, Any]) -> EventState:
        """The state ``entry`` would lead to (for a withdrawal or an addition), unapplied."""
        trial = Timeline(self.present)
        trial.apply(entry)
        return trial.present

    def apply(self, entry: Mapping[str, Any]) -> None:
        """Apply one (already validated) journal entry."""
        op = entry["op"]
        state = self.present
        if op == "move":
            new = replace(
                state,
                teams=state.with_teams({entry["establishment_id"]: entry["team"]}),
                links=_links(entry, state.links),
            )
        elif op == "swap":
            a, b = entry["a"], entry["b"]
            new = replace(
                state,
                teams=state.with_teams({a: state.teams[b], b: state.teams[a]}),
                links=_links(entry, state.links),
            )
        elif op in ("lock", "lock_team"):
            ids = (
                set(entry["establishment_ids"])
                if op == "lock_team"
                else {entry["establishment_id"]}
            )
            locked = state.locked | ids if entry["locked"] else state.locked - ids
            new = replace(state, locked=frozenset(locked))
        elif op == "withdraw":
            eid = entry["establishment_id"]
            teams = {k: v for k, v in state.teams.items() if k != eid}
            teams.update({k: int(v) for k, v in entry.get("moves", {}).items()})
            new = replace(
                state,
                teams=teams,
                locked=state.locked - {eid},
                withdrawn=state.withdrawn | {eid},
                links=_links(entry, state.links),
            )
            new = replace(new, bounds=_bounds(new, entry.get("bound")))
        elif op in ("withdraw_person", "return_person"):
            pid = entry["practitioner_id"]
            out = state.people_out | {pid} if op == "withdraw_person" else state.people_out - {pid}
            new = replace(
                state,
                teams=state.with_teams(entry.get("moves", {})),
                people_out=frozenset(out),
                links=_links(entry, state.links),
            )
            new = replace(new, bounds=_bounds(new, entry.get("bound")))
        elif op in ("withdraw_facilitator", "return_facilitator", "add_facilitator"):
            new = replace(state, links=_links(entry, state.links))
            if op == "add_facilitator":
                added = Facilitator.model_validate(entry["facilitator"])
                kept = tuple(f for f in state.facilitators_added if f.id != added.id)
                new = replace(new, facilitators_added=(*kept, added))
            fid = entry["facilitator"]["id"] if op == "add_facilitator" else entry["facilitator_id"]
            out = state.facilitators_out | {fid}
            new = replace(
                new,
                facilitators_out=out if op == "withdraw_facilitator" else out - {fid},
                facilitators_placed={
                    f: t for f, t in state.facilitators_placed.items() if f != fid
                },  # one who withdraws and comes back is placed by the rules again
            )
            new = replace(new, bounds=_bounds(new, entry.get("bound")))
        elif op == "place_facilitator":
            fid, team = entry["facilitator_id"], int(entry["team"])
            placed = {f: t for f, t in state.facilitators_placed.items() if f != fid}
            new = replace(
                state,
                facilitators_placed=placed | ({fid: team} if team >= 1 else {}),
                links=_links(entry, state.links),
            )
        elif op == "add":
            record = AddedRecord.from_dict(entry["record"])
            eid = record.establishment.id
            new = replace(
                state,
                records={**state.records, eid: record},
                teams=state.with_teams(entry.get("moves", {})),
                withdrawn=state.withdrawn - {eid},
                added=state.added | {eid},
                people_out=state.people_out - set(entry.get("people_back", ())),
                links=_links(entry, state.links),
            )
            new = replace(new, bounds=_bounds(new, entry.get("bound")))
        elif op == "reoptimise_accepted":
            proposal = self.proposal or {}
            new = replace(
                state,
                teams=state.with_teams(proposal.get("teams", {})),
                links=_links(proposal, state.links),
                bounds=_bounds(state, proposal.get("bound_for")),
            )
        elif op == "reoptimise_proposed":
            self.proposal = dict(entry["proposal"])
            self.redo_floor = len(self.future)
            new = state
        elif op == "reoptimise_rejected":
            self.proposal = None
            new = state
        elif op == "version_saved":
            self.versions[str(entry["name"])] = state
            new = state
        elif op == "version_restored":  # the board as saved; what was proven since stays
            saved = self.versions[str(entry["name"])]
            both = {k: min(v, saved.bounds.get(k, v)) for k, v in state.bounds.items()}
            new = replace(saved, bounds={**saved.bounds, **both})
        elif op == "undo":
            if self.past:
                self.future.append(state)
                self.present = self.past.pop()
                self.proposal = None
            self.applied += 1
            return
        elif op == "redo":
            if self.future:
                self.past.append(state)
                self.present = self.future.pop()
                self.proposal = None
            self.applied += 1
            return
        else:
            raise EventError(f"unknown journal entry {op!r}", 400)
        if entry.get("unchanged"):  # an accepted proposal of no moves: not a step to undo
            self.proposal = None
        elif op in UNDOABLE:
            self.past.append(state)
            self.future.clear()
            self.redo_floor = 0
            self.proposal = None
        self.present = new
        self.applied += 1


def record_repair(
    entry: dict[str, Any],
    after: Mapping[str, int],
    links_after: Iterable[tuple[str, int]],
    teams: Mapping[str, int],
    links: Iterable[tuple[str, int]],
) -> Mapping[str, int]:
    """A repair's teams into the journal entry: the moves, and the links when they change."""
    entry["moves"] = {e: t for e, t in after.items() if t != teams.get(e)}
    if set(links_after) != set(links):
        entry["links"] = [[f, t] for f, t in links_after]
    return after
