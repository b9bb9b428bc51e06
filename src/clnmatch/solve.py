"""The one entry point: validate -> Problem -> strategy -> evaluate -> Result."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping

import numpy as np

from clnmatch.bounds import certified_bound
from clnmatch.diagnose import diagnose
from clnmatch.diagnosis import Conflict
from clnmatch.errors import InvalidParameterError
from clnmatch.evaluate import evaluate
from clnmatch.finish import finish_solve
from clnmatch.models import Cohort, Rules
from clnmatch.parameters import Number, Test, check_cohort_and_rules, check_value
from clnmatch.precompile import compilations
from clnmatch.problem import ObjectiveWeights, Problem
from clnmatch.proposal import checked_answer
from clnmatch.result import Result, Statistics, Status
from clnmatch.search.repair import REPAIR_STEPS_PER_UNIT, repair
from clnmatch.shared_facilitators import shared_facilitator_problem
from clnmatch.strategies.base import Budget, Progress, Proposal, prepare, ran_past
from clnmatch.strategies.registry import get_strategy

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "check_seed",
    "check_solve_inputs",
    "check_time_limit",
    "choose_strategy",
    "greedy_if_none",
    "solve",
    "validate_parameters",
]

DEFAULT_TIME_LIMIT = 30.0


TIME_LIMIT = Number(0, open_low=True)  # seconds (finite)
BOUND_TIME = Number(0)  # seconds (finite), 0: the quick relaxation only
SEED = Number(0, integer=True)
OBJECTIVE = Test(
    "'focus', 'cohesion', 'blend' or an ObjectiveWeights",
    lambda v: isinstance(v, ObjectiveWeights) or v in ("focus", "cohesion", "blend"),
)


def check_time_limit(value: object, owner: str) -> None:
    """A time limit is a finite number of seconds > 0 (the one message shape)."""
    check_value("time_limit", owner, TIME_LIMIT, value)


def check_seed(value: object, owner: str) -> None:
    """A seed is a whole number >= 0."""
    check_value("seed", owner, SEED, value)


def validate_parameters(
    objective: object, strategy: object, time_limit: object, seed: object, owner: str = "solve"
) -> None:
    """Every parameter of solve (or of ``owner``, which takes the same) checked in one place,
    with one message shape (a strategy's name is checked against the registry, which lists
    the choices)."""
    check_value("objective", owner, OBJECTIVE, objective)
    check_value("strategy", owner, Test("a strategy name", lambda v: isinstance(v, str)), strategy)
    check_time_limit(time_limit, owner)
    check_seed(seed, owner)


def check_solve_inputs(cohort: object, rules: object, warm_start: object) -> None:
    """The types of ``cohort`` and ``rules``, and every id and team of ``warm_start``.

    A dict of rule settings, a DataFrame for a cohort or a warm start naming unknown
    establishments would otherwise fail deep inside (an AttributeError) or be ignored.
    """
    check_cohort_and_rules(cohort, rules, "solve")
    assert isinstance(cohort, Cohort)
    if not cohort.establishments:
        raise InvalidParameterError(
            "The 'cohort' parameter of solve must be a Cohort of one or more establishments. "
            "Got a Cohort of none instead."
        )
    if warm_start is None:
        return
    teams = rules.teams if isinstance(rules, Rules) else Rules().teams
    expected = f"a dict of establishment id -> team 1..{teams} over establishments of the cohort"
    if not isinstance(warm_start, Mapping):
        raise _wrong("warm_start", expected, warm_start)
    known = cohort.establishment_by_id
    unknown = sorted(str(e) for e in warm_start if e not in known)
    bad_teams = {
        str(e): t
        for e, t in warm_start.items()
        if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 1 <= t <= teams
    }
    if unknown or bad_teams:
        found = []
        if unknown:
            found.append(f"unknown establishment ids {unknown[:20]}")
        if bad_teams:
            found.append(f"teams out of range {dict(list(bad_teams.items())[:20])}")
        raise InvalidParameterError(
            f"The 'warm_start' parameter of solve must be {expected}. "
            f"Got {' and '.join(found)} instead."
        )


def _wrong(name: str, expected: str, value: object) -> InvalidParameterError:
    return InvalidParameterError.for_value(name, "solve", expected, value)


FINISH_S = 0.2  # kept back for the final rule check and the result


def choose_strategy(problem: Problem) -> str:
    """The strategy ``strategy='auto'`` runs: exact where it proves fast, local search at scale.

    * up to 150 establishments and teams of at most 9 establishments on average:
      ``portfolio``, column generation on the two cores (exact pricing certifies a bound
      for every objective; larger teams make exact pricing intractable): for an objective
      of focus alone racing the CP-SAT model (on the benchmark families each proves the
      cohorts the other is slow on), else its branch-and-price tree shared out;
    * focus only (no pair terms) with larger teams, up to 150 establishments: ``cpsat``
      (its focus model is tight);
    * anything larger: ``local_search``.
    """
    units_per_team = problem.n_units / max(1, problem.n_teams)
    if problem.n_units <= 150 and units_per_team <= 9:
        return "portfolio"
    if problem.n_units <= 150 and not problem.pair_milli.any():
        return "cpsat"
    return "local_search"


# Above this many establishments column generation's root may not converge in the time
# (130 establishments, 30 s, a loaded machine: 11 s of exact pricing for 5 calls), and the
# bound fell back to the quick relaxation (gap 17%); the themed LP takes about 1 s there
# (gap 7.7%), so `auto` sets that much of the limit aside for a certified bound.
# Local search proves nothing: at 200 establishments (10 s) 3 s of the themed LP gave a
# gap of 6.7% against the relaxation's 15.9%, the teams as good. Above 1,000 the bounds
# outlast the seconds kept (the star bound alone: 7 s at 5,000), so none is kept there.
AUTO_BOUND_UNITS = 100
AUTO_BOUND_MAX_UNITS = 1_000
AUTO_BOUND_S = 3.0


def auto_bound_time(problem: Problem, name: str, time_limit: float) -> float:
    """The seconds `strategy='auto'` keeps for a certified bound when none is asked for
    (used only when the search proves no optimum): above 100 establishments, for column
    generation, whose root may not converge, and for local search up to 1,000."""
    n = problem.n_units
    if n <= AUTO_BOUND_UNITS:
        return 0.0
    if name == "portfolio" or (name == "local_search" and n <= AUTO_BOUND_MAX_UNITS):
        return min(AUTO_BOUND_S, 0.1 * float(time_limit))
    return 0.0


def solve(
    cohort: Cohort,
    rules: Rules | None = None,
    *,
    objective: str | ObjectiveWeights = "blend",
    strategy: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    progress: Callable[[Progress], None] | None = None,
    warm_start: dict[str, int] | None = None,
    bound_time: float = 0.0,
) -> Result:
    """Match a cohort into teams under ``rules`` and say how good the answer is.

    ``objective`` is 'focus', 'cohesion', 'blend' (default) or ``ObjectiveWeights``;
    ``strategy`` a registered name (see ``available_strategies()``) or 'auto';
    ``time_limit`` in seconds is honoured for the whole call (reading files is not in it;
    nor is a strategy's one-off compilation on a new machine); the same ``seed`` gives the same answer
    (for time-limited searches: when the search ends before the time limit).
    ``warm_start`` maps establishment id -> team (1..T) to start from.
    ``bound_time`` seconds of ``time_limit`` go to a certified bound
    (``clnmatch.bounds.certified_bound``) when the strategy proves none, e.g. local
    search at region scale: a gap of about 7% instead of the quick relaxation's 15%;
    left at 0 with 'auto', ``auto_bound_time`` decides.

    Never raises for rules that cannot be met: the result then has status
    ``infeasible`` and a ``diagnosis``.
    """
    started = time.perf_counter()
    validate_parameters(objective, strategy, time_limit, seed)
    check_value("bound_time", "solve", BOUND_TIME, bound_time)
    if progress is not None and not callable(progress):
        raise InvalidParameterError.for_value(
            "progress", "solve", "a function of one Progress, or None", progress
        )
    if float(bound_time) >= float(time_limit):  # it took the search's time without a word
        raise InvalidParameterError.for_value(
            "bound_time",
            "solve",
            f"seconds less than time_limit ({float(time_limit):g}): they are part of it",
            bound_time,
        )
    bound_time = min(float(bound_time), 0.9 * float(time_limit))
    check_solve_inputs(cohort, rules, warm_start)
    rules = rules or Rules()
    problem = Problem.from_cohort(cohort, rules, objective)
    search = shared_facilitator_problem(problem, cohort, rules, board=warm_start)
    problem_s = time.perf_counter() - started
    name = choose_strategy(search) if strategy == "auto" else strategy
    if strategy == "auto" and not bound_time:
        bound_time = auto_bound_time(problem, name, time_limit)
    if search is not problem and not bound_time:  # the search proves nothing for the rules
        bound_time = min(3.0, 0.1 * float(time_limit))
    runner = get_strategy(name, "solve")
    weights = (
        objective if isinstance(objective, ObjectiveWeights) else ObjectiveWeights.named(objective)
    )
    objective_name = weights.name

    def finish(status: Status, **fields: object) -> Result:
        return Result(
            status=status,
            cohort=cohort,
            rules=rules,
            objective_name=objective_name,
            strategy=name,
            seed=int(seed),
            runtime_s=time.perf_counter() - started,
            objective_weights=weights,
            **fields,  # type: ignore[arg-type]
        )

    deadline = started + float(time_limit)  # for the suggestions of a diagnosis
    diagnosis = diagnose(problem, cohort, rules, deadline=deadline)
    if not diagnosis.feasible_by_arithmetic:
        return finish(Status.INFEASIBLE, diagnosis=diagnosis)

    # One limit for the whole call: what setup spent counts, a slice is kept for the
    # facilitator allocation afterwards and for the relaxation bound and the final check
    # (together about as long as building the problem: 2.1 s against 3.0 s at 5,000
    # establishments), and one-off compilation does not.
    reserve = min(0.1 * float(time_limit), 0.1 * rules.teams) if cohort.facilitators else 0.0
    reserve += min(0.5 * float(time_limit), problem_s)
    tick, compiled = time.perf_counter(), compilations()
    prepare(runner)
    # only compiling stays outside the limit; loading the compiled kernels (about a second
    # in a new process) is part of the call
    prepare_s = time.perf_counter() - tick if compilations() > compiled else 0.0
    repair_until = time.perf_counter() + 0.1 * float(time_limit)
    unit_start, start_keeps_rules = _unit_warm_start(search, warm_start, int(seed), repair_until)
    setup_s = time.perf_counter() - started - prepare_s
    budget = Budget(
        time_limit=max(0.1, float(time_limit) - setup_s - reserve - bound_time),
        seed=int(seed),
        progress=progress,
        warm_start=unit_start,
    )
    proposal = checked_answer(name, runner.run(search, budget), search)
    if late := budget.overrun(name):
        proposal = dataclasses.replace(proposal, notes=(*proposal.notes, late))
    # the caps, not the rules, may be what cannot be met: caps from a board that breaks a
    # rule (a hand move on the day), pins into a small team. Then the even caps (when the
    # first came from a board), then the rules themselves, as before the caps
    retries = [shared_facilitator_problem(problem, cohort, rules)] if warm_start else []
    caps = np.asarray(search.team_max_units)
    retries = [p for p in retries if not np.array_equal(np.asarray(p.team_max_units), caps)] + [
        problem
    ]
    while search is not problem and proposal.unit_team is None and proposal.proven_infeasible:
        left = float(time_limit) - (time.perf_counter() - started) - reserve - bound_time
        search = retries.pop(0)
        retry = dataclasses.replace(
            budget, time_limit=max(0.1, left / (1 + len(retries))), started=time.perf_counter()
        )
        proposal = checked_answer(name, runner.run(search, retry), search)
    if unit_start is not None and start_keeps_rules:
        proposal = _no_worse_than_start(search, proposal, unit_start)
    elif unit_start is not None:
        note = "the warm start breaks a rule and was not repaired in its share of the time"
        proposal = dataclasses.replace(proposal, notes=(note, *proposal.notes))
    left = float(time_limit) - (time.perf_counter() - started) - reserve - bound_time
    proposal = greedy_if_none(search, proposal, name, left, int(seed))
    if search is not problem:
        proposal = _proofs_dropped(proposal)
    statistics = Statistics(proposal.trace)
    if proposal.unit_team is None:
        if proposal.proven_infeasible:
            conflicting = proposal.conflicting_rules
            diagnosis = diagnose(problem, cohort, rules, conflicting, deadline=deadline)
            if not diagnosis.conflicts:  # a proof by search alone: no count or core to name
                proof = Conflict(
                    rules=(),  # none singled out: no rule name a program would misread
                    message=f"no assignment meets the rules together (proved by {name}; each "
                    "rule alone passes the counting checks)",
                    suggestion="loosen one rule at a time to find the clash",
                    source="solver",
                )
                diagnosis = dataclasses.replace(diagnosis, conflicts=[proof])
            infeasible = finish(Status.INFEASIBLE, diagnosis=diagnosis, statistics=statistics)
            return _said_if_late(infeasible, float(time_limit), prepare_s)
        unknown = finish(
            Status.UNKNOWN,
            statistics=statistics,
            notes=proposal.notes
            + (
                f"no rule-abiding assignment found within {round(time_limit, 1):g} s; try a "
                "longer time_limit",
            ),
        )
        return _said_if_late(unknown, float(time_limit), prepare_s)

    if bound_time > 0 and not proposal.proven_optimal:
        proposal = _with_certified_bound(problem, proposal, started, time_limit, bound_time)
    result = finish_solve(
        cohort,
        rules,
        problem,
        proposal,
        strategy=name,
        seed=int(seed),
        started=started,
        weights=weights,
        # what is left of the limit (the strategy may have used less than its share)
        allocation_s=float(time_limit) - (time.perf_counter() - started - prepare_s) - FINISH_S,
    )
    return _said_if_late(result, float(time_limit), prepare_s)


def is_late_call_note(note: str) -> bool:
    """Whether ``note`` is the one a result gets when the whole call ran well past its
    time_limit (``_said_if_late``)."""
    return note.startswith("the call took ") and ", past its time_limit of " in note


def _said_if_late(result: Result, time_limit: float, prepare_s: float) -> Result:
    """``result`` with a note when the whole call ran well past ``time_limit`` (10% and half
    a second more), one-off compiling aside: a Python caller learns what the command line
    says ("the run took ..."), and why the answer may differ on a second call."""
    spent = result.runtime_s - prepare_s
    if not ran_past(spent, time_limit):
        return result
    note = (
        f"the call took {spent:.1f} s, past its time_limit of {time_limit:g} s (a busy "
        "machine, or loading libraries in a new process: a later call is quicker)"
    )
    return dataclasses.replace(result, notes=(*result.notes, note))


def _proofs_dropped(proposal: Proposal) -> Proposal:
    """A proposal of the search with team-by-team caps: its proofs (optimal, infeasible,
    bounds) hold for those caps only, not for the rules."""
    if not (proposal.proven_optimal or proposal.proven_infeasible or proposal.bound_milli):
        return proposal
    note = (
        "teams were kept small enough to share the facilitators (fewer than the teams), "
        "so the search's proof holds for those sizes only and is not used"
    )
    return dataclasses.replace(
        proposal,
        bound_milli=None,
        proven_optimal=False,
        proven_infeasible=False,
        conflicting_rules=(),
        trace=tuple(dataclasses.replace(p, bound=None) for p in proposal.trace),
        notes=(*proposal.notes, note),
    )


def _with_certified_bound(
    problem: Problem, proposal: Proposal, started: float, time_limit: float, bound_time: float
) -> Proposal:
    """The proposal with the least of its bound and one certified within what is left of
    ``bound_time`` (the strategy may have used less than its share; never past the limit)."""
    left = float(time_limit) - (time.perf_counter() - started) - FINISH_S
    certified = certified_bound(problem, max(0.0, min(bound_time, left)), seed=0)
    proved = proposal.bound_milli
    if proved is not None and proved <= certified.bound_milli:
        return proposal
    seconds = sum(certified.seconds.values())
    note = f"bound: certified by clnmatch.bounds ({certified.method}, {seconds:.1f} s)"
    return dataclasses.replace(
        proposal, bound_milli=certified.bound_milli, notes=(*proposal.notes, note)
    )


def greedy_if_none(
    problem: Problem, proposal: Proposal, name: str, seconds: float, seed: int
) -> Proposal:
    """``proposal``, or where strategy ``name`` found no assignment and proved none
    impossible (a limit too short for it, e.g. 0.3 s for the portfolio's processes), the
    greedy start, built in hundredths of a second, in the ``seconds`` left."""
    if proposal.unit_team is not None or proposal.proven_infeasible or name == "greedy":
        return proposal
    greedy = get_strategy("greedy", "solve")
    quick = greedy.run(problem, Budget(time_limit=max(0.05, seconds), seed=seed))
    if quick.unit_team is None:
        return proposal
    note = f"{name} found no assignment in its time; this is the greedy start"
    return dataclasses.replace(quick, notes=(*proposal.notes, note, *quick.notes))


def _no_worse_than_start(problem: Problem, proposal: Proposal, start: np.ndarray) -> Proposal:
    """The rule-abiding warm start when the search ended with less, or with nothing: a
    re-optimise never proposes teams that score below the board it started from."""
    floor = evaluate(problem, start).objective_milli
    if proposal.unit_team is not None:
        found = evaluate(problem, proposal.unit_team, proposal.team_focus)
        if found.feasible and found.objective_milli >= floor:
            return proposal
    note = "the warm start scores more than the search found in its time: it is kept"
    return dataclasses.replace(
        proposal, unit_team=start.copy(), team_focus=None, proven_optimal=False,
        notes=(*proposal.notes, note),
    )  # fmt: skip


def _unit_warm_start(
    problem: Problem, warm_start: dict[str, int] | None, seed: int, deadline: float
) -> tuple[np.ndarray | None, bool]:
    """The warm start as a unit assignment, and whether it keeps every rule.

    A start that breaks a rule (a school moved by hand, a late one in no team) is repaired
    near itself first: colgen and cpsat take only a rule-abiding start, and without one
    they began from nothing (a re-optimise at the event proposed 472 points against a
    board of 572 with one breach). The repair is capped in steps, so seeded runs repeat.
    Where it fails, the start goes on as given (units it left out in team 1): local
    search repairs it with the whole budget.
    """
    if not warm_start:
        return None, False
    index = {uid: i for i, uid in enumerate(problem.unit_ids)}
    out = np.full(problem.n_units, -1, dtype=np.int64)  # not given: placed by the repair
    for uid, team in warm_start.items():
        if uid in index and 1 <= team <= problem.n_teams:
            out[index[uid]] = team - 1
    steps = REPAIR_STEPS_PER_UNIT * problem.n_units
    fixed = repair(problem, out, np.random.default_rng(seed), deadline, max_steps=steps)
    if fixed is None:
        return np.maximum(out, 0), False
    return fixed, True
