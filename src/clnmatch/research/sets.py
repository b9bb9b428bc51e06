"""The benchmark's instance sets: generated cohorts, research instance folders, schedules.

A cohort set names a generator, a size and the rules; each worker builds its cohorts
itself from (set, seed), so only a few bytes travel to a worker. Research sets are
folders of MDGPLIB / CCPLIB files with their best-known values. Schedule sets are breakout
rooms over several rounds (issue 17), planned by ``clnmatch.breakouts`` (the ``breakouts``
solver): ``golf``, the Social Golfer instances G-S-W whose maximum rounds the literature
knows, and ``breakouts-scale``, webinar-sized rosters with side rules.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from clnmatch.errors import InvalidParameterError
from clnmatch.generate.families import FAMILIES as _FAMILIES
from clnmatch.models import Cohort, Rules
from clnmatch.problem import Problem

__all__ = [
    "COHORT_SETS",
    "FAMILY_SETS",
    "GOLF_EXTRA",
    "GOLF_TIME_LIMITS",
    "RESEARCH_SETS",
    "SCALE_CASES",
    "SCHEDULE_SETS",
    "SCHEDULE_SOLVER",
    "SET_GROUPS",
    "CohortSet",
    "ScaleCase",
    "SetKind",
    "best_known_values",
    "default_benchmarks_dir",
    "expand_sets",
    "golf_set_instances",
    "header_n",
    "research_files",
    "research_problem",
    "set_cohort",
    "tpsdp_time_limit",
]

SetKind = Literal["cohort", "research", "golf", "breakouts"]


@dataclass(frozen=True)
class CohortSet:
    """Generated cohorts: ``instances`` cohorts (seeds 0..k-1) of this size under ``rules``.

    ``family`` names a benchmark family (``clnmatch.generate.FAMILIES``), whose cohorts
    draw their own size (40-55 establishments); otherwise ``generate_cohort`` makes
    cohorts of ``establishments``.
    """

    name: str
    establishments: int
    rules: Rules
    time_limit: float  # default seconds per run
    instances: int  # default number of cohorts
    family: str | None = None

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
# the benchmark families (issue 16): CLN scale, default rules, 30 s (the limit issue 16 used)
FAMILY_SETS = tuple(f"fam-{name}" for name in _FAMILIES)
COHORT_SETS.update(
    {
        name: CohortSet(name, 55, Rules(), 30.0, 5, family=name.removeprefix("fam-"))
        for name in FAMILY_SETS
    }
)
RESEARCH_SETS = ("mdgp", "ccp")


@dataclass(frozen=True)
class ScaleCase:
    """A roster of ``people`` from ``generate_cohort(establishments, seed=0)``, planned into
    rooms of ``room_size`` for ``rounds`` rounds with at least ``min_authorities`` a room."""

    name: str
    people: int
    establishments: int
    room_size: int
    rounds: int
    min_authorities: int
    time_limit: float  # the target's limit, the set's default
    label: str


# issue 17 item 5: the webinar and the whole-region targets (no repeats within the limit)
SCALE_CASES: dict[str, ScaleCase] = {
    case.name: case
    for case in (
        ScaleCase(
            "480-people",
            480,
            245,
            6,
            5,
            3,
            60.0,
            "480 people, rooms of 6, 5 rounds, >= 3 authorities",
        ),
        ScaleCase(
            "5000-people",
            5000,
            2530,
            8,
            4,
            3,
            300.0,
            "5,000 people, rooms of 8, 4 rounds, >= 3 authorities",
        ),
    )
}
# the golf set: every (groups, size) the literature knows, at its maximum rounds, then
# Kirkman's original 8-4-9 and two instances past their maximum (repeats cannot reach 0)
GOLF_EXTRA: tuple[tuple[int, int, int], ...] = ((8, 4, 9), (5, 3, 8), (8, 4, 11))
# seconds per golf run unless the plan says otherwise; 8-4-10 is issue 17's moonshot
GOLF_TIME_LIMITS = {"default": 60.0, "8-4-10": 600.0}
SCHEDULE_SETS = ("golf", "breakouts-scale")
SCHEDULE_SOLVER = "breakouts"  # the solver column of schedule sets: clnmatch.breakouts
# names that stand for several sets on the command line
SET_GROUPS: dict[str, tuple[str, ...]] = {"families": FAMILY_SETS}


def expand_sets(names: Sequence[str]) -> list[str]:
    """Set names with groups (``families``) replaced by their sets, each set once."""
    out: list[str] = []
    for name in names:
        for set_name in SET_GROUPS.get(name, (name,)):
            if set_name not in out:
                out.append(set_name)
    return out


def golf_set_instances() -> list[tuple[str, float]]:
    """The golf set's instances (G-S-W names) with their default time limits."""
    from clnmatch.breakouts.benchmark import golf_instances

    return [
        (inst.name, GOLF_TIME_LIMITS.get(inst.name, GOLF_TIME_LIMITS["default"]))
        for inst in golf_instances(GOLF_EXTRA)
    ]


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


@functools.lru_cache(maxsize=4)
def set_cohort(set_name: str, cohort_seed: int) -> Cohort:
    """Cohort ``cohort_seed`` of a cohort set (built in the worker, cached a little)."""
    from clnmatch.generate import family_cohort, generate_cohort

    spec = COHORT_SETS[set_name]
    if spec.family is not None:
        return family_cohort(spec.family, cohort_seed)
    return generate_cohort(spec.establishments, seed=cohort_seed, teams_hint=spec.teams)


@functools.lru_cache(maxsize=4)
def research_problem(path: str) -> Problem:
    from clnmatch.research.instances import read_instance

    return read_instance(path)


def header_n(path: Path) -> int:
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


def best_known_values(folder: Path) -> dict[str, float]:
    path = folder / "bks.csv"
    if not path.is_file():
        return {}
    from clnmatch.research.instances import read_best_known

    return {name: bk.value for name, bk in read_best_known(path).items()}
