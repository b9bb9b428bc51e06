"""``rematch`` and ``rematch_teams``: restore every rule with as few moves as possible.

See the package docstring for the method. This module joins the stages, decides what was
proven, keeps facilitator links that still hold and says what changed and why.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.bounds import relaxation_bound_milli
from clnmatch.errors import InfeasibleError, InvalidParameterError
from clnmatch.evaluate import Breach, Evaluation, check, evaluate
from clnmatch.facilitators import FACILITATOR_RULES, AllocationNotFound
from clnmatch.models import Cohort, Practitioner, Rules
from clnmatch.parameters import check_cohort_and_rules
from clnmatch.problem import SCALE, ObjectiveWeights, Problem
from clnmatch.rematch.changes import (
    CHANGES_FILE,
    AddedInput,
    ChangeRecord,
    CohortChange,
    apply_changes,
)
from clnmatch.rematch.labels import FacilitatorChange, facilitator_changes, stable_labels
from clnmatch.rematch.moves import Move, describe_moves
from clnmatch.rematch.previous import establishment_teams
from clnmatch.rematch.restore import move_back
from clnmatch.rematch.stages import conflicting_rules, max_objective, min_moves
from clnmatch.result import Result, Statistics, Status
from clnmatch.shared_facilitators import capped_around, shared_facilitator_problem
from clnmatch.solve import check_seed, check_time_limit, solve

if TYPE_CHECKING:
    import pandas as pd

    from clnmatch.diagnose import Diagnosis
    from clnmatch.facilitators import Allocation

__all__ = ["MODES", "Move", "RematchResult", "rematch", "rematch_teams"]

IntArray = NDArray[np.int64]
MODES = ("fewest_moves", "reoptimise")
FRESH_NOTE = "fresh solve of the changed cohort:"
# shares of the time limit: fewest moves by this point, then the objective among them by
# the next; what is left proves a bound for the whole remaining cohort (a fresh solve)
_STAGE1_SHARE = 0.25
_STAGE2_SHARE = 0.55
_LEAST_ALLOCATION_S = 0.2  # the facilitators' allocation gets this, even past the limit
_MOVE_BACK_SHARE = 0.2  # of the time left after stage 1 found nothing
_LEAST_FRESH_S = 0.3  # a fresh solve that is the only answer gets this, even past the limit


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class RematchResult(Result):
    """A ``Result`` for the changed cohort, plus what moved and why.

    ``moves`` lists previously placed establishments that changed team; ``withdrawn``
    the establishments that left (``to_team`` None); ``added`` the late additions
    (``from_team`` None). ``broken_before`` are the breaches the changes caused had
    nobody moved. ``bound`` bounds every rule-abiding assignment of the changed cohort
    (not only those with few moves), so ``status`` is ``optimal`` only when no such
    assignment scores higher; ``fewest_moves_bound`` bounds those with at most
    ``len(moves)`` moves. ``facilitator_changes`` lists every facilitator whose teams
    changed; ``change`` is what was withdrawn and added.
    """

    moves: tuple[Move, ...] = ()
    withdrawn: tuple[Move, ...] = ()
    added: tuple[Move, ...] = ()
    withdrawn_practitioners: tuple[str, ...] = ()
    withdrawn_facilitators: tuple[str, ...] = ()
    broken_before: tuple[Breach, ...] = ()
    moves_proven_minimal: bool = False
    previous_teams: dict[str, int] = field(default_factory=dict)
    fewest_moves_bound: float | None = None
    facilitator_changes: tuple[FacilitatorChange, ...] = ()
    best_known: float | None = None  # a fresh solve's objective (any number of moves)
    mode: str = "fewest_moves"
    change: CohortChange | None = None
    added_practitioners: tuple[str, ...] = ()  # every nominee who joined, a school's or alone
    # every withdrawal and addition since the survey, this one's too (changes.json)
    record: ChangeRecord | None = None
    # the rows of everyone who withdrew so far: a fresh export of the whole survey given
    # to a re-match of this result leaves them out (``withdrawn_before``)
    withdrawn_rows: tuple[Practitioner, ...] = ()

    @property
    def n_moves(self) -> int:
        return len(self.moves)

    def moves_frame(self) -> pd.DataFrame:
        """One row per withdrawal, move and addition (ids, names of establishments, teams)."""
        import pandas as pd

        rows = []
        for kind, items in (
            ("withdrawn", self.withdrawn),
            ("moved", self.moves),
            ("added", self.added),
        ):
            rows += [{"change": kind, **m.to_dict()} for m in items]
        frame = pd.DataFrame(rows, columns=["change", *(f.name for f in dataclass_fields(Move))])
        for column in ("from_team", "to_team"):
            frame[column] = frame[column].astype("Int64")  # whole numbers, blank where none
        return frame

    def own_files(self) -> dict[str, Any]:
        """moves.csv, and changes.json: a later re-match of the folder knows who left."""
        files: dict[str, Any] = {"moves.csv": self.moves_frame()}
        if (record := self.record) is not None:
            files[CHANGES_FILE] = lambda pseudonyms: json.dumps(
                record.to_dict(pseudonyms=pseudonyms), indent=2, ensure_ascii=False
            )
        return files

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["rematch"] = {
            "mode": self.mode,
            "moves": [m.to_dict() for m in self.moves],
            "moves_proven_minimal": self.moves_proven_minimal,
            "fewest_moves_bound": self.fewest_moves_bound,
            "best_known_objective": self.best_known,
            "withdrawn": [m.to_dict() for m in self.withdrawn],
            "withdrawn_practitioners": list(self.withdrawn_practitioners),
            "withdrawn_facilitators": list(self.withdrawn_facilitators),
            "added": [m.to_dict() for m in self.added],
            "added_practitioners": list(self.added_practitioners),
            "facilitator_changes": [c.to_dict() for c in self.facilitator_changes],
            "broken_before": [b.to_dict() for b in self.broken_before],
        }
        return out

    def warnings(self) -> list[str]:
        """The notes a person should read: what was assumed or dropped, not the stages'
        progress (``stage ...``) or the fresh solve's figures (in the summary already)."""
        progress = ("stage ", FRESH_NOTE)
        return [n for n in self.notes if not n.startswith(progress)]

    def change_lines(self) -> list[str]:
        """Plain lines for a terminal: every withdrawal, move, addition and facilitator link
        change (establishments by id and name; people counted: an id may be an address)."""
        lines = [f"withdrawn {m.said()}: was in team {m.from_team}" for m in self.withdrawn]
        school_of = {p.id: p.establishment_id for p in self.withdrawn_rows}
        schools = {m.establishment_id for m in self.withdrawn}
        if gone := [p for p in self.withdrawn_practitioners if school_of.get(p) not in schools]:
            lines.append(f"{len(gone)} nominee(s) withdrawn alone (their schools stay).")
        if self.withdrawn_facilitators:
            lines.append(f"{len(self.withdrawn_facilitators)} facilitator(s) withdrawn.")
        lines += [
            f"move {m.said()}: team {m.from_team} -> {m.to_team} ({m.reason})" for m in self.moves
        ]
        lines.append(f"{self.n_moves} establishment(s) moved.")
        lines += [f"add {m.said()}: team {m.to_team} ({m.reason})" for m in self.added]
        if self.added:
            lines.append(f"{len(self.added)} establishment(s) added.")
        lines += [c.text() for c in self.facilitator_changes]
        lines.append(f"{len(self.facilitator_changes)} facilitator(s) changed team.")
        return lines


# --------------------------------------------------------------------------- previous teams
def _check_inputs(cohort: object, rules: object, previous_teams: object) -> None:
    """Wrong types fail here, saying what was expected; so do previous teams that name
    nobody of the cohort (every establishment would be placed as a late addition)."""
    check_cohort_and_rules(cohort, rules, "rematch")
    assert isinstance(cohort, Cohort)
    expected = "a dict of establishment (or practitioner) id -> team of the cohort"
    if not isinstance(previous_teams, Mapping) or not all(
        isinstance(t, int | np.integer) and not isinstance(t, bool) for t in previous_teams.values()
    ):
        raise InvalidParameterError.for_value("previous_teams", "rematch", expected, previous_teams)
    known = cohort.establishment_by_id.keys() | cohort.practitioner_by_id.keys()
    if previous_teams and not any(key in known for key in previous_teams):
        raise InvalidParameterError.for_value(
            "previous_teams", "rematch", expected, sorted(map(str, previous_teams))[:5]
        )


# --------------------------------------------------------------------------- rematch
def rematch(
    previous: Result,
    withdrawn: Sequence[str] = (),
    added: AddedInput | None = None,
    *,
    rules: Rules | None = None,
    objective: str | ObjectiveWeights | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    mode: str = "fewest_moves",
) -> RematchResult:
    """Restore every rule after withdrawals and additions, moving as few establishments as possible.

    ``rules`` and ``objective`` default to those of ``previous``. See ``rematch_teams``.
    """
    if not isinstance(previous, Result) or not previous.assignment:
        raise InvalidParameterError.for_value(
            "previous",
            "rematch",
            "a result with an assignment",
            str(previous.status) if isinstance(previous, Result) else previous,
        )
    return rematch_teams(
        previous.cohort,
        previous.establishment_team(),
        withdrawn,
        added,
        rules=rules or previous.rules,
        objective=objective if objective is not None else _objective_of(previous),
        time_limit=time_limit,
        seed=seed,
        previous_links=previous.facilitator_links,
        mode=mode,
        earlier=previous.record if isinstance(previous, RematchResult) else None,
        withdrawn_before=previous.withdrawn_rows if isinstance(previous, RematchResult) else (),
    )


def _objective_of(previous: Result) -> str | ObjectiveWeights:
    """What ``previous`` was solved for: its weights (custom ones have no name to go by)."""
    return previous.objective_weights or previous.objective_name


def rematch_teams(
    cohort: Cohort,
    previous_teams: Mapping[str, int],
    withdrawn: Sequence[str] = (),
    added: AddedInput | None = None,
    *,
    rules: Rules | None = None,
    objective: str | ObjectiveWeights = "blend",
    time_limit: float = 30.0,
    seed: int = 0,
    previous_links: Iterable[tuple[str, int]] | None = None,
    placed_facilitators: Mapping[str, int] | None = None,
    mode: str = "fewest_moves",
    prove: bool = True,
    withdrawn_before: Sequence[Practitioner] = (),
    earlier: ChangeRecord | None = None,
) -> RematchResult:
    """Re-match ``cohort`` whose establishments were in ``previous_teams`` (id -> team 1..T).

    ``previous_teams`` may also be keyed by practitioner id (a teams.csv as read).
    ``withdrawn`` names practitioner, establishment or facilitator ids; ``added`` is a
    cohort (or survey-shaped DataFrame or file) of late additions rating the same themes.
    Establishments without a previous team (additions, or absent from ``previous_teams``)
    are placed freely.

    ``mode='fewest_moves'`` (default): first the number of previously placed
    establishments that move is minimised, then the objective among assignments with that
    many moves; with ``prove`` the rest of the time limit goes to a fresh solve of the
    changed cohort, whose bound says how far the answer is from the best of all (the
    status is ``optimal`` only when nothing scores higher). ``mode='reoptimise'``: the
    changed cohort is solved afresh and its teams renumbered to keep the previous numbers
    (``stable_labels``). ``previous_links`` (facilitator id, team) are kept when every
    facilitator rule still holds; otherwise facilitators are allocated afresh, keeping
    ``placed_facilitators`` (id -> team, placed by hand at the event) with their teams
    where the rules allow (a note says which could not stay). ``withdrawn_before``: people
    who withdrew at earlier changes (the survey's, no longer in ``cohort``); in a fresh
    export of the whole survey given as ``added`` they stay out (a note names them).
    ``earlier``: the changes made before this one (a result folder's changes.json); the
    result's ``record`` is they and this one, which ``write_result`` writes.
    Never raises for rules that cannot be met: the result then has status ``infeasible``.
    """
    started = time.perf_counter()
    check_time_limit(time_limit, "rematch")
    check_seed(seed, "rematch")
    if not isinstance(objective, (str, ObjectiveWeights)):
        raise InvalidParameterError.for_value(
            "objective", "rematch", "'focus', 'cohesion', 'blend' or an ObjectiveWeights", objective
        )
    if mode not in MODES:
        raise InvalidParameterError.for_value(
            "mode", "rematch", "one of " + ", ".join(repr(m) for m in MODES), mode
        )
    _check_inputs(cohort, rules, previous_teams)
    rules = rules or Rules()
    before = establishment_teams(cohort, previous_teams)
    change = apply_changes(cohort, withdrawn, added, withdrawn_before=withdrawn_before)
    new = change.cohort
    notes: list[str] = []
    if change.passed_over:  # named by school: a person's id may be their e-mail
        schools = change.passed_over_schools
        notes.append(
            f"{len(change.passed_over)} practitioner(s) who withdrew before (of "
            f"{', '.join(schools[:5])}{', ...' if len(schools) > 5 else ''}) are in the "
            "additions beside people still in the teams, as in a fresh export of the survey: "
            "they stay withdrawn; to bring one back, --add a file of their rows only"
        )
    if added is not None and not (change.added_establishments or change.added_practitioners
                                  or change.added_facilitators or change.passed_over):  # fmt: skip
        notes.append("no row of the additions is new (each is already in the cohort: the same "
                     "id and answers, or the same name in the same establishment): none was added")  # fmt: skip
    gone = set(change.withdrawn_establishments)
    kept = rules.locks_within(lambda e: e not in gone)
    if kept != rules:  # a withdrawn school keeps no lock (naming it was an error)
        named = {*rules.pins, *(e for e, _ in rules.forbidden)}
        named |= {e for pair in (*rules.apart, *rules.together) for e in pair}
        notes.append(f"locks naming {', '.join(sorted(gone & named))} were dropped: withdrawn")
        rules = kept
    problem = Problem.from_cohort(new, rules, objective)
    # its proofs are not the rules'; caps within which the previous teams stay
    search = shared_facilitator_problem(problem, new, rules, board=before)
    objective_name = objective if isinstance(objective, str) else objective.name
    T = problem.n_teams
    prev = np.array([before.get(uid, 0) - 1 for uid in problem.unit_ids], dtype=np.int64)
    prev = np.where((prev >= 0) & (prev < T), prev, -1)
    placed_before = np.array([uid in before for uid in problem.unit_ids], dtype=bool)
    # links to a team the rules no longer have (one team fewer) are not kept: their
    # facilitators are allocated again (kept, no answer was possible: status unknown)
    kept_links = [
        (f, t)
        for f, t in previous_links or ()
        if f not in change.withdrawn_facilitators and 1 <= int(t) <= rules.teams
    ]
    present = {f.id for f in new.facilitators}
    by_hand = [(f, int(t)) for f, t in (placed_facilitators or {}).items() if f in present]

    withdrawn_moves = tuple(
        Move(
            eid,
            cohort.establishment_by_id[eid].name,
            before.get(eid),
            None,
            "every nominee withdrew",
        )
        for eid in change.withdrawn_establishments
    )
    base: dict[str, Any] = dict(
        cohort=new,
        rules=rules,
        objective_name=objective_name,
        objective_weights=objective if isinstance(objective, ObjectiveWeights) else None,
        strategy="rematch" if mode == "fewest_moves" else "rematch (reoptimise)",
        seed=int(seed),
        withdrawn=withdrawn_moves,
        withdrawn_practitioners=change.withdrawn_practitioners,
        withdrawn_facilitators=change.withdrawn_facilitators,
        previous_teams=dict(before),
        mode=mode,
        change=change,
        added_practitioners=change.added_practitioners,
        record=(earlier or ChangeRecord()).then(change, cohort),
        withdrawn_rows=tuple(
            p
            for p in (*withdrawn_before, *cohort.practitioners)
            if p.id not in new.practitioner_by_id
        ),
    )

    def finish(status: Status, **fields: Any) -> RematchResult:
        return RematchResult(
            status=status, runtime_s=time.perf_counter() - started, **base, **fields
        )

    unknown = [e.id for e in new.establishments if e.id not in before]
    unknown = [e for e in unknown if e not in change.added_establishments]
    if unknown:
        notes.append(
            f"{len(unknown)} establishment(s) of the survey had no previous team and no "
            f"recorded withdrawal; placed as late additions: {', '.join(unknown[:10])} (if "
            "they had withdrawn, re-match from the result folder, whose changes.json records "
            "withdrawals, or --withdraw them)"
        )
    diagnosis = _diagnose(problem, new, rules, deadline=started + float(time_limit))
    if cohort.facilitators and not new.facilitators:
        # not a cohort without a facilitators table, whose teams need none named
        diagnosis = _none_left(diagnosis, len(cohort.facilitators), T)
    if not diagnosis.feasible_by_arithmetic:
        return finish(Status.INFEASIBLE, diagnosis=diagnosis, notes=tuple(notes))

    deadline = started + float(time_limit)
    fresh: Result | None = None
    fewest_bound: float | None = None
    minimal = False
    stage1 = None
    on_rules = search is problem  # stage 1 searched the rules themselves
    if mode == "fewest_moves":
        share = (_STAGE1_SHARE, _STAGE2_SHARE) if prove else (0.5, 1.0)
        stage1_end = started + share[0] * time_limit
        if search is not problem:
            # the rules themselves first: their fewest moves stand when the facilitators can
            # share the teams (the caps from the previous teams may refuse a one-move fix)
            stage1 = min_moves(
                problem, prev, placed_before, (started + stage1_end) / 2, int(seed), notes
            )
            shared = capped_around(problem, new, rules, stage1.unit_team)
            if stage1.status == cp_model.INFEASIBLE or shared is not None:
                on_rules, search = True, shared or search
            else:
                found = "leave teams the facilitators cannot share"
                notes.append(
                    f"the fewest moves under the rules "
                    f"{found if stage1.unit_team is not None else 'were not found in time'}: "
                    "searched again within caps from the previous teams"
                )
                stage1 = None
        if stage1 is None:
            stage1 = min_moves(search, prev, placed_before, stage1_end, int(seed), notes)
        if stage1.status == cp_model.INFEASIBLE and on_rules:
            core = conflicting_rules(problem, deadline, int(seed), notes)
            diagnosis = _diagnose(problem, new, rules, core, deadline)
            return finish(Status.INFEASIBLE, diagnosis=diagnosis, notes=tuple(notes))
        if stage1.unit_team is None:
            # at this size the fewest-moves model found nothing in its share: the time left
            # goes to a solve that starts from the previous teams (more of them move)
            notes.append(
                f"the fewest-moves search found no rule-abiding assignment in "
                f"{time.perf_counter() - started:.1f} s; the time left re-matches the changed "
                "cohort from the previous teams, so more establishments may move than must"
            )
    if stage1 is None or stage1.unit_team is None:
        start = None
        end = deadline
        # the fallback: start from the previous teams, and keep time to move some back
        if stage1 is not None:
            start = {
                e: t for e, t in before.items() if e in new.establishment_by_id and 1 <= t <= T
            }
            left = deadline - time.perf_counter()
            end = deadline - min(_MOVE_BACK_SHARE * left, max(0.0, left - 0.5))
        fresh = _fresh_solve(new, rules, objective, end, seed, notes, start, needed=True)
        if fresh is None or not fresh.feasible:
            return _unsolved(finish, fresh, notes, started, time_limit)
        est_team = fresh.establishment_team()
        pinned = {rules.pins[e] for e in rules.pins if e in est_team}
        weight = {e.id: len(new.nominees[e.id]) for e in new.establishments}
        labels = stable_labels(est_team, before, T, fixed=pinned, weight=weight)
        unit_team = np.array([labels[est_team[u]] - 1 for u in problem.unit_ids], np.int64)
        if stage1 is not None:
            back = move_back(search, prev, unit_team, deadline)
            if not evaluate(search, back).breaches:
                unit_team = back
        fresh_bound = fresh.bound
        statistics = fresh.statistics
    else:
        stage2 = max_objective(
            search, prev, stage1, started, started + share[1] * time_limit, int(seed), notes
        )
        assert stage2.unit_team is not None
        unit_team = stage2.unit_team
        minimal = stage1.optimal and on_rules
        if stage2.bound_milli is not None and minimal and search is problem:
            fewest_bound = stage2.bound_milli / SCALE
        # within caps its bounds are not the rules' (as solve drops them: _proofs_dropped)
        trace = [p if search is problem else replace(p, bound=None) for p in stage2.trace]
        statistics, fresh_bound = Statistics(tuple(trace)), None
        if prove:
            # a solve's whole call may pass its limit a little (10%): keep that back
            end = deadline - 0.15 * max(0.0, deadline - time.perf_counter())
            fresh = _fresh_solve(new, rules, objective, end, seed, notes)
            if fresh is not None and fresh.feasible:
                fresh_bound = fresh.bound

    focus = problem.best_focus(unit_team)
    team_focus = {t + 1: new.themes[int(k)] for t, k in enumerate(focus) if int(k) >= 0}
    est_team = {uid: int(unit_team[i]) + 1 for i, uid in enumerate(problem.unit_ids)}
    assignment = {p.id: est_team[p.establishment_id] for p in new.practitioners}

    stay = np.where(prev >= 0, prev, unit_team)
    broken = evaluate(problem, stay).breaches
    moves, placed = describe_moves(problem, new, prev, placed_before, unit_team, broken, before)
    base.update(moves=moves, added=placed, broken_before=broken, moves_proven_minimal=minimal)

    try:
        links, allocation = _links(
            new, rules, assignment, unit_team, team_focus, kept_links, by_hand, notes, deadline
        )
    except (InfeasibleError, AllocationNotFound) as exc:
        # of these teams only: the counting checks above found the rules possible
        notes.append(str(exc))
        return finish(Status.UNKNOWN, statistics=statistics, notes=tuple(notes))
    evaluation = check(
        new,
        rules,
        assignment,
        links if new.facilitators else None,
        team_focus=team_focus,
        objective=objective,
    )
    fields: dict[str, Any] = dict(
        assignment=assignment,
        team_focus=team_focus,
        facilitator_links=links,
        evaluation=evaluation,
        statistics=statistics,
        allocation=allocation,
        fewest_moves_bound=fewest_bound,
        facilitator_changes=facilitator_changes(previous_links or (), links),
        best_known=None if fresh is None or not fresh.feasible else fresh.objective,
    )
    if not evaluation.feasible:
        notes.append(f"the re-match breaks rules: {evaluation.summary_line()}")
        return finish(Status.UNKNOWN, notes=tuple(notes), **fields)
    status, bound = _honest_status(problem, evaluation, fresh_bound, fresh, notes)
    return finish(status, bound=bound, notes=tuple(notes), **fields)


def _fresh_solve(
    cohort: Cohort,
    rules: Rules,
    objective: str | ObjectiveWeights,
    deadline: float,
    seed: int,
    notes: list[str],
    warm_start: dict[str, int] | None = None,
    *,
    needed: bool = False,
) -> Result | None:
    """A fresh solve of the changed cohort in the time left (None: no time left). Where it
    is the only answer (``needed``) it runs even past the deadline, as solve's fallback:
    a 0.5 s limit (the command line's least) left under 0.5 s and no answer at all."""
    left = deadline - time.perf_counter()
    if needed:
        left = max(left, _LEAST_FRESH_S)
    elif left < 0.5:
        notes.append("no time left to solve the changed cohort afresh")
        return None
    fresh = solve(
        cohort, rules, objective=objective, time_limit=left, seed=int(seed), warm_start=warm_start
    )
    notes.append(
        f"{FRESH_NOTE} {fresh.status}, objective "
        f"{fresh.objective if fresh.objective is not None else '-'}, bound {fresh.bound}"
    )
    return fresh


def _honest_status(
    problem: Problem,
    evaluation: Evaluation,
    fresh_bound: float | None,
    fresh: Result | None,
    notes: list[str],
) -> tuple[Status, float]:
    """Optimal only when no rule-abiding assignment of the whole changed cohort scores higher."""
    bound_milli = relaxation_bound_milli(problem)
    if fresh_bound is not None:
        bound_milli = min(bound_milli, round(fresh_bound * SCALE))
    bound_milli = max(bound_milli, evaluation.objective_milli)
    if fresh is not None and fresh.objective is not None and fresh.objective > evaluation.objective:
        notes.append(
            f"a fresh solve of the changed cohort scores {fresh.objective:,.3f} "
            f"(this answer {evaluation.objective:,.3f}) but moves more establishments"
        )
    optimal = bound_milli <= evaluation.objective_milli
    return (Status.OPTIMAL if optimal else Status.FEASIBLE), bound_milli / SCALE


def _unsolved(
    finish: Any, fresh: Result | None, notes: list[str], started: float, time_limit: float
) -> RematchResult:
    if fresh is not None and fresh.status == Status.INFEASIBLE:
        result: RematchResult = finish(
            Status.INFEASIBLE, diagnosis=fresh.diagnosis, notes=tuple(notes)
        )
        return result
    notes.append(
        f"no rule-abiding assignment found in {time.perf_counter() - started:.1f} s (limit "
        f"{time_limit:g} s); try a longer time limit"
    )
    unknown: RematchResult = finish(Status.UNKNOWN, notes=tuple(notes))
    return unknown


def _links(
    cohort: Cohort,
    rules: Rules,
    assignment: Mapping[str, int],
    unit_team: IntArray,
    team_focus: Mapping[int, str],
    kept: list[tuple[str, int]],
    placed: list[tuple[str, int]],
    notes: list[str],
    deadline: float,
) -> tuple[tuple[tuple[str, int], ...], Allocation | None]:
    """The previous facilitator links when every facilitator rule still holds and every
    ``placed`` link is among them, else afresh keeping as many of them as the rules and the
    spread allow, and the ``placed`` ones (unless no allocation keeps them: then noted)."""
    from clnmatch.facilitators import AllocationNotFound, allocate_facilitators

    if kept and cohort.facilitators and set(placed) <= set(kept):
        known = {f.id for f in cohort.facilitators}
        ev = check(cohort, rules, assignment, kept)
        used = {f for f, _ in kept}
        if used == known and not any(b.rule in FACILITATOR_RULES for b in ev.breaches):
            return tuple(kept), None
    focus = [team_focus.get(t + 1) for t in range(rules.teams)]
    # what is left of the limit (at region scale the allocation's own 10 s ran past it)
    seconds = max(_LEAST_ALLOCATION_S, deadline - time.perf_counter())
    if placed:
        try:
            allocation = allocate_facilitators(
                cohort, rules, unit_team, focus, keep=kept, fixed=placed, time_limit=seconds
            )
            return tuple(allocation.links), allocation
        except (InfeasibleError, AllocationNotFound):
            names = ", ".join(f"{f} (team {t})" for f, t in placed)
            notes.append(f"no allocation keeps every facilitator placed by hand: {names}")
    seconds = max(_LEAST_ALLOCATION_S, deadline - time.perf_counter())
    allocation = allocate_facilitators(
        cohort, rules, unit_team, focus, keep=kept, time_limit=seconds
    )
    return tuple(allocation.links), allocation


def _diagnose(
    problem: Problem,
    cohort: Cohort,
    rules: Rules,
    core: Sequence[str] = (),
    deadline: float | None = None,
) -> Diagnosis:
    from clnmatch.diagnose import diagnose

    return diagnose(problem, cohort, rules, tuple(core), deadline=deadline)


def _none_left(diagnosis: Diagnosis, withdrawn: int, teams: int) -> Diagnosis:
    """The diagnosis with one more conflict: every facilitator of the table withdrew."""
    from clnmatch.diagnose import Conflict, Diagnosis

    conflict = Conflict(
        rules=("facilitator_per_team",),
        message=f"all {withdrawn} facilitators withdrew, and each of the {teams} teams needs one",
        suggestion="add facilitators to the facilitators table (--facilitators)",
        actual=0,
        limit=teams,
    )
    return Diagnosis(conflicts=[*diagnosis.conflicts, conflict], feasible_by_arithmetic=False)
