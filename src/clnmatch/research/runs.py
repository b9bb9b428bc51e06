"""What a benchmark run is: its spec (to make), its record (a runs.csv row), and the plan.

``plan`` turns sets x strategies (and peers) x seeds x time limits into ``RunSpec``s in a
stable order; a spec is small and picklable, so a worker builds the instance itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Literal

from clnmatch.errors import InvalidParameterError
from clnmatch.research.sets import (
    COHORT_SETS,
    RESEARCH_SETS,
    SetKind,
    best_known_values,
    default_benchmarks_dir,
    header_n,
    research_files,
    tpsdp_time_limit,
)

__all__ = [
    "KEY_COLUMNS",
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


def clnmatch_version() -> str:
    from clnmatch import __version__

    return __version__


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
            best = best_known_values(folder)
            for path in research_files(folder, match):
                limits = list(time_limits) or [tpsdp_time_limit(header_n(path))]
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
        specs.extend(mark_representatives(block))
    return specs


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
