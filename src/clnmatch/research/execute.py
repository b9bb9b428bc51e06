"""Making runs: one in this process (``run_one``), or a plan through joblib or Dask.

How a run is scored (always by ``clnmatch.evaluate``, never by the strategy):

* **Generated cohorts** go through ``clnmatch.solve.solve``, exactly as a user's cohort
  does; ``runtime_s`` is the wall time of that call. A strategy whose answer breaks a
  rule gets status ``breaches`` with the breaches counted.
* **Peers** return a practitioner -> team assignment; facilitators are allocated to it as
  ``solve`` would and it is scored with ``check``; ``runtime_s`` is the peer's own time.
* **Research instances** are ``Problem``s: the strategy's ``run`` is called with a
  ``Budget`` and its proposal scored with ``evaluate``; ``runtime_s`` is the wall time of
  ``run``. Gap to best known = (bks - objective) / bks.
* **Schedule sets** (golf, breakouts-scale) go through the breakout API and its schedule
  checker (``clnmatch.research.schedules``): repeats, the proven bound, solved or not.

Runs marked ``alone`` are made after the others, one at a time in this process.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from clnmatch.errors import InfeasibleError, InvalidParameterError
from clnmatch.research.measure import Meter, maxrss_mb, resolve_solver, warm_up
from clnmatch.research.runs import RunOutcome, RunRecord, RunSpec, clnmatch_version
from clnmatch.research.schedules import run_golf, run_scale
from clnmatch.research.sets import COHORT_SETS, research_problem, set_cohort
from clnmatch.trace import relative_gap

if TYPE_CHECKING:
    from clnmatch.evaluate import Evaluation

__all__ = ["error_text", "execute", "run_one"]


def run_one(spec: RunSpec) -> RunOutcome:
    """Make one run in this process and score it; any exception becomes a failed record.

    Before the first run of a solver in a process, ``warm_up`` runs it once untimed.
    """
    record = _record(spec)
    trace: list[tuple[float, float | None, float | None]] = []
    solution: tuple[int, ...] | None = None
    meter = Meter(spec.memory)
    warm = warm_up(spec) if spec.warm_up else None
    try:
        if spec.kind == "golf":
            with meter:
                run_golf(spec, record)
        elif spec.kind == "breakouts":
            with meter:
                run_scale(spec, record)
        elif spec.kind == "research":
            trace, solution = _run_research(spec, record, meter)
        elif spec.solver_kind == "peer":
            _run_peer(spec, record, meter)
        else:
            trace = _run_cohort(spec, record, meter)
    except Exception as exc:  # a benchmark records every failure, it never stops on one
        record.status = "failed"
        record.error = error_text(exc)
    record.peak_memory_mb = _round(meter.peak_mb, 1)
    record.cpu_s = _round(meter.cpu_s, 2)
    record.tracemalloc_peak_mb = _round(meter.tracemalloc_mb, 1)
    record.worker_maxrss_mb = _round(maxrss_mb(), 1)
    extra = [
        meter.note,
        f"warm-up {warm:.1f} s (not timed)" if warm is not None else "",
        "made alone" if spec.alone else "",
    ]
    record.notes = "; ".join(filter(None, [record.notes, *extra]))[:600]
    if record.best_known and record.objective is not None:
        record.gap_to_best_known = (record.best_known - record.objective) / record.best_known
    if not spec.keep_trace:
        trace = []
    elif record.objective is not None and record.runtime_s is not None:
        # end every trace at the run's end with the evaluator's objective: lines run to the end
        trace = [*trace, (record.runtime_s, record.objective, record.bound)]
    return RunOutcome(record, trace, solution)


def error_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:500]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _fill_evaluation(record: RunRecord, evaluation: Evaluation) -> None:
    from collections import Counter

    record.objective = evaluation.objective
    record.breaches = len(evaluation.breaches)
    counts = Counter(b.rule for b in evaluation.breaches)
    record.breach_rules = "; ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))
    record.focus_points = evaluation.focus_points
    record.cohesion = evaluation.cohesion
    record.simd_mixed_teams = evaluation.simd_mixed_teams
    record.travel_km = evaluation.travel_km
    teams = evaluation.teams
    if teams and any(ts.authorities for ts in teams):
        record.authorities_per_team_mean = float(np.mean([len(ts.authorities) for ts in teams]))
    if teams and any(ts.sectors for ts in teams):
        record.sectors_per_team_mean = float(np.mean([len(ts.sectors) for ts in teams]))


def _trace_rows(points: Iterable[Any]) -> list[tuple[float, float | None, float | None]]:
    return [(float(p.time_s), p.objective, p.bound) for p in points]


def _run_cohort(
    spec: RunSpec, record: RunRecord, meter: Meter
) -> list[tuple[float, float | None, float | None]]:
    from clnmatch.result import Status
    from clnmatch.solve import solve

    assert spec.cohort_seed is not None
    cohort = set_cohort(spec.set, spec.cohort_seed)
    rules = COHORT_SETS[spec.set].rules
    with meter:
        started = time.perf_counter()
        result = solve(
            cohort,
            rules,
            objective=spec.objective,
            strategy=spec.solver,
            time_limit=spec.time_limit,
            seed=spec.seed,
        )
        record.runtime_s = round(time.perf_counter() - started, 4)
    if result.evaluation is not None:
        _fill_evaluation(record, result.evaluation)
    record.bound, record.gap = result.bound, result.gap
    chose = [f"auto chose {result.strategy}"] if spec.solver == "auto" else []
    record.notes = " | ".join([*chose, *result.notes])[:500]
    from clnmatch.solve import is_late_call_note
    from clnmatch.strategies.base import is_overrun_note

    # the strategy's overrun, or the whole call's (solve notes both): before the cut
    record.over_time = any(
        is_overrun_note(note) or is_late_call_note(note) for note in result.notes
    )
    if result.status is Status.OPTIMAL:
        record.status = "optimal"
    elif result.status is Status.FEASIBLE:
        record.status = "feasible"
    elif result.status is Status.INFEASIBLE:
        record.status = "infeasible"
    else:
        record.status = "breaches" if result.evaluation is not None else "no_solution"
    return _trace_rows(result.statistics.trace)


def _run_peer(spec: RunSpec, record: RunRecord, meter: Meter) -> None:
    from clnmatch.evaluate import check
    from clnmatch.facilitators import allocate_facilitators
    from clnmatch.research.peers import get_peer
    from clnmatch.strategies.base import ran_past

    assert spec.cohort_seed is not None
    cohort = set_cohort(spec.set, spec.cohort_seed)
    rules = COHORT_SETS[spec.set].rules
    peer = get_peer(spec.solver)
    with meter:
        started = time.perf_counter()
        answer = peer.assign(cohort, rules, spec.time_limit, spec.seed)
        record.runtime_s = round(time.perf_counter() - started, 4)
    notes = list(answer.notes)
    links: tuple[tuple[str, int], ...] | None = None
    if cohort.facilitators:
        unit_team = np.array(
            [answer.establishment_team[e.id] - 1 for e in cohort.establishments], dtype=np.int64
        )
        try:
            links = tuple(allocate_facilitators(cohort, rules, unit_team).links)
        except (InfeasibleError, InvalidParameterError) as exc:
            links = ()  # no allocation: check then reports every team without a facilitator
            notes.append(f"no facilitator allocation: {exc}")
    evaluation = check(cohort, rules, answer.assignment, links, objective=spec.objective)
    _fill_evaluation(record, evaluation)
    record.status = "feasible" if evaluation.feasible else "breaches"
    # a peer has no budget to note its overrun: its time is measured (as Budget.overrun's)
    if ran_past(record.runtime_s, spec.time_limit):
        record.over_time = True
        notes.append(
            f"peer {spec.solver!r} ran {record.runtime_s:.1f} s of its {spec.time_limit:g} s"
        )
    record.notes = " | ".join(notes)[:500]


def _run_research(
    spec: RunSpec, record: RunRecord, meter: Meter
) -> tuple[list[tuple[float, float | None, float | None]], tuple[int, ...] | None]:
    """Score the run; its trace, and its assignment (each element's group, 0-based) so
    that the sweep can write it and anyone can check the objective."""
    from clnmatch.finish import judge
    from clnmatch.proposal import checked_answer
    from clnmatch.strategies import Budget, get_strategy

    assert spec.path is not None
    problem = research_problem(spec.path)
    chosen = resolve_solver(spec.solver, problem)
    strategy = get_strategy(chosen)
    with meter:
        budget = Budget(time_limit=spec.time_limit, seed=spec.seed)
        proposal = checked_answer(chosen, strategy.run(problem, budget), problem)
        record.runtime_s = round(budget.elapsed(), 4)
    chose = [f"auto chose {chosen}"] if spec.solver == "auto" else []
    late = [note] if (note := budget.overrun(chosen)) else []
    record.over_time = bool(late)
    notes = [*chose, *late, *proposal.notes]
    if proposal.unit_team is None:
        record.notes = " | ".join(notes)[:500]
        record.status = "infeasible" if proposal.proven_infeasible else "no_solution"
        return _trace_rows(proposal.trace), None
    judged = judge(problem, proposal)
    record.notes = " | ".join([*judged.notes, *notes])[:500]  # its verdict first: kept whole
    _fill_evaluation(record, judged.evaluation)
    bound = judged.bound
    if bound is None and spec.bound_time > 0:
        bound = _certified_bound(spec.path, spec.bound_time)
        record.notes = f"{record.notes} | bound: certified_bound, {spec.bound_time:g} s"[-500:]
    if bound is not None:
        record.bound = bound
        record.gap = relative_gap(judged.evaluation.objective, bound)
    record.status = str(judged.status)
    return _trace_rows(proposal.trace), tuple(int(t) for t in proposal.unit_team)


@functools.lru_cache(maxsize=64)
def _certified_bound(path: str, seconds: float) -> float:
    """A proven bound on an instance (``--bound-time``): after the run, outside its
    runtime_s, and once per instance in a worker (every seed and strategy shares it)."""
    from clnmatch.bounds import certified_bound
    from clnmatch.problem import SCALE

    return certified_bound(research_problem(path), seconds).bound_milli / SCALE


def _record(spec: RunSpec) -> RunRecord:
    """A run's row before it is made: what was asked (status ``failed`` until scored)."""
    return RunRecord(
        set=spec.label,
        instance=spec.instance,
        strategy=spec.solver,
        kind=spec.solver_kind,
        seed=spec.seed,
        time_limit=spec.time_limit,
        time_limit_rule=spec.time_limit_rule,
        best_known=spec.best_known,
        version=clnmatch_version(),
    )


def _failed(spec: RunSpec, reason: str) -> RunOutcome:
    return RunOutcome(replace(_record(spec), status="failed", error=reason[:500]))


# --------------------------------------------------------------------------- execution
def execute(
    specs: Sequence[RunSpec],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_result: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Run every spec: through joblib (``jobs`` processes) or Dask (``scheduler``).

    ``scheduler`` is a Dask scheduler address (``tcp://host:8786``) or ``"local"`` to start
    a ``LocalCluster`` of ``jobs`` single-threaded worker processes here. Specs marked
    ``alone`` run afterwards, one at a time in this process. Outcomes come back in the
    order of ``specs``; ``on_result`` sees each as it finishes.
    """
    if not specs:
        return []
    shared = [s for s in specs if not s.alone]
    alone = [s for s in specs if s.alone]
    done: list[RunOutcome] = []
    if shared and scheduler:
        done += _execute_dask(shared, scheduler, jobs, on_result)
    elif shared:
        done += _execute_joblib(shared, jobs, on_result)
    if alone:
        done += _execute_joblib(alone, 1, on_result)
    order = {s.key: i for i, s in enumerate(specs)}
    return sorted(done, key=lambda o: order.get(_record_key(o.record), len(order)))


def _record_key(record: RunRecord) -> tuple[str, str, str, int, float]:
    return (record.set, record.instance, record.strategy, record.seed, record.time_limit)


def _execute_joblib(
    specs: Sequence[RunSpec], jobs: int, on_result: Callable[[RunOutcome], None] | None
) -> list[RunOutcome]:
    from joblib import Parallel, delayed

    out: list[RunOutcome] = []
    runner = Parallel(n_jobs=jobs, return_as="generator_unordered")
    for outcome in runner(delayed(run_one)(spec) for spec in specs):
        out.append(outcome)
        if on_result is not None:
            on_result(outcome)
    return out


def _execute_dask(
    specs: Sequence[RunSpec],
    scheduler: str,
    jobs: int,
    on_result: Callable[[RunOutcome], None] | None,
) -> list[RunOutcome]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise InvalidParameterError.for_value(
            "scheduler",
            "bench",
            "a Dask scheduler, with dask[distributed] installed (pip install 'clnmatch[bench]')",
            scheduler,
        ) from exc
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=max(1, jobs),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        futures = client.map(run_one, list(specs), pure=False)
        spec_of = {f.key: s for f, s in zip(futures, specs, strict=True)}
        out: list[RunOutcome] = []
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # the worker died (memory, killed): record it
                outcome = _failed(spec_of[future.key], f"worker lost: {error_text(exc)}")
            out.append(outcome)
            if on_result is not None:
                on_result(outcome)
            future.release()
        return out
