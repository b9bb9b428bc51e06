"""Re-match a cohort after withdrawals and late additions, moving as few establishments as possible.

A lead officer who has announced the teams cannot reshuffle them because one school drops
out. ``rematch`` takes the announced teams, removes the withdrawn practitioners (an
establishment withdraws when all its nominees do), adds late arrivals, and restores every
hard rule lexicographically:

1. minimise the number of previously placed establishments that change team;
2. among the assignments with that few moves, maximise the objective
   (the same integer milli-points as ``clnmatch.evaluate.objective_milli``).

Both stages solve the exact CP-SAT model of ``clnmatch.strategies.cpsat.build_model``
(built with ``symmetry=False``, since team labels matter here) with one worker and the
given seed; the time limit is split between them. The answer is checked by
``clnmatch.evaluate.check``, facilitators are re-allocated, and every move says why it was
needed. When the rules cannot be restored the result has status ``infeasible`` and a
diagnosis naming the rules in conflict.

Two entry points: ``rematch(previous_result, ...)`` and ``rematch_teams(cohort,
previous_teams, ...)``, the latter for callers (the CLI) that only have the survey and an
establishment -> team mapping, e.g. from ``load_previous(cohort, "teams.csv")``.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.errors import InfeasibleError, InvalidParameterError
from clnmatch.evaluate import Breach, check, evaluate
from clnmatch.models import Cohort, Establishment, Practitioner, Rules
from clnmatch.problem import SCALE, ObjectiveWeights, Problem
from clnmatch.result import Result, Statistics, Status
from clnmatch.solve import check_seed, check_time_limit
from clnmatch.strategies.base import TracePoint

if TYPE_CHECKING:
    import pandas as pd

    from clnmatch.diagnose import Diagnosis
    from clnmatch.strategies.cpsat import CpSatModel

__all__ = [
    "Move",
    "CohortChange",
    "RematchResult",
    "AddedInput",
    "apply_changes",
    "rematch",
    "rematch_teams",
    "load_previous",
]

IntArray = NDArray[np.int64]
AddedInput = Union[Cohort, "pd.DataFrame", str, Path]
_KINDS = ("practitioner", "establishment", "facilitator")
# share of the time limit stage 1 (fewest moves) may use; stage 2 gets the rest
_STAGE1_SHARE = 0.5
# stage 2 tries every assignment when there are at most this many (else CP-SAT)
_ENUMERATION_LIMIT = 200_000
# share of the time limit kept back after stage 2 for facilitators and the final check
_WRAP_UP = 0.03


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Move:
    """One establishment's change of team; teams are 1..T, None where it has none."""

    establishment_id: str
    establishment_name: str
    from_team: int | None  # None: a late addition
    to_team: int | None  # None: withdrawn
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "establishment_id": self.establishment_id,
            "establishment_name": self.establishment_name,
            "from_team": self.from_team,
            "to_team": self.to_team,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CohortChange:
    """The cohort after withdrawals and additions, and what changed (ids only)."""

    cohort: Cohort
    withdrawn_practitioners: tuple[str, ...] = ()
    withdrawn_establishments: tuple[str, ...] = ()  # every nominee withdrew
    withdrawn_facilitators: tuple[str, ...] = ()
    added_establishments: tuple[str, ...] = ()  # new to the cohort
    added_practitioners: tuple[str, ...] = ()


@dataclass(frozen=True)
class RematchResult(Result):
    """A ``Result`` for the changed cohort, plus what moved and why.

    ``moves`` lists previously placed establishments that changed team; ``withdrawn``
    the establishments that left (``to_team`` None); ``added`` the late additions
    (``from_team`` None). ``broken_before`` are the breaches the changes caused had
    nobody moved. ``bound`` (when given) bounds the objective among assignments with at
    most ``len(moves)`` moves.
    """

    moves: tuple[Move, ...] = ()
    withdrawn: tuple[Move, ...] = ()
    added: tuple[Move, ...] = ()
    withdrawn_practitioners: tuple[str, ...] = ()
    withdrawn_facilitators: tuple[str, ...] = ()
    broken_before: tuple[Breach, ...] = ()
    moves_proven_minimal: bool = False
    previous_teams: dict[str, int] = field(default_factory=dict)

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
        columns = [
            "change",
            "establishment_id",
            "establishment_name",
            "from_team",
            "to_team",
            "reason",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        for column in ("from_team", "to_team"):
            frame[column] = frame[column].astype("Int64")  # whole numbers, blank where none
        return frame

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["rematch"] = {
            "moves": [m.to_dict() for m in self.moves],
            "moves_proven_minimal": self.moves_proven_minimal,
            "withdrawn": [m.to_dict() for m in self.withdrawn],
            "withdrawn_practitioners": list(self.withdrawn_practitioners),
            "withdrawn_facilitators": list(self.withdrawn_facilitators),
            "added": [m.to_dict() for m in self.added],
            "broken_before": [b.to_dict() for b in self.broken_before],
        }
        return out


# --------------------------------------------------------------------------- cohort changes
def _resolve_withdrawn(cohort: Cohort, withdrawn: Sequence[str]) -> dict[str, set[str]]:
    """Each withdrawn id by kind; ``kind:id`` settles an id that names two things."""
    known = {
        "practitioner": set(cohort.practitioner_by_id),
        "establishment": set(cohort.establishment_by_id),
        "facilitator": {f.id for f in cohort.facilitators},
    }
    out: dict[str, set[str]] = {k: set() for k in _KINDS}
    unknown: list[str] = []
    for raw in withdrawn:
        text = str(raw).strip()
        kinds = [k for k in _KINDS if text in known[k]]
        if not kinds:
            head, sep, rest = text.partition(":")
            kind = head.strip().casefold()
            if sep and kind in known and rest.strip() in known[kind]:
                out[kind].add(rest.strip())
                continue
            unknown.append(text)
        elif len(kinds) == 1:
            out[kinds[0]].add(text)
        else:
            options = " or ".join(f"'{k}:{text}'" for k in kinds)
            raise InvalidParameterError(
                f"The 'withdrawn' parameter of rematch names {text!r}, which is both a "
                f"{' and a '.join(kinds)} id. Write {options} instead."
            )
    if unknown:
        raise InvalidParameterError(
            "The 'withdrawn' parameter of rematch must name practitioner, establishment or "
            f"facilitator ids of the cohort. Got {unknown!r} instead."
        )
    return out


def _as_cohort(added: AddedInput | None) -> Cohort | None:
    if added is None:
        return None
    if isinstance(added, Cohort):
        return added
    if isinstance(added, (str, Path)):
        path = Path(added)
        if path.suffix.casefold() in (".xlsx", ".xlsm"):
            return Cohort.from_excel(path)
        return Cohort.from_csv(path)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None  # type: ignore[assignment]
    if pd is not None and isinstance(added, pd.DataFrame):
        return Cohort.from_dataframe(added)
    raise InvalidParameterError.for_value(
        "added", "rematch", "a Cohort, a DataFrame shaped like the survey, or a survey file", added
    )


def _reorder_themes(added: Cohort, themes: tuple[str, ...]) -> tuple[Practitioner, ...]:
    """The additions' practitioners with ratings in the cohort's theme order."""
    if tuple(added.themes) == themes:
        return added.practitioners
    if set(added.themes) != set(themes):
        missing = [t for t in themes if t not in added.themes]
        extra = [t for t in added.themes if t not in themes]
        raise InvalidParameterError(
            "The 'added' parameter of rematch must rate the cohort's themes. "
            f"Got missing themes {missing} and unknown themes {extra} instead."
        )
    order = [added.themes.index(t) for t in themes]
    return tuple(
        p.model_copy(update={"interests": tuple(p.interests[i] for i in order)})
        for p in added.practitioners
    )


def apply_changes(
    cohort: Cohort, withdrawn: Sequence[str] = (), added: AddedInput | None = None
) -> CohortChange:
    """The cohort after ``withdrawn`` ids leave and ``added`` (same themes) joins.

    ``withdrawn`` names practitioner, establishment or facilitator ids (``kind:id`` when
    an id names two things). An establishment whose nominees all withdraw leaves.
    ``added`` may bring new nominees of an existing establishment (same authority and
    sector) and new facilitators.
    """
    if isinstance(withdrawn, str):
        withdrawn = [withdrawn]
    gone = _resolve_withdrawn(cohort, withdrawn)
    gone_people = set(gone["practitioner"])
    for est in gone["establishment"]:
        gone_people.update(p.id for p in cohort.nominees[est])
    practitioners = [p for p in cohort.practitioners if p.id not in gone_people]
    staying = {p.establishment_id for p in practitioners}
    establishments = [e for e in cohort.establishments if e.id in staying]
    left = tuple(e.id for e in cohort.establishments if e.id not in staying)
    facilitators = [f for f in cohort.facilitators if f.id not in gone["facilitator"]]

    extra = _as_cohort(added)
    added_est: list[str] = []
    added_people: list[str] = []
    if extra is not None:
        by_id: dict[str, Establishment] = {e.id: e for e in establishments}
        clashes: list[str] = []
        for e in extra.establishments:
            old = by_id.get(e.id)
            if old is None:
                establishments.append(e)
                by_id[e.id] = e
                added_est.append(e.id)
            elif old.authority_key != e.authority_key or old.sector != e.sector:
                clashes.append(
                    f"establishment {e.id!r} is {old.authority}/{old.sector} in the "
                    f"cohort but {e.authority}/{e.sector} in the additions"
                )
        taken = {p.id for p in practitioners} | gone_people
        for p in _reorder_themes(extra, tuple(cohort.themes)):
            if p.id in taken:
                clashes.append(f"practitioner id {p.id!r} is already used in the cohort")
            else:
                practitioners.append(p)
                added_people.append(p.id)
        fac_ids = {f.id for f in facilitators}
        for f in extra.facilitators:
            if f.id in fac_ids:
                clashes.append(f"facilitator id {f.id!r} is already used in the cohort")
            else:
                facilitators.append(f)
        if clashes:
            raise InvalidParameterError(
                "The 'added' parameter of rematch must not clash with the cohort. Got: "
                + "; ".join(clashes[:10])
                + " instead."
            )
    new = Cohort(
        themes=cohort.themes,
        establishments=tuple(establishments),
        practitioners=tuple(practitioners),
        facilitators=tuple(facilitators),
        source=cohort.source,
    )
    return CohortChange(
        cohort=new,
        withdrawn_practitioners=tuple(p.id for p in cohort.practitioners if p.id in gone_people),
        withdrawn_establishments=left,
        withdrawn_facilitators=tuple(
            f.id for f in cohort.facilitators if f.id in gone["facilitator"]
        ),
        added_establishments=tuple(added_est),
        added_practitioners=tuple(added_people),
    )


# --------------------------------------------------------------------------- previous teams
def _establishment_teams(cohort: Cohort, previous: Mapping[str, int]) -> dict[str, int]:
    """Establishment id -> team; practitioner-keyed entries are folded into establishments."""
    out: dict[str, int] = {}
    votes: dict[str, Counter[int]] = {}
    for key, team in previous.items():
        if key in cohort.establishment_by_id:
            out[key] = int(team)
        elif key in cohort.practitioner_by_id:
            votes.setdefault(cohort.practitioner_by_id[key].establishment_id, Counter())[
                int(team)
            ] += 1
    for est, counter in votes.items():
        out.setdefault(est, counter.most_common(1)[0][0])
    return out


def load_previous(survey_cohort: Cohort, teams_csv_path: str | Path) -> dict[str, int]:
    """Establishment id -> team (1..T) from a teams.csv (``practitioner_id``, ``team``).

    An establishment's team is the one most of its listed nominees are in. Rows naming
    practitioners the survey no longer holds are skipped (they may have withdrawn).
    """
    from clnmatch.io.assignment import read_assignment

    table = read_assignment(teams_csv_path, themes=survey_cohort.themes)
    known = survey_cohort.practitioner_by_id
    return _establishment_teams(
        survey_cohort, {pid: team for pid, team in table.teams.items() if pid in known}
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
) -> RematchResult:
    """Restore every rule after withdrawals and additions, moving as few establishments as possible.

    ``rules`` and ``objective`` default to those of ``previous``. See ``rematch_teams``.
    """
    if not previous.assignment:
        raise InvalidParameterError.for_value(
            "previous", "rematch", "a result with an assignment", str(previous.status)
        )
    return rematch_teams(
        previous.cohort,
        previous.establishment_team(),
        withdrawn,
        added,
        rules=rules or previous.rules,
        objective=objective if objective is not None else previous.objective_name,
        time_limit=time_limit,
        seed=seed,
    )


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
) -> RematchResult:
    """Re-match ``cohort`` whose establishments were in ``previous_teams`` (id -> team 1..T).

    ``previous_teams`` may also be keyed by practitioner id (a teams.csv as read).
    ``withdrawn`` names practitioner, establishment or facilitator ids; ``added`` is a
    cohort (or survey-shaped DataFrame or file) of late additions rating the same themes.
    Establishments without a previous team (additions, or absent from ``previous_teams``)
    are placed freely. First the number of previously placed establishments that move
    is minimised, then the objective is maximised among assignments with that many moves.
    Never raises for rules that cannot be met: the result then has status ``infeasible``.
    """
    started = time.perf_counter()
    check_time_limit(time_limit, "rematch")
    check_seed(seed, "rematch")
    if not isinstance(objective, (str, ObjectiveWeights)):
        raise InvalidParameterError.for_value(
            "objective", "rematch", "'focus', 'cohesion', 'blend' or an ObjectiveWeights", objective
        )
    rules = rules or Rules()
    before = _establishment_teams(cohort, previous_teams)
    change = apply_changes(cohort, withdrawn, added)
    new = change.cohort
    problem = Problem.from_cohort(new, rules, objective)
    objective_name = objective if isinstance(objective, str) else objective.name
    T = problem.n_teams
    prev = np.array([before.get(uid, 0) - 1 for uid in problem.unit_ids], dtype=np.int64)
    prev = np.where((prev >= 0) & (prev < T), prev, -1)
    placed_before = np.array([uid in before for uid in problem.unit_ids], dtype=bool)

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
        strategy="rematch",
        seed=int(seed),
        withdrawn=withdrawn_moves,
        withdrawn_practitioners=change.withdrawn_practitioners,
        withdrawn_facilitators=change.withdrawn_facilitators,
        previous_teams=dict(before),
    )

    def finish(status: Status, **fields: Any) -> RematchResult:
        return RematchResult(
            status=status, runtime_s=time.perf_counter() - started, **base, **fields
        )

    notes: list[str] = []
    diagnosis = _diagnose(problem, new, rules)
    if not diagnosis.feasible_by_arithmetic:
        return finish(Status.INFEASIBLE, diagnosis=diagnosis, notes=tuple(notes))

    deadline = started + float(time_limit)
    stage1 = _min_moves(problem, prev, placed_before, started, float(time_limit), int(seed), notes)
    if stage1.status == cp_model.INFEASIBLE:
        core = _conflicting_rules(problem, deadline, int(seed), notes)
        diagnosis = _diagnose(problem, new, rules, core)
        return finish(Status.INFEASIBLE, diagnosis=diagnosis, notes=tuple(notes))
    if stage1.unit_team is None:
        notes.append(
            f"no rule-abiding assignment found within {time_limit:g} s; try a longer time limit"
        )
        return finish(Status.UNKNOWN, notes=tuple(notes))
    stage2 = _max_objective(problem, prev, stage1, started, deadline, int(seed), notes)

    assert stage2.unit_team is not None
    unit_team = stage2.unit_team
    focus = problem.best_focus(unit_team)
    team_focus = {t + 1: new.themes[int(k)] for t, k in enumerate(focus) if int(k) >= 0}
    est_team = {uid: int(unit_team[i]) + 1 for i, uid in enumerate(problem.unit_ids)}
    assignment = {p.id: est_team[p.establishment_id] for p in new.practitioners}

    stay = np.where(prev >= 0, prev, unit_team)
    broken = evaluate(problem, stay).breaches
    moves, placed = _describe_moves(problem, new, prev, placed_before, unit_team, broken, before)
    base.update(
        moves=moves, added=placed, broken_before=broken, moves_proven_minimal=stage1.optimal
    )
    statistics = Statistics(tuple(stage2.trace))

    from clnmatch.facilitators import allocate_facilitators

    try:
        allocation = allocate_facilitators(
            new, rules, unit_team, [team_focus.get(t + 1) for t in range(T)]
        )
    except InfeasibleError as exc:
        notes.append(str(exc))
        diagnosis = _as_diagnosis(exc.diagnosis) or _diagnose(problem, new, rules)
        return finish(
            Status.INFEASIBLE, diagnosis=diagnosis, statistics=statistics, notes=tuple(notes)
        )
    links = tuple(allocation.links)
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
    )
    if not evaluation.feasible:
        notes.append(f"the re-match breaks rules: {evaluation.summary_line()}")
        return finish(Status.UNKNOWN, notes=tuple(notes), **fields)
    bound = None
    if stage2.bound_milli is not None and stage1.optimal:
        bound = max(stage2.bound_milli, evaluation.objective_milli) / SCALE
    optimal = stage1.optimal and stage2.optimal
    return finish(
        Status.OPTIMAL if optimal else Status.FEASIBLE, bound=bound, notes=tuple(notes), **fields
    )


# --------------------------------------------------------------------------- the two stages
@dataclass
class _Stage:
    status: Any  # cp_model status
    unit_team: IntArray | None = None
    moves: int = 0
    optimal: bool = False
    bound_milli: int | None = None
    trace: list[TracePoint] = field(default_factory=list)
    note: str = ""


def _solver(time_limit: float, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31 - 1)
    return solver


def _build(problem: Problem, *, objective: bool, guards: bool = False) -> CpSatModel:
    from clnmatch.strategies.cpsat import build_model

    # team labels are the previous teams' labels: no symmetry breaking
    return build_model(problem, guards=guards, objective=objective, symmetry=False)


def _stay_literals(cpm: CpSatModel, prev: IntArray) -> list[cp_model.IntVar]:
    return [cpm.x[u][int(prev[u])] for u in np.flatnonzero(prev >= 0)]


def _hint_start(problem: Problem, prev: IntArray) -> IntArray:
    """Previous teams where known; newcomers in the team with most room (a hint only)."""
    start = np.where(prev >= 0, prev, 0).astype(np.int64)
    load = np.bincount(
        start[prev >= 0], weights=problem.unit_weight[prev >= 0], minlength=problem.n_teams
    )
    for u in np.flatnonzero(prev < 0):
        t = int(np.argmax(problem.team_max - load))
        start[u] = t
        load[t] += problem.unit_weight[u]
    return start


def _min_moves(
    problem: Problem,
    prev: IntArray,
    placed_before: NDArray[np.bool_],
    started: float,
    time_limit: float,
    seed: int,
    notes: list[str],
) -> _Stage:
    """Stage 1: a rule-abiding assignment with fewest previously placed units moved."""
    cpm = _build(problem, objective=False)
    stay = _stay_literals(cpm, prev)
    # units whose previous team no longer exists move whatever happens
    forced = int((placed_before & (prev < 0)).sum())
    if stay:
        cpm.model.maximize(cp_model.LinearExpr.sum(stay))
    cpm.hint(_hint_start(problem, prev))
    budget = max(0.05, _STAGE1_SHARE * time_limit - (time.perf_counter() - started))
    solver = _solver(budget, seed)
    status = solver.solve(cpm.model)
    notes.append(
        f"stage 1 (fewest moves): {solver.status_name(status)} in {solver.wall_time:.2f} s"
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Stage(status)
    unit_team, _ = cpm.decode(solver.response_proto.solution)
    moved = int(((prev >= 0) & (unit_team != prev)).sum()) + forced
    return _Stage(status, unit_team, moved, optimal=status == cp_model.OPTIMAL)


class _Trace(cp_model.CpSolverSolutionCallback):
    """(time, objective, bound) at every improving solution of stage 2."""

    def __init__(self, started: float, offset: int) -> None:
        super().__init__()
        self.started = started
        self.offset = offset
        self.points: list[TracePoint] = []

    def on_solution_callback(self) -> None:
        self.points.append(
            TracePoint(
                time.perf_counter() - self.started,
                self.objective_value / SCALE,
                (self.best_objective_bound + self.offset) / SCALE,
            )
        )


def _max_objective(
    problem: Problem,
    prev: IntArray,
    stage1: _Stage,
    started: float,
    deadline: float,
    seed: int,
    notes: list[str],
) -> _Stage:
    """Stage 2: the best objective among assignments with no more moves than stage 1 found."""
    assert stage1.unit_team is not None
    fallback = _Stage(stage1.status, stage1.unit_team, stage1.moves, optimal=False)
    remaining = deadline - time.perf_counter()
    if remaining <= 0.05:
        notes.append("stage 2 (objective) skipped: no time left")
        return fallback
    if stage1.optimal:
        exact = _enumerate(problem, prev, stage1, started, deadline)
        if exact is not None:
            notes.append(f"stage 2 (objective): {exact.note}")
            return exact
    cpm = _build(problem, objective=True)
    stay = _stay_literals(cpm, prev)
    if stay:
        cpm.model.add(cp_model.LinearExpr.sum(stay) >= len(stay) - _moves_in_range(prev, stage1))
    cpm.hint(stage1.unit_team)
    trace = _Trace(started, cpm.excluded_positive_milli)
    # leave a moment for the facilitators and the final check
    solver = _solver(deadline - time.perf_counter() - _WRAP_UP * (deadline - started), seed)
    status = solver.solve(cpm.model, trace)
    notes.append(f"stage 2 (objective): {solver.status_name(status)} in {solver.wall_time:.2f} s")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return fallback
    unit_team, _ = cpm.decode(solver.response_proto.solution)
    bound = _int_bound(solver.best_objective_bound) + cpm.excluded_positive_milli
    optimal = status == cp_model.OPTIMAL and cpm.excluded_positive_milli == 0
    return _Stage(
        status, unit_team, stage1.moves, optimal=optimal, bound_milli=bound, trace=trace.points
    )


def _enumerate(
    problem: Problem, prev: IntArray, stage1: _Stage, started: float, deadline: float
) -> _Stage | None:
    """Stage 2 by trying every assignment with stage 1's number of moves (None: too many).

    After a proven stage 1 only assignments with exactly that many moves among units
    with a previous team remain (fewer break a rule), and newcomers go anywhere. When
    they are few (one withdrawal usually needs one or two moves: about 50 x 7, or
    1,200 x 49, assignments) the team sizes are checked in plain integers and each
    assignment that passes is checked and scored by ``evaluate``: this proves the optimum
    outright, where the CP-SAT model's weak pairwise bound leaves a wide gap. When the
    deadline strikes first, the best assignment found (at least stage 1's) is returned
    unproven.
    """
    assert stage1.unit_team is not None
    moves = _moves_in_range(prev, stage1)
    T = problem.n_teams
    allowed = (
        problem.allowed if problem.allowed is not None else np.ones((problem.n_units, T), bool)
    )
    placed, free = np.flatnonzero(prev >= 0).tolist(), np.flatnonzero(prev < 0).tolist()
    count = math.comb(len(placed), moves) * (T - 1) ** moves * T ** len(free)
    if count > _ENUMERATION_LIMIT:
        return None
    weight = [int(w) for w in problem.unit_weight]
    low, high = problem.team_min.tolist(), problem.team_max.tolist()
    stay_load = [0] * T
    for u in placed:
        stay_load[prev[u]] += weight[u]
    base = np.where(prev >= 0, prev, 0).astype(np.int64)
    free_options = [np.flatnonzero(allowed[u]).tolist() for u in free]
    first = evaluate(problem, stage1.unit_team)
    best: tuple[int, IntArray] = (first.objective_milli, stage1.unit_team)
    trace = [TracePoint(time.perf_counter() - started, first.objective, None)]
    checked = 0
    for movers in itertools.combinations(placed, moves):
        choices = [[t for t in np.flatnonzero(allowed[u]).tolist() if t != prev[u]] for u in movers]
        for dests in itertools.product(*choices):
            moved_load = stay_load.copy()
            for u, t in zip(movers, dests, strict=True):
                moved_load[prev[u]] -= weight[u]
                moved_load[t] += weight[u]
            for frees in itertools.product(*free_options):
                load = moved_load.copy()
                for u, t in zip(free, frees, strict=True):
                    load[t] += weight[u]
                if any(x < lo or x > hi for x, lo, hi in zip(load, low, high, strict=True)):
                    continue  # the evaluator would reject it for team_size
                if time.perf_counter() > deadline:
                    note = f"best of {checked} assignments checked before the time limit"
                    return _Stage(cp_model.FEASIBLE, best[1], stage1.moves, trace=trace, note=note)
                unit_team = base.copy()
                unit_team[list(movers)] = dests
                unit_team[free] = frees
                checked += 1
                ev = evaluate(problem, unit_team)
                if ev.feasible and ev.objective_milli > best[0]:
                    best = (ev.objective_milli, unit_team)
                    trace.append(TracePoint(time.perf_counter() - started, ev.objective, None))
    note = (
        f"OPTIMAL: all {count:,} assignments with {moves} move(s) tried "
        f"({checked:,} had team sizes in range and were checked)"
    )
    trace.append(TracePoint(time.perf_counter() - started, best[0] / SCALE, best[0] / SCALE))
    return _Stage(cp_model.OPTIMAL, best[1], stage1.moves, optimal=True, bound_milli=best[0],
                  trace=trace, note=note)  # fmt: skip


def _moves_in_range(prev: IntArray, stage1: _Stage) -> int:
    """Moves stage 1 made among units whose previous team still exists."""
    assert stage1.unit_team is not None
    return int(((prev >= 0) & (stage1.unit_team != prev)).sum())


def _int_bound(value: float) -> int:
    near = round(value)
    return int(near) if abs(value - near) < 1e-6 else math.floor(value)


# --------------------------------------------------------------------------- infeasibility
def _conflicting_rules(
    problem: Problem, deadline: float, seed: int, notes: list[str]
) -> tuple[str, ...]:
    """Rule groups in conflict, from an assumption core of the guarded model."""
    cpm = _build(problem, objective=False, guards=True)
    if not cpm.guards:
        return ()
    names = {var.index: rule for rule, var in cpm.guards.items()}
    cpm.model.add_assumptions(list(cpm.guards.values()))
    solver = _solver(max(0.2, deadline - time.perf_counter()), seed)
    status = solver.solve(cpm.model)
    if status != cp_model.INFEASIBLE:
        notes.append(
            "the rules could not be restored, but no conflicting rules were isolated in time"
        )
        return ()
    core = tuple(
        sorted(names[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in names)
    )
    notes.append(f"conflicting rules: {', '.join(core) or 'unknown'}")
    return core


def _diagnose(
    problem: Problem, cohort: Cohort, rules: Rules, core: Sequence[str] = ()
) -> Diagnosis:
    from clnmatch.diagnose import diagnose

    return diagnose(problem, cohort, rules, tuple(core))


def _as_diagnosis(value: object) -> Diagnosis | None:
    from clnmatch.diagnose import Diagnosis

    return value if isinstance(value, Diagnosis) else None


# --------------------------------------------------------------------------- reasons
def _describe_moves(
    problem: Problem,
    cohort: Cohort,
    prev: IntArray,
    placed_before: NDArray[np.bool_],
    unit_team: IntArray,
    broken: Sequence[Breach],
    before: Mapping[str, int],
) -> tuple[tuple[Move, ...], tuple[Move, ...]]:
    """Moves of previously placed units (with the breaches they repair); newcomers' placements."""
    moves: list[Move] = []
    placed: list[Move] = []
    for u, uid in enumerate(problem.unit_ids):
        name = cohort.establishment_by_id[uid].name
        to_team = int(unit_team[u]) + 1
        if not placed_before[u]:
            placed.append(Move(uid, name, None, to_team, "late addition"))
            continue
        if prev[u] == unit_team[u]:
            continue
        from_team = before.get(uid)
        if prev[u] < 0:
            moves.append(Move(uid, name, from_team, to_team, f"team {from_team} no longer exists"))
            continue
        related = [
            b for b in broken if b.team in (from_team, to_team) or (b.subject and uid in b.subject)
        ]
        if related:
            reason = "restores: " + "; ".join(b.message for b in related)
        elif broken:
            reason = "with the other moves, restores: " + "; ".join(b.message for b in broken)
        else:
            reason = "moved while restoring the rules"
        moves.append(Move(uid, name, from_team, to_team, reason))
    return tuple(moves), tuple(placed)
