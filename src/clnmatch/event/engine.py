"""The matching event's decisions: ``Event`` moves, swaps and locks schools, re-optimises,
undoes and redoes, and saves versions; who takes part (withdrawals, late schools) is
``membership``'s. The folder, the journal and the evaluated state are ``EventCore``'s.

Every decision (move, swap, lock, withdraw a school or a nominee, add, bring back, place a
facilitator, re-optimise proposed / accepted / rejected, version saved or restored, undo,
redo) is checked, written and fsync-ed to the journal, and only then applied with
``Timeline.apply``, the same function a replay uses. Re-optimise runs ``solve`` in a child process (``optimise``), and
its teams keep their numbers (``stable_labels``). Facilitator links stay as they are while
every facilitator rule holds, and are allocated afresh when a change breaks one. A move
takes 7 ms at CLN scale (median; the page's whole answer 27 ms:
``benchmarks/event_speed.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from clnmatch.event import membership
from clnmatch.event.core import EXPORTS_FOLDER, JOURNAL_FILE, SNAPSHOT_FILE, TOKENS_FILE, EventCore
from clnmatch.event.optimise import SolverProcess, SolverTimeout, solve_in_child
from clnmatch.event.state import EventError, EventState
from clnmatch.event.view import EventView
from clnmatch.event.words import what_changes
from clnmatch.facilitators import FACILITATOR_RULES
from clnmatch.models import Cohort, Facilitator
from clnmatch.rematch import stable_labels
from clnmatch.trace import proven_gap
from clnmatch.wording import plural

__all__ = ["Event", "EXPORTS_FOLDER", "JOURNAL_FILE", "SNAPSHOT_FILE", "TOKENS_FILE"]


class Event(EventCore):
    """A matching event kept in a folder. Thread-safe: one decision at a time."""

    # ------------------------------------------------------------------ decisions
    def move(self, eid: str, team: object) -> EventView:
        """Put an establishment in a team; breaches it makes are shown, not refused."""
        with self.lock:
            self.require_active(eid)
            target = self.team_number(team)
            if eid in self.state.locked:
                raise EventError(
                    f"{self.called(eid)} is locked in team {self.state.teams[eid]}; unlock it first"
                )
            if self.state.teams[eid] == target:
                return self.view()
            teams = self.state.with_teams({eid: target})
            entry: dict[str, Any] = {"op": "move", "establishment_id": eid, "team": target}
            if (links := self.links_after(teams, self.state)) is not None:
                entry["links"] = links
            name = self.view().cohort.establishment_by_id[eid].name
            return self.record(entry, f"moved {name} to team {target}")

    def swap(self, a: str, b: str) -> EventView:
        """Swap the teams of two establishments."""
        with self.lock:
            for eid in (a, b):
                self.require_active(eid)
                if eid in self.state.locked:
                    raise EventError(f"{self.called(eid)} is locked; unlock it first")
            ta, tb = self.state.teams[a], self.state.teams[b]
            if ta == tb:
                raise EventError(f"{self.called(a)} and {self.called(b)} are in the same team", 400)
            teams = self.state.with_teams({a: tb, b: ta})
            entry: dict[str, Any] = {"op": "swap", "a": a, "b": b}
            if (links := self.links_after(teams, self.state)) is not None:
                entry["links"] = links
            return self.record(entry, f"swapped {self.called(a)} and {self.called(b)}")

    def set_lock(self, eid: str, locked: bool) -> EventView:
        with self.lock:
            self.require_active(eid)
            _require_bool(locked)
            if locked and self.state.teams[eid] < 1:
                raise EventError(f"{self.called(eid)} is in no team: place it, then lock it")
            if (eid in self.state.locked) == locked:
                return self.view()
            if locked:
                self._require_lockable(eid)
            word = "locked" if locked else "unlocked"
            return self.record(
                {"op": "lock", "establishment_id": eid, "locked": locked},
                f"{word} {self.called(eid)}",
            )

    def set_team_lock(self, team: object, locked: bool) -> EventView:
        """Lock (or unlock) every school of a team, as one decision."""
        with self.lock:
            _require_bool(locked)
            team = self.team_number(team)
            members = self.view().team_members(self.n_teams)[team]
            changing = [e for e in members if (e in self.state.locked) != locked]
            if not changing:
                return self.view()
            if locked and (blocked := [w for e in changing if (w := self._lock_refusal(e))]):
                raise EventError(
                    f"team {team} cannot be locked: " + "; ".join(blocked), 409
                )  # every school the rules block, not the first only
            word = "locked" if locked else "unlocked"
            return self.record(
                {"op": "lock_team", "team": team, "establishment_ids": changing, "locked": locked},
                f"{word} team {team} ({len(changing)} school{'s' if len(changing) != 1 else ''})",
            )

    def _require_lockable(self, eid: str) -> None:
        if refusal := self._lock_refusal(eid):
            raise EventError(refusal, 409)

    def _lock_refusal(self, eid: str) -> str | None:
        """Why a lock the rules break is refused (it could never be kept: every repair
        would fail on it), or None."""
        team, pinned = self.state.teams[eid], self.rules.pins.get(eid)
        if (eid, team) not in self.rules.forbidden and pinned in (None, team):
            return None
        why = (
            f"the rules pin it to team {pinned}: move it there first"
            if pinned not in (None, team)
            else f"the rules keep it out of team {team}: move it to another team first"
        )
        return f"{self.called(eid)} cannot be locked in team {team}; {why}"

    def place_facilitator(self, fid: str, team: object) -> EventView:
        """Place a facilitator with a team by hand (their only team from now), or with
        ``team`` 0 or None let the rules choose again. Every later allocation keeps them
        there; teams they leave get another facilitator where the rules allow."""
        with self.lock:
            state = self.state
            fid = membership.facilitator_id(self, fid)
            name = membership.present_facilitator(self, fid).name
            if team is None or (isinstance(team, int) and not isinstance(team, bool) and team == 0):
                if fid not in state.facilitators_placed:
                    return self.view()
                entry: dict[str, Any] = {"op": "place_facilitator", "facilitator_id": fid,
                                         "team": 0}  # fmt: skip
                return self.record(entry, f"facilitator {name}: the rules choose their team again")
            target = self.team_number(team)
            if state.facilitators_placed.get(fid) == target and (fid, target) in state.links:
                return self.view()
            links = tuple(link for link in state.links if link[0] != fid) + ((fid, target),)
            placed = {**state.facilitators_placed, fid: target}
            after = replace(state, facilitators_placed=placed, links=links)
            entry = {"op": "place_facilitator", "facilitator_id": fid, "team": target}
            words = membership.relink(self, entry, state, after, quiet=fid)
            return self.record(entry, f"facilitator {name} placed with team {target}" + words)

    # ------------------------------------------------------------------ who takes part
    def withdraw(self, eid: str, time_limit: float = 10.0) -> EventView:
        """Withdraw an establishment and restore every rule with the fewest moves (locks stay)."""
        return membership.withdraw(self, eid, time_limit)

    def withdraw_person(self, pid: str, time_limit: float = 10.0) -> EventView:
        """Withdraw one nominee (their school stays), restoring every rule with the fewest moves."""
        return membership.withdraw_person(self, pid, time_limit)

    def return_person(self, pid: str, time_limit: float = 10.0) -> EventView:
        """Bring back a nominee who withdrew, into their school's team (fewest moves)."""
        return membership.return_person(self, pid, time_limit)

    def withdraw_facilitator(self, fid: str) -> EventView:
        """Withdraw a facilitator: their teams get another where the rules allow."""
        return membership.withdraw_facilitator(self, fid)

    def return_facilitator(self, fid: str) -> EventView:
        """Bring back a facilitator who withdrew (linked where the rules need them)."""
        return membership.return_facilitator(self, fid)

    def add_facilitator(self, facilitator: Facilitator) -> EventView:
        """Add a facilitator on the day (a replacement): linked where the rules need them."""
        return membership.add_facilitator(self, facilitator)

    def add(self, extra: Cohort, time_limit: float = 10.0) -> EventView:
        """Add late establishments (survey rows), each placed with the fewest moves."""
        return membership.add(self, extra, time_limit)

    def add_from_list(self, eid: str, time_limit: float = 10.0) -> EventView:
        """Add a school from the late additions given at the start, or bring back one that
        withdrew (with the survey rows it had)."""
        return membership.add_from_list(self, eid, time_limit)

    # ------------------------------------------------------------------ re-optimise
    def reoptimise(
        self,
        time_limit: float = 30.0,
        progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Solve the rest again (locked establishments stay); record and return a proposal.

        Returns the proposal (moves, objective, bound, gap), or ``{"cancelled": True}``.
        ``time_limit`` is the search's, from when its solver process is ready: a call
        without ``prepare_reoptimise()`` before it also waits for one to start.
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
            pins = self.locked_pins(state, cohort)
            current = {e: t for e, t in state.teams.items() if t >= 1}

            def report(data: dict[str, Any]) -> None:
                self.publish("progress", {**data, "time_limit": float(time_limit)})
                if progress is not None:
                    progress(data)

            try:
                solved = solve_in_child(
                    self.search_cohort(cohort), self.rules_for(cohort, pins),
                    objective=self.snapshot.objective,
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
        # searched without the facilitators (an authority short of them), or some placed by
        # hand: linked to these teams, placements kept
        unlinked = not links and bool(cohort.facilitators)
        if unlinked:  # kept where the allocation can, and where none keeps every rule
            present = {f.id for f in cohort.facilitators}
            trial = replace(trial, links=tuple((f, t) for f, t in state.links if f in present))
        if unlinked or state.facilitators_placed:
            placed = self.links_after(teams, trial)
            if placed is None and unlinked:  # no allocation keeps the rules: links stay
                placed = [list(link) for link in trial.links]
            if placed is not None:
                links = placed
                trial = replace(trial, links=tuple((f, t) for f, t in links))
        _, evaluation = self.evaluate_state(trial)
        names = cohort.establishment_by_id
        moves = [
            {"establishment_id": e, "establishment_name": names[e].name,
             "from_team": current.get(e), "to_team": t}
            for e, t in teams.items() if current.get(e) != t
        ]  # fmt: skip
        # the board's proven bound holds for these schools too (locks only restrict):
        # a short re-optimise's own was worse (680.3 against the board's 581.9)
        bound = solved.bound
        if not self.proofs.impossible(state, cohort, self.rules_for(cohort)):
            known = self.bound_for(state, cohort)
            bound = known if bound is None else min(bound, known)
        if bound is not None and evaluation.feasible:  # as the board: rounding aside
            bound = max(bound, evaluation.objective)
        # a team keeping its number may take another focus theme: said (people at "team 7,
        # Parental engagement" found it Outdoor learning: a first-time lead officer)
        _, board = self.evaluate_state(state)
        themes = cohort.themes
        focus_changes = [
            {"team": t, "from": themes[a] if a >= 0 else None, "to": themes[b]}
            for t, (a, b) in enumerate(zip(board.team_focus, evaluation.team_focus, strict=True), 1)
            if b >= 0 and a != b
        ]
        proposal: dict[str, Any] = {
            "id": base_version + 1,
            "teams": {e: t for e, t in teams.items() if current.get(e) != t},
            "links": links,
            "moves": moves,
            "objective": evaluation.objective,
            "bound": bound,
            # no gap while a rule is broken (as the board), nor "optimal": the search's
            # word is for the schools alone when an authority lacks facilitators
            "gap": proven_gap(evaluation.objective, bound, evaluation.feasible),
            "status": "feasible"
            if evaluation.breaches
            else "optimal"
            if bound is not None and bound <= evaluation.objective
            else solved.status,
            "breaches": [b.message for b in evaluation.breaches],
            "locked": sorted(pins),
            "parted": _parted(pins, current, teams, names),
            "focus_changes": focus_changes,
            "time_limit": float(time_limit),
        }
        if solved.bound is not None and not pins:
            proposal["bound_for"] = {"for": state.cohort_key(teams), "value": solved.bound}
        with self.lock:
            if self.version != base_version:
                raise EventError("the teams changed while re-optimising; run it again")
            self.publish("progress", {"done": True})  # before the new board: no bar over it
            self.record({"op": "reoptimise_proposed", "proposal": proposal},
                         f"re-optimise proposes {plural(len(moves), 'move')}")  # fmt: skip
        return proposal

    def accept(self) -> EventView:
        with self.lock:
            if self.timeline.proposal is None:  # never made, or set aside by a change since
                raise EventError(
                    "there is no proposal to accept (a change to the teams sets one aside): "
                    "re-optimise again"
                )
            proposal = self.timeline.proposal
            n = len(proposal.get("moves", []))
            links = proposal.get("links")
            same_links = links is None or {(f, int(t)) for f, t in links} == set(self.state.links)
            if n == 0 and same_links:  # its proof is kept, but there is no step to undo
                note = "accepted: nothing changes (the teams already were the proposal)"
                return self.record({"op": "reoptimise_accepted", "unchanged": True}, note)
            return self.record({"op": "reoptimise_accepted"}, f"accepted {plural(n, 'move')}")

    def reject(self) -> EventView:
        with self.lock:
            if self.timeline.proposal is None:
                raise EventError("there is no proposal to reject")
            return self.record({"op": "reoptimise_rejected"}, "proposal rejected")

    # ------------------------------------------------------------------ undo, versions
    def undo(self) -> EventView:
        with self.lock:
            if self.timeline.proposal is not None:  # the last thing that came: set aside first
                note = "proposal set aside (undo); undo again to undo the last change"
                return self.record({"op": "reoptimise_rejected"}, note)
            if not self.timeline.past:
                return self.view()
            words = what_changes(self.snapshot, self.state, self.timeline.past[-1])
            return self.record({"op": "undo"}, f"undone: {words}")

    def redo(self) -> EventView:
        with self.lock:
            if not self.timeline.can_redo:
                return self.view()
            words = what_changes(self.snapshot, self.state, self.timeline.future[-1])
            return self.record({"op": "redo"}, f"redone: {words}")

    def undo_redo_words(self) -> tuple[str, str]:
        """What Undo and Redo would do now, in words ('' when there is nothing to do), so
        that each button can say it before it is pressed (a second laptop's Undo undoes
        the decision before the one it saw undone)."""
        with self.lock:
            timeline = self.timeline
            if timeline.proposal is not None:
                undo = "set the proposal aside"
            elif timeline.past:
                undo = what_changes(self.snapshot, self.state, timeline.past[-1])
            else:
                undo = ""
            redo = ""
            if timeline.can_redo:
                redo = what_changes(self.snapshot, self.state, timeline.future[-1])
            return undo, redo

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
            return self.record({"op": "version_saved", "name": name}, f"saved version {name!r}")

    def restore_version(self, name: str) -> EventView:
        """The board as version ``name`` saved it (its schools, people, locks and links),
        as one decision: undo brings back the board it replaced."""
        with self.lock:
            target = self.version_state(name)
            now = self.state  # the same board, and the same people (a late school's rows)
            if name == "current" or (
                target.key() == now.key()
                and target.cohort_key(target.teams) == now.cohort_key(now.teams)
            ):
                self.last_change = {
                    "op": "version_restored",
                    "message": f"the board already is version {name!r}: nothing changed",
                    "version": self.version,
                }
                return self.view()
            words = what_changes(self.snapshot, now, target)
            return self.record(
                {"op": "version_restored", "name": name},
                f"version {name!r} restored ({words}); undo brings back the board before it",
            )

    def version_state(self, name: str) -> EventState:
        if name == "current":
            return self.state
        if name not in self.timeline.versions:
            raise EventError(f"no version named {name!r}", 404)
        return self.timeline.versions[name]


def _require_bool(locked: object) -> None:
    if not isinstance(locked, bool):
        raise EventError(f"locked must be true or false; got {locked!r}", 400)


def _parted(
    pins: Mapping[str, int],
    current: Mapping[str, int],
    teams: Mapping[str, int],
    names: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Locked schools the proposal keeps with fewer than half of their present team mates:
    a lock keeps a school's team number, not its team mates (a room that moved a school
    and locked it saw it back among its old ones under the new number)."""
    parted = []
    for eid, team in sorted(pins.items()):
        mates = [e for e, t in current.items() if t == team and e != eid and e not in pins]
        kept = sum(1 for e in mates if teams.get(e) == team)
        if mates and 2 * kept < len(mates):
            parted.append(
                {"establishment_id": eid, "establishment_name": names[eid].name,
                 "team": team, "kept": kept, "mates": len(mates)}
            )  # fmt: skip
    return parted
