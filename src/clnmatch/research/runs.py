"""What a benchmark run is: its spec (to make), its record (a runs.csv row), and the plan.

``plan`` turns sets x strategies (and peers) x seeds x time limits into ``RunSpec``s in a
stable order; a spec is small and picklable, so a worker builds the instance itself.
Schedule sets (``golf``, ``breakouts-scale``) are planned by the breakout planner alone
(solver ``breakouts``), whatever strategies the sweep names; ``breakouts`` is never run
on cohort or research sets. A spec marked ``alone`` is made with no other run beside it
(strategies that use both cores, such as ``portfolio``, are timed fairly that way).
"""

from __future__ import annotations

import fnmatch
import functools
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Literal

from clnmatch.errors import InvalidParameterError
from clnmatch.research.sets import (
    COHORT_SETS,
    RESEARCH_SETS,
    SCALE_CASES,
    SCHEDULE_SETS,
    SCHEDULE_SOLVER,
    SET_GROUPS,
    SetKind,
    best_known_values,
    default_benchmarks_dir,
    expand_sets,
    golf_set_instances,
    header_n,
    research_files,
    tpsdp_time_limit,
)

__all__ = [
    "KEY_COLUMNS",
    "OBJECTIVES",
    "RUN_COLUMNS",
    "TRACE_COLUMNS",
    "MemoryMode",
    "RunOutcome",
    "RunRecord",
    "RunSpec",
    "clnmatch_version",
    "mark_representatives",
    "plan",
]

MemoryMode = Literal["rss", "tracemalloc"]


@dataclass(frozen=True)
class RunSpec:
    """One run to make; small and picklable, so a worker builds the instance itself."""

    set: str
    instance: str
    kind: SetKind
    solver: str
    solver_kind: Literal["strategy", "peer"]  # schedule sets: "strategy" (breakouts)
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
    alone: bool = False  # made with no other run beside it
    bound_time: float = 0.0  # research sets: seconds to prove a bound the run did not give

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
    # schedule sets (golf, breakouts-scale): fewer repeats is better
    repeats: int | None = None  # pairs meeting again, counted by the schedule checker
    repeats_lower_bound: int | None = None  # proven: no schedule has fewer
    solved: bool | None = None  # no repeats and every rule met
    known_max_rounds: int | None = None  # golf: the literature's most repeat-free rounds
    first_solved_s: float | None = None  # seconds to the first solved schedule
    runtime_s: float | None = None
    cpu_s: float | None = None  # the worker's CPU seconds during the run (children's too)
    over_time: bool = False  # the strategy ran well past its time (Budget.overrun)
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
    """A finished run: its record, for representative runs its anytime trace, and for
    research instances its assignment (each element's group, 0-based)."""

    record: RunRecord
    trace: list[tuple[float, float | None, float | None]] = field(default_factory=list)
    solution: tuple[int, ...] | None = None


@functools.cache
def clnmatch_version() -> str:
    """The version, with the commit of the source it runs from when that is a git checkout
    (an editable install: "0.1.0+g46b7635a1c", ".dirty" when the source was changed), so
    that each result names the code that made it."""
    from clnmatch.version import __version__

    source = Path(__file__).resolve().parents[1]  # the clnmatch package
    checkout = source.parents[1]  # src/clnmatch in clnmatch's own repository
    project = checkout / "pyproject.toml"
    if not project.is_file() or 'name = "clnmatch"' not in project.read_text(encoding="utf-8"):
        return __version__  # installed, perhaps inside another project's repository
    try:
        head = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--show-toplevel", "--short=10", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        changed = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):  # no git, or not a checkout: an installed wheel
        return __version__
    top, _, commit = head.stdout.strip().partition("\n")
    if not commit or Path(top).resolve() != checkout:  # another repository holds the package
        return __version__
    return f"{__version__}+g{commit}" + (".dirty" if changed.stdout.strip() else "")


OBJECTIVES = ("focus", "cohesion", "blend")


def plan(
    sets: Sequence[str],
    strategies: Sequence[str],
    seeds: Sequence[int],
    *,
    peers: Sequence[str] = (),
    time_limits: Sequence[float] = (),
    cohorts: int | None = None,
    first_cohort: int = 0,
    mdgp_dir: Path | None = None,
    ccp_dir: Path | None = None,
    match: Sequence[str] = (),
    memory: MemoryMode = "rss",
    warm_up: bool = True,
    objective: str | Sequence[str] = "blend",
    alone: bool | Sequence[str] = False,
    bound_time: float = 0.0,
) -> list[RunSpec]:
    """Every run of a sweep, in a stable order; one representative run per set keeps a trace.

    ``sets`` may name groups (``families``). Cohort sets run once per objective in
    ``objective`` (one name or several); research sets have their own objective. Peers
    run on cohort sets only (they know nothing of MDGP). Cohort sets run cohorts
    ``first_cohort`` .. ``first_cohort + cohorts - 1`` (a later start holds cohorts out of
    the ones a change was tuned on). Schedule sets run the breakout
    planner (``breakouts``) only. ``time_limits`` empty means per set: TPSDP's by n for
    research sets, the set's default for cohorts, the instance's for schedule sets.
    ``match`` filters research and schedule instances by name. ``alone``: True makes every
    run alone, a list of solver names makes those solvers' runs alone. ``bound_time``:
    on research sets, the seconds ``certified_bound`` gets when a run proves no bound
    (after the run, outside its ``runtime_s``; once per instance and worker).
    """
    objectives = [objective] if isinstance(objective, str) else list(objective)
    for name in objectives:
        if name not in OBJECTIVES:
            choices = ", ".join(repr(o) for o in OBJECTIVES)
            raise InvalidParameterError.for_value("objective", "bench", f"one of {choices}", name)
    limits = tuple(float(t) for t in time_limits)
    options = _Options(memory, warm_up, limits, first_cohort, float(bound_time))
    # the breakout planner runs schedule sets only; strategies run the others
    solvers = [s for s in strategies if s != SCHEDULE_SOLVER]
    specs: list[RunSpec] = []
    for set_name in expand_sets(sets):
        if set_name in COHORT_SETS:
            for name in objectives:
                block = _cohort_block(set_name, solvers, peers, seeds, cohorts, name, options)
                specs.extend(mark_representatives(block))
        elif set_name in RESEARCH_SETS:
            folder = _research_folder(set_name, mdgp_dir, ccp_dir)
            block = _research_block(set_name, folder, solvers, seeds, match, options)
            specs.extend(mark_representatives(block))
        elif set_name in SCHEDULE_SETS:
            specs.extend(_schedule_block(set_name, seeds, match, options))
        else:
            names = [*COHORT_SETS, *RESEARCH_SETS, *SCHEDULE_SETS, *SET_GROUPS]
            choices = ", ".join(repr(s) for s in names)
            raise InvalidParameterError.for_value(
                "sets", "bench", f"names among {choices}", set_name
            )
    if alone is True:
        return [replace(s, alone=True) for s in specs]
    if alone:
        return [replace(s, alone=True) if s.solver in alone else s for s in specs]
    return specs


@dataclass(frozen=True)
class _Options:
    memory: MemoryMode
    warm_up: bool
    time_limits: tuple[float, ...]
    first_cohort: int = 0
    bound_time: float = 0.0


def _cohort_block(
    set_name: str,
    strategies: Sequence[str],
    peers: Sequence[str],
    seeds: Sequence[int],
    cohorts: int | None,
    objective: str,
    options: _Options,
) -> list[RunSpec]:
    cset = COHORT_SETS[set_name]
    limits = list(options.time_limits) or [cset.time_limit]
    rule = "given" if options.time_limits else "set default"
    solvers = [(s, "strategy") for s in strategies] + [(p, "peer") for p in peers]
    return [
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
            memory=options.memory,
            warm_up=options.warm_up,
            objective=objective,
        )
        for k in range(
            options.first_cohort,
            options.first_cohort + (cset.instances if cohorts is None else cohorts),
        )
        for limit in limits
        for solver, solver_kind in solvers
        for seed in seeds
    ]


def _research_folder(set_name: str, mdgp_dir: Path | None, ccp_dir: Path | None) -> Path:
    bench = default_benchmarks_dir()
    if set_name == "mdgp":
        folder = mdgp_dir or bench / "mdgplib"
    else:
        folder = ccp_dir or bench / "ccplib"
    if not folder.is_dir():
        raise InvalidParameterError.for_value(
            "instances", "bench", f"a folder of {set_name.upper()} instances", str(folder)
        )
    return folder


def _research_block(
    set_name: str,
    folder: Path,
    strategies: Sequence[str],
    seeds: Sequence[int],
    match: Sequence[str],
    options: _Options,
) -> list[RunSpec]:
    best = best_known_values(folder)
    block: list[RunSpec] = []
    for path in research_files(folder, match):
        limits = list(options.time_limits) or [tpsdp_time_limit(header_n(path))]
        rule = "given" if options.time_limits else "tpsdp"
        block += [
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
                memory=options.memory,
                warm_up=options.warm_up,
                bound_time=options.bound_time,
            )
            for limit in limits
            for solver in strategies
            for seed in seeds
        ]
    return block


def _schedule_block(
    set_name: str, seeds: Sequence[int], match: Sequence[str], options: _Options
) -> list[RunSpec]:
    """Golf instances or breakout-room rosters, by name (``match`` globs), every seed."""
    if set_name == "golf":
        instances = golf_set_instances()
        kind: SetKind = "golf"
    else:
        instances = [(c.name, c.time_limit) for c in SCALE_CASES.values()]
        kind = "breakouts"
    chosen = [
        (name, limit)
        for name, limit in instances
        if not match or any(fnmatch.fnmatchcase(name, g) for g in match)
    ]
    return [
        RunSpec(
            set_name,
            name,
            kind,
            SCHEDULE_SOLVER,
            "strategy",
            int(seed),
            float(limit),
            "given" if options.time_limits else "set default",
            memory=options.memory,
            warm_up=options.warm_up,
        )
        for name, default in chosen
        for limit in (options.time_limits or (default,))
        for seed in seeds
    ]


def mark_representatives(block: list[RunSpec]) -> list[RunSpec]:
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
