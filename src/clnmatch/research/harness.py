"""The benchmark harness: instance sets x strategies (and peers) x seeds x time limits.

``run_bench(argv)`` is the command (``clnmatch bench`` / ``python -m benchmarks``); the
pieces are public for notebooks: ``plan`` lists the runs, ``run_one`` does one run in a
worker, ``execute`` runs a plan through joblib or Dask, ``write_outputs`` writes
runs.csv, traces.csv, summary.md and the plots.

How a run is scored (always by ``clnmatch.evaluate``, never by the strategy):

* **Generated cohorts** (sets ``tiny``, ``cln``, ``region``, ``stress``) go through
  ``clnmatch.solve.solve``, exactly as a user's cohort does: diagnosis, the strategy,
  facilitator allocation and ``check``. ``runtime_s`` is the wall time of that call.
  A strategy whose answer breaks a rule gets status ``breaches`` with the breaches
  counted (``solve`` itself would refuse such an answer).
* **Peers** (``clnmatch.research.peers``) return a practitioner -> team assignment; the
  harness allocates facilitators to it as ``solve`` would and scores it with ``check``,
  so split nominees and every rule the peer ignores count as breaches. ``runtime_s``
  is the peer's own wall time (scoring excluded).
* **Research instances** (MDGPLIB, CCPLIB) are ``Problem``s: the strategy's ``run`` is
  called with a ``Budget`` and its proposal scored with ``evaluate``. ``runtime_s`` is the
  wall time of ``run``. Gap to best known = (bks - objective) / bks, from ``bks.csv``.

Each worker runs every solver once untimed on a tiny instance before its first measured
run (imports and numba compilation are not a strategy's speed); ``--no-warm-up`` turns
that off.

Memory, measured in the worker process around the run (see benchmarks/README.md):
``peak_memory_mb`` is the growth of the worker's resident set during the run (sampled
every 10 ms from /proc/self/statm; native memory such as CP-SAT's included);
``worker_maxrss_mb`` is ``getrusage(RUSAGE_SELF).ru_maxrss`` of the worker after the
run (a high-water mark over the worker's whole life); ``tracemalloc_peak_mb`` is the
Python-heap peak, only with ``--memory tracemalloc`` because tracing every allocation
slowed a pure-Python strategy about six-fold here.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import functools
import io
import math
import os
import platform
import re
import secrets
import shlex
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from clnmatch.errors import ClnmatchError, InfeasibleError, InvalidParameterError
from clnmatch.models import Cohort, Rules
from clnmatch.problem import SCALE, Problem
from clnmatch.trace import relative_gap

if TYPE_CHECKING:
    import pandas as pd

    from clnmatch.evaluate import Evaluation

__all__ = [
    "CohortSet",
    "COHORT_SETS",
    "RESEARCH_SETS",
    "RunSpec",
    "RunRecord",
    "RunOutcome",
    "RUN_COLUMNS",
    "TRACE_COLUMNS",
    "tpsdp_time_limit",
    "default_benchmarks_dir",
    "plan",
    "run_one",
    "execute",
    "write_outputs",
    "summary_markdown",
    "latest_runs",
    "run_bench",
]

SetKind = Literal["cohort", "research"]
MemoryMode = Literal["rss", "tracemalloc"]


# --------------------------------------------------------------------------- sets
@dataclass(frozen=True)
class CohortSet:
    """Generated cohorts: ``instances`` cohorts (seeds 0..k-1) of this size under ``rules``."""

    name: str
    establishments: int
    rules: Rules
    time_limit: float  # default seconds per run
    instances: int  # default number of cohorts

    @property
    def teams(self) -> int:
        return self.rules.teams


COHORT_SETS: dict[str, CohortSet] = {
    "tiny": CohortSet("tiny", 16, Rules(teams=2, min_establishments=0), 1.0, 2),
    "cln": CohortSet("cln", 50, Rules(), 10.0, 5),
    "region": CohortSet(
        "region", 500, Rules(teams=80, max_participants=100_000, min_establishments=0), 60.0, 2
    ),
    "stress": CohortSet(
        "stress", 5000, Rules(teams=1000, max_participants=100_000, min_establishments=0), 300.0, 1
    ),
}
RESEARCH_SETS = ("mdgp", "ccp")


def tpsdp_time_limit(n: int) -> float:
    """TPSDP's (Yang et al. 2022) time limit by instance size: 3 s to n=120, 20 s to 240, 120 s."""
    if n <= 120:
        return 3.0
    if n <= 240:
        return 20.0
    return 120.0


def default_benchmarks_dir() -> Path:
    """``../shared/benchmarks`` beside the repository (or beside the working directory)."""
    env = os.environ.get("CLNMATCH_BENCHMARKS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    candidates = [
        here.parents[3].parent / "shared" / "benchmarks",
        Path.cwd().parent / "shared" / "benchmarks",
        Path.cwd() / "shared" / "benchmarks",
    ]
    return next((c for c in candidates if c.is_dir()), candidates[0])


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class RunSpec:
    """One run to make; small and picklable, so a worker builds the instance itself."""

    set: str
    instance: str
    kind: SetKind
    solver: str
    solver_kind: Literal["strategy", "peer"]
    seed: int
    time_limit: float
    time_limit_rule: str  # "given", "tpsdp" or "set default"
    path: str | None = None  # research instance file
    cohort_seed: int | None = None
    best_known: float | None = None
    keep_trace: bool = False
    memory: MemoryMode = "rss"
    warm_up: bool = True
    objective: str = "blend"  # cohort sets: the objective solved for

    @property
    def label(self) -> str:
        """The set as runs.csv names it: ``cln`` for blend, ``cln:focus`` otherwise."""
        return (
            self.set
            if self.objective == "blend" or self.kind != "cohort"
            else f"{self.set}:{self.objective}"
        )

    @property
    def key(self) -> tuple[str, str, str, int, float]:
        return (self.label, self.instance, self.solver, self.seed, self.time_limit)


@dataclass
class RunRecord:
    """One row of runs.csv."""

    set: str
    instance: str
    strategy: str
    kind: str  # "strategy" or "peer"
    seed: int
    time_limit: float
    time_limit_rule: str
    status: str = "failed"  # optimal | feasible | breaches | no_solution | infeasible | failed
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    best_known: float | None = None
    gap_to_best_known: float | None = None
    breaches: int | None = None
    breach_rules: str = ""  # "rule x count; ..." of the breaches
    focus_points: int | None = None
    cohesion: float | None = None
    authorities_per_team_mean: float | None = None
    sectors_per_team_mean: float | None = None
    simd_mixed_teams: int | None = None
    travel_km: float | None = None
    runtime_s: float | None = None
    peak_memory_mb: float | None = None
    worker_maxrss_mb: float | None = None
    tracemalloc_peak_mb: float | None = None
    error: str = ""
    notes: str = ""
    version: str = ""
    sweep: str = ""


RUN_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(RunRecord))
TRACE_COLUMNS: tuple[str, ...] = (
    "set",
    "instance",
    "strategy",
    "seed",
    "time_limit",
    "time_s",
    "objective",
    "bound",
    "sweep",
)
KEY_COLUMNS = ["set", "instance", "strategy", "seed", "time_limit"]


@dataclass
class RunOutcome:
    """A finished run: its record and, for representative runs, its anytime trace."""

    record: RunRecord
    trace: list[tuple[float, float | None, float | None]] = field(default_factory=list)


def _version() -> str:
    from clnmatch import __version__

    return __version__


# --------------------------------------------------------------------------- instances
@functools.lru_cache(maxsize=4)
def _cohort(set_name: str, cohort_seed: int) -> Cohort:
    from clnmatch.generate import generate_cohort

    spec = COHORT_SETS[set_name]
    return generate_cohort(spec.establishments, seed=cohort_seed, teams_hint=spec.teams)


@functools.lru_cache(maxsize=4)
def _research_problem(path: str) -> Problem:
    from clnmatch.research.instances import read_instance

    return read_instance(path)


def _header_n(path: Path) -> int:
    """n from an instance's first line (MDGPLIB/CCP header, or the handover file's first token)."""
    with path.open(encoding="ascii", errors="replace") as handle:
        first = handle.readline().split()
    try:
        return int(first[0])
    except (IndexError, ValueError) as exc:
        raise InvalidParameterError.for_value(
            "instances", "bench", "instance files whose first line starts with n", str(path)
        ) from exc


def research_files(folder: Path, patterns: Sequence[str] = ()) -> list[Path]:
    """Instance files under ``folder`` (recursive), skipping READMEs, CSVs and solutions.

    ``patterns`` are globs on the file name or stem (``RanReal_n120_*``); any may match.
    """
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if any(part.startswith(("solutions", ".")) for part in rel.parts[:-1]):
            continue
        if path.name.startswith(".") or path.suffix.lower() in (".md", ".csv", ".zip", ".json"):
            continue
        if patterns and not any(
            fnmatch.fnmatch(path.name, g) or fnmatch.fnmatch(path.stem, g) for g in patterns
        ):
            continue
        out.append(path)
    return out


# --------------------------------------------------------------------------- planning
def plan(
    sets: Sequence[str],
    strategies: Sequence[str],
    seeds: Sequence[int],
    *,
    peers: Sequence[str] = (),
    time_limits: Sequence[float] = (),
    cohorts: int | None = None,
    mdgp_dir: Path | None = None,
    ccp_dir: Path | None = None,
    match: Sequence[str] = (),
    memory: MemoryMode = "rss",
    warm_up: bool = True,
    objective: str = "blend",
) -> list[RunSpec]:
    """Every run of a sweep, in a stable order; one representative run per set keeps a trace.

    Peers run on cohort sets only (they know nothing of MDGP). ``time_limits`` empty means
    per set: TPSDP's by n for research sets, the set's default for cohorts.
    """
    bench = default_benchmarks_dir()
    specs: list[RunSpec] = []
    solvers = [(s, "strategy") for s in strategies] + [(p, "peer") for p in peers]
    for set_name in sets:
        block: list[RunSpec] = []
        if set_name in COHORT_SETS:
            cset = COHORT_SETS[set_name]
            limits = list(time_limits) or [cset.time_limit]
            rule = "given" if time_limits else "set default"
            for k in range(cset.instances if cohorts is None else cohorts):
                for limit in limits:
                    for solver, solver_kind in solvers:
                        for seed in seeds:
                            block.append(
                                RunSpec(
                                    set_name,
                                    f"{set_name}-{k:02d}",
                                    "cohort",
                                    solver,
                                    solver_kind,  # type: ignore[arg-type]
                                    int(seed),
                                    float(limit),
                                    rule,
                                    cohort_seed=k,
                                    memory=memory,
                                    warm_up=warm_up,
                                    objective=objective,
                                )
                            )
        elif set_name in RESEARCH_SETS:
            if set_name == "mdgp":
                folder = mdgp_dir or bench / "mdgplib"
            else:
                folder = ccp_dir or bench / "ccplib"
            if not folder.is_dir():
                raise InvalidParameterError.for_value(
                    "instances", "bench", f"a folder of {set_name.upper()} instances", str(folder)
                )
            best = _best_known(folder)
            for path in research_files(folder, match):
                limits = list(time_limits) or [tpsdp_time_limit(_header_n(path))]
                rule = "given" if time_limits else "tpsdp"
                for limit in limits:
                    for solver in strategies:
                        for seed in seeds:
                            block.append(
                                RunSpec(
                                    set_name,
                                    path.stem,
                                    "research",
                                    solver,
                                    "strategy",
                                    int(seed),
                                    float(limit),
                                    rule,
                                    path=str(path),
                                    best_known=best.get(path.stem),
                                    memory=memory,
                                    warm_up=warm_up,
                                )
                            )
        else:
            choices = ", ".join(repr(s) for s in [*COHORT_SETS, *RESEARCH_SETS])
            raise InvalidParameterError.for_value(
                "sets", "bench", f"names among {choices}", set_name
            )
        specs.extend(_mark_representatives(block))
    return specs


def _best_known(folder: Path) -> dict[str, float]:
    path = folder / "bks.csv"
    if not path.is_file():
        return {}
    from clnmatch.research.instances import read_best_known

    return {name: bk.value for name, bk in read_best_known(path).items()}


def _mark_representatives(block: list[RunSpec]) -> list[RunSpec]:
    """Keep traces of each solver's run on the first instance, first seed, longest limit."""
    if not block:
        return block
    instance = block[0].instance
    seed = block[0].seed
    limit = max(s.time_limit for s in block if s.instance == instance)
    return [
        replace(s, keep_trace=True)
        if (s.instance, s.seed, s.time_limit) == (instance, seed, limit)
        else s
        for s in block
    ]


# --------------------------------------------------------------------------- measuring
def _rss_bytes() -> int | None:
    """The current resident set of this process (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _maxrss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)  # bytes on macOS, KiB on Linux


_TRACEMALLOC_LOCK = threading.Lock()


class _Memory:
    """Peak RSS growth (sampled by a thread) and optionally the tracemalloc peak of a block."""

    def __init__(self, mode: MemoryMode, interval: float = 0.01):
        self.mode, self.interval = mode, interval
        self.peak_mb: float | None = None
        self.tracemalloc_mb: float | None = None
        self.note = ""

    def __enter__(self) -> _Memory:
        self._start = _rss_bytes()
        self._peak = self._start or 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._start is not None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        self._traced = False
        if self.mode == "tracemalloc":
            # tracemalloc is process-wide: with runs in threads only one can own it
            if _TRACEMALLOC_LOCK.acquire(blocking=False):
                if tracemalloc.is_tracing():
                    _TRACEMALLOC_LOCK.release()
                else:
                    tracemalloc.start()
                    self._traced = True
            if not self._traced:
                self.note = "tracemalloc busy (another run in this process)"
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            rss = _rss_bytes()
            if rss is not None and rss > self._peak:
                self._peak = rss

    def __exit__(self, *exc: object) -> None:
        if self._traced:
            self.tracemalloc_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            _TRACEMALLOC_LOCK.release()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            end = _rss_bytes() or 0
            self.peak_mb = (max(self._peak, end) - (self._start or 0)) / 2**20


# --------------------------------------------------------------------------- warm-up
_WARMED: set[tuple[str, str, str]] = set()
_WARM_LOCK = threading.Lock()
WARM_UP_SECONDS = 1.0


def _tiny_problem() -> Problem:
    """Eight units in two teams of four: enough to load every import and compile every kernel."""
    rng = np.random.default_rng(0)
    pair = np.triu(rng.integers(0, 100, size=(8, 8)), 1)
    return Problem(
        unit_ids=tuple(f"u{i}" for i in range(8)),
        unit_weight=np.ones(8, dtype=np.int64),
        team_min=np.full(2, 4, dtype=np.int64),
        team_max=np.full(2, 4, dtype=np.int64),
        pair_milli=(pair + pair.T).astype(np.int64),
        name="warm-up",
    )


def _warm_up(spec: RunSpec) -> float | None:
    """Once per worker process and solver: the same path on a tiny instance, untimed.

    The first run in a fresh process pays for imports and JIT compilation (numba kernels
    took over a minute on a loaded machine here); that is not the strategy's speed.
    The strategy's own ``warm_up`` (see ``strategies.prepare``) runs first. Errors are ignored
    here: the measured run will meet them again and record them.
    """
    key = (spec.kind, spec.solver_kind, spec.solver)
    with _WARM_LOCK:
        if key in _WARMED:
            return None
        _WARMED.add(key)
    started = time.perf_counter()
    with contextlib.suppress(Exception):
        if spec.solver_kind == "peer":
            from clnmatch.research.peers import get_peer

            tiny = COHORT_SETS["tiny"]
            get_peer(spec.solver).assign(_cohort("tiny", 0), tiny.rules, WARM_UP_SECONDS, 0)
        else:
            from clnmatch.strategies import Budget, get_strategy, prepare

            strategy = get_strategy(spec.solver)
            prepare(strategy)
            if spec.kind == "research":
                strategy.run(_tiny_problem(), Budget(time_limit=WARM_UP_SECONDS, seed=0))
            else:
                from clnmatch.solve import solve

                tiny = COHORT_SETS["tiny"]
                solve(
                    _cohort("tiny", 0),
                    tiny.rules,
                    strategy=spec.solver,
                    time_limit=WARM_UP_SECONDS,
                    seed=0,
                )
    return time.perf_counter() - started


# --------------------------------------------------------------------------- one run
def run_one(spec: RunSpec) -> RunOutcome:
    """Make one run in this process and score it; any exception becomes a failed record.

    Before the first run of a solver in a process, ``_warm_up`` runs it once untimed.
    """
    record = RunRecord(
        set=spec.label,
        instance=spec.instance,
        strategy=spec.solver,
        kind=spec.solver_kind,
        seed=spec.seed,
        time_limit=spec.time_limit,
        time_limit_rule=spec.time_limit_rule,
        best_known=spec.best_known,
        version=_version(),
    )
    trace: list[tuple[float, float | None, float | None]] = []
    memory = _Memory(spec.memory)
    warm = _warm_up(spec) if spec.warm_up else None
    try:
        if spec.kind == "research":
            trace = _run_research(spec, record, memory)
        elif spec.solver_kind == "peer":
            _run_peer(spec, record, memory)
        else:
            trace = _run_cohort(spec, record, memory)
    except Exception as exc:  # a benchmark records every failure, it never stops on one
        record.status = "failed"
        record.error = _error_text(exc)
    record.peak_memory_mb = _round(memory.peak_mb, 1)
    record.tracemalloc_peak_mb = _round(memory.tracemalloc_mb, 1)
    record.worker_maxrss_mb = _round(_maxrss_mb(), 1)
    extra = [memory.note, f"warm-up {warm:.1f} s (not timed)" if warm is not None else ""]
    record.notes = "; ".join(filter(None, [record.notes, *extra]))[:600]
    if record.best_known and record.objective is not None:
        record.gap_to_best_known = (record.best_known - record.objective) / record.best_known
    if not spec.keep_trace:
        trace = []
    elif record.objective is not None and record.runtime_s is not None:
        # end every trace at the run's end with the evaluator's objective: lines run to the end
        trace = [*trace, (record.runtime_s, record.objective, record.bound)]
    return RunOutcome(record, trace)


def _error_text(exc: BaseException) -> str:
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
    spec: RunSpec, record: RunRecord, memory: _Memory
) -> list[tuple[float, float | None, float | None]]:
    from clnmatch.result import Status
    from clnmatch.solve import solve

    assert spec.cohort_seed is not None
    cohort = _cohort(spec.set, spec.cohort_seed)
    rules = COHORT_SETS[spec.set].rules
    with memory:
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
    record.notes = " | ".join(result.notes)[:500]
    if result.status is Status.OPTIMAL:
        record.status = "optimal"
    elif result.status is Status.FEASIBLE:
        record.status = "feasible"
    elif result.status is Status.INFEASIBLE:
        record.status = "infeasible"
    else:
        record.status = "breaches" if result.evaluation is not None else "no_solution"
    return _trace_rows(result.statistics.trace)


def _run_peer(spec: RunSpec, record: RunRecord, memory: _Memory) -> None:
    from clnmatch.evaluate import check
    from clnmatch.facilitators import allocate_facilitators
    from clnmatch.research.peers import get_peer

    assert spec.cohort_seed is not None
    cohort = _cohort(spec.set, spec.cohort_seed)
    rules = COHORT_SETS[spec.set].rules
    peer = get_peer(spec.solver)
    with memory:
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
    record.notes = " | ".join(notes)[:500]


def _run_research(
    spec: RunSpec, record: RunRecord, memory: _Memory
) -> list[tuple[float, float | None, float | None]]:
    from clnmatch.evaluate import evaluate
    from clnmatch.strategies import Budget, get_strategy

    assert spec.path is not None
    problem = _research_problem(spec.path)
    strategy = get_strategy(spec.solver)
    with memory:
        budget = Budget(time_limit=spec.time_limit, seed=spec.seed)
        proposal = strategy.run(problem, budget)
        record.runtime_s = round(budget.elapsed(), 4)
    record.notes = " | ".join(proposal.notes)[:500]
    if proposal.unit_team is None:
        record.status = "infeasible" if proposal.proven_infeasible else "no_solution"
        return _trace_rows(proposal.trace)
    evaluation = evaluate(problem, proposal.unit_team, proposal.team_focus)
    _fill_evaluation(record, evaluation)
    if proposal.bound_milli is not None:
        record.bound = max(proposal.bound_milli, evaluation.objective_milli) / SCALE
        record.gap = relative_gap(evaluation.objective, record.bound)
    if not evaluation.feasible:
        record.status = "breaches"
    elif proposal.proven_optimal or (
        proposal.bound_milli is not None and proposal.bound_milli <= evaluation.objective_milli
    ):
        record.status = "optimal"
    else:
        record.status = "feasible"
    return _trace_rows(proposal.trace)


def _failed(spec: RunSpec, reason: str) -> RunOutcome:
    record = RunRecord(
        set=spec.label,
        instance=spec.instance,
        strategy=spec.solver,
        kind=spec.solver_kind,
        seed=spec.seed,
        time_limit=spec.time_limit,
        time_limit_rule=spec.time_limit_rule,
        best_known=spec.best_known,
        status="failed",
        error=reason[:500],
        version=_version(),
    )
    return RunOutcome(record)


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
    a ``LocalCluster`` of ``jobs`` single-threaded worker processes here. Outcomes come
    back in the order of ``specs``; ``on_result`` sees each as it finishes.
    """
    if not specs:
        return []
    if scheduler:
        done = _execute_dask(specs, scheduler, jobs, on_result)
    else:
        done = _execute_joblib(specs, jobs, on_result)
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
                outcome = _failed(spec_of[future.key], f"worker lost: {_error_text(exc)}")
            out.append(outcome)
            if on_result is not None:
                on_result(outcome)
            future.release()
        return out


# --------------------------------------------------------------------------- outputs
def _records_frame(outcomes: Sequence[RunOutcome], sweep: str) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for o in outcomes:
        row = asdict(o.record)
        row["sweep"] = sweep
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def _trace_frame(outcomes: Sequence[RunOutcome], sweep: str) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "set": o.record.set,
            "instance": o.record.instance,
            "strategy": o.record.strategy,
            "seed": o.record.seed,
            "time_limit": o.record.time_limit,
            "time_s": t,
            "objective": obj,
            "bound": bound,
            "sweep": sweep,
        }
        for o in outcomes
        for t, obj, bound in o.trace
    ]
    return pd.DataFrame(rows, columns=list(TRACE_COLUMNS))


def _append_csv(path: Path, new: pd.DataFrame) -> pd.DataFrame:
    """Old rows + new rows, written whole (temp file, rename); returns all rows."""
    import pandas as pd

    from clnmatch.io.safe import atomic_write_text

    frames = [new]
    if path.is_file() and path.stat().st_size:
        frames.insert(0, pd.read_csv(path))
    frames = [f for f in frames if not f.empty] or [new]
    both = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    atomic_write_text(path, both.to_csv(index=False, lineterminator="\n"))
    return both


def latest_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The newest row of each (set, instance, strategy, seed, time limit): reruns replace."""
    if runs.empty:
        return runs
    return runs.drop_duplicates(subset=KEY_COLUMNS, keep="last").reset_index(drop=True)


def write_outputs(
    out_dir: Path,
    outcomes: Sequence[RunOutcome],
    *,
    sweep: str,
    command: str = "",
) -> dict[str, Path]:
    """Append runs.csv and traces.csv, then rewrite summary.md and both plots from all rows.

    The summary and plots use the newest row of each run key found in runs.csv, so sets
    swept one at a time into one folder add up, and a rerun replaces its older row.
    """
    import pandas as pd

    from clnmatch.io.safe import atomic_write_text
    from clnmatch.research import plots

    out_dir.mkdir(parents=True, exist_ok=True)
    runs = latest_runs(_append_csv(out_dir / "runs.csv", _records_frame(outcomes, sweep)))
    sweep_row = pd.DataFrame(
        [
            {
                "sweep": sweep,
                "version": _version(),
                "runs": len(outcomes),
                "failed": sum(o.record.status == "failed" for o in outcomes),
                "command": command,
            }
        ]
    )
    sweeps = _append_csv(out_dir / "sweeps.csv", sweep_row)
    commands = {
        str(r.sweep): str(r.command)
        for r in sweeps.itertuples(index=False)
        if str(r.sweep) in set(runs["sweep"].astype(str)) and isinstance(r.command, str)
    }
    traces = _append_csv(out_dir / "traces.csv", _trace_frame(outcomes, sweep))
    if not traces.empty:
        traces = traces.drop_duplicates(subset=[*KEY_COLUMNS, "time_s"], keep="last")
        newest = runs.set_index(KEY_COLUMNS)["sweep"]
        keys = pd.MultiIndex.from_frame(traces[KEY_COLUMNS])
        keep = newest.reindex(keys).to_numpy() == traces["sweep"].to_numpy()
        traces = traces[keep]
    atomic_write_text(out_dir / "summary.md", summary_markdown(runs, commands=commands))
    paths = {
        "runs": out_dir / "runs.csv",
        "sweeps": out_dir / "sweeps.csv",
        "traces": out_dir / "traces.csv",
        "summary": out_dir / "summary.md",
        "performance_profile": out_dir / "performance_profile.png",
        "objective_over_time": out_dir / "objective_over_time.png",
    }
    plots.performance_profile(runs, paths["performance_profile"])
    plots.objective_over_time(traces, paths["objective_over_time"])
    return paths


# --------------------------------------------------------------------------- summary
def _fmt(value: Any, digits: int = 3, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if pct:
        return f"{100 * value:.{digits}f}%"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _limit_label(group: pd.DataFrame) -> str:
    rules = set(group["time_limit_rule"].astype(str))
    limits = sorted(set(group["time_limit"].astype(float)))
    text = "/".join(f"{x:g}" for x in limits) + " s"
    if rules == {"tpsdp"}:
        return f"TPSDP ({text})"
    return text


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], text: int = 2) -> list[str]:
    """A markdown table; the first ``text`` columns left-aligned, the rest (numbers) right."""
    align = ["---" if i < text or header[i] == "reason" else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    return lines


def summary_markdown(runs: pd.DataFrame, *, commands: dict[str, str] | None = None) -> str:
    """Markdown tables of means per strategy and set (the runs given, one row per run).

    ``commands`` maps each sweep id whose rows are included to the command that made it.
    """
    import pandas as pd

    lines = ["# Benchmark summary", ""]
    if commands:
        lines += [
            "Made by:",
            "",
            "```",
            *(f"{c}  # sweep {k}" for k, c in commands.items()),
            "```",
            "",
        ]
    versions = sorted(set(runs["version"].dropna().astype(str))) if not runs.empty else []
    sweeps = sorted(set(runs["sweep"].dropna().astype(str))) if not runs.empty else []
    from clnmatch.research.peers import peer_versions

    peer_text = ", ".join(f"{k} {v or 'not installed'}" for k, v in peer_versions().items())
    lines += [
        f"clnmatch {', '.join(versions) or _version()}; {len(runs)} runs from sweep(s) "
        f"{', '.join(sweeps) or '-'}; Python {platform.python_version()} on {platform.machine()} "
        f"({os.cpu_count()} CPUs); peers: {peer_text}.",
        "",
        "Objective: mean over runs that returned an assignment (rule-breaking ones included: "
        "see breaches). Gap: (bound - objective) / objective where a bound was proven. "
        "Gap to BKS: (best known - objective) / best known. Breaches: mean per run. "
        "Runtime: mean wall seconds. Memory: largest RSS growth during a run. "
        "ok: runs with a rule-abiding answer; failed: runs that raised (reasons below); "
        "the rest found no answer or broke rules.",
        "",
    ]
    if runs.empty:
        return "\n".join([*lines, "No runs.", ""])
    frame = runs.copy()
    for col in ("objective", "gap", "gap_to_best_known", "breaches", "runtime_s", "peak_memory_mb"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    header = [
        "set",
        "strategy",
        "time limit",
        "runs",
        "ok",
        "failed",
        "objective",
        "gap",
        "gap to BKS",
        "breaches",
        "runtime s",
        "memory MB",
    ]
    rows = []
    for (set_name, strategy), g in frame.groupby(["set", "strategy"], sort=False):
        ok = g["status"].isin(["optimal", "feasible"])
        rows.append(
            [
                str(set_name),
                str(strategy) + (" (peer)" if (g["kind"] == "peer").any() else ""),
                _limit_label(g),
                str(len(g)),
                str(int(ok.sum())),
                str(int((g["status"] == "failed").sum())),
                _fmt(_mean(g["objective"])),
                _fmt(_mean(g["gap"]), 2, pct=True),
                _fmt(_mean(g["gap_to_best_known"]), 3, pct=True),
                _fmt(_mean(g["breaches"]), 1),
                _fmt(_mean(g["runtime_s"]), 2),
                _fmt(_max(g["peak_memory_mb"]), 1),
            ]
        )
    lines += ["## Means per strategy and set", "", *_table(header, rows), ""]
    lines += _ratio_section(frame)
    lines += _size_section(frame)
    failures = frame[frame["status"] == "failed"]
    if not failures.empty:
        lines += ["## Failed runs", ""]
        reasons = failures.groupby(["set", "strategy", "error"], sort=False).size().reset_index()
        lines += _table(
            ["set", "strategy", "runs", "reason"],
            (
                [str(r[0]), str(r[1]), str(r[3]), str(r[2]).replace("|", "/")]
                for r in reasons.itertuples(index=False)
            ),
        )
        lines.append("")
    return "\n".join(lines)


def _mean(series: pd.Series) -> float | None:
    values = series.dropna()
    return float(values.mean()) if len(values) else None


def _max(series: pd.Series) -> float | None:
    values = series.dropna()
    return float(values.max()) if len(values) else None


def _ratio_section(frame: pd.DataFrame) -> list[str]:
    """Cohort sets: each strategy's and peer's mean objective over the best strategy's."""
    cohort = frame[frame["set"].isin(list(COHORT_SETS))]
    if cohort.empty:
        return []
    rows = []
    for set_name, g in cohort.groupby("set", sort=False):
        means: dict[str, float | None] = {
            str(k): (None if v != v else float(v))  # NaN: no run returned an assignment
            for k, v in g.groupby("strategy", sort=False)["objective"].mean().items()
        }
        first_kind = g.groupby("strategy", sort=False)["kind"].first()
        kinds = {str(k): str(v) for k, v in first_kind.items()}
        clean = g[g["status"].isin(["optimal", "feasible"])]
        ours = {k: v for k, v in means.items() if kinds[k] == "strategy" and v is not None}
        best_name = max(ours, key=lambda k: ours[k]) if ours else None
        best = ours[best_name] if best_name is not None else None
        for strategy, mean in means.items():
            part = g[g["strategy"] == strategy]
            ratio = mean / best if best and best > 0 and mean is not None else None
            rows.append(
                [
                    str(set_name),
                    strategy + (" (peer)" if kinds[strategy] == "peer" else ""),
                    _fmt(mean),
                    _fmt(ratio, 3) + (" (best)" if strategy == best_name else ""),
                    f"{int((part['breaches'].fillna(0) > 0).sum())}/{len(part)}",
                    str(int((clean["strategy"] == strategy).sum())),
                ]
            )
    return [
        "## Cohort sets: objective relative to the best strategy",
        "",
        "Ratio = mean objective / the best clnmatch strategy's mean objective on the set "
        "(peers and rule-breaking runs included, so read it beside the breaches).",
        "",
        *_table(
            [
                "set",
                "strategy",
                "mean objective",
                "ratio to best",
                "runs with breaches",
                "rule-abiding runs",
            ],
            rows,
        ),
        "",
    ]


_N = re.compile(r"_n(\d+)_")


def _instance_n(name: object) -> int:
    """n from an MDGPLIB name (RanReal_n120_ss_01 -> 120); -1 if it has none."""
    match = _N.search(str(name))
    return int(match.group(1)) if match else -1


def _size_section(frame: pd.DataFrame) -> list[str]:
    """Research sets with best-known values: gap to BKS by instance size n."""
    research = frame[frame["best_known"].notna() & frame["objective"].notna()].copy()
    if research.empty:
        return []
    research["n"] = research["instance"].map(_instance_n)
    rows = []
    for (set_name, n, strategy), g in research.groupby(["set", "n", "strategy"], sort=True):
        gap = g["gap_to_best_known"].astype(float)
        rows.append(
            [
                str(set_name),
                str(strategy),
                str(n),
                str(g["instance"].nunique()),
                str(len(g)),
                _fmt(float(gap.mean()), 3, pct=True),
                _fmt(float(gap.min()), 3, pct=True),
                str(int((gap <= 1e-6).sum())),
            ]
        )
    return [
        "## Gap to best known by instance size",
        "",
        *_table(
            [
                "set",
                "strategy",
                "n",
                "instances",
                "runs",
                "mean gap to BKS",
                "best gap",
                "runs reaching BKS",
            ],
            rows,
        ),
        "",
    ]


# --------------------------------------------------------------------------- command
def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Benchmark strategies (and peers) over instance sets, seeds and time limits.",
    )
    p.add_argument(
        "--sets",
        default="cln",
        help="comma list of sets: " + ", ".join([*COHORT_SETS, *RESEARCH_SETS]) + " (default cln)",
    )
    p.add_argument(
        "--strategies",
        default="all",
        help="comma list of registered strategies, or 'all' (default)",
    )
    p.add_argument(
        "--peers", default="", help="comma list of peers for cohort sets, or 'all' (default none)"
    )
    p.add_argument("--seeds", default="0,1,2", help="comma list of seeds (default 0,1,2)")
    p.add_argument(
        "--time-limit",
        default="",
        help="comma list of seconds per run; default per set (TPSDP's by n for "
        "mdgp/ccp: 3 s to n=120, 20 s to 240, 120 s beyond)",
    )
    p.add_argument(
        "--cohorts",
        type=int,
        default=None,
        help="generated cohorts per cohort set (default per set: tiny 2, cln 5, "
        "region 2, stress 1)",
    )
    p.add_argument(
        "--instances",
        type=Path,
        default=None,
        help="MDGPLIB folder (default ../shared/benchmarks/mdgplib)",
    )
    p.add_argument(
        "--ccp-instances",
        type=Path,
        default=None,
        help="CCPLIB folder (default ../shared/benchmarks/ccplib)",
    )
    p.add_argument(
        "--match",
        action="append",
        default=[],
        help="glob on research instance names, e.g. 'RanReal_n120_*' (repeatable)",
    )
    p.add_argument(
        "--objective",
        choices=["focus", "cohesion", "blend"],
        default="blend",
        help="objective for cohort sets (default blend); runs.csv names the set cln:focus etc.",
    )
    p.add_argument("--jobs", type=int, default=1, help="parallel runs (joblib; Dask workers)")
    p.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address, or 'local' for a LocalCluster of --jobs workers",
    )
    p.add_argument(
        "--memory",
        choices=["rss", "tracemalloc"],
        default="rss",
        help="rss (default): sampled RSS growth; tracemalloc: also the Python-heap "
        "peak (slows pure-Python strategies several-fold)",
    )
    p.add_argument(
        "--no-warm-up",
        action="store_true",
        help="time each worker's first run of a solver cold (imports, JIT included)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("bench-out"), help="output folder (default bench-out)"
    )
    p.add_argument("--list", action="store_true", help="list sets, strategies and peers, then exit")
    p.add_argument("--dry-run", action="store_true", help="print the plan size, run nothing")
    return p


def run_bench(argv: Sequence[str] | None = None, *, prog: str = "python -m benchmarks") -> int:
    """The ``bench`` command. Returns the exit code (0 done, 2 invalid setting, 1 other error).

    ``argv`` defaults to ``sys.argv[1:]``; ``prog`` names the command in --help and in the
    "Made by" line of summary.md. Failed runs do not fail the sweep: they are rows with
    status ``failed`` and the reason.
    """
    from clnmatch.research.peers import available_peers, get_peer
    from clnmatch.strategies import available_strategies, get_strategy

    argv = list(argv) if argv is not None else sys.argv[1:]
    try:
        args = _parser(prog).parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's own usage error (code 2)
        return exc.code if isinstance(exc.code, int) else 2
    err = sys.stderr
    try:
        strategies = (
            available_strategies() if args.strategies == "all" else _csv_list(args.strategies)
        )
        if args.list:
            print("sets:", ", ".join([*COHORT_SETS, *RESEARCH_SETS]))
            print("strategies:", ", ".join(available_strategies()))
            print("peers:", ", ".join(available_peers()))
            return 0
        for name in strategies:
            get_strategy(name)  # an unknown name fails here, listing the choices
        peers = available_peers() if args.peers == "all" else _csv_list(args.peers)
        for name in peers:
            get_peer(name)
        try:
            seeds = [int(s) for s in _csv_list(args.seeds)]
            limits = [float(t) for t in _csv_list(args.time_limit)]
        except ValueError as exc:
            raise InvalidParameterError.for_value(
                "seeds/time-limit",
                "bench",
                "comma lists of numbers",
                f"{args.seeds} / {args.time_limit}",
            ) from exc
        if any(s < 0 for s in seeds) or any(not (t > 0 and math.isfinite(t)) for t in limits):
            raise InvalidParameterError.for_value(
                "seeds/time-limit",
                "bench",
                "seeds >= 0 and time limits > 0",
                f"{args.seeds} / {args.time_limit}",
            )
        if args.jobs < 1:
            raise InvalidParameterError.for_value("jobs", "bench", "an int >= 1", args.jobs)
        sets = _csv_list(args.sets)
        research = [s for s in sets if s in RESEARCH_SETS]
        if peers and research:
            print(f"note: peers run on cohort sets only, not on {', '.join(research)}", file=err)
        specs = plan(
            sets,
            strategies,
            seeds,
            peers=peers,
            time_limits=limits,
            cohorts=args.cohorts,
            mdgp_dir=args.instances,
            ccp_dir=args.ccp_instances,
            match=args.match,
            memory=args.memory,
            warm_up=not args.no_warm_up,
            objective=args.objective,
        )
    except ClnmatchError as exc:
        print(f"Invalid setting: {exc}", file=err)
        return 2
    budget = sum(s.time_limit for s in specs)
    print(f"{len(specs)} runs; time limits add up to {budget:,.0f} s", file=err)
    if args.dry_run or not specs:
        return 0

    sweep = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)
    command = f"{prog} {shlex.join(argv)}"
    args.out.mkdir(parents=True, exist_ok=True)
    partial = args.out / "runs.partial.csv"
    count = [0]

    def progress(outcome: RunOutcome) -> None:
        count[0] += 1
        r = outcome.record
        obj = "-" if r.objective is None else f"{r.objective:,.3f}"
        print(
            f"[{count[0]}/{len(specs)}] {r.set} {r.instance} {r.strategy} seed {r.seed} "
            f"{r.time_limit:g}s: {r.status} {obj} ({r.runtime_s or 0:.2f} s)"
            + (f" {r.error}" if r.error else ""),
            file=err,
            flush=True,
        )
        # a line per finished run, so a crashed sweep still leaves its results
        new = not partial.exists()
        with partial.open("a", encoding="utf-8") as handle:
            buffer = io.StringIO()
            _records_frame([outcome], sweep).to_csv(
                buffer, index=False, header=new, lineterminator="\n"
            )
            handle.write(buffer.getvalue())

    try:
        outcomes = execute(specs, jobs=args.jobs, scheduler=args.scheduler, on_result=progress)
        paths = write_outputs(args.out, outcomes, sweep=sweep, command=command)
    except ClnmatchError as exc:
        print(f"Invalid setting: {exc}", file=err)
        return 2
    except Exception as exc:  # the sweep itself broke (not one run): say so, keep the partial file
        print(
            f"Benchmark sweep failed: {_error_text(exc)}; finished runs are in {partial}", file=err
        )
        return 1
    with contextlib.suppress(OSError):
        partial.unlink()
    failed = sum(o.record.status == "failed" for o in outcomes)
    print(
        f"{len(outcomes)} runs ({failed} failed) -> {paths['runs']}, {paths['summary']}", file=err
    )
    return 0
