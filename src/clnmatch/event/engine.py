"""The matching event: a cohort, its rules and a journal of decisions, kept in EVENT_DIR.

``Event.create`` snapshots the cohort, the rules, the starting teams and the list of
possible late additions into ``event.json`` (so a restart needs no other file);
``Event.open`` replays ``journal.jsonl`` onto it. Every decision (move, swap, lock,
withdraw, add, re-optimise proposed / accepted / rejected, version saved, undo, redo) is
checked, written and fsync-ed to the journal, and only then applied with
``Timeline.apply``, the same function a replay uses.

Every rule is checked by ``clnmatch.evaluate.check``, the one evaluator, on the cohort as
it now is (withdrawals gone, additions in). Repairs after a withdrawal or an addition use
``rematch_teams`` (fewest moves, locked establishments pinned where they are); re-optimise
runs ``solve`` in a child process (``optimise``), and its teams keep their numbers
(``stable_labels``). Facilitator links stay as they are while every facilitator rule
holds, and are allocated afresh when a change breaks one. A move takes 7 ms at CLN scale
(median; the page's whole answer 27 ms: ``benchmarks/event_speed.py``).
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
from typing import IO, Any

import numpy as np

from clnmatch.evaluate import Evaluation, check
from clnmatch.event.facilitation import links_if_broken
from clnmatch.event.journal import Journal
from clnmatch.event.optimise import SolverProcess, SolverTimeout, solve_in_child
from clnmatch.event.proofs import CohortProofs, prove_bound
from clnmatch.event.snapshot import (
    SNAPSHOT_FILE,
    TOKENS_FILE,
    Snapshot,
    check_starting_teams,
    claim_folder,
    private_write,
)
from clnmatch.event.state import AddedRecord, EventError, EventState, Timeline, record_repair
from clnmatch.event.view import EventView
from clnmatch.event.words import (
    breach_lines,
    moves_text,
    plain_reason,
    unplaced_reason,
    what_changes,
)
from clnmatch.facilitators import FACILITATOR_RULES
from clnmatch.frozen import frozen
from clnmatch.io.safe import sweep_stale_staging
from clnmatch.models import Cohort, Rules
from clnmatch.rematch import ChangeRecord, apply_changes, rematch_teams, stable_labels
from clnmatch.rules.necessary import plural
from clnmatch.trace import relative_gap

__all__ = ["Event", "SNAPSHOT_FILE", "JOURNAL_FILE", "TOKENS_FILE"]

JOURNAL_FILE = "journal.jsonl"
EXPORTS_FOLDER = "exports"  # the page's saved folders


class Event:
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
    ) -> Event:
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
        )
        tokens = {"editor": secrets.token_urlsafe(24), "viewer": secrets.token_urlsafe(24)}
        private_write(path / TOKENS_FILE, json.dumps(tokens, indent=2))
        private_write(path / SNAPSHOT_FILE, json.dumps(snapshot.to_dict(), ensure_ascii=False))
        return cls.open(path)

    @classmethod
    def open(cls, folder: str | Path) -> Event:
        """The event kept in ``folder``, its journal replayed."""
        path = Path(folder)
        if not cls.exists(path):
            raise EventError(f"{path} holds no event ({SNAPSHOT_FILE} is missing)", 400)
        snapshot = Snapshot.from_dict(json.loads((path / SNAPSHOT_FILE).read_text("utf-8")))
        # half-written exports of a server killed while saving (they hold names and emails)
        sweep_stale_staging(path / EXPORTS_FOLDER)
        return cls(path, snapshot, Journal(path / JOURNAL_FILE))

    def hold_folder(self) -> None:
        """Claim the folder until this process ends (see ``snapshot.claim_folder``)."""
        self._folder_hold = claim_folder(self.folder)

    def tokens(self) -> dict[str, str]:
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
        key = (state.withdrawn, tuple((e, id(state.records[e])) for e in sorted(state.added)))
        if key not in self._cohorts:
            base = self.snapshot.cohort
            gone = state.withdrawn | state.added
            records = [state.records[e] for e in sorted(state.added)]
            records = [r for r in records if r.establishment.id not in state.withdrawn]
            self._cohorts[key] = Cohort(
                themes=base.themes,
                establishments=tuple(e for e in base.establishments if e.id not in gone)
                + tuple(r.establishment for r in records),
                practitioners=tuple(p for p in base.practitioners if p.establishment_id not in gone)
                + tuple(p for r in records for p in r.practitioners),
                facilitators=base.facilitators,
                source=base.source,
            )
        return self._cohorts[key]

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
                if bound is not None:  # a board scoring above a bound breaks a rule
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

    def _record(self, entry: dict[str, Any], message: str = "") -> EventView:
        """Write the entry durably, then apply it (the same code a replay runs)."""
        before = self.view() if entry["op"] in ("move", "swap", "withdraw", "add") else None
        if entry["op"] in ("withdraw", "add"):  # journalled: a restart never re-proves it
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
        self.last_change = {"op": entry["op"], "message": message, "version": view.version}
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
        self.publish("state", {"version": view.version})
        return view

    def _active(self, eid: str) -> None:
        if eid not in self.state.teams:  # an id is echoed only in part (it may be huge)
            gone = eid in self.state.withdrawn
            what = "has withdrawn" if gone else "is not an establishment of the event"
            raise EventError(f"{str(eid)[:80]!r} {what}", 409 if gone else 404)

    def _team(self, team: object) -> int:
        if isinstance(team, bool) or not isinstance(team, int | np.integer):
            raise EventError(f"team must be a whole number 1..{self.n_teams}; got {team!r}", 400)
        if not 1 <= int(team) <= self.n_teams:
            raise EventError(f"team must be 1..{self.n_teams}; got {team}", 400)
        return int(team)

    def _links_after(self, teams: Mapping[str, int], state: EventState) -> list[list[Any]] | None:
        """New facilitator links when the current ones break a facilitator rule (else None)."""
        cohort = self.cohort_for(state)
        if not cohort.facilitators or any(teams.get(e.id, 0) < 1 for e in cohort.establishments):
            return None
        _, evaluation = self.evaluate_state(replace(state, teams=teams))
        return links_if_broken(cohort, self.rules_for(cohort), teams, state.links, evaluation)

    # ------------------------------------------------------------------ decisions
    def move(self, eid: str, team: object) -> EventView:
        """Put an establishment in a team; breaches it makes are shown, not refused."""
        with self.lock:
            self._active(eid)
            target = self._team(team)
            if eid in self.state.locked:
                raise EventError(
                    f"{self._called(eid)} is locked in team {self.state.teams[eid]}; unlock it first"
                )
            if self.state.teams[eid] == target:
                return self.view()
            teams = self.state.with_teams({eid: target})
            entry: dict[str, Any] = {"op": "move", "establishment_id": eid, "team": target}
            if (links := self._links_after(teams, self.state)) is not None:
                entry["links"] = links
            name = self.view().cohort.establishment_by_id[eid].name
            return self._record(entry, f"moved {name} to team {target}")

    def _called(self, eid: str) -> str:
        """A school as the room knows it: its name, with its id to tell look-alikes apart."""
        school = self.cohort_for(self.state).establishment_by_id.get(eid)
        school = school or self.snapshot.cohort.establishment_by_id.get(eid)  # withdrawn
        if school is None and eid in self.state.records:  # a late school that withdrew
            school = self.state.records[eid].establishment
        return f"{school.name} ({eid})" if school is not None else eid

    def swap(self, a: str, b: str) -> EventView:
        """Swap the teams of two establishments."""
        with self.lock:
            for eid in (a, b):
                self._active(eid)
                if eid in self.state.locked:
                    raise EventError(f"{self._called(eid)} is locked; unlock it first")
            ta, tb = self.state.teams[a], self.state.teams[b]
            if ta == tb:
                raise EventError(
                    f"{self._called(a)} and {self._called(b)} are in the same team", 400
                )
            teams = self.state.with_teams({a: tb, b: ta})
            entry: dict[str, Any] = {"op": "swap", "a": a, "b": b}
            if (links := self._links_after(teams, self.state)) is not None:
                entry["links"] = links
            return self._record(entry, f"swapped {self._called(a)} and {self._called(b)}")

    def set_lock(self, eid: str, locked: bool) -> EventView:
        with self.lock:
            self._active(eid)
            if not isinstance(locked, bool):
                raise EventError(f"locked must be true or false; got {locked!r}", 400)
            if locked and self.state.teams[eid] < 1:
                raise EventError(f"{self._called(eid)} is in no team: place it, then lock it")
            if (eid in self.state.locked) == locked:
                return self.view()
            team, pinned = self.state.teams[eid], self.rules.pins.get(eid)
            if locked and ((eid, team) in self.rules.forbidden or pinned not in (None, team)):
                # a lock the rules break could never be kept: every repair would fail on it
                why = (
                    f"the rules pin it to team {pinned}: move it there first"
                    if pinned not in (None, team)
                    else f"the rules keep it out of team {team}: move it to another team first"
                )
                raise EventError(f"{self._called(eid)} cannot be locked in team {team}; {why}", 409)
            word = "locked" if locked else "unlocked"
            return self._record(
                {"op": "lock", "establishment_id": eid, "locked": locked},
                f"{word} {self._called(eid)}",
            )

    def _pins(self, state: EventState, cohort: Cohort) -> dict[str, int]:
        known = cohort.establishment_by_id
        return {
            e: state.teams[e] for e in state.locked if e in known and state.teams.get(e, 0) >= 1
        }

    def withdraw(self, eid: str, time_limit: float = 10.0) -> EventView:
        """Withdraw an establishment and restore every rule with the fewest moves (locks stay)."""
        with self.lock:
            self._active(eid)
            state = self.state
            cohort = self.cohort_for(state)
            teams = {e: t for e, t in state.teams.items() if t >= 1}
            entry: dict[str, Any] = {"op": "withdraw", "establishment_id": eid, "moves": {}}
            message = f"{cohort.establishment_by_id[eid].name} withdrew"
            if eid in teams:
                # the schools not placed stay so: the repair is of the teams as they stand
                unplaced = [f"establishment:{e}" for e in state.teams if e not in teams]
                cohort = apply_changes(cohort, unplaced).cohort if unplaced else cohort
                pins = self._pins(state, cohort)
                pins.pop(eid, None)
                result = rematch_teams(
                    cohort, teams, [f"establishment:{eid}"],
                    rules=self.rules_for(cohort, pins), objective=self.snapshot.objective,
                    time_limit=time_limit, seed=self.snapshot.seed,
                    previous_links=state.links, prove=False,
                )  # fmt: skip
                if result.feasible:
                    record_repair(
                        entry,
                        result.establishment_team(),
                        result.facilitator_links,
                        teams,
                        state.links,
                    )
                    message += "; " + moves_text(cohort, entry["moves"])
                else:
                    message += "; the rules could not all be restored: " + plain_reason(result)
                entry["note"] = message
            return self._record(entry, message)

    def add(self, extra: Cohort, time_limit: float = 10.0) -> EventView:
        """Add late establishments (survey rows), each placed with the fewest moves."""
        with self.lock:
            if not extra.establishments:
                raise EventError("the rows name no establishment", 400)
            state = self.state
            cohort = self.cohort_for(state)
            for est in extra.establishments:  # all checked first: a refused paste adds none
                self._joined(_alone(extra, est.id), state, cohort)
            view = self.view()
            for est in extra.establishments:
                view = self._add_one(_alone(extra, est.id), time_limit)
            return view

    def add_from_list(self, eid: str, time_limit: float = 10.0) -> EventView:
        """Add a school from the late additions given at the start, or bring back one that
        withdrew (with the survey rows it had)."""
        with self.lock:  # the state read here is the one added to
            state = self.state
            if eid in self.cohort_for(state).establishment_by_id:
                raise EventError(f"{self._called(eid)} is already in the event", 409)
            record = state.records.get(eid) if eid in state.withdrawn else None
            if record is not None:  # a late school that withdrew: the rows it came with
                themes = self.snapshot.cohort.themes
                one = Cohort(themes=themes, establishments=(record.establishment,),
                             practitioners=record.practitioners)  # fmt: skip
                return self._add_one(one, time_limit)
            source = self.snapshot.cohort if eid in state.withdrawn else self.snapshot.additions
            if source is None or eid not in source.establishment_by_id:
                raise EventError(
                    f"{eid!r} is neither in the list of late additions nor withdrawn", 404
                )
            return self._add_one(_alone(source, eid), time_limit)

    def _joined(self, one: Cohort, state: EventState, cohort: Cohort) -> Cohort:
        """The cohort with ``one`` (a single establishment) added, or why it cannot be."""
        eid = one.establishments[0].id
        if eid in cohort.establishment_by_id:
            raise EventError(f"{one.establishments[0].name} ({eid}) is already in the event", 409)
        owner = state.owner_elsewhere(one, self.snapshot.cohort)
        if owner is not None:  # an id is one person's, withdrawn or not (changes.json)
            pid, school = owner
            gone = ", which withdrew" if school in state.withdrawn else ""
            raise EventError(
                f"practitioner id {pid} is a nominee of {self._called(school)}{gone}: give "
                "the new nominee an id of their own",
                409,
            )
        try:
            return apply_changes(cohort, (), one).cohort  # checks clashes, orders themes
        except Exception as exc:
            raise EventError(str(exc), 400) from exc

    def _add_one(self, one: Cohort, time_limit: float) -> EventView:
        state = self.state
        cohort = self.cohort_for(state)
        eid = one.establishments[0].id
        joined = self._joined(one, state, cohort)
        record = AddedRecord(
            joined.establishment_by_id[eid],
            tuple(p for p in joined.practitioners if p.establishment_id == eid),
        )
        entry: dict[str, Any] = {"op": "add", "record": record.to_dict(), "moves": {eid: 0}}
        teams = {e: t for e, t in state.teams.items() if t >= 1}
        back = eid in state.withdrawn
        message = f"{'brought back' if back else 'added'} {record.establishment.name}"
        # schools already waiting in Not placed are left out of this placement (as if
        # withdrawn), so one that cannot be placed never blocks the schools after it
        waiting = [f"establishment:{e}" for e, t in state.teams.items() if t < 1]
        result = rematch_teams(
            cohort, teams, waiting, one,
            rules=self.rules_for(cohort, self._pins(state, cohort)),
            objective=self.snapshot.objective, time_limit=time_limit,
            seed=self.snapshot.seed, previous_links=state.links, prove=False,
        )  # fmt: skip
        if result.feasible:
            after = record_repair(
                entry, result.establishment_team(), result.facilitator_links, teams, state.links
            )
            moved = len(entry["moves"]) - 1
            message += f" to team {after[eid]} ({plural(moved, 'other move')})"
        else:
            message += " but cannot place it keeping every rule: " + unplaced_reason(result)
        entry["note"] = message
        return self._record(entry, message)

    # ------------------------------------------------------------------ re-optimise
    def reoptimise(
        self,
        time_limit: float = 30.0,
        progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Solve the rest again (locked establishments stay); record and return a proposal.

        Returns the proposal (moves, objective, bound, gap), or ``{"cancelled": True}``.
        """
        if not (isinstance(time_limit, int | float) and 0 < float(time_limit) <= 3600):
            raise EventError(f"time_limit must be seconds in (0, 3600]; got {time_limit!r}", 400)
        with self.lock:
            if self._running is not None:
                raise EventError("a re-optimisation is already running")
            cancel = self._running = threading.Event()
            base_version, state = self.version, self.state
            child, self._spare = self._spare, None
        try:
            cohort = self.cohort_for(state)
            pins = self._pins(state, cohort)
            current = {e: t for e, t in state.teams.items() if t >= 1}

            def report(data: dict[str, Any]) -> None:
                self.publish("progress", {**data, "time_limit": float(time_limit)})
                if progress is not None:
                    progress(data)

            try:
                solved = solve_in_child(
                    cohort, self.rules_for(cohort, pins), objective=self.snapshot.objective,
                    time_limit=float(time_limit), seed=self.snapshot.seed,
                    warm_start=current, progress=report, cancel=cancel, child=child,
                )  # fmt: skip
            except SolverTimeout as exc:  # not a fault of the server: a busy computer
                raise EventError(
                    f"re-optimise gave {exc}: the computer is busy. The teams are as they "
                    "were; try again with more seconds", 503,
                ) from exc  # fmt: skip
            except RuntimeError as exc:
                raise EventError(f"re-optimise failed: {exc}", 500) from exc
            if solved is None:
                self.publish("progress", {"done": True, "cancelled": True})
                return {"cancelled": True, "moves": []}
            if not solved.teams:  # the child gives the reason in the room's words
                raise EventError(
                    "re-optimise found no teams keeping every rule: " + solved.notes[0]
                )
            return self._propose(state, cohort, solved, pins, current, base_version, time_limit)
        except BaseException:
            self.publish("progress", {"done": True, "failed": True})  # every tab's bar closes
            raise
        finally:
            with self.lock:
                self._running = None
                if child is not None:  # the page keeps one ready: start the next
                    self._spare = SolverProcess()

    def cancel_reoptimise(self) -> bool:
        with self.lock:
            if self._running is None:
                return False
            self._running.set()
            return True

    @property
    def reoptimising(self) -> bool:
        return self._running is not None

    def _propose(
        self,
        state: EventState,
        cohort: Cohort,
        solved: Any,
        pins: Mapping[str, int],
        current: Mapping[str, int],
        base_version: int,
        time_limit: float,
    ) -> dict[str, Any]:
        weight = {e.id: len(cohort.nominees[e.id]) for e in cohort.establishments}
        fixed = set(pins.values()) | {t for e, t in self.rules_for(cohort).pins.items()}
        labels = stable_labels(solved.teams, current, self.n_teams, fixed=fixed, weight=weight)
        teams = {e: labels[t] for e, t in solved.teams.items()}
        links = [[f, labels[t]] for f, t in solved.links]
        _, kept = self.evaluate_state(replace(state, teams=teams))
        if state.links and not any(b.rule in FACILITATOR_RULES for b in kept.breaches):
            links = [list(link) for link in state.links]  # the present links still hold
        trial = replace(state, teams=teams, links=tuple((f, t) for f, t in links))
        _, evaluation = self.evaluate_state(trial)
        names = cohort.establishment_by_id
        moves = [
            {"establishment_id": e, "establishment_name": names[e].name,
             "from_team": current.get(e), "to_team": t}
            for e, t in teams.items() if current.get(e) != t
        ]  # fmt: skip
        proposal: dict[str, Any] = {
            "id": base_version + 1,
            "teams": {e: t for e, t in teams.items() if current.get(e) != t},
            "links": links,
            "moves": moves,
            "objective": evaluation.objective,
            "bound": solved.bound,
            "gap": None
            if solved.bound is None
            else relative_gap(evaluation.objective, solved.bound),
            "status": solved.status,
            "breaches": [b.message for b in evaluation.breaches],
            "locked": sorted(pins),
            "time_limit": float(time_limit),
        }
        if solved.bound is not None and not pins:
            proposal["bound_for"] = {"for": state.cohort_key(teams), "value": solved.bound}
        with self.lock:
            if self.version != base_version:
                raise EventError("the teams changed while re-optimising; run it again")
            self.publish("progress", {"done": True})  # before the new board: no bar over it
            self._record({"op": "reoptimise_proposed", "proposal": proposal},
                         f"re-optimise proposes {plural(len(moves), 'move')}")  # fmt: skip
        return proposal

    def accept(self) -> EventView:
        with self.lock:
            if self.timeline.proposal is None:
                raise EventError("there is no proposal to accept")
            n = len(self.timeline.proposal.get("moves", []))
            return self._record({"op": "reoptimise_accepted"}, f"accepted {plural(n, 'move')}")

    def reject(self) -> EventView:
        with self.lock:
            if self.timeline.proposal is None:
                raise EventError("there is no proposal to reject")
            return self._record({"op": "reoptimise_rejected"}, "proposal rejected")

    # ------------------------------------------------------------------ undo, versions
    def undo(self) -> EventView:
        with self.lock:
            if self.timeline.proposal is not None:  # the last thing that came: set aside first
                note = "proposal set aside (undo); undo again to undo the last change"
                return self._record({"op": "reoptimise_rejected"}, note)
            if not self.timeline.past:
                return self.view()
            words = what_changes(self.snapshot, self.state, self.timeline.past[-1])
            return self._record({"op": "undo"}, f"undone: {words}")

    def redo(self) -> EventView:
        with self.lock:
            if not self.timeline.future:
                return self.view()
            words = what_changes(self.snapshot, self.state, self.timeline.future[-1])
            return self._record({"op": "redo"}, f"redone: {words}")

    def save_version(self, name: str) -> EventView:
        with self.lock:
            name = str(name).strip()
            broken = any(ord(c) < 32 or ord(c) == 127 for c in name)  # a newline, a NUL
            if not name or len(name) > 80 or name == "current" or broken:
                raise EventError(
                    "a version needs a name of 1-80 characters on one line (not 'current')", 400
                )
            if name in self.timeline.versions:  # never replaced silently
                raise EventError(f"a version named {name!r} is saved already: choose another", 409)
            return self._record({"op": "version_saved", "name": name}, f"saved version {name!r}")

    def version_state(self, name: str) -> EventState:
        if name == "current":
            return self.state
        if name not in self.timeline.versions:
            raise EventError(f"no version named {name!r}", 404)
        return self.timeline.versions[name]


def _alone(cohort: Cohort, eid: str) -> Cohort:
    """The establishment ``eid`` of ``cohort`` with its nominees, as a cohort of its own."""
    one = (cohort.establishment_by_id[eid],)
    return Cohort(themes=cohort.themes, establishments=one, practitioners=cohort.nominees[eid])
