"""A sweep's options (sets, strategies, seeds, ...), from the command line or a plan file.

One harness run may make several sweeps: ``--plan FILE`` reads a TOML file of
``[[sweep]]`` tables, each with the options the command line takes for one sweep::

    [[sweep]]
    sets = "cln"
    objective = "focus"
    strategies = ["auto", "colgen", "cpsat"]
    cohorts = 10
    seeds = 0
    time_limit = 60

All their runs go through one execution and one output folder, so every figure of a page
built from it comes from one run of the harness, under one command. ``alone = true`` (or a
list of solver names) makes a sweep's runs (or those solvers' runs) one at a time, after
the others: a strategy racing on both cores is not timed beside another run.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clnmatch.errors import InvalidParameterError
from clnmatch.research.runs import MemoryMode, RunSpec, plan
from clnmatch.research.sets import SCHEDULE_SOLVER

__all__ = ["SWEEP_DEFAULTS", "Sweep", "read_plan", "specs_for"]

# the command line's defaults for one sweep's options
SWEEP_DEFAULTS: dict[str, Any] = {
    "sets": "cln",
    "strategies": "all",
    "peers": "",
    "seeds": "0,1,2",
    "time_limit": "",
    "cohorts": None,
    "first_cohort": None,
    "instances": None,
    "ccp_instances": None,
    "match": [],
    "objective": "blend",
    "alone": False,
    "bound_time": None,
}


@dataclass(frozen=True)
class Sweep:
    """One sweep's options, checked: names resolved, numbers parsed."""

    sets: list[str]
    strategies: list[str]
    peers: list[str]
    seeds: list[int]
    time_limits: list[float]
    objectives: list[str]
    cohorts: int | None = None
    first_cohort: int = 0  # cohorts first_cohort .. first_cohort + cohorts - 1 (held out)
    instances: Path | None = None
    ccp_instances: Path | None = None
    match: list[str] = field(default_factory=list)
    alone: bool | list[str] = False
    bound_time: float = 0.0  # research sets: seconds to prove a bound a run did not give


def _names(value: Any) -> list[str]:
    """A comma list ("a,b") or a TOML array as a list of stripped names."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(t).strip() for t in items if str(t).strip()]


def sweep_from(values: Mapping[str, Any], where: str = "bench") -> Sweep:
    """Check one sweep's options (command-line strings or TOML values) and resolve names.

    ``where`` names the source in messages (``bench``, or the plan file and sweep).
    """
    from clnmatch.research.peers import available_peers, get_peer
    from clnmatch.strategies import available_strategies, get_strategy

    unknown = sorted(set(values) - set(SWEEP_DEFAULTS))
    if unknown:
        choices = ", ".join(SWEEP_DEFAULTS)
        raise InvalidParameterError.for_value("sweep", where, f"options among {choices}", unknown)
    merged = {**SWEEP_DEFAULTS, **values}
    strategies = _names(merged["strategies"])
    if strategies == ["all"]:
        strategies = available_strategies()
    for name in strategies:
        # auto: what solve picks (clnmatch.solve.choose_strategy); breakouts: schedule sets
        if name not in ("auto", SCHEDULE_SOLVER):
            get_strategy(name, where)  # an unknown name fails here, listing the choices
    peers = _names(merged["peers"])
    if peers == ["all"]:
        peers = available_peers()
    for name in peers:
        get_peer(name)
    try:
        seeds = [int(s) for s in _names(merged["seeds"])]
        limits = [float(t) for t in _names(merged["time_limit"])]
    except ValueError as exc:
        raise InvalidParameterError.for_value(
            "seeds/time-limit",
            where,
            "comma lists of numbers",
            (merged["seeds"], merged["time_limit"]),
        ) from exc
    if any(s < 0 for s in seeds) or any(not (t > 0 and math.isfinite(t)) for t in limits):
        raise InvalidParameterError.for_value(
            "seeds/time-limit",
            where,
            "seeds >= 0 and time limits > 0",
            (merged["seeds"], merged["time_limit"]),
        )
    cohorts = merged["cohorts"]
    if cohorts is not None and (
        isinstance(cohorts, bool) or not isinstance(cohorts, int) or cohorts < 1
    ):
        raise InvalidParameterError.for_value("cohorts", where, "an int >= 1", cohorts)
    first = 0 if merged["first_cohort"] is None else merged["first_cohort"]
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise InvalidParameterError.for_value("first_cohort", where, "an int >= 0", first)
    bound_time = 0.0 if merged["bound_time"] is None else merged["bound_time"]
    try:
        bound_time = float(bound_time) if not isinstance(bound_time, bool) else math.nan
    except (TypeError, ValueError):
        bound_time = math.nan
    if not (bound_time >= 0 and math.isfinite(bound_time)):
        raise InvalidParameterError.for_value(
            "bound_time", where, "a number of seconds >= 0", merged["bound_time"]
        )
    return Sweep(
        sets=_names(merged["sets"]),
        strategies=strategies,
        peers=peers,
        seeds=seeds,
        time_limits=limits,
        objectives=_names(merged["objective"]),
        cohorts=cohorts,
        first_cohort=first,
        instances=None if merged["instances"] is None else Path(merged["instances"]),
        ccp_instances=None if merged["ccp_instances"] is None else Path(merged["ccp_instances"]),
        match=_names(merged["match"]),
        alone=_alone(merged["alone"], where, [*strategies, *peers, SCHEDULE_SOLVER]),
        bound_time=bound_time,
    )


def _alone(value: Any, where: str, solvers: list[str]) -> bool | list[str]:
    """``alone``: true / "all" (every run), false / "" (none), or names of the sweep's
    ``solvers`` (a name it does not run would make nothing alone, silently)."""
    if isinstance(value, bool):
        return value
    names = _names(value)
    if names == ["all"]:
        return True
    if "all" in names or (value is not None and not isinstance(value, str | list | tuple)):
        raise InvalidParameterError.for_value(
            "alone", where, "true, false, 'all' or solver names", value
        )
    strangers = [n for n in names if n not in solvers]
    if strangers:
        raise InvalidParameterError.for_value(
            "alone", where, "'all' or solvers of the sweep: " + ", ".join(solvers), strangers
        )
    return names


def read_plan(path: Path) -> list[Sweep]:
    """The sweeps of a TOML plan file (``[[sweep]]`` tables), checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidParameterError.for_value(
            "plan", "bench", "a readable TOML file of [[sweep]] tables", f"{path}: {exc}"
        ) from exc
    tables = data.get("sweep")
    if set(data) - {"sweep"} or not isinstance(tables, list) or not tables:
        raise InvalidParameterError.for_value(
            "plan", "bench", "a TOML file of [[sweep]] tables only", str(path)
        )
    return [
        sweep_from(
            {k.replace("-", "_"): v for k, v in table.items()}, f"bench plan {path} sweep {i + 1}"
        )
        for i, table in enumerate(tables)
    ]


def specs_for(
    sweeps: Sequence[Sweep], *, memory: MemoryMode = "rss", warm_up: bool = True
) -> list[RunSpec]:
    """The runs of every sweep, in order; a run two sweeps share is made once."""
    specs: list[RunSpec] = []
    seen: set[tuple[str, str, str, int, float]] = set()
    for sweep in sweeps:
        for spec in plan(
            sweep.sets,
            sweep.strategies,
            sweep.seeds,
            peers=sweep.peers,
            time_limits=sweep.time_limits,
            cohorts=sweep.cohorts,
            first_cohort=sweep.first_cohort,
            mdgp_dir=sweep.instances,
            ccp_dir=sweep.ccp_instances,
            match=sweep.match,
            memory=memory,
            warm_up=warm_up,
            objective=sweep.objectives,
            alone=sweep.alone,
            bound_time=sweep.bound_time,
        ):
            if spec.key not in seen:
                seen.add(spec.key)
                specs.append(spec)
    return specs
