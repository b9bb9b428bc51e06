"""The matching event's core: its folder, the journal replayed into the present state, and
the state evaluated.

``EventCore.create`` snapshots the cohort, the rules, the starting teams and the list of
possible late additions into ``event.json`` (so a restart needs no other file);
``EventCore.open`` replays ``journal.jsonl`` onto it. Every decision is checked, written
and fsync-ed to the journal by ``record``, and only then applied with ``Timeline.apply``,
the same function a replay uses. The decisions themselves are ``Event``'s (``engine``)
and, for who takes part, ``membership``'s.

Every rule is checked by ``clnmatch.evaluate.check``, the one evaluator, on the cohort as
it now is (withdrawals gone, additions in).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Self

import numpy as np

from clnmatch.evaluate import Evaluation, check
from clnmatch.event.facilitation import keep_placed, links_if_broken
from clnmatch.event.journal import Journal
from clnmatch.event.optimise import SolverProcess
from clnmatch.event.proofs import CohortProofs, prove_bound
from clnmatch.event.snapshot import (
    SNAPSHOT_FILE,
    TOKENS_FILE,
    Snapshot,
    check_starting_teams,
    claim_folder,
    private_write,
)
from clnmatch.event.state import UNDOABLE, EventError, EventState, Timeline
from clnmatch.event.view import EventView
from clnmatch.event.words import breach_lines
from clnmatch.facilitators import facilitator_supply
from clnmatch.frozen import frozen
from clnmatch.io.safe import sweep_stale_staging
from clnmatch.models import Cohort, Facilitator, Practitioner, Rules
from clnmatch.rematch import ChangeRecord

__all__ = [
    "EventCore", "SNAPSHOT_FILE", "JOURNAL_FILE", "TOKENS_FILE", "EXPORTS_FOLDER", "MAPPING_COPY",
]  # fmt: skip

JOURNAL_FILE = "journal.jsonl"
# decisions that change who takes part (each makes a cohort whose bound is journalled)
COHORT_CHANGES = (
    "withdraw", "withdraw_person", "return_person", "add",
    "withdraw_facilitator", "return_facilitator", "add_facilitator",
)  # fmt: skip
# decisions whose line on the page gives their points and new breaches
BOARD_CHANGES = ("move", "swap", "version_restored", *COHORT_CHANGES)
# decisions repaired by a rematch: it keeps the hand placements where the rules allow
PLACEMENTS_KEPT = ("withdraw", "withdraw_person", "return_person", "add")
EXPORTS_FOLDER = "exports"  # the page's saved folders
MAPPING_COPY = "mapping.toml"  # the event folder's copy of the --map it reads with


class EventCore:
    """A matching event kept in a folder. Thread-safe: one decision at a time."""

    def __init__(self, folder: Path, snapshot: Snapshot, journal: Journal):
        self.folder = folder
        self.snapshot = snapshot
        self.journal = journal
        self.rules = snapshot.rules
        self.n_teams = snapshot.rules.teams
        self.lock = threading.RLock()
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.timeline = Timeline(snapshot.first_state())
        self._cohorts: dict[tuple[object, ...], Cohort] = {}
        self.proofs = CohortProofs(snapshot.objective, snapshot.seed)
        self._view: EventView | None = None
        self._running: threading.Event | None = None
        self._spare: SolverProcess | None = None  # see prepare_reoptimise
        self._folder_hold: IO[str] | None = None  # see hold_folder
        self.last_change: dict[str, Any] = {}
        for entry in journal.entries:
            self.timeline.apply(entry)

    # ------------------------------------------------------------------ create / open
    @staticmethod
    def exists(folder: str | Path) -> bool:
        return (Path(folder) / SNAPSHOT_FILE).is_file()

    @classmethod
    def create(
        cls,
        folder: str | Path,
        cohort: Cohort,
        rules: Rules,
        *,
        objective: str = "blend",
        seed: int = 0,
        teams: Mapping[str, int] | None = None,
        links: Iterable[tuple[str, int]] = (),
        base_record: ChangeRecord | None = None,
        additions: Cohort | None = None,
        bound: float | None = None,
        source: str = "",
        heading: Mapping[str, str] | None = None,
    ) -> Self:
        """A new event in ``folder`` (which must not hold one), with fresh tokens."""
        path = Path(folder)
        if cls.exists(path):
            raise EventError(f"{path} already holds an event; open it instead", 400)
        if (path / JOURNAL_FILE).exists():  # decisions of no event we know: never ours to add to
            raise EventError(
                f"{path} holds a {JOURNAL_FILE} but no {SNAPSHOT_FILE}: give an empty folder", 400
            )
        if not path.exists():
            path.mkdir(parents=True)
            # owner-only (its exports hold names); a folder the user made keeps its own
            os.chmod(path, 0o700)
        known = cohort.establishment_by_id
        start = {e: int(t) for e, t in (teams or {}).items() if e in known and t >= 1}
        check_starting_teams(start, rules.teams)
        if bound is None:  # proved once and kept: proved again in limited time it could differ
            bound = prove_bound(cohort, rules, objective, seed)
        snapshot = Snapshot(
            cohort=cohort,
            rules=rules,
            objective=objective,
            seed=int(seed),
            teams={e.id: start.get(e.id, 0) for e in cohort.establishments},
            links=tuple((str(f), int(t)) for f, t in links),
            base_record=base_record or ChangeRecord(themes=cohort.themes),
            additions=additions,
            bound=bound,
            source=source,
            heading=dict(heading or {}),
        )
        _new_tokens(path)
        private_write(path / SNAPSHOT_FILE, json.dumps(snapshot.to_dict(), ensure_ascii=False))
        return cls.open(path)

    @classmethod
    def open(cls, folder: str | Path) -> Self:
        """The event kept in ``folder``, its journal replayed."""
        path = Path(folder)
        if not cls.exists(path):
            raise EventError(f"{path} holds no event ({SNAPSHOT_FILE} is missing)", 400)
        snapshot = Snapshot.from_dict(json.loads((path / SNAPSHOT_FILE).read_text("utf-8")))
        # half-written exports of a server killed while saving (they hold names and emails);
        # one saved again under its name (version-N) is staged inside its folder
        exports = path / EXPORTS_FOLDER
        for base in [exports, *(exports.iterdir() if exports.is_dir() else ())]:
            if base.is_dir():
                sweep_stale_staging(base)
        return cls(path, snapshot, Journal(path / JOURNAL_FILE))

    def hold_folder(self) -> None:
        """Claim the folder until this process ends (see ``snapshot.claim_folder``)."""
        self._folder_hold = claim_folder(self.folder)

    def tokens(self) -> dict[str, str]:
        """The editor's and the projector's tokens; new ones when tokens.json was deleted
        (so a leaked address is revoked: the old addresses stop working)."""
        if not (self.folder / TOKENS_FILE).exists():
            _new_tokens(self.folder)
        data: dict[str, str] = json.loads((self.folder / TOKENS_FILE).read_text("utf-8"))
        return data

    def close(self) -> None:
        if self._running is not None:  # a re-optimise's solver process ends with the server
            self._running.set()
        with self.lock:
            if self._spare is not None:
                self._spare.close()
                self._spare = None
        self.journal.close()

    def prepare_reoptimise(self) -> None:
        """Keep a solver process ready, so a re-optimise's time limit goes to solving."""
        with self.lock:
            if self._spare is None:
                self._spare = SolverProcess()

    # ------------------------------------------------------------------ the cohort now
    @property
    def state(self) -> EventState:
        return self.timeline.present

    @property
    def version(self) -> int:
        return len(self.journal)

    def cohort_for(self, state: EventState) -> Cohort:
        """The cohort of a state: the snapshot's, withdrawals gone, additions in."""
        # the records themselves (by value): an id() could be reused by a later record
        added = tuple((e, state.records[e]) for e in sorted(state.added))
        key: tuple[object, ...] = (state.withdrawn, added, state.people_out)
        key += (state.facilitators_out, state.facilitators_added)
        if key not in self._cohorts:
            base = self.snapshot.cohort
            gone = state.withdrawn | state.added
            records = [state.records[e] for e in sorted(state.added)]
            records = [r for r in records if r.establishment.id not in state.withdrawn]
            people = [p for p in base.practitioners if p.establishment_id not in gone]
            people += [p for r in records for p in r.practitioners]
            self._cohorts[key] = Cohort(
                themes=base.themes,
                establishments=tuple(e for e in base.establishments if e.id not in gone)
                + tuple(r.establishment for r in records),
                practitioners=tuple(p for p in people if p.id not in state.people_out),
                facilitators=tuple(
                    f
                    for f in (*base.facilitators, *state.facilitators_added)
                    if f.id not in state.facilitators_out
                ),
                source=base.source,
            )
        return self._cohorts[key]

    def withdrawn_nominees(self, state: EventState, eid: str) -> list[Practitioner]:
        """The nominees of ``eid`` who withdrew alone, with the rows its school now has."""
        rows = state.rows_of(eid, self.snapshot.cohort)
        return [p for p in rows if p.id in state.people_out]

    def all_facilitators(self, state: EventState) -> dict[str, Facilitator]:
        """Every facilitator the event has had, by id: the table's and those added on the
        day, withdrawn or not."""
        return {f.id: f for f in (*self.snapshot.cohort.facilitators, *state.facilitators_added)}

    def search_cohort(self, cohort: Cohort, joined: Cohort | None = None) -> Cohort:
        """The cohort the team searches see: without its facilitators when an authority
        of ``joined`` (the cohort once a late school is in; else ``cohort``) supplies too
        few (its facilitator withdrew, a late school's authority has none). No placement
        of schools mends that, yet solve would refuse the whole cohort for it, and a late
        school or a repair would place nothing; the facilitators are then linked to the
        teams found afterwards (``link_after_search``), the breach staying on the board."""
        supply = facilitator_supply(joined or cohort, self.rules)
        if not any(line.shortfall for line in supply):
            return cohort
        return Cohort(
            themes=cohort.themes,
            establishments=cohort.establishments,
            practitioners=cohort.practitioners,
            source=cohort.source,
        )

    def link_after_search(self, entry: dict[str, Any]) -> None:
        """After a search made without the facilitators (``search_cohort``): the present
        links where they still hold for the teams ``entry`` leads to, else an allocation
        that keeps what it can, into ``entry``."""
        entry.pop("links", None)
        after = self.timeline.after(entry)
        new = self.links_after(after.teams, after)
        if new is not None:
            entry["links"] = [[f, int(t)] for f, t in new]

    def rules_for(self, cohort: Cohort, pins: Mapping[str, int] | None = None) -> Rules:
        """The rules, locks naming establishments no longer in the cohort left out."""
        rules = self.rules.locks_within(cohort.establishment_by_id.__contains__)
        return rules.model_copy(update={"pins": frozen({**rules.pins, **pins})}) if pins else rules

    def evaluate_state(self, state: EventState) -> tuple[Cohort, Evaluation]:
        """The one evaluator on a state (unplaced establishments are ``unassigned``)."""
        cohort = self.cohort_for(state)
        placed = {e: t for e, t in state.teams.items() if t >= 1}
        assignment = {
            p.id: placed[p.establishment_id]
            for p in cohort.practitioners
            if p.establishment_id in placed
        }
        links = list(state.links) if cohort.facilitators else None
        evaluation = check(
            cohort, self.rules_for(cohort), assignment, links, objective=self.snapshot.objective
        )
        return cohort, evaluation

    def bound_for(self, state: EventState, cohort: Cohort) -> float:
        """A proven bound for every assignment of this cohort: a solve's, else one proved once."""
        return self.proofs.bound(state, cohort, self.rules_for(cohort))

    def current_view(self) -> EventView:
        """The view, or during a decision the one before: reads never wait for a repair."""
        if not self.lock.acquire(blocking=False):
            if self._view is not None:
                return self._view
            self.lock.acquire()
        try:
            return self.view()
        finally:
            self.lock.release()

    def view(self) -> EventView:
        with self.lock:
            if self._view is None or self._view.version != self.version:
                state = self.state
                cohort, evaluation = self.evaluate_state(state)
                impossible = self.proofs.impossible(state, cohort, self.rules_for(cohort))
                bound = None if impossible else self.bound_for(state, cohort)
                focus = {
                    t + 1: cohort.themes[k] for t, k in enumerate(evaluation.team_focus) if k >= 0
                }
                # a board keeping every rule never passes the bound but by rounding; one
                # breaking a rule may, and the bound stays what was proven (it read as the
                # breaking board's score: "best possible at most 531.4", a lead officer)
                if bound is not None and evaluation.feasible:
                    bound = max(bound, evaluation.objective)
                self._view = EventView(
                    self.version, state, cohort, evaluation, bound, focus, impossible
                )
            return self._view

    # ------------------------------------------------------------------ recording
    def subscribe(self, listener: Callable[[str, dict[str, Any]], None]) -> None:
        self.listeners.append(listener)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            listener(kind, data)

    def record(self, entry: dict[str, Any], message: str = "") -> EventView:
        """Write the entry durably, then apply it (the same code a replay runs)."""
        if self.state.facilitators_placed and entry["op"] in PLACEMENTS_KEPT:
            after = self.timeline.after(entry)  # where the rules could not keep one, it stands
            if (links := keep_placed(after.links, after.facilitators_placed)) != list(after.links):
                entry["links"] = [[f, t] for f, t in links]
                message += (
                    "; but the facilitators placed by hand stay with their teams, so a "
                    "facilitator rule stays broken (see the checks)"
                )
        voided = entry["op"] in UNDOABLE and entry["op"] != "reoptimise_accepted"
        if self.timeline.proposal is not None and voided:  # a change of the teams: say so
            message += "; the re-optimise proposal is set aside (the board changed)"
        before = self.view() if entry["op"] in BOARD_CHANGES else None
        if entry["op"] in COHORT_CHANGES:  # journalled: a restart never re-proves it
            cohort = self.cohort_for(state := self.timeline.after(entry))
            ids = state.cohort_key(e.id for e in cohort.establishments)
            entry["bound"] = {"for": ids, "value": self.bound_for(state, cohort)}
        stamped = {
            "seq": self.version + 1,
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            **entry,
        }
        self.journal.append(stamped)
        self.timeline.apply(stamped)
        view = self.view()
        self.describe_change(entry["op"], message, before, view)
        self.publish("state", {"version": view.version})
        return view

    def describe_change(
        self, op: str, message: str, before: EventView | None, view: EventView
    ) -> None:
        """The page's line for the last change: its message and, from the board ``before``
        it, the points, new breaches and focus changes."""
        self.last_change = {"op": op, "message": message, "version": view.version}
        if before is not None:
            self.last_change["delta"] = view.objective - before.objective
            old = {(b.rule, b.team, b.subject) for b in before.evaluation.breaches}
            self.last_change["new_breaches"] = breach_lines(
                [b for b in view.evaluation.breaches if (b.rule, b.team, b.subject) not in old],
                view.cohort,
            )
            themes, pairs = view.cohort.themes, enumerate(view.evaluation.team_focus, 1)
            self.last_change["focus_changes"] = [  # a move can change other teams' focus
                f"team {t} now {themes[k]}"
                for t, k in pairs
                if k >= 0 and before.evaluation.team_focus[t - 1] != k
            ]

    def require_active(self, eid: str) -> None:
        """Refuse an establishment that is not in the event now (withdrawn, or unknown)."""
        if eid not in self.state.teams:  # an id is echoed only in part (it may be huge)
            if eid in self.state.withdrawn:  # named, and how to undo it (a bare id was said)
                raise EventError(
                    f"{self.called(eid)} has withdrawn: bring it back first (Add a school, "
                    "then Bring back)",
                    409,
                )
            raise EventError(f"{str(eid)[:80]!r} is not an establishment of the event", 404)

    def team_number(self, team: object) -> int:
        """``team`` as a team number 1..T, or a 400 saying what a team is."""
        if isinstance(team, bool) or not isinstance(team, int | np.integer):
            raise EventError(f"team must be a whole number 1..{self.n_teams}; got {team!r}", 400)
        if not 1 <= int(team) <= self.n_teams:
            raise EventError(f"team must be 1..{self.n_teams}; got {team}", 400)
        return int(team)

    def links_after(
        self, teams: Mapping[str, int], state: EventState, *, always: bool = False
    ) -> list[list[Any]] | None:
        """New facilitator links when the current ones break a facilitator rule or leave a
        facilitator off the team they were placed with, or ``always`` (keeping what it
        can); else None."""
        cohort = self.cohort_for(state)
        if not cohort.facilitators or any(teams.get(e.id, 0) < 1 for e in cohort.establishments):
            return None
        _, evaluation = self.evaluate_state(replace(state, teams=teams))
        rules, placed = self.rules_for(cohort), state.facilitators_placed
        return links_if_broken(
            cohort, rules, teams, state.links, evaluation, always=always, placed=placed
        )

    def called(self, eid: str) -> str:
        """A school as the room knows it: its name, with its id to tell look-alikes apart."""
        school = self.cohort_for(self.state).establishment_by_id.get(eid)
        school = school or self.snapshot.cohort.establishment_by_id.get(eid)  # withdrawn
        if school is None and eid in self.state.records:  # a late school that withdrew
            school = self.state.records[eid].establishment
        return f"{school.name} ({eid})" if school is not None else eid

    def locked_pins(self, state: EventState, cohort: Cohort) -> dict[str, int]:
        """The locked establishments of ``cohort`` placed in a team: id -> their team."""
        known = cohort.establishment_by_id
        return {
            e: state.teams[e] for e in state.locked if e in known and state.teams.get(e, 0) >= 1
        }


def _new_tokens(folder: Path) -> None:
    """Two new tokens in ``folder``'s tokens.json, readable by its owner only."""
    tokens = {"editor": secrets.token_urlsafe(24), "viewer": secrets.token_urlsafe(24)}
    private_write(folder / TOKENS_FILE, json.dumps(tokens, indent=2))
